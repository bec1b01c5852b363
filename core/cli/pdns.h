/* dnsglean CLI — passive DNS input (--pdns FILE): the names a Passive DNS
 * Common Output Format file holds under a domain, as candidates to check
 * live, and what passive DNS said about each. */
#ifndef DG_CLI_PDNS_H
#define DG_CLI_PDNS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* What passive DNS knows about one name. */
typedef struct {
        int64_t time_first, time_last; /* over all its records */
        uint64_t count;                /* sum of the records' counts (1 each if absent) */
        char *rrtypes;                 /* "A,CNAME": types seen, comma-separated, sorted */
} dg_pdns_info_t;

typedef struct dg_pdns dg_pdns_t;

/* Reads COF records from path: rrnames under domain (and, for CNAME, NS, MX,
 * SRV and PTR records, targets under it) become candidates. Malformed lines
 * are reported on stderr as "dnsglean: CMD: PATH:LINE: reason" and skipped.
 * Returns NULL with *err (g_malloc'd) when the file cannot be read or holds
 * no record at all. */
dg_pdns_t *dg_pdns_load(const char *cmd, const char *path, const char *domain, char **err);

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

/* Lines read, records used, malformed lines, names left out (the domain
 * itself, wildcards, names outside the domain). */
void dg_pdns_counts(const dg_pdns_t *p, uint64_t *lines, uint64_t *records, uint64_t *malformed,
                    uint64_t *outside);

#endif
