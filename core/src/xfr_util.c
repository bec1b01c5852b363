/* Internal helpers of the zone transfer and zone walking modules: wire
 * names, query building, base32hex, and blocking socket helpers with a
 * deadline (non-blocking sockets + poll). */
#include "xfr_int.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dnsglean/common.h"

static inline uint8_t lc(uint8_t c)
{
        return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

int dgx_name_len(const uint8_t *wire, size_t max)
{
        size_t pos = 0;
        for (;;) {
                if (pos >= max || pos >= DGX_NAME_MAX)
                        return -1;
                uint8_t l = wire[pos];
                if (l > 63)
                        return -1;
                pos += 1 + (size_t)l;
                if (l == 0)
                        break;
        }
        return pos <= DGX_NAME_MAX && pos <= max ? (int)pos : -1;
}

int dgx_name_parse(const char *s, uint8_t *out)
{
        if (s == NULL || *s == '\0')
                return DG_ENAME;
        ldns_rdf *rdf = ldns_dname_new_frm_str(s);
        if (rdf == NULL)
                return DG_ENAME;
        int n = dgx_name_from_rdf(rdf, out);
        ldns_rdf_deep_free(rdf);
        return n < 0 ? DG_ENAME : n;
}

int dgx_name_from_rdf(const ldns_rdf *rdf, uint8_t *out)
{
        if (rdf == NULL || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
                return -1;
        size_t n = ldns_rdf_size(rdf);
        if (n == 0 || n > DGX_NAME_MAX)
                return -1;
        memcpy(out, ldns_rdf_data(rdf), n);
        if (dgx_name_len(out, n) != (int)n)
                return -1;
        /* lowercase the label octets, not the length octets */
        for (size_t pos = 0; out[pos] != 0; pos += 1 + (size_t)out[pos])
                for (size_t i = 1; i <= out[pos]; i++)
                        out[pos + i] = lc(out[pos + i]);
        return (int)n;
}

char *dgx_name_str(const uint8_t *wire, size_t len)
{
        if (dgx_name_len(wire, len) < 0)
                return NULL;
        ldns_rdf *rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, len, wire);
        if (rdf == NULL)
                return NULL;
        char *s = ldns_rdf2str(rdf);
        ldns_rdf_deep_free(rdf);
        if (s == NULL)
                return NULL;
        char *r = g_strdup(s);
        free(s);
        return r;
}

/* Splits a wire name into label offsets; returns the label count. */
static int label_offsets(const uint8_t *w, size_t off[128])
{
        int n = 0;
        size_t pos = 0;
        while (w[pos] != 0 && n < 128) {
                off[n++] = pos;
                pos += 1 + (size_t)w[pos];
        }
        return n;
}

int dgx_name_cmp(const uint8_t *a, const uint8_t *b)
{
        size_t oa[128], ob[128];
        int na = label_offsets(a, oa), nb = label_offsets(b, ob);
        int i = na - 1, j = nb - 1;
        for (; i >= 0 && j >= 0; i--, j--) {
                const uint8_t *la = a + oa[i], *lb = b + ob[j];
                size_t n = la[0] < lb[0] ? la[0] : lb[0];
                for (size_t k = 1; k <= n; k++) {
                        uint8_t ca = lc(la[k]), cb = lc(lb[k]);
                        if (ca != cb)
                                return ca < cb ? -1 : 1;
                }
                if (la[0] != lb[0])
                        return la[0] < lb[0] ? -1 : 1;
        }
        if (i < 0 && j < 0)
                return 0;
        return i < 0 ? -1 : 1;
}

bool dgx_name_under(const uint8_t *child, const uint8_t *parent)
{
        size_t oc[128], op[128];
        int nc = label_offsets(child, oc), np = label_offsets(parent, op);
        if (nc < np)
                return false;
        for (int k = 1; k <= np; k++) {
                const uint8_t *lc_ = child + oc[nc - k], *lp = parent + op[np - k];
                if (lc_[0] != lp[0])
                        return false;
                for (size_t t = 1; t <= lp[0]; t++)
                        if (lc(lc_[t]) != lc(lp[t]))
                                return false;
        }
        return true;
}

int dgx_build_query(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *qname, size_t qlen,
                    uint16_t qtype, unsigned flags)
{
        size_t need = 12 + qlen + 4 + ((flags & DGX_Q_DO) ? 11 : 0);
        if (cap < need)
                return DG_ESPACE;
        memset(buf, 0, 12);
        buf[0] = (uint8_t)(id >> 8);
        buf[1] = (uint8_t)id;
        /* flags word 0: opcode QUERY, RD clear (we ask authoritative servers) */
        buf[5] = 1; /* QDCOUNT */
        memcpy(buf + 12, qname, qlen);
        size_t p = 12 + qlen;
        buf[p++] = (uint8_t)(qtype >> 8);
        buf[p++] = (uint8_t)qtype;
        buf[p++] = 0;
        buf[p++] = 1; /* class IN */
        if (flags & DGX_Q_DO) {
                buf[11] = 1; /* ARCOUNT */
                /* OPT RR (RFC 6891): root owner, type 41, payload 1232, DO bit */
                static const uint8_t opt[11] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0};
                memcpy(buf + p, opt, sizeof opt);
                p += sizeof opt;
        }
        return (int)p;
}

static const char b32[] = "0123456789abcdefghijklmnopqrstuv";

int dgx_b32hex_enc(const uint8_t *in, size_t len, char *out, size_t cap)
{
        size_t need = (len * 8 + 4) / 5;
        if (cap < need + 1)
                return DG_ESPACE;
        size_t o = 0;
        uint32_t acc = 0;
        int bits = 0;
        for (size_t i = 0; i < len; i++) {
                acc = (acc << 8) | in[i];
                bits += 8;
                while (bits >= 5) {
                        out[o++] = b32[(acc >> (bits - 5)) & 31];
                        bits -= 5;
                }
        }
        if (bits > 0)
                out[o++] = b32[(acc << (5 - bits)) & 31];
        out[o] = '\0';
        return (int)o;
}

int dgx_b32hex_dec(const char *in, size_t len, uint8_t *out, size_t cap)
{
        size_t o = 0;
        uint32_t acc = 0;
        int bits = 0;
        for (size_t i = 0; i < len; i++) {
                int c = (unsigned char)in[i], v;
                if (c >= '0' && c <= '9')
                        v = c - '0';
                else if (c >= 'a' && c <= 'v')
                        v = c - 'a' + 10;
                else if (c >= 'A' && c <= 'V')
                        v = c - 'A' + 10;
                else
                        return DG_EPARSE;
                acc = (acc << 5) | (uint32_t)v;
                bits += 5;
                if (bits >= 8) {
                        if (o >= cap)
                                return DG_EPARSE;
                        out[o++] = (uint8_t)(acc >> (bits - 8));
                        bits -= 8;
                }
        }
        /* leftover bits must be zero padding */
        if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
                return DG_EPARSE;
        return (int)o;
}

char *dgx_rr_rdata_str(const ldns_rr *rr)
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

uint64_t dgx_rand(uint64_t *s)
{
        uint64_t x = *s;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *s = x ? x : 0x9e3779b97f4a7c15ull;
        return *s;
}

uint64_t dgx_seed(void)
{
        uint64_t s = 0;
        FILE *f = fopen("/dev/urandom", "rb");
        if (f != NULL) {
                if (fread(&s, sizeof s, 1, f) != 1)
                        s = 0;
                fclose(f);
        }
        if (s == 0)
                s = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
        return s ? s : 1;
}

uint64_t dgx_now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Waits for events on fd until the deadline, in slices of at most 200 ms so
 * that *stop is looked at. Returns 1 when ready. */
static int wait_fd(int fd, short events, uint64_t deadline_ms, volatile sig_atomic_t *stop)
{
        for (;;) {
                if (stop != NULL && *stop)
                        return DG_EINTR;
                uint64_t now = dgx_now_ms();
                if (now >= deadline_ms)
                        return DG_ETIMEOUT;
                uint64_t left = deadline_ms - now;
                struct pollfd p = {.fd = fd, .events = events};
                int r = poll(&p, 1, (int)(left > 200 ? 200 : left));
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return DG_EIO;
                }
                if (r > 0)
                        return 1;
        }
}

int dgx_wait_readable(int fd, uint64_t deadline_ms, volatile sig_atomic_t *stop)
{
        return wait_fd(fd, POLLIN, deadline_ms, stop);
}

int dgx_tcp_connect(const struct sockaddr *sa, socklen_t salen, uint64_t deadline_ms,
                    volatile sig_atomic_t *stop)
{
        int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return DG_EIO;
        if (connect(fd, sa, salen) < 0 && errno != EINPROGRESS) {
                int e = errno;
                close(fd);
                errno = e;
                return DG_EIO;
        }
        int r = wait_fd(fd, POLLOUT, deadline_ms, stop);
        if (r < 0) {
                close(fd);
                return r;
        }
        int err = 0;
        socklen_t el = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err != 0) {
                close(fd);
                errno = err ? err : errno;
                return DG_EIO;
        }
        return fd;
}

int dgx_send_all(int fd, const uint8_t *buf, size_t len, uint64_t deadline_ms,
                 volatile sig_atomic_t *stop)
{
        size_t off = 0;
        while (off < len) {
                ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
                if (n > 0) {
                        off += (size_t)n;
                        continue;
                }
                if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                        return DG_EIO;
                int r = wait_fd(fd, POLLOUT, deadline_ms, stop);
                if (r < 0)
                        return r;
        }
        return DG_OK;
}

static int tcp_exchange(const struct sockaddr *sa, socklen_t salen, const uint8_t *q, size_t qlen,
                        uint8_t *resp, size_t cap, uint64_t deadline_ms,
                        volatile sig_atomic_t *stop)
{
        if (qlen > 65535)
                return DG_EINVAL;
        int fd = dgx_tcp_connect(sa, salen, deadline_ms, stop);
        if (fd < 0)
                return fd;
        uint8_t *frame = g_malloc(qlen + 2);
        frame[0] = (uint8_t)(qlen >> 8);
        frame[1] = (uint8_t)qlen;
        memcpy(frame + 2, q, qlen);
        int r = dgx_send_all(fd, frame, qlen + 2, deadline_ms, stop);
        g_free(frame);
        uint8_t lenbuf[2];
        size_t have = 0, want = 2;
        uint8_t *dst = lenbuf;
        bool body = false;
        while (r >= 0) {
                ssize_t n = recv(fd, dst + have, want - have, 0);
                if (n > 0) {
                        have += (size_t)n;
                        if (have < want)
                                continue;
                        if (body) {
                                r = (int)want;
                                break;
                        }
                        want = (size_t)lenbuf[0] << 8 | lenbuf[1];
                        if (want > cap || want < 12) {
                                r = DG_EMALFORMED;
                                break;
                        }
                        dst = resp;
                        have = 0;
                        body = true;
                        continue;
                }
                if (n == 0) {
                        r = DG_ECLOSED;
                        break;
                }
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                        r = DG_EIO;
                        break;
                }
                int w = dgx_wait_readable(fd, deadline_ms, stop);
                if (w < 0)
                        r = w;
        }
        close(fd);
        return r;
}

int dgx_exchange(const struct sockaddr *sa, socklen_t salen, bool tcp, const uint8_t *q,
                 size_t qlen, uint8_t *resp, size_t cap, uint64_t deadline_ms,
                 volatile sig_atomic_t *stop)
{
        if (tcp)
                return tcp_exchange(sa, salen, q, qlen, resp, cap, deadline_ms, stop);
        int fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return DG_EIO;
        /* connect() so that only the server's datagrams are delivered */
        if (connect(fd, sa, salen) < 0 || send(fd, q, qlen, 0) != (ssize_t)qlen) {
                int e = errno;
                close(fd);
                errno = e;
                return DG_EIO;
        }
        int r;
        for (;;) {
                r = dgx_wait_readable(fd, deadline_ms, stop);
                if (r < 0)
                        break;
                ssize_t n = recv(fd, resp, cap, 0);
                if (n >= 0) {
                        r = (int)n;
                        break;
                }
                if (errno == ECONNREFUSED) {
                        r = DG_EIO;
                        break;
                }
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                        r = DG_EIO;
                        break;
                }
        }
        close(fd);
        return r;
}
