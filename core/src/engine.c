/* The sans-I/O enumeration engine. See engine.h for the driver contract.
 *
 * Life of a run:
 *   1. validation: every resolver is asked the domain's SOA and a few random
 *      labels under it; resolvers that do not answer for the domain, disagree
 *      with the majority, or invent answers for random names are rejected;
 *   2. wildcard detection, per zone level (the domain, then each found name
 *      that recursion descends into): random labels are asked; their answers
 *      form the zone's wildcard signature;
 *   3. enumeration: one existence query per candidate (the first type), the
 *      other types only for names that exist; retries on another resolver,
 *      TCP when truncated; answers that only repeat the wildcard signature are
 *      reported as wildcard-covered.
 *
 * Every in-flight query lives in a candidate slot (cand_t) taken from a fixed
 * pool; responses are found through a per-socket ID map and checked against
 * the question. In-flight slots form a FIFO in send order; each resolver's
 * adaptive timeout (RFC 6298) moves slowly, so the head is, within a few
 * milliseconds, the next deadline. Each resolver also has a congestion window
 * (AIMD, as TCP's) under the configured in-flight limit.
 */
#include "dnsglean/engine.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define VALIDATE_NX_PROBES 3 /* random labels asked of each resolver */
#define VALIDATE_WAVE 4096   /* resolvers validated at once */
#define REJECT_LINES 20      /* rejections told one by one; then a summary */
#define WILDCARD_PROBES 4    /* random-label probes per zone level */
#define WILDCARD_REPROBES 64 /* extra probes per zone to learn rotating wildcards */
#define RESULTS_HIGH_WATER 4096
#define CANARY_EVERY 2000   /* queries between two lie-detecting canaries */
#define DROP_CONSECUTIVE 50 /* failures in a row that drop a resolver */
#define MAX_CNAME_CHAIN 16
#define INITIAL_WINDOW 32 /* queries in flight to a resolver before it answered */
#define MIN_WINDOW                                                                                 \
        32 /* floor after losses: under 30% random loss a smaller floor starves the run (measured: \
              1,200 names in 31 s with 4, 27 s with 32) */
#define MIN_RTO 200 /* ms: the floor of the adaptive per-try timeout */
#define RDATA_BUF 4096

enum cand_kind {
        K_WORD,         /* a wordlist candidate */
        K_LOOKUP,       /* an explicit question */
        K_VALIDATE_SOA, /* validation: SOA of the domain, one resolver */
        K_VALIDATE_NX,  /* validation: random label, one resolver */
        K_WILDCARD,     /* wildcard probe of a zone */
        K_CANARY,       /* runtime lie detection, one resolver */
};

typedef struct cand {
        struct cand *prev, *next; /* in the ready queue or the in-flight FIFO */
        uint8_t name[DG_NAME_WIRE_MAX];
        uint16_t qtypes[DG_ENGINE_MAX_TYPES];
        uint8_t ntypes, tidx;
        uint8_t kind;
        uint8_t transport;
        uint8_t tries_this; /* tries of the current question */
        uint8_t rcode;      /* existence rcode */
        uint8_t last_rcode; /* of the current question */
        bool inflight;
        bool exists;
        bool wildcard;
        bool queued;
        bool confirming; /* the existence question is being re-asked */
        bool confirmed;  /* a second resolver agreed that the name exists */
        uint16_t tries_total;
        uint16_t id;
        uint16_t sock;
        int32_t zone;
        int32_t fixed_resolver; /* -1: any */
        uint32_t resolver;      /* last resolver asked */
        uint32_t first_res;     /* while confirming: who said it exists */
        uint32_t slot;          /* index in the pool */
        uint64_t sent_ms;
        uint64_t deadline;
        const char *reason;
        GPtrArray *answers; /* dg_answer_t*, one per answered type */
        GPtrArray *sig;     /* probe and wildcard comparison: "TYPE rdata" */
} cand_t;

typedef struct {
        cand_t *head, *tail;
        size_t len;
} cq_t;

typedef struct {
        dg_resolver_addr_t addr;
        unsigned inflight;
        bool live;
        uint64_t sent, answered, timeouts, errors;
        unsigned consec_fail;
        double fail_score;
        double srtt, rttvar; /* RFC 6298 estimators, ms */
        unsigned rtt_samples;
        unsigned rto; /* current per-try timeout, ms */
        double cwnd;  /* congestion window: queries in flight it may have */
        double ssthresh;
        uint64_t last_cut_ms;
        uint64_t next_canary;
        /* validation */
        int soa_rcode; /* -1: no answer */
        char *soa_sig;
        int nx_rcode[VALIDATE_NX_PROBES];
        char *nx_sig[VALIDATE_NX_PROBES];
        unsigned nx_done;
} res_t;

enum zone_state { Z_NEW, Z_PROBING, Z_READY };

typedef struct {
        uint8_t name[DG_NAME_WIRE_MAX];
        unsigned depth;
        int state;
        unsigned probes_pending;
        unsigned reprobes;
        bool wildcard;
        bool wildcard_nodata;
        unsigned wild_answers, wild_cnames; /* probe answers with data; with a CNAME */
        GHashTable *wsig;                   /* wildcard signature: set of "TYPE rdata" */
        GQueue waiting;                     /* cand_t* waiting for the zone's wildcard answer */
        GQueue resume;                      /* char* names to retry after a resume */
} zone_t;

struct dg_engine {
        dg_engine_opts_t o;
        uint8_t domain[DG_NAME_WIRE_MAX];
        char *domain_str;
        uint16_t types[DG_ENGINE_MAX_TYPES];
        size_t ntypes;
        res_t *res;
        dg_resolver_addr_t *addrs; /* the same addresses, as one array */
        size_t nres;
        unsigned live;
        size_t rr_next; /* round robin */
        unsigned sock_next;

        cand_t *pool;
        uint32_t pool_size;
        uint32_t *free_slots;
        uint32_t nfree;
        uint32_t *idmap; /* nsockets * 65536: slot + 1, 0 = free */

        cq_t ready;    /* due to be sent */
        cq_t inflight; /* sent, in send-time order */

        GQueue results;
        GPtrArray *zones; /* zone_t* */
        GHashTable *zone_names;
        unsigned cur_zone;
        uint64_t words_in_pass; /* words read in the current zone's pass */
        uint64_t skip_words;    /* resume: words of the pass to skip */
        bool words_done;        /* the current pass reached the end */
        bool validated;
        unsigned validate_pending;
        size_t validate_next; /* first resolver of the next validation wave */
        GQueue lookups;       /* char* "TYPE\tname" */
        bool input_closed;
        bool stopped;
        int fatal;
        char *fatal_msg;
        unsigned active; /* candidates (K_WORD/K_LOOKUP) taken, result not yet queued */

        double tokens;
        uint64_t tokens_ms;
        uint64_t rng;
        dg_stats_t st;
        char rdbuf[RDATA_BUF];
};

/* ---------------------------------------------------------------- helpers */

static uint64_t rng_next(dg_engine_t *e)
{
        /* splitmix64: fast, seeded from getrandom(); IDs and probe labels
         * need to be unpredictable to an off-path spoofer, and every
         * response is also checked against its question. */
        uint64_t z = (e->rng += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
}

static void logf_(dg_engine_t *e, int level, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void logf_(dg_engine_t *e, int level, const char *fmt, ...)
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

static char *name_text(const uint8_t *wire, bool trailing_dot)
{
        char buf[DG_NAME_STR_MAX];
        int n = dg_name_to_str(wire, buf, sizeof buf);
        if (n < 0)
                return g_strdup("?");
        if (!trailing_dot && n > 1 && buf[n - 1] == '.')
                buf[n - 1] = 0;
        return g_strdup(buf);
}

static void random_label(dg_engine_t *e, char *out, size_t n)
{
        static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
        /* starts with a letter, looks like nothing a zone would hold */
        uint64_t r = rng_next(e);
        out[0] = alnum[r % 26];
        for (size_t i = 1; i < n - 1; i++) {
                if (i % 10 == 0)
                        r = rng_next(e);
                out[i] = alnum[r % 36];
                r /= 36;
        }
        out[n - 1] = 0;
}

static void answer_free(dg_answer_t *a)
{
        if (a == NULL)
                return;
        for (size_t i = 0; i < a->ndata; i++)
                g_free(a->data[i]);
        g_free(a->data);
        for (size_t i = 0; i < a->ncname; i++)
                g_free(a->cname[i]);
        g_free(a->cname);
        g_free(a);
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
        o->concurrency = 2048;
        o->per_resolver = DG_DEFAULT_PER_RESOLVER;
        o->nsockets = 1;
}

/* ---------------------------------------------------------------- pool */

static cand_t *cand_new(dg_engine_t *e, int kind)
{
        if (e->nfree == 0)
                return NULL;
        uint32_t slot = e->free_slots[--e->nfree];
        cand_t *c = &e->pool[slot];
        memset(c, 0, sizeof *c);
        c->slot = slot;
        c->kind = (uint8_t)kind;
        c->zone = -1;
        c->fixed_resolver = -1;
        c->rcode = 255;
        c->last_rcode = 255;
        if (kind == K_WORD || kind == K_LOOKUP)
                e->active++;
        return c;
}

static void cand_release(dg_engine_t *e, cand_t *c)
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
static uint32_t probe_reserve(const dg_engine_t *e)
{
        size_t wave = e->nres < VALIDATE_WAVE ? e->nres : VALIDATE_WAVE;
        return (uint32_t)(wave * (VALIDATE_NX_PROBES + 2) + WILDCARD_PROBES * 2 + 8);
}

/* ---------------------------------------------------------------- zones */

static int zone_add(dg_engine_t *e, const uint8_t *name, unsigned depth)
{
        char *text = name_text(name, false);
        char *key = g_ascii_strdown(text, -1);
        g_free(text);
        if (g_hash_table_contains(e->zone_names, key)) {
                g_free(key);
                return -1;
        }
        zone_t *z = g_new0(zone_t, 1);
        memcpy(z->name, name, (size_t)dg_name_len(name, DG_NAME_WIRE_MAX));
        dg_name_lower(z->name);
        z->depth = depth;
        z->state = Z_NEW;
        z->wsig = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_queue_init(&z->waiting);
        g_queue_init(&z->resume);
        g_ptr_array_add(e->zones, z);
        g_hash_table_add(e->zone_names, key);
        return (int)e->zones->len - 1;
}

static void zone_free(gpointer p)
{
        zone_t *z = p;
        g_hash_table_destroy(z->wsig);
        g_queue_clear(&z->waiting);
        g_queue_clear_full(&z->resume, g_free);
        g_free(z);
}

static zone_t *zone_at(dg_engine_t *e, int i)
{
        return (i >= 0 && (guint)i < e->zones->len) ? g_ptr_array_index(e->zones, i) : NULL;
}

/* ---------------------------------------------------------------- setup */

static int fail_fatal(dg_engine_t *e, int err, char *msg)
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

        dg_engine_t *e = g_new0(dg_engine_t, 1);
        e->o = *opts;
        if (e->o.retries > 20)
                e->o.retries = 20;
        if (e->o.timeout_ms == 0)
                e->o.timeout_ms = 1500;
        if (e->o.concurrency == 0)
                e->o.concurrency = 2048;
        if (e->o.per_resolver == 0)
                e->o.per_resolver = DG_DEFAULT_PER_RESOLVER;
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
        e->domain_str = name_text(e->domain, false);

        if (opts->ntypes == 0) {
                e->types[0] = DG_T_A;
                e->ntypes = 1;
        } else {
                memcpy(e->types, opts->types, opts->ntypes * sizeof(uint16_t));
                e->ntypes = opts->ntypes;
        }

        e->nres = opts->nresolvers;
        e->res = g_new0(res_t, e->nres);
        e->addrs = g_memdup2(opts->resolvers, e->nres * sizeof(dg_resolver_addr_t));
        e->o.resolvers = e->addrs;
        for (size_t i = 0; i < e->nres; i++) {
                e->res[i].addr = opts->resolvers[i];
                e->res[i].live = true;
                e->res[i].soa_rcode = -1;
                for (int k = 0; k < VALIDATE_NX_PROBES; k++)
                        e->res[i].nx_rcode[k] = -1;
                e->res[i].next_canary = CANARY_EVERY;
                e->res[i].rto = e->o.timeout_ms;
                e->res[i].cwnd = INITIAL_WINDOW;
                e->res[i].ssthresh = e->o.per_resolver;
        }
        e->live = (unsigned)e->nres;

        if (opts->seed)
                e->rng = opts->seed;
        else if (getrandom(&e->rng, sizeof e->rng, 0) != sizeof e->rng)
                e->rng = (uint64_t)g_get_real_time() ^ (uint64_t)(uintptr_t)e;

        e->pool_size = e->o.concurrency + probe_reserve(e);
        e->pool = g_try_new0(cand_t, e->pool_size);
        e->free_slots = g_try_new(uint32_t, e->pool_size);
        e->idmap = g_try_new0(uint32_t, (size_t)e->o.nsockets * 65536u);
        if (e->pool == NULL || e->free_slots == NULL || e->idmap == NULL) {
                dg_engine_free(e);
                return DG_ENOMEM;
        }
        for (uint32_t i = 0; i < e->pool_size; i++)
                e->free_slots[i] = e->pool_size - 1 - i;
        e->nfree = e->pool_size;

        g_queue_init(&e->results);
        g_queue_init(&e->lookups);
        e->zones = g_ptr_array_new_with_free_func(zone_free);
        e->zone_names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        if (e->o.mode == DG_MODE_BRUTE)
                zone_add(e, e->domain, 0);
        e->validated = e->o.no_validate;
        e->st.phase = e->validated ? "wildcards" : "validating";
        e->st.resolvers = (unsigned)e->nres;
        e->st.resolvers_live = e->live;
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
        if (e->zones)
                g_ptr_array_free(e->zones, TRUE);
        if (e->zone_names)
                g_hash_table_destroy(e->zone_names);
        for (size_t i = 0; e->res && i < e->nres; i++) {
                g_free(e->res[i].soa_sig);
                for (int k = 0; k < VALIDATE_NX_PROBES; k++)
                        g_free(e->res[i].nx_sig[k]);
        }
        g_free(e->res);
        g_free(e->addrs);
        g_free(e->pool);
        g_free(e->free_slots);
        g_free(e->idmap);
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

/* ---------------------------------------------------------------- resolvers */

static void resolver_drop(dg_engine_t *e, size_t i, const char *why)
{
        res_t *r = &e->res[i];
        if (!r->live)
                return;
        r->live = false;
        e->live--;
        e->st.resolvers_live = e->live;
        logf_(e, DG_LOG_WARN, "resolver %s dropped: %s (%u left)", r->addr.text, why, e->live);
}

/* Records one outcome for resolver i; failures score it down and may drop it.
 * The last live resolver is kept unless it lies: candidates then fail on
 * their own retry budget. */
static void resolver_score(dg_engine_t *e, size_t i, bool ok, const char *what)
{
        res_t *r = &e->res[i];
        r->fail_score = r->fail_score * 0.95 + (ok ? 0.0 : 0.05);
        if (ok) {
                r->consec_fail = 0;
                return;
        }
        r->consec_fail++;
        if (!r->live || e->live <= 1)
                return;
        if (r->consec_fail >= DROP_CONSECUTIVE || (r->sent >= 100 && r->fail_score > 0.85)) {
                char *why =
                    g_strdup_printf("%u failures in a row (last: %s)", r->consec_fail, what);
                resolver_drop(e, i, why);
                g_free(why);
        }
}

/* How many queries resolver r may have in flight: the smaller of the
 * configured limit and its congestion window. The window grows with answers
 * and halves on loss, at most once per round trip (TCP's AIMD, RFC 5681), so
 * a resolver that drops or rate-limits under load is not flooded, and bursts
 * never outrun a server's socket buffer. */
static unsigned window(const dg_engine_t *e, const res_t *r)
{
        unsigned w = (unsigned)r->cwnd;
        return w < e->o.per_resolver ? w : e->o.per_resolver;
}

static void window_grow(dg_engine_t *e, res_t *r)
{
        if (r->cwnd >= e->o.per_resolver)
                return;
        if (r->cwnd < r->ssthresh)
                r->cwnd += 1; /* slow start: doubles every round trip */
        else
                r->cwnd += 1.0 / r->cwnd; /* congestion avoidance */
}

/* Returns true if it cut (the first loss of a round trip). */
static bool window_cut(dg_engine_t *e, res_t *r, uint64_t now_ms)
{
        uint64_t rtt = r->rtt_samples ? (uint64_t)r->srtt + 1 : e->o.timeout_ms;
        if (now_ms - r->last_cut_ms < rtt)
                return false;
        r->last_cut_ms = now_ms;
        r->ssthresh = r->cwnd / 2 < MIN_WINDOW ? MIN_WINDOW : r->cwnd / 2;
        r->cwnd = r->ssthresh;
        return true;
}

/* Picks a live resolver with room, preferring one other than avoid. Returns
 * the index or -1. */
static int pick_resolver(dg_engine_t *e, int avoid)
{
        int fallback = -1;
        for (size_t k = 0; k < e->nres; k++) {
                size_t i = (e->rr_next + k) % e->nres;
                res_t *r = &e->res[i];
                if (!r->live || r->inflight >= window(e, r))
                        continue;
                if ((int)i == avoid && e->live > 1) {
                        fallback = (int)i;
                        continue;
                }
                e->rr_next = i + 1;
                return (int)i;
        }
        return fallback;
}

/* ---------------------------------------------------------------- results */

static dg_answer_t *answer_take(GPtrArray *answers, size_t i)
{
        dg_answer_t *a = g_ptr_array_index(answers, i);
        g_ptr_array_index(answers, i) = NULL;
        return a;
}

static void result_emit(dg_engine_t *e, cand_t *c, dg_status_t status)
{
        dg_result_t *r = g_new0(dg_result_t, 1);
        r->name = name_text(c->name, false);
        r->status = status;
        r->rcode = c->rcode;
        r->reason = status == DG_STATUS_FAILED ? c->reason : NULL;
        r->tries = c->tries_total;
        zone_t *z = zone_at(e, c->zone);
        r->depth = z ? z->depth + 1 : 0;
        if (status == DG_STATUS_WILDCARD && z) {
                char *zn = name_text(z->name, false);
                r->wildcard_root = g_strdup_printf("*.%s", zn);
                g_free(zn);
        }
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
                zone_add(e, c->name, z->depth + 1);
}

/* ---------------------------------------------------------------- sending */

/* What a response says about the question asked. */
typedef struct {
        uint8_t rcode;
        bool tc;
        GPtrArray *data;  /* rdata strings of qtype at the end of the chain */
        GPtrArray *cname; /* chain targets */
        GPtrArray *sig;   /* "TYPE rdata" of every answer record */
        char *auth_soa;   /* SOA asked, none in the answer: the authority's SOA */
        uint32_t ttl;
} parsed_t;

static void probe_done(dg_engine_t *e, cand_t *c, int rcode, parsed_t *p);

static void enqueue(dg_engine_t *e, cand_t *c, bool front)
{
        c->queued = true;
        if (front)
                cq_push_front(&e->ready, c);
        else
                cq_push(&e->ready, c);
}

static cand_t *probe_new(dg_engine_t *e, int kind, const uint8_t *parent, uint16_t type,
                         int resolver, bool two_labels)
{
        cand_t *c = cand_new(e, kind);
        if (c == NULL)
                return NULL;
        if (kind == K_VALIDATE_SOA) {
                memcpy(c->name, parent, (size_t)dg_name_len(parent, DG_NAME_WIRE_MAX));
        } else {
                char lab[16];
                random_label(e, lab, 14);
                uint8_t tmp[DG_NAME_WIRE_MAX];
                const uint8_t *base = parent;
                if (two_labels) {
                        char lab2[16];
                        random_label(e, lab2, 10);
                        if (dg_name_prepend((const uint8_t *)lab2, strlen(lab2), parent, tmp) > 0)
                                base = tmp;
                }
                if (dg_name_prepend((const uint8_t *)lab, strlen(lab), base, c->name) < 0) {
                        /* parent too long for a probe label: ask the parent's
                         * sibling space is impossible; use a 1-octet label */
                        if (dg_name_prepend((const uint8_t *)"x", 1, parent, c->name) < 0) {
                                cand_release(e, c);
                                return NULL;
                        }
                }
        }
        c->qtypes[0] = type;
        c->ntypes = 1;
        c->fixed_resolver = resolver;
        e->st.probes++;
        enqueue(e, c, true);
        return c;
}

/* Validates the next wave of resolvers: a long list is probed VALIDATE_WAVE
 * at a time, so memory stays bounded whatever its length. Returns the number
 * of resolvers in the wave. */
static size_t start_validation(dg_engine_t *e)
{
        size_t first = e->validate_next;
        size_t end = first + VALIDATE_WAVE < e->nres ? first + VALIDATE_WAVE : e->nres;
        e->validate_next = end;
        for (size_t i = first; i < end; i++) {
                if (probe_new(e, K_VALIDATE_SOA, e->domain, DG_T_SOA, (int)i, false))
                        e->validate_pending++;
                for (int k = 0; k < VALIDATE_NX_PROBES; k++)
                        if (probe_new(e, K_VALIDATE_NX, e->domain, e->types[0], (int)i, false))
                                e->validate_pending++;
        }
        return end - first;
}

static void zone_start_probes(dg_engine_t *e, int zi)
{
        zone_t *z = zone_at(e, zi);
        z->state = Z_PROBING;
        if (e->o.no_wildcard) {
                z->state = Z_READY;
                return;
        }
        for (int k = 0; k < WILDCARD_PROBES; k++) {
                cand_t *c =
                    probe_new(e, K_WILDCARD, z->name, e->types[0], -1, k == WILDCARD_PROBES - 1);
                if (c) {
                        c->zone = zi;
                        z->probes_pending++;
                }
        }
        if (z->probes_pending == 0)
                z->state = Z_READY;
}

/* Builds word + zone into out; with words_names a word may hold several
 * dot-separated labels. Returns the wire length or a negative dg_err. */
static int word_name(const dg_engine_t *e, const char *w, size_t len, const uint8_t *zone,
                     uint8_t *out)
{
        if (!e->o.words_names || memchr(w, '.', len) == NULL) {
                if (dg_label_check(w, len) != DG_OK)
                        return DG_ENAME;
                return dg_name_prepend((const uint8_t *)w, len, zone, out);
        }
        uint8_t tmp[DG_NAME_WIRE_MAX];
        memcpy(tmp, zone, (size_t)dg_name_len(zone, DG_NAME_WIRE_MAX));
        int rc = DG_ENAME;
        size_t end = len;
        while (end > 0) { /* labels from the right */
                size_t start = end;
                while (start > 0 && w[start - 1] != '.')
                        start--;
                if (dg_label_check(w + start, end - start) != DG_OK)
                        return DG_ENAME;
                rc = dg_name_prepend((const uint8_t *)w + start, end - start, tmp, out);
                if (rc < 0)
                        return rc;
                memcpy(tmp, out, (size_t)rc);
                if (start == 0)
                        break;
                end = start - 1;
                if (end == 0)
                        return DG_ENAME; /* a leading dot */
        }
        return rc;
}

/* Reads the next valid word and makes it a candidate of the current zone.
 * Returns 1 if a candidate was made, 0 if none now, -1 at the end of the
 * pass. */
static int pull_word(dg_engine_t *e, zone_t *z, int zi)
{
        const char *w;
        size_t len;
        for (;;) {
                int rc = e->o.words(e->o.words_ud, &w, &len);
                if (rc < 0) {
                        fail_fatal(e, rc,
                                   g_strdup_printf("reading the wordlist: %s", dg_strerror(rc)));
                        return -1;
                }
                if (rc == 0)
                        return -1;
                e->words_in_pass++;
                bool first_pass = (zi == 0);
                if (first_pass)
                        e->st.words_read++;
                if (e->skip_words > 0) {
                        e->skip_words--;
                        continue;
                }
                /* trim blanks and CR, lowercase */
                while (len > 0 && (w[len - 1] == '\r' || w[len - 1] == ' ' || w[len - 1] == '\t'))
                        len--;
                while (len > 0 && (*w == ' ' || *w == '\t')) {
                        w++;
                        len--;
                }
                if (len == 0 || w[0] == '#')
                        continue; /* blank lines and comments are not words */
                uint8_t name[DG_NAME_WIRE_MAX];
                if (word_name(e, w, len, z->name, name) < 0) {
                        if (first_pass) {
                                e->st.invalid_words++;
                                if (e->st.invalid_words <= 5) {
                                        char shown[48];
                                        size_t k = len < 40 ? len : 40;
                                        memcpy(shown, w, k);
                                        shown[k] = 0;
                                        char *esc = g_strescape(shown, NULL);
                                        logf_(e, DG_LOG_WARN,
                                              "wordlist line %llu skipped, not a valid label: "
                                              "'%s%s'",
                                              (unsigned long long)e->words_in_pass, esc,
                                              len > 40 ? "..." : "");
                                        g_free(esc);
                                }
                        }
                        continue;
                }
                dg_name_lower(name);
                if (e->o.shard_n > 1 &&
                    dg_name_hash(name) % e->o.shard_n != (uint64_t)(e->o.shard_k - 1)) {
                        e->st.skipped_shard++;
                        continue;
                }
                cand_t *c = cand_new(e, K_WORD);
                memcpy(c->name, name, (size_t)dg_name_len(name, DG_NAME_WIRE_MAX));
                memcpy(c->qtypes, e->types, e->ntypes * sizeof(uint16_t));
                c->ntypes = (uint8_t)e->ntypes;
                c->zone = zi;
                e->st.candidates++;
                enqueue(e, c, false);
                return 1;
        }
}

/* Makes a candidate of a name left pending by an interrupted run, from the
 * first zone up to the current one whose wildcard answer is known. */
static bool pull_resumed(dg_engine_t *e)
{
        for (guint i = 0; i <= e->cur_zone && i < e->zones->len; i++) {
                zone_t *z = zone_at(e, (int)i);
                if (z->state != Z_READY || z->resume.length == 0)
                        continue;
                char *rn = g_queue_pop_head(&z->resume);
                cand_t *c = cand_new(e, K_WORD);
                dg_name_from_str(rn, strlen(rn), c->name);
                dg_name_lower(c->name);
                g_free(rn);
                memcpy(c->qtypes, e->types, e->ntypes * sizeof(uint16_t));
                c->ntypes = (uint8_t)e->ntypes;
                c->zone = (int32_t)i;
                e->st.candidates++;
                enqueue(e, c, false);
                return true;
        }
        return false;
}

static bool room_for_candidates(const dg_engine_t *e)
{
        return e->nfree > probe_reserve(e) && e->results.length < RESULTS_HIGH_WATER &&
               !e->stopped && !e->fatal;
}

/* Brings zones forward and tops up the ready queue with candidates. */
static void refill(dg_engine_t *e)
{
        if (!e->validated) {
                if (e->validate_pending == 0 && e->st.probes == 0)
                        start_validation(e);
                return;
        }
        if (e->o.mode == DG_MODE_LOOKUP) {
                while (room_for_candidates(e) && e->ready.len < 64 && e->lookups.length) {
                        char *item = g_queue_pop_head(&e->lookups);
                        char *tab = strchr(item, '\t');
                        cand_t *c = cand_new(e, K_LOOKUP);
                        c->qtypes[0] = (uint16_t)atoi(item);
                        c->ntypes = 1;
                        dg_name_from_str(tab + 1, strlen(tab + 1), c->name);
                        g_free(item);
                        e->st.candidates++;
                        enqueue(e, c, false);
                }
                e->st.phase = "looking up";
                return;
        }
        /* start wildcard probes of every zone not probed yet */
        for (guint i = 0; i < e->zones->len; i++) {
                zone_t *z = zone_at(e, (int)i);
                if (z->state == Z_NEW && e->nfree > 2 * WILDCARD_PROBES)
                        zone_start_probes(e, (int)i);
        }
        while (room_for_candidates(e) && e->ready.len < 256) {
                zone_t *z = zone_at(e, (int)e->cur_zone);
                if (z == NULL)
                        break;
                if (z->state != Z_READY) {
                        e->st.phase = "wildcards";
                        break;
                }
                e->st.phase = "enumerating";
                if (pull_resumed(e))
                        continue;
                if (!e->words_done) {
                        if (pull_word(e, z, (int)e->cur_zone) == 1)
                                continue;
                        if (e->fatal)
                                return;
                        e->words_done = true;
                }
                /* the pass over this zone is complete: next zone */
                if (e->cur_zone + 1 >= e->zones->len)
                        break;
                e->cur_zone++;
                e->words_in_pass = 0;
                e->words_done = false;
                if (e->o.words_rewind == NULL || e->o.words_rewind(e->o.words_ud) != DG_OK) {
                        fail_fatal(e, DG_EIO, g_strdup("cannot rewind the wordlist"));
                        return;
                }
        }
}

int dg_engine_next_query(dg_engine_t *e, uint64_t now_ms, uint8_t *buf, size_t cap, dg_query_t *q)
{
        if (e->fatal)
                return 0;
        if (e->ready.len < 64)
                refill(e);
        if (e->stopped)
                return 0;
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
        /* find a resolver for the head, or for the first sendable one */
        int ri = -1;
        for (; c != NULL; c = c->next) {
                if (c->fixed_resolver >= 0) {
                        res_t *r = &e->res[c->fixed_resolver];
                        if (!r->live && c->kind == K_CANARY) {
                                /* its resolver was dropped meanwhile */
                                cq_remove(&e->ready, c);
                                c->queued = false;
                                cand_release(e, c);
                                return dg_engine_next_query(e, now_ms, buf, cap, q);
                        }
                        if (r->inflight < window(e, r)) {
                                ri = c->fixed_resolver;
                                break;
                        }
                        continue;
                }
                ri = pick_resolver(e, c->confirming   ? (int)c->first_res
                                      : c->tries_this ? (int)c->resolver
                                                      : -1);
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
                        result_emit(e, c,
                                    c->exists ? (c->answers && c->answers->len ? DG_STATUS_FOUND
                                                                               : DG_STATUS_NODATA)
                                              : DG_STATUS_FAILED);
                } else {
                        probe_done(e, c, -1, NULL);
                }
                cand_release(e, c);
                return dg_engine_next_query(e, now_ms, buf, cap, q);
        }
        res_t *r = &e->res[ri];
        unsigned sock = c->transport == DG_TRANSPORT_TCP ? 0 : (e->sock_next++ % e->o.nsockets);
        uint32_t *map = e->idmap + (size_t)sock * 65536u;
        uint16_t id = (uint16_t)rng_next(e);
        for (unsigned k = 0; k < 65536 && map[id] != 0; k++)
                id++;
        if (map[id] != 0)
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
        c->deadline = now_ms + r->rto;
        c->inflight = true;
        c->tries_this++;
        c->tries_total++;
        map[id] = c->slot + 1;
        cq_push(&e->inflight, c);
        r->inflight++;
        r->sent++;
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
        zone_t *z0 = e->o.mode == DG_MODE_BRUTE ? zone_at(e, 0) : NULL;
        if (e->validated && z0 && z0->state == Z_READY && !z0->wildcard &&
            r->sent >= r->next_canary && e->nfree > probe_reserve(e) / 2) {
                r->next_canary = r->sent + CANARY_EVERY;
                probe_new(e, K_CANARY, e->domain, e->types[0], ri, false);
        }
        return 1;
}

/* ---------------------------------------------------------------- answers */

static void parsed_clear(parsed_t *p)
{
        if (p->data)
                g_ptr_array_free(p->data, TRUE);
        if (p->cname)
                g_ptr_array_free(p->cname, TRUE);
        if (p->sig)
                g_ptr_array_free(p->sig, TRUE);
        g_free(p->auth_soa);
        memset(p, 0, sizeof *p);
}

static int parse_answer(dg_engine_t *e, const uint8_t *msg, size_t len, const dg_wire_msg_t *m,
                        uint16_t qtype, parsed_t *p)
{
        memset(p, 0, sizeof *p);
        p->rcode = m->rcode;
        p->tc = (m->flags & DG_FLAG_TC) != 0;
        if (m->ancount == 0 && qtype == DG_T_SOA && m->rcode == DG_RCODE_NOERROR) {
                /* a name below a zone apex: the zone's SOA in the authority
                 * section still identifies the zone */
                dg_wire_iter_t it;
                dg_wire_rr_t rr;
                dg_wire_iter_init(&it, msg, len, m);
                while (dg_wire_iter_next(&it, &rr) == 1 && rr.section == DG_SEC_AUTHORITY) {
                        if (rr.type == DG_T_SOA &&
                            dg_wire_rdata_str(msg, len, &rr, e->rdbuf, sizeof e->rdbuf) >= 0) {
                                p->auth_soa = g_strdup(e->rdbuf);
                                break;
                        }
                }
        }
        if (m->ancount == 0)
                return DG_OK;
        p->data = g_ptr_array_new_with_free_func(g_free);
        p->cname = g_ptr_array_new_with_free_func(g_free);
        p->sig = g_ptr_array_new_with_free_func(g_free);
        p->ttl = UINT32_MAX;

        /* The chain is followed by owner name: qname, then each CNAME target
         * in turn. Records are read once into a small array first. */
        /* a record takes at least 11 octets: a lying count cannot make us
         * allocate more than the message can hold */
        size_t maxrr = m->ancount < len / 11 ? m->ancount : len / 11;
        dg_wire_rr_t *rrs = g_new(dg_wire_rr_t, maxrr ? maxrr : 1);
        size_t nrr = 0;
        dg_wire_iter_t it;
        dg_wire_iter_init(&it, msg, len, m);
        dg_wire_rr_t rr;
        int rc;
        while ((rc = dg_wire_iter_next(&it, &rr)) == 1 && rr.section == DG_SEC_ANSWER) {
                if (nrr < maxrr)
                        rrs[nrr++] = rr;
        }
        if (rc < 0) {
                g_free(rrs);
                parsed_clear(p);
                return DG_EMALFORMED;
        }
        for (size_t i = 0; i < nrr; i++) {
                int n = dg_wire_rdata_str(msg, len, &rrs[i], e->rdbuf, sizeof e->rdbuf);
                if (n < 0)
                        continue;
                g_ptr_array_add(p->sig,
                                g_strdup_printf("%s %s", dg_rrtype_str(rrs[i].type), e->rdbuf));
        }
        uint8_t cur[DG_NAME_WIRE_MAX];
        memcpy(cur, m->qname, (size_t)dg_name_len(m->qname, DG_NAME_WIRE_MAX));
        for (int hop = 0; hop <= MAX_CNAME_CHAIN; hop++) {
                bool moved = false;
                for (size_t i = 0; i < nrr; i++) {
                        if (!dg_name_equal(rrs[i].owner, cur))
                                continue;
                        if (rrs[i].type == qtype) {
                                int n =
                                    dg_wire_rdata_str(msg, len, &rrs[i], e->rdbuf, sizeof e->rdbuf);
                                if (n >= 0) {
                                        g_ptr_array_add(p->data, g_strdup(e->rdbuf));
                                        if (rrs[i].ttl < p->ttl)
                                                p->ttl = rrs[i].ttl;
                                }
                        } else if (rrs[i].type == DG_T_CNAME && qtype != DG_T_CNAME && !moved) {
                                size_t pos = rrs[i].rdata_off;
                                uint8_t next[DG_NAME_WIRE_MAX];
                                if (dg_wire_read_name(msg, len, &pos, next) < 0)
                                        continue;
                                g_ptr_array_add(p->cname, name_text(next, true));
                                if (rrs[i].ttl < p->ttl)
                                        p->ttl = rrs[i].ttl;
                                memcpy(cur, next, (size_t)dg_name_len(next, DG_NAME_WIRE_MAX));
                                moved = true;
                        }
                }
                if (!moved || p->data->len > 0)
                        break;
        }
        if (p->ttl == UINT32_MAX)
                p->ttl = 0;
        g_free(rrs);
        return DG_OK;
}

static int cmp_str(gconstpointer a, gconstpointer b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The answer records as one sorted text, for comparing answers. */
static char *sig_join(GPtrArray *sig)
{
        if (sig == NULL || sig->len == 0)
                return g_strdup("");
        GPtrArray *sorted = g_ptr_array_sized_new(sig->len);
        for (guint i = 0; i < sig->len; i++)
                g_ptr_array_add(sorted, g_ptr_array_index(sig, i));
        g_ptr_array_sort(sorted, cmp_str);
        GString *s = g_string_new(NULL);
        for (guint i = 0; i < sorted->len; i++) {
                g_string_append(s, g_ptr_array_index(sorted, i));
                g_string_append_c(s, '\n');
        }
        g_ptr_array_free(sorted, TRUE);
        return g_string_free(s, FALSE);
}

/* Is every record of the answer one the zone's wildcard gives? */
static bool matches_wildcard(const zone_t *z, const parsed_t *p)
{
        if (!z->wildcard)
                return false;
        if (p->sig == NULL || p->sig->len == 0)
                return z->wildcard_nodata;
        /* A CNAME wildcard's answers all start with the CNAME: a name with
         * just the target's address is a real name, not the wildcard. */
        if (z->wild_answers > 0 && z->wild_cnames == z->wild_answers &&
            (p->cname == NULL || p->cname->len == 0))
                return false;
        for (guint i = 0; i < p->sig->len; i++)
                if (!g_hash_table_contains(z->wsig, g_ptr_array_index(p->sig, i)))
                        return false;
        return true;
}

static void zone_ready_release(dg_engine_t *e, zone_t *z);

static void finish_validation(dg_engine_t *e)
{
        /* Majority SOA signature and majority random-label rcode. */
        GHashTable *soa_votes = g_hash_table_new(g_str_hash, g_str_equal);
        unsigned nx_votes = 0, data_votes = 0;
        for (size_t i = 0; i < e->nres; i++) {
                res_t *r = &e->res[i];
                if (r->soa_rcode == DG_RCODE_NOERROR && r->soa_sig && *r->soa_sig) {
                        guint v = GPOINTER_TO_UINT(g_hash_table_lookup(soa_votes, r->soa_sig));
                        g_hash_table_insert(soa_votes, r->soa_sig, GUINT_TO_POINTER(v + 1));
                }
                for (int k = 0; k < VALIDATE_NX_PROBES; k++) {
                        if (r->nx_rcode[k] == DG_RCODE_NXDOMAIN)
                                nx_votes++;
                        else if (r->nx_rcode[k] == DG_RCODE_NOERROR)
                                data_votes++;
                }
        }
        const char *best = NULL;
        guint best_v = 0;
        GHashTableIter hi;
        gpointer k, v;
        g_hash_table_iter_init(&hi, soa_votes);
        while (g_hash_table_iter_next(&hi, &k, &v)) {
                if (GPOINTER_TO_UINT(v) > best_v ||
                    (GPOINTER_TO_UINT(v) == best_v && best && strcmp(k, best) < 0)) {
                        best = k;
                        best_v = GPOINTER_TO_UINT(v);
                }
        }
        /* An apex wildcard makes honest resolvers answer random labels; a
         * hijacking one answers them when the others say NXDOMAIN. Ties go
         * to NXDOMAIN. */
        bool expect_nx = nx_votes >= data_votes;
        unsigned rejected = 0;
        for (size_t i = 0; i < e->nres; i++) {
                res_t *r = &e->res[i];
                const char *why = NULL;
                if (r->soa_rcode < 0)
                        why = "no answer to validation queries";
                else if (r->soa_rcode != DG_RCODE_NOERROR)
                        why = r->soa_rcode == DG_RCODE_REFUSED    ? "refuses queries for the domain"
                              : r->soa_rcode == DG_RCODE_NXDOMAIN ? "says the domain does not exist"
                                                                  : "fails the SOA query";
                else if (best == NULL || r->soa_sig == NULL || strcmp(r->soa_sig, best) != 0)
                        why = "gives a different SOA than the other resolvers";
                else {
                        for (int q = 0; q < VALIDATE_NX_PROBES && why == NULL; q++) {
                                if (r->nx_rcode[q] < 0)
                                        why = "does not answer random names";
                                else if (expect_nx && r->nx_rcode[q] != DG_RCODE_NXDOMAIN)
                                        why = "answers random names that do not exist "
                                              "(NXDOMAIN hijacking)";
                        }
                }
                if (why) {
                        if (r->live) {
                                r->live = false;
                                e->live--;
                                if (++rejected <= REJECT_LINES)
                                        logf_(e, DG_LOG_WARN, "resolver %s rejected: %s",
                                              r->addr.text, why);
                        }
                }
        }
        if (rejected > REJECT_LINES)
                logf_(e, DG_LOG_WARN, "... and %u more resolvers rejected (%u rejected in all)",
                      rejected - REJECT_LINES, rejected);
        g_hash_table_destroy(soa_votes);
        e->st.resolvers_live = e->live;
        e->validated = true;
        unsigned nx_soa = 0, refused = 0;
        for (size_t i = 0; i < e->nres; i++) {
                nx_soa += e->res[i].soa_rcode == DG_RCODE_NXDOMAIN;
                refused += e->res[i].soa_rcode == DG_RCODE_REFUSED;
        }
        if (e->live == 0 && nx_soa * 2 > e->nres) {
                fail_fatal(e, DG_ENOTFOUND,
                           g_strdup_printf("%s does not exist (NXDOMAIN from %u of %zu "
                                           "resolvers)",
                                           e->domain_str, nx_soa, e->nres));
                return;
        }
        if (e->live == 0 && refused * 2 > e->nres) {
                fail_fatal(e, DG_EREFUSED,
                           g_strdup_printf("the resolvers refuse queries for %s (%u of %zu): "
                                           "not their zone, or recursion not offered",
                                           e->domain_str, refused, e->nres));
                return;
        }
        if (e->live == 0) {
                fail_fatal(e, DG_ENORESOLVER,
                           g_strdup_printf("no resolver passed validation for %s (each must "
                                           "answer its SOA and NXDOMAIN for random names)",
                                           e->domain_str));
                return;
        }
        logf_(e, DG_LOG_INFO, "%u of %zu resolvers passed validation", e->live, e->nres);
}

static void zone_ready_release(dg_engine_t *e, zone_t *z)
{
        z->state = Z_READY;
        cand_t *c;
        while ((c = g_queue_pop_head(&z->waiting)) != NULL)
                enqueue(e, c, true);
}

/* A probe's question has its final answer (or none: rcode < 0). */
static void probe_done(dg_engine_t *e, cand_t *c, int rcode, parsed_t *p)
{
        res_t *r = c->fixed_resolver >= 0 ? &e->res[c->fixed_resolver] : NULL;
        switch (c->kind) {
        case K_VALIDATE_SOA:
                r->soa_rcode = rcode;
                const char *soa = NULL;
                if (rcode == DG_RCODE_NOERROR && p && p->data && p->data->len)
                        soa = g_ptr_array_index(p->data, 0);
                else if (rcode == DG_RCODE_NOERROR && p && p->auth_soa)
                        soa = p->auth_soa;
                if (soa) {
                        /* mname and rname identify the zone; the serial may
                         * move during the run */
                        char **f = g_strsplit(soa, " ", 3);
                        if (f[0] && f[1]) {
                                char *sig = g_strdup_printf("%s %s", f[0], f[1]);
                                r->soa_sig = g_ascii_strdown(sig, -1);
                                g_free(sig);
                        }
                        g_strfreev(f);
                        if (r->soa_sig == NULL)
                                r->soa_sig = g_strdup("?");
                } else if (rcode == DG_RCODE_NOERROR) {
                        r->soa_rcode = 1000; /* NOERROR without the SOA */
                }
                e->validate_pending--;
                break;
        case K_VALIDATE_NX:
                if (r->nx_done < VALIDATE_NX_PROBES) {
                        r->nx_rcode[r->nx_done] = rcode;
                        r->nx_sig[r->nx_done] = p ? sig_join(p->sig) : NULL;
                        r->nx_done++;
                }
                e->validate_pending--;
                break;
        case K_CANARY:
                if (rcode == DG_RCODE_NOERROR && p && p->sig && p->sig->len > 0) {
                        /* canaries are only sent under a domain without a
                         * wildcard: any data is invented */
                        if (r)
                                resolver_drop(e, (size_t)c->fixed_resolver,
                                              "answered a random name that does not exist");
                }
                break;
        case K_WILDCARD: {
                zone_t *z = zone_at(e, c->zone);
                if (z == NULL)
                        break;
                if (rcode == DG_RCODE_NOERROR) {
                        z->wildcard = true;
                        if (p == NULL || p->sig == NULL || p->sig->len == 0)
                                z->wildcard_nodata = true;
                        else {
                                z->wild_answers++;
                                if (p->cname && p->cname->len > 0)
                                        z->wild_cnames++;
                        }
                        for (guint i = 0; p && p->sig && i < p->sig->len; i++)
                                g_hash_table_add(z->wsig, g_strdup(g_ptr_array_index(p->sig, i)));
                }
                if (z->probes_pending > 0 && --z->probes_pending == 0) {
                        /* No early stop when a re-probe round adds nothing:
                         * candidates' answers draw from the same rotation, so
                         * a round can miss records the next one shows. Every
                         * answer not in the signature spends a round until
                         * the zone's WILDCARD_REPROBES budget is gone. */
                        if (z->reprobes == 0) {
                                if (z->wildcard) {
                                        char *zn = name_text(z->name, false);
                                        logf_(e, DG_LOG_INFO,
                                              "wildcard at *.%s (%u answer records)", zn,
                                              g_hash_table_size(z->wsig));
                                        g_free(zn);
                                }
                        }
                        zone_ready_release(e, z);
                }
                break;
        }
        default:
                break;
        }
        if (e->validate_pending == 0 && !e->validated &&
            (c->kind == K_VALIDATE_SOA || c->kind == K_VALIDATE_NX)) {
                if (e->validate_next < e->nres)
                        start_validation(e);
                else
                        finish_validation(e);
        }
}

/* Two resolvers disagree on whether c exists (the confirming one says
 * NXDOMAIN). Both get a canary now, so a liar is found and dropped soon; c is
 * asked afresh later, and fails once its budget is spent. */
static void resolvers_disagree(dg_engine_t *e, cand_t *c)
{
        e->st.retries++;
        size_t who[2] = {c->first_res, c->resolver};
        for (int k = 0; k < 2; k++)
                if (e->res[who[k]].live && e->nfree > probe_reserve(e) / 2)
                        probe_new(e, K_CANARY, e->domain, e->types[0], (int)who[k], false);
        c->confirming = false;
        c->exists = false;
        c->tries_this = 0;
        if (c->tries_total >= 2u * (e->o.retries + 1)) {
                c->reason = "resolvers disagree";
                result_emit(e, c, DG_STATUS_FAILED);
                cand_release(e, c);
                return;
        }
        enqueue(e, c, false); /* behind the canaries */
}

/* Moves a candidate on after its current question was answered with p. */
static void cand_answered(dg_engine_t *e, cand_t *c, parsed_t *p)
{
        uint16_t qtype = c->qtypes[c->tidx];
        zone_t *z = zone_at(e, c->zone);
        if (c->tidx == 0) {
                c->rcode = p->rcode;
                if (p->rcode == DG_RCODE_NXDOMAIN && c->confirming) {
                        resolvers_disagree(e, c);
                        return;
                }
                if (p->rcode == DG_RCODE_NXDOMAIN) {
                        result_emit(e, c, DG_STATUS_NXDOMAIN);
                        cand_release(e, c);
                        return;
                }
                c->exists = true;
                if (c->kind == K_WORD && z && z->wildcard && matches_wildcard(z, p)) {
                        c->wildcard = true;
                } else if (c->kind == K_WORD && z && z->state == Z_PROBING) {
                        /* the zone is learning more of its wildcard: decide
                         * once that is done */
                        c->tries_this = 0;
                        g_queue_push_tail(&z->waiting, c);
                        return;
                } else if (c->kind == K_WORD && z && z->wildcard && p->sig && p->sig->len &&
                           z->reprobes < WILDCARD_REPROBES && z->state == Z_READY) {
                        /* Not (yet) the wildcard's answer: a rotating wildcard
                         * may hold more records than the first probes saw.
                         * Probe again and decide when those answers are in. */
                        z->state = Z_PROBING;
                        for (int k = 0; k < 4; k++) {
                                cand_t *pc =
                                    probe_new(e, K_WILDCARD, z->name, e->types[0], -1, false);
                                if (pc) {
                                        pc->zone = c->zone;
                                        z->probes_pending++;
                                        z->reprobes++;
                                }
                        }
                        if (z->probes_pending > 0) {
                                /* ask again once the zone's signature grew */
                                c->tries_this = 0;
                                g_queue_push_tail(&z->waiting, c);
                                return;
                        }
                        z->state = Z_READY;
                }
                if (c->kind == K_WORD && !c->wildcard && !c->confirmed) {
                        if (c->confirming) {
                                c->confirming = false;
                                c->confirmed = true;
                        } else if (e->live > 1) {
                                /* A name exists only if a second resolver
                                 * agrees: one that starts hijacking NXDOMAIN
                                 * mid-run (its canary is up to CANARY_EVERY
                                 * queries away) cannot invent findings. Costs
                                 * one query per name that exists. */
                                c->confirming = true;
                                c->first_res = c->resolver;
                                c->tries_this = 0;
                                c->exists = false;
                                enqueue(e, c, true);
                                return;
                        }
                }
        }
        if ((p->data && p->data->len) || (p->cname && p->cname->len)) {
                dg_answer_t *a = g_new0(dg_answer_t, 1);
                a->type = qtype;
                a->rcode = p->rcode;
                a->ttl = p->ttl;
                a->ndata = p->data->len;
                a->data = (char **)g_ptr_array_free(p->data, FALSE);
                p->data = NULL;
                a->ncname = p->cname->len;
                a->cname = (char **)g_ptr_array_free(p->cname, FALSE);
                p->cname = NULL;
                if (c->answers == NULL)
                        c->answers = g_ptr_array_new_with_free_func((GDestroyNotify)answer_free);
                g_ptr_array_add(c->answers, a);
        }
        if (c->wildcard) {
                result_emit(e, c, DG_STATUS_WILDCARD);
                cand_release(e, c);
                return;
        }
        if (c->tidx + 1 < c->ntypes) {
                c->tidx++;
                c->tries_this = 0;
                c->transport = DG_TRANSPORT_UDP;
                enqueue(e, c, true);
                return;
        }
        result_emit(e, c, c->answers && c->answers->len ? DG_STATUS_FOUND : DG_STATUS_NODATA);
        cand_release(e, c);
}

/* The current question failed (timeout or an error rcode): retry or give up. */
static void cand_failed(dg_engine_t *e, cand_t *c, const char *reason, int rcode)
{
        c->reason = reason;
        if (rcode >= 0)
                c->last_rcode = (uint8_t)rcode;
        bool probe = c->kind != K_WORD && c->kind != K_LOOKUP;
        unsigned budget = probe && c->fixed_resolver >= 0 ? 2 : e->o.retries;
        bool can_retry = c->tries_this <= budget && !e->stopped;
        if (c->kind == K_CANARY && !e->res[c->fixed_resolver].live)
                can_retry = false;
        if (can_retry) {
                e->st.retries++;
                c->transport = DG_TRANSPORT_UDP;
                enqueue(e, c, true);
                return;
        }
        if (c->confirming) {
                /* no second opinion to be had (not a disagreement): ask
                 * again anywhere and take that answer */
                c->confirming = false;
                c->confirmed = true;
                c->tries_this = 0;
                c->transport = DG_TRANSPORT_UDP;
                enqueue(e, c, true);
                return;
        }
        if (probe) {
                probe_done(e, c, -1, NULL);
                cand_release(e, c);
                return;
        }
        if (c->tidx == 0) {
                c->rcode = c->last_rcode;
                result_emit(e, c, DG_STATUS_FAILED);
        } else {
                /* the name exists; a further type could not be had */
                if (c->tidx + 1 < c->ntypes) {
                        c->tidx++;
                        c->tries_this = 0;
                        enqueue(e, c, true);
                        return;
                }
                result_emit(e, c,
                            c->answers && c->answers->len ? DG_STATUS_FOUND : DG_STATUS_NODATA);
        }
        cand_release(e, c);
}

static void unmap(dg_engine_t *e, cand_t *c)
{
        e->idmap[(size_t)c->sock * 65536u + c->id] = 0;
        cq_remove(&e->inflight, c);
        c->inflight = false;
        if (e->res[c->resolver].inflight > 0)
                e->res[c->resolver].inflight--;
}

/* RFC 6298 RTO from a round-trip sample, kept within [MIN_RTO, timeout]. A
 * late answer to an earlier try carries another ID, so samples are never
 * ambiguous. */
static void rtt_sample(dg_engine_t *e, res_t *r, double ms)
{
        if (r->rtt_samples++ == 0) {
                r->srtt = ms;
                r->rttvar = ms / 2;
        } else {
                double d = r->srtt > ms ? r->srtt - ms : ms - r->srtt;
                r->rttvar = 0.75 * r->rttvar + 0.25 * d;
                r->srtt = 0.875 * r->srtt + 0.125 * ms;
        }
        if (r->rtt_samples < 8)
                return; /* keep the configured timeout until the estimate settles */
        double rto = r->srtt + 4 * r->rttvar;
        if (rto < MIN_RTO)
                rto = MIN_RTO;
        if (rto > e->o.timeout_ms)
                rto = e->o.timeout_ms;
        r->rto = (unsigned)rto;
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
        if (sock >= e->o.nsockets) {
                e->st.mismatched++;
                return DG_EMISMATCH;
        }
        uint32_t s = e->idmap[(size_t)sock * 65536u + m.id];
        if (s == 0) {
                e->st.mismatched++;
                return DG_EMISMATCH;
        }
        cand_t *c = &e->pool[s - 1];
        if (!c->inflight || c->resolver != resolver || c->transport != (uint8_t)t ||
            m.qdcount != 1 || m.qtype != c->qtypes[c->tidx] || m.qclass != DG_CLASS_IN ||
            !dg_name_equal(m.qname, c->name) || m.opcode != DG_OPCODE_QUERY) {
                e->st.mismatched++;
                return DG_EMISMATCH;
        }
        e->st.responses++;
        res_t *r = &e->res[resolver];
        r->answered++;
        rtt_sample(e, r, now_ms > c->sent_ms ? (double)(now_ms - c->sent_ms) : 0.0);
        window_grow(e, r);
        unmap(e, c);

        if (!r->live && (c->kind == K_WORD || c->kind == K_LOOKUP)) {
                /* asked before its resolver was dropped (e.g. caught lying):
                 * its word counts for nothing; ask elsewhere, free of charge */
                c->tries_this--;
                cand_failed(e, c, "resolver dropped", -1);
                return DG_OK;
        }
        if ((m.flags & DG_FLAG_TC) && t == DG_TRANSPORT_UDP) {
                /* truncated: the same question over TCP, same resolver */
                c->transport = DG_TRANSPORT_TCP;
                c->fixed_resolver = c->fixed_resolver >= 0 ? c->fixed_resolver : -1;
                c->tries_this--; /* a TC answer is not a failure */
                enqueue(e, c, true);
                return DG_OK;
        }

        parsed_t p;
        int prc = parse_answer(e, msg, len, &m, c->qtypes[c->tidx], &p);
        if (prc != DG_OK) {
                e->st.malformed++;
                resolver_score(e, resolver, false, "malformed answer");
                cand_failed(e, c, "malformed answer", -1);
                return DG_EMALFORMED;
        }

        if (m.rcode == DG_RCODE_NOERROR || m.rcode == DG_RCODE_NXDOMAIN) {
                resolver_score(e, resolver, true, NULL);
                if (c->kind == K_WORD || c->kind == K_LOOKUP)
                        cand_answered(e, c, &p);
                else {
                        probe_done(e, c, m.rcode, &p);
                        cand_release(e, c);
                }
        } else {
                r->errors++;
                resolver_score(e, resolver, false, dg_rcode_str(m.rcode));
                if (c->kind == K_VALIDATE_SOA || c->kind == K_VALIDATE_NX) {
                        /* a definite answer: no point asking this one again */
                        probe_done(e, c, m.rcode, &p);
                        cand_release(e, c);
                } else {
                        cand_failed(e, c, dg_rcode_str(m.rcode), m.rcode);
                }
        }
        parsed_clear(&p);
        return DG_OK;
}

void dg_engine_tick(dg_engine_t *e, uint64_t now_ms)
{
        /* Deadlines follow each resolver's RTO, which moves slowly, so the
         * send-ordered FIFO is close to deadline order; an entry behind a
         * later head waits at most the difference. */
        while (e->inflight.head && e->inflight.head->deadline <= now_ms) {
                cand_t *c = e->inflight.head;
                unmap(e, c);
                e->st.timeouts++;
                res_t *r = &e->res[c->resolver];
                r->timeouts++;
                /* Back off (RFC 6298 5.5) once per round trip, with the
                 * window: the losses of one round trip are one congestion
                 * event. Doubling on every timeout pinned the RTO at its
                 * maximum under random loss (tests/hostile, 30% loss, 1200
                 * names: 101 s before, 31 s now). */
                if (window_cut(e, r, now_ms))
                        r->rto = r->rto * 2 > e->o.timeout_ms ? e->o.timeout_ms : r->rto * 2;
                resolver_score(e, c->resolver, false, "timeout");
                cand_failed(e, c, "timeout", -1);
        }
}

int64_t dg_engine_next_timeout(dg_engine_t *e, uint64_t now_ms)
{
        if (e->fatal)
                return -1;
        /* A phase that just ended (validation, a zone's wildcard probes, a
         * pass over the wordlist) leaves new work that only refill() makes:
         * make it now, or a driver would wait for nothing. */
        if (e->ready.len == 0 && !e->stopped)
                refill(e);
        int64_t t = -1;
        if (e->ready.len > 0 && !e->stopped) {
                if (e->o.qps > 0 && e->tokens < 1)
                        t = (int64_t)((1 - e->tokens) * 1000.0 / e->o.qps) + 1;
                else
                        t = 0;
        }
        if (e->inflight.head) {
                uint64_t dl = e->inflight.head->deadline;
                int64_t d = dl > now_ms ? (int64_t)(dl - now_ms) : 0;
                if (t < 0 || d < t)
                        t = d;
        }
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

bool dg_engine_done(const dg_engine_t *e)
{
        if (e->fatal)
                return e->results.length == 0;
        if (e->results.length > 0)
                return false;
        if (e->stopped)
                return true; /* in-flight candidates are abandoned */
        if (!e->validated || e->active > 0 || e->ready.len > 0 || e->inflight.len > 0)
                return false;
        if (e->o.mode == DG_MODE_LOOKUP)
                return e->input_closed && e->lookups.length == 0;
        /* every zone probed and passed */
        if (e->cur_zone + 1 < e->zones->len || !e->words_done)
                return false;
        for (guint i = 0; i < e->zones->len; i++) {
                zone_t *z = zone_at((dg_engine_t *)e, (int)i);
                if (z->state != Z_READY || z->resume.length > 0 || z->waiting.length > 0)
                        return false;
        }
        return true;
}

void dg_engine_stats(const dg_engine_t *e, dg_stats_t *out)
{
        *out = e->st;
        out->inflight = (unsigned)e->inflight.len;
        out->resolvers_live = e->live;
        if (dg_engine_done(e))
                out->phase = "done";
}

/* ---------------------------------------------------------------- state */

static char *run_fingerprint(const dg_engine_t *e)
{
        GString *s = g_string_new(NULL);
        g_string_append_printf(s, "%s mode=%d rec=%u shard=%u/%u types=", e->domain_str, e->o.mode,
                               e->o.recursive, e->o.shard_k, e->o.shard_n);
        for (size_t i = 0; i < e->ntypes; i++)
                g_string_append_printf(s, "%s%u", i ? "," : "", e->types[i]);
        return g_string_free(s, FALSE);
}

char *dg_engine_checkpoint(const dg_engine_t *e)
{
        GString *s = g_string_new("dnsglean-state 1\n");
        char *fp = run_fingerprint(e);
        g_string_append_printf(s, "run %s\n", fp);
        g_free(fp);
        g_string_append_printf(s, "cur %u %llu %d\n", e->cur_zone,
                               (unsigned long long)e->words_in_pass, e->words_done ? 1 : 0);
        for (guint i = 0; i < e->zones->len; i++) {
                zone_t *z = zone_at((dg_engine_t *)e, (int)i);
                char *zn = name_text(z->name, false);
                g_string_append_printf(s, "zone %u %s\n", z->depth, zn);
                g_free(zn);
        }
        /* candidates taken but whose results were not handed out: every
         * live slot of kind WORD, plus results still queued */
        uint64_t pending = 0;
        bool *is_free = g_new0(bool, e->pool_size);
        for (uint32_t i = 0; i < e->nfree; i++)
                is_free[e->free_slots[i]] = true;
        for (uint32_t i = 0; i < e->pool_size; i++) {
                const cand_t *c = &e->pool[i];
                if (is_free[i] || c->kind != K_WORD)
                        continue;
                char *cn = name_text(c->name, false);
                g_string_append_printf(s, "pending %d %s\n", c->zone, cn);
                g_free(cn);
                pending++;
        }
        g_free(is_free);
        dg_stats_t st = e->st;
        for (GList *l = e->results.head; l; l = l->next) {
                dg_result_t *r = l->data;
                /* not handed out yet: redo on resume; undo its count */
                int zi = -1;
                for (guint i = 0; i < e->zones->len; i++) {
                        zone_t *z = zone_at((dg_engine_t *)e, (int)i);
                        uint8_t w[DG_NAME_WIRE_MAX];
                        if (dg_name_from_str(r->name, strlen(r->name), w) > 0 &&
                            dg_name_labels(w) == dg_name_labels(z->name) + 1 &&
                            dg_name_is_under(w, z->name)) {
                                zi = (int)i;
                                break;
                        }
                }
                g_string_append_printf(s, "pending %d %s\n", zi, r->name);
                st.status[r->status]--;
                pending++;
        }
        g_string_append_printf(
            s,
            "stats %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
            "%llu\n",
            (unsigned long long)st.words_read, (unsigned long long)st.invalid_words,
            (unsigned long long)st.skipped_shard, (unsigned long long)(st.candidates - pending),
            (unsigned long long)st.status[0], (unsigned long long)st.status[1],
            (unsigned long long)st.status[2], (unsigned long long)st.status[3],
            (unsigned long long)st.status[4], (unsigned long long)st.queries,
            (unsigned long long)st.retries, (unsigned long long)st.timeouts);
        g_string_append(s, "end\n");
        return g_string_free(s, FALSE);
}

int dg_engine_restore(dg_engine_t *e, const char *state)
{
        if (e->st.queries > 0 || e->o.mode != DG_MODE_BRUTE)
                return DG_ESTATE;
        char **lines = g_strsplit(state, "\n", -1);
        int rc = DG_OK;
        bool ended = false, run_ok = false;
        unsigned cur = 0;
        unsigned long long wip = 0;
        int wdone = 0;
        GPtrArray *pend = g_ptr_array_new_with_free_func(g_free);
        GArray *pend_zone = g_array_new(FALSE, FALSE, sizeof(int));
        if (lines[0] == NULL || strcmp(lines[0], "dnsglean-state 1") != 0)
                rc = DG_EPARSE;
        /* zone 0 is the domain, already there */
        g_ptr_array_set_size(e->zones, 0);
        g_hash_table_remove_all(e->zone_names);
        for (int i = 1; rc == DG_OK && lines[i]; i++) {
                char *l = lines[i];
                if (*l == 0)
                        continue;
                if (g_str_has_prefix(l, "run ")) {
                        char *fp = run_fingerprint(e);
                        run_ok = strcmp(l + 4, fp) == 0;
                        g_free(fp);
                        if (!run_ok)
                                rc = DG_ESTATE;
                } else if (g_str_has_prefix(l, "cur ")) {
                        if (sscanf(l + 4, "%u %llu %d", &cur, &wip, &wdone) != 3)
                                rc = DG_EPARSE;
                } else if (g_str_has_prefix(l, "zone ")) {
                        unsigned depth;
                        char name[DG_NAME_STR_MAX];
                        uint8_t w[DG_NAME_WIRE_MAX];
                        if (sscanf(l + 5, "%u %1000s", &depth, name) != 2 ||
                            dg_name_from_str(name, strlen(name), w) < 0)
                                rc = DG_EPARSE;
                        else
                                zone_add(e, w, depth);
                } else if (g_str_has_prefix(l, "pending ")) {
                        int zi;
                        char name[DG_NAME_STR_MAX];
                        if (sscanf(l + 8, "%d %1000s", &zi, name) != 2)
                                rc = DG_EPARSE;
                        else {
                                g_ptr_array_add(pend, g_strdup(name));
                                g_array_append_val(pend_zone, zi);
                        }
                } else if (g_str_has_prefix(l, "stats ")) {
                        unsigned long long v[12];
                        if (sscanf(l + 6,
                                   "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
                                   "%llu %llu",
                                   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8],
                                   &v[9], &v[10], &v[11]) != 12)
                                rc = DG_EPARSE;
                        else {
                                e->st.words_read = v[0];
                                e->st.invalid_words = v[1];
                                e->st.skipped_shard = v[2];
                                e->st.candidates = v[3];
                                for (int k = 0; k < 5; k++)
                                        e->st.status[k] = v[4 + k];
                                e->st.queries = v[9];
                                e->st.retries = v[10];
                                e->st.timeouts = v[11];
                        }
                } else if (strcmp(l, "end") == 0) {
                        ended = true;
                        break; /* what follows belongs to the front end */
                } else {
                        rc = DG_EPARSE;
                }
        }
        g_strfreev(lines);
        if (rc == DG_OK && (!ended || !run_ok || e->zones->len == 0 || cur >= e->zones->len))
                rc = run_ok || !ended ? DG_EPARSE : DG_ESTATE;
        if (rc == DG_OK) {
                for (guint i = 0; i < pend->len; i++) {
                        int zi = g_array_index(pend_zone, int, i);
                        zone_t *z = zone_at(e, zi);
                        if (z == NULL) {
                                rc = DG_EPARSE;
                                break;
                        }
                        g_queue_push_tail(&z->resume, g_strdup(g_ptr_array_index(pend, i)));
                }
        }
        if (rc == DG_OK) {
                e->cur_zone = cur;
                e->words_done = wdone != 0;
                if (cur > 0 && e->o.words_rewind && e->o.words_rewind(e->o.words_ud) != DG_OK)
                        rc = DG_EIO;
                /* the words of the current pass that were read are skipped;
                 * in the first pass they were already counted */
                e->skip_words = wdone ? 0 : wip;
                e->words_in_pass = 0;
                if (cur == 0)
                        e->st.words_read -= wip;
        }
        if (rc == DG_OK && wdone) {
                /* the pass was complete: nothing more to read from it */
                e->words_done = true;
        }
        g_ptr_array_free(pend, TRUE);
        g_array_free(pend_zone, TRUE);
        if (rc != DG_OK && e->zones->len == 0)
                zone_add(e, e->domain, 0);
        return rc;
}
