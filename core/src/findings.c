/* Findings: what a footprint's answers say about a domain's exposure. SPF
 * and DMARC weaknesses, DKIM selectors, dangling CNAMEs and takeover
 * candidates, lame delegations, takeovers through NS (every name server
 * refuses the zone), MX (an exchange that does not exist or sits at a
 * claimable mail service) and SPF (a term naming a domain nobody
 * registered), a wildcard at the apex. A pure function of the gathered
 * lookups and the fingerprint database (see findings_int.h).
 *
 * "Registrable" is decided without a public-suffix list: a name that is
 * NXDOMAIN whose last two labels are NXDOMAIN too (dg_fp_registrable). Under
 * a multi-label public suffix (co.uk) those two labels exist, so the check
 * misses the case rather than inventing one; a domain registered but left
 * without name servers (expired, on hold) looks registrable: confirm with
 * the registry (RDAP) before acting.
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

/* ---- names ---- */

uint16_t dg_fp_spf_term_type(dg_spf_term_kind_t k)
{
        switch (k) {
        case DG_SPF_INCLUDE:
        case DG_SPF_REDIRECT:
                return DG_T_TXT;
        case DG_SPF_A:
        case DG_SPF_EXISTS:
                return DG_T_A;
        case DG_SPF_MX:
                return DG_T_MX;
        default:
                return 0;
        }
}

char *dg_fp_registrable(const char *name)
{
        char *n = dg_fp_norm_name(name);
        char *last = strrchr(n, '.');
        if (last == NULL || last == n) {
                g_free(n);
                return NULL;
        }
        const char *start = n;
        for (const char *p = last - 1; p > n; p--)
                if (*p == '.') {
                        start = p + 1;
                        break;
                }
        char *r = g_strdup(start);
        g_free(n);
        return r;
}

bool dg_fp_name_under(const char *name, const char *anc)
{
        size_t n = strlen(name), a = strlen(anc);
        if (n == a)
                return strcmp(name, anc) == 0;
        return n > a && name[n - a - 1] == '.' && strcmp(name + n - a, anc) == 0;
}

char *dg_fp_mx_host(const char *rdata)
{
        const char *p = rdata;
        while (*p >= '0' && *p <= '9')
                p++;
        if (p == rdata || (*p != ' ' && *p != '\t'))
                return NULL;
        while (*p == ' ' || *p == '\t')
                p++;
        char *h = dg_fp_norm_name(p);
        if (*h == '\0' || strcmp(h, ".") == 0 || strchr(h, ' ') != NULL) {
                g_free(h);
                return NULL;
        }
        return h;
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

/* ---- takeover classes beyond CNAME: NS, MX, SPF ---- */

static bool is_nxdomain(const dg_fp_lookup_t *l)
{
        return l && l->r && l->r->status == DG_STATUS_NXDOMAIN;
}

/* name does not exist and neither does its registrable parent (asked by
 * footprint.c as a "parent-check" SOA lookup): whoever registers the parent
 * owns name. *reg gets that parent (g_malloc'd) or NULL. */
static bool registrable(const fx_t *x, const char *name, const dg_fp_lookup_t *l, char **reg)
{
        *reg = dg_fp_registrable(name);
        if (!is_nxdomain(l) || *reg == NULL || dg_fp_name_under(x->v->domain, *reg))
                return false;
        return strcmp(*reg, l->name) == 0 || is_nxdomain(find(x, *reg, DG_T_SOA));
}

/* One SPF term naming a domain that can be registered. */
static void spf_registrable_term(fx_t *x, GHashTable *seen, const char *owner,
                                 const dg_spf_term_t *t)
{
        uint16_t type = dg_fp_spf_term_type(t->kind);
        if (type == 0 || t->value == NULL || t->has_macro)
                return;
        const dg_fp_lookup_t *l = find(x, t->value, type);
        char *reg = NULL;
        if (!registrable(x, t->value, l, &reg) || g_hash_table_contains(seen, l->name)) {
                g_free(reg);
                return;
        }
        g_hash_table_add(seen, l->name);
        const char *sep = t->kind == DG_SPF_REDIRECT ? "=" : ":";
        GPtrArray *ev = g_ptr_array_new();
        g_ptr_array_add(ev, g_strdup_printf("%s TXT %s%s%s", owner, t->name, sep, t->value));
        g_ptr_array_add(ev, g_strdup_printf("%s %s NXDOMAIN", l->name, dg_rrtype_str(l->type)));
        if (strcmp(reg, l->name) != 0)
                g_ptr_array_add(ev, g_strdup_printf("%s SOA NXDOMAIN", reg));
        finding(x, "spf-include-registrable", DG_SEV_HIGH,
                g_strdup_printf("the SPF record of %s names %s (%s%s), which does not exist, "
                                "nor does %s: whoever registers %s may send mail as %s",
                                owner, l->name, t->name, sep, reg, reg, x->v->domain),
                ev);
        g_free(reg);
}

/* Walks name's SPF record and the records it includes or redirects to. */
static void spf_registrable_walk(fx_t *x, GHashTable *seen, const char *name, unsigned depth)
{
        if (depth > 12)
                return;
        bool answered;
        char **spf = dg_fp_spf_texts(find(x, name, DG_T_TXT), &answered);
        dg_spf_t *p = NULL;
        if (spf[0] && dg_spf_parse(spf[0], &p) == DG_OK) {
                char *owner = dg_fp_norm_name(name);
                for (size_t i = 0; i < p->nterms; i++)
                        spf_registrable_term(x, seen, owner, &p->terms[i]);
                for (size_t i = 0; i < p->nterms; i++) {
                        const dg_spf_term_t *t = &p->terms[i];
                        if (dg_fp_spf_term_type(t->kind) == DG_T_TXT && t->value && !t->has_macro &&
                            dg_fp_found(find(x, t->value, DG_T_TXT)))
                                spf_registrable_walk(x, seen, t->value, depth + 1);
                }
                g_free(owner);
                dg_spf_free(p);
        }
        g_strfreev(spf);
}

static void spf_registrable_findings(fx_t *x)
{
        GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
        spf_registrable_walk(x, seen, x->v->domain, 0);
        g_hash_table_destroy(seen);
}

/* The first signature of host (as kind k) that is takeover-prone under
 * condition cond (NULL: any), or NULL. Uses the classifier's takeover
 * condition, not the signature's flags text. */
static const char *prone_provider(const fx_t *x, dg_fp_kind_t k, const char *host, const char *cond)
{
        dg_classify_res_t res;
        dg_classify_res_init(&res);
        const char *prov = NULL;
        if (dg_classify_host(x->v->db, k, host, &res) > 0 && res.takeover &&
            (cond == NULL || (res.takeover_condition && strcmp(res.takeover_condition, cond) == 0)))
                prov = res.takeover_provider;
        dg_classify_res_clear(&res);
        return prov;
}

/* One MX exchange: dangling (NXDOMAIN), or at a mail service where an
 * abandoned tenant's host can be claimed. */
static void mx_exchange(fx_t *x, const char *rdata)
{
        const char *d = x->v->domain;
        char *host = dg_fp_mx_host(rdata);
        const dg_fp_lookup_t *l = host ? find(x, host, DG_T_A) : NULL;
        char *reg = NULL;
        if (l == NULL || l->r == NULL) {
                g_free(host);
                return;
        }
        const char *prov = prone_provider(x, DG_FP_MX, host, NULL);
        GPtrArray *ev = ev1(g_strdup_printf("%s MX %s", d, rdata));
        if (is_nxdomain(l)) {
                g_ptr_array_add(ev, g_strdup_printf("%s A NXDOMAIN", host));
                bool reg_ok = registrable(x, host, l, &reg);
                if (reg_ok && strcmp(reg, host) != 0)
                        g_ptr_array_add(ev, g_strdup_printf("%s SOA NXDOMAIN", reg));
                char *how =
                    prov ? g_strdup_printf("whoever creates it at %s receives mail for %s", prov, d)
                    : reg_ok ? g_strdup_printf("whoever registers %s receives mail for %s", reg, d)
                             : g_strdup_printf("mail to it bounces; whoever controls %s "
                                               "can receive mail for %s",
                                               reg ? reg : host, d);
                finding(x, "mx-takeover", prov || reg_ok ? DG_SEV_HIGH : DG_SEV_MEDIUM,
                        g_strdup_printf("mail exchange %s of %s does not exist (NXDOMAIN): %s",
                                        host, d, how),
                        ev);
                g_free(how);
        } else if (l->r->status == DG_STATUS_FOUND &&
                   (prov = prone_provider(x, DG_FP_MX, host, "unclaimed")) != NULL) {
                finding(x, "mx-takeover", DG_SEV_LOW,
                        g_strdup_printf("mail exchange %s of %s is at %s, where the host of a "
                                        "closed account can be claimed by another: check that "
                                        "the account still holds %s",
                                        host, d, prov, d),
                        ev);
        } else {
                g_ptr_array_set_free_func(ev, g_free);
                g_ptr_array_free(ev, TRUE);
        }
        g_free(reg);
        g_free(host);
}

static void mx_findings(fx_t *x)
{
        const dg_answer_t *mx = dg_fp_answer(find(x, x->v->domain, DG_T_MX));
        for (size_t i = 0; mx && i < mx->ndata; i++)
                mx_exchange(x, mx->data[i]);
}

/* A lame check that shows the server does not host the zone: it answered,
 * with REFUSED or SERVFAIL. */
static bool refuses(const dg_fp_nscheck_t *c)
{
        const dg_result_t *r = c->check->r;
        return r && r->status == DG_STATUS_FAILED &&
               (r->rcode == DG_RCODE_REFUSED || r->rcode == DG_RCODE_SERVFAIL);
}

/* Every name server of the domain was asked and each address refused the
 * zone: the delegation points to a DNS host that does not hold it. */
static void ns_takeover_findings(fx_t *x)
{
        const char *d = x->v->domain;
        const dg_answer_t *ns = dg_fp_answer(find(x, d, DG_T_NS));
        if (ns == NULL || ns->ndata == 0 || x->v->nnschecks == 0)
                return;
        GPtrArray *ev = g_ptr_array_new();
        const char *prov = NULL;
        bool all = true;
        for (size_t i = 0; all && i < ns->ndata; i++) {
                char *host = dg_fp_norm_name(ns->data[i]);
                unsigned n = 0;
                for (size_t k = 0; all && k < x->v->nnschecks; k++) {
                        const dg_fp_nscheck_t *c = x->v->nschecks[k];
                        if (strcmp(c->host, host) != 0)
                                continue;
                        all = refuses(c);
                        n++;
                        g_ptr_array_add(
                            ev,
                            g_strdup_printf("%s (%s) SOA %s %s", host, c->addr, d,
                                            dg_rcode_str(c->check->r ? c->check->r->rcode : 255)));
                }
                all = all && n > 0;
                if (prov == NULL)
                        prov = prone_provider(x, DG_FP_NS, host, "lame");
                g_ptr_array_insert(ev, (gint)i, g_strdup_printf("%s NS %s", d, host));
                g_free(host);
        }
        if (!all) {
                g_ptr_array_set_free_func(ev, g_free);
                g_ptr_array_free(ev, TRUE);
                return;
        }
        char *how = prov ? g_strdup_printf("%s lets anyone create the zone, and whoever does "
                                           "answers for %s",
                                           prov, d)
                         : g_strdup_printf("whoever can create the zone on those servers "
                                           "answers for %s",
                                           d);
        finding(x, "ns-takeover", prov ? DG_SEV_HIGH : DG_SEV_MEDIUM,
                g_strdup_printf("every name server of %s refuses the zone (REFUSED or "
                                "SERVFAIL): %s",
                                d, how),
                ev);
        g_free(how);
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
        ns_takeover_findings(&x);
        mx_findings(&x);
        spf_registrable_findings(&x);
        wildcard_findings(&x);
        rep->spf_dns_terms = x.spf_terms;
        rep->nfindings = x.out->len;
        rep->findings = (dg_finding_t *)(void *)g_array_free(x.out, FALSE);
        if (rep->nfindings > 1)
                qsort(rep->findings, rep->nfindings, sizeof *rep->findings, cmp_finding);
        g_hash_table_destroy(x.index);
}
