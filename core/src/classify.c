/* Classifying records given in presentation format: which providers a record
 * reveals. Dispatch is a table keyed by RR type; the fingerprint lookups are
 * in fpdb.c. Nothing here allocates once a result's match array has grown. */
#include "classify_int.h"

#include <glib.h>
#include <ldns/ldns.h>
#include <string.h>

#define TXT_STACK 4096

void dg_classify_res_init(dg_classify_res_t *r)
{
        if (r)
                memset(r, 0, sizeof *r);
}

void dg_classify_res_clear(dg_classify_res_t *r)
{
        if (r == NULL)
                return;
        g_free(r->matches);
        memset(r, 0, sizeof *r);
}

static void res_reset(dg_classify_res_t *r)
{
        r->nmatches = 0;
        r->takeover = false;
        r->takeover_condition = NULL;
        r->takeover_provider = NULL;
        r->takeover_status = NULL;
}

/* Adds a match unless the provider is already there. Returns 1 if added. */
static int res_add(dg_classify_res_t *r, const dg_fp_sig_t *s, const char *kind, const char *v,
                   size_t vlen)
{
        if (s->takeover && !r->takeover) {
                r->takeover = true;
                r->takeover_condition = s->takeover_condition;
                r->takeover_provider = s->provider;
                r->takeover_status = s->takeover_status;
        } else if (s->takeover_status && r->takeover_status == NULL) {
                r->takeover_status = s->takeover_status; /* not vulnerable, edge case */
        }
        for (size_t i = 0; i < r->nmatches; i++)
                if (r->matches[i].name == s->provider) /* interned by the database */
                        return 0;
        if (r->nmatches == r->cap_) {
                size_t cap = r->cap_ ? r->cap_ * 2 : 8;
                r->matches = g_renew(dg_fp_match_t, r->matches, cap);
                r->cap_ = cap;
        }
        dg_fp_match_t *m = &r->matches[r->nmatches++];
        m->name = s->provider;
        m->category = s->category;
        m->sig = s;
        size_t kl = strlen(kind);
        size_t room = DG_EVIDENCE_MAX - 1 - kl - 1; /* "kind:" + value + NUL */
        memcpy(m->evidence, kind, kl);
        m->evidence[kl] = ':';
        if (vlen <= room) {
                memcpy(m->evidence + kl + 1, v, vlen);
                m->evidence[kl + 1 + vlen] = '\0';
        } else {
                memcpy(m->evidence + kl + 1, v, room - 3);
                memcpy(m->evidence + kl + 1 + room - 3, "...", 4);
        }
        /* evidence is text: keep it printable */
        for (char *c = m->evidence; *c; c++)
                if ((unsigned char)*c < 0x20 || (unsigned char)*c == 0x7f)
                        *c = '?';
        return 1;
}

static int match_host(const dg_fpdb_t *db, dg_fp_kind_t k, const char *host, size_t len,
                      dg_classify_res_t *r)
{
        const dg_fp_sig_t *s = dg_fpdb_match_host(db, k, host, len);
        if (s == NULL)
                return 0;
        /* evidence: the name without its trailing dot */
        while (len > 1 && host[len - 1] == '.')
                len--;
        return res_add(r, s, dg_fp_kind_str(k), host, len);
}

int dg_classify_host(const dg_fpdb_t *db, dg_fp_kind_t k, const char *host, dg_classify_res_t *res)
{
        if (db == NULL || host == NULL || res == NULL)
                return DG_EINVAL;
        return match_host(db, k, host, strlen(host), res);
}

/* ---- tokens of presentation rdata ---- */

typedef struct {
        const char *s;
        size_t len;
} tok_t;

/* Next whitespace-separated token (a quoted string is one token, quotes
 * included). Returns false at the end. */
static bool next_tok(const char **p, tok_t *t)
{
        const char *q = *p;
        while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
                q++;
        if (*q == '\0') {
                *p = q;
                return false;
        }
        t->s = q;
        if (*q == '"') {
                q++;
                while (*q && *q != '"') {
                        if (*q == '\\' && q[1])
                                q++;
                        q++;
                }
                if (*q == '"')
                        q++;
        } else {
                while (*q && *q != ' ' && *q != '\t' && *q != '\r' && *q != '\n')
                        q++;
        }
        t->len = (size_t)(q - t->s);
        *p = q;
        return true;
}

static bool all_digits(const tok_t *t)
{
        if (t->len == 0)
                return false;
        for (size_t i = 0; i < t->len; i++)
                if (!g_ascii_isdigit(t->s[i]))
                        return false;
        return true;
}

int dg_txt_concat(const char *rdata, char *buf, size_t cap)
{
        if (rdata == NULL || buf == NULL || cap == 0)
                return DG_EINVAL;
        size_t o = 0;
        const char *p = rdata;
        for (;;) {
                while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
                        p++;
                if (*p == '\0')
                        break;
                bool quoted = *p == '"';
                if (quoted)
                        p++;
                for (;;) {
                        char c = *p;
                        if (c == '\0') {
                                if (quoted)
                                        return DG_EPARSE; /* unterminated quote */
                                break;
                        }
                        if (quoted && c == '"') {
                                p++;
                                break;
                        }
                        if (!quoted && (c == ' ' || c == '\t' || c == '\r' || c == '\n'))
                                break;
                        if (c == '\\') {
                                if (g_ascii_isdigit(p[1])) {
                                        if (!g_ascii_isdigit(p[2]) || !g_ascii_isdigit(p[3]))
                                                return DG_EPARSE;
                                        int v =
                                            (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
                                        if (v > 255)
                                                return DG_EPARSE;
                                        c = (char)v;
                                        p += 4;
                                } else if (p[1] == '\0') {
                                        return DG_EPARSE;
                                } else {
                                        c = p[1];
                                        p += 2;
                                }
                        } else {
                                p++;
                        }
                        if (o + 1 >= cap)
                                return DG_ESPACE;
                        buf[o++] = c;
                }
        }
        buf[o] = '\0';
        return (int)o;
}

/* ---- TXT flavours ---- */

/* The literal domain after the last macro of an SPF domain-spec (RFC 7208
 * 7.1): "%{i}._ip.%{h}._ehlo.%{d}._spf.vendor.example" -> "_spf.vendor.example".
 * Sets *len to 0 when nothing literal follows the last macro. */
static const char *spf_literal_tail(const char *v, size_t *len)
{
        size_t start = 0;
        for (size_t i = 0; i < *len; i++) {
                if (v[i] != '%' || i + 1 >= *len)
                        continue;
                if (v[i + 1] == '{') {
                        const char *close = memchr(v + i, '}', *len - i);
                        i = close ? (size_t)(close - v) : *len - 1;
                } else {
                        i++; /* "%%", "%_", "%-" */
                }
                start = i + 1;
        }
        while (start < *len && v[start] == '.')
                start++;
        *len -= start;
        return v + start;
}

/* A domain of an SPF term: the SPF signatures, and for a:/mx:/ptr: (hosts
 * that send the mail) also the mail hosts of the MX signatures. */
static int spf_domain(const dg_fpdb_t *db, const dg_spf_tok_t *t, dg_classify_res_t *r)
{
        size_t len = t->valuelen;
        const char *d = t->has_macro ? spf_literal_tail(t->value, &len) : t->value;
        if (len == 0)
                return 0;
        const dg_fp_sig_t *s = dg_fpdb_match_host(db, DG_FP_SPF, d, len);
        bool host = t->kind == DG_SPF_A || t->kind == DG_SPF_MX || t->kind == DG_SPF_PTR;
        if (s == NULL && host)
                s = dg_fpdb_match_host(db, DG_FP_MX, d, len);
        return s ? res_add(r, s, "spf", t->value, t->valuelen) : 0;
}

/* The terms of an SPF record (or a Sender ID "spf2.0/..." record, RFC 4406,
 * whose terms have the same syntax): domains and ip4:/ip6: networks. */
static int classify_spf(const dg_fpdb_t *db, const char *txt, size_t len, bool sender_id,
                        dg_classify_res_t *r)
{
        int n = 0;
        dg_spf_scan_t sc;
        dg_spf_tok_t t;
        dg_spf_scan_init(&sc, txt, len);
        if (sender_id) { /* skip the version token, "spf2.0/pra" or "spf2.0/mfrom,pra" */
                const char *b = txt, *end = txt + len;
                while (b < end && *b == ' ')
                        b++;
                const char *sp = memchr(b, ' ', (size_t)(end - b));
                sc.p = sp ? sp : end;
        }
        while (dg_spf_scan_next(&sc, &t) == 1) {
                if (t.value == NULL || t.valuelen == 0)
                        continue;
                switch (t.kind) {
                case DG_SPF_INCLUDE:
                case DG_SPF_REDIRECT:
                case DG_SPF_A:
                case DG_SPF_MX:
                case DG_SPF_PTR:
                case DG_SPF_EXISTS:
                        n += spf_domain(db, &t, r);
                        break;
                case DG_SPF_IP4:
                case DG_SPF_IP6: {
                        const dg_fp_sig_t *s = dg_fpdb_match_addr(db, t.value, t.valuelen);
                        if (s)
                                n += res_add(r, s, "spf-ip", t.value, t.valuelen);
                        break;
                }
                default:
                        break;
                }
        }
        return n;
}

/* "spf2.0/pra", "spf2.0/mfrom", "spf2.0/mfrom,pra" (RFC 4406 3.1) */
static bool is_sender_id(const char *t, size_t len)
{
        while (len > 0 && *t == ' ') {
                t++;
                len--;
        }
        return len > 7 && g_ascii_strncasecmp(t, "spf2.0/", 7) == 0;
}

/* rua=/ruf= of DMARC (RFC 7489) and rua= of TLS-RPT (RFC 8460): the mailto
 * domains reveal the reporting vendor. Scans without allocating. */
static int classify_reports(const dg_fpdb_t *db, const char *txt, size_t len, dg_classify_res_t *r)
{
        int n = 0;
        const char *p = txt, *end = txt + len;
        while (p < end) {
                const char *semi = memchr(p, ';', (size_t)(end - p));
                const char *te = semi ? semi : end;
                while (p < te && (*p == ' ' || *p == '\t'))
                        p++;
                bool rep = te - p > 4 && (g_ascii_strncasecmp(p, "rua", 3) == 0 ||
                                          g_ascii_strncasecmp(p, "ruf", 3) == 0);
                if (rep) {
                        const char *q = p + 3;
                        while (q < te && (*q == ' ' || *q == '\t'))
                                q++;
                        if (q < te && *q == '=') {
                                q++;
                                while (q < te) {
                                        const char *comma = memchr(q, ',', (size_t)(te - q));
                                        const char *ue = comma ? comma : te;
                                        const char *at = NULL;
                                        for (const char *x = q; x < ue; x++)
                                                if (*x == '@')
                                                        at = x;
                                        if (at) {
                                                const char *de = at + 1;
                                                while (de < ue && *de != '!' && *de != ' ' &&
                                                       *de != '?')
                                                        de++;
                                                const char *s0 = at + 1;
                                                const dg_fp_sig_t *s = dg_fpdb_match_host(
                                                    db, DG_FP_DMARC, s0, (size_t)(de - s0));
                                                if (s)
                                                        n += res_add(r, s, "dmarc", s0,
                                                                     (size_t)(de - s0));
                                        }
                                        q = comma ? comma + 1 : te;
                                }
                        }
                }
                p = semi ? semi + 1 : end;
        }
        return n;
}

static bool owner_is_dmarc(const char *owner)
{
        return g_ascii_strncasecmp(owner, "_dmarc.", 7) == 0 ||
               g_ascii_strcasecmp(owner, "_dmarc") == 0;
}

static int classify_txt(const dg_fpdb_t *db, const char *owner, const char *rdata,
                        dg_classify_res_t *r)
{
        char stackbuf[TXT_STACK];
        char *buf = stackbuf;
        size_t cap = sizeof stackbuf;
        int len = dg_txt_concat(rdata, buf, cap);
        if (len == DG_ESPACE) {
                cap = strlen(rdata) + 1; /* the text is never longer than its escaped form */
                buf = g_malloc(cap);
                len = dg_txt_concat(rdata, buf, cap);
        }
        if (len < 0) {
                if (buf != stackbuf)
                        g_free(buf);
                return DG_EPARSE;
        }
        int n;
        const char *t = buf;
        if (dg_spf_is_spf(t) || is_sender_id(t, (size_t)len))
                n = classify_spf(db, t, (size_t)len, !dg_spf_is_spf(t), r);
        else if (owner_is_dmarc(owner) || dg_dmarc_is_dmarc(t) ||
                 g_ascii_strncasecmp(t, "v=TLSRPTv1", 10) == 0)
                n = classify_reports(db, t, (size_t)len, r);
        else {
                const dg_fp_sig_t *s = dg_fpdb_match_txt(db, t, (size_t)len);
                n = s ? res_add(r, s, "txt", t, (size_t)len) : 0;
        }
        if (buf != stackbuf)
                g_free(buf);
        return n;
}

/* ---- per-type handlers ---- */

typedef int (*rr_fn)(const dg_fpdb_t *db, const char *owner, const char *rdata,
                     dg_classify_res_t *r);

/* rdata "skip... host": the host is token number idx (0-based); the tokens
 * before it must be numbers. */
static int host_at(const dg_fpdb_t *db, dg_fp_kind_t k, const char *rdata, int idx,
                   dg_classify_res_t *r)
{
        const char *p = rdata;
        tok_t t;
        for (int i = 0; i < idx; i++)
                if (!next_tok(&p, &t) || !all_digits(&t))
                        return DG_EPARSE;
        if (!next_tok(&p, &t))
                return DG_EPARSE;
        return match_host(db, k, t.s, t.len, r);
}

static int rr_mx(const dg_fpdb_t *db, const char *o, const char *rd, dg_classify_res_t *r)
{
        (void)o;
        return host_at(db, DG_FP_MX, rd, 1, r);
}

static int rr_ns(const dg_fpdb_t *db, const char *o, const char *rd, dg_classify_res_t *r)
{
        (void)o;
        return host_at(db, DG_FP_NS, rd, 0, r);
}

static int rr_cname(const dg_fpdb_t *db, const char *o, const char *rd, dg_classify_res_t *r)
{
        (void)o;
        return host_at(db, DG_FP_CNAME, rd, 0, r);
}

static int rr_srv(const dg_fpdb_t *db, const char *o, const char *rd, dg_classify_res_t *r)
{
        (void)o;
        return host_at(db, DG_FP_SRV, rd, 3, r);
}

static int rr_svcb(const dg_fpdb_t *db, const char *o, const char *rd, dg_classify_res_t *r)
{
        (void)o;
        return host_at(db, DG_FP_CNAME, rd, 1, r); /* "prio target params..." */
}

static int rr_addr(const dg_fpdb_t *db, const char *o, const char *rd, dg_classify_res_t *r)
{
        (void)o;
        const char *p = rd;
        tok_t t;
        if (!next_tok(&p, &t))
                return DG_EPARSE;
        const dg_fp_sig_t *s = dg_fpdb_match_addr(db, t.s, t.len);
        return s ? res_add(r, s, "addr", t.s, t.len) : 0;
}

static int rr_caa(const dg_fpdb_t *db, const char *o, const char *rd, dg_classify_res_t *r)
{
        (void)o;
        const char *p = rd;
        tok_t fl, tag, val;
        if (!next_tok(&p, &fl) || !all_digits(&fl) || !next_tok(&p, &tag) || !next_tok(&p, &val))
                return DG_EPARSE;
        bool issue = (tag.len == 5 && g_ascii_strncasecmp(tag.s, "issue", 5) == 0) ||
                     (tag.len == 9 && g_ascii_strncasecmp(tag.s, "issuewild", 9) == 0);
        if (!issue)
                return 0;
        const char *v = val.s;
        size_t vl = val.len;
        if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
                v++;
                vl -= 2;
        }
        /* issuer-domain-name [";" parameters] (RFC 8659 4.2); ";" alone forbids */
        size_t dl = 0;
        while (dl < vl && v[dl] != ';' && v[dl] != ' ')
                dl++;
        if (dl == 0)
                return 0;
        const dg_fp_sig_t *s = dg_fpdb_match_host(db, DG_FP_CAA, v, dl);
        return s ? res_add(r, s, "caa", v, dl) : 0;
}

static int rr_txt(const dg_fpdb_t *db, const char *o, const char *rd, dg_classify_res_t *r)
{
        return classify_txt(db, o, rd, r);
}

static rr_fn handler_for(uint16_t type)
{
        switch (type) {
        case DG_T_MX:
                return rr_mx;
        case DG_T_NS:
                return rr_ns;
        case DG_T_CNAME:
        case DG_T_DNAME:
                return rr_cname;
        case DG_T_SRV:
                return rr_srv;
        case DG_T_HTTPS:
        case 64: /* SVCB */
                return rr_svcb;
        case DG_T_A:
        case DG_T_AAAA:
                return rr_addr;
        case DG_T_CAA:
                return rr_caa;
        case DG_T_TXT:
        case DG_T_SPF:
                return rr_txt;
        default:
                return NULL;
        }
}

int dg_classify_rr(const dg_fpdb_t *db, const char *owner, uint16_t type, const char *rdata,
                   dg_classify_res_t *res)
{
        if (db == NULL || owner == NULL || rdata == NULL || res == NULL)
                return DG_EINVAL;
        res_reset(res);
        int n = 0;
        rr_fn fn = handler_for(type);
        if (fn) {
                n = fn(db, owner, rdata, res);
                if (n < 0) {
                        res_reset(res);
                        return n;
                }
        }
        const dg_fp_sig_t *os, *ds;
        size_t olen = strlen(owner);
        dg_fpdb_match_owner(db, owner, olen, &os, &ds);
        while (olen > 1 && owner[olen - 1] == '.')
                olen--;
        /* a selector name is a guess; what the record points at outranks it
         * ("s1._domainkey CNAME s1._domainkey.atlassian.net" is not SendGrid),
         * and a CNAME that points at no known vendor contradicts it */
        if (ds && n == 0 && type != DG_T_CNAME) {
                const char *dot = memchr(owner, '.', olen);
                n += res_add(res, ds, "dkim", owner, dot ? (size_t)(dot - owner) : olen);
        }
        if (os)
                n += res_add(res, os, "owner", owner, olen);
        return (int)res->nmatches;
}

/* ---- zone-file lines ---- */

static bool is_class(const tok_t *t)
{
        static const char *const cls[] = {"IN", "CH", "CS", "HS", "NONE", "ANY"};
        for (size_t i = 0; i < G_N_ELEMENTS(cls); i++)
                if (t->len == strlen(cls[i]) && g_ascii_strncasecmp(t->s, cls[i], t->len) == 0)
                        return true;
        return t->len > 5 && g_ascii_strncasecmp(t->s, "CLASS", 5) == 0;
}

/* TTL: digits, or BIND units ("1h30m", "2d"). */
static bool parse_ttl(const tok_t *t, uint32_t *out)
{
        uint64_t total = 0, cur = 0;
        bool any = false, unit_seen = false;
        for (size_t i = 0; i < t->len; i++) {
                char c = t->s[i];
                if (g_ascii_isdigit(c)) {
                        cur = cur * 10 + (uint64_t)(c - '0');
                        any = true;
                        if (cur > 0xffffffffull)
                                return false;
                        continue;
                }
                if (!any)
                        return false;
                uint64_t mul;
                switch (g_ascii_tolower(c)) {
                case 's':
                        mul = 1;
                        break;
                case 'm':
                        mul = 60;
                        break;
                case 'h':
                        mul = 3600;
                        break;
                case 'd':
                        mul = 86400;
                        break;
                case 'w':
                        mul = 604800;
                        break;
                default:
                        return false;
                }
                total += cur * mul;
                cur = 0;
                any = false;
                unit_seen = true;
        }
        if (any)
                total += cur;
        else if (!unit_seen)
                return false;
        if (total > 0xffffffffull)
                return false;
        *out = (uint32_t)total;
        return true;
}

void dg_zone_line_clear(dg_zone_line_t *l)
{
        if (l == NULL)
                return;
        g_free(l->buf_);
        memset(l, 0, sizeof *l);
}

int dg_zone_line_parse(const char *line, dg_zone_line_t *out, const char **why)
{
        static const char *dummy;
        if (why == NULL)
                why = &dummy;
        *why = NULL;
        if (line == NULL || out == NULL) {
                *why = "no input";
                return DG_EINVAL;
        }
        memset(out, 0, sizeof *out);
        char *buf = g_strdup(line);
        /* cut a ';' comment outside quotes, and the line end */
        bool inq = false;
        for (char *c = buf; *c; c++) {
                if (*c == '\\' && c[1]) {
                        c++;
                        continue;
                }
                if (*c == '"')
                        inq = !inq;
                else if (*c == ';' && !inq) {
                        *c = '\0';
                        break;
                }
        }
        if (inq) {
                g_free(buf);
                *why = "unterminated quoted string";
                return DG_EPARSE;
        }
        g_strchomp(buf);
        const char *p = buf;
        tok_t t;
        bool blank_owner = *buf == ' ' || *buf == '\t';
        if (!next_tok(&p, &t)) {
                g_free(buf);
                return 0;
        }
        if (t.s[0] == '$') {
                g_free(buf);
                *why = "$ directives are not supported";
                return DG_EPARSE;
        }
        if (!blank_owner) {
                out->owner = (char *)t.s;
                if (!next_tok(&p, &t)) {
                        g_free(buf);
                        *why = "missing type";
                        return DG_EPARSE;
                }
                ((char *)out->owner)[strcspn(out->owner, " \t")] = '\0';
        }
        bool has_class = false;
        for (;;) {
                if (!out->has_ttl && g_ascii_isdigit(t.s[0]) && parse_ttl(&t, &out->ttl)) {
                        out->has_ttl = true;
                } else if (!has_class && is_class(&t)) {
                        has_class = true;
                } else {
                        break;
                }
                if (!next_tok(&p, &t)) {
                        g_free(buf);
                        *why = "missing type";
                        return DG_EPARSE;
                }
        }
        char tname[32];
        if (t.len >= sizeof tname) {
                g_free(buf);
                *why = "unknown type";
                return DG_EPARSE;
        }
        memcpy(tname, t.s, t.len);
        tname[t.len] = '\0';
        ldns_rr_type rt = ldns_get_rr_type_by_name(tname);
        if (rt == 0) {
                g_free(buf);
                *why = "unknown type";
                return DG_EPARSE;
        }
        out->type = (uint16_t)rt;
        while (*p == ' ' || *p == '\t')
                p++;
        if (*p == '\0') {
                g_free(buf);
                *why = "missing rdata";
                return DG_EPARSE;
        }
        if (*p == '(' || strchr(p, '(') != NULL) {
                /* parentheses outside quotes mean a multi-line record */
                bool q = false;
                for (const char *c = p; *c; c++) {
                        if (*c == '"')
                                q = !q;
                        else if (*c == '(' && !q) {
                                g_free(buf);
                                *why = "multi-line records (parentheses) are not supported";
                                return DG_EPARSE;
                        }
                }
        }
        out->rdata = (char *)p;
        out->buf_ = buf;
        return 1;
}
