/* Passive DNS Common Output Format (draft-dulaunoy-dnsop-passive-dns-cof):
 * reader, writer and an aggregate of observations. See cof.h. */
#include "dnsglean/cof.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "json_int.h"
#include "dnsglean/wire.h"

void dg_cof_record_free(dg_cof_record_t *r)
{
        if (r == NULL)
                return;
        g_free(r->rrname);
        for (size_t i = 0; i < r->nrdata; i++)
                g_free(r->rdata[i]);
        g_free(r->rdata);
        g_free(r->bailiwick);
        g_free(r->sensor_id);
        g_free(r);
}

/* A name as COF writes it: lowercase, no trailing dot; NULL if not a name. */
static char *norm_name(const char *s)
{
        size_t n = strlen(s);
        uint8_t w[DG_NAME_WIRE_MAX];
        if (n == 0 || dg_name_from_str(s, n, w) <= 0)
                return NULL;
        char buf[DG_NAME_STR_MAX];
        if (dg_name_to_str(w, buf, sizeof buf) < 0)
                return NULL;
        size_t bl = strlen(buf);
        if (bl > 1 && buf[bl - 1] == '.')
                buf[bl - 1] = 0;
        return g_ascii_strdown(buf, -1);
}

static int bad(char **errmsg, char *msg)
{
        if (errmsg)
                *errmsg = msg;
        else
                g_free(msg);
        return DG_EPARSE;
}

int dg_cof_parse(const char *line, size_t len, dg_cof_record_t **out, char **errmsg)
{
        *out = NULL;
        if (errmsg)
                *errmsg = NULL;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                len--;
        dg_json_t *v = NULL;
        char *jerr = NULL;
        if (dg_json_parse(line, len, &v, &jerr) != DG_OK)
                return bad(errmsg, jerr);
        int rc = DG_EPARSE;
        dg_cof_record_t *r = g_new0(dg_cof_record_t, 1);
        if (v->kind != DG_JSON_OBJECT) {
                rc = bad(errmsg, g_strdup("not a JSON object"));
                goto fail;
        }
        const char *name = dg_json_string(dg_json_get(v, "rrname"));
        if (name == NULL) {
                rc = bad(errmsg, g_strdup("missing or non-string \"rrname\""));
                goto fail;
        }
        r->rrname = norm_name(name);
        if (r->rrname == NULL) {
                rc = bad(errmsg, g_strdup_printf("\"rrname\" is not a domain name: %.80s", name));
                goto fail;
        }
        const dg_json_t *t = dg_json_get(v, "rrtype");
        int64_t tn;
        if (dg_json_string(t)) {
                int ty = dg_rrtype_parse(t->str);
                if (ty <= 0 || ty > 65535) {
                        rc = bad(errmsg, g_strdup_printf("unknown \"rrtype\" %.20s", t->str));
                        goto fail;
                }
                r->rrtype = (uint16_t)ty;
        } else if (dg_json_int(t, &tn) && tn > 0 && tn <= 65535) {
                r->rrtype = (uint16_t)tn;
        } else {
                rc = bad(errmsg, g_strdup("missing or invalid \"rrtype\""));
                goto fail;
        }
        const dg_json_t *d = dg_json_get(v, "rdata");
        if (dg_json_string(d)) {
                r->rdata = g_new0(char *, 1);
                r->rdata[0] = g_strdup(d->str);
                r->nrdata = 1;
        } else if (d && d->kind == DG_JSON_ARRAY && d->n > 0) {
                r->rdata = g_new0(char *, d->n);
                for (size_t i = 0; i < d->n; i++) {
                        if (d->items[i]->kind != DG_JSON_STRING) {
                                rc = bad(errmsg, g_strdup("\"rdata\" array holds a non-string"));
                                goto fail;
                        }
                        r->rdata[r->nrdata++] = g_strdup(d->items[i]->str);
                }
        } else {
                rc = bad(errmsg, g_strdup("missing \"rdata\" (a string or an array of strings)"));
                goto fail;
        }
        if (!dg_json_int(dg_json_get(v, "time_first"), &r->time_first) ||
            !dg_json_int(dg_json_get(v, "time_last"), &r->time_last) || r->time_first < 0 ||
            r->time_last < 0) {
                rc = bad(errmsg, g_strdup("missing or invalid \"time_first\"/\"time_last\" "
                                          "(integer seconds since the epoch)"));
                goto fail;
        }
        if (r->time_last < r->time_first) {
                rc = bad(errmsg, g_strdup("\"time_last\" is before \"time_first\""));
                goto fail;
        }
        const dg_json_t *cnt = dg_json_get(v, "count");
        if (cnt) {
                int64_t cv;
                if (!dg_json_int(cnt, &cv) || cv < 0) {
                        rc = bad(errmsg, g_strdup("\"count\" is not a non-negative integer"));
                        goto fail;
                }
                r->count = (uint64_t)cv;
                r->has_count = true;
        }
        const char *bw = dg_json_string(dg_json_get(v, "bailiwick"));
        if (bw)
                r->bailiwick = g_strdup(bw);
        const char *sid = dg_json_string(dg_json_get(v, "sensor_id"));
        if (sid)
                r->sensor_id = g_strdup(sid);
        dg_json_free(v);
        *out = r;
        return DG_OK;
fail:
        dg_json_free(v);
        dg_cof_record_free(r);
        return rc;
}

/* JSON string literal; octets outside printable ASCII as \u00XX. */
static void json_str(GString *out, const char *s)
{
        g_string_append_c(out, '"');
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if (*p == '"' || *p == '\\') {
                        g_string_append_c(out, '\\');
                        g_string_append_c(out, (char)*p);
                } else if (*p < 0x20 || *p >= 0x7f) {
                        g_string_append_printf(out, "\\u%04x", *p);
                } else {
                        g_string_append_c(out, (char)*p);
                }
        }
        g_string_append_c(out, '"');
}

char *dg_cof_format(const dg_cof_record_t *r)
{
        if (r == NULL || r->rrname == NULL || r->nrdata == 0 || r->rdata == NULL)
                return NULL;
        GString *s = g_string_sized_new(128);
        g_string_append(s, "{\"rrname\":");
        json_str(s, r->rrname);
        g_string_append(s, ",\"rrtype\":");
        json_str(s, dg_rrtype_str(r->rrtype));
        g_string_append(s, ",\"rdata\":");
        if (r->nrdata == 1) {
                json_str(s, r->rdata[0]);
        } else {
                g_string_append_c(s, '[');
                for (size_t i = 0; i < r->nrdata; i++) {
                        if (i)
                                g_string_append_c(s, ',');
                        json_str(s, r->rdata[i]);
                }
                g_string_append_c(s, ']');
        }
        g_string_append_printf(s, ",\"time_first\":%lld,\"time_last\":%lld",
                               (long long)r->time_first, (long long)r->time_last);
        if (r->has_count)
                g_string_append_printf(s, ",\"count\":%llu", (unsigned long long)r->count);
        if (r->bailiwick) {
                g_string_append(s, ",\"bailiwick\":");
                json_str(s, r->bailiwick);
        }
        if (r->sensor_id) {
                g_string_append(s, ",\"sensor_id\":");
                json_str(s, r->sensor_id);
        }
        g_string_append_c(s, '}');
        return g_string_free(s, FALSE);
}

/* ------------------------------------------------------------ reader */

struct dg_cof_reader {
        FILE *f;
        bool is_stdin;
        char *buf;
        size_t cap;
        uint64_t line;
};

int dg_cof_reader_open(const char *path, dg_cof_reader_t **out)
{
        *out = NULL;
        if (path == NULL)
                return DG_EINVAL;
        FILE *f;
        bool is_stdin = strcmp(path, "-") == 0;
        if (is_stdin) {
                f = stdin;
        } else {
                f = fopen(path, "r");
                if (f == NULL)
                        return DG_EIO;
                struct stat st;
                if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
                        fclose(f);
                        errno = EISDIR;
                        return DG_EIO;
                }
        }
        dg_cof_reader_t *r = g_new0(dg_cof_reader_t, 1);
        r->f = f;
        r->is_stdin = is_stdin;
        *out = r;
        return DG_OK;
}

int dg_cof_reader_next(dg_cof_reader_t *r, dg_cof_record_t **rec, uint64_t *line, char **errmsg)
{
        *rec = NULL;
        if (errmsg)
                *errmsg = NULL;
        for (;;) {
                errno = 0;
                ssize_t n = getline(&r->buf, &r->cap, r->f);
                if (n < 0) {
                        if (ferror(r->f))
                                return DG_EIO;
                        return 0;
                }
                r->line++;
                if (line)
                        *line = r->line;
                const char *p = r->buf;
                size_t len = (size_t)n;
                while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r' || p[len - 1] == ' ' ||
                                   p[len - 1] == '\t'))
                        len--;
                while (len > 0 && (*p == ' ' || *p == '\t')) {
                        p++;
                        len--;
                }
                if (len == 0)
                        continue;
                if (memchr(p, 0, len) != NULL) {
                        if (errmsg)
                                *errmsg = g_strdup("NUL octet in the line (binary data?)");
                        return DG_EPARSE;
                }
                return dg_cof_parse(p, len, rec, errmsg) == DG_OK ? 1 : DG_EPARSE;
        }
}

void dg_cof_reader_close(dg_cof_reader_t *r)
{
        if (r == NULL)
                return;
        if (!r->is_stdin && r->f)
                fclose(r->f);
        free(r->buf); /* getline's buffer comes from malloc */
        g_free(r);
}

/* ------------------------------------------------------------ aggregate */

struct dg_cof_agg {
        GHashTable *recs; /* "rrname\ttype\trdata" -> dg_cof_record_t* */
};

dg_cof_agg_t *dg_cof_agg_new(void)
{
        dg_cof_agg_t *a = g_new0(dg_cof_agg_t, 1);
        a->recs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify)dg_cof_record_free);
        return a;
}

void dg_cof_agg_free(dg_cof_agg_t *a)
{
        if (a == NULL)
                return;
        g_hash_table_destroy(a->recs);
        g_free(a);
}

int dg_cof_agg_add(dg_cof_agg_t *a, const char *rrname, uint16_t rrtype, const char *rdata,
                   int64_t when)
{
        if (a == NULL || rrname == NULL || rdata == NULL)
                return DG_EINVAL;
        char *name = norm_name(rrname);
        if (name == NULL)
                return DG_ENAME;
        char *key = g_strdup_printf("%s\t%u\t%s", name, rrtype, rdata);
        dg_cof_record_t *r = g_hash_table_lookup(a->recs, key);
        if (r) {
                g_free(key);
                g_free(name);
                if (when < r->time_first)
                        r->time_first = when;
                if (when > r->time_last)
                        r->time_last = when;
                r->count++;
                return DG_OK;
        }
        r = g_new0(dg_cof_record_t, 1);
        r->rrname = name;
        r->rrtype = rrtype;
        r->rdata = g_new0(char *, 1);
        r->rdata[0] = g_strdup(rdata);
        r->nrdata = 1;
        r->time_first = r->time_last = when;
        r->count = 1;
        r->has_count = true;
        g_hash_table_insert(a->recs, key, r);
        return DG_OK;
}

int dg_cof_agg_add_message(dg_cof_agg_t *a, const uint8_t *msg, size_t len, int64_t when,
                           size_t *added)
{
        if (added)
                *added = 0;
        if (a == NULL || msg == NULL)
                return DG_EINVAL;
        dg_wire_msg_t m;
        if (dg_wire_parse(msg, len, &m) != DG_OK)
                return DG_EMALFORMED;
        if (!(m.flags & DG_FLAG_QR) || m.ancount == 0)
                return DG_OK;
        dg_wire_iter_t it;
        dg_wire_iter_init(&it, msg, len, &m);
        dg_wire_rr_t rr;
        int rc;
        char owner[DG_NAME_STR_MAX];
        char rdata[4096];
        while ((rc = dg_wire_iter_next(&it, &rr)) == 1 && rr.section == DG_SEC_ANSWER) {
                if (rr.rclass != 1 || rr.type == DG_T_OPT || rr.type == DG_T_RRSIG ||
                    rr.type == 24 /* SIG */)
                        continue;
                if (dg_name_to_str(rr.owner, owner, sizeof owner) < 0 ||
                    dg_wire_rdata_str(msg, len, &rr, rdata, sizeof rdata) < 0)
                        continue;
                if (dg_cof_agg_add(a, owner, rr.type, rdata, when) == DG_OK && added)
                        (*added)++;
        }
        return rc < 0 ? DG_EMALFORMED : DG_OK;
}

size_t dg_cof_agg_size(const dg_cof_agg_t *a)
{
        return a ? g_hash_table_size(a->recs) : 0;
}

static gint rec_cmp(gconstpointer pa, gconstpointer pb)
{
        const dg_cof_record_t *x = *(const dg_cof_record_t *const *)pa;
        const dg_cof_record_t *y = *(const dg_cof_record_t *const *)pb;
        int c = strcmp(x->rrname, y->rrname);
        if (c)
                return c;
        if (x->rrtype != y->rrtype)
                return x->rrtype < y->rrtype ? -1 : 1;
        return strcmp(x->rdata[0], y->rdata[0]);
}

int dg_cof_agg_foreach(const dg_cof_agg_t *a, int (*fn)(void *ud, const dg_cof_record_t *rec),
                       void *ud)
{
        if (a == NULL || fn == NULL)
                return 0;
        GPtrArray *v = g_ptr_array_sized_new(g_hash_table_size(a->recs));
        GHashTableIter it;
        gpointer k, val;
        g_hash_table_iter_init(&it, a->recs);
        while (g_hash_table_iter_next(&it, &k, &val))
                g_ptr_array_add(v, val);
        g_ptr_array_sort(v, rec_cmp);
        int rc = 0;
        for (guint i = 0; i < v->len && rc == 0; i++)
                rc = fn(ud, g_ptr_array_index(v, i));
        g_ptr_array_free(v, TRUE); /* the records stay in the table */
        return rc;
}
