/* The sans-I/O enumeration engine: the public API and the core flow (slot
 * pool, queues, sending, feeding, timeouts). See engine_int.h for the life of
 * a run and engine.h for the driver contract. */
#include "engine_int.h"
#include "engine_prefetch.h"

/* ---------------------------------------------------------------- helpers */

void eng_logf(dg_engine_t *e, int level, const char *fmt, ...)
{
        if (e->o.log == NULL)
                return;
        va_list ap;
        va_start(ap, fmt);
        char *m = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        e->o.log(e->o.log_ud, level, m);
        g_free(m);
}

static void cq_push(cq_t *q, cand_t *c)
{
        c->next = NULL;
        c->prev = q->tail;
        if (q->tail)
                q->tail->next = c;
        else
                q->head = c;
        q->tail = c;
        q->len++;
}

static void cq_push_front(cq_t *q, cand_t *c)
{
        c->prev = NULL;
        c->next = q->head;
        if (q->head)
                q->head->prev = c;
        else
                q->tail = c;
        q->head = c;
        q->len++;
}

static void cq_remove(cq_t *q, cand_t *c)
{
        if (c->prev)
                c->prev->next = c->next;
        else
                q->head = c->next;
        if (c->next)
                c->next->prev = c->prev;
        else
                q->tail = c->prev;
        c->prev = c->next = NULL;
        q->len--;
}

char *eng_name_text(const uint8_t *wire, bool trailing_dot)
{
        char buf[DG_NAME_STR_MAX];
        int n = dg_name_to_str(wire, buf, sizeof buf);
        if (n < 0)
                return g_strdup("?");
        if (!trailing_dot && n > 1 && buf[n - 1] == '.')
                buf[n - 1] = 0;
        return g_strdup(buf);
}

void dg_result_free(dg_result_t *r)
{
        if (r == NULL)
                return;
        for (size_t i = 0; i < r->nanswers; i++) {
                dg_answer_t *a = &r->answers[i];
                for (size_t j = 0; j < a->ndata; j++)
                        g_free(a->data[j]);
                g_free(a->data);
                for (size_t j = 0; j < a->ncname; j++)
                        g_free(a->cname[j]);
                g_free(a->cname);
        }
        g_free(r->answers);
        if (r->name != (char *)(r + 1)) /* else allocated with r (eng_result_emit) */
                g_free(r->name);
        g_free(r->wildcard_root);
        g_free(r);
}

const char *dg_status_str(dg_status_t s)
{
        static const char *const names[] = {"found", "nodata", "nxdomain", "wildcard", "failed"};
        return (unsigned)s < DG_STATUS_COUNT_ ? names[s] : "unknown";
}

uint64_t dg_now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void dg_engine_opts_init(dg_engine_opts_t *o)
{
        memset(o, 0, sizeof *o);
        o->mode = DG_MODE_BRUTE;
        o->retries = 4;
        o->timeout_ms = 1500;
        o->concurrency = DG_DEFAULT_CONCURRENCY;
        o->per_resolver = 0;
        o->nsockets = 1;
        o->trusted_qps = DG_DEFAULT_TRUSTED_QPS;
}

/* ---------------------------------------------------------------- pool */

cand_t *eng_cand_new(dg_engine_t *e, int kind)
{
        if (e->nfree == 0)
                return NULL;
        uint32_t slot = e->free_slots[--e->nfree];
        cand_t *c = &e->pool[slot];
        memset(c, 0, offsetof(cand_t, name));
        c->name[0] = 0;
        c->slot = slot;
        c->gen = ++e->cand_gen;
        c->kind = (uint8_t)kind;
        c->zone = -1;
        c->fixed_resolver = -1;
        c->rcode = 255;
        c->last_rcode = 255;
        if (kind == K_WORD || kind == K_LOOKUP)
                e->active++;
        return c;
}

void eng_cand_release(dg_engine_t *e, cand_t *c)
{
        if (c->answers)
                g_ptr_array_free(c->answers, TRUE);
        if (c->sig)
                g_ptr_array_free(c->sig, TRUE);
        c->answers = NULL;
        c->sig = NULL;
        if (c->kind == K_WORD || c->kind == K_LOOKUP)
                e->active--;
        e->free_slots[e->nfree++] = c->slot;
}

/* Free slots kept back for probes so that they never starve. */
uint32_t eng_probe_reserve(const dg_engine_t *e)
{
        size_t wave = e->nres < VALIDATE_WAVE ? e->nres : VALIDATE_WAVE;
        return (uint32_t)(wave * (VALIDATE_NX_PROBES + 2) + WILDCARD_PROBES * 2 + 8);
}

/* ---------------------------------------------------------------- setup */

/* Each resolver's window before anything was measured: the pool starts with
 * about POOL_INITIAL_INFLIGHT queries out (massdns keeps 10,000 out from
 * the start, dnsperf 100 a client), spread over its resolvers, between
 * PACE_INITIAL_WINDOW and RES_INITIAL_MAX each. */
#define POOL_INITIAL_INFLIGHT 512
#define RES_INITIAL_MAX 256
static unsigned initial_window(size_t nresolvers)
{
        size_t w = nresolvers ? POOL_INITIAL_INFLIGHT / nresolvers : RES_INITIAL_MAX;
        return w < PACE_INITIAL_WINDOW ? PACE_INITIAL_WINDOW
               : w > RES_INITIAL_MAX   ? RES_INITIAL_MAX
                                       : (unsigned)w;
}

int eng_fail_fatal(dg_engine_t *e, int err, char *msg)
{
        if (e->fatal == 0) {
                e->fatal = err;
                e->fatal_msg = msg; /* the front end reports it */
        } else {
                g_free(msg);
        }
        return err;
}

int dg_engine_new(const dg_engine_opts_t *opts, dg_engine_t **out)
{
        *out = NULL;
        if (opts == NULL || opts->domain == NULL || opts->nresolvers == 0 ||
            opts->resolvers == NULL)
                return opts && opts->nresolvers == 0 ? DG_ENORESOLVER : DG_EINVAL;
        if (opts->mode == DG_MODE_BRUTE && opts->words == NULL)
                return DG_EINVAL;
        if (opts->ntypes > DG_ENGINE_MAX_TYPES)
                return DG_EINVAL;
        if (opts->shard_n > 0 && (opts->shard_k < 1 || opts->shard_k > opts->shard_n))
                return DG_EINVAL;
        if (opts->recursive > 0 && opts->words_rewind == NULL)
                return DG_EINVAL;
        if (opts->ntrusted > 0 && opts->trusted == NULL)
                return DG_EINVAL;

        dg_engine_t *e = g_new0(dg_engine_t, 1);
        e->o = *opts;
        if (e->o.retries > 20)
                e->o.retries = 20;
        if (e->o.timeout_ms == 0)
                e->o.timeout_ms = 1500;
        if (e->o.concurrency == 0)
                e->o.concurrency = DG_DEFAULT_CONCURRENCY;
        if (e->o.nsockets == 0)
                e->o.nsockets = 1;
        if (e->o.nsockets > 64)
                e->o.nsockets = 64;

        int n = dg_name_from_str(opts->domain, strlen(opts->domain), e->domain);
        if (n < 0 || e->domain[0] == 0) {
                g_free(e);
                return DG_ENAME;
        }
        dg_name_lower(e->domain);
        e->domain_str = eng_name_text(e->domain, false);

        if (opts->ntypes == 0) {
                e->types[0] = DG_T_A;
                e->ntypes = 1;
        } else {
                memcpy(e->types, opts->types, opts->ntypes * sizeof(uint16_t));
                e->ntypes = opts->ntypes;
        }

        e->ntrusted = opts->ntrusted;
        e->nres = opts->nresolvers + e->ntrusted;
        e->res = g_new0(res_t, e->nres);
        e->addrs = g_new(dg_resolver_addr_t, e->nres);
        memcpy(e->addrs, opts->resolvers, opts->nresolvers * sizeof(dg_resolver_addr_t));
        if (e->ntrusted)
                memcpy(e->addrs + opts->nresolvers, opts->trusted,
                       e->ntrusted * sizeof(dg_resolver_addr_t));
        e->o.resolvers = e->addrs;
        e->o.trusted = e->ntrusted ? e->addrs + opts->nresolvers : NULL;
        if (e->o.trusted_qps == 0)
                e->o.trusted_qps = DG_DEFAULT_TRUSTED_QPS;
        g_queue_init(&e->tq);
        for (size_t i = 0; i < e->nres; i++) {
                e->res[i].addr = e->addrs[i];
                e->res[i].trusted = i >= opts->nresolvers;
                e->res[i].live = true;
                e->res[i].soa_rcode = -1;
                for (int k = 0; k < VALIDATE_NX_PROBES; k++)
                        e->res[i].nx_rcode[k] = -1;
                e->res[i].next_canary = CANARY_EVERY;
                dg_pace_init(&e->res[i].pace, e->o.timeout_ms, e->o.per_resolver, 0);
                dg_pace_set_initial_window(&e->res[i].pace, initial_window(opts->nresolvers));
        }
        e->live = (unsigned)opts->nresolvers;
        e->tlive = (unsigned)e->ntrusted;

        if (opts->seed)
                e->rng = opts->seed;
        else
                e->rng = dg_rng_seed();

        e->pool_size = e->o.concurrency + eng_probe_reserve(e);
        e->pool = g_try_new0(cand_t, e->pool_size);
        e->free_slots = g_try_new(uint32_t, e->pool_size);
        e->idmap = g_try_new0(uint32_t, (size_t)e->o.nsockets * 65536u);
        if (e->pool == NULL || e->free_slots == NULL || e->idmap == NULL) {
                dg_engine_free(e);
                return DG_ENOMEM;
        }
        for (uint32_t i = 0; i < e->pool_size; i++)
                e->free_slots[i] = e->pool_size - 1 - i;
        for (unsigned i = 0; i < ID_AHEAD; i++)
                e->id_ahead[i] = (uint16_t)dg_rng_next(&e->rng);
        e->nfree = e->pool_size;

        g_queue_init(&e->results);
        g_queue_init(&e->lookups);
        e->zones = g_ptr_array_new_with_free_func(eng_zone_free);
        e->zone_names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        if (e->o.mode == DG_MODE_BRUTE)
                eng_zone_add(e, e->domain, 0);
        e->validated = e->o.no_validate;
        e->st.phase = e->validated ? "wildcards" : "validating";
        e->st.resolvers = (unsigned)opts->nresolvers;
        e->st.resolvers_live = e->live;
        e->st.trusted = (unsigned)e->ntrusted;
        e->tokens_ms = 0;
        *out = e;
        return DG_OK;
}

void dg_engine_free(dg_engine_t *e)
{
        if (e == NULL)
                return;
        if (e->pool) {
                /* release what is still held by live slots */
                bool *is_free = g_new0(bool, e->pool_size);
                for (uint32_t i = 0; i < e->nfree; i++)
                        is_free[e->free_slots[i]] = true;
                for (uint32_t i = 0; i < e->pool_size; i++) {
                        if (!is_free[i]) {
                                if (e->pool[i].answers)
                                        g_ptr_array_free(e->pool[i].answers, TRUE);
                                if (e->pool[i].sig)
                                        g_ptr_array_free(e->pool[i].sig, TRUE);
                        }
                }
                g_free(is_free);
        }
        dg_result_t *r;
        while ((r = g_queue_pop_head(&e->results)) != NULL)
                dg_result_free(r);
        g_queue_clear_full(&e->lookups, g_free);
        g_queue_clear(&e->tq);
        if (e->zones)
                g_ptr_array_free(e->zones, TRUE);
        if (e->zone_names)
                g_hash_table_destroy(e->zone_names);
        eng_wildcard_free(e);
        for (size_t i = 0; e->res && i < e->nres; i++) {
                g_free(e->res[i].soa_sig);
                g_free(e->res[i].why);
                for (int k = 0; k < VALIDATE_NX_PROBES; k++)
                        g_free(e->res[i].nx_sig[k]);
        }
        g_free(e->res);
        g_free(e->addrs);
        g_free(e->pool);
        g_free(e->free_slots);
        g_free(e->idmap);
        g_free(e->timers);
        eng_late_free(e);
        g_free(e->ref_soa);
        g_free(e->domain_str);
        g_free(e->fatal_msg);
        g_free(e);
}

int dg_engine_error(const dg_engine_t *e, const char **msg)
{
        if (msg)
                *msg = e->fatal ? e->fatal_msg : NULL;
        return e->fatal;
}

const dg_resolver_addr_t *dg_engine_resolvers(const dg_engine_t *e, size_t *n)
{
        *n = e->nres;
        return e->addrs;
}

unsigned dg_engine_nsockets(const dg_engine_t *e)
{
        return e->o.nsockets;
}

int dg_engine_add_lookup(dg_engine_t *e, const char *name, uint16_t type)
{
        uint8_t w[DG_NAME_WIRE_MAX];
        if (e->o.mode != DG_MODE_LOOKUP || e->input_closed)
                return DG_ESTATE;
        if (name == NULL || dg_name_from_str(name, strlen(name), w) < 0)
                return DG_ENAME;
        g_queue_push_tail(&e->lookups, g_strdup_printf("%u\t%s", type, name));
        return DG_OK;
}

void dg_engine_close_input(dg_engine_t *e)
{
        e->input_closed = true;
}

void dg_engine_stop(dg_engine_t *e)
{
        e->stopped = true;
}

/* ---------------------------------------------------------------- results */

static dg_answer_t *answer_take(GPtrArray *answers, size_t i)
{
        dg_answer_t *a = g_ptr_array_index(answers, i);
        g_ptr_array_index(answers, i) = NULL;
        return a;
}

/* A result of c's name, its text in the same allocation (one per candidate,
 * most of them NXDOMAIN: a single malloc each). */
static dg_result_t *result_new(const cand_t *c)
{
        char buf[DG_NAME_STR_MAX];
        int n = dg_name_to_str(c->name, buf, sizeof buf);
        if (n < 0)
                n = (int)g_strlcpy(buf, "?", sizeof buf);
        else if (n > 1 && buf[n - 1] == '.')
                buf[--n] = 0;
        dg_result_t *r = g_malloc0(sizeof *r + (size_t)n + 1);
        r->name = (char *)(r + 1);
        memcpy(r->name, buf, (size_t)n + 1);
        return r;
}

void eng_result_emit(dg_engine_t *e, cand_t *c, dg_status_t status)
{
        dg_result_t *r = result_new(c);
        r->status = status;
        r->rcode = c->rcode;
        /* a failure's cause; an NXDOMAIN's only when --trusted overruled
         * the pool (a retried try's "timeout" stays in c->reason) */
        r->reason = status == DG_STATUS_FAILED ||
                            (status == DG_STATUS_NXDOMAIN && c->reason == eng_reason_trusted_nx)
                        ? c->reason
                        : NULL;
        r->tries = c->tries_total;
        zone_t *z = eng_zone_at(e, c->zone);
        r->depth = z ? z->depth + 1 : 0;
        if (status == DG_STATUS_WILDCARD)
                r->wildcard_root = eng_wildcard_root(e, c);
        if (c->answers && c->answers->len) {
                r->answers = g_new0(dg_answer_t, c->answers->len);
                for (guint i = 0; i < c->answers->len; i++) {
                        dg_answer_t *a = answer_take(c->answers, i);
                        r->answers[r->nanswers++] = *a;
                        g_free(a);
                }
        }
        e->st.status[status]++;
        g_queue_push_tail(&e->results, r);

        /* recursion: a name that exists becomes a parent of its own */
        if (c->kind == K_WORD && z && (status == DG_STATUS_FOUND || status == DG_STATUS_NODATA) &&
            z->depth + 1 <= e->o.recursive && !e->stopped)
                eng_zone_add(e, c->name, z->depth + 1);
}

/* ---------------------------------------------------------------- sending */

void eng_ready_remove(dg_engine_t *e, cand_t *c)
{
        cq_remove(&e->ready, c);
        c->queued = false;
}

void eng_enqueue(dg_engine_t *e, cand_t *c, bool front)
{
        c->queued = true;
        if (front)
                cq_push_front(&e->ready, c);
        else
                cq_push(&e->ready, c);
}

cand_t *eng_probe_new(dg_engine_t *e, int kind, const uint8_t *parent, uint16_t type, int resolver,
                      bool two_labels)
{
        cand_t *c = eng_cand_new(e, kind);
        if (c == NULL)
                return NULL;
        if (kind == K_VALIDATE_SOA) {
                memcpy(c->name, parent, (size_t)dg_name_len(parent, DG_NAME_WIRE_MAX));
        } else {
                char lab[16];
                dg_random_label(&e->rng, lab, 13);
                uint8_t tmp[DG_NAME_WIRE_MAX];
                const uint8_t *base = parent;
                if (two_labels) {
                        char lab2[16];
                        dg_random_label(&e->rng, lab2, 9);
                        if (dg_name_prepend((const uint8_t *)lab2, strlen(lab2), parent, tmp) > 0)
                                base = tmp;
                }
                if (dg_name_prepend((const uint8_t *)lab, strlen(lab), base, c->name) < 0) {
                        /* parent too long for a probe label: ask the parent's
                         * sibling space is impossible; use a 1-octet label */
                        if (dg_name_prepend((const uint8_t *)"x", 1, parent, c->name) < 0) {
                                eng_cand_release(e, c);
                                return NULL;
                        }
                }
        }
        c->qtypes[0] = type;
        c->ntypes = 1;
        c->fixed_resolver = resolver;
        e->st.probes++;
        eng_enqueue(e, c, true);
        return c;
}

/* ---------------------------------------------------------------- timers */

/* An indexed binary min-heap of in-flight deadlines: each in-flight slot
 * knows its place (cand_t.heap_idx), so an answer removes its deadline at
 * once and the heap holds exactly the queries in flight. */

static void timer_place(dg_engine_t *e, size_t i, timer_t_ t)
{
        e->timers[i] = t;
        e->pool[t.slot].heap_idx = (uint32_t)i;
}

static void timer_sift_up(dg_engine_t *e, size_t i, timer_t_ t)
{
        while (i > 0) {
                size_t up = (i - 1) / 2;
                if (e->timers[up].deadline <= t.deadline)
                        break;
                timer_place(e, i, e->timers[up]);
                i = up;
        }
        timer_place(e, i, t);
}

static void timer_sift_down(dg_engine_t *e, size_t i, timer_t_ t)
{
        size_t n = e->ntimers;
        for (;;) {
                size_t l = 2 * i + 1, m = i;
                uint64_t best = t.deadline;
                if (l < n && e->timers[l].deadline < best) {
                        m = l;
                        best = e->timers[l].deadline;
                }
                if (l + 1 < n && e->timers[l + 1].deadline < best)
                        m = l + 1;
                if (m == i)
                        break;
                timer_place(e, i, e->timers[m]);
                i = m;
        }
        timer_place(e, i, t);
}

static void timer_push(dg_engine_t *e, const cand_t *c)
{
        if (e->ntimers == e->timers_cap) {
                e->timers_cap = e->timers_cap ? e->timers_cap * 2 : 1024;
                e->timers = g_renew(timer_t_, e->timers, e->timers_cap);
        }
        timer_t_ t = {c->deadline, c->slot};
        timer_sift_up(e, e->ntimers++, t);
}

/* Removes the deadline at heap index i. */
static void timer_remove(dg_engine_t *e, size_t i)
{
        timer_t_ last = e->timers[--e->ntimers];
        if (i == e->ntimers)
                return;
        if (i > 0 && last.deadline < e->timers[(i - 1) / 2].deadline)
                timer_sift_up(e, i, last);
        else
                timer_sift_down(e, i, last);
}

/* A random query ID. Each is drawn ID_AHEAD queries before it is used and
 * its ID map entry (a random place: nearly always a cache miss) prefetched
 * then, on the socket that query will likely leave from. */
static uint16_t draw_id(dg_engine_t *e)
{
        unsigned i = e->id_pos++ % ID_AHEAD;
        uint16_t id = e->id_ahead[i];
        uint16_t next = (uint16_t)dg_rng_next(&e->rng);
        e->id_ahead[i] = next;
        unsigned sock = ((e->sock_next + ID_AHEAD - 1) / SOCK_RUN) % e->o.nsockets;
        __builtin_prefetch(&e->idmap[(size_t)sock * 65536u + next], 1);
        return id;
}

/* The socket c's query leaves from and a free random ID on it; false when
 * every ID of that socket is in flight. */
static bool take_id(dg_engine_t *e, const cand_t *c, unsigned *sock, uint16_t *id)
{
        /* UDP sockets take turns by runs of SOCK_RUN queries, not one by
         * one: a driver sends each socket's queries in one batch
         * (sendmmsg), so a run keeps its batches full */
        *sock = c->transport == DG_TRANSPORT_TCP ? 0 : (e->sock_next++ / SOCK_RUN) % e->o.nsockets;
        const uint32_t *map = e->idmap + (size_t)*sock * 65536u;
        uint16_t i = draw_id(e);
        for (unsigned k = 0; k < 65536 && map[i] != 0; k++)
                i++;
        *id = i;
        return map[i] == 0;
}

int dg_engine_next_query(dg_engine_t *e, uint64_t now_ms, uint8_t *buf, size_t cap, dg_query_t *q)
{
        if (e->fatal)
                return 0;
        if (e->ready.len < 64)
                eng_refill(e);
        if (e->stopped)
                return 0;
        eng_trusted_release(e, now_ms); /* rechecks due under their rate limit */
        cand_t *c = e->ready.head;
        if (c == NULL)
                return 0;
        if (e->o.qps > 0) {
                if (e->tokens_ms == 0) {
                        e->tokens_ms = now_ms;
                        e->tokens = 1;
                }
                if (now_ms > e->tokens_ms) {
                        e->tokens += (double)(now_ms - e->tokens_ms) * e->o.qps / 1000.0;
                        double burst = e->o.qps / 20.0 < 1 ? 1 : e->o.qps / 20.0;
                        if (e->tokens > burst)
                                e->tokens = burst;
                        e->tokens_ms = now_ms;
                }
                if (e->tokens < 1)
                        return 0;
        }
        if (eng_pool_wait(e, now_ms) > 0)
                return 0; /* the pool is held under a bottleneck all share */
        /* find a resolver for the head, or for the first sendable one */
        int ri = -1;
        for (; c != NULL; c = c->next) {
                if (c->fixed_resolver >= 0) {
                        res_t *r = &e->res[c->fixed_resolver];
                        if (!r->live && c->kind == K_CANARY) {
                                /* its resolver was dropped meanwhile */
                                cq_remove(&e->ready, c);
                                c->queued = false;
                                eng_cand_release(e, c);
                                return dg_engine_next_query(e, now_ms, buf, cap, q);
                        }
                        if (eng_can_send(e, r, now_ms)) {
                                ri = c->fixed_resolver;
                                break;
                        }
                        continue;
                }
                ri = eng_pick_resolver(e,
                                       c->confirming   ? (int)c->first_res
                                       : c->tries_this ? (int)c->resolver
                                                       : -1,
                                       now_ms);
                if (ri >= 0 && c->confirming && (uint32_t)ri == c->first_res) {
                        if (e->live > 1) {
                                ri = -1;  /* the others are full: this one waits, */
                                continue; /* later candidates may go */
                        }
                        /* no other resolver left to ask: take its word */
                        c->confirming = false;
                        c->confirmed = true;
                }
                if (ri < 0) {
                        if (e->live == 0) {
                                /* nothing can ever answer: fail it here */
                                break;
                        }
                        return 0; /* every resolver is full */
                }
                break;
        }
        if (c == NULL)
                return 0;
        if (ri < 0) {
                cq_remove(&e->ready, c);
                c->queued = false;
                c->reason = "no resolvers left";
                if (c->kind == K_WORD || c->kind == K_LOOKUP) {
                        eng_result_emit(e, c,
                                        c->exists
                                            ? (c->answers && c->answers->len ? DG_STATUS_FOUND
                                                                             : DG_STATUS_NODATA)
                                            : DG_STATUS_FAILED);
                } else {
                        eng_probe_done(e, c, -1, NULL);
                }
                eng_cand_release(e, c);
                return dg_engine_next_query(e, now_ms, buf, cap, q);
        }
        res_t *r = &e->res[ri];
        unsigned sock;
        uint16_t id;
        if (!take_id(e, c, &sock, &id))
                return 0; /* 65536 queries in flight on this socket */

        unsigned flags = e->o.no_rd ? 0 : DG_Q_RD;
        if (e->o.edns)
                flags |= DG_Q_EDNS;
        int len = dg_wire_build_query(buf, cap, id, c->name, c->qtypes[c->tidx], DG_CLASS_IN, flags,
                                      1232);
        if (len < 0)
                return len;

        cq_remove(&e->ready, c);
        c->queued = false;
        c->id = id;
        c->sock = (uint16_t)sock;
        c->resolver = (uint32_t)ri;
        c->sent_ms = now_ms;
        c->deadline = now_ms + dg_pace_rto(&r->pace);
        c->pace_round = dg_pace_on_send(&r->pace, now_ms);
        timer_push(e, c);
        c->inflight = true;
        c->tries_this++;
        if (c->tries_total++ == 0)
                c->first_ms = now_ms;
        e->idmap[(size_t)sock * 65536u + id] = c->slot + 1;
        cq_push(&e->inflight, c);
        r->inflight++;
        r->sent++;
        if (!r->trusted)
                eng_pool_sent(e, now_ms);
        if (e->o.qps > 0)
                e->tokens -= 1;
        e->st.queries++;
        if (c->transport == DG_TRANSPORT_TCP)
                e->st.tcp++;

        q->resolver = (size_t)ri;
        q->sock = sock;
        q->transport = (dg_transport_t)c->transport;
        q->len = (size_t)len;

        /* lie detection: now and then ask this resolver a random name */
        zone_t *z0 = e->o.mode == DG_MODE_BRUTE ? eng_zone_at(e, 0) : NULL;
        if (e->validated && z0 && z0->state == Z_READY && !z0->wildcard &&
            r->sent >= r->next_canary && e->nfree > eng_probe_reserve(e) / 2) {
                r->next_canary = r->sent + CANARY_EVERY;
                eng_probe_new(e, K_CANARY, e->domain, e->types[0], ri, false);
        }
        return 1;
}

/* ---------------------------------------------------------------- answers */

/* A probe's question has its final answer (or none: rcode < 0). */
void eng_probe_done(dg_engine_t *e, cand_t *c, int rcode, parsed_t *p)
{
        switch (c->kind) {
        case K_VALIDATE_SOA:
        case K_VALIDATE_NX:
                eng_validation_done(e, c, rcode, p);
                break;
        case K_CANARY:
                eng_canary_done(e, c, rcode, p);
                break;
        case K_WILDCARD:
                eng_wildcard_probe_done(e, c, rcode, p);
                break;
        default:
                break;
        }
}

void eng_unmap(dg_engine_t *e, cand_t *c)
{
        timer_remove(e, c->heap_idx);
        e->idmap[(size_t)c->sock * 65536u + c->id] = 0;
        cq_remove(&e->inflight, c);
        c->inflight = false;
        if (e->res[c->resolver].inflight > 0)
                e->res[c->resolver].inflight--;
}

void eng_prefetch_answers(const dg_engine_t *e, unsigned sock, const uint8_t *const *msgs,
                          const size_t *lens, size_t n)
{
        if (sock >= e->o.nsockets)
                return;
        const uint32_t *map = e->idmap + (size_t)sock * 65536u;
        for (size_t i = 0; i < n; i++)
                if (lens[i] >= DG_HDR_LEN)
                        __builtin_prefetch(&map[(msgs[i][0] << 8) | msgs[i][1]]);
        for (size_t i = 0; i < n; i++) {
                if (lens[i] < DG_HDR_LEN)
                        continue;
                uint32_t s = map[(msgs[i][0] << 8) | msgs[i][1]];
                if (s == 0 || eng_late_is(s))
                        continue;
                const cand_t *c = &e->pool[s - 1];
                __builtin_prefetch(c);
                __builtin_prefetch(&c->inflight);
                __builtin_prefetch(c->name);
        }
}

/* Where a response belongs: 1 with *out its candidate (in flight, or taken
 * back for a late answer: *late), 0 for a late answer nobody waits for any
 * more (booked, *out NULL), -1 for none. */
static int feed_match(dg_engine_t *e, uint64_t now_ms, size_t resolver, unsigned sock,
                      dg_transport_t t, const dg_wire_msg_t *m, cand_t **out, double *rtt,
                      uint32_t *round)
{
        *out = NULL;
        if (sock >= e->o.nsockets)
                return -1;
        uint32_t s = e->idmap[(size_t)sock * 65536u + m->id];
        if (s == 0)
                return -1;
        if (eng_late_is(s))
                return t == DG_TRANSPORT_UDP
                           ? eng_late_take(e, s, resolver, now_ms, m, rtt, round, out)
                           : -1;
        cand_t *c = &e->pool[s - 1];
        if (!c->inflight || c->resolver != resolver || c->transport != (uint8_t)t ||
            m->qdcount != 1 || m->qtype != c->qtypes[c->tidx] || m->qclass != DG_CLASS_IN ||
            !dg_name_equal(m->qname, c->name) || m->opcode != DG_OPCODE_QUERY)
                return -1;
        *rtt = now_ms > c->sent_ms ? (double)(now_ms - c->sent_ms) : 0.0;
        *round = c->pace_round;
        eng_unmap(e, c);
        *out = c;
        return 1;
}

int dg_engine_feed(dg_engine_t *e, uint64_t now_ms, size_t resolver, unsigned sock,
                   dg_transport_t t, const uint8_t *msg, size_t len)
{
        dg_wire_msg_t m;
        if (dg_wire_parse(msg, len, &m) != DG_OK || !(m.flags & DG_FLAG_QR)) {
                e->st.malformed++;
                return DG_EMALFORMED;
        }
        if (t == DG_TRANSPORT_TCP)
                sock = 0;
        cand_t *c;
        double rtt = 0;
        uint32_t round = 0;
        int found = feed_match(e, now_ms, resolver, sock, t, &m, &c, &rtt, &round);
        if (found < 0) {
                e->st.mismatched++;
                return DG_EMISMATCH;
        }
        e->st.responses++;
        res_t *r = &e->res[resolver];
        r->answered++;
        bool tc = (m.flags & DG_FLAG_TC) && t == DG_TRANSPORT_UDP;
        if (t == DG_TRANSPORT_UDP) {
                /* a rate limiter lets some answers through whole; a server
                 * that truncates every UDP answer never does: its empty TC
                 * answers are no slips */
                if (tc)
                        r->udp_tc++;
                else if (m.rcode == DG_RCODE_NOERROR || m.rcode == DG_RCODE_NXDOMAIN)
                        r->udp_full++;
                if (r->udp_full == 0 && r->udp_tc >= TRUNCATES_ALL_AFTER)
                        dg_pace_ignore_slips(&r->pace);
        }
        /* An empty truncated answer is how Response Rate Limiting "slips"
         * (Knot mod-rrl, BIND rate-limit): a limit signal, like REFUSED and
         * SERVFAIL, not an answer the pacing counts as delivered. */
        bool slip = tc && m.ancount == 0 && !(c && c->slipped) && !dg_pace_slips_ignored(&r->pace);
        bool useful = !slip && (tc || m.rcode == DG_RCODE_NOERROR || m.rcode == DG_RCODE_NXDOMAIN);
        dg_pace_on_answer(&r->pace, now_ms, round, rtt,
                          slip     ? DG_PACE_SLIP
                          : useful ? DG_PACE_USEFUL
                                   : DG_PACE_REFUSED);
        if (useful && !r->trusted)
                eng_pool_outcome(e, now_ms, now_ms - (uint64_t)rtt, true);
        if (c == NULL) {
                /* late, and its candidate moved on: the answer still tells
                 * that the resolver lives */
                eng_resolver_score(e, resolver, useful, useful ? NULL : dg_rcode_str(m.rcode),
                                   now_ms);
                return DG_OK;
        }

        if (!r->live && (c->kind == K_WORD || c->kind == K_LOOKUP)) {
                /* asked before its resolver was dropped (e.g. caught lying):
                 * its word counts for nothing; ask elsewhere, free of charge */
                c->tries_this--;
                eng_cand_failed(e, c, "resolver dropped", -1);
                return DG_OK;
        }
        if (slip) {
                /* asked again over UDP at the paced rate, behind the queue,
                 * so slipped questions do not come back in a storm; a second
                 * truncation goes to TCP */
                c->slipped = true;
                c->tries_this--;
                e->st.slips++;
                eng_enqueue(e, c, false);
                return DG_OK;
        }
        if (tc) {
                /* truncated: the same question over TCP, same resolver */
                c->transport = DG_TRANSPORT_TCP;
                c->tries_this--; /* a TC answer is not a failure */
                eng_enqueue(e, c, true);
                return DG_OK;
        }

        parsed_t p;
        int prc = eng_parse_answer(e, msg, len, &m, c->qtypes[c->tidx], &p);
        if (prc != DG_OK) {
                e->st.malformed++;
                eng_resolver_score(e, resolver, false, "malformed answer", now_ms);
                eng_cand_failed(e, c, "malformed answer", -1);
                return DG_EMALFORMED;
        }

        if (m.rcode == DG_RCODE_NOERROR || m.rcode == DG_RCODE_NXDOMAIN) {
                eng_resolver_score(e, resolver, true, NULL, now_ms);
                if (c->kind == K_WORD || c->kind == K_LOOKUP)
                        eng_cand_answered(e, c, &p);
                else {
                        eng_probe_done(e, c, m.rcode, &p);
                        eng_cand_release(e, c);
                }
        } else {
                r->errors++;
                eng_resolver_score(e, resolver, false, dg_rcode_str(m.rcode), now_ms);
                if (c->kind == K_VALIDATE_SOA || c->kind == K_VALIDATE_NX) {
                        /* a definite answer: no point asking this one again */
                        eng_probe_done(e, c, m.rcode, &p);
                        eng_cand_release(e, c);
                } else {
                        eng_cand_failed(e, c, dg_rcode_str(m.rcode), m.rcode);
                }
        }
        eng_parsed_clear(&p);
        return DG_OK;
}

void dg_engine_tick(dg_engine_t *e, uint64_t now_ms)
{
        eng_late_expire(e, now_ms);
        eng_validation_tick(e, now_ms);
        while (e->ntimers > 0 && e->timers[0].deadline <= now_ms) {
                cand_t *c = &e->pool[e->timers[0].slot];
                /* the measured RTO grew since it left (a queue shows in the
                 * RTTs of the answers meanwhile): it waits for that one, as
                 * TCP's timer restarts with each acknowledgement (RFC 6298
                 * 5.3); a back-off for losses since does not count */
                uint64_t due = c->sent_ms + e->res[c->resolver].pace.rto;
                if (c->transport == DG_TRANSPORT_UDP && due > now_ms && due > c->deadline) {
                        c->deadline = due;
                        timer_sift_down(e, 0, (timer_t_){due, c->slot});
                        continue;
                }
                eng_unmap(e, c);
                e->st.timeouts++;
                res_t *r = &e->res[c->resolver];
                r->timeouts++;
                /* asked again elsewhere now; its answer, if it comes late,
                 * still counts (engine_late.c), its loss is booked then */
                if (eng_late_add(e, c, now_ms)) {
                        eng_cand_failed(e, c, "timeout", -1);
                        continue;
                }
                /* the pacing backs the RTO off, at most once per round and
                 * never past 3x the measured one: random loss must not pin
                 * it at its maximum (tests/hostile, 30% loss) */
                dg_pace_on_timeout(&r->pace, now_ms, c->pace_round);
                if (!r->trusted)
                        eng_pool_outcome(e, now_ms, c->sent_ms, false);
                eng_resolver_score(e, c->resolver, false, "timeout", now_ms);
                eng_cand_failed(e, c, "timeout", -1);
        }
}

int64_t dg_engine_next_timeout(dg_engine_t *e, uint64_t now_ms)
{
        if (e->fatal)
                return -1;
        /* A phase that just ended (validation, a zone's wildcard probes, a
         * pass over the wordlist) leaves new work that only eng_refill() makes:
         * make it now, or a driver would wait for nothing. */
        if (e->ready.len == 0 && !e->stopped)
                eng_refill(e);
        int64_t t = -1;
        if (e->ready.len > 0 && !e->stopped) {
                if (e->o.qps > 0 && e->tokens < 1)
                        t = (int64_t)((1 - e->tokens) * 1000.0 / e->o.qps) + 1;
                else
                        t = 0;
        }
        if (t == 0 && e->ready.len > 0 && !e->stopped) {
                /* work is due: can any resolver take it now, or when? */
                int64_t pw = eng_pool_wait(e, now_ms);
                t = pw > 0 ? pw : eng_pace_wait(e, now_ms);
        }
        int64_t tw = e->stopped ? -1 : eng_trusted_wait(e, now_ms);
        if (tw >= 0 && (t < 0 || tw < t))
                t = tw;
        if (e->ntimers > 0) {
                uint64_t dl = e->timers[0].deadline;
                int64_t d = dl > now_ms ? (int64_t)(dl - now_ms) : 0;
                if (t < 0 || d < t)
                        t = d;
        }
        int64_t tl = e->stopped ? -1 : eng_late_next(e, now_ms);
        if (tl >= 0 && (t < 0 || tl < t))
                t = tl;
        int64_t tv = e->stopped ? -1 : eng_validation_tick(e, now_ms);
        if (tv >= 0 && (t < 0 || tv < t))
                t = tv;
        /* results waiting to be taken, or anything else unfinished: the
         * driver must come back now, not sleep */
        if (t < 0 && !dg_engine_done(e))
                t = 0;
        return t;
}

int dg_engine_next_result(dg_engine_t *e, dg_result_t **out)
{
        dg_result_t *r = g_queue_pop_head(&e->results);
        *out = r;
        return r != NULL;
}

/* Only probes that no result waits for are left in q: the validation of
 * resolvers that have not answered it yet (dead ones take three timeouts)
 * and canaries. Once every candidate has its result they are abandoned. */
static bool only_idle_probes(const cq_t *q)
{
        for (const cand_t *c = q->head; c != NULL; c = c->next)
                if (c->kind != K_VALIDATE_SOA && c->kind != K_VALIDATE_NX && c->kind != K_CANARY)
                        return false;
        return true;
}

bool dg_engine_done(const dg_engine_t *e)
{
        if (e->fatal)
                return e->results.length == 0;
        if (e->results.length > 0)
                return false;
        if (e->stopped)
                return true; /* in-flight candidates are abandoned */
        if (!e->validated || e->active > 0 || !only_idle_probes(&e->ready) ||
            !only_idle_probes(&e->inflight))
                return false;
        if (e->o.mode == DG_MODE_LOOKUP)
                return e->input_closed && e->lookups.length == 0;
        /* every zone probed and passed */
        if (e->cur_zone + 1 < e->zones->len || !e->words_done)
                return false;
        for (guint i = 0; i < e->zones->len; i++) {
                zone_t *z = eng_zone_at((dg_engine_t *)e, (int)i);
                if (z->state != Z_READY || z->resume.length > 0 || z->waiting.length > 0)
                        return false;
        }
        return true;
}

void dg_engine_stats(const dg_engine_t *e, dg_stats_t *out)
{
        *out = e->st;
        out->inflight = (unsigned)e->inflight.len;
        /* those still to answer their validation take no questions */
        unsigned waiting = 0;
        for (size_t i = 0; e->validated && i < e->nres; i++)
                waiting += e->res[i].live && e->res[i].validating && !e->res[i].trusted;
        out->resolvers_live = e->live - waiting;
        out->trusted_live = e->tlive;
        if (dg_engine_done(e))
                out->phase = "done";
}
