/* SPF record parser (RFC 7208). A scanner walks the terms without allocating
 * (the classifier's hot path uses it); dg_spf_parse builds the owned struct. */
#include "classify_int.h"

#include <arpa/inet.h>
#include <glib.h>
#include <string.h>

static const char *const term_names[DG_SPF_TERM_COUNT_] = {
    [DG_SPF_ALL] = "all",
    [DG_SPF_INCLUDE] = "include",
    [DG_SPF_A] = "a",
    [DG_SPF_MX] = "mx",
    [DG_SPF_PTR] = "ptr",
    [DG_SPF_IP4] = "ip4",
    [DG_SPF_IP6] = "ip6",
    [DG_SPF_EXISTS] = "exists",
    [DG_SPF_REDIRECT] = "redirect",
    [DG_SPF_EXP] = "exp",
    [DG_SPF_UNKNOWN_MOD] = "modifier",
};

const char *dg_spf_term_str(dg_spf_term_kind_t k)
{
        if ((unsigned)k >= DG_SPF_TERM_COUNT_)
                return "unknown";
        return term_names[k];
}

bool dg_spf_term_queries(dg_spf_term_kind_t k)
{
        return k == DG_SPF_INCLUDE || k == DG_SPF_A || k == DG_SPF_MX || k == DG_SPF_PTR ||
               k == DG_SPF_EXISTS || k == DG_SPF_REDIRECT;
}

bool dg_spf_is_spf(const char *txt)
{
        if (txt == NULL)
                return false;
        while (*txt == ' ')
                txt++;
        return g_ascii_strncasecmp(txt, "v=spf1", 6) == 0 && (txt[6] == '\0' || txt[6] == ' ');
}

void dg_spf_scan_init(dg_spf_scan_t *s, const char *txt, size_t len)
{
        s->p = txt;
        s->end = txt + len;
        while (s->p < s->end && *s->p == ' ')
                s->p++;
        if (s->end - s->p >= 6)
                s->p += 6; /* "v=spf1" */
        else
                s->p = s->end;
}

/* RFC 7208 7.1: macro-string validity; sets *has_macro. Returns false on a bad
 * macro ("%" not followed by "{", "%", "_" or "-", or a bad macro letter). */
static bool check_macros(const char *v, size_t len, bool *has_macro)
{
        *has_macro = false;
        for (size_t i = 0; i < len; i++) {
                if (v[i] != '%')
                        continue;
                *has_macro = true;
                if (i + 1 >= len)
                        return false;
                char c = v[i + 1];
                if (c == '%' || c == '_' || c == '-') {
                        i++;
                        continue;
                }
                if (c != '{')
                        return false;
                size_t j = i + 2;
                if (j >= len || strchr("slodiphcrtvSLODIPHCRTV", v[j]) == NULL)
                        return false;
                j++;
                while (j < len && g_ascii_isdigit(v[j]))
                        j++;
                if (j < len && (v[j] == 'r' || v[j] == 'R'))
                        j++;
                while (j < len && strchr(".-+,/_=", v[j]))
                        j++;
                if (j >= len || v[j] != '}')
                        return false;
                i = j;
        }
        return true;
}

/* Parses "/NN" into *out (0..max). */
static bool parse_cidr_len(const char *s, size_t len, int max, int *out)
{
        if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
                return false;
        int v = 0;
        for (size_t i = 0; i < len; i++) {
                if (!g_ascii_isdigit(s[i]))
                        return false;
                v = v * 10 + (s[i] - '0');
        }
        if (v > max)
                return false;
        *out = v;
        return true;
}

/* Splits a trailing dual-cidr-length ("/24", "//64", "/24//64") off v. */
static bool split_dual_cidr(const char *v, size_t *vlen, int *c4, int *c6)
{
        size_t len = *vlen;
        const char *dd = NULL;
        for (size_t i = 0; i + 1 < len; i++)
                if (v[i] == '/' && v[i + 1] == '/')
                        dd = v + i;
        if (dd) {
                if (!parse_cidr_len(dd + 2, (size_t)(v + len - dd - 2), 128, c6))
                        return false;
                len = (size_t)(dd - v);
        }
        const char *sl = NULL;
        for (size_t i = len; i > 0; i--)
                if (v[i - 1] == '/') {
                        sl = v + i - 1;
                        break;
                }
        if (sl) {
                bool digits = sl + 1 < v + len;
                for (const char *q = sl + 1; q < v + len; q++)
                        digits = digits && g_ascii_isdigit(*q);
                if (digits) {
                        if (!parse_cidr_len(sl + 1, (size_t)(v + len - sl - 1), 32, c4))
                                return false;
                        len = (size_t)(sl - v);
                }
        }
        *vlen = len;
        return true;
}

static bool name_is(const char *n, size_t len, const char *w)
{
        return strlen(w) == len && g_ascii_strncasecmp(n, w, len) == 0;
}

int dg_spf_scan_next(dg_spf_scan_t *s, dg_spf_tok_t *t)
{
        while (s->p < s->end && *s->p == ' ')
                s->p++;
        if (s->p >= s->end)
                return 0;
        const char *b = s->p;
        while (s->p < s->end && *s->p != ' ')
                s->p++;
        const char *e = s->p;
        memset(t, 0, sizeof *t);
        t->cidr4 = t->cidr6 = -1;
        if (*b == '+' || *b == '-' || *b == '~' || *b == '?') {
                t->qualifier = *b;
                t->explicit_qualifier = true;
                b++;
        } else {
                t->qualifier = '+';
        }
        t->name = b;
        const char *q = b;
        while (q < e && (g_ascii_isalnum(*q) || *q == '-' || *q == '_' || *q == '.'))
                q++;
        t->namelen = (size_t)(q - b);
        if (t->namelen == 0 || !g_ascii_isalpha(*b)) {
                t->kind = DG_SPF_UNKNOWN_MOD;
                t->error = "malformed term";
                return 1;
        }
        if (q < e && *q == '=') { /* modifier */
                t->value = q + 1;
                t->valuelen = (size_t)(e - q - 1);
                if (t->explicit_qualifier)
                        t->error = "qualifier on a modifier";
                t->qualifier = 0;
                if (name_is(b, t->namelen, "redirect"))
                        t->kind = DG_SPF_REDIRECT;
                else if (name_is(b, t->namelen, "exp"))
                        t->kind = DG_SPF_EXP;
                else
                        t->kind = DG_SPF_UNKNOWN_MOD;
                if (!check_macros(t->value, t->valuelen, &t->has_macro) && !t->error)
                        t->error = "bad macro";
                if (t->kind != DG_SPF_UNKNOWN_MOD && t->valuelen == 0 && !t->error)
                        t->error = "empty domain-spec";
                return 1;
        }
        static const struct {
                const char *n;
                dg_spf_term_kind_t k;
        } mech[] = {
            {"all", DG_SPF_ALL}, {"include", DG_SPF_INCLUDE}, {"a", DG_SPF_A},
            {"mx", DG_SPF_MX},   {"ptr", DG_SPF_PTR},         {"ip4", DG_SPF_IP4},
            {"ip6", DG_SPF_IP6}, {"exists", DG_SPF_EXISTS},
        };
        int k = -1;
        for (size_t i = 0; i < G_N_ELEMENTS(mech); i++)
                if (name_is(b, t->namelen, mech[i].n))
                        k = (int)mech[i].k;
        /* "a/24" and "mx//64": the name stops at '/' */
        if (k < 0) {
                t->kind = DG_SPF_UNKNOWN_MOD;
                t->error = "unknown mechanism";
                return 1;
        }
        t->kind = (dg_spf_term_kind_t)k;
        const char *rest = q;
        size_t restlen = (size_t)(e - q);
        if (restlen > 0 && *rest == ':') {
                t->value = rest + 1;
                t->valuelen = restlen - 1;
                restlen = 0;
        } else if (restlen > 0 && *rest != '/') {
                t->error = "malformed mechanism";
                return 1;
        }
        switch (t->kind) {
        case DG_SPF_ALL:
                if (t->value || restlen)
                        t->error = "'all' takes no argument";
                break;
        case DG_SPF_INCLUDE:
        case DG_SPF_EXISTS:
                if (t->value == NULL || t->valuelen == 0)
                        t->error = "missing domain-spec";
                else if (!check_macros(t->value, t->valuelen, &t->has_macro))
                        t->error = "bad macro";
                break;
        case DG_SPF_PTR:
                if (restlen)
                        t->error = "'ptr' takes no CIDR length";
                else if (t->value && !check_macros(t->value, t->valuelen, &t->has_macro))
                        t->error = "bad macro";
                break;
        case DG_SPF_A:
        case DG_SPF_MX:
                if (t->value) {
                        if (!split_dual_cidr(t->value, &t->valuelen, &t->cidr4, &t->cidr6))
                                t->error = "bad CIDR length";
                        else if (t->valuelen == 0)
                                t->error = "empty domain-spec";
                        else if (!check_macros(t->value, t->valuelen, &t->has_macro))
                                t->error = "bad macro";
                } else if (restlen) {
                        size_t l = restlen;
                        if (!split_dual_cidr(rest, &l, &t->cidr4, &t->cidr6) || l != 0)
                                t->error = "bad CIDR length";
                }
                break;
        case DG_SPF_IP4:
        case DG_SPF_IP6: {
                if (t->value == NULL || t->valuelen == 0 || t->valuelen >= 64) {
                        t->error = "missing address";
                        break;
                }
                char buf[64];
                memcpy(buf, t->value, t->valuelen);
                buf[t->valuelen] = '\0';
                char *sl = strchr(buf, '/');
                int *c = t->kind == DG_SPF_IP4 ? &t->cidr4 : &t->cidr6;
                if (sl) {
                        *sl = '\0';
                        if (!parse_cidr_len(sl + 1, strlen(sl + 1),
                                            t->kind == DG_SPF_IP4 ? 32 : 128, c))
                                t->error = "bad CIDR length";
                }
                uint8_t a[16];
                if (inet_pton(t->kind == DG_SPF_IP4 ? AF_INET : AF_INET6, buf, a) != 1 && !t->error)
                        t->error = t->kind == DG_SPF_IP4 ? "bad IPv4 address" : "bad IPv6 address";
                break;
        }
        default:
                break;
        }
        return 1;
}

void dg_spf_free(dg_spf_t *s)
{
        if (s == NULL)
                return;
        for (size_t i = 0; i < s->nterms; i++) {
                g_free(s->terms[i].name);
                g_free(s->terms[i].value);
        }
        g_free(s->terms);
        g_free(s->includes);
        g_free(s->error);
        g_free(s);
}

int dg_spf_parse(const char *txt, dg_spf_t **out)
{
        if (out)
                *out = NULL;
        if (out == NULL || !dg_spf_is_spf(txt))
                return DG_EINVAL;
        dg_spf_t *s = g_new0(dg_spf_t, 1);
        dg_spf_scan_t sc;
        dg_spf_tok_t t;
        dg_spf_scan_init(&sc, txt, strlen(txt));
        GArray *terms = g_array_new(FALSE, TRUE, sizeof(dg_spf_term_t));
        unsigned nredirect = 0, nexp = 0;
        while (dg_spf_scan_next(&sc, &t) == 1) {
                dg_spf_term_t term = {0};
                term.kind = t.kind;
                term.qualifier = t.qualifier;
                term.explicit_qualifier = t.explicit_qualifier;
                term.name = g_ascii_strdown(t.name, (gssize)t.namelen);
                term.value = t.value ? g_strndup(t.value, t.valuelen) : NULL;
                term.cidr4 = t.cidr4;
                term.cidr6 = t.cidr6;
                term.has_macro = t.has_macro;
                if (t.has_macro)
                        s->has_macros = true;
                if (t.error && s->error == NULL)
                        s->error =
                            g_strdup_printf("%s: %.*s", t.error, (int)(sc.p - t.name), t.name);
                if (t.kind == DG_SPF_REDIRECT && ++nredirect == 2 && s->error == NULL)
                        s->error = g_strdup("redirect= appears more than once");
                if (t.kind == DG_SPF_EXP && ++nexp == 2 && s->error == NULL)
                        s->error = g_strdup("exp= appears more than once");
                if (dg_spf_term_queries(t.kind) && !t.error)
                        s->dns_terms++;
                if (t.kind == DG_SPF_ALL && !t.error && s->all_qualifier == 0)
                        s->all_qualifier = t.qualifier;
                g_array_append_val(terms, term);
        }
        s->nterms = terms->len;
        s->terms = (dg_spf_term_t *)(void *)g_array_free(terms, FALSE);
        s->includes = g_new0(const char *, s->nterms + 1);
        for (size_t i = 0; i < s->nterms; i++) {
                const dg_spf_term_t *tm = &s->terms[i];
                if (tm->kind == DG_SPF_INCLUDE && tm->value)
                        s->includes[s->nincludes++] = tm->value;
                if (tm->kind == DG_SPF_REDIRECT && tm->value && s->redirect == NULL)
                        s->redirect = tm->value;
        }
        *out = s;
        return DG_OK;
}
