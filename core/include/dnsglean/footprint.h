/* dnsglean — footprint: gather a domain's revealing records, classify them,
 * report providers and findings.
 *
 * The footprint runs in phases; each phase is one lookup-mode engine
 * (engine.h) whose questions depend on the previous answers (SPF includes,
 * CNAME targets, the name servers' and mail exchanges' addresses, the
 * registrable parents of names that do not exist, then the name servers
 * themselves for the lame-delegation check). It owns no socket: drive it
 * either with dg_footprint_run() (footprint_io.h, the loop part's blocking
 * driver) or by hand:
 *
 *     dg_engine_t *e;
 *     while ((e = dg_footprint_engine(fp)) != NULL) {
 *             drive e (next_query / feed / tick) until dg_engine_done(e),
 *             handing every dg_result_t to dg_footprint_add_result(fp, r);
 *             dg_footprint_next_phase(fp);
 *     }
 *     const dg_footprint_report_t *rep = dg_footprint_report(fp);
 *
 * The resolvers of a phase are those of the engine (the options' resolvers,
 * or one name server address in a lame-delegation phase).
 */
#ifndef DNSGLEAN_FOOTPRINT_H
#define DNSGLEAN_FOOTPRINT_H

#include "dnsglean/classify.h"
#include "dnsglean/engine.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
        const char *domain;                  /* required */
        const dg_resolver_addr_t *resolvers; /* required; copied */
        size_t nresolvers;
        const dg_fpdb_t *db;               /* NULL: dg_fpdb_default(); must outlive the footprint */
        unsigned timeout_ms;               /* per try; 0 = engine default */
        unsigned retries;                  /* extra tries; 0 = engine default */
        unsigned concurrency;              /* 0 = engine default */
        const char *const *dkim_selectors; /* NULL: the built-in list */
        size_t ndkim_selectors;
        bool no_lame_check; /* skip asking each name server for the zone's SOA */
        bool no_saas_names; /* skip the well-known SaaS host names */
        unsigned ns_port;   /* port to ask the name servers on directly; 0 = 53 */
        void (*log)(void *ud, int level, const char *msg);
        void *log_ud;
} dg_footprint_opts_t;

/* Fills o with the defaults. */
DG_API void dg_footprint_opts_init(dg_footprint_opts_t *o);

/* One name/type looked up, with what it revealed. */
typedef struct {
        char *name; /* FQDN, no trailing dot */
        uint16_t type;
        uint8_t rcode;      /* 255 when the lookup failed */
        const char *status; /* "found", "nodata", "nxdomain", "failed" (static) */
        uint32_t ttl;
        char **data; /* ndata presentation rdata strings (NULL-terminated) */
        size_t ndata;
        char **cname; /* CNAME chain followed (targets), ncname entries */
        size_t ncname;
        dg_fp_match_t *providers; /* nproviders, over data, cname chain and owner */
        size_t nproviders;
        bool takeover;   /* a CNAME target / data matched a takeover-prone signature */
        const char *why; /* why it was asked: "apex", "dmarc", "dkim", "srv", "saas",
                            "spf-include", "spf-term" (an a:/mx:/exists: domain),
                            "cname-target", "ns-address", "mx-address", "parent-check"
                            (the registrable parent of a name that does not exist),
                            "lame-check", "wildcard-probe" (static) */
} dg_footprint_record_t;

typedef enum {
        DG_SEV_INFO = 0,
        DG_SEV_LOW = 1,
        DG_SEV_MEDIUM = 2,
        DG_SEV_HIGH = 3,
} dg_severity_t;

/* "info", "low", "medium", "high". Static. */
DG_API const char *dg_severity_str(dg_severity_t s);

/* One finding. Ids: "no-spf", "spf-multiple", "spf-syntax", "spf-pass-all",
 * "spf-neutral-all", "spf-softfail-all", "spf-no-all", "spf-too-many-lookups",
 * "spf-include-missing", "no-dmarc", "dmarc-p-none", "dmarc-pct", "dmarc-syntax",
 * "dkim-selectors", "takeover-candidate", "dangling-cname", "lame-delegation",
 * "ns-takeover" (every name server refuses the zone), "mx-takeover" (an MX
 * host that does not exist, or at a claimable mail service),
 * "spf-include-registrable" (an SPF term names a domain nobody registered),
 * "apex-wildcard". */
typedef struct {
        const char *id; /* static */
        dg_severity_t severity;
        char *message;   /* one line, human-readable */
        char **evidence; /* nevidence records/values (NULL-terminated) */
        size_t nevidence;
} dg_finding_t;

/* A provider seen, with every piece of evidence (deduplicated). */
typedef struct {
        const char *name;     /* database-owned */
        const char *category; /* database-owned */
        char **evidence;      /* "RECORD-NAME TYPE kind:value" strings (NULL-terminated) */
        size_t nevidence;
        bool takeover;
} dg_footprint_provider_t;

typedef struct {
        char *domain;
        dg_footprint_record_t *records; /* every answered lookup, in a stable order */
        size_t nrecords;
        dg_footprint_provider_t *providers; /* sorted by category then name */
        size_t nproviders;
        dg_finding_t *findings; /* sorted by severity, highest first */
        size_t nfindings;
        unsigned spf_dns_terms; /* DNS-querying terms through the include/redirect chain */
        unsigned queries;       /* lookups made */
        unsigned phases;
} dg_footprint_report_t;

typedef struct dg_footprint dg_footprint_t;

/* Creates a footprint for opts->domain. Returns DG_OK and *out (free with
 * dg_footprint_free), or DG_EINVAL / DG_ENAME / DG_ENORESOLVER / DG_ENOMEM,
 * or DG_EPARSE when the built-in name lists are malformed (opts->log then
 * gets "footprint name lists: builtin:LINE: reason"). */
DG_API int dg_footprint_new(const dg_footprint_opts_t *opts, dg_footprint_t **out);

/* Frees the footprint, its engines and its report. NULL is fine. */
DG_API void dg_footprint_free(dg_footprint_t *fp);

/* The engine of the current phase (owned by fp), or NULL when every phase is
 * done. */
DG_API dg_engine_t *dg_footprint_engine(dg_footprint_t *fp);

/* Hands a result of the current phase's engine to the footprint, which takes
 * ownership of r. */
DG_API void dg_footprint_add_result(dg_footprint_t *fp, dg_result_t *r);

/* Ends the current phase (its engine is freed) and plans the next from what
 * was learnt. Returns 1 if there is a next phase, 0 when finished (the report
 * is then ready), or a negative dg_err. */
DG_API int dg_footprint_next_phase(dg_footprint_t *fp);

/* The report, built when the last phase ended (NULL before). Owned by fp. */
DG_API const dg_footprint_report_t *dg_footprint_report(const dg_footprint_t *fp);

/* The built-in lists of names the footprint asks about, read once from the
 * data embedded at build time (core/data/footprint-names.txt): DKIM
 * selectors, SRV prefixes ("_sip._tls"), SaaS host labels. NULL-terminated,
 * owned by the library; empty if that data is malformed. */
DG_API const char *const *dg_footprint_dkim_selectors(void);
DG_API const char *const *dg_footprint_srv_names(void);
DG_API const char *const *dg_footprint_saas_names(void);

#ifdef __cplusplus
}
#endif
#endif
