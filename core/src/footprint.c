/* Footprint: what a domain's DNS gives away, gathered through lookup-mode
 * engines and classified with the fingerprint database.
 *
 * Work comes in rounds. A round asks every question learnt so far and not yet
 * asked; its questions are grouped by type into batches, one engine per batch
 * (a lookup-mode result names the question's owner, so one type per engine
 * keeps every result unambiguous). After a round, the answers suggest the
 * next questions: the SPF include/redirect chain and the domains of its
 * a:/mx:/exists: terms, the targets of CNAMEs, the addresses of the name
 * servers and mail exchanges, and for those of them that do not exist
 * (NXDOMAIN) their registrable parent's SOA. When nothing new is left, each
 * name server address is asked for the zone's SOA directly (lame delegation
 * and ns-takeover check). Then the report is built.
 */
#include "findings_int.h"
#include "footprint_names.h"
#include "dnsglean/footprint.h"
#include "footprint_int.h"

#include <glib.h>
#include <string.h>

#include "util.h"

#define MAX_ROUNDS 12
#define MAX_SPF_DOMAINS 40
#define MAX_NS_ADDRS 8

static const char *const no_names[] = {NULL};

/* A built-in list, or an empty one when the embedded data is malformed. */
static const char *const *builtin_list(dg_fpn_list_t k)
{
        const dg_fp_names_t *n = dg_fp_names_builtin(NULL);
        return n ? (const char *const *)n->list[k] : no_names;
}

const char *const *dg_footprint_dkim_selectors(void)
{
        return builtin_list(DG_FPN_DKIM);
}

const char *const *dg_footprint_srv_names(void)
{
        return builtin_list(DG_FPN_SRV);
}

const char *const *dg_footprint_saas_names(void)
{
        return builtin_list(DG_FPN_SAAS);
}

typedef dg_fp_lookup_t ent_t;
typedef dg_fp_nscheck_t nscheck_t;

typedef struct {
        uint16_t type;
        GPtrArray *ents; /* ent_t*, borrowed */
        int ns;          /* -1: the options' resolvers; else a name server (lame check) */
} batch_t;

struct dg_footprint {
        dg_footprint_opts_t o;
        char *domain;
        dg_resolver_addr_t *res;
        size_t nres;
        const dg_fpdb_t *db;
        dg_fp_names_t *names; /* the built-in lists, owned */
        GPtrArray *selectors; /* char* */
        GHashTable *asked;    /* "type/name" -> ent_t* */
        GPtrArray *ents;      /* every ent_t, owned, ask order */
        GPtrArray *fresh;     /* ent_t* not yet in a batch */
        GQueue batches;       /* batch_t* */
        batch_t *cur;
        dg_engine_t *engine;
        GHashTable *cur_by_name; /* name -> ent_t* of the current batch */
        GPtrArray *ns_checks;    /* nscheck_t* */
        bool lame_planned;
        unsigned rounds, spf_domains;
        char *wildcard_probe;
        dg_footprint_report_t *rep;
        unsigned queries, phases;
};

void dg_footprint_opts_init(dg_footprint_opts_t *o)
{
        memset(o, 0, sizeof *o);
}

static ent_t *ask(dg_footprint_t *fp, const char *name, uint16_t type, const char *why)
{
        char *n = dg_fp_norm_name(name);
        uint8_t w[DG_NAME_WIRE_MAX];
        if (*n == '\0' || strcmp(n, ".") == 0 || dg_name_from_str(n, strlen(n), w) < 0) {
                g_free(n);
                return NULL;
        }
        char *key = g_strdup_printf("%u/%s", type, n);
        ent_t *e = g_hash_table_lookup(fp->asked, key);
        if (e) {
                g_free(key);
                g_free(n);
                return e;
        }
        e = g_new0(ent_t, 1);
        e->name = n;
        e->type = type;
        e->why = why;
        e->ns = -1;
        g_hash_table_insert(fp->asked, key, e);
        g_ptr_array_add(fp->ents, e);
        g_ptr_array_add(fp->fresh, e);
        return e;
}

static ent_t *find(const dg_footprint_t *fp, const char *name, uint16_t type)
{
        char *n = dg_fp_norm_name(name);
        char *key = g_strdup_printf("%u/%s", type, n);
        ent_t *e = g_hash_table_lookup(fp->asked, key);
        g_free(key);
        g_free(n);
        return e;
}

static void batch_free(batch_t *b)
{
        if (b == NULL)
                return;
        g_ptr_array_free(b->ents, TRUE);
        g_free(b);
}

/* Groups the fresh questions by type into batches. Returns how many. */
static unsigned plan_batches(dg_footprint_t *fp)
{
        unsigned n = 0;
        while (fp->fresh->len > 0) {
                ent_t *first = g_ptr_array_index(fp->fresh, 0);
                batch_t *b = g_new0(batch_t, 1);
                b->type = first->type;
                b->ns = -1;
                b->ents = g_ptr_array_new();
                GPtrArray *rest = g_ptr_array_new();
                for (guint i = 0; i < fp->fresh->len; i++) {
                        ent_t *e = g_ptr_array_index(fp->fresh, i);
                        g_ptr_array_add(e->type == b->type ? b->ents : rest, e);
                }
                g_ptr_array_free(fp->fresh, TRUE);
                fp->fresh = rest;
                g_queue_push_tail(&fp->batches, b);
                n++;
        }
        return n;
}

static void plan_first_round(dg_footprint_t *fp)
{
        const char *d = fp->domain;
        static const uint16_t apex[] = {DG_T_NS,  DG_T_SOA, DG_T_MX,   DG_T_TXT,
                                        DG_T_CAA, DG_T_A,   DG_T_AAAA, DG_T_HTTPS};
        for (size_t i = 0; i < G_N_ELEMENTS(apex); i++)
                ask(fp, d, apex[i], "apex");
        char *n;
        for (char **t = fp->names->list[DG_FPN_TXT_OWNERS]; *t; t++) {
                n = g_strdup_printf("%s.%s", *t, d);
                ask(fp, n, DG_T_TXT, strcmp(*t, "_dmarc") == 0 ? "dmarc" : "verification");
                g_free(n);
        }
        for (guint i = 0; i < fp->selectors->len; i++) {
                n = g_strdup_printf("%s._domainkey.%s", (char *)g_ptr_array_index(fp->selectors, i),
                                    d);
                ask(fp, n, DG_T_TXT, "dkim");
                g_free(n);
        }
        for (char **s = fp->names->list[DG_FPN_SRV]; *s; s++) {
                n = g_strdup_printf("%s.%s", *s, d);
                ask(fp, n, DG_T_SRV, "srv");
                g_free(n);
        }
        if (!fp->o.no_saas_names) {
                for (char **s = fp->names->list[DG_FPN_SAAS]; *s; s++) {
                        n = g_strdup_printf("%s.%s", *s, d);
                        ask(fp, n, DG_T_CNAME, "saas");
                        ask(fp, n, DG_T_A, "saas");
                        g_free(n);
                }
        }
        /* a label no zone holds: an answer means a wildcard at the apex */
        char lab[17];
        uint64_t rng = dg_rng_seed();
        dg_random_label(&rng, lab, 16);
        fp->wildcard_probe = g_strdup_printf("dg-%s.%s", lab, d);
        ask(fp, fp->wildcard_probe, DG_T_A, "wildcard-probe");
        plan_batches(fp);
}

/* ---- follow-ups: what the answers suggest asking next ---- */

/* The domains an SPF record names (include:, redirect=, a:, mx:, exists:
 * without macros): the include chain's TXT, the others' A or MX, so that a
 * term naming a domain that does not exist shows (spf-include-registrable). */
static void follow_spf(dg_footprint_t *fp, const ent_t *e)
{
        bool ans;
        char **spf = dg_fp_spf_texts(e, &ans);
        for (char **s = spf; s && *s; s++) {
                dg_spf_t *p = NULL;
                if (dg_spf_parse(*s, &p) != DG_OK)
                        continue;
                for (size_t t = 0; t < p->nterms; t++) {
                        const dg_spf_term_t *tm = &p->terms[t];
                        uint16_t type = dg_fp_spf_term_type(tm->kind);
                        if (type == 0 || tm->value == NULL || tm->has_macro ||
                            fp->spf_domains >= MAX_SPF_DOMAINS || find(fp, tm->value, type))
                                continue;
                        const char *why = type == DG_T_TXT ? "spf-include" : "spf-term";
                        if (ask(fp, tm->value, type, why))
                                fp->spf_domains++;
                }
                dg_spf_free(p);
        }
        g_strfreev(spf);
}

/* A name that does not exist (NXDOMAIN) where an outsider could claim it:
 * ask whether its registrable parent exists (dg_fp_registrable). */
static void follow_nxdomain(dg_footprint_t *fp, const ent_t *e)
{
        if (e->r == NULL || e->r->status != DG_STATUS_NXDOMAIN ||
            (strcmp(e->why, "spf-include") != 0 && strcmp(e->why, "spf-term") != 0 &&
             strcmp(e->why, "mx-address") != 0))
                return;
        char *reg = dg_fp_registrable(e->name);
        if (reg && strcmp(reg, e->name) != 0 && !dg_fp_name_under(fp->domain, reg))
                ask(fp, reg, DG_T_SOA, "parent-check");
        g_free(reg);
}

static void plan_followups(dg_footprint_t *fp)
{
        guint n = fp->ents->len; /* ask() appends: look at what is there now */
        for (guint i = 0; i < n; i++) {
                ent_t *e = g_ptr_array_index(fp->ents, i);
                follow_nxdomain(fp, e);
                const dg_answer_t *a = dg_fp_answer(e);
                if (a == NULL)
                        continue;
                /* SPF include / redirect chain and the domains of its terms */
                if (e->type == DG_T_TXT &&
                    (strcmp(e->name, fp->domain) == 0 || strcmp(e->why, "spf-include") == 0))
                        follow_spf(fp, e);
                /* CNAME targets: ask for the end of the chain */
                const char *target = NULL;
                if (e->type == DG_T_CNAME && a->ndata > 0)
                        target = a->data[0];
                else if (a->ncname > 0 && a->ndata == 0)
                        target = a->cname[a->ncname - 1];
                if (target)
                        ask(fp, target, DG_T_A, "cname-target");
                bool apex = strcmp(e->name, fp->domain) == 0;
                /* name server addresses */
                if (e->type == DG_T_NS && apex)
                        for (size_t k = 0; k < a->ndata; k++)
                                ask(fp, a->data[k], DG_T_A, "ns-address");
                /* mail exchanges: do they exist? (mx-takeover) */
                if (e->type == DG_T_MX && apex)
                        for (size_t k = 0; k < a->ndata; k++) {
                                char *host = dg_fp_mx_host(a->data[k]);
                                if (host)
                                        ask(fp, host, DG_T_A, "mx-address");
                                g_free(host);
                        }
        }
}

static void plan_lame_checks(dg_footprint_t *fp)
{
        fp->lame_planned = true;
        if (fp->o.no_lame_check)
                return;
        const dg_answer_t *ns = dg_fp_answer(find(fp, fp->domain, DG_T_NS));
        for (size_t i = 0; ns && i < ns->ndata; i++) {
                const dg_answer_t *a = dg_fp_answer(find(fp, ns->data[i], DG_T_A));
                for (size_t k = 0; a && k < a->ndata && k < 2; k++) {
                        if (fp->ns_checks->len >= MAX_NS_ADDRS)
                                return;
                        nscheck_t *c = g_new0(nscheck_t, 1);
                        c->host = dg_fp_norm_name(ns->data[i]);
                        c->addr = g_strdup(a->data[k]);
                        c->check = g_new0(ent_t, 1);
                        c->check->name = g_strdup(fp->domain);
                        c->check->type = DG_T_SOA;
                        c->check->why = "lame-check";
                        c->check->ns = (int)fp->ns_checks->len;
                        g_ptr_array_add(fp->ns_checks, c);
                        batch_t *b = g_new0(batch_t, 1);
                        b->type = DG_T_SOA;
                        b->ns = c->check->ns;
                        b->ents = g_ptr_array_new();
                        g_ptr_array_add(b->ents, c->check);
                        g_queue_push_tail(&fp->batches, b);
                }
        }
}

/* ---- engines ---- */

static int start_batch(dg_footprint_t *fp)
{
        batch_t *b = fp->cur;
        dg_engine_opts_t eo;
        dg_engine_opts_init(&eo);
        eo.mode = DG_MODE_LOOKUP;
        eo.domain = fp->domain;
        eo.no_validate = true;
        eo.no_wildcard = true;
        eo.log = fp->o.log;
        eo.log_ud = fp->o.log_ud;
        if (fp->o.timeout_ms)
                eo.timeout_ms = fp->o.timeout_ms;
        if (fp->o.retries)
                eo.retries = fp->o.retries;
        if (fp->o.concurrency)
                eo.concurrency = fp->o.concurrency;
        dg_resolver_addr_t one;
        if (b->ns >= 0) {
                nscheck_t *c = g_ptr_array_index(fp->ns_checks, b->ns);
                char *spec =
                    strchr(c->addr, ':')
                        ? g_strdup_printf("[%s]:%u", c->addr, fp->o.ns_port ? fp->o.ns_port : 53)
                        : g_strdup_printf("%s:%u", c->addr, fp->o.ns_port ? fp->o.ns_port : 53);
                int rc = dg_resolver_parse(spec, &one);
                g_free(spec);
                if (rc != DG_OK)
                        return rc;
                eo.resolvers = &one;
                eo.nresolvers = 1;
                eo.no_rd = true;
                eo.retries = 1;
                if (eo.timeout_ms == 0 || eo.timeout_ms > 2000)
                        eo.timeout_ms = 2000;
        } else {
                eo.resolvers = fp->res;
                eo.nresolvers = fp->nres;
        }
        int rc = dg_engine_new(&eo, &fp->engine);
        if (rc != DG_OK)
                return rc;
        g_hash_table_remove_all(fp->cur_by_name);
        for (guint i = 0; i < b->ents->len; i++) {
                ent_t *e = g_ptr_array_index(b->ents, i);
                if (dg_engine_add_lookup(fp->engine, e->name, b->type) == DG_OK) {
                        g_hash_table_insert(fp->cur_by_name, e->name, e);
                        fp->queries++;
                }
        }
        dg_engine_close_input(fp->engine);
        fp->phases++;
        return DG_OK;
}

/* Makes the next batch current (planning rounds as needed). Returns 1 with
 * an engine, 0 when everything is done. */
static int advance(dg_footprint_t *fp)
{
        for (;;) {
                batch_free(fp->cur);
                fp->cur = NULL;
                if (g_queue_is_empty(&fp->batches)) {
                        if (fp->lame_planned)
                                return 0;
                        if (fp->rounds < MAX_ROUNDS) {
                                plan_followups(fp);
                                if (plan_batches(fp) > 0) {
                                        fp->rounds++;
                                        continue;
                                }
                        }
                        plan_lame_checks(fp);
                        continue;
                }
                fp->cur = g_queue_pop_head(&fp->batches);
                if (start_batch(fp) == DG_OK)
                        return 1;
                /* the batch could not start: its questions stay unanswered */
        }
}

static void build_report(dg_footprint_t *fp)
{
        if (fp->rep)
                return;
        dg_fp_view_t v = {
            .domain = fp->domain,
            .db = fp->db,
            .lookups = (dg_fp_lookup_t *const *)fp->ents->pdata,
            .nlookups = fp->ents->len,
            .nschecks = (dg_fp_nscheck_t *const *)fp->ns_checks->pdata,
            .nnschecks = fp->ns_checks->len,
            .wildcard_probe = fp->wildcard_probe,
            .queries = fp->queries,
            .phases = fp->phases,
        };
        fp->rep = dg_fp_report_build(&v);
}

/* Parses the built-in name lists for one footprint (so that it holds no
 * process-wide state: the Lua module may be unloaded). Returns DG_OK and
 * *out, or DG_EPARSE after telling o's log why. */
static int load_names(const dg_footprint_opts_t *o, dg_fp_names_t **out)
{
        char *why = NULL;
        int rc = dg_fp_names_parse(dg_fp_names_builtin_data, dg_fp_names_builtin_data_len,
                                   "builtin", out, &why);
        if (rc != DG_OK && o->log) {
                char *msg = g_strdup_printf("footprint name lists: %s", why ? why : "unreadable");
                o->log(o->log_ud, DG_LOG_ERROR, msg);
                g_free(msg);
        }
        g_free(why);
        return rc;
}

static int check_opts(const dg_footprint_opts_t *o)
{
        if (o->resolvers == NULL || o->nresolvers == 0)
                return DG_ENORESOLVER;
        uint8_t w[DG_NAME_WIRE_MAX];
        if (dg_name_from_str(o->domain, strlen(o->domain), w) < 0 || strcmp(o->domain, ".") == 0)
                return DG_ENAME;
        return DG_OK;
}

int dg_footprint_new(const dg_footprint_opts_t *o, dg_footprint_t **out)
{
        if (out)
                *out = NULL;
        if (o == NULL || out == NULL || o->domain == NULL)
                return DG_EINVAL;
        int rc = check_opts(o);
        dg_fp_names_t *names = NULL;
        if (rc == DG_OK)
                rc = load_names(o, &names);
        if (rc != DG_OK)
                return rc;
        dg_footprint_t *fp = g_new0(dg_footprint_t, 1);
        fp->o = *o;
        fp->domain = dg_fp_norm_name(o->domain);
        fp->o.domain = fp->domain;
        fp->res = g_memdup2(o->resolvers, o->nresolvers * sizeof *o->resolvers);
        fp->nres = o->nresolvers;
        fp->o.resolvers = fp->res;
        fp->db = o->db ? o->db : dg_fpdb_default();
        fp->names = names;
        fp->o.dkim_selectors = NULL;
        fp->selectors = g_ptr_array_new_with_free_func(g_free);
        if (o->dkim_selectors)
                for (size_t i = 0; i < o->ndkim_selectors; i++)
                        g_ptr_array_add(fp->selectors, g_strdup(o->dkim_selectors[i]));
        else
                for (char **s = fp->names->list[DG_FPN_DKIM]; *s; s++)
                        g_ptr_array_add(fp->selectors, g_strdup(*s));
        fp->asked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        fp->ents = g_ptr_array_new();
        fp->fresh = g_ptr_array_new();
        g_queue_init(&fp->batches);
        fp->cur_by_name = g_hash_table_new(g_str_hash, g_str_equal);
        fp->ns_checks = g_ptr_array_new();
        if (fp->db == NULL) {
                dg_footprint_free(fp);
                return DG_ENOMEM;
        }
        plan_first_round(fp);
        fp->rounds = 1;
        if (advance(fp) == 0)
                build_report(fp);
        *out = fp;
        return DG_OK;
}

static void ent_free(ent_t *e)
{
        if (e == NULL)
                return;
        dg_result_free(e->r);
        g_free(e->name);
        g_free(e);
}

void dg_footprint_free(dg_footprint_t *fp)
{
        if (fp == NULL)
                return;
        dg_engine_free(fp->engine);
        batch_free(fp->cur);
        batch_t *b;
        while ((b = g_queue_pop_head(&fp->batches)) != NULL)
                batch_free(b);
        for (guint i = 0; i < fp->ents->len; i++)
                ent_free(g_ptr_array_index(fp->ents, i));
        g_ptr_array_free(fp->ents, TRUE);
        g_ptr_array_free(fp->fresh, TRUE);
        for (guint i = 0; i < fp->ns_checks->len; i++) {
                nscheck_t *c = g_ptr_array_index(fp->ns_checks, i);
                g_free(c->host);
                g_free(c->addr);
                ent_free(c->check);
                g_free(c);
        }
        g_ptr_array_free(fp->ns_checks, TRUE);
        g_hash_table_destroy(fp->asked);
        g_hash_table_destroy(fp->cur_by_name);
        g_ptr_array_free(fp->selectors, TRUE);
        dg_fp_names_free(fp->names);
        dg_fp_report_free(fp->rep);
        g_free(fp->wildcard_probe);
        g_free(fp->res);
        g_free(fp->domain);
        g_free(fp);
}

dg_engine_t *dg_footprint_engine(dg_footprint_t *fp)
{
        return fp ? fp->engine : NULL;
}

void dg_footprint_add_result(dg_footprint_t *fp, dg_result_t *r)
{
        if (fp == NULL || r == NULL) {
                dg_result_free(r);
                return;
        }
        char *n = dg_fp_norm_name(r->name);
        ent_t *e = g_hash_table_lookup(fp->cur_by_name, n);
        g_free(n);
        if (e && e->r == NULL)
                e->r = r;
        else
                dg_result_free(r);
}

int dg_footprint_next_phase(dg_footprint_t *fp)
{
        if (fp == NULL)
                return DG_EINVAL;
        if (fp->engine == NULL)
                return 0;
        dg_engine_free(fp->engine);
        fp->engine = NULL;
        g_hash_table_remove_all(fp->cur_by_name);
        if (advance(fp) == 1)
                return 1;
        build_report(fp);
        return 0;
}

const dg_footprint_report_t *dg_footprint_report(const dg_footprint_t *fp)
{
        return fp ? fp->rep : NULL;
}

void dg_footprint_abandon(dg_footprint_t *fp)
{
        if (fp == NULL)
                return;
        dg_engine_free(fp->engine);
        fp->engine = NULL;
        build_report(fp);
}
