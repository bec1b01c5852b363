/* dnsglean — DNSSEC zone walking: NSEC chain walking (RFC 4034), NSEC3 hash
 * collection (RFC 5155) and offline cracking of the collected hashes.
 *
 * The walker is sans-I/O, like the engine: it says which query to send next
 * and is fed the responses; dg_walk_run() (dnsglean/xfr_io.h, part of the
 * loop) is a small blocking driver for one server address.
 *
 *     dg_walk_t *w;  dg_walk_new("example.com", NULL, &w);
 *     while (!dg_walk_done(w)) {
 *             if (dg_walk_next_query(w, now, buf, sizeof buf, &q) == 1)
 *                     send q.len octets over UDP (or TCP if q.tcp);
 *             on a response: dg_walk_feed(w, now, msg, len);
 *             else when dg_walk_next_timeout() expires: dg_walk_tick(w, now);
 *     }
 *
 * First the walker finds out how the zone is signed: it asks the apex for
 * NSEC3PARAM and a random name below the apex for an A record (the denial
 * names NSEC or NSEC3 and its parameters). Then
 *   - NSEC: it follows the chain (NSEC query at each owner; if the server
 *     will not answer that, a query for a name just after it), recording
 *     each owner name and its type bitmap until the chain returns to the
 *     apex. Synthesized denials ("black lies", RFC 4470 minimal covering
 *     NSEC: the next name is the owner's immediate successor or the query
 *     name itself) and chain loops are detected and end the walk.
 *   - NSEC3: it hashes random names until one falls in a gap of the hash
 *     ring no collected NSEC3 record covers, queries it, and collects the
 *     NSEC3 records of the denial, until the ring is closed or the query
 *     budget is spent. dg_walk_crack() then tries candidate labels.
 *
 * Not thread-safe; one walk per object.
 */
#ifndef DNSGLEAN_WALK_H
#define DNSGLEAN_WALK_H

#include "dnsglean/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DG_NSEC3_HASH_MAX 64 /* octets of a hash we accept (SHA-1 gives 20) */

typedef struct dg_walk dg_walk_t;
typedef struct dg_nsec3_cracker dg_nsec3_cracker_t;

/* Bounds and behaviour of a walk; 0 in a field means the default. */
typedef struct {
        unsigned max_queries;    /* queries sent in all (default 100000) */
        unsigned max_names;      /* NSEC names / NSEC3 hashes kept (default 1000000) */
        unsigned retries;        /* extra tries per query after a timeout (default 3) */
        unsigned timeout_ms;     /* per try (default 2000) */
        uint64_t max_hash_tries; /* NSEC3: random names hashed to find one in a gap,
                                    per query; when none lands, the walk ends with
                                    DG_WALK_BUDGET. Default: enough that the gaps
                                    left are missed with odds of about 1e-6 (14 /
                                    their share of the ring), at least 2,000,000, at
                                    most 2^27 / (iterations + 1) */
        uint64_t seed;           /* randomness of query IDs and names; 0 = system */
        /* Called from dg_walk_feed after an answer was used, at most every
         * progress_ms (default 1000) of the now_ms given to it: for a
         * progress line or saving the state (dg_walk_save). NULL = none. */
        void (*on_progress)(void *ud, dg_walk_t *w);
        void *progress_ud;
        unsigned progress_ms;
} dg_walk_opts_t;

/* Fills o with zeros (= the defaults above). */
DG_API void dg_walk_opts_init(dg_walk_opts_t *o);

typedef enum {
        DG_WALK_KIND_UNKNOWN = 0,  /* not found out (yet) */
        DG_WALK_KIND_UNSIGNED = 1, /* denials carry neither NSEC nor NSEC3 */
        DG_WALK_KIND_NSEC = 2,
        DG_WALK_KIND_NSEC3 = 3,
} dg_walk_kind_t;

typedef enum {
        DG_WALK_RUNNING = 0,
        DG_WALK_COMPLETE = 1,    /* NSEC chain back at the apex / NSEC3 ring closed */
        DG_WALK_SYNTHESIZED = 2, /* the server makes up its denials: cannot be walked */
        DG_WALK_LOOP = 3,        /* the NSEC chain loops or goes backwards */
        DG_WALK_BUDGET = 4,      /* query budget spent before completion */
        DG_WALK_FAILED = 5,      /* unsigned zone, no answers, bad answers: see errmsg */
} dg_walk_status_t;

/* "unknown", "unsigned", "nsec", "nsec3" / "running", "complete",
 * "synthesized", "loop", "budget", "failed". Static strings. */
DG_API const char *dg_walk_kind_str(dg_walk_kind_t k);
DG_API const char *dg_walk_status_str(dg_walk_status_t s);

/* NSEC3 parameters of the zone (from NSEC3PARAM or the first NSEC3 seen). */
typedef struct {
        uint8_t alg;         /* 1 = SHA-1, the only one defined */
        uint8_t flags;       /* NSEC3PARAM flags */
        uint16_t iterations; /* extra iterations */
        uint8_t saltlen;
        uint8_t salt[255];
        bool optout; /* some NSEC3 record had the opt-out flag */
} dg_nsec3_params_t;

/* A name learnt from the NSEC chain, with the types its NSEC lists. */
typedef struct {
        char *name;      /* presentation form, trailing dot, lowercase */
        char *next;      /* the NSEC's next name */
        uint16_t *types; /* sorted */
        size_t ntypes;
} dg_walk_name_t;

/* One NSEC3 record (a hashed owner name) collected from the zone. */
typedef struct {
        uint8_t hash[DG_NSEC3_HASH_MAX];
        uint8_t next[DG_NSEC3_HASH_MAX];
        uint8_t hashlen;
        uint8_t flags;   /* NSEC3 flags: bit 0 = opt-out */
        uint16_t *types; /* sorted */
        size_t ntypes;
        char *name; /* the cracked name (trailing dot) or NULL */
} dg_walk_hash_t;

/* Creates a walker for zone (presentation name). opts may be NULL. Returns
 * DG_OK and *out (free with dg_walk_free), DG_ENAME or DG_ENOMEM. */
DG_API int dg_walk_new(const char *zone, const dg_walk_opts_t *opts, dg_walk_t **out);

/* Frees the walker and everything it collected. NULL is fine. */
DG_API void dg_walk_free(dg_walk_t *w);

typedef struct {
        size_t len; /* octets written into the caller's buffer (no TCP prefix) */
        bool tcp;   /* send over TCP (the UDP answer was truncated) */
} dg_walk_query_t;

/* Writes the next query into buf (cap >= 512) when one is due. Returns 1
 * (query in buf, described by *q), 0 (nothing to send: waiting for an answer,
 * done, or an NSEC3 gap search that goes on at the next call: each call
 * hashes at most about a million names, and calls on_progress when due) or
 * DG_ESPACE. One query is outstanding at a time. */
DG_API int dg_walk_next_query(dg_walk_t *w, uint64_t now_ms, uint8_t *buf, size_t cap,
                              dg_walk_query_t *q);

/* Feeds a response to the outstanding query. Returns DG_OK (used),
 * DG_EMISMATCH (wrong ID or question: ignored, keep waiting) or
 * DG_EMALFORMED (unparsable: ignored). Answers that end the walk (a loop,
 * black lies, ...) return DG_OK and set the status. */
DG_API int dg_walk_feed(dg_walk_t *w, uint64_t now_ms, const uint8_t *msg, size_t len);

/* Expires the outstanding query if its time is up: it is sent again on the
 * next dg_walk_next_query, or, after the retries, the walk fails. */
DG_API void dg_walk_tick(dg_walk_t *w, uint64_t now_ms);

/* Milliseconds until a tick is due (0 = now, -1 = nothing outstanding). */
DG_API int64_t dg_walk_next_timeout(const dg_walk_t *w, uint64_t now_ms);

/* True once the status is no longer DG_WALK_RUNNING. */
DG_API bool dg_walk_done(const dg_walk_t *w);

DG_API dg_walk_kind_t dg_walk_kind(const dg_walk_t *w);
DG_API dg_walk_status_t dg_walk_status(const dg_walk_t *w);

/* One line saying why the walk ended ("" while running). Owned by w. */
DG_API const char *dg_walk_errmsg(const dg_walk_t *w);

/* Queries sent so far (retries included). */
DG_API uint64_t dg_walk_queries(const dg_walk_t *w);

/* NSEC: the names in chain order (apex first). *out points into w, valid
 * until the next call that changes w. Returns the count. */
DG_API size_t dg_walk_names(const dg_walk_t *w, const dg_walk_name_t **out);

/* NSEC3: the collected records sorted by hash. Same ownership as above. */
DG_API size_t dg_walk_hashes(const dg_walk_t *w, const dg_walk_hash_t **out);

/* NSEC3: the zone's parameters. Returns DG_OK or DG_ENOTFOUND (not NSEC3). */
DG_API int dg_walk_nsec3_params(const dg_walk_t *w, dg_nsec3_params_t *out);

/* NSEC3: fraction of the hash ring covered by the collected records, 0..1. */
DG_API double dg_walk_coverage(const dg_walk_t *w);

/* NSEC3: estimated number of hashed names (NSEC3 records) in the zone while
 * collecting, as n3map predicts it from the hash ring: the distinct hashes
 * known (owners and next hashes) divided by the share of the ring the
 * collected records cover. Exact once the ring is closed; 0 before any
 * record. (The records found are size-biased samples of the ring, but the
 * next hashes they reveal make the ratio an unbiased density estimate.) */
DG_API double dg_walk_estimate(const dg_walk_t *w);

/* NSEC3: distinct hashes known so far (collected owners + next hashes not
 * yet collected as owners). */
DG_API size_t dg_walk_known_hashes(const dg_walk_t *w);

/* True if the server answered with RFC 9824 Compact Denial of Existence
 * (NOERROR/NODATA with an NSEC "\000.qname" listing NXNAME, type 128); the
 * walk then ends DG_WALK_SYNTHESIZED. */
DG_API bool dg_walk_compact_denial(const dg_walk_t *w);

/* NSEC3: writes the collection (zone, parameters, counters, every record)
 * to path atomically (a temporary file renamed over it). Returns DG_OK,
 * DG_ENOTFOUND (no NSEC3 parameters yet: nothing to save) or DG_EIO. */
DG_API int dg_walk_save(const dg_walk_t *w, const char *path);

/* Loads a state written by dg_walk_save into w, which must be new (no
 * query sent yet) and for the same zone: the walk then asks the zone's
 * parameters again (a changed salt or iteration count fails the walk) and
 * goes on collecting where the state ended. Returns DG_OK, DG_EIO (cannot
 * read), DG_EPARSE (not a state file) or DG_ESTATE (another zone, or w not
 * new); err (may be NULL) gets a one-line reason. After a failure w may
 * hold part of the state: free it. */
DG_API int dg_walk_resume(dg_walk_t *w, const char *path, char *err, size_t errcap);

/* NSEC3: a new cracker (see below) for the zone's parameters loaded with the
 * collected hashes not yet cracked, for one thread each: feed its matches
 * (label) back with dg_walk_crack in the thread that owns w. Returns DG_OK
 * and *out (free with dg_nsec3_cracker_free), DG_ENOTFOUND (no NSEC3
 * parameters) or DG_ENOMEM. */
DG_API int dg_walk_cracker_new(const dg_walk_t *w, dg_nsec3_cracker_t **out);

/* NSEC3: hashes label + "." + zone (label is raw octets, 1..63) and, if it is
 * one of the collected hashes not yet cracked, records the name. Returns 1 on
 * a new match, 0 otherwise, DG_ENAME for a bad label, DG_ENOTFOUND when the
 * walk has no NSEC3 parameters. */
DG_API int dg_walk_crack(dg_walk_t *w, const char *label, size_t len);

/* ---- NSEC3 hashing and cracking (usable on their own) ---- */

/* RFC 5155 section 5 hash of a wire-form name (lowercased here) with SHA-1:
 * IH(salt, x, 0) = H(x || salt), IH(k) = H(IH(k-1) || salt). Writes 20
 * octets to out. Returns DG_OK or DG_ENAME. */
DG_API int dg_nsec3_hash(const uint8_t *name_wire, size_t len, const uint8_t *salt, size_t saltlen,
                         unsigned iterations, uint8_t out[20]);

/* Hash in base32hex (RFC 4648), lowercase, as it appears as an owner label.
 * Returns the string length or DG_ESPACE. */
DG_API int dg_nsec3_hash_str(const uint8_t *hash, size_t len, char *buf, size_t cap);

/* Creates a cracker for names directly below zone with the given salt and
 * iterations. The wire suffix (zone + salt) is built once, so trying a label
 * costs one SHA-1 block per iteration and no allocation. Returns DG_OK and
 * *out (free with dg_nsec3_cracker_free), DG_ENAME, DG_EINVAL (salt + zone
 * too long), DG_ENOMEM. */
DG_API int dg_nsec3_cracker_new(const char *zone, const uint8_t *salt, size_t saltlen,
                                unsigned iterations, dg_nsec3_cracker_t **out);

/* NULL is fine. */
DG_API void dg_nsec3_cracker_free(dg_nsec3_cracker_t *c);

/* Adds a target hash (20 octets). Returns its index (>= 0) or DG_EINVAL. */
DG_API int dg_nsec3_cracker_add(dg_nsec3_cracker_t *c, const uint8_t hash[20]);

/* Hashes label.zone (raw octets, 1..63, ASCII letters lowercased) into
 * out_hash (may be NULL). Returns the index of the matching target hash,
 * -1 for no match, or DG_ENAME (bad label). */
DG_API int dg_nsec3_cracker_try(dg_nsec3_cracker_t *c, const char *label, size_t len,
                                uint8_t *out_hash);

/* Tries n candidates as dg_nsec3_cracker_try does (without out_hash) and
 * stores what each returns in results[i]; hashes two candidates at a time
 * where the name and salt allow (one SHA-1 block), which is faster. */
DG_API void dg_nsec3_cracker_try_many(dg_nsec3_cracker_t *c, const char *const *labels,
                                      const size_t *lens, size_t n, int *results);

/* Labels tried so far. */
DG_API uint64_t dg_nsec3_cracker_tried(const dg_nsec3_cracker_t *c);

#ifdef __cplusplus
}
#endif
#endif
