/* tests/sim/dnssim.c — a resolver-pool simulator for tests (loopback only).
 *
 * The kernel of the test machines has no netem qdisc, so internet-like paths
 * are made here in user space: dnssim binds many loopback addresses, each a
 * simulated "resolver" with a profile (delay, jitter, loss, duplication,
 * reordering, a rate limit, lies...), and forwards every query to one real
 * upstream server (Knot on loopback), holding, dropping or altering answers.
 *
 *   dnssim --upstream ADDR:PORT --config FILE [--stats FILE] [--seed N]
 *          [--ready FILE] [--max-seconds N]
 *
 * See tests/sim/README.md for the config syntax and the stats JSON. Every
 * address (resolvers and upstream) must be in 127.0.0.0/8 or ::1.
 *
 * Design: one thread, epoll; recvmmsg batches in, sendmmsg batches out (an
 * output queue flushed once per loop turn); held answers sit in a timing
 * wheel with 1 ms buckets (O(1) per packet); upstream queries get a fresh ID
 * on one of NUP connected upstream sockets (NUP * 65536 outstanding at most),
 * and the outstanding entries form a list in send order, so the 5 s upstream
 * timeout is O(1) too. TCP is proxied byte for byte, one upstream connection
 * per client connection, without shaping.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
        MAXPKT = 4096, /* larger datagrams are counted malformed */
        BATCH = 64,    /* recvmmsg batch */
        OUTQ = 256,    /* sendmmsg batch (the output queue) */
        NUP = 16,      /* upstream sockets: NUP * 65536 outstanding */
        NSLOT = NUP * 65536,
        WHEEL = 8192,  /* 1 ms buckets: 8.2 s before an entry goes round */
        MAXTCP = 1024, /* concurrent proxied TCP connections */
        TCPBUF = 16384,
};
#define UP_TIMEOUT_US 5000000ULL
#define NIL UINT32_MAX

enum mode { M_FORWARD, M_BLACKHOLE, M_HIJACK, M_SERVFAIL, M_REFUSED };
enum tag { T_SIG = 1, T_RES_UDP, T_RES_TCP, T_UP, T_TCP };

struct profile {
        double delay, jitter, loss_in, loss_out, dup, reorder, rate, sf_burst;
        int mode;
        bool rate_refused;
        long long lie_after; /* -1: never */
        uint8_t hijack_ip[4];
};

struct counters {
        uint64_t received, forwarded, answered, lost_in, lost_out, rate_dropped, rate_refused;
        uint64_t hijacked, blackholed, servfail, refused, duplicated, timeouts, malformed, full;
};

struct resolver {
        char name[64];
        struct sockaddr_storage sa;
        socklen_t salen;
        int udp, tcp;
        struct profile p;
        struct counters c;
        double tokens;
        uint64_t tok_us;
        uint64_t seen; /* queries that reached the resolver's logic (lie_after) */
        uint64_t qslot, qsum, max_qps;
        uint32_t qb[10];
        uint64_t outstanding, max_outstanding;
};

struct pending {
        uint32_t prev, next;
        uint32_t res;
        uint16_t id;
        uint8_t used, hijack;
        uint32_t qhash; /* of the question: a late answer to a reused ID is not taken */
        uint64_t sent_us;
        struct sockaddr_in6 client;
        socklen_t clen;
};

struct upstream {
        int fd;
        uint16_t ring[65536]; /* free IDs, FIFO */
        uint32_t head, count;
};

struct held {
        struct held *next;
        uint64_t due_ms;
        uint32_t res;
        bool dup;
        struct sockaddr_in6 client;
        socklen_t clen;
        uint16_t len;
        uint8_t data[];
};

struct outmsg {
        int fd;
        struct sockaddr_in6 addr;
        socklen_t alen;
        uint16_t len;
        uint8_t buf[MAXPKT];
};

struct tcpconn {
        int fd[2]; /* 0: client, 1: upstream */
        size_t len[2], off[2];
        bool eof[2];
        uint8_t buf[2][TCPBUF]; /* buf[s]: read from fd[s], to write to fd[!s] */
};

static struct {
        struct resolver *res;
        size_t nres, capres;
        struct sockaddr_storage up_sa;
        socklen_t up_salen;
        struct upstream *up;
        unsigned up_next;
        struct pending *pend;
        uint32_t phead, ptail; /* outstanding upstream queries, in send order */
        struct held *wheel[WHEEL];
        uint64_t wheel_ms, nheld;
        struct outmsg *outq;
        unsigned nout;
        struct tcpconn *tcp[MAXTCP];
        int ep, sigfd;
        uint64_t rng;
        uint64_t start_us, now_us;
        const char *stats, *ready;
        double max_seconds;
        uint64_t up_timeouts, up_unmatched, up_malformed, send_errors, tcp_conns, tcp_refused;
        bool stop;
} g;

/* ---- small helpers ------------------------------------------------------- */

static void die(const char *what)
{
        fprintf(stderr, "dnssim: %s: %s\n", what, strerror(errno));
        exit(1);
}

static void usage_die(const char *msg, const char *arg)
{
        fprintf(stderr, "dnssim: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
        fprintf(stderr, "usage: dnssim --upstream ADDR:PORT --config FILE [--stats FILE]"
                        " [--seed N] [--ready FILE] [--max-seconds N]\n");
        exit(2);
}

static uint64_t clock_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t rng_next(void)
{
        /* xorshift64* */
        g.rng ^= g.rng >> 12;
        g.rng ^= g.rng << 25;
        g.rng ^= g.rng >> 27;
        return g.rng * 0x2545F4914F6CDD1DULL;
}

static double rng_unit(void)
{
        return (double)(rng_next() >> 11) / 9007199254740992.0;
}

static bool chance(double pct)
{
        return pct > 0 && (pct >= 100 || rng_unit() * 100.0 < pct);
}

static void *xcalloc(size_t n, size_t sz)
{
        void *p = calloc(n, sz);
        if (!p)
                die("calloc");
        return p;
}

static uint16_t get16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

/* ---- addresses and configuration ------------------------------------------ */

static bool is_loopback(const struct sockaddr_storage *ss)
{
        if (ss->ss_family == AF_INET) {
                const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
                return (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
        }
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        return IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
}

static bool parse_port(const char *s, uint16_t *port)
{
        char *end;
        long v = strtol(s, &end, 10);
        if (*s == '\0' || *end != '\0' || v < 1 || v > 65535)
                return false;
        *port = (uint16_t)v;
        return true;
}

/* "a.b.c.d:port" or "[v6]:port"; loopback only (the network rule) */
static bool parse_addr(const char *str, struct sockaddr_storage *ss, socklen_t *len)
{
        char host[64];
        const char *colon;
        uint16_t port;
        memset(ss, 0, sizeof(*ss));
        if (str[0] == '[') {
                const char *rb = strchr(str, ']');
                if (!rb || rb[1] != ':' || (size_t)(rb - str - 1) >= sizeof(host))
                        return false;
                memcpy(host, str + 1, (size_t)(rb - str - 1));
                host[rb - str - 1] = '\0';
                colon = rb + 1;
        } else {
                colon = strrchr(str, ':');
                if (!colon || (size_t)(colon - str) >= sizeof(host))
                        return false;
                memcpy(host, str, (size_t)(colon - str));
                host[colon - str] = '\0';
        }
        if (!parse_port(colon + 1, &port))
                return false;
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
                s4->sin_family = AF_INET;
                s4->sin_port = htons(port);
                *len = sizeof(*s4);
        } else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
                s6->sin6_family = AF_INET6;
                s6->sin6_port = htons(port);
                *len = sizeof(*s6);
        } else {
                return false;
        }
        return is_loopback(ss);
}

static bool parse_num(const char *v, double *out)
{
        char *end;
        double d = strtod(v, &end);
        if (*v == '\0' || *end != '\0' || !isfinite(d) || d < 0)
                return false;
        *out = d;
        return true;
}

static bool parse_mode(const char *v, int *mode)
{
        static const char *const names[] = {"forward", "blackhole", "hijack", "servfail",
                                            "refused"};
        for (int i = 0; i < 5; i++) {
                if (strcmp(v, names[i]) == 0) {
                        *mode = i;
                        return true;
                }
        }
        return false;
}

static bool parse_option(struct profile *p, const char *k, const char *v)
{
        double d;
        if (strcmp(k, "mode") == 0)
                return parse_mode(v, &p->mode);
        if (strcmp(k, "rate_mode") == 0) {
                p->rate_refused = strcmp(v, "refused") == 0;
                return p->rate_refused || strcmp(v, "drop") == 0;
        }
        if (strcmp(k, "hijack_ip") == 0)
                return inet_pton(AF_INET, v, p->hijack_ip) == 1;
        if (!parse_num(v, &d))
                return false;
        if (strcmp(k, "delay") == 0)
                p->delay = d;
        else if (strcmp(k, "jitter") == 0)
                p->jitter = d;
        else if (strcmp(k, "loss") == 0)
                p->loss_in = p->loss_out = d;
        else if (strcmp(k, "loss_in") == 0)
                p->loss_in = d;
        else if (strcmp(k, "loss_out") == 0)
                p->loss_out = d;
        else if (strcmp(k, "dup") == 0)
                p->dup = d;
        else if (strcmp(k, "reorder") == 0)
                p->reorder = d;
        else if (strcmp(k, "rate") == 0)
                p->rate = d;
        else if (strcmp(k, "lie_after") == 0)
                p->lie_after = (long long)d;
        else if (strcmp(k, "servfail_burst") == 0)
                p->sf_burst = d;
        else
                return false;
        return true;
}

static struct resolver *new_resolver(void)
{
        if (g.nres == g.capres) {
                g.capres = g.capres ? g.capres * 2 : 16;
                g.res = realloc(g.res, g.capres * sizeof(*g.res));
                if (!g.res)
                        die("realloc");
        }
        struct resolver *r = &g.res[g.nres++];
        memset(r, 0, sizeof(*r));
        r->udp = r->tcp = -1;
        r->p.lie_after = -1;
        static const uint8_t def_ip[4] = {198, 51, 100, 7};
        memcpy(r->p.hijack_ip, def_ip, 4);
        return r;
}

/* "ADDR:PORT key=value ..." (a loss=, then loss_in=/loss_out= override) */
static void parse_line(char *line, int lineno)
{
        char *save = NULL, *tok = strtok_r(line, " \t\r\n", &save);
        if (!tok || tok[0] == '#')
                return;
        struct resolver *r = new_resolver();
        if (!parse_addr(tok, &r->sa, &r->salen)) {
                fprintf(stderr, "dnssim: config line %d: bad or non-loopback address %s\n", lineno,
                        tok);
                exit(2);
        }
        snprintf(r->name, sizeof(r->name), "%s", tok);
        while ((tok = strtok_r(NULL, " \t\r\n", &save)) != NULL) {
                if (tok[0] == '#')
                        break;
                char *eq = strchr(tok, '=');
                if (eq)
                        *eq = '\0';
                if (!eq || !parse_option(&r->p, tok, eq + 1)) {
                        fprintf(stderr, "dnssim: config line %d: bad option %s\n", lineno, tok);
                        exit(2);
                }
        }
        r->tokens = r->p.rate > 0 ? fmax(1, r->p.rate / 10) : 0;
}

static void parse_config(const char *path)
{
        FILE *f = fopen(path, "r");
        if (!f)
                die(path);
        char line[1024];
        int n = 0;
        while (fgets(line, sizeof(line), f))
                parse_line(line, ++n);
        fclose(f);
        if (g.nres == 0)
                usage_die("no resolver in the config", path);
}

/* ---- sockets ----------------------------------------------------------- */

static void set_bufs(int fd)
{
        int sz = 8 << 20;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
        if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
                setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
}

static void ep_add(int fd, uint32_t events, enum tag t, uint32_t idx)
{
        struct epoll_event ev = {.events = events, .data.u64 = (uint64_t)t << 32 | idx};
        if (epoll_ctl(g.ep, EPOLL_CTL_ADD, fd, &ev) < 0)
                die("epoll_ctl");
}

static int open_sock(const struct sockaddr_storage *sa, int type)
{
        int fd = socket(sa->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -1;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (sa->ss_family == AF_INET6)
                setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        return fd;
}

static void bind_resolver(struct resolver *r, uint32_t idx)
{
        r->udp = open_sock(&r->sa, SOCK_DGRAM);
        if (r->udp < 0)
                die("socket");
        set_bufs(r->udp);
        if (bind(r->udp, (struct sockaddr *)&r->sa, r->salen) < 0)
                die(r->name);
        r->tcp = open_sock(&r->sa, SOCK_STREAM);
        if (r->tcp < 0 || bind(r->tcp, (struct sockaddr *)&r->sa, r->salen) < 0 ||
            listen(r->tcp, 128) < 0)
                die(r->name);
        ep_add(r->udp, EPOLLIN, T_RES_UDP, idx);
        ep_add(r->tcp, EPOLLIN, T_RES_TCP, idx);
}

static void shuffle_ids(uint16_t *ids)
{
        for (uint32_t i = 0; i < 65536; i++)
                ids[i] = (uint16_t)i;
        for (uint32_t i = 65535; i > 0; i--) {
                uint32_t j = (uint32_t)(rng_next() % (i + 1));
                uint16_t t = ids[i];
                ids[i] = ids[j];
                ids[j] = t;
        }
}

static void open_upstreams(void)
{
        g.up = xcalloc(NUP, sizeof(*g.up));
        g.pend = xcalloc(NSLOT, sizeof(*g.pend));
        g.phead = g.ptail = NIL;
        for (uint32_t i = 0; i < NUP; i++) {
                struct upstream *u = &g.up[i];
                u->fd = socket(g.up_sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (u->fd < 0)
                        die("socket");
                set_bufs(u->fd);
                if (connect(u->fd, (struct sockaddr *)&g.up_sa, g.up_salen) < 0)
                        die("connect upstream");
                shuffle_ids(u->ring);
                u->count = 65536;
                ep_add(u->fd, EPOLLIN, T_UP, i);
        }
}

static void raise_nofile(void)
{
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                setrlimit(RLIMIT_NOFILE, &rl);
        }
}

/* ---- stats and ready files ------------------------------------------------ */

static void write_resolver_json(FILE *f, const struct resolver *r)
{
        const struct counters *c = &r->c;
        fprintf(f,
                "{\"addr\":\"%s\",\"received\":%llu,\"forwarded\":%llu,\"answered\":%llu,"
                "\"lost_in\":%llu,\"lost_out\":%llu,\"rate_dropped\":%llu,\"rate_refused\":%llu,"
                "\"hijacked\":%llu,\"max_qps_1s\":%llu,\"max_outstanding\":%llu,",
                r->name, (unsigned long long)c->received, (unsigned long long)c->forwarded,
                (unsigned long long)c->answered, (unsigned long long)c->lost_in,
                (unsigned long long)c->lost_out, (unsigned long long)c->rate_dropped,
                (unsigned long long)c->rate_refused, (unsigned long long)c->hijacked,
                (unsigned long long)r->max_qps, (unsigned long long)r->max_outstanding);
        fprintf(f,
                "\"blackholed\":%llu,\"servfail\":%llu,\"refused\":%llu,\"duplicated\":%llu,"
                "\"upstream_timeouts\":%llu,\"malformed\":%llu,\"dropped_full\":%llu,"
                "\"outstanding\":%llu}",
                (unsigned long long)c->blackholed, (unsigned long long)c->servfail,
                (unsigned long long)c->refused, (unsigned long long)c->duplicated,
                (unsigned long long)c->timeouts, (unsigned long long)c->malformed,
                (unsigned long long)c->full, (unsigned long long)r->outstanding);
}

static void write_stats(void)
{
        if (!g.stats)
                return;
        char tmp[4096];
        snprintf(tmp, sizeof(tmp), "%s.tmp", g.stats);
        FILE *f = fopen(tmp, "w");
        if (!f) {
                fprintf(stderr, "dnssim: %s: %s\n", tmp, strerror(errno));
                return;
        }
        fputs("{\"resolvers\":[", f);
        for (size_t i = 0; i < g.nres; i++) {
                fputs(i ? ",\n" : "\n", f);
                write_resolver_json(f, &g.res[i]);
        }
        fprintf(f,
                "],\n\"upstream_timeouts\":%llu,\"upstream_unmatched\":%llu,"
                "\"upstream_malformed\":%llu,\"send_errors\":%llu,\"tcp_connections\":%llu,"
                "\"tcp_refused\":%llu,\"elapsed_s\":%.3f}\n",
                (unsigned long long)g.up_timeouts, (unsigned long long)g.up_unmatched,
                (unsigned long long)g.up_malformed, (unsigned long long)g.send_errors,
                (unsigned long long)g.tcp_conns, (unsigned long long)g.tcp_refused,
                (double)(clock_us() - g.start_us) / 1e6);
        if (fclose(f) != 0 || rename(tmp, g.stats) != 0)
                fprintf(stderr, "dnssim: writing %s: %s\n", g.stats, strerror(errno));
}

static void write_ready(void)
{
        if (!g.ready)
                return;
        char tmp[4096];
        snprintf(tmp, sizeof(tmp), "%s.tmp", g.ready);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "ready %d %zu\n", (int)getpid(), g.nres) < 0 || fclose(f) != 0 ||
            rename(tmp, g.ready) != 0)
                die(g.ready);
}

/* ---- DNS wire helpers ----------------------------------------------------- */

/* offset just past the (uncompressed) name at off, or 0 when malformed */
static size_t name_end(const uint8_t *p, size_t len, size_t off)
{
        size_t total = 0;
        while (off < len) {
                uint8_t l = p[off];
                if (l == 0)
                        return off + 1;
                if (l > 63 || (total += l + 1u) > 255)
                        return 0;
                off += l + 1u;
        }
        return 0;
}

/* offset past the single question, or 0 */
static size_t question_end(const uint8_t *p, size_t len)
{
        if (len < 12 || get16(p + 4) != 1)
                return 0;
        size_t e = name_end(p, len, 12);
        if (e == 0 || e + 4 > len)
                return 0;
        return e + 4;
}

static uint32_t question_hash(const uint8_t *p, size_t qend)
{
        uint32_t h = 2166136261u; /* FNV-1a */
        for (size_t i = 12; i < qend; i++)
                h = (h ^ p[i]) * 16777619u;
        return h;
}

/* an answer built from the query: header and question, no records */
static size_t local_answer(const uint8_t *q, size_t qend, int rcode, uint8_t *out)
{
        memcpy(out, q, qend);
        out[2] = (uint8_t)(0x80 | (q[2] & 0x79)); /* QR, opcode and RD kept, AA/TC cleared */
        out[3] = (uint8_t)(0x80 | rcode);         /* RA */
        memset(out + 6, 0, 6);
        return qend;
}

/* NXDOMAIN answer -> NOERROR with one "qname 60 IN A ip" */
static size_t hijack_answer(const uint8_t *a, size_t qend, const uint8_t ip[4], uint8_t *out)
{
        memcpy(out, a, qend);
        out[3] &= 0xf0;
        put16(out + 6, 1);
        memset(out + 8, 0, 4);
        static const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
        memcpy(out + qend, rr, sizeof(rr));
        memcpy(out + qend + sizeof(rr), ip, 4);
        return qend + sizeof(rr) + 4;
}

/* ---- output queue ----------------------------------------------------- */

static void outq_flush_group(unsigned from, unsigned to)
{
        struct mmsghdr mm[OUTQ];
        struct iovec iov[OUTQ];
        unsigned n = to - from;
        for (unsigned i = 0; i < n; i++) {
                struct outmsg *o = &g.outq[from + i];
                iov[i] = (struct iovec){.iov_base = o->buf, .iov_len = o->len};
                mm[i].msg_hdr = (struct msghdr){.msg_name = o->alen ? &o->addr : NULL,
                                                .msg_namelen = o->alen,
                                                .msg_iov = &iov[i],
                                                .msg_iovlen = 1};
        }
        unsigned done = 0;
        while (done < n) {
                int k = sendmmsg(g.outq[from].fd, mm + done, n - done, 0);
                if (k <= 0) {
                        if (k < 0 && errno == EINTR)
                                continue;
                        g.send_errors++; /* drop one and go on (buffer full, refused) */
                        k = 1;
                }
                done += (unsigned)k;
        }
}

static void outq_flush(void)
{
        unsigned i = 0;
        while (i < g.nout) {
                unsigned j = i + 1;
                while (j < g.nout && g.outq[j].fd == g.outq[i].fd)
                        j++;
                outq_flush_group(i, j);
                i = j;
        }
        g.nout = 0;
}

static uint8_t *outq_push(int fd, const struct sockaddr_in6 *to, socklen_t tolen, size_t len)
{
        if (g.nout == OUTQ)
                outq_flush();
        struct outmsg *o = &g.outq[g.nout++];
        o->fd = fd;
        o->alen = to ? tolen : 0;
        if (to)
                memcpy(&o->addr, to, tolen);
        o->len = (uint16_t)len;
        return o->buf;
}

/* ---- answers: loss out, duplication, delay ----------------------------------- */

static void done_one(struct resolver *r)
{
        if (r->outstanding)
                r->outstanding--;
}

static void send_answer(struct resolver *r, const struct sockaddr_in6 *cl, socklen_t clen,
                        const uint8_t *pkt, size_t len, bool dup)
{
        memcpy(outq_push(r->udp, cl, clen, len), pkt, len);
        if (dup) {
                memcpy(outq_push(r->udp, cl, clen, len), pkt, len);
                r->c.duplicated++;
        }
        r->c.answered++;
        done_one(r);
}

static uint64_t hold_us(const struct profile *p)
{
        double ms = p->delay;
        if (p->jitter > 0)
                ms += (rng_unit() * 2 - 1) * p->jitter;
        if (ms < 0)
                ms = 0;
        if (p->reorder > 0)
                ms += rng_unit() * p->reorder;
        return (uint64_t)(ms * 1000.0);
}

static void wheel_insert(struct held *h)
{
        if (h->due_ms <= g.wheel_ms)
                h->due_ms = g.wheel_ms + 1;
        struct held **b = &g.wheel[h->due_ms % WHEEL];
        h->next = *b;
        *b = h;
}

static void hold_answer(struct resolver *r, const struct sockaddr_in6 *cl, socklen_t clen,
                        const uint8_t *pkt, size_t len, bool dup, uint64_t hold)
{
        struct held *h = malloc(sizeof(*h) + len);
        if (!h) {
                g.send_errors++;
                done_one(r);
                return;
        }
        h->due_ms = (g.now_us + hold + 999) / 1000;
        h->res = (uint32_t)(r - g.res);
        h->dup = dup;
        memcpy(&h->client, cl, clen);
        h->clen = clen;
        h->len = (uint16_t)len;
        memcpy(h->data, pkt, len);
        wheel_insert(h);
        g.nheld++;
}

/* every answer to a client goes through here */
static void deliver(struct resolver *r, const struct sockaddr_in6 *cl, socklen_t clen,
                    const uint8_t *pkt, size_t len)
{
        if (chance(r->p.loss_out)) {
                r->c.lost_out++;
                done_one(r);
                return;
        }
        bool dup = chance(r->p.dup);
        uint64_t hold = hold_us(&r->p);
        if (hold == 0)
                send_answer(r, cl, clen, pkt, len, dup);
        else
                hold_answer(r, cl, clen, pkt, len, dup, hold);
}

static void wheel_bucket(uint64_t t, uint64_t now_ms)
{
        struct held *h = g.wheel[t % WHEEL];
        g.wheel[t % WHEEL] = NULL;
        while (h) {
                struct held *next = h->next;
                if (h->due_ms <= now_ms) {
                        send_answer(&g.res[h->res], &h->client, h->clen, h->data, h->len, h->dup);
                        free(h);
                        g.nheld--;
                } else {
                        h->next = g.wheel[t % WHEEL];
                        g.wheel[t % WHEEL] = h;
                }
                h = next;
        }
}

static void wheel_run(void)
{
        uint64_t now_ms = g.now_us / 1000;
        if (now_ms <= g.wheel_ms)
                return;
        uint64_t n = now_ms - g.wheel_ms;
        if (n > WHEEL)
                n = WHEEL;
        for (uint64_t t = now_ms - n + 1; t <= now_ms; t++)
                wheel_bucket(t, now_ms);
        g.wheel_ms = now_ms;
}

/* ---- outstanding upstream queries --------------------------------------- */

static void pend_unlink(uint32_t s)
{
        struct pending *e = &g.pend[s];
        if (e->prev != NIL)
                g.pend[e->prev].next = e->next;
        else
                g.phead = e->next;
        if (e->next != NIL)
                g.pend[e->next].prev = e->prev;
        else
                g.ptail = e->prev;
        e->used = 0;
        struct upstream *u = &g.up[s >> 16];
        u->ring[(u->head + u->count) & 0xffff] = (uint16_t)s;
        u->count++;
}

/* a free slot (upstream socket << 16 | ID), NIL when every ID is taken */
static uint32_t pend_alloc(void)
{
        for (unsigned k = 0; k < NUP; k++) {
                unsigned i = (g.up_next + k) % NUP;
                struct upstream *u = &g.up[i];
                if (u->count == 0)
                        continue;
                uint16_t id = u->ring[u->head];
                u->head = (u->head + 1) & 0xffff;
                u->count--;
                return (uint32_t)i << 16 | id;
        }
        return NIL;
}

static void pend_append(uint32_t s)
{
        struct pending *e = &g.pend[s];
        e->used = 1;
        e->next = NIL;
        e->prev = g.ptail;
        if (g.ptail != NIL)
                g.pend[g.ptail].next = s;
        else
                g.phead = s;
        g.ptail = s;
}

static void expire_pending(void)
{
        while (g.phead != NIL && g.pend[g.phead].sent_us + UP_TIMEOUT_US <= g.now_us) {
                uint32_t s = g.phead;
                struct resolver *r = &g.res[g.pend[s].res];
                r->c.timeouts++;
                g.up_timeouts++;
                done_one(r);
                pend_unlink(s);
        }
}

/* ---- queries ---------------------------------------------------------- */

static void forward(struct resolver *r, const struct sockaddr_in6 *cl, socklen_t clen,
                    const uint8_t *q, size_t len, size_t qend, bool hijack)
{
        uint32_t s = pend_alloc();
        if (s == NIL) {
                r->c.full++;
                done_one(r);
                return;
        }
        struct pending *e = &g.pend[s];
        e->res = (uint32_t)(r - g.res);
        e->id = get16(q);
        e->hijack = hijack;
        e->qhash = question_hash(q, qend);
        e->sent_us = g.now_us;
        memcpy(&e->client, cl, clen);
        e->clen = clen;
        pend_append(s);
        uint8_t *out = outq_push(g.up[s >> 16].fd, NULL, 0, len);
        memcpy(out, q, len);
        put16(out, (uint16_t)s);
        r->c.forwarded++;
}

static void count_qps(struct resolver *r)
{
        uint64_t slot = g.now_us / 100000;
        if (slot >= r->qslot + 10) {
                memset(r->qb, 0, sizeof(r->qb));
                r->qsum = 0;
                r->qslot = slot;
        }
        while (r->qslot < slot) {
                r->qslot++;
                r->qsum -= r->qb[r->qslot % 10];
                r->qb[r->qslot % 10] = 0;
        }
        r->qb[slot % 10]++;
        if (++r->qsum > r->max_qps)
                r->max_qps = r->qsum;
}

/* token bucket: true when the query is within the rate */
static bool rate_ok(struct resolver *r)
{
        if (r->p.rate <= 0)
                return true;
        double depth = fmax(1, r->p.rate / 10);
        r->tokens += (double)(g.now_us - r->tok_us) * r->p.rate / 1e6;
        r->tok_us = g.now_us;
        if (r->tokens > depth)
                r->tokens = depth;
        if (r->tokens >= 1) {
                r->tokens -= 1;
                return true;
        }
        return false;
}

static void local_reply(struct resolver *r, const struct sockaddr_in6 *cl, socklen_t clen,
                        const uint8_t *q, size_t qend, int rcode)
{
        uint8_t out[MAXPKT];
        size_t n = local_answer(q, qend, rcode, out);
        deliver(r, cl, clen, out, n);
}

/* past loss and rate limit: what the resolver's mode does with the query */
static void resolve(struct resolver *r, const struct sockaddr_in6 *cl, socklen_t clen,
                    const uint8_t *q, size_t len, size_t qend)
{
        r->seen++;
        int mode = r->p.mode;
        if (mode == M_FORWARD && r->p.lie_after >= 0 && r->seen > (uint64_t)r->p.lie_after)
                mode = M_HIJACK;
        if (mode == M_BLACKHOLE) {
                r->c.blackholed++;
                done_one(r);
        } else if (mode == M_REFUSED) {
                r->c.refused++;
                local_reply(r, cl, clen, q, qend, 5);
        } else if (mode == M_SERVFAIL || chance(r->p.sf_burst)) {
                r->c.servfail++;
                local_reply(r, cl, clen, q, qend, 2);
        } else {
                forward(r, cl, clen, q, len, qend, mode == M_HIJACK);
        }
}

static void on_query(struct resolver *r, const struct sockaddr_in6 *cl, socklen_t clen,
                     const uint8_t *q, size_t len)
{
        size_t qend = question_end(q, len);
        if (qend == 0 || (q[2] & 0x80)) {
                r->c.malformed++;
                return;
        }
        r->c.received++;
        count_qps(r);
        if (++r->outstanding > r->max_outstanding)
                r->max_outstanding = r->outstanding;
        if (chance(r->p.loss_in)) {
                r->c.lost_in++;
                done_one(r);
        } else if (!rate_ok(r)) {
                if (r->p.rate_refused) {
                        r->c.rate_refused++;
                        local_reply(r, cl, clen, q, qend, 5);
                } else {
                        r->c.rate_dropped++;
                        done_one(r);
                }
        } else {
                resolve(r, cl, clen, q, len, qend);
        }
}

struct rbatch {
        struct mmsghdr mm[BATCH];
        struct iovec iov[BATCH];
        struct sockaddr_in6 addr[BATCH];
        uint8_t buf[BATCH][MAXPKT];
};

static struct rbatch *g_rb;

/* one recvmmsg batch from fd; returns the count (0 on EAGAIN or error) */
static int recv_batch(int fd, bool want_addr)
{
        struct rbatch *b = g_rb;
        for (int i = 0; i < BATCH; i++) {
                b->iov[i] = (struct iovec){.iov_base = b->buf[i], .iov_len = MAXPKT};
                b->mm[i].msg_hdr = (struct msghdr){
                    .msg_name = want_addr ? &b->addr[i] : NULL,
                    .msg_namelen = want_addr ? sizeof(b->addr[i]) : 0,
                    .msg_iov = &b->iov[i],
                    .msg_iovlen = 1,
                };
        }
        int n = recvmmsg(fd, b->mm, BATCH, MSG_DONTWAIT, NULL);
        return n < 0 ? 0 : n;
}

static void on_resolver_udp(uint32_t idx)
{
        struct resolver *r = &g.res[idx];
        int n = recv_batch(r->udp, true);
        for (int i = 0; i < n; i++) {
                struct msghdr *h = &g_rb->mm[i].msg_hdr;
                if (h->msg_flags & MSG_TRUNC) {
                        r->c.malformed++;
                        continue;
                }
                on_query(r, &g_rb->addr[i], h->msg_namelen, g_rb->buf[i], g_rb->mm[i].msg_len);
        }
        g.up_next = (g.up_next + 1) % NUP; /* spread batches over the sockets */
}

static void on_answer(uint32_t up, uint8_t *a, size_t len)
{
        if (len < 12) {
                g.up_malformed++;
                return;
        }
        uint32_t s = up << 16 | get16(a);
        struct pending *e = &g.pend[s];
        size_t qend = question_end(a, len);
        if (!e->used || (qend && question_hash(a, qend) != e->qhash)) {
                g.up_unmatched++;
                return;
        }
        struct resolver *r = &g.res[e->res];
        struct sockaddr_in6 cl = e->client;
        socklen_t clen = e->clen;
        put16(a, e->id);
        bool hijack = e->hijack;
        pend_unlink(s);
        if (hijack && qend && (a[3] & 0x0f) == 3) {
                uint8_t out[MAXPKT];
                size_t n = hijack_answer(a, qend, r->p.hijack_ip, out);
                r->c.hijacked++;
                deliver(r, &cl, clen, out, n);
                return;
        }
        deliver(r, &cl, clen, a, len);
}

static void on_upstream(uint32_t idx)
{
        int n = recv_batch(g.up[idx].fd, false);
        for (int i = 0; i < n; i++) {
                if (g_rb->mm[i].msg_hdr.msg_flags & MSG_TRUNC)
                        g.up_malformed++;
                else
                        on_answer(idx, g_rb->buf[i], g_rb->mm[i].msg_len);
        }
}

/* ---- TCP proxy ---------------------------------------------------------- */

static void tcp_close(uint32_t ci)
{
        struct tcpconn *c = g.tcp[ci];
        close(c->fd[0]);
        close(c->fd[1]);
        free(c);
        g.tcp[ci] = NULL;
}

static void tcp_interest(uint32_t ci)
{
        struct tcpconn *c = g.tcp[ci];
        for (int s = 0; s < 2; s++) {
                uint32_t ev = 0;
                if (!c->eof[s] && c->len[s] == 0)
                        ev |= EPOLLIN;
                if (c->len[!s] > c->off[!s])
                        ev |= EPOLLOUT;
                struct epoll_event e = {.events = ev,
                                        .data.u64 = (uint64_t)T_TCP << 32 | ci << 1 | (uint32_t)s};
                epoll_ctl(g.ep, EPOLL_CTL_MOD, c->fd[s], &e);
        }
}

/* writes buf[s] to fd[!s]; false on a hard error */
static bool tcp_flush(struct tcpconn *c, int s)
{
        while (c->off[s] < c->len[s]) {
                ssize_t k =
                    send(c->fd[!s], c->buf[s] + c->off[s], c->len[s] - c->off[s], MSG_NOSIGNAL);
                if (k < 0)
                        return errno == EAGAIN || errno == EINTR;
                c->off[s] += (size_t)k;
        }
        c->off[s] = c->len[s] = 0;
        if (c->eof[s])
                shutdown(c->fd[!s], SHUT_WR);
        return true;
}

/* reads what fd[s] has into buf[s]; false on a hard error */
static bool tcp_fill(struct tcpconn *c, int s)
{
        if (c->eof[s] || c->len[s] != 0)
                return true;
        ssize_t k = recv(c->fd[s], c->buf[s], TCPBUF, 0);
        if (k < 0)
                return errno == EAGAIN || errno == EINTR;
        if (k == 0)
                c->eof[s] = true;
        c->len[s] = (size_t)k;
        c->off[s] = 0;
        return true;
}

static void on_tcp(uint32_t v, uint32_t events)
{
        uint32_t ci = v >> 1;
        int s = (int)(v & 1);
        struct tcpconn *c = g.tcp[ci];
        if (!c)
                return;
        bool ok = true;
        if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                ok = tcp_fill(c, s) && tcp_flush(c, s);
        if (ok && (events & EPOLLOUT))
                ok = tcp_flush(c, !s);
        if ((events & EPOLLERR) && !(events & EPOLLIN))
                ok = false;
        /* done: an error, or the server closed and all it sent is passed on */
        bool drained = c->len[0] == 0 && c->len[1] == 0;
        if (!ok || (drained && c->eof[1])) {
                tcp_close(ci);
                return;
        }
        tcp_interest(ci);
}

static int tcp_slot(void)
{
        for (int i = 0; i < MAXTCP; i++)
                if (!g.tcp[i])
                        return i;
        return -1;
}

static void on_accept(uint32_t idx)
{
        struct resolver *r = &g.res[idx];
        int cfd = accept4(r->tcp, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0)
                return;
        int slot = tcp_slot();
        int ufd = slot < 0 || r->p.mode == M_BLACKHOLE ? -1 : open_sock(&g.up_sa, SOCK_STREAM);
        if (ufd >= 0 && connect(ufd, (struct sockaddr *)&g.up_sa, g.up_salen) < 0 &&
            errno != EINPROGRESS) {
                close(ufd);
                ufd = -1;
        }
        if (ufd < 0) {
                g.tcp_refused++;
                close(cfd);
                return;
        }
        struct tcpconn *c = xcalloc(1, sizeof(*c));
        c->fd[0] = cfd;
        c->fd[1] = ufd;
        g.tcp[slot] = c;
        g.tcp_conns++;
        ep_add(cfd, EPOLLIN, T_TCP, (uint32_t)slot << 1);
        ep_add(ufd, EPOLLIN, T_TCP, (uint32_t)slot << 1 | 1);
}

/* ---- main loop -------------------------------------------------------- */

static void on_signal(void)
{
        struct signalfd_siginfo si;
        while (read(g.sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                if (si.ssi_signo == SIGUSR1)
                        write_stats();
                else
                        g.stop = true;
        }
}

static void dispatch(const struct epoll_event *ev)
{
        uint32_t t = (uint32_t)(ev->data.u64 >> 32), idx = (uint32_t)ev->data.u64;
        switch (t) {
        case T_SIG:
                on_signal();
                break;
        case T_RES_UDP:
                on_resolver_udp(idx);
                break;
        case T_RES_TCP:
                on_accept(idx);
                break;
        case T_UP:
                on_upstream(idx);
                break;
        case T_TCP:
                on_tcp(idx, ev->events);
                break;
        }
}

static void setup_signals(void)
{
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
                die("sigprocmask");
        g.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
        if (g.sigfd < 0)
                die("signalfd");
        ep_add(g.sigfd, EPOLLIN, T_SIG, 0);
        signal(SIGPIPE, SIG_IGN);
}

static void run(void)
{
        struct epoll_event evs[256];
        uint64_t end_us = g.start_us + (uint64_t)(g.max_seconds * 1e6);
        while (!g.stop) {
                int timeout = g.nheld ? 1 : 100;
                int n = epoll_wait(g.ep, evs, 256, timeout);
                if (n < 0 && errno != EINTR)
                        die("epoll_wait");
                g.now_us = clock_us();
                for (int i = 0; i < n; i++)
                        dispatch(&evs[i]);
                wheel_run();
                expire_pending();
                outq_flush();
                if (g.now_us >= end_us)
                        g.stop = true;
        }
}

static void parse_args(int argc, char **argv, const char **config)
{
        g.max_seconds = 3600;
        g.rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
        const char *up = NULL;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                if (i + 1 >= argc)
                        usage_die("missing value or unknown option", a);
                const char *v = argv[++i];
                if (strcmp(a, "--upstream") == 0)
                        up = v;
                else if (strcmp(a, "--config") == 0)
                        *config = v;
                else if (strcmp(a, "--stats") == 0)
                        g.stats = v;
                else if (strcmp(a, "--ready") == 0)
                        g.ready = v;
                else if (strcmp(a, "--seed") == 0)
                        g.rng = strtoull(v, NULL, 0);
                else if (strcmp(a, "--max-seconds") == 0)
                        g.max_seconds = atof(v);
                else
                        usage_die("unknown option", a);
        }
        if (!up || !*config)
                usage_die("--upstream and --config are required", NULL);
        if (!parse_addr(up, &g.up_sa, &g.up_salen))
                usage_die("bad or non-loopback upstream address", up);
        if (g.rng == 0)
                g.rng = 0x9E3779B97F4A7C15ULL;
        fprintf(stderr, "dnssim: seed %llu\n", (unsigned long long)g.rng);
}

int main(int argc, char **argv)
{
        const char *config = NULL;
        parse_args(argc, argv, &config);
        parse_config(config);
        raise_nofile();
        g.ep = epoll_create1(EPOLL_CLOEXEC);
        if (g.ep < 0)
                die("epoll_create1");
        setup_signals();
        g.outq = xcalloc(OUTQ, sizeof(*g.outq));
        g_rb = xcalloc(1, sizeof(*g_rb));
        open_upstreams();
        for (size_t i = 0; i < g.nres; i++)
                bind_resolver(&g.res[i], (uint32_t)i);
        g.start_us = g.now_us = clock_us();
        g.wheel_ms = g.now_us / 1000;
        for (size_t i = 0; i < g.nres; i++)
                g.res[i].tok_us = g.now_us;
        write_ready();
        fprintf(stderr, "dnssim: %zu resolvers ready\n", g.nres);
        run();
        write_stats();
        return 0;
}
