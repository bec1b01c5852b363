/* Unit tests of the epoll driver (core/src/loop.c): the real loop drives a
 * real engine over real sockets; the test itself plays the resolver on
 * 127.0.0.1 (UDP and TCP on one port, answering from the dnstest.h zone in
 * a thread of its own), so every packet stays on loopback. */
#include <gtest/gtest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dnsglean/loop.h"
#include "dnstest.h"

using dnstest::Bytes;
using dnstest::Question;
using dnstest::Response;
using dnstest::Zone;

namespace
{

/* What the resolver does with the n-th query (from 0) for a name: an
 * answer, or nothing (dropped). */
using Behaviour = std::function<std::optional<Bytes>(const Question &, bool tcp, unsigned n)>;

Zone example()
{
        Zone z("example.com");
        z.add("www", 1, "192.0.2.1").add("", 15, "10 mail.example.com.");
        z.add("mail", 1, "192.0.2.25");
        for (int i = 0; i < 40; i++) /* over 512 octets: truncated over UDP */
                z.add("big", 1, "192.0.2." + std::to_string(100 + i));
        return z;
}

/* A DNS resolver on 127.0.0.1: UDP and TCP on the same port. */
class Resolver
{
      public:
        explicit Resolver(Behaviour b) : behave_(std::move(b))
        {
                udp_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                sockaddr_in a{};
                a.sin_family = AF_INET;
                a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                EXPECT_EQ(bind(udp_, (sockaddr *)&a, sizeof a), 0);
                socklen_t len = sizeof a;
                getsockname(udp_, (sockaddr *)&a, &len);
                port_ = ntohs(a.sin_port);
                tcp_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                int one = 1;
                setsockopt(tcp_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
                EXPECT_EQ(bind(tcp_, (sockaddr *)&a, sizeof a), 0);
                EXPECT_EQ(listen(tcp_, 16), 0);
                thread_ = std::thread([this] { serve(); });
        }
        ~Resolver()
        {
                stop_ = true;
                thread_.join();
                close(udp_);
                close(tcp_);
        }
        std::string addr() const
        {
                return "127.0.0.1:" + std::to_string(port_);
        }
        /* queries seen for name over UDP (tcp false) or TCP */
        unsigned seen(const std::string &name, bool tcp)
        {
                std::lock_guard<std::mutex> g(mu_);
                return seen_[{name, tcp}];
        }
        /* a second socket: answers sent from it come from a wrong port */
        int spoof_fd = -1;

      private:
        std::optional<Bytes> answer(const uint8_t *q, size_t len, bool tcp)
        {
                Question qq = dnstest::parse_query(q, len);
                if (!qq.ok)
                        return std::nullopt;
                unsigned n;
                {
                        std::lock_guard<std::mutex> g(mu_);
                        n = seen_[{qq.qname, tcp}]++;
                }
                return behave_(qq, tcp, n);
        }
        void serve_udp()
        {
                uint8_t buf[4096];
                sockaddr_storage from;
                socklen_t fl = sizeof from;
                ssize_t n = recvfrom(udp_, buf, sizeof buf, 0, (sockaddr *)&from, &fl);
                if (n <= 0)
                        return;
                auto r = answer(buf, (size_t)n, false);
                if (!r)
                        return;
                if (spoof_fd >= 0 && r->size() >= 4) {
                        /* first a lie from another port: the same answer
                         * with another address (the last rdata) */
                        Bytes lie = *r;
                        const uint8_t other[4] = {198, 51, 100, 66};
                        std::copy(other, other + 4, lie.end() - 4);
                        sendto(spoof_fd, lie.data(), lie.size(), 0, (sockaddr *)&from, fl);
                }
                sendto(udp_, r->data(), r->size(), 0, (sockaddr *)&from, fl);
        }
        void serve_tcp()
        {
                int c = accept4(tcp_, nullptr, nullptr, SOCK_CLOEXEC);
                if (c < 0)
                        return;
                timeval tv{2, 0};
                setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
                uint8_t hdr[2], buf[65535];
                if (recv(c, hdr, 2, MSG_WAITALL) == 2) {
                        size_t len = (size_t)hdr[0] << 8 | hdr[1];
                        if (recv(c, buf, len, MSG_WAITALL) == (ssize_t)len) {
                                auto r = answer(buf, len, true);
                                if (r) {
                                        Bytes out{(uint8_t)(r->size() >> 8), (uint8_t)r->size()};
                                        out.insert(out.end(), r->begin(), r->end());
                                        send(c, out.data(), out.size(), MSG_NOSIGNAL);
                                }
                        }
                }
                close(c);
        }
        void serve()
        {
                while (!stop_) {
                        pollfd p[2] = {{udp_, POLLIN, 0}, {tcp_, POLLIN, 0}};
                        if (poll(p, 2, 20) <= 0)
                                continue;
                        if (p[0].revents & POLLIN)
                                serve_udp();
                        if (p[1].revents & POLLIN)
                                serve_tcp();
                }
        }

        Behaviour behave_;
        int udp_ = -1, tcp_ = -1;
        uint16_t port_ = 0;
        std::atomic<bool> stop_{false};
        std::thread thread_;
        std::mutex mu_;
        std::map<std::pair<std::string, bool>, unsigned> seen_;
};

Behaviour honest(Zone &z)
{
        return [&z](const Question &q, bool, unsigned) { return z.answer(q).encode(); };
}

struct Got {
        std::map<std::string, dg_status_t> status;
        std::map<std::string, std::vector<std::string>> data;
        std::map<std::string, unsigned> tries;
        std::map<std::string, std::string> reason;
        size_t count = 0;
        size_t stop_after = 0; /* on_result asks to stop after this many */
        volatile sig_atomic_t *stop = nullptr;
        size_t flag_after = 0; /* sets *stop after this many */
        unsigned ticks = 0;    /* on_tick calls */
};

int on_result(void *ud, dg_result_t *r)
{
        Got *g = (Got *)ud;
        g->status[r->name] = r->status;
        g->tries[r->name] = r->tries;
        if (r->reason)
                g->reason[r->name] = r->reason;
        for (size_t i = 0; r->nanswers && i < r->answers[0].ndata; i++)
                g->data[r->name].push_back(r->answers[0].data[i]);
        dg_result_free(r);
        g->count++;
        if (g->stop && g->flag_after && g->count >= g->flag_after)
                *g->stop = 1;
        return g->stop_after && g->count >= g->stop_after;
}

/* A lookup-mode engine asking the test's resolver. */
class LoopRun
{
      public:
        explicit LoopRun(const std::string &resolver, unsigned retries = 2, unsigned timeout = 150)
        {
                EXPECT_EQ(dg_resolver_parse(resolver.c_str(), &addr_), DG_OK);
                dg_engine_opts_init(&o_);
                o_.mode = DG_MODE_LOOKUP;
                o_.domain = "example.com";
                o_.resolvers = &addr_;
                o_.nresolvers = 1;
                o_.no_validate = true;
                o_.no_wildcard = true;
                o_.retries = retries;
                o_.fixed_retries = true;
                o_.timeout_ms = timeout;
                o_.seed = 5;
                EXPECT_EQ(dg_engine_new(&o_, &e_), DG_OK);
        }
        ~LoopRun()
        {
                dg_loop_free(l_);
                dg_engine_free(e_);
        }
        void ask(std::initializer_list<std::pair<const char *, uint16_t>> qs, bool close = true)
        {
                for (auto &q : qs)
                        EXPECT_EQ(dg_engine_add_lookup(e_, q.first, q.second), DG_OK);
                if (close)
                        dg_engine_close_input(e_);
        }
        dg_loop_t *loop()
        {
                if (l_ == nullptr) {
                        EXPECT_EQ(dg_loop_new(e_, &l_), DG_OK);
                }
                return l_;
        }
        int run(Got &g, volatile sig_atomic_t *stop = nullptr)
        {
                return dg_loop_run(loop(), on_result, tick, &g, stop);
        }
        dg_stats_t stats()
        {
                dg_stats_t s;
                dg_engine_stats(e_, &s);
                return s;
        }
        static void tick(void *ud)
        {
                ((Got *)ud)->ticks++;
        }
        dg_engine_t *engine()
        {
                return e_;
        }

      private:
        dg_resolver_addr_t addr_{};
        dg_engine_opts_t o_{};
        dg_engine_t *e_ = nullptr;
        dg_loop_t *l_ = nullptr;
};

/* The example zone, an honest resolver serving it and a run asking it. */
struct HonestRun {
        Zone z = example();
        Resolver res{honest(z)};
        LoopRun run{res.addr()};
};

TEST(Loop, AnswersDelivered)
{
        HonestRun h;
        h.run.ask({{"www.example.com", 1}, {"example.com", 15}, {"nope.example.com", 1}});
        Got g;
        ASSERT_EQ(h.run.run(g), DG_OK);
        EXPECT_TRUE(dg_engine_done(h.run.engine()));
        EXPECT_EQ(g.count, 3u);
        EXPECT_EQ(g.status["www.example.com"], DG_STATUS_FOUND);
        EXPECT_EQ(g.data["www.example.com"], std::vector<std::string>{"192.0.2.1"});
        EXPECT_EQ(g.data["example.com"], std::vector<std::string>{"10 mail.example.com."});
        EXPECT_EQ(g.status["nope.example.com"], DG_STATUS_NXDOMAIN);
        EXPECT_EQ(h.res.seen("www.example.com", false), 1u);
        EXPECT_GE(g.ticks, 1u); /* on_tick at least once, at the end */
        dg_stats_t s = h.run.stats();
        EXPECT_EQ(s.queries, 3u);
        EXPECT_EQ(s.responses, 3u);
        EXPECT_EQ(s.timeouts, 0u);
}

TEST(Loop, TimeoutsDriveRetries)
{
        Zone z = example();
        Resolver res([&z](const Question &q, bool, unsigned n) -> std::optional<Bytes> {
                if (q.qname == "silent.example.com" || (q.qname == "www.example.com" && n < 2))
                        return std::nullopt; /* dropped */
                return z.answer(q).encode();
        });
        LoopRun run(res.addr(), 3, 120);
        run.ask({{"www.example.com", 1}, {"silent.example.com", 1}});
        Got g;
        ASSERT_EQ(run.run(g), DG_OK);
        EXPECT_EQ(g.status["www.example.com"], DG_STATUS_FOUND);
        /* two timeouts, then the answer (a slow machine may time out the
         * third try as well: never fewer) */
        EXPECT_GE(g.tries["www.example.com"], 3u);
        EXPECT_EQ(res.seen("www.example.com", false), g.tries["www.example.com"]);
        EXPECT_EQ(g.status["silent.example.com"], DG_STATUS_FAILED);
        EXPECT_EQ(g.reason["silent.example.com"], "timeout");
        EXPECT_EQ(g.tries["silent.example.com"], 4u); /* 1 + retries */
        EXPECT_EQ(res.seen("silent.example.com", false), 4u);
        EXPECT_GE(run.stats().timeouts, 2u + 4u);
}

TEST(Loop, TruncatedAnswerGoesOverTcp)
{
        Zone z = example();
        Resolver res([&z](const Question &q, bool tcp, unsigned) -> std::optional<Bytes> {
                Response r = z.answer(q);
                if (!tcp && q.qname == "big.example.com") {
                        r.flags |= 0x0200; /* TC: the first records only */
                        r.an.resize(2);
                }
                return r.encode();
        });
        LoopRun run(res.addr());
        run.ask({{"big.example.com", 1}, {"www.example.com", 1}});
        Got g;
        ASSERT_EQ(run.run(g), DG_OK);
        EXPECT_EQ(g.status["big.example.com"], DG_STATUS_FOUND);
        EXPECT_EQ(g.data["big.example.com"].size(), 40u);
        EXPECT_GE(res.seen("big.example.com", true), 1u);
        EXPECT_EQ(res.seen("www.example.com", true), 0u);
        EXPECT_EQ(g.data["www.example.com"], std::vector<std::string>{"192.0.2.1"});
        EXPECT_GE(run.stats().tcp, 1u);
}

TEST(Loop, TcpClosedEarlyIsRetried)
{
        Zone z = example();
        Resolver res([&z](const Question &q, bool tcp, unsigned n) -> std::optional<Bytes> {
                Response r = z.answer(q);
                if (!tcp) {
                        r.flags |= 0x0200;
                        r.an.resize(1);
                } else if (n == 0) {
                        return std::nullopt; /* the first connection closes unanswered */
                }
                return r.encode();
        });
        LoopRun run(res.addr(), 4, 150);
        run.ask({{"big.example.com", 1}});
        Got g;
        ASSERT_EQ(run.run(g), DG_OK);
        EXPECT_EQ(g.status["big.example.com"], DG_STATUS_FOUND);
        EXPECT_EQ(g.data["big.example.com"].size(), 40u);
        EXPECT_GE(res.seen("big.example.com", true), 2u);
}

TEST(Loop, AnswerFromAnotherPortIgnored)
{
        Zone z = example();
        Resolver res(honest(z));
        /* the lie has the right ID and question: only its source port
         * tells it apart */
        int spoof = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ASSERT_GE(spoof, 0);
        res.spoof_fd = spoof;
        LoopRun run(res.addr());
        run.ask({{"www.example.com", 1}});
        Got g;
        ASSERT_EQ(run.run(g), DG_OK);
        EXPECT_EQ(g.data["www.example.com"], std::vector<std::string>{"192.0.2.1"});
        dg_stats_t s = run.stats();
        EXPECT_EQ(s.responses, 1u);
        EXPECT_EQ(s.mismatched, 0u); /* dropped by the loop, not the engine */
        res.spoof_fd = -1;
        close(spoof);
}

TEST(Loop, StopFlagHonoured)
{
        Zone z = example();
        Resolver res([&z](const Question &q, bool, unsigned) -> std::optional<Bytes> {
                if (q.qname != "www.example.com")
                        return std::nullopt; /* the rest would take long */
                return z.answer(q).encode();
        });
        LoopRun run(res.addr(), 20, 1000);
        run.ask({{"www.example.com", 1}, {"a.example.com", 1}, {"b.example.com", 1}});
        volatile sig_atomic_t stop = 0;
        Got g;
        g.stop = &stop;
        g.flag_after = 1;
        EXPECT_EQ(run.run(g, &stop), DG_EINTR);
        EXPECT_EQ(g.status["www.example.com"], DG_STATUS_FOUND);
        EXPECT_EQ(g.count, 1u); /* in-flight ones abandoned, unreported */

        LoopRun again(res.addr());
        again.ask({{"www.example.com", 1}});
        stop = 1; /* set before the run: nothing is sent */
        Got h;
        EXPECT_EQ(again.run(h, &stop), DG_EINTR);
        EXPECT_EQ(h.count, 0u);
        EXPECT_EQ(res.seen("www.example.com", false), 1u);
}

TEST(Loop, CallbackStopsTheRun)
{
        HonestRun h;
        h.run.ask({{"www.example.com", 1}, {"mail.example.com", 1}, {"example.com", 15}});
        Got g;
        g.stop_after = 1;
        EXPECT_EQ(h.run.run(g), DG_EINTR);
        EXPECT_EQ(g.count, 1u);
}

TEST(Loop, StepWaitsAtMostMaxWait)
{
        /* a query in flight to a silent resolver, its timeout far off: the
         * step waits max_wait_ms, not the engine's deadline */
        Resolver silent([](const Question &, bool, unsigned) { return std::optional<Bytes>(); });
        LoopRun slow(silent.addr(), 1, 1500);
        slow.ask({{"www.example.com", 1}});
        uint64_t t0 = dg_now_ms();
        EXPECT_EQ(dg_loop_step(slow.loop(), 50), DG_OK);
        uint64_t took = dg_now_ms() - t0;
        EXPECT_GE(took, 40u);
        EXPECT_LT(took, 1000u);
        EXPECT_EQ(silent.seen("www.example.com", false), 1u);
}

TEST(Loop, StepByStep)
{
        HonestRun h;
        h.run.ask({{"www.example.com", 1}});
        dg_loop_t *l = h.run.loop();
        dg_result_t *r = nullptr;
        for (int i = 0; i < 100 && r == nullptr; i++) {
                ASSERT_EQ(dg_loop_step(l, 20), DG_OK);
                dg_engine_next_result(h.run.engine(), &r);
        }
        ASSERT_NE(r, nullptr);
        EXPECT_EQ(r->status, DG_STATUS_FOUND);
        dg_result_free(r);
        EXPECT_TRUE(dg_engine_done(h.run.engine()));
}

void on_alarm(int)
{
}

TEST(Loop, SignalDuringWaitIsNotAnError)
{
        /* no resolver thread here (the signal must reach this one): a bound
         * socket nobody reads plays a silent resolver */
        int quiet = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t alen = sizeof a;
        ASSERT_EQ(bind(quiet, (sockaddr *)&a, sizeof a), 0);
        getsockname(quiet, (sockaddr *)&a, &alen);
        LoopRun run("127.0.0.1:" + std::to_string(ntohs(a.sin_port)), 1, 1500);
        run.ask({{"www.example.com", 1}});
        dg_loop_t *l = run.loop();
        ASSERT_EQ(dg_loop_step(l, 0), DG_OK); /* the query leaves */
        struct sigaction sa = {}, old = {};
        sa.sa_handler = on_alarm; /* no SA_RESTART: epoll_wait gives EINTR */
        ASSERT_EQ(sigaction(SIGALRM, &sa, &old), 0);
        itimerval it = {{0, 0}, {0, 30000}};
        setitimer(ITIMER_REAL, &it, nullptr);
        uint64_t t0 = dg_now_ms();
        EXPECT_EQ(dg_loop_step(l, 2000), DG_OK);
        EXPECT_LT(dg_now_ms() - t0, 1000u);
        itimerval off = {{0, 0}, {0, 0}};
        setitimer(ITIMER_REAL, &off, nullptr);
        sigaction(SIGALRM, &old, nullptr);
        close(quiet);
}

/* The lowest free descriptor number. */
int lowest_free_fd()
{
        int fd = dup(0);
        close(fd);
        return fd;
}

TEST(Loop, NewFailsWithEioWhenOutOfDescriptors)
{
        HonestRun h;
        h.run.ask({{"www.example.com", 1}});
        rlimit old;
        ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &old), 0);
        int base = lowest_free_fd();
        dg_loop_t *l = nullptr;
        /* room for nothing (epoll fails), then for the epoll descriptor only
         * (the UDP socket fails: what was opened is closed again) */
        for (int room = 0; room < 2; room++) {
                rlimit lim = {(rlim_t)(base + room), old.rlim_max};
                ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lim), 0);
                errno = 0;
                int rc = dg_loop_new(h.run.engine(), &l);
                int err = errno;
                ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &old), 0);
                EXPECT_EQ(rc, DG_EIO) << "room " << room;
                EXPECT_EQ(err, EMFILE) << "room " << room;
                EXPECT_EQ(l, nullptr);
                EXPECT_EQ(lowest_free_fd(), base) << "descriptor leaked, room " << room;
        }
        /* with room again the same engine runs */
        Got g;
        ASSERT_EQ(h.run.run(g), DG_OK);
        EXPECT_EQ(g.status["www.example.com"], DG_STATUS_FOUND);
        dg_loop_free(nullptr);
}

} // namespace
