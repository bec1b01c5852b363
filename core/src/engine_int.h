/* Private interfaces of the sans-I/O enumeration engine (engine*.c); not
 * installed. See engine.h for the driver contract.
 *
 * Life of a run:
 *   1. validation: every resolver is asked the domain's SOA and a few random
 *      labels under it; resolvers that do not answer for the domain, disagree
 *      with the majority, or invent answers for random names are rejected;
 *   2. wildcard detection, per zone level (the domain, then each found name
 *      that recursion descends into): random labels are asked; their answers
 *      form the zone's wildcard signature;
 *   3. enumeration: one existence query per candidate (the first type), the
 *      other types only for names that exist, once a second resolver (a
 *      trusted one when opts.trusted is given) agreed that the name exists;
 *      retries on another resolver,
 *      TCP when truncated; answers that only repeat the wildcard signature are
 *      reported as wildcard-covered.
 *
 * Every in-flight query lives in a candidate slot (cand_t) taken from a fixed
 * pool; responses are found through a per-socket ID map and checked against
 * the question. In-flight slots are also kept in a FIFO (send order); their
 * deadlines, which differ by resolver and move with each resolver's RTO, are
 * kept in an indexed binary min-heap (an answer removes its entry). Each resolver is paced by its
 * own rate model (pacing.h: delivery rate, round trip, loss, limits).
 */
#ifndef DG_ENGINE_INT_H
#define DG_ENGINE_INT_H

#include "dnsglean/engine.h"
#include "pacing.h"
#include "util.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define VALIDATE_NX_PROBES 3     /* random labels asked of each resolver */
#define VALIDATE_WAVE 4096       /* resolvers validated at once */
#define VALIDATE_QUORUM_MIN 3    /* resolvers for validation to end before them all */
#define VALIDATE_GRACE_MIN_MS 50 /* ... and at least this long after a majority was done */
#define REJECT_LINES 20          /* rejections told one by one; then a summary */
#define WILDCARD_PROBES 4        /* random-label probes per zone level */
#define TRUNCATES_ALL_AFTER 32   /* truncated UDP answers, none whole: no limiter */
#define WILDCARD_REPROBES 64     /* extra probes per zone to learn rotating wildcards */
#define RESULTS_HIGH_WATER 4096
#define CANARY_EVERY 2000   /* queries between two lie-detecting canaries */
#define DROP_CONSECUTIVE 50 /* failures in a row that drop a resolver */
#define MAX_CNAME_CHAIN 16
#define DROP_SILENT_MS 3000    /* ... and no useful answer for this long */
#define PROBE_RETRIES 2        /* validation probes and canaries: of a silent resolver */
#define PROBE_RETRIES_ALIVE 8  /* ... of one that answered something (a lossy path) */
#define RETRY_MIN_SPAN_MS 5000 /* ... and for at least this long since the first try */
#define RETRIES_AUTO_MAX 24    /* adaptive retry budget: at most this many */
#define RETRIES_AUTO_LOSS 0.8  /* ... and only below this loss */
#define RETRIES_AUTO_ODDS 1e-9 /* ... for a name to fail by chance: none in a 1M run */
#define POOL_LOSS_EVERY 256    /* timeouts between two estimates of the pool's loss */
#define RDATA_BUF 4096
#define ID_AHEAD 4  /* query IDs drawn (and their map entries prefetched) ahead */
#define SOCK_RUN 64 /* queries sent from one UDP socket before the next takes over */

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
        bool slipped;    /* got an empty truncated answer (an RRL slip) once */
        uint16_t tries_total;
        uint16_t id;
        uint16_t sock;
        int32_t zone;
        int32_t fixed_resolver; /* -1: any */
        uint32_t resolver;      /* last resolver asked */
        uint32_t first_res;     /* while confirming: who said it exists */
        uint32_t slot;          /* index in the pool */
        uint32_t pace_round;    /* pacing round it was sent in */
        uint32_t heap_idx;      /* while in flight: its deadline's place in the timer heap */
        uint64_t first_ms;      /* first try of the candidate */
        uint64_t sent_ms;
        uint64_t deadline;
        const char *reason;
        GPtrArray *answers; /* dg_answer_t*, one per answered type */
        GPtrArray *sig;     /* probe and wildcard comparison: "TYPE rdata" */
        uint32_t wlevel;    /* engine_wildcard.c: the level it was compared with / probes */
        uint8_t wprobe;     /* engine_wildcard.c: which kind of wildcard probe */
        uint32_t gen;       /* which candidate holds the slot (engine_late.c) */
        /* last: a new candidate clears only what comes before it, and a
         * short name does not spread the hot fields over many cache lines */
        uint8_t name[DG_NAME_WIRE_MAX];
} cand_t;

/* A deadline in the timer heap. */
typedef struct timer {
        uint64_t deadline;
        uint32_t slot;
} timer_t_;

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
        uint64_t last_ok_ms; /* last useful answer */
        bool rejected;       /* at validation (else dropped during the run) */
        char *why;           /* why it was rejected or dropped */
        dg_pace_t pace;      /* round trip, rate, window (pacing.h) */
        uint32_t udp_full;   /* UDP answers that were not truncated ... */
        uint32_t udp_tc;     /* ... and that were */
        uint64_t next_canary;
        bool trusted; /* opts.trusted: only rechecks, never picked for ordinary questions */
        /* validation */
        int soa_rcode; /* -1: no answer */
        char *soa_sig;
        int nx_rcode[VALIDATE_NX_PROBES];
        char *nx_sig[VALIDATE_NX_PROBES];
        unsigned nx_done;
        uint8_t vpending; /* its validation probes without a final answer */
        bool validating;  /* not judged yet: takes no ordinary questions */
} res_t;

/* engine_pool.c: the pool's outcomes by send time, and its cap. */
#define POOL_RING 40 /* bins of 100 ms */
typedef struct {
        uint64_t id[POOL_RING]; /* which 100 ms a bin holds */
        uint32_t sent[POOL_RING], useful[POOL_RING], lost[POOL_RING];
        uint64_t cur; /* the current bin */
        double base;  /* the lowest loss of a judged second: the paths' own */
        bool base_known;
        double cap; /* queries per ms at most; 0: none */
        double tokens;
        uint64_t tokens_ms;
        uint64_t cut_bin; /* the bin of the last cut */
        uint64_t cuts;
} pool_t;

enum zone_state { Z_NEW, Z_PROBING, Z_READY };

/* A wildcard level (engine_wildcard.c): what random names under one parent
 * name are answered with. */
typedef struct wlevel wlevel_t;

typedef struct {
        uint8_t name[DG_NAME_WIRE_MAX];
        unsigned depth;
        int state; /* mirrors the state of its wildcard level */
        bool wildcard;
        wlevel_t *wl;   /* the zone's own wildcard level */
        GQueue waiting; /* unused: candidates wait in their wildcard level */
        GQueue resume;  /* char* names to retry after a resume */
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

        /* opts.trusted: res[nres - ntrusted ..] (live counts the others) */
        size_t ntrusted;
        unsigned tlive; /* trusted resolvers in use */
        GQueue tq;      /* cand_t* waiting for a trusted recheck (its rate) */
        double ttokens; /* the trusted resolvers' token bucket */
        uint64_t ttokens_ms;
        bool tstarted;   /* the bucket has been filled once */
        size_t trr_next; /* round robin over the trusted ones */

        cand_t *pool;
        uint32_t pool_size;
        uint32_t *free_slots;
        uint32_t nfree;
        /* nsockets * 65536: slot + 1, 0 = free; or a late query (engine_late.c) */
        uint32_t *idmap;
        uint16_t id_ahead[ID_AHEAD]; /* the next query IDs, drawn ahead (engine.c) */
        unsigned id_pos;
        uint32_t cand_gen;
        struct late_table *late; /* engine_late.c: hedged queries, created on first use */
        pool_t pool_guard;       /* engine_pool.c */
        char *ref_soa;           /* validation's reference: the majority SOA ... */
        bool ref_expect_nx;      /* ... whether random names are NXDOMAIN ... */
        bool ref_trusted_soa;    /* ... and whether the trusted resolvers set it */
        unsigned ref_soa_votes;
        uint64_t vstart_ms, vquorum_ms, vcheck_ms; /* validation's early end */

        cq_t ready;           /* due to be sent */
        cq_t inflight;        /* sent, in send-time order */
        struct timer *timers; /* min-heap of deadlines */
        size_t ntimers, timers_cap;

        GQueue results;
        GPtrArray *zones;  /* zone_t* */
        struct wcache *wc; /* engine_wildcard.c: wildcard levels */
        GHashTable *zone_names;
        unsigned cur_zone;
        uint64_t words_in_pass; /* words read in the current zone's pass */
        uint64_t skip_words;    /* resume: words of the pass to skip */
        bool words_done;        /* the current pass reached the end */
        bool validated;
        unsigned validate_pending;
        size_t validate_next;       /* first resolver of the next validation wave */
        double pool_loss;           /* loss of a try anywhere in the pool (eng_retry_budget) */
        uint64_t pool_loss_at;      /* ... as of this many timeouts */
        uint64_t pool_loss_queries; /* ... and queries */
        GQueue lookups;             /* char* "TYPE\tname" */
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

/* engine.c */
void eng_logf(dg_engine_t *e, int level, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
char *eng_name_text(const uint8_t *wire, bool trailing_dot);
cand_t *eng_cand_new(dg_engine_t *e, int kind);
void eng_cand_release(dg_engine_t *e, cand_t *c);
uint32_t eng_probe_reserve(const dg_engine_t *e);
int eng_fail_fatal(dg_engine_t *e, int err, char *msg);
void eng_result_emit(dg_engine_t *e, cand_t *c, dg_status_t status);
void eng_enqueue(dg_engine_t *e, cand_t *c, bool front);
void eng_ready_remove(dg_engine_t *e, cand_t *c);
void eng_unmap(dg_engine_t *e, cand_t *c);
cand_t *eng_probe_new(dg_engine_t *e, int kind, const uint8_t *parent, uint16_t type, int resolver,
                      bool two_labels);
void eng_probe_done(dg_engine_t *e, cand_t *c, int rcode, parsed_t *p);

/* engine_resolvers.c */
void eng_resolver_score(dg_engine_t *e, size_t i, bool ok, const char *what, uint64_t now_ms);
bool eng_can_send(dg_engine_t *e, res_t *r, uint64_t now_ms);
int64_t eng_pace_wait(dg_engine_t *e, uint64_t now_ms);
unsigned eng_retry_budget(dg_engine_t *e, const res_t *r);
int eng_pick_resolver(dg_engine_t *e, int avoid, uint64_t now_ms);
size_t eng_start_validation(dg_engine_t *e);
void eng_validation_done(dg_engine_t *e, cand_t *c, int rcode, parsed_t *p);
void eng_canary_done(dg_engine_t *e, cand_t *c, int rcode, parsed_t *p);
void eng_trusted_enqueue(dg_engine_t *e, cand_t *c);
void eng_trusted_release(dg_engine_t *e, uint64_t now_ms);
int64_t eng_trusted_wait(dg_engine_t *e, uint64_t now_ms);
/* Ends validation early once a majority of the pool is done and the others
 * had as long again (they are judged when their answers come). Returns the
 * ms until it wants to look again, -1 for not by the clock. */
int64_t eng_validation_tick(dg_engine_t *e, uint64_t now_ms);

/* engine_wildcard.c */
int eng_zone_add(dg_engine_t *e, const uint8_t *name, unsigned depth);
void eng_zone_free(gpointer p);
zone_t *eng_zone_at(dg_engine_t *e, int i);
void eng_zone_start_probes(dg_engine_t *e, int zi);
void eng_wildcard_probe_done(dg_engine_t *e, cand_t *c, int rcode, parsed_t *p);
bool eng_wildcard_check(dg_engine_t *e, cand_t *c, zone_t *z, const parsed_t *p);
char *eng_wildcard_root(dg_engine_t *e, const cand_t *c);
void eng_wildcard_pump(dg_engine_t *e);
void eng_wildcard_free(dg_engine_t *e);

/* engine_words.c */
void eng_refill(dg_engine_t *e);

/* engine_answer.c */
int eng_parse_answer(dg_engine_t *e, const uint8_t *msg, size_t len, const dg_wire_msg_t *m,
                     uint16_t qtype, parsed_t *p);
void eng_parsed_clear(parsed_t *p);
char *eng_sig_join(GPtrArray *sig);
void eng_cand_answered(dg_engine_t *e, cand_t *c, parsed_t *p);
void eng_cand_failed(dg_engine_t *e, cand_t *c, const char *reason, int rcode);
/* The reason of an NXDOMAIN result that --trusted overruled (compared by
 * address: a retried try leaves "timeout" in cand_t.reason). */
extern const char eng_reason_trusted_nx[];

/* engine_late.c: questions asked again after their timeout keep their ID
 * until twice the timeout; their answers still count */
/* Keeps c's in-flight query (just timed out, c unmapped) as a late one:
 * its ID stays mapped and it counts as in flight for its resolver. Returns
 * false (nothing kept: book the loss now) for TCP, when stopped or full. */
bool eng_late_add(dg_engine_t *e, const cand_t *c, uint64_t now_ms);
/* Books as lost every late query whose wait is over. */
void eng_late_expire(dg_engine_t *e, uint64_t now_ms);
/* ms until the next late query's wait is over, -1 for none. */
int64_t eng_late_next(const dg_engine_t *e, uint64_t now_ms);
/* True when an ID map value names a late query. */
bool eng_late_is(uint32_t map_value);
/* An answer to the late query map_value from resolver: -1 when it is not
 * that query's (nothing changes); else the query is settled (*rtt, *round
 * for the pacing) and *out is its candidate, taken back from the ready
 * queue or from a try in flight elsewhere (1), or NULL when the candidate
 * no longer waits for this question (0). */
int eng_late_take(dg_engine_t *e, uint32_t map_value, size_t resolver, uint64_t now_ms,
                  const dg_wire_msg_t *m, double *rtt, uint32_t *round, cand_t **out);
void eng_late_free(dg_engine_t *e);

/* engine_pool.c: a bottleneck every resolver shares (ordinary resolvers
 * only; trusted ones have their own rate) */
/* A query left now. */
void eng_pool_sent(dg_engine_t *e, uint64_t now_ms);
/* The outcome of a query sent at sent_ms: a useful answer, or lost (its
 * timeout and late wait passed). */
void eng_pool_outcome(dg_engine_t *e, uint64_t now_ms, uint64_t sent_ms, bool useful);
/* 0 when the pool's cap lets a query leave now, else the ms to wait. */
int64_t eng_pool_wait(dg_engine_t *e, uint64_t now_ms);
/* The pool's cap in queries per second, 0 for none. */
double eng_pool_cap_qps(const dg_engine_t *e);

#endif
