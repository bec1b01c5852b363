/* dnsglean — SHA-1 (FIPS 180-4) for NSEC3 hashing, private to the library.
 *
 * The compression function comes in two versions chosen once at run time:
 * x86 SHA extensions (SHA-NI, when the CPU has them) and portable C. The
 * NSEC3 hot path (nsec3.c) pads its blocks itself and calls the compression
 * function directly; dg_sha1() hashes a message of any length. */
#ifndef DG_SHA1_H
#define DG_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define DG_SHA1_LEN 20

/* Compresses nblocks 64-octet blocks into the state h (five words). */
typedef void (*dg_sha1_compress_fn)(uint32_t h[5], const uint8_t *blocks, size_t nblocks);

/* Compresses one 64-octet block a into state ha and another, b, into hb:
 * two independent messages interleaved (with SHA-NI, faster than two calls,
 * as the rounds of one hide the latency of the other's). */
typedef void (*dg_sha1_compress2_fn)(uint32_t ha[5], const uint8_t *a, uint32_t hb[5],
                                     const uint8_t *b);

/* Sets h to the SHA-1 initial hash value (FIPS 180-4 5.3.1). */
void dg_sha1_init(uint32_t h[5]);

/* The compression function in use (SHA-NI if the CPU has it, else portable
 * C; see dg_sha1_select). Never NULL; thread-safe. */
dg_sha1_compress_fn dg_sha1_compress(void);

/* The two-message compression function of the implementation in use. */
dg_sha1_compress2_fn dg_sha1_compress2(void);

/* The portable C compression function (always available). */
void dg_sha1_compress_portable(uint32_t h[5], const uint8_t *blocks, size_t nblocks);

/* The SHA-NI compression function, or NULL when the CPU (or the build
 * target) lacks the SHA extensions. */
dg_sha1_compress_fn dg_sha1_compress_shani(void);

/* Chooses the implementation: "auto" (the default: SHA-NI when present),
 * "portable" or "shani". Returns 0, or -1 for an unknown name or "shani"
 * on a CPU without it (nothing changes then). For tests and benchmarks. */
int dg_sha1_select(const char *impl);

/* Name of the implementation in use: "shani" or "portable". Static. */
const char *dg_sha1_impl(void);

/* Writes the big-endian digest of state h to out (20 octets). */
void dg_sha1_digest(const uint32_t h[5], uint8_t out[DG_SHA1_LEN]);

/* Pads a message of len octets already at the start of blk (FIPS 180-4
 * 5.1.1); blk must hold the padded blocks (len + 72 octets is enough).
 * Returns the number of 64-octet blocks. */
size_t dg_sha1_pad(uint8_t *blk, size_t len);

/* One-shot SHA-1 of msg (len octets, any length) into out. */
void dg_sha1(const uint8_t *msg, size_t len, uint8_t out[DG_SHA1_LEN]);

#endif
