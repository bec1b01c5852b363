/* Footprint: what a domain's DNS gives away, gathered through lookup-mode
 * engines and classified with the fingerprint database.
 *
 * Work comes in rounds. A round asks every question learnt so far and not yet
 * asked; its questions are grouped by type into batches, one engine per batch
 * (a lookup-mode result names the question's owner, so one type per engine
 * keeps every result unambiguous). After a round, the answers suggest the
 * next questions: the SPF include/redirect chain, the targets of CNAMEs, the
 * addresses of the name servers. When nothing new is left, each name server
 * address is asked for the zone's SOA directly (lame delegation check). Then
 * the report is built.
 */
#include "classify_int.h"
#include "dnsglean/footprint.h"
#include "footprint_int.h"

#include <glib.h>
#include <string.h>

#define MAX_ROUNDS 12
#define MAX_SPF_DOMAINS 40
#define MAX_NS_ADDRS 8

static const char *const dkim_selectors[] = {
    "selector1", "selector2",  "google",      "k1",          "k2",     "k3",     "s1",
    "s2",        "mandrill",   "mailjet",     "ctct1",       "ctct2",  "cm",     "zendesk1",
    "zendesk2",  "protonmail", "protonmail2", "protonmail3", "fm1",    "fm2",    "fm3",
    "kl",        "kl2",        "litesrv",     "smtpapi",     "brevo1", "brevo2", "intercom",
    "default",   "dkim",       "mail",        "smtp",        "key1",   "mx",     "everlytickey1",
    NULL};

static const char *const srv_names[] = {"_sip._tls",         "_sip._tcp",
                                        "_sip._udp",         "_sipfederationtls._tcp",
                                        "_sips._tcp",        "_autodiscover._tcp",
                                        "_ldap._tcp",        "_kerberos._tcp",
                                        "_kerberos._udp",    "_kpasswd._tcp",
                                        "_gc._tcp",          "_xmpp-client._tcp",
                                        "_xmpp-server._tcp", "_caldav._tcp",
                                        "_caldavs._tcp",     "_carddav._tcp",
                                        "_carddavs._tcp",    "_imap._tcp",
                                        "_imaps._tcp",       "_pop3s._tcp",
                                        "_submission._tcp",  "_submissions._tcp",
                                        "_matrix._tcp",      "_h323cs._tcp",
                                        "_vlmcs._tcp",       NULL};

static const char *const saas_names[] = {"www",
                                         "autodiscover",
                                         "lyncdiscover",
                                         "sip",
                                         "enterpriseenrollment",
                                         "enterpriseregistration",
                                         "msoid",
                                         "mail",
                                         "webmail",
                                         "owa",
                                         "remote",
                                         "vpn",
                                         "sso",
                                         "login",
                                         "auth",
                                         "id",
                                         "status",
                                         "support",
                                         "help",
                                         "docs",
                                         "blog",
                                         "shop",
                                         "store",
                                         "cdn",
                                         "static",
                                         "assets",
                                         "api",
                                         "app",
                                         "portal",
                                         "dev",
                                         "staging",
                                         "test",
                                         "go",
                                         "click",
                                         "email",
                                         "em",
                                         "links",
                                         "info",
                                         "news",
                                         "careers",
                                         "jobs",
                                         "marketing",
                                         "events",
                                         "community",
                                         "forum",
                                         "kb",
                                         "files",
                                         "media",
                                         "images",
                                         "legacy",
                                         "old",
                                         "beta",
                                         NULL};

/* Names whose TXT (or CNAME) reveals a service whatever the record holds. */
static const char *const txt_owner_names[] = {
    "_dmarc",        "_amazonses",     "_mta-sts",          "_smtp._tls",
    "default._bimi", "_domainconnect", "_github-challenge", NULL};

const char *const *dg_footprint_dkim_selectors(void)
{
        return dkim_selectors;
}

const char *const *dg_footprint_srv_names(void)
{
        return srv_names;
}

const char *const *dg_footprint_saas_names(void)
{
        return saas_names;
}

const char *dg_severity_str(dg_severity_t s)
{
        switch (s) {
        case DG_SEV_HIGH:
                return "high";
        case DG_SEV_MEDIUM:
                return "medium";
        case DG_SEV_LOW:
                return "low";
        default:
                return "info";
        }
}

typedef struct {
        char *name; /* lowercase, no trailing dot */
        uint16_t type;
        const char *why;
        dg_result_t *r; /* NULL until answered (or when the lookup could not be made) */
        int ns;         /* lame checks: index into ns_checks; else -1 */
} ent_t;

typedef struct {
        char *host;
        char *addr;
        ent_t *check;
} nscheck_t;

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

static char *norm_name(const char *s)
{
        char *n = g_ascii_strdown(s, -1);
        size_t l = strlen(n);
        while (l > 1 && n[l - 1] == '.')
                n[--l] = '\0';
        return n;
}

static ent_t *ask(dg_footprint_t *fp, const char *name, uint16_t type, const char *why)
{
        char *n = norm_name(name);
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
        char *n = norm_name(name);
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
        for (const char *const *t = txt_owner_names; *t; t++) {
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
        for (const char *const *s = srv_names; *s; s++) {
                n = g_strdup_printf("%s.%s", *s, d);
                ask(fp, n, DG_T_SRV, "srv");
                g_free(n);
        }
        if (!fp->o.no_saas_names) {
                for (const char *const *s = saas_names; *s; s++) {
                        n = g_strdup_printf("%s.%s", *s, d);
                        ask(fp, n, DG_T_CNAME, "saas");
                        ask(fp, n, DG_T_A, "saas");
                        g_free(n);
                }
        }
        /* a label no zone holds: an answer means a wildcard at the apex */
        char lab[24];
        static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
        lab[0] = 'q';
        for (int i = 1; i < 16; i++)
                lab[i] = alnum[g_random_int_range(0, 36)];
        lab[16] = '\0';
        fp->wildcard_probe = g_strdup_printf("dg-%s.%s", lab, d);
        ask(fp, fp->wildcard_probe, DG_T_A, "wildcard-probe");
        plan_batches(fp);
}

/* ---- reading answers ---- */

static bool found(const ent_t *e)
{
        return e && e->r && e->r->status == DG_STATUS_FOUND && e->r->nanswers > 0;
}

static const dg_answer_t *answer(const ent_t *e)
{
        return found(e) ? &e->r->answers[0] : NULL;
}

/* The SPF records among the TXT answers of name: a NULL-terminated array of
 * g_malloc'd texts (g_strfreev), or NULL when the lookup did not succeed. */
static char **spf_texts(const dg_footprint_t *fp, const char *name, bool *answered)
{
        ent_t *e = find(fp, name, DG_T_TXT);
        *answered = e && e->r &&
                    (e->r->status == DG_STATUS_FOUND || e->r->status == DG_STATUS_NODATA ||
                     e->r->status == DG_STATUS_NXDOMAIN);
        GPtrArray *out = g_ptr_array_new();
        const dg_answer_t *a = answer(e);
        for (size_t i = 0; a && i < a->ndata; i++) {
                char *buf = g_malloc(strlen(a->data[i]) + 1);
                if (dg_txt_concat(a->data[i], buf, strlen(a->data[i]) + 1) >= 0 &&
                    dg_spf_is_spf(buf))
                        g_ptr_array_add(out, buf);
                else
                        g_free(buf);
        }
        g_ptr_array_add(out, NULL);
        return (char **)g_ptr_array_free(out, FALSE);
}

static void plan_followups(dg_footprint_t *fp)
{
        guint n = fp->ents->len; /* ask() appends: look at what is there now */
        for (guint i = 0; i < n; i++) {
                ent_t *e = g_ptr_array_index(fp->ents, i);
                const dg_answer_t *a = answer(e);
                if (a == NULL)
                        continue;
                /* SPF include / redirect chain */
                if (e->type == DG_T_TXT &&
                    (strcmp(e->name, fp->domain) == 0 || strcmp(e->why, "spf-include") == 0)) {
                        bool ans;
                        char **spf = spf_texts(fp, e->name, &ans);
                        for (char **s = spf; s && *s; s++) {
                                dg_spf_t *p = NULL;
                                if (dg_spf_parse(*s, &p) != DG_OK)
                                        continue;
                                for (size_t t = 0; t < p->nterms; t++) {
                                        const dg_spf_term_t *tm = &p->terms[t];
                                        if ((tm->kind == DG_SPF_INCLUDE ||
                                             tm->kind == DG_SPF_REDIRECT) &&
                                            tm->value && !tm->has_macro &&
                                            fp->spf_domains < MAX_SPF_DOMAINS &&
                                            find(fp, tm->value, DG_T_TXT) == NULL) {
                                                if (ask(fp, tm->value, DG_T_TXT, "spf-include"))
                                                        fp->spf_domains++;
                                        }
                                }
                                dg_spf_free(p);
                        }
                        g_strfreev(spf);
                }
                /* CNAME targets: ask for the end of the chain */
                const char *target = NULL;
                if (e->type == DG_T_CNAME && a->ndata > 0)
                        target = a->data[0];
                else if (a->ncname > 0 && a->ndata == 0)
                        target = a->cname[a->ncname - 1];
                if (target)
                        ask(fp, target, DG_T_A, "cname-target");
                /* name server addresses */
                if (e->type == DG_T_NS && strcmp(e->name, fp->domain) == 0)
                        for (size_t k = 0; k < a->ndata; k++)
                                ask(fp, a->data[k], DG_T_A, "ns-address");
        }
}

static void plan_lame_checks(dg_footprint_t *fp)
{
        fp->lame_planned = true;
        if (fp->o.no_lame_check)
                return;
        const dg_answer_t *ns = answer(find(fp, fp->domain, DG_T_NS));
        for (size_t i = 0; ns && i < ns->ndata; i++) {
                const dg_answer_t *a = answer(find(fp, ns->data[i], DG_T_A));
                for (size_t k = 0; a && k < a->ndata && k < 2; k++) {
                        if (fp->ns_checks->len >= MAX_NS_ADDRS)
                                return;
                        nscheck_t *c = g_new0(nscheck_t, 1);
                        c->host = norm_name(ns->data[i]);
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

static void build_report(dg_footprint_t *fp);

int dg_footprint_new(const dg_footprint_opts_t *o, dg_footprint_t **out)
{
        if (out)
                *out = NULL;
        if (o == NULL || out == NULL || o->domain == NULL)
                return DG_EINVAL;
        if (o->resolvers == NULL || o->nresolvers == 0)
                return DG_ENORESOLVER;
        uint8_t w[DG_NAME_WIRE_MAX];
        if (dg_name_from_str(o->domain, strlen(o->domain), w) < 0 || strcmp(o->domain, ".") == 0)
                return DG_ENAME;
        dg_footprint_t *fp = g_new0(dg_footprint_t, 1);
        fp->o = *o;
        fp->domain = norm_name(o->domain);
        fp->o.domain = fp->domain;
        fp->res = g_memdup2(o->resolvers, o->nresolvers * sizeof *o->resolvers);
        fp->nres = o->nresolvers;
        fp->o.resolvers = fp->res;
        fp->db = o->db ? o->db : dg_fpdb_default();
        fp->o.dkim_selectors = NULL;
        fp->selectors = g_ptr_array_new_with_free_func(g_free);
        if (o->dkim_selectors)
                for (size_t i = 0; i < o->ndkim_selectors; i++)
                        g_ptr_array_add(fp->selectors, g_strdup(o->dkim_selectors[i]));
        else
                for (const char *const *s = dkim_selectors; *s; s++)
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

static void strv_free_n(char **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                g_free(v[i]);
        g_free(v);
}

static void report_free(dg_footprint_report_t *r)
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
        report_free(fp->rep);
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
        char *n = norm_name(r->name);
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

/* ---- the report ---- */

typedef struct {
        dg_footprint_report_t *rep;
        GHashTable *prov_idx;  /* provider name ptr -> index+1 */
        GPtrArray *prov_ev;    /* per provider: GPtrArray of evidence */
        GHashTable *prov_seen; /* "provider\tevidence" set */
        GArray *findings;      /* dg_finding_t */
} build_t;

static void add_provider(build_t *b, const dg_fp_match_t *m, const char *where, bool takeover)
{
        guint idx = GPOINTER_TO_UINT(g_hash_table_lookup(b->prov_idx, m->name));
        dg_footprint_report_t *r = b->rep;
        if (idx == 0) {
                r->providers = g_renew(dg_footprint_provider_t, r->providers, r->nproviders + 1);
                dg_footprint_provider_t *p = &r->providers[r->nproviders++];
                memset(p, 0, sizeof *p);
                p->name = m->name;
                p->category = m->category;
                g_ptr_array_add(b->prov_ev, g_ptr_array_new());
                idx = (guint)r->nproviders;
                g_hash_table_insert(b->prov_idx, (gpointer)m->name, GUINT_TO_POINTER(idx));
        }
        if (takeover && m->sig->takeover)
                r->providers[idx - 1].takeover = true;
        /* one line per piece of evidence: the first record that showed it */
        char *ev = g_strdup_printf("%s %s", where, m->evidence);
        char *key = g_strdup_printf("%s\t%s", m->name, m->evidence);
        if (g_hash_table_contains(b->prov_seen, key)) {
                g_free(key);
                g_free(ev);
                return;
        }
        g_hash_table_add(b->prov_seen, key);
        g_ptr_array_add(g_ptr_array_index(b->prov_ev, idx - 1), ev);
}

static void finding(build_t *b, const char *id, dg_severity_t sev, char *msg, GPtrArray *ev)
{
        dg_finding_t f = {id, sev, msg, NULL, 0};
        if (ev == NULL)
                ev = g_ptr_array_new();
        f.nevidence = ev->len;
        g_ptr_array_add(ev, NULL); /* NULL-terminated too (g_strjoinv & co) */
        f.evidence = (char **)g_ptr_array_free(ev, FALSE);
        g_array_append_val(b->findings, f);
}

/* A one-item evidence list taking ownership of s. */
static GPtrArray *ev1(char *s)
{
        GPtrArray *v = g_ptr_array_new();
        g_ptr_array_add(v, s);
        return v;
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

static void add_record(dg_footprint_t *fp, build_t *b, ent_t *e, dg_classify_res_t *res)
{
        const dg_answer_t *a = answer(e);
        dg_footprint_report_t *r = b->rep;
        r->records = g_renew(dg_footprint_record_t, r->records, r->nrecords + 1);
        dg_footprint_record_t *x = &r->records[r->nrecords++];
        memset(x, 0, sizeof *x);
        x->name = g_strdup(e->name);
        x->type = e->type;
        x->rcode = e->r->rcode;
        x->status = dg_status_str(e->r->status);
        x->why = e->why;
        x->ttl = a->ttl;
        x->ndata = a->ndata;
        x->data = g_new0(char *, a->ndata + 1);
        for (size_t i = 0; i < a->ndata; i++)
                x->data[i] = g_strdup(a->data[i]);
        x->ncname = a->ncname;
        x->cname = g_new0(char *, a->ncname + 1);
        for (size_t i = 0; i < a->ncname; i++)
                x->cname[i] = g_strdup(a->cname[i]);
        /* the CNAME chain, hop by hop, then the data at its end */
        const char *owner = e->name;
        for (size_t i = 0; i < a->ncname; i++) {
                if (dg_classify_rr(fp->db, owner, DG_T_CNAME, a->cname[i], res) >= 0)
                        merge(x, res);
                owner = a->cname[i];
        }
        for (size_t i = 0; i < a->ndata; i++)
                if (dg_classify_rr(fp->db, owner, e->type, a->data[i], res) >= 0)
                        merge(x, res);
        if (a->ndata == 0 && dg_classify_rr(fp->db, e->name, DG_T_TXT, "\"\"", res) >= 0)
                merge(x, res); /* owner-name signatures alone */
        char *where = g_strdup_printf("%s %s", e->name, dg_rrtype_str(e->type));
        for (size_t i = 0; i < x->nproviders; i++)
                add_provider(b, &x->providers[i], where, x->takeover);
        g_free(where);
}

/* Counts the DNS-querying terms of name's SPF record and, recursively, of
 * the records it includes or redirects to (RFC 7208 4.6.4). Missing include
 * targets are collected in missing. */
static unsigned spf_count(const dg_footprint_t *fp, const char *name, unsigned depth,
                          GPtrArray *missing)
{
        if (depth > 12)
                return 0;
        bool answered;
        char **spf = spf_texts(fp, name, &answered);
        unsigned n = 0;
        if (spf && spf[0]) {
                dg_spf_t *p = NULL;
                if (dg_spf_parse(spf[0], &p) == DG_OK) {
                        n += p->dns_terms;
                        for (size_t i = 0; i < p->nterms; i++) {
                                const dg_spf_term_t *t = &p->terms[i];
                                bool follow = t->kind == DG_SPF_INCLUDE ||
                                              (t->kind == DG_SPF_REDIRECT && !p->all_qualifier);
                                if (!follow || !t->value || t->has_macro)
                                        continue;
                                if (find(fp, t->value, DG_T_TXT) == NULL)
                                        continue; /* not looked up (limit) */
                                n += spf_count(fp, t->value, depth + 1, missing);
                        }
                        dg_spf_free(p);
                }
        } else if (depth > 0 && answered && missing) {
                g_ptr_array_add(missing, g_strdup(name));
        }
        g_strfreev(spf);
        return n;
}

static void spf_findings(dg_footprint_t *fp, build_t *b)
{
        bool answered;
        char **spf = spf_texts(fp, fp->domain, &answered);
        guint n = spf ? g_strv_length(spf) : 0;
        const char *d = fp->domain;
        if (!answered) {
                finding(b, "spf-unknown", DG_SEV_INFO,
                        g_strdup_printf("the TXT records of %s could not be read", d), NULL);
        } else if (n == 0) {
                finding(b, "no-spf", DG_SEV_MEDIUM,
                        g_strdup_printf("%s publishes no SPF record: anyone may send mail as "
                                        "the domain",
                                        d),
                        NULL);
        } else if (n > 1) {
                GPtrArray *ev = g_ptr_array_new();
                for (guint i = 0; i < n; i++)
                        g_ptr_array_add(ev, g_strdup(spf[i]));
                finding(
                    b, "spf-multiple", DG_SEV_MEDIUM,
                    g_strdup_printf("%s publishes %u SPF records (permerror, RFC 7208 4.5)", d, n),
                    ev);
        }
        if (n >= 1) {
                dg_spf_t *p = NULL;
                if (dg_spf_parse(spf[0], &p) == DG_OK) {
                        if (p->error)
                                finding(
                                    b, "spf-syntax", DG_SEV_MEDIUM,
                                    g_strdup_printf("SPF syntax error (permerror): %s", p->error),
                                    ev1(g_strdup(spf[0])));
                        switch (p->all_qualifier) {
                        case '+':
                                finding(b, "spf-pass-all", DG_SEV_HIGH,
                                        g_strdup("SPF ends in +all: every host may send as "
                                                 "the domain"),
                                        ev1(g_strdup(spf[0])));
                                break;
                        case '?':
                                finding(b, "spf-neutral-all", DG_SEV_MEDIUM,
                                        g_strdup("SPF ends in ?all: unlisted senders are "
                                                 "neutral, not rejected"),
                                        ev1(g_strdup(spf[0])));
                                break;
                        case '~':
                                finding(b, "spf-softfail-all", DG_SEV_LOW,
                                        g_strdup("SPF ends in ~all: unlisted senders only "
                                                 "soft-fail"),
                                        ev1(g_strdup(spf[0])));
                                break;
                        case 0:
                                if (p->redirect == NULL)
                                        finding(b, "spf-no-all", DG_SEV_LOW,
                                                g_strdup("SPF has neither all nor redirect=: "
                                                         "unlisted senders are neutral"),
                                                ev1(g_strdup(spf[0])));
                                break;
                        default:
                                break;
                        }
                        dg_spf_free(p);
                }
                GPtrArray *missing = g_ptr_array_new();
                unsigned terms = spf_count(fp, d, 0, missing);
                b->rep->spf_dns_terms = terms;
                if (terms > 10)
                        finding(b, "spf-too-many-lookups", DG_SEV_MEDIUM,
                                g_strdup_printf("SPF needs %u DNS-querying terms through its "
                                                "include/redirect chain; RFC 7208 4.6.4 allows "
                                                "10 (permerror)",
                                                terms),
                                ev1(g_strdup(spf[0])));
                if (missing->len > 0)
                        finding(b, "spf-include-missing", DG_SEV_MEDIUM,
                                g_strdup_printf("%u SPF include target(s) publish no SPF "
                                                "record (permerror, RFC 7208 5.2)",
                                                missing->len),
                                missing);
                else
                        g_ptr_array_free(missing, TRUE);
        }
        g_strfreev(spf);
}

static void dmarc_findings(dg_footprint_t *fp, build_t *b)
{
        char *name = g_strdup_printf("_dmarc.%s", fp->domain);
        ent_t *e = find(fp, name, DG_T_TXT);
        const dg_answer_t *a = answer(e);
        char *rec = NULL;
        for (size_t i = 0; a && i < a->ndata && rec == NULL; i++) {
                char *buf = g_malloc(strlen(a->data[i]) + 1);
                if (dg_txt_concat(a->data[i], buf, strlen(a->data[i]) + 1) >= 0 &&
                    dg_dmarc_is_dmarc(buf))
                        rec = buf;
                else
                        g_free(buf);
        }
        if (e == NULL || e->r == NULL || e->r->status == DG_STATUS_FAILED) {
                finding(b, "dmarc-unknown", DG_SEV_INFO,
                        g_strdup_printf("%s could not be read", name), NULL);
        } else if (rec == NULL) {
                finding(b, "no-dmarc", DG_SEV_MEDIUM,
                        g_strdup_printf("no DMARC record at %s: receivers get no policy for "
                                        "mail failing SPF/DKIM",
                                        name),
                        NULL);
        } else {
                dg_dmarc_t *d = NULL;
                if (dg_dmarc_parse(rec, &d) == DG_OK) {
                        if (d->error)
                                finding(b, "dmarc-syntax", DG_SEV_MEDIUM,
                                        g_strdup_printf("DMARC record is invalid (%s): it is "
                                                        "ignored (RFC 7489 6.6.3)",
                                                        d->error),
                                        ev1(g_strdup(rec)));
                        else if (d->p == DG_DMARC_POLICY_NONE)
                                finding(b, "dmarc-p-none", DG_SEV_LOW,
                                        g_strdup("DMARC policy is p=none: failing mail is "
                                                 "delivered (monitoring only)"),
                                        ev1(g_strdup(rec)));
                        if (!d->error && d->pct < 100 && d->p != DG_DMARC_POLICY_NONE)
                                finding(b, "dmarc-pct", DG_SEV_LOW,
                                        g_strdup_printf("DMARC applies its policy to only "
                                                        "%d%% of failing mail",
                                                        d->pct),
                                        ev1(g_strdup(rec)));
                        dg_dmarc_free(d);
                }
        }
        g_free(rec);
        g_free(name);
}

static void other_findings(dg_footprint_t *fp, build_t *b)
{
        /* DKIM selectors */
        GPtrArray *sel = g_ptr_array_new();
        for (guint i = 0; i < fp->ents->len; i++) {
                ent_t *e = g_ptr_array_index(fp->ents, i);
                if (strcmp(e->why, "dkim") == 0 && found(e))
                        g_ptr_array_add(sel, g_strdup(e->name));
        }
        if (sel->len)
                finding(b, "dkim-selectors", DG_SEV_INFO,
                        g_strdup_printf("%u DKIM selector(s) found", sel->len), sel);
        else
                g_ptr_array_free(sel, TRUE);

        /* dangling CNAMEs: the end of a chain does not exist */
        dg_classify_res_t res;
        dg_classify_res_init(&res);
        for (guint i = 0; i < fp->ents->len; i++) {
                ent_t *e = g_ptr_array_index(fp->ents, i);
                const dg_answer_t *a = answer(e);
                if (a == NULL)
                        continue;
                const char *target = NULL;
                if (e->type == DG_T_CNAME && a->ndata > 0)
                        target = a->data[0];
                else if (e->type != DG_T_CNAME && a->ncname > 0 && a->ndata == 0)
                        target = a->cname[a->ncname - 1];
                if (target == NULL)
                        continue;
                /* follow the target's own chain to its end */
                ent_t *t = find(fp, target, DG_T_A);
                for (int hop = 0;
                     hop < 8 && found(t) && answer(t)->ndata == 0 && answer(t)->ncname > 0; hop++)
                        t = find(fp, answer(t)->cname[answer(t)->ncname - 1], DG_T_A);
                if (t == NULL || t->r == NULL || t->r->status != DG_STATUS_NXDOMAIN)
                        continue;
                if (e->type != DG_T_CNAME && find(fp, e->name, DG_T_CNAME) != NULL &&
                    found(find(fp, e->name, DG_T_CNAME)))
                        continue; /* reported through the CNAME question */
                /* is any hop of the chain a takeover-prone service? */
                const dg_fp_sig_t *prone = NULL;
                GPtrArray *hops = g_ptr_array_new();
                if (e->type == DG_T_CNAME)
                        g_ptr_array_add(hops, a->data[0]);
                for (size_t k = 0; k < a->ncname; k++)
                        g_ptr_array_add(hops, a->cname[k]);
                for (guint k = 0; k < hops->len && prone == NULL; k++) {
                        res.nmatches = 0;
                        if (dg_classify_rr(fp->db, e->name, DG_T_CNAME, g_ptr_array_index(hops, k),
                                           &res) > 0 &&
                            res.takeover)
                                for (size_t m = 0; m < res.nmatches && prone == NULL; m++)
                                        if (res.matches[m].sig->takeover)
                                                prone = res.matches[m].sig;
                }
                g_ptr_array_free(hops, TRUE);
                char *tn = norm_name(t->name);
                if (prone)
                        finding(b, "takeover-candidate", DG_SEV_HIGH,
                                g_strdup_printf("%s points to %s (%s), which does not exist "
                                                "(NXDOMAIN): whoever creates it there serves "
                                                "%s",
                                                e->name, tn, prone->provider, e->name),
                                ev1(g_strdup_printf("%s CNAME %s", e->name, tn)));
                else
                        finding(b, "dangling-cname", DG_SEV_LOW,
                                g_strdup_printf("%s points to %s, which does not exist "
                                                "(NXDOMAIN)",
                                                e->name, tn),
                                ev1(g_strdup_printf("%s CNAME %s", e->name, tn)));
                g_free(tn);
        }

        /* lame delegation */
        const dg_answer_t *ns = answer(find(fp, fp->domain, DG_T_NS));
        for (size_t i = 0; ns && i < ns->ndata; i++) {
                ent_t *na = find(fp, ns->data[i], DG_T_A);
                char *host = norm_name(ns->data[i]);
                if (na && na->r && na->r->status == DG_STATUS_NXDOMAIN) {
                        finding(b, "lame-delegation", DG_SEV_HIGH,
                                g_strdup_printf("name server %s does not exist (NXDOMAIN): "
                                                "if its domain can be registered, whoever does "
                                                "answers for %s",
                                                host, fp->domain),
                                ev1(g_strdup_printf("%s NS %s", fp->domain, host)));
                }
                g_free(host);
        }
        for (guint i = 0; i < fp->ns_checks->len; i++) {
                nscheck_t *c = g_ptr_array_index(fp->ns_checks, i);
                dg_result_t *r = c->check->r;
                bool ok =
                    r && r->status == DG_STATUS_FOUND && r->nanswers > 0 && r->answers[0].ndata > 0;
                if (ok)
                        continue;
                res.nmatches = 0;
                dg_classify_host(fp->db, DG_FP_NS, c->host, &res);
                bool prone = res.nmatches > 0 && res.matches[0].sig->takeover;
                const char *how = r == NULL ? "no answer"
                                  : r->status == DG_STATUS_FAILED
                                      ? (r->reason ? r->reason : "failed")
                                  : r->status == DG_STATUS_NXDOMAIN ? "NXDOMAIN"
                                                                    : "no SOA record";
                finding(b, "lame-delegation", prone ? DG_SEV_HIGH : DG_SEV_MEDIUM,
                        g_strdup_printf("name server %s (%s) does not answer for %s (%s)%s",
                                        c->host, c->addr, fp->domain, how,
                                        prone ? ": its DNS host lets anyone create the zone" : ""),
                        ev1(g_strdup_printf("%s NS %s", fp->domain, c->host)));
        }
        dg_classify_res_clear(&res);

        /* wildcard at the apex */
        ent_t *w = find(fp, fp->wildcard_probe, DG_T_A);
        if (w && w->r && (w->r->status == DG_STATUS_FOUND || w->r->status == DG_STATUS_NODATA)) {
                GPtrArray *ev = g_ptr_array_new();
                const dg_answer_t *a = answer(w);
                for (size_t i = 0; a && i < a->ndata; i++)
                        g_ptr_array_add(ev, g_strdup_printf("*.%s A %s", fp->domain, a->data[i]));
                for (size_t i = 0; a && i < a->ncname; i++)
                        g_ptr_array_add(ev,
                                        g_strdup_printf("*.%s CNAME %s", fp->domain, a->cname[i]));
                finding(b, "apex-wildcard", DG_SEV_LOW,
                        g_strdup_printf("*.%s exists: every name below the domain resolves, "
                                        "which hides what really exists and may route "
                                        "mistyped names",
                                        fp->domain),
                        ev);
        }
}

static int cmp_provider(const void *a, const void *b)
{
        const dg_footprint_provider_t *x = a, *y = b;
        int c = strcmp(x->category, y->category);
        return c ? c : g_ascii_strcasecmp(x->name, y->name);
}

static int cmp_finding(const void *a, const void *b)
{
        const dg_finding_t *x = a, *y = b;
        if (x->severity != y->severity)
                return x->severity > y->severity ? -1 : 1;
        return strcmp(x->id, y->id);
}

static void build_report(dg_footprint_t *fp)
{
        if (fp->rep)
                return;
        build_t b = {0};
        b.rep = g_new0(dg_footprint_report_t, 1);
        b.rep->domain = g_strdup(fp->domain);
        b.prov_idx = g_hash_table_new(g_direct_hash, g_direct_equal);
        b.prov_ev = g_ptr_array_new();
        b.prov_seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        b.findings = g_array_new(FALSE, TRUE, sizeof(dg_finding_t));
        dg_classify_res_t res;
        dg_classify_res_init(&res);
        for (guint i = 0; i < fp->ents->len; i++) {
                ent_t *e = g_ptr_array_index(fp->ents, i);
                if (found(e) && strcmp(e->why, "wildcard-probe") != 0)
                        add_record(fp, &b, e, &res);
        }
        dg_classify_res_clear(&res);
        /* provider evidence arrays; then sort providers keeping them paired */
        for (size_t i = 0; i < b.rep->nproviders; i++) {
                GPtrArray *ev = g_ptr_array_index(b.prov_ev, i);
                b.rep->providers[i].nevidence = ev->len;
                g_ptr_array_add(ev, NULL);
                b.rep->providers[i].evidence = (char **)g_ptr_array_free(ev, FALSE);
        }
        if (b.rep->nproviders > 1)
                qsort(b.rep->providers, b.rep->nproviders, sizeof *b.rep->providers, cmp_provider);
        spf_findings(fp, &b);
        dmarc_findings(fp, &b);
        other_findings(fp, &b);
        b.rep->nfindings = b.findings->len;
        b.rep->findings = (dg_finding_t *)(void *)g_array_free(b.findings, FALSE);
        if (b.rep->nfindings > 1)
                qsort(b.rep->findings, b.rep->nfindings, sizeof *b.rep->findings, cmp_finding);
        b.rep->queries = fp->queries;
        b.rep->phases = fp->phases;
        g_hash_table_destroy(b.prov_idx);
        g_ptr_array_free(b.prov_ev, TRUE);
        g_hash_table_destroy(b.prov_seen);
        fp->rep = b.rep;
}
