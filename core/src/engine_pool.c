/* dnsglean — the pool's own limit: a bottleneck every resolver shares.
 *
 * Each resolver's model (pacing.h) tells its path's own loss from a limit by
 * comparing its own rounds: loss that does not grow with its rate is the
 * path's, and is made up for by sending faster. Behind a pool of public
 * resolvers sits one bottleneck they all share, the target's name servers
 * (or the link out): each resolver carries a small part of the load, so
 * none sees its loss move with its own rate, and every one of them makes up
 * for the shared server's drops by sending faster into it (congestion
 * collapse). The pool sees it: its loss over the last second rises clearly
 * above the lowest it has shown (the paths' own). Then the pool's rate is
 * capped at 0.9 of the useful answers it got (with the paths' own loss made
 * up for), at most halved at once and once a second (losses show a timeout
 * late); the cap grows 10% a second while the loss is back near the paths'
 * own, and goes once it is twice what is sent. Runs with fewer than
 * POOL_MIN_LIVE resolvers leave it to each resolver's model.
 */
#include "engine_int.h"

#include <math.h>

#define POOL_BIN_MS 100
#define POOL_MIN_LIVE 4       /* live resolvers for the pool to judge */
#define POOL_MIN_OUTCOMES 200 /* answers and losses in the last second */
#define POOL_HOLD_MS 1000     /* between two cuts */
#define POOL_EXCESS 0.05      /* loss above the paths' own that means a limit */
#define POOL_MIN_QPS 50.0     /* the cap never goes under this */

static void pool_judge(dg_engine_t *e, uint64_t now)
{
        pool_t *p = &e->pool_guard;
        uint32_t sent = 0, useful = 0, lost = 0;
        for (int i = 0; i < POOL_BINS; i++) {
                sent += p->sent[i];
                useful += p->useful[i];
                lost += p->lost[i];
        }
        uint32_t n = useful + lost;
        if (!e->validated || e->live < POOL_MIN_LIVE || n < POOL_MIN_OUTCOMES || p->ms < 1000)
                return;
        double loss = (double)lost / n;
        if (!p->base_known || loss < p->base) {
                p->base = loss;
                p->base_known = true;
        }
        double excess = p->base > POOL_EXCESS ? p->base : POOL_EXCESS;
        double sent_rate = sent / 1000.0, got = useful / 1000.0; /* per ms */
        if (loss > p->base + excess) {
                if (now < p->cut_ms + POOL_HOLD_MS)
                        return;
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
                p->cut_ms = now;
                p->cuts++;
                eng_logf(e, DG_LOG_INFO,
                         "pool: %.0f%% lost in the last second, the paths' own %.0f%%: a "
                         "bottleneck the resolvers share; held at %.0f q/s",
                         loss * 100, p->base * 100, p->cap * 1000);
        } else if (p->cap > 0 && loss <= p->base + excess / 2) {
                p->cap *= 1.0 + 0.1 * POOL_BIN_MS / 1000.0;
                if (p->cap > 2.0 * sent_rate && now >= p->cut_ms + POOL_HOLD_MS)
                        p->cap = 0; /* far above what is sent: lifted */
        }
}

static void pool_advance(dg_engine_t *e, uint64_t now)
{
        pool_t *p = &e->pool_guard;
        if (!p->started) {
                p->started = true;
                p->bin_start = now;
                return;
        }
        if (now >= p->bin_start + POOL_BINS * POOL_BIN_MS) { /* a silent second */
                memset(p->sent, 0, sizeof p->sent);
                memset(p->useful, 0, sizeof p->useful);
                memset(p->lost, 0, sizeof p->lost);
                p->bin_start = now;
                p->ms = 0;
                return;
        }
        while (now >= p->bin_start + POOL_BIN_MS) {
                p->bin_start += POOL_BIN_MS;
                if (p->ms < 1000)
                        p->ms += POOL_BIN_MS;
                pool_judge(e, now);
                p->bin = (p->bin + 1) % POOL_BINS;
                p->sent[p->bin] = p->useful[p->bin] = p->lost[p->bin] = 0;
        }
}

void eng_pool_sent(dg_engine_t *e, uint64_t now_ms)
{
        pool_advance(e, now_ms);
        e->pool_guard.sent[e->pool_guard.bin]++;
        if (e->pool_guard.cap > 0)
                e->pool_guard.tokens -= 1.0;
}

void eng_pool_outcome(dg_engine_t *e, uint64_t now_ms, bool useful)
{
        pool_advance(e, now_ms);
        if (useful)
                e->pool_guard.useful[e->pool_guard.bin]++;
        else
                e->pool_guard.lost[e->pool_guard.bin]++;
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
