/* Per-resolver pacing: the model is described in pacing.h. */
#include "pacing.h"

#include <math.h>
#include <string.h>
#ifdef DG_PACE_TRACE /* -DDG_PACE_TRACE: the model each round on stderr */
#include <stdio.h>
#endif

#define STARTUP_GAIN 2.0
#define SLOW_START_WINDOWS 4.0   /* before a rate is known: at most this many first windows */
#define STARTUP_FULL_GROWTH 0.25 /* a round's growth that says "room" at the full gain */
#define STARTUP_GROWTH_MIN 1.02  /* ... and at least this, above a round's noise */
#define STARTUP_ROUNDS 3         /* rounds without it: the path is full */
#define STARTUP_ROUNDS_SHORT 8   /* ... on a short path (rounds of many round trips) */
#define WINDOW_BATCH 16          /* room a short path's full window waits for */
#define PROBE_CYCLE 8
#define PROBE_ROOM 1.15       /* a probe's rounds delivered this much more: startup again */
#define MAX_LOSS 0.6          /* the rate is never inflated past 1 / (1 - 0.6) */
#define JUDGE_OUTCOMES 24     /* outcomes before a loss is judged */
#define FIRST_LOSS_MAX 0.3    /* the first estimate of L, at most */
#define JUDGE_DOWN 64         /* ... sent slower than the rate */
#define LOSS_EWMA 32.0        /* outcomes the path's loss averages over */
#define ROUND_MIN_ANSWERS 32  /* answers a round lasts for at the measured rate */
#define LOSS_ROUND_MIN 64     /* outcomes of a round that startup's loss exit needs */
#define LIMIT_MIN_LOST 4      /* losses a probe round needs to call it a limit */
#define BACKOFF_MAX 2         /* 2^2 = at most 3x after the cap below */
#define RTO_MULT_MAX 3        /* back-off never past 3x the measured RTO */
#define RTO_QUEUE_SHARE 0.25  /* the RTO's margin over srtt, at least */
#define RTT_SETTLE 4          /* samples before the measured RTO replaces the cap */
#define SMOOTH_ROUNDS 2       /* rounds a rate sample spans after startup */
#define LIMITED_GAIN 0.95     /* a limit found: the cap, times what was delivered */
#define LIMITED_PROBE 1.1     /* a gentler probe while limited */
#define CAP_GROW 1.05         /* the cap after each probe that went through */
#define SLIP_MIN 3            /* slips a round needs to cut the rate at once ... */
#define SLIP_FRAC 0.02        /* ... and their share of its answers */
#define SLIP_CUTS_MAX 4       /* cuts before slips that never move are ignored */
#define SLIP_SHARE_MOVED 0.05 /* ... "never move": their share within 5 points */
#define SLIP_SHARE_MAX 0.6    /* ... and at most this: a limiter far overrun slips most */
#define SLIP_HOLD_MS 100      /* the least time between two cuts for slips */
#define SLIP_GROW 0.05        /* the cap's growth per second at it without slips */
#define DRAIN_GAIN 0.75       /* after startup, until its queue is gone ... */
#define DRAIN_ROUNDS_MAX 6    /* ... or this many rounds */
#define HYSTART_MIN_MS 4.0    /* a queue: the least RTT up by base/8, at least this */
#define HYSTART_MAX_MS 16.0   /* ... and at most this (RFC 9406's clamp) */

static const double probe_gains[PROBE_CYCLE] = {1.25, 0.75, 1, 1, 1, 1, 1, 1};

static dg_pace_round_t *ring_at(dg_pace_t *p, uint32_t id)
{
        dg_pace_round_t *r = &p->ring[id % PACE_RING];
        return r->id == id ? r : NULL;
}

/* About one round trip, and long enough for ROUND_MIN_ANSWERS answers at
 * the measured rate (the length is set before the round, never by what it
 * sees, so short lucky rounds do not bias the rate upwards). */
static uint64_t round_len(const dg_pace_t *p)
{
        double l = p->rtt_samples ? p->srtt : 100.0;
        if (p->mode == DG_PACE_PROBE && p->amax > 0 && l < ROUND_MIN_ANSWERS / p->amax)
                l = ROUND_MIN_ANSWERS / p->amax;
        if (l < PACE_ROUND_MIN_MS)
                l = PACE_ROUND_MIN_MS;
        if (l > PACE_ROUND_MAX_MS)
                l = PACE_ROUND_MAX_MS;
        return (uint64_t)l;
}

/* The gain of the round being opened. A round lasts at least
 * PACE_ROUND_MIN_MS, far longer than a loopback round trip: a probe's extra
 * is scaled by srtt / round length so that it adds about what BBR's would
 * (a fraction of one round trip's worth), not a queue-overflowing burst. */
static double gain_now(const dg_pace_t *p)
{
        double g = p->draining ? DRAIN_GAIN : probe_gains[p->cycle];
        if (p->mode == DG_PACE_STARTUP)
                g = STARTUP_GAIN; /* on a short path the window fills it anyway */
        else if (p->limited)
                g = g > 1.0 ? LIMITED_PROBE : g; /* of the cap */
        double len = p->srtt > PACE_ROUND_MIN_MS ? p->srtt : PACE_ROUND_MIN_MS;
        double frac = p->rtt_samples && p->srtt < len ? p->srtt / len : 1.0;
        if (frac < 0.1)
                frac = 0.1;
        return 1.0 + (g - 1.0) * frac;
}

static void round_open(dg_pace_t *p, uint32_t id, uint64_t now);

/* Startup's sign that the path still has room: the delivered rate grew by
 * this much in a round. BBR's 25% for startup's full gain; a gain scaled
 * down to a fraction of a round (a short path) can only grow by that
 * fraction, so the bar is scaled with it (else startup ends after three
 * rounds whatever the path holds). */
static double startup_growth(const dg_pace_t *p)
{
        double g = gain_now(p);
        double bar = 1.0 + STARTUP_FULL_GROWTH * (g - 1.0) / (STARTUP_GAIN - 1.0);
        return bar < STARTUP_GROWTH_MIN ? STARTUP_GROWTH_MIN : bar;
}

/* Rounds without that growth that end startup: BBR's three round trips;
 * more on a path whose round trip is under half a round, whose rounds of a
 * few ms are at the mercy of the scheduler (two programs on one core dip a
 * round's rate by 10-20%), where a full server shows anyway, by what its
 * socket buffer drops. */
static unsigned startup_full_rounds(const dg_pace_t *p)
{
        /* gains are scaled by round trip / round length: under half */
        return gain_now(p) < 1.0 + (STARTUP_GAIN - 1.0) / 2 ? STARTUP_ROUNDS_SHORT : STARTUP_ROUNDS;
}

void dg_pace_init(dg_pace_t *p, unsigned timeout_ms, unsigned max_inflight, uint64_t now_ms)
{
        memset(p, 0, sizeof *p);
        p->timeout_cap = timeout_ms ? timeout_ms : 1500;
        p->max_inflight = max_inflight;
        p->rto = p->timeout_cap;
        p->initial_window = PACE_INITIAL_WINDOW;
        p->cwnd = PACE_INITIAL_WINDOW;
        p->mode = DG_PACE_STARTUP;
        p->tokens_ms = now_ms;
        round_open(p, 1, now_ms);
}

void dg_pace_set_initial_window(dg_pace_t *p, unsigned w)
{
        p->initial_window = w ? w : 1;
        if (p->initial_window < PACE_INITIAL_WINDOW && p->sent == 0)
                p->cwnd = p->initial_window;
}

unsigned dg_pace_rto(const dg_pace_t *p)
{
        unsigned long long base = p->rto;
        unsigned long long eff = base << p->backoff;
        if (p->rtt_samples >= RTT_SETTLE && eff > base * RTO_MULT_MAX)
                eff = base * RTO_MULT_MAX;
        if (eff > p->timeout_cap)
                eff = p->timeout_cap;
        return (unsigned)eff;
}

unsigned dg_pace_window(const dg_pace_t *p)
{
        double w = p->cwnd;
        if (p->max_inflight && w > p->max_inflight)
                w = p->max_inflight;
        return w < 1 ? 1u : w > 4e9 ? 4000000000u : (unsigned)w;
}

double dg_pace_qps(const dg_pace_t *p)
{
        return p->rate * 1000.0;
}

double dg_pace_loss(const dg_pace_t *p)
{
        return p->loss_known ? p->loss : 0.0;
}

bool dg_pace_slips_ignored(const dg_pace_t *p)
{
        return p->slips_ignored;
}

void dg_pace_ignore_slips(dg_pace_t *p)
{
        if (p->slips_ignored)
                return;
        p->slips_ignored = true;
        if (p->slip_limited) {
                p->limited = p->slip_limited = false;
                p->cap = 0;
        }
}

double dg_pace_loss_all(const dg_pace_t *p)
{
        return p->loss_all;
}

/* At a round's end: the least mean RTT of a round, over two epochs. */
static void mean_track(dg_pace_t *p, uint64_t now)
{
        if (p->round_rtt_n >= PACE_MEAN_SAMPLES) {
                double m = p->round_rtt_sum / p->round_rtt_n;
                if (p->mean_cur <= 0 || m < p->mean_cur)
                        p->mean_cur = m;
        }
        if (now - p->mean_epoch >= PACE_MEAN_EPOCH_MS) {
                p->mean_prev = p->mean_cur;
                p->mean_cur = 0;
                p->mean_epoch = now;
        }
}

/* The least mean RTT of a round lately if the path is short (under a
 * round's least length), else 0. */
static double short_path_mean(const dg_pace_t *p)
{
        double m = p->mean_prev > 0 && (p->mean_cur <= 0 || p->mean_prev < p->mean_cur)
                       ? p->mean_prev
                       : p->mean_cur;
        return m > 0 && m < PACE_ROUND_MIN_MS ? m : 0;
}

/* How long the window holds queries for: at most twice the least mean RTT
 * of a round (and the ms clock's grain) on a path whose rounds span several
 * round trips (a server on the same host or LAN). There, what the window
 * lets in queues at the server, and the RTT that queue adds would widen the
 * window further (a window of 2 x rate x srtt always exceeds the queue that
 * made srtt), until the server's socket buffer drops a window's worth. The
 * mean, not the least sample: a resolver whose cache answers some names at
 * once and recurses for others is not a short path. */
static double short_path_hold(const dg_pace_t *p, double hold)
{
        double m = short_path_mean(p);
        if (m <= 0)
                return hold;
        double cap = 2.0 * m > 1.0 ? 2.0 * m : 1.0;
        return hold < cap ? hold : cap;
}

/* The rate and window from the current estimates. */
static void update_model(dg_pace_t *p)
{
        if (p->amax <= 0) {
                /* no rate measured: the window rules, spread over a round
                 * trip once one was measured (a burst's own queue would
                 * look like a full path) */
                p->rate = p->rtt_samples && p->srtt > 1.0 ? p->cwnd / p->srtt : 0;
                return;
        }
        double loss = p->loss_known ? p->loss : 0.0;
        if (loss > MAX_LOSS)
                loss = MAX_LOSS;
        /* startup also follows the rate measured since its last round: a
         * round's sample is a round late, and alone it doubles the rate
         * every other round trip */
        double a = p->mode == DG_PACE_STARTUP && p->live_bw > p->amax ? p->live_bw : p->amax;
        /* the path's own loss is made up for; a limit's is not (the gains
         * stay under it while limited, and L is measured under it) */
        p->rate = gain_now(p) * a / (1.0 - loss);
        if (p->limited && p->cap > 0) {
                /* the cap is of useful answers; a limiter that slips says when
                 * it limits, so its drops are not the path's loss */
                double l = p->slip_limited ? 0.0 : loss;
                p->rate = gain_now(p) * p->cap / (1.0 - l);
        }
        double rtt = p->srtt > 1.0 ? p->srtt : 1.0;
        if (p->mode == DG_PACE_STARTUP && p->rate < p->initial_window / rtt)
                p->rate = p->initial_window / rtt; /* a thin first sample */
        /* twice what the path delivers in a round trip (BBR's cwnd gain),
         * with room for jitter; after startup from the delivered rate, not
         * the probing one, so a burst never outruns a short path's queue */
        double jitter = p->rttvar - 0.5; /* a ms clock alone makes 0.5 */
        double hold = p->srtt + 2.0 * (jitter > 0 ? jitter : 0.0);
        if (hold < 1.0)
                hold = 1.0; /* the ms clock's grain, and a busy driver's latency */
        hold = short_path_hold(p, hold);
        if (p->mode == DG_PACE_STARTUP) {
                /* growing: from the pacing rate, at most doubling a round
                 * (slow start's pace, however short the round trip; and
                 * never under the clock's grain, or a sub-ms path's window
                 * would cap the rate startup is measuring) */
                double rt = short_path_hold(p, p->srtt > 1.0 ? p->srtt : 1.0);
                double w = 2.0 * p->rate * rt + PACE_MIN_WINDOW;
                p->cwnd = w < 2.0 * p->round_cwnd ? w : 2.0 * p->round_cwnd;
        } else {
                double offered = p->limited && p->cap > 0 ? p->rate : p->amax / (1.0 - loss);
                /* a short path's hold is the clock's grain, already twice
                 * its round trip or more: no further gain */
                double g = short_path_mean(p) > 0 ? 1.0 : 2.0;
                p->cwnd = offered * g * hold + PACE_MIN_WINDOW;
        }
}

/* Everything that was not an answer: a limit's sign. */
static double tally_loss(const dg_pace_tally_t *t)
{
        return t->n ? (double)t->lost / t->n : 0.0;
}

/* Only what got no answer at all: the path's loss (REFUSED and SERVFAIL
 * are answers, never made up for). */
static double tally_path_loss(const dg_pace_tally_t *t)
{
        return t->n ? (double)(t->lost - t->refused) / t->n : 0.0;
}

/* Is loss a (na outcomes) clearly above loss b (nb outcomes; 0: a known
 * reference)? sigmas standard deviations of the difference of binomials, at
 * least 3 points. */
static bool clearly_above(double a, uint32_t na, double b, uint32_t nb, double sigmas)
{
        double base = b < 0.01 ? 0.01 : b > 0.99 ? 0.99 : b;
        double inv = 1.0 / na + (nb ? 1.0 / nb : 0.0);
        double thr = sigmas * sqrt(base * (1.0 - base) * inv);
        if (thr < 0.03)
                thr = 0.03;
        return a - b > thr;
}

/* A limit found: the useful answers' rate is capped under what was just
 * delivered (the last rounds', not the max filter's: a limiter's bucket
 * releases bursts), cut to a quarter at most at once (a thin sample). L,
 * the path's own loss, is still made up for on top, unless the limiter
 * slips (then its drops are its own). */
static void set_limited(dg_pace_t *p, bool slips)
{
        double before = p->limited && p->cap > 0 ? p->cap : p->amax;
        /* limiters that slip refill per second (Knot's mod-rrl, BIND's
         * rate-limit): what one delivered is measured over the last second,
         * once known; a limit found by loss, over the last rounds */
        double got = p->last_sample;
        if (slips && p->sec_ms >= 1000)
                got = (double)p->sec_arrived / (double)p->sec_ms;
        double cap = LIMITED_GAIN * got;
        if (cap < before / 4)
                cap = before / 4; /* at most a quarter at once: a thin sample */
        if (cap > LIMITED_GAIN * before)
                cap = LIMITED_GAIN * before; /* a cut never raises */
        if (cap > 0)
                p->cap = cap;
        p->cap_grows = 0;
        p->clean_ms = 0;
        /* one cut per round trip: what was sent before it tells nothing new
         * (else late signals would ratchet the rate down) */
        p->cut_round = p->round;
        p->cut_ms = p->round_start;
        memset(&p->up, 0, sizeof p->up);
        memset(&p->cruise, 0, sizeof p->cruise);
        memset(&p->down, 0, sizeof p->down);
        p->limited = p->cap > 0;
        /* a limit found by loss on a path whose rounds are round trips
         * (and count enough answers to tell): what was in flight at the cut,
         * an overrun limit's drops mostly, no longer holds the window shut
         * until its timeouts (twice the RTO: engine_late.c), since a round
         * trip from now it is all likely lost */
        if (!slips && p->srtt >= PACE_ROUND_MIN_MS && p->sample_n >= LOSS_ROUND_MIN)
                p->stale_allow = p->inflight_seen;
        if (p->mode == DG_PACE_STARTUP) {
                p->mode = DG_PACE_PROBE;
                p->cycle = 1; /* drain what the overshoot queued */
        }
}

/* Probe rounds against the rounds sent at or under the rate in the same
 * period (a paired comparison: an error in L cannot fake a limit). */
static void judge_probe(dg_pace_t *p)
{
        dg_pace_tally_t ref = {p->cruise.n + p->down.n, p->cruise.lost + p->down.lost,
                               p->cruise.refused + p->down.refused};
        double l_up = tally_loss(&p->up);
        double l_ref = p->mode == DG_PACE_STARTUP || ref.n < JUDGE_OUTCOMES
                           ? p->loss + p->refused_share
                           : tally_loss(&ref);
        if (clearly_above(l_up, p->up.n, l_ref, 0, 3.0) && p->up.lost >= LIMIT_MIN_LOST) {
                set_limited(p, false); /* sending faster lost more: a limit, a full queue */
        } else if (p->mode == DG_PACE_PROBE) {
                if (p->limited && !p->slip_limited) {
                        /* a probe went through a limit found by loss alone:
                         * it may have been chance (heavy random loss) */
                        p->limited = false;
                        p->cap = 0;
                        if (p->amax >= PROBE_ROOM * p->amax_judged && !p->queue_exit) {
                                p->mode = DG_PACE_STARTUP; /* and there is room */
                                p->live_bw = 0;
                                p->full_bw = p->amax;
                                p->full_rounds = 0;
                        }
                } else if (p->limited) {
                        /* a probe went through: the cap grows, and goes once
                         * the unlimited rate is under it */
                        double step = (CAP_GROW - 1.0) * (double)(1u << p->cap_grows);
                        p->cap *= 1.0 + (step < 1.0 ? step : 1.0);
                        if (p->cap_grows < 5)
                                p->cap_grows++; /* faster while probes go through */
                        if (p->cap >= 2.0 * p->amax) {
                                p->limited = p->slip_limited = false;
                                p->cap = 0;
                        }
                } else if (p->amax >= PROBE_ROOM * p->amax_judged && !p->queue_exit) {
                        /* and the path delivered clearly more: there is room
                         * to grow, faster than a probe a cycle */
                        p->mode = DG_PACE_STARTUP;
                        p->live_bw = 0;
                        p->full_bw = p->amax;
                        p->full_rounds = 0;
                }
        }
        p->amax_judged = p->amax;
        p->queue_exit = false;
        p->up.n = p->up.lost = p->up.refused = 0;
}

/* Rounds sent slower than the rate against those sent at it: less loss
 * means the loss was a limit's. L follows the slower rounds, and the ones at
 * the rate too while they show no sign of a limit. */
static void judge_steady(dg_pace_t *p)
{
        double l_down = tally_loss(&p->down), l_cruise = tally_loss(&p->cruise);
        double pl_down = tally_path_loss(&p->down);
        dg_pace_tally_t both = {p->down.n + p->cruise.n, p->down.lost + p->cruise.lost,
                                p->down.refused + p->cruise.refused};
        if (p->cruise.n >= JUDGE_DOWN && p->down.n >= JUDGE_DOWN / 4 &&
            clearly_above(l_cruise, p->cruise.n, l_down, p->down.n, 2.0)) {
                set_limited(p, false);
                p->loss = (p->loss + pl_down) / 2;
        } else {
                if (p->limited && p->down.n < JUDGE_DOWN / 4)
                        return; /* under a limit only slower rounds tell L */
                p->loss = (p->loss + (p->limited ? pl_down : tally_path_loss(&both))) / 2;
        }
        memset(&p->down, 0, sizeof p->down);
        memset(&p->cruise, 0, sizeof p->cruise);
}

/* The outcomes of a whole round, booked by the round's gain. The path's own
 * loss L is first measured on the first rounds (a window's worth; capped, as
 * a first burst may overrun a limiter), then as above. Whole rounds only:
 * the answers of a round arrive before its timeouts, so partial counts would
 * understate loss. */
static void judge(dg_pace_t *p, double gain, uint32_t n, uint32_t lost, uint32_t refused)
{
        if (!p->loss_known) {
                p->first.n += n;
                p->first.lost += lost;
                p->first.refused += refused;
                if (p->first.n >= JUDGE_OUTCOMES) {
                        double l = tally_path_loss(&p->first);
                        p->loss = l > FIRST_LOSS_MAX ? FIRST_LOSS_MAX : l;
                        p->loss_known = true;
                }
                return;
        }
        dg_pace_tally_t *t = gain > 1.0                          ? &p->up
                             : gain < 1.0 && gain < LIMITED_GAIN ? &p->down
                                                                 : &p->cruise;
        t->n += n;
        t->lost += lost;
        t->refused += refused;
        if (p->up.n >= JUDGE_OUTCOMES)
                judge_probe(p);
        if (p->down.n >= JUDGE_DOWN || p->cruise.n >= 4 * JUDGE_DOWN)
                judge_steady(p);
}

static void round_done(dg_pace_t *p, dg_pace_round_t *r)
{
        r->done = true;
        if (p->loss_known && r->id <= p->cut_round)
                return; /* sent before the last cut */
        judge(p, r->gain, r->n, r->lost, r->refused);
}

/* One query's outcome, booked to the round it left in. */
static void outcome(dg_pace_t *p, uint32_t round, bool lost, bool counted, bool refused)
{
        p->refused_share += ((refused ? 1.0 : 0.0) - p->refused_share) / 64.0;
        dg_pace_round_t *r = ring_at(p, round);
        if (r == NULL) {
                if (p->evicted > 0) {
                        p->evicted--;
                        if (p->stale > 0)
                                p->stale--;
                }
                return;
        }
        if (r->outstanding > 0) {
                r->outstanding--;
                if (r->stale && p->stale > 0)
                        p->stale--;
        }
        r->n += counted;
        r->lost += counted && lost;
        r->refused += counted && refused;
        p->loss_all += ((lost ? 1.0 : 0.0) - p->loss_all) / 256.0;
        if (r->outstanding == 0 && r->end_ms != 0 && !r->done)
                round_done(p, r);
}

static void round_open(dg_pace_t *p, uint32_t id, uint64_t now)
{
        dg_pace_round_t *slot = &p->ring[id % PACE_RING];
        if (slot->id != 0 && slot->outstanding > 0) {
                /* its queries' outcomes can no longer be matched: long past
                 * their round trip, they count as lost */
                if (!slot->stale)
                        p->stale += slot->outstanding;
                p->evicted += slot->outstanding;
                if (!slot->done) {
                        slot->n += slot->outstanding;
                        slot->lost += slot->outstanding;
                        round_done(p, slot);
                }
        }
        memset(slot, 0, sizeof *slot);
        slot->id = id;
        slot->start_ms = now;
        slot->gain = gain_now(p);
        p->round = id;
        p->round_start = now;
        p->round_arrived = 0;
        p->round_slips = 0;
        p->round_sent = 0;
        p->round_len = round_len(p);
        p->round_min_rtt = 0;
        p->round_rtt_n = 0;
        p->round_rtt_sum = 0;
        p->round_srtt = p->srtt;
        p->round_cwnd = p->cwnd;
}

/* Useful answers over the last second, in PACE_SEC_BINS bins. */
static void sec_advance(dg_pace_t *p, uint64_t now)
{
        const uint64_t bin_ms = 1000 / PACE_SEC_BINS;
        if (!p->sec_started) {
                p->sec_started = true;
                p->sec_bin_start = now;
                return;
        }
        if (now >= p->sec_bin_start + 1000 + bin_ms) { /* a silent second */
                memset(p->sec_bins, 0, sizeof p->sec_bins);
                p->sec_arrived = 0;
                p->sec_ms = 1000;
                p->sec_bin_start = now;
                return;
        }
        while (now >= p->sec_bin_start + bin_ms) {
                p->sec_bin_start += bin_ms;
                p->sec_bin = (p->sec_bin + 1) % PACE_SEC_BINS;
                p->sec_arrived -= p->sec_bins[p->sec_bin];
                p->sec_bins[p->sec_bin] = 0;
                if (p->sec_ms < 1000)
                        p->sec_ms += bin_ms;
        }
}

static void bw_push(dg_pace_t *p, double sample, uint32_t sent, uint64_t elapsed)
{
        /* A round that sent far less than the rate allowed (the run had
         * nothing to send) says nothing about the path unless it was
         * faster. */
        bool app_limited = p->rate > 0 && sent < 0.5 * p->rate * (double)elapsed;
        if (app_limited && sample < p->amax)
                return;
        p->bw[p->bw_next++ % PACE_BW_ROUNDS] = sample;
        p->amax = 0;
        for (int i = 0; i < PACE_BW_ROUNDS; i++)
                if (p->bw[i] > p->amax)
                        p->amax = p->bw[i];
}

/* The age (ms) past which a query still unanswered is likely lost: srtt +
 * 4 rttvar, RFC 6298's timeout without its floor (as RACK judges). */
static uint64_t stale_age(const dg_pace_t *p)
{
        return (uint64_t)(p->srtt + 4.0 * p->rttvar) + 1;
}

/* Rounds that ended, and began more than stale_age() ago: what they still
 * have in flight is likely lost (early for a round's last queries: it only
 * lets up to a window more leave, see dg_pace_wait). */
static void mark_stale(dg_pace_t *p, uint64_t now)
{
        uint64_t lat = stale_age(p);
        for (int i = 0; i < PACE_RING; i++) {
                dg_pace_round_t *r = &p->ring[i];
                if (r->id != 0 && !r->stale && r->end_ms != 0 && r->start_ms + lat <= now) {
                        r->stale = true;
                        p->stale += r->outstanding;
                }
        }
}

/* A round's slips (RRL's empty truncated answers): a cut at once, at most
 * once per SLIP_HOLD_MS and round trip (limiters refill per second: a cut
 * shows late). Slips whose share does not move while the rate falls 4x
 * over SLIP_CUTS_MAX cuts are not a limiter's (a server that truncates
 * every UDP answer: a third of what the engine sees, as it asks again and
 * then over TCP): they are ignored from then on. No slips at the cap: it
 * grows, faster each clean second. */
static void slip_round(dg_pace_t *p, uint64_t now, uint64_t elapsed)
{
        uint32_t n = p->round_arrived + p->round_slips;
        double share = n ? (double)p->round_slips / n : 0.0;
        double hold = 2.0 * p->srtt > SLIP_HOLD_MS ? 2.0 * p->srtt : SLIP_HOLD_MS;
        p->slip_acc_n += n;
        p->slip_acc_s += p->round_slips;
        if (p->round_slips >= SLIP_MIN && share > SLIP_FRAC) {
                if (p->limited && (double)now < (double)p->cut_ms + hold)
                        return;
                /* the share over the time since the last cut */
                double sh = (double)p->slip_acc_s / (double)p->slip_acc_n;
                double an = (double)p->slip_acc_n;
                p->slip_acc_n = p->slip_acc_s = 0;
                bool restart = p->slip_cuts == 0;
                if (!restart) {
                        /* 3 sigmas of the difference of two shares */
                        double s0 = p->slip_share0;
                        double tol = 3.0 * sqrt(s0 * (1.0 - s0) * (1.0 / p->slip_n0 + 1.0 / an));
                        /* it moved with the rate: a new comparison from here */
                        restart = fabs(sh - s0) > (tol > SLIP_SHARE_MOVED ? tol : SLIP_SHARE_MOVED);
                }
                if (restart) {
                        p->slip_cuts = 0;
                        p->slip_share0 = sh;
                        p->slip_n0 = an;
                        p->slip_rate0 =
                            p->rate > 0 ? p->rate : (double)p->round_sent / (double)elapsed;
                }
                if (++p->slip_cuts >= SLIP_CUTS_MAX && p->slip_share0 <= SLIP_SHARE_MAX &&
                    p->rate * 4.0 <= p->slip_rate0) {
                        p->slips_ignored = true;
                        p->limited = p->slip_limited = false;
                        p->cap = 0;
                        return;
                }
                set_limited(p, true);
                p->cut_ms = now;
                p->slip_limited = true;
                return;
        }
        if (p->round_slips > 0)
                return;
        p->slip_cuts = 0;
        p->slip_acc_n = p->slip_acc_s = 0;
        if (p->limited && p->slip_limited && p->round > p->cut_round + 1 &&
            p->round_sent >= 0.8 * p->rate * (double)elapsed) {
                double g = SLIP_GROW * (double)(1u << p->cap_grows);
                p->cap *= 1.0 + g * (double)elapsed / 1000.0;
                p->clean_ms += elapsed;
                if (p->clean_ms >= 1000) {
                        p->clean_ms -= 1000;
                        if (p->cap_grows < 4)
                                p->cap_grows++;
                }
        }
}

/* Startup: is a queue building? The least of the last PACE_RECENT_RTT RTT
 * samples against the least of the earlier rounds' (HyStart++, RFC 9406).
 * Its threshold is widened to four times the RTT's mean deviation (the
 * RTO's margin) and to the spread of the RTTs (twice the smoothed RTT's
 * lead over the least one) so that jitter alone does not trip it; it is
 * checked at every answer (a round's own least RTT rises a round late). */
static bool queue_seen(const dg_pace_t *p)
{
        if (p->recent_n < PACE_RECENT_RTT || p->base_rtt <= 0)
                return false;
        double now = p->recent_rtt[0];
        for (int i = 1; i < PACE_RECENT_RTT; i++)
                if (p->recent_rtt[i] < now)
                        now = p->recent_rtt[i];
        double base = p->base_rtt, thr = base / 8.0;
        thr = thr < HYSTART_MIN_MS ? HYSTART_MIN_MS : thr > HYSTART_MAX_MS ? HYSTART_MAX_MS : thr;
        if (thr < 4.0 * p->rttvar)
                thr = 4.0 * p->rttvar;
        /* jitter: after a pause the last answers of a burst are its slow
         * ones; the spread is about twice the mean over the least */
        if (thr < 2.0 * (p->round_srtt - base))
                thr = 2.0 * (p->round_srtt - base);
        return now >= base + thr;
}

/* Startup found the path full by its queue: drain it. What startup sent is
 * not a probe's (a cut marks it, as a limit's cut does), and the first
 * judgement after it only sets the reference: its growth is startup's late
 * answers, not room. */
static void leave_startup_for_queue(dg_pace_t *p, uint64_t now)
{
#ifdef DG_PACE_TRACE
        fprintf(stderr, "T %llu leave startup: queue\n", (unsigned long long)now);
#endif
        p->mode = DG_PACE_PROBE;
        p->cycle = 1; /* drain */
        p->draining = true;
        p->drain_rounds = 0;
        p->queue_exit = true;
        p->cut_round = p->round;
        p->cut_ms = now;
        memset(&p->up, 0, sizeof p->up);
        memset(&p->cruise, 0, sizeof p->cruise);
        memset(&p->down, 0, sizeof p->down);
        update_model(p);
}

/* Startup on a path whose rounds are round trips: has a round whose last
 * query left srtt + 4 rttvar ago lost clearly more than the path's loss
 * (its queries still in flight count as lost)? BBR's exit on loss, a
 * timeout sooner: a token bucket's burst passes startup's first rounds at
 * twice its rate, and the rounds after it overrun the limit by startup's
 * gain until their timeouts end it, with thousands of queries lost. */
static bool startup_lost(const dg_pace_t *p, uint64_t now)
{
        if (!p->loss_known || p->srtt < PACE_ROUND_MIN_MS)
                return false;
        uint64_t lat = stale_age(p);
        for (int i = 0; i < PACE_RING; i++) {
                const dg_pace_round_t *r = &p->ring[i];
                if (r->id == 0 || r->done || r->end_ms == 0 || r->end_ms + lat > now ||
                    r->id <= p->cut_round)
                        continue;
                uint32_t n = r->n + r->outstanding, lost = r->lost + r->outstanding;
                if (n >= LOSS_ROUND_MIN && lost >= LIMIT_MIN_LOST &&
                    clearly_above((double)lost / n, n, p->loss + p->refused_share, 0, 3.0))
                        return true;
        }
        return false;
}

/* Ends the current round when its time is up. */
static void advance(dg_pace_t *p, uint64_t now)
{
        if (!p->started) { /* the clock starts at the first use */
                p->started = true;
                p->round_start = p->tokens_ms = p->mean_epoch = now;
                return;
        }
        if (now < p->round_start + p->round_len)
                return;
        uint64_t elapsed = now - p->round_start;
        sec_advance(p, now);
        /* in startup each round's own rate (it doubles); then the rate over
         * the last SMOOTH_ROUNDS rounds: a limiter's token bucket releases
         * a burst after a pause, and one round's burst would set the rate */
        unsigned k = p->smooth_next++ % SMOOTH_ROUNDS;
        p->smooth_arrived[k] = p->round_arrived;
        p->smooth_ms[k] = elapsed;
        double sample = (double)p->round_arrived / (double)elapsed;
        p->sample_n = p->round_arrived;
        if (p->mode == DG_PACE_PROBE) {
                uint64_t a = 0, ms = 0;
                for (unsigned i = 0; i < SMOOTH_ROUNDS; i++) {
                        a += p->smooth_arrived[i];
                        ms += p->smooth_ms[i];
                }
                sample = (double)a / (double)ms;
                p->sample_n = a;
        }
        bw_push(p, sample, p->round_sent, elapsed);
        p->last_sample = sample;
        slip_round(p, now, elapsed);
        dg_pace_round_t *cur = ring_at(p, p->round);
        if (cur) {
                cur->end_ms = now;
                if (cur->outstanding == 0 && !cur->done)
                        round_done(p, cur);
        }
        if (p->rtt_samples)
                mark_stale(p, now);
        if (p->round_rtt_n > 0 && (p->base_rtt <= 0 || p->round_min_rtt < p->base_rtt))
                p->base_rtt = p->round_min_rtt;
        mean_track(p, now);
        if (p->mode == DG_PACE_STARTUP && startup_lost(p, now)) {
#ifdef DG_PACE_TRACE
                fprintf(stderr, "T %llu leave startup: loss\n", (unsigned long long)now);
#endif
                set_limited(p, false); /* what was delivered, not the max */
        } else if (p->mode == DG_PACE_STARTUP) {
                if (p->amax >= p->full_bw * startup_growth(p)) {
                        p->full_bw = p->amax;
                        p->full_rounds = 0;
                } else if (p->loss_known && ++p->full_rounds >= startup_full_rounds(p)) {
                        p->mode = DG_PACE_PROBE; /* the path is full */
                        p->cycle = 1;
                }
        } else if (p->draining) {
                /* until what is in flight (and not likely lost) fits the
                 * path without a queue, the delivered rate times the least
                 * RTT (BBR's drain), or a few rounds */
                double bdp = p->amax * p->base_rtt + PACE_MIN_WINDOW;
                if ((double)p->live_inflight <= bdp || ++p->drain_rounds >= DRAIN_ROUNDS_MAX) {
                        p->draining = false;
                        p->cycle = 2;
                }
        } else {
                p->cycle = (p->cycle + 1) % PROBE_CYCLE;
        }
        round_open(p, p->round + 1, now);
        update_model(p);
#ifdef DG_PACE_TRACE
        fprintf(stderr,
                "T %llu len=%llu mode=%d lim=%d slipl=%d rate=%.1f cap=%.1f amax=%.1f samp=%.1f "
                "L=%.3f slipped=%d cwnd=%.0f srtt=%.1f sent=%llu ans=%llu lost=%llu live=%u "
                "stale=%u rto=%u\n",
                (unsigned long long)now, (unsigned long long)elapsed, p->mode, p->limited,
                p->slip_limited, p->rate * 1000, p->cap * 1000, p->amax * 1000, sample * 1000,
                p->loss, (int)p->slip_cuts, p->cwnd, p->srtt, (unsigned long long)p->sent,
                (unsigned long long)p->answered, (unsigned long long)p->lost, p->live_inflight,
                p->stale, dg_pace_rto(p));
#endif
}

int64_t dg_pace_wait(dg_pace_t *p, uint64_t now_ms, unsigned inflight)
{
        advance(p, now_ms);
        /* likely-lost queries do not count, up to a window's worth (or
         * what was in flight at a limit's cut, until that drained): a loss
         * burst must not let what is in flight (and memory) run away */
        unsigned w = dg_pace_window(p);
        if (p->stale_allow && inflight <= w)
                p->stale_allow = 0;
        unsigned cap = w > p->stale_allow ? w : p->stale_allow;
        unsigned stale = p->stale < cap ? p->stale : cap;
        unsigned live = inflight > stale ? inflight - stale : 0;
        p->inflight_seen = inflight;
        p->live_inflight = live;
        if (live >= w || (p->max_inflight && inflight >= p->max_inflight)) {
                p->window_full = short_path_mean(p) > 0;
                return -1;
        }
        /* a short path's full window opens again for a batch (a quarter of
         * it, at most WINDOW_BATCH), not for each answer: its answers come
         * back in small batches, and one query sent per answer read costs
         * a system call or two each */
        if (p->window_full) {
                unsigned room = w / 4 < WINDOW_BATCH ? w / 4 : WINDOW_BATCH;
                if (live + room > w)
                        return -1;
                p->window_full = false;
        }
        if (p->rate <= 0)
                return 0;
        if (now_ms > p->tokens_ms) {
                p->tokens += (double)(now_ms - p->tokens_ms) * p->rate;
                /* two ms: the clock's grain and a driver's wake-up latency */
                double depth = p->rate * 2.0 < 4.0 ? 4.0 : p->rate * 2.0;
                if (p->tokens > depth)
                        p->tokens = depth;
                p->tokens_ms = now_ms;
        }
        if (p->tokens >= 1.0)
                return 0;
        double ms = (1.0 - p->tokens) / p->rate;
        return ms < 1.0 ? 1 : (int64_t)ceil(ms);
}

uint32_t dg_pace_on_send(dg_pace_t *p, uint64_t now_ms)
{
        advance(p, now_ms);
        p->sent++;
        p->round_sent++;
        dg_pace_round_t *r = ring_at(p, p->round);
        if (r)
                r->outstanding++;
        if (p->rate > 0)
                p->tokens -= 1.0;
        return p->round;
}

static void rtt_sample(dg_pace_t *p, double ms)
{
        if (p->round_rtt_n++ == 0 || ms < p->round_min_rtt)
                p->round_min_rtt = ms;
        p->round_rtt_sum += ms;
        p->recent_rtt[p->recent_n++ % PACE_RECENT_RTT] = ms;
        if (p->rtt_samples++ == 0) {
                p->srtt = ms;
                p->rttvar = ms / 2;
                p->round_len = round_len(p); /* the first round was a guess */
        } else {
                double d = fabs(p->srtt - ms);
                p->rttvar = 0.75 * p->rttvar + 0.25 * d;
                p->srtt = 0.875 * p->srtt + 0.125 * ms;
        }
        if (p->rtt_samples == 1) {
                /* a larger first window only where a round trip costs: on a
                 * short path startup's rounds are short anyway, and a burst
                 * of it could overrun a server's socket buffer */
                if (ms < PACE_LONG_RTT_MS && p->initial_window > PACE_INITIAL_WINDOW)
                        p->initial_window = PACE_INITIAL_WINDOW;
                /* the window set is for a path of PACE_IW_RTT_MS: a farther
                 * one gets more in flight (up to PACE_IW_SCALE_MAX times),
                 * so that it starts at about the same rate */
                double scale = ms / PACE_IW_RTT_MS;
                if (ms >= PACE_LONG_RTT_MS && scale > 1.0)
                        p->initial_window =
                            (unsigned)(p->initial_window *
                                       (scale < PACE_IW_SCALE_MAX ? scale : PACE_IW_SCALE_MAX));
                if (p->mode == DG_PACE_STARTUP && p->cwnd < p->initial_window)
                        p->cwnd = p->initial_window;
                if (p->amax <= 0)
                        update_model(p); /* the first window is paced from now on */
        }
        if (p->rtt_samples < RTT_SETTLE)
                return; /* keep the configured timeout until the estimate settles */
        /* RFC 6298's margin, and at least RTO_QUEUE_SHARE of the RTT: a
         * queue that builds shows in the RTTs of the answers a round trip
         * late, and what waits in it must not all time out (spurious
         * retries that the queue's server then has to answer too) */
        double margin =
            4 * p->rttvar > p->srtt * RTO_QUEUE_SHARE ? 4 * p->rttvar : p->srtt * RTO_QUEUE_SHARE;
        double rto = p->srtt + margin;
        /* a short path's losses are its server's socket buffer overflowing:
         * asked again soon (a limit found by loss alone is such an overflow
         * as often as not); a limiter that slips (RRL) counts what is asked
         * again against its limit: not sooner than anywhere else */
        double least =
            short_path_mean(p) > 0 && !p->slip_limited ? PACE_MIN_RTO_SHORT_MS : PACE_MIN_RTO_MS;
        if (rto < least)
                rto = least;
        if (rto > p->timeout_cap)
                rto = p->timeout_cap;
        p->rto = (unsigned)rto;
}

/* Startup: the useful answers' rate over the last half round trip or so,
 * from snapshots of the answered count every eighth of one; the best of
 * these raises the rate at once (BBR's rate samples, per answer). */
static void live_sample(dg_pace_t *p, uint64_t now)
{
        double step = p->srtt / 8.0 < 1.0 ? 1.0 : p->srtt / 8.0;
        unsigned last = (p->live_next + PACE_LIVE_SNAPS - 1) % PACE_LIVE_SNAPS;
        if (p->live_next == 0 || (double)(now - p->live_ms[last]) >= step) {
                p->live_ms[p->live_next % PACE_LIVE_SNAPS] = now;
                p->live_n[p->live_next % PACE_LIVE_SNAPS] = p->answered;
                p->live_next++;
        }
        double span = p->srtt / 2.0;
        unsigned have = p->live_next < PACE_LIVE_SNAPS ? p->live_next : PACE_LIVE_SNAPS;
        for (unsigned k = 1; k <= have; k++) {
                unsigned i = (p->live_next + PACE_LIVE_SNAPS - k) % PACE_LIVE_SNAPS;
                if ((double)(now - p->live_ms[i]) < span)
                        continue;
                uint64_t n = p->answered - p->live_n[i];
                double sample = (double)n / (double)(now - p->live_ms[i]);
                if (n >= ROUND_MIN_ANSWERS && sample > p->live_bw) {
                        p->live_bw = sample;
                        if (sample > p->amax)
                                update_model(p);
                }
                return;
        }
}

void dg_pace_on_answer(dg_pace_t *p, uint64_t now_ms, uint32_t round, double rtt_ms,
                       dg_pace_answer_t kind)
{
        bool useful = kind == DG_PACE_USEFUL;
        if (kind == DG_PACE_SLIP && p->slips_ignored)
                kind = DG_PACE_USEFUL; /* a server that truncates everything */
        if (kind == DG_PACE_SLIP && round > p->cut_round)
                p->round_slips++;
        advance(p, now_ms);
        rtt_sample(p, rtt_ms < 0 ? 0 : rtt_ms);
        p->backoff = 0;
        if (p->mode == DG_PACE_STARTUP && queue_seen(p))
                leave_startup_for_queue(p, now_ms);
        /* a slip is the limiter's answer, handled at once (advance): not a
         * loss of the path's */
        outcome(p, round, !useful, kind != DG_PACE_SLIP, kind == DG_PACE_REFUSED);
        if (useful) {
                sec_advance(p, now_ms);
                p->sec_bins[p->sec_bin]++;
                p->sec_arrived++;
                p->answered++;
                p->round_arrived++;
                /* slow start until a rate is known, up to a few first
                 * windows: a far path's first round sees about one window
                 * answered, but a short path's spans hundreds of round
                 * trips, where doubling each one would burst thousands of
                 * queries into its server's socket buffer before a rate
                 * paces them */
                if (p->amax <= 0 && p->cwnd < SLOW_START_WINDOWS * p->initial_window)
                        p->cwnd += 1;
                if (p->mode == DG_PACE_STARTUP && p->rtt_samples > 0 &&
                    p->srtt >= PACE_FAST_STARTUP_MS)
                        live_sample(p, now_ms);
        } else {
                p->limit_signals++;
        }
}

void dg_pace_on_timeout(dg_pace_t *p, uint64_t now_ms, uint32_t round)
{
        advance(p, now_ms);
        p->lost++;
        outcome(p, round, true, true, false);
        if (p->last_backoff_round == p->round)
                return; /* one back-off per round: a round's losses are one event */
        p->last_backoff_round = p->round;
        if (p->backoff < BACKOFF_MAX)
                p->backoff++;
        if (p->amax <= 0) {
                p->cwnd /= 2; /* no rate known yet: back off as TCP would */
                if (p->cwnd < PACE_MIN_WINDOW)
                        p->cwnd = PACE_MIN_WINDOW;
        }
}
