/* NSEC3 collection extras of the zone walker: the zone-size estimate,
 * cracking (dg_walk_crack, crackers for other threads) and the state file
 * (--state / --resume).
 *
 * State file, text, one item per line (written whole and renamed into
 * place, so an interrupted save leaves the previous one):
 *     dnsglean-walk-state 1
 *     zone <presentation name>
 *     nsec3 <algorithm> <flags> <iterations> <salt hex or -> <opt-out 0|1>
 *     queries <queries sent>
 *     hash <owner hash> <next hash> <flags> <types, comma-separated numbers or ->
 *     ...
 *     end
 * Hashes are base32hex as in owner names. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "walk_int.h"

#define STATE_MAGIC "dnsglean-walk-state 1"

size_t dg_walk_known_hashes(const dg_walk_t *w)
{
        return w->hashes->len + g_hash_table_size(w->pending_next);
}

double dg_walk_estimate(const dg_walk_t *w)
{
        if (w->hashes->len == 0)
                return 0;
        double c = dg_walk_coverage(w);
        double known = (double)dg_walk_known_hashes(w);
        if (c >= 1.0 || c <= 0)
                return known;
        return known / c;
}

int dg_walk_cracker_new(const dg_walk_t *w, dg_nsec3_cracker_t **out)
{
        if (!w->have_params || w->p.alg != 1)
                return DG_ENOTFOUND;
        dg_nsec3_cracker_t *c;
        int r = dg_nsec3_cracker_new(w->zone_str, w->p.salt, w->p.saltlen, w->p.iterations, &c);
        if (r != DG_OK)
                return r == DG_EINVAL ? DG_ENOTFOUND : r;
        for (guint i = 0; i < w->hashes->len; i++) {
                const dg_walk_hash_t *e = g_ptr_array_index(w->hashes, i);
                if (e->hashlen == 20 && e->name == NULL)
                        dg_nsec3_cracker_add(c, e->hash);
        }
        *out = c;
        return DG_OK;
}

/* ---- cracking ---- */

/* Re-indexes the cracker's targets after the sorted array changed. */
static void crack_rebuild(dg_walk_t *w)
{
        dg_nsec3_cracker_free(w->crack);
        w->crack = NULL;
        if (dg_nsec3_cracker_new(w->zone_str, w->p.salt, w->p.saltlen, w->p.iterations,
                                 &w->crack) != DG_OK)
                return;
        for (guint i = 0; i < w->hashes->len; i++) {
                const dg_walk_hash_t *e = g_ptr_array_index(w->hashes, i);
                if (e->hashlen == 20)
                        dg_nsec3_cracker_add(w->crack, e->hash);
        }
}

int dg_walk_crack(dg_walk_t *w, const char *label, size_t len)
{
        if (!w->have_params || w->p.alg != 1)
                return DG_ENOTFOUND;
        if (w->crack == NULL)
                crack_rebuild(w);
        if (w->crack == NULL)
                return DG_ENOMEM;
        uint8_t h[20];
        int idx = dg_nsec3_cracker_try(w->crack, label, len, h);
        if (idx < 0)
                return idx == -1 ? 0 : idx;
        /* the cracker indexes hashes by insertion; find ours in the sorted array */
        long f = dg_walk_int_floor(w, h);
        if (f < 0)
                return 0;
        dg_walk_hash_t *e = g_ptr_array_index(w->hashes, f);
        if (e->name != NULL || memcmp(e->hash, h, 20) != 0)
                return 0;
        GString *s = g_string_new_len(label, (gssize)len);
        g_string_ascii_down(s);
        g_string_append_c(s, '.');
        g_string_append(s, strcmp(w->zone_str, ".") == 0 ? "" : w->zone_str);
        e->name = g_string_free(s, FALSE);
        w->snap_dirty = true;
        return 1;
}

/* ---- state file ---- */

static void hex_append(GString *s, const uint8_t *d, size_t n)
{
        if (n == 0)
                g_string_append_c(s, '-');
        for (size_t i = 0; i < n; i++)
                g_string_append_printf(s, "%02x", d[i]);
}

static void hash_line(GString *s, const dg_walk_hash_t *e)
{
        char b[128], nb[128];
        dg_b32hex_encode(e->hash, e->hashlen, b, sizeof b);
        dg_b32hex_encode(e->next, e->hashlen, nb, sizeof nb);
        g_string_append_printf(s, "hash %s %s %u ", b, nb, e->flags);
        if (e->ntypes == 0)
                g_string_append_c(s, '-');
        for (size_t k = 0; k < e->ntypes; k++)
                g_string_append_printf(s, "%s%u", k ? "," : "", e->types[k]);
        g_string_append_c(s, '\n');
}

int dg_walk_save(const dg_walk_t *w, const char *path)
{
        if (!w->have_params)
                return DG_ENOTFOUND;
        GString *s = g_string_new(STATE_MAGIC "\n");
        g_string_append_printf(s, "zone %s\nnsec3 %u %u %u ", w->zone_str, w->p.alg, w->p.flags,
                               w->p.iterations);
        hex_append(s, w->p.salt, w->p.saltlen);
        g_string_append_printf(s, " %d\nqueries %llu\n", w->p.optout ? 1 : 0,
                               (unsigned long long)w->queries);
        for (guint i = 0; i < w->hashes->len; i++)
                hash_line(s, g_ptr_array_index(w->hashes, i));
        g_string_append(s, "end\n");
        GError *err = NULL;
        gboolean ok = g_file_set_contents(path, s->str, (gssize)s->len, &err);
        g_string_free(s, TRUE);
        if (!ok) {
                g_error_free(err);
                return DG_EIO;
        }
        return DG_OK;
}

G_GNUC_PRINTF(3, 4)
static int state_err(char *err, size_t cap, const char *fmt, ...)
{
        if (err != NULL && cap > 0) {
                va_list ap;
                va_start(ap, fmt);
                g_vsnprintf(err, cap, fmt, ap);
                va_end(ap);
        }
        return DG_EPARSE;
}

static bool parse_hex(const char *h, uint8_t *out, size_t cap, size_t *len)
{
        *len = 0;
        if (strcmp(h, "-") == 0)
                return true;
        size_t n = strlen(h);
        if (n % 2 != 0 || n / 2 > cap)
                return false;
        for (size_t i = 0; i < n; i += 2) {
                int hi = g_ascii_xdigit_value(h[i]), lo = g_ascii_xdigit_value(h[i + 1]);
                if (hi < 0 || lo < 0)
                        return false;
                out[i / 2] = (uint8_t)(hi << 4 | lo);
        }
        *len = n / 2;
        return true;
}

/* "nsec3 ALG FLAGS ITER SALT OPTOUT" into w->p. */
static bool parse_params(dg_walk_t *w, char **f)
{
        if (g_strv_length(f) != 6)
                return false;
        char *end;
        unsigned long alg = strtoul(f[1], &end, 10), fl, it, oo;
        if (*end || alg > 255)
                return false;
        fl = strtoul(f[2], &end, 10);
        if (*end || fl > 255)
                return false;
        it = strtoul(f[3], &end, 10);
        if (*end || it > 65535)
                return false;
        oo = strtoul(f[5], &end, 10);
        size_t sl;
        if (*end || oo > 1 || !parse_hex(f[4], w->p.salt, sizeof w->p.salt, &sl))
                return false;
        w->p.alg = (uint8_t)alg;
        w->p.flags = (uint8_t)fl;
        w->p.iterations = (uint16_t)it;
        w->p.saltlen = (uint8_t)sl;
        w->p.optout = oo == 1;
        return true;
}

/* "hash OWNER NEXT FLAGS TYPES" inserted into w. */
static bool parse_hash(dg_walk_t *w, char **f)
{
        if (g_strv_length(f) != 5)
                return false;
        dg_walk_hash_t e = {0};
        int hl = dg_b32hex_decode(f[1], strlen(f[1]), e.hash, sizeof e.hash);
        int nl = dg_b32hex_decode(f[2], strlen(f[2]), e.next, sizeof e.next);
        char *end;
        unsigned long fl = strtoul(f[3], &end, 10);
        if (hl != 20 || nl != 20 || *end || fl > 255)
                return false;
        e.hashlen = 20;
        e.flags = (uint8_t)fl;
        if (strcmp(f[4], "-") != 0) {
                char **t = g_strsplit(f[4], ",", -1);
                e.ntypes = g_strv_length(t);
                e.types = g_new(uint16_t, e.ntypes);
                bool ok = true;
                for (size_t k = 0; k < e.ntypes && ok; k++) {
                        unsigned long v = strtoul(t[k], &end, 10);
                        ok = *t[k] && !*end && v <= 65535 && (k == 0 || v > e.types[k - 1]);
                        e.types[k] = (uint16_t)v;
                }
                g_strfreev(t);
                if (!ok) {
                        g_free(e.types);
                        return false;
                }
        }
        dg_walk_int_insert(w, &e);
        return true;
}

/* Reads the lines after the magic one; returns DG_OK or an error. */
static int parse_state(dg_walk_t *w, char **lines, char *err, size_t cap)
{
        bool zone = false, params = false, end = false;
        for (size_t i = 1; lines[i] != NULL && !end; i++) {
                if (*lines[i] == '\0')
                        continue;
                char **f = g_strsplit(lines[i], " ", -1);
                bool ok = true;
                if (strcmp(f[0], "zone") == 0 && f[1] != NULL) {
                        uint8_t z[DG_NAME_WIRE_MAX];
                        if (dg_wire_name_parse(f[1], z) < 0 || dg_name_cmp(z, w->zone) != 0) {
                                state_err(err, cap, "the state is for zone %s, not %s", f[1],
                                          w->zone_str);
                                g_strfreev(f);
                                return DG_ESTATE;
                        }
                        zone = true;
                } else if (strcmp(f[0], "nsec3") == 0) {
                        ok = parse_params(w, f);
                        params = ok;
                } else if (strcmp(f[0], "queries") == 0 && f[1] != NULL) {
                        w->queries = g_ascii_strtoull(f[1], NULL, 10);
                } else if (strcmp(f[0], "hash") == 0) {
                        ok = zone && params && parse_hash(w, f);
                } else if (strcmp(f[0], "end") == 0) {
                        end = true;
                } else {
                        ok = false;
                }
                g_strfreev(f);
                if (!ok)
                        return state_err(err, cap, "bad line %zu in the state file", i + 1);
        }
        if (!zone || !params || !end)
                return state_err(err, cap, "the state file is incomplete");
        return DG_OK;
}

int dg_walk_resume(dg_walk_t *w, const char *path, char *err, size_t errcap)
{
        if (w->queries != 0 || w->hashes->len != 0 || w->phase != PH_PARAM) {
                state_err(err, errcap, "the walk has already started");
                return DG_ESTATE;
        }
        gchar *text = NULL;
        GError *gerr = NULL;
        if (!g_file_get_contents(path, &text, NULL, &gerr)) {
                state_err(err, errcap, "cannot read %s: %s", path, gerr->message);
                g_error_free(gerr);
                return DG_EIO;
        }
        char **lines = g_strsplit(text, "\n", -1);
        g_free(text);
        int r;
        if (lines[0] == NULL || strcmp(lines[0], STATE_MAGIC) != 0)
                r = state_err(err, errcap, "%s is not a dnsglean walk state file", path);
        else
                r = parse_state(w, lines, err, errcap);
        g_strfreev(lines);
        if (r == DG_OK) {
                w->have_params = true;
                w->resumed = true;
                w->kind = DG_WALK_KIND_NSEC3;
        }
        return r;
}
