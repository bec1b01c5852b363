/* dnsglean — the sans-I/O enumeration engine.
 *
 * The engine decides what to ask and what an answer means; it never touches a
 * socket. A driver (core/src/loop.c, the Lua module, an NSE script) moves the
 * bytes:
 *
 *     while (!dg_engine_done(e)) {
 *             while (dg_engine_next_query(e, now, buf, sizeof buf, &q) == 1)
 *                     send q.len bytes of buf to resolver q.resolver (on q.sock);
 *             wait for a datagram or dg_engine_next_timeout(e, now) ms;
 *             dg_engine_feed(e, now, resolver, sock, transport, bytes, len);
 *             dg_engine_tick(e, now);
 *             while (dg_engine_next_result(e, &r) == 1) { use r; dg_result_free(r); }
 *     }
 *
 * Time is a monotonic millisecond clock supplied by the driver (dg_now_ms()).
 * Every candidate ends with exactly one result carrying its final status.
 * The engine is not thread-safe; use one per thread.
 */
#ifndef DNSGLEAN_ENGINE_H
#define DNSGLEAN_ENGINE_H

#include <netinet/in.h> /* struct sockaddr_storage, socklen_t: addresses only */
#include "dnsglean/common.h"
#include "dnsglean/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- resolvers ---- */

typedef struct {
        struct sockaddr_storage ss;
        socklen_t sslen;
        int family;    /* AF_INET or AF_INET6 */
        char text[64]; /* "127.0.0.1:53" or "[::1]:53" */
} dg_resolver_addr_t;

/* Parses "addr", "addr:port", "[v6addr]:port" or a bare IPv6 address (no
 * names: nothing here resolves). Default port 53. Returns DG_OK or DG_EINVAL. */
DG_API int dg_resolver_parse(const char *s, dg_resolver_addr_t *out);

/* Loads resolvers from spec: a readable file (one addr[:port] per line, '#'
 * comments and blank lines ignored) or else a comma-separated list. On success
 * *out is a g_malloc'd array of *n entries (caller g_free()s it). On failure
 * returns DG_EINVAL/DG_EIO and, if errmsg is not NULL, a g_malloc'd message
 * naming the bad line. Duplicates are removed. */
DG_API int dg_resolvers_load(const char *spec, dg_resolver_addr_t **out, size_t *n, char **errmsg);

/* ---- results ---- */

typedef enum {
        DG_STATUS_FOUND = 0,    /* NOERROR with data of a queried type */
        DG_STATUS_NODATA = 1,   /* NOERROR without data: the name exists */
        DG_STATUS_NXDOMAIN = 2, /* the name does not exist */
        DG_STATUS_WILDCARD = 3, /* the only answers were the wildcard's */
        DG_STATUS_FAILED = 4,   /* no usable answer within the retry budget */
        DG_STATUS_COUNT_ = 5
} dg_status_t;

/* "found", "nodata", "nxdomain", "wildcard", "failed". Static. */
DG_API const char *dg_status_str(dg_status_t s);

/* The answer to one (name, type) question. Strings are owned by the result. */
typedef struct {
        uint16_t type;
        uint8_t rcode; /* DG_RCODE_*; for a failed type the last rcode seen or 255 */
        uint32_t ttl;  /* smallest TTL of the data records */
        char **data;   /* ndata rdata strings of type `type` in presentation format */
        size_t ndata;
        char **cname; /* the CNAME chain followed, in order (targets, trailing dot) */
        size_t ncname;
} dg_answer_t;

/* One candidate's final outcome. Free with dg_result_free(). */
typedef struct {
        char *name; /* FQDN without trailing dot, lowercase as asked; freed with r */
        dg_status_t status;
        uint8_t rcode;        /* rcode of the existence query (255 if none) */
        const char *reason;   /* for FAILED: "timeout", "SERVFAIL", ...; for NXDOMAIN
                               * when a --trusted resolver overruled the pool; else
                               * NULL; static */
        char *wildcard_root;  /* for WILDCARD: e.g. "*.dev.example.com"; else NULL */
        unsigned depth;       /* 1 = child of the domain; more with recursion */
        unsigned tries;       /* queries sent for this candidate, retries included */
        dg_answer_t *answers; /* one per asked type that was answered */
        size_t nanswers;
} dg_result_t;

/* Frees a result and everything it owns. NULL is fine. */
DG_API void dg_result_free(dg_result_t *r);

/* ---- options ---- */

#define DG_ENGINE_MAX_TYPES 16 /* types one run may ask for */
/* Default limit of candidates in flight over all resolvers: bounded by memory
 * (a slot is about 400 octets, touched only when used), not by speed; each
 * resolver's own pacing decides how many it gets. */
#define DG_DEFAULT_CONCURRENCY 32768
/* Default rate of the rechecks by trusted resolvers (queries/s, all of them
 * together): public resolvers throttle heavier use, and puredns re-checks
 * massdns's output at a similar rate. */
#define DG_DEFAULT_TRUSTED_QPS 50

typedef enum {
        DG_MODE_BRUTE = 0,  /* words x domain (and found names, with recursion) */
        DG_MODE_LOOKUP = 1, /* explicit (name, type) questions: dg_engine_add_lookup */
} dg_mode_t;

/* A stream of words. Returns 1 and sets *word (valid until the next call) and
 * *len; 0 at the end; a negative dg_err on a read error. */
typedef int (*dg_word_fn)(void *ud, const char **word, size_t *len);

/* Log levels of dg_engine_opts_t.log. */
enum { DG_LOG_ERROR = 0, DG_LOG_WARN = 1, DG_LOG_INFO = 2, DG_LOG_DEBUG = 3 };

typedef struct {
        dg_mode_t mode;
        const char *domain;                  /* target zone; required */
        const dg_resolver_addr_t *resolvers; /* copied by dg_engine_new */
        size_t nresolvers;
        const uint16_t *types; /* queried types; default {A}. The first
                                  proves existence; the others are asked
                                  only for names that exist */
        size_t ntypes;
        dg_word_fn words;              /* brute mode: the wordlist */
        int (*words_rewind)(void *ud); /* back to the first word: needed for
                                          recursion and resume; DG_OK or < 0 */
        void *words_ud;
        bool words_names;          /* words may be relative names of several labels
                                      ("www.dev"), each label checked as a word is;
                                      default: one label per word */
        unsigned retries;          /* extra tries after the first (default 4); unless
                                      fixed_retries, timeouts on a lossy path get more:
                                      enough that random loss fails a name less than
                                      once in a billion, up to 24 */
        bool fixed_retries;        /* retries is the exact budget */
        unsigned timeout_ms;       /* cap of the per-try timeout, which follows each
                                      resolver's round trip (default 1500) */
        unsigned concurrency;      /* candidates in flight, all resolvers (default
                                      DG_DEFAULT_CONCURRENCY) */
        unsigned per_resolver;     /* cap of queries in flight per resolver; 0 (default):
                                      none, each resolver's pacing decides */
        double qps;                /* global rate limit; 0 = none */
        unsigned recursive;        /* recursion depth below the domain (0 = off) */
        unsigned shard_k, shard_n; /* 1-based slice K of N; 0/0 = everything */
        bool no_validate;          /* skip resolver validation */
        bool no_wildcard;          /* skip wildcard detection */
        bool no_rd;                /* clear the RD bit (default: RD set) */
        bool edns;                 /* add EDNS(0), 1232-octet payload. Off by default:
                                      answers over 512 octets come back truncated and
                                      are asked again over TCP */
        unsigned nsockets;         /* UDP sockets the driver offers (default 1) */
        uint64_t seed;             /* 0: seeded from the system's randomness */
        void (*log)(void *ud, int level, const char *msg);
        void *log_ud;

        /* Brute mode: resolvers that recheck every name the others find
         * (copied by dg_engine_new). They are never asked ordinary
         * questions; they are validated like the others, and none passing is
         * fatal. A name one of them says NXDOMAIN for ends NXDOMAIN (counted
         * in dg_stats_t.rejected_by_trusted); one they do not answer for
         * within the retry budget ends FAILED ("trusted resolvers did not
         * answer"). */
        const dg_resolver_addr_t *trusted;
        size_t ntrusted;
        double trusted_qps; /* queries/s to all of them together
                               (0: DG_DEFAULT_TRUSTED_QPS; < 0: no limit) */
} dg_engine_opts_t;

/* Fills o with the defaults above. */
DG_API void dg_engine_opts_init(dg_engine_opts_t *o);

typedef struct dg_engine dg_engine_t;

/* Creates an engine. Copies what it needs from opts (words_ud and the
 * callbacks must outlive the engine). Returns DG_OK and *out, or DG_EINVAL /
 * DG_ENAME / DG_ENORESOLVER / DG_ENOMEM. */
DG_API int dg_engine_new(const dg_engine_opts_t *opts, dg_engine_t **out);

/* Frees the engine and every pending result. NULL is fine. */
DG_API void dg_engine_free(dg_engine_t *e);

/* The engine's resolvers (engine-owned, valid while it lives); *n gets the
 * count. Indices match dg_query_t.resolver and dg_engine_feed(). The trusted
 * resolvers (opts.trusted) follow the others, from index opts.nresolvers. */
DG_API const dg_resolver_addr_t *dg_engine_resolvers(const dg_engine_t *e, size_t *n);

/* Number of UDP sockets the driver should offer (dg_query_t.sock < it). */
DG_API unsigned dg_engine_nsockets(const dg_engine_t *e);

/* Lookup mode: queues the question (name, type). Returns DG_OK, DG_ENAME or
 * DG_ESTATE after dg_engine_close_input(). */
DG_API int dg_engine_add_lookup(dg_engine_t *e, const char *name, uint16_t type);

/* Lookup mode: no more questions will be added; the engine can finish. */
DG_API void dg_engine_close_input(dg_engine_t *e);

/* ---- moving bytes ---- */

typedef enum { DG_TRANSPORT_UDP = 0, DG_TRANSPORT_TCP = 1 } dg_transport_t;

typedef struct {
        size_t resolver;          /* index into opts.resolvers */
        unsigned sock;            /* UDP socket to send from (< nsockets) */
        dg_transport_t transport; /* TCP: the driver adds the 2-octet length */
        size_t len;               /* octets written into the caller's buffer */
} dg_query_t;

/* Writes the next datagram that is due into buf (cap >= 512) and describes it
 * in *q. Returns 1 if there is one, 0 if nothing is due now (in-flight limits,
 * rate limit, or waiting for answers), or a negative dg_err. */
DG_API int dg_engine_next_query(dg_engine_t *e, uint64_t now_ms, uint8_t *buf, size_t cap,
                                dg_query_t *q);

/* Hands a received message to the engine. It is matched by (resolver, sock,
 * ID) and checked against the question; anything else is dropped and counted.
 * Returns DG_OK, DG_EMISMATCH or DG_EMALFORMED (neither is fatal). */
DG_API int dg_engine_feed(dg_engine_t *e, uint64_t now_ms, size_t resolver, unsigned sock,
                          dg_transport_t t, const uint8_t *msg, size_t len);

/* Expires queries whose time is up (they are retried or fail). */
DG_API void dg_engine_tick(dg_engine_t *e, uint64_t now_ms);

/* Milliseconds until the engine next needs a tick or can send again (0 = now,
 * -1 = nothing pending). */
DG_API int64_t dg_engine_next_timeout(dg_engine_t *e, uint64_t now_ms);

/* Takes the next finished candidate. Returns 1 and *out (caller frees with
 * dg_result_free), or 0 if none is ready. */
DG_API int dg_engine_next_result(dg_engine_t *e, dg_result_t **out);

/* True when every candidate has its result and all results were taken. */
DG_API bool dg_engine_done(const dg_engine_t *e);

/* DG_OK while the run is healthy; after a fatal failure (e.g. DG_ENORESOLVER
 * when no resolver passed validation) the error, with a static or
 * engine-owned message in *msg if msg is not NULL. dg_engine_done() is then
 * true. */
DG_API int dg_engine_error(const dg_engine_t *e, const char **msg);

/* Stops taking new candidates (on SIGINT); in-flight ones may still finish.
 * dg_engine_done() becomes true once nothing is in flight. */
DG_API void dg_engine_stop(dg_engine_t *e);

/* ---- progress and state ---- */

typedef struct {
        const char *phase;                 /* "validating", "wildcards", "enumerating", "done" */
        uint64_t words_read;               /* wordlist lines read */
        uint64_t invalid_words;            /* lines skipped as invalid */
        uint64_t skipped_shard;            /* candidates left to other shards */
        uint64_t candidates;               /* candidates started */
        uint64_t status[DG_STATUS_COUNT_]; /* finished candidates by status */
        uint64_t queries, responses, timeouts, retries, tcp, mismatched, malformed;
        uint64_t slips;  /* empty truncated answers (rate limiting), asked again */
        uint64_t probes; /* validation and wildcard probes */
        unsigned resolvers, resolvers_live;
        unsigned inflight;
        uint64_t rejected_by_trusted;   /* names found that a trusted resolver says do not exist */
        unsigned trusted, trusted_live; /* opts.ntrusted, those still in use (resolvers and
                                           resolvers_live count the others) */
        uint64_t wildcard_levels;       /* parent names whose wildcard answers were learnt */
        uint64_t wildcard_evicted;      /* of them dropped from the bounded cache (LRU) */
        uint64_t late; /* of the timeouts, answers that came after all (the question was
                          asked again meanwhile); they still count */
} dg_stats_t;

DG_API void dg_engine_stats(const dg_engine_t *e, dg_stats_t *out);

/* One resolver's state, for --stats and progress lines. Strings are owned by
 * the engine and valid while it lives. */
typedef struct {
        const char *addr;   /* "127.0.0.1:53" */
        const char *state;  /* "healthy", "trusted" (a healthy --trusted one),
                               "limited" (held under a rate limit it showed),
                               "dropped" (during the run), "rejected" (at
                               validation) or "validating" (had not answered
                               its validation when the run ended) */
        const char *reason; /* why limited, dropped, rejected or validating;
                               NULL if healthy */
        double srtt_ms;     /* smoothed round trip */
        double loss;        /* the path's own loss, 0..1 */
        double qps;         /* pacing rate now (0 before it is measured) */
        unsigned window;    /* queries in flight allowed now */
        unsigned rto_ms;    /* per-try timeout now */
        unsigned inflight;
        uint64_t sent, answered, timeouts, errors;
        uint64_t limit_signals; /* REFUSED, SERVFAIL, RRL slips */
} dg_resolver_stats_t;

/* Fills *out for resolver i (an index of dg_engine_resolvers()). Returns
 * DG_OK or DG_EINVAL for an index out of range. */
DG_API int dg_engine_resolver_stats(const dg_engine_t *e, size_t i, dg_resolver_stats_t *out);

/* Serialises the resume point: every candidate before it has had its result
 * taken with dg_engine_next_result(). Returns a g_malloc'd NUL-terminated
 * text (caller g_free()s) or NULL on allocation failure. */
DG_API char *dg_engine_checkpoint(const dg_engine_t *e);

/* Before the first next_query: restores a checkpoint written by a run with
 * the same domain, types, shard and wordlist. Candidates it records as done
 * are skipped. Returns DG_OK, DG_ESTATE (it belongs to another run) or
 * DG_EPARSE. */
DG_API int dg_engine_restore(dg_engine_t *e, const char *state);

/* Monotonic clock in milliseconds, for drivers. */
DG_API uint64_t dg_now_ms(void);

#ifdef __cplusplus
}
#endif
#endif
