/* dnsglean — passive reconnaissance detector (see detect.h). */
#include "dnsglean/detect.h"
#include "dnsglean/wire.h"
#include "dnsglean/classify.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "detect_int.h"
#include "util.h"

/* What one tagged message adds to its source's score (capped at 100): a
 * transfer or its leak weighs more than one step of a brute force. */
static const uint8_t tag_weight[DG_TAG_COUNT_] = {
    [DG_TAG_AXFR] = 30,          [DG_TAG_IXFR] = 15,      [DG_TAG_ANY] = 5,
    [DG_TAG_CHAOS] = 10,         [DG_TAG_BRUTE] = 1,      [DG_TAG_NSEC_WALK] = 2,
    [DG_TAG_SRV_ENUM] = 2,       [DG_TAG_PTR_SWEEP] = 1,  [DG_TAG_CACHE_SNOOP] = 2,
    [DG_TAG_WILDCARD_PROBE] = 5, [DG_TAG_ZONE_LEAK] = 40, [DG_TAG_NSEC3_WALK] = 2,
    [DG_TAG_TLD_SWEEP] = 1,
};

#define NSEC_HINTS 8 /* fits the used bits of source.hint_used */
#define N3PARAM_ZONES 4
#define TLD_RING 16
#define TLD_INLINE 4 /* parents a ring entry holds before it gets a bucket */
#define TKO_HINTS 8
#define SWEEP_EVERY 4096
#define MAX_BUCKETS (1u << 20)
#define CCACHE_SIZE 8192 /* classified responses remembered (power of two) */
#define CCACHE_WAYS 4    /* set associative: a few hot answers never evict each other */
#define CCACHE_TKO 2

#define SET_INLINE 16 /* distinct-set slots held in the bucket itself */

/* Per (source, kind, zone) window of distinct names: two cache lines, the
 * second the distinct set while it is small (most are: a client asks for a
 * handful of names in a zone), a larger one on the heap when it grows. */
typedef struct {
        uint64_t key;
        double win_start, last;
        struct source *owner; /* its flagged count follows this bucket's flag */
        uint32_t distinct, queries, nx;
        uint32_t cap;  /* power of two: the set stops at cap / 2 names */
        uint32_t scap; /* power of two <= cap, slots in set now */
        bool flagged;
        uint32_t *set; /* name hashes (never 0): inl, or scap slots on the heap */
        uint32_t inl[SET_INLINE];
} bucket_t;
G_STATIC_ASSERT(sizeof(bucket_t) == 128);

static void bucket_free(bucket_t *b);

typedef struct {
        uint64_t key;
        bucket_t *b; /* NULL: free slot */
} bslot_t;

/* A querier. What every message reads or writes comes first, in three
 * cache lines; its summary (dg_detect_source_t) is put together when asked. */
typedef struct source {
        dg_detect_addr_t addr;
        uint32_t score_raw, score;
        uint64_t seed; /* addr_key(&addr): the first part of its bucket keys */
        double last;   /* time of its last message */
        uint64_t queries, responses;
        uint64_t tld_lh[TLD_RING]; /* tld-sweep ring: the labels (hashes) */
        unsigned nflagged;         /* its buckets that are flagged */
        unsigned nhints, ntko, tld_pos;
        unsigned n3param_n; /* NSEC3PARAM questions remembered */
        bool n3_flag, nsec_flag, xfr_open;
        /* the rest of the summary */
        uint64_t nxdomain, malformed;
        uint64_t tag_counts[DG_TAG_COUNT_];
        double first;
        /* nsec-walk: names from NSEC records this source received */
        uint8_t (*hints)[DG_NAME_WIRE_MAX];
        unsigned hint_pos, nsec_steps;
        uint8_t hint_used; /* hints already walked from (one bit per slot) */
        double nsec_start, nsec_last;
        /* nsec3-walk: zones it asked NSEC3PARAM of, the zone it walks */
        uint64_t n3param[N3PARAM_ZONES];
        double n3param_t[N3PARAM_ZONES];
        unsigned n3param_pos;
        uint64_t n3zone;
        double n3_last;
        /* tld-sweep: for the labels of tld_lh, the first parents each came
         * with and the NXDOMAIN answers they got; a label seen under several
         * parents and mostly denied gets a bucket */
        struct {
                bucket_t *b; /* its bucket, found when drops was gen (or NULL) */
                uint32_t gen;
                uint32_t ph[TLD_INLINE]; /* folded as bucket_add folds */
                uint16_t nq, nx;         /* its questions and their NXDOMAIN answers */
                uint8_t nph;
                bool promoted;
        } tld[TLD_RING];
        /* an answered zone transfer whose later messages carry no question */
        dg_detect_addr_t xfr_server;
        double xfr_last;
        /* takeover: CNAME targets into takeover-prone services (hashes) */
        uint64_t tko[TKO_HINTS];
        unsigned tko_pos;
} source_t;

/* What classifying one response gave: the classifier is a pure function of
 * the records, and the same answers recur all the time on the wire. Looked
 * up by signature in cache_sig (a set's ways side by side). */
struct ccache {
        uint8_t nprov, ntko;
        bool takeover;
        const char *prov[DG_DETECT_MAX_PROVIDERS], *cat[DG_DETECT_MAX_PROVIDERS];
        uint64_t tko[CCACHE_TKO];
};

struct dg_detector {
        dg_detect_opts_t o;
        /* address -> source: open addressing by addr_key, linear probing;
         * the sources are owned by order */
        struct sslot {
                uint64_t key;
                source_t *s; /* NULL: free slot */
        } * sslots;
        size_t scap;
        source_t *last_src; /* the source of the previous message (a lookup saved) */
        GPtrArray *order;   /* source_t*, first-seen order */
        /* (source, kind, zone) key -> bucket: open addressing, linear
         * probing, rebuilt by the sweep (no tombstones) */
        bslot_t *bslots;
        size_t bcap, bcount;
        uint32_t drops; /* sweeps that could free buckets (bucket pointers kept elsewhere) */
        double last_sweep;
        uint64_t messages, untracked;
        unsigned since_sweep;
        double now;
        const dg_fpdb_t *db;
        struct ccache *cache;       /* CCACHE_SIZE entries, CCACHE_WAYS a set */
        uint64_t *cache_sig;        /* their signatures (0: free) */
        uint8_t *cache_next;        /* per set: the way replaced next */
        const dg_fpdb_t *providers; /* cname suffixes of cloud/CDN providers */
        dg_classify_res_t pres;
};

/* ---- small helpers ---- */

void dg_detect_opts_default(dg_detect_opts_t *o)
{
        memset(o, 0, sizeof *o);
        o->window = 60.0;
        o->brute_names = 20;
        o->brute_nx_ratio = 0.5;
        o->srv_names = 8;
        o->ptr_names = 16;
        o->nsec_steps = 3;
        o->snoop_names = 5;
        o->wildcard_min_len = 10;
        o->max_sources = 100000;
        o->nsec3_names = 5;
        o->tld_parents = 20;
        o->classify = true;
}

static inline uint64_t load64(const uint8_t *p)
{
        uint64_t v;
        memcpy(&v, p, 8);
        return v;
}

static inline uint64_t load32(const uint8_t *p)
{
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
}

static size_t addr_len(const dg_detect_addr_t *a)
{
        return a->family == 4 ? 4 : a->family == 6 ? 16 : 0;
}

static bool addr_equal(const dg_detect_addr_t *a, const dg_detect_addr_t *b)
{
        if (a->family != b->family)
                return false;
        if (a->family == 4)
                return load32(a->addr) == load32(b->addr);
        return memcmp(a->addr, b->addr, addr_len(a)) == 0;
}

static inline size_t wname_len(const uint8_t *w)
{
        return dg_det_wlen(w);
}

/* Hashes of names, labels and addresses: eight octets a step, then a
 * murmur3 finaliser (bucket keys and distinct sets only need spread, and a
 * message hashes its question name several ways). Never 0. */
static inline uint64_t mix64(uint64_t h)
{
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53ull;
        h ^= h >> 33;
        return h;
}

static uint64_t hash_from(uint64_t seed, const uint8_t *p, size_t n)
{
        const uint64_t k = 0xff51afd7ed558ccdull;
        uint64_t h = seed ^ (n * k), v;
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
                h = (h ^ load64(p + i)) * k;
                h ^= h >> 29;
        }
        if (i < n) {
                /* the last octets, by loads that overlap what came before
                 * (n is in h, so every octet still counts once) */
                if (n >= 8)
                        v = load64(p + n - 8);
                else if (n >= 4)
                        v = load32(p) << 32 | load32(p + n - 4);
                else
                        v = (uint64_t)p[0] << 16 | (uint64_t)p[n / 2] << 8 | p[n - 1];
                h = (h ^ v) * k;
        }
        h = mix64(h);
        return h ? h : 1;
}

static uint64_t bytes_hash(const uint8_t *p, size_t n)
{
        return hash_from(0x9e3779b97f4a7c15ull, p, n);
}

static uint64_t name_hash(const uint8_t *w)
{
        return bytes_hash(w, wname_len(w));
}

static uint64_t addr_key(const dg_detect_addr_t *a)
{
        uint8_t b[17];
        b[0] = a->family;
        memcpy(b + 1, a->addr, addr_len(a));
        return bytes_hash(b, 1 + addr_len(a));
}

/* Key of a bucket: the source (its address hash), kind letter, and the hash
 * of what the kind counts under (a zone, a label, a server's address). */
static inline uint64_t bucket_key(const struct source *s, char kind, uint64_t zh)
{
        return mix64(mix64(s->seed ^ (uint64_t)(uint8_t)kind) ^ zh);
}

/* The question name, lowercased, and what the rules ask of it, worked out
 * once per message. */
typedef struct {
        uint8_t w[DG_NAME_WIRE_MAX];
        size_t len;
        unsigned labels;
        bool reverse;    /* under in-addr.arpa or ip6.arpa */
        bool underscore; /* a label starts with '_' */
        uint64_t h;      /* name_hash(w) */
        uint64_t ph;     /* name_hash of the parent (of w itself for the root) */
        uint64_t lh;     /* hash of the first label with its length octet */
} qinfo_t;

/* Copies n octets, ASCII letters lowercased, eight at a time: length
 * octets (at most 63) are no letters, so a wire name goes through whole. */
static void lower_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
        const uint64_t high = 0x8080808080808080ull, ones = 0x0101010101010101ull;
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
                uint64_t v;
                memcpy(&v, src + i, 8);
                uint64_t low7 = v & ~high;
                /* high bit of each octet: >= 'A', > 'Z', and ASCII */
                uint64_t ge_a = low7 + (0x80 - 'A') * ones;
                uint64_t gt_z = low7 + (0x7f - 'Z') * ones;
                uint64_t upper = ge_a & ~gt_z & ~v & high;
                v |= upper >> 2;
                memcpy(dst + i, &v, 8);
        }
        for (; i < n; i++)
                dst[i] = dg_lower(src[i]);
}

static void qinfo_make(qinfo_t *qi, const uint8_t *qname)
{
        static const uint8_t v4[] = "\x07in-addr\x04"
                                    "arpa";
        static const uint8_t v6[] = "\x03ip6\x04"
                                    "arpa";
        qi->len = wname_len(qname);
        lower_copy(qi->w, qname, qi->len);
        size_t p = 0, prev = 0, last = 0;
        unsigned n = 0;
        qi->underscore = false;
        for (; qi->w[p] != 0; p += 1u + qi->w[p], n++) {
                qi->underscore = qi->underscore || qi->w[p + 1] == '_';
                prev = last;
                last = p;
        }
        qi->labels = n;
        /* the last two labels, when there are two, name the reverse trees */
        const uint8_t *tail = qi->w + prev;
        size_t tl = qi->len - prev;
        qi->reverse = n >= 2 && ((tl == sizeof v4 && memcmp(tail, v4, tl) == 0) ||
                                 (tl == sizeof v6 && memcmp(tail, v6, tl) == 0));
        qi->h = bytes_hash(qi->w, qi->len);
        if (n == 0) {
                qi->ph = qi->lh = qi->h;
                return;
        }
        size_t pp = 1u + qi->w[0];
        qi->ph = bytes_hash(qi->w + pp, qi->len - pp);
        qi->lh = bytes_hash(qi->w, pp);
}

/* ---- detector ---- */

static void source_free(gpointer p)
{
        source_t *s = p;
        g_free(s->hints);
        g_free(s);
}

int dg_detect_new(const dg_detect_opts_t *opts, dg_detector_t **out)
{
        if (out == NULL)
                return DG_EINVAL;
        *out = NULL;
        dg_detect_opts_t o;
        if (opts)
                o = *opts;
        else
                dg_detect_opts_default(&o);
        if (!(o.window > 0) || o.brute_names == 0 || o.srv_names == 0 || o.ptr_names == 0 ||
            o.nsec_steps == 0 || o.snoop_names == 0 || o.max_sources == 0 || o.nsec3_names == 0 ||
            o.tld_parents == 0 || o.nsec3_names > 100000 || o.tld_parents > 100000 ||
            !(o.brute_nx_ratio >= 0 && o.brute_nx_ratio <= 1) || o.brute_names > 100000 ||
            o.srv_names > 100000 || o.ptr_names > 100000 || o.snoop_names > 100000)
                return DG_EINVAL;
        dg_detector_t *d = g_new0(dg_detector_t, 1);
        d->o = o;
        d->scap = 1024;
        d->sslots = g_new0(struct sslot, d->scap);
        d->order = g_ptr_array_new_with_free_func(source_free);
        d->bcap = 1024;
        d->bslots = g_new0(bslot_t, d->bcap);
        dg_classify_res_init(&d->pres);
        /* the provider suffixes keep wildcard-probe off CDN host names, with
         * or without classification of records */
        d->providers = dg_fpdb_default();
        if (o.classify) {
                d->db = dg_fpdb_default();
                d->cache = g_new0(struct ccache, CCACHE_SIZE);
                d->cache_sig = g_new0(uint64_t, CCACHE_SIZE);
                d->cache_next = g_new0(uint8_t, CCACHE_SIZE / CCACHE_WAYS);
                if (d->db == NULL) {
                        dg_detect_free(d);
                        return DG_ENOMEM;
                }
        }
        *out = d;
        return DG_OK;
}

void dg_detect_free(dg_detector_t *det)
{
        if (det == NULL)
                return;
        g_free(det->cache);
        g_free(det->cache_sig);
        g_free(det->cache_next);
        dg_classify_res_clear(&det->pres);
        g_free(det->sslots);
        g_ptr_array_free(det->order, TRUE);
        for (size_t i = 0; i < det->bcap; i++)
                bucket_free(det->bslots[i].b);
        g_free(det->bslots);
        g_free(det);
}

uint64_t dg_detect_messages(const dg_detector_t *det)
{
        return det->messages;
}

uint64_t dg_detect_untracked(const dg_detector_t *det)
{
        return det->untracked;
}

void dg_detect_foreach_source(const dg_detector_t *det, dg_detect_source_fn fn, void *ud)
{
        for (guint i = 0; i < det->order->len; i++) {
                const source_t *s = g_ptr_array_index(det->order, i);
                dg_detect_source_t sum;
                sum.addr = s->addr;
                sum.queries = s->queries;
                sum.responses = s->responses;
                sum.nxdomain = s->nxdomain;
                sum.malformed = s->malformed;
                memcpy(sum.tag_counts, s->tag_counts, sizeof sum.tag_counts);
                sum.score = s->score;
                sum.first = s->first;
                sum.last = s->last;
                if (fn(ud, &sum) != 0)
                        break;
        }
}

/* Doubles the source table, putting every source back. */
static void sources_grow(dg_detector_t *d)
{
        size_t cap = 2 * d->scap, mask = cap - 1;
        struct sslot *slots = g_new0(struct sslot, cap);
        for (guint k = 0; k < d->order->len; k++) {
                source_t *s = g_ptr_array_index(d->order, k);
                size_t i = (size_t)s->seed & mask;
                while (slots[i].s != NULL)
                        i = (i + 1) & mask;
                slots[i] = (struct sslot){s->seed, s};
        }
        g_free(d->sslots);
        d->sslots = slots;
        d->scap = cap;
}

static source_t *source_get(dg_detector_t *d, const dg_detect_addr_t *a, double t)
{
        /* a question and its answer come one after the other */
        if (d->last_src && addr_equal(&d->last_src->addr, a))
                return d->last_src;
        uint64_t key = addr_key(a);
        size_t mask = d->scap - 1, i = (size_t)key & mask;
        source_t *s;
        for (; (s = d->sslots[i].s) != NULL; i = (i + 1) & mask)
                if (d->sslots[i].key == key && addr_equal(&s->addr, a))
                        return d->last_src = s;
        if (d->order->len >= d->o.max_sources)
                return NULL;
        s = g_new0(source_t, 1);
        s->addr = *a;
        s->first = t;
        s->seed = key;
        g_ptr_array_add(d->order, s);
        if (2 * d->order->len > d->scap)
                sources_grow(d);
        else
                d->sslots[i] = (struct sslot){key, s};
        return d->last_src = s;
}

static size_t slot_of(uint64_t key, size_t cap)
{
        key ^= key >> 33;
        key *= 0xff51afd7ed558ccdull;
        key ^= key >> 33;
        return (size_t)key & (cap - 1);
}

static void bucket_free(bucket_t *b)
{
        if (b == NULL)
                return;
        if (b->set != b->inl)
                g_free(b->set);
        g_aligned_free(b);
}

/* Empties the distinct set, back to the inline slots. */
static void bucket_set_clear(bucket_t *b)
{
        if (b->set != b->inl)
                g_free(b->set);
        b->scap = MIN(b->cap, SET_INLINE);
        b->set = b->inl;
        memset(b->inl, 0, sizeof b->inl);
}

/* Doubles the distinct set's slots (the names it holds stay). */
static void bucket_set_grow(bucket_t *b)
{
        uint32_t n = b->scap * 2, mask = n - 1;
        uint32_t *set = g_new0(uint32_t, n);
        for (uint32_t i = 0; i < b->scap; i++) {
                uint32_t h = b->set[i];
                if (h == 0)
                        continue;
                uint32_t j = h & mask;
                while (set[j] != 0)
                        j = (j + 1) & mask;
                set[j] = h;
        }
        if (b->set != b->inl)
                g_free(b->set);
        b->set = set;
        b->scap = n;
}

/* Puts b in the table (which has room and does not hold its key). */
static void bucket_put(bslot_t *slots, size_t cap, bucket_t *b)
{
        size_t i = slot_of(b->key, cap);
        while (slots[i].b != NULL)
                i = (i + 1) & (cap - 1);
        slots[i].key = b->key;
        slots[i].b = b;
}

/* Rebuilds the table at cap slots, dropping buckets idle for two windows
 * when drop_stale is set. */
static void buckets_rebuild(dg_detector_t *d, size_t cap, bool drop_stale)
{
        if (drop_stale)
                d->drops++;
        bslot_t *slots = g_new0(bslot_t, cap);
        size_t n = 0;
        for (size_t i = 0; i < d->bcap; i++) {
                bucket_t *b = d->bslots[i].b;
                if (b == NULL)
                        continue;
                if (drop_stale && b->last < d->now - 2 * d->o.window) {
                        if (b->flagged)
                                b->owner->nflagged--;
                        bucket_free(b);
                        continue;
                }
                bucket_put(slots, cap, b);
                n++;
        }
        g_free(d->bslots);
        d->bslots = slots;
        d->bcap = cap;
        d->bcount = n;
}

/* The window of b restarts after opts.window seconds; the flag survives while
 * the bucket stays busy. */
static void bucket_refresh(dg_detector_t *d, bucket_t *b, double t)
{
        if (t - b->win_start > d->o.window) {
                if (t - b->last > d->o.window && b->flagged) {
                        b->flagged = false;
                        b->owner->nflagged--;
                }
                b->win_start = t;
                b->distinct = b->queries = b->nx = 0;
                bucket_set_clear(b);
        }
}

/* Returns the bucket of key, created when create is set; NULL otherwise (or
 * when MAX_BUCKETS are busy). The window restarts after opts.window seconds;
 * the flag survives while the bucket stays busy. */
static bucket_t *bucket_get(dg_detector_t *d, source_t *owner, uint64_t key, unsigned threshold,
                            double t, bool create)
{
        size_t i = slot_of(key, d->bcap);
        bucket_t *b;
        while ((b = d->bslots[i].b) != NULL && d->bslots[i].key != key)
                i = (i + 1) & (d->bcap - 1);
        if (b == NULL) {
                if (!create || d->bcount >= MAX_BUCKETS)
                        return NULL;
                unsigned cap = 16;
                while (cap < 2 * threshold)
                        cap *= 2;
                b = g_aligned_alloc0(1, sizeof *b, 64);
                b->key = key;
                b->owner = owner;
                b->cap = cap;
                b->scap = MIN(cap, SET_INLINE);
                b->set = b->inl;
                b->win_start = t;
                b->last = t;
                if (2 * (d->bcount + 1) > d->bcap)
                        buckets_rebuild(d, 2 * d->bcap, false);
                bucket_put(d->bslots, d->bcap, b);
                d->bcount++;
                return b;
        }
        bucket_refresh(d, b, t);
        return b;
}

static void bucket_flag(bucket_t *b)
{
        if (!b->flagged) {
                b->flagged = true;
                b->owner->nflagged++;
        }
}

/* Adds a name hash to the bucket's distinct set (until the set is half full:
 * enough to reach any threshold it was sized for). */
static void bucket_add(bucket_t *b, uint64_t h64, double t)
{
        uint32_t h = (uint32_t)(h64 ^ (h64 >> 32)) | 1u;
        b->last = t;
        if (b->distinct * 2 >= b->cap)
                return;
        if (b->scap < b->cap && b->distinct * 4 >= b->scap * 3)
                bucket_set_grow(b);
        unsigned mask = b->scap - 1;
        for (unsigned i = (unsigned)h & mask;; i = (i + 1) & mask) {
                if (b->set[i] == h)
                        return;
                if (b->set[i] == 0) {
                        b->set[i] = h;
                        b->distinct++;
                        return;
                }
        }
}

/* Every SWEEP_EVERY messages, and at most once per window of capture time,
 * drops the buckets idle for two windows. */
static void sweep(dg_detector_t *d)
{
        if (++d->since_sweep < SWEEP_EVERY)
                return;
        d->since_sweep = 0;
        if (d->now - d->last_sweep < d->o.window)
                return;
        d->last_sweep = d->now;
        size_t cap = d->bcap;
        while (cap > 1024 && d->bcount * 8 < cap)
                cap /= 2;
        buckets_rebuild(d, cap, true);
}

/* Remembers an NSEC owner or next name (lowercased) the source received;
 * a name already held keeps its slot (and whether it was walked from). */
static void nsec_hint_add(source_t *s, const uint8_t *name)
{
        if (s->hints == NULL)
                s->hints = g_malloc0(NSEC_HINTS * sizeof *s->hints);
        uint8_t low[DG_NAME_WIRE_MAX];
        size_t n = wname_len(name);
        memcpy(low, name, n);
        dg_name_lower(low);
        for (unsigned i = 0; i < s->nhints; i++)
                if (wname_len(s->hints[i]) == n && memcmp(s->hints[i], low, n) == 0)
                        return;
        memcpy(s->hints[s->hint_pos], low, n);
        s->hint_used &= (uint8_t) ~(1u << s->hint_pos);
        s->hint_pos = (s->hint_pos + 1) % NSEC_HINTS;
        if (s->nhints < NSEC_HINTS)
                s->nhints++;
}

/* Which received NSEC names the question steps past (bits by slot). */
static unsigned nsec_steps_from(const source_t *s, const uint8_t *q, uint16_t qtype)
{
        unsigned bits = 0;
        for (unsigned i = 0; i < s->nhints; i++)
                if (dg_det_nsec_successor(q, qtype, s->hints[i]))
                        bits |= 1u << i;
        return bits;
}

/* What one scan over a response's records found. */
typedef struct {
        bool referral;  /* NS records in authority and no answer */
        uint64_t sig;   /* answer and authority records, TTLs left out (0: none) */
        unsigned nsec;  /* NSEC records */
        unsigned nsec3; /* NSEC3 records */
        bool wild;      /* an answer RRSIG shows a wildcard expansion */
        uint8_t n3zone[DG_NAME_WIRE_MAX]; /* zone of the first NSEC3 (lowercased) */
        unsigned nnames;
        uint8_t names[2 * 4][DG_NAME_WIRE_MAX]; /* NSEC owners and next names (first 4 NSEC) */
} scan_t;

static void scan_records(const uint8_t *msg, size_t len, const dg_wire_msg_t *m, scan_t *sc)
{
        dg_wire_iter_t it;
        dg_wire_rr_t rr;
        bool ns_auth = false;
        dg_wire_iter_init(&it, msg, len, m);
        /* what classification depends on: the question, the rcode and the
         * records (owner, type, rdata) of answer and authority; responses
         * that differ only in ID and TTLs share a signature */
        const uint64_t golden = 0x9e3779b97f4a7c15ull;
        uint64_t qx = (uint64_t)m->qtype << 32 | (uint64_t)m->rcode << 16 | m->ancount;
        uint64_t h = hash_from(golden ^ qx * golden, m->qname, wname_len(m->qname));
        while (dg_wire_iter_next(&it, &rr) == 1 && rr.section != DG_SEC_ADDITIONAL) {
                uint64_t tx = (uint64_t)rr.type << 8 | (uint64_t)rr.section;
                h = hash_from(h ^ tx * golden, rr.owner, wname_len(rr.owner));
                h = hash_from(h, msg + rr.rdata_off, rr.rdlen);
                if (rr.section == DG_SEC_AUTHORITY && rr.type == DG_T_NS)
                        ns_auth = true;
                /* RFC 4034 section 3.1.3: fewer labels than the owner's */
                if (rr.section == DG_SEC_ANSWER && rr.type == DG_T_RRSIG && rr.rdlen >= 4 &&
                    msg[rr.rdata_off + 3] < dg_det_labels(rr.owner))
                        sc->wild = true;
                if (rr.type == DG_T_NSEC3 && sc->nsec3++ == 0 && rr.owner[0] > 0) {
                        const uint8_t *z = rr.owner + 1 + rr.owner[0];
                        memcpy(sc->n3zone, z, wname_len(z));
                        dg_name_lower(sc->n3zone);
                }
                if (rr.type == DG_T_NSEC) {
                        sc->nsec++;
                        if (sc->nnames + 2 > G_N_ELEMENTS(sc->names))
                                continue;
                        size_t pos = rr.rdata_off;
                        memcpy(sc->names[sc->nnames++], rr.owner, wname_len(rr.owner));
                        if (dg_wire_read_name(msg, rr.rdata_off + rr.rdlen, &pos,
                                              sc->names[sc->nnames]) > 0)
                                sc->nnames++;
                }
        }
        sc->referral = ns_auth && m->ancount == 0;
        sc->sig = it.err ? 0 : (h ? h : 1);
}

typedef struct {
        dg_detect_result_t *out;
        uint64_t tko[CCACHE_TKO];
        unsigned ntko;
} classify_ctx_t;

static uint64_t str_hash(const char *p)
{
        size_t n = strlen(p);
        if (n > 1 && p[n - 1] == '.')
                n--;
        return dg_fnv_lower(DG_FNV_INIT, p, n);
}

static int on_classified(void *ud, const dg_wire_rr_t *rr, const char *owner, const char *rdata,
                         const dg_classify_res_t *res)
{
        classify_ctx_t *c = ud;
        (void)owner;
        for (size_t i = 0; i < res->nmatches; i++) {
                const char *name = res->matches[i].name;
                bool seen = false;
                for (unsigned j = 0; j < c->out->nproviders && !seen; j++)
                        seen = strcmp(c->out->providers[j].name, name) == 0;
                if (!seen && c->out->nproviders < DG_DETECT_MAX_PROVIDERS) {
                        c->out->providers[c->out->nproviders].name = name;
                        c->out->providers[c->out->nproviders].category = res->matches[i].category;
                        c->out->nproviders++;
                }
        }
        /* a CNAME into a service that can be claimed when its target is gone:
         * remember the target, an NXDOMAIN for it later makes the candidate */
        if (res->takeover && rr->type == DG_T_CNAME && res->takeover_condition &&
            strcmp(res->takeover_condition, "nxdomain") == 0 && c->ntko < CCACHE_TKO)
                c->tko[c->ntko++] = str_hash(rdata);
        return 0;
}

static void tko_add(source_t *s, uint64_t h)
{
        s->tko[s->tko_pos] = h;
        s->tko_pos = (s->tko_pos + 1) % TKO_HINTS;
        if (s->ntko < TKO_HINTS)
                s->ntko++;
}

/* The cache entry of signature sig: *hit tells whether it holds sig's
 * result; otherwise it is the set's next victim, now taken for sig. */
static struct ccache *ccache_find(dg_detector_t *d, uint64_t sig, bool *hit)
{
        size_t set = (size_t)(sig >> 7) & (CCACHE_SIZE / CCACHE_WAYS - 1);
        uint64_t *tags = &d->cache_sig[set * CCACHE_WAYS];
        for (unsigned w = 0; w < CCACHE_WAYS; w++)
                if (tags[w] == sig) {
                        *hit = true;
                        return &d->cache[set * CCACHE_WAYS + w];
                }
        unsigned w = d->cache_next[set];
        d->cache_next[set] = (uint8_t)((w + 1) % CCACHE_WAYS);
        tags[w] = sig;
        *hit = false;
        return &d->cache[set * CCACHE_WAYS + w];
}

static void classify(dg_detector_t *d, source_t *s, const uint8_t *msg, size_t len,
                     const dg_wire_msg_t *m, const uint8_t *q, const scan_t *sc,
                     dg_detect_result_t *out)
{
        if (d->db == NULL)
                return;
        /* answers, or a referral's NS records; not the lone SOA of a
         * negative answer */
        if (m->ancount > 0 || sc->referral) {
                bool hit = false;
                struct ccache *e = sc->sig ? ccache_find(d, sc->sig, &hit) : NULL;
                if (!hit) {
                        classify_ctx_t c;
                        memset(&c, 0, sizeof c);
                        c.out = out;
                        dg_classify_msg_summary_t sum;
                        memset(&sum, 0, sizeof sum);
                        (void)dg_classify_msg(d->db, msg, len,
                                              DG_SECMASK_ANSWER | DG_SECMASK_AUTHORITY,
                                              on_classified, &c, &sum);
                        if (e) {
                                e->nprov = (uint8_t)out->nproviders;
                                for (unsigned i = 0; i < out->nproviders; i++) {
                                        e->prov[i] = out->providers[i].name;
                                        e->cat[i] = out->providers[i].category;
                                }
                                e->takeover = sum.takeover_candidate;
                                e->ntko = (uint8_t)c.ntko;
                                memcpy(e->tko, c.tko, sizeof e->tko);
                        } else {
                                if (sum.takeover_candidate)
                                        out->tags |= DG_TAG_BIT(DG_TAG_TAKEOVER_CANDIDATE);
                                for (unsigned i = 0; s && i < c.ntko; i++)
                                        tko_add(s, c.tko[i]);
                        }
                }
                if (e) {
                        out->nproviders = e->nprov;
                        for (unsigned i = 0; i < e->nprov; i++) {
                                out->providers[i].name = e->prov[i];
                                out->providers[i].category = e->cat[i];
                        }
                        if (e->takeover)
                                out->tags |= DG_TAG_BIT(DG_TAG_TAKEOVER_CANDIDATE);
                        for (unsigned i = 0; s && i < e->ntko; i++)
                                tko_add(s, e->tko[i]);
                }
                if (out->nproviders > 0)
                        out->tags |= DG_TAG_BIT(DG_TAG_PROVIDER_DISCLOSURE);
        }
        if (s && s->ntko > 0 && m->rcode == DG_RCODE_NXDOMAIN && m->qdcount > 0) {
                char str[DG_NAME_STR_MAX];
                if (dg_name_to_str(q, str, sizeof str) > 0) {
                        uint64_t h = str_hash(str);
                        for (unsigned i = 0; i < s->ntko; i++)
                                if (s->tko[i] == h)
                                        out->tags |= DG_TAG_BIT(DG_TAG_TAKEOVER_CANDIDATE);
                }
        }
}

/* A zone transfer answered with records: more than the lone SOA that an
 * up-to-date IXFR or an empty reply carries. */
static bool transfer_answered(const dg_wire_msg_t *m)
{
        return m->rcode == DG_RCODE_NOERROR && m->ancount >= 2;
}

/* Counts q in the bucket of (kind, zone hash zh); tags it when flagged. */
static void count_name(dg_detector_t *d, source_t *s, char kind, uint64_t zh, unsigned threshold,
                       double t, const qinfo_t *qi, dg_tag_t tag, dg_detect_result_t *out)
{
        bucket_t *b = bucket_get(d, s, bucket_key(s, kind, zh), threshold, t, true);
        if (b == NULL)
                return;
        bucket_add(b, qi->h, t);
        if (b->distinct >= threshold)
                bucket_flag(b);
        if (b->flagged)
                out->tags |= DG_TAG_BIT(tag);
}

/* brute: queries and NXDOMAIN answers count; other answers only pick up the
 * tag, and only look the bucket up when the source has a flagged one (the
 * common benign case costs nothing). */
static void rule_brute(dg_detector_t *d, source_t *s, double t, const dg_wire_msg_t *m,
                       const qinfo_t *qi, bool resp, dg_detect_result_t *out)
{
        bool nx = resp && m->rcode == DG_RCODE_NXDOMAIN;
        uint64_t key = bucket_key(s, 'B', qi->ph);
        bucket_t *b;
        if (!resp || nx) {
                b = bucket_get(d, s, key, d->o.brute_names, t, true);
                if (b == NULL)
                        return;
                bucket_add(b, qi->h, t);
                if (nx)
                        b->nx++;
                else
                        b->queries++;
                /* most of the names asked for do not exist (or no answers
                 * were captured at all) */
                unsigned asked = MAX(b->queries, b->distinct);
                if (b->distinct >= d->o.brute_names &&
                    (s->responses < 4 || (double)b->nx >= d->o.brute_nx_ratio * (double)asked))
                        bucket_flag(b);
        } else {
                b = s->nflagged ? bucket_get(d, s, key, d->o.brute_names, t, false) : NULL;
                if (b)
                        b->last = t;
        }
        if (b && b->flagged)
                out->tags |= DG_TAG_BIT(DG_TAG_BRUTE);
}

/* srv-enum, ptr-sweep, brute: distinct names under one zone. */
static void rule_counts(dg_detector_t *d, source_t *s, double t, const dg_wire_msg_t *m,
                        const qinfo_t *qi, bool resp, dg_detect_result_t *out)
{
        const uint8_t *q = qi->w;
        if (m->qtype == DG_T_SRV && qi->labels >= 3 && q[1] == '_' && q[2 + q[0]] == '_') {
                const uint8_t *zone = q + 1 + q[0];
                zone += 1 + zone[0];
                count_name(d, s, 'S', bytes_hash(zone, qi->len - (size_t)(zone - q)),
                           d->o.srv_names, t, qi, DG_TAG_SRV_ENUM, out);
        } else if (m->qtype == DG_T_PTR && qi->reverse) {
                count_name(d, s, 'P', qi->ph, d->o.ptr_names, t, qi, DG_TAG_PTR_SWEEP, out);
        } else if (qi->labels >= 1 && q[1] != '_') {
                rule_brute(d, s, t, m, qi, resp, out);
        }
}

/* cache-snoop: RD=0 questions to one server that answers them without
 * authority: from its cache or with RA set (it recurses for others), or
 * refuses or fails them (not its zones). An authoritative answer or a plain
 * referral (how authoritative servers answer resolvers) does not count. */
static void rule_snoop(dg_detector_t *d, source_t *s, const dg_detect_addr_t *server, double t,
                       const dg_wire_msg_t *m, const qinfo_t *qi, bool resp, const scan_t *sc,
                       dg_detect_result_t *out)
{
        if (m->flags & DG_FLAG_RD)
                return;
        uint64_t key = bucket_key(s, 'C', addr_key(server));
        bool ra = (m->flags & DG_FLAG_RA) != 0;
        if (!resp) {
                bucket_t *c =
                    s->nflagged ? bucket_get(d, s, key, d->o.snoop_names, t, false) : NULL;
                if (c && c->flagged && t - c->last <= d->o.window)
                        out->tags |= DG_TAG_BIT(DG_TAG_CACHE_SNOOP);
                return;
        }
        if (m->flags & DG_FLAG_AA)
                return;
        bool refused = m->rcode == DG_RCODE_REFUSED || m->rcode == DG_RCODE_SERVFAIL ||
                       m->rcode == DG_RCODE_NOTIMP;
        if (!(ra || refused || (m->ancount > 0 && !sc->referral)))
                return;
        bucket_t *c = bucket_get(d, s, key, d->o.snoop_names, t, true);
        if (c == NULL)
                return;
        bucket_add(c, qi->h, t);
        if (c->distinct >= d->o.snoop_names)
                bucket_flag(c);
        if (c->flagged)
                out->tags |= DG_TAG_BIT(DG_TAG_CACHE_SNOOP);
}

/* nsec-walk: questions for names constructed from received NSEC names,
 * stepping from nsec_steps distinct ones within a window. */
static void rule_nsec(dg_detector_t *d, source_t *s, double t, const dg_wire_msg_t *m,
                      const uint8_t *q, bool resp, const scan_t *sc, dg_detect_result_t *out)
{
        if (s->nsec_flag && t - s->nsec_last > d->o.window)
                s->nsec_flag = false;
        if (!resp && s->nhints > 0) {
                unsigned bits = nsec_steps_from(s, q, m->qtype);
                if (bits != 0) {
                        if (t - s->nsec_start > d->o.window) {
                                s->nsec_start = t;
                                s->nsec_steps = 0;
                        }
                        if (bits & ~s->hint_used)
                                s->nsec_steps++;
                        s->hint_used |= (uint8_t)bits;
                        if (s->nsec_steps >= d->o.nsec_steps)
                                s->nsec_flag = true;
                        s->nsec_last = t;
                        if (s->nsec_flag)
                                out->tags |= DG_TAG_BIT(DG_TAG_NSEC_WALK);
                }
        } else if (resp && s->nsec_flag && (sc->nsec > 0 || nsec_steps_from(s, q, m->qtype))) {
                out->tags |= DG_TAG_BIT(DG_TAG_NSEC_WALK);
        }
        for (unsigned i = 0; i < sc->nnames; i++)
                nsec_hint_add(s, sc->names[i]);
}

static bool n3_primed(const source_t *s, uint64_t zh, double t, double window)
{
        for (unsigned i = 0; i < s->n3param_n; i++)
                if (s->n3param[i] == zh && t - s->n3param_t[i] <= window)
                        return true;
        return false;
}

/* nsec3-walk: NXDOMAIN/NODATA answers proved by NSEC3 for names a walker
 * makes (type NSEC3 asked, random labels, or after an NSEC3PARAM query),
 * nsec3_names distinct ones into one zone. Returns true when this message
 * is such a walker's question or answer (brute and wildcard-probe then
 * leave it alone: the walk is the technique). */
static bool rule_nsec3(dg_detector_t *d, source_t *s, double t, const dg_wire_msg_t *m,
                       const qinfo_t *qi, bool resp, const scan_t *sc, dg_detect_result_t *out)
{
        const uint8_t *q = qi->w;
        if (!resp) {
                if (m->qtype == DG_T_NSEC3PARAM) {
                        s->n3param[s->n3param_pos] = qi->h;
                        s->n3param_t[s->n3param_pos] = t;
                        s->n3param_pos = (s->n3param_pos + 1) % N3PARAM_ZONES;
                        if (s->n3param_n < N3PARAM_ZONES)
                                s->n3param_n++;
                }
                if (q[0] == 0)
                        return false;
                /* a walker's name sits right under the zone it walks */
                uint64_t ph = qi->ph;
                bool flagged = s->n3_flag && t - s->n3_last <= d->o.window && ph == s->n3zone;
                bool walker = m->qtype == DG_T_NSEC3 || n3_primed(s, ph, t, d->o.window);
                if (flagged && (walker || dg_detect_label_random(q + 1, q[0], 8)))
                        out->tags |= DG_TAG_BIT(DG_TAG_NSEC3_WALK);
                return walker || flagged;
        }
        if (sc->nsec3 == 0 || q[0] == 0 || !dg_name_is_under(q, sc->n3zone))
                return false;
        if (m->rcode != DG_RCODE_NXDOMAIN && !(m->rcode == DG_RCODE_NOERROR && m->ancount == 0))
                return false;
        uint64_t zh = name_hash(sc->n3zone);
        bool walker = m->qtype == DG_T_NSEC3 || n3_primed(s, zh, t, d->o.window);
        if (!walker && !dg_detect_label_random(q + 1, q[0], 8))
                return false;
        bucket_t *b = bucket_get(d, s, bucket_key(s, 'N', zh), d->o.nsec3_names, t, true);
        if (b == NULL)
                return walker;
        bucket_add(b, qi->h, t);
        if (b->distinct >= d->o.nsec3_names)
                bucket_flag(b);
        if (b->flagged) {
                s->n3_flag = true;
                s->n3zone = zh;
                s->n3_last = t;
                out->tags |= DG_TAG_BIT(DG_TAG_NSEC3_WALK);
        }
        return walker || b->flagged;
}

/* The ring entry of label hash lh; a query makes one (evicting in turn). */
static int tld_entry(source_t *s, uint64_t lh, bool create)
{
        for (int i = 0; i < TLD_RING; i++)
                if (s->tld_lh[i] == lh)
                        return i;
        if (!create)
                return -1;
        int i = (int)s->tld_pos;
        memset(&s->tld[i], 0, sizeof s->tld[i]);
        s->tld_lh[i] = lh;
        s->tld_pos = (s->tld_pos + 1) % TLD_RING;
        return i;
}

/* Adds parent ph to a ring entry; true when the entry is full with new parents. */
static bool tld_inline_add(source_t *s, int i, uint64_t ph64)
{
        uint32_t ph = (uint32_t)(ph64 ^ (ph64 >> 32));
        for (unsigned k = 0; k < s->tld[i].nph; k++)
                if (s->tld[i].ph[k] == ph)
                        return false;
        if (s->tld[i].nph == TLD_INLINE)
                return true;
        s->tld[i].ph[s->tld[i].nph++] = ph;
        return false;
}

/* The bucket of ring entry i (label hash lh), as bucket_get gives it: the
 * entry keeps its pointer until a sweep may have freed it. */
static bucket_t *tld_bucket(dg_detector_t *d, source_t *s, int i, uint64_t lh, double t,
                            bool create)
{
        bucket_t *b = s->tld[i].b;
        if (b != NULL && s->tld[i].gen == d->drops) {
                bucket_refresh(d, b, t);
                return b;
        }
        b = bucket_get(d, s, bucket_key(s, 'T', lh), d->o.tld_parents, t, create);
        s->tld[i].b = b;
        s->tld[i].gen = d->drops;
        return b;
}

/* tld-sweep: one first label under tld_parents distinct parents, mostly
 * NXDOMAIN (or no answers captured). A per-source ring of recent labels
 * keeps the common case (a label under a few parents, or answered) off the
 * bucket table. */
static void rule_tld(dg_detector_t *d, source_t *s, double t, const dg_wire_msg_t *m,
                     const qinfo_t *qi, bool resp, dg_detect_result_t *out)
{
        const uint8_t *q = qi->w;
        uint16_t qt = m->qtype;
        if (m->qclass != DG_CLASS_IN || q[0] == 0 || q[1 + q[0]] == 0 || q[1] == '_' ||
            qt == DG_T_PTR || qt == DG_T_SRV || qt == DG_T_AXFR || qt == DG_T_IXFR)
                return;
        int i = tld_entry(s, qi->lh, !resp);
        if (i < 0)
                return;
        bool nx = resp && m->rcode == DG_RCODE_NXDOMAIN;
        if (nx && s->tld[i].nx < UINT16_MAX)
                s->tld[i].nx++;
        if (!resp && s->tld[i].nq < UINT16_MAX)
                s->tld[i].nq++;
        uint64_t ph = qi->ph;
        bool full = !resp && tld_inline_add(s, i, ph);
        if (!s->tld[i].promoted) {
                bool denied = 2u * s->tld[i].nx + 1u >= s->tld[i].nq || s->responses < 4;
                if (resp || s->tld[i].nph < 2 || !denied)
                        return;
        } else if (resp && !nx && s->nflagged == 0) {
                return;
        }
        bucket_t *b = tld_bucket(d, s, i, qi->lh, t, !resp);
        if (b == NULL)
                return;
        bool was = s->tld[i].promoted;
        if (!was) {
                for (unsigned k = 0; k < s->tld[i].nph; k++)
                        bucket_add(b, s->tld[i].ph[k], t);
                b->queries += s->tld[i].nph - 1u;
                b->nx += s->tld[i].nx;
                s->tld[i].promoted = true;
        }
        if (!resp) {
                if (was || full)
                        bucket_add(b, ph, t);
                b->queries++;
        } else if (nx) {
                b->nx++;
        }
        unsigned asked = MAX(b->queries, b->distinct);
        if (b->distinct >= d->o.tld_parents &&
            (s->responses < 4 || (double)b->nx >= d->o.brute_nx_ratio * (double)asked))
                bucket_flag(b);
        if (b->flagged)
                out->tags |= DG_TAG_BIT(DG_TAG_TLD_SWEEP);
}

static void stateful(dg_detector_t *d, source_t *s, const dg_detect_addr_t *server, double t,
                     const dg_wire_msg_t *m, const qinfo_t *qi, const scan_t *sc,
                     dg_detect_result_t *out, bool *n3walker)
{
        bool resp = out->response;
        if (m->qclass == DG_CLASS_IN && m->qtype != DG_T_AXFR && m->qtype != DG_T_IXFR) {
                *n3walker = rule_nsec3(d, s, t, m, qi, resp, sc, out);
                if (!*n3walker)
                        rule_counts(d, s, t, m, qi, resp, out);
                rule_snoop(d, s, server, t, m, qi, resp, sc, out);
                rule_tld(d, s, t, m, qi, resp, out);
        }
        rule_nsec(d, s, t, m, qi->w, resp, sc, out);
}

/* True if the name is a host of a cloud or CDN provider (the fingerprint
 * database's CNAME target suffixes: cloudfront.net, s3.amazonaws.com, ...). */
static bool provider_host(dg_detector_t *d, const uint8_t *q)
{
        char str[DG_NAME_STR_MAX];
        if (d->providers == NULL || dg_name_to_str(q, str, sizeof str) <= 0)
                return false;
        d->pres.nmatches = 0;
        return dg_classify_host(d->providers, DG_FP_CNAME, str, &d->pres) > 0;
}

/* wildcard-probe: a generated first label under a zone that is not a
 * provider's; a UUID on its question, others on their answer unless it is a
 * NOERROR one that no wildcard made (a random label answered with data is a
 * real host as often as a probe: CDN and storage names). */
static void rule_wildcard(dg_detector_t *d, const dg_wire_msg_t *m, const qinfo_t *qi, bool resp,
                          const scan_t *sc, dg_detect_result_t *out)
{
        const uint8_t *q = qi->w;
        if (m->qclass != DG_CLASS_IN || q[0] == 0 || qi->reverse || qi->underscore)
                return;
        bool uuid = dg_detect_label_uuid(q + 1, q[0]);
        if (!uuid && !dg_detect_label_random(q + 1, q[0], d->o.wildcard_min_len))
                return;
        if (resp && !uuid && m->rcode == DG_RCODE_NOERROR && !(m->ancount > 0 && sc->wild))
                return;
        if (!resp && !uuid)
                return;
        if (!provider_host(d, q))
                out->tags |= DG_TAG_BIT(DG_TAG_WILDCARD_PROBE);
}

int dg_detect_observe(dg_detector_t *det, double t, const dg_detect_addr_t *src,
                      const dg_detect_addr_t *dst, const uint8_t *msg, size_t len,
                      dg_detect_result_t *out)
{
        if (det == NULL || src == NULL || dst == NULL || out == NULL || (msg == NULL && len))
                return DG_EINVAL;
        /* providers[] is read up to nproviders only */
        out->tags = 0;
        out->response = false;
        out->source_score = 0;
        out->nproviders = 0;
        det->messages++;
        if (t > det->now)
                det->now = t;
        sweep(det);

        dg_wire_msg_t m;
        int rc = msg ? dg_wire_parse(msg, len, &m) : DG_EMALFORMED;
        /* Unparseable: attribute it to the sender as if it were a query. */
        bool resp = rc == DG_OK && (m.flags & DG_FLAG_QR);
        const dg_detect_addr_t *client = resp ? dst : src;
        const dg_detect_addr_t *server = resp ? src : dst;
        out->response = resp;
        out->source = *client;
        source_t *s = source_get(det, client, t);
        if (s == NULL)
                det->untracked++;
        else {
                s->last = t;
                if (rc != DG_OK)
                        s->malformed++;
                else if (resp)
                        s->responses++;
                else
                        s->queries++;
                out->source_score = s->score;
        }
        if (rc != DG_OK)
                return DG_EMALFORMED;
        if (m.opcode != DG_OPCODE_QUERY)
                return DG_OK;

        qinfo_t qi;
        qinfo_make(&qi, m.qname);
        const uint8_t *q = qi.w;
        if (resp && m.rcode == DG_RCODE_NXDOMAIN && s)
                s->nxdomain++;

        /* one pass over a response's records: NSEC names, referral */
        scan_t sc;
        sc.referral = false;
        sc.sig = 0;
        sc.nsec = sc.nsec3 = sc.nnames = 0;
        sc.wild = false;
        sc.n3zone[0] = 0;
        if (resp && m.qdcount > 0)
                scan_records(msg, len, &m, &sc);

        if (m.qdcount == 0) {
                /* later messages of a transfer may omit the question (RFC 5936 2.2) */
                if (resp && s && s->xfr_open && addr_equal(&s->xfr_server, server) &&
                    t - s->xfr_last <= det->o.window && m.ancount > 0 &&
                    m.rcode == DG_RCODE_NOERROR) {
                        out->tags |= DG_TAG_BIT(DG_TAG_AXFR) | DG_TAG_BIT(DG_TAG_ZONE_LEAK);
                        s->xfr_last = t;
                }
        } else {
                if (m.qtype == DG_T_AXFR || m.qtype == DG_T_IXFR) {
                        out->tags |= DG_TAG_BIT(m.qtype == DG_T_AXFR ? DG_TAG_AXFR : DG_TAG_IXFR);
                        if (resp && transfer_answered(&m)) {
                                out->tags |= DG_TAG_BIT(DG_TAG_ZONE_LEAK);
                                if (s) {
                                        s->xfr_open = true;
                                        s->xfr_server = *server;
                                        s->xfr_last = t;
                                }
                        }
                }
                if (m.qtype == DG_T_ANY)
                        out->tags |= DG_TAG_BIT(DG_TAG_ANY);
                if (m.qclass == DG_CLASS_CH)
                        out->tags |= DG_TAG_BIT(DG_TAG_CHAOS);
                bool n3walker = false;
                if (s)
                        stateful(det, s, server, t, &m, &qi, &sc, out, &n3walker);
                if (!n3walker)
                        rule_wildcard(det, &m, &qi, resp, &sc, out);
        }
        if (resp && det->o.classify)
                classify(det, s, msg, len, &m, q, &sc, out);
        if (s) {
                for (uint32_t bits = out->tags; bits != 0; bits &= bits - 1) {
                        int i = __builtin_ctz(bits);
                        s->tag_counts[i]++;
                        if (s->score_raw < 100)
                                s->score_raw += tag_weight[i];
                }
                s->score = s->score_raw > 100 ? 100 : s->score_raw;
                out->source_score = s->score;
        }
        return DG_OK;
}
