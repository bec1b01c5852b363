/* The fingerprint database: loading TSV signatures and indexing them so that a
 * lookup costs O(labels), not O(signatures).
 *
 * Host kinds (mx, spf, cname, ns, srv, caa, dmarc) live in one reversed-label
 * trie per kind: "mail.protection.outlook.com" is the path com -> outlook ->
 * protection -> mail. A lookup walks the name's labels from the right and keeps
 * the deepest node carrying a signature, so a match always ends on a label
 * boundary and the most specific signature wins. A pattern label "*" matches
 * any one label and a label ending in "*" matches by prefix ("awsdns-*").
 */
#include "classify_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

typedef struct trie_node trie_node_t;

typedef struct {
        char *prefix; /* label prefix before the '*' */
        size_t len;
        trie_node_t *node;
} prefix_edge_t;

struct trie_node {
        bool kids;        /* has exact-label children (in the database's edge table) */
        trie_node_t *any; /* the "*" label */
        prefix_edge_t *pfx;
        size_t npfx;
        const dg_fp_sig_t *sig;
};

typedef struct {
        char *prefix;
        size_t len;
        const dg_fp_sig_t *sig;
} star_rule_t;

#define TXT_BUCKETS 1024

/* One open-addressing table holds every exact-label edge of every trie:
 * (parent node, label) -> child. Keys are hashed once per label of the name
 * being matched, so a lookup costs one probe sequence, no allocation. */
typedef struct {
        uint64_t h;
        const void *parent;
        const char *label; /* lowercase, in the database's string chunk */
        uint32_t len;
        void *val;
} edge_t;

typedef struct {
        edge_t *e;
        size_t cap, n;
} etab_t;

/* FNV-1a of an already lowercase label */
static inline uint64_t lab_hash(const char *s, size_t len)
{
        return dg_fnv(DG_FNV_INIT, s, len);
}

static inline uint64_t edge_hash(const void *parent, uint64_t lh)
{
        uint64_t x = lh ^ ((uint64_t)(uintptr_t)parent * 0x9e3779b97f4a7c15ull);
        x ^= x >> 31;
        return x ? x : 1; /* 0 marks an empty slot */
}

static void *etab_get(const etab_t *t, const void *parent, const char *label, size_t len,
                      uint64_t lh)
{
        if (t->n == 0)
                return NULL;
        uint64_t h = edge_hash(parent, lh);
        size_t mask = t->cap - 1;
        for (size_t i = h & mask;; i = (i + 1) & mask) {
                const edge_t *e = &t->e[i];
                if (e->h == 0)
                        return NULL;
                if (e->h == h && e->parent == parent && e->len == len &&
                    memcmp(e->label, label, len) == 0)
                        return e->val;
        }
}

static void etab_insert_raw(etab_t *t, const edge_t *src)
{
        size_t mask = t->cap - 1;
        for (size_t i = src->h & mask;; i = (i + 1) & mask) {
                if (t->e[i].h == 0) {
                        t->e[i] = *src;
                        t->n++;
                        return;
                }
        }
}

/* Sets (parent, label) -> val, replacing an existing value. label must live as
 * long as the table. */
static void etab_put(etab_t *t, const void *parent, const char *label, size_t len, void *val)
{
        uint64_t h = edge_hash(parent, lab_hash(label, len));
        if (t->n > 0) {
                size_t mask = t->cap - 1;
                for (size_t i = h & mask; t->e[i].h; i = (i + 1) & mask) {
                        edge_t *e = &t->e[i];
                        if (e->h == h && e->parent == parent && e->len == len &&
                            memcmp(e->label, label, len) == 0) {
                                e->val = val;
                                return;
                        }
                }
        }
        if ((t->n + 1) * 2 > t->cap) {
                etab_t g = {g_new0(edge_t, t->cap ? t->cap * 2 : 256), t->cap ? t->cap * 2 : 256,
                            0};
                for (size_t i = 0; i < t->cap; i++)
                        if (t->e[i].h)
                                etab_insert_raw(&g, &t->e[i]);
                g_free(t->e);
                *t = g;
        }
        edge_t e = {h, parent, label, (uint32_t)len, val};
        etab_insert_raw(t, &e);
}

struct dg_fpdb {
        etab_t edges;               /* trie edges, owner and DKIM labels */
        GPtrArray *nodes;           /* every trie_node_t, for freeing */
        char owner_root, dkim_root; /* addresses used as parents in edges */
        unsigned owner_max_labels;  /* labels of the longest owner pattern */
        GPtrArray *sigs;            /* dg_fp_sig_t*, load order */
        GStringChunk *strs;         /* every string of every signature, interned */
        trie_node_t *trie[DG_FP_KIND_COUNT_];
        GPtrArray *txt[TXT_BUCKETS]; /* by first two characters; longest prefix first */
        GArray *owner_star;          /* star_rule_t on the first label */
        GArray *dkim_star;
        GHashTable *v4[33];  /* masked address -> sig, per prefix length */
        GHashTable *v6[129]; /* hex of masked address -> sig */
        int v4_lens[33], nv4_lens;
        int v6_lens[129], nv6_lens;
};

static const char *const kind_names[DG_FP_KIND_COUNT_] = {
    [DG_FP_MX] = "mx",     [DG_FP_SPF] = "spf",     [DG_FP_TXT] = "txt",   [DG_FP_CNAME] = "cname",
    [DG_FP_NS] = "ns",     [DG_FP_SRV] = "srv",     [DG_FP_CAA] = "caa",   [DG_FP_DMARC] = "dmarc",
    [DG_FP_DKIM] = "dkim", [DG_FP_OWNER] = "owner", [DG_FP_ADDR] = "addr",
};

const char *dg_fp_kind_str(dg_fp_kind_t k)
{
        if ((unsigned)k >= DG_FP_KIND_COUNT_)
                return "unknown";
        return kind_names[k];
}

int dg_fp_kind_parse(const char *s)
{
        if (s == NULL)
                return DG_EINVAL;
        for (int i = 0; i < DG_FP_KIND_COUNT_; i++)
                if (g_ascii_strcasecmp(s, kind_names[i]) == 0)
                        return i;
        return DG_EINVAL;
}

static bool is_host_kind(dg_fp_kind_t k)
{
        return k == DG_FP_MX || k == DG_FP_SPF || k == DG_FP_CNAME || k == DG_FP_NS ||
               k == DG_FP_SRV || k == DG_FP_CAA || k == DG_FP_DMARC;
}

/* ---- trie ---- */

static void trie_node_free(gpointer p)
{
        trie_node_t *n = p;
        for (size_t i = 0; i < n->npfx; i++)
                g_free(n->pfx[i].prefix);
        g_free(n->pfx);
        g_free(n);
}

static trie_node_t *node_new(dg_fpdb_t *db)
{
        trie_node_t *n = g_new0(trie_node_t, 1);
        g_ptr_array_add(db->nodes, n);
        return n;
}

static trie_node_t *trie_child(dg_fpdb_t *db, trie_node_t *n, const char *label, size_t len)
{
        if (len == 1 && label[0] == '*') {
                if (n->any == NULL)
                        n->any = node_new(db);
                return n->any;
        }
        if (len > 1 && label[len - 1] == '*') {
                for (size_t i = 0; i < n->npfx; i++)
                        if (n->pfx[i].len == len - 1 &&
                            memcmp(n->pfx[i].prefix, label, len - 1) == 0)
                                return n->pfx[i].node;
                n->pfx = g_renew(prefix_edge_t, n->pfx, n->npfx + 1);
                prefix_edge_t *e = &n->pfx[n->npfx++];
                e->prefix = g_strndup(label, len - 1);
                e->len = len - 1;
                e->node = node_new(db);
                return e->node;
        }
        trie_node_t *c = etab_get(&db->edges, n, label, len, lab_hash(label, len));
        if (c == NULL) {
                c = node_new(db);
                char *key = g_string_chunk_insert_len(db->strs, label, (gssize)len);
                etab_put(&db->edges, n, key, len, c);
                n->kids = true;
        }
        return c;
}

/* pattern: lowercase, no trailing dot, validated by the loader */
static void trie_insert(dg_fpdb_t *db, trie_node_t *root, const char *pattern,
                        const dg_fp_sig_t *sig)
{
        trie_node_t *n = root;
        const char *end = pattern + strlen(pattern);
        while (end > pattern) {
                const char *dot = end;
                while (dot > pattern && dot[-1] != '.')
                        dot--;
                n = trie_child(db, n, dot, (size_t)(end - dot));
                end = dot > pattern ? dot - 1 : pattern;
        }
        n->sig = sig; /* a later signature for the same pattern replaces the earlier */
}

typedef struct {
        char *lab[128]; /* labels, left to right, NUL-terminated, lowercase */
        size_t len[128];
        uint64_t h[128]; /* lab_hash of each */
        int n;
} labels_t;

static void trie_walk(const etab_t *edges, const trie_node_t *n, const labels_t *L, int i,
                      int depth, const dg_fp_sig_t **best, int *best_depth)
{
        if (n->sig && depth > *best_depth) {
                *best = n->sig;
                *best_depth = depth;
        }
        if (i < 0)
                return;
        if (n->kids) {
                const trie_node_t *c = etab_get(edges, n, L->lab[i], L->len[i], L->h[i]);
                if (c)
                        trie_walk(edges, c, L, i - 1, depth + 1, best, best_depth);
        }
        for (size_t k = 0; k < n->npfx; k++)
                if (L->len[i] >= n->pfx[k].len &&
                    memcmp(L->lab[i], n->pfx[k].prefix, n->pfx[k].len) == 0)
                        trie_walk(edges, n->pfx[k].node, L, i - 1, depth + 1, best, best_depth);
        if (n->any)
                trie_walk(edges, n->any, L, i - 1, depth + 1, best, best_depth);
}

/* Splits a lowercase copy of name into buf (cap octets), hashing each label;
 * at most max labels are taken from the left. Returns false if the name is
 * empty, too long or has an empty label. */
static bool split_labels(const char *name, size_t len, char *buf, size_t cap, labels_t *L, int max)
{
        while (len > 0 && (name[len - 1] == '.' || name[len - 1] == ' ' || name[len - 1] == '\t'))
                len--;
        while (len > 0 && (*name == ' ' || *name == '\t')) {
                name++;
                len--;
        }
        if (len == 0 || len >= cap)
                return false;
        L->n = 0;
        size_t start = 0;
        uint64_t h = DG_FNV_INIT;
        for (size_t i = 0; i <= len; i++) {
                if (i == len || name[i] == '.') {
                        if (i == start || L->n == 128)
                                return false;
                        buf[i] = '\0';
                        L->lab[L->n] = buf + start;
                        L->len[L->n] = i - start;
                        L->h[L->n] = h;
                        L->n++;
                        if (L->n == max)
                                return true;
                        start = i + 1;
                        h = DG_FNV_INIT;
                } else {
                        unsigned char c = dg_lower((unsigned char)name[i]);
                        buf[i] = (char)c;
                        h = dg_fnv_step(h, c);
                }
        }
        return true;
}

const dg_fp_sig_t *dg_fpdb_match_host(const dg_fpdb_t *db, dg_fp_kind_t k, const char *name,
                                      size_t len)
{
        if (db == NULL || !is_host_kind(k) || db->trie[k] == NULL || name == NULL)
                return NULL;
        char buf[DG_NAME_STR_MAX];
        labels_t L;
        if (!split_labels(name, len, buf, sizeof buf, &L, 128))
                return NULL;
        const dg_fp_sig_t *best = NULL;
        int best_depth = 0;
        trie_walk(&db->edges, db->trie[k], &L, L.n - 1, 0, &best, &best_depth);
        return best;
}

/* ---- TXT prefixes ---- */

static unsigned txt_bucket(const char *s)
{
        unsigned a = dg_lower((unsigned char)s[0]);
        unsigned b = dg_lower((unsigned char)s[1]);
        return (a * 31u + b) % TXT_BUCKETS;
}

static gint txt_longer_first(gconstpointer a, gconstpointer b)
{
        const dg_fp_sig_t *x = *(dg_fp_sig_t *const *)a;
        const dg_fp_sig_t *y = *(dg_fp_sig_t *const *)b;
        size_t lx = strlen(x->pattern), ly = strlen(y->pattern);
        return lx < ly ? 1 : lx > ly ? -1 : 0;
}

const dg_fp_sig_t *dg_fpdb_match_txt(const dg_fpdb_t *db, const char *txt, size_t len)
{
        if (db == NULL || txt == NULL || len < 2)
                return NULL;
        GPtrArray *b = db->txt[txt_bucket(txt)];
        if (b == NULL)
                return NULL;
        for (guint i = 0; i < b->len; i++) {
                const dg_fp_sig_t *s = g_ptr_array_index(b, i);
                size_t pl = strlen(s->pattern);
                if (pl <= len && g_ascii_strncasecmp(txt, s->pattern, pl) == 0)
                        return s;
        }
        return NULL;
}

/* ---- owner names ---- */

static const dg_fp_sig_t *star_match(const GArray *rules, const char *label, size_t len)
{
        if (rules == NULL)
                return NULL;
        const dg_fp_sig_t *best = NULL;
        size_t best_len = 0;
        for (guint i = 0; i < rules->len; i++) {
                const star_rule_t *r = &g_array_index(rules, star_rule_t, i);
                if (len >= r->len && memcmp(label, r->prefix, r->len) == 0 &&
                    (best == NULL || r->len > best_len)) {
                        best = r->sig;
                        best_len = r->len;
                }
        }
        return best;
}

void dg_fpdb_match_owner(const dg_fpdb_t *db, const char *owner, size_t len,
                         const dg_fp_sig_t **owner_sig, const dg_fp_sig_t **dkim_sig)
{
        *owner_sig = NULL;
        *dkim_sig = NULL;
        if (db == NULL || owner == NULL)
                return;
        char buf[DG_NAME_STR_MAX];
        labels_t L;
        int want = db->owner_max_labels > 2 ? (int)db->owner_max_labels : 2;
        if (!split_labels(owner, len, buf, sizeof buf, &L, want))
                return;
        /* owner patterns form a left-to-right path of labels from owner_root;
         * the longest leading run of labels that ends on a signature wins */
        const void *node = &db->owner_root;
        for (int i = 0; i < L.n && i < (int)db->owner_max_labels; i++) {
                const trie_node_t *c = etab_get(&db->edges, node, L.lab[i], L.len[i], L.h[i]);
                if (c == NULL)
                        break;
                if (c->sig)
                        *owner_sig = c->sig;
                node = c;
        }
        if (*owner_sig == NULL)
                *owner_sig = star_match(db->owner_star, L.lab[0], L.len[0]);
        if (L.n >= 2 && L.len[1] == 10 && memcmp(L.lab[1], "_domainkey", 10) == 0) {
                const trie_node_t *c =
                    etab_get(&db->edges, &db->dkim_root, L.lab[0], L.len[0], L.h[0]);
                *dkim_sig = c ? c->sig : NULL;
                if (*dkim_sig == NULL)
                        *dkim_sig = star_match(db->dkim_star, L.lab[0], L.len[0]);
        }
}

/* ---- addresses ---- */

static bool parse_cidr(const char *s, size_t len, int *family, uint8_t addr[16], int *plen)
{
        char buf[64];
        if (len == 0 || len >= sizeof buf)
                return false;
        memcpy(buf, s, len);
        buf[len] = '\0';
        char *slash = strchr(buf, '/');
        *plen = -1;
        if (slash) {
                *slash = '\0';
                char *end;
                errno = 0;
                long v = strtol(slash + 1, &end, 10);
                if (*end || end == slash + 1 || errno || v < 0 || v > 128)
                        return false;
                *plen = (int)v;
        }
        if (inet_pton(AF_INET, buf, addr) == 1) {
                *family = AF_INET;
                if (*plen > 32)
                        return false;
                if (*plen < 0)
                        *plen = 32;
                return true;
        }
        if (inet_pton(AF_INET6, buf, addr) == 1) {
                *family = AF_INET6;
                if (*plen < 0)
                        *plen = 128;
                return true;
        }
        return false;
}

static uint32_t v4_masked(const uint8_t a[4], int plen)
{
        uint32_t v = ((uint32_t)a[0] << 24) | ((uint32_t)a[1] << 16) | ((uint32_t)a[2] << 8) | a[3];
        return plen == 0 ? 0 : v & (0xffffffffu << (32 - plen));
}

static void v6_key(const uint8_t a[16], int plen, char out[33])
{
        static const char hex[] = "0123456789abcdef";
        for (int i = 0; i < 16; i++) {
                int bits = plen - i * 8;
                uint8_t m = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
                uint8_t b = a[i] & m;
                out[2 * i] = hex[b >> 4];
                out[2 * i + 1] = hex[b & 15];
        }
        out[32] = '\0';
}

const dg_fp_sig_t *dg_fpdb_match_addr(const dg_fpdb_t *db, const char *addr, size_t len)
{
        int fam, plen;
        uint8_t a[16];
        if (db == NULL || addr == NULL || !parse_cidr(addr, len, &fam, a, &plen))
                return NULL;
        if (fam == AF_INET) {
                for (int i = 0; i < db->nv4_lens; i++) {
                        int l = db->v4_lens[i];
                        if (l > plen)
                                continue; /* a wider network is not inside a narrower one */
                        const dg_fp_sig_t *s = g_hash_table_lookup(
                            db->v4[l], GUINT_TO_POINTER(v4_masked(a, l) ^ 0x5a5a5a5au));
                        if (s)
                                return s;
                }
                return NULL;
        }
        char key[33];
        for (int i = 0; i < db->nv6_lens; i++) {
                int l = db->v6_lens[i];
                if (l > plen)
                        continue;
                v6_key(a, l, key);
                const dg_fp_sig_t *s = g_hash_table_lookup(db->v6[l], key);
                if (s)
                        return s;
        }
        return NULL;
}

static void add_len(int *lens, int *n, int l)
{
        for (int i = 0; i < *n; i++)
                if (lens[i] == l)
                        return;
        int i = (*n)++;
        while (i > 0 && lens[i - 1] < l) { /* keep longest first */
                lens[i] = lens[i - 1];
                i--;
        }
        lens[i] = l;
}

/* ---- building ---- */

int dg_fpdb_new(dg_fpdb_t **out)
{
        if (out == NULL)
                return DG_EINVAL;
        dg_fpdb_t *db = g_new0(dg_fpdb_t, 1);
        db->sigs = g_ptr_array_new_with_free_func(g_free);
        db->strs = g_string_chunk_new(4096);
        db->nodes = g_ptr_array_new_with_free_func(trie_node_free);
        *out = db;
        return DG_OK;
}

void dg_fpdb_free(dg_fpdb_t *db)
{
        if (db == NULL)
                return;
        g_ptr_array_free(db->nodes, TRUE); /* every trie node */
        g_free(db->edges.e);
        for (int i = 0; i < TXT_BUCKETS; i++)
                if (db->txt[i])
                        g_ptr_array_free(db->txt[i], TRUE);
        GArray *stars[2] = {db->owner_star, db->dkim_star};
        for (int j = 0; j < 2; j++) {
                if (stars[j] == NULL)
                        continue;
                for (guint i = 0; i < stars[j]->len; i++)
                        g_free(g_array_index(stars[j], star_rule_t, i).prefix);
                g_array_free(stars[j], TRUE);
        }
        for (int i = 0; i <= 32; i++)
                if (db->v4[i])
                        g_hash_table_destroy(db->v4[i]);
        for (int i = 0; i <= 128; i++)
                if (db->v6[i])
                        g_hash_table_destroy(db->v6[i]);
        g_ptr_array_free(db->sigs, TRUE);
        g_string_chunk_free(db->strs);
        g_free(db);
}

static void star_add(GArray **rules, const char *pattern, const dg_fp_sig_t *sig)
{
        if (*rules == NULL)
                *rules = g_array_new(FALSE, FALSE, sizeof(star_rule_t));
        size_t len = strlen(pattern) - 1;
        for (guint i = 0; i < (*rules)->len; i++) {
                star_rule_t *r = &g_array_index(*rules, star_rule_t, i);
                if (r->len == len && memcmp(r->prefix, pattern, len) == 0) {
                        r->sig = sig;
                        return;
                }
        }
        star_rule_t r = {g_strndup(pattern, len), len, sig};
        g_array_append_val(*rules, r);
}

/* A TXT prefix, in its bucket, longest first; one with the same prefix is
 * replaced. */
static void index_txt(dg_fpdb_t *db, const dg_fp_sig_t *s)
{
        unsigned b = txt_bucket(s->pattern);
        if (db->txt[b] == NULL)
                db->txt[b] = g_ptr_array_new();
        GPtrArray *a = db->txt[b];
        for (guint i = 0; i < a->len; i++) {
                const dg_fp_sig_t *o = g_ptr_array_index(a, i);
                if (strcmp(o->pattern, s->pattern) == 0) {
                        a->pdata[i] = (gpointer)s;
                        return;
                }
        }
        g_ptr_array_add(a, (gpointer)s);
        g_ptr_array_sort(a, txt_longer_first);
}

/* An owner or DKIM pattern: a star rule, or a path of labels, left to
 * right, from the kind's root. */
static void index_owner(dg_fpdb_t *db, const dg_fp_sig_t *s)
{
        const char *p = s->pattern;
        bool own = s->kind == DG_FP_OWNER;
        if (p[strlen(p) - 1] == '*') {
                star_add(own ? &db->owner_star : &db->dkim_star, p, s);
                return;
        }
        const void *parent = own ? (const void *)&db->owner_root : &db->dkim_root;
        trie_node_t *n = NULL;
        unsigned nl = 0;
        for (const char *q = p; *q;) {
                const char *dot = strchr(q, '.');
                size_t l = dot ? (size_t)(dot - q) : strlen(q);
                n = etab_get(&db->edges, parent, q, l, lab_hash(q, l));
                if (n == NULL) {
                        n = node_new(db);
                        etab_put(&db->edges, parent,
                                 g_string_chunk_insert_len(db->strs, q, (gssize)l), l, n);
                }
                parent = n;
                nl++;
                q = dot ? dot + 1 : q + l;
        }
        n->sig = s;
        if (own && nl > db->owner_max_labels)
                db->owner_max_labels = nl;
}

/* An address prefix, in the table of its family and length. */
static void index_addr(dg_fpdb_t *db, const dg_fp_sig_t *s)
{
        int fam, l;
        uint8_t a[16];
        if (!parse_cidr(s->pattern, strlen(s->pattern), &fam, a, &l))
                return; /* validated by the loader */
        if (fam == AF_INET) {
                if (db->v4[l] == NULL)
                        db->v4[l] = g_hash_table_new(g_direct_hash, g_direct_equal);
                g_hash_table_insert(db->v4[l], GUINT_TO_POINTER(v4_masked(a, l) ^ 0x5a5a5a5au),
                                    (gpointer)s);
                add_len(db->v4_lens, &db->nv4_lens, l);
        } else {
                if (db->v6[l] == NULL)
                        db->v6[l] = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
                char key[33];
                v6_key(a, l, key);
                g_hash_table_insert(db->v6[l], g_strdup(key), (gpointer)s);
                add_len(db->v6_lens, &db->nv6_lens, l);
        }
}

static void index_sig(dg_fpdb_t *db, const dg_fp_sig_t *s)
{
        switch (s->kind) {
        case DG_FP_TXT:
                index_txt(db, s);
                break;
        case DG_FP_OWNER:
        case DG_FP_DKIM:
                index_owner(db, s);
                break;
        case DG_FP_ADDR:
                index_addr(db, s);
                break;
        default:
                if (db->trie[s->kind] == NULL)
                        db->trie[s->kind] = node_new(db);
                trie_insert(db, db->trie[s->kind], s->pattern, s);
        }
}

/* Validates a pattern for its kind; returns NULL or a static reason. */
static const char *check_pattern(dg_fp_kind_t k, const char *p)
{
        size_t len = strlen(p);
        if (len == 0)
                return "empty pattern";
        switch (k) {
        case DG_FP_TXT:
                if (len < 2)
                        return "a TXT prefix needs at least 2 characters";
                return NULL;
        case DG_FP_ADDR: {
                int fam, l;
                uint8_t a[16];
                if (!parse_cidr(p, len, &fam, a, &l))
                        return "not an address or CIDR prefix";
                return NULL;
        }
        default:
                break;
        }
        /* names: labels of letters, digits, '-', '_'; '*' alone or at a label's end */
        if (p[len - 1] == '.' || p[0] == '.')
                return "pattern has a leading or trailing dot";
        size_t lab = 0;
        for (size_t i = 0; i <= len; i++) {
                char c = p[i];
                if (c == '.' || c == '\0') {
                        if (lab == 0)
                                return "empty label in pattern";
                        if (lab > DG_LABEL_MAX)
                                return "label longer than 63 octets";
                        lab = 0;
                        continue;
                }
                if (c == '*') {
                        if (p[i + 1] != '.' && p[i + 1] != '\0')
                                return "'*' must end a label";
                        if ((k == DG_FP_OWNER || k == DG_FP_DKIM) && (p[i + 1] != '\0' || i == 0))
                                return "owner/dkim patterns allow '*' only at the end of a "
                                       "non-empty prefix";
                } else if (!g_ascii_isalnum(c) && c != '-' && c != '_') {
                        return "invalid character in name pattern";
                }
                lab++;
        }
        if (is_host_kind(k) && (p[0] == '*' && p[1] == '\0'))
                return "pattern matches everything";
        return NULL;
}

typedef struct {
        dg_fp_sig_t sig;
        char *fields[6];
        char *checked; /* the takeover entry's date, until interned */
} pending_t;

static const char *const strength_names[DG_FP_STRENGTH_COUNT_] = {"token", "host", "range"};

const char *dg_fp_strength_str(dg_fp_strength_t s)
{
        if ((unsigned)s >= DG_FP_STRENGTH_COUNT_)
                return "unknown";
        return strength_names[s];
}

/* "strength:token|host|range"; NULL or a reason. */
static const char *parse_strength(const char *v, dg_fp_sig_t *sig, bool *explicit_)
{
        for (int i = 0; i < DG_FP_STRENGTH_COUNT_; i++)
                if (strcmp(v, strength_names[i]) == 0) {
                        sig->strength = (dg_fp_strength_t)i;
                        *explicit_ = true;
                        return NULL;
                }
        return "unknown strength (strength:token|host|range)";
}

/* A date "YYYY-MM-DD" that exists in the calendar. */
static bool valid_date(const char *d)
{
        if (strlen(d) != 10 || d[4] != '-' || d[7] != '-')
                return false;
        for (int i = 0; i < 10; i++)
                if (i != 4 && i != 7 && !g_ascii_isdigit(d[i]))
                        return false;
        int y = atoi(d), m = atoi(d + 5), day = atoi(d + 8);
        return y >= 1990 && g_date_valid_dmy((GDateDay)day, (GDateMonth)m, (GDateYear)y);
}

/* "takeover:CONDITION:STATUS:YYYY-MM-DD" (the text after "takeover:");
 * NULL or a reason. */
static const char *parse_takeover(const char *v, pending_t *pe)
{
        static const char *const conds[] = {"nxdomain", "unclaimed", "lame"};
        static const char *const stats[] = {"vulnerable", "not-vulnerable", "edge-case"};
        char **f = g_strsplit(v, ":", 4);
        const char *why = NULL;
        if (g_strv_length(f) != 3)
                why = "takeover needs takeover:CONDITION:STATUS:YYYY-MM-DD (STATUS vulnerable, "
                      "not-vulnerable or edge-case; the old takeover:CONDITION form is gone)";
        const char *cond = NULL, *status = NULL;
        for (size_t i = 0; why == NULL && i < G_N_ELEMENTS(conds); i++)
                if (strcmp(f[0], conds[i]) == 0)
                        cond = conds[i];
        for (size_t i = 0; why == NULL && i < G_N_ELEMENTS(stats); i++)
                if (strcmp(f[1], stats[i]) == 0)
                        status = stats[i];
        if (why == NULL && cond == NULL)
                why = "unknown takeover condition (nxdomain, unclaimed, lame)";
        else if (why == NULL && status == NULL)
                why = "unknown takeover status (vulnerable, not-vulnerable, edge-case)";
        else if (why == NULL && !valid_date(f[2]))
                why = "takeover date is not a valid YYYY-MM-DD";
        else if (why == NULL && pe->checked)
                why = "more than one takeover entry";
        if (why == NULL) {
                /* static strings: the flag text is freed */
                pe->sig.takeover_condition = cond;
                pe->sig.takeover_status = status;
                pe->sig.takeover = status == stats[0];
                pe->checked = g_strdup(f[2]);
        }
        g_strfreev(f);
        return why;
}

/* Reads the flags field ("-" or a comma list) into pe; NULL or a reason.
 * Without a strength flag the kind decides: a verification token (txt,
 * owner) is a token, an address range a range, anything else a host. */
static const char *parse_flags(const char *flags, pending_t *pe)
{
        dg_fp_sig_t *sig = &pe->sig;
        const char *why = NULL;
        bool explicit_ = false;
        char **fl = g_strsplit(flags, ",", -1);
        for (char **q = fl; strcmp(flags, "-") != 0 && *q && why == NULL; q++) {
                char *w = g_strstrip(*q);
                if (strcmp(w, "verify") == 0)
                        sig->verification = true;
                else if (strncmp(w, "strength:", 9) == 0)
                        why = parse_strength(w + 9, sig, &explicit_);
                else if (strncmp(w, "takeover:", 9) == 0)
                        why = parse_takeover(w + 9, pe);
                else if (*w)
                        why = "unknown flag (verify, strength:token|host|range, "
                              "takeover:CONDITION:STATUS:YYYY-MM-DD)";
        }
        g_strfreev(fl);
        if (!explicit_) {
                bool tok =
                    sig->verification && (sig->kind == DG_FP_TXT || sig->kind == DG_FP_OWNER);
                sig->strength = sig->kind == DG_FP_ADDR ? DG_FP_STRENGTH_RANGE
                                : tok                   ? DG_FP_STRENGTH_TOKEN
                                                        : DG_FP_STRENGTH_HOST;
        }
        return why;
}

/* Checks the six fields of a line, trimming them and normalizing the
 * pattern of name kinds (lowercase, no trailing dot). NULL or a reason. */
static const char *check_fields(char **f, int *kind)
{
        if (g_strv_length(f) != 6)
                return "expected 6 tab-separated fields: kind pattern provider category "
                       "flags reference";
        if ((*kind = dg_fp_kind_parse(g_strstrip(f[0]))) < 0)
                return "unknown kind (mx spf txt cname ns srv caa dmarc dkim owner addr)";
        for (int i = 1; i < 6; i++)
                g_strstrip(f[i]);
        if (*kind != DG_FP_TXT) {
                char *low = g_ascii_strdown(f[1], -1);
                g_free(f[1]);
                f[1] = low;
                size_t l = strlen(f[1]);
                if (l > 1 && f[1][l - 1] == '.' && *kind != DG_FP_ADDR)
                        f[1][l - 1] = '\0';
        }
        if (f[2][0] == '\0')
                return "empty provider";
        if (f[3][0] == '\0')
                return "empty category";
        if (f[5][0] == '\0')
                return "empty reference";
        return check_pattern((dg_fp_kind_t)*kind, f[1]);
}

/* Parses one signature line into *pe (which then owns its fields). NULL or
 * a reason (nothing to free then). */
static const char *parse_sig_line(const char *line, unsigned lineno, pending_t *pe)
{
        char **f = g_strsplit(line, "\t", 7);
        int kind = -1;
        memset(pe, 0, sizeof *pe);
        const char *why = check_fields(f, &kind);
        if (why == NULL) {
                pe->sig.kind = (dg_fp_kind_t)kind;
                pe->sig.line = lineno;
                why = parse_flags(f[4], pe);
        }
        if (why) {
                g_strfreev(f);
                g_free(pe->checked);
                pe->checked = NULL;
                return why;
        }
        for (int i = 0; i < 6; i++)
                pe->fields[i] = f[i];
        g_free(f); /* the strings now belong to pe */
        return NULL;
}

/* Adds the parsed signatures to db when ok, and frees them. */
static void add_pending(dg_fpdb_t *db, GArray *pend, const char *source, bool ok)
{
        const char *src = g_string_chunk_insert_const(db->strs, source);
        for (guint i = 0; i < pend->len; i++) {
                pending_t *pe = &g_array_index(pend, pending_t, i);
                if (ok) {
                        dg_fp_sig_t *s = g_new(dg_fp_sig_t, 1);
                        *s = pe->sig;
                        s->pattern = g_string_chunk_insert_const(db->strs, pe->fields[1]);
                        s->provider = g_string_chunk_insert_const(db->strs, pe->fields[2]);
                        s->category = g_string_chunk_insert_const(db->strs, pe->fields[3]);
                        s->reference = g_string_chunk_insert_const(db->strs, pe->fields[5]);
                        s->source = src;
                        s->takeover_checked =
                            pe->checked ? g_string_chunk_insert_const(db->strs, pe->checked) : NULL;
                        g_ptr_array_add(db->sigs, s);
                        index_sig(db, s);
                }
                for (int j = 0; j < 6; j++)
                        g_free(pe->fields[j]);
                g_free(pe->checked);
        }
}

int dg_fpdb_load_data(dg_fpdb_t *db, const char *text, size_t len, const char *source,
                      char **errmsg)
{
        if (errmsg)
                *errmsg = NULL;
        if (db == NULL || (text == NULL && len > 0))
                return DG_EINVAL;
        if (source == NULL)
                source = "data";
        /* first pass: parse and check every line; nothing is added on error */
        GArray *pend = g_array_new(FALSE, TRUE, sizeof(pending_t));
        const char *p = text, *end = text + len;
        unsigned lineno = 0;
        const char *why = NULL;
        while (p < end && why == NULL) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *le = nl ? nl : end;
                lineno++;
                char *line = g_strndup(p, (size_t)(le - p));
                p = nl ? nl + 1 : end;
                g_strchomp(line);
                const char *t = line + strspn(line, " \t");
                pending_t pe;
                if (*t != '\0' && *t != '#' && (why = parse_sig_line(line, lineno, &pe)) == NULL)
                        g_array_append_val(pend, pe);
                g_free(line);
        }
        if (why && errmsg)
                *errmsg = g_strdup_printf("%s:%u: %s", source, lineno, why);
        add_pending(db, pend, source, why == NULL);
        g_array_free(pend, TRUE);
        return why ? DG_EPARSE : DG_OK;
}

/* dg_fpdb_load_data as a dg_text_parser_t. */
static int load_data_cb(void *db, const char *text, size_t len, const char *source, char **errmsg)
{
        return dg_fpdb_load_data(db, text, len, source, errmsg);
}

int dg_fpdb_load_file(dg_fpdb_t *db, const char *path, char **errmsg)
{
        if (errmsg)
                *errmsg = NULL;
        if (db == NULL || path == NULL)
                return DG_EINVAL;
        return dg_load_file(path, load_data_cb, db, errmsg);
}

int dg_fpdb_new_default(dg_fpdb_t **out)
{
        int rc = dg_fpdb_new(out);
        if (rc != DG_OK)
                return rc;
        /* the unit tests check that the built-in data loads cleanly */
        rc = dg_fpdb_load_data(*out, dg_fp_builtin_data, dg_fp_builtin_data_len, "builtin", NULL);
        if (rc != DG_OK) {
                dg_fpdb_free(*out);
                *out = NULL;
        }
        return rc;
}

const dg_fpdb_t *dg_fpdb_default(void)
{
        static gsize once = 0;
        static dg_fpdb_t *db = NULL;
        if (g_once_init_enter(&once)) {
                dg_fpdb_new_default(&db);
                g_once_init_leave(&once, 1);
        }
        return db;
}

size_t dg_fpdb_count(const dg_fpdb_t *db)
{
        return db ? db->sigs->len : 0;
}

const dg_fp_sig_t *dg_fpdb_get(const dg_fpdb_t *db, size_t i)
{
        if (db == NULL || i >= db->sigs->len)
                return NULL;
        return g_ptr_array_index(db->sigs, i);
}

void dg_fpdb_stats(const dg_fpdb_t *db, dg_fpdb_stats_t *out)
{
        memset(out, 0, sizeof *out);
        if (db == NULL)
                return;
        GHashTable *prov = g_hash_table_new(g_direct_hash, g_direct_equal);
        GHashTable *ver = g_hash_table_new(g_direct_hash, g_direct_equal);
        for (guint i = 0; i < db->sigs->len; i++) {
                const dg_fp_sig_t *s = g_ptr_array_index(db->sigs, i);
                out->signatures++;
                out->by_kind[s->kind]++;
                if (s->takeover)
                        out->takeover++;
                if (s->takeover_status)
                        out->takeover_entries++;
                out->by_strength[s->strength]++;
                g_hash_table_add(prov, (gpointer)s->provider); /* interned: pointer = name */
                if (s->verification)
                        g_hash_table_add(ver, (gpointer)s->provider);
        }
        out->providers = g_hash_table_size(prov);
        out->verification = g_hash_table_size(ver);
        g_hash_table_destroy(prov);
        g_hash_table_destroy(ver);
}
