/* Findings: what a footprint's answers say about a domain's exposure. SPF
 * and DMARC weaknesses, DKIM selectors, dangling CNAMEs and takeover
 * candidates, lame delegations, a wildcard at the apex. A pure function of
 * the gathered lookups and the fingerprint database (see findings_int.h).
 */
#include "findings_int.h"

#include <glib.h>
#include <string.h>

typedef struct {
        const dg_fp_view_t *v;
        GHashTable *index; /* "type/name" -> const dg_fp_lookup_t* */
        GArray *out;       /* dg_finding_t */
        unsigned spf_terms;
} fx_t;

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

char **dg_fp_spf_texts(const dg_fp_lookup_t *l, bool *answered)
{
        *answered = l && l->r &&
                    (l->r->status == DG_STATUS_FOUND || l->r->status == DG_STATUS_NODATA ||
                     l->r->status == DG_STATUS_NXDOMAIN);
        GPtrArray *out = g_ptr_array_new();
        const dg_answer_t *a = dg_fp_answer(l);
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

static const dg_fp_lookup_t *find(const fx_t *x, const char *name, uint16_t type)
{
        if (name == NULL)
                return NULL;
        char *n = dg_fp_norm_name(name);
        char *key = g_strdup_printf("%u/%s", type, n);
        const dg_fp_lookup_t *l = g_hash_table_lookup(x->index, key);
        g_free(key);
        g_free(n);
        return l;
}

/* Records a finding; takes msg and ev (NULL: no evidence). */
static void finding(fx_t *x, const char *id, dg_severity_t sev, char *msg, GPtrArray *ev)
{
        dg_finding_t f = {id, sev, msg, NULL, 0};
        if (ev == NULL)
                ev = g_ptr_array_new();
        f.nevidence = ev->len;
        g_ptr_array_add(ev, NULL); /* NULL-terminated too (g_strjoinv & co) */
        f.evidence = (char **)g_ptr_array_free(ev, FALSE);
        g_array_append_val(x->out, f);
}

/* A one-item evidence list taking ownership of s. */
static GPtrArray *ev1(char *s)
{
        GPtrArray *v = g_ptr_array_new();
        g_ptr_array_add(v, s);
        return v;
}

/* ---- SPF ---- */

/* Counts the DNS-querying terms of name's SPF record and, recursively, of
 * the records it includes or redirects to (RFC 7208 4.6.4). Missing include
 * targets are collected in missing. */
static unsigned spf_count(const fx_t *x, const char *name, unsigned depth, GPtrArray *missing)
{
        if (depth > 12)
                return 0;
        bool answered;
        char **spf = dg_fp_spf_texts(find(x, name, DG_T_TXT), &answered);
        unsigned n = 0;
        dg_spf_t *p = NULL;
        if (spf[0] && dg_spf_parse(spf[0], &p) == DG_OK) {
                n += p->dns_terms;
                for (size_t i = 0; i < p->nterms; i++) {
                        const dg_spf_term_t *t = &p->terms[i];
                        bool follow = t->kind == DG_SPF_INCLUDE ||
                                      (t->kind == DG_SPF_REDIRECT && !p->all_qualifier);
                        if (!follow || !t->value || t->has_macro)
                                continue;
                        if (find(x, t->value, DG_T_TXT) == NULL)
                                continue; /* not looked up (limit) */
                        n += spf_count(x, t->value, depth + 1, missing);
                }
                dg_spf_free(p);
        } else if (spf[0] == NULL && depth > 0 && answered && missing) {
                g_ptr_array_add(missing, g_strdup(name));
        }
        g_strfreev(spf);
        return n;
}

/* No SPF record, several, or one we could not read. */
static void spf_presence(fx_t *x, char **spf, guint n, bool answered)
{
        const char *d = x->v->domain;
        if (!answered) {
                finding(x, "spf-unknown", DG_SEV_INFO,
                        g_strdup_printf("the TXT records of %s could not be read", d), NULL);
        } else if (n == 0) {
                finding(x, "no-spf", DG_SEV_MEDIUM,
                        g_strdup_printf("%s publishes no SPF record: anyone may send mail as "
                                        "the domain",
                                        d),
                        NULL);
        } else if (n > 1) {
                GPtrArray *ev = g_ptr_array_new();
                for (guint i = 0; i < n; i++)
                        g_ptr_array_add(ev, g_strdup(spf[i]));
                finding(
                    x, "spf-multiple", DG_SEV_MEDIUM,
                    g_strdup_printf("%s publishes %u SPF records (permerror, RFC 7208 4.5)", d, n),
                    ev);
        }
}

/* What the record's syntax and its final all term let through. */
static void spf_policy(fx_t *x, const char *spf)
{
        dg_spf_t *p = NULL;
        if (dg_spf_parse(spf, &p) != DG_OK)
                return;
        if (p->error)
                finding(x, "spf-syntax", DG_SEV_MEDIUM,
                        g_strdup_printf("SPF syntax error (permerror): %s", p->error),
                        ev1(g_strdup(spf)));
        const char *id = NULL, *msg = NULL;
        dg_severity_t sev = DG_SEV_LOW;
        switch (p->all_qualifier) {
        case '+':
                id = "spf-pass-all", sev = DG_SEV_HIGH;
                msg = "SPF ends in +all: every host may send as the domain";
                break;
        case '?':
                id = "spf-neutral-all", sev = DG_SEV_MEDIUM;
                msg = "SPF ends in ?all: unlisted senders are neutral, not rejected";
                break;
        case '~':
                id = "spf-softfail-all";
                msg = "SPF ends in ~all: unlisted senders only soft-fail";
                break;
        case 0:
                if (p->redirect == NULL) {
                        id = "spf-no-all";
                        msg = "SPF has neither all nor redirect=: unlisted senders are neutral";
                }
                break;
        default:
                break;
        }
        if (id)
                finding(x, id, sev, g_strdup(msg), ev1(g_strdup(spf)));
        dg_spf_free(p);
}

/* The include/redirect chain: over the lookup limit, or naming domains that
 * publish no SPF record. */
static void spf_chain(fx_t *x, const char *spf)
{
        GPtrArray *missing = g_ptr_array_new();
        unsigned terms = spf_count(x, x->v->domain, 0, missing);
        x->spf_terms = terms;
        if (terms > 10)
                finding(x, "spf-too-many-lookups", DG_SEV_MEDIUM,
                        g_strdup_printf("SPF needs %u DNS-querying terms through its "
                                        "include/redirect chain; RFC 7208 4.6.4 allows "
                                        "10 (permerror)",
                                        terms),
                        ev1(g_strdup(spf)));
        if (missing->len > 0)
                finding(x, "spf-include-missing", DG_SEV_MEDIUM,
                        g_strdup_printf("%u SPF include target(s) publish no SPF "
                                        "record (permerror, RFC 7208 5.2)",
                                        missing->len),
                        missing);
        else
                g_ptr_array_free(missing, TRUE);
}

static void spf_findings(fx_t *x)
{
        bool answered;
        char **spf = dg_fp_spf_texts(find(x, x->v->domain, DG_T_TXT), &answered);
        guint n = g_strv_length(spf);
        spf_presence(x, spf, n, answered);
        if (n >= 1) {
                spf_policy(x, spf[0]);
                spf_chain(x, spf[0]);
        }
        g_strfreev(spf);
}

/* ---- DMARC ---- */

/* The first DMARC record among l's TXT answers (g_malloc'd), or NULL. */
static char *dmarc_text(const dg_fp_lookup_t *l)
{
        const dg_answer_t *a = dg_fp_answer(l);
        for (size_t i = 0; a && i < a->ndata; i++) {
                char *buf = g_malloc(strlen(a->data[i]) + 1);
                if (dg_txt_concat(a->data[i], buf, strlen(a->data[i]) + 1) >= 0 &&
                    dg_dmarc_is_dmarc(buf))
                        return buf;
                g_free(buf);
        }
        return NULL;
}

static void dmarc_policy(fx_t *x, const char *rec)
{
        dg_dmarc_t *d = NULL;
        if (dg_dmarc_parse(rec, &d) != DG_OK)
                return;
        if (d->error)
                finding(x, "dmarc-syntax", DG_SEV_MEDIUM,
                        g_strdup_printf("DMARC record is invalid (%s): it is "
                                        "ignored (RFC 7489 6.6.3)",
                                        d->error),
                        ev1(g_strdup(rec)));
        else if (d->p == DG_DMARC_POLICY_NONE)
                finding(x, "dmarc-p-none", DG_SEV_LOW,
                        g_strdup("DMARC policy is p=none: failing mail is "
                                 "delivered (monitoring only)"),
                        ev1(g_strdup(rec)));
        if (!d->error && d->pct < 100 && d->p != DG_DMARC_POLICY_NONE)
                finding(x, "dmarc-pct", DG_SEV_LOW,
                        g_strdup_printf("DMARC applies its policy to only "
                                        "%d%% of failing mail",
                                        d->pct),
                        ev1(g_strdup(rec)));
        dg_dmarc_free(d);
}

static void dmarc_findings(fx_t *x)
{
        char *name = g_strdup_printf("_dmarc.%s", x->v->domain);
        const dg_fp_lookup_t *l = find(x, name, DG_T_TXT);
        char *rec = dmarc_text(l);
        if (l == NULL || l->r == NULL || l->r->status == DG_STATUS_FAILED)
                finding(x, "dmarc-unknown", DG_SEV_INFO,
                        g_strdup_printf("%s could not be read", name), NULL);
        else if (rec == NULL)
                finding(x, "no-dmarc", DG_SEV_MEDIUM,
                        g_strdup_printf("no DMARC record at %s: receivers get no policy for "
                                        "mail failing SPF/DKIM",
                                        name),
                        NULL);
        else
                dmarc_policy(x, rec);
        g_free(rec);
        g_free(name);
}

/* ---- DKIM ---- */

static void dkim_findings(fx_t *x)
{
        GPtrArray *sel = g_ptr_array_new();
        for (size_t i = 0; i < x->v->nlookups; i++) {
                const dg_fp_lookup_t *l = x->v->lookups[i];
                if (strcmp(l->why, "dkim") == 0 && dg_fp_found(l))
                        g_ptr_array_add(sel, g_strdup(l->name));
        }
        if (sel->len)
                finding(x, "dkim-selectors", DG_SEV_INFO,
                        g_strdup_printf("%u DKIM selector(s) found", sel->len), sel);
        else
                g_ptr_array_free(sel, TRUE);
}

/* ---- dangling CNAMEs and takeover candidates ---- */

/* The CNAME target l points to (its CNAME data, or the end of the chain an
 * other question followed when it ended without data), or NULL. */
static const char *cname_target(const dg_fp_lookup_t *l, const dg_answer_t *a)
{
        if (l->type == DG_T_CNAME && a->ndata > 0)
                return a->data[0];
        if (l->type != DG_T_CNAME && a->ncname > 0 && a->ndata == 0)
                return a->cname[a->ncname - 1];
        return NULL;
}

/* Follows target's own chain (its A lookups) to its end; returns that end's
 * lookup when it is NXDOMAIN, else NULL. */
static const dg_fp_lookup_t *nxdomain_end(const fx_t *x, const char *target)
{
        const dg_fp_lookup_t *t = find(x, target, DG_T_A);
        for (int hop = 0; hop < 8 && dg_fp_found(t) && dg_fp_answer(t)->ndata == 0 &&
                          dg_fp_answer(t)->ncname > 0;
             hop++)
                t = find(x, dg_fp_answer(t)->cname[dg_fp_answer(t)->ncname - 1], DG_T_A);
        if (t == NULL || t->r == NULL || t->r->status != DG_STATUS_NXDOMAIN)
                return NULL;
        return t;
}

/* The first takeover-prone signature among the hops of l's chain, or NULL. */
static const dg_fp_sig_t *prone_hop(const fx_t *x, const dg_fp_lookup_t *l, const dg_answer_t *a,
                                    dg_classify_res_t *res)
{
        const dg_fp_sig_t *prone = NULL;
        GPtrArray *hops = g_ptr_array_new();
        if (l->type == DG_T_CNAME)
                g_ptr_array_add(hops, a->data[0]);
        for (size_t k = 0; k < a->ncname; k++)
                g_ptr_array_add(hops, a->cname[k]);
        for (guint k = 0; k < hops->len && prone == NULL; k++) {
                res->nmatches = 0;
                if (dg_classify_rr(x->v->db, l->name, DG_T_CNAME, g_ptr_array_index(hops, k), res) >
                        0 &&
                    res->takeover)
                        for (size_t m = 0; m < res->nmatches && prone == NULL; m++)
                                if (res->matches[m].sig->takeover)
                                        prone = res->matches[m].sig;
        }
        g_ptr_array_free(hops, TRUE);
        return prone;
}

/* l's chain ends in NXDOMAIN at t: a takeover candidate when a hop is a
 * takeover-prone service, else a dangling CNAME. */
static void dangling(fx_t *x, const dg_fp_lookup_t *l, const dg_fp_lookup_t *t,
                     const dg_fp_sig_t *prone)
{
        char *tn = dg_fp_norm_name(t->name);
        if (prone)
                finding(x, "takeover-candidate", DG_SEV_HIGH,
                        g_strdup_printf("%s points to %s (%s), which does not exist "
                                        "(NXDOMAIN): whoever creates it there serves "
                                        "%s",
                                        l->name, tn, prone->provider, l->name),
                        ev1(g_strdup_printf("%s CNAME %s", l->name, tn)));
        else
                finding(x, "dangling-cname", DG_SEV_LOW,
                        g_strdup_printf("%s points to %s, which does not exist "
                                        "(NXDOMAIN)",
                                        l->name, tn),
                        ev1(g_strdup_printf("%s CNAME %s", l->name, tn)));
        g_free(tn);
}

static void dangling_findings(fx_t *x)
{
        dg_classify_res_t res;
        dg_classify_res_init(&res);
        for (size_t i = 0; i < x->v->nlookups; i++) {
                const dg_fp_lookup_t *l = x->v->lookups[i];
                const dg_answer_t *a = dg_fp_answer(l);
                const char *target = a ? cname_target(l, a) : NULL;
                const dg_fp_lookup_t *t = target ? nxdomain_end(x, target) : NULL;
                if (t == NULL)
                        continue;
                if (l->type != DG_T_CNAME && dg_fp_found(find(x, l->name, DG_T_CNAME)))
                        continue; /* reported through the CNAME question */
                dangling(x, l, t, prone_hop(x, l, a, &res));
        }
        dg_classify_res_clear(&res);
}

/* ---- lame delegation ---- */

/* Name servers whose own name does not exist. */
static void ns_nxdomain_findings(fx_t *x)
{
        const char *d = x->v->domain;
        const dg_answer_t *ns = dg_fp_answer(find(x, d, DG_T_NS));
        for (size_t i = 0; ns && i < ns->ndata; i++) {
                const dg_fp_lookup_t *na = find(x, ns->data[i], DG_T_A);
                if (na == NULL || na->r == NULL || na->r->status != DG_STATUS_NXDOMAIN)
                        continue;
                char *host = dg_fp_norm_name(ns->data[i]);
                finding(x, "lame-delegation", DG_SEV_HIGH,
                        g_strdup_printf("name server %s does not exist (NXDOMAIN): "
                                        "if its domain can be registered, whoever does "
                                        "answers for %s",
                                        host, d),
                        ev1(g_strdup_printf("%s NS %s", d, host)));
                g_free(host);
        }
}

/* Why a lame check failed, in a few words (static or borrowed from r). */
static const char *lame_how(const dg_result_t *r)
{
        if (r == NULL)
                return "no answer";
        if (r->status == DG_STATUS_FAILED)
                return r->reason ? r->reason : "failed";
        return r->status == DG_STATUS_NXDOMAIN ? "NXDOMAIN" : "no SOA record";
}

/* Name servers that do not answer for the zone when asked directly. */
static void ns_check_findings(fx_t *x)
{
        const char *d = x->v->domain;
        dg_classify_res_t res;
        dg_classify_res_init(&res);
        for (size_t i = 0; i < x->v->nnschecks; i++) {
                const dg_fp_nscheck_t *c = x->v->nschecks[i];
                const dg_result_t *r = c->check->r;
                if (r && r->status == DG_STATUS_FOUND && r->nanswers > 0 && r->answers[0].ndata > 0)
                        continue;
                res.nmatches = 0;
                dg_classify_host(x->v->db, DG_FP_NS, c->host, &res);
                bool prone = res.nmatches > 0 && res.matches[0].sig->takeover;
                finding(x, "lame-delegation", prone ? DG_SEV_HIGH : DG_SEV_MEDIUM,
                        g_strdup_printf("name server %s (%s) does not answer for %s (%s)%s",
                                        c->host, c->addr, d, lame_how(r),
                                        prone ? ": its DNS host lets anyone create the zone" : ""),
                        ev1(g_strdup_printf("%s NS %s", d, c->host)));
        }
        dg_classify_res_clear(&res);
}

/* ---- wildcard at the apex ---- */

static void wildcard_findings(fx_t *x)
{
        const char *d = x->v->domain;
        const dg_fp_lookup_t *w = find(x, x->v->wildcard_probe, DG_T_A);
        if (w == NULL || w->r == NULL ||
            (w->r->status != DG_STATUS_FOUND && w->r->status != DG_STATUS_NODATA))
                return;
        GPtrArray *ev = g_ptr_array_new();
        const dg_answer_t *a = dg_fp_answer(w);
        for (size_t i = 0; a && i < a->ndata; i++)
                g_ptr_array_add(ev, g_strdup_printf("*.%s A %s", d, a->data[i]));
        for (size_t i = 0; a && i < a->ncname; i++)
                g_ptr_array_add(ev, g_strdup_printf("*.%s CNAME %s", d, a->cname[i]));
        finding(x, "apex-wildcard", DG_SEV_LOW,
                g_strdup_printf("*.%s exists: every name below the domain resolves, "
                                "which hides what really exists and may route "
                                "mistyped names",
                                d),
                ev);
}

/* ---- all of them ---- */

static int cmp_finding(const void *a, const void *b)
{
        const dg_finding_t *x = a, *y = b;
        if (x->severity != y->severity)
                return x->severity > y->severity ? -1 : 1;
        return strcmp(x->id, y->id);
}

void dg_findings_derive(const dg_fp_view_t *v, dg_footprint_report_t *rep)
{
        fx_t x = {v, g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
                  g_array_new(FALSE, TRUE, sizeof(dg_finding_t)), 0};
        for (size_t i = 0; i < v->nlookups; i++) {
                dg_fp_lookup_t *l = v->lookups[i];
                g_hash_table_insert(x.index, g_strdup_printf("%u/%s", l->type, l->name), l);
        }
        spf_findings(&x);
        dmarc_findings(&x);
        dkim_findings(&x);
        dangling_findings(&x);
        ns_nxdomain_findings(&x);
        ns_check_findings(&x);
        wildcard_findings(&x);
        rep->spf_dns_terms = x.spf_terms;
        rep->nfindings = x.out->len;
        rep->findings = (dg_finding_t *)(void *)g_array_free(x.out, FALSE);
        if (rep->nfindings > 1)
                qsort(rep->findings, rep->nfindings, sizeof *rep->findings, cmp_finding);
        g_hash_table_destroy(x.index);
}
