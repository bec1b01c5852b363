/* dnsglean — passive reconnaissance detector (see detect.h). */
#include "dnsglean/detect.h"
#include "dnsglean/wire.h"
#include "dnsglean/classify.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

static const char *const tag_names[DG_TAG_COUNT_] = {
    [DG_TAG_AXFR] = "axfr",
    [DG_TAG_IXFR] = "ixfr",
    [DG_TAG_ANY] = "any",
    [DG_TAG_CHAOS] = "chaos",
    [DG_TAG_BRUTE] = "brute",
    [DG_TAG_NSEC_WALK] = "nsec-walk",
    [DG_TAG_SRV_ENUM] = "srv-enum",
    [DG_TAG_PTR_SWEEP] = "ptr-sweep",
    [DG_TAG_CACHE_SNOOP] = "cache-snoop",
    [DG_TAG_WILDCARD_PROBE] = "wildcard-probe",
    [DG_TAG_PROVIDER_DISCLOSURE] = "provider-disclosure",
    [DG_TAG_TAKEOVER_CANDIDATE] = "takeover-candidate",
    [DG_TAG_ZONE_LEAK] = "zone-leak",
};

/* What one tagged message adds to its source's score (capped at 100): a
 * transfer or its leak weighs more than one step of a brute force. */
static const uint8_t tag_weight[DG_TAG_COUNT_] = {
    [DG_TAG_AXFR] = 30,          [DG_TAG_IXFR] = 15,      [DG_TAG_ANY] = 5,
    [DG_TAG_CHAOS] = 10,         [DG_TAG_BRUTE] = 1,      [DG_TAG_NSEC_WALK] = 2,
    [DG_TAG_SRV_ENUM] = 2,       [DG_TAG_PTR_SWEEP] = 1,  [DG_TAG_CACHE_SNOOP] = 2,
    [DG_TAG_WILDCARD_PROBE] = 5, [DG_TAG_ZONE_LEAK] = 40,
};

#define NSEC_HINTS 8
#define TKO_HINTS 8
#define SWEEP_EVERY 4096
#define MAX_BUCKETS (1u << 20)
#define CCACHE_SIZE 8192 /* classified responses remembered (power of two) */
#define CCACHE_TKO 2

/* Per (source, kind, zone) window of distinct names. */
typedef struct {
        uint64_t key;
        double win_start, last;
        unsigned distinct, queries, nx;
        bool flagged;
        struct source *owner; /* its flagged count follows this bucket's flag */
        unsigned cap;         /* power of two, slots in set */
        uint32_t set[];       /* name hashes (never 0) */
} bucket_t;

typedef struct {
        uint64_t key;
        bucket_t *b; /* NULL: free slot */
} bslot_t;

typedef struct source {
        dg_detect_source_t s;
        uint32_t score_raw;
        unsigned nflagged; /* its buckets that are flagged */
        /* nsec-walk: names from NSEC records this source received */
        uint8_t (*hints)[DG_NAME_WIRE_MAX];
        unsigned nhints, hint_pos, nsec_steps;
        double nsec_start, nsec_last;
        bool nsec_flag;
        /* an answered zone transfer whose later messages carry no question */
        bool xfr_open;
        dg_detect_addr_t xfr_server;
        double xfr_last;
        /* takeover: CNAME targets into takeover-prone services (hashes) */
        uint64_t tko[TKO_HINTS];
        unsigned ntko, tko_pos;
} source_t;

/* What classifying one response gave: the classifier is a pure function of
 * the records, and the same answers recur all the time on the wire. */
struct ccache {
        uint64_t sig;
        uint8_t nprov, ntko;
        bool takeover;
        const char *prov[DG_DETECT_MAX_PROVIDERS], *cat[DG_DETECT_MAX_PROVIDERS];
        uint64_t tko[CCACHE_TKO];
};

struct dg_detector {
        dg_detect_opts_t o;
        GHashTable *sources; /* dg_detect_addr_t* -> source_t* (owned by order) */
        GPtrArray *order;    /* source_t*, first-seen order */
        /* (source, kind, zone) key -> bucket: open addressing, linear
         * probing, rebuilt by the sweep (no tombstones) */
        bslot_t *bslots;
        size_t bcap, bcount;
        double last_sweep;
        uint64_t messages, untracked;
        unsigned since_sweep;
        double now;
        const dg_fpdb_t *db;
        struct ccache *cache; /* CCACHE_SIZE entries, direct mapped */
};

/* ---- small helpers ---- */

const char *dg_detect_tag_name(dg_tag_t t)
{
        if ((unsigned)t >= DG_TAG_COUNT_)
                return NULL;
        return tag_names[t];
}

int dg_detect_tag_parse(const char *word)
{
        if (word == NULL)
                return DG_EINVAL;
        for (int i = 0; i < DG_TAG_COUNT_; i++)
                if (strcmp(word, tag_names[i]) == 0)
                        return i;
        return DG_EINVAL;
}

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
        o->classify = true;
}

int dg_detect_addr_str(const dg_detect_addr_t *a, char *buf, size_t cap)
{
        int n;
        if (a->family == 4)
                n = snprintf(buf, cap, "%u.%u.%u.%u", a->addr[0], a->addr[1], a->addr[2],
                             a->addr[3]);
        else if (a->family == 6) {
                /* RFC 5952: lowercase, longest run of two or more zero groups as "::" */
                uint16_t g[8];
                for (int i = 0; i < 8; i++)
                        g[i] = (uint16_t)(a->addr[2 * i] << 8 | a->addr[2 * i + 1]);
                int best = -1, bestlen = 1;
                for (int i = 0; i < 8;) {
                        int j = i;
                        while (j < 8 && g[j] == 0)
                                j++;
                        if (j - i > bestlen) {
                                best = i;
                                bestlen = j - i;
                        }
                        i = j > i ? j : i + 1;
                }
                char tmp[48];
                size_t o = 0;
                for (int i = 0; i < 8; i++) {
                        if (i == best) {
                                o += (size_t)snprintf(tmp + o, sizeof tmp - o, "::");
                                i += bestlen - 1;
                                continue;
                        }
                        if (o > 0 && tmp[o - 1] != ':')
                                tmp[o++] = ':';
                        o += (size_t)snprintf(tmp + o, sizeof tmp - o, "%x", g[i]);
                }
                tmp[o] = '\0';
                n = snprintf(buf, cap, "%s", tmp);
        } else
                n = snprintf(buf, cap, "?");
        if (n < 0 || (size_t)n >= cap)
                return DG_ESPACE;
        return n;
}

static size_t addr_len(const dg_detect_addr_t *a)
{
        return a->family == 4 ? 4 : a->family == 6 ? 16 : 0;
}

static bool addr_equal(const dg_detect_addr_t *a, const dg_detect_addr_t *b)
{
        return a->family == b->family && memcmp(a->addr, b->addr, addr_len(a)) == 0;
}

static guint addr_hash(gconstpointer p)
{
        const dg_detect_addr_t *a = p;
        guint h = 2166136261u ^ a->family;
        for (size_t i = 0; i < addr_len(a); i++)
                h = (h ^ a->addr[i]) * 16777619u;
        return h;
}

static gboolean addr_eq(gconstpointer a, gconstpointer b)
{
        return addr_equal(a, b);
}

/* Length of a wire name known to be well formed (parsed by the wire layer). */
static inline size_t wname_len(const uint8_t *w)
{
        return (size_t)dg_name_len(w, DG_NAME_WIRE_MAX);
}

/* Key of a bucket: source address, kind letter, zone (lowercased wire). */
static uint64_t bucket_key(const dg_detect_addr_t *a, char kind, const uint8_t *zone)
{
        uint64_t h = dg_fnv(DG_FNV_INIT, (const uint8_t *)&kind, 1);
        h = dg_fnv(h, &a->family, 1);
        h = dg_fnv(h, a->addr, addr_len(a));
        return dg_fnv(h, zone, wname_len(zone));
}

static uint64_t name_hash(const uint8_t *w)
{
        uint64_t h = dg_fnv(DG_FNV_INIT, w, wname_len(w));
        return h ? h : 1;
}

static bool under_reverse(const uint8_t *w)
{
        static const uint8_t v4[] = "\x07in-addr\x04"
                                    "arpa";
        static const uint8_t v6[] = "\x03ip6\x04"
                                    "arpa";
        return dg_name_is_under(w, v4) || dg_name_is_under(w, v6);
}

static bool any_underscore_label(const uint8_t *w)
{
        for (size_t p = 0; w[p] != 0; p += 1u + w[p])
                if (w[p + 1] == '_')
                        return true;
        return false;
}

bool dg_detect_label_random(const uint8_t *label, size_t len, unsigned min_len)
{
        if (len < min_len || len < 4)
                return false;
        unsigned digits = 0, letters = 0, vowels = 0, run = 0, maxrun = 0, switches = 0;
        int prev = -1; /* 0 letter, 1 digit */
        for (size_t i = 0; i < len; i++) {
                uint8_t c = dg_lower(label[i]);
                int cls;
                if (c >= '0' && c <= '9') {
                        digits++;
                        cls = 1;
                        run = 0;
                } else if (c >= 'a' && c <= 'z') {
                        letters++;
                        cls = 0;
                        if (strchr("aeiou", c)) {
                                vowels++;
                                run = 0;
                        } else if (++run > maxrun)
                                maxrun = run;
                } else
                        return false; /* hyphens, underscores: made by people */
                if (prev >= 0 && prev != cls)
                        switches++;
                prev = cls;
        }
        if (letters == 0)
                return digits >= 10;
        /* Words have about 40% vowels and short consonant runs; uniform random
         * letters have 5/26 vowels and long runs; random alphanumerics also
         * switch between letters and digits often. Two signals must agree. */
        unsigned score = 0;
        if (vowels * 100 < letters * 25)
                score += 2;
        if (vowels * 100 < letters * 12)
                score++;
        if (maxrun >= 5)
                score += 2;
        else if (maxrun >= 4)
                score++;
        if (digits > 0 && switches >= 3)
                score += 2;
        if (len >= 16)
                score++;
        return score >= 3;
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
            o.nsec_steps == 0 || o.snoop_names == 0 || o.max_sources == 0 ||
            !(o.brute_nx_ratio >= 0 && o.brute_nx_ratio <= 1) || o.brute_names > 100000 ||
            o.srv_names > 100000 || o.ptr_names > 100000 || o.snoop_names > 100000)
                return DG_EINVAL;
        dg_detector_t *d = g_new0(dg_detector_t, 1);
        d->o = o;
        d->sources = g_hash_table_new(addr_hash, addr_eq);
        d->order = g_ptr_array_new_with_free_func(source_free);
        d->bcap = 1024;
        d->bslots = g_new0(bslot_t, d->bcap);
        if (o.classify) {
                d->db = dg_fpdb_default();
                d->cache = g_new0(struct ccache, CCACHE_SIZE);
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
        g_hash_table_destroy(det->sources);
        g_ptr_array_free(det->order, TRUE);
        for (size_t i = 0; i < det->bcap; i++)
                g_free(det->bslots[i].b);
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
                if (fn(ud, &s->s) != 0)
                        break;
        }
}

static source_t *source_get(dg_detector_t *d, const dg_detect_addr_t *a, double t)
{
        source_t *s = g_hash_table_lookup(d->sources, a);
        if (s)
                return s;
        if (g_hash_table_size(d->sources) >= d->o.max_sources)
                return NULL;
        s = g_new0(source_t, 1);
        s->s.addr = *a;
        s->s.first = t;
        g_hash_table_insert(d->sources, &s->s.addr, s);
        g_ptr_array_add(d->order, s);
        return s;
}

static size_t slot_of(uint64_t key, size_t cap)
{
        key ^= key >> 33;
        key *= 0xff51afd7ed558ccdull;
        key ^= key >> 33;
        return (size_t)key & (cap - 1);
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
        bslot_t *slots = g_new0(bslot_t, cap);
        size_t n = 0;
        for (size_t i = 0; i < d->bcap; i++) {
                bucket_t *b = d->bslots[i].b;
                if (b == NULL)
                        continue;
                if (drop_stale && b->last < d->now - 2 * d->o.window) {
                        if (b->flagged)
                                b->owner->nflagged--;
                        g_free(b);
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
                b = g_malloc0(sizeof *b + cap * sizeof(uint32_t));
                b->key = key;
                b->owner = owner;
                b->cap = cap;
                b->win_start = t;
                b->last = t;
                if (2 * (d->bcount + 1) > d->bcap)
                        buckets_rebuild(d, 2 * d->bcap, false);
                bucket_put(d->bslots, d->bcap, b);
                d->bcount++;
                return b;
        }
        if (t - b->win_start > d->o.window) {
                if (t - b->last > d->o.window && b->flagged) {
                        b->flagged = false;
                        b->owner->nflagged--;
                }
                b->win_start = t;
                b->distinct = b->queries = b->nx = 0;
                memset(b->set, 0, b->cap * sizeof(uint32_t));
        }
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
        unsigned mask = b->cap - 1;
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

/* A name queried after an NSEC record names it, a name just below it, or a
 * sibling one character past it (how walkers step: RFC 4470 section 2 gives
 * the "next name" arithmetic they use). */
static bool nsec_derived(const uint8_t *q, const uint8_t *h)
{
        if (memcmp(q, h, wname_len(h)) == 0 && wname_len(q) == wname_len(h))
                return true;
        const uint8_t *qp = q + 1 + q[0];
        if (q[0] != 0 && wname_len(qp) == wname_len(h) && memcmp(qp, h, wname_len(h)) == 0)
                return true;
        if (q[0] == 0 || h[0] == 0)
                return false;
        const uint8_t *hp = h + 1 + h[0];
        if (wname_len(qp) != wname_len(hp) || memcmp(qp, hp, wname_len(hp)) != 0)
                return false;
        /* siblings: q's label extends h's by one octet or differs in the last one */
        if (q[0] == h[0] + 1 && memcmp(q + 1, h + 1, h[0]) == 0)
                return true;
        return q[0] == h[0] && memcmp(q + 1, h + 1, (size_t)h[0] - 1) == 0;
}

static void nsec_hint_add(source_t *s, const uint8_t *name)
{
        if (s->hints == NULL)
                s->hints = g_malloc0(NSEC_HINTS * sizeof *s->hints);
        memcpy(s->hints[s->hint_pos], name, wname_len(name));
        dg_name_lower(s->hints[s->hint_pos]);
        s->hint_pos = (s->hint_pos + 1) % NSEC_HINTS;
        if (s->nhints < NSEC_HINTS)
                s->nhints++;
}

static bool nsec_step(const source_t *s, const uint8_t *q, uint16_t qtype)
{
        if (qtype == DG_T_NSEC)
                return true;
        for (unsigned i = 0; i < s->nhints; i++)
                if (nsec_derived(q, s->hints[i]))
                        return true;
        return false;
}

/* What one scan over a response's records found. */
typedef struct {
        bool referral; /* NS records in authority and no answer */
        uint64_t sig;  /* answer and authority records, TTLs left out (0: none) */
        unsigned nsec; /* NSEC records */
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
        uint64_t h = dg_fnv(DG_FNV_INIT, m->qname, wname_len(m->qname));
        uint8_t qx[5] = {(uint8_t)(m->qtype >> 8), (uint8_t)m->qtype, m->rcode,
                         (uint8_t)(m->ancount >> 8), (uint8_t)m->ancount};
        h = dg_fnv(h, qx, sizeof qx);
        while (dg_wire_iter_next(&it, &rr) == 1 && rr.section != DG_SEC_ADDITIONAL) {
                uint8_t tx[3] = {(uint8_t)(rr.type >> 8), (uint8_t)rr.type, (uint8_t)rr.section};
                h = dg_fnv(h, rr.owner, wname_len(rr.owner));
                h = dg_fnv(h, tx, sizeof tx);
                h = dg_fnv(h, msg + rr.rdata_off, rr.rdlen);
                if (rr.section == DG_SEC_AUTHORITY && rr.type == DG_T_NS)
                        ns_auth = true;
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

static void classify(dg_detector_t *d, source_t *s, const uint8_t *msg, size_t len,
                     const dg_wire_msg_t *m, const uint8_t *q, const scan_t *sc,
                     dg_detect_result_t *out)
{
        if (d->db == NULL)
                return;
        /* answers, or a referral's NS records; not the lone SOA of a
         * negative answer */
        if (m->ancount > 0 || sc->referral) {
                struct ccache *e = sc->sig ? &d->cache[sc->sig & (CCACHE_SIZE - 1)] : NULL;
                if (e == NULL || e->sig != sc->sig) {
                        classify_ctx_t c;
                        memset(&c, 0, sizeof c);
                        c.out = out;
                        dg_classify_msg_summary_t sum;
                        memset(&sum, 0, sizeof sum);
                        (void)dg_classify_msg(d->db, msg, len,
                                              DG_SECMASK_ANSWER | DG_SECMASK_AUTHORITY,
                                              on_classified, &c, &sum);
                        if (e) {
                                e->sig = sc->sig;
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

static void stateful(dg_detector_t *d, source_t *s, double t, const dg_wire_msg_t *m,
                     const uint8_t *q, const scan_t *scp, dg_detect_result_t *out)
{
        const dg_detect_addr_t *a = &s->s.addr;
        bool resp = out->response;
        uint16_t qt = m->qtype;

        if (m->qclass == DG_CLASS_IN && qt != DG_T_AXFR && qt != DG_T_IXFR) {
                int labels = 0;
                for (size_t p = 0; q[p] != 0 && labels < 3; p += 1u + q[p])
                        labels++;
                bucket_t *b;
                if (qt == DG_T_SRV && labels >= 3 && q[1] == '_' && q[2 + q[0]] == '_') {
                        const uint8_t *zone = q + 1 + q[0];
                        zone += 1 + zone[0];
                        b = bucket_get(d, s, bucket_key(a, 'S', zone), d->o.srv_names, t, true);
                        if (b)
                                bucket_add(b, name_hash(q), t);
                        if (b && b->distinct >= d->o.srv_names)
                                bucket_flag(b);
                        if (b && b->flagged)
                                out->tags |= DG_TAG_BIT(DG_TAG_SRV_ENUM);
                } else if (qt == DG_T_PTR && under_reverse(q)) {
                        b = bucket_get(d, s, bucket_key(a, 'P', q + 1 + q[0]), d->o.ptr_names, t,
                                       true);
                        if (b)
                                bucket_add(b, name_hash(q), t);
                        if (b && b->distinct >= d->o.ptr_names)
                                bucket_flag(b);
                        if (b && b->flagged)
                                out->tags |= DG_TAG_BIT(DG_TAG_PTR_SWEEP);
                } else if (labels >= 1 && q[1] != '_') {
                        /* Queries and NXDOMAIN answers count; other answers
                         * only pick up the tag, and only look the bucket up
                         * when the source has a flagged one (the common
                         * benign case costs nothing). */
                        bool nx = resp && m->rcode == DG_RCODE_NXDOMAIN;
                        uint64_t key = bucket_key(a, 'B', q + 1 + q[0]);
                        if (!resp || nx) {
                                b = bucket_get(d, s, key, d->o.brute_names, t, true);
                                if (b == NULL)
                                        goto snoop;
                                bucket_add(b, name_hash(q), t);
                                if (nx)
                                        b->nx++;
                                else
                                        b->queries++;
                                /* most of the names asked for do not exist
                                 * (or no answers were captured at all) */
                                unsigned asked = MAX(b->queries, b->distinct);
                                if (b->distinct >= d->o.brute_names &&
                                    (s->s.responses < 4 ||
                                     (double)b->nx >= d->o.brute_nx_ratio * (double)asked))
                                        bucket_flag(b);
                        } else {
                                b = s->nflagged ? bucket_get(d, s, key, d->o.brute_names, t, false)
                                                : NULL;
                                if (b)
                                        b->last = t;
                        }
                        if (b && b->flagged)
                                out->tags |= DG_TAG_BIT(DG_TAG_BRUTE);
                }

        snoop:;
                /* cache snooping: RD=0, answered without authority, not a referral */
                bool rd = (m->flags & DG_FLAG_RD) != 0;
                if (!rd) {
                        uint8_t root = 0;
                        uint64_t key = bucket_key(a, 'C', &root);
                        if (resp && !(m->flags & DG_FLAG_AA) && !scp->referral) {
                                bucket_t *c = bucket_get(d, s, key, d->o.snoop_names, t, true);
                                if (c)
                                        bucket_add(c, name_hash(q), t);
                                if (c && c->distinct >= d->o.snoop_names)
                                        bucket_flag(c);
                                if (c && c->flagged)
                                        out->tags |= DG_TAG_BIT(DG_TAG_CACHE_SNOOP);
                        } else if (!resp) {
                                bucket_t *c = bucket_get(d, s, key, d->o.snoop_names, t, false);
                                if (c && c->flagged && t - c->last <= d->o.window)
                                        out->tags |= DG_TAG_BIT(DG_TAG_CACHE_SNOOP);
                        }
                }
        }

        /* NSEC walking: each query derived from the NSEC records just received */
        if (s->nsec_flag && t - s->nsec_last > d->o.window)
                s->nsec_flag = false;
        if (m->qdcount > 0 && (s->nhints > 0 || qt == DG_T_NSEC) && nsec_step(s, q, qt)) {
                if (!resp) {
                        if (t - s->nsec_start > d->o.window) {
                                s->nsec_start = t;
                                s->nsec_steps = 0;
                        }
                        if (++s->nsec_steps >= d->o.nsec_steps)
                                s->nsec_flag = true;
                        s->nsec_last = t;
                }
                if (s->nsec_flag)
                        out->tags |= DG_TAG_BIT(DG_TAG_NSEC_WALK);
        } else if (resp && scp->nsec > 0 && s->nsec_flag) {
                out->tags |= DG_TAG_BIT(DG_TAG_NSEC_WALK);
        }
        for (unsigned i = 0; i < scp->nnames; i++)
                nsec_hint_add(s, scp->names[i]);
}

int dg_detect_observe(dg_detector_t *det, double t, const dg_detect_addr_t *src,
                      const dg_detect_addr_t *dst, const uint8_t *msg, size_t len,
                      dg_detect_result_t *out)
{
        if (det == NULL || src == NULL || dst == NULL || out == NULL || (msg == NULL && len))
                return DG_EINVAL;
        memset(out, 0, sizeof *out);
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
                s->s.last = t;
                if (rc != DG_OK)
                        s->s.malformed++;
                else if (resp)
                        s->s.responses++;
                else
                        s->s.queries++;
                out->source_score = s->s.score;
        }
        if (rc != DG_OK)
                return DG_EMALFORMED;
        if (m.opcode != DG_OPCODE_QUERY)
                return DG_OK;

        uint8_t q[DG_NAME_WIRE_MAX];
        memcpy(q, m.qname, wname_len(m.qname));
        dg_name_lower(q);
        if (resp && m.rcode == DG_RCODE_NXDOMAIN && s)
                s->s.nxdomain++;

        /* one pass over a response's records: NSEC names, referral */
        scan_t sc;
        sc.referral = false;
        sc.sig = 0;
        sc.nsec = sc.nnames = 0;
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
                if (m.qclass == DG_CLASS_IN && q[0] > 0 && !under_reverse(q) &&
                    !any_underscore_label(q) &&
                    dg_detect_label_random(q + 1, q[0], det->o.wildcard_min_len))
                        out->tags |= DG_TAG_BIT(DG_TAG_WILDCARD_PROBE);
                if (s)
                        stateful(det, s, t, &m, q, &sc, out);
        }
        if (resp && det->o.classify)
                classify(det, s, msg, len, &m, q, &sc, out);
        if (s) {
                for (int i = 0; i < DG_TAG_COUNT_; i++) {
                        if (!(out->tags & DG_TAG_BIT(i)))
                                continue;
                        s->s.tag_counts[i]++;
                        if (s->score_raw < 100)
                                s->score_raw += tag_weight[i];
                }
                s->s.score = s->score_raw > 100 ? 100 : s->score_raw;
                out->source_score = s->s.score;
        }
        return DG_OK;
}
