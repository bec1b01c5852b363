/* AXFR (RFC 5936) as a sans-I/O state machine (its blocking TCP driver is
 * in loop_xfr.c).
 *
 * The stream is a sequence of 2-octet length prefixed messages (RFC 1035
 * 4.2.2). A transfer is the zone's SOA, the other records, and the same SOA
 * again (RFC 5936 2.2). ldns parses each message; nothing here uses ldns's
 * resolver or AXFR calls, which block. */
#include "dnsglean/axfr.h"

#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "wire_int.h"

#define DEF_MAX_BYTES (512ull << 20)
#define DEF_MAX_RECORDS 10000000ull
#define DEF_MAX_MESSAGES 1000000ull
#define DEF_TIMEOUT_MS 120000u
#define DEF_IDLE_MS 15000u

struct dg_axfr {
        uint8_t zone[DG_NAME_WIRE_MAX];
        size_t zlen;
        char *zone_str;
        dg_axfr_opts_t o;
        uint16_t id;
        bool started;
        uint64_t t_start, t_last;
        int status;
        char errmsg[320];
        /* framing */
        uint8_t lenbuf[2];
        size_t lenhave;
        uint8_t *msg; /* 65535 octets */
        size_t msglen, msghave;
        bool in_body;
        /* content */
        GArray *rrs; /* dg_axfr_rr_t */
        dg_axfr_info_t info;
};

void dg_axfr_opts_init(dg_axfr_opts_t *o)
{
        memset(o, 0, sizeof *o);
}

static void rr_clear(gpointer p)
{
        dg_axfr_rr_t *rr = p;
        g_free(rr->owner);
        g_free(rr->rdata);
}

int dg_axfr_new(const char *zone, const dg_axfr_opts_t *opts, dg_axfr_t **out)
{
        if (zone == NULL || out == NULL)
                return DG_EINVAL;
        uint8_t w[DG_NAME_WIRE_MAX];
        int n = dg_wire_name_parse(zone, w);
        if (n < 0)
                return DG_ENAME;
        dg_axfr_t *x = g_new0(dg_axfr_t, 1);
        memcpy(x->zone, w, (size_t)n);
        x->zlen = (size_t)n;
        x->zone_str = dg_wire_name_dup(w);
        if (opts != NULL)
                x->o = *opts;
        if (x->o.max_bytes == 0)
                x->o.max_bytes = DEF_MAX_BYTES;
        if (x->o.max_records == 0)
                x->o.max_records = DEF_MAX_RECORDS;
        if (x->o.max_messages == 0)
                x->o.max_messages = DEF_MAX_MESSAGES;
        if (x->o.timeout_ms == 0)
                x->o.timeout_ms = DEF_TIMEOUT_MS;
        if (x->o.idle_ms == 0)
                x->o.idle_ms = DEF_IDLE_MS;
        x->id = x->o.id;
        if (x->id == 0) {
                uint64_t s = dg_rng_seed();
                x->id = (uint16_t)(dg_rng_next(&s) | 1);
        }
        x->msg = g_malloc(65536);
        x->rrs = g_array_new(FALSE, TRUE, sizeof(dg_axfr_rr_t));
        g_array_set_clear_func(x->rrs, rr_clear);
        x->info.rcode = 255;
        x->status = DG_AXFR_MORE;
        *out = x;
        return DG_OK;
}

void dg_axfr_free(dg_axfr_t *x)
{
        if (x == NULL)
                return;
        g_array_free(x->rrs, TRUE);
        g_free(x->msg);
        g_free(x->zone_str);
        g_free(x);
}

int dg_axfr_query(dg_axfr_t *x, uint64_t now_ms, uint8_t *buf, size_t cap)
{
        if (cap < 2)
                return DG_ESPACE;
        int n = dg_wire_build_query(buf + 2, cap - 2, x->id, x->zone, DG_T_AXFR, DG_CLASS_IN, 0, 0);
        if (n < 0)
                return n;
        buf[0] = (uint8_t)(n >> 8);
        buf[1] = (uint8_t)n;
        x->started = true;
        x->t_start = x->t_last = now_ms;
        return n + 2;
}

/* Sets the sticky error with a formatted detail; returns err. */
G_GNUC_PRINTF(3, 4)
static int fail(dg_axfr_t *x, int err, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        g_vsnprintf(x->errmsg, sizeof x->errmsg, fmt, ap);
        va_end(ap);
        x->status = err;
        return err;
}

static char *rr_owner_str(const ldns_rr *rr)
{
        char *s = ldns_rdf2str(ldns_rr_owner(rr));
        char *r = g_strdup(s ? s : "?");
        free(s);
        return r;
}

static void store(dg_axfr_t *x, const ldns_rr *rr)
{
        dg_axfr_rr_t r = {
            .owner = rr_owner_str(rr),
            .type = (uint16_t)ldns_rr_get_type(rr),
            .rclass = (uint16_t)ldns_rr_get_class(rr),
            .ttl = ldns_rr_ttl(rr),
            .rdata = dg_wire_ldns_rdata(rr),
        };
        g_array_append_val(x->rrs, r);
}

static uint32_t soa_serial(const ldns_rr *rr)
{
        const ldns_rdf *f = ldns_rr_rdf(rr, 2);
        if (f == NULL || ldns_rdf_size(f) != 4)
                return 0;
        const uint8_t *d = ldns_rdf_data(f);
        return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

/* Checks the header of message nmsg (x->msglen octets in x->msg). Returns
 * DG_AXFR_MORE or the sticky error. */
static int check_header(dg_axfr_t *x, uint64_t nmsg)
{
        const uint8_t *m = x->msg;
        if (nmsg > x->o.max_messages)
                return fail(x, DG_ELIMIT, "more than %llu messages",
                            (unsigned long long)x->o.max_messages);
        if (x->msglen < DG_HDR_LEN)
                return fail(x, DG_EMALFORMED, "message %llu is %zu octets, shorter than a header",
                            (unsigned long long)nmsg, x->msglen);
        uint16_t id = (uint16_t)(m[0] << 8 | m[1]);
        unsigned flags = (unsigned)m[2] << 8 | m[3];
        x->info.rcode = (uint8_t)(flags & 0xf);
        if (id != x->id)
                return fail(x, DG_EMISMATCH, "message %llu has ID %u, the query had %u",
                            (unsigned long long)nmsg, id, x->id);
        if (!(flags & DG_FLAG_QR))
                return fail(x, DG_EMALFORMED, "message %llu is not a response (QR clear)",
                            (unsigned long long)nmsg);
        if (((flags >> 11) & 0xf) != 0)
                return fail(x, DG_EMALFORMED, "message %llu has opcode %u",
                            (unsigned long long)nmsg, (flags >> 11) & 0xf);
        if ((flags & 0xf) != 0) {
                char *rc = ldns_pkt_rcode2str((ldns_pkt_rcode)(flags & 0xf));
                fail(x, DG_EREFUSED, "server answered %s", rc ? rc : "an error");
                free(rc);
                return DG_EREFUSED;
        }
        if (flags & DG_FLAG_TC)
                return fail(x, DG_EMALFORMED, "message %llu has the TC bit set on TCP",
                            (unsigned long long)nmsg);
        return DG_AXFR_MORE;
}

/* Checks the question section (none, or the zone's AXFR). */
static int check_question(dg_axfr_t *x, const ldns_pkt *pkt, uint64_t nmsg)
{
        const ldns_rr_list *q = ldns_pkt_question(pkt);
        if (ldns_rr_list_rr_count(q) > 1)
                return fail(x, DG_EMALFORMED, "message %llu has %zu questions",
                            (unsigned long long)nmsg, ldns_rr_list_rr_count(q));
        if (ldns_rr_list_rr_count(q) == 0)
                return DG_AXFR_MORE;
        const ldns_rr *qr = ldns_rr_list_rr(q, 0);
        uint8_t qn[DG_NAME_WIRE_MAX];
        if (dg_wire_name_from_rdf(ldns_rr_owner(qr), qn) >= 0 && dg_name_cmp(qn, x->zone) == 0 &&
            ldns_rr_get_type(qr) == LDNS_RR_TYPE_AXFR)
                return DG_AXFR_MORE;
        char *o = rr_owner_str(qr);
        int r = fail(x, DG_EMISMATCH, "message %llu answers another question (%s type %u)",
                     (unsigned long long)nmsg, o, (unsigned)ldns_rr_get_type(qr));
        g_free(o);
        return r;
}

/* The first record must be the zone's SOA. */
static int take_first(dg_axfr_t *x, const ldns_rr *rr, bool zone_soa)
{
        if (!zone_soa) {
                char *o = rr_owner_str(rr);
                int r = fail(x, DG_EMALFORMED,
                             "bad SOA sequence: the transfer starts with %s %s, not the SOA of %s",
                             o, dg_rrtype_str((uint16_t)ldns_rr_get_type(rr)), x->zone_str);
                g_free(o);
                return r;
        }
        x->info.have_soa = true;
        x->info.serial = soa_serial(rr);
        store(x, rr);
        return DG_AXFR_MORE;
}

/* Takes one answer record in transfer order. Returns x->status or the
 * sticky error. */
static int take_record(dg_axfr_t *x, const ldns_rr *rr)
{
        uint16_t t = (uint16_t)ldns_rr_get_type(rr);
        uint8_t ow[DG_NAME_WIRE_MAX];
        if (dg_wire_name_from_rdf(ldns_rr_owner(rr), ow) < 0)
                return fail(x, DG_EMALFORMED, "record with a bad owner name");
        bool zone_soa = t == LDNS_RR_TYPE_SOA && dg_name_cmp(ow, x->zone) == 0;
        if (x->status == DG_AXFR_DONE)
                return fail(x, DG_EMALFORMED, "bad SOA sequence: %s record after the closing SOA",
                            dg_rrtype_str(t));
        if (!x->info.have_soa)
                return take_first(x, rr, zone_soa);
        if (zone_soa) {
                uint32_t s = soa_serial(rr);
                if (s != x->info.serial)
                        return fail(x, DG_EMALFORMED,
                                    "bad SOA sequence: SOA serial %u after serial %u "
                                    "(incremental or inconsistent transfer)",
                                    s, x->info.serial);
                x->status = DG_AXFR_DONE;
                return x->status;
        }
        if (!dg_name_is_under(ow, x->zone)) {
                x->info.ignored++;
                return x->status;
        }
        if ((uint64_t)x->rrs->len >= x->o.max_records)
                return fail(x, DG_ELIMIT, "more than %llu records",
                            (unsigned long long)x->o.max_records);
        store(x, rr);
        return x->status;
}

/* Handles one complete message of x->msglen octets in x->msg. */
static int process_msg(dg_axfr_t *x)
{
        uint64_t nmsg = ++x->info.messages;
        int ret = check_header(x, nmsg);
        if (ret < 0)
                return ret;
        ldns_pkt *pkt = NULL;
        ldns_status st = ldns_wire2pkt(&pkt, x->msg, x->msglen);
        if (st != LDNS_STATUS_OK)
                return fail(x, DG_EMALFORMED, "message %llu does not parse: %s",
                            (unsigned long long)nmsg, ldns_get_errorstr_by_id(st));
        ret = check_question(x, pkt, nmsg);
        const ldns_rr_list *an = ldns_pkt_answer(pkt);
        size_t nan = ldns_rr_list_rr_count(an);
        if (ret >= 0 && nmsg == 1 && nan == 0)
                ret = fail(x, DG_EMALFORMED, "bad SOA sequence: the first message has no records");
        for (size_t i = 0; ret >= 0 && i < nan; i++)
                ret = take_record(x, ldns_rr_list_rr(an, i));
        if (ret >= 0)
                ret = x->status;
        ldns_pkt_free(pkt);
        return ret;
}

int dg_axfr_feed(dg_axfr_t *x, uint64_t now_ms, const uint8_t *data, size_t len)
{
        if (x->status < 0)
                return x->status;
        if (!x->started)
                return fail(x, DG_EINVAL, "data fed before the query was built");
        if (len > 0)
                x->t_last = now_ms;
        x->info.bytes += len;
        if (x->info.bytes > x->o.max_bytes)
                return fail(x, DG_ELIMIT, "more than %llu octets",
                            (unsigned long long)x->o.max_bytes);
        size_t off = 0;
        while (off < len) {
                if (x->status == DG_AXFR_DONE)
                        return fail(x, DG_EMALFORMED, "%zu octets after the closing SOA",
                                    len - off);
                if (!x->in_body) {
                        x->lenbuf[x->lenhave++] = data[off++];
                        if (x->lenhave < 2)
                                continue;
                        x->msglen = (size_t)x->lenbuf[0] << 8 | x->lenbuf[1];
                        x->lenhave = 0;
                        x->msghave = 0;
                        if (x->msglen < 12)
                                return fail(x, DG_EMALFORMED,
                                            "TCP frame of %zu octets, shorter than a header",
                                            x->msglen);
                        x->in_body = true;
                        continue;
                }
                /* copy as much of the body as is there */
                size_t take = MIN(len - off, x->msglen - x->msghave);
                memcpy(x->msg + x->msghave, data + off, take);
                x->msghave += take;
                off += take;
                if (x->msghave == x->msglen) {
                        x->in_body = false;
                        int r = process_msg(x);
                        if (r < 0)
                                return r;
                }
        }
        return x->status;
}

int dg_axfr_eof(dg_axfr_t *x)
{
        if (x->status != DG_AXFR_MORE)
                return x->status;
        if (x->in_body || x->lenhave > 0)
                return fail(x, DG_ECLOSED,
                            "connection closed in the middle of message %llu (%zu of %zu octets)",
                            (unsigned long long)x->info.messages + 1, x->msghave, x->msglen);
        if (x->info.messages == 0)
                return fail(x, DG_ECLOSED, "connection closed before any answer");
        return fail(x, DG_ECLOSED,
                    "connection closed before the closing SOA (%u records, %llu messages)",
                    x->rrs->len, (unsigned long long)x->info.messages);
}

int dg_axfr_tick(dg_axfr_t *x, uint64_t now_ms)
{
        if (x->status != DG_AXFR_MORE || !x->started)
                return x->status;
        if (now_ms - x->t_start >= x->o.timeout_ms)
                return fail(x, DG_ETIMEOUT, "transfer not finished after %u ms (%u records)",
                            x->o.timeout_ms, x->rrs->len);
        if (now_ms - x->t_last >= x->o.idle_ms)
                return fail(x, DG_ETIMEOUT, "no data from the server for %u ms (%u records)",
                            x->o.idle_ms, x->rrs->len);
        return DG_AXFR_MORE;
}

int64_t dg_axfr_next_timeout(const dg_axfr_t *x, uint64_t now_ms)
{
        if (x->status != DG_AXFR_MORE)
                return -1;
        uint64_t a = x->t_start + x->o.timeout_ms, b = x->t_last + x->o.idle_ms;
        uint64_t d = a < b ? a : b;
        return d > now_ms ? (int64_t)(d - now_ms) : 0;
}

int dg_axfr_status(const dg_axfr_t *x)
{
        return x->status;
}

const char *dg_axfr_errmsg(const dg_axfr_t *x)
{
        return x->status < 0 ? x->errmsg : "";
}

size_t dg_axfr_count(const dg_axfr_t *x)
{
        return x->rrs->len;
}

const dg_axfr_rr_t *dg_axfr_record(const dg_axfr_t *x, size_t i)
{
        if (i >= x->rrs->len)
                return NULL;
        return &g_array_index(x->rrs, dg_axfr_rr_t, i);
}

void dg_axfr_info(const dg_axfr_t *x, dg_axfr_info_t *out)
{
        *out = x->info;
}

char *dg_axfr_rr_line(const dg_axfr_rr_t *rr)
{
        char *cl = ldns_rr_class2str((ldns_rr_class)rr->rclass);
        char *s = g_strdup_printf("%s\t%u\t%s\t%s\t%s", rr->owner, rr->ttl, cl ? cl : "IN",
                                  dg_rrtype_str(rr->type), rr->rdata);
        free(cl);
        return s;
}

int dg_axfr_abort(dg_axfr_t *x, int err, const char *msg)
{
        if (x->status < 0)
                return x->status;
        if (err >= 0)
                err = DG_EIO;
        return fail(x, err, "%s", msg != NULL ? msg : dg_strerror(err));
}
