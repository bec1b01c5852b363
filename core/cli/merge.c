/* dnsglean merge — joins the outputs of several runs (shards of one brute
 * run, footprint runs, re-runs) into one result set.
 *
 * Input: JSON Lines as brute/footprint write them (a file holding one JSON
 * array, as --format json writes, is read too). Results are keyed by (name,
 * type), case-insensitively. When several inputs hold the same key, the most
 * definite answer wins (found > nodata > wildcard > nxdomain > failed; the
 * old spelling, an rcode in "status", is read as these words and written
 * back with them, the rcode moving to "rcode"); the data of the answers of the winning
 * kind are united, the TTL is their smallest, providers are united and
 * takeover is true if any input says so. Other objects (footprint's
 * providers, findings) are deduplicated as they are. Malformed lines are
 * reported as FILE:LINE and skipped.
 */
#include "cli.h"
#include "graph.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json_int.h" /* core/src: the library's private JSON reader */

/* The command line of merge, as given and then derived. */
typedef struct {
        char *format, *output, *domain;
        gboolean quiet;
        dg_fmt_t fmt;
} merge_opts_t;

#define MAX_REPORTED 20

/* One key's inputs, kept as compact JSON text (parsed again when written):
 * a million results take a few hundred MB, not gigabytes of trees. */
typedef struct {
        char *key;
        char *first;     /* the first input's text */
        GPtrArray *more; /* char*: the others, or NULL */
} entry_t;

typedef struct {
        GHashTable *by_key; /* key -> entry_t* */
        uint64_t lines, objects, malformed, duplicates;
} merge_t;

static void entry_free(gpointer p)
{
        entry_t *e = p;
        g_free(e->first);
        if (e->more)
                g_ptr_array_free(e->more, TRUE);
        g_free(e->key);
        g_free(e);
}

/* ------------------------------------------------------------ JSON out */

static void json_value(GString *s, const dg_json_t *v)
{
        switch (v->kind) {
        case DG_JSON_NULL:
                g_string_append(s, "null");
                break;
        case DG_JSON_BOOL:
                g_string_append(s, v->boolean ? "true" : "false");
                break;
        case DG_JSON_NUMBER:
                if (v->integer) {
                        g_string_append_printf(s, "%lld", (long long)v->inumber);
                } else {
                        char buf[G_ASCII_DTOSTR_BUF_SIZE];
                        g_string_append(s, g_ascii_dtostr(buf, sizeof buf, v->number));
                }
                break;
        case DG_JSON_STRING:
                dg_json_str(s, v->str);
                break;
        case DG_JSON_ARRAY:
                g_string_append_c(s, '[');
                for (size_t i = 0; i < v->n; i++) {
                        if (i)
                                g_string_append_c(s, ',');
                        json_value(s, v->items[i]);
                }
                g_string_append_c(s, ']');
                break;
        case DG_JSON_OBJECT:
                g_string_append_c(s, '{');
                for (size_t i = 0; i < v->n; i++) {
                        if (i)
                                g_string_append_c(s, ',');
                        dg_json_str(s, v->keys[i]);
                        g_string_append_c(s, ':');
                        json_value(s, v->items[i]);
                }
                g_string_append_c(s, '}');
                break;
        }
}

/* ------------------------------------------------------------ ranking */

static bool jbool(const dg_json_t *o, const char *k)
{
        const dg_json_t *v = dg_json_get(o, k);
        return v && v->kind == DG_JSON_BOOL && v->boolean;
}

static size_t jlen(const dg_json_t *o, const char *k)
{
        const dg_json_t *v = dg_json_get(o, k);
        return v && v->kind == DG_JSON_ARRAY ? v->n : 0;
}

/* A result's status word (DESIGN vocabulary, old spellings mapped), or
 * NULL; *rcode (may be NULL) gets the rcode an old spelling named. */
static const char *status_of(const dg_json_t *o, const char **rcode)
{
        const char *st = dg_json_string(dg_json_get(o, "status"));
        bool has_data = jlen(o, "data") > 0 || jlen(o, "cname") > 0;
        return dg_cli_status_read(st, has_data, jbool(o, "wildcard"), rcode);
}

/* How definite a result is: higher wins. */
static int rank(const dg_json_t *o)
{
        const char *st = status_of(o, NULL);
        if (dg_json_get(o, "status") == NULL)
                return 0;
        if (st == NULL)
                return 2; /* a status nobody defined */
        if (dg_cli_status_exists(st) && !jbool(o, "wildcard"))
                return jlen(o, "data") > 0 || jlen(o, "cname") > 0 ? 6 : 5;
        if (dg_cli_status_exists(st) || strcmp(st, "wildcard") == 0)
                return 4;
        return strcmp(st, "nxdomain") == 0 ? 3 : 1;
}

/* Answers of the same kind pool their data: names that exist (found or
 * nodata) together, every other rank on its own. */
static int rank_class(int r)
{
        return r >= 5 ? 5 : r;
}

/* ------------------------------------------------------------ input */

static void report(merge_t *m, const char *file, uint64_t line, const char *why)
{
        m->malformed++;
        if (m->malformed <= MAX_REPORTED)
                dg_cli_error("merge", "%s:%llu: %s (skipped)", file, (unsigned long long)line, why);
        else if (m->malformed == MAX_REPORTED + 1)
                dg_cli_error("merge", "more malformed lines: not reported one by one");
}

/* Takes one parsed object (owned; freed here) whose text is raw[0..rawlen)
 * (NULL: serialise v). */
static void add_object(merge_t *m, dg_json_t *v, const char *raw, size_t rawlen, const char *file,
                       uint64_t line)
{
        if (v->kind != DG_JSON_OBJECT) {
                report(m, file, line, "not a JSON object");
                dg_json_free(v);
                return;
        }
        const char *kind = dg_json_string(dg_json_get(v, "kind"));
        char *key;
        if (kind == NULL || strcmp(kind, "record") == 0) {
                const char *name = dg_json_string(dg_json_get(v, "name"));
                const char *type = dg_json_string(dg_json_get(v, "type"));
                const dg_json_t *data = dg_json_get(v, "data");
                if (name == NULL || *name == 0 || type == NULL) {
                        report(m, file, line, "a result needs \"name\" and \"type\" strings");
                        dg_json_free(v);
                        return;
                }
                if (data && data->kind != DG_JSON_ARRAY) {
                        report(m, file, line, "\"data\" is not an array");
                        dg_json_free(v);
                        return;
                }
                for (size_t i = 0; data && i < data->n; i++) {
                        if (data->items[i]->kind != DG_JSON_STRING) {
                                report(m, file, line, "\"data\" holds a non-string");
                                dg_json_free(v);
                                return;
                        }
                }
                char *ln = g_ascii_strdown(name, -1);
                size_t l = strlen(ln);
                if (l > 1 && ln[l - 1] == '.')
                        ln[l - 1] = 0;
                char *lt = g_ascii_strup(type, -1);
                key = g_strdup_printf("0\t%s\t%s", ln, lt);
                g_free(ln);
                g_free(lt);
        } else {
                /* anything else is kept once, as it is */
                GString *s = g_string_new("1\t");
                json_value(s, v);
                key = g_string_free(s, FALSE);
        }
        m->objects++;
        char *text;
        if (raw) {
                text = g_strndup(raw, rawlen);
        } else {
                GString *t = g_string_new(NULL);
                json_value(t, v);
                text = g_string_free(t, FALSE);
        }
        dg_json_free(v);
        entry_t *e = g_hash_table_lookup(m->by_key, key);
        if (e) {
                m->duplicates++;
                g_free(key);
                if (e->more == NULL)
                        e->more = g_ptr_array_new_with_free_func(g_free);
                g_ptr_array_add(e->more, text);
        } else {
                e = g_new0(entry_t, 1);
                e->key = key;
                e->first = text;
                g_hash_table_insert(m->by_key, e->key, e);
        }
}

/* The inputs of a key, parsed again (they parsed once already). */
static GPtrArray *entry_objects(const entry_t *e)
{
        GPtrArray *objs = g_ptr_array_new_with_free_func((GDestroyNotify)dg_json_free);
        guint n = 1 + (e->more ? e->more->len : 0);
        for (guint i = 0; i < n; i++) {
                const char *t = i == 0 ? e->first : g_ptr_array_index(e->more, i - 1);
                dg_json_t *v = NULL;
                if (dg_json_parse(t, strlen(t), &v, NULL) == DG_OK)
                        g_ptr_array_add(objs, v);
        }
        return objs;
}

/* Reads one input file ('-': stdin) line by line; a file that starts with
 * '[' is one JSON array (--format json) and is parsed whole. Returns 0, or -1
 * if it cannot be read at all. */
static int read_file(merge_t *m, const char *path)
{
        bool is_stdin = strcmp(path, "-") == 0;
        struct stat st;
        if (!is_stdin && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
                dg_cli_error("merge", "%s is a directory", path);
                return -1;
        }
        FILE *f = is_stdin ? stdin : fopen(path, "r");
        if (f == NULL) {
                dg_cli_error("merge", "cannot read %s: %s", path, g_strerror(errno));
                return -1;
        }
        if (!is_stdin) {
                /* binary data is not JSON Lines: say so once, not per line */
                char head[4096];
                size_t hn = fread(head, 1, sizeof head, f);
                if (memchr(head, 0, hn) != NULL) {
                        dg_cli_error("merge", "%s looks binary, not JSON Lines", path);
                        fclose(f);
                        return -1;
                }
                rewind(f);
        }
        int rc = 0;
        char *buf = NULL;
        size_t cap = 0;
        ssize_t n;
        uint64_t line = 0;
        bool first = true;
        while ((n = getline(&buf, &cap, f)) >= 0) {
                line++;
                const char *a = buf, *b = buf + n;
                if (memchr(buf, 0, (size_t)n) != NULL) {
                        report(m, path, line, "NUL octet in the line (binary data?)");
                        continue;
                }
                while (a < b && g_ascii_isspace(*a))
                        a++;
                while (b > a && g_ascii_isspace(b[-1]))
                        b--;
                if (a == b)
                        continue;
                if (first && *a == '[') {
                        /* one JSON array: the rest of the file with it */
                        GString *all = g_string_new_len(a, (gssize)(buf + n - a));
                        while ((n = getline(&buf, &cap, f)) >= 0)
                                g_string_append_len(all, buf, n);
                        dg_json_t *v = NULL;
                        char *why = NULL;
                        m->lines++;
                        if (dg_json_parse(all->str, all->len, &v, &why) != DG_OK) {
                                report(m, path, line, why);
                                g_free(why);
                        } else {
                                for (size_t i = 0; i < v->n; i++) {
                                        add_object(m, v->items[i], NULL, 0, path, line);
                                        v->items[i] = NULL;
                                }
                                v->n = 0;
                                dg_json_free(v);
                        }
                        g_string_free(all, TRUE);
                        break;
                }
                first = false;
                m->lines++;
                dg_json_t *v = NULL;
                char *why = NULL;
                if (dg_json_parse(a, (size_t)(b - a), &v, &why) != DG_OK) {
                        report(m, path, line, why);
                        g_free(why);
                        continue;
                }
                add_object(m, v, a, (size_t)(b - a), path, line);
        }
        if (rc == 0 && ferror(f)) {
                dg_cli_error("merge", "reading %s: %s", path, g_strerror(errno));
                rc = -1;
        }
        free(buf);
        if (!is_stdin)
                fclose(f);
        return rc;
}

/* ------------------------------------------------------------ reconcile */

typedef struct {
        const dg_json_t *best; /* the winning object */
        GPtrArray *data;       /* char*, borrowed, unique, sorted */
        int64_t ttl;           /* smallest TTL of the pooled answers */
        GPtrArray *providers;  /* dg_json_t*, borrowed, unique by name+category */
        bool takeover;
        GPtrArray *extra_keys; /* members the winner lacks: (char*, dg_json_t*) pairs */
        const char *status;    /* the winner's status word (or as written if unknown) */
        const char *rcode;     /* the rcode an old-spelled status named, or NULL */
} merged_t;

/* The merged providers as a JSON array. */
static void providers_json(GString *s, const merged_t *m)
{
        g_string_append_c(s, '[');
        for (guint j = 0; j < m->providers->len; j++) {
                if (j)
                        g_string_append_c(s, ',');
                json_value(s, g_ptr_array_index(m->providers, j));
        }
        g_string_append_c(s, ']');
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void reconcile(GPtrArray *objs, merged_t *out)
{
        memset(out, 0, sizeof *out);
        int best_r = -1;
        for (guint i = 0; i < objs->len; i++) {
                const dg_json_t *o = g_ptr_array_index(objs, i);
                int r = rank(o);
                if (r > best_r) {
                        best_r = r;
                        out->best = o;
                }
        }
        out->data = g_ptr_array_new();
        out->providers = g_ptr_array_new();
        out->extra_keys = g_ptr_array_new();
        GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
        GHashTable *pseen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        GHashTable *kseen = g_hash_table_new(g_str_hash, g_str_equal);
        for (size_t i = 0; i < out->best->n; i++)
                g_hash_table_add(kseen, out->best->keys[i]);
        bool have_ttl = false;
        for (guint i = 0; i < objs->len; i++) {
                const dg_json_t *o = g_ptr_array_index(objs, i);
                out->takeover |= jbool(o, "takeover");
                const dg_json_t *pv = dg_json_get(o, "providers");
                for (size_t j = 0; pv && pv->kind == DG_JSON_ARRAY && j < pv->n; j++) {
                        const dg_json_t *p = pv->items[j];
                        char *pk =
                            g_strdup_printf("%s\t%s", dg_json_string(dg_json_get(p, "name")) ?: "",
                                            dg_json_string(dg_json_get(p, "category")) ?: "");
                        if (g_hash_table_add(pseen, pk))
                                g_ptr_array_add(out->providers, (gpointer)p);
                }
                for (size_t j = 0; j < o->n; j++) {
                        if (g_hash_table_add(kseen, o->keys[j])) {
                                g_ptr_array_add(out->extra_keys, o->keys[j]);
                                g_ptr_array_add(out->extra_keys, o->items[j]);
                        }
                }
                if (rank_class(rank(o)) != rank_class(best_r))
                        continue;
                const dg_json_t *d = dg_json_get(o, "data");
                for (size_t j = 0; d && j < d->n; j++)
                        if (g_hash_table_add(seen, d->items[j]->str))
                                g_ptr_array_add(out->data, d->items[j]->str);
                int64_t ttl;
                if (dg_json_int(dg_json_get(o, "ttl"), &ttl) && (d && d->n > 0)) {
                        if (!have_ttl || ttl < out->ttl)
                                out->ttl = ttl;
                        have_ttl = true;
                }
        }
        if (!have_ttl && !dg_json_int(dg_json_get(out->best, "ttl"), &out->ttl))
                out->ttl = 0;
        out->status = status_of(out->best, &out->rcode);
        if (out->status == NULL)
                out->status = dg_json_string(dg_json_get(out->best, "status"));
        if (dg_json_get(out->best, "rcode"))
                out->rcode = NULL; /* the winner says it itself */
        g_ptr_array_sort(out->data, cmp_str);
        g_hash_table_destroy(seen);
        g_hash_table_destroy(pseen);
        g_hash_table_destroy(kseen);
}

static void merged_clear(merged_t *m)
{
        g_ptr_array_free(m->data, TRUE);
        g_ptr_array_free(m->providers, TRUE);
        g_ptr_array_free(m->extra_keys, TRUE);
}

/* The merged record as one JSON object, in the winner's member order. */
static void merged_json(GString *s, const merged_t *m)
{
        const dg_json_t *b = m->best;
        g_string_append_c(s, '{');
        bool first = true;
        bool wrote_prov = false, wrote_take = false;
        for (size_t i = 0; i < b->n; i++) {
                const char *k = b->keys[i];
                if (!first)
                        g_string_append_c(s, ',');
                first = false;
                dg_json_str(s, k);
                g_string_append_c(s, ':');
                if (strcmp(k, "data") == 0) {
                        g_string_append_c(s, '[');
                        for (guint j = 0; j < m->data->len; j++) {
                                if (j)
                                        g_string_append_c(s, ',');
                                dg_json_str(s, g_ptr_array_index(m->data, j));
                        }
                        g_string_append_c(s, ']');
                } else if (strcmp(k, "ttl") == 0) {
                        g_string_append_printf(s, "%lld", (long long)m->ttl);
                } else if (strcmp(k, "status") == 0 && m->status) {
                        dg_json_str(s, m->status);
                        if (m->rcode)
                                dg_json_field(s, "rcode", m->rcode);
                } else if (strcmp(k, "providers") == 0) {
                        wrote_prov = true;
                        providers_json(s, m);
                } else if (strcmp(k, "takeover") == 0) {
                        wrote_take = true;
                        g_string_append(s, m->takeover ? "true" : "false");
                } else {
                        json_value(s, b->items[i]);
                }
        }
        for (guint i = 0; i + 1 < m->extra_keys->len; i += 2) {
                const char *k = g_ptr_array_index(m->extra_keys, i);
                /* a losing answer's own details do not describe the winner */
                if (strcmp(k, "wildcard") == 0 || strcmp(k, "wildcard_root") == 0 ||
                    strcmp(k, "reason") == 0 || strcmp(k, "tries") == 0 || strcmp(k, "cname") == 0)
                        continue;
                if ((strcmp(k, "providers") == 0 && wrote_prov) ||
                    (strcmp(k, "takeover") == 0 && wrote_take))
                        continue;
                g_string_append_c(s, ',');
                dg_json_str(s, k);
                g_string_append_c(s, ':');
                if (strcmp(k, "providers") == 0) {
                        providers_json(s, m);
                } else if (strcmp(k, "takeover") == 0) {
                        g_string_append(s, m->takeover ? "true" : "false");
                } else {
                        json_value(s, g_ptr_array_index(m->extra_keys, i + 1));
                }
        }
        g_string_append_c(s, '}');
}

/* ------------------------------------------------------------ output */

static const char *str_or(const dg_json_t *o, const char *k, const char *dflt)
{
        const char *s = dg_json_string(dg_json_get(o, k));
        return s ? s : dflt;
}

static void merged_csv(GString *s, const merged_t *m)
{
        const dg_json_t *b = m->best;
        const dg_json_t *cn = dg_json_get(b, "cname");
        const char *last_cname = cn && cn->kind == DG_JSON_ARRAY && cn->n > 0
                                     ? dg_json_string(cn->items[cn->n - 1])
                                     : NULL;
        guint rows = m->data->len ? m->data->len : 1;
        for (guint i = 0; i < rows; i++) {
                dg_csv_field(s, str_or(b, "name", ""));
                g_string_append_c(s, ',');
                dg_csv_field(s, str_or(b, "type", ""));
                g_string_append_printf(s, ",%lld,", (long long)m->ttl);
                dg_csv_field(s, m->status ? m->status : "");
                g_string_append_c(s, ',');
                dg_csv_field(s, m->rcode ? m->rcode : str_or(b, "rcode", ""));
                g_string_append_c(s, ',');
                dg_csv_field(s, m->data->len ? g_ptr_array_index(m->data, i) : "");
                g_string_append_c(s, ',');
                dg_csv_field(s, last_cname ? last_cname : "");
                g_string_append_printf(s, ",%s\n", jbool(b, "wildcard") ? "true" : "false");
        }
}

static void merged_text(GString *s, const merged_t *m)
{
        const dg_json_t *b = m->best;
        const char *name = str_or(b, "name", "");
        const char *type = str_or(b, "type", "");
        const char *status = m->status ? m->status : "";
        bool wild = jbool(b, "wildcard") || strcmp(status, "wildcard") == 0;
        if (!dg_cli_status_exists(status) && !wild) {
                g_string_append_printf(s, "; %s. %s %s\n", name, type, status);
                return;
        }
        const char *mark = wild ? " ; wildcard" : "";
        char *prev = g_strdup_printf("%s.", name);
        const dg_json_t *cn = dg_json_get(b, "cname");
        for (size_t i = 0; cn && cn->kind == DG_JSON_ARRAY && i < cn->n; i++) {
                const char *t = dg_json_string(cn->items[i]);
                if (t == NULL)
                        continue;
                g_string_append_printf(s, "%s\t%lld\tIN\tCNAME\t%s%s\n", prev, (long long)m->ttl, t,
                                       mark);
                g_free(prev);
                prev = g_strdup(t);
        }
        for (guint i = 0; i < m->data->len; i++)
                g_string_append_printf(s, "%s\t%lld\tIN\t%s\t%s%s\n", prev, (long long)m->ttl, type,
                                       (const char *)g_ptr_array_index(m->data, i), mark);
        if (m->data->len == 0 && (cn == NULL || cn->n == 0))
                g_string_append_printf(s, "; %s exists (NOERROR, no %s data)%s\n", prev, type,
                                       mark);
        g_free(prev);
}

/* Strings of a JSON array (non-strings skipped) into a new NULL-ended vector
 * of borrowed pointers; *n gets the count. */
static char **strv_of(const dg_json_t *a, size_t *n)
{
        *n = 0;
        if (a == NULL || a->kind != DG_JSON_ARRAY)
                return NULL;
        char **v = g_new0(char *, a->n + 1);
        for (size_t i = 0; i < a->n; i++)
                if (a->items[i]->kind == DG_JSON_STRING)
                        v[(*n)++] = a->items[i]->str;
        return v;
}

static void merged_graph(dg_graph_t *g, const merged_t *m)
{
        const dg_json_t *b = m->best;
        dg_graph_rec_t r = {0};
        r.name = str_or(b, "name", NULL);
        r.type = str_or(b, "type", "");
        r.data = (char *const *)m->data->pdata;
        r.ndata = m->data->len;
        char **cn = strv_of(dg_json_get(b, "cname"), &r.ncname);
        r.cname = cn;
        r.status = m->status ? m->status : "found";
        r.wildcard = jbool(b, "wildcard") || strcmp(r.status, "wildcard") == 0;
        r.takeover = m->takeover;
        const char **pn = g_new0(const char *, m->providers->len + 1);
        const char **pc = g_new0(const char *, m->providers->len + 1);
        for (guint i = 0; i < m->providers->len; i++) {
                const dg_json_t *p = g_ptr_array_index(m->providers, i);
                const char *name = dg_json_string(dg_json_get(p, "name"));
                if (name == NULL)
                        continue;
                pn[r.nprov] = name;
                pc[r.nprov++] = dg_json_string(dg_json_get(p, "category"));
        }
        r.prov_name = pn;
        r.prov_cat = pc;
        const dg_json_t *pd = dg_json_get(b, "pdns");
        r.pdns_stale = pd && !dg_cli_status_exists(r.status);
        dg_graph_add(g, &r);
        g_free(cn);
        g_free(pn);
        g_free(pc);
}

/* The longest label-wise suffix all names share. */
static char *common_suffix(GPtrArray *names)
{
        if (names->len == 0)
                return NULL;
        char *suf = g_strdup(g_ptr_array_index(names, 0));
        for (guint i = 1; i < names->len && *suf; i++) {
                const char *n = g_ptr_array_index(names, i);
                while (*suf) {
                        size_t nl = strlen(n), sl = strlen(suf);
                        if (nl >= sl && strcmp(n + nl - sl, suf) == 0 &&
                            (nl == sl || n[nl - sl - 1] == '.'))
                                break;
                        const char *dot = strchr(suf, '.');
                        char *next = g_strdup(dot ? dot + 1 : "");
                        g_free(suf);
                        suf = next;
                }
        }
        if (names->len == 1) {
                /* one name: its parent is the domain */
                const char *dot = strchr(suf, '.');
                if (dot) {
                        char *p = g_strdup(dot + 1);
                        g_free(suf);
                        suf = p;
                }
        }
        return suf;
}

/* Fills o from the command line; returns 0 or the exit status 2. */
static int parse_opts(merge_opts_t *o, int *argc, char ***argv)
{
        GOptionEntry entries[] = {
            DG_CLI_FORMAT_ENTRY(&o->format, "jsonl (default), json, csv, text or dot"),
            DG_CLI_OUTPUT_ENTRY(&o->output),
            {"domain", 'd', 0, G_OPTION_ARG_STRING, &o->domain,
             "The root of the dot picture (default: the names' common suffix)", "DOMAIN"},
            {"quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "No summary on stderr", NULL},
            {NULL, 0, 0, 0, NULL, NULL, NULL}};
        const unsigned formats = DG_FMT_BIT(DG_FMT_JSONL) | DG_FMT_BIT(DG_FMT_JSON) |
                                 DG_FMT_BIT(DG_FMT_CSV) | DG_FMT_BIT(DG_FMT_TEXT) |
                                 DG_FMT_BIT(DG_FMT_DOT);
        if (!dg_cli_parse_options("merge", "FILE...",
                                  "Joins shard outputs (JSON Lines of brute or footprint): one "
                                  "result per name and type,\nthe most definite answer, the "
                                  "union of the data. '-' reads stdin.\n"
                                  "Example: dnsglean merge shard-*.jsonl -o all.jsonl",
                                  entries, argc, argv))
                return 2;
        if (*argc < 2) {
                dg_cli_error("merge", "no input files (see --help)");
                return 2;
        }
        return dg_cli_pick_format("merge", o->format, DG_FMT_JSONL, formats, &o->fmt) ? 2 : 0;
}

/* Reads every input; returns 0 or the exit status 1. */
static int read_inputs(merge_t *m, int argc, char **argv)
{
        for (int i = 1; i < argc; i++)
                if (read_file(m, argv[i]) != 0)
                        return 1;
        if (m->objects == 0 && m->malformed > 0) {
                dg_cli_error("merge", "no valid result in the input (%llu malformed lines)",
                             (unsigned long long)m->malformed);
                return 1;
        }
        return 0;
}

/* The picture's root: --domain, else the common suffix of the names. */
static dg_graph_t *new_graph(const merge_opts_t *o, GPtrArray *keys)
{
        char *dom = NULL;
        if (o->domain) {
                dom = g_ascii_strdown(o->domain, -1);
        } else {
                GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
                for (guint i = 0; i < keys->len; i++) {
                        const char *key = g_ptr_array_index(keys, i);
                        if (key[0] != '0')
                                continue;
                        const char *tab = strchr(key + 2, '\t');
                        g_ptr_array_add(names, g_strndup(key + 2, (gsize)(tab - key - 2)));
                }
                dom = common_suffix(names);
                g_ptr_array_free(names, TRUE);
        }
        if (dom == NULL || *dom == 0) {
                g_free(dom);
                dom = g_strdup(".");
        }
        dg_graph_t *g = dg_graph_new(dom);
        g_free(dom);
        return g;
}

/* Appends one key's merged result to s (or the picture); returns whether it
 * wrote something. */
static bool write_entry(GString *s, dg_graph_t *graph, dg_fmt_t fmt, entry_t *e)
{
        bool record = e->key[0] == '0';
        GPtrArray *objs = entry_objects(e);
        bool wrote = objs->len > 0 && (record || fmt == DG_FMT_JSON || fmt == DG_FMT_JSONL);
        merged_t mg;
        if (wrote && record)
                reconcile(objs, &mg);
        if (wrote && (fmt == DG_FMT_JSON || fmt == DG_FMT_JSONL)) {
                if (record)
                        merged_json(s, &mg);
                else
                        json_value(s, g_ptr_array_index(objs, 0));
                if (fmt == DG_FMT_JSONL)
                        g_string_append_c(s, '\n');
        } else if (wrote && fmt == DG_FMT_CSV) {
                merged_csv(s, &mg);
        } else if (wrote && fmt == DG_FMT_TEXT) {
                merged_text(s, &mg);
        } else if (wrote && fmt == DG_FMT_DOT) {
                merged_graph(graph, &mg);
        }
        if (wrote && record)
                merged_clear(&mg);
        g_ptr_array_free(objs, TRUE);
        return wrote;
}

/* Writes the merged results in key order; returns 0, or 1 on a write error. */
static int write_all(const merge_opts_t *o, merge_t *m, GPtrArray *keys, FILE *out)
{
        dg_graph_t *graph = o->fmt == DG_FMT_DOT ? new_graph(o, keys) : NULL;
        GString *s = g_string_sized_new(4096);
        int rc = 0;
        if (o->fmt == DG_FMT_CSV)
                g_string_append(s, "name,type,ttl,status,rcode,data,cname,wildcard\n");
        if (o->fmt == DG_FMT_JSON)
                g_string_append_c(s, '[');
        uint64_t written = 0;
        for (guint i = 0; i < keys->len; i++) {
                entry_t *e = g_hash_table_lookup(m->by_key, g_ptr_array_index(keys, i));
                size_t before = s->len;
                if (o->fmt == DG_FMT_JSON)
                        g_string_append(s, written ? ",\n  " : "\n  ");
                if (write_entry(s, graph, o->fmt, e))
                        written++;
                else
                        g_string_truncate(s, before);
                if (s->len > 65536) {
                        if (fwrite(s->str, 1, s->len, out) != s->len)
                                rc = 1;
                        g_string_truncate(s, 0);
                }
        }
        if (o->fmt == DG_FMT_JSON)
                g_string_append(s, written ? "\n]\n" : "]\n");
        if (fwrite(s->str, 1, s->len, out) != s->len)
                rc = 1;
        if (graph && dg_graph_write(graph, out) != 0)
                rc = 1;
        if (fflush(out) != 0)
                rc = 1;
        if (rc)
                dg_cli_error("merge", "writing %s: %s", o->output ? o->output : "stdout",
                             g_strerror(errno));
        dg_graph_free(graph);
        g_string_free(s, TRUE);
        return rc;
}

int dg_cmd_merge(int argc, char **argv)
{
        merge_opts_t o = {0};
        merge_t m = {0};
        m.by_key = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, entry_free);
        GPtrArray *keys = g_ptr_array_new();
        FILE *out = NULL;
        int rc = parse_opts(&o, &argc, &argv);
        if (rc == 0)
                rc = read_inputs(&m, argc, argv);
        if (rc == 0) {
                GHashTableIter it;
                gpointer k, v;
                g_hash_table_iter_init(&it, m.by_key);
                while (g_hash_table_iter_next(&it, &k, &v))
                        g_ptr_array_add(keys, k);
                g_ptr_array_sort(keys, cmp_str);
                if ((out = dg_cli_open_output("merge", o.output, "w")) == NULL)
                        rc = 1;
        }
        if (rc == 0)
                rc = write_all(&o, &m, keys, out);
        if (out && out != stdout)
                fclose(out);
        if (out && !o.quiet)
                fprintf(stderr,
                        "dnsglean: merge: %d file%s, %llu objects, %u merged, %llu duplicates "
                        "joined, %llu malformed lines skipped\n",
                        argc - 1, argc == 2 ? "" : "s", (unsigned long long)m.objects, keys->len,
                        (unsigned long long)m.duplicates, (unsigned long long)m.malformed);
        g_ptr_array_free(keys, TRUE);
        g_hash_table_destroy(m.by_key);
        g_free(o.format);
        g_free(o.output);
        g_free(o.domain);
        return rc;
}
