/* Passive DNS input for brute/footprint: candidates from COF records. */
#include "pdns.h"
#include "cli.h"

#include <errno.h>
#include <string.h>

#include "dnsglean/cof.h"
#include "dnsglean/loop.h"
#include "util.h" /* core/src: the engine's random labels */

#define MAX_REPORTED 20

typedef struct {
        dg_pdns_info_t info;
        GHashTable *types; /* type mnemonics seen */
} entry_t;

struct dg_pdns {
        char *domain;        /* lowercase, no trailing dot */
        GHashTable *by_name; /* full name -> entry_t* */
        GHashTable *rel_set; /* relative name -> NULL (keys owned by rel) */
        GPtrArray *rel;      /* char*, sorted */
        uint64_t lines, records, malformed, outside;
};

static void entry_free(gpointer p)
{
        entry_t *e = p;
        g_free(e->info.rrtypes);
        g_hash_table_destroy(e->types);
        g_free(e);
}

/* The name relative to the domain when it lies strictly below it and each
 * label can be asked; else NULL. */
static char *relative(const dg_pdns_t *p, const char *name)
{
        size_t nl = strlen(name), dl = strlen(p->domain);
        if (nl <= dl + 1 || name[nl - dl - 1] != '.' || strcmp(name + nl - dl, p->domain) != 0)
                return NULL;
        char *rel = g_strndup(name, nl - dl - 1);
        char **labels = g_strsplit(rel, ".", -1);
        bool ok = true;
        for (char **l = labels; *l && ok; l++)
                ok = dg_label_check(*l, strlen(*l)) == DG_OK;
        g_strfreev(labels);
        if (!ok) {
                g_free(rel);
                return NULL;
        }
        return rel;
}

/* A host name inside rdata, for the types that carry one; lowercase, no
 * trailing dot; NULL otherwise. */
static char *rdata_host(uint16_t type, const char *rdata)
{
        if (type != DG_T_CNAME && type != DG_T_NS && type != DG_T_MX && type != DG_T_SRV &&
            type != DG_T_PTR)
                return NULL;
        const char *sp = strrchr(rdata, ' ');
        const char *h = sp ? sp + 1 : rdata;
        char *n = g_ascii_strdown(h, -1);
        size_t l = strlen(n);
        if (l > 1 && n[l - 1] == '.')
                n[l - 1] = 0;
        return n;
}

static void note(dg_pdns_t *p, const char *name, const dg_cof_record_t *r, const char *seen)
{
        char *rel = relative(p, name);
        if (rel == NULL) {
                p->outside++;
                return;
        }
        entry_t *e = g_hash_table_lookup(p->by_name, name);
        uint64_t cnt = r->has_count ? r->count : 1;
        if (e == NULL) {
                e = g_new0(entry_t, 1);
                e->info.time_first = r->time_first;
                e->info.time_last = r->time_last;
                e->types = g_hash_table_new(g_str_hash, g_str_equal);
                g_hash_table_insert(p->by_name, g_strdup(name), e);
                g_hash_table_add(p->rel_set, rel);
                g_ptr_array_add(p->rel, rel);
        } else {
                g_free(rel);
                if (r->time_first < e->info.time_first)
                        e->info.time_first = r->time_first;
                if (r->time_last > e->info.time_last)
                        e->info.time_last = r->time_last;
        }
        e->info.count += cnt;
        g_hash_table_add(e->types, (gpointer)g_intern_string(seen));
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static dg_pdns_t *pdns_new(const char *domain)
{
        dg_pdns_t *p = g_new0(dg_pdns_t, 1);
        p->domain = g_ascii_strdown(domain, -1);
        size_t dl = strlen(p->domain);
        if (dl > 1 && p->domain[dl - 1] == '.')
                p->domain[dl - 1] = 0;
        p->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, entry_free);
        p->rel_set = g_hash_table_new(g_str_hash, g_str_equal);
        p->rel = g_ptr_array_new_with_free_func(g_free);
        return p;
}

/* Takes one parsed line (rc: 1 with r, or DG_EPARSE with why) of the source
 * named label: a record's names become candidates, a malformed line is
 * counted and reported (the first MAX_REPORTED). Frees r and why. */
static void take(dg_pdns_t *p, const char *cmd, const char *label, int rc, dg_cof_record_t *r,
                 uint64_t line, char *why)
{
        p->lines = line;
        if (rc == DG_EPARSE) {
                p->malformed++;
                if (p->malformed <= MAX_REPORTED)
                        dg_cli_error(cmd, "%s:%llu: %s (skipped)", label, (unsigned long long)line,
                                     why ? why : "malformed");
                else if (p->malformed == MAX_REPORTED + 1)
                        dg_cli_error(cmd, "%s: more malformed lines, not reported one by one",
                                     label);
                g_free(why);
                return;
        }
        p->records++;
        note(p, r->rrname, r, dg_rrtype_str(r->rrtype));
        for (size_t i = 0; i < r->nrdata; i++) {
                char *h = rdata_host(r->rrtype, r->rdata[i]);
                if (h) {
                        /* a name seen as the target of a record */
                        char *seen = g_strdup_printf("%s-target", dg_rrtype_str(r->rrtype));
                        note(p, h, r, seen);
                        g_free(seen);
                        g_free(h);
                }
        }
        dg_cof_record_free(r);
}

/* After the last line: fails (NULL, *err) when no record was read, else
 * sorts the candidates and writes each name's type list. */
static dg_pdns_t *finish(dg_pdns_t *p, const char *label, char **err)
{
        if (p->records == 0) {
                *err = g_strdup_printf("no passive DNS record in %s (%llu malformed lines)", label,
                                       (unsigned long long)p->malformed);
                dg_pdns_free(p);
                return NULL;
        }
        g_ptr_array_sort(p->rel, cmp_str);
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init(&it, p->by_name);
        while (g_hash_table_iter_next(&it, &k, &v)) {
                entry_t *e = v;
                GList *types = g_hash_table_get_keys(e->types);
                types = g_list_sort(types, (GCompareFunc)strcmp);
                GString *s = g_string_new(NULL);
                for (GList *l = types; l; l = l->next)
                        g_string_append_printf(s, "%s%s", s->len ? "," : "", (const char *)l->data);
                g_list_free(types);
                e->info.rrtypes = g_string_free(s, FALSE);
        }
        return p;
}

static dg_pdns_t *load_file(const char *cmd, const char *path, const char *domain, char **err)
{
        dg_cof_reader_t *rd = NULL;
        if (dg_cof_reader_open(path, &rd) != DG_OK) {
                *err =
                    g_strdup_printf("cannot read passive DNS file %s: %s", path, g_strerror(errno));
                return NULL;
        }
        dg_pdns_t *p = pdns_new(domain);
        for (;;) {
                dg_cof_record_t *r = NULL;
                uint64_t line = 0;
                char *why = NULL;
                int rc = dg_cof_reader_next(rd, &r, &line, &why);
                if (rc == 0)
                        break;
                if (rc == DG_EIO) {
                        *err = g_strdup_printf("reading %s: %s", path, g_strerror(errno));
                        dg_cof_reader_close(rd);
                        dg_pdns_free(p);
                        return NULL;
                }
                take(p, cmd, path, rc, r, line, why);
        }
        dg_cof_reader_close(rd);
        return finish(p, path, err);
}

typedef struct {
        dg_pdns_t *p;
        const char *cmd, *label;
        uint64_t line;
} feed_t;

/* One line of an HTTPS body (without its newline), as the file reader
 * takes a line of a file. */
static void feed_line(void *ud, const char *s, size_t len)
{
        feed_t *f = ud;
        f->line++;
        while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t'))
                len--;
        while (len > 0 && (*s == ' ' || *s == '\t')) {
                s++;
                len--;
        }
        if (len == 0)
                return;
        dg_cof_record_t *r = NULL;
        char *why = NULL;
        int rc = DG_EPARSE;
        if (memchr(s, 0, len) != NULL)
                why = g_strdup("NUL octet in the line (binary data?)");
        else
                rc = dg_cof_parse(s, len, &r, &why) == DG_OK ? 1 : DG_EPARSE;
        take(f->p, f->cmd, f->label, rc, r, f->line, why);
}

static dg_pdns_t *load_url(const char *cmd, const char *url, const char *domain,
                           const dg_pdns_http_opts_t *http, char **err)
{
        dg_pdns_t *p = pdns_new(domain);
        size_t ul = strlen(url);
        /* messages name the URL asked, as pdns_http.c builds it */
        char *label =
            g_strdup_printf("%s%s%s", url, ul && url[ul - 1] == '/' ? "" : "/", p->domain);
        feed_t f = {p, cmd, label, 0};
        if (dg_pdns_http_get(cmd, url, p->domain, http, feed_line, &f, err) != 0) {
                dg_pdns_free(p);
                g_free(label);
                return NULL;
        }
        p = finish(p, label, err);
        g_free(label);
        return p;
}

dg_pdns_t *dg_pdns_load(const char *cmd, const char *src, const char *domain,
                        const dg_pdns_http_opts_t *http, char **err)
{
        *err = NULL;
        if (dg_pdns_is_url(src))
                return load_url(cmd, src, domain, http, err);
        return load_file(cmd, src, domain, err);
}

void dg_pdns_free(dg_pdns_t *p)
{
        if (p == NULL)
                return;
        g_hash_table_destroy(p->by_name);
        g_hash_table_destroy(p->rel_set);
        g_ptr_array_free(p->rel, TRUE);
        g_free(p->domain);
        g_free(p);
}

size_t dg_pdns_count(const dg_pdns_t *p)
{
        return p ? p->rel->len : 0;
}

const char *dg_pdns_relative(const dg_pdns_t *p, size_t i)
{
        return i < p->rel->len ? g_ptr_array_index(p->rel, i) : NULL;
}

bool dg_pdns_has_relative(const dg_pdns_t *p, const char *rel, size_t len)
{
        if (p == NULL || len == 0 || len > 253)
                return false;
        char buf[256];
        for (size_t i = 0; i < len; i++)
                buf[i] = g_ascii_tolower(rel[i]);
        buf[len] = 0;
        return g_hash_table_contains(p->rel_set, buf);
}

const dg_pdns_info_t *dg_pdns_lookup(const dg_pdns_t *p, const char *name)
{
        if (p == NULL || name == NULL)
                return NULL;
        char *n = g_ascii_strdown(name, -1);
        size_t l = strlen(n);
        if (l > 1 && n[l - 1] == '.')
                n[l - 1] = 0;
        entry_t *e = g_hash_table_lookup(p->by_name, n);
        g_free(n);
        return e ? &e->info : NULL;
}

void dg_pdns_counts(const dg_pdns_t *p, uint64_t *lines, uint64_t *records, uint64_t *malformed,
                    uint64_t *outside)
{
        *lines = p->lines;
        *records = p->records;
        *malformed = p->malformed;
        *outside = p->outside;
}

/* ------------------------------------------------------------ live check */

bool dg_pdns_is_deep(const dg_pdns_t *p, const dg_result_t *r)
{
        if (p == NULL || (r->status != DG_STATUS_FOUND && r->status != DG_STATUS_NODATA) ||
            dg_pdns_lookup(p, r->name) == NULL)
                return false;
        const char *dot = strchr(r->name, '.');
        return dot != NULL && g_ascii_strcasecmp(dot + 1, p->domain) != 0;
}

#define PROBES_PER_PARENT 3
#define NODATA_MARK "\x01nodata"

typedef struct {
        GHashTable *probe_parent; /* probe name -> parent (borrowed) */
        GHashTable *answers;      /* parent -> GHashTable* set of answer strings */
} verify_t;

/* The first type's answer as a set: data items and "CNAME target" items. */
static void answer_sig(const dg_result_t *r, GHashTable *set)
{
        if (r->nanswers == 0)
                return;
        const dg_answer_t *a = &r->answers[0];
        for (size_t i = 0; i < a->ndata; i++)
                g_hash_table_add(set, g_strdup(a->data[i]));
        for (size_t i = 0; i < a->ncname; i++)
                g_hash_table_add(set, g_strdup_printf("CNAME %s", a->cname[i]));
}

static int on_probe(void *ud, dg_result_t *r)
{
        verify_t *v = ud;
        const char *parent = g_hash_table_lookup(v->probe_parent, r->name);
        if (parent && (r->status == DG_STATUS_FOUND || r->status == DG_STATUS_NODATA)) {
                GHashTable *set = g_hash_table_lookup(v->answers, parent);
                if (set == NULL) {
                        set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
                        g_hash_table_insert(v->answers, (gpointer)parent, set);
                }
                if (r->status == DG_STATUS_NODATA)
                        g_hash_table_add(set, g_strdup(NODATA_MARK));
                answer_sig(r, set);
        }
        dg_result_free(r);
        return 0;
}

/* Is every item of the held name's answer one the random names got? */
static bool covered_by(const dg_result_t *r, GHashTable *set)
{
        GHashTable *mine = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        answer_sig(r, mine);
        bool covered;
        if (g_hash_table_size(mine) == 0) {
                /* no data of the type: only a wildcard without it explains that */
                covered = g_hash_table_contains(set, NODATA_MARK);
        } else {
                covered = true;
                GHashTableIter it;
                gpointer k;
                g_hash_table_iter_init(&it, mine);
                while (covered && g_hash_table_iter_next(&it, &k, NULL))
                        covered = g_hash_table_contains(set, k);
        }
        g_hash_table_destroy(mine);
        return covered;
}

/* Asks random names under the parents of the held names (a lookup-mode
 * engine over the same resolvers); a held name whose answer is only what
 * those random names get is wildcard-covered, as the engine reports names of
 * its own zones. */
int dg_pdns_verify(const dg_pdns_t *p, GPtrArray *held, const dg_engine_opts_t *base,
                   volatile sig_atomic_t *stop, uint64_t *marked)
{
        uint64_t rng = dg_rng_seed();
        *marked = 0;
        (void)p;
        if (held == NULL || held->len == 0)
                return DG_OK;
        verify_t v;
        v.probe_parent = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        v.answers = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify)g_hash_table_destroy);
        GHashTable *parents = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        dg_engine_opts_t o = *base;
        o.mode = DG_MODE_LOOKUP;
        o.words = NULL;
        o.words_rewind = NULL;
        o.words_ud = NULL;
        o.recursive = 0;
        o.shard_k = o.shard_n = 0;
        o.no_validate = true; /* the run just validated them */
        o.no_wildcard = true;
        dg_engine_t *e = NULL;
        dg_loop_t *loop = NULL;
        int rc = dg_engine_new(&o, &e);
        if (rc != DG_OK)
                goto out;
        for (guint i = 0; i < held->len; i++) {
                const dg_result_t *r = g_ptr_array_index(held, i);
                char *parent = g_ascii_strdown(strchr(r->name, '.') + 1, -1);
                if (g_hash_table_contains(parents, parent)) {
                        g_free(parent);
                        continue;
                }
                g_hash_table_add(parents, parent);
                for (int k = 0; k < PROBES_PER_PARENT; k++) {
                        char lab[15];
                        dg_random_label(&rng, lab, 14);
                        char *probe = g_strdup_printf("%s.%s", lab, parent);
                        if (dg_engine_add_lookup(e, probe,
                                                 base->ntypes ? base->types[0] : DG_T_A) == DG_OK)
                                g_hash_table_insert(v.probe_parent, probe, parent);
                        else
                                g_free(probe);
                }
        }
        dg_engine_close_input(e);
        rc = dg_loop_new(e, &loop);
        if (rc != DG_OK)
                goto out;
        rc = dg_loop_run(loop, on_probe, NULL, &v, stop);
        if (rc != DG_OK)
                goto out;
        for (guint i = 0; i < held->len; i++) {
                dg_result_t *r = g_ptr_array_index(held, i);
                char *parent = g_ascii_strdown(strchr(r->name, '.') + 1, -1);
                GHashTable *set = g_hash_table_lookup(v.answers, parent);
                if (set && covered_by(r, set)) {
                        r->status = DG_STATUS_WILDCARD;
                        g_free(r->wildcard_root);
                        r->wildcard_root = g_strdup_printf("*.%s", parent);
                        (*marked)++;
                }
                g_free(parent);
        }
out:
        dg_loop_free(loop);
        dg_engine_free(e);
        g_hash_table_destroy(v.answers);
        g_hash_table_destroy(v.probe_parent);
        g_hash_table_destroy(parents);
        return rc;
}

typedef struct {
        const dg_pdns_t *p;
        size_t i;
} src_t;

static int src_next(void *ud, const char **word, size_t *len)
{
        src_t *s = ud;
        if (s->i >= dg_pdns_count(s->p))
                return 0;
        *word = dg_pdns_relative(s->p, s->i++);
        *len = strlen(*word);
        return 1;
}

static int src_rewind(void *ud)
{
        ((src_t *)ud)->i = 0;
        return DG_OK;
}

typedef struct {
        const dg_pdns_t *p;
        GPtrArray *held;
        int (*fn)(void *ud, dg_result_t *r);
        void *ud;
} check_t;

static int on_checked(void *ud, dg_result_t *r)
{
        check_t *c = ud;
        if (dg_pdns_is_deep(c->p, r)) {
                g_ptr_array_add(c->held, r);
                return 0;
        }
        return c->fn(c->ud, r);
}

int dg_pdns_check(const dg_pdns_t *p, const dg_engine_opts_t *base, volatile sig_atomic_t *stop,
                  int (*fn)(void *ud, dg_result_t *r), void *ud, char **errmsg)
{
        *errmsg = NULL;
        src_t src = {p, 0};
        dg_engine_opts_t o = *base;
        o.mode = DG_MODE_BRUTE;
        o.domain = p->domain;
        o.words = src_next;
        o.words_rewind = src_rewind;
        o.words_ud = &src;
        o.words_names = true;
        o.recursive = 0;
        o.shard_k = o.shard_n = 0;
        dg_engine_t *e = NULL;
        dg_loop_t *loop = NULL;
        check_t c = {p, g_ptr_array_new(), fn, ud};
        int rc = dg_engine_new(&o, &e);
        if (rc == DG_OK)
                rc = dg_loop_new(e, &loop);
        if (rc == DG_OK)
                rc = dg_loop_run(loop, on_checked, NULL, &c, stop);
        const char *msg = NULL;
        int fatal = e ? dg_engine_error(e, &msg) : DG_OK;
        if (rc == DG_OK && fatal != DG_OK) {
                rc = fatal;
                *errmsg = g_strdup(msg ? msg : dg_strerror(fatal));
        }
        uint64_t marked = 0;
        if (rc == DG_OK)
                rc = dg_pdns_verify(p, c.held, base, stop, &marked);
        for (guint i = 0; i < c.held->len; i++) {
                dg_result_t *r = g_ptr_array_index(c.held, i);
                if (rc == DG_OK)
                        fn(ud, r);
                else
                        dg_result_free(r);
        }
        g_ptr_array_free(c.held, TRUE);
        dg_loop_free(loop);
        dg_engine_free(e);
        if (rc != DG_OK && *errmsg == NULL)
                *errmsg = g_strdup(dg_strerror(rc));
        return rc;
}

void dg_pdns_json(GString *s, const dg_pdns_info_t *pi, dg_status_t st, bool mark_wildcard)
{
        g_string_append_printf(s,
                               ",\"pdns\":{\"time_first\":%lld,\"time_last\":%lld,\"count\":%llu,"
                               "\"rrtypes\":",
                               (long long)pi->time_first, (long long)pi->time_last,
                               (unsigned long long)pi->count);
        char **t = g_strsplit(pi->rrtypes, ",", -1);
        dg_cli_json_strv(s, t, g_strv_length(t));
        g_strfreev(t);
        /* live: the name still exists with its own records; stale: it is
         * gone or only a wildcard answers; null: no answer to tell */
        const char *live = st == DG_STATUS_FOUND || st == DG_STATUS_NODATA ? "true"
                           : st == DG_STATUS_FAILED                        ? "null"
                                                                           : "false";
        g_string_append_printf(s, ",\"live\":%s%s}", live,
                               mark_wildcard && st == DG_STATUS_WILDCARD ? ",\"wildcard\":true"
                                                                         : "");
}
