/* DMARC record parser (RFC 7489, sections 6.3 and 6.4). */
#include "dnsglean/dmarc.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

const char *dg_dmarc_policy_str(dg_dmarc_policy_t p)
{
        switch (p) {
        case DG_DMARC_POLICY_NONE:
                return "none";
        case DG_DMARC_POLICY_QUARANTINE:
                return "quarantine";
        case DG_DMARC_POLICY_REJECT:
                return "reject";
        default:
                return "unset";
        }
}

bool dg_dmarc_is_dmarc(const char *txt)
{
        if (txt == NULL)
                return false;
        while (*txt == ' ' || *txt == '\t')
                txt++;
        if (strncmp(txt, "v", 1) != 0 && strncmp(txt, "V", 1) != 0)
                return false;
        txt++;
        while (*txt == ' ' || *txt == '\t')
                txt++;
        if (*txt++ != '=')
                return false;
        while (*txt == ' ' || *txt == '\t')
                txt++;
        /* RFC 7489 6.4: "DMARC1" is case-sensitive in the ABNF ("%x44 %x4d ...") */
        if (strncmp(txt, "DMARC1", 6) != 0)
                return false;
        txt += 6;
        while (*txt == ' ' || *txt == '\t')
                txt++;
        return *txt == '\0' || *txt == ';';
}

static int policy_parse(const char *v)
{
        if (g_ascii_strcasecmp(v, "none") == 0)
                return DG_DMARC_POLICY_NONE;
        if (g_ascii_strcasecmp(v, "quarantine") == 0)
                return DG_DMARC_POLICY_QUARANTINE;
        if (g_ascii_strcasecmp(v, "reject") == 0)
                return DG_DMARC_POLICY_REJECT;
        return -2;
}

static void uris_free(dg_dmarc_uri_t *u, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                g_free(u[i].uri);
                g_free(u[i].scheme);
                g_free(u[i].domain);
                g_free(u[i].limit);
        }
        g_free(u);
}

void dg_dmarc_free(dg_dmarc_t *d)
{
        if (d == NULL)
                return;
        uris_free(d->rua, d->nrua);
        uris_free(d->ruf, d->nruf);
        for (size_t i = 0; i < d->ntags; i++) {
                g_free(d->tags[i].tag);
                g_free(d->tags[i].value);
        }
        g_free(d->tags);
        g_free(d->fo);
        g_free(d->rf);
        g_free(d->error);
        g_free(d);
}

/* "mailto:a@b.example!10m, https://x" -> URIs. Returns false on a bad URI. */
static bool parse_uris(const char *v, dg_dmarc_uri_t **out, size_t *n)
{
        char **parts = g_strsplit(v, ",", -1);
        bool ok = true;
        GArray *a = g_array_new(FALSE, TRUE, sizeof(dg_dmarc_uri_t));
        for (char **p = parts; *p; p++) {
                char *u = g_strstrip(*p);
                if (*u == '\0') {
                        ok = false;
                        continue;
                }
                dg_dmarc_uri_t x = {0};
                char *bang = strrchr(u, '!');
                if (bang) {
                        /* size limit: 1*DIGIT [ "k" / "m" / "g" / "t" ] */
                        const char *q = bang + 1;
                        size_t nd = 0;
                        while (g_ascii_isdigit(q[nd]))
                                nd++;
                        if (nd == 0 || (q[nd] && (strchr("kmgtKMGT", q[nd]) == NULL || q[nd + 1])))
                                ok = false;
                        x.limit = g_strdup(q);
                        *bang = '\0';
                }
                const char *colon = strchr(u, ':');
                if (colon == NULL || colon == u) {
                        ok = false;
                        g_free(x.limit);
                        continue;
                }
                x.uri = g_strdup(u);
                x.scheme = g_ascii_strdown(u, colon - u);
                if (strcmp(x.scheme, "mailto") == 0) {
                        const char *at = strrchr(colon + 1, '@');
                        if (at && at[1]) {
                                char *dom = g_ascii_strdown(at + 1, -1);
                                char *qm = strchr(dom, '?');
                                if (qm)
                                        *qm = '\0';
                                x.domain = dom;
                        } else {
                                ok = false;
                        }
                }
                g_array_append_val(a, x);
        }
        g_strfreev(parts);
        *n = a->len;
        *out = (dg_dmarc_uri_t *)(void *)g_array_free(a, FALSE);
        return ok;
}

/* Keeps the first problem: what, then arg (may be ""). */
static void set_error(dg_dmarc_t *d, const char *what, const char *arg)
{
        if (d->error == NULL)
                d->error = g_strconcat(what, arg, NULL);
}

int dg_dmarc_parse(const char *txt, dg_dmarc_t **out)
{
        if (out)
                *out = NULL;
        if (out == NULL || !dg_dmarc_is_dmarc(txt))
                return DG_EINVAL;
        dg_dmarc_t *d = g_new0(dg_dmarc_t, 1);
        d->p = DG_DMARC_POLICY_UNSET;
        d->sp = DG_DMARC_POLICY_UNSET;
        d->pct = 100;
        d->adkim = d->aspf = 'r';
        d->ri = 86400;
        char **parts = g_strsplit(txt, ";", -1);
        GArray *tags = g_array_new(FALSE, TRUE, sizeof(dg_dmarc_tag_t));
        bool seen_p = false;
        for (char **p = parts; *p; p++) {
                char *t = g_strstrip(*p);
                if (*t == '\0')
                        continue; /* trailing ';' */
                char *eq = strchr(t, '=');
                if (eq == NULL) {
                        set_error(d, "tag without value: ", t);
                        continue;
                }
                *eq = '\0';
                char *name = g_ascii_strdown(g_strstrip(t), -1);
                char *val = g_strdup(g_strstrip(eq + 1));
                dg_dmarc_tag_t tg = {name, val};
                g_array_append_val(tags, tg);
                if (strcmp(name, "v") == 0) {
                        if (p != parts)
                                set_error(d, "v= is not the first tag", "");
                } else if (strcmp(name, "p") == 0 || strcmp(name, "sp") == 0) {
                        int pol = policy_parse(val);
                        if (pol < -1)
                                set_error(d, "bad policy: ", val);
                        else if (name[0] == 'p') {
                                d->p = (dg_dmarc_policy_t)pol;
                                seen_p = true;
                        } else
                                d->sp = (dg_dmarc_policy_t)pol;
                } else if (strcmp(name, "pct") == 0) {
                        char *end;
                        long v = strtol(val, &end, 10);
                        if (*val == '\0' || *end || v < 0 || v > 100)
                                set_error(d, "bad pct: ", val);
                        else
                                d->pct = (int)v;
                } else if (strcmp(name, "adkim") == 0 || strcmp(name, "aspf") == 0) {
                        if ((val[0] == 'r' || val[0] == 's') && val[1] == '\0')
                                *(name[1] == 'd' ? &d->adkim : &d->aspf) = val[0];
                        else
                                set_error(d, "bad alignment mode: ", val);
                } else if (strcmp(name, "ri") == 0) {
                        char *end;
                        unsigned long v = strtoul(val, &end, 10);
                        if (*val == '\0' || *end || *val == '-')
                                set_error(d, "bad ri: ", val);
                        else
                                d->ri = v;
                } else if (strcmp(name, "fo") == 0) {
                        g_free(d->fo);
                        d->fo = g_strdup(val);
                } else if (strcmp(name, "rf") == 0) {
                        g_free(d->rf);
                        d->rf = g_strdup(val);
                } else if (strcmp(name, "rua") == 0 || strcmp(name, "ruf") == 0) {
                        dg_dmarc_uri_t **u = name[2] == 'a' ? &d->rua : &d->ruf;
                        size_t *n = name[2] == 'a' ? &d->nrua : &d->nruf;
                        uris_free(*u, *n);
                        if (!parse_uris(val, u, n))
                                set_error(d, "bad report URI: ", val);
                }
        }
        g_strfreev(parts);
        d->ntags = tags->len;
        d->tags = (dg_dmarc_tag_t *)(void *)g_array_free(tags, FALSE);
        if (!seen_p) {
                /* RFC 7489 6.6.3: no p= but a valid rua -> act as p=none */
                bool valid_rua = false;
                for (size_t i = 0; i < d->nrua; i++)
                        valid_rua = valid_rua || d->rua[i].uri != NULL;
                if (valid_rua)
                        d->p = DG_DMARC_POLICY_NONE;
                else
                        set_error(d, "missing p= tag", "");
        }
        if (d->fo == NULL)
                d->fo = g_strdup("0");
        if (d->rf == NULL)
                d->rf = g_strdup("afrf");
        *out = d;
        return DG_OK;
}
