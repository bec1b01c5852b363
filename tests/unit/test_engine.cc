/* Unit tests of the sans-I/O engine (core/src/engine.c), driven by canned
 * packets on a virtual clock: no sockets. Each "resolver" is a behaviour over
 * the in-test authoritative responder of dnstest.h (the test environment). */
#include <gtest/gtest.h>

#include <glib.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "dnsglean/engine.h"
#include "dnstest.h"

using dnstest::Bytes;
using dnstest::Question;
using dnstest::Response;
using dnstest::Zone;

namespace
{

/* One answer a resolver sends back: after delay ms, as if from resolver
 * `from` (-1: the one asked) on socket `sock` (-1: the query's). */
struct Reply {
        Bytes bytes;
        uint64_t delay = 1;
        int from = -1;
        int sock = -1;
};

struct Sent {
        size_t resolver;
        dg_transport_t transport;
        Question q;
        uint64_t at;
};

using Behaviour = std::function<std::vector<Reply>(const Question &, dg_transport_t, size_t n)>;

/* The honest authoritative server for zone z. */
Behaviour honest(Zone &z)
{
        return [&z](const Question &q, dg_transport_t, size_t) {
                return std::vector<Reply>{{z.answer(q).encode()}};
        };
}

/* Forwards to z but answers every NXDOMAIN with an address (an ISP's
 * NXDOMAIN hijacking), from the start or after `after` queries. */
Behaviour hijacker(Zone &z, size_t after = 0, const std::string &ip = "198.51.100.66")
{
        return [&z, after, ip](const Question &q, dg_transport_t, size_t n) {
                Response r = z.answer(q);
                if (n >= after && (r.flags & 0xf) == 3) {
                        r.flags &= (uint16_t)~0xf;
                        r.ns.clear();
                        if (q.qtype == 1)
                                r.an.push_back({q.qname, 1, 60, dnstest::rdata(1, ip)});
                }
                return std::vector<Reply>{{r.encode()}};
        };
}

/* The honest server for z behind a far, lossy path: a share `loss` of
 * the queries gets no answer, the others an answer after delay ms. */
Behaviour far_lossy(Zone &z, double loss, uint64_t delay, uint64_t seed)
{
        auto rng = std::make_shared<std::mt19937_64>(seed);
        return [&z, loss, delay, rng](const Question &q, dg_transport_t, size_t) {
                if (std::uniform_real_distribution<>(0, 1)(*rng) < loss)
                        return std::vector<Reply>{};
                Reply r{z.answer(q).encode()};
                r.delay = delay;
                return std::vector<Reply>{r};
        };
}

/* The honest server for z, silent for `count` queries from the from-th on
 * (a server or relay that stalls, then recovers). */
Behaviour stalls(Zone &z, size_t from, size_t count)
{
        return [&z, from, count](const Question &q, dg_transport_t, size_t n) {
                if (n >= from && n < from + count)
                        return std::vector<Reply>{};
                return std::vector<Reply>{{z.answer(q).encode()}};
        };
}

Behaviour silent()
{
        return [](const Question &, dg_transport_t, size_t) { return std::vector<Reply>{}; };
}

Behaviour rcode_only(uint16_t rcode)
{
        return [rcode](const Question &q, dg_transport_t, size_t) {
                Response r;
                r.id = q.id;
                r.flags = (uint16_t)(0x8000 | rcode);
                r.question = q.raw_question;
                return std::vector<Reply>{{r.encode()}};
        };
}

struct Outcome {
        std::map<std::string, dg_status_t> status;
        std::map<std::string, std::vector<std::string>> data;  /* first type's data */
        std::map<std::string, std::vector<std::string>> cname; /* first answer's chain */
        std::map<std::string, std::string> reason, wildroot;
        std::map<std::string, unsigned> tries;
        std::vector<std::string> order; /* every result, duplicates kept */
        int error = 0;
        std::string error_msg;
        dg_stats_t st{};
        bool finished = false;
};

class Words
{
      public:
        explicit Words(std::vector<std::string> w) : w_(std::move(w))
        {
        }
        static int next(void *ud, const char **word, size_t *len)
        {
                Words *self = (Words *)ud;
                if (self->i_ >= self->w_.size())
                        return 0;
                *word = self->w_[self->i_].c_str();
                *len = self->w_[self->i_].size();
                self->i_++;
                return 1;
        }
        static int rewind(void *ud)
        {
                ((Words *)ud)->i_ = 0;
                return DG_OK;
        }

      private:
        std::vector<std::string> w_;
        size_t i_ = 0;
};

uint64_t sum_status(const dg_stats_t &st)
{
        uint64_t s = 0;
        for (int i = 0; i < DG_STATUS_COUNT_; i++)
                s += st.status[i];
        return s;
}

/* Drives an engine on a virtual clock until done. */
class Net
{
      public:
        std::vector<Behaviour> res;
        std::vector<Sent> sent;
        std::vector<size_t> count; /* queries per resolver */
        uint64_t now = 1000;
        std::mt19937_64 rng{42};
        /* network faults applied to every reply (test environment) */
        double loss = 0, dup = 0;
        uint64_t jitter = 0;
        /* stop taking results after this many (checkpoint tests) */
        size_t take_limit = SIZE_MAX;

        std::vector<dg_resolver_addr_t> addrs() const
        {
                std::vector<dg_resolver_addr_t> a(res.size());
                for (size_t i = 0; i < res.size(); i++) {
                        std::string s = "127.0.0." + std::to_string(i + 2) + ":53";
                        EXPECT_EQ(dg_resolver_parse(s.c_str(), &a[i]), DG_OK);
                }
                return a;
        }

        void run(dg_engine_t *e, Outcome &out, size_t max_steps = 2000000)
        {
                count.assign(res.size(), 0);
                std::multimap<uint64_t, std::tuple<size_t, unsigned, dg_transport_t, Bytes>> wire;
                uint8_t buf[4096];
                for (size_t step = 0; step < max_steps; step++) {
                        dg_query_t q;
                        int rc;
                        while ((rc = dg_engine_next_query(e, now, buf, sizeof buf, &q)) == 1) {
                                EXPECT_LT(q.resolver, res.size());
                                EXPECT_LT(q.sock, dg_engine_nsockets(e));
                                Question qq = dnstest::parse_query(buf, q.len);
                                EXPECT_TRUE(qq.ok);
                                sent.push_back({q.resolver, q.transport, qq, now});
                                for (Reply &r :
                                     res[q.resolver](qq, q.transport, count[q.resolver]++)) {
                                        if (q.transport == DG_TRANSPORT_UDP && loss > 0 &&
                                            std::uniform_real_distribution<>(0, 1)(rng) < loss)
                                                continue;
                                        int copies = (dup > 0 && std::uniform_real_distribution<>(
                                                                     0, 1)(rng) < dup)
                                                         ? 2
                                                         : 1;
                                        for (int k = 0; k < copies; k++) {
                                                uint64_t d =
                                                    r.delay + (jitter ? rng() % jitter : 0);
                                                wire.emplace(
                                                    now + d,
                                                    std::make_tuple(
                                                        r.from < 0 ? q.resolver : (size_t)r.from,
                                                        r.sock < 0 ? q.sock : (unsigned)r.sock,
                                                        q.transport, r.bytes));
                                        }
                                }
                        }
                        EXPECT_GE(rc, 0);
                        while (!wire.empty() && wire.begin()->first <= now) {
                                auto &[ri, sock, t, bytes] = wire.begin()->second;
                                dg_engine_feed(e, now, ri, sock, t, bytes.data(), bytes.size());
                                wire.erase(wire.begin());
                        }
                        dg_engine_tick(e, now);
                        take(e, out);
                        if (dg_engine_done(e)) {
                                out.finished = true;
                                break;
                        }
                        if (take_limit != SIZE_MAX && take_limit > 0 &&
                            out.order.size() >= take_limit)
                                break;
                        if (take_limit == 0) {
                                dg_stats_t st;
                                dg_engine_stats(e, &st);
                                if (st.candidates > 0 && sum_status(st) == st.candidates &&
                                    st.inflight == 0)
                                        break; /* everything is in the result queue */
                        }
                        int64_t to = dg_engine_next_timeout(e, now);
                        uint64_t next = to < 0 ? UINT64_MAX : now + (uint64_t)to;
                        if (!wire.empty() && wire.begin()->first < next)
                                next = wire.begin()->first;
                        if (next == UINT64_MAX) {
                                ADD_FAILURE() << "engine stuck: nothing pending, not done";
                                break;
                        }
                        now = next > now ? next : now + 1;
                }
                out.error = dg_engine_error(e, nullptr);
                const char *m = nullptr;
                dg_engine_error(e, &m);
                if (m)
                        out.error_msg = m;
                dg_engine_stats(e, &out.st);
        }

        void take(dg_engine_t *e, Outcome &out)
        {
                dg_result_t *r;
                while (out.order.size() < take_limit && dg_engine_next_result(e, &r) == 1) {
                        std::string n = r->name;
                        out.order.push_back(n);
                        out.status[n] = r->status;
                        out.tries[n] = r->tries;
                        if (r->reason)
                                out.reason[n] = r->reason;
                        if (r->wildcard_root)
                                out.wildroot[n] = r->wildcard_root;
                        if (r->nanswers > 0) {
                                std::vector<std::string> d, c;
                                for (size_t i = 0; i < r->answers[0].ndata; i++)
                                        d.push_back(r->answers[0].data[i]);
                                for (size_t i = 0; i < r->answers[0].ncname; i++)
                                        c.push_back(r->answers[0].cname[i]);
                                out.data[n] = d;
                                out.cname[n] = c;
                        }
                        dg_result_free(r);
                }
        }

        /* Queries of (name, type) seen on the wire. */
        size_t asked(const std::string &name, uint16_t type) const
        {
                size_t n = 0;
                for (const Sent &s : sent)
                        if (s.q.qname == name && s.q.qtype == type)
                                n++;
                return n;
        }
};

/* A zone with the usual suspects. */
Zone example()
{
        Zone z("example.com");
        z.add("www", 1, "192.0.2.1")
            .add("mail", 1, "192.0.2.2")
            .add("mail", 28, "2001:db8::2")
            .add("", 15, "10 mail.example.com.")
            .add("v6only", 28, "2001:db8::6")
            .add("alias", 5, "www.example.com.")
            .add("chain1", 5, "chain2.example.com.")
            .add("chain2", 5, "www.example.com.")
            .add("multi", 1, "192.0.2.10")
            .add("multi", 1, "192.0.2.11")
            .add("multi", 1, "192.0.2.12")
            .add("host.ent", 1, "192.0.2.20") /* "ent" is an empty non-terminal */
            .add("*.dev", 1, "192.0.2.99")
            .add("real.dev", 1, "192.0.2.50");
        return z;
}

struct EngineRun {
        dg_engine_opts_t o;
        std::vector<dg_resolver_addr_t> addrs;
        std::vector<uint16_t> types;
        Words words;
        dg_engine_t *e = nullptr;

        EngineRun(Net &net, const char *domain, std::vector<std::string> w,
                  std::vector<uint16_t> t = {})
            : types(std::move(t)), words(std::move(w))
        {
                dg_engine_opts_init(&o);
                o.domain = domain;
                addrs = net.addrs();
                o.resolvers = addrs.data();
                o.nresolvers = addrs.size();
                o.types = types.empty() ? nullptr : types.data();
                o.ntypes = types.size();
                o.words = Words::next;
                o.words_rewind = Words::rewind;
                o.words_ud = &words;
                o.seed = 1234;
                if (getenv("DG_TEST_LOG"))
                        o.log = [](void *, int level, const char *m) {
                                fprintf(stderr, "engine[%d]: %s\n", level, m);
                        };
        }
        dg_engine_t *make()
        {
                EXPECT_EQ(dg_engine_new(&o, &e), DG_OK);
                return e;
        }
        ~EngineRun()
        {
                dg_engine_free(e);
        }
};

/* Every candidate exactly once, and the counts add up. */
void expect_complete(const Outcome &out, const std::vector<std::string> &cands)
{
        EXPECT_TRUE(out.finished);
        std::multiset<std::string> seen(out.order.begin(), out.order.end());
        for (const auto &c : cands)
                EXPECT_EQ(seen.count(c), 1u) << c;
        EXPECT_EQ(out.order.size(), cands.size());
        EXPECT_EQ(out.st.candidates, cands.size());
        EXPECT_EQ(sum_status(out.st), out.st.candidates);
}

std::vector<std::string> fqdns(const std::vector<std::string> &w, const std::string &d)
{
        std::vector<std::string> out;
        for (const auto &x : w)
                out.push_back(x + "." + d);
        return out;
}

/* The words w0 ... w(n - 1), then www (a name example() has). */
std::vector<std::string> w_words_and_www(int n)
{
        std::vector<std::string> w;
        for (int i = 0; i < n; i++)
                w.push_back("w" + std::to_string(i));
        w.push_back("www");
        return w;
}

} // namespace

/* ------------------------------------------------------------ basics */

TEST(Engine, FindsWhatExistsAndNothingElse)
{
        Zone z = example();
        Net net;
        net.res = {honest(z)};
        std::vector<std::string> w = {"www",    "mail",  "v6only", "alias", "nothere",
                                      "chain1", "multi", "ent",    "Ftp",   "dev"};
        EngineRun run(net, "Example.COM.", w);
        Outcome out;
        net.run(run.make(), out);
        ASSERT_EQ(out.error, DG_OK) << out.error_msg;
        auto c = fqdns(
            {"www", "mail", "v6only", "alias", "nothere", "chain1", "multi", "ent", "ftp", "dev"},
            "example.com");
        expect_complete(out, c);
        EXPECT_EQ(out.status["www.example.com"], DG_STATUS_FOUND);
        EXPECT_EQ(out.data["www.example.com"], std::vector<std::string>{"192.0.2.1"});
        EXPECT_EQ(out.status["mail.example.com"], DG_STATUS_FOUND);
        EXPECT_EQ(out.status["v6only.example.com"], DG_STATUS_NODATA);
        EXPECT_EQ(out.status["ent.example.com"], DG_STATUS_NODATA);
        EXPECT_EQ(out.status["dev.example.com"], DG_STATUS_NODATA);
        EXPECT_EQ(out.status["nothere.example.com"], DG_STATUS_NXDOMAIN);
        EXPECT_EQ(out.status["ftp.example.com"], DG_STATUS_NXDOMAIN);
        auto m = out.data["multi.example.com"];
        std::sort(m.begin(), m.end());
        EXPECT_EQ(m, (std::vector<std::string>{"192.0.2.10", "192.0.2.11", "192.0.2.12"}));
        EXPECT_EQ(out.st.status[DG_STATUS_FOUND], 5u);
        EXPECT_EQ(out.st.mismatched, 0u);
        EXPECT_EQ(out.st.timeouts, 0u);
        /* healthy server: one query per candidate plus the probes */
        EXPECT_EQ(out.st.queries, c.size() + out.st.probes);
        for (const Sent &s : net.sent)
                EXPECT_EQ(s.transport, DG_TRANSPORT_UDP);
}

TEST(Engine, CnameChains)
{
        Zone z = example();
        z.add("loop1", 5, "loop2.example.com.").add("loop2", 5, "loop1.example.com.");
        z.add("out", 5, "cdn.elsewhere.net.");
        Net net;
        net.res = {honest(z)};
        EngineRun run(net, "example.com", {"alias", "chain1", "loop1", "out"});
        Outcome out;
        net.run(run.make(), out);
        expect_complete(out, fqdns({"alias", "chain1", "loop1", "out"}, "example.com"));
        EXPECT_EQ(out.status["alias.example.com"], DG_STATUS_FOUND);
        EXPECT_EQ(out.cname["alias.example.com"], std::vector<std::string>{"www.example.com."});
        EXPECT_EQ(out.data["alias.example.com"], std::vector<std::string>{"192.0.2.1"});
        EXPECT_EQ(out.cname["chain1.example.com"],
                  (std::vector<std::string>{"chain2.example.com.", "www.example.com."}));
        EXPECT_EQ(out.data["chain1.example.com"], std::vector<std::string>{"192.0.2.1"});
        /* a chain leaving the zone is reported as far as it goes */
        EXPECT_EQ(out.status["out.example.com"], DG_STATUS_FOUND);
        EXPECT_EQ(out.cname["out.example.com"], std::vector<std::string>{"cdn.elsewhere.net."});
        EXPECT_TRUE(out.data["out.example.com"].empty());
        EXPECT_EQ(out.status["loop1.example.com"], DG_STATUS_FOUND);
        EXPECT_LE(out.cname["loop1.example.com"].size(), 17u);
}

TEST(Engine, FurtherTypesOnlyForNamesThatExist)
{
        Zone z = example();
        Net net;
        net.res = {honest(z)};
        std::vector<std::string> w = {"www", "mail", "v6only", "nothere", "ftp"};
        EngineRun run(net, "example.com", w, {DG_T_A, DG_T_AAAA, DG_T_MX});
        Outcome out;
        net.run(run.make(), out);
        expect_complete(out, fqdns(w, "example.com"));
        for (const char *n : {"nothere.example.com", "ftp.example.com"}) {
                EXPECT_EQ(net.asked(n, DG_T_A), 1u) << n;
                EXPECT_EQ(net.asked(n, DG_T_AAAA), 0u) << n;
                EXPECT_EQ(net.asked(n, DG_T_MX), 0u) << n;
        }
        for (const char *n : {"www.example.com", "mail.example.com", "v6only.example.com"}) {
                EXPECT_EQ(net.asked(n, DG_T_A), 1u) << n;
                EXPECT_EQ(net.asked(n, DG_T_AAAA), 1u) << n;
                EXPECT_EQ(net.asked(n, DG_T_MX), 1u) << n;
        }
        /* AAAA-only: NODATA for A, but found through its AAAA */
        EXPECT_EQ(out.status["v6only.example.com"], DG_STATUS_FOUND);
        EXPECT_EQ(out.status["mail.example.com"], DG_STATUS_FOUND);
}

TEST(Engine, AnswersCarryEveryAskedType)
{
        Zone z = example();
        Net net;
        net.res = {honest(z)};
        EngineRun run(net, "example.com", {"mail"}, {DG_T_A, DG_T_AAAA});
        dg_engine_t *e = run.make();
        /* drive by hand to look at the full result */
        Outcome out;
        net.take_limit = 0; /* keep results in the engine */
        net.run(e, out, 200);
        dg_result_t *r = nullptr;
        ASSERT_EQ(dg_engine_next_result(e, &r), 1);
        EXPECT_STREQ(r->name, "mail.example.com");
        ASSERT_EQ(r->nanswers, 2u);
        EXPECT_EQ(r->answers[0].type, DG_T_A);
        EXPECT_STREQ(r->answers[0].data[0], "192.0.2.2");
        EXPECT_EQ(r->answers[0].ttl, 300u);
        EXPECT_EQ(r->answers[1].type, DG_T_AAAA);
        EXPECT_STREQ(r->answers[1].data[0], "2001:db8::2");
        EXPECT_EQ(r->depth, 1u);
        EXPECT_EQ(r->tries, 2u);
        dg_result_free(r);
        EXPECT_TRUE(dg_engine_done(e));
}

/* ------------------------------------------------------------ validation */

TEST(Validation, HijackerAndSilentResolverRejected)
{
        Zone z = example();
        Net net;
        net.res = {hijacker(z), honest(z), silent()};
        std::vector<std::string> w = {"www", "nothere", "ftp", "mail", "zzz"};
        EngineRun run(net, "example.com", w);
        Outcome out;
        net.run(run.make(), out);
        ASSERT_EQ(out.error, DG_OK) << out.error_msg;
        expect_complete(out, fqdns(w, "example.com"));
        EXPECT_EQ(out.st.resolvers_live, 1u);
        EXPECT_EQ(out.status["nothere.example.com"], DG_STATUS_NXDOMAIN);
        EXPECT_EQ(out.status["zzz.example.com"], DG_STATUS_NXDOMAIN);
        EXPECT_EQ(out.status["www.example.com"], DG_STATUS_FOUND);
        /* after validation, candidates only go to the honest one */
        for (const Sent &s : net.sent) {
                std::string first = s.q.qname.substr(0, s.q.qname.find('.'));
                if (std::find(w.begin(), w.end(), first) != w.end()) {
                        EXPECT_EQ(s.resolver, 1u) << s.q.qname;
                }
        }
}

TEST(Validation, ResolversThatRefuseOrFailAreRejected)
{
        Zone z = example();
        Zone other("example.net"); /* answers for another zone: wrong SOA */
        Net net;
        net.res = {rcode_only(DG_RCODE_REFUSED), honest(z), rcode_only(DG_RCODE_SERVFAIL),
                   [&other, &z](const Question &q, dg_transport_t t, size_t n) {
                           Response r = z.answer(q);
                           if (q.qtype == DG_T_SOA) {
                                   Question q2 = q;
                                   q2.qname = "example.net";
                                   Response o = other.answer(q2);
                                   for (auto &rr : o.an)
                                           rr.owner = q.qname;
                                   r.an = o.an;
                           }
                           (void)t;
                           (void)n;
                           return std::vector<Reply>{{r.encode()}};
                   }};
        EngineRun run(net, "example.com", {"www"});
        Outcome out;
        net.run(run.make(), out);
        ASSERT_EQ(out.error, DG_OK) << out.error_msg;
        EXPECT_EQ(out.st.resolvers_live, 1u);
        EXPECT_EQ(out.status["www.example.com"], DG_STATUS_FOUND);
}

TEST(Validation, AllRejectedIsFatal)
{
        Zone z = example();
        Net net;
        /* (a lone hijacker would win the NXDOMAIN vote: nobody contradicts
         * it; that case is an apex wildcard to the engine) */
        net.res = {silent(), rcode_only(DG_RCODE_REFUSED), silent()};
        EngineRun run(net, "example.com", {"www", "mail"});
        Outcome out;
        net.run(run.make(), out);
        EXPECT_EQ(out.error, DG_ENORESOLVER);
        EXPECT_FALSE(out.error_msg.empty());
        EXPECT_TRUE(out.finished); /* done after a fatal error */
        EXPECT_TRUE(out.order.empty());
        EXPECT_EQ(out.st.candidates, 0u);
}

TEST(Validation, DomainBelowTheApex)
{
        /* dev.example.com is no zone apex: its SOA comes in the authority
         * section of a NODATA answer, and that must validate */
        Zone z = example();
        Net net;
        net.res = {honest(z), honest(z)};
        EngineRun run(net, "dev.example.com", {"real", "foo"});
        Outcome out;
        net.run(run.make(), out);
        ASSERT_EQ(out.error, DG_OK) << out.error_msg;
        EXPECT_EQ(out.st.resolvers_live, 2u);
        EXPECT_EQ(out.status["real.dev.example.com"], DG_STATUS_FOUND);
        EXPECT_EQ(out.status["foo.dev.example.com"], DG_STATUS_WILDCARD);
}

TEST(Validation, MissingOrRefusedDomainIsAClearError)
{
        Zone z = example();
        for (const char *d : {"nope.example.com", "example.org"}) {
                Net net;
                net.res = {honest(z), honest(z)};
                EngineRun run(net, d, {"www"});
                Outcome out;
                net.run(run.make(), out);
                EXPECT_EQ(out.error, std::string(d) == "example.org" ? DG_EREFUSED : DG_ENOTFOUND)
                    << d << ": " << out.error_msg;
                EXPECT_NE(out.error_msg.find(d), std::string::npos) << out.error_msg;
                EXPECT_TRUE(out.finished);
                EXPECT_TRUE(out.order.empty());
        }
}

TEST(Validation, ApexWildcardIsNotHijacking)
{
        /* An apex wildcard makes every honest server answer random labels. */
        Zone z("wild.test");
        z.add("*", 1, "10.0.0.99").add("real", 1, "10.0.0.50");
        Net net;
        net.res = {honest(z), honest(z)};
        EngineRun run(net, "wild.test", {"real", "foo"});
        Outcome out;
        net.run(run.make(), out);
        ASSERT_EQ(out.error, DG_OK) << out.error_msg;
        EXPECT_EQ(out.st.resolvers_live, 2u);
        EXPECT_EQ(out.status["real.wild.test"], DG_STATUS_FOUND);
        EXPECT_EQ(out.status["foo.wild.test"], DG_STATUS_WILDCARD);
}

TEST(Validation, MajorityOfHijackersDoesNotWin)
{
        /* Three of four resolvers hijack NXDOMAIN: a majority vote would
         * take them for an apex wildcard and reject the honest one. An
         * honest resolver never says NXDOMAIN under an existing wildcard, so
         * the one that says NXDOMAIN wins. */
        Zone z = example();
        Net net;
        net.res = {hijacker(z), hijacker(z), honest(z), hijacker(z)};
        std::vector<std::string> w = {"www", "nothere", "ftp", "mail", "zzz"};
        EngineRun run(net, "example.com", w);
        std::vector<std::string> warnings;
        run.o.log = [](void *ud, int level, const char *m) {
                if (level <= DG_LOG_WARN)
                        static_cast<std::vector<std::string> *>(ud)->push_back(m);
        };
        run.o.log_ud = &warnings;
        Outcome out;
        net.run(run.make(), out);
        ASSERT_EQ(out.error, DG_OK) << out.error_msg;
        expect_complete(out, fqdns(w, "example.com"));
        EXPECT_EQ(out.st.resolvers_live, 1u);
        EXPECT_EQ(out.status["www.example.com"], DG_STATUS_FOUND);
        EXPECT_EQ(out.status["mail.example.com"], DG_STATUS_FOUND);
        EXPECT_EQ(out.status["nothere.example.com"], DG_STATUS_NXDOMAIN);
        EXPECT_EQ(out.status["zzz.example.com"], DG_STATUS_NXDOMAIN);
        size_t majority = 0;
        for (const auto &m : warnings)
                majority += m == "3 of 4 resolvers answer random names that others say do not "
                                 "exist: NXDOMAIN hijacking by a majority of the pool; trusting "
                                 "the 1 that say NXDOMAIN";
        EXPECT_EQ(majority, 1u);
}

TEST(Validation, ApexWildcardWithEveryResolverAgreeing)
{
        /* every resolver answers random labels alike: a wildcard, no
         * hijacking, nobody rejected (as before the hijack-majority rule) */
        Zone z("wild.test");
        z.add("*", 1, "10.0.0.99").add("real", 1, "10.0.0.50");
        Net net;
        net.res = {honest(z), honest(z), honest(z)};
        EngineRun run(net, "wild.test", {"real", "foo"});
        Outcome out;
        net.run(run.make(), out);
        ASSERT_EQ(out.error, DG_OK) << out.error_msg;
        EXPECT_EQ(out.st.resolvers_live, 3u);
        EXPECT_EQ(out.status["real.wild.test"], DG_STATUS_FOUND);
        EXPECT_EQ(out.status["foo.wild.test"], DG_STATUS_WILDCARD);
}

/* ------------------------------------------------------------ trusted */

TEST(Trusted, RejectsWhatTwoIdenticalLiarsInvent)
{
        /* two pool resolvers start hijacking after validation, the same way:
         * each confirms the other; the trusted one (last) rejects it all */
        Zone z = example();
        Net net;
        net.res = {hijacker(z, 8), hijacker(z, 8), honest(z)};
        std::vector<std::string> w;
        for (int i = 0; i < 200; i++)
                w.push_back("n" + std::to_string(i));
        w.push_back("www");
        w.push_back("mail");
        EngineRun run(net, "example.com", w);
        run.o.nresolvers = 2;
        run.o.trusted = run.addrs.data() + 2;
        run.o.ntrusted = 1;
        Outcome out;
        net.run(run.make(), out);
        ASSERT_EQ(out.error, DG_OK) << out.error_msg;
        expect_complete(out, fqdns(w, "example.com"));
        EXPECT_EQ(out.st.status[DG_STATUS_FOUND], 2u);
        EXPECT_EQ(out.status["www.example.com"], DG_STATUS_FOUND);
        EXPECT_GT(out.st.rejected_by_trusted, 150u);
        EXPECT_EQ(out.st.status[DG_STATUS_NXDOMAIN], 200u);
        EXPECT_EQ(out.st.resolvers, 2u);
        EXPECT_EQ(out.st.trusted, 1u);
        EXPECT_EQ(out.st.trusted_live, 1u);
        /* the trusted one is asked only validation probes and rechecks */
        for (const Sent &s : net.sent)
                if (s.resolver == 2 && s.q.qname.find('.') != std::string::npos) {
                        std::string first = s.q.qname.substr(0, s.q.qname.find('.'));
                        if (std::find(w.begin(), w.end(), first) == w.end())
                                continue; /* validation */
                        size_t pool = 0;
                        for (const Sent &t : net.sent)
                                pool += t.resolver < 2 && t.q.qname == s.q.qname;
                        EXPECT_GE(pool, 1u) << s.q.qname << " asked of the trusted one first";
                }
}

TEST(Trusted, RateLimited)
{
        Zone z("rate.test");
        std::vector<std::string> w;
        for (int i = 0; i < 100; i++) {
                w.push_back("h" + std::to_string(i));
                z.add("h" + std::to_string(i), 1, "10.0.1." + std::to_string(i));
        }
        Net net;
        net.res = {honest(z), honest(z)};
        EngineRun run(net, "rate.test", w);
        run.o.nresolvers = 1;
        run.o.trusted = run.addrs.data() + 1;
        run.o.ntrusted = 1;
        run.o.trusted_qps = 20;
        Outcome out;
        net.run(run.make(), out);
        ASSERT_EQ(out.error, DG_OK) << out.error_msg;
        EXPECT_EQ(out.st.status[DG_STATUS_FOUND], 100u);
        std::vector<uint64_t> t;
        for (const Sent &s : net.sent)
                if (s.resolver == 1 &&
                    std::find(w.begin(), w.end(), s.q.qname.substr(0, s.q.qname.find('.'))) !=
                        w.end())
                        t.push_back(s.at);
        ASSERT_EQ(t.size(), 100u);
        double rate = 99.0 * 1000.0 / (double)(t.back() - t.front());
        EXPECT_LE(rate, 20.0 * 1.05);
        EXPECT_GE(rate, 20.0 * 0.8);
}

TEST(Trusted, SilentTrustedIsFatalAtValidation)
{
        Zone z = example();
        Net net;
        net.res = {honest(z), silent()};
        EngineRun run(net, "example.com", {"www"});
        run.o.nresolvers = 1;
        run.o.trusted = run.addrs.data() + 1;
        run.o.ntrusted = 1;
        run.o.timeout_ms = 200;
        Outcome out;
        net.run(run.make(), out);
        EXPECT_EQ(out.error, DG_ENORESOLVER);
        EXPECT_NE(out.error_msg.find("no trusted resolver passed validation"), std::string::npos)
            << out.error_msg;
}

TEST(Trusted, TrustedThatStopsAnsweringFailsTheCandidate)
{
        Zone z = example();
        Net net;
        Behaviour h = honest(z);
        /* answers validation (4 queries), then nothing */
        net.res = {honest(z), [h](const Question &q, dg_transport_t t, size_t n) {
                           return n < 4 ? h(q, t, n) : std::vector<Reply>{};
                   }};
        EngineRun run(net, "example.com", {"www", "nothere"});
        run.o.nresolvers = 1;
        run.o.trusted = run.addrs.data() + 1;
        run.o.ntrusted = 1;
        run.o.timeout_ms = 200;
        run.o.retries = 2;
        Outcome out;
        net.run(run.make(), out);
        ASSERT_EQ(out.error, DG_OK) << out.error_msg;
        EXPECT_EQ(out.status["www.example.com"], DG_STATUS_FAILED);
        EXPECT_EQ(out.reason["www.example.com"], "trusted resolvers did not answer");
        EXPECT_EQ(out.status["nothere.example.com"], DG_STATUS_NXDOMAIN);
}

/* ------------------------------------------------------------ wildcards */

TEST(Wildcard, ApexWildcardFiltered)
{
        Zone z("wild.test");
        z.add("*", 1, "10.0.0.99").add("real", 1, "10.0.0.50").add("same", 1, "10.0.0.99");
        z.add("mx", 15, "10 mail.wild.test.");
        Net net;
        net.res = {honest(z)};
        std::vector<std::string> w = {"real", "foo", "bar", "baz", "qux", "same", "mx"};
        EngineRun run(net, "wild.test", w);
        Outcome out;
        net.run(run.make(), out);
        expect_complete(out, fqdns(w, "wild.test"));
        EXPECT_EQ(out.status["real.wild.test"], DG_STATUS_FOUND);
        for (const char *n : {"foo.wild.test", "bar.wild.test", "baz.wild.test", "qux.wild.test"}) {
                EXPECT_EQ(out.status[n], DG_STATUS_WILDCARD) << n;
                EXPECT_EQ(out.wildroot[n], "*.wild.test") << n;
        }
        /* an explicit record equal to the wildcard's cannot be told apart */
        EXPECT_EQ(out.status["same.wild.test"], DG_STATUS_WILDCARD);
        /* MX-only name: NODATA for A, while the wildcard has an A: it exists */
        EXPECT_EQ(out.status["mx.wild.test"], DG_STATUS_NODATA);
}

TEST(Wildcard, SubtreeWildcardWithRecursion)
{
        Zone z = example();
        Net net;
        net.res = {honest(z)};
        std::vector<std::string> w = {"dev", "real", "www", "xyz"};
        EngineRun run(net, "example.com", w);
        run.o.recursive = 1;
        Outcome out;
        net.run(run.make(), out);
        ASSERT_EQ(out.error, DG_OK) << out.error_msg;
        EXPECT_EQ(out.status["dev.example.com"], DG_STATUS_NODATA);
        EXPECT_EQ(out.status["www.example.com"], DG_STATUS_FOUND);
        /* www found -> zone www.example.com brute-forced too: all NXDOMAIN */
        EXPECT_EQ(out.status["real.www.example.com"], DG_STATUS_NXDOMAIN);
        /* under dev: the wildcard's answers are not findings; real is */
        EXPECT_EQ(out.status["real.dev.example.com"], DG_STATUS_FOUND);
        EXPECT_EQ(out.data["real.dev.example.com"], std::vector<std::string>{"192.0.2.50"});
        EXPECT_EQ(out.status["www.dev.example.com"], DG_STATUS_WILDCARD);
        EXPECT_EQ(out.status["xyz.dev.example.com"], DG_STATUS_WILDCARD);
        EXPECT_EQ(out.wildroot["xyz.dev.example.com"], "*.dev.example.com");
        EXPECT_EQ(out.status["dev.dev.example.com"], DG_STATUS_WILDCARD);
        EXPECT_EQ(sum_status(out.st), out.st.candidates);
        EXPECT_EQ(out.order.size(), out.st.candidates);
        std::set<std::string> uniq(out.order.begin(), out.order.end());
        EXPECT_EQ(uniq.size(), out.order.size());
}

TEST(Wildcard, RotatingWildcardHasNoFalsePositives)
{
        /* A load-balanced wildcard: each answer holds one of 6 addresses. */
        Zone z("lb.test");
        z.add_rotating("*", 1,
                       {"10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4", "10.1.0.5", "10.1.0.6"});
        z.add("real", 1, "10.2.0.1");
        Net net;
        net.res = {honest(z), honest(z)};
        std::vector<std::string> w;
        for (int i = 0; i < 200; i++)
                w.push_back("w" + std::to_string(i));
        w.push_back("real");
        EngineRun run(net, "lb.test", w);
        Outcome out;
        net.run(run.make(), out);
        expect_complete(out, fqdns(w, "lb.test"));
        EXPECT_EQ(out.status["real.lb.test"], DG_STATUS_FOUND);
        EXPECT_EQ(out.st.status[DG_STATUS_FOUND], 1u);
        EXPECT_EQ(out.st.status[DG_STATUS_WILDCARD], 200u);
}

TEST(Wildcard, CnameWildcard)
{
        Zone z("cn.test");
        z.add("*", 5, "lb.cn.test.").add("lb", 1, "10.3.0.1");
        z.add("api", 5, "other.cn.test.").add("other", 1, "10.3.0.2");
        z.add("direct", 1, "10.3.0.1"); /* same address, not through the CNAME */
        Net net;
        net.res = {honest(z)};
        std::vector<std::string> w = {"a", "b", "c", "api", "direct"};
        EngineRun run(net, "cn.test", w);
        Outcome out;
        net.run(run.make(), out);
        expect_complete(out, fqdns(w, "cn.test"));
        EXPECT_EQ(out.status["a.cn.test"], DG_STATUS_WILDCARD);
        EXPECT_EQ(out.status["c.cn.test"], DG_STATUS_WILDCARD);
        EXPECT_EQ(out.status["api.cn.test"], DG_STATUS_FOUND);
        EXPECT_EQ(out.cname["api.cn.test"], std::vector<std::string>{"other.cn.test."});
        EXPECT_EQ(out.status["direct.cn.test"], DG_STATUS_FOUND);
}

TEST(Wildcard, RootsAtSeveralDepthsClimbing)
{
        /* *.dev, *.a.b and an apex wildcard; multi-label candidates are
         * compared with their own parent's wildcard, and the root reported
         * is the topmost one whose answers cover them. */
        Zone z("ml.test");
        z.add("*", 1, "10.9.0.1").add("*.dev", 1, "10.9.0.2").add("*.a.b", 1, "10.9.0.3");
        z.add("real.dev", 1, "10.9.1.1").add("real.a.b", 1, "10.9.1.2").add("www", 1, "10.9.1.3");
        z.add("deep.x.dev", 1, "10.9.1.4");
        Net net;
        net.res = {honest(z)};
        std::vector<std::string> w = {"www",    "foo",      "real.dev",  "foo.dev", "foo.bar.dev",
                                      "x.dev",  "real.a.b", "foo.a.b",   "q.r.a.b", "zz.b",
                                      "zz.y.b", "p.q.r",    "deep.x.dev"};
        EngineRun run(net, "ml.test", w);
        run.o.words_names = true;
        Outcome out;
        net.run(run.make(), out);
        expect_complete(out, fqdns(w, "ml.test"));
        for (const char *n :
             {"www.ml.test", "real.dev.ml.test", "real.a.b.ml.test", "deep.x.dev.ml.test"})
                EXPECT_EQ(out.status[n], DG_STATUS_FOUND) << n;
        /* x.dev exists as an empty non-terminal */
        EXPECT_EQ(out.status["x.dev.ml.test"], DG_STATUS_NODATA);
        std::map<std::string, std::string> roots = {{"foo.ml.test", "*.ml.test"},
                                                    {"foo.dev.ml.test", "*.dev.ml.test"},
                                                    {"foo.bar.dev.ml.test", "*.dev.ml.test"},
                                                    {"foo.a.b.ml.test", "*.a.b.ml.test"},
                                                    {"q.r.a.b.ml.test", "*.a.b.ml.test"},
                                                    {"p.q.r.ml.test", "*.ml.test"}};
        for (auto &[n, root] : roots) {
                EXPECT_EQ(out.status[n], DG_STATUS_WILDCARD) << n;
                EXPECT_EQ(out.wildroot[n], root) << n;
        }
        /* b is an empty non-terminal (below it: *.a.b), the closest encloser
         * of zz.b and zz.y.b, and has no wildcard: the apex's does not apply */
        EXPECT_EQ(out.status["zz.b.ml.test"], DG_STATUS_NXDOMAIN);
        EXPECT_EQ(out.status["zz.y.b.ml.test"], DG_STATUS_NXDOMAIN);
        EXPECT_EQ(out.st.status[DG_STATUS_FOUND], 4u);
}

TEST(Wildcard, CnameWildcardChainsInAndOutOfZone)
{
        Zone z("cc.test");
        z.add("*.in", 5, "hop1.cc.test.")
            .add("hop1", 5, "hop2.cc.test.")
            .add("hop2", 1, "10.4.0.1");
        z.add("*.out", 5, "edge.cdn.example.");
        z.add("real.in", 5, "hop2.cc.test."); /* a real name: another chain to the same target */
        z.add("mine.out", 5, "other.cdn.example.");
        Net net;
        net.res = {honest(z)};
        std::vector<std::string> w = {"a.in",  "b.in",  "c.in",    "real.in",
                                      "a.out", "b.out", "mine.out"};
        EngineRun run(net, "cc.test", w);
        run.o.words_names = true;
        Outcome out;
        net.run(run.make(), out);
        expect_complete(out, fqdns(w, "cc.test"));
        for (const char *n : {"a.in.cc.test", "b.in.cc.test", "c.in.cc.test"}) {
                EXPECT_EQ(out.status[n], DG_STATUS_WILDCARD) << n;
                EXPECT_EQ(out.wildroot[n], "*.in.cc.test") << n;
        }
        for (const char *n : {"a.out.cc.test", "b.out.cc.test"}) {
                EXPECT_EQ(out.status[n], DG_STATUS_WILDCARD) << n;
                EXPECT_EQ(out.wildroot[n], "*.out.cc.test") << n;
        }
        EXPECT_EQ(out.status["real.in.cc.test"], DG_STATUS_FOUND);
        EXPECT_EQ(out.status["mine.out.cc.test"], DG_STATUS_FOUND);
}

TEST(Wildcard, WildcardOnlyOneResolverShows)
{
        /* A stale copy of the zone on one resolver has *.stage; the current
         * zone has no wildcard there. Names under stage answered by the
         * stale one are that resolver's wildcard, never findings. */
        Zone cur("sv.test"), old("sv.test");
        for (Zone *z : {&cur, &old})
                z->add("www", 1, "10.5.0.1").add("app.stage", 1, "10.5.0.2");
        old.add("*.stage", 1, "10.5.9.9");
        Net net;
        net.res = {honest(cur), honest(cur), honest(old)};
        std::vector<std::string> w = {"www", "app.stage"};
        for (int i = 0; i < 60; i++)
                w.push_back("n" + std::to_string(i) + ".stage");
        EngineRun run(net, "sv.test", w);
        run.o.words_names = true;
        Outcome out;
        net.run(run.make(), out);
        expect_complete(out, fqdns(w, "sv.test"));
        EXPECT_EQ(out.status["www.sv.test"], DG_STATUS_FOUND);
        EXPECT_EQ(out.status["app.stage.sv.test"], DG_STATUS_FOUND);
        EXPECT_EQ(out.st.status[DG_STATUS_FOUND], 2u);
        EXPECT_EQ(out.st.status[DG_STATUS_FAILED], 0u);
        for (int i = 0; i < 60; i++) {
                std::string n = "n" + std::to_string(i) + ".stage.sv.test";
                EXPECT_TRUE(out.status[n] == DG_STATUS_NXDOMAIN ||
                            out.status[n] == DG_STATUS_WILDCARD)
                    << n << " " << out.status[n];
        }
}

/* ------------------------------------------------------------ retries */

TEST(Retry, ServfailRetriedOnAnotherResolver)
{
        Zone z = example();
        Net net;
        net.res = {rcode_only(DG_RCODE_SERVFAIL), honest(z)};
        std::vector<std::string> w;
        for (int i = 0; i < 40; i++)
                w.push_back("n" + std::to_string(i));
        w.push_back("www");
        EngineRun run(net, "example.com", w);
        run.o.no_validate = true;
        Outcome out;
        net.run(run.make(), out);
        expect_complete(out, fqdns(w, "example.com"));
        EXPECT_EQ(out.status["www.example.com"], DG_STATUS_FOUND);
        EXPECT_EQ(out.st.status[DG_STATUS_NXDOMAIN], 40u);
        EXPECT_GT(out.st.retries, 0u);
        /* each SERVFAIL is followed by a retry on the other resolver (www,
         * which exists, is also confirmed on the first: not checked) */
        std::map<std::string, std::vector<size_t>> per;
        for (const Sent &s : net.sent)
                if (s.q.qname != "www.example.com")
                        per[s.q.qname].push_back(s.resolver);
        for (const auto &kv : per) {
                const auto &v = kv.second;
                for (size_t i = 0; i + 1 < v.size(); i++)
                        if (v[i] == 0) {
                                EXPECT_EQ(v[i + 1], 1u) << kv.first;
                        }
                EXPECT_EQ(v.back(), 1u) << kv.first;
        }
}

TEST(Retry, TimeoutRetriedAndCounted)
{
        Zone z = example();
        Net net;
        /* drops the first try of every name */
        std::set<std::string> seen;
        net.res = {[&](const Question &q, dg_transport_t, size_t) {
                if (seen.insert(q.qname + "/" + std::to_string(q.qtype)).second)
                        return std::vector<Reply>{};
                return std::vector<Reply>{{z.answer(q).encode()}};
        }};
        std::vector<std::string> w = {"www", "mail", "nope"};
        EngineRun run(net, "example.com", w);
        run.o.no_validate = true;
        run.o.no_wildcard = true;
        run.o.timeout_ms = 500;
        Outcome out;
        net.run(run.make(), out);
        expect_complete(out, fqdns(w, "example.com"));
        EXPECT_EQ(out.status["www.example.com"], DG_STATUS_FOUND);
        EXPECT_EQ(out.status["nope.example.com"], DG_STATUS_NXDOMAIN);
        EXPECT_EQ(out.tries["www.example.com"], 2u);
        EXPECT_EQ(out.st.timeouts, 3u);
        EXPECT_EQ(out.st.retries, 3u);
        /* the retry waited for the timeout */
        uint64_t first = 0, second = 0;
        for (const Sent &s : net.sent)
                if (s.q.qname == "www.example.com")
                        (first ? second : first) = s.at;
        EXPECT_GE(second - first, 500u);
}

/* An answer that comes after its timeout still answers the question (the
 * path was slow, not lossy): taken when the candidate still waits for it,
 * booked for the resolver when a retry answered first; never "mismatched". */
TEST(Retry, LateAnswerStillCounts)
{
        Zone z = example();
        Net net;
        std::map<std::string, int> asked;
        net.res = {[&](const Question &q, dg_transport_t, size_t) {
                int n = asked[q.qname]++;
                uint64_t d = 1;
                if (q.qname == "www.example.com" && n == 0)
                        d = 700; /* the retry (at 500) is answered first */
                if (q.qname == "mail.example.com")
                        d = 900; /* every try: the first answer wins */
                Reply r{z.answer(q).encode()};
                r.delay = d;
                return std::vector<Reply>{r};
        }};
        std::vector<std::string> w = {"www", "mail", "nope"};
        EngineRun run(net, "example.com", w);
        run.o.no_validate = true;
        run.o.no_wildcard = true;
        run.o.timeout_ms = 500;
        Outcome out;
        uint64_t start = net.now;
        net.run(run.make(), out);
        expect_complete(out, fqdns(w, "example.com"));
        EXPECT_EQ(out.status["www.example.com"], DG_STATUS_FOUND);
        EXPECT_EQ(out.status["mail.example.com"], DG_STATUS_FOUND);
        EXPECT_EQ(out.status["nope.example.com"], DG_STATUS_NXDOMAIN);
        EXPECT_EQ(out.st.timeouts, 2u);
        EXPECT_EQ(out.st.late, 2u);
        EXPECT_EQ(out.st.mismatched, 0u);
        /* mail ended with its first answer (900 ms), not its retry's (1400) */
        EXPECT_LT(net.now - start, 1000u);
}

TEST(Retry, BudgetExhaustedFails)
{
        Net net;
        net.res = {rcode_only(DG_RCODE_SERVFAIL), silent()};
        std::vector<std::string> w = {"a", "b"};
        EngineRun run(net, "example.com", w);
        run.o.no_validate = true;
        run.o.no_wildcard = true;
        run.o.retries = 3;
        run.o.fixed_retries = true;
        run.o.timeout_ms = 300;
        Outcome out;
        net.run(run.make(), out);
        expect_complete(out, fqdns(w, "example.com"));
        for (const char *n : {"a.example.com", "b.example.com"}) {
                EXPECT_EQ(out.status[n], DG_STATUS_FAILED) << n;
                EXPECT_EQ(out.tries[n], 4u) << n; /* 1 + retries */
                EXPECT_TRUE(out.reason[n] == "timeout" || out.reason[n] == "SERVFAIL")
                    << out.reason[n];
        }
}

TEST(Retry, LargePoolWhoseLossIsNotMeasuredYetFailsNoName)
{
        // 100 resolvers 1.2 s away, each losing 40% of its queries, and 10
        // candidates each: no resolver answers the 24 queries its own loss
        // estimate needs, so a budget from the resolver that just lost a
        // name allowed 5 tries, which lose a name once in a hundred
        // (0.4^5) and take longer than the 5 s the budget is stretched to.
        // The share of tries that time out in the whole pool is measured
        // from the first timeouts on.
        Zone z("far.test");
        std::vector<std::string> w;
        for (int i = 0; i < 1000; i++) {
                std::string l = "n" + std::to_string(i);
                if (i % 10 == 0)
                        z.add(l, 1,
                              "10.7." + std::to_string(i / 256) + "." + std::to_string(i % 256));
                w.push_back(l);
        }
        Net net;
        for (uint64_t i = 0; i < 100; i++)
                net.res.push_back(far_lossy(z, 0.4, 1200, 7 + i));
        EngineRun run(net, "far.test", w);
        Outcome out;
        net.run(run.make(), out);
        ASSERT_EQ(out.error, DG_OK) << out.error_msg;
        expect_complete(out, fqdns(w, "far.test"));
        EXPECT_EQ(out.st.status[DG_STATUS_FAILED], 0u);
        EXPECT_EQ(out.st.status[DG_STATUS_FOUND], 100u);
        EXPECT_GT(out.st.timeouts, 400u); // the loss was there
}

TEST(Retry, ShortPathThatStallsLosesNoName)
{
        // a server 1 ms away that stops answering for a while: its timeout
        // is 25-75 ms, so 24 tries of a name pass in a second or two, and
        // names asked during the stall failed though the server came back;
        // a name is tried for 5 s from its first try however many tries
        // that takes
        Zone z("stall.test");
        std::vector<std::string> w;
        for (int i = 0; i < 3000; i++) {
                std::string l = "s" + std::to_string(i);
                if (i % 10 == 0)
                        z.add(l, 1,
                              "10.6." + std::to_string(i / 256) + "." + std::to_string(i % 256));
                w.push_back(l);
        }
        Net net;
        net.res = {stalls(z, 2000, 3000)};
        EngineRun run(net, "stall.test", w);
        Outcome out;
        net.run(run.make(), out);
        ASSERT_EQ(out.error, DG_OK) << out.error_msg;
        expect_complete(out, fqdns(w, "stall.test"));
        EXPECT_EQ(out.st.status[DG_STATUS_FAILED], 0u);
        EXPECT_EQ(out.st.status[DG_STATUS_FOUND], 300u);
        EXPECT_GE(out.st.timeouts, 3000u); // the stall was there
}

TEST(Retry, TruncatedAnswerRetriedOverTcp)
{
        Zone z = example();
        Net net;
        net.res = {[&](const Question &q, dg_transport_t t, size_t) {
                Response r = z.answer(q);
                if (t == DG_TRANSPORT_UDP) {
                        r.flags |= 0x0200; /* TC, nothing inside */
                        r.an.clear();
                        r.ns.clear();
                }
                return std::vector<Reply>{{r.encode()}};
        }};
        std::vector<std::string> w = {"www", "multi", "nothere"};
        EngineRun run(net, "example.com", w);
        Outcome out;
        net.run(run.make(), out);
        ASSERT_EQ(out.error, DG_OK) << out.error_msg;
        expect_complete(out, fqdns(w, "example.com"));
        EXPECT_EQ(out.status["www.example.com"], DG_STATUS_FOUND);
        EXPECT_EQ(out.data["multi.example.com"].size(), 3u);
        EXPECT_EQ(out.status["nothere.example.com"], DG_STATUS_NXDOMAIN);
        size_t tcp = 0;
        for (const Sent &s : net.sent)
                tcp += s.transport == DG_TRANSPORT_TCP;
        EXPECT_EQ(out.st.tcp, tcp);
        /* every question: UDP; an empty truncated answer may be a rate
         * limiter's slip, so UDP once more (paced); truncated again: TCP */
        EXPECT_EQ(tcp * 3, net.sent.size());
        EXPECT_EQ(out.st.slips, tcp);
        EXPECT_EQ(out.tries["www.example.com"], 3u);
}

/* ------------------------------------------------------------ spoofing */

TEST(Spoofing, ForgedAnswersDroppedAndCounted)
{
        Zone z = example();
        Net net;
        size_t forged = 0;
        auto forge = [&](const Question &q, dg_transport_t, size_t) {
                std::vector<Reply> v;
                Question fake = q;
                fake.qname = "www.example.com"; /* exists, so a forged answer has data */
                auto lie = [&](Question qq) {
                        Response r = z.answer(qq);
                        r.an.clear();
                        r.flags &= (uint16_t)~0xf;
                        r.an.push_back({qq.qname, 1, 60, dnstest::rdata(1, "6.6.6.6")});
                        return r;
                };
                /* 1. right question, wrong ID */
                Question a = q;
                a.id = (uint16_t)(q.id ^ 0x5a5a);
                v.push_back({lie(a).encode(), 0});
                /* 2. right ID, another question */
                Question b = q;
                b.qname = q.qname == "www.example.com" ? "mail.example.com" : "www.example.com";
                b.raw_question = dnstest::wire_name(b.qname);
                dnstest::put16(b.raw_question, q.qtype);
                dnstest::put16(b.raw_question, 1);
                v.push_back({lie(b).encode(), 0});
                /* 3. right ID and question, another type */
                Question c = q;
                c.raw_question.back() = 1;
                c.raw_question[c.raw_question.size() - 3] = 28;
                v.push_back({lie(c).encode(), 0});
                /* 4. right ID and question, from another resolver */
                v.push_back({lie(q).encode(), 0, (int)1});
                /* 5. right everything but QR clear (a query, not an answer) */
                Response d = lie(q);
                d.flags &= (uint16_t)~0x8000;
                v.push_back({d.encode(), 0});
                forged += 4;
                /* then the real answer */
                v.push_back({z.answer(q).encode(), 2});
                (void)fake;
                return v;
        };
        net.res = {forge, silent()};
        std::vector<std::string> w = {"www", "mail", "nothere", "ftp", "v6only"};
        EngineRun run(net, "example.com", w);
        run.o.no_validate = true; /* the silent one is there to be spoofed from */
        Outcome out;
        net.run(run.make(), out);
        expect_complete(out, fqdns(w, "example.com"));
        EXPECT_EQ(out.data["www.example.com"], std::vector<std::string>{"192.0.2.1"});
        EXPECT_EQ(out.data["mail.example.com"], std::vector<std::string>{"192.0.2.2"});
        EXPECT_EQ(out.status["nothere.example.com"], DG_STATUS_NXDOMAIN);
        EXPECT_EQ(out.status["v6only.example.com"], DG_STATUS_NODATA);
        for (const auto &kv : out.data)
                for (const auto &d : kv.second)
                        EXPECT_NE(d, "6.6.6.6") << kv.first;
        /* only the queries to resolver 0 were forged against */
        EXPECT_EQ(out.st.mismatched, forged);
        EXPECT_EQ(out.st.malformed, forged / 4);
}

TEST(Spoofing, WrongSocketAndGarbage)
{
        Zone z = example();
        Net net;
        net.res = {[&](const Question &q, dg_transport_t, size_t) {
                std::vector<Reply> v;
                Reply wrong{z.answer(q).encode(), 0};
                wrong.sock = 1; /* engine offers 2 sockets: the other one */
                v.push_back(wrong);
                v.push_back({Bytes{1, 2, 3}, 0});            /* runt */
                v.push_back({Bytes(70000 % 4096, 0xff), 0}); /* garbage */
                Bytes loop = z.answer(q).encode();
                loop.push_back(0xc0); /* trailing junk is fine; a record with a */
                v.push_back({z.answer(q).encode(), 1});
                return v;
        }};
        std::vector<std::string> w = {"www", "nothere"};
        EngineRun run(net, "example.com", w);
        run.o.no_validate = true;
        run.o.no_wildcard = true;
        run.o.nsockets = 2;
        Outcome out;
        net.run(run.make(), out);
        expect_complete(out, fqdns(w, "example.com"));
        EXPECT_EQ(out.status["www.example.com"], DG_STATUS_FOUND);
        EXPECT_GE(out.st.mismatched + out.st.malformed, 4u);
}

TEST(Spoofing, CompressionLoopAnswerIsMalformedThenRetried)
{
        Zone z = example();
        Net net;
        bool first = true;
        net.res = {[&](const Question &q, dg_transport_t, size_t) {
                Bytes good = z.answer(q).encode();
                if (!first)
                        return std::vector<Reply>{{good}};
                first = false;
                /* right header and question, ANCOUNT 1, then a record whose
                 * owner is a pointer to itself */
                Bytes bad(good.begin(), good.begin() + 12 + (long)q.raw_question.size());
                bad[6] = 0;
                bad[7] = 1;
                bad[8] = bad[9] = bad[10] = bad[11] = 0;
                size_t at = bad.size();
                bad.push_back((uint8_t)(0xc0 | (at >> 8)));
                bad.push_back((uint8_t)at);
                bad.insert(bad.end(), {0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 6, 6, 6, 6});
                return std::vector<Reply>{{bad}};
        }};
        EngineRun run(net, "example.com", {"www"});
        run.o.no_validate = true;
        run.o.no_wildcard = true;
        Outcome out;
        net.run(run.make(), out);
        expect_complete(out, fqdns({"www"}, "example.com"));
        EXPECT_EQ(out.data["www.example.com"], std::vector<std::string>{"192.0.2.1"});
        EXPECT_EQ(out.st.malformed, 1u);
        EXPECT_EQ(out.tries["www.example.com"], 2u);
}

/* ------------------------------------------------------------ at scale */

TEST(Scale, LossDuplicatesReorderingEveryCandidateOnce)
{
        Zone z("big.test");
        std::vector<std::string> w;
        std::set<std::string> real;
        for (int i = 0; i < 3000; i++) {
                std::string l = "h" + std::to_string(i);
                w.push_back(l);
                if (i % 7 == 0) {
                        z.add(l, 1,
                              "10.9." + std::to_string(i / 256) + "." + std::to_string(i % 256));
                        real.insert(l + ".big.test");
                }
        }
        z.add("*.wc", 1, "10.8.0.1");
        for (int i = 0; i < 50; i++)
                w.push_back("x" + std::to_string(i)); /* NXDOMAIN */
        Net net;
        net.res = {honest(z), honest(z), honest(z)};
        net.loss = 0.3;
        net.dup = 0.2;
        net.jitter = 200;
        EngineRun run(net, "big.test", w);
        run.o.concurrency = 100;
        run.o.per_resolver = 40;
        run.o.retries = 10;
        run.o.timeout_ms = 400;
        Outcome out;
        net.run(run.make(), out);
        ASSERT_EQ(out.error, DG_OK) << out.error_msg;
        expect_complete(out, fqdns(w, "big.test"));
        for (const auto &n : real)
                EXPECT_EQ(out.status[n], DG_STATUS_FOUND) << n;
        EXPECT_EQ(out.st.status[DG_STATUS_FOUND], real.size());
        EXPECT_EQ(out.st.status[DG_STATUS_FAILED], 0u);
        EXPECT_EQ(out.st.status[DG_STATUS_WILDCARD], 0u);
        EXPECT_GT(out.st.timeouts, 0u);
        EXPECT_GT(out.st.mismatched, 0u); /* late duplicates */
        double qpc = (double)(out.st.queries - out.st.probes) / (double)w.size();
        EXPECT_LT(qpc, 2.0); /* 30% loss: about 1/0.7 */
}

TEST(Scale, ResolverThatStartsLyingIsDropped)
{
        Zone z("big.test");
        std::vector<std::string> w;
        for (int i = 0; i < 12000; i++)
                w.push_back("n" + std::to_string(i));
        z.add("n5", 1, "10.0.0.5").add("n11111", 1, "10.0.0.6");
        Net net;
        net.res = {honest(z), hijacker(z, 1000)};
        EngineRun run(net, "big.test", w);
        Outcome out;
        net.run(run.make(), out);
        expect_complete(out, fqdns(w, "big.test"));
        EXPECT_EQ(out.st.resolvers_live, 1u);
        EXPECT_EQ(out.status["n5.big.test"], DG_STATUS_FOUND);
        EXPECT_EQ(out.status["n11111.big.test"], DG_STATUS_FOUND);
        EXPECT_EQ(out.st.status[DG_STATUS_FOUND], 2u)
            << "names the liar invented were reported as found";
        int shown = 0;
        for (const auto &kv : out.status)
                if (kv.second == DG_STATUS_FOUND && kv.first != "n5.big.test" &&
                    kv.first != "n11111.big.test" && shown++ < 3)
                        ADD_FAILURE() << kv.first << " " << out.data[kv.first].size() << " "
                                      << (out.data[kv.first].empty() ? "" : out.data[kv.first][0])
                                      << " tries " << out.tries[kv.first];
}

TEST(Scale, ResolverThatGoesSilentIsDropped)
{
        Zone z("big.test");
        std::vector<std::string> w;
        for (int i = 0; i < 3000; i++)
                w.push_back("n" + std::to_string(i));
        z.add("n2999", 1, "10.0.0.5");
        Net net;
        Behaviour h = honest(z);
        net.res = {honest(z), [h](const Question &q, dg_transport_t t, size_t n) {
                           return n < 300 ? h(q, t, n) : std::vector<Reply>{};
                   }};
        EngineRun run(net, "big.test", w);
        run.o.timeout_ms = 300;
        /* five seconds of words: the drop rule wants 3 s of silence, and on
         * this short path the other resolver would finish them sooner */
        run.o.qps = 600;
        Outcome out;
        net.run(run.make(), out);
        expect_complete(out, fqdns(w, "big.test"));
        EXPECT_EQ(out.st.resolvers_live, 1u);
        EXPECT_EQ(out.status["n2999.big.test"], DG_STATUS_FOUND);
        EXPECT_EQ(out.st.status[DG_STATUS_FAILED], 0u);
}

/* ------------------------------------------------------------ shards */

TEST(Shard, SlicesPartitionTheCandidates)
{
        Zone z = example();
        std::vector<std::string> w;
        for (int i = 0; i < 300; i++)
                w.push_back("s" + std::to_string(i));
        w.push_back("www");
        std::multiset<std::string> all;
        for (unsigned k = 1; k <= 3; k++) {
                Net net;
                net.res = {honest(z)};
                EngineRun run(net, "example.com", w);
                run.o.shard_k = k;
                run.o.shard_n = 3;
                Outcome out;
                net.run(run.make(), out);
                EXPECT_TRUE(out.finished);
                EXPECT_EQ(out.st.candidates + out.st.skipped_shard, w.size());
                EXPECT_EQ(sum_status(out.st), out.st.candidates);
                for (const auto &n : out.order) {
                        all.insert(n);
                        uint8_t wire[DG_NAME_WIRE_MAX];
                        ASSERT_GT(dg_name_from_str(n.c_str(), n.size(), wire), 0);
                        EXPECT_EQ(dg_name_hash(wire) % 3, k - 1) << n;
                }
                EXPECT_GT(out.order.size(), 60u); /* roughly a third */
        }
        auto c = fqdns(w, "example.com");
        EXPECT_EQ(all.size(), c.size());
        for (const auto &n : c)
                EXPECT_EQ(all.count(n), 1u) << n;
}

TEST(Shard, InvalidSliceRejected)
{
        Net net;
        net.res = {silent()};
        EngineRun run(net, "example.com", {"a"});
        dg_engine_t *e = nullptr;
        run.o.shard_k = 3;
        run.o.shard_n = 2;
        EXPECT_EQ(dg_engine_new(&run.o, &e), DG_EINVAL);
        run.o.shard_k = 0;
        EXPECT_EQ(dg_engine_new(&run.o, &e), DG_EINVAL);
        EXPECT_EQ(e, nullptr);
}

/* ------------------------------------------------------------ checkpoints */

/* Runs, takes `cut` results, checkpoints, then resumes in a fresh engine and
 * runs to the end; returns every result name taken. */
static std::vector<std::string> run_with_resume(Zone &z, const std::vector<std::string> &w,
                                                const std::vector<size_t> &cuts, bool lossy,
                                                unsigned recursive, Outcome *last)
{
        std::vector<std::string> names;
        std::string state;
        size_t taken = 0;
        for (size_t i = 0; i <= cuts.size(); i++) {
                Net net;
                net.res = {honest(z), honest(z)};
                if (lossy) {
                        net.loss = 0.2;
                        net.jitter = 50;
                        net.rng.seed(i + 7);
                }
                EngineRun run(net, "example.com", w);
                run.o.concurrency = 32;
                run.o.recursive = recursive;
                run.o.timeout_ms = 300;
                run.o.retries = 8;
                dg_engine_t *e = run.make();
                if (!state.empty()) {
                        EXPECT_EQ(dg_engine_restore(e, state.c_str()), DG_OK) << state;
                }
                Outcome out;
                net.take_limit = i < cuts.size() ? cuts[i] - taken : SIZE_MAX;
                net.run(e, out);
                names.insert(names.end(), out.order.begin(), out.order.end());
                taken += out.order.size();
                char *s = dg_engine_checkpoint(e);
                EXPECT_NE(s, nullptr);
                state = s;
                g_free(s);
                if (i == cuts.size() && last)
                        *last = out;
        }
        return names;
}

TEST(Checkpoint, ResumeLosesNothingAndRepeatsNothing)
{
        Zone z = example();
        std::vector<std::string> w;
        for (int i = 0; i < 400; i++)
                w.push_back("c" + std::to_string(i));
        for (const char *x : {"www", "mail", "alias", "ent"})
                w.push_back(x);
        for (bool lossy : {false, true}) {
                Outcome last;
                auto names = run_with_resume(z, w, {1, 57, 58, 200, 390}, lossy, 0, &last);
                std::multiset<std::string> seen(names.begin(), names.end());
                for (const auto &n : fqdns(w, "example.com"))
                        EXPECT_EQ(seen.count(n), 1u) << n << (lossy ? " lossy" : "");
                EXPECT_EQ(names.size(), w.size());
                /* the counters carried over the resumes add up too */
                EXPECT_EQ(last.st.candidates, w.size());
                EXPECT_EQ(sum_status(last.st), w.size());
                EXPECT_EQ(last.st.status[DG_STATUS_FOUND], 3u);
        }
}

TEST(Checkpoint, ResumeWithRecursion)
{
        Zone z = example();
        std::vector<std::string> w = {"www", "dev", "real", "mail", "a", "b", "c", "d"};
        Outcome full;
        auto ref = run_with_resume(z, w, {}, false, 1, &full);
        std::multiset<std::string> want(ref.begin(), ref.end());
        for (size_t cut : {1ul, 3ul, 9ul, 17ul, 25ul}) {
                auto names = run_with_resume(z, w, {cut}, false, 1, nullptr);
                std::multiset<std::string> seen(names.begin(), names.end());
                EXPECT_EQ(seen, want) << "cut after " << cut;
        }
}

TEST(Checkpoint, ForeignStateRejected)
{
        Zone z = example();
        Net net;
        net.res = {honest(z)};
        EngineRun run(net, "example.com", {"www"});
        dg_engine_t *e = run.make();
        EXPECT_EQ(dg_engine_restore(e, "garbage"), DG_EPARSE);
        EngineRun run2(net, "example.com", {"www"});
        dg_engine_t *e2 = run2.make();
        const char *other = "dnsglean-state 1\nrun example.org mode=0 rec=0 shard=0/0 types=1\n"
                            "cur 0 0 0\nzone 0 example.org\nend\n";
        EXPECT_EQ(dg_engine_restore(e2, other), DG_ESTATE);
        /* the engine still works after a refused restore */
        Outcome out;
        net.run(e2, out);
        expect_complete(out, {"www.example.com"});
}

/* ------------------------------------------------------------ lookup mode */

TEST(Lookup, ExplicitQuestions)
{
        Zone z = example();
        Net net;
        net.res = {honest(z)};
        dg_engine_opts_t o;
        dg_engine_opts_init(&o);
        o.mode = DG_MODE_LOOKUP;
        o.domain = "example.com";
        auto addrs = net.addrs();
        o.resolvers = addrs.data();
        o.nresolvers = addrs.size();
        o.seed = 9;
        dg_engine_t *e = nullptr;
        ASSERT_EQ(dg_engine_new(&o, &e), DG_OK);
        EXPECT_EQ(dg_engine_add_lookup(e, "example.com", DG_T_MX), DG_OK);
        EXPECT_EQ(dg_engine_add_lookup(e, "mail.example.com", DG_T_AAAA), DG_OK);
        EXPECT_EQ(dg_engine_add_lookup(e, "a..b", DG_T_A), DG_ENAME);
        dg_engine_close_input(e);
        EXPECT_EQ(dg_engine_add_lookup(e, "www.example.com", DG_T_A), DG_ESTATE);
        Outcome out;
        net.run(e, out);
        EXPECT_TRUE(out.finished);
        EXPECT_EQ(out.data["example.com"], std::vector<std::string>{"10 mail.example.com."});
        EXPECT_EQ(out.data["mail.example.com"], std::vector<std::string>{"2001:db8::2"});
        dg_engine_free(e);
}

/* ------------------------------------------------------------ misc */

TEST(Engine, StopEndsTheRun)
{
        Zone z = example();
        Net net;
        net.res = {honest(z)};
        std::vector<std::string> w;
        for (int i = 0; i < 1000; i++)
                w.push_back("s" + std::to_string(i));
        EngineRun run(net, "example.com", w);
        dg_engine_t *e = run.make();
        Outcome out;
        net.take_limit = 100;
        net.run(e, out);
        dg_engine_stop(e);
        net.take_limit = SIZE_MAX;
        net.run(e, out);
        EXPECT_TRUE(out.finished);
        EXPECT_LT(out.order.size(), 1000u);
}

TEST(Engine, BadOptions)
{
        dg_engine_opts_t o;
        dg_engine_opts_init(&o);
        dg_engine_t *e = nullptr;
        dg_resolver_addr_t a;
        ASSERT_EQ(dg_resolver_parse("127.0.0.1", &a), DG_OK);
        o.domain = "example.com";
        EXPECT_EQ(dg_engine_new(&o, &e), DG_ENORESOLVER);
        o.resolvers = &a;
        o.nresolvers = 1;
        EXPECT_EQ(dg_engine_new(&o, &e), DG_EINVAL); /* brute without words */
        o.words = Words::next;
        o.domain = "a..b";
        EXPECT_EQ(dg_engine_new(&o, &e), DG_ENAME);
        o.domain = ".";
        EXPECT_EQ(dg_engine_new(&o, &e), DG_ENAME);
        o.domain = "example.com";
        o.ntypes = DG_ENGINE_MAX_TYPES + 1;
        EXPECT_EQ(dg_engine_new(&o, &e), DG_EINVAL);
        EXPECT_EQ(e, nullptr);
        dg_engine_free(nullptr);
        dg_result_free(nullptr);
}

TEST(Resolvers, ParseAndLoad)
{
        dg_resolver_addr_t a;
        EXPECT_EQ(dg_resolver_parse("127.0.0.1", &a), DG_OK);
        EXPECT_STREQ(a.text, "127.0.0.1:53");
        EXPECT_EQ(dg_resolver_parse("127.0.0.2:5353", &a), DG_OK);
        EXPECT_STREQ(a.text, "127.0.0.2:5353");
        EXPECT_EQ(dg_resolver_parse("::1", &a), DG_OK);
        EXPECT_EQ(a.family, AF_INET6);
        EXPECT_EQ(dg_resolver_parse("[::1]:54", &a), DG_OK);
        EXPECT_STREQ(a.text, "[::1]:54");
        for (const char *bad : {"", "x", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:", "[::1", "[::1]x",
                                "[]:53", "dns.example:53", "1.2.3.4:5x"})
                EXPECT_EQ(dg_resolver_parse(bad, &a), DG_EINVAL) << bad;
        dg_resolver_addr_t *v = nullptr;
        size_t n = 0;
        char *err = nullptr;
        ASSERT_EQ(dg_resolvers_load("127.0.0.1, 127.0.0.1:53,[::1]:53", &v, &n, &err), DG_OK);
        EXPECT_EQ(n, 2u); /* duplicate removed */
        g_free(v);
        /* the same address written two ways is one resolver */
        ASSERT_EQ(
            dg_resolvers_load("[::1]:53,[0::1]:53,::1,127.0.0.1:53,127.0.0.1:54", &v, &n, &err),
            DG_OK);
        EXPECT_EQ(n, 3u);
        g_free(v);
        EXPECT_EQ(dg_resolvers_load("127.0.0.1,bogus", &v, &n, &err), DG_EINVAL);
        ASSERT_NE(err, nullptr);
        EXPECT_NE(std::string(err).find("bogus"), std::string::npos);
        g_free(err);
        EXPECT_EQ(dg_resolvers_load("", &v, &n, &err), DG_EINVAL);
        g_free(err);
        EXPECT_EQ(dg_resolvers_load(" , ", &v, &n, &err), DG_EINVAL);
        g_free(err);
}

/* Runs the words n0 ... n(nwords - 1) of example.com (no wildcard probing)
 * through net: every one ends with a status, none failed. Returns the run's
 * length in seconds; *st gets its stats. */
static double numbered_run(Net &net, size_t nwords, dg_stats_t *st, size_t max_steps = 2000000)
{
        std::vector<std::string> w;
        for (size_t i = 0; i < nwords; i++)
                w.push_back("n" + std::to_string(i));
        EngineRun run(net, "example.com", w);
        run.o.no_wildcard = true;
        Outcome out;
        uint64_t start = net.now;
        net.run(run.make(), out, max_steps);
        expect_complete(out, fqdns(w, "example.com"));
        EXPECT_EQ(out.st.status[DG_STATUS_FAILED], 0u);
        *st = out.st;
        return (double)(net.now - start) / 1000.0;
}

/* A pool of resolvers in front of one server that drops what exceeds its
 * capacity (the target's own name server behind a public pool). No resolver
 * sees its loss grow with its own rate; the pool does. Returns the share of
 * the queries the server dropped; *secs the run's length. */
static double shared_bottleneck_run(size_t nres, double per_ms, size_t nwords, double *secs,
                                    dg_stats_t *st, uint64_t seed = 7)
{
        Zone z = example();
        Net net;
        if (seed != 7)
                net.rng.seed(seed); /* the path's 1% loss */
        double tokens = 10, cap = 10 * per_ms;
        uint64_t last = net.now;
        size_t dropped = 0, total = 0;
        std::mt19937_64 rng{seed};
        auto server = [&](const Question &q, dg_transport_t, size_t) {
                total++;
                tokens += (double)(net.now - last) * per_ms;
                if (tokens > cap)
                        tokens = cap;
                last = net.now;
                if (tokens < 1) {
                        dropped++;
                        return std::vector<Reply>{};
                }
                tokens -= 1;
                Reply r{z.answer(q).encode()};
                r.delay = 20 + rng() % 5;
                return std::vector<Reply>{r};
        };
        net.res.assign(nres, server);
        net.loss = 0.01;
        uint64_t start = net.now;
        *secs = numbered_run(net, nwords, st);
        if (getenv("POOL_TRACE")) {
                std::map<uint64_t, size_t> per_s;
                for (const Sent &x : net.sent)
                        per_s[(x.at - start) / 1000]++;
                for (auto &kv : per_s)
                        fprintf(stderr, "  t=%llu s: %zu sent\n", (unsigned long long)kv.first,
                                kv.second);
        }
        return total ? (double)dropped / (double)total : 0.0;
}

TEST(Pool, HeldUnderABottleneckAllResolversShare)
{
        /* 5,000 q/s behind 40 resolvers (60k names: 12 s at best), 10,000
         * behind 8; each resolver alone would make up for the drops as its
         * path's loss (a quarter of the queries dropped, 1.36 queries a
         * name, measured without the pool's cap). Seven seeds of the path's
         * delays and loss: one seed alone said little (the same build read
         * 12.6-26.3% dropped over seeds 1-7, under 18% with seed 7 only), so
         * the bars are on the mean and on the worst seed. */
        struct {
                size_t nres;
                double per_ms;
        } cases[] = {{40, 5.0}, {8, 10.0}, {100, 5.0}};
        for (auto k : cases) {
                double sum_dropped = 0, sum_q = 0;
                const int seeds = 7;
                for (uint64_t seed = 1; seed <= (uint64_t)seeds; seed++) {
                        double secs = 0;
                        dg_stats_t st{};
                        double dropped =
                            shared_bottleneck_run(k.nres, k.per_ms, 60000, &secs, &st, seed);
                        double best = 60000 / (k.per_ms * 1000);
                        double q = (double)st.queries / (double)st.candidates;
                        fprintf(stderr,
                                "%zu resolvers, %.0f q/s shared, seed %llu: %.1f s (best %.1f), "
                                "%.1f%% dropped, %.2f queries a name\n",
                                k.nres, k.per_ms * 1000, (unsigned long long)seed, secs, best,
                                dropped * 100, q);
                        EXPECT_LT(dropped, 0.28) << k.nres << " seed " << seed;
                        EXPECT_LT(q, 1.4) << k.nres << " seed " << seed;
                        EXPECT_LT(secs, best * 1.8)
                            << k.nres << " seed " << seed; /* not throttled */
                        sum_dropped += dropped;
                        sum_q += q;
                }
                EXPECT_LT(sum_dropped / seeds, 0.21) << k.nres << ": dropped, mean of the seeds";
                EXPECT_LT(sum_q / seeds, 1.28) << k.nres << ": queries a name, mean of the seeds";
        }
}

/* Validation ends once a majority of the pool is done and the others had
 * as long again: dead resolvers (three tries each) and far ones do not hold
 * up the start; those that answer later are judged as the others were. */
TEST(Validation, StragglersDoNotHoldUpTheStart)
{
        Zone z = example();
        Net net;
        auto slow = [](Behaviour b, uint64_t ms) {
                return [b, ms](const Question &q, dg_transport_t t, size_t n) {
                        std::vector<Reply> v = b(q, t, n);
                        for (Reply &r : v)
                                r.delay = ms;
                        return v;
                };
        };
        for (int i = 0; i < 8; i++)
                net.res.push_back(slow(honest(z), 20));
        net.res.push_back(silent()); /* 8, 9: dead */
        net.res.push_back(silent());
        net.res.push_back(slow(honest(z), 300));   /* 10: far */
        net.res.push_back(slow(hijacker(z), 300)); /* 11: far, and lies */
        std::vector<std::string> w = w_words_and_www(20000);
        EngineRun run(net, "example.com", w);
        run.o.no_wildcard = true;
        run.o.qps = 10000; /* two seconds of words */
        Outcome out;
        uint64_t start = net.now;
        net.run(run.make(), out);
        ASSERT_EQ(out.error, DG_OK) << out.error_msg;
        expect_complete(out, fqdns(w, "example.com"));
        EXPECT_EQ(out.status["www.example.com"], DG_STATUS_FOUND);
        EXPECT_EQ(out.st.status[DG_STATUS_FOUND], 1u); /* no hijacked "finds" */
        EXPECT_EQ(out.st.resolvers_live, 9u);
        uint64_t first_word = UINT64_MAX;
        size_t words_to[12] = {0};
        for (const Sent &s : net.sent) {
                if (s.q.qname[0] != 'w' || s.q.qname == "www.example.com")
                        continue;
                first_word = std::min(first_word, s.at - start);
                words_to[s.resolver]++;
        }
        EXPECT_LT(first_word, 300u); /* before the far ones even answered */
        EXPECT_EQ(words_to[8] + words_to[9], 0u);
        EXPECT_GT(words_to[10], 0u); /* admitted when its answers came */
        EXPECT_EQ(words_to[11], 0u); /* rejected then */
        /* nor the end: two seconds of words, not the dead ones' three
         * timeouts of 1.5 s (they stay "validating") */
        EXPECT_LT(net.now - start, 3000u);
        dg_resolver_stats_t rs;
        ASSERT_EQ(dg_engine_resolver_stats(run.e, 8, &rs), DG_OK);
        EXPECT_STREQ(rs.state, "validating");
}

/* A lossy pool: 9 of 20 resolvers lose their first validation probe, so
 * they wait for the timeout set before their round trip was known (1.5 s).
 * The other 11 are a majority: validation ends without them, words start
 * within a few round trips, and the 9 are judged when their answers come
 * (with a two-thirds quorum the first word waited about 1.5 s; a third of
 * a pool whose paths lose a few percent had lost a probe in the
 * simulated pool of 220). */
TEST(Validation, LostProbesDoNotHoldUpTheStart)
{
        Zone z = example();
        Net net;
        auto after = [&z](uint64_t ms, bool lose_first) {
                return [&z, ms, lose_first](const Question &q, dg_transport_t, size_t n) {
                        if (lose_first && n == 0)
                                return std::vector<Reply>{};
                        Reply r{z.answer(q).encode()};
                        r.delay = ms;
                        return std::vector<Reply>{r};
                };
        };
        for (int i = 0; i < 20; i++)
                net.res.push_back(after(20, i % 2 == 1 && i < 18));
        std::vector<std::string> w = w_words_and_www(4000);
        EngineRun run(net, "example.com", w);
        run.o.no_wildcard = true;
        run.o.per_resolver = 4; /* about two seconds of words */
        Outcome out;
        uint64_t start = net.now;
        net.run(run.make(), out);
        ASSERT_EQ(out.error, DG_OK) << out.error_msg;
        expect_complete(out, fqdns(w, "example.com"));
        EXPECT_EQ(out.status["www.example.com"], DG_STATUS_FOUND);
        EXPECT_EQ(out.st.resolvers_live, 20u); /* the 9 passed, late */
        uint64_t first_word = UINT64_MAX;
        size_t late_words = 0;
        for (const Sent &s : net.sent) {
                /* a word (w0, w1 ...), not www nor a random probe label */
                if (s.q.qname[0] != 'w' || !isdigit((unsigned char)s.q.qname[1]))
                        continue;
                first_word = std::min(first_word, s.at - start);
                late_words += s.resolver % 2 == 1 && s.resolver < 18;
        }
        EXPECT_LT(first_word, 300u);
        EXPECT_GT(late_words, 0u); /* ... and then took words */
}

/* One server far away (the target's own name server, or one resolver):
 * it serves per_ms queries a millisecond in order, behind a queue of
 * queue_ms (dropping past it), rtt_ms away, with random loss each way.
 * Returns the run's length in seconds. */
static double far_server_run(double rtt_ms, double per_ms, double queue_ms, double loss,
                             size_t nwords, dg_stats_t *st)
{
        Zone z = example();
        Net net;
        double free_at = 0;
        auto server = [&](const Question &q, dg_transport_t, size_t) {
                double at = (double)net.now + rtt_ms / 2;
                double start = free_at > at ? free_at : at;
                if (start - at > queue_ms)
                        return std::vector<Reply>{};
                free_at = start + 1.0 / per_ms;
                Reply r{z.answer(q).encode()};
                r.delay = (uint64_t)(free_at - (double)net.now + rtt_ms / 2);
                return std::vector<Reply>{r};
        };
        net.res.assign(1, server);
        net.loss = loss;
        return numbered_run(net, nwords, st, 20000000);
}

/* A far server fills quickly: validation, startup's doubling and the queue
 * it finds cost a few round trips, not seconds; a burst of the first window
 * into a slow server is not taken for a full path (it is paced over a
 * round trip). */
TEST(Paths, FarServerIsFilledQuickly)
{
        struct {
                double rtt, per_ms, queue, loss;
        } cases[] = {{150, 40, 200, 0},
                     {40, 40, 100, 0.01},
                     {10, 40, 50, 0.005},
                     {10, 5, 50, 0},
                     {150, 5, 300, 0}};
        for (auto k : cases) {
                dg_stats_t st{};
                size_t n = 100000;
                double secs = far_server_run(k.rtt, k.per_ms, k.queue, k.loss, n, &st);
                double best = (double)n / (k.per_ms * 1000);
                fprintf(stderr,
                        "%.0f ms, %.0f q/s, %.0f ms queue, %.1f%% loss: %.2f s (at best %.2f), "
                        "%.3f queries a name\n",
                        k.rtt, k.per_ms * 1000, k.queue, k.loss * 100, secs, best,
                        (double)st.queries / (double)st.candidates);
                /* validation and startup: about ten round trips at most */
                EXPECT_LE(secs, best * 1.15 + 10 * k.rtt / 1000) << k.rtt << " ms " << k.per_ms;
                /* far away, where round trips cost most: startup doubles the
                 * rate each round trip, from a first window that starts a far
                 * path at a near one's rate (it took 3.90 s at 150 ms when
                 * it doubled every other round trip from 256 in flight) */
                if (k.rtt >= 100 && k.loss == 0) {
                        EXPECT_LE(secs, best * 1.15 + 4 * k.rtt / 1000)
                            << k.rtt << " ms " << k.per_ms;
                }
                /* no retry storm: the queue's own drops and the path's loss */
                EXPECT_LE((double)st.queries / (double)st.candidates, 1.02 + 2 * k.loss)
                    << k.rtt << " ms " << k.per_ms;
        }
}

/* A pool of 40 resolvers and no wildcard: while one resolver's own view of
 * the zone is probed (does it show a wildcard the others do not?), names
 * that the other resolvers find are judged at once, not held and asked
 * again (every found name was asked about 15 times in a pool of 220). */
TEST(Wildcard, ViewProbesOfOneResolverDoNotHoldTheOthers)
{
        Zone z("example.com");
        std::vector<std::string> w, real;
        for (size_t i = 0; i < 3000; i++) {
                w.push_back("n" + std::to_string(i));
                if (i % 10 == 0) {
                        z.add(w.back(), 1, "192.0.2." + std::to_string(1 + i % 250));
                        real.push_back(w.back() + ".example.com");
                }
        }
        Net net;
        std::mt19937_64 rng{5};
        auto server = [&](const Question &q, dg_transport_t, size_t) {
                Reply r{z.answer(q).encode()};
                r.delay = 10 + rng() % 40;
                return std::vector<Reply>{r};
        };
        net.res.assign(40, server);
        EngineRun run(net, "example.com", w);
        Outcome out;
        net.run(run.make(), out);
        expect_complete(out, fqdns(w, "example.com"));
        size_t asked = 0, most = 0;
        for (const std::string &n : real) {
                size_t k = net.asked(n, 1);
                asked += k;
                most = k > most ? k : most;
        }
        fprintf(stderr, "%zu real names: asked %.2f times each on average, %zu at most\n",
                real.size(), (double)asked / (double)real.size(), most);
        /* once, once more to confirm (a second resolver must agree), and a
         * wait for the views of the few resolvers that answered first */
        EXPECT_LE((double)asked / (double)real.size(), 2.5);
        EXPECT_LE(most, 6u);
}
