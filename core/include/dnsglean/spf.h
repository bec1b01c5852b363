/* dnsglean — SPF record parser (RFC 7208, section 4.6 and 12).
 *
 * Pure string parsing: nothing is resolved and macros (%{d}, %{i}, ...) are
 * left unexpanded but recognised. Counting the DNS-querying terms of the whole
 * include/redirect chain needs lookups: dg_footprint does that.
 */
#ifndef DNSGLEAN_SPF_H
#define DNSGLEAN_SPF_H

#include "dnsglean/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
        DG_SPF_ALL = 0,
        DG_SPF_INCLUDE,
        DG_SPF_A,
        DG_SPF_MX,
        DG_SPF_PTR,
        DG_SPF_IP4,
        DG_SPF_IP6,
        DG_SPF_EXISTS,
        DG_SPF_REDIRECT,    /* modifier redirect= */
        DG_SPF_EXP,         /* modifier exp= */
        DG_SPF_UNKNOWN_MOD, /* any other name=value modifier (allowed by RFC 7208) */
        DG_SPF_TERM_COUNT_
} dg_spf_term_kind_t;

/* Name of a term kind: "all", "include", "a", "mx", "ptr", "ip4", "ip6",
 * "exists", "redirect", "exp", "modifier". Static. */
DG_API const char *dg_spf_term_str(dg_spf_term_kind_t k);

typedef struct {
        dg_spf_term_kind_t kind;
        char qualifier; /* '+', '-', '~' or '?' for mechanisms (default '+'); 0 for modifiers */
        bool explicit_qualifier; /* the qualifier was written */
        char *name;              /* mechanism or modifier name, lowercased */
        char *value;    /* domain-spec / address after ':' or '=' (as written); NULL if none */
        int cidr4;      /* "/NN" ip4 prefix or a/mx dual-cidr v4 part; -1 when absent */
        int cidr6;      /* "//NN" or ip6 prefix; -1 when absent */
        bool has_macro; /* value holds a macro (%{...}, %%, %_, %-) */
} dg_spf_term_t;

/* A parsed SPF record. Everything is owned by the struct. */
typedef struct {
        dg_spf_term_t *terms; /* nterms, in record order */
        size_t nterms;
        const char **includes; /* ninclude domain-specs of include: terms (point into terms) */
        size_t nincludes;
        const char *redirect; /* redirect= domain-spec, or NULL (points into terms) */
        char all_qualifier;   /* qualifier of the "all" mechanism, 0 if there is none */
        unsigned dns_terms;   /* include, a, mx, ptr, exists and redirect terms of this
                                 record: the ones RFC 7208 4.6.4 counts (limit 10) */
        bool has_macros;      /* some term uses macros */
        char *error;          /* NULL when valid; else the first syntax problem (a
                                 permerror per RFC 7208), terms before it kept */
} dg_spf_t;

/* True if txt (a TXT record's concatenated text) is an SPF record: starts with
 * "v=spf1" (case-insensitive) followed by a space or the end. */
DG_API bool dg_spf_is_spf(const char *txt);

/* Parses an SPF record. Returns DG_OK and *out (free with dg_spf_free) —
 * syntax problems are reported in (*out)->error, not as a failure — or
 * DG_EINVAL when txt is not an SPF record, or DG_ENOMEM. */
DG_API int dg_spf_parse(const char *txt, dg_spf_t **out);

/* Frees a parsed record. NULL is fine. */
DG_API void dg_spf_free(dg_spf_t *s);

#ifdef __cplusplus
}
#endif
#endif
