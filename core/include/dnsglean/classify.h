/* dnsglean — classification: what a domain's records give away.
 *
 * A fingerprint database (dg_fpdb_t) maps record data to providers: the MX host
 * "tenant.mail.protection.outlook.com" means Microsoft 365, the TXT token
 * "atlassian-domain-verification=..." means Atlassian, a CNAME into
 * "azurewebsites.net" means Azure App Service (and a takeover risk when the
 * target no longer exists). The database is data, not code: TSV files under
 * core/data/ (format in core/data/README.md) are embedded into the library at
 * build time and more can be loaded at run time (--fingerprints FILE).
 *
 * Matching is case-insensitive, ignores a trailing dot, matches host suffixes
 * on label boundaries only ("outlook.com.evil.test" is not Microsoft),
 * concatenates the character-strings of a TXT record before matching, and
 * costs O(labels) per name (a hash table per suffix), not O(signatures).
 *
 * A loaded database is read-only: any number of threads may classify with it
 * at once. Loading more signatures into it is not thread-safe.
 */
#ifndef DNSGLEAN_CLASSIFY_H
#define DNSGLEAN_CLASSIFY_H

#include "dnsglean/common.h"
#include "dnsglean/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- signatures ---- */

/* What part of which record a signature matches. The TSV name is in brackets. */
typedef enum {
        DG_FP_MX = 0,    /* [mx] MX exchange host, suffix on label boundary */
        DG_FP_SPF = 1,   /* [spf] domain of an SPF include:/redirect=/a:/mx:/exists:/ptr: */
        DG_FP_TXT = 2,   /* [txt] TXT record prefix, case-insensitive ("MS=", "docusign=") */
        DG_FP_CNAME = 3, /* [cname] CNAME (or DNAME) target host suffix */
        DG_FP_NS = 4,    /* [ns] NS host suffix */
        DG_FP_SRV = 5,   /* [srv] SRV target host suffix */
        DG_FP_CAA = 6,   /* [caa] CAA issue/issuewild issuer domain (suffix) */
        DG_FP_DMARC = 7, /* [dmarc] domain of a DMARC rua=/ruf= (or TLS-RPT rua=) mailto: address */
        DG_FP_DKIM = 8,  /* [dkim] DKIM selector: owner "SELECTOR._domainkey.*" */
        DG_FP_OWNER = 9, /* [owner] leading label(s) of the owner name: "_amazonses",
                            "asuid", "_github-challenge-*" (a '*' ends a label prefix) */
        DG_FP_ADDR = 10, /* [addr] A/AAAA address inside a CIDR prefix; also SPF ip4:/ip6: */
        DG_FP_KIND_COUNT_ = 11
} dg_fp_kind_t;

/* Name of a kind as used in the TSV files ("mx", "spf", ...). Static. */
DG_API const char *dg_fp_kind_str(dg_fp_kind_t k);

/* Kind from its TSV name (case-insensitive). Returns the kind (>= 0) or DG_EINVAL. */
DG_API int dg_fp_kind_parse(const char *s);

/* How much a match proves (flag "strength:" in the TSV files). */
typedef enum {
        DG_FP_STRENGTH_TOKEN = 0, /* a unique verification token / per-customer TXT */
        DG_FP_STRENGTH_HOST = 1,  /* a customer-specific host name at the provider */
        DG_FP_STRENGTH_RANGE = 2, /* an address range shared by the provider's customers */
        DG_FP_STRENGTH_COUNT_ = 3
} dg_fp_strength_t;

/* Name of a strength: "token", "host", "range". Static. */
DG_API const char *dg_fp_strength_str(dg_fp_strength_t s);

/* One signature. All strings belong to the database and live as long as it. */
typedef struct {
        dg_fp_kind_t kind;
        const char *pattern;            /* as written in the file, lowercased, no trailing dot */
        const char *provider;           /* "Microsoft 365" */
        const char *category;           /* "mail", "identity", "cdn", ... (core/data/README.md) */
        bool verification;              /* a domain-verification token (proves a subscription) */
        bool takeover;                  /* a dangling record of this kind can be claimed by others:
                                           the takeover entry's status is "vulnerable" */
        const char *takeover_condition; /* the takeover entry's condition: "nxdomain" (the
                                           target does not resolve), "unclaimed" (resolves,
                                           resource gone), "lame" (NS: zone not hosted);
                                           NULL without a takeover entry */
        const char *reference;          /* public documentation the signature comes from */
        const char *source;             /* "builtin" or the file it was loaded from */
        unsigned line;                  /* line in that file */
        dg_fp_strength_t strength;      /* evidence strength (explicit or by kind) */
        const char *takeover_status;    /* "vulnerable", "not-vulnerable", "edge-case";
                                           NULL without a takeover entry */
        const char *takeover_checked;   /* "YYYY-MM-DD" the status was last checked, or NULL */
} dg_fp_sig_t;

/* ---- the database ---- */

typedef struct dg_fpdb dg_fpdb_t;

/* Creates an empty database. Returns DG_OK and *out (free with dg_fpdb_free),
 * or DG_ENOMEM. */
DG_API int dg_fpdb_new(dg_fpdb_t **out);

/* Creates a database holding the built-in signatures (the core/data TSV files, embedded
 * at build time). Returns DG_OK and *out (free with dg_fpdb_free), or DG_ENOMEM. */
DG_API int dg_fpdb_new_default(dg_fpdb_t **out);

/* A process-wide read-only database of the built-in signatures, created on
 * first use (thread-safe). Never free it. Returns NULL only on allocation
 * failure. */
DG_API const dg_fpdb_t *dg_fpdb_default(void);

/* Frees the database and its signatures. NULL is fine. */
DG_API void dg_fpdb_free(dg_fpdb_t *db);

/* Adds the signatures of a TSV file (format: core/data/README.md). The whole
 * file is checked first: on any bad line nothing is added. Returns DG_OK,
 * DG_EIO (cannot read; errno set) or DG_EPARSE; then, if errmsg is not NULL,
 * *errmsg is a g_malloc'd one-line message "FILE:LINE: reason" (caller
 * g_free()s). */
DG_API int dg_fpdb_load_file(dg_fpdb_t *db, const char *path, char **errmsg);

/* Same as dg_fpdb_load_file for len octets of TSV text in memory; source names
 * it in messages and in dg_fp_sig_t.source. */
DG_API int dg_fpdb_load_data(dg_fpdb_t *db, const char *text, size_t len, const char *source,
                             char **errmsg);

/* Number of signatures loaded. */
DG_API size_t dg_fpdb_count(const dg_fpdb_t *db);

/* The i-th signature (0 <= i < dg_fpdb_count), in load order, or NULL when i is
 * out of range. Owned by the database. */
DG_API const dg_fp_sig_t *dg_fpdb_get(const dg_fpdb_t *db, size_t i);

/* Figures of a database. */
typedef struct {
        size_t signatures;
        size_t providers;        /* distinct provider names */
        size_t verification;     /* distinct providers with a verification token */
        size_t takeover;         /* takeover-prone signatures (status "vulnerable") */
        size_t takeover_entries; /* signatures with a takeover entry, any status */
        size_t by_strength[DG_FP_STRENGTH_COUNT_];
        size_t by_kind[DG_FP_KIND_COUNT_];
} dg_fpdb_stats_t;

/* Fills out with the figures of db (all zero when db is NULL). */
DG_API void dg_fpdb_stats(const dg_fpdb_t *db, dg_fpdb_stats_t *out);

/* ---- classifying one record ---- */

#define DG_EVIDENCE_MAX 160

/* One provider a record reveals. */
typedef struct {
        const char *name;               /* provider; owned by the database */
        const char *category;           /* owned by the database */
        const dg_fp_sig_t *sig;         /* the signature that matched (first one per provider) */
        char evidence[DG_EVIDENCE_MAX]; /* "kind:value", e.g.
                                           "mx:acme-com.mail.protection.outlook.com" or
                                           "txt:MS=ms12345678"; long values are cut with "..." */
} dg_fp_match_t;

/* The outcome of classifying one record. Reuse one across calls: each
 * dg_classify_* call clears it first, so the hot path does not allocate once
 * the arrays have grown. */
typedef struct {
        dg_fp_match_t *matches; /* nmatches entries, one per provider, in match order */
        size_t nmatches;
        bool takeover;                  /* a matched signature is takeover-prone */
        const char *takeover_condition; /* that signature's condition (database-owned) */
        const char *takeover_provider;  /* that signature's provider (database-owned) */
        const char *takeover_status;    /* status of the takeover entry of the signature
                                           that raised takeover, else of the first matched
                                           one with an entry ("not-vulnerable", ...); NULL
                                           when no matched signature has one */
        size_t cap_;                    /* private */
} dg_classify_res_t;

/* Initialises an empty result. */
DG_API void dg_classify_res_init(dg_classify_res_t *r);

/* Frees what the result holds and leaves it empty (reusable). NULL is fine. */
DG_API void dg_classify_res_clear(dg_classify_res_t *r);

/* Classifies one record given in presentation format: owner name (trailing dot
 * optional), RR type (DG_T_*), rdata as in a zone file ("10 mx1.example.com.",
 * "\"v=spf1 include:_spf.google.com ~all\"", several quoted TXT strings are
 * concatenated; unquoted TXT text is taken as is). Types without signatures
 * give no match. TXT text starting with "v=spf1" (or a Sender ID
 * "spf2.0/pra" record) is parsed as SPF (its domains — the literal part
 * after the last macro — and ip4:/ip6: networks are classified; a:/mx: hosts
 * are also matched against the MX signatures); a DMARC record (or any TXT
 * at "_dmarc.*") and a TLS-RPT record give their report domains; any other
 * TXT is matched against the token prefixes. The owner kinds (owner, dkim)
 * apply to every type. Fills res (cleared first). Returns the number of
 * providers found (>= 0), DG_EINVAL for NULL arguments, or DG_EPARSE if rdata
 * is malformed for the type (res is then empty). */
DG_API int dg_classify_rr(const dg_fpdb_t *db, const char *owner, uint16_t type, const char *rdata,
                          dg_classify_res_t *res);

/* Classifies a host name alone as kind k (DG_FP_MX, DG_FP_CNAME, DG_FP_NS,
 * DG_FP_SRV, DG_FP_SPF, DG_FP_DMARC, DG_FP_CAA). Appends to res without
 * clearing it. Returns the number of providers added or a negative dg_err. */
DG_API int dg_classify_host(const dg_fpdb_t *db, dg_fp_kind_t k, const char *host,
                            dg_classify_res_t *res);

/* ---- classifying the records of a DNS message (Wireshark, pcap) ---- */

#define DG_SECMASK_ANSWER 0x1u
#define DG_SECMASK_AUTHORITY 0x2u
#define DG_SECMASK_ADDITIONAL 0x4u
#define DG_SECMASK_ALL 0x7u

/* Called for each record of a message that reveals at least one provider.
 * owner and rdata are presentation strings (valid during the call); rr
 * describes the record in msg; res is valid during the call. Return 0 to go
 * on, non-zero to stop. */
typedef int (*dg_classify_msg_fn)(void *ud, const dg_wire_rr_t *rr, const char *owner,
                                  const char *rdata, const dg_classify_res_t *res);

/* What a message revealed, overall. */
typedef struct {
        unsigned records;        /* records looked at */
        unsigned classified;     /* records that revealed a provider */
        bool takeover_candidate; /* the answer is NXDOMAIN and its CNAME chain (from the
                                    question name) passes through a takeover-prone service */
        char takeover_target[DG_NAME_STR_MAX]; /* that CNAME target when takeover_candidate */
        const char *takeover_provider;         /* its provider (database-owned) */
} dg_classify_msg_summary_t;

/* Classifies the records of the DNS message msg (len octets) in the sections
 * selected by secmask (DG_SECMASK_*), calling fn (may be NULL) for each record
 * that reveals a provider. summary (may be NULL) is filled. Uses the dg_wire_*
 * parser; the only allocation is the match array of the call. Returns the number
 * of records that revealed a provider, or DG_EMALFORMED (records before the
 * damage were still reported) / DG_EINVAL. */
DG_API int dg_classify_msg(const dg_fpdb_t *db, const uint8_t *msg, size_t len, unsigned secmask,
                           dg_classify_msg_fn fn, void *ud, dg_classify_msg_summary_t *summary);

/* ---- reading zone-file lines ---- */

/* One record read from a zone-file line. Strings point into a buffer owned by
 * the struct; free it with dg_zone_line_clear. */
typedef struct {
        char *owner;  /* as written (no $ORIGIN applied), trailing dot kept; NULL when
                         the line starts with a blank (the previous owner applies) */
        uint32_t ttl; /* 0 when absent */
        bool has_ttl;
        uint16_t type;
        char *rdata; /* rest of the line, comments stripped, whitespace trimmed */
        char *buf_;  /* private */
} dg_zone_line_t;

/* Parses "owner [ttl] [class] type rdata" (ttl and class in either order, a ';'
 * comment outside quotes ignored). Multi-line parentheses and $directives are
 * not supported. Returns 1 and fills out (clear it with dg_zone_line_clear),
 * 0 for a blank or comment-only line, or DG_EPARSE with *why set to a static
 * reason ("unknown type", ...). */
DG_API int dg_zone_line_parse(const char *line, dg_zone_line_t *out, const char **why);

/* Frees what dg_zone_line_parse put in l. NULL is fine. */
DG_API void dg_zone_line_clear(dg_zone_line_t *l);

/* Concatenates the character-strings of TXT rdata in presentation form
 * ("\"a\" \"b\"" -> "ab", escapes "\\\"" and "\\DDD" decoded; unquoted words
 * are taken as strings too) into buf. Returns the length, DG_ESPACE or
 * DG_EPARSE (unterminated quote, bad escape). */
DG_API int dg_txt_concat(const char *rdata, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
