/* dnsglean — pacing: how fast the engine may send to one resolver.
 *
 * Private to the library (not installed). Pure: no clock, no socket; the
 * engine passes the time in milliseconds. One dg_pace_t per resolver.
 *
 * The model follows BBR (Linux net/ipv4/tcp_bbr.c, its header comment) with
 * DNS in mind: a query is a packet, an answer its acknowledgement.
 *  - Time is cut into rounds of about one smoothed round trip (at least
 *    PACE_ROUND_MIN_MS). Each round's rate of useful answers is a sample of
 *    what the path delivers; the largest of the last PACE_BW_ROUNDS is the
 *    bottleneck rate A.
 *  - Random loss is not congestion: the loss measured while sending at or
 *    below the path's rate (L) is assumed to be the path's own, and the
 *    sending rate is A / (1 - L), so 30% loss does not shrink the rate.
 *  - Startup sends at twice A (a round's sample is a round late, so the
 *    rate doubles every other round). On a path of PACE_FAST_STARTUP_MS or
 *    more, where round trips cost most, it also follows the rate of the
 *    last half round trip's answers, measured at every answer, and so
 *    doubles about every round trip. The first window, which a resolver
 *    of a small pool may set larger on a long path (20 ms or more,
 *    dg_pace_set_initial_window), is for a 40 ms path: a farther one gets
 *    proportionally more (up to 4x, so it starts at the same rate), spread
 *    over the first round trip. Startup ends when A
 *    stops growing (three rounds under +25%) or when a queue shows: the
 *    least of the last 16 RTTs rises past the least RTT of the earlier
 *    rounds by an eighth (4 to 16 ms), by four times the RTT's mean
 *    deviation and by the RTTs' spread (after HyStart++, RFC 9406, but
 *    checked at every answer). After a queue, rounds at 0.75 times the
 *    rate drain it until what is in flight fits A x the least RTT (BBR's
 *    drain; at most 6 rounds). Then a cycle of rounds at 1.25, 0.75, 1, 1,
 *    1, 1, 1, 1 times the rate probes for more and drains the queue it
 *    made; a probe that finds clearly more (+15%) starts startup again,
 *    except the first one after a queue (startup's late answers).
 *  - A limit caps the rate of useful answers at 0.95 of what was delivered
 *    (over the last second once known: limiters such as Knot's mod-rrl and
 *    BIND's rate-limit refill per second), at most a quarter at once, one
 *    cut per round trip. Found two ways: rounds with truncated "slips"
 *    (RRL) cut at once (at most every 100 ms), and then the limiter's drops
 *    are not made up for as loss; a probe round that loses clearly more
 *    than the rounds at or under the rate (a dropping limiter, a full
 *    queue, REFUSED/SERVFAIL that grow with the rate) cuts when judged.
 *    The cap grows while nothing is limited: 5% a second, doubling each
 *    clean second, and after each probe that goes through; it goes once
 *    it is twice what the path delivers.
 *  - The window (queries in flight) only bounds bursts: rate x (2 srtt +
 *    4 rttvar) + a floor. Queries still unanswered well past the round trip
 *    (srtt + 4 rttvar after their round ended) are likely lost and do not
 *    count against it, though they wait for their timeout (as RACK does).
 *  - The retransmission timeout is RFC 6298's srtt + 4 rttvar, with a
 *    margin of at least a quarter of srtt (a queue shows a round trip late)
 *    and a floor of PACE_MIN_RTO_MS; timeouts back it off, but never past
 *    three times the measured value, and any answer undoes the back-off.
 *    (The engine re-reads a query's deadline at expiry against the RTO
 *    measured then, as TCP restarts its timer with each acknowledgement.)
 */
#ifndef DG_PACING_H
#define DG_PACING_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PACE_RING 64         /* rounds remembered (their gains) */
#define PACE_BW_ROUNDS 10    /* rounds in the bottleneck-rate max filter */
#define PACE_ROUND_MIN_MS 10 /* shortest round */
#define PACE_ROUND_MAX_MS 1000
#define PACE_MIN_RTO_MS 200      /* floor of the retransmission timeout */
#define PACE_MIN_RTO_SHORT_MS 25 /* ... on a path whose rounds' mean RTT is under 10 ms */
#define PACE_INITIAL_WINDOW 32   /* in flight before anything was measured (default) */
#define PACE_MIN_WINDOW 16       /* floor of the window once measured */
#define PACE_LONG_RTT_MS 20      /* a larger first window only from this RTT on */
#define PACE_IW_RTT_MS 40.0      /* ... set for a path this long, and scaled */
#define PACE_IW_SCALE_MAX 4.0    /* ... up to this many times for a longer one */
#define PACE_SEC_BINS 10         /* the last second's answers, in bins */
#define PACE_RECENT_RTT 16       /* RTT samples a queue must show in (startup) */
#define PACE_LIVE_SNAPS 16       /* startup's delivered-count snapshots */
#define PACE_FAST_STARTUP_MS 50  /* startup follows them from this RTT on */
#define PACE_MEAN_SAMPLES 32     /* RTT samples a round's mean needs */
#define PACE_MEAN_EPOCH_MS 2000  /* the least round mean is of the last 2-4 s */

typedef enum { DG_PACE_STARTUP = 0, DG_PACE_PROBE = 1 } dg_pace_mode_t;

/* One round: its gain, for the outcomes of the queries sent in it. */
typedef struct {
        uint32_t id; /* round id; 0 = unused */
        double gain;
        uint64_t start_ms;
        uint64_t end_ms;      /* 0 while the round is open */
        uint32_t outstanding; /* its queries with no outcome yet */
        uint32_t n, lost;     /* outcomes so far */
        uint32_t refused;     /* ... of the lost: REFUSED, SERVFAIL */
        bool stale;           /* they are counted in dg_pace_t.stale */
        bool done;            /* every outcome is in and was judged */
} dg_pace_round_t;

/* Outcomes counted until there are enough to judge. */
typedef struct {
        uint32_t n, lost; /* outcomes, and those that were no answer ... */
        uint32_t refused; /* ... of which REFUSED or SERVFAIL */
} dg_pace_tally_t;

typedef struct {
        /* settings */
        unsigned max_inflight;   /* user cap (--per-resolver); 0 = none */
        unsigned initial_window; /* in flight before anything was measured */
        unsigned timeout_cap;    /* the RTO never exceeds this (--timeout) */
        /* round trip */
        double srtt, rttvar; /* ms, RFC 6298 */
        unsigned rtt_samples;
        unsigned rto;     /* ms, without back-off */
        unsigned backoff; /* timeouts since the last answer (capped) */
        uint64_t last_backoff_round;
        /* rounds */
        uint32_t round; /* current round id, from 1 */
        uint64_t round_start, round_len;
        uint32_t round_arrived; /* useful answers that arrived this round */
        uint32_t round_sent;
        dg_pace_round_t ring[PACE_RING];
        double bw[PACE_BW_ROUNDS]; /* useful answers per ms, per round */
        unsigned bw_next;
        double amax;                /* max of bw[] */
        uint32_t smooth_arrived[4]; /* the last rounds' answers and lengths */
        uint64_t smooth_ms[4];
        unsigned smooth_next;
        /* model */
        dg_pace_mode_t mode;
        unsigned cycle; /* index into the probe cycle */
        double full_bw;
        unsigned full_rounds;
        double base_rtt;            /* the least RTT of the rounds before this one (ms; 0: none) */
        double round_min_rtt;       /* this round's least RTT sample (ms) */
        uint32_t round_rtt_n;       /* ... and how many samples it has */
        double round_rtt_sum;       /* ... and their sum (ms) */
        double mean_cur, mean_prev; /* least mean RTT of a round (of PACE_MEAN_SAMPLES
                                       samples or more) in this and the last epoch of
                                       PACE_MEAN_EPOCH_MS (ms; 0: none) */
        uint64_t mean_epoch;        /* when this epoch began */
        double round_srtt;          /* srtt when this round opened (ms) */
        bool queue_exit;            /* startup ended on a queue, not judged since */
        bool draining;              /* startup ended: its queue is being drained */
        unsigned drain_rounds;      /* ... for this many rounds */
        unsigned live_inflight;     /* in flight and not likely lost, at the last wait */
        unsigned inflight_seen;     /* in flight at the last wait */
        unsigned stale_allow;       /* likely lost not counted: past a window, up to this */
        bool window_full;           /* a short path's window was full: wait for a batch */
        double recent_rtt[PACE_RECENT_RTT]; /* the last RTT samples (ms) */
        unsigned recent_n;                  /* samples so far (the ring's next is % size) */
        uint64_t live_ms[PACE_LIVE_SNAPS];  /* startup: when answered was ... */
        uint64_t live_n[PACE_LIVE_SNAPS];   /* ... this (a snapshot each srtt/8) */
        unsigned live_next;                 /* snapshots so far */
        double live_bw;                     /* startup: the best of their rates */
        double round_cwnd;                  /* cwnd when this round opened */
        double loss;                        /* the path's own loss, L */
        bool loss_known;
        dg_pace_tally_t first;  /* the first outcomes, before L is known */
        dg_pace_tally_t up;     /* outcomes of queries sent faster than the rate */
        dg_pace_tally_t down;   /* ... and slower */
        dg_pace_tally_t cruise; /* ... and at the rate */
        bool limited;
        double cap;           /* while limited: queries per ms at most (gain 1) */
        unsigned cap_grows;   /* probes that went through (clean seconds) since the last cut */
        uint64_t clean_ms;    /* time at the cap without slips, modulo a second */
        double last_sample;   /* the last rounds' useful answers per ms */
        uint64_t sample_n;    /* ... and how many answers it counts */
        uint32_t round_slips; /* limit signals that arrived this round */
        uint32_t cut_round;   /* the round of the last cut */
        uint64_t cut_ms;      /* ... and when */
        bool slip_limited;    /* the limiter slips: it says when it limits */
        bool slips_ignored;   /* slips do not move with the rate: not a limiter */
        unsigned slip_cuts;   /* cuts for slips in a row */
        double slip_share0;   /* slips' share at the first of them */
        double slip_rate0;    /* ... and the rate then */
        double slip_n0;       /* ... and the answers it was measured on */
        uint32_t slip_acc_n, slip_acc_s;  /* answers and slips since the last cut */
        uint32_t sec_bins[PACE_SEC_BINS]; /* useful answers in the last second */
        unsigned sec_bin;
        uint64_t sec_bin_start;
        bool sec_started;
        uint32_t sec_arrived; /* their sum */
        uint64_t sec_ms;      /* the time they cover, up to 1000 */
        double loss_all;      /* every query's outcome, limits included (EWMA) */
        double refused_share; /* REFUSED/SERVFAIL among outcomes (EWMA) */
        double amax_judged;   /* amax at the last probe judgement */
        uint32_t stale;       /* in flight but past srtt + 4 rttvar: likely lost */
        uint32_t evicted;     /* ... of rounds no longer in the ring */
        double rate;          /* queries per ms; 0 = not paced yet */
        double cwnd;          /* queries in flight allowed */
        double tokens;
        uint64_t tokens_ms;
        bool started;
        /* counters */
        uint64_t sent, answered, lost, limit_signals;
} dg_pace_t;

/* Sets p to its initial state. timeout_ms caps the RTO (and is the RTO until
 * the first measurements); max_inflight is a hard cap, 0 for none. */
void dg_pace_init(dg_pace_t *p, unsigned timeout_ms, unsigned max_inflight, uint64_t now_ms);

/* Sets the first window (default PACE_INITIAL_WINDOW; at least 1). A
 * smaller one applies at once; a larger one from the first RTT sample, and
 * only if it is PACE_LONG_RTT_MS or more. Call before the first send. */
void dg_pace_set_initial_window(dg_pace_t *p, unsigned w);

/* 0 when a query may leave now with inflight already out; otherwise the ms
 * to wait for a pacing token, or -1 when the window is full (wait for an
 * answer or a timeout). */
int64_t dg_pace_wait(dg_pace_t *p, uint64_t now_ms, unsigned inflight);

/* A query left now. Returns the round id to pass back with its outcome. */
uint32_t dg_pace_on_send(dg_pace_t *p, uint64_t now_ms);

/* What an answer says about the resolver. */
typedef enum {
        DG_PACE_USEFUL = 0, /* an answer (NOERROR, NXDOMAIN, a real truncation) */
        DG_PACE_REFUSED,    /* REFUSED, SERVFAIL: overload or a limit, maybe */
        DG_PACE_SLIP        /* an empty truncated answer: a rate limiter's slip */
} dg_pace_answer_t;

/* An answer to a query sent in round `round` arrived after rtt_ms. Anything
 * but DG_PACE_USEFUL counts as a loss for the model (not for the back-off);
 * a round with slips in it caps the rate under what it delivered at once,
 * REFUSED and SERVFAIL only when they grow with the rate (some names always
 * get them). */
void dg_pace_on_answer(dg_pace_t *p, uint64_t now_ms, uint32_t round, double rtt_ms,
                       dg_pace_answer_t kind);

/* A query sent in round `round` timed out. */
void dg_pace_on_timeout(dg_pace_t *p, uint64_t now_ms, uint32_t round);

/* True once slips proved not to be a rate limiter's (their share does not
 * move with the rate): an empty truncated answer is then plain truncation. */
bool dg_pace_slips_ignored(const dg_pace_t *p);

/* The engine knows better (no UDP answer ever came whole): empty truncated
 * answers from this resolver are plain truncation from now on, and a cap
 * they set goes. */
void dg_pace_ignore_slips(dg_pace_t *p);

/* The current retransmission timeout in ms, back-off included. */
unsigned dg_pace_rto(const dg_pace_t *p);

/* Queries in flight the window allows now (the user cap applied). */
unsigned dg_pace_window(const dg_pace_t *p);

/* The pacing rate in queries per second (0: not measured yet). */
double dg_pace_qps(const dg_pace_t *p);

/* The loss a query meets on this path, 0..1 (0 until measured). */
double dg_pace_loss(const dg_pace_t *p);

/* The share of recent queries that got no useful answer, whatever the
 * cause (the path's loss, a limit, a full queue), 0..1. */
double dg_pace_loss_all(const dg_pace_t *p);

#ifdef __cplusplus
}
#endif
#endif
