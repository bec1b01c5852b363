/* Internal: the classifier's side of a footprint. footprint.c gathers
 * lookups (what was asked, why, and the answer); the classify part turns
 * them into the report: records with their providers (classify_report.c) and
 * findings (findings.c). No I/O here. */
#ifndef DG_FINDINGS_INT_H
#define DG_FINDINGS_INT_H

#include "classify_int.h"
#include "dnsglean/footprint.h"

/* One question of a footprint and its answer (owned by footprint.c). */
typedef struct {
        char *name; /* lowercase, no trailing dot */
        uint16_t type;
        const char *why; /* static: see dg_footprint_record_t.why */
        dg_result_t *r;  /* NULL until answered (or when it could not be asked) */
        int ns;          /* lame checks: index of its dg_fp_nscheck_t; else -1 */
} dg_fp_lookup_t;

/* A lame-delegation check: one name server address asked for the SOA. */
typedef struct {
        char *host;            /* name server host, normalized */
        char *addr;            /* its address, presentation form */
        dg_fp_lookup_t *check; /* the SOA question asked there */
} dg_fp_nscheck_t;

/* What a footprint gathered, as the report builder reads it (all borrowed). */
typedef struct {
        const char *domain; /* normalized */
        const dg_fpdb_t *db;
        dg_fp_lookup_t *const *lookups; /* every question but the lame checks, ask order */
        size_t nlookups;
        dg_fp_nscheck_t *const *nschecks;
        size_t nnschecks;
        const char *wildcard_probe; /* the random name asked to detect an apex wildcard */
        unsigned queries, phases;
} dg_fp_view_t;

/* True when l was answered with data or a CNAME chain (status found). */
static inline bool dg_fp_found(const dg_fp_lookup_t *l)
{
        return l && l->r && l->r->status == DG_STATUS_FOUND && l->r->nanswers > 0;
}

/* The answer of a found lookup, or NULL. Borrowed from l. */
static inline const dg_answer_t *dg_fp_answer(const dg_fp_lookup_t *l)
{
        return dg_fp_found(l) ? &l->r->answers[0] : NULL;
}

/* s in lowercase without trailing dots ("." stays "."). g_malloc'd. */
char *dg_fp_norm_name(const char *s);

/* The SPF records among the TXT answers of l (NULL is fine): a
 * NULL-terminated g_strfreev array, empty when none. *answered tells whether
 * the lookup got a definite answer (found, nodata or nxdomain). */
char **dg_fp_spf_texts(const dg_fp_lookup_t *l, bool *answered);

/* The lookup type that tells whether an SPF term's domain exists: TXT for
 * include: and redirect=, A for a: and exists:, MX for mx:; 0 for the other
 * kinds (they name no domain, or one asked for nothing). */
uint16_t dg_fp_spf_term_type(dg_spf_term_kind_t k);

/* The registrable parent of name as decided without a public-suffix list:
 * its last two labels ("_spf.gone.example" -> "gone.example"). g_malloc'd;
 * NULL when name has fewer than two labels. Under a multi-label public
 * suffix ("co.uk") this is the suffix itself, which exists, so the check
 * errs towards "not registrable". */
char *dg_fp_registrable(const char *name);

/* True when name (normalized) is anc or lies below it. */
bool dg_fp_name_under(const char *name, const char *anc);

/* The exchange host of MX rdata ("10 mx.example.net."), normalized and
 * g_malloc'd; NULL for a null MX ("0 .", RFC 7505) or malformed rdata. */
char *dg_fp_mx_host(const char *rdata);

/* Builds the report of v: records and providers, then findings (sorted by
 * severity). Returns a report to free with dg_fp_report_free. Aborts only
 * when memory runs out (glib). */
dg_footprint_report_t *dg_fp_report_build(const dg_fp_view_t *v);

/* Frees a report built by dg_fp_report_build. NULL is fine. */
void dg_fp_report_free(dg_footprint_report_t *r);

/* Derives the findings of v into rep (rep->findings, nfindings, sorted by
 * severity then id, and rep->spf_dns_terms). */
void dg_findings_derive(const dg_fp_view_t *v, dg_footprint_report_t *rep);

#endif
