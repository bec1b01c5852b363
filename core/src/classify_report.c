/* The report of a footprint: each answered lookup becomes a record with the
 * providers its data, CNAME chain and owner name reveal; the providers are
 * gathered with their evidence; findings come from findings.c. A pure
 * function of the gathered lookups and the fingerprint database.
 */
#include "findings_int.h"

#include <glib.h>
#include <string.h>

typedef struct {
        dg_footprint_report_t *rep;
        GHashTable *prov_idx;  /* provider name ptr -> index+1 */
        GPtrArray *prov_ev;    /* per provider: GPtrArray of evidence */
        GHashTable *prov_seen; /* "provider\tevidence" set */
} build_t;

char *dg_fp_norm_name(const char *s)
{
        char *n = g_ascii_strdown(s, -1);
        size_t l = strlen(n);
        while (l > 1 && n[l - 1] == '.')
                n[--l] = '\0';
        return n;
}

/* The provider entry of m's provider, created on first sight. */
static dg_footprint_provider_t *provider_of(build_t *b, const dg_fp_match_t *m, guint *idx)
{
        dg_footprint_report_t *r = b->rep;
        *idx = GPOINTER_TO_UINT(g_hash_table_lookup(b->prov_idx, m->name));
        if (*idx == 0) {
                r->providers = g_renew(dg_footprint_provider_t, r->providers, r->nproviders + 1);
                dg_footprint_provider_t *p = &r->providers[r->nproviders++];
                memset(p, 0, sizeof *p);
                p->name = m->name;
                p->category = m->category;
                g_ptr_array_add(b->prov_ev, g_ptr_array_new());
                *idx = (guint)r->nproviders;
                g_hash_table_insert(b->prov_idx, (gpointer)m->name, GUINT_TO_POINTER(*idx));
        }
        return &r->providers[*idx - 1];
}

static void add_provider(build_t *b, const dg_fp_match_t *m, const char *where, bool takeover)
{
        guint idx;
        dg_footprint_provider_t *p = provider_of(b, m, &idx);
        if (takeover && m->sig->takeover)
                p->takeover = true;
        /* one line per piece of evidence: the first record that showed it */
        char *key = g_strdup_printf("%s\t%s", m->name, m->evidence);
        if (g_hash_table_contains(b->prov_seen, key)) {
                g_free(key);
                return;
        }
        g_hash_table_add(b->prov_seen, key);
        g_ptr_array_add(g_ptr_array_index(b->prov_ev, idx - 1),
                        g_strdup_printf("%s %s", where, m->evidence));
}

/* Merges the matches of res into the record's providers: one entry per
 * provider and piece of evidence (an RRset can reveal a provider twice, e.g.
 * an SPF include and a verification token). */
static void merge(dg_footprint_record_t *x, const dg_classify_res_t *res)
{
        for (size_t i = 0; i < res->nmatches; i++) {
                bool dup = false;
                for (size_t k = 0; k < x->nproviders && !dup; k++)
                        dup = x->providers[k].name == res->matches[i].name &&
                              strcmp(x->providers[k].evidence, res->matches[i].evidence) == 0;
                if (dup)
                        continue;
                x->providers = g_renew(dg_fp_match_t, x->providers, x->nproviders + 1);
                x->providers[x->nproviders++] = res->matches[i];
        }
        if (res->takeover)
                x->takeover = true;
}

static char **strv_copy(char *const *v, size_t n)
{
        char **c = g_new0(char *, n + 1);
        for (size_t i = 0; i < n; i++)
                c[i] = g_strdup(v[i]);
        return c;
}

/* A new record of the report for lookup l, without providers. */
static dg_footprint_record_t *new_record(build_t *b, const dg_fp_lookup_t *l)
{
        const dg_answer_t *a = dg_fp_answer(l);
        dg_footprint_report_t *r = b->rep;
        r->records = g_renew(dg_footprint_record_t, r->records, r->nrecords + 1);
        dg_footprint_record_t *x = &r->records[r->nrecords++];
        memset(x, 0, sizeof *x);
        x->name = g_strdup(l->name);
        x->type = l->type;
        x->rcode = l->r->rcode;
        x->status = dg_status_str(l->r->status);
        x->why = l->why;
        x->ttl = a->ttl;
        x->ndata = a->ndata;
        x->data = strv_copy(a->data, a->ndata);
        x->ncname = a->ncname;
        x->cname = strv_copy(a->cname, a->ncname);
        return x;
}

static void add_record(const dg_fp_view_t *v, build_t *b, const dg_fp_lookup_t *l,
                       dg_classify_res_t *res)
{
        const dg_answer_t *a = dg_fp_answer(l);
        dg_footprint_record_t *x = new_record(b, l);
        /* the CNAME chain, hop by hop, then the data at its end */
        const char *owner = l->name;
        for (size_t i = 0; i < a->ncname; i++) {
                if (dg_classify_rr(v->db, owner, DG_T_CNAME, a->cname[i], res) >= 0)
                        merge(x, res);
                owner = a->cname[i];
        }
        for (size_t i = 0; i < a->ndata; i++)
                if (dg_classify_rr(v->db, owner, l->type, a->data[i], res) >= 0)
                        merge(x, res);
        if (a->ndata == 0 && dg_classify_rr(v->db, l->name, DG_T_TXT, "\"\"", res) >= 0)
                merge(x, res); /* owner-name signatures alone */
        char *where = g_strdup_printf("%s %s", l->name, dg_rrtype_str(l->type));
        for (size_t i = 0; i < x->nproviders; i++)
                add_provider(b, &x->providers[i], where, x->takeover);
        g_free(where);
}

static int cmp_provider(const void *a, const void *b)
{
        const dg_footprint_provider_t *x = a, *y = b;
        int c = strcmp(x->category, y->category);
        return c ? c : g_ascii_strcasecmp(x->name, y->name);
}

/* Hands each provider its evidence array, then sorts the providers. */
static void finish_providers(build_t *b)
{
        dg_footprint_report_t *r = b->rep;
        for (size_t i = 0; i < r->nproviders; i++) {
                GPtrArray *ev = g_ptr_array_index(b->prov_ev, i);
                r->providers[i].nevidence = ev->len;
                g_ptr_array_add(ev, NULL);
                r->providers[i].evidence = (char **)g_ptr_array_free(ev, FALSE);
        }
        if (r->nproviders > 1)
                qsort(r->providers, r->nproviders, sizeof *r->providers, cmp_provider);
}

dg_footprint_report_t *dg_fp_report_build(const dg_fp_view_t *v)
{
        build_t b = {0};
        b.rep = g_new0(dg_footprint_report_t, 1);
        b.rep->domain = g_strdup(v->domain);
        b.prov_idx = g_hash_table_new(g_direct_hash, g_direct_equal);
        b.prov_ev = g_ptr_array_new();
        b.prov_seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        dg_classify_res_t res;
        dg_classify_res_init(&res);
        for (size_t i = 0; i < v->nlookups; i++) {
                const dg_fp_lookup_t *l = v->lookups[i];
                if (dg_fp_found(l) && strcmp(l->why, "wildcard-probe") != 0)
                        add_record(v, &b, l, &res);
        }
        dg_classify_res_clear(&res);
        finish_providers(&b);
        dg_findings_derive(v, b.rep);
        b.rep->queries = v->queries;
        b.rep->phases = v->phases;
        g_hash_table_destroy(b.prov_idx);
        g_ptr_array_free(b.prov_ev, TRUE);
        g_hash_table_destroy(b.prov_seen);
        return b.rep;
}

static void strv_free_n(char **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                g_free(v[i]);
        g_free(v);
}

void dg_fp_report_free(dg_footprint_report_t *r)
{
        if (r == NULL)
                return;
        for (size_t i = 0; i < r->nrecords; i++) {
                dg_footprint_record_t *x = &r->records[i];
                g_free(x->name);
                strv_free_n(x->data, x->ndata);
                strv_free_n(x->cname, x->ncname);
                g_free(x->providers);
        }
        g_free(r->records);
        for (size_t i = 0; i < r->nproviders; i++)
                strv_free_n(r->providers[i].evidence, r->providers[i].nevidence);
        g_free(r->providers);
        for (size_t i = 0; i < r->nfindings; i++) {
                g_free(r->findings[i].message);
                strv_free_n(r->findings[i].evidence, r->findings[i].nevidence);
        }
        g_free(r->findings);
        g_free(r->domain);
        g_free(r);
}
