/* Internal: a small JSON reader (RFC 8259) for the line formats dnsglean
 * consumes: Passive DNS Common Output Format records (cof.c) and, linked from
 * the static library, its own JSON Lines results (core/cli/merge.c). Not part
 * of the public API: its symbols are hidden in the shared library.
 *
 * Strings are octets: "\u0000".."\u00ff" escapes decode to that one octet
 * (dnsglean writes DNS data, which is octets and not UTF-8, that way), higher
 * escapes and surrogate pairs to UTF-8; raw octets pass through unchanged.
 * "\u0000" is refused (strings are NUL-terminated). Nesting is limited to 64.
 */
#ifndef DG_JSON_INT_H
#define DG_JSON_INT_H

#include "dnsglean/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
        DG_JSON_NULL = 0,
        DG_JSON_BOOL,
        DG_JSON_NUMBER,
        DG_JSON_STRING,
        DG_JSON_ARRAY,
        DG_JSON_OBJECT,
} dg_json_kind_t;

/* One parsed value. Everything it points to belongs to the root value. */
typedef struct dg_json {
        dg_json_kind_t kind;
        bool boolean;           /* DG_JSON_BOOL */
        double number;          /* DG_JSON_NUMBER */
        bool integer;           /* DG_JSON_NUMBER written without fraction/exponent */
        int64_t inumber;        /* its value when integer (and in range) */
        char *str;              /* DG_JSON_STRING: NUL-terminated */
        size_t n;               /* items of an array or members of an object */
        struct dg_json **items; /* array items or object member values */
        char **keys;            /* object member names (n of them), in input order */
} dg_json_t;

/* Parses one JSON value filling text[0..len) (whitespace around it allowed).
 * Returns DG_OK and *out (free with dg_json_free), or DG_EPARSE and, if
 * errmsg is not NULL, a g_malloc'd one-line reason with the offending offset,
 * or DG_ENOMEM. */
int dg_json_parse(const char *text, size_t len, dg_json_t **out, char **errmsg);

/* Frees a value and everything below it. NULL is fine. */
void dg_json_free(dg_json_t *v);

/* The member key of object v (the last one if repeated), or NULL when v is
 * not an object or has no such member. Borrowed from v. */
const dg_json_t *dg_json_get(const dg_json_t *v, const char *key);

/* v's string, or NULL if v is NULL or not a string. Borrowed. */
const char *dg_json_string(const dg_json_t *v);

/* Stores v's value in *out and returns true if v is an integer number (a
 * number without fraction or exponent that fits in int64); false otherwise. */
bool dg_json_int(const dg_json_t *v, int64_t *out);

#ifdef __cplusplus
}
#endif
#endif
