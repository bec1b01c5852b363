/* The default driver: moves an engine's datagrams over real sockets.
 *
 * UDP: nsockets non-blocking sockets per address family, each bound to a
 * kernel-chosen (random) source port; queries leave in sendmmsg batches and
 * answers arrive in recvmmsg batches. TCP (for truncated answers): one
 * short-lived non-blocking connection per query, length-framed (RFC 1035
 * 4.2.2). epoll waits for both; the engine's own deadlines drive the timeout.
 */
#include "dnsglean/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine_prefetch.h"
#include "util.h"

#define BATCH 64
#define QBUF 512
#define RBUF 4096
#define MAX_TCP 256

enum { FAM_V4 = 0, FAM_V6 = 1 };

typedef struct {
        int fd;
        size_t resolver;
        uint64_t deadline;
        uint8_t out[QBUF + 2];
        size_t out_len, out_off;
        uint8_t *in; /* 2 + up to 65535 */
        size_t in_len;
        bool connected;
} tcp_conn_t;

typedef struct {
        uint8_t key[20]; /* family, port, address */
        uint32_t idx;    /* resolver + 1; 0 empty */
} addr_slot_t;

/* A few resolvers (the loopback benchmark, the target's own name servers)
 * each get their own connected sockets: the kernel then keeps the route and
 * the IP ID counter per socket instead of looking both up for every
 * datagram, and drops datagrams from anyone else. Larger pools share one set
 * of unconnected sockets per address family. */
#define CONNECT_MAX 8

/* One UDP socket and its pending batch. */
typedef struct {
        int fd;
        long resolver; /* connected to it; -1: unconnected */
        struct mmsghdr msg[BATCH];
        struct iovec iov[BATCH];
        uint8_t buf[BATCH][QBUF];
        unsigned n;
} udp_t;

struct dg_loop {
        dg_engine_t *e;
        const dg_resolver_addr_t *res;
        size_t nres;
        unsigned nsockets;
        bool connected; /* udp[resolver * nsockets + sock], else udp[family * nsockets + sock] */
        udp_t *udp;
        size_t nudp;
        int ep;
        tcp_conn_t *tcp[MAX_TCP];
        unsigned ntcp;
        addr_slot_t *amap;
        size_t amap_size;
        /* receive side */
        struct mmsghdr rmsg[BATCH];
        struct iovec riov[BATCH];
        struct sockaddr_storage rfrom[BATCH];
        uint8_t (*rbuf)[RBUF];
};

/* Epoll data: UDP sockets are tagged with their index in udp << 1, TCP
 * connections by pointer with the low bit set. */
#define TAG_UDP(i) ((uint64_t)(i) << 1)

static int addr_key(const struct sockaddr_storage *ss, uint8_t key[20])
{
        memset(key, 0, 20);
        if (ss->ss_family == AF_INET) {
                const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
                key[0] = 4;
                memcpy(key + 2, &s->sin_port, 2);
                memcpy(key + 4, &s->sin_addr, 4);
                return 0;
        }
        if (ss->ss_family == AF_INET6) {
                const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
                key[0] = 6;
                memcpy(key + 2, &s->sin6_port, 2);
                memcpy(key + 4, &s->sin6_addr, 16);
                return 0;
        }
        return -1;
}

static size_t key_hash(const uint8_t key[20])
{
        return (size_t)dg_fnv(DG_FNV_INIT, key, 20);
}

static void amap_put(dg_loop_t *l, const struct sockaddr_storage *ss, size_t idx)
{
        uint8_t key[20];
        if (addr_key(ss, key) < 0)
                return;
        size_t i = key_hash(key) & (l->amap_size - 1);
        while (l->amap[i].idx != 0) {
                if (memcmp(l->amap[i].key, key, 20) == 0)
                        return;
                i = (i + 1) & (l->amap_size - 1);
        }
        memcpy(l->amap[i].key, key, 20);
        l->amap[i].idx = (uint32_t)idx + 1;
}

static long amap_get(const dg_loop_t *l, const struct sockaddr_storage *ss)
{
        uint8_t key[20];
        if (addr_key(ss, key) < 0)
                return -1;
        size_t i = key_hash(key) & (l->amap_size - 1);
        while (l->amap[i].idx != 0) {
                if (memcmp(l->amap[i].key, key, 20) == 0)
                        return (long)l->amap[i].idx - 1;
                i = (i + 1) & (l->amap_size - 1);
        }
        return -1;
}

static int fam_of(int family)
{
        return family == AF_INET6 ? FAM_V6 : FAM_V4;
}

/* A non-blocking UDP socket on a random port, connected to peer if not
 * NULL. Returns the fd or -1 (errno set). */
static int open_udp(int family, const dg_resolver_addr_t *peer)
{
        int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -1;
        int sz = 4 << 20;
        /* large buffers absorb bursts; the kernel caps them at rmem_max */
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
        struct sockaddr_storage ss;
        memset(&ss, 0, sizeof ss);
        socklen_t len;
        if (family == AF_INET) {
                struct sockaddr_in *s = (struct sockaddr_in *)&ss;
                s->sin_family = AF_INET;
                len = sizeof *s;
        } else {
                struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
                s->sin6_family = AF_INET6;
                len = sizeof *s;
        }
        /* port 0: the kernel picks a random ephemeral source port */
        if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
            (peer && connect(fd, (const struct sockaddr *)&peer->ss, peer->sslen) < 0)) {
                int err = errno;
                close(fd);
                errno = err;
                return -1;
        }
        return fd;
}

/* The UDP socket a query to resolver leaves from on the engine's socket
 * sock, and answers come back to. */
static udp_t *udp_for(dg_loop_t *l, size_t resolver, unsigned sock)
{
        size_t row = l->connected ? resolver : (size_t)fam_of(l->res[resolver].family);
        return &l->udp[row * l->nsockets + sock];
}

/* Opens the UDP sockets: per resolver when they are few, else per address
 * family the resolvers use. Returns 0 or -1 (errno set). */
static int open_udp_all(dg_loop_t *l)
{
        l->connected = l->nres <= CONNECT_MAX;
        size_t rows = l->connected ? l->nres : 2;
        l->nudp = rows * l->nsockets;
        l->udp = g_new0(udp_t, l->nudp);
        for (size_t i = 0; i < l->nudp; i++)
                l->udp[i].fd = -1;
        for (size_t i = 0; i < l->nudp; i++) {
                size_t row = i / l->nsockets;
                udp_t *u = &l->udp[i];
                const dg_resolver_addr_t *peer = l->connected ? &l->res[row] : NULL;
                int family = peer ? peer->family : row == FAM_V6 ? AF_INET6 : AF_INET;
                bool need = peer != NULL;
                for (size_t r = 0; !need && r < l->nres; r++)
                        need = fam_of(l->res[r].family) == (int)row;
                u->resolver = peer ? (long)row : -1;
                if (!need)
                        continue;
                u->fd = open_udp(family, peer);
                if (u->fd < 0 && peer) {
                        /* connect() refuses a peer with no route (a name
                         * server's glue in a documentation range, say): that
                         * resolver is asked over an unconnected socket, where
                         * each datagram fails on its own, a dead resolver
                         * rather than a failed run */
                        u->resolver = -1;
                        u->fd = open_udp(family, NULL);
                }
                if (u->fd < 0)
                        return -1;
                struct epoll_event ev = {.events = EPOLLIN};
                ev.data.u64 = TAG_UDP(i);
                epoll_ctl(l->ep, EPOLL_CTL_ADD, u->fd, &ev);
        }
        return 0;
}

int dg_loop_new(dg_engine_t *e, dg_loop_t **out)
{
        *out = NULL;
        dg_loop_t *l = g_new0(dg_loop_t, 1);
        l->e = e;
        l->res = dg_engine_resolvers(e, &l->nres);
        l->nsockets = dg_engine_nsockets(e);
        l->ep = epoll_create1(EPOLL_CLOEXEC);
        if (l->ep < 0) {
                g_free(l);
                return DG_EIO;
        }
        l->amap_size = 16;
        while (l->amap_size < l->nres * 2)
                l->amap_size <<= 1;
        l->amap = g_new0(addr_slot_t, l->amap_size);
        for (size_t i = 0; i < l->nres; i++)
                amap_put(l, &l->res[i].ss, i);
        if (open_udp_all(l) < 0) {
                int err = errno;
                dg_loop_free(l);
                errno = err;
                return DG_EIO;
        }
        l->rbuf = g_malloc(sizeof(*l->rbuf) * BATCH);
        *out = l;
        return DG_OK;
}

static void tcp_close(dg_loop_t *l, unsigned i)
{
        tcp_conn_t *c = l->tcp[i];
        epoll_ctl(l->ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        g_free(c->in);
        g_free(c);
        l->tcp[i] = l->tcp[--l->ntcp];
        l->tcp[l->ntcp] = NULL;
}

void dg_loop_free(dg_loop_t *l)
{
        if (l == NULL)
                return;
        while (l->ntcp > 0)
                tcp_close(l, 0);
        for (size_t i = 0; l->udp && i < l->nudp; i++)
                if (l->udp[i].fd >= 0)
                        close(l->udp[i].fd);
        g_free(l->udp);
        if (l->ep >= 0)
                close(l->ep);
        g_free(l->amap);
        g_free(l->rbuf);
        g_free(l);
}

static void tcp_start(dg_loop_t *l, size_t resolver, const uint8_t *q, size_t len, uint64_t now)
{
        if (l->ntcp >= MAX_TCP)
                return; /* the engine times it out and tries again */
        const dg_resolver_addr_t *r = &l->res[resolver];
        int fd = socket(r->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return;
        if (connect(fd, (const struct sockaddr *)&r->ss, r->sslen) < 0 && errno != EINPROGRESS) {
                close(fd);
                return;
        }
        tcp_conn_t *c = g_new0(tcp_conn_t, 1);
        c->fd = fd;
        c->resolver = resolver;
        c->deadline = now + 10000;
        c->out[0] = (uint8_t)(len >> 8);
        c->out[1] = (uint8_t)len;
        memcpy(c->out + 2, q, len);
        c->out_len = len + 2;
        c->in = g_malloc(2 + 65535);
        struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN};
        ev.data.ptr = c;
        ev.data.u64 |= 1;
        epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev);
        l->tcp[l->ntcp++] = c;
}

/* Progress on one TCP connection. Returns false when it is finished. */
static bool tcp_io(dg_loop_t *l, tcp_conn_t *c, uint64_t now)
{
        while (c->out_off < c->out_len) {
                ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
                if (n < 0)
                        return errno == EAGAIN || errno == EINPROGRESS || errno == ENOTCONN;
                c->out_off += (size_t)n;
                if (c->out_off == c->out_len) {
                        struct epoll_event ev = {.events = EPOLLIN};
                        ev.data.ptr = c;
                        ev.data.u64 |= 1;
                        epoll_ctl(l->ep, EPOLL_CTL_MOD, c->fd, &ev);
                }
        }
        for (;;) {
                size_t want = c->in_len < 2 ? 2 : 2 + (((size_t)c->in[0] << 8) | c->in[1]);
                if (c->in_len >= 2 && c->in_len == want) {
                        dg_engine_feed(l->e, now, c->resolver, 0, DG_TRANSPORT_TCP, c->in + 2,
                                       c->in_len - 2);
                        return false;
                }
                ssize_t n = recv(c->fd, c->in + c->in_len, want - c->in_len, 0);
                if (n == 0)
                        return false; /* closed early: the engine times it out */
                if (n < 0)
                        return errno == EAGAIN;
                c->in_len += (size_t)n;
        }
}

static void flush_batch(udp_t *b)
{
        unsigned off = 0;
        int spins = 0;
        while (off < b->n) {
                int n = sendmmsg(b->fd, b->msg + off, b->n - off, 0);
                if (n < 0) {
                        if ((errno == EAGAIN || errno == ENOBUFS) && spins++ < 50) {
                                /* the socket buffer is full: give it a moment */
                                struct pollfd pfd = {.fd = b->fd, .events = POLLOUT};
                                poll(&pfd, 1, 2);
                                continue;
                        }
                        /* unsent queries are in flight for the engine: it
                         * times them out and tries again (on a connected
                         * socket, an ICMP error of an earlier datagram,
                         * e.g. ECONNREFUSED, is reported here once) */
                        if (errno != EAGAIN && errno != ENOBUFS)
                                off++; /* skip the one the kernel refused */
                        else
                                break;
                        continue;
                }
                off += (unsigned)n;
        }
        b->n = 0;
}

/* Sends everything the engine has due. Returns the number sent. */
static unsigned send_due(dg_loop_t *l, uint64_t now)
{
        unsigned sent = 0;
        for (unsigned round = 0; round < 64; round++) {
                unsigned got = 0;
                for (unsigned k = 0; k < BATCH; k++) {
                        uint8_t tmp[QBUF];
                        dg_query_t q;
                        if (dg_engine_next_query(l->e, now, tmp, sizeof tmp, &q) != 1)
                                break;
                        got++;
                        if (q.transport == DG_TRANSPORT_TCP) {
                                tcp_start(l, q.resolver, tmp, q.len, now);
                                continue;
                        }
                        const dg_resolver_addr_t *r = &l->res[q.resolver];
                        udp_t *b = udp_for(l, q.resolver, q.sock);
                        unsigned i = b->n++;
                        memcpy(b->buf[i], tmp, q.len);
                        b->iov[i].iov_base = b->buf[i];
                        b->iov[i].iov_len = q.len;
                        memset(&b->msg[i], 0, sizeof b->msg[i]);
                        if (b->resolver < 0) {
                                b->msg[i].msg_hdr.msg_name = (void *)&r->ss;
                                b->msg[i].msg_hdr.msg_namelen = r->sslen;
                        }
                        b->msg[i].msg_hdr.msg_iov = &b->iov[i];
                        b->msg[i].msg_hdr.msg_iovlen = 1;
                        if (b->n == BATCH)
                                flush_batch(b);
                }
                for (size_t u = 0; u < l->nudp; u++)
                        if (l->udp[u].n)
                                flush_batch(&l->udp[u]);
                sent += got;
                if (got < BATCH)
                        break;
        }
        return sent;
}

static void recv_udp(dg_loop_t *l, size_t idx, uint64_t now)
{
        const udp_t *u = &l->udp[idx];
        int fd = u->fd;
        unsigned s = (unsigned)(idx % l->nsockets);
        for (int rounds = 0; rounds < 32; rounds++) {
                for (unsigned i = 0; i < BATCH; i++) {
                        l->riov[i].iov_base = l->rbuf[i];
                        l->riov[i].iov_len = RBUF;
                        memset(&l->rmsg[i], 0, sizeof l->rmsg[i]);
                        l->rmsg[i].msg_hdr.msg_name = &l->rfrom[i];
                        l->rmsg[i].msg_hdr.msg_namelen = sizeof l->rfrom[i];
                        l->rmsg[i].msg_hdr.msg_iov = &l->riov[i];
                        l->rmsg[i].msg_hdr.msg_iovlen = 1;
                }
                int n = recvmmsg(fd, l->rmsg, BATCH, MSG_DONTWAIT, NULL);
                if (n <= 0)
                        return;
                const uint8_t *msgs[BATCH];
                size_t lens[BATCH];
                for (int i = 0; i < n; i++) {
                        msgs[i] = l->rbuf[i];
                        lens[i] = l->rmsg[i].msg_len;
                }
                eng_prefetch_answers(l->e, s, msgs, lens, (size_t)n);
                for (int i = 0; i < n; i++) {
                        if (l->rmsg[i].msg_hdr.msg_flags & MSG_TRUNC)
                                continue; /* larger than any answer we asked for */
                        /* a connected socket hears its resolver only */
                        long r = u->resolver >= 0 ? u->resolver : amap_get(l, &l->rfrom[i]);
                        if (r < 0)
                                continue; /* not from a resolver we asked */
                        dg_engine_feed(l->e, now, (size_t)r, s, DG_TRANSPORT_UDP, l->rbuf[i],
                                       l->rmsg[i].msg_len);
                }
                if (n < BATCH)
                        return;
        }
}

int dg_loop_step(dg_loop_t *l, int max_wait_ms)
{
        uint64_t now = dg_now_ms();
        unsigned sent = send_due(l, now);
        int64_t t = dg_engine_next_timeout(l->e, now);
        if (t == 0 && sent == 0)
                t = 2; /* due work that cannot leave yet (limits): don't spin */
        if (t < 0 || t > max_wait_ms)
                t = max_wait_ms;
        struct epoll_event evs[64];
        int n = epoll_wait(l->ep, evs, 64, (int)t);
        if (n < 0 && errno != EINTR)
                return DG_EIO;
        now = dg_now_ms();
        for (int i = 0; i < n; i++) {
                uint64_t tag = evs[i].data.u64;
                if (tag & 1) {
                        tcp_conn_t *c = (tcp_conn_t *)(uintptr_t)(tag & ~(uint64_t)1);
                        if (!tcp_io(l, c, now)) {
                                for (unsigned k = 0; k < l->ntcp; k++)
                                        if (l->tcp[k] == c) {
                                                tcp_close(l, k);
                                                break;
                                        }
                        }
                        continue;
                }
                recv_udp(l, (size_t)(tag >> 1), now);
        }
        for (unsigned k = 0; k < l->ntcp;) {
                if (l->tcp[k]->deadline <= now)
                        tcp_close(l, k);
                else
                        k++;
        }
        dg_engine_tick(l->e, now);
        return DG_OK;
}

int dg_loop_run(dg_loop_t *l, dg_result_fn on_result, void (*on_tick)(void *ud), void *ud,
                volatile sig_atomic_t *stop)
{
        uint64_t last_tick = 0;
        while (!dg_engine_done(l->e)) {
                if (stop && *stop) {
                        dg_engine_stop(l->e);
                        dg_result_t *r;
                        while (dg_engine_next_result(l->e, &r) == 1)
                                if (on_result(ud, r))
                                        break;
                        return DG_EINTR;
                }
                int rc = dg_loop_step(l, 100);
                if (rc != DG_OK)
                        return rc;
                dg_result_t *r;
                while (dg_engine_next_result(l->e, &r) == 1) {
                        if (on_result(ud, r)) {
                                dg_engine_stop(l->e);
                                return DG_EINTR;
                        }
                }
                uint64_t now = dg_now_ms();
                if (on_tick && now - last_tick >= 100) {
                        last_tick = now;
                        on_tick(ud);
                }
        }
        if (on_tick)
                on_tick(ud);
        return DG_OK;
}
