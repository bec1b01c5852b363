/* dnsglean CLI — passive DNS input (--pdns FILE): the names a Passive DNS
 * Common Output Format file holds under a domain, as candidates to check
 * live, and what passive DNS said about each. */
#ifndef DG_CLI_PDNS_H
#define DG_CLI_PDNS_H

#include <glib.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "dnsglean/engine.h"

/* What passive DNS knows about one name. */
typedef struct {
        int64_t time_first, time_last; /* over all its records */
        uint64_t count;                /* sum of the records' counts (1 each if absent) */
        char *rrtypes;                 /* "A,CNAME": types seen, comma-separated, sorted */
} dg_pdns_info_t;

typedef struct dg_pdns dg_pdns_t;

/* Options of the https:// form of --pdns (the file form ignores them). */
typedef struct {
        char *auth;   /* --pdns-auth FILE holding "user:password", or NULL */
        char *cacert; /* --cacert FILE: CA certificates (PEM) to trust, or NULL */
        gint timeout; /* --pdns-timeout: seconds without data before giving up; 0: 30 */
} dg_pdns_http_opts_t;

/* The GOptionEntry lines of the options above, for brute and footprint. */
#define DG_PDNS_AUTH_ENTRY(h)                                                                      \
        {                                                                                          \
                "pdns-auth", 0, 0, G_OPTION_ARG_FILENAME, &(h)->auth,                              \
                    "File holding user:password for --pdns URL (else $DNSGLEAN_PDNS_AUTH)", "FILE" \
        }
#define DG_PDNS_CACERT_ENTRY(h)                                                                    \
        {                                                                                          \
                "cacert", 0, 0, G_OPTION_ARG_FILENAME, &(h)->cacert,                               \
                    "CA certificates (PEM) to trust for --pdns URL instead of the system's",       \
                    "FILE"                                                                         \
        }
#define DG_PDNS_TIMEOUT_ENTRY(h)                                                                   \
        {                                                                                          \
                "pdns-timeout", 0, 0, G_OPTION_ARG_INT, &(h)->timeout,                             \
                    "Give up --pdns URL after SEC seconds without data (default 30)", "SEC"        \
        }
#define DG_PDNS_HTTP_ENTRIES(h)                                                                    \
        DG_PDNS_AUTH_ENTRY(h), DG_PDNS_CACERT_ENTRY(h), DG_PDNS_TIMEOUT_ENTRY(h)

/* Frees the strings of h (not h itself). */
void dg_pdns_http_opts_clear(dg_pdns_http_opts_t *h);

/* Reads COF records from src, a file ("-": stdin) or an https:// URL (a
 * CIRCL-style service: GET URL/DOMAIN with the credentials of http):
 * rrnames under domain (and, for CNAME, NS, MX, SRV and PTR records,
 * targets under it) become candidates. Malformed lines are reported on
 * stderr as "dnsglean: CMD: SRC:LINE: reason" and skipped. Returns NULL with
 * *err (g_malloc'd) when the source cannot be read whole (an HTTP error, a
 * cut body) or holds no record at all. */
dg_pdns_t *dg_pdns_load(const char *cmd, const char *src, const char *domain,
                        const dg_pdns_http_opts_t *http, char **err);

/* True when src is a URL (it has a "scheme://" prefix), not a file name. */
bool dg_pdns_is_url(const char *src);

/* Fetches URL/domain over HTTPS (pdns_http.c; messages that do not stop it
 * go to stderr prefixed with cmd) and calls line for each line
 * of a 200 answer's body, without its newline. Returns 0 once the whole
 * body was read, or -1 with *err (g_malloc'd): not https, bad credentials
 * file, HTTP status other than 200 (429 and 503 are retried twice when the
 * server asks to wait 30 s or less), timeout, TLS failure, cut body. */
int dg_pdns_http_get(const char *cmd, const char *url, const char *domain,
                     const dg_pdns_http_opts_t *http,
                     void (*line)(void *ud, const char *s, size_t len), void *ud, char **err);

/* Frees the set. NULL is fine. */
void dg_pdns_free(dg_pdns_t *p);

/* Number of candidate names. */
size_t dg_pdns_count(const dg_pdns_t *p);

/* The i-th candidate relative to the domain ("www", "a.dev"), in a stable
 * (sorted) order. Borrowed. */
const char *dg_pdns_relative(const dg_pdns_t *p, size_t i);

/* True if the relative name (len octets, any case) is a candidate. */
bool dg_pdns_has_relative(const dg_pdns_t *p, const char *rel, size_t len);

/* The passive DNS facts of a full name (no trailing dot, any case), or NULL. */
const dg_pdns_info_t *dg_pdns_lookup(const dg_pdns_t *p, const char *name);

/* Appends ,"pdns":{"time_first","time_last","count","rrtypes","live"} for
 * a name whose live check ended with st ("live": true when it exists, null
 * when the check failed, false when gone or a wildcard's); with
 * mark_wildcard, a wildcard's answer also adds "wildcard":true. */
void dg_pdns_json(GString *s, const dg_pdns_info_t *pi, dg_status_t st, bool mark_wildcard);

/* Lines read, records used, malformed lines, names left out (the domain
 * itself, wildcards, names outside the domain). */
void dg_pdns_counts(const dg_pdns_t *p, uint64_t *lines, uint64_t *records, uint64_t *malformed,
                    uint64_t *outside);

/* True when r is a passive DNS name more than one label below the domain
 * that exists: the domain's wildcard signature cannot vouch for it, so it
 * is held back for dg_pdns_verify. */
bool dg_pdns_is_deep(const dg_pdns_t *p, const dg_result_t *r);

/* Checks held results (those dg_pdns_is_deep picked) against random names
 * under their parents, asked through a lookup-mode engine with base's
 * resolvers: a name whose answer is only what random names get is marked
 * DG_STATUS_WILDCARD (wildcard_root "*.PARENT"); *marked counts them.
 * Returns DG_OK, DG_EINTR (*stop set) or the engine's error. */
int dg_pdns_verify(const dg_pdns_t *p, GPtrArray *held, const dg_engine_opts_t *base,
                   volatile sig_atomic_t *stop, uint64_t *marked);

/* Checks every candidate name live on its own: a brute-mode engine over the
 * names (base gives resolvers, types, timeouts; validation and wildcard
 * detection as in brute), then dg_pdns_verify. fn gets each result and owns
 * it. Returns DG_OK, or an error with *errmsg (g_malloc'd). */
int dg_pdns_check(const dg_pdns_t *p, const dg_engine_opts_t *base, volatile sig_atomic_t *stop,
                  int (*fn)(void *ud, dg_result_t *r), void *ud, char **errmsg);

#endif
