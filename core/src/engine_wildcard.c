/* Zones and wildcard detection.
 *
 * Wildcards are learnt per "level": a parent name under which candidates
 * are asked. A zone level (the domain, each name recursion descends into)
 * has one; so has every other parent a multi-label candidate has
 * (x.a.b.Z -> a.b.Z). A level's probes are random labels under it: their
 * answers are what the closest enclosing wildcard synthesises for any name
 * there that does not exist, so a candidate is compared with the level of
 * its own parent. Levels are cached by name (an LRU with a cap: evictions
 * are counted), so the probes of a parent serve every candidate under it.
 *
 * Answers are kept as 64-bit hashes of their records ("TYPE rdata"), in
 * small sorted sets: a candidate is the wildcard's when every record of its
 * answer is in the set. A rotating wildcard (a pool of addresses served a
 * few at a time) is learnt by re-probing whenever an answer is not covered,
 * for as long as the re-probes keep finding records (bounded).
 *
 * The root reported ("*.b.Z") is found by climbing, as puredns does: a
 * level's own name is asked; if its answer overlaps the parent level's
 * wildcard answers, the level's name does not exist and the wildcard comes
 * from above: the root is the parent's root. Zone levels are their own
 * roots (the domain, or a name found real). A level whose root is higher
 * shares its records with the root's set (pooled learning of rotations).
 *
 * Per-resolver views: every probe answer is also kept per resolver (a few
 * resolvers per level). When the probes disagree (some resolvers synthesise,
 * others say NXDOMAIN: a stale zone, a split view), the level is "split" and
 * a candidate is compared with the view of the resolver that answered it
 * only. An answer not covered, from a resolver whose view of the level is
 * not known yet, makes the engine probe the level through that resolver
 * before deciding. */
#include "engine_int.h"

#define WLEVEL_MAX 4096           /* non-zone levels cached; least recently used evicted */
#define WLEVEL_SET_MAX 1024       /* record hashes kept per level (and per view) */
#define WLEVEL_VIEWS_MAX 32       /* resolvers whose own view of a level is kept */
#define WLEVEL_VIEW_PROBES 2      /* probes through one resolver */
#define WILDCARD_REPROBES_MAX 512 /* hard cap of re-probes per level */

enum { W_GENERAL = 0, W_VIEW = 1, W_SELF = 2 };
enum { ROOT_UNKNOWN = 0, ROOT_CLIMBING, ROOT_KNOWN };

typedef struct {
        uint64_t *v;
        unsigned n, cap;
} hset_t;

typedef struct {
        uint32_t res;
        unsigned probes;  /* sent through this resolver */
        unsigned pending; /* ... and not answered yet */
        unsigned answers, cnames;
        bool wildcard, nodata;
        hset_t set;
} rview_t;

struct wlevel {
        uint8_t name[DG_NAME_WIRE_MAX];
        uint32_t id;
        int zone; /* the zone whose own level this is, or -1 */
        int state;
        unsigned probes_pending;
        unsigned reprobes;
        unsigned refs; /* levels climbing through this one */
        bool wildcard, nodata, split;
        unsigned answers, cnames, nx;
        hset_t set;
        GArray *views; /* rview_t */
        int root_state;
        bool self_done;
        int self_rcode;
        hset_t self;
        struct wlevel *climb_parent; /* held (refs) while climbing */
        uint8_t root[DG_NAME_WIRE_MAX];
        GQueue waiting; /* cand_t* */
        GList *lru;     /* node in wcache.lru, NULL for zone levels */
};

struct wcache {
        GHashTable *by_name; /* level->name -> level */
        GHashTable *by_id;   /* id -> level */
        GQueue lru;          /* non-zone levels, most recent first */
        GQueue starved;      /* levels waiting for free slots to probe */
        GQueue climbing;     /* levels whose root is being found */
        uint32_t next_id;
};

/* ------------------------------------------------------------ hash sets */

static bool hset_has(const hset_t *s, uint64_t h)
{
        unsigned lo = 0, hi = s->n;
        while (lo < hi) {
                unsigned mid = (lo + hi) / 2;
                if (s->v[mid] == h)
                        return true;
                if (s->v[mid] < h)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return false;
}

/* Returns true if h was new. */
static bool hset_add(hset_t *s, uint64_t h)
{
        unsigned lo = 0, hi = s->n;
        while (lo < hi) {
                unsigned mid = (lo + hi) / 2;
                if (s->v[mid] == h)
                        return false;
                if (s->v[mid] < h)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (s->n >= WLEVEL_SET_MAX)
                return false;
        if (s->n == s->cap) {
                s->cap = s->cap ? s->cap * 2 : 8;
                s->v = g_renew(uint64_t, s->v, s->cap);
        }
        memmove(s->v + lo + 1, s->v + lo, (s->n - lo) * sizeof(uint64_t));
        s->v[lo] = h;
        s->n++;
        return true;
}

static bool hset_overlap(const hset_t *a, const hset_t *b)
{
        for (unsigned i = 0; i < a->n; i++)
                if (hset_has(b, a->v[i]))
                        return true;
        return false;
}

/* FNV-1a of a "TYPE rdata" record, case-insensitive (names in rdata). */
static uint64_t rec_hash(const char *s)
{
        return dg_fnv_lower(DG_FNV_INIT, s, strlen(s));
}

/* The hash of answer record i of p. The qname's own CNAME (the first hop of
 * a chain) hashes apart from the same record further down a chain: a real
 * name whose CNAME points into the wildcard's chain (real -> hop2 while
 * *.x -> hop1 -> hop2) is not the wildcard's answer. */
static uint64_t sig_hash(const parsed_t *p, guint i)
{
        const char *s = g_ptr_array_index(p->sig, i);
        uint64_t h = rec_hash(s);
        if (p->cname && p->cname->len > 0 && g_str_has_prefix(s, "CNAME ") &&
            g_ascii_strcasecmp(s + 6, g_ptr_array_index(p->cname, 0)) == 0)
                h ^= 0x9e3779b97f4a7c15ull;
        return h;
}

/* ------------------------------------------------------------ levels */

static guint name_hash_fn(gconstpointer k)
{
        return (guint)dg_name_hash(k);
}

static gboolean name_equal_fn(gconstpointer a, gconstpointer b)
{
        return dg_name_equal(a, b);
}

static void level_free(gpointer p)
{
        wlevel_t *l = p;
        g_free(l->set.v);
        g_free(l->self.v);
        for (guint i = 0; l->views && i < l->views->len; i++)
                g_free(g_array_index(l->views, rview_t, i).set.v);
        if (l->views)
                g_array_free(l->views, TRUE);
        g_queue_clear(&l->waiting);
        g_free(l);
}

static struct wcache *wc_get(dg_engine_t *e)
{
        if (e->wc == NULL) {
                struct wcache *w = g_new0(struct wcache, 1);
                w->by_name = g_hash_table_new(name_hash_fn, name_equal_fn);
                w->by_id = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, level_free);
                g_queue_init(&w->lru);
                g_queue_init(&w->starved);
                g_queue_init(&w->climbing);
                e->wc = w;
        }
        return e->wc;
}

void eng_wildcard_free(dg_engine_t *e)
{
        struct wcache *w = e->wc;
        if (w == NULL)
                return;
        g_queue_clear(&w->lru);
        g_queue_clear(&w->starved);
        g_queue_clear(&w->climbing);
        g_hash_table_destroy(w->by_name);
        g_hash_table_destroy(w->by_id);
        g_free(w);
        e->wc = NULL;
}

static wlevel_t *level_by_id(dg_engine_t *e, uint32_t id)
{
        return e->wc ? g_hash_table_lookup(e->wc->by_id, GUINT_TO_POINTER(id)) : NULL;
}

static wlevel_t *level_by_name(dg_engine_t *e, const uint8_t *name)
{
        return e->wc ? g_hash_table_lookup(e->wc->by_name, name) : NULL;
}

static void level_touch(dg_engine_t *e, wlevel_t *l)
{
        if (l->lru == NULL)
                return;
        g_queue_unlink(&e->wc->lru, l->lru);
        g_queue_push_head_link(&e->wc->lru, l->lru);
}

static bool level_idle(const wlevel_t *l)
{
        return l->state == Z_READY && l->refs == 0 && l->probes_pending == 0 &&
               l->waiting.length == 0 && l->root_state != ROOT_CLIMBING;
}

/* Evicts least recently used idle levels down to the cap. */
static void level_evict(dg_engine_t *e)
{
        struct wcache *w = e->wc;
        GList *it = w->lru.tail;
        while (w->lru.length > WLEVEL_MAX && it != NULL) {
                GList *prev = it->prev;
                wlevel_t *l = it->data;
                if (level_idle(l)) {
                        g_queue_delete_link(&w->lru, it);
                        g_hash_table_remove(w->by_name, l->name);
                        g_hash_table_remove(w->by_id, GUINT_TO_POINTER(l->id));
                        e->st.wildcard_evicted++;
                }
                it = prev;
        }
}

static wlevel_t *level_get(dg_engine_t *e, const uint8_t *name, int zone)
{
        struct wcache *w = wc_get(e);
        wlevel_t *l = g_hash_table_lookup(w->by_name, name);
        if (l == NULL) {
                l = g_new0(wlevel_t, 1);
                memcpy(l->name, name, (size_t)dg_name_len(name, DG_NAME_WIRE_MAX));
                dg_name_lower(l->name);
                l->id = ++w->next_id;
                l->zone = -1;
                l->state = Z_NEW;
                l->views = g_array_new(FALSE, TRUE, sizeof(rview_t));
                g_queue_init(&l->waiting);
                g_hash_table_insert(w->by_name, l->name, l);
                g_hash_table_insert(w->by_id, GUINT_TO_POINTER(l->id), l);
                e->st.wildcard_levels++;
                if (zone < 0) {
                        g_queue_push_head(&w->lru, l);
                        l->lru = w->lru.head;
                        level_evict(e);
                }
        }
        if (zone >= 0) {
                /* a zone's level: never evicted, its own root */
                if (l->lru) {
                        g_queue_delete_link(&w->lru, l->lru);
                        l->lru = NULL;
                }
                l->zone = zone;
        } else {
                level_touch(e, l);
        }
        return l;
}

static rview_t *view_of(wlevel_t *l, uint32_t res)
{
        for (guint i = 0; i < l->views->len; i++) {
                rview_t *v = &g_array_index(l->views, rview_t, i);
                if (v->res == res)
                        return v;
        }
        return NULL;
}

static rview_t *view_add(wlevel_t *l, uint32_t res)
{
        rview_t *v = view_of(l, res);
        if (v || l->views->len >= WLEVEL_VIEWS_MAX)
                return v;
        rview_t nv = {0};
        nv.res = res;
        g_array_append_val(l->views, nv);
        return &g_array_index(l->views, rview_t, l->views->len - 1);
}

/* ------------------------------------------------------------ probing */

static cand_t *probe_new(dg_engine_t *e, wlevel_t *l, int what, int resolver, bool two_labels)
{
        cand_t *c;
        if (what == W_SELF) {
                c = eng_cand_new(e, K_WILDCARD);
                if (c == NULL)
                        return NULL;
                memcpy(c->name, l->name, (size_t)dg_name_len(l->name, DG_NAME_WIRE_MAX));
                c->qtypes[0] = e->types[0];
                c->ntypes = 1;
                e->st.probes++;
                eng_enqueue(e, c, true);
        } else {
                c = eng_probe_new(e, K_WILDCARD, l->name, e->types[0], resolver, two_labels);
                if (c == NULL)
                        return NULL;
        }
        c->zone = l->zone;
        c->wlevel = l->id;
        c->wprobe = (uint8_t)what;
        return c;
}

/* Sends n probes of l (through resolver, or any if < 0). Returns how many. */
static unsigned level_probe(dg_engine_t *e, wlevel_t *l, unsigned n, int resolver, bool reprobe)
{
        unsigned sent = 0;
        for (unsigned k = 0; k < n; k++) {
                bool two = l->zone >= 0 && !reprobe && resolver < 0 && k == n - 1;
                if (probe_new(e, l, resolver >= 0 ? W_VIEW : W_GENERAL, resolver, two) == NULL)
                        break;
                sent++;
        }
        l->probes_pending += sent;
        if (reprobe)
                l->reprobes += sent;
        if (resolver >= 0 && !reprobe) {
                /* one resolver's own view: only what it answers waits for
                 * it (the level stays ready for the others' answers) */
                rview_t *v = view_add(l, (uint32_t)resolver);
                if (v)
                        v->pending += sent;
                else if (sent > 0)
                        l->state = Z_PROBING;
        } else if (sent > 0) {
                l->state = Z_PROBING;
        }
        return sent;
}

static void level_ready(dg_engine_t *e, wlevel_t *l);

/* First probes of a level; a level that cannot have its probes now (no free
 * slot) waits in the starved queue. */
static void level_start(dg_engine_t *e, wlevel_t *l)
{
        if (l->state != Z_NEW)
                return;
        if (e->o.no_wildcard) {
                l->root_state = ROOT_KNOWN;
                memcpy(l->root, l->name, (size_t)dg_name_len(l->name, DG_NAME_WIRE_MAX));
                level_ready(e, l);
                return;
        }
        if (e->nfree < WILDCARD_PROBES + 2 || level_probe(e, l, WILDCARD_PROBES, -1, false) == 0) {
                if (g_queue_find(&e->wc->starved, l) == NULL) {
                        l->refs++;
                        g_queue_push_tail(&e->wc->starved, l);
                }
        }
}

static unsigned reprobe_budget(const wlevel_t *l)
{
        /* more for a large pool, as long as the rounds keep finding records */
        unsigned b = WILDCARD_REPROBES + 4 * l->set.n;
        return b < WILDCARD_REPROBES_MAX ? b : WILDCARD_REPROBES_MAX;
}

static void zone_sync(dg_engine_t *e, wlevel_t *l)
{
        zone_t *z = eng_zone_at(e, l->zone);
        if (z && z->wl == l) {
                z->state = l->state == Z_READY ? Z_READY : Z_PROBING;
                z->wildcard = l->wildcard;
        }
}

static void level_ready(dg_engine_t *e, wlevel_t *l)
{
        l->state = Z_READY;
        zone_sync(e, l);
        cand_t *c;
        while ((c = g_queue_pop_head(&l->waiting)) != NULL)
                eng_enqueue(e, c, true);
}

static void root_known(dg_engine_t *e, wlevel_t *l, const uint8_t *root)
{
        memcpy(l->root, root, (size_t)dg_name_len(root, DG_NAME_WIRE_MAX));
        l->root_state = ROOT_KNOWN;
        if (l->climb_parent) {
                l->climb_parent->refs--;
                l->climb_parent = NULL;
        }
        if (dg_name_equal(l->root, l->name)) {
                char *zn = eng_name_text(l->name, false);
                eng_logf(e, DG_LOG_INFO, "wildcard at *.%s (%u answer records)", zn, l->set.n);
                g_free(zn);
        } else {
                /* pooled learning: the root's set grows with this level's */
                wlevel_t *r = level_by_name(e, l->root);
                for (unsigned i = 0; r && i < l->set.n; i++)
                        hset_add(&r->set, l->set.v[i]);
        }
}

/* Starts finding l's root: its parent's level and its own answer. */
static void climb_start(dg_engine_t *e, wlevel_t *l)
{
        if (l->zone >= 0 || dg_name_equal(l->name, e->domain) || l->name[0] == 0) {
                root_known(e, l, l->name);
                return;
        }
        l->root_state = ROOT_CLIMBING;
        wlevel_t *q = level_get(e, l->name + 1 + l->name[0], -1);
        q->refs++;
        l->climb_parent = q;
        l->refs++; /* held by the climbing queue */
        g_queue_push_tail(&e->wc->climbing, l);
        if (q->state == Z_NEW)
                level_start(e, q);
        cand_t *c = probe_new(e, l, W_SELF, -1, false);
        if (c == NULL) {
                l->self_done = true; /* no slot: decide without it (no climbing) */
                l->self_rcode = -1;
        } else {
                l->probes_pending++;
        }
}

/* Moves the levels on whose root can be decided now. */
static void wild_pump(dg_engine_t *e)
{
        struct wcache *w = e->wc;
        if (w == NULL)
                return;
        bool moved = true;
        while (moved) {
                moved = false;
                for (GList *it = w->climbing.head; it != NULL;) {
                        GList *next = it->next;
                        wlevel_t *l = it->data;
                        wlevel_t *q = l->climb_parent;
                        if (l->self_done && l->probes_pending == 0 && q && q->state == Z_READY) {
                                bool climb = false;
                                if (q->wildcard && !q->split && l->self_rcode == DG_RCODE_NOERROR) {
                                        if (l->self.n > 0) {
                                                wlevel_t *qr = level_by_name(e, q->root);
                                                climb = hset_overlap(&l->self, &q->set) ||
                                                        (qr && hset_overlap(&l->self, &qr->set));
                                        } else {
                                                climb = q->nodata && l->nodata;
                                        }
                                }
                                g_queue_delete_link(&w->climbing, it);
                                l->refs--;
                                root_known(e, l, climb ? q->root : l->name);
                                level_ready(e, l);
                                moved = true;
                        }
                        it = next;
                }
        }
        /* levels that had no slot for their probes */
        while (w->starved.length > 0 && e->nfree > WILDCARD_PROBES + 2) {
                wlevel_t *l = g_queue_pop_head(&w->starved);
                l->refs--;
                level_start(e, l);
                if (l->state == Z_NEW)
                        break; /* pushed back */
        }
}

void eng_wildcard_pump(dg_engine_t *e)
{
        wild_pump(e);
}

/* l's probes are all in: decide, or climb to the root first. */
static void level_settle(dg_engine_t *e, wlevel_t *l)
{
        l->split = l->wildcard && l->nx > 0;
        if (l->wildcard && l->root_state == ROOT_UNKNOWN && !l->split) {
                climb_start(e, l);
                if (l->root_state == ROOT_CLIMBING)
                        return; /* ready once the root is known */
        }
        if (l->root_state == ROOT_UNKNOWN) {
                /* no wildcard (or a split one): reported as its own */
                memcpy(l->root, l->name, (size_t)dg_name_len(l->name, DG_NAME_WIRE_MAX));
                if (l->wildcard)
                        l->root_state = ROOT_KNOWN;
        }
        if (l->root_state != ROOT_CLIMBING)
                level_ready(e, l);
}

/* A wildcard probe's question has its final answer (or none: rcode < 0). */
void eng_wildcard_probe_done(dg_engine_t *e, cand_t *c, int rcode, parsed_t *p)
{
        wlevel_t *l = level_by_id(e, c->wlevel);
        if (l == NULL)
                return;
        bool data = p && p->sig && p->sig->len > 0;
        bool cname = p && p->cname && p->cname->len > 0;
        if (c->wprobe == W_VIEW) {
                rview_t *pv = view_of(l, c->resolver);
                if (pv && pv->pending > 0)
                        pv->pending--;
        }
        if (c->wprobe == W_SELF) {
                l->self_done = true;
                l->self_rcode = rcode;
                for (guint i = 0; data && i < p->sig->len; i++)
                        hset_add(&l->self, sig_hash(p, i));
        } else if (rcode >= 0) {
                rview_t *v = view_add(l, c->resolver);
                if (v && c->wprobe == W_VIEW)
                        v->probes++;
                if (rcode == DG_RCODE_NOERROR) {
                        l->wildcard = true;
                        if (v)
                                v->wildcard = true;
                        if (!data) {
                                l->nodata = true;
                                if (v)
                                        v->nodata = true;
                        } else {
                                l->answers++;
                                l->cnames += cname;
                                if (v) {
                                        v->answers++;
                                        v->cnames += cname;
                                }
                        }
                        wlevel_t *r =
                            l->root_state == ROOT_KNOWN && !dg_name_equal(l->root, l->name)
                                ? level_by_name(e, l->root)
                                : NULL;
                        for (guint i = 0; data && i < p->sig->len; i++) {
                                uint64_t h = sig_hash(p, i);
                                /* a view's answers join the level's only
                                 * when the resolvers agree (not split) */
                                if (c->wprobe == W_GENERAL || !l->split)
                                        hset_add(&l->set, h);
                                if (v)
                                        hset_add(&v->set, h);
                                if (r)
                                        hset_add(&r->set, h);
                        }
                } else if (rcode == DG_RCODE_NXDOMAIN && c->wprobe == W_GENERAL) {
                        l->nx++;
                }
        }
        if (l->probes_pending > 0 && --l->probes_pending == 0) {
                if (l->root_state == ROOT_CLIMBING)
                        ; /* the self probe: wild_pump decides */
                else
                        level_settle(e, l);
        }
        wild_pump(e);
}

/* ------------------------------------------------------------ zones */

int eng_zone_add(dg_engine_t *e, const uint8_t *name, unsigned depth)
{
        char *text = eng_name_text(name, false);
        char *key = g_ascii_strdown(text, -1);
        g_free(text);
        if (g_hash_table_contains(e->zone_names, key)) {
                g_free(key);
                return -1;
        }
        zone_t *z = g_new0(zone_t, 1);
        memcpy(z->name, name, (size_t)dg_name_len(name, DG_NAME_WIRE_MAX));
        dg_name_lower(z->name);
        z->depth = depth;
        z->state = Z_NEW;
        g_queue_init(&z->waiting);
        g_queue_init(&z->resume);
        g_ptr_array_add(e->zones, z);
        g_hash_table_add(e->zone_names, key);
        int zi = (int)e->zones->len - 1;
        z->wl = level_get(e, z->name, zi);
        if (z->wl->state != Z_NEW)
                zone_sync(e, z->wl);
        return zi;
}

void eng_zone_free(gpointer p)
{
        zone_t *z = p;
        if (z->wl && z->wl->zone >= 0)
                z->wl->zone = -1;
        g_queue_clear(&z->waiting);
        g_queue_clear_full(&z->resume, g_free);
        g_free(z);
}

zone_t *eng_zone_at(dg_engine_t *e, int i)
{
        return (i >= 0 && (guint)i < e->zones->len) ? g_ptr_array_index(e->zones, i) : NULL;
}

void eng_zone_start_probes(dg_engine_t *e, int zi)
{
        zone_t *z = eng_zone_at(e, zi);
        wlevel_t *l = z->wl;
        if (l->state == Z_NEW) {
                level_start(e, l);
                if (l->state == Z_NEW && !e->o.no_wildcard && l->probes_pending == 0) {
                        /* no slot now: the zone goes on without wildcard
                         * knowledge, as before (the refill checks for
                         * free slots before starting a zone) */
                        g_queue_remove(&e->wc->starved, l);
                        l->refs--;
                        memcpy(l->root, l->name, (size_t)dg_name_len(l->name, DG_NAME_WIRE_MAX));
                        level_ready(e, l);
                }
        }
        zone_sync(e, l);
        if (z->state == Z_NEW)
                z->state = Z_PROBING;
}

/* ------------------------------------------------------------ candidates */

/* Is every record of the answer one the level's wildcard gives, as seen by
 * resolver res? */
static bool level_match(dg_engine_t *e, const wlevel_t *l, uint32_t res, const parsed_t *p)
{
        const rview_t *v = view_of((wlevel_t *)l, res);
        bool gen = l->wildcard && !l->split;
        bool own = v && v->wildcard;
        if (!gen && !own)
                return false;
        if (p->sig == NULL || p->sig->len == 0)
                return (gen && l->nodata) || (own && v->nodata);
        /* A CNAME wildcard's answers all start with the CNAME: a name with
         * just the target's address is a real name, not the wildcard. */
        unsigned answers = (gen ? l->answers : 0) + (own ? v->answers : 0);
        unsigned cnames = (gen ? l->cnames : 0) + (own ? v->cnames : 0);
        if (answers > 0 && cnames == answers && (p->cname == NULL || p->cname->len == 0))
                return false;
        const wlevel_t *r = NULL;
        if (gen && l->root_state == ROOT_KNOWN && !dg_name_equal(l->root, l->name))
                r = level_by_name(e, l->root);
        for (guint i = 0; i < p->sig->len; i++) {
                uint64_t h = sig_hash(p, i);
                if (gen && (hset_has(&l->set, h) || (r && hset_has(&r->set, h))))
                        continue;
                if (own && hset_has(&v->set, h))
                        continue;
                return false;
        }
        return true;
}

static bool wait_on(wlevel_t *l, cand_t *c)
{
        c->tries_this = 0;
        g_queue_push_tail(&l->waiting, c);
        return true;
}

/* Decides whether c, a name that exists in zone z, is a wildcard's answer
 * (sets c->wildcard). Returns true if c now waits for its level's
 * (re-)probes: eng_cand_answered() then leaves it alone; it is asked again
 * once they are in. */
bool eng_wildcard_check(dg_engine_t *e, cand_t *c, zone_t *z, const parsed_t *p)
{
        if (c->kind != K_WORD || z == NULL || e->o.no_wildcard)
                return false;
        const uint8_t *parent = c->name + 1 + c->name[0];
        wlevel_t *l = dg_name_equal(parent, z->name) ? z->wl : level_get(e, parent, -1);
        if (l == NULL)
                return false;
        c->wlevel = l->id;
        if (l->state == Z_NEW) {
                level_start(e, l);
                return wait_on(l, c);
        }
        if (l->state != Z_READY)
                return wait_on(l, c);
        const rview_t *pv = view_of(l, c->resolver);
        if (pv && pv->pending > 0)
                return wait_on(l, c); /* its resolver's own view is being probed */
        if (level_match(e, l, c->resolver, p)) {
                c->wildcard = true;
                return false;
        }
        bool data = p->sig && p->sig->len;
        if (l->wildcard && !l->split && data && l->reprobes < reprobe_budget(l)) {
                /* Not (yet) the wildcard's answer: a rotating wildcard may
                 * hold more records than the probes saw. Probe again and
                 * decide when those answers are in. No early stop when a
                 * round adds nothing: candidates' answers draw from the
                 * same rotation, so a round can miss records the next one
                 * shows. */
                if (level_probe(e, l, 4, -1, true) > 0)
                        return wait_on(l, c);
        }
        if (e->live > 1 && e->res[c->resolver].live) {
                /* Does the resolver that answered see a wildcard the others
                 * do not (a stale zone, a split view)? Ask it. */
                rview_t *v = view_of(l, c->resolver);
                unsigned want = 0;
                if (v == NULL && l->views->len < WLEVEL_VIEWS_MAX)
                        want = WLEVEL_VIEW_PROBES;
                else if (v && v->wildcard && data && v->probes < reprobe_budget(l))
                        want = 4; /* its own rotation */
                if (want && level_probe(e, l, want, (int)c->resolver, false) > 0) {
                        if (v == NULL)
                                view_add(l, c->resolver);
                        return wait_on(l, c);
                }
        }
        return false;
}

char *eng_wildcard_root(dg_engine_t *e, const cand_t *c)
{
        wlevel_t *l = level_by_id(e, c->wlevel);
        const uint8_t *root = NULL;
        if (l && l->root_state == ROOT_KNOWN)
                root = l->root;
        else if (l)
                root = l->name;
        else {
                zone_t *z = eng_zone_at(e, c->zone);
                root = z ? z->name : e->domain;
        }
        char *zn = eng_name_text(root, false);
        char *s = g_strdup_printf("*.%s", zn);
        g_free(zn);
        return s;
}
