// Unit tests of the AXFR state machine, the zone walker and the NSEC3
// cracker, fed with canned byte streams built here (no network).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

extern "C" {
#include "dnsglean/axfr.h"
#include "dnsglean/walk.h"
#include <glib.h>
}

namespace
{

using Bytes = std::vector<uint8_t>;

// "a.b.c" -> wire; "\000" in a label is one zero octet.
Bytes W(const std::string &name)
{
        Bytes out;
        size_t i = 0;
        while (i < name.size()) {
                size_t j = name.find('.', i);
                if (j == std::string::npos)
                        j = name.size();
                std::string lab = name.substr(i, j - i);
                std::string raw;
                for (size_t k = 0; k < lab.size(); k++) {
                        if (lab.compare(k, 4, "\\000") == 0) {
                                raw.push_back('\0');
                                k += 3;
                        } else {
                                raw.push_back(lab[k]);
                        }
                }
                if (!raw.empty()) {
                        out.push_back((uint8_t)raw.size());
                        out.insert(out.end(), raw.begin(), raw.end());
                }
                i = j + 1;
        }
        out.push_back(0);
        return out;
}

void put16(Bytes &b, unsigned v)
{
        b.push_back((uint8_t)(v >> 8));
        b.push_back((uint8_t)v);
}

void put32(Bytes &b, uint32_t v)
{
        put16(b, v >> 16);
        put16(b, v & 0xffff);
}

struct RR {
        std::string owner;
        uint16_t type;
        Bytes rdata;
};

Bytes soa_rd(uint32_t serial)
{
        Bytes r = W("ns.z.test"), m = W("host.z.test");
        r.insert(r.end(), m.begin(), m.end());
        put32(r, serial);
        put32(r, 3600);
        put32(r, 600);
        put32(r, 86400);
        put32(r, 300);
        return r;
}

Bytes a_rd(uint8_t last)
{
        return Bytes{192, 0, 2, last};
}

Bytes bitmap(std::vector<uint16_t> types)
{
        std::map<int, Bytes> win;
        for (uint16_t t : types) {
                Bytes &w = win[t >> 8];
                size_t byte = (t & 0xff) / 8;
                if (w.size() <= byte)
                        w.resize(byte + 1);
                w[byte] |= (uint8_t)(0x80 >> (t % 8));
        }
        Bytes out;
        for (auto &kv : win) {
                out.push_back((uint8_t)kv.first);
                out.push_back((uint8_t)kv.second.size());
                out.insert(out.end(), kv.second.begin(), kv.second.end());
        }
        return out;
}

Bytes nsec_rd(const std::string &next, std::vector<uint16_t> types)
{
        Bytes r = W(next), bm = bitmap(types);
        r.insert(r.end(), bm.begin(), bm.end());
        return r;
}

Bytes msg(uint16_t id, unsigned flags, const std::string &qname, uint16_t qtype,
          const std::vector<RR> &an, const std::vector<RR> &ns = {}, bool question = true)
{
        Bytes b;
        put16(b, id);
        put16(b, flags);
        put16(b, question ? 1 : 0);
        put16(b, an.size());
        put16(b, ns.size());
        put16(b, 0);
        if (question) {
                Bytes q = W(qname);
                b.insert(b.end(), q.begin(), q.end());
                put16(b, qtype);
                put16(b, 1);
        }
        for (const auto *sec : {&an, &ns})
                for (const RR &r : *sec) {
                        Bytes o = W(r.owner);
                        b.insert(b.end(), o.begin(), o.end());
                        put16(b, r.type);
                        put16(b, 1);
                        put32(b, 300);
                        put16(b, r.rdata.size());
                        b.insert(b.end(), r.rdata.begin(), r.rdata.end());
                }
        return b;
}

Bytes framed(const Bytes &m)
{
        Bytes b;
        put16(b, m.size());
        b.insert(b.end(), m.begin(), m.end());
        return b;
}

const unsigned RESP = 0x8400; // QR + AA

// ---- AXFR ----------------------------------------------------------------

struct Axfr : ::testing::Test {
        dg_axfr_t *x = nullptr;
        uint16_t id = 0x1234;
        void SetUp() override
        {
                dg_axfr_opts_t o;
                dg_axfr_opts_init(&o);
                o.id = id;
                o.max_records = 100;
                o.timeout_ms = 10000;
                o.idle_ms = 1000;
                ASSERT_EQ(DG_OK, dg_axfr_new("z.test", &o, &x));
                uint8_t q[512];
                int n = dg_axfr_query(x, 1000, q, sizeof q);
                ASSERT_GT(n, 14);
                query.assign(q, q + n);
        }
        void TearDown() override
        {
                dg_axfr_free(x);
        }
        Bytes query;
        int feed(const Bytes &b)
        {
                return dg_axfr_feed(x, 1001, b.data(), b.size());
        }
        Bytes good_stream(int msgs)
        {
                Bytes all;
                for (int m = 0; m < msgs; m++) {
                        std::vector<RR> an;
                        if (m == 0)
                                an.push_back({"z.test", 6, soa_rd(42)});
                        for (int i = 0; i < 5; i++)
                                an.push_back({"h" + std::to_string(m * 5 + i) + ".z.test", 1,
                                              a_rd((uint8_t)i)});
                        if (m == msgs - 1)
                                an.push_back({"z.test", 6, soa_rd(42)});
                        Bytes f = framed(msg(id, RESP, "z.test", 252, an, {}, m == 0));
                        all.insert(all.end(), f.begin(), f.end());
                }
                return all;
        }
};

TEST_F(Axfr, QueryIsFramedAxfrQuestion)
{
        // 2-octet length, then ID, flags 0, QDCOUNT 1, "\1z\4test\0", type 252, class IN
        ASSERT_EQ(query.size(), 2u + 12 + 8 + 4);
        EXPECT_EQ((query[0] << 8 | query[1]), (int)query.size() - 2);
        EXPECT_EQ(query[2], 0x12);
        EXPECT_EQ(query[3], 0x34);
        EXPECT_EQ(query[4], 0);
        EXPECT_EQ(query[7], 1);
        Bytes tail(query.end() - 12, query.end());
        EXPECT_EQ(tail, (Bytes{1, 'z', 4, 't', 'e', 's', 't', 0, 0, 252, 0, 1}));
}

TEST_F(Axfr, WholeStreamAtOnce)
{
        EXPECT_EQ(DG_AXFR_DONE, feed(good_stream(3)));
        ASSERT_EQ(dg_axfr_count(x), 16u); // SOA + 15, closing SOA left out
        EXPECT_STREQ(dg_axfr_record(x, 0)->owner, "z.test.");
        EXPECT_EQ(dg_axfr_record(x, 0)->type, 6);
        EXPECT_STREQ(dg_axfr_record(x, 1)->owner, "h0.z.test.");
        EXPECT_STREQ(dg_axfr_record(x, 1)->rdata, "192.0.2.0");
        EXPECT_EQ(dg_axfr_record(x, 16), nullptr);
        dg_axfr_info_t in;
        dg_axfr_info(x, &in);
        EXPECT_EQ(in.serial, 42u);
        EXPECT_EQ(in.messages, 3u);
        char *line = dg_axfr_rr_line(dg_axfr_record(x, 1));
        EXPECT_STREQ(line, "h0.z.test.\t300\tIN\tA\t192.0.2.0");
        g_free(line);
        EXPECT_EQ(DG_AXFR_DONE, dg_axfr_eof(x));
        EXPECT_EQ(-1, dg_axfr_next_timeout(x, 1002));
}

TEST_F(Axfr, OneOctetAtATime)
{
        Bytes s = good_stream(4);
        int r = DG_AXFR_MORE;
        for (size_t i = 0; i < s.size(); i++) {
                ASSERT_EQ(DG_AXFR_MORE, r) << "finished early at octet " << i;
                r = dg_axfr_feed(x, 1001, &s[i], 1);
        }
        EXPECT_EQ(DG_AXFR_DONE, r);
        EXPECT_EQ(dg_axfr_count(x), 21u);
}

TEST_F(Axfr, ErrorsAreSticky)
{
        Bytes s = framed(msg(id + 1, RESP, "z.test", 252, {{"z.test", 6, soa_rd(1)}}));
        EXPECT_EQ(DG_EMISMATCH, feed(s));
        EXPECT_NE(std::string(dg_axfr_errmsg(x)).find("has ID 4661"), std::string::npos);
        EXPECT_EQ(DG_EMISMATCH, feed(good_stream(1)));
        EXPECT_EQ(DG_EMISMATCH, dg_axfr_eof(x));
        EXPECT_EQ(DG_EMISMATCH, dg_axfr_status(x));
}

TEST_F(Axfr, FirstRecordMustBeTheSoa)
{
        Bytes s = framed(
            msg(id, RESP, "z.test", 252, {{"a.z.test", 1, a_rd(1)}, {"z.test", 6, soa_rd(1)}}));
        EXPECT_EQ(DG_EMALFORMED, feed(s));
        EXPECT_NE(std::string(dg_axfr_errmsg(x)).find("bad SOA sequence"), std::string::npos);
}

TEST_F(Axfr, SoaOfAnotherZoneFirstIsRejected)
{
        Bytes s = framed(msg(id, RESP, "z.test", 252, {{"other.test", 6, soa_rd(1)}}));
        EXPECT_EQ(DG_EMALFORMED, feed(s));
}

TEST_F(Axfr, SerialChangeIsRejected)
{
        Bytes s = framed(
            msg(id, RESP, "z.test", 252,
                {{"z.test", 6, soa_rd(1)}, {"a.z.test", 1, a_rd(1)}, {"z.test", 6, soa_rd(2)}}));
        EXPECT_EQ(DG_EMALFORMED, feed(s));
        EXPECT_NE(std::string(dg_axfr_errmsg(x)).find("SOA serial 2 after serial 1"),
                  std::string::npos);
}

TEST_F(Axfr, RecordsAfterClosingSoa)
{
        Bytes s = framed(
            msg(id, RESP, "z.test", 252,
                {{"z.test", 6, soa_rd(1)}, {"z.test", 6, soa_rd(1)}, {"a.z.test", 1, a_rd(1)}}));
        EXPECT_EQ(DG_EMALFORMED, feed(s));
}

TEST_F(Axfr, OctetsAfterClosingSoa)
{
        Bytes s = good_stream(1);
        s.push_back(0);
        EXPECT_EQ(DG_EMALFORMED, feed(s));
        EXPECT_NE(std::string(dg_axfr_errmsg(x)).find("after the closing SOA"), std::string::npos);
}

TEST_F(Axfr, RefusedRcode)
{
        Bytes s = framed(msg(id, RESP | 5, "z.test", 252, {}));
        EXPECT_EQ(DG_EREFUSED, feed(s));
        EXPECT_STREQ(dg_axfr_errmsg(x), "server answered REFUSED");
        dg_axfr_info_t in;
        dg_axfr_info(x, &in);
        EXPECT_EQ(in.rcode, 5);
}

TEST_F(Axfr, EmptyFirstMessage)
{
        EXPECT_EQ(DG_EMALFORMED, feed(framed(msg(id, RESP, "z.test", 252, {}))));
}

TEST_F(Axfr, OtherQuestion)
{
        Bytes s = framed(msg(id, RESP, "y.test", 252, {{"z.test", 6, soa_rd(1)}}));
        EXPECT_EQ(DG_EMISMATCH, feed(s));
}

TEST_F(Axfr, NotAResponseAndTruncated)
{
        EXPECT_EQ(DG_EMALFORMED,
                  feed(framed(msg(id, 0x0000, "z.test", 252, {{"z.test", 6, soa_rd(1)}}))));
        dg_axfr_free(x);
        SetUp();
        EXPECT_EQ(DG_EMALFORMED,
                  feed(framed(msg(id, RESP | 0x0200, "z.test", 252, {{"z.test", 6, soa_rd(1)}}))));
}

TEST_F(Axfr, ShortFrameAndUnparsable)
{
        EXPECT_EQ(DG_EMALFORMED, feed(Bytes{0, 5, 'h', 'e', 'l', 'l', 'o'}));
        dg_axfr_free(x);
        SetUp();
        // ANCOUNT says 1, but the record is cut off inside the frame
        Bytes m = msg(id, RESP, "z.test", 252, {{"z.test", 6, soa_rd(1)}});
        m.resize(m.size() - 10);
        EXPECT_EQ(DG_EMALFORMED, feed(framed(m)));
        EXPECT_NE(std::string(dg_axfr_errmsg(x)).find("does not parse"), std::string::npos);
}

TEST_F(Axfr, CloseMidMessageAndBetweenMessages)
{
        Bytes s = good_stream(2);
        Bytes part(s.begin(), s.begin() + 20);
        EXPECT_EQ(DG_AXFR_MORE, feed(part));
        EXPECT_EQ(DG_ECLOSED, dg_axfr_eof(x));
        EXPECT_NE(std::string(dg_axfr_errmsg(x)).find("middle of message 1"), std::string::npos);
        dg_axfr_free(x);
        SetUp();
        Bytes first = framed(msg(id, RESP, "z.test", 252, {{"z.test", 6, soa_rd(1)}}));
        EXPECT_EQ(DG_AXFR_MORE, feed(first));
        EXPECT_EQ(DG_ECLOSED, dg_axfr_eof(x));
        EXPECT_NE(std::string(dg_axfr_errmsg(x)).find("before the closing SOA"), std::string::npos);
}

TEST_F(Axfr, RecordBound)
{
        // 25 messages of 5 records: over the bound of 100
        Bytes s = good_stream(25);
        EXPECT_EQ(DG_ELIMIT, feed(s));
        EXPECT_EQ(dg_axfr_count(x), 100u);
}

TEST_F(Axfr, ByteAndMessageBounds)
{
        dg_axfr_free(x);
        dg_axfr_opts_t o;
        dg_axfr_opts_init(&o);
        o.id = id;
        o.max_bytes = 100;
        ASSERT_EQ(DG_OK, dg_axfr_new("z.test", &o, &x));
        uint8_t q[512];
        dg_axfr_query(x, 0, q, sizeof q);
        EXPECT_EQ(DG_ELIMIT, feed(good_stream(3)));
        dg_axfr_free(x);
        o.max_bytes = 0;
        o.max_messages = 2;
        ASSERT_EQ(DG_OK, dg_axfr_new("z.test", &o, &x));
        dg_axfr_query(x, 0, q, sizeof q);
        EXPECT_EQ(DG_ELIMIT, feed(good_stream(3)));
}

TEST_F(Axfr, Deadlines)
{
        EXPECT_EQ(1000, dg_axfr_next_timeout(x, 1000)); // idle 1000 ms
        EXPECT_EQ(DG_AXFR_MORE, dg_axfr_tick(x, 1999));
        EXPECT_EQ(DG_ETIMEOUT, dg_axfr_tick(x, 2000));
        EXPECT_NE(std::string(dg_axfr_errmsg(x)).find("no data"), std::string::npos);
        dg_axfr_free(x);
        SetUp();
        // data keeps arriving, but the whole transfer is bounded too
        Bytes first = framed(msg(id, RESP, "z.test", 252, {{"z.test", 6, soa_rd(1)}}));
        uint64_t t = 1000;
        ASSERT_EQ(DG_AXFR_MORE, dg_axfr_feed(x, t, first.data(), first.size()));
        Bytes more = framed(msg(id, RESP, "z.test", 252, {{"a.z.test", 1, a_rd(1)}}, {}, false));
        int r = DG_AXFR_MORE;
        while (r == DG_AXFR_MORE && t < 20000) {
                t += 500;
                r = dg_axfr_feed(x, t, more.data(), more.size());
                if (r == DG_AXFR_MORE)
                        r = dg_axfr_tick(x, t);
        }
        EXPECT_EQ(DG_ETIMEOUT, r);
        EXPECT_EQ(t, 11000u);
}

TEST_F(Axfr, OutOfZoneRecordsAreDropped)
{
        Bytes s = framed(msg(id, RESP, "z.test", 252,
                             {{"z.test", 6, soa_rd(1)},
                              {"evil.test", 1, a_rd(1)},
                              {"a.z.test", 1, a_rd(2)},
                              {"z.test", 6, soa_rd(1)}}));
        EXPECT_EQ(DG_AXFR_DONE, feed(s));
        EXPECT_EQ(dg_axfr_count(x), 2u);
        dg_axfr_info_t in;
        dg_axfr_info(x, &in);
        EXPECT_EQ(in.ignored, 1u);
}

TEST(AxfrApi, BadArguments)
{
        dg_axfr_t *x = nullptr;
        EXPECT_EQ(DG_ENAME, dg_axfr_new("a..b", nullptr, &x));
        EXPECT_EQ(DG_EINVAL, dg_axfr_new(nullptr, nullptr, &x));
        ASSERT_EQ(DG_OK, dg_axfr_new("z.test", nullptr, &x));
        uint8_t q[8];
        EXPECT_EQ(DG_ESPACE, dg_axfr_query(x, 0, q, sizeof q));
        uint8_t b[2] = {0, 0};
        EXPECT_EQ(DG_EINVAL, dg_axfr_feed(x, 0, b, 2)); // before the query
        dg_axfr_free(x);
        dg_axfr_free(nullptr);
}

TEST(AxfrApi, AbortIsStickyAndKeepsTheFirstError)
{
        dg_axfr_t *x = nullptr;
        ASSERT_EQ(DG_OK, dg_axfr_new("z.test", nullptr, &x));
        uint8_t q[512];
        ASSERT_GT(dg_axfr_query(x, 0, q, sizeof q), 0);
        EXPECT_STREQ(dg_axfr_errmsg(x), "");
        EXPECT_EQ(DG_ETIMEOUT, dg_axfr_abort(x, DG_ETIMEOUT, "TCP connect timed out"));
        EXPECT_EQ(DG_ETIMEOUT, dg_axfr_status(x));
        EXPECT_STREQ(dg_axfr_errmsg(x), "TCP connect timed out");
        EXPECT_EQ(DG_ETIMEOUT, dg_axfr_abort(x, DG_EIO, "later")); // the first one stays
        EXPECT_STREQ(dg_axfr_errmsg(x), "TCP connect timed out");
        uint8_t b[2] = {0, 12};
        EXPECT_EQ(DG_ETIMEOUT, dg_axfr_feed(x, 1, b, 2));
        EXPECT_EQ(DG_ETIMEOUT, dg_axfr_tick(x, 1));
        EXPECT_EQ(-1, dg_axfr_next_timeout(x, 1));
        dg_axfr_free(x);

        ASSERT_EQ(DG_OK, dg_axfr_new("z.test", nullptr, &x));
        EXPECT_EQ(DG_EIO, dg_axfr_abort(x, 5, nullptr)); // not a dg_err: DG_EIO
        EXPECT_STREQ(dg_axfr_errmsg(x), dg_strerror(DG_EIO));
        dg_axfr_free(x);
}

// ---- walker ----------------------------------------------------------------

struct Query {
        uint16_t id;
        std::string qname; // lowercase, trailing dot, "\000" for a zero octet
        uint16_t qtype;
        bool tcp;
};

Query parse_query(const uint8_t *b, size_t n, bool tcp)
{
        Query q{(uint16_t)(b[0] << 8 | b[1]), "", 0, tcp};
        size_t p = 12;
        while (p < n && b[p] != 0) {
                for (size_t i = 1; i <= b[p]; i++)
                        q.qname += b[p + i] == 0 ? std::string("\\000")
                                                 : std::string(1, (char)tolower(b[p + i]));
                q.qname += '.';
                p += 1 + b[p];
        }
        q.qtype = (uint16_t)(b[p + 1] << 8 | b[p + 2]);
        return q;
}

using Server = std::function<Bytes(const Query &)>;

// Sets *resp to srv's answer to the walk's next query at now, or to nothing
// when no query is due; a failing dg_walk_next_query is a fatal failure.
void answer_next(dg_walk_t *w, uint64_t now, const Server &srv, std::optional<Bytes> *resp)
{
        uint8_t buf[512];
        dg_walk_query_t q;
        resp->reset();
        int r = dg_walk_next_query(w, now, buf, sizeof buf, &q);
        ASSERT_GE(r, 0);
        if (r > 0)
                *resp = srv(parse_query(buf, q.len, q.tcp));
}

// Runs the walk against a simulated server; an empty answer is a timeout.
void drive(dg_walk_t *w, const Server &srv, int max_steps = 5000)
{
        uint64_t now = 1000;
        for (int i = 0; i < max_steps && !dg_walk_done(w); i++) {
                std::optional<Bytes> resp;
                ASSERT_NO_FATAL_FAILURE(answer_next(w, now, srv, &resp));
                if (!resp)
                        continue;
                if (resp->empty()) {
                        now += 100000;
                        dg_walk_tick(w, now);
                } else {
                        ASSERT_EQ(DG_OK, dg_walk_feed(w, now, resp->data(), resp->size()));
                }
        }
        ASSERT_TRUE(dg_walk_done(w));
}

// An NSEC zone: chain in canonical order, answers NSEC queries directly.
struct NsecZone {
        std::vector<std::string> chain; // owners in canonical order, apex first
        std::set<std::string> delegations;
        Bytes operator()(const Query &q) const
        {
                for (size_t i = 0; i < chain.size(); i++) {
                        if (q.qname != chain[i])
                                continue;
                        std::string next = chain[(i + 1) % chain.size()];
                        RR n{chain[i], 47, nsec_rd(next, {1, 46, 47})};
                        if (q.qtype == 47 && !delegations.count(q.qname))
                                return msg(q.id, RESP, q.qname, q.qtype, {n});
                        if (delegations.count(q.qname)) // referral
                                return msg(q.id, 0x8000, q.qname, q.qtype, {},
                                           {{q.qname, 2, W("ns." + q.qname)}});
                        return msg(q.id, RESP, q.qname, q.qtype, {}, {{chain[0], 6, soa_rd(1)}, n});
                }
                // not in the chain: NXDOMAIN with the covering NSEC (the
                // simulation: the last chain name that is a prefix-wise
                // predecessor is looked up by the caller's table)
                auto it = covers.find(q.qname);
                if (it != covers.end()) {
                        size_t i = it->second;
                        RR n{chain[i], 47, nsec_rd(chain[(i + 1) % chain.size()], {2, 47})};
                        return msg(q.id, RESP | 3, q.qname, q.qtype, {},
                                   {{chain[0], 6, soa_rd(1)}, n});
                }
                // random probe names sort after every chain name here
                RR n{chain.back(), 47, nsec_rd(chain[0], {1, 46, 47})};
                return msg(q.id, RESP | 3, q.qname, q.qtype, {}, {{chain[0], 6, soa_rd(1)}, n});
        }
        std::map<std::string, size_t> covers;
};

// Opens *w on zone with options seeded with seed, then changed by set(); a
// failure is a fatal failure of the test (check with ASSERT_NO_FATAL_FAILURE).
void open_walk(const char *zone, uint64_t seed, const std::function<void(dg_walk_opts_t &)> &set,
               dg_walk_t **w)
{
        dg_walk_opts_t o;
        dg_walk_opts_init(&o);
        o.seed = seed;
        set(o);
        *w = nullptr;
        ASSERT_EQ(DG_OK, dg_walk_new(zone, &o, w));
}

dg_walk_t *new_walk(const char *zone)
{
        dg_walk_t *w = nullptr;
        open_walk(
            zone, 7, [](dg_walk_opts_t &o) { o.max_queries = 1000; }, &w);
        return w;
}

// Appends PREFIX0.z.test ... PREFIX<n-1>.z.test to names.
void add_numbered(std::vector<std::string> &names, const char *prefix, int n)
{
        for (int i = 0; i < n; i++)
                names.push_back(prefix + std::to_string(i) + ".z.test");
}

std::vector<std::string> walked(dg_walk_t *w)
{
        const dg_walk_name_t *n;
        size_t k = dg_walk_names(w, &n);
        std::vector<std::string> v;
        for (size_t i = 0; i < k; i++)
                v.push_back(n[i].name);
        return v;
}

TEST(Walk, NsecChainComplete)
{
        NsecZone z{{"z.test.", "a.z.test.", "b.z.test.", "x.y.z.test.", "zz.z.test."}, {}, {}};
        dg_walk_t *w = new_walk("z.test");
        drive(w, std::ref(z));
        EXPECT_EQ(dg_walk_kind(w), DG_WALK_KIND_NSEC);
        EXPECT_EQ(dg_walk_status(w), DG_WALK_COMPLETE) << dg_walk_errmsg(w);
        EXPECT_EQ(walked(w), z.chain);
        const dg_walk_name_t *n;
        dg_walk_names(w, &n);
        ASSERT_EQ(n[1].ntypes, 3u);
        EXPECT_EQ(n[1].types[0], 1);
        EXPECT_EQ(n[1].types[2], 47);
        EXPECT_STREQ(n[1].next, "b.z.test.");
        dg_walk_free(w);
}

TEST(Walk, DelegationNeedsTheSiblingQuery)
{
        // b.z.test is a delegation: NSEC queries get a referral, so does
        // \000.b; the name "b\000" (after b's subtree) gets the NSEC of b.
        NsecZone z{{"z.test.", "a.z.test.", "b.z.test.", "c.z.test."}, {"b.z.test."}, {}};
        z.covers["b\\000.z.test."] = 2;
        dg_walk_t *w = new_walk("z.test");
        drive(w, std::ref(z));
        EXPECT_EQ(dg_walk_status(w), DG_WALK_COMPLETE) << dg_walk_errmsg(w);
        EXPECT_EQ(walked(w), z.chain);
        dg_walk_free(w);
}

// A server of an NSEC chain given as owner -> next name (each NSEC lists
// type A): NSEC queries for an owner get its NSEC, other queries for the apex
// its SOA, any other query NXDOMAIN with the NSEC of denial (an owner).
Server chain_server(const std::map<std::string, std::string> &next, const std::string &denial)
{
        return [next, denial](const Query &q) -> Bytes {
                if (q.qtype == 47 && next.count(q.qname))
                        return msg(q.id, RESP, q.qname, 47,
                                   {{q.qname, 47, nsec_rd(next.at(q.qname), {1})}});
                if (q.qname == "z.test.")
                        return msg(q.id, RESP, q.qname, q.qtype, {}, {{"z.test.", 6, soa_rd(1)}});
                return msg(q.id, RESP | 3, q.qname, q.qtype, {},
                           {{denial, 47, nsec_rd(next.at(denial), {1})}});
        };
}

TEST(Walk, NsecLoopIsDetected)
{
        // apex -> a -> b -> a
        Server s = chain_server(
            {{"z.test.", "a.z.test."}, {"a.z.test.", "b.z.test."}, {"b.z.test.", "a.z.test."}},
            "b.z.test.");
        dg_walk_t *w = new_walk("z.test");
        drive(w, s);
        EXPECT_EQ(dg_walk_status(w), DG_WALK_LOOP);
        EXPECT_STREQ(dg_walk_errmsg(w), "NSEC chain loops: b.z.test. -> a.z.test., visited before");
        dg_walk_free(w);
}

TEST(Walk, BackwardsChainIsALoop)
{
        Server s =
            chain_server({{"z.test.", "m.z.test."}, {"m.z.test.", "c.z.test."}}, "m.z.test.");
        dg_walk_t *w = new_walk("z.test");
        drive(w, s);
        EXPECT_EQ(dg_walk_status(w), DG_WALK_LOOP);
        EXPECT_NE(std::string(dg_walk_errmsg(w)).find("goes backwards"), std::string::npos);
        dg_walk_free(w);
}

TEST(Walk, BlackLiesAtTheApex)
{
        // minimal NSEC for existing names: owner -> \000.owner (Cloudflare style)
        Server s = [](const Query &q) -> Bytes {
                RR n{q.qname, 47, nsec_rd("\\000." + q.qname, {1, 46, 47})};
                if (q.qtype == 47)
                        return msg(q.id, RESP, q.qname, 47, {n});
                if (q.qname == "z.test.")
                        return msg(q.id, RESP, q.qname, q.qtype, {}, {{"z.test.", 6, soa_rd(1)}});
                // the probe: NXDOMAIN covered by a minimal NSEC around the name
                return msg(q.id, RESP | 3, q.qname, q.qtype, {},
                           {{"z.test.", 47, nsec_rd("a.z.test.", {6})}});
        };
        dg_walk_t *w = new_walk("z.test");
        drive(w, s);
        EXPECT_EQ(dg_walk_status(w), DG_WALK_SYNTHESIZED) << dg_walk_errmsg(w);
        EXPECT_NE(std::string(dg_walk_errmsg(w)).find("black lies"), std::string::npos);
        dg_walk_free(w);
}

TEST(Walk, UnsignedZone)
{
        Server s = [](const Query &q) -> Bytes {
                return msg(q.id, RESP | (q.qname == "z.test." ? 0 : 3), q.qname, q.qtype, {},
                           {{"z.test.", 6, soa_rd(1)}});
        };
        dg_walk_t *w = new_walk("z.test");
        drive(w, s);
        EXPECT_EQ(dg_walk_kind(w), DG_WALK_KIND_UNSIGNED);
        EXPECT_EQ(dg_walk_status(w), DG_WALK_FAILED);
        dg_walk_free(w);
}

TEST(Walk, MismatchTimeoutRetryAndTcp)
{
        dg_walk_opts_t o;
        dg_walk_opts_init(&o);
        o.seed = 3;
        o.retries = 2;
        o.timeout_ms = 100;
        dg_walk_t *w = nullptr;
        ASSERT_EQ(DG_OK, dg_walk_new("z.test", &o, &w));
        uint8_t buf[512];
        dg_walk_query_t q;
        ASSERT_EQ(1, dg_walk_next_query(w, 0, buf, sizeof buf, &q));
        EXPECT_FALSE(q.tcp);
        Query pq = parse_query(buf, q.len, false);
        EXPECT_EQ(pq.qname, "z.test.");
        EXPECT_EQ(pq.qtype, 51); // NSEC3PARAM
        EXPECT_EQ(buf[11], 1);   // OPT record (DO bit)
        // nothing more while one is outstanding
        EXPECT_EQ(0, dg_walk_next_query(w, 1, buf, sizeof buf, &q));
        EXPECT_EQ(99, dg_walk_next_timeout(w, 1));
        // wrong ID, wrong question: ignored
        Bytes bad = msg(pq.id ^ 1, RESP, "z.test.", 51, {});
        EXPECT_EQ(DG_EMISMATCH, dg_walk_feed(w, 2, bad.data(), bad.size()));
        bad = msg(pq.id, RESP, "y.test.", 51, {});
        EXPECT_EQ(DG_EMISMATCH, dg_walk_feed(w, 2, bad.data(), bad.size()));
        EXPECT_EQ(DG_EMALFORMED, dg_walk_feed(w, 2, buf, 5));
        // truncated: asked again over TCP
        Bytes tc = msg(pq.id, RESP | 0x0200, "z.test.", 51, {});
        EXPECT_EQ(DG_OK, dg_walk_feed(w, 3, tc.data(), tc.size()));
        ASSERT_EQ(1, dg_walk_next_query(w, 4, buf, sizeof buf, &q));
        EXPECT_TRUE(q.tcp);
        // three timeouts (1 + 2 retries): failed
        dg_walk_tick(w, 50);
        EXPECT_FALSE(dg_walk_done(w));
        for (uint64_t t = 200; !dg_walk_done(w) && t < 2000; t += 200) {
                dg_walk_tick(w, t);
                dg_walk_next_query(w, t, buf, sizeof buf, &q);
        }
        EXPECT_EQ(dg_walk_status(w), DG_WALK_FAILED);
        EXPECT_STREQ(dg_walk_errmsg(w), "no answer to z.test. NSEC3PARAM after 3 tries");
        EXPECT_EQ(dg_walk_queries(w), 4u); // first, again over TCP, 2 retries
        dg_walk_free(w);
}

// An NSEC3 zone simulated with our hash (RFC 5155 vectors check the hash
// itself below); the server answers with the covering record of the hashed
// query name, like a real one (closest-encloser proofs left out).
struct Nsec3Zone {
        std::vector<Bytes> hashes; // sorted
        std::vector<uint8_t> salt{0xab, 0xcd};
        unsigned iter = 3;
        uint8_t flags = 0;
        explicit Nsec3Zone(const std::vector<std::string> &names)
        {
                for (auto &n : names) {
                        Bytes wn = W(n);
                        uint8_t h[20];
                        dg_nsec3_hash(wn.data(), wn.size(), salt.data(), salt.size(), iter, h);
                        hashes.push_back(Bytes(h, h + 20));
                }
                std::sort(hashes.begin(), hashes.end());
        }
        RR record(size_t i) const
        {
                char b[64];
                dg_nsec3_hash_str(hashes[i].data(), 20, b, sizeof b);
                Bytes rd{1, flags};
                put16(rd, iter);
                rd.push_back((uint8_t)salt.size());
                rd.insert(rd.end(), salt.begin(), salt.end());
                rd.push_back(20);
                const Bytes &nx = hashes[(i + 1) % hashes.size()];
                rd.insert(rd.end(), nx.begin(), nx.end());
                Bytes bm = bitmap({1, 46});
                rd.insert(rd.end(), bm.begin(), bm.end());
                return {std::string(b) + ".z.test.", 50, rd};
        }
        Bytes operator()(const Query &q) const
        {
                if (q.qname == "z.test." && q.qtype == 51) {
                        Bytes rd{1, 0};
                        put16(rd, iter);
                        rd.push_back((uint8_t)salt.size());
                        rd.insert(rd.end(), salt.begin(), salt.end());
                        return msg(q.id, RESP, q.qname, 51, {{"z.test.", 51, rd}});
                }
                Bytes wn = W(q.qname);
                uint8_t h[20];
                dg_nsec3_hash(wn.data(), wn.size(), salt.data(), salt.size(), iter, h);
                Bytes hv(h, h + 20);
                auto it = std::upper_bound(hashes.begin(), hashes.end(), hv);
                size_t i =
                    it == hashes.begin() ? hashes.size() - 1 : (size_t)(it - hashes.begin()) - 1;
                return msg(q.id, RESP | 3, q.qname, q.qtype, {},
                           {{"z.test.", 6, soa_rd(1)}, record(i)});
        }
};

// Walks an NSEC3 zone of the names PREFIX0.z.test ... PREFIX<n-1>.z.test for
// at most max_steps steps, opened as open_walk does; the caller frees *w.
void walk_numbered(const char *prefix, int n, uint64_t seed,
                   const std::function<void(dg_walk_opts_t &)> &set, dg_walk_t **w,
                   int max_steps = 5000)
{
        std::vector<std::string> names;
        add_numbered(names, prefix, n);
        Nsec3Zone z(names);
        ASSERT_NO_FATAL_FAILURE(open_walk("z.test", seed, set, w));
        drive(*w, std::ref(z), max_steps);
}

TEST(Walk, Nsec3RingClosesAndCracks)
{
        std::vector<std::string> names = {"z.test",         "www.z.test", "mail.z.test",
                                          "vpn.z.test",     "dev.z.test", "ci.dev.z.test",
                                          "intranet.z.test"};
        add_numbered(names, "host", 40);
        Nsec3Zone z(names);
        z.flags = 1;
        dg_walk_t *w = new_walk("z.test");
        drive(w, std::ref(z));
        EXPECT_EQ(dg_walk_kind(w), DG_WALK_KIND_NSEC3);
        EXPECT_EQ(dg_walk_status(w), DG_WALK_COMPLETE) << dg_walk_errmsg(w);
        const dg_walk_hash_t *h;
        ASSERT_EQ(dg_walk_hashes(w, &h), names.size());
        for (size_t i = 0; i < names.size(); i++)
                EXPECT_EQ(Bytes(h[i].hash, h[i].hash + 20), z.hashes[i]);
        EXPECT_DOUBLE_EQ(dg_walk_coverage(w), 1.0);
        dg_nsec3_params_t p;
        ASSERT_EQ(DG_OK, dg_walk_nsec3_params(w, &p));
        EXPECT_EQ(p.iterations, 3);
        EXPECT_EQ(p.saltlen, 2);
        EXPECT_TRUE(p.optout);
        // queries: one per record at most, plus the two probes
        EXPECT_LE(dg_walk_queries(w), names.size() + 2);
        // cracking: www and host7 are there, nothere is not
        EXPECT_EQ(1, dg_walk_crack(w, "WWW", 3));
        EXPECT_EQ(0, dg_walk_crack(w, "www", 3)); // already cracked
        EXPECT_EQ(1, dg_walk_crack(w, "host7", 5));
        EXPECT_EQ(1, dg_walk_crack(w, "ci.dev", 6)); // two labels
        EXPECT_EQ(0, dg_walk_crack(w, "nothere", 7));
        EXPECT_EQ(DG_ENAME, dg_walk_crack(w, "a..b", 4));
        std::set<std::string> cracked;
        size_t n = dg_walk_hashes(w, &h);
        for (size_t i = 0; i < n; i++)
                if (h[i].name)
                        cracked.insert(h[i].name);
        EXPECT_EQ(cracked,
                  (std::set<std::string>{"www.z.test.", "host7.z.test.", "ci.dev.z.test."}));
        dg_walk_free(w);
}

TEST(Walk, Nsec3BudgetLeavesPartialCoverage)
{
        dg_walk_t *w;
        ASSERT_NO_FATAL_FAILURE(walk_numbered(
            "n", 300, 11, [](dg_walk_opts_t &o) { o.max_queries = 30; }, &w));
        EXPECT_EQ(dg_walk_status(w), DG_WALK_BUDGET);
        double c = dg_walk_coverage(w);
        EXPECT_GT(c, 0.0);
        EXPECT_LT(c, 1.0);
        dg_walk_free(w);
}

TEST(Walk, Nsec3LastGapsAreFound)
{
        // 400 hashes, default options: the last gaps are small enough that the
        // search switches from the collected records to the list of remaining
        // gaps, and its budget grows with their smallness
        dg_walk_t *w;
        ASSERT_NO_FATAL_FAILURE(walk_numbered(
            "g", 400, 5, [](dg_walk_opts_t &) {}, &w, 2000));
        EXPECT_EQ(dg_walk_status(w), DG_WALK_COMPLETE) << dg_walk_errmsg(w);
        const dg_walk_hash_t *h;
        EXPECT_EQ(dg_walk_hashes(w, &h), 400u);
        EXPECT_DOUBLE_EQ(dg_walk_coverage(w), 1.0);
        dg_walk_free(w);
}

// A ring of two halves and, between them, a record of 2^-21 of it: about 2.1
// million names must be hashed to land in that one.
Nsec3Zone tiny_gap_zone()
{
        Nsec3Zone z({});
        z.iter = 0;
        z.salt.clear();
        Bytes a(20, 0), b(20, 0), c(20, 0);
        b[0] = 0x80;
        c[0] = 0x80;
        c[2] = 0x08;
        z.hashes = {a, b, c};
        return z;
}

// Walks tiny_gap_zone() with the given seed and default options; *idle =
// calls that had nothing to send yet (search slices), *progress =
// on_progress calls. The caller frees *w.
void walk_tiny_gap(uint64_t seed, dg_walk_t **w, int *idle, int *progress)
{
        Nsec3Zone z = tiny_gap_zone();
        *idle = *progress = 0;
        ASSERT_NO_FATAL_FAILURE(open_walk(
            "z.test", seed,
            [progress](dg_walk_opts_t &o) {
                    o.progress_ms = 1;
                    o.progress_ud = progress;
                    o.on_progress = [](void *ud, dg_walk_t *) { ++*(int *)ud; };
            },
            w));
        uint64_t now = 1000;
        for (int i = 0; i < 1000 && !dg_walk_done(*w); i++, now++) {
                std::optional<Bytes> resp;
                ASSERT_NO_FATAL_FAILURE(answer_next(*w, now, std::ref(z), &resp));
                if (!resp) {
                        ++*idle;
                        continue;
                }
                ASSERT_EQ(DG_OK, dg_walk_feed(*w, now, resp->data(), resp->size()));
        }
}

TEST(Walk, Nsec3TinyLastGapIsSearchedLonger)
{
        // With seed 5 the last gap takes more than two slices of 2^20 names
        // (over the fixed bound of 2,000,000 the walk once had, and ended on): the default
        // budget follows the gap's size, and the search is sliced so that a
        // driver sees its stop flag and the progress goes on meanwhile.
        dg_walk_t *w;
        int idle, progress;
        ASSERT_NO_FATAL_FAILURE(walk_tiny_gap(5, &w, &idle, &progress));
        EXPECT_EQ(dg_walk_status(w), DG_WALK_COMPLETE) << dg_walk_errmsg(w);
        const dg_walk_hash_t *h;
        EXPECT_EQ(dg_walk_hashes(w, &h), 3u);
        EXPECT_GE(idle, 2);
        EXPECT_GE(progress, idle);
        dg_walk_free(w);
}

TEST(Walk, Nsec3GapSearchKeepsAGivenBound)
{
        // a bound the user set is kept: the tiny gap is not found in 100,000
        Nsec3Zone z = tiny_gap_zone();
        dg_walk_t *w;
        ASSERT_NO_FATAL_FAILURE(open_walk(
            "z.test", 5, [](dg_walk_opts_t &o) { o.max_hash_tries = 100000; }, &w));
        ASSERT_NO_FATAL_FAILURE(drive(w, std::ref(z)));
        EXPECT_EQ(dg_walk_status(w), DG_WALK_BUDGET);
        EXPECT_NE(std::string(dg_walk_errmsg(w)).find("(100000 names hashed)"), std::string::npos)
            << dg_walk_errmsg(w);
        const dg_walk_hash_t *h;
        EXPECT_EQ(dg_walk_hashes(w, &h), 2u);
        dg_walk_free(w);
}

TEST(Walk, Nsec3NarrowAnswersAreSynthesized)
{
        // every denial: hash(qname) - 1 -> hash(qname) + 1 style, here h -> h+1
        Server s = [](const Query &q) -> Bytes {
                if (q.qtype == 51)
                        return msg(q.id, RESP, q.qname, 51,
                                   {{"z.test.", 51, Bytes{1, 0, 0, 0, 0}}});
                Bytes wn = W(q.qname);
                uint8_t h[20];
                dg_nsec3_hash(wn.data(), wn.size(), nullptr, 0, 0, h);
                Bytes rd{1, 0, 0, 0, 0, 20};
                Bytes own(h, h + 20), nx = own;
                for (int b = 19; b >= 0 && ++nx[b] == 0; b--)
                        ;
                rd.insert(rd.end(), nx.begin(), nx.end());
                char b32[64];
                dg_nsec3_hash_str(h, 20, b32, sizeof b32);
                return msg(q.id, RESP | 3, q.qname, q.qtype, {},
                           {{std::string(b32) + ".z.test.", 50, rd}});
        };
        dg_walk_t *w = new_walk("z.test");
        drive(w, s);
        EXPECT_EQ(dg_walk_status(w), DG_WALK_SYNTHESIZED) << dg_walk_errmsg(w);
        dg_walk_free(w);
}

// ---- NSEC3 hashing: RFC 5155 Appendix A vectors (salt aabbccdd, 12 iterations) ----

TEST(Nsec3, Rfc5155Vectors)
{
        const uint8_t salt[] = {0xaa, 0xbb, 0xcc, 0xdd};
        const std::pair<const char *, const char *> v[] = {
            {"example", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"},
            {"a.example", "35mthgpgcu1qg68fab165klnsnk3dpvl"},
            {"ai.example", "gjeqe526plbf1g8mklp59enfd789njgi"},
            {"ns1.example", "2t7b4g4vsa5smi47k61mv5bv1a22bojr"},
            {"x.w.example", "b4um86eghhds6nea196smvmlo4ors995"},
        };
        for (auto &t : v) {
                Bytes n = W(t.first);
                uint8_t h[20];
                char s[64];
                ASSERT_EQ(DG_OK, dg_nsec3_hash(n.data(), n.size(), salt, 4, 12, h));
                ASSERT_EQ(32, dg_nsec3_hash_str(h, 20, s, sizeof s));
                EXPECT_STREQ(s, t.second) << t.first;
        }
        // case does not matter
        Bytes up = W("EXAMPLE");
        uint8_t h[20];
        char s[64];
        dg_nsec3_hash(up.data(), up.size(), salt, 4, 12, h);
        dg_nsec3_hash_str(h, 20, s, sizeof s);
        EXPECT_STREQ(s, "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom");
        EXPECT_EQ(DG_ESPACE, dg_nsec3_hash_str(h, 20, s, 32));
}

TEST(Nsec3, HashStrHasNoPadding)
{
        // RFC 4648 section 10 test vectors ("f", "fo", ... "foobar") in base32hex,
        // lowercase and without the '=' padding an owner label cannot carry
        const char *in = "foobar";
        const char *want[] = {"", "co", "cpng", "cpnmu", "cpnmuog", "cpnmuoj1", "cpnmuoj1e8"};
        char s[64];
        for (size_t n = 0; n <= 6; n++) {
                EXPECT_EQ((int)strlen(want[n]),
                          dg_nsec3_hash_str((const uint8_t *)in, n, s, sizeof s));
                EXPECT_STREQ(s, want[n]) << n;
        }
        EXPECT_EQ(DG_ESPACE, dg_nsec3_hash_str((const uint8_t *)in, 6, s, 10));
}

TEST(Nsec3, CrackerAgreesWithHashForEveryLength)
{
        // names from 1 to 63 octets, salts that push the message over one and
        // two SHA-1 blocks, and a long salt (slow path)
        std::vector<Bytes> salts = {{}, Bytes(8, 0x5a), Bytes(40, 0x11), Bytes(200, 0x22)};
        for (const Bytes &salt : salts)
                for (unsigned iter : {0u, 1u, 7u}) {
                        dg_nsec3_cracker_t *c = nullptr;
                        ASSERT_EQ(DG_OK, dg_nsec3_cracker_new("Some.Zone.example", salt.data(),
                                                              salt.size(), iter, &c));
                        for (size_t len = 1; len <= 63; len += 3) {
                                std::string lab(len, 'q');
                                lab[0] = 'A';
                                uint8_t h1[20], h2[20];
                                Bytes n = W(lab + ".some.zone.example");
                                dg_nsec3_hash(n.data(), n.size(), salt.data(), salt.size(), iter,
                                              h1);
                                EXPECT_EQ(-1, dg_nsec3_cracker_try(c, lab.data(), lab.size(), h2));
                                ASSERT_EQ(0, memcmp(h1, h2, 20)) << len << " " << salt.size();
                        }
                        uint8_t t[20];
                        Bytes n = W("target.some.zone.example");
                        dg_nsec3_hash(n.data(), n.size(), salt.data(), salt.size(), iter, t);
                        int idx = dg_nsec3_cracker_add(c, t);
                        EXPECT_EQ(idx, dg_nsec3_cracker_try(c, "TARGET", 6, nullptr));
                        EXPECT_EQ(22u, dg_nsec3_cracker_tried(c));
                        EXPECT_EQ(DG_ENAME, dg_nsec3_cracker_try(c, "", 0, nullptr));
                        EXPECT_EQ(DG_ENAME, dg_nsec3_cracker_try(c, std::string(64, 'a').data(), 64,
                                                                 nullptr));
                        dg_nsec3_cracker_free(c);
                }
}

TEST(Nsec3, ManyTargets)
{
        dg_nsec3_cracker_t *c = nullptr;
        ASSERT_EQ(DG_OK, dg_nsec3_cracker_new("z.test", nullptr, 0, 0, &c));
        for (int i = 0; i < 5000; i++) {
                std::string l = "h" + std::to_string(i);
                uint8_t h[20];
                Bytes n = W(l + ".z.test");
                dg_nsec3_hash(n.data(), n.size(), nullptr, 0, 0, h);
                ASSERT_EQ(i, dg_nsec3_cracker_add(c, h));
        }
        EXPECT_EQ(1234, dg_nsec3_cracker_try(c, "h1234", 5, nullptr));
        EXPECT_EQ(-1, dg_nsec3_cracker_try(c, "h5000", 5, nullptr));
        dg_nsec3_cracker_free(c);
}

// ---- robustness: mutated input never crashes or hangs (run under ASan) ----

struct Rng {
        uint64_t s = 0x9e3779b97f4a7c15ull;
        uint32_t next()
        {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                return (uint32_t)(s >> 11);
        }
};

TEST_F(Axfr, MutatedStreams)
{
        Bytes good = good_stream(3);
        Rng rng;
        int done = 0;
        for (int round = 0; round < 3000; round++) {
                dg_axfr_free(x);
                SetUp();
                Bytes s = good;
                int flips = 1 + (int)(rng.next() % 4);
                for (int i = 0; i < flips; i++)
                        s[rng.next() % s.size()] ^= (uint8_t)(1u << (rng.next() % 8));
                if (rng.next() % 4 == 0)
                        s.resize(rng.next() % s.size());
                size_t off = 0;
                int r = DG_AXFR_MORE;
                while (off < s.size() && r == DG_AXFR_MORE) {
                        size_t n = 1 + rng.next() % 300;
                        n = std::min(n, s.size() - off);
                        r = dg_axfr_feed(x, 1001, s.data() + off, n);
                        off += n;
                }
                if (r == DG_AXFR_MORE)
                        r = dg_axfr_eof(x);
                ASSERT_TRUE(r == DG_AXFR_DONE || r < 0);
                if (r < 0) {
                        ASSERT_STRNE(dg_axfr_errmsg(x), "");
                }
                done += r == DG_AXFR_DONE;
                for (size_t i = 0; i < dg_axfr_count(x); i++)
                        ASSERT_NE(dg_axfr_record(x, i)->rdata, nullptr);
        }
        // flips inside rdata leave some transfers intact
        EXPECT_GT(done, 0);
}

TEST(Robustness, MutatedWalkAnswers)
{
        NsecZone z1{{"z.test.", "a.z.test.", "b.z.test.", "c.z.test."}, {}, {}};
        Nsec3Zone z3({"z.test", "a.z.test", "b.z.test", "c.d.z.test"});
        Rng rng;
        for (int round = 0; round < 200; round++) {
                Server z = round % 2 ? Server(std::ref(z1)) : Server(std::ref(z3));
                dg_walk_opts_t o;
                dg_walk_opts_init(&o);
                o.seed = (uint64_t)round + 1;
                o.max_queries = 1000;
                o.max_hash_tries = 50000; // a lying ring must not cost seconds here
                dg_walk_t *w = nullptr;
                ASSERT_EQ(DG_OK, dg_walk_new("z.test", &o, &w));
                uint64_t now = 0;
                int steps = 0;
                while (!dg_walk_done(w) && steps++ < 2000) {
                        std::optional<Bytes> got;
                        ASSERT_NO_FATAL_FAILURE(answer_next(w, now, z, &got));
                        if (!got)
                                continue;
                        Bytes &resp = *got;
                        if (rng.next() % 2) {
                                resp[rng.next() % resp.size()] ^= (uint8_t)(1u << (rng.next() % 8));
                                if (rng.next() % 3 == 0)
                                        resp.resize(rng.next() % resp.size());
                        }
                        if (dg_walk_feed(w, now, resp.data(), resp.size()) != DG_OK) {
                                now += 10000; // dropped: let it time out
                                dg_walk_tick(w, now);
                        }
                }
                ASSERT_TRUE(dg_walk_done(w)) << "round " << round;
                dg_walk_free(w);
        }
}

} // namespace
