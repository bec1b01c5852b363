/* Internal: the name lists a footprint asks about (DKIM selectors, SRV
 * services, SaaS host labels, revealing TXT owners), read from
 * core/data/footprint-names.txt (embedded at build time, like the
 * fingerprint database; format in core/data/README.md). */
#ifndef DG_FOOTPRINT_NAMES_H
#define DG_FOOTPRINT_NAMES_H

#include "dnsglean/common.h"

typedef enum {
        DG_FPN_DKIM = 0,   /* [dkim-selectors]: one label each */
        DG_FPN_SRV,        /* [srv]: "_service._proto" */
        DG_FPN_SAAS,       /* [saas]: one label each */
        DG_FPN_TXT_OWNERS, /* [txt-owners]: relative names; must hold "_dmarc" */
        DG_FPN_COUNT
} dg_fpn_list_t;

typedef struct {
        char **list[DG_FPN_COUNT]; /* NULL-terminated, in file order */
        size_t n[DG_FPN_COUNT];
} dg_fp_names_t;

/* Parses name lists from text[0..len); source names it in messages. Every
 * list must be present once, non-empty, without duplicates. Returns DG_OK
 * and *out (free with dg_fp_names_free), or DG_EPARSE with, if errmsg is not
 * NULL, a g_malloc'd "SOURCE:LINE: reason". */
int dg_fp_names_parse(const char *text, size_t len, const char *source, dg_fp_names_t **out,
                      char **errmsg);

/* dg_fp_names_parse over a file's contents. DG_EIO (errno set, *errmsg
 * "PATH: reason") when it cannot be read. */
int dg_fp_names_load_file(const char *path, dg_fp_names_t **out, char **errmsg);

/* Frees lists. NULL is fine. */
void dg_fp_names_free(dg_fp_names_t *n);

/* The built-in lists behind the public dg_footprint_*_names() accessors,
 * parsed once per process and never freed (a footprint parses its own copy);
 * NULL when the embedded data is malformed, then *why (if not NULL) is the
 * "builtin:LINE: reason", also kept for the process. */
const dg_fp_names_t *dg_fp_names_builtin(const char **why);

/* The built-in text (generated at build time from core/data). */
extern const char dg_fp_names_builtin_data[];
extern const size_t dg_fp_names_builtin_data_len;

#endif
