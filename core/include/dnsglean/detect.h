/* dnsglean — detect: a passive observer that tags the DNS messages seen on the
 * wire with what they reveal about reconnaissance (MITRE ATT&CK T1590.002).
 *
 * Feed every DNS message of a capture, in capture order, to
 * dg_detect_observe(); it returns the tags of that message at once (streaming:
 * a stateful tag applies from the message that crosses its threshold on, never
 * retroactively), so one pass over a capture always gives the same answer. The
 * Wireshark plugin and `dnsglean pcap` share this code.
 *
 * Per-message facts come from one message: axfr, ixfr, zone-leak (a transfer
 * answered with records), any, chaos (CH-class queries such as version.bind).
 * Judgements look at a querier's behaviour: wildcard-probe (a UUID-shaped,
 * long hex/base32 or otherwise random-looking first label under a zone that is
 * no cloud/CDN provider's, on the query when UUID-shaped, else on its answer
 * unless a NOERROR one that no wildcard made). Stateful judgements are kept
 * per querying address (a resolver is the querier of its own questions to
 * authoritative servers, so a sweep it relays is its sweep) over a window of
 * time: brute (many distinct first labels under one parent, mostly NXDOMAIN),
 * srv-enum (many distinct _service._proto names), ptr-sweep (many PTR names
 * under one reverse zone), nsec-walk (questions for names constructed from the
 * NSEC records just received: "\000." or "0." before an owner or next name,
 * "\000" or "-" appended to its first label, the last octet of a full label
 * raised, or the name itself asked for type NSEC, chained over several
 * distinct records), nsec3-walk (a burst of NXDOMAIN/NODATA questions answered
 * with NSEC3 into one zone, asked for type NSEC3, with random-looking labels
 * or after an NSEC3PARAM query), cache-snoop (several distinct RD=0 questions
 * to one server that recurses or is not authoritative for them, whatever the
 * answer), tld-sweep (one first label under many parents, mostly NXDOMAIN).
 * With a classifier (classify.h) responses also get provider-disclosure, the
 * providers and categories, and takeover-candidate.
 *
 * Memory is bounded: per-zone state is dropped after two idle windows and at
 * most opts.max_sources sources are tracked. Not thread-safe: one detector per
 * thread.
 */
#ifndef DNSGLEAN_DETECT_H
#define DNSGLEAN_DETECT_H

#include "dnsglean/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The tag words (DESIGN.md: a user-facing contract, keep them stable). */
typedef enum {
        DG_TAG_AXFR = 0,
        DG_TAG_IXFR,
        DG_TAG_ANY,
        DG_TAG_CHAOS,
        DG_TAG_BRUTE,
        DG_TAG_NSEC_WALK,
        DG_TAG_SRV_ENUM,
        DG_TAG_PTR_SWEEP,
        DG_TAG_CACHE_SNOOP,
        DG_TAG_WILDCARD_PROBE,
        DG_TAG_PROVIDER_DISCLOSURE,
        DG_TAG_TAKEOVER_CANDIDATE,
        DG_TAG_ZONE_LEAK,
        DG_TAG_NSEC3_WALK,
        DG_TAG_TLD_SWEEP,
        DG_TAG_COUNT_
} dg_tag_t;

#define DG_TAG_BIT(t) (1u << (t))
/* Tags that describe what a source does (all but the two about records). */
#define DG_TAGS_RECON                                                                              \
        (((1u << DG_TAG_COUNT_) - 1u) &                                                            \
         ~(DG_TAG_BIT(DG_TAG_PROVIDER_DISCLOSURE) | DG_TAG_BIT(DG_TAG_TAKEOVER_CANDIDATE)))
/* Per-message facts; the other tags of DG_TAGS_RECON are judgements about a querier. */
#define DG_TAGS_FACTS                                                                              \
        (DG_TAG_BIT(DG_TAG_AXFR) | DG_TAG_BIT(DG_TAG_IXFR) | DG_TAG_BIT(DG_TAG_ANY) |              \
         DG_TAG_BIT(DG_TAG_CHAOS) | DG_TAG_BIT(DG_TAG_ZONE_LEAK))

/* Tag word of t ("axfr", "nsec-walk", ...), or NULL when t is out of range. Static. */
DG_API const char *dg_detect_tag_name(dg_tag_t t);

/* Tag from its word. Returns the tag (>= 0) or DG_EINVAL. */
DG_API int dg_detect_tag_parse(const char *word);

/* Thresholds and switches. Start from dg_detect_opts_default(). */
typedef struct {
        double window;             /* seconds of history the stateful tags look at (60) */
        unsigned brute_names;      /* distinct first labels under one parent (20) */
        double brute_nx_ratio;     /* and at least this share of NXDOMAIN answers (0.5) */
        unsigned srv_names;        /* distinct _service._proto names under one zone (8) */
        unsigned ptr_names;        /* distinct PTR names under one reverse zone (16) */
        unsigned nsec_steps;       /* distinct NSEC records walked from (3) */
        unsigned snoop_names;      /* distinct RD=0 names to one non-authoritative server (5) */
        unsigned wildcard_min_len; /* shortest first label judged random-looking (10) */
        unsigned max_sources;      /* sources tracked at most (100000) */
        unsigned nsec3_names;      /* distinct NSEC3-denied walking names in one zone (5) */
        unsigned tld_parents;      /* distinct parents of one first label (20) */
        bool classify;             /* run the classifier on responses (true) */
} dg_detect_opts_t;

/* Fills o with the defaults given above. */
DG_API void dg_detect_opts_default(dg_detect_opts_t *o);

typedef struct dg_detector dg_detector_t;

/* Creates a detector (opts NULL means the defaults; they are copied). Returns
 * DG_OK and *out (free with dg_detect_free), DG_EINVAL for a zero threshold or
 * a window <= 0, or DG_ENOMEM. */
DG_API int dg_detect_new(const dg_detect_opts_t *opts, dg_detector_t **out);

/* Frees the detector and all its state. NULL is fine. */
DG_API void dg_detect_free(dg_detector_t *det);

/* A network address: family 4 (4 octets used) or 6 (16 octets); 0 unknown. */
typedef struct {
        uint8_t family;
        uint8_t addr[16];
} dg_detect_addr_t;

/* Writes a in presentation form ("192.0.2.1", "2001:db8::1", "?") into buf.
 * Returns the length or DG_ESPACE (46 octets always suffice). */
DG_API int dg_detect_addr_str(const dg_detect_addr_t *a, char *buf, size_t cap);

#define DG_DETECT_MAX_PROVIDERS 8

/* What one message revealed. */
typedef struct {
        uint32_t tags;           /* DG_TAG_BIT(...) set */
        bool response;           /* QR bit */
        dg_detect_addr_t source; /* the querier the message is attributed to */
        uint32_t source_score;   /* that source's score after this message (0..100) */
        unsigned nproviders;
        struct {
                const char *name;             /* provider; owned by the classifier's database */
                const char *category;         /* owned likewise */
        } providers[DG_DETECT_MAX_PROVIDERS]; /* distinct, in record order; unset past nproviders */
} dg_detect_result_t;

/* Observes one DNS message (msg, len: the DNS payload, without TCP's length
 * prefix) sent at time t (seconds) from src to dst, and fills out. Returns
 * DG_OK, DG_EINVAL for NULL arguments, or DG_EMALFORMED when the header or
 * question cannot be parsed (out then has no tags; the message is still
 * counted for its source). Malformed records after the question only end the
 * record scan. */
DG_API int dg_detect_observe(dg_detector_t *det, double t, const dg_detect_addr_t *src,
                             const dg_detect_addr_t *dst, const uint8_t *msg, size_t len,
                             dg_detect_result_t *out);

/* Per-source summary. */
typedef struct {
        dg_detect_addr_t addr;
        uint64_t queries, responses;
        uint64_t nxdomain;                  /* NXDOMAIN responses it received */
        uint64_t malformed;                 /* messages that could not be parsed */
        uint64_t tag_counts[DG_TAG_COUNT_]; /* messages carrying each tag */
        uint32_t score;                     /* 0..100, see dg_detect_observe */
        double first, last;                 /* times of its first and last message */
} dg_detect_source_t;

/* Called once per source, in the order the sources were first seen; s is
 * valid during the call. Return non-zero to stop. */
typedef int (*dg_detect_source_fn)(void *ud, const dg_detect_source_t *s);

/* Walks the per-source summaries. */
DG_API void dg_detect_foreach_source(const dg_detector_t *det, dg_detect_source_fn fn, void *ud);

/* Messages observed, and sources not tracked because max_sources was reached. */
DG_API uint64_t dg_detect_messages(const dg_detector_t *det);
DG_API uint64_t dg_detect_untracked(const dg_detector_t *det);

/* True if the label (len octets, no length prefix) looks machine-generated
 * (the wildcard-probe test): a UUID (8-4-4-4-12 hex digits), 16 or more hex
 * digits or base32 characters with letters and digits mixed, at least min_len
 * letters and digits that do not read like a word, or ten or more digits.
 * Exposed for tests and tools. */
DG_API bool dg_detect_label_random(const uint8_t *label, size_t len, unsigned min_len);

/* True if the label is a UUID in text form (8-4-4-4-12 hex digits, as
 * gobuster's wildcard check sends). */
DG_API bool dg_detect_label_uuid(const uint8_t *label, size_t len);

#ifdef __cplusplus
}
#endif
#endif
