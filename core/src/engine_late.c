/* dnsglean — late answers: a question asked again elsewhere after its
 * timeout (a hedge) keeps its ID until twice the timeout has passed.
 *
 * A timeout on a slow or queueing path is often no loss: the answer is on
 * its way. Asking again at the retransmission timeout keeps names moving,
 * but taking the first try's answer when it comes (as massdns does by
 * reusing the ID) saves the retry's round trip, and booking that answer to
 * the pacing as an answer, with its true round trip, keeps a queue from
 * passing for loss: loss that the model would make up for by sending faster
 * into the queue (congestion collapse). So every query ends with exactly
 * one outcome for its resolver: its answer, whenever it comes, or a loss
 * once LATE_WAIT has passed.
 *
 * The hedged queries ("late" here) live in their own slab, found through the
 * engine's ID map (marked with LATE_BIT); their deadlines are in a min-heap
 * with lazy deletion (an entry whose serial no longer matches is skipped).
 */
#include "engine_int.h"

#define LATE_BIT 0x80000000u

struct late {
        uint64_t sent_ms;
        uint32_t slot, gen; /* the candidate (gen tells a reused slot) */
        uint32_t resolver;
        uint32_t pace_round;
        uint32_t serial; /* 0: free */
        uint16_t id, sock;
        uint8_t tidx;
};

typedef struct {
        uint64_t deadline;
        uint32_t idx, serial;
} late_timer_t;

struct late_table {
        struct late *q;
        uint32_t cap;
        uint32_t *free_idx;
        uint32_t nfree;
        uint32_t serial;
        late_timer_t *heap;
        size_t nheap;
};

static bool table_init(dg_engine_t *e)
{
        if (e->late)
                return true;
        struct late_table *t = g_try_new0(struct late_table, 1);
        if (t == NULL)
                return false;
        t->cap = e->pool_size;
        t->q = g_try_new0(struct late, t->cap);
        t->free_idx = g_try_new(uint32_t, t->cap);
        t->heap = g_try_new(late_timer_t, t->cap);
        if (t->q == NULL || t->free_idx == NULL || t->heap == NULL) {
                g_free(t->q);
                g_free(t->free_idx);
                g_free(t->heap);
                g_free(t);
                return false;
        }
        for (uint32_t i = 0; i < t->cap; i++)
                t->free_idx[i] = t->cap - 1 - i;
        t->nfree = t->cap;
        e->late = t;
        return true;
}

void eng_late_free(dg_engine_t *e)
{
        if (e->late == NULL)
                return;
        g_free(e->late->q);
        g_free(e->late->free_idx);
        g_free(e->late->heap);
        g_free(e->late);
        e->late = NULL;
}

static void heap_push(struct late_table *t, late_timer_t x)
{
        size_t i = t->nheap++;
        while (i > 0 && t->heap[(i - 1) / 2].deadline > x.deadline) {
                t->heap[i] = t->heap[(i - 1) / 2];
                i = (i - 1) / 2;
        }
        t->heap[i] = x;
}

static void heap_pop(struct late_table *t)
{
        late_timer_t x = t->heap[--t->nheap];
        size_t i = 0, n = t->nheap;
        for (;;) {
                size_t l = 2 * i + 1, m = i;
                if (l < n && t->heap[l].deadline < x.deadline)
                        m = l;
                if (l + 1 < n &&
                    t->heap[l + 1].deadline < (m == i ? x.deadline : t->heap[m].deadline))
                        m = l + 1;
                if (m == i)
                        break;
                t->heap[i] = t->heap[m];
                i = m;
        }
        if (n > 0)
                t->heap[i] = x;
}

bool eng_late_add(dg_engine_t *e, const cand_t *c, uint64_t now_ms)
{
        if (c->transport != DG_TRANSPORT_UDP || e->stopped || !table_init(e))
                return false;
        struct late_table *t = e->late;
        /* the heap holds at most one live entry per slab entry, plus dead
         * ones: compact it when it is full of them */
        if (t->nfree == 0 || t->nheap == t->cap) {
                size_t k = 0;
                for (size_t i = 0; i < t->nheap; i++)
                        if (t->q[t->heap[i].idx].serial == t->heap[i].serial)
                                t->heap[k++] = t->heap[i];
                t->nheap = 0;
                late_timer_t *old = g_memdup2(t->heap, k * sizeof *old);
                for (size_t i = 0; i < k; i++)
                        heap_push(t, old[i]);
                g_free(old);
                if (t->nfree == 0 || t->nheap == t->cap)
                        return false;
        }
        uint32_t i = t->free_idx[--t->nfree];
        struct late *l = &t->q[i];
        l->sent_ms = c->sent_ms;
        l->slot = c->slot;
        l->gen = c->gen;
        l->resolver = c->resolver;
        l->pace_round = c->pace_round;
        l->id = c->id;
        l->sock = c->sock;
        l->tidx = c->tidx;
        if (++t->serial == 0)
                t->serial = 1;
        l->serial = t->serial;
        /* lost once twice the timeout has passed since it was sent */
        unsigned wait = dg_pace_rto(&e->res[c->resolver].pace);
        heap_push(t, (late_timer_t){now_ms + wait, i, l->serial});
        e->idmap[(size_t)l->sock * 65536u + l->id] = LATE_BIT | (i + 1);
        /* still in flight as far as the resolver and --per-resolver go */
        e->res[c->resolver].inflight++;
        return true;
}

/* Frees slab entry i and its ID. */
static void late_drop(dg_engine_t *e, uint32_t i)
{
        struct late *l = &e->late->q[i];
        e->idmap[(size_t)l->sock * 65536u + l->id] = 0;
        l->serial = 0;
        e->late->free_idx[e->late->nfree++] = i;
        res_t *r = &e->res[l->resolver];
        if (r->inflight > 0)
                r->inflight--;
}

void eng_late_expire(dg_engine_t *e, uint64_t now_ms)
{
        struct late_table *t = e->late;
        while (t && t->nheap > 0 && t->heap[0].deadline <= now_ms) {
                late_timer_t x = t->heap[0];
                heap_pop(t);
                struct late *l = &t->q[x.idx];
                if (l->serial != x.serial)
                        continue; /* answered meanwhile */
                uint32_t ri = l->resolver, round = l->pace_round;
                uint64_t sent = l->sent_ms;
                late_drop(e, x.idx);
                res_t *r = &e->res[ri];
                dg_pace_on_timeout(&r->pace, now_ms, round);
                if (!r->trusted)
                        eng_pool_outcome(e, now_ms, sent, false);
                eng_resolver_score(e, ri, false, "timeout", now_ms);
        }
}

int64_t eng_late_next(const dg_engine_t *e, uint64_t now_ms)
{
        const struct late_table *t = e->late;
        if (t == NULL || t->nheap == 0)
                return -1;
        uint64_t d = t->heap[0].deadline;
        return d > now_ms ? (int64_t)(d - now_ms) : 0;
}

bool eng_late_is(uint32_t map_value)
{
        return (map_value & LATE_BIT) != 0;
}

int eng_late_take(dg_engine_t *e, uint32_t map_value, size_t resolver, uint64_t now_ms,
                  const dg_wire_msg_t *m, double *rtt, uint32_t *round, cand_t **out)
{
        *out = NULL;
        uint32_t i = (map_value & ~LATE_BIT) - 1;
        if (e->late == NULL || i >= e->late->cap || e->late->q[i].serial == 0 ||
            e->late->q[i].resolver != resolver)
                return -1;
        struct late l = e->late->q[i];
        late_drop(e, i);
        *rtt = now_ms > l.sent_ms ? (double)(now_ms - l.sent_ms) : 0.0;
        *round = l.pace_round;
        e->st.late++;
        /* its candidate: still waiting for this very question? */
        cand_t *c = &e->pool[l.slot];
        if (e->stopped || c->gen != l.gen || c->tidx != l.tidx || !(c->inflight || c->queued) ||
            m->qdcount != 1 || m->qtype != c->qtypes[c->tidx] || m->qclass != DG_CLASS_IN ||
            !dg_name_equal(m->qname, c->name) || m->opcode != DG_OPCODE_QUERY)
                return 0;
        /* take this answer; a try in flight elsewhere becomes late itself */
        if (c->inflight) {
                res_t *r2 = &e->res[c->resolver];
                eng_unmap(e, c);
                if (!eng_late_add(e, c, now_ms))
                        dg_pace_on_timeout(&r2->pace, now_ms, c->pace_round);
        } else {
                eng_ready_remove(e, c);
        }
        c->resolver = (uint32_t)resolver;
        c->sock = l.sock;
        c->id = l.id;
        c->sent_ms = l.sent_ms;
        c->pace_round = l.pace_round;
        c->transport = DG_TRANSPORT_UDP;
        *out = c;
        return 1;
}
