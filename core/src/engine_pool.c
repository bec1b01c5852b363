/* dnsglean — the pool's own limit: a bottleneck every resolver shares.
 *
 * Each resolver's model (pacing.h) tells its path's own loss from a limit by
 * comparing its own rounds: loss that does not grow with its rate is the
 * path's, and is made up for by sending faster. Behind a pool of public
 * resolvers sits one bottleneck they all share, the target's name servers
 * (or the link out): each resolver carries a small part of the load, so
 * none sees its loss move with its own rate, and every one of them makes up
 * for the shared server's drops by sending faster into it (congestion
 * collapse). The pool sees it: the loss of a second's queries (judged once
 * all their outcomes are in, 2 to 3 s later) rises clearly above the lowest
 * it has shown (the paths' own). Then the pool's rate is capped at 0.9 of
 * the useful answers that second got (the paths' own loss made up for), at
 * most halved at once, and judged again only on queries sent after the cut;
 * the cap grows 10% a second while the loss is back near the paths' own, and
 * goes once it is twice what is sent. Runs with fewer than
 * POOL_MIN_LIVE resolvers leave it to each resolver's model.
 */
#include "engine_int.h"

#include <math.h>

#define POOL_BIN_MS 100
#define POOL_JUDGE_AGO 20     /* bins: the judged second was sent 2 to 3 s ago, */
#define POOL_JUDGE_BINS 10    /* ... when every outcome of it is in (late wait) */
#define POOL_MIN_LIVE 4       /* live resolvers for the pool to judge */
#define POOL_MIN_OUTCOMES 200 /* answers and losses of the judged second */
#define POOL_EXCESS 0.05      /* loss above the paths' own that means a limit */
#define POOL_MIN_QPS 50.0     /* the cap never goes under this */

/* Judges the second of queries sent POOL_JUDGE_AGO bins ago: losses are
 * booked at twice the timeout, answers at once, so a second counted by
 * outcome time would show too little loss at first (and a base too low). */
static void pool_judge(dg_engine_t *e, uint64_t now)
{
        pool_t *p = &e->pool_guard;
        if (p->cur < POOL_JUDGE_AGO + POOL_JUDGE_BINS)
                return;
        uint64_t first = p->cur - POOL_JUDGE_AGO - POOL_JUDGE_BINS + 1;
        if (p->cut_bin && first <= p->cut_bin)
                return; /* sent before the last cut: says nothing of the cap */
        uint32_t sent = 0, useful = 0, lost = 0, recent = 0;
        for (uint64_t b = first; b < first + POOL_JUDGE_BINS; b++) {
                unsigned i = (unsigned)(b % POOL_RING);
                if (p->id[i] != b)
                        return; /* a gap: nothing was sent then */
                sent += p->sent[i];
                useful += p->useful[i];
                lost += p->lost[i];
        }
        for (uint64_t b = p->cur - POOL_JUDGE_BINS + 1; b <= p->cur; b++) {
                unsigned i = (unsigned)(b % POOL_RING);
                recent += p->id[i] == b ? p->sent[i] : 0;
        }
        uint32_t n = useful + lost;
        if (!e->validated || e->live < POOL_MIN_LIVE || n < POOL_MIN_OUTCOMES)
                return;
        double loss = (double)lost / n;
        if (!p->base_known || loss < p->base) {
                p->base = loss;
                p->base_known = true;
        }
        double excess = p->base > POOL_EXCESS ? p->base : POOL_EXCESS;
        double ms = POOL_JUDGE_BINS * POOL_BIN_MS;
        double sent_rate = sent / ms, got = useful / ms, recent_rate = recent / ms;
        if (loss > p->base + excess) {
                double cur = p->cap > 0 ? p->cap : sent_rate;
                double target = 0.9 * got / (1.0 - p->base);
                if (target < cur / 2)
                        target = cur / 2;
                if (target < POOL_MIN_QPS / 1000.0)
                        target = POOL_MIN_QPS / 1000.0;
                if (target >= cur)
                        return;
                if (p->cap <= 0) {
                        p->tokens = 1;
                        p->tokens_ms = now;
                }
                p->cap = target;
                p->cut_bin = p->cur;
                p->cuts++;
                eng_logf(e, DG_LOG_INFO,
                         "pool: %.0f%% of a second's queries lost, the paths' own %.0f%%: a "
                         "bottleneck the resolvers share; held at %.0f q/s",
                         loss * 100, p->base * 100, p->cap * 1000);
        } else if (p->cap > 0 && loss <= p->base + excess / 2) {
                p->cap *= 1.0 + 0.1 * POOL_BIN_MS / 1000.0;
                if (p->cap > 2.0 * recent_rate)
                        p->cap = 0; /* far above what is sent: lifted */
        }
}

static void pool_advance(dg_engine_t *e, uint64_t now)
{
        pool_t *p = &e->pool_guard;
        uint64_t b = now / POOL_BIN_MS;
        while (p->cur < b) {
                p->cur = p->cur == 0 || b - p->cur > POOL_RING ? b : p->cur + 1;
                unsigned i = (unsigned)(p->cur % POOL_RING);
                p->id[i] = p->cur;
                p->sent[i] = p->useful[i] = p->lost[i] = 0;
                pool_judge(e, now);
        }
}

void eng_pool_sent(dg_engine_t *e, uint64_t now_ms)
{
        pool_t *p = &e->pool_guard;
        pool_advance(e, now_ms);
        p->sent[p->cur % POOL_RING]++;
        if (p->cap > 0)
                p->tokens -= 1.0;
}

void eng_pool_outcome(dg_engine_t *e, uint64_t now_ms, uint64_t sent_ms, bool useful)
{
        pool_t *p = &e->pool_guard;
        pool_advance(e, now_ms);
        uint64_t b = sent_ms / POOL_BIN_MS;
        unsigned i = (unsigned)(b % POOL_RING);
        if (p->id[i] != b)
                return; /* sent too long ago */
        if (useful)
                p->useful[i]++;
        else
                p->lost[i]++;
}

int64_t eng_pool_wait(dg_engine_t *e, uint64_t now_ms)
{
        pool_t *p = &e->pool_guard;
        pool_advance(e, now_ms);
        if (p->cap <= 0)
                return 0;
        if (now_ms > p->tokens_ms) {
                p->tokens += (double)(now_ms - p->tokens_ms) * p->cap;
                double depth = p->cap * 10.0 < 4.0 ? 4.0 : p->cap * 10.0;
                if (p->tokens > depth)
                        p->tokens = depth;
                p->tokens_ms = now_ms;
        }
        if (p->tokens >= 1.0)
                return 0;
        double ms = (1.0 - p->tokens) / p->cap;
        return ms < 1.0 ? 1 : (int64_t)ceil(ms);
}

double eng_pool_cap_qps(const dg_engine_t *e)
{
        return e->pool_guard.cap * 1000.0;
}
