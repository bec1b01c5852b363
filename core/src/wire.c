/* Wire format: names, query building and a zero-allocation response parser.
 * Every read goes through explicit bounds checks; no unaligned casts. */
#include "dnsglean/wire.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <glib.h>
#include <ldns/ldns.h>

#include "util.h"
#include "wire_int.h"

static inline uint16_t rd16(const uint8_t *p)
{
        return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
        return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void wr16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

int dg_name_from_str(const char *s, size_t len, uint8_t *wire)
{
        if (len == 1 && s[0] == '.') {
                wire[0] = 0;
                return 1;
        }
        if (len == 0)
                return DG_ENAME;
        size_t out = 0;    /* write position */
        size_t lab = 0;    /* position of the current label's length octet */
        size_t lablen = 0; /* octets in the current label */
        wire[0] = 0;
        out = 1;
        for (size_t i = 0; i < len; i++) {
                uint8_t c = (uint8_t)s[i];
                if (c == '.') {
                        if (lablen == 0)
                                return DG_ENAME; /* empty label */
                        wire[lab] = (uint8_t)lablen;
                        if (i + 1 == len)
                                break; /* trailing dot */
                        if (out >= DG_NAME_WIRE_MAX)
                                return DG_ENAME;
                        lab = out++;
                        lablen = 0;
                        continue;
                }
                if (c == '\\') {
                        if (i + 1 >= len)
                                return DG_ENAME;
                        if (isdigit((unsigned char)s[i + 1])) {
                                if (i + 3 >= len)
                                        return DG_ENAME;
                                if (!isdigit((unsigned char)s[i + 2]) ||
                                    !isdigit((unsigned char)s[i + 3]))
                                        return DG_ENAME;
                                int v = (s[i + 1] - '0') * 100 + (s[i + 2] - '0') * 10 +
                                        (s[i + 3] - '0');
                                if (v > 255)
                                        return DG_ENAME;
                                c = (uint8_t)v;
                                i += 3;
                        } else {
                                c = (uint8_t)s[++i];
                        }
                }
                if (lablen >= DG_LABEL_MAX || out >= DG_NAME_WIRE_MAX - 1)
                        return DG_ENAME;
                wire[out++] = c;
                lablen++;
        }
        if (lablen > 0)
                wire[lab] = (uint8_t)lablen;
        if (out >= DG_NAME_WIRE_MAX)
                return DG_ENAME;
        wire[out++] = 0;
        return (int)out;
}

int dg_name_len(const uint8_t *wire, size_t max)
{
        size_t p = 0;
        while (p < max) {
                uint8_t l = wire[p];
                if (l == 0)
                        return (p + 1 <= DG_NAME_WIRE_MAX) ? (int)(p + 1) : DG_ENAME;
                if (l > DG_LABEL_MAX)
                        return DG_ENAME;
                p += 1u + l;
        }
        return DG_ENAME;
}

/* Writes octet c of a label in presentation format (RFC 1035 5.1) at out;
 * returns the characters written (1, 2 or 4). */
static inline size_t label_char(uint8_t c, char *out)
{
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
                out[0] = (char)c; /* nearly every octet of a real name */
                return 1;
        }
        if (c == '.' || c == '\\' || c == '"' || c == ';' || c == '(' || c == ')' || c == '@' ||
            c == '$') {
                out[0] = '\\';
                out[1] = (char)c;
                return 2;
        }
        if (c <= 0x20 || c >= 0x7f) {
                out[0] = '\\';
                out[1] = (char)('0' + c / 100);
                out[2] = (char)('0' + c / 10 % 10);
                out[3] = (char)('0' + c % 10);
                return 4;
        }
        out[0] = (char)c;
        return 1;
}

int dg_name_to_str(const uint8_t *wire, char *buf, size_t cap)
{
        size_t o = 0;
        size_t p = 0;
        if (cap < 2)
                return DG_ESPACE;
        if (wire[0] == 0) {
                buf[0] = '.';
                buf[1] = 0;
                return 1;
        }
        while (wire[p] != 0) {
                uint8_t l = wire[p++];
                if (l > DG_LABEL_MAX || p + l > DG_NAME_WIRE_MAX)
                        return DG_ENAME;
                if (o + 4u * l + 2 > cap) { /* might not fit: check each octet */
                        for (uint8_t i = 0; i < l; i++) {
                                char tmp[4];
                                size_t n = label_char(wire[p + i], tmp);
                                if (o + n + 2 > cap)
                                        return DG_ESPACE;
                                memcpy(buf + o, tmp, n);
                                o += n;
                        }
                } else {
                        for (uint8_t i = 0; i < l; i++)
                                o += label_char(wire[p + i], buf + o);
                }
                p += l;
                buf[o++] = '.';
        }
        buf[o] = 0;
        return (int)o;
}

bool dg_name_equal(const uint8_t *a, const uint8_t *b)
{
        /* structural comparison */
        size_t p = 0;
        for (;;) {
                uint8_t la = a[p], lb = b[p];
                if (la != lb)
                        return false;
                if (la == 0)
                        return true;
                /* mostly the same octets (an answer echoes the question
                 * as asked): the case is folded only when they differ */
                if (memcmp(a + p + 1, b + p + 1, la) != 0)
                        for (uint8_t i = 1; i <= la; i++)
                                if (dg_lower(a[p + i]) != dg_lower(b[p + i]))
                                        return false;
                p += 1u + la;
                if (p >= DG_NAME_WIRE_MAX)
                        return false;
        }
}

int dg_name_labels(const uint8_t *wire)
{
        int n = 0;
        size_t p = 0;
        while (wire[p] != 0 && p < DG_NAME_WIRE_MAX) {
                p += 1u + wire[p];
                n++;
        }
        return n;
}

bool dg_name_is_under(const uint8_t *child, const uint8_t *parent)
{
        int cl = dg_name_labels(child), pl = dg_name_labels(parent);
        if (cl < pl)
                return false;
        size_t p = 0;
        for (int i = 0; i < cl - pl; i++)
                p += 1u + child[p];
        return dg_name_equal(child + p, parent);
}

int dg_name_prepend(const uint8_t *label, size_t label_len, const uint8_t *parent, uint8_t *out)
{
        int plen = dg_name_len(parent, DG_NAME_WIRE_MAX);
        if (plen < 0 || label_len == 0 || label_len > DG_LABEL_MAX ||
            1 + label_len + (size_t)plen > DG_NAME_WIRE_MAX)
                return DG_ENAME;
        memmove(out + 1 + label_len, parent, (size_t)plen);
        out[0] = (uint8_t)label_len;
        memcpy(out + 1, label, label_len);
        return (int)(1 + label_len + (size_t)plen);
}

void dg_name_lower(uint8_t *wire)
{
        /* length octets (0..63) are below 'A': a well-formed name is folded
         * octet by octet in one pass over its whole length */
        size_t p = 0;
        while (p < DG_NAME_WIRE_MAX && wire[p] != 0 && wire[p] <= DG_LABEL_MAX)
                p += 1u + wire[p];
        if (p < DG_NAME_WIRE_MAX && wire[p] == 0) {
                for (size_t i = 0; i < p; i++)
                        wire[i] = dg_lower(wire[i]);
                return;
        }
        p = 0;
        while (p < DG_NAME_WIRE_MAX && wire[p] != 0) {
                uint8_t l = wire[p];
                for (uint8_t i = 1; i <= l && p + i < DG_NAME_WIRE_MAX; i++)
                        wire[p + i] = dg_lower(wire[p + i]);
                p += 1u + l;
        }
}

int dg_label_check(const char *s, size_t len)
{
        if (len == 0 || len > DG_LABEL_MAX)
                return DG_ENAME;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];
                if (!(isalnum(c) || c == '-' || c == '_'))
                        return DG_ENAME;
        }
        return DG_OK;
}

uint64_t dg_name_hash(const uint8_t *wire)
{
        int len = dg_name_len(wire, DG_NAME_WIRE_MAX);
        return dg_fnv_lower(DG_FNV_INIT, wire, len > 0 ? (size_t)len : 0);
}

/* Offsets of the labels of a well-formed wire name; returns their count. */
static int label_offsets(const uint8_t *w, size_t off[128])
{
        int n = 0;
        size_t p = 0;
        while (w[p] != 0 && n < 128 && p < DG_NAME_WIRE_MAX) {
                off[n++] = p;
                p += 1u + w[p];
        }
        return n;
}

/* Compares two labels as RFC 4034 section 6.1 says: octet by octet with
 * letters lowercased, a shorter label first when one is a prefix. */
static int label_cmp(const uint8_t *a, const uint8_t *b)
{
        size_t n = a[0] < b[0] ? a[0] : b[0];
        for (size_t k = 1; k <= n; k++) {
                uint8_t ca = dg_lower(a[k]), cb = dg_lower(b[k]);
                if (ca != cb)
                        return ca < cb ? -1 : 1;
        }
        return a[0] == b[0] ? 0 : (a[0] < b[0] ? -1 : 1);
}

int dg_name_cmp(const uint8_t *a, const uint8_t *b)
{
        size_t oa[128], ob[128];
        int i = label_offsets(a, oa) - 1, j = label_offsets(b, ob) - 1;
        for (; i >= 0 && j >= 0; i--, j--) {
                int c = label_cmp(a + oa[i], b + ob[j]);
                if (c != 0)
                        return c;
        }
        if (i < 0 && j < 0)
                return 0;
        return i < 0 ? -1 : 1;
}

int dg_wire_name_from_rdf(const ldns_rdf *rdf, uint8_t *out)
{
        if (rdf == NULL || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
                return DG_ENAME;
        size_t n = ldns_rdf_size(rdf);
        if (n == 0 || n > DG_NAME_WIRE_MAX)
                return DG_ENAME;
        memcpy(out, ldns_rdf_data(rdf), n);
        if (dg_name_len(out, n) != (int)n)
                return DG_ENAME;
        dg_name_lower(out);
        return (int)n;
}

int dg_wire_name_parse(const char *s, uint8_t *out)
{
        if (s == NULL)
                return DG_ENAME;
        int n = dg_name_from_str(s, strlen(s), out);
        if (n > 0)
                dg_name_lower(out);
        return n;
}

char *dg_wire_name_dup(const uint8_t *wire)
{
        char buf[DG_NAME_STR_MAX];
        if (dg_name_len(wire, DG_NAME_WIRE_MAX) < 0 || dg_name_to_str(wire, buf, sizeof buf) < 0)
                return NULL;
        return g_strdup(buf);
}

char *dg_wire_ldns_rdata(const ldns_rr *rr)
{
        GString *s = g_string_new(NULL);
        for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
                char *f = ldns_rdf2str(ldns_rr_rdf(rr, i));
                if (i > 0)
                        g_string_append_c(s, ' ');
                g_string_append(s, f ? f : "?");
                free(f);
        }
        return g_string_free(s, FALSE);
}

int dg_b32hex_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
        char tmp[416]; /* 255 octets: 408 characters with padding, and NUL */
        size_t want = (len * 8 + 4) / 5;
        if (len > 255 || cap < want + 1)
                return DG_ESPACE;
        if (len == 0) {
                out[0] = '\0';
                return 0;
        }
        int n = ldns_b32_ntop_extended_hex(in, len, tmp, sizeof tmp);
        if (n < (int)want)
                return DG_ESPACE;
        memcpy(out, tmp, want); /* drop the '=' padding */
        out[want] = '\0';
        return (int)want;
}

int dg_b32hex_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
        char tmp[416];
        size_t rem = len % 8;
        /* unpadded lengths RFC 4648 allows: 0, 2, 4, 5 or 7 characters over */
        if (len == 0 || len > 400 || rem == 1 || rem == 3 || rem == 6 || memchr(in, '=', len))
                return len == 0 ? 0 : DG_EPARSE;
        memcpy(tmp, in, len);
        size_t padded = len + (rem ? 8 - rem : 0);
        memset(tmp + len, '=', padded - len);
        tmp[padded] = '\0';
        int n = ldns_b32_pton_extended_hex(tmp, padded, out, cap);
        return n < 0 ? DG_EPARSE : n;
}

int dg_wire_build_query(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *qname, uint16_t qtype,
                        uint16_t qclass, unsigned flags, uint16_t edns_payload)
{
        int nlen = dg_name_len(qname, DG_NAME_WIRE_MAX);
        if (nlen < 0)
                return DG_ENAME;
        size_t need = DG_HDR_LEN + (size_t)nlen + 4 + ((flags & DG_Q_EDNS) ? 11 : 0);
        if (need > cap)
                return DG_ESPACE;
        uint16_t f = 0;
        if (flags & DG_Q_RD)
                f |= DG_FLAG_RD;
        if (flags & DG_Q_CD)
                f |= DG_FLAG_CD;
        wr16(buf, id);
        wr16(buf + 2, f);
        wr16(buf + 4, 1);
        wr16(buf + 6, 0);
        wr16(buf + 8, 0);
        wr16(buf + 10, (flags & DG_Q_EDNS) ? 1 : 0);
        memcpy(buf + DG_HDR_LEN, qname, (size_t)nlen);
        uint8_t *p = buf + DG_HDR_LEN + nlen;
        wr16(p, qtype);
        wr16(p + 2, qclass);
        p += 4;
        if (flags & DG_Q_EDNS) {
                p[0] = 0; /* root owner */
                wr16(p + 1, DG_T_OPT);
                wr16(p + 3, edns_payload ? edns_payload : 1232);
                p[5] = 0; /* extended rcode */
                p[6] = 0; /* version */
                wr16(p + 7, (flags & DG_Q_DO) ? 0x8000 : 0);
                wr16(p + 9, 0); /* rdlen */
        }
        return (int)need;
}

int dg_wire_read_name(const uint8_t *msg, size_t len, size_t *pos, uint8_t *out)
{
        size_t p = *pos;
        size_t o = 0;
        size_t end = 0; /* where *pos goes once the first pointer is taken */
        bool jumped = false;
        unsigned hops = 0;
        for (;;) {
                if (p >= len)
                        return DG_EMALFORMED;
                uint8_t l = msg[p];
                if ((l & 0xc0) == 0xc0) {
                        if (p + 1 >= len)
                                return DG_EMALFORMED;
                        size_t target = ((size_t)(l & 0x3f) << 8) | msg[p + 1];
                        /* pointers must go strictly backwards: no loops */
                        if (target >= p || ++hops > 127)
                                return DG_EMALFORMED;
                        if (!jumped) {
                                end = p + 2;
                                jumped = true;
                        }
                        p = target;
                        continue;
                }
                if (l & 0xc0)
                        return DG_EMALFORMED; /* extended label types */
                if (o + 1u + l > DG_NAME_WIRE_MAX || p + 1u + l > len)
                        return DG_EMALFORMED;
                out[o++] = l;
                if (l == 0)
                        break;
                memcpy(out + o, msg + p + 1, l);
                o += l;
                p += 1u + l;
        }
        *pos = jumped ? end : p + 1;
        return (int)o;
}

int dg_wire_parse(const uint8_t *msg, size_t len, dg_wire_msg_t *m)
{
        if (len < DG_HDR_LEN)
                return DG_EMALFORMED;
        m->id = rd16(msg);
        m->flags = rd16(msg + 2);
        m->opcode = (uint8_t)((m->flags >> 11) & 0xf);
        m->rcode = (uint8_t)(m->flags & 0xf);
        m->qdcount = rd16(msg + 4);
        m->ancount = rd16(msg + 6);
        m->nscount = rd16(msg + 8);
        m->arcount = rd16(msg + 10);
        m->qname[0] = 0;
        m->qtype = 0;
        m->qclass = 0;
        size_t pos = DG_HDR_LEN;
        uint8_t scratch[DG_NAME_WIRE_MAX];
        for (unsigned i = 0; i < m->qdcount; i++) {
                int n = dg_wire_read_name(msg, len, &pos, i == 0 ? m->qname : scratch);
                if (n < 0 || pos + 4 > len)
                        return DG_EMALFORMED;
                if (i == 0) {
                        m->qtype = rd16(msg + pos);
                        m->qclass = rd16(msg + pos + 2);
                }
                pos += 4;
        }
        m->body_off = pos;
        return DG_OK;
}

void dg_wire_iter_init(dg_wire_iter_t *it, const uint8_t *msg, size_t len, const dg_wire_msg_t *m)
{
        it->msg = msg;
        it->len = len;
        it->pos = m->body_off;
        it->left[0] = m->ancount;
        it->left[1] = m->nscount;
        it->left[2] = m->arcount;
        it->section = 0;
        it->err = 0;
}

int dg_wire_iter_next(dg_wire_iter_t *it, dg_wire_rr_t *rr)
{
        if (it->err)
                return it->err;
        while (it->section < 3 && it->left[it->section] == 0)
                it->section++;
        if (it->section >= 3)
                return 0;
        rr->rr_off = it->pos;
        int n = dg_wire_read_name(it->msg, it->len, &it->pos, rr->owner);
        if (n < 0 || it->pos + 10 > it->len)
                return it->err = DG_EMALFORMED;
        const uint8_t *p = it->msg + it->pos;
        rr->type = rd16(p);
        rr->rclass = rd16(p + 2);
        rr->ttl = rd32(p + 4);
        rr->rdlen = rd16(p + 8);
        rr->rdata_off = it->pos + 10;
        if (rr->rdata_off + rr->rdlen > it->len)
                return it->err = DG_EMALFORMED;
        it->pos = rr->rdata_off + rr->rdlen;
        rr->section = (dg_section_t)it->section;
        it->left[it->section]--;
        return 1;
}

/* RFC 3597 generic form: "\\# LEN HEX". */
static int rdata_generic(const uint8_t *rd, uint16_t rdlen, char *buf, size_t cap)
{
        int n = snprintf(buf, cap, "\\# %u%s", rdlen, rdlen ? " " : "");
        if (n < 0 || (size_t)n >= cap || (size_t)n + 2u * rdlen + 1 > cap)
                return DG_ESPACE;
        static const char hex[] = "0123456789abcdef";
        for (uint16_t i = 0; i < rdlen; i++) {
                buf[n++] = hex[rd[i] >> 4];
                buf[n++] = hex[rd[i] & 15];
        }
        buf[n] = 0;
        return n;
}

/* Strict check of SVCB/HTTPS rdata (RFC 9460 2.2): priority, uncompressed
 * target, then SvcParams in increasing key order with well-formed values for
 * the keys it defines. Only such rdata goes to ldns 1.8.3's printer, whose
 * SvcParams code is young (it aborted on fuzzed input, see below). */
static bool svcb_ok(const uint8_t *rd, uint16_t rdlen)
{
        const uint8_t *p = rd + 2, *end = rd + rdlen;
        if (rdlen < 3)
                return false;
        size_t nlen = 0;
        while (*p != 0) {
                if (*p > DG_LABEL_MAX || p + 1 + *p >= end || (nlen += 1u + *p) > 254)
                        return false;
                p += 1u + *p;
        }
        p++;
        long last = -1;
        while (p < end) {
                if (end - p < 4)
                        return false;
                unsigned key = rd16(p), vlen = rd16(p + 2);
                const uint8_t *v = p + 4;
                if ((long)key <= last || (size_t)(end - v) < vlen)
                        return false;
                last = key;
                switch (key) {
                case 0: /* mandatory: a list of keys */
                        if (vlen == 0 || vlen % 2)
                                return false;
                        break;
                case 1: /* alpn: non-empty length-prefixed strings */
                        if (vlen == 0)
                                return false;
                        for (unsigned k = 0; k < vlen; k += 1u + v[k])
                                if (v[k] == 0 || k + 1u + v[k] > vlen)
                                        return false;
                        break;
                case 2: /* no-default-alpn */
                        if (vlen != 0)
                                return false;
                        break;
                case 3: /* port */
                        if (vlen != 2)
                                return false;
                        break;
                case 4: /* ipv4hint */
                        if (vlen == 0 || vlen % 4)
                                return false;
                        break;
                case 5: /* ech */
                        if (vlen == 0)
                                return false;
                        break;
                case 6: /* ipv6hint */
                        if (vlen == 0 || vlen % 16)
                                return false;
                        break;
                default:
                        break;
                }
                p = v + vlen;
        }
        return true;
}

int dg_wire_rdata_str(const uint8_t *msg, size_t len, const dg_wire_rr_t *rr, char *buf, size_t cap)
{
        /* Fast paths for the types that fill the hot loop's answers. */
        const uint8_t *rd = msg + rr->rdata_off;
        if (rr->type == DG_T_A && rr->rdlen == 4) {
                int n = snprintf(buf, cap, "%u.%u.%u.%u", rd[0], rd[1], rd[2], rd[3]);
                return (n < 0 || (size_t)n >= cap) ? DG_ESPACE : n;
        }
        if ((rr->type == DG_T_CNAME || rr->type == DG_T_NS || rr->type == DG_T_PTR ||
             rr->type == DG_T_DNAME)) {
                uint8_t nm[DG_NAME_WIRE_MAX];
                size_t pos = rr->rdata_off;
                if (dg_wire_read_name(msg, len, &pos, nm) < 0 || pos != rr->rdata_off + rr->rdlen)
                        return DG_EMALFORMED;
                return dg_name_to_str(nm, buf, cap);
        }
        if ((rr->type == 64 || rr->type == DG_T_HTTPS) && !svcb_ok(rd, rr->rdlen))
                return rdata_generic(rd, rr->rdlen, buf, cap);
        /* General case: ldns knows every type's presentation format. */
        ldns_rr *lr = NULL;
        size_t pos = rr->rr_off;
        if (ldns_wire2rr(&lr, msg, len, &pos, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
                return DG_EMALFORMED;
        /* ldns's SvcParams printer writes characters without reserving
         * room (ldns_buffer_write_char asserts when the buffer is full,
         * aborting the process): size the buffer for the worst case of
         * SVCB/HTTPS output (about 4.5 characters per rdata octet). */
        size_t bcap = 256;
        if (rr->type == 64 || rr->type == DG_T_HTTPS)
                bcap += 8u * rr->rdlen;
        ldns_buffer *b = ldns_buffer_new(bcap);
        if (b == NULL) {
                ldns_rr_free(lr);
                return DG_ENOMEM;
        }
        int rc = DG_OK;
        for (size_t i = 0; i < ldns_rr_rd_count(lr); i++) {
                if (i > 0)
                        ldns_buffer_printf(b, " ");
                if (ldns_rdf2buffer_str(b, ldns_rr_rdf(lr, i)) != LDNS_STATUS_OK) {
                        rc = DG_EMALFORMED;
                        break;
                }
        }
        if (rc == DG_OK) {
                size_t n = ldns_buffer_position(b);
                if (n + 1 > cap) {
                        rc = DG_ESPACE;
                } else {
                        memcpy(buf, ldns_buffer_begin(b), n);
                        buf[n] = 0;
                        rc = (int)n;
                }
        }
        ldns_buffer_free(b);
        ldns_rr_free(lr);
        return rc;
}

const char *dg_rrtype_str(uint16_t type)
{
        static __thread char tmp[16];
        const ldns_rr_descriptor *d = ldns_rr_descript(type);
        if (d != NULL && d->_name != NULL && strncmp(d->_name, "TYPE", 4) != 0)
                return d->_name;
        switch (type) {
        case DG_T_IXFR:
                return "IXFR";
        case DG_T_AXFR:
                return "AXFR";
        case DG_T_ANY:
                return "ANY";
        default:
                break;
        }
        snprintf(tmp, sizeof tmp, "TYPE%u", type);
        return tmp;
}

int dg_rrtype_parse(const char *s)
{
        if (s == NULL || *s == 0)
                return DG_EINVAL;
        if (strncasecmp(s, "TYPE", 4) == 0 && s[4] != 0) {
                char *end = NULL;
                unsigned long v = strtoul(s + 4, &end, 10);
                if (*end != 0 || v == 0 || v > 65535)
                        return DG_EINVAL;
                return (int)v;
        }
        ldns_rr_type t = ldns_get_rr_type_by_name(s);
        if (t == 0)
                return DG_EINVAL;
        return (int)t;
}

const char *dg_rcode_str(unsigned rcode)
{
        static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                            "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                            "NXRRSET", "NOTAUTH", "NOTZONE"};
        static __thread char tmp[16];
        if (rcode < sizeof names / sizeof names[0])
                return names[rcode];
        snprintf(tmp, sizeof tmp, "RCODE%u", rcode);
        return tmp;
}
