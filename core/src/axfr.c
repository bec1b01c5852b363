/* AXFR (RFC 5936) as a sans-I/O state machine, and a blocking TCP driver.
 *
 * The stream is a sequence of 2-octet length prefixed messages (RFC 1035
 * 4.2.2). A transfer is the zone's SOA, the other records, and the same SOA
 * again (RFC 5936 2.2). ldns parses each message; nothing here uses ldns's
 * resolver or AXFR calls, which block. */
#include "dnsglean/axfr.h"

#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "xfr_int.h"

#define DEF_MAX_BYTES (512ull << 20)
#define DEF_MAX_RECORDS 10000000ull
#define DEF_MAX_MESSAGES 1000000ull
#define DEF_TIMEOUT_MS 120000u
#define DEF_IDLE_MS 15000u

struct dg_axfr {
        uint8_t zone[DGX_NAME_MAX];
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
        uint8_t w[DGX_NAME_MAX];
        int n = dgx_name_parse(zone, w);
        if (n < 0)
                return DG_ENAME;
        dg_axfr_t *x = g_new0(dg_axfr_t, 1);
        memcpy(x->zone, w, (size_t)n);
        x->zlen = (size_t)n;
        x->zone_str = dgx_name_str(w, (size_t)n);
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
                uint64_t s = dgx_seed();
                x->id = (uint16_t)(dgx_rand(&s) | 1);
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
        int n = dgx_build_query(buf + 2, cap - 2, x->id, x->zone, x->zlen, 252 /* AXFR */, 0);
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

static void type_name(uint16_t t, char *buf, size_t cap)
{
        char *s = ldns_rr_type2str((ldns_rr_type)t);
        g_strlcpy(buf, s ? s : "?", cap);
        free(s);
}

static void store(dg_axfr_t *x, const ldns_rr *rr)
{
        dg_axfr_rr_t r = {
            .owner = rr_owner_str(rr),
            .type = (uint16_t)ldns_rr_get_type(rr),
            .rclass = (uint16_t)ldns_rr_get_class(rr),
            .ttl = ldns_rr_ttl(rr),
            .rdata = dgx_rr_rdata_str(rr),
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

/* Handles one complete message of x->msglen octets in x->msg. */
static int process_msg(dg_axfr_t *x)
{
        const uint8_t *m = x->msg;
        size_t len = x->msglen;
        uint64_t nmsg = ++x->info.messages;
        if (nmsg > x->o.max_messages)
                return fail(x, DG_ELIMIT, "more than %llu messages",
                            (unsigned long long)x->o.max_messages);
        if (len < 12)
                return fail(x, DG_EMALFORMED, "message %llu is %zu octets, shorter than a header",
                            (unsigned long long)nmsg, len);
        uint16_t id = (uint16_t)(m[0] << 8 | m[1]);
        unsigned flags = (unsigned)m[2] << 8 | m[3];
        x->info.rcode = (uint8_t)(flags & 0xf);
        if (id != x->id)
                return fail(x, DG_EMISMATCH, "message %llu has ID %u, the query had %u",
                            (unsigned long long)nmsg, id, x->id);
        if (!(flags & 0x8000u))
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
        if (flags & 0x0200u)
                return fail(x, DG_EMALFORMED, "message %llu has the TC bit set on TCP",
                            (unsigned long long)nmsg);
        ldns_pkt *pkt = NULL;
        ldns_status st = ldns_wire2pkt(&pkt, m, len);
        if (st != LDNS_STATUS_OK)
                return fail(x, DG_EMALFORMED, "message %llu does not parse: %s",
                            (unsigned long long)nmsg, ldns_get_errorstr_by_id(st));
        int ret = DG_AXFR_MORE;
        ldns_rr_list *q = ldns_pkt_question(pkt);
        if (ldns_rr_list_rr_count(q) > 1) {
                ret = fail(x, DG_EMALFORMED, "message %llu has %zu questions",
                           (unsigned long long)nmsg, ldns_rr_list_rr_count(q));
                goto out;
        }
        if (ldns_rr_list_rr_count(q) == 1) {
                const ldns_rr *qr = ldns_rr_list_rr(q, 0);
                uint8_t qn[DGX_NAME_MAX];
                if (dgx_name_from_rdf(ldns_rr_owner(qr), qn) < 0 ||
                    dgx_name_cmp(qn, x->zone) != 0 || ldns_rr_get_type(qr) != LDNS_RR_TYPE_AXFR) {
                        char *o = rr_owner_str(qr);
                        ret = fail(x, DG_EMISMATCH,
                                   "message %llu answers another question (%s type %u)",
                                   (unsigned long long)nmsg, o, (unsigned)ldns_rr_get_type(qr));
                        g_free(o);
                        goto out;
                }
        }
        ldns_rr_list *an = ldns_pkt_answer(pkt);
        size_t nan = ldns_rr_list_rr_count(an);
        if (nmsg == 1 && nan == 0) {
                ret = fail(x, DG_EMALFORMED, "bad SOA sequence: the first message has no records");
                goto out;
        }
        for (size_t i = 0; i < nan; i++) {
                const ldns_rr *rr = ldns_rr_list_rr(an, i);
                uint16_t t = (uint16_t)ldns_rr_get_type(rr);
                uint8_t ow[DGX_NAME_MAX];
                if (dgx_name_from_rdf(ldns_rr_owner(rr), ow) < 0) {
                        ret = fail(x, DG_EMALFORMED, "record with a bad owner name");
                        goto out;
                }
                bool zone_soa = t == LDNS_RR_TYPE_SOA && dgx_name_cmp(ow, x->zone) == 0;
                if (x->status == DG_AXFR_DONE) {
                        char tn[32];
                        type_name(t, tn, sizeof tn);
                        ret = fail(x, DG_EMALFORMED,
                                   "bad SOA sequence: %s record after the closing SOA", tn);
                        goto out;
                }
                if (!x->info.have_soa) {
                        if (!zone_soa) {
                                char tn[32];
                                type_name(t, tn, sizeof tn);
                                char *o = rr_owner_str(rr);
                                ret = fail(x, DG_EMALFORMED,
                                           "bad SOA sequence: the transfer starts with %s %s, "
                                           "not the SOA of %s",
                                           o, tn, x->zone_str);
                                g_free(o);
                                goto out;
                        }
                        x->info.have_soa = true;
                        x->info.serial = soa_serial(rr);
                        store(x, rr);
                        continue;
                }
                if (zone_soa) {
                        uint32_t s = soa_serial(rr);
                        if (s != x->info.serial) {
                                ret = fail(x, DG_EMALFORMED,
                                           "bad SOA sequence: SOA serial %u after serial %u "
                                           "(incremental or inconsistent transfer)",
                                           s, x->info.serial);
                                goto out;
                        }
                        x->status = DG_AXFR_DONE;
                        continue;
                }
                if (!dgx_name_under(ow, x->zone)) {
                        x->info.ignored++;
                        continue;
                }
                if ((uint64_t)x->rrs->len >= x->o.max_records) {
                        ret = fail(x, DG_ELIMIT, "more than %llu records",
                                   (unsigned long long)x->o.max_records);
                        goto out;
                }
                store(x, rr);
        }
        ret = x->status;
out:
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
        char tn[32], *cl = ldns_rr_class2str((ldns_rr_class)rr->rclass);
        type_name(rr->type, tn, sizeof tn);
        char *s = g_strdup_printf("%s\t%u\t%s\t%s\t%s", rr->owner, rr->ttl, cl ? cl : "IN", tn,
                                  rr->rdata);
        free(cl);
        return s;
}

int dg_axfr_run(dg_axfr_t *x, const struct sockaddr *sa, socklen_t salen,
                volatile sig_atomic_t *stop)
{
        uint8_t q[2 + 12 + DGX_NAME_MAX + 4];
        uint64_t now = dgx_now_ms();
        int qn = dg_axfr_query(x, now, q, sizeof q);
        if (qn < 0)
                return qn;
        uint64_t deadline = now + MIN(x->o.timeout_ms, x->o.idle_ms);
        int fd = dgx_tcp_connect(sa, salen, deadline, stop);
        if (fd < 0) {
                if (fd == DG_EIO)
                        return fail(x, DG_EIO, "cannot connect: %s", g_strerror(errno));
                if (fd == DG_ETIMEOUT)
                        return fail(x, DG_ETIMEOUT, "TCP connect timed out");
                return fail(x, fd, "%s", dg_strerror(fd));
        }
        int r = dgx_send_all(fd, q, (size_t)qn, deadline, stop);
        if (r < 0) {
                if (r == DG_EIO)
                        fail(x, DG_EIO, "cannot send the query: %s", g_strerror(errno));
                else
                        fail(x, r, "cannot send the query: %s", dg_strerror(r));
                close(fd);
                return r;
        }
        uint8_t *buf = g_malloc(65536);
        r = DG_AXFR_MORE;
        while (r == DG_AXFR_MORE) {
                now = dgx_now_ms();
                r = dg_axfr_tick(x, now);
                if (r != DG_AXFR_MORE)
                        break;
                int64_t wait = dg_axfr_next_timeout(x, now);
                int w = dgx_wait_readable(fd, now + (uint64_t)(wait < 0 ? 0 : wait), stop);
                if (w == DG_ETIMEOUT)
                        continue; /* the tick above reports it */
                if (w < 0) {
                        r = w == DG_EINTR ? fail(x, DG_EINTR, "interrupted")
                                          : fail(x, DG_EIO, "poll: %s", g_strerror(errno));
                        break;
                }
                ssize_t n = recv(fd, buf, 65536, 0);
                if (n > 0) {
                        r = dg_axfr_feed(x, dgx_now_ms(), buf, (size_t)n);
                } else if (n == 0) {
                        r = dg_axfr_eof(x);
                } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                        r = fail(x, DG_EIO, "recv: %s", g_strerror(errno));
                }
        }
        g_free(buf);
        close(fd);
        return r;
}
