/* DNSSEC zone walking: NSEC chain walk and NSEC3 hash collection, sans-I/O
 * (the blocking driver for one server address is in loop_xfr.c).
 *
 * References: RFC 4034 section 4 (NSEC) and 6.1 (canonical order), RFC 5155
 * (NSEC3, hash, opt-out), RFC 4470 (minimally covering NSEC records, "white
 * lies"), the "black lies" of online signers that answer NODATA with an
 * NSEC owned by the query name whose next name is its immediate successor,
 * and their standard form, RFC 9824 Compact Denial of Existence (the same
 * NSEC listing the NXNAME pseudo-type). The NSEC3 size estimate, state file
 * and crackers are in walk_nsec3.c. */
#include "dnsglean/walk.h"

#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "walk_int.h"
#include "wire_int.h"

const char *dg_walk_kind_str(dg_walk_kind_t k)
{
        static const char *const s[] = {"unknown", "unsigned", "nsec", "nsec3"};
        return (unsigned)k < G_N_ELEMENTS(s) ? s[k] : "unknown";
}

const char *dg_walk_status_str(dg_walk_status_t st)
{
        static const char *const s[] = {"running", "complete", "synthesized",
                                        "loop",    "budget",   "failed"};
        return (unsigned)st < G_N_ELEMENTS(s) ? s[st] : "failed";
}

void dg_walk_opts_init(dg_walk_opts_t *o)
{
        memset(o, 0, sizeof *o);
}

static void name_clear(gpointer p)
{
        dg_walk_name_t *n = p;
        g_free(n->name);
        g_free(n->next);
        g_free(n->types);
}

static void hash_free(gpointer p)
{
        dg_walk_hash_t *h = p;
        g_free(h->types);
        g_free(h->name);
        g_free(h);
}

int dg_walk_new(const char *zone, const dg_walk_opts_t *opts, dg_walk_t **out)
{
        if (zone == NULL || out == NULL)
                return DG_EINVAL;
        uint8_t z[DG_NAME_WIRE_MAX];
        int zl = dg_wire_name_parse(zone, z);
        if (zl < 0)
                return DG_ENAME;
        dg_walk_t *w = g_new0(dg_walk_t, 1);
        memcpy(w->zone, z, (size_t)zl);
        w->zlen = (size_t)zl;
        w->zone_str = dg_wire_name_dup(z);
        if (opts != NULL)
                w->o = *opts;
        if (w->o.max_queries == 0)
                w->o.max_queries = DEF_MAX_QUERIES;
        if (w->o.max_names == 0)
                w->o.max_names = DEF_MAX_NAMES;
        if (w->o.retries == 0)
                w->o.retries = DEF_RETRIES;
        if (w->o.timeout_ms == 0)
                w->o.timeout_ms = DEF_TIMEOUT_MS;
        if (w->o.progress_ms == 0)
                w->o.progress_ms = 1000;
        w->rng = w->o.seed ? w->o.seed : dg_rng_seed();
        w->names = g_array_new(FALSE, TRUE, sizeof(dg_walk_name_t));
        g_array_set_clear_func(w->names, name_clear);
        w->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        w->hashes = g_ptr_array_new_with_free_func(hash_free);
        w->snap = g_array_new(FALSE, TRUE, sizeof(dg_walk_hash_t));
        w->pending_next =
            g_hash_table_new_full(g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref, NULL);
        w->phase = PH_PARAM;
        *out = w;
        return DG_OK;
}

void dg_walk_free(dg_walk_t *w)
{
        if (w == NULL)
                return;
        g_array_free(w->names, TRUE);
        g_hash_table_destroy(w->seen);
        g_ptr_array_free(w->hashes, TRUE);
        g_array_free(w->snap, TRUE);
        g_hash_table_destroy(w->pending_next);
        dg_nsec3_cracker_free(w->probe);
        dg_nsec3_cracker_free(w->crack);
        g_free(w->zone_str);
        g_free(w);
}

/* Ends the walk with a status and a one-line reason. */
G_GNUC_PRINTF(3, 4)
static void finish(dg_walk_t *w, dg_walk_status_t st, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        g_vsnprintf(w->errmsg, sizeof w->errmsg, fmt, ap);
        va_end(ap);
        w->status = st;
        w->phase = PH_DONE;
        w->pending = false;
}

static char *wname(const uint8_t *n)
{
        char *s = dg_wire_name_dup(n);
        return s ? s : g_strdup("?");
}

/* Prepares a new outstanding query (sent by the next dg_walk_next_query). */
static void ask(dg_walk_t *w, const uint8_t *qname, size_t qlen, uint16_t qtype)
{
        memcpy(w->qname, qname, qlen);
        w->qlen = qlen;
        w->qtype = qtype;
        w->pending = true;
        w->sent = false;
        w->tcp = false;
        w->tries = 0;
}

/* "\000.name": the first name after name in canonical order. */
static int successor(const uint8_t *n, size_t len, uint8_t *out)
{
        if (len + 2 > DG_NAME_WIRE_MAX)
                return -1;
        out[0] = 1;
        out[1] = 0;
        memcpy(out + 2, n, len);
        return (int)len + 2;
}

/* name with "\000" appended to its first label: after name's whole subtree. */
static int sibling_after(const uint8_t *n, size_t len, uint8_t *out)
{
        if (n[0] == 0 || n[0] >= 63 || len + 1 > DG_NAME_WIRE_MAX)
                return -1;
        out[0] = (uint8_t)(n[0] + 1);
        memcpy(out + 1, n + 1, n[0]);
        out[1 + n[0]] = 0;
        memcpy(out + 2 + n[0], n + 1 + n[0], len - 1 - n[0]);
        return (int)len + 1;
}

/* Decides the next question of the current phase. */
static void plan(dg_walk_t *w);

int dg_walk_next_query(dg_walk_t *w, uint64_t now_ms, uint8_t *buf, size_t cap, dg_walk_query_t *q)
{
        if (w->phase == PH_DONE)
                return 0;
        if (!w->pending) {
                plan(w);
                /* a long NSEC3 gap search: a slice is done, nothing to send yet */
                if (w->phase != PH_DONE && !w->pending && w->o.on_progress != NULL &&
                    now_ms - w->last_progress >= w->o.progress_ms) {
                        w->last_progress = now_ms;
                        w->o.on_progress(w->o.progress_ud, w);
                }
        }
        if (w->phase == PH_DONE || !w->pending || w->sent)
                return 0;
        if (w->queries >= w->o.max_queries) {
                finish(w, DG_WALK_BUDGET, "query budget of %u spent", w->o.max_queries);
                return 0;
        }
        w->qid = (uint16_t)dg_rng_next(&w->rng);
        int n = dg_wire_build_query(buf, cap, w->qid, w->qname, w->qtype, DG_CLASS_IN,
                                    DG_Q_EDNS | DG_Q_DO, 1232);
        if (n < 0)
                return n;
        w->sent = true;
        w->deadline = now_ms + w->o.timeout_ms;
        w->queries++;
        q->len = (size_t)n;
        q->tcp = w->tcp;
        return 1;
}

void dg_walk_tick(dg_walk_t *w, uint64_t now_ms)
{
        if (w->phase == PH_DONE || !w->pending || !w->sent || now_ms < w->deadline)
                return;
        if (++w->tries > w->o.retries) {
                char *qn = wname(w->qname);
                finish(w, DG_WALK_FAILED, "no answer to %s %s after %u tries", qn,
                       dg_rrtype_str(w->qtype), w->tries);
                g_free(qn);
                return;
        }
        w->sent = false; /* send again */
}

int64_t dg_walk_next_timeout(const dg_walk_t *w, uint64_t now_ms)
{
        if (w->phase == PH_DONE || !w->pending || !w->sent)
                return -1;
        return w->deadline > now_ms ? (int64_t)(w->deadline - now_ms) : 0;
}

bool dg_walk_done(const dg_walk_t *w)
{
        return w->phase == PH_DONE;
}

dg_walk_kind_t dg_walk_kind(const dg_walk_t *w)
{
        return w->kind;
}

dg_walk_status_t dg_walk_status(const dg_walk_t *w)
{
        return w->status;
}

const char *dg_walk_errmsg(const dg_walk_t *w)
{
        return w->errmsg;
}

uint64_t dg_walk_queries(const dg_walk_t *w)
{
        return w->queries;
}

size_t dg_walk_names(const dg_walk_t *w, const dg_walk_name_t **out)
{
        *out = (const dg_walk_name_t *)(const void *)w->names->data;
        return w->names->len;
}

size_t dg_walk_hashes(const dg_walk_t *w, const dg_walk_hash_t **out)
{
        /* a shallow copy: types and name stay owned by the entries */
        dg_walk_t *m = (dg_walk_t *)w;
        if (m->snap_dirty || m->snap->len != m->hashes->len) {
                g_array_set_size(m->snap, 0);
                for (guint i = 0; i < m->hashes->len; i++)
                        g_array_append_vals(m->snap, g_ptr_array_index(m->hashes, i), 1);
                m->snap_dirty = false;
        }
        *out = (const dg_walk_hash_t *)(const void *)m->snap->data;
        return m->snap->len;
}

int dg_walk_nsec3_params(const dg_walk_t *w, dg_nsec3_params_t *out)
{
        if (!w->have_params)
                return DG_ENOTFOUND;
        *out = w->p;
        return DG_OK;
}

/* ---- record helpers ---- */

static int type_cmp(const void *a, const void *b)
{
        uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
        return (x > y) - (x < y);
}

/* Type bitmap (RFC 4034 4.1.2) -> sorted g_malloc'd array. */
static uint16_t *parse_bitmap(const uint8_t *d, size_t n, size_t *count)
{
        GArray *a = g_array_new(FALSE, FALSE, sizeof(uint16_t));
        size_t p = 0;
        while (p + 2 <= n) {
                unsigned win = d[p], len = d[p + 1];
                p += 2;
                if (len == 0 || len > 32 || p + len > n)
                        break;
                for (unsigned i = 0; i < len; i++)
                        for (unsigned b = 0; b < 8; b++)
                                if (d[p + i] & (0x80u >> b)) {
                                        uint16_t t = (uint16_t)(win * 256 + i * 8 + b);
                                        g_array_append_val(a, t);
                                }
                p += len;
        }
        if (a->len > 1)
                qsort(a->data, a->len, sizeof(uint16_t), type_cmp);
        *count = a->len;
        return (uint16_t *)(void *)g_array_free(a, FALSE);
}

static uint16_t *rr_bitmap(const ldns_rr *rr, size_t idx, size_t *count)
{
        const ldns_rdf *f = ldns_rr_rdf(rr, idx);
        if (f == NULL) {
                *count = 0;
                return NULL;
        }
        return parse_bitmap(ldns_rdf_data(f), ldns_rdf_size(f), count);
}

/* RFC 9824 section 3.4 (https://www.rfc-editor.org/rfc/rfc9824): the NXNAME
 * pseudo-type, listed in the type bitmap of a Compact Denial of Existence
 * answer (NOERROR/NODATA with an NSEC "qname -> \\000.qname", or one minimal
 * NSEC3) to say that the name does not exist. */
#define T_NXNAME 128

/* If rr (type bitmap at rdata field idx) lists NXNAME, ends the walk as an
 * RFC 9824 Compact Denial of Existence for the name qn and returns true. */
static bool compact_denial(dg_walk_t *w, const ldns_rr *rr, size_t idx, const char *qn)
{
        size_t n;
        uint16_t *t = rr_bitmap(rr, idx, &n);
        bool nx = false;
        for (size_t i = 0; i < n && !nx; i++)
                nx = t[i] == T_NXNAME;
        g_free(t);
        if (!nx)
                return false;
        w->compact = true;
        finish(w, DG_WALK_SYNTHESIZED,
               "the server answers with RFC 9824 Compact Denial of Existence (a NODATA "
               "denial for %s listing NXNAME): the zone cannot be walked",
               qn);
        return true;
}

bool dg_walk_compact_denial(const dg_walk_t *w)
{
        return w->compact;
}

/* ---- NSEC ---- */

static void nsec_record(dg_walk_t *w, const uint8_t *owner, const uint8_t *next, const ldns_rr *rr)
{
        dg_walk_name_t n = {.name = wname(owner), .next = wname(next)};
        n.types = rr_bitmap(rr, 1, &n.ntypes);
        g_hash_table_add(w->seen, g_strdup(n.name));
        g_array_append_val(w->names, n);
}

/* An NSEC record owner -> next was learnt for the current owner. */
static void nsec_step(dg_walk_t *w, const uint8_t *owner, const uint8_t *next, const ldns_rr *rr)
{
        char *on = wname(owner), *nn = wname(next);
        uint8_t succ[DG_NAME_WIRE_MAX];
        int sl = successor(owner, (size_t)dg_name_len(owner, DG_NAME_WIRE_MAX), succ);
        if (!dg_name_is_under(next, w->zone)) {
                finish(w, DG_WALK_FAILED, "NSEC of %s points outside the zone, to %s", on, nn);
        } else if (sl > 0 && dg_name_cmp(next, succ) == 0) {
                if (!compact_denial(w, rr, 1, on))
                        finish(w, DG_WALK_SYNTHESIZED,
                               "the server synthesizes its NSEC records (black lies / RFC "
                               "4470: %s -> %s): the zone cannot be walked",
                               on, nn);
        } else if (g_hash_table_contains(w->seen, on)) {
                finish(w, DG_WALK_LOOP, "NSEC chain loops: %s was already visited", on);
        } else {
                nsec_record(w, owner, next, rr);
                if (dg_name_cmp(next, w->zone) == 0) {
                        finish(w, DG_WALK_COMPLETE, "NSEC chain walked back to the apex: %u names",
                               w->names->len);
                } else if (g_hash_table_contains(w->seen, nn)) {
                        finish(w, DG_WALK_LOOP, "NSEC chain loops: %s -> %s, visited before", on,
                               nn);
                } else if (dg_name_cmp(next, owner) <= 0) {
                        finish(w, DG_WALK_LOOP,
                               "NSEC chain goes backwards: %s -> %s (not in canonical order)", on,
                               nn);
                } else if (w->names->len >= w->o.max_names) {
                        finish(w, DG_WALK_BUDGET, "name budget of %u reached", w->o.max_names);
                } else {
                        memcpy(w->cur, next, (size_t)dg_name_len(next, DG_NAME_WIRE_MAX));
                        w->curlen = (size_t)dg_name_len(next, DG_NAME_WIRE_MAX);
                        w->step = NQ_NSEC;
                }
        }
        g_free(on);
        g_free(nn);
}

/* Reads owner and next name of an NSEC record; false if malformed. */
static bool nsec_names(const ldns_rr *rr, uint8_t *owner, uint8_t *next)
{
        return ldns_rr_rd_count(rr) >= 1 && dg_wire_name_from_rdf(ldns_rr_owner(rr), owner) > 0 &&
               dg_wire_name_from_rdf(ldns_rr_rdf(rr, 0), next) > 0;
}

/* True if the NSEC owner..next covers name (canonical order; next == apex
 * closes the ring). */
static bool nsec_covers(const dg_walk_t *w, const uint8_t *owner, const uint8_t *next,
                        const uint8_t *name)
{
        if (dg_name_cmp(owner, name) > 0)
                return false;
        return dg_name_cmp(next, w->zone) == 0 || dg_name_cmp(name, next) < 0;
}

static void nsec_feed(dg_walk_t *w, ldns_pkt *pkt)
{
        ldns_rr_list *sec[2] = {ldns_pkt_answer(pkt), ldns_pkt_authority(pkt)};
        uint8_t owner[DG_NAME_WIRE_MAX], next[DG_NAME_WIRE_MAX];
        for (int s = 0; s < 2; s++) {
                for (size_t i = 0; i < ldns_rr_list_rr_count(sec[s]); i++) {
                        const ldns_rr *rr = ldns_rr_list_rr(sec[s], i);
                        if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NSEC ||
                            !nsec_names(rr, owner, next))
                                continue;
                        if (w->step == NQ_NSEC) {
                                if (s == 0 && dg_name_cmp(owner, w->cur) == 0) {
                                        nsec_step(w, owner, next, rr);
                                        return;
                                }
                                continue;
                        }
                        /* a denial for a made-up name just after cur */
                        if (dg_name_cmp(owner, w->qname) == 0) {
                                char *qn = wname(w->qname);
                                if (!compact_denial(w, rr, 1, qn))
                                        finish(w, DG_WALK_SYNTHESIZED,
                                               "the server synthesizes its NSEC records (black "
                                               "lies: an NSEC owned by the made-up name %s): the "
                                               "zone cannot be walked",
                                               qn);
                                g_free(qn);
                                return;
                        }
                        if (nsec_covers(w, owner, next, w->qname) &&
                            dg_name_cmp(owner, w->cur) == 0) {
                                nsec_step(w, owner, next, rr);
                                return;
                        }
                }
        }
        /* no usable NSEC: try the next way of asking */
        char *cn = wname(w->cur);
        if (w->step == NQ_NSEC)
                w->step = NQ_SUCC;
        else if (w->step == NQ_SUCC && dg_name_cmp(w->cur, w->zone) != 0)
                w->step = NQ_SIBLING;
        else
                finish(w, DG_WALK_FAILED, "the server gives no NSEC record for %s", cn);
        g_free(cn);
}

/* ---- NSEC3 ---- */

static int hash_cmp(const uint8_t *a, const uint8_t *b, size_t n)
{
        return memcmp(a, b, n);
}

/* Index of the last record whose hash <= h, or -1. */
long dg_walk_int_floor(const dg_walk_t *w, const uint8_t *h)
{
        long lo = 0, hi = (long)w->hashes->len - 1, ans = -1;
        while (lo <= hi) {
                long mid = (lo + hi) / 2;
                const dg_walk_hash_t *e = g_ptr_array_index(w->hashes, mid);
                if (hash_cmp(e->hash, h, e->hashlen) <= 0) {
                        ans = mid;
                        lo = mid + 1;
                } else {
                        hi = mid - 1;
                }
        }
        return ans;
}

static bool hash_covered(const dg_walk_t *w, const uint8_t *h)
{
        if (w->hashes->len == 0)
                return false;
        long i = dg_walk_int_floor(w, h);
        if (i < 0)
                i = (long)w->hashes->len - 1; /* wraps around from the last */
        const dg_walk_hash_t *e = g_ptr_array_index(w->hashes, i);
        int c = hash_cmp(e->hash, e->next, e->hashlen);
        if (c < 0)
                return hash_cmp(e->hash, h, e->hashlen) <= 0 &&
                       hash_cmp(h, e->next, e->hashlen) < 0;
        /* the last record wraps (or one record covers the whole ring) */
        return c == 0 || hash_cmp(h, e->hash, e->hashlen) >= 0 ||
               hash_cmp(h, e->next, e->hashlen) < 0;
}

static double top64(const uint8_t *h)
{
        uint64_t v = 0;
        for (int i = 0; i < 8; i++)
                v = v << 8 | h[i];
        return (double)v;
}

/* Length of the cyclic range [a, b) of n-octet hashes on the ring (the
 * whole ring if a == b). */
static double arc_len(const uint8_t *a, const uint8_t *b, size_t n)
{
        double x = top64(a), y = top64(b);
        int c = hash_cmp(a, b, n);
        return c < 0 ? y - x : (c == 0 ? RING : RING - x + y);
}

static double range_len(const dg_walk_hash_t *e)
{
        return arc_len(e->hash, e->next, e->hashlen);
}

double dg_walk_coverage(const dg_walk_t *w)
{
        if (w->hashes->len > 0 && g_hash_table_size(w->pending_next) == 0)
                return 1.0;
        double c = w->covered / RING;
        return c > 1.0 ? 1.0 : c;
}

static bool params_from_nsec3(dg_walk_t *w, const ldns_rr *rr)
{
        if (ldns_rr_rd_count(rr) < 5)
                return false;
        const ldns_rdf *salt = ldns_rr_rdf(rr, 3);
        if (ldns_rdf_size(ldns_rr_rdf(rr, 0)) != 1 || ldns_rdf_size(ldns_rr_rdf(rr, 2)) != 2 ||
            ldns_rdf_size(salt) < 1)
                return false;
        const uint8_t *s = ldns_rdf_data(salt);
        if ((size_t)s[0] + 1 != ldns_rdf_size(salt))
                return false;
        w->p.alg = ldns_rdf_data(ldns_rr_rdf(rr, 0))[0];
        const uint8_t *it = ldns_rdf_data(ldns_rr_rdf(rr, 2));
        w->p.iterations = (uint16_t)(it[0] << 8 | it[1]);
        w->p.saltlen = s[0];
        memcpy(w->p.salt, s + 1, s[0]);
        return true;
}

/* Adds one NSEC3 record if it belongs to the zone's chain. Returns 1 if it
 * was new, 0 if known or of another chain. */
static int nsec3_add(dg_walk_t *w, const ldns_rr *rr)
{
        if (ldns_rr_rd_count(rr) < 5)
                return 0;
        const ldns_rdf *owner = ldns_rr_owner(rr);
        const uint8_t *od = ldns_rdf_data(owner);
        size_t osz = ldns_rdf_size(owner);
        /* owner = <base32hex hash>.<zone> */
        uint8_t parent[DG_NAME_WIRE_MAX], ow[DG_NAME_WIRE_MAX];
        if (osz < 2 || od[0] == 0 || (size_t)od[0] + 1 >= osz ||
            dg_wire_name_from_rdf(owner, ow) < 0)
                return 0;
        memcpy(parent, ow + 1 + ow[0], osz - 1 - od[0]);
        if (dg_name_cmp(parent, w->zone) != 0)
                return 0;
        dg_walk_hash_t e = {0};
        int hl = dg_b32hex_decode((const char *)od + 1, od[0], e.hash, sizeof e.hash);
        const uint8_t *alg = ldns_rdf_data(ldns_rr_rdf(rr, 0));
        const uint8_t *flags = ldns_rdf_data(ldns_rr_rdf(rr, 1));
        const uint8_t *it = ldns_rdf_data(ldns_rr_rdf(rr, 2));
        const ldns_rdf *salt = ldns_rr_rdf(rr, 3), *next = ldns_rr_rdf(rr, 4);
        const uint8_t *sd = ldns_rdf_data(salt), *nd = ldns_rdf_data(next);
        /* SHA-1 (the only algorithm) gives 20 octets; anything else is bogus */
        if (hl != 20 || ldns_rdf_size(ldns_rr_rdf(rr, 2)) != 2 || ldns_rdf_size(salt) < 1 ||
            ldns_rdf_size(next) < 1 || (size_t)nd[0] + 1 != ldns_rdf_size(next) || nd[0] != hl ||
            (size_t)sd[0] + 1 != ldns_rdf_size(salt))
                return 0;
        /* another chain (parameters being rolled): not ours */
        if (alg[0] != w->p.alg || (uint16_t)(it[0] << 8 | it[1]) != w->p.iterations ||
            sd[0] != w->p.saltlen || memcmp(sd + 1, w->p.salt, sd[0]) != 0)
                return 0;
        e.hashlen = (uint8_t)hl;
        memcpy(e.next, nd + 1, (size_t)hl);
        e.flags = flags[0];
        e.types = rr_bitmap(rr, 5, &e.ntypes);
        return dg_walk_int_insert(w, &e);
}

int dg_walk_int_insert(dg_walk_t *w, dg_walk_hash_t *e)
{
        long f = dg_walk_int_floor(w, e->hash);
        if ((f >= 0 && hash_cmp(((dg_walk_hash_t *)g_ptr_array_index(w->hashes, f))->hash, e->hash,
                                e->hashlen) == 0) ||
            w->hashes->len >= w->o.max_names) {
                g_free(e->types);
                e->types = NULL;
                return 0;
        }
        if (e->flags & 1)
                w->p.optout = true;
        /* "narrow" online signing answers with hash -> hash + 1 */
        uint8_t plus1[DG_NSEC3_HASH_MAX];
        memcpy(plus1, e->hash, e->hashlen);
        for (int b = e->hashlen - 1; b >= 0 && ++plus1[b] == 0; b--)
                ;
        if (memcmp(plus1, e->next, e->hashlen) == 0)
                w->narrow = true;
        w->covered += range_len(e);
        g_ptr_array_insert(w->hashes, (gint)(f + 1), g_memdup2(e, sizeof *e));
        w->snap_dirty = true;
        /* ring bookkeeping: pending = next hashes that are not owners yet */
        GBytes *own = g_bytes_new(e->hash, e->hashlen);
        g_hash_table_remove(w->pending_next, own);
        g_bytes_unref(own);
        long nf = dg_walk_int_floor(w, e->next);
        if (nf < 0 || hash_cmp(((dg_walk_hash_t *)g_ptr_array_index(w->hashes, nf))->hash, e->next,
                               e->hashlen) != 0)
                g_hash_table_add(w->pending_next, g_bytes_new(e->next, e->hashlen));
        if (w->crack != NULL && e->hashlen == 20)
                dg_nsec3_cracker_add(w->crack, e->hash);
        return 1;
}

/* The ring is closed when every next hash is also an owner. */
static bool ring_closed(const dg_walk_t *w)
{
        return w->hashes->len > 0 && g_hash_table_size(w->pending_next) == 0;
}

static void nsec3_feed(dg_walk_t *w, ldns_pkt *pkt)
{
        ldns_rr_list *auth = ldns_pkt_authority(pkt);
        int added = 0;
        for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++) {
                const ldns_rr *rr = ldns_rr_list_rr(auth, i);
                if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NSEC3)
                        continue;
                int r = nsec3_add(w, rr);
                added += r;
                if (r > 0 && w->narrow && !w->compact) {
                        char *on = wname(w->qname);
                        bool c = compact_denial(w, rr, 5, on);
                        g_free(on);
                        if (c)
                                return;
                }
        }
        if (w->narrow) {
                finish(w, DG_WALK_SYNTHESIZED,
                       "the server synthesizes minimal NSEC3 records (hash -> hash+1): the "
                       "hash ring cannot be collected");
                return;
        }
        if (ring_closed(w)) {
                finish(w, DG_WALK_COMPLETE, "NSEC3 ring closed: %u hashes", w->hashes->len);
                return;
        }
        /* the ranges of one chain never overlap: if they add up to more than
         * the ring (beyond rounding), the server's records are inconsistent,
         * and searching for a gap that does not exist would be endless */
        if (w->covered > RING * (1.0 + 1e-9)) {
                finish(w, DG_WALK_FAILED,
                       "inconsistent NSEC3 records: their ranges overlap (%u hashes)",
                       w->hashes->len);
                return;
        }
        if (added == 0 && ++w->stale >= MAX_STALE) {
                finish(w, DG_WALK_FAILED,
                       "%u answers in a row brought no new NSEC3 record (%u hashes, %.1f%% of "
                       "the ring covered)",
                       w->stale, w->hashes->len, 100.0 * dg_walk_coverage(w));
                return;
        }
        if (added > 0)
                w->stale = 0;
}

/* ---- planning and feeding ---- */

/* An uncovered range [lo, hi) of the ring (wrapping if hi <= lo). */
typedef struct {
        uint8_t lo[20], hi[20];
} gap_t;

static int gap_cmp(const void *a, const void *b)
{
        return memcmp(((const gap_t *)a)->lo, ((const gap_t *)b)->lo, 20);
}

/* The gaps of the ring: from each next hash that is not an owner yet to the
 * owner that follows it. Sorted by start. */
static GArray *build_gaps(const dg_walk_t *w)
{
        GArray *g = g_array_new(FALSE, FALSE, sizeof(gap_t));
        GHashTableIter it;
        gpointer key;
        g_hash_table_iter_init(&it, w->pending_next);
        while (g_hash_table_iter_next(&it, &key, NULL)) {
                gsize n;
                const uint8_t *p = g_bytes_get_data(key, &n);
                if (n != 20 || w->hashes->len == 0)
                        continue;
                long f = dg_walk_int_floor(w, p);
                const dg_walk_hash_t *s =
                    g_ptr_array_index(w->hashes, (guint)((f + 1) % (long)w->hashes->len));
                gap_t gp;
                memcpy(gp.lo, p, 20);
                memcpy(gp.hi, s->hash, 20);
                g_array_append_val(g, gp);
        }
        g_array_sort(g, gap_cmp);
        return g;
}

static bool in_gaps(const GArray *g, const uint8_t *h)
{
        if (g->len == 0)
                return false;
        long lo = 0, hi = (long)g->len - 1, ans = -1;
        while (lo <= hi) {
                long mid = (lo + hi) / 2;
                if (memcmp(g_array_index(g, gap_t, mid).lo, h, 20) <= 0) {
                        ans = mid;
                        lo = mid + 1;
                } else {
                        hi = mid - 1;
                }
        }
        /* before the first start: only the last gap can reach here, wrapping */
        const gap_t *e = &g_array_index(g, gap_t, ans < 0 ? (long)g->len - 1 : ans);
        if (memcmp(e->lo, e->hi, 20) < 0)
                return ans >= 0 && memcmp(h, e->hi, 20) < 0;
        return ans < 0 ? memcmp(h, e->hi, 20) < 0 : true; /* wrapping gap */
}

/* How many names one gap search may hash: the option, or (0) as many as
 * the gaps' share of the ring needs (see DEF_HASH_TRIES). */
static uint64_t search_budget(const dg_walk_t *w, const GArray *gaps)
{
        if (w->o.max_hash_tries != 0)
                return w->o.max_hash_tries;
        uint64_t cap = HASH_WORK_CAP / ((uint64_t)w->p.iterations + 1);
        if (cap < DEF_HASH_TRIES)
                cap = DEF_HASH_TRIES;
        if (gaps == NULL)
                return DEF_HASH_TRIES;
        double u = 0;
        for (guint i = 0; i < gaps->len; i++) {
                const gap_t *g = &g_array_index(gaps, gap_t, i);
                u += arc_len(g->lo, g->hi, 20) / RING;
        }
        double need = u > 0 ? HASH_MISS_LOG / u : (double)cap;
        if (need < (double)DEF_HASH_TRIES)
                return DEF_HASH_TRIES;
        return need > (double)cap ? cap : (uint64_t)need;
}

/* Hashes random names until one lands in a gap, and asks for it. One call
 * does at most a slice of the work: when the search goes on, it returns with
 * nothing to ask, and the next call continues where it left off. */
static void plan_nsec3(dg_walk_t *w)
{
        if (w->probe == NULL && dg_nsec3_cracker_new(w->zone_str, w->p.salt, w->p.saltlen,
                                                     w->p.iterations, &w->probe) != DG_OK) {
                finish(w, DG_WALK_FAILED, "cannot hash names of %s", w->zone_str);
                return;
        }
        char lab[16];
        uint8_t h[20];
        /* Early on gaps are wide and a few tries land in one. Once that
         * takes long, the few remaining gaps are listed once for this slice
         * and checked instead of every collected record. */
        GArray *gaps = NULL;
        bool found = false;
        uint64_t limit = search_budget(w, NULL);
        uint64_t slice = HASH_WORK_SLICE / ((uint64_t)w->p.iterations + 1);
        if (slice < 1024)
                slice = 1024;
        for (uint64_t t = 0; t < slice && !found; t++) {
                if (gaps == NULL && w->gap_tries >= 256 && w->hashes->len > 0 &&
                    g_hash_table_size(w->pending_next) > 0) {
                        gaps = build_gaps(w);
                        limit = search_budget(w, gaps);
                }
                if (w->gap_tries >= limit)
                        break;
                dg_random_label(&w->rng, lab, 12);
                dg_nsec3_cracker_try(w->probe, lab, 12, h);
                w->gap_tries++;
                found = gaps != NULL ? in_gaps(gaps, h) : !hash_covered(w, h);
        }
        if (gaps != NULL)
                g_array_free(gaps, TRUE);
        if (found) {
                w->gap_tries = 0;
                uint8_t q[DG_NAME_WIRE_MAX];
                q[0] = 12;
                memcpy(q + 1, lab, 12);
                memcpy(q + 13, w->zone, w->zlen);
                ask(w, q, 13 + w->zlen, LDNS_RR_TYPE_A);
                return;
        }
        if (w->gap_tries < limit)
                return; /* the search goes on at the next call */
        finish(w, DG_WALK_BUDGET,
               "ring not closed: %u gaps too small for random names to hit (%llu names "
               "hashed); %.6f%% covered",
               g_hash_table_size(w->pending_next), (unsigned long long)w->gap_tries,
               100.0 * dg_walk_coverage(w));
}

static void plan(dg_walk_t *w)
{
        uint8_t q[DG_NAME_WIRE_MAX];
        int n;
        switch (w->phase) {
        case PH_PARAM:
                ask(w, w->zone, w->zlen, LDNS_RR_TYPE_NSEC3PARAM);
                break;
        case PH_PROBE: {
                char lab[16];
                dg_random_label(&w->rng, lab, 12);
                q[0] = 12;
                memcpy(q + 1, lab, 12);
                if (w->zlen + 13 > DG_NAME_WIRE_MAX) {
                        finish(w, DG_WALK_FAILED, "zone name too long to probe below it");
                        return;
                }
                memcpy(q + 13, w->zone, w->zlen);
                ask(w, q, 13 + w->zlen, LDNS_RR_TYPE_A);
                break;
        }
        case PH_NSEC:
                if (w->step == NQ_NSEC) {
                        ask(w, w->cur, w->curlen, LDNS_RR_TYPE_NSEC);
                        break;
                }
                n = w->step == NQ_SUCC ? successor(w->cur, w->curlen, q)
                                       : sibling_after(w->cur, w->curlen, q);
                if (n < 0 && w->step == NQ_SUCC) {
                        w->step = NQ_SIBLING;
                        n = sibling_after(w->cur, w->curlen, q);
                }
                if (n < 0) {
                        char *cn = wname(w->cur);
                        finish(w, DG_WALK_FAILED, "cannot ask for the NSEC record of %s", cn);
                        g_free(cn);
                        return;
                }
                ask(w, q, (size_t)n, LDNS_RR_TYPE_A);
                break;
        case PH_NSEC3:
                plan_nsec3(w);
                break;
        case PH_DONE:
                break;
        }
}

/* The NSEC3PARAM answer at the apex: parameters, or an NSEC at the apex. */
static void param_feed(dg_walk_t *w, ldns_pkt *pkt)
{
        ldns_pkt_rcode rc = ldns_pkt_get_rcode(pkt);
        ldns_rr_list *an = ldns_pkt_answer(pkt), *au = ldns_pkt_authority(pkt);
        if (rc != LDNS_RCODE_NOERROR) {
                char *r = ldns_pkt_rcode2str(rc);
                finish(w, DG_WALK_FAILED, "the server answered %s for the apex of %s",
                       r ? r : "an error", w->zone_str);
                free(r);
                return;
        }
        for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
                const ldns_rr *rr = ldns_rr_list_rr(an, i);
                if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NSEC3PARAM || ldns_rr_rd_count(rr) < 4)
                        continue;
                const uint8_t *alg = ldns_rdf_data(ldns_rr_rdf(rr, 0));
                const uint8_t *fl = ldns_rdf_data(ldns_rr_rdf(rr, 1));
                const uint8_t *it = ldns_rdf_data(ldns_rr_rdf(rr, 2));
                const ldns_rdf *salt = ldns_rr_rdf(rr, 3);
                const uint8_t *sd = ldns_rdf_data(salt);
                if (ldns_rdf_size(ldns_rr_rdf(rr, 2)) != 2 || ldns_rdf_size(salt) < 1 ||
                    (size_t)sd[0] + 1 != ldns_rdf_size(salt))
                        continue;
                if (w->resumed &&
                    (alg[0] != w->p.alg || (uint16_t)(it[0] << 8 | it[1]) != w->p.iterations ||
                     sd[0] != w->p.saltlen || memcmp(sd + 1, w->p.salt, sd[0]) != 0)) {
                        finish(w, DG_WALK_FAILED,
                               "the NSEC3 parameters of %s changed since the state was "
                               "saved: start a new collection",
                               w->zone_str);
                        return;
                }
                w->p.alg = alg[0];
                w->p.flags = fl[0];
                w->p.iterations = (uint16_t)(it[0] << 8 | it[1]);
                w->p.saltlen = sd[0];
                memcpy(w->p.salt, sd + 1, sd[0]);
                w->have_params = true;
                w->kind = DG_WALK_KIND_NSEC3;
                break;
        }
        for (size_t i = 0; i < ldns_rr_list_rr_count(au); i++)
                if (ldns_rr_get_type(ldns_rr_list_rr(au, i)) == LDNS_RR_TYPE_NSEC)
                        w->apex_nsec = true;
        w->phase = PH_PROBE;
}

/* First answers: how is the zone signed? */
static void probe_feed(dg_walk_t *w, ldns_pkt *pkt)
{
        ldns_pkt_rcode rc = ldns_pkt_get_rcode(pkt);
        ldns_rr_list *au = ldns_pkt_authority(pkt);
        if (w->phase == PH_PARAM) {
                param_feed(w, pkt);
                return;
        }
        /* PH_PROBE: the denial of a random name */
        bool nsec = false, nsec3 = false;
        uint8_t owner[DG_NAME_WIRE_MAX], next[DG_NAME_WIRE_MAX], succ[DG_NAME_WIRE_MAX];
        int sl = successor(w->qname, w->qlen, succ);
        for (size_t i = 0; i < ldns_rr_list_rr_count(au); i++) {
                const ldns_rr *rr = ldns_rr_list_rr(au, i);
                ldns_rr_type t = ldns_rr_get_type(rr);
                if (t == LDNS_RR_TYPE_NSEC && nsec_names(rr, owner, next)) {
                        nsec = true;
                        if (dg_name_cmp(owner, w->qname) == 0 ||
                            (sl > 0 && dg_name_cmp(next, succ) == 0)) {
                                char *qn = wname(w->qname);
                                if (!compact_denial(w, rr, 1, qn))
                                        finish(w, DG_WALK_SYNTHESIZED,
                                               "the server synthesizes its NSEC records (black "
                                               "lies / RFC 4470 minimal covering for %s): the "
                                               "zone cannot be walked",
                                               qn);
                                w->kind = DG_WALK_KIND_NSEC;
                                g_free(qn);
                                return;
                        }
                } else if (t == LDNS_RR_TYPE_NSEC3) {
                        if (!nsec3 && !w->have_params) {
                                if (!params_from_nsec3(w, rr))
                                        continue;
                                w->have_params = true;
                        }
                        nsec3 = true;
                }
        }
        if (nsec3 || (w->have_params && !nsec)) {
                w->kind = DG_WALK_KIND_NSEC3;
                if (w->p.alg != 1) {
                        finish(w, DG_WALK_FAILED, "NSEC3 hash algorithm %u is not supported",
                               w->p.alg);
                        return;
                }
                w->phase = PH_NSEC3;
                nsec3_feed(w, pkt);
                return;
        }
        if (nsec || w->apex_nsec) {
                w->kind = DG_WALK_KIND_NSEC;
                w->phase = PH_NSEC;
                memcpy(w->cur, w->zone, w->zlen);
                w->curlen = w->zlen;
                w->step = NQ_NSEC;
                return;
        }
        w->kind = DG_WALK_KIND_UNSIGNED;
        char *r = ldns_pkt_rcode2str(rc);
        finish(w, DG_WALK_FAILED,
               "%s is not signed: the %s answer for a random name carries no NSEC or NSEC3",
               w->zone_str, r ? r : "?");
        free(r);
}

int dg_walk_feed(dg_walk_t *w, uint64_t now_ms, const uint8_t *msg, size_t len)
{
        if (w->phase == PH_DONE || !w->pending || !w->sent)
                return DG_EMISMATCH;
        if (len < 12)
                return DG_EMALFORMED;
        if ((uint16_t)(msg[0] << 8 | msg[1]) != w->qid || !(msg[2] & 0x80))
                return DG_EMISMATCH;
        ldns_pkt *pkt = NULL;
        if (ldns_wire2pkt(&pkt, msg, len) != LDNS_STATUS_OK)
                return DG_EMALFORMED;
        ldns_rr_list *ql = ldns_pkt_question(pkt);
        uint8_t qn[DG_NAME_WIRE_MAX];
        if (ldns_rr_list_rr_count(ql) != 1 ||
            dg_wire_name_from_rdf(ldns_rr_owner(ldns_rr_list_rr(ql, 0)), qn) < 0 ||
            dg_name_cmp(qn, w->qname) != 0 ||
            ldns_rr_get_type(ldns_rr_list_rr(ql, 0)) != (ldns_rr_type)w->qtype) {
                ldns_pkt_free(pkt);
                return DG_EMISMATCH;
        }
        if (ldns_pkt_tc(pkt) && !w->tcp) {
                /* truncated: the same question again over TCP */
                w->tcp = true;
                w->sent = false;
                ldns_pkt_free(pkt);
                return DG_OK;
        }
        w->pending = false;
        ldns_pkt_rcode rc = ldns_pkt_get_rcode(pkt);
        if (w->phase != PH_PARAM && rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN) {
                char *r = ldns_pkt_rcode2str(rc), *n = wname(w->qname);
                finish(w, DG_WALK_FAILED, "the server answered %s for %s", r ? r : "?", n);
                free(r);
                g_free(n);
        } else if (w->phase == PH_PARAM || w->phase == PH_PROBE) {
                probe_feed(w, pkt);
        } else if (w->phase == PH_NSEC) {
                nsec_feed(w, pkt);
        } else if (w->phase == PH_NSEC3) {
                nsec3_feed(w, pkt);
        }
        ldns_pkt_free(pkt);
        if (w->o.on_progress != NULL && now_ms - w->last_progress >= w->o.progress_ms) {
                w->last_progress = now_ms;
                w->o.on_progress(w->o.progress_ud, w);
        }
        return DG_OK;
}
