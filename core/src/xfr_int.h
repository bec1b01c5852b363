/* Internal helpers shared by axfr.c, walk.c and nsec3.c (not exported).
 *
 * Names here are wire form, uncompressed, at most 255 octets. Nothing in
 * this header is part of the public API.
 */
#ifndef DG_XFR_INT_H
#define DG_XFR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#define DGX_NAME_MAX 255

/* Presentation name -> lowercased wire form in out[DGX_NAME_MAX]. Returns
 * the wire length or DG_ENAME. */
int dgx_name_parse(const char *s, uint8_t *out);

/* Wire name -> presentation with trailing dot (g_malloc'd), NULL on error. */
char *dgx_name_str(const uint8_t *wire, size_t len);

/* Length of an uncompressed wire name within max octets, or -1. */
int dgx_name_len(const uint8_t *wire, size_t max);

/* RFC 4034 section 6.1 canonical order of two wire names: <0, 0, >0. */
int dgx_name_cmp(const uint8_t *a, const uint8_t *b);

/* True if child equals parent or lies below it (case-insensitive). */
bool dgx_name_under(const uint8_t *child, const uint8_t *parent);

/* Copies an ldns dname into out[DGX_NAME_MAX], lowercased. Returns length or -1. */
int dgx_name_from_rdf(const ldns_rdf *rdf, uint8_t *out);

/* Builds a query with one question into buf. flags: DGX_Q_* below. Returns
 * the message length or DG_ESPACE. */
#define DGX_Q_DO 0x1u
int dgx_build_query(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *qname, size_t qlen,
                    uint16_t qtype, unsigned flags);

/* Base32hex (RFC 4648 section 7), lowercase, no padding. Encode returns the
 * string length or DG_ESPACE; decode returns the octet count or DG_EPARSE. */
int dgx_b32hex_enc(const uint8_t *in, size_t len, char *out, size_t cap);
int dgx_b32hex_dec(const char *in, size_t len, uint8_t *out, size_t cap);

/* Presentation rdata of an ldns RR (fields joined by spaces), g_malloc'd. */
char *dgx_rr_rdata_str(const ldns_rr *rr);

/* Random 64-bit numbers from a xorshift state (never 0). */
uint64_t dgx_rand(uint64_t *state);
uint64_t dgx_seed(void);

/* ---- blocking network helpers with a deadline ---- */

/* Monotonic clock in milliseconds. */
uint64_t dgx_now_ms(void);

/* Non-blocking connect with poll until deadline_ms. Returns the fd or a
 * negative dg_err (DG_EIO with errno set, DG_ETIMEOUT, DG_EINTR). */
int dgx_tcp_connect(const struct sockaddr *sa, socklen_t salen, uint64_t deadline_ms,
                    volatile sig_atomic_t *stop);

/* Writes all of buf to a non-blocking socket before deadline_ms. */
int dgx_send_all(int fd, const uint8_t *buf, size_t len, uint64_t deadline_ms,
                 volatile sig_atomic_t *stop);

/* Waits for fd to become readable: 1 readable, DG_ETIMEOUT, DG_EINTR, DG_EIO. */
int dgx_wait_readable(int fd, uint64_t deadline_ms, volatile sig_atomic_t *stop);

/* One UDP or TCP exchange of a single DNS message: sends q, receives one
 * response into resp (cap octets) before deadline_ms. The caller checks the
 * content. Returns the response length or a negative dg_err. */
int dgx_exchange(const struct sockaddr *sa, socklen_t salen, bool tcp, const uint8_t *q,
                 size_t qlen, uint8_t *resp, size_t cap, uint64_t deadline_ms,
                 volatile sig_atomic_t *stop);

#endif
