/* dnsglean — DMARC record parser (RFC 7489, section 6.3 and 6.4). */
#ifndef DNSGLEAN_DMARC_H
#define DNSGLEAN_DMARC_H

#include "dnsglean/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
        DG_DMARC_POLICY_UNSET = -1, /* tag absent (sp then inherits p) */
        DG_DMARC_POLICY_NONE = 0,
        DG_DMARC_POLICY_QUARANTINE = 1,
        DG_DMARC_POLICY_REJECT = 2,
} dg_dmarc_policy_t;

/* "none", "quarantine", "reject" or "unset". Static. */
DG_API const char *dg_dmarc_policy_str(dg_dmarc_policy_t p);

/* One reporting URI of rua= or ruf= ("mailto:dmarc@example.net!10m"). */
typedef struct {
        char *uri;    /* as written, size limit removed */
        char *scheme; /* "mailto", "https", ... lowercased */
        char *domain; /* for mailto: the address's domain, lowercased; else NULL */
        char *limit;  /* "10m" if a "!size" was given, else NULL */
} dg_dmarc_uri_t;

/* A tag=value pair as written (tag lowercased). */
typedef struct {
        char *tag;
        char *value;
} dg_dmarc_tag_t;

/* A parsed DMARC record; defaults of RFC 7489 6.3 applied where a tag is absent
 * (pct 100, adkim/aspf "r", ri 86400, fo "0", rf "afrf"). Owned by the struct. */
typedef struct {
        dg_dmarc_policy_t p;  /* required; UNSET only when the record is in error */
        dg_dmarc_policy_t sp; /* UNSET when absent (then p applies to subdomains) */
        int pct;              /* 0..100 */
        char adkim, aspf;     /* 'r' or 's' */
        unsigned long ri;     /* report interval, seconds */
        char *fo;             /* failure reporting options */
        char *rf;             /* report format */
        dg_dmarc_uri_t *rua;  /* aggregate report URIs */
        size_t nrua;
        dg_dmarc_uri_t *ruf; /* failure report URIs */
        size_t nruf;
        dg_dmarc_tag_t *tags; /* every tag in record order, unknown ones included */
        size_t ntags;
        char *error; /* NULL when valid; else the first problem found (the
                        record must then be ignored per RFC 7489 6.6.3) */
} dg_dmarc_t;

/* True if txt starts with "v=DMARC1" (then optional spaces and ';' or end). */
DG_API bool dg_dmarc_is_dmarc(const char *txt);

/* Parses a DMARC record. Returns DG_OK and *out (free with dg_dmarc_free) —
 * problems such as a missing or bad p= are in (*out)->error — or DG_EINVAL if
 * txt is not a DMARC record, or DG_ENOMEM. */
DG_API int dg_dmarc_parse(const char *txt, dg_dmarc_t **out);

/* Frees a parsed record. NULL is fine. */
DG_API void dg_dmarc_free(dg_dmarc_t *d);

#ifdef __cplusplus
}
#endif
#endif
