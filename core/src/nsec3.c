/* NSEC3 hashing (RFC 5155 section 5) and a cracker for collected hashes.
 *
 * The hot path hashes "label.zone" with salt: a name + salt under 56
 * octets is one SHA-1 block (two up to 119), so we pad the block ourselves
 * (FIPS 180-4 5.1.1) once per candidate and call the compression function
 * (sha1.c: SHA-NI or portable C) directly. An iteration re-hashes 20 +
 * salt octets: that block is padded once, only the 20 octets of the hash
 * change. The zone + salt suffix is precomputed; nothing is allocated per
 * candidate. */
#include <glib.h>
#include <string.h>

#include "dnsglean/walk.h"
#include "sha1.h"
#include "util.h"
#include "wire_int.h"

/* Longest message hashed with our own padding: two blocks minus 9 octets. */
#define FAST_MAX 119

/* SHA-1 of msg (len octets, at the start of blk, which has room for the
 * padding when len <= FAST_MAX) with the compression function f. */
static inline void sha1_blk(dg_sha1_compress_fn f, uint8_t *blk, size_t len, uint8_t out[20])
{
        if (len > FAST_MAX) {
                dg_sha1(blk, len, out);
                return;
        }
        uint32_t h[5];
        dg_sha1_init(h);
        f(h, blk, dg_sha1_pad(blk, len));
        dg_sha1_digest(h, out);
}

int dg_nsec3_hash(const uint8_t *name_wire, size_t len, const uint8_t *salt, size_t saltlen,
                  unsigned iterations, uint8_t out[20])
{
        if (name_wire == NULL || dg_name_len(name_wire, len) < 0 || saltlen > 255)
                return DG_ENAME;
        size_t nl = (size_t)dg_name_len(name_wire, len);
        uint8_t buf[DG_NAME_WIRE_MAX + 255 + 72];
        dg_sha1_compress_fn f = dg_sha1_compress();
        memcpy(buf, name_wire, nl);
        dg_name_lower(buf);
        if (saltlen)
                memcpy(buf + nl, salt, saltlen);
        sha1_blk(f, buf, nl + saltlen, out);
        for (unsigned k = 0; k < iterations; k++) {
                memcpy(buf, out, 20);
                if (saltlen)
                        memcpy(buf + 20, salt, saltlen);
                sha1_blk(f, buf, 20 + saltlen, out);
        }
        return DG_OK;
}

int dg_nsec3_hash_str(const uint8_t *hash, size_t len, char *buf, size_t cap)
{
        return dg_b32hex_encode(hash, len, buf, cap);
}

struct dg_nsec3_cracker {
        dg_sha1_compress_fn f;
        dg_sha1_compress2_fn f2;                /* two messages at once */
        uint8_t suffix[DG_NAME_WIRE_MAX + 255]; /* zone wire (lowercase) + salt */
        size_t zlen, suffixlen;
        uint8_t salt[255];
        size_t saltlen;
        unsigned iterations;
        uint8_t iterblk[128];  /* [20-octet hash][salt][padding], padded once */
        uint8_t iterblk2[128]; /* the same for the second message of a pair */
        int iternb;
        bool iterfast;
        /* targets: open addressing on the first 8 octets of the hash */
        GArray *targets; /* uint8_t[20] */
        uint32_t *slots; /* index + 1, 0 = empty */
        size_t nslots;
        uint64_t tried;
};

int dg_nsec3_cracker_new(const char *zone, const uint8_t *salt, size_t saltlen, unsigned iterations,
                         dg_nsec3_cracker_t **out)
{
        uint8_t z[DG_NAME_WIRE_MAX];
        int zl = dg_wire_name_parse(zone, z);
        if (zl < 0)
                return DG_ENAME;
        if (saltlen > 255 || (saltlen > 0 && salt == NULL))
                return DG_EINVAL;
        dg_nsec3_cracker_t *c = g_new0(dg_nsec3_cracker_t, 1);
        c->f = dg_sha1_compress();
        c->f2 = dg_sha1_compress2();
        memcpy(c->suffix, z, (size_t)zl);
        if (saltlen)
                memcpy(c->suffix + zl, salt, saltlen);
        c->zlen = (size_t)zl;
        c->suffixlen = (size_t)zl + saltlen;
        if (saltlen)
                memcpy(c->salt, salt, saltlen);
        c->saltlen = saltlen;
        c->iterations = iterations;
        c->iterfast = 20 + saltlen <= FAST_MAX;
        if (c->iterfast) {
                memcpy(c->iterblk + 20, salt ? salt : (const uint8_t *)"", saltlen);
                c->iternb = (int)dg_sha1_pad(c->iterblk, 20 + saltlen);
                memcpy(c->iterblk2, c->iterblk, sizeof c->iterblk);
        }
        c->targets = g_array_new(FALSE, FALSE, 20);
        c->nslots = 16;
        c->slots = g_new0(uint32_t, c->nslots);
        *out = c;
        return DG_OK;
}

void dg_nsec3_cracker_free(dg_nsec3_cracker_t *c)
{
        if (c == NULL)
                return;
        g_array_free(c->targets, TRUE);
        g_free(c->slots);
        g_free(c);
}

static inline uint64_t key64(const uint8_t *h)
{
        uint64_t k;
        memcpy(&k, h, 8);
        return k;
}

static void slot_insert(uint32_t *slots, size_t nslots, uint64_t key, uint32_t v)
{
        size_t i = (size_t)(key * 0x9e3779b97f4a7c15ull >> 20) & (nslots - 1);
        while (slots[i] != 0)
                i = (i + 1) & (nslots - 1);
        slots[i] = v;
}

int dg_nsec3_cracker_add(dg_nsec3_cracker_t *c, const uint8_t hash[20])
{
        if (c == NULL || hash == NULL || c->targets->len >= 0x7ffffffeu)
                return DG_EINVAL;
        g_array_append_vals(c->targets, hash, 1);
        if ((size_t)c->targets->len * 2 > c->nslots) {
                size_t n = c->nslots * 2;
                while ((size_t)c->targets->len * 2 > n)
                        n *= 2;
                g_free(c->slots);
                c->slots = g_new0(uint32_t, n);
                c->nslots = n;
                for (guint i = 0; i < c->targets->len; i++) {
                        const uint8_t *h = (const uint8_t *)c->targets->data + 20 * (size_t)i;
                        slot_insert(c->slots, n, key64(h), i + 1);
                }
        } else {
                slot_insert(c->slots, c->nslots, key64(hash), c->targets->len);
        }
        return (int)c->targets->len - 1;
}

/* Writes the wire form of label(s).zone + salt into blk; returns the
 * message length or DG_ENAME. Dots separate the labels of a candidate. */
static int build_msg(const dg_nsec3_cracker_t *c, const char *label, size_t len, uint8_t *blk)
{
        if (len == 0 || len > DG_NAME_WIRE_MAX - 2)
                return DG_ENAME;
        size_t o = 0, lstart = 0;
        blk[0] = 0;
        for (size_t i = 0; i <= len; i++) {
                if (i == len || label[i] == '.') {
                        size_t ll = o - lstart;
                        if (ll == 0 || ll > 63)
                                return DG_ENAME;
                        blk[lstart] = (uint8_t)ll;
                        lstart = ++o;
                        continue;
                }
                blk[++o] = dg_lower((uint8_t)label[i]);
        }
        /* o == lstart: octets of the candidate labels */
        if (o + c->zlen > DG_NAME_WIRE_MAX)
                return DG_ENAME;
        memcpy(blk + o, c->suffix, c->suffixlen);
        return (int)(o + c->suffixlen);
}

/* Index of the target hash h, or -1. */
static int lookup(const dg_nsec3_cracker_t *c, const uint8_t *h)
{
        uint64_t key = key64(h);
        size_t i = (size_t)(key * 0x9e3779b97f4a7c15ull >> 20) & (c->nslots - 1);
        while (c->slots[i] != 0) {
                uint32_t v = c->slots[i] - 1;
                if (memcmp((const uint8_t *)c->targets->data + 20 * (size_t)v, h, 20) == 0)
                        return (int)v;
                i = (i + 1) & (c->nslots - 1);
        }
        return -1;
}

int dg_nsec3_cracker_try(dg_nsec3_cracker_t *c, const char *label, size_t len, uint8_t *out_hash)
{
        uint8_t blk[DG_NAME_WIRE_MAX + 255 + 72];
        int mlen = build_msg(c, label, len, blk);
        if (mlen < 0)
                return mlen;
        uint8_t h[20];
        sha1_blk(c->f, blk, (size_t)mlen, h);
        for (unsigned k = 0; k < c->iterations; k++) {
                if (c->iterfast) {
                        uint32_t st[5];
                        memcpy(c->iterblk, h, 20);
                        dg_sha1_init(st);
                        c->f(st, c->iterblk, (size_t)c->iternb);
                        dg_sha1_digest(st, h);
                } else {
                        uint8_t m[20 + 255];
                        memcpy(m, h, 20);
                        memcpy(m + 20, c->salt, c->saltlen);
                        dg_sha1(m, 20 + c->saltlen, h);
                }
        }
        c->tried++;
        if (out_hash != NULL)
                memcpy(out_hash, h, 20);
        return lookup(c, h);
}

/* Two one-block candidates (messages in a and b, already built) hashed
 * together, iterations included; their results into ra and rb. */
static void try_pair(dg_nsec3_cracker_t *c, uint8_t *a, size_t la, uint8_t *b, size_t lb, int *ra,
                     int *rb)
{
        uint32_t ha[5], hb[5];
        dg_sha1_init(ha);
        dg_sha1_init(hb);
        dg_sha1_pad(a, la);
        dg_sha1_pad(b, lb);
        c->f2(ha, a, hb, b);
        for (unsigned k = 0; k < c->iterations; k++) {
                dg_sha1_digest(ha, c->iterblk);
                dg_sha1_digest(hb, c->iterblk2);
                dg_sha1_init(ha);
                dg_sha1_init(hb);
                c->f2(ha, c->iterblk, hb, c->iterblk2);
        }
        uint8_t h[20];
        dg_sha1_digest(ha, h);
        *ra = lookup(c, h);
        dg_sha1_digest(hb, h);
        *rb = lookup(c, h);
        c->tried += 2;
}

void dg_nsec3_cracker_try_many(dg_nsec3_cracker_t *c, const char *const *labels, const size_t *lens,
                               size_t n, int *results)
{
        /* pairs need one-block messages and (with iterations) a one-block
         * iteration message: 20 + salt <= 55 */
        bool pairs = c->iterations == 0 || (c->iterfast && c->iternb == 1);
        uint8_t a[DG_NAME_WIRE_MAX + 255 + 72], b[DG_NAME_WIRE_MAX + 255 + 72];
        size_t i = 0;
        while (i < n) {
                int la = -1, lb = -1;
                if (pairs && i + 1 < n) {
                        la = build_msg(c, labels[i], lens[i], a);
                        lb = build_msg(c, labels[i + 1], lens[i + 1], b);
                }
                if (la >= 0 && lb >= 0 && la <= 55 && lb <= 55) {
                        try_pair(c, a, (size_t)la, b, (size_t)lb, &results[i], &results[i + 1]);
                        i += 2;
                } else {
                        results[i] = dg_nsec3_cracker_try(c, labels[i], lens[i], NULL);
                        i++;
                }
        }
}

uint64_t dg_nsec3_cracker_tried(const dg_nsec3_cracker_t *c)
{
        return c->tried;
}
