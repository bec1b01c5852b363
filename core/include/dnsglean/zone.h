/* dnsglean — reading zone files (RFC 1035 master-file text).
 *
 * The reader turns a zone file into records one by one: it follows $ORIGIN
 * and $TTL, joins a record written over several lines in parentheses, drops
 * ';' comments, qualifies relative owners and '@' with the origin and gives a
 * record with a blank owner the previous record's owner. Each record is split
 * by dg_zone_line_parse (owner, ttl, class, type, rdata). A bad record is
 * reported with its line number and the reader goes on with the next one.
 */
#ifndef DNSGLEAN_ZONE_H
#define DNSGLEAN_ZONE_H

#include <stdio.h>

#include "dnsglean/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dg_zone_reader dg_zone_reader_t;

/* One record as read. The strings belong to the reader and stay valid until
 * its next dg_zone_reader_next or dg_zone_reader_free call. */
typedef struct {
        const char *owner;  /* fully qualified (trailing dot) when an origin is known;
                               a relative owner with no origin stays as written */
        uint16_t type;      /* RR type number */
        uint32_t ttl;       /* the record's TTL, else $TTL, else the previous one, else 0 */
        const char *rdata;  /* presentation text on one line: parentheses, line breaks
                               and comments removed, names in it as written */
        unsigned long line; /* number of the record's first line (from 1) */
} dg_zone_rr_t;

/* Creates a reader of in (the caller keeps and closes it). origin (may be
 * NULL: none until a $ORIGIN line) qualifies relative names. Returns DG_OK and
 * *out (free with dg_zone_reader_free), DG_EINVAL (no in/out, origin not a
 * name) or DG_ENOMEM. */
DG_API int dg_zone_reader_new(FILE *in, const char *origin, dg_zone_reader_t **out);

/* Reads the next record into *rr. Returns 1 with *rr filled, 0 at the end of
 * the input, DG_EPARSE for a bad record or directive (*why a static reason
 * such as "unknown type", *line its first line; the next call goes on after
 * it), DG_EIO on a read error (errno set) or DG_EINVAL. why and line may be
 * NULL. */
DG_API int dg_zone_reader_next(dg_zone_reader_t *r, dg_zone_rr_t *rr, const char **why,
                               unsigned long *line);

/* Frees the reader (not its FILE). NULL is fine. */
DG_API void dg_zone_reader_free(dg_zone_reader_t *r);

#ifdef __cplusplus
}
#endif
#endif
