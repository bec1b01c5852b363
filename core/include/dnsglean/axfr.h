/* dnsglean — zone transfer (AXFR, RFC 5936) as a sans-I/O state machine.
 * Its blocking driver for one server address, dg_axfr_run(), is part of the
 * loop (dnsglean/xfr_io.h).
 *
 * The state machine builds the query and eats the TCP byte stream as it
 * arrives (any chunking: it reassembles the 2-octet length framing itself).
 * It checks every message (ID, QR, opcode, rcode, question) and the record
 * sequence (the zone's SOA first, the same SOA last, nothing after it), and
 * bounds the transfer in time, octets, messages and records:
 *
 *     dg_axfr_t *x;  dg_axfr_new("example.com", NULL, &x);
 *     n = dg_axfr_query(x, now, buf, sizeof buf);     send n octets over TCP
 *     while ((r = dg_axfr_feed(x, now, bytes, len)) == DG_AXFR_MORE)
 *             read more bytes (dg_axfr_eof() if the peer closes,
 *             dg_axfr_tick() when dg_axfr_next_timeout() expires);
 *     r == DG_AXFR_DONE: dg_axfr_count()/dg_axfr_record(); else r is a
 *     dg_err and dg_axfr_errmsg() says why.
 *
 * Not thread-safe; one transfer per object.
 */
#ifndef DNSGLEAN_AXFR_H
#define DNSGLEAN_AXFR_H

#include "dnsglean/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds of one transfer. 0 in a field means "the default". */
typedef struct {
        uint64_t max_bytes;    /* stream octets, framing included (default 512 MiB) */
        uint64_t max_records;  /* records (default 10,000,000) */
        uint64_t max_messages; /* DNS messages (default 1,000,000) */
        unsigned timeout_ms;   /* whole transfer, from dg_axfr_query (default 120000) */
        unsigned idle_ms;      /* longest silence between octets (default 15000) */
        uint16_t id;           /* message ID; 0 picks a random one */
} dg_axfr_opts_t;

/* Fills o with zeros (= the defaults above). */
DG_API void dg_axfr_opts_init(dg_axfr_opts_t *o);

/* One transferred record. Strings are owned by the transfer object. */
typedef struct {
        char *owner; /* presentation form, trailing dot, case as sent */
        uint16_t type;
        uint16_t rclass;
        uint32_t ttl;
        char *rdata; /* presentation format, as in a zone file */
} dg_axfr_rr_t;

/* Return values of dg_axfr_feed besides negative errors. */
enum { DG_AXFR_MORE = 0, DG_AXFR_DONE = 1 };

typedef struct dg_axfr dg_axfr_t;

/* Creates a transfer of zone (presentation name). opts may be NULL. Returns
 * DG_OK and *out (free with dg_axfr_free), DG_ENAME or DG_ENOMEM. */
DG_API int dg_axfr_new(const char *zone, const dg_axfr_opts_t *opts, dg_axfr_t **out);

/* Frees the transfer and its records. NULL is fine. */
DG_API void dg_axfr_free(dg_axfr_t *x);

/* Writes the AXFR query, 2-octet TCP length prefix included, into buf and
 * starts the clocks at now_ms (a monotonic millisecond clock). Returns the
 * number of octets to send or DG_ESPACE (cap < 2 + 12 + name + 4). */
DG_API int dg_axfr_query(dg_axfr_t *x, uint64_t now_ms, uint8_t *buf, size_t cap);

/* Feeds len octets received on the TCP stream. Returns DG_AXFR_MORE (want
 * more octets), DG_AXFR_DONE (closing SOA seen; octets after it are an
 * error), or a negative dg_err: DG_EREFUSED (the server answered an error
 * rcode), DG_EMISMATCH (wrong ID/question), DG_EMALFORMED (bad framing,
 * unparsable message, bad SOA sequence), DG_ELIMIT (a bound was hit). Errors
 * are sticky; dg_axfr_errmsg() gives the detail. */
DG_API int dg_axfr_feed(dg_axfr_t *x, uint64_t now_ms, const uint8_t *data, size_t len);

/* The peer closed the stream. Returns DG_AXFR_DONE if the transfer had
 * completed, else DG_ECLOSED (sticky) with a message saying where it stopped. */
DG_API int dg_axfr_eof(dg_axfr_t *x);

/* Checks the time bounds. Returns DG_AXFR_MORE, DG_AXFR_DONE, or DG_ETIMEOUT
 * (sticky) once the whole-transfer or idle deadline has passed, or the
 * sticky error of an earlier call. */
DG_API int dg_axfr_tick(dg_axfr_t *x, uint64_t now_ms);

/* Milliseconds until the next deadline (0 = already due; -1 = finished). */
DG_API int64_t dg_axfr_next_timeout(const dg_axfr_t *x, uint64_t now_ms);

/* Current state: DG_AXFR_MORE, DG_AXFR_DONE or the sticky error. */
DG_API int dg_axfr_status(const dg_axfr_t *x);

/* Human-readable detail of the sticky error ("" when none). Owned by x. */
DG_API const char *dg_axfr_errmsg(const dg_axfr_t *x);

/* Records collected so far, in transfer order, the opening SOA first and the
 * closing SOA left out. The pointer is owned by x and valid until it is freed. */
DG_API size_t dg_axfr_count(const dg_axfr_t *x);
DG_API const dg_axfr_rr_t *dg_axfr_record(const dg_axfr_t *x, size_t i);

/* Counters of a transfer. */
typedef struct {
        uint32_t serial;   /* SOA serial (valid once the first SOA was seen) */
        bool have_soa;     /* the opening SOA was seen */
        uint8_t rcode;     /* rcode of the last message (255 before any) */
        uint64_t bytes;    /* octets received */
        uint64_t messages; /* messages received */
        uint64_t ignored;  /* records outside the zone, dropped (RFC 5936 3.5) */
} dg_axfr_info_t;

DG_API void dg_axfr_info(const dg_axfr_t *x, dg_axfr_info_t *out);

/* Formats a record as one zone-file line "owner TTL CLASS TYPE rdata"
 * (tab-separated, no newline). Returns a g_malloc'd string (g_free it). */
DG_API char *dg_axfr_rr_line(const dg_axfr_rr_t *rr);

/* Ends the transfer with the sticky error err (a negative dg_err; anything
 * else becomes DG_EIO) and the detail msg (NULL: dg_strerror(err)), for a
 * driver whose connection failed. Returns the sticky error, which stays the
 * first one if the transfer had already failed. */
DG_API int dg_axfr_abort(dg_axfr_t *x, int err, const char *msg);

#ifdef __cplusplus
}
#endif
#endif
