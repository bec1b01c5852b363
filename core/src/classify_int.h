/* Internal interfaces of the classifier (fpdb.c, classify.c, spf.c, dmarc.c). */
#ifndef DG_CLASSIFY_INT_H
#define DG_CLASSIFY_INT_H

#include "dnsglean/classify.h"
#include "dnsglean/dmarc.h"
#include "dnsglean/spf.h"

/* Longest match of a host name (presentation form, any case, trailing dot
 * optional) among the signatures of a host kind; NULL if none. */
const dg_fp_sig_t *dg_fpdb_match_host(const dg_fpdb_t *db, dg_fp_kind_t k, const char *name,
                                      size_t len);

/* Longest TXT prefix signature of txt (len octets), or NULL. */
const dg_fp_sig_t *dg_fpdb_match_txt(const dg_fpdb_t *db, const char *txt, size_t len);

/* Owner-name signatures: the owner kind match and the DKIM selector match
 * (either may be NULL). */
void dg_fpdb_match_owner(const dg_fpdb_t *db, const char *owner, size_t len,
                         const dg_fp_sig_t **owner_sig, const dg_fp_sig_t **dkim_sig);

/* Address signature covering addr ("192.0.2.1", "2001:db8::1", optionally with
 * a "/len" that is ignored), or NULL. */
const dg_fp_sig_t *dg_fpdb_match_addr(const dg_fpdb_t *db, const char *addr, size_t len);

/* The built-in TSV text (generated at build time from core/data/fingerprints). */
extern const char dg_fp_builtin_data[];
extern const size_t dg_fp_builtin_data_len;

/* ---- SPF term scanner: no allocation, used by dg_spf_parse and the classifier ---- */

typedef struct {
        dg_spf_term_kind_t kind;
        char qualifier;
        bool explicit_qualifier;
        const char *name;
        size_t namelen;
        const char *value; /* NULL when absent */
        size_t valuelen;
        int cidr4, cidr6;
        bool has_macro;
        const char *error; /* static reason when the term is malformed */
} dg_spf_tok_t;

typedef struct {
        const char *p, *end;
} dg_spf_scan_t;

/* Starts scanning an SPF record (txt must satisfy dg_spf_is_spf). */
void dg_spf_scan_init(dg_spf_scan_t *s, const char *txt, size_t len);

/* Next term: 1 (tok filled; tok->error may be set), 0 at the end. */
int dg_spf_scan_next(dg_spf_scan_t *s, dg_spf_tok_t *tok);

/* True if the term kind is counted by RFC 7208 4.6.4. */
bool dg_spf_term_queries(dg_spf_term_kind_t k);

#endif
