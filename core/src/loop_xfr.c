/* The loop's blocking drivers for the zone transfer (axfr.c) and the zone
 * walker (walk.c): one server address, non-blocking sockets, poll, every
 * wait bounded by a deadline and sliced so that a stop flag is seen. */
#include "dnsglean/xfr_io.h"

#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "dnsglean/engine.h"

#define STOP_SLICE_MS 200 /* longest wait before *stop is looked at again */

/* Waits for events on fd until deadline_ms. Returns 1 when ready,
 * DG_ETIMEOUT, DG_EINTR (*stop set) or DG_EIO (errno set). */
static int wait_fd(int fd, short events, uint64_t deadline_ms, volatile sig_atomic_t *stop)
{
        for (;;) {
                if (stop != NULL && *stop)
                        return DG_EINTR;
                uint64_t now = dg_now_ms();
                if (now >= deadline_ms)
                        return DG_ETIMEOUT;
                uint64_t left = deadline_ms - now;
                struct pollfd p = {.fd = fd, .events = events};
                int r = poll(&p, 1, (int)(left > STOP_SLICE_MS ? STOP_SLICE_MS : left));
                if (r > 0)
                        return 1;
                if (r < 0 && errno != EINTR)
                        return DG_EIO;
        }
}

/* Closes fd keeping errno; returns err. */
static int close_with(int fd, int err)
{
        int e = errno;
        close(fd);
        errno = e;
        return err;
}

/* Non-blocking TCP connect finished before deadline_ms. Returns the fd or a
 * negative dg_err (DG_EIO with errno set, DG_ETIMEOUT, DG_EINTR). */
static int tcp_connect(const struct sockaddr *sa, socklen_t salen, uint64_t deadline_ms,
                       volatile sig_atomic_t *stop)
{
        int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return DG_EIO;
        if (connect(fd, sa, salen) < 0 && errno != EINPROGRESS)
                return close_with(fd, DG_EIO);
        int r = wait_fd(fd, POLLOUT, deadline_ms, stop);
        if (r < 0)
                return close_with(fd, r);
        int err = 0;
        socklen_t el = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err != 0) {
                if (err != 0)
                        errno = err;
                return close_with(fd, DG_EIO);
        }
        return fd;
}

/* Writes all of buf before deadline_ms. Returns DG_OK or a negative dg_err. */
static int send_all(int fd, const uint8_t *buf, size_t len, uint64_t deadline_ms,
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

/* Reads exactly len octets before deadline_ms. Returns DG_OK, DG_ECLOSED
 * (the peer closed first) or a negative dg_err. */
static int recv_all(int fd, uint8_t *buf, size_t len, uint64_t deadline_ms,
                    volatile sig_atomic_t *stop)
{
        size_t have = 0;
        while (have < len) {
                ssize_t n = recv(fd, buf + have, len - have, 0);
                if (n > 0) {
                        have += (size_t)n;
                        continue;
                }
                if (n == 0)
                        return DG_ECLOSED;
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                        return DG_EIO;
                int r = wait_fd(fd, POLLIN, deadline_ms, stop);
                if (r < 0)
                        return r;
        }
        return DG_OK;
}

/* One DNS message over TCP: 2-octet length framing both ways. Returns the
 * response length or a negative dg_err. */
static int tcp_exchange(const struct sockaddr *sa, socklen_t salen, const uint8_t *q, size_t qlen,
                        uint8_t *resp, size_t cap, uint64_t deadline_ms,
                        volatile sig_atomic_t *stop)
{
        if (qlen > 65535)
                return DG_EINVAL;
        int fd = tcp_connect(sa, salen, deadline_ms, stop);
        if (fd < 0)
                return fd;
        uint8_t *frame = g_malloc(qlen + 2);
        frame[0] = (uint8_t)(qlen >> 8);
        frame[1] = (uint8_t)qlen;
        memcpy(frame + 2, q, qlen);
        int r = send_all(fd, frame, qlen + 2, deadline_ms, stop);
        g_free(frame);
        uint8_t lenbuf[2] = {0, 0};
        if (r >= 0)
                r = recv_all(fd, lenbuf, 2, deadline_ms, stop);
        size_t want = (size_t)lenbuf[0] << 8 | lenbuf[1];
        if (r >= 0 && (want > cap || want < 12))
                r = DG_EMALFORMED;
        if (r >= 0)
                r = recv_all(fd, resp, want, deadline_ms, stop);
        close(fd);
        return r < 0 ? r : (int)want;
}

/* One DNS message over UDP on a connected socket (only the server's
 * datagrams arrive). Returns the response length or a negative dg_err. */
static int udp_exchange(const struct sockaddr *sa, socklen_t salen, const uint8_t *q, size_t qlen,
                        uint8_t *resp, size_t cap, uint64_t deadline_ms,
                        volatile sig_atomic_t *stop)
{
        int fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return DG_EIO;
        if (connect(fd, sa, salen) < 0 || send(fd, q, qlen, 0) != (ssize_t)qlen)
                return close_with(fd, DG_EIO);
        int r;
        for (;;) {
                r = wait_fd(fd, POLLIN, deadline_ms, stop);
                if (r < 0)
                        break;
                ssize_t n = recv(fd, resp, cap, 0);
                if (n >= 0) {
                        r = (int)n;
                        break;
                }
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                        r = DG_EIO; /* ECONNREFUSED among them */
                        break;
                }
        }
        close(fd);
        return r;
}

/* Connects and sends the transfer's query; returns the fd or the sticky
 * error recorded in x. */
static int axfr_open(dg_axfr_t *x, const struct sockaddr *sa, socklen_t salen,
                     volatile sig_atomic_t *stop)
{
        uint8_t q[2 + DG_HDR_LEN + DG_NAME_WIRE_MAX + 4];
        uint64_t now = dg_now_ms();
        int qn = dg_axfr_query(x, now, q, sizeof q);
        if (qn < 0)
                return qn;
        /* the nearer of the whole-transfer and idle deadlines */
        int64_t wait = dg_axfr_next_timeout(x, now);
        uint64_t deadline = now + (uint64_t)(wait < 0 ? 0 : wait);
        int fd = tcp_connect(sa, salen, deadline, stop);
        if (fd == DG_EIO) {
                char *m = g_strdup_printf("cannot connect: %s", g_strerror(errno));
                int r = dg_axfr_abort(x, DG_EIO, m);
                g_free(m);
                return r;
        }
        if (fd < 0)
                return dg_axfr_abort(x, fd, fd == DG_ETIMEOUT ? "TCP connect timed out" : NULL);
        int r = send_all(fd, q, (size_t)qn, deadline, stop);
        if (r < 0) {
                char *m = g_strdup_printf("cannot send the query: %s",
                                          r == DG_EIO ? g_strerror(errno) : dg_strerror(r));
                dg_axfr_abort(x, r, m);
                g_free(m);
                close(fd);
                return r;
        }
        return fd;
}

/* Waits for stream octets and feeds them until the transfer ends. */
static int axfr_pump(dg_axfr_t *x, int fd, uint8_t *buf, size_t cap, volatile sig_atomic_t *stop)
{
        int r = DG_AXFR_MORE;
        while (r == DG_AXFR_MORE) {
                uint64_t now = dg_now_ms();
                r = dg_axfr_tick(x, now);
                if (r != DG_AXFR_MORE)
                        break;
                int64_t wait = dg_axfr_next_timeout(x, now);
                int w = wait_fd(fd, POLLIN, now + (uint64_t)(wait < 0 ? 0 : wait), stop);
                if (w == DG_ETIMEOUT)
                        continue; /* the tick above reports it */
                if (w < 0) {
                        char *m = w == DG_EINTR ? g_strdup("interrupted")
                                                : g_strdup_printf("poll: %s", g_strerror(errno));
                        r = dg_axfr_abort(x, w == DG_EINTR ? DG_EINTR : DG_EIO, m);
                        g_free(m);
                        break;
                }
                ssize_t n = recv(fd, buf, cap, 0);
                if (n > 0) {
                        r = dg_axfr_feed(x, dg_now_ms(), buf, (size_t)n);
                } else if (n == 0) {
                        r = dg_axfr_eof(x);
                } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                        char *m = g_strdup_printf("recv: %s", g_strerror(errno));
                        r = dg_axfr_abort(x, DG_EIO, m);
                        g_free(m);
                }
        }
        return r;
}

int dg_axfr_run(dg_axfr_t *x, const struct sockaddr *sa, socklen_t salen,
                volatile sig_atomic_t *stop)
{
        int fd = axfr_open(x, sa, salen, stop);
        if (fd < 0)
                return fd;
        uint8_t *buf = g_malloc(65536);
        int r = axfr_pump(x, fd, buf, 65536, stop);
        g_free(buf);
        close(fd);
        return r;
}

int dg_walk_run(dg_walk_t *w, const struct sockaddr *sa, socklen_t salen,
                volatile sig_atomic_t *stop)
{
        uint8_t q[512];
        uint8_t *resp = g_malloc(65536);
        int ret = DG_OK;
        while (!dg_walk_done(w)) {
                if (stop != NULL && *stop) {
                        ret = DG_EINTR;
                        break;
                }
                dg_walk_query_t qd;
                uint64_t now = dg_now_ms();
                int r = dg_walk_next_query(w, now, q, sizeof q, &qd);
                if (r < 0) {
                        ret = r;
                        break;
                }
                if (r == 0)
                        continue; /* finished, or a gap search goes on: see *stop */
                int64_t wait = dg_walk_next_timeout(w, now);
                uint64_t deadline = now + (uint64_t)(wait < 0 ? 0 : wait);
                int n = qd.tcp ? tcp_exchange(sa, salen, q, qd.len, resp, 65536, deadline, stop)
                               : udp_exchange(sa, salen, q, qd.len, resp, 65536, deadline, stop);
                if (n == DG_EINTR) {
                        ret = DG_EINTR;
                        break;
                }
                if (n >= 0 && dg_walk_feed(w, dg_now_ms(), resp, (size_t)n) == DG_OK)
                        continue;
                /* no (usable) answer: count it as a timeout */
                dg_walk_tick(w, UINT64_MAX);
        }
        g_free(resp);
        return ret;
}
