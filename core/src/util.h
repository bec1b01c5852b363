/* Private helpers shared by the library's modules (not installed, not
 * exported): FNV-1a hashing, ASCII case folding, a seeded random number
 * generator, random DNS labels and reading a whole file. Pure functions, no
 * I/O except the seed and dg_load_file.
 */
#ifndef DG_UTIL_H
#define DG_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a 64-bit parameters. */
#define DG_FNV_INIT 0xcbf29ce484222325ull
#define DG_FNV_PRIME 0x100000001b3ull

/* ASCII 'A'..'Z' to 'a'..'z'; every other octet unchanged. */
static inline uint8_t dg_lower(uint8_t c)
{
        return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* Folds one octet into an FNV-1a hash state h; returns the new state. */
static inline uint64_t dg_fnv_step(uint64_t h, uint8_t c)
{
        return (h ^ c) * DG_FNV_PRIME;
}

/* Folds n octets of p into h (start with DG_FNV_INIT); returns the new state. */
static inline uint64_t dg_fnv(uint64_t h, const void *p, size_t n)
{
        const uint8_t *b = p;
        for (size_t i = 0; i < n; i++)
                h = dg_fnv_step(h, b[i]);
        return h;
}

/* As dg_fnv, with ASCII letters lowercased first (case-insensitive hash). */
static inline uint64_t dg_fnv_lower(uint64_t h, const void *p, size_t n)
{
        const uint8_t *b = p;
        for (size_t i = 0; i < n; i++)
                h = dg_fnv_step(h, dg_lower(b[i]));
        return h;
}

/* Next 64-bit number of a splitmix64 generator whose state is *state (any
 * value, 0 included). Not cryptographic, but query IDs and probe labels
 * drawn from it are unpredictable to an off-path spoofer when the state
 * comes from dg_rng_seed(). */
uint64_t dg_rng_next(uint64_t *state);

/* A seed from the kernel's random source (getrandom), or from the clock and
 * the process id if that fails. Never 0. */
uint64_t dg_rng_seed(void);

/* Writes len random characters from [a-z0-9] (the first a letter) and a NUL
 * into buf (len + 1 octets), drawing from *state. */
void dg_random_label(uint64_t *state, char *buf, size_t len);

/* A parser of len octets of text read from the file named source: returns
 * 0 (DG_OK) or an error code, the reason in *errmsg (may be NULL). */
typedef int (*dg_text_parser_t)(void *ud, const char *text, size_t len, const char *source,
                                char **errmsg);

/* Reads the file at path and returns parse(ud, text, len, path, errmsg); when
 * it cannot be read, DG_EIO with errno ENOENT/EIO and the reason in *errmsg
 * (caller frees; errmsg may be NULL). */
int dg_load_file(const char *path, dg_text_parser_t parse, void *ud, char **errmsg);

#endif
