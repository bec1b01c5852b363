/* SHA-1 (FIPS 180-4, https://csrc.nist.gov/pubs/fips/180-4/upd1/final):
 * portable C and x86 SHA extensions, selected at run time.
 *
 * The SHA-NI version follows Intel's description of the instructions
 * ("Intel SHA Extensions", https://www.intel.com/content/www/us/en/developer/
 * articles/technical/intel-sha-extensions.html): SHA1RNDS4 does four rounds
 * on A..D with E folded into the message words by SHA1NEXTE, SHA1MSG1 and
 * SHA1MSG2 compute the message schedule four words at a time. It is compiled
 * with a target attribute, so the build needs no -msha; cpuid says whether
 * the CPU can run it. */
#include "sha1.h"

#include <stdatomic.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define DG_SHA1_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t IV[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u, 0xc3d2e1f0u};

void dg_sha1_init(uint32_t h[5])
{
        memcpy(h, IV, sizeof IV);
}

static inline uint32_t rol(uint32_t x, unsigned n)
{
        return x << n | x >> (32 - n);
}

static inline uint32_t be32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One round: the round function's value f, constant k, message word w. */
#define ROUND(a, b, c, d, e, f, k, w)                                                              \
        do {                                                                                       \
                (e) += rol((a), 5) + (f) + (k) + (w);                                              \
                (b) = rol((b), 30);                                                                \
        } while (0)
#define F0(b, c, d) (((b) & (c)) | (~(b) & (d)))
#define F1(b, c, d) ((b) ^ (c) ^ (d))
#define F2(b, c, d) (((b) & (c)) | ((b) & (d)) | ((c) & (d)))

/* Five rounds rotate the roles of a..e back to where they started. */
#define FIVE(F, k, i)                                                                              \
        do {                                                                                       \
                ROUND(a, b, c, d, e, F(b, c, d), k, W[(i) + 0]);                                   \
                ROUND(e, a, b, c, d, F(a, b, c), k, W[(i) + 1]);                                   \
                ROUND(d, e, a, b, c, F(e, a, b), k, W[(i) + 2]);                                   \
                ROUND(c, d, e, a, b, F(d, e, a), k, W[(i) + 3]);                                   \
                ROUND(b, c, d, e, a, F(c, d, e), k, W[(i) + 4]);                                   \
        } while (0)

static void compress_one(uint32_t h[5], const uint8_t *blk)
{
        uint32_t W[80];
        for (int t = 0; t < 16; t++)
                W[t] = be32(blk + 4 * t);
        for (int t = 16; t < 80; t++)
                W[t] = rol(W[t - 3] ^ W[t - 8] ^ W[t - 14] ^ W[t - 16], 1);
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (int i = 0; i < 20; i += 5)
                FIVE(F0, 0x5a827999u, i);
        for (int i = 20; i < 40; i += 5)
                FIVE(F1, 0x6ed9eba1u, i);
        for (int i = 40; i < 60; i += 5)
                FIVE(F2, 0x8f1bbcdcu, i);
        for (int i = 60; i < 80; i += 5)
                FIVE(F1, 0xca62c1d6u, i);
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
}

void dg_sha1_compress_portable(uint32_t h[5], const uint8_t *blocks, size_t nblocks)
{
        for (size_t i = 0; i < nblocks; i++)
                compress_one(h, blocks + 64 * i);
}

#ifdef DG_SHA1_X86
#define SHANI __attribute__((target("sha,sse4.1,ssse3")))

/* Message words t..t+3 of the next group from the four groups before it. */
#define NEXT_W(w4, w3, w2, w1) _mm_sha1msg2_epu32(_mm_xor_si128(_mm_sha1msg1_epu32(w4, w3), w2), w1)
/* Rounds 4i..4i+3 with the words of group wi. */
#define RNDS(i, fn, wi)                                                                            \
        do {                                                                                       \
                e = _mm_sha1nexte_epu32(prev, wi);                                                 \
                prev = abcd;                                                                       \
                abcd = _mm_sha1rnds4_epu32(abcd, e, fn);                                           \
        } while (0)

SHANI static void compress_shani(uint32_t h[5], const uint8_t *blocks, size_t nblocks)
{
        /* byte order: the highest lane holds the first big-endian word */
        const __m128i swap = _mm_set_epi64x(0x0001020304050607ll, 0x08090a0b0c0d0e0fll);
        __m128i abcd = _mm_set_epi32((int)h[0], (int)h[1], (int)h[2], (int)h[3]);
        __m128i e0 = _mm_set_epi32((int)h[4], 0, 0, 0);
        for (size_t n = 0; n < nblocks; n++) {
                const uint8_t *p = blocks + 64 * n;
                __m128i abcd0 = abcd, e00 = e0, e, prev;
                __m128i w0 =
                    _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)p), swap);
                __m128i w1 = _mm_shuffle_epi8(
                    _mm_loadu_si128((const __m128i *)(const void *)(p + 16)), swap);
                __m128i w2 = _mm_shuffle_epi8(
                    _mm_loadu_si128((const __m128i *)(const void *)(p + 32)), swap);
                __m128i w3 = _mm_shuffle_epi8(
                    _mm_loadu_si128((const __m128i *)(const void *)(p + 48)), swap);
                e = _mm_add_epi32(e0, w0);
                prev = abcd;
                abcd = _mm_sha1rnds4_epu32(abcd, e, 0);
                RNDS(1, 0, w1);
                RNDS(2, 0, w2);
                RNDS(3, 0, w3);
                /* groups 4..19: w0..w3 reused as a ring of the last four */
                w0 = NEXT_W(w0, w1, w2, w3);
                RNDS(4, 0, w0);
                w1 = NEXT_W(w1, w2, w3, w0);
                RNDS(5, 1, w1);
                w2 = NEXT_W(w2, w3, w0, w1);
                RNDS(6, 1, w2);
                w3 = NEXT_W(w3, w0, w1, w2);
                RNDS(7, 1, w3);
                w0 = NEXT_W(w0, w1, w2, w3);
                RNDS(8, 1, w0);
                w1 = NEXT_W(w1, w2, w3, w0);
                RNDS(9, 1, w1);
                w2 = NEXT_W(w2, w3, w0, w1);
                RNDS(10, 2, w2);
                w3 = NEXT_W(w3, w0, w1, w2);
                RNDS(11, 2, w3);
                w0 = NEXT_W(w0, w1, w2, w3);
                RNDS(12, 2, w0);
                w1 = NEXT_W(w1, w2, w3, w0);
                RNDS(13, 2, w1);
                w2 = NEXT_W(w2, w3, w0, w1);
                RNDS(14, 2, w2);
                w3 = NEXT_W(w3, w0, w1, w2);
                RNDS(15, 3, w3);
                w0 = NEXT_W(w0, w1, w2, w3);
                RNDS(16, 3, w0);
                w1 = NEXT_W(w1, w2, w3, w0);
                RNDS(17, 3, w1);
                w2 = NEXT_W(w2, w3, w0, w1);
                RNDS(18, 3, w2);
                w3 = NEXT_W(w3, w0, w1, w2);
                RNDS(19, 3, w3);
                e0 = _mm_sha1nexte_epu32(prev, e00);
                abcd = _mm_add_epi32(abcd, abcd0);
        }
        h[0] = (uint32_t)_mm_extract_epi32(abcd, 3);
        h[1] = (uint32_t)_mm_extract_epi32(abcd, 2);
        h[2] = (uint32_t)_mm_extract_epi32(abcd, 1);
        h[3] = (uint32_t)_mm_extract_epi32(abcd, 0);
        h[4] = (uint32_t)_mm_extract_epi32(e0, 3);
}

/* Rounds 4i..4i+3 of two messages. */
#define RNDS2(fn, wa, wb)                                                                          \
        do {                                                                                       \
                ea = _mm_sha1nexte_epu32(preva, wa);                                               \
                eb = _mm_sha1nexte_epu32(prevb, wb);                                               \
                preva = abcda;                                                                     \
                prevb = abcdb;                                                                     \
                abcda = _mm_sha1rnds4_epu32(abcda, ea, fn);                                        \
                abcdb = _mm_sha1rnds4_epu32(abcdb, eb, fn);                                        \
        } while (0)
/* The next message group of both messages, then its four rounds. */
#define STEP2(fn, w4, w3, w2, w1)                                                                  \
        do {                                                                                       \
                w4##a = NEXT_W(w4##a, w3##a, w2##a, w1##a);                                        \
                w4##b = NEXT_W(w4##b, w3##b, w2##b, w1##b);                                        \
                RNDS2(fn, w4##a, w4##b);                                                           \
        } while (0)

SHANI static inline __m128i load_be(const uint8_t *p, __m128i swap)
{
        return _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)p), swap);
}

SHANI static void store_state(uint32_t h[5], __m128i abcd, __m128i e)
{
        h[0] = (uint32_t)_mm_extract_epi32(abcd, 3);
        h[1] = (uint32_t)_mm_extract_epi32(abcd, 2);
        h[2] = (uint32_t)_mm_extract_epi32(abcd, 1);
        h[3] = (uint32_t)_mm_extract_epi32(abcd, 0);
        h[4] = (uint32_t)_mm_extract_epi32(e, 3);
}

/* The same rounds as compress_shani, one block of each of two messages. */
SHANI static void compress2_shani(uint32_t ha[5], const uint8_t *a, uint32_t hb[5],
                                  const uint8_t *b)
{
        const __m128i swap = _mm_set_epi64x(0x0001020304050607ll, 0x08090a0b0c0d0e0fll);
        __m128i abcda = _mm_set_epi32((int)ha[0], (int)ha[1], (int)ha[2], (int)ha[3]);
        __m128i abcdb = _mm_set_epi32((int)hb[0], (int)hb[1], (int)hb[2], (int)hb[3]);
        const __m128i e0a = _mm_set_epi32((int)ha[4], 0, 0, 0);
        const __m128i e0b = _mm_set_epi32((int)hb[4], 0, 0, 0);
        const __m128i abcd0a = abcda, abcd0b = abcdb;
        __m128i w0a = load_be(a, swap), w1a = load_be(a + 16, swap);
        __m128i w2a = load_be(a + 32, swap), w3a = load_be(a + 48, swap);
        __m128i w0b = load_be(b, swap), w1b = load_be(b + 16, swap);
        __m128i w2b = load_be(b + 32, swap), w3b = load_be(b + 48, swap);
        __m128i ea = _mm_add_epi32(e0a, w0a), eb = _mm_add_epi32(e0b, w0b);
        __m128i preva = abcda, prevb = abcdb;
        abcda = _mm_sha1rnds4_epu32(abcda, ea, 0);
        abcdb = _mm_sha1rnds4_epu32(abcdb, eb, 0);
        RNDS2(0, w1a, w1b);
        RNDS2(0, w2a, w2b);
        RNDS2(0, w3a, w3b);
        STEP2(0, w0, w1, w2, w3);
        STEP2(1, w1, w2, w3, w0);
        STEP2(1, w2, w3, w0, w1);
        STEP2(1, w3, w0, w1, w2);
        STEP2(1, w0, w1, w2, w3);
        STEP2(1, w1, w2, w3, w0);
        STEP2(2, w2, w3, w0, w1);
        STEP2(2, w3, w0, w1, w2);
        STEP2(2, w0, w1, w2, w3);
        STEP2(2, w1, w2, w3, w0);
        STEP2(2, w2, w3, w0, w1);
        STEP2(3, w3, w0, w1, w2);
        STEP2(3, w0, w1, w2, w3);
        STEP2(3, w1, w2, w3, w0);
        STEP2(3, w2, w3, w0, w1);
        STEP2(3, w3, w0, w1, w2);
        store_state(ha, _mm_add_epi32(abcda, abcd0a), _mm_sha1nexte_epu32(preva, e0a));
        store_state(hb, _mm_add_epi32(abcdb, abcd0b), _mm_sha1nexte_epu32(prevb, e0b));
}

/* cpuid: leaf 1 ECX bit 9 (SSSE3) and 19 (SSE4.1), leaf 7 EBX bit 29 (SHA). */
static int cpu_has_shani(void)
{
        unsigned a, b, c, d;
        if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 9)) || !(c & (1u << 19)))
                return 0;
        if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
                return 0;
        return (b >> 29) & 1;
}
#endif

dg_sha1_compress_fn dg_sha1_compress_shani(void)
{
#ifdef DG_SHA1_X86
        return cpu_has_shani() ? compress_shani : NULL;
#else
        return NULL;
#endif
}

static void compress2_portable(uint32_t ha[5], const uint8_t *a, uint32_t hb[5], const uint8_t *b)
{
        compress_one(ha, a);
        compress_one(hb, b);
}

static _Atomic(dg_sha1_compress_fn) chosen;

dg_sha1_compress2_fn dg_sha1_compress2(void)
{
#ifdef DG_SHA1_X86
        if (dg_sha1_compress() == compress_shani)
                return compress2_shani;
#endif
        return compress2_portable;
}

dg_sha1_compress_fn dg_sha1_compress(void)
{
        dg_sha1_compress_fn f = atomic_load_explicit(&chosen, memory_order_acquire);
        if (f != NULL)
                return f;
        f = dg_sha1_compress_shani();
        if (f == NULL)
                f = dg_sha1_compress_portable;
        atomic_store_explicit(&chosen, f, memory_order_release);
        return f;
}

int dg_sha1_select(const char *impl)
{
        dg_sha1_compress_fn f;
        if (strcmp(impl, "auto") == 0) {
                f = dg_sha1_compress_shani();
                if (f == NULL)
                        f = dg_sha1_compress_portable;
        } else if (strcmp(impl, "portable") == 0) {
                f = dg_sha1_compress_portable;
        } else if (strcmp(impl, "shani") == 0) {
                f = dg_sha1_compress_shani();
                if (f == NULL)
                        return -1;
        } else {
                return -1;
        }
        atomic_store_explicit(&chosen, f, memory_order_release);
        return 0;
}

const char *dg_sha1_impl(void)
{
        return dg_sha1_compress() == dg_sha1_compress_portable ? "portable" : "shani";
}

void dg_sha1_digest(const uint32_t h[5], uint8_t out[DG_SHA1_LEN])
{
        for (int i = 0; i < 5; i++) {
                out[4 * i] = (uint8_t)(h[i] >> 24);
                out[4 * i + 1] = (uint8_t)(h[i] >> 16);
                out[4 * i + 2] = (uint8_t)(h[i] >> 8);
                out[4 * i + 3] = (uint8_t)h[i];
        }
}

size_t dg_sha1_pad(uint8_t *blk, size_t len)
{
        size_t nb = (len + 8) / 64 + 1;
        size_t end = nb * 64;
        blk[len] = 0x80;
        memset(blk + len + 1, 0, end - len - 1 - 8);
        uint64_t bits = (uint64_t)len * 8;
        for (int i = 0; i < 8; i++)
                blk[end - 1 - i] = (uint8_t)(bits >> (8 * i));
        return nb;
}

void dg_sha1(const uint8_t *msg, size_t len, uint8_t out[DG_SHA1_LEN])
{
        dg_sha1_compress_fn f = dg_sha1_compress();
        uint32_t h[5];
        dg_sha1_init(h);
        size_t whole = len / 64;
        f(h, msg, whole);
        uint8_t tail[128];
        size_t rest = len - whole * 64;
        memcpy(tail, msg + whole * 64, rest);
        size_t nb = dg_sha1_pad(tail, rest);
        uint64_t bits = (uint64_t)len * 8; /* the whole message's length */
        for (int i = 0; i < 8; i++)
                tail[nb * 64 - 1 - i] = (uint8_t)(bits >> (8 * i));
        f(h, tail, nb);
        dg_sha1_digest(h, out);
}
