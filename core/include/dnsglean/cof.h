/* dnsglean — Passive DNS Common Output Format (COF) records: reading,
 * writing, and building them from observed answers.
 *
 * COF (draft-dulaunoy-dnsop-passive-dns-cof) is what CIRCL's Passive DNS and
 * others serve: one JSON object per line with the mandatory members
 * "rrname", "rrtype", "rdata" (a string or an array of strings),
 * "time_first" and "time_last" (seconds since the epoch) and optional ones
 * such as "count", "bailiwick" and "sensor_id". Other members are ignored.
 */
#ifndef DNSGLEAN_COF_H
#define DNSGLEAN_COF_H

#include "dnsglean/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One COF record. Every string is owned by the record. */
typedef struct {
        char *rrname;       /* owner, lowercase, no trailing dot ("." for the root) */
        uint16_t rrtype;    /* RR type number */
        char **rdata;       /* nrdata presentation-format rdata strings */
        size_t nrdata;      /* >= 1 */
        int64_t time_first; /* first seen, seconds since the epoch */
        int64_t time_last;  /* last seen */
        uint64_t count;     /* times seen; 0 when the source gave none */
        bool has_count;     /* the source gave "count" */
        char *bailiwick;    /* or NULL */
        char *sensor_id;    /* or NULL */
} dg_cof_record_t;

/* Parses one COF line of len octets (a trailing CR/LF is fine). Returns
 * DG_OK and *out (free with dg_cof_record_free), or DG_EPARSE with, if errmsg
 * is not NULL, a g_malloc'd one-line reason ("missing rrname", "invalid JSON
 * at offset 12: ..."), or DG_ENOMEM. */
DG_API int dg_cof_parse(const char *line, size_t len, dg_cof_record_t **out, char **errmsg);

/* Frees a record and its strings. NULL is fine. */
DG_API void dg_cof_record_free(dg_cof_record_t *r);

/* Formats r as one COF JSON object without a trailing newline: "rdata" is a
 * string when nrdata is 1, else an array; "count" is written when has_count.
 * Octets outside printable ASCII are written as \u00XX (dg_cof_parse reads
 * them back to the same octets). Returns a g_malloc'd string, or NULL if r
 * is NULL or incomplete (no rrname or no rdata). */
DG_API char *dg_cof_format(const dg_cof_record_t *r);

/* ---- reading a file ---- */

typedef struct dg_cof_reader dg_cof_reader_t;

/* Opens path ("-" is stdin) for reading COF lines. Returns DG_OK and *out,
 * or DG_EIO (errno set; a directory gives EISDIR) / DG_ENOMEM. */
DG_API int dg_cof_reader_open(const char *path, dg_cof_reader_t **out);

/* Reads the next record. Returns 1 and *rec (caller frees), 0 at the end of
 * the file, DG_EPARSE for a malformed line (then *errmsg, if errmsg is not
 * NULL, is a g_malloc'd reason; call again to go on with the next line) or
 * DG_EIO on a read error. Blank lines are skipped. If line is not NULL it
 * gets the 1-based number of the line just read. */
DG_API int dg_cof_reader_next(dg_cof_reader_t *r, dg_cof_record_t **rec, uint64_t *line,
                              char **errmsg);

/* Closes the file (not stdin) and frees the reader. NULL is fine. */
DG_API void dg_cof_reader_close(dg_cof_reader_t *r);

/* ---- building records from observations ---- */

/* Aggregates observed records into COF records keyed by (rrname, rrtype,
 * rdata): first and last time seen and how often. */
typedef struct dg_cof_agg dg_cof_agg_t;

/* A new, empty aggregate (g_malloc: aborts on out of memory, as glib does).
 * Free with dg_cof_agg_free. */
DG_API dg_cof_agg_t *dg_cof_agg_new(void);

/* Frees the aggregate and its records. NULL is fine. */
DG_API void dg_cof_agg_free(dg_cof_agg_t *a);

/* Records one observation of (rrname, rrtype, rdata) at time when (seconds
 * since the epoch). rrname is a presentation-format name, with or without
 * the trailing dot; it is lowercased. Returns DG_OK, DG_ENAME (rrname is not
 * a name) or DG_EINVAL (NULL rdata). */
DG_API int dg_cof_agg_add(dg_cof_agg_t *a, const char *rrname, uint16_t rrtype, const char *rdata,
                          int64_t when);

/* Records the answer section of one DNS response (QR set, class IN records,
 * OPT/RRSIG/SIG left out) seen at time when: a capture's passive DNS. A
 * query, or a message without answers, adds nothing. If added is not NULL
 * it gets the number of records taken. Returns DG_OK, or DG_EMALFORMED for
 * a message that cannot be parsed (records read before the fault are kept). */
DG_API int dg_cof_agg_add_message(dg_cof_agg_t *a, const uint8_t *msg, size_t len, int64_t when,
                                  size_t *added);

/* Number of distinct records. */
DG_API size_t dg_cof_agg_size(const dg_cof_agg_t *a);

/* Calls fn for each record, sorted by rrname, rrtype and rdata (a stable
 * output). The records are borrowed for the call. Stops early, returning
 * fn's value, when fn returns non-zero; else returns 0. */
DG_API int dg_cof_agg_foreach(const dg_cof_agg_t *a,
                              int (*fn)(void *ud, const dg_cof_record_t *rec), void *ud);

#ifdef __cplusplus
}
#endif
#endif
