// Unit tests of the passive detector (core/src/detect.c) with canned DNS
// messages built byte by byte below (RFC 1035 section 4.1 layout).
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "dnsglean/detect.h"
#include "dnsglean/wire.h"
}

namespace
{

using Bytes = std::vector<uint8_t>;

void put16(Bytes &b, unsigned v)
{
        b.push_back(uint8_t(v >> 8));
        b.push_back(uint8_t(v));
}

void put32(Bytes &b, uint32_t v)
{
        put16(b, v >> 16);
        put16(b, v & 0xffff);
}

// "a.b.c" -> wire form (no compression).
Bytes wname(const std::string &s)
{
        Bytes w;
        size_t p = 0;
        while (p < s.size()) {
                size_t d = s.find('.', p);
                if (d == std::string::npos)
                        d = s.size();
                w.push_back(uint8_t(d - p));
                w.insert(w.end(), s.begin() + long(p), s.begin() + long(d));
                p = d + 1;
        }
        w.push_back(0);
        return w;
}

struct Rr {
        std::string owner; // empty: pointer to the question name
        uint16_t type;
        Bytes rdata;
        int section; // 0 answer, 1 authority
};

// A message: header flags, one question (or none when qname is "-"), records.
Bytes msg(uint16_t flags, const std::string &qname, uint16_t qtype, uint16_t qclass = DG_CLASS_IN,
          const std::vector<Rr> &rrs = {})
{
        Bytes b;
        put16(b, 0x1234);
        put16(b, flags);
        bool q = qname != "-";
        unsigned an = 0, ns = 0;
        for (auto &r : rrs)
                (r.section == 0 ? an : ns)++;
        put16(b, q ? 1 : 0);
        put16(b, an);
        put16(b, ns);
        put16(b, 0);
        if (q) {
                Bytes n = wname(qname);
                b.insert(b.end(), n.begin(), n.end());
                put16(b, qtype);
                put16(b, qclass);
        }
        for (int sec = 0; sec < 2; sec++)
                for (auto &r : rrs) {
                        if (r.section != sec)
                                continue;
                        if (r.owner.empty()) {
                                put16(b, 0xc00c);
                        } else {
                                Bytes n = wname(r.owner);
                                b.insert(b.end(), n.begin(), n.end());
                        }
                        put16(b, r.type);
                        put16(b, DG_CLASS_IN);
                        put32(b, 300);
                        put16(b, unsigned(r.rdata.size()));
                        b.insert(b.end(), r.rdata.begin(), r.rdata.end());
                }
        return b;
}

const uint16_t QUERY = DG_FLAG_RD;
const uint16_t RESP = DG_FLAG_QR | DG_FLAG_RD | DG_FLAG_AA;

Rr a_rr()
{
        return Rr{"", DG_T_A, {127, 0, 0, 1}, 0};
}

Rr nsec_rr(const std::string &owner, const std::string &next)
{
        Bytes rd = wname(next);
        rd.insert(rd.end(), {0, 1, 0x40}); // window 0: A
        return Rr{owner, DG_T_NSEC, rd, 1};
}

// NSEC3 (RFC 5155 section 3.2): SHA-1, no flags, 0 iterations, no salt, a
// 20-octet next hash, bitmap A. The owner is HASH.zone.
Rr nsec3_rr(const std::string &hash, const std::string &zone, uint8_t next)
{
        Bytes rd{1, 0, 0, 0, 0, 20};
        for (int i = 0; i < 20; i++)
                rd.push_back(uint8_t(next + i));
        rd.insert(rd.end(), {0, 1, 0x40});
        return Rr{hash + "." + zone, DG_T_NSEC3, rd, 1};
}

// RRSIG over an A record (RFC 4034 section 3.1) whose labels field says
// how many labels the signed owner had: fewer than the owner's means a
// wildcard expansion.
Rr rrsig_rr(uint8_t labels)
{
        Bytes rd{0, 1, 13, labels};
        rd.resize(18, 0);
        Bytes signer = wname("corp.test");
        rd.insert(rd.end(), signer.begin(), signer.end());
        rd.resize(rd.size() + 64, 0x5a);
        return Rr{"", DG_T_RRSIG, rd, 0};
}

// A 32-character base32hex label made from n, as an NSEC3 owner has.
std::string b32hex(unsigned n)
{
        const char *alpha = "0123456789abcdefghijklmnopqrstuv";
        std::string s;
        uint64_t x = 0x9e3779b97f4a7c15ull * (n + 1);
        for (int i = 0; i < 32; i++) {
                s.push_back(alpha[x % 32]);
                x = x * 6364136223846793005ull + 1442695040888963407ull;
        }
        return s;
}

class Detect : public ::testing::Test
{
      protected:
        dg_detector_t *det = nullptr;
        dg_detect_addr_t client{}, server{}, other{};
        double now = 1000.0;

        void SetUp() override
        {
                dg_detect_opts_t o;
                dg_detect_opts_default(&o);
                o.classify = false; // the classifier has its own tests
                ASSERT_EQ(DG_OK, dg_detect_new(&o, &det));
                client = addr4(192, 0, 2, 10);
                server = addr4(192, 0, 2, 53);
                other = addr4(198, 51, 100, 7);
        }
        void TearDown() override
        {
                dg_detect_free(det);
        }
        static dg_detect_addr_t addr4(int a, int b, int c, int d)
        {
                dg_detect_addr_t x{};
                x.family = 4;
                x.addr[0] = uint8_t(a);
                x.addr[1] = uint8_t(b);
                x.addr[2] = uint8_t(c);
                x.addr[3] = uint8_t(d);
                return x;
        }
        // query from `from` to the server, returns its tags
        uint32_t query(const Bytes &m, const dg_detect_addr_t *from = nullptr)
        {
                dg_detect_result_t r;
                now += 0.01;
                EXPECT_EQ(DG_OK, dg_detect_observe(det, now, from ? from : &client, &server,
                                                   m.data(), m.size(), &r));
                EXPECT_FALSE(r.response);
                return r.tags;
        }
        // any message from `from` to `to`, returns its tags
        uint32_t send(const dg_detect_addr_t &from, const dg_detect_addr_t &to, const Bytes &m)
        {
                dg_detect_result_t r;
                now += 0.01;
                EXPECT_EQ(DG_OK, dg_detect_observe(det, now, &from, &to, m.data(), m.size(), &r));
                return r.tags;
        }
        uint32_t answer(const Bytes &m, const dg_detect_addr_t *to = nullptr)
        {
                dg_detect_result_t r;
                now += 0.01;
                EXPECT_EQ(DG_OK, dg_detect_observe(det, now, &server, to ? to : &client, m.data(),
                                                   m.size(), &r));
                EXPECT_TRUE(r.response);
                EXPECT_EQ(0, std::memcmp(&r.source, to ? to : &client, sizeof r.source));
                return r.tags;
        }
};

constexpr uint32_t bit(dg_tag_t t)
{
        return DG_TAG_BIT(t);
}

TEST(DetectNames, TagWordsRoundTrip)
{
        const char *words[] = {"axfr",
                               "ixfr",
                               "any",
                               "chaos",
                               "brute",
                               "nsec-walk",
                               "srv-enum",
                               "ptr-sweep",
                               "cache-snoop",
                               "wildcard-probe",
                               "provider-disclosure",
                               "takeover-candidate",
                               "zone-leak",
                               "nsec3-walk",
                               "tld-sweep"};
        ASSERT_EQ(size_t(DG_TAG_COUNT_), sizeof words / sizeof words[0]);
        for (int i = 0; i < DG_TAG_COUNT_; i++) {
                EXPECT_STREQ(words[i], dg_detect_tag_name(dg_tag_t(i)));
                EXPECT_EQ(i, dg_detect_tag_parse(words[i]));
        }
        EXPECT_EQ(nullptr, dg_detect_tag_name(DG_TAG_COUNT_));
        EXPECT_EQ(DG_EINVAL, dg_detect_tag_parse("bruteforce"));
        EXPECT_EQ(DG_EINVAL, dg_detect_tag_parse(nullptr));
}

TEST(DetectOpts, RejectsZeroThresholds)
{
        dg_detect_opts_t o;
        dg_detector_t *d = nullptr;
        dg_detect_opts_default(&o);
        o.brute_names = 0;
        EXPECT_EQ(DG_EINVAL, dg_detect_new(&o, &d));
        dg_detect_opts_default(&o);
        o.window = 0;
        EXPECT_EQ(DG_EINVAL, dg_detect_new(&o, &d));
        dg_detect_opts_default(&o);
        o.brute_nx_ratio = 1.5;
        EXPECT_EQ(DG_EINVAL, dg_detect_new(&o, &d));
        dg_detect_opts_default(&o);
        o.nsec3_names = 0;
        EXPECT_EQ(DG_EINVAL, dg_detect_new(&o, &d));
        dg_detect_opts_default(&o);
        o.tld_parents = 0;
        EXPECT_EQ(DG_EINVAL, dg_detect_new(&o, &d));
        EXPECT_EQ(nullptr, d);
        ASSERT_EQ(DG_OK, dg_detect_new(nullptr, &d));
        dg_detect_free(d);
        dg_detect_free(nullptr);
}

TEST(DetectAddr, Presentation)
{
        char buf[64];
        dg_detect_addr_t a{};
        a.family = 6;
        a.addr[0] = 0x20;
        a.addr[1] = 0x01;
        a.addr[2] = 0x0d;
        a.addr[3] = 0xb8;
        a.addr[15] = 1;
        ASSERT_GT(dg_detect_addr_str(&a, buf, sizeof buf), 0);
        EXPECT_STREQ("2001:db8::1", buf);
        dg_detect_addr_t lo{};
        lo.family = 6;
        lo.addr[15] = 1;
        dg_detect_addr_str(&lo, buf, sizeof buf);
        EXPECT_STREQ("::1", buf);
        dg_detect_addr_t v4{};
        v4.family = 4;
        v4.addr[0] = 127;
        v4.addr[3] = 1;
        dg_detect_addr_str(&v4, buf, sizeof buf);
        EXPECT_STREQ("127.0.0.1", buf);
        EXPECT_EQ(DG_ESPACE, dg_detect_addr_str(&v4, buf, 4));
}

TEST_F(Detect, ZoneTransferAnsweredIsALeak)
{
        EXPECT_EQ(bit(DG_TAG_AXFR), query(msg(0, "corp.test", DG_T_AXFR)));
        Rr soa{"", DG_T_SOA, Bytes(22, 0), 0};
        uint32_t t = answer(msg(DG_FLAG_QR | DG_FLAG_AA, "corp.test", DG_T_AXFR, DG_CLASS_IN,
                                {soa, a_rr(), a_rr()}));
        EXPECT_EQ(bit(DG_TAG_AXFR) | bit(DG_TAG_ZONE_LEAK), t);
        // a later message of the same transfer carries no question
        t = answer(msg(DG_FLAG_QR | DG_FLAG_AA, "-", 0, 0, {a_rr(), soa}));
        EXPECT_EQ(bit(DG_TAG_AXFR) | bit(DG_TAG_ZONE_LEAK), t);
}

TEST_F(Detect, RefusedTransferIsNoLeak)
{
        query(msg(0, "corp.test", DG_T_AXFR));
        uint32_t t =
            answer(msg(DG_FLAG_QR | DG_RCODE_REFUSED, "corp.test", DG_T_AXFR, DG_CLASS_IN));
        EXPECT_EQ(bit(DG_TAG_AXFR), t);
        // without an answered transfer, question-less messages are nothing
        EXPECT_EQ(0u, answer(msg(DG_FLAG_QR, "-", 0, 0, {a_rr(), a_rr()})));
        EXPECT_EQ(bit(DG_TAG_IXFR), query(msg(0, "corp.test", DG_T_IXFR)));
}

TEST_F(Detect, AnyAndChaos)
{
        EXPECT_EQ(bit(DG_TAG_ANY), query(msg(QUERY, "corp.test", DG_T_ANY)));
        EXPECT_EQ(bit(DG_TAG_CHAOS), query(msg(0, "version.bind", DG_T_TXT, DG_CLASS_CH)));
        EXPECT_EQ(bit(DG_TAG_CHAOS), answer(msg(DG_FLAG_QR, "id.server", DG_T_TXT, DG_CLASS_CH)));
        EXPECT_EQ(0u, query(msg(QUERY, "www.corp.test", DG_T_A)));
}

TEST(DetectRandom, LabelsThatLookGenerated)
{
        auto rnd = [](const char *s) {
                return dg_detect_label_random(reinterpret_cast<const uint8_t *>(s), strlen(s), 10);
        };
        // generated: uniform letters, letters+digits, long digit strings
        EXPECT_TRUE(rnd("qzxwvkrtplmn"));
        EXPECT_TRUE(rnd("hGtkPqZrWxYvBnMcLsDf"));
        EXPECT_TRUE(rnd("k3J9x2Qz7RmT"));
        EXPECT_TRUE(rnd("57291038465"));
        // made by people
        EXPECT_FALSE(rnd("autodiscover"));
        EXPECT_FALSE(rnd("enterpriseregistration"));
        EXPECT_FALSE(rnd("selector1"));
        EXPECT_FALSE(rnd("www"));
        EXPECT_FALSE(rnd("mail-server-01"));
        EXPECT_FALSE(rnd("20240612")); // a date-like selector: shorter than the bound
        EXPECT_FALSE(rnd("123456789"));
        // UUIDs (gobuster), hex and base32 of random bytes
        EXPECT_TRUE(rnd("3f2b8c1e-9a4d-4e7b-b2c5-7d1e0f9a6b3c"));
        EXPECT_TRUE(rnd("9f86d081884c7d65"));
        EXPECT_TRUE(rnd("mfrgg2lt3dn5xq4k"));
        EXPECT_TRUE(rnd("1uumjsv0i8ctc6pbs3gtb4kslrj8do2k")); // an NSEC3 hash label
        EXPECT_FALSE(rnd("mailserver012345"));
        EXPECT_FALSE(rnd("3f2b8c1e-9a4d-4e7b-b2c5")); // not the 8-4-4-4-12 shape
        auto uuid = [](const char *s) {
                return dg_detect_label_uuid(reinterpret_cast<const uint8_t *>(s), strlen(s));
        };
        EXPECT_TRUE(uuid("3F2B8C1E-9A4D-4E7B-B2C5-7D1E0F9A6B3C"));
        EXPECT_FALSE(uuid("3f2b8c1e-9a4d-4e7b-b2c5-7d1e0f9a6b3g"));
        EXPECT_FALSE(uuid("3f2b8c1e9a4d-4e7b-b2c5-7d1e0f9a6b3c-"));
}

TEST_F(Detect, WildcardProbe)
{
        const uint16_t NX = DG_FLAG_QR | DG_FLAG_AA | DG_RCODE_NXDOMAIN;
        // gobuster's UUID: its question already is the probe
        std::string u = "3f2b8c1e-9a4d-4e7b-b2c5-7d1e0f9a6b3c.corp.test";
        EXPECT_EQ(bit(DG_TAG_WILDCARD_PROBE), query(msg(QUERY, u, DG_T_A)));
        EXPECT_EQ(bit(DG_TAG_WILDCARD_PROBE), answer(msg(NX, u, DG_T_A)));
        // other random labels: the NXDOMAIN answer makes the probe
        std::string r = "qzxwvkrtplmn.corp.test";
        EXPECT_EQ(0u, query(msg(QUERY, r, DG_T_A)));
        EXPECT_EQ(bit(DG_TAG_WILDCARD_PROBE), answer(msg(NX, r, DG_T_A)));
        // a server refusing it (dnsrecon's check of the TLD) answers the probe too
        std::string tr = "vpqihm81saypzsx7k4fy.com";
        EXPECT_EQ(0u, query(msg(QUERY, tr, DG_T_A)));
        EXPECT_EQ(bit(DG_TAG_WILDCARD_PROBE),
                  answer(msg(DG_FLAG_QR | DG_RCODE_REFUSED, tr, DG_T_A)));
        // NODATA: the name exists
        EXPECT_EQ(0u, answer(msg(RESP, r, DG_T_TXT)));
        // or an answer a wildcard made (its RRSIG has fewer labels than the name)
        std::string w = "hgtkpqzrwxyvbnmc.corp.test";
        EXPECT_EQ(bit(DG_TAG_WILDCARD_PROBE),
                  answer(msg(RESP, w, DG_T_A, DG_CLASS_IN, {a_rr(), rrsig_rr(2)})));
        EXPECT_EQ(0u, answer(msg(RESP, w, DG_T_A, DG_CLASS_IN, {a_rr(), rrsig_rr(3)})));
        // underscore names (DKIM selectors, service names) are never probes
        EXPECT_EQ(0u, answer(msg(NX, "qzxwvkrtplmn._domainkey.corp.test", DG_T_TXT)));
        // nor reverse names
        EXPECT_EQ(0u, answer(msg(NX, "1.2.0.192.in-addr.arpa", DG_T_PTR)));
}

TEST_F(Detect, GeneratedHostNamesAreNoProbes)
{
        // a browser's CDN, storage and load balancer names: random labels
        // under providers' zones, answered with data
        const char *hosts[] = {"d1a2b3c4e5f6g7.cloudfront.net",
                               "k3j9x2qz7rmt.s3.amazonaws.com",
                               "app-7f3a9c2e1b.elb.amazonaws.com",
                               "qzxwvkrtplmnbv.azureedge.net",
                               "e8721.dscx.akamaiedge.net",
                               "9f86d081884c7d65.cloudfront.net",
                               "3f2b8c1e-9a4d-4e7b-b2c5-7d1e0f9a6b3c.cloudfront.net"};
        for (const char *h : hosts) {
                EXPECT_EQ(0u, query(msg(QUERY, h, DG_T_A))) << h;
                EXPECT_EQ(0u, answer(msg(RESP, h, DG_T_A, DG_CLASS_IN, {a_rr()}))) << h;
                EXPECT_EQ(0u, answer(msg(RESP | DG_RCODE_NXDOMAIN, h, DG_T_A))) << h;
        }
        // a random-looking host of some other zone that exists is no probe either
        EXPECT_EQ(0u, query(msg(QUERY, "k3j9x2qz7rmt.saas.example", DG_T_A)));
        EXPECT_EQ(0u,
                  answer(msg(RESP, "k3j9x2qz7rmt.saas.example", DG_T_A, DG_CLASS_IN, {a_rr()})));
}

TEST_F(Detect, BruteNeedsManyNamesMostlyNxdomain)
{
        dg_detect_opts_t o;
        dg_detect_opts_default(&o);
        unsigned first_tagged = 0;
        for (unsigned i = 1; i <= o.brute_names + 5; i++) {
                std::string n = "w" + std::to_string(i) + ".corp.test";
                uint32_t qt = query(msg(QUERY, n, DG_T_A));
                uint32_t at = answer(msg(DG_FLAG_QR | DG_FLAG_AA | DG_RCODE_NXDOMAIN, n, DG_T_A));
                EXPECT_EQ(qt & bit(DG_TAG_BRUTE), at & bit(DG_TAG_BRUTE)) << i;
                if ((qt & bit(DG_TAG_BRUTE)) && first_tagged == 0)
                        first_tagged = i;
        }
        EXPECT_EQ(o.brute_names, first_tagged);
        // another source is not tainted, nor another zone of the same source
        EXPECT_EQ(0u, query(msg(QUERY, "w1.corp.test", DG_T_A), &other));
        EXPECT_EQ(0u, query(msg(QUERY, "w1.other.test", DG_T_A)));
}

TEST_F(Detect, ManyNamesThatExistAreNotBrute)
{
        for (unsigned i = 1; i <= 40; i++) {
                std::string n = "host" + std::to_string(i) + ".corp.test";
                EXPECT_EQ(0u, query(msg(QUERY, n, DG_T_A)));
                EXPECT_EQ(0u, answer(msg(RESP, n, DG_T_A, DG_CLASS_IN, {a_rr()})));
        }
}

TEST_F(Detect, BruteFlagExpiresAfterAnIdleWindow)
{
        for (unsigned i = 1; i <= 30; i++)
                query(msg(QUERY, "w" + std::to_string(i) + ".corp.test", DG_T_A));
        EXPECT_TRUE(query(msg(QUERY, "w31.corp.test", DG_T_A)) & bit(DG_TAG_BRUTE));
        now += 200; // > window, idle
        EXPECT_EQ(0u, query(msg(QUERY, "w32.corp.test", DG_T_A)));
}

TEST_F(Detect, SrvEnumeration)
{
        const char *svc[] = {"_ldap._tcp",  "_kerberos._udp",   "_kerberos._tcp",
                             "_sip._tls",   "_sip._udp",        "_xmpp-server._tcp",
                             "_imaps._tcp", "_submission._tcp", "_caldav._tcp"};
        uint32_t last = 0;
        for (size_t i = 0; i < sizeof svc / sizeof svc[0]; i++) {
                last = query(msg(QUERY, std::string(svc[i]) + ".corp.test", DG_T_SRV));
                if (i + 1 < 8) {
                        EXPECT_EQ(0u, last) << i;
                }
        }
        EXPECT_EQ(bit(DG_TAG_SRV_ENUM), last);
}

TEST_F(Detect, PtrSweep)
{
        uint32_t t = 0;
        for (int i = 1; i <= 16; i++) {
                t = query(msg(QUERY, std::to_string(i) + ".2.0.192.in-addr.arpa", DG_T_PTR));
                if (i < 16) {
                        EXPECT_EQ(0u, t);
                }
        }
        EXPECT_EQ(bit(DG_TAG_PTR_SWEEP), t);
}

TEST_F(Detect, CacheSnooping)
{
        const char *names[] = {"www.example.com", "login.example.net", "mail.example.org",
                               "cdn.example.com", "api.example.net",   "chat.example.org"};
        uint32_t t = 0;
        for (size_t i = 0; i < 6; i++) {
                query(msg(0, names[i], DG_T_A));
                // answered from cache: no AA, recursion available
                t = answer(msg(DG_FLAG_QR | DG_FLAG_RA, names[i], DG_T_A, DG_CLASS_IN, {a_rr()}));
                if (i < 4) {
                        EXPECT_EQ(0u, t) << i;
                }
        }
        EXPECT_EQ(bit(DG_TAG_CACHE_SNOOP), t);
        EXPECT_EQ(bit(DG_TAG_CACHE_SNOOP), query(msg(0, "next.example.com", DG_T_A)));
        // recursive queries of the same source are not snooping
        EXPECT_EQ(0u, query(msg(QUERY, "next.example.com", DG_T_A)));
}

TEST_F(Detect, SnoopingAttemptsWhateverTheAnswer)
{
        const char *names[] = {"www.example.com", "login.example.net", "mail.example.org",
                               "cdn.example.com", "api.example.net",   "chat.example.org"};
        // an authoritative server refusing names outside its zones (Knot, no RA)
        uint32_t t = 0;
        for (size_t i = 0; i < 6; i++) {
                query(msg(0, names[i], DG_T_A));
                t = answer(msg(DG_FLAG_QR | DG_RCODE_REFUSED, names[i], DG_T_A));
        }
        EXPECT_EQ(bit(DG_TAG_CACHE_SNOOP), t);
        // a resolver with a cold cache: referrals to the root, RA set
        dg_detect_addr_t resolver = addr4(192, 0, 2, 54);
        for (size_t i = 0; i < 6; i++) {
                Rr ns{".", DG_T_NS, wname("a.root-servers.net"), 1};
                send(other, resolver, msg(0, names[i], DG_T_A));
                t = send(resolver, other,
                         msg(DG_FLAG_QR | DG_FLAG_RA, names[i], DG_T_A, DG_CLASS_IN, {ns}));
        }
        EXPECT_EQ(bit(DG_TAG_CACHE_SNOOP), t);
        EXPECT_EQ(bit(DG_TAG_CACHE_SNOOP), send(other, resolver, msg(0, "x.example.com", DG_T_A)));
        // the flag is per server: the same source's RD=0 question elsewhere is not
        EXPECT_EQ(0u, send(other, server, msg(0, "x.example.com", DG_T_A)));
}

TEST_F(Detect, ResolversAskingAuthoritativeServersAreNotSnooping)
{
        // the resolver -> authoritative leg: every question has RD=0; the
        // answers are authoritative, referrals (no RA) or authoritative NXDOMAIN
        dg_detect_addr_t resolver = addr4(192, 0, 2, 54), root = addr4(192, 0, 2, 1);
        for (int i = 0; i < 15; i++) { // under the brute threshold of NXDOMAIN names
                std::string z = "zone" + std::to_string(i) + ".test";
                std::string n = "www." + z;
                Rr ns{z, DG_T_NS, wname("ns." + z), 1};
                EXPECT_EQ(0u, send(resolver, root, msg(0, n, DG_T_A)));
                EXPECT_EQ(0u, send(root, resolver, msg(DG_FLAG_QR, n, DG_T_A, DG_CLASS_IN, {ns})));
                EXPECT_EQ(0u, send(resolver, server, msg(0, n, DG_T_A)));
                EXPECT_EQ(0u, send(server, resolver,
                                   msg(DG_FLAG_QR | DG_FLAG_AA, n, DG_T_A, DG_CLASS_IN, {a_rr()})));
                std::string nx = "nosuch" + std::to_string(i) + ".corp.test";
                EXPECT_EQ(0u, send(resolver, server, msg(0, nx, DG_T_A)));
                EXPECT_EQ(0u, send(server, resolver,
                                   msg(DG_FLAG_QR | DG_FLAG_AA | DG_RCODE_NXDOMAIN, nx, DG_T_A)));
        }
        // an admin's single `dig +norec` at a resolver is no snooping either
        EXPECT_EQ(0u, query(msg(0, "www.example.com", DG_T_A)));
        EXPECT_EQ(0u, answer(msg(DG_FLAG_QR | DG_FLAG_RA, "www.example.com", DG_T_A, DG_CLASS_IN,
                                 {a_rr()})));
}

TEST_F(Detect, ReferralsAreNotSnooping)
{
        for (int i = 0; i < 10; i++) {
                std::string n = "h" + std::to_string(i) + ".zone" + std::to_string(i) + ".test";
                Rr ns{"zone" + std::to_string(i) + ".test", DG_T_NS, wname("ns.example.net"), 1};
                EXPECT_EQ(0u, answer(msg(DG_FLAG_QR, n, DG_T_A, DG_CLASS_IN, {ns})));
        }
}

// "\000." before a name, as a std::string
std::string z0(const std::string &rest)
{
        return std::string(1, '\0') + "." + rest;
}

// name with "\000" appended to its first label
std::string plus0(const std::string &name)
{
        std::string s = name;
        s.insert(s.find('.'), 1, '\0');
        return s;
}

TEST_F(Detect, NsecWalkLikeLdnsWalk)
{
        // "\000.zone" first, then each next name with "\000" appended to its
        // first label (RFC 4034 section 6.1 successor), asked for type DS
        const char *names[] = {"corp.test",     "api.corp.test",  "dc1.corp.test",
                               "dev.corp.test", "mail.corp.test", "vpn.corp.test"};
        uint32_t qt = 0, at = 0;
        for (int i = 0; i < 5; i++) {
                std::string q = i == 0 ? z0(names[0]) : plus0(names[i]);
                qt = query(msg(QUERY, q, DG_T_DS));
                at = answer(msg(DG_FLAG_QR | DG_FLAG_AA | DG_RCODE_NXDOMAIN, q, DG_T_DS,
                                DG_CLASS_IN, {nsec_rr(names[i], names[i + 1])}));
                if (i < 3) {
                        EXPECT_EQ(0u, qt) << i;
                }
        }
        EXPECT_TRUE(qt & bit(DG_TAG_NSEC_WALK));
        EXPECT_TRUE(at & bit(DG_TAG_NSEC_WALK));
}

TEST_F(Detect, NsecWalkLikeNmap)
{
        // Nmap dns-nsec-enum: "0.next" below each new name, "name-" to leave
        // a subtree (nselib's DNS_CHARS order)
        std::string cur = "corp.test";
        const char *nexts[] = {"api.corp.test", "dc1.corp.test", "dev.corp.test", "mail.corp.test",
                               "vpn.corp.test"};
        uint32_t qt = 0, at = 0;
        for (int i = 0; i < 5; i++) {
                std::string q = "0." + cur;
                qt = query(msg(QUERY, q, DG_T_A));
                at = answer(msg(DG_FLAG_QR | DG_FLAG_AA | DG_RCODE_NXDOMAIN, q, DG_T_A, DG_CLASS_IN,
                                {nsec_rr(cur, nexts[i])}));
                if (i == 0) {
                        EXPECT_EQ(0u, qt);
                }
                cur = nexts[i];
        }
        EXPECT_TRUE(qt & bit(DG_TAG_NSEC_WALK));
        EXPECT_TRUE(at & bit(DG_TAG_NSEC_WALK));
        EXPECT_TRUE(query(msg(QUERY, "vpn-.corp.test", DG_T_A)) & bit(DG_TAG_NSEC_WALK));
}

TEST_F(Detect, AskingForNextNamesIsNoWalk)
{
        // a client behind a validating resolver: its NXDOMAIN answers carry
        // NSEC records, and it then asks for names that happen to be their
        // next names (or siblings a brute force tries: mail1, www.mail)
        const char *nx[] = {"intranet", "wiki", "jira", "git", "ftp", "owa"};
        const char *next[] = {"mail", "www", "mail", "mail", "mail", "vpn"};
        for (int round = 0; round < 3; round++)
                for (int i = 0; i < 6; i++) {
                        std::string q = std::string(nx[i]) + ".corp.test";
                        std::string nn = std::string(next[i]) + ".corp.test";
                        EXPECT_EQ(0u, query(msg(QUERY, q, DG_T_A)));
                        EXPECT_EQ(0u, answer(msg(
                                          DG_FLAG_QR | DG_FLAG_RD | DG_FLAG_RA | DG_RCODE_NXDOMAIN,
                                          q, DG_T_A, DG_CLASS_IN, {nsec_rr("ftp.corp.test", nn)})));
                        EXPECT_EQ(0u, query(msg(QUERY, nn, DG_T_A)));
                        EXPECT_EQ(0u, query(msg(QUERY, nn, DG_T_AAAA)));
                        EXPECT_EQ(0u,
                                  query(msg(QUERY, std::string(next[i]) + "1.corp.test", DG_T_A)));
                        EXPECT_EQ(0u, query(msg(QUERY, "www." + nn, DG_T_A)));
                }
        // many steps from one record are no chain
        for (int i = 0; i < 5; i++)
                EXPECT_EQ(0u, query(msg(QUERY, z0("vpn.corp.test"), DG_T_A)));
}

const char *const nmap_alpha = "etaoinshrdlucmfw"; // dns-nsec3-enum's label letters

std::string nmap_label(unsigned n)
{
        std::string s;
        for (int i = 0; i < 8; i++) {
                s.push_back(nmap_alpha[(n * 7 + unsigned(i) * 13 + n / 3) % 16]);
                n = n * 31 + 17;
        }
        return s;
}

TEST_F(Detect, Nsec3WalkLikeNmap)
{
        // dns-nsec3-enum: 8 letters, type NSEC3 with DO, NXDOMAIN with NSEC3
        uint32_t qt = 0, at = 0;
        dg_detect_opts_t o;
        dg_detect_opts_default(&o);
        for (unsigned i = 0; i < o.nsec3_names + 2; i++) {
                std::string q = nmap_label(i) + ".corp.test";
                qt = query(msg(QUERY, q, DG_T_NSEC3));
                at = answer(msg(DG_FLAG_QR | DG_FLAG_AA | DG_RCODE_NXDOMAIN, q, DG_T_NSEC3,
                                DG_CLASS_IN,
                                {nsec3_rr(b32hex(2 * i), "corp.test", uint8_t(i)),
                                 nsec3_rr(b32hex(2 * i + 1), "corp.test", uint8_t(i + 1))}));
                if (i + 1 < o.nsec3_names) {
                        EXPECT_EQ(0u, at) << i;
                }
                if (i + 1 == o.nsec3_names) {
                        EXPECT_EQ(bit(DG_TAG_NSEC3_WALK), at);
                }
        }
        EXPECT_EQ(bit(DG_TAG_NSEC3_WALK), qt);
        EXPECT_EQ(bit(DG_TAG_NSEC3_WALK), at);
        // a long walk is the walk, not also a brute force of the zone
        for (unsigned i = 100; i < 130; i++) {
                std::string q = nmap_label(i) + ".corp.test";
                EXPECT_EQ(bit(DG_TAG_NSEC3_WALK), query(msg(QUERY, q, DG_T_NSEC3)));
                EXPECT_EQ(bit(DG_TAG_NSEC3_WALK),
                          answer(msg(DG_FLAG_QR | DG_FLAG_AA | DG_RCODE_NXDOMAIN, q, DG_T_NSEC3,
                                     DG_CLASS_IN, {nsec3_rr(b32hex(i), "corp.test", uint8_t(i))})));
        }
        // another zone of the same source is not tainted
        EXPECT_EQ(0u, query(msg(QUERY, nmap_label(99) + ".other.test", DG_T_NSEC3)));
}

TEST_F(Detect, Nsec3WalkAfterNsec3param)
{
        // dnsglean walk / n3map: NSEC3PARAM at the apex, then random labels
        // asked for type A; no wildcard-probe on them
        query(msg(QUERY, "corp.test", DG_T_NSEC3PARAM));
        answer(msg(RESP, "corp.test", DG_T_NSEC3PARAM, DG_CLASS_IN,
                   {Rr{"", DG_T_NSEC3PARAM, {1, 0, 0, 0, 0}, 0}}));
        uint32_t at = 0;
        for (unsigned i = 0; i < 6; i++) {
                std::string q = "k3j9x2qz7rm" + std::to_string(i) + ".corp.test";
                EXPECT_EQ(0u, query(msg(QUERY, q, DG_T_A)) & ~bit(DG_TAG_NSEC3_WALK));
                at = answer(msg(DG_FLAG_QR | DG_FLAG_AA | DG_RCODE_NXDOMAIN, q, DG_T_A, DG_CLASS_IN,
                                {nsec3_rr(b32hex(i), "corp.test", uint8_t(i))}));
                EXPECT_EQ(0u, at & bit(DG_TAG_WILDCARD_PROBE));
        }
        EXPECT_EQ(bit(DG_TAG_NSEC3_WALK), at);
}

TEST_F(Detect, Nsec3DenialsOfOrdinaryNamesAreNoWalk)
{
        // a validating resolver asking for names that do not exist in an
        // NSEC3 zone (typos, a monitoring probe): words, type A, no NSEC3PARAM
        dg_detect_addr_t resolver = addr4(192, 0, 2, 54);
        const char *words[] = {"intranet", "wiki",   "jira",    "confluence", "gitlab",
                               "grafana",  "backup", "staging", "old",        "test"};
        for (unsigned i = 0; i < 10; i++) {
                std::string q = std::string(words[i]) + ".corp.test";
                EXPECT_EQ(0u, send(resolver, server, msg(0, q, DG_T_A)));
                EXPECT_EQ(0u, send(server, resolver,
                                   msg(DG_FLAG_QR | DG_FLAG_AA | DG_RCODE_NXDOMAIN, q, DG_T_A,
                                       DG_CLASS_IN,
                                       {nsec3_rr(b32hex(i), "corp.test", uint8_t(i)),
                                        nsec3_rr(b32hex(i + 50), "corp.test", uint8_t(i))})));
        }
}

TEST_F(Detect, TldSweep)
{
        // dnsrecon -t tld: one label under every TLD, most of them NXDOMAIN
        dg_detect_opts_t o;
        dg_detect_opts_default(&o);
        unsigned first = 0;
        for (unsigned i = 1; i <= o.tld_parents + 5; i++) {
                std::string q = "corp.tld" + std::to_string(i);
                uint32_t qt = query(msg(QUERY, q, DG_T_A));
                uint32_t at = answer(
                    msg(DG_FLAG_QR | DG_FLAG_RD | DG_FLAG_RA | DG_RCODE_NXDOMAIN, q, DG_T_A));
                EXPECT_EQ(qt & bit(DG_TAG_TLD_SWEEP), at & bit(DG_TAG_TLD_SWEEP)) << i;
                EXPECT_EQ(0u, qt & bit(DG_TAG_BRUTE)) << i;
                if ((qt & bit(DG_TAG_TLD_SWEEP)) && first == 0)
                        first = i;
        }
        EXPECT_EQ(o.tld_parents, first);
        // sibling zones count as well ("acme" under co.uk, com.au, ...)
        for (unsigned i = 1; i <= o.tld_parents; i++)
                query(msg(QUERY, "acme.sld" + std::to_string(i) + ".example", DG_T_A), &other);
        EXPECT_TRUE(query(msg(QUERY, "acme.last.example", DG_T_A), &other) & bit(DG_TAG_TLD_SWEEP));
}

TEST_F(Detect, TldSweepAgainAfterItsStateWasSwept)
{
        // a sweep that frees the idle buckets (after two idle windows and a
        // few thousand messages) leaves the label's ring entry in place: the
        // next sweep starts from a fresh bucket (ASan: nothing dangles)
        dg_detect_opts_t o;
        dg_detect_opts_default(&o);
        auto sweep = [&](const std::string &label) {
                unsigned first = 0;
                for (unsigned i = 1; i <= o.tld_parents + 2; i++) {
                        std::string q = label + ".tld" + std::to_string(i);
                        uint32_t t = query(msg(QUERY, q, DG_T_A));
                        answer(msg(DG_FLAG_QR | DG_FLAG_RD | DG_FLAG_RA | DG_RCODE_NXDOMAIN, q,
                                   DG_T_A));
                        if ((t & bit(DG_TAG_TLD_SWEEP)) && first == 0)
                                first = i;
                }
                return first;
        };
        EXPECT_EQ(o.tld_parents, sweep("corp"));
        now += 3 * o.window;
        for (unsigned i = 0; i < 5000; i++)
                EXPECT_EQ(0u,
                          query(msg(QUERY, "www.site" + std::to_string(i % 7) + ".example", DG_T_A),
                                &other));
        EXPECT_EQ(o.tld_parents, sweep("corp"));
}

TEST(DetectBounds, ManySources)
{
        // the source table grows: every source keeps its own state and its
        // place in the first-seen order
        dg_detector_t *d;
        ASSERT_EQ(DG_OK, dg_detect_new(nullptr, &d));
        Bytes q = msg(0, "corp.test", DG_T_AXFR);
        dg_detect_addr_t srv{};
        srv.family = 6;
        for (int round = 0; round < 2; round++)
                for (int i = 0; i < 3000; i++) {
                        dg_detect_addr_t a{};
                        a.family = 6;
                        a.addr[0] = 0x20;
                        a.addr[14] = uint8_t(i >> 8);
                        a.addr[15] = uint8_t(i);
                        dg_detect_result_t r;
                        ASSERT_EQ(DG_OK, dg_detect_observe(d, 1.0 + round, &a, &srv, q.data(),
                                                           q.size(), &r));
                        EXPECT_EQ(bit(DG_TAG_AXFR), r.tags);
                        EXPECT_EQ(round ? 60u : 30u, r.source_score) << i;
                }
        struct Walk {
                int n = 0;
                bool ok = true;
        } w;
        dg_detect_foreach_source(
            d,
            [](void *ud, const dg_detect_source_t *s) {
                    Walk *k = static_cast<Walk *>(ud);
                    k->ok = k->ok && s->queries == 2 && s->addr.addr[15] == uint8_t(k->n) &&
                            s->addr.addr[14] == uint8_t(k->n >> 8) &&
                            s->tag_counts[DG_TAG_AXFR] == 2;
                    k->n++;
                    return 0;
            },
            &w);
        EXPECT_EQ(3000, w.n);
        EXPECT_TRUE(w.ok);
        EXPECT_EQ(0u, dg_detect_untracked(d));
        dg_detect_free(d);
}

TEST_F(Detect, ResolverRelayingASweepIsSweeping)
{
        // the client -> resolver leg and the resolver -> authoritative leg of
        // one sweep: each querier is tagged for its own questions
        dg_detect_addr_t resolver = addr4(192, 0, 2, 54), tldsrv = addr4(192, 0, 2, 2);
        uint32_t ct = 0, rt = 0;
        for (unsigned i = 1; i <= 25; i++) {
                std::string q = "corp.tld" + std::to_string(i);
                ct = send(client, resolver, msg(QUERY, q, DG_T_A));
                rt = send(resolver, tldsrv, msg(0, q, DG_T_A));
                rt |= send(tldsrv, resolver,
                           msg(DG_FLAG_QR | DG_FLAG_AA | DG_RCODE_NXDOMAIN, q, DG_T_A));
                ct |=
                    send(resolver, client,
                         msg(DG_FLAG_QR | DG_FLAG_RD | DG_FLAG_RA | DG_RCODE_NXDOMAIN, q, DG_T_A));
        }
        EXPECT_EQ(bit(DG_TAG_TLD_SWEEP), ct);
        EXPECT_EQ(bit(DG_TAG_TLD_SWEEP), rt);
}

TEST_F(Detect, BrowsingManySitesIsNoSweep)
{
        // "www" under many sites, all of which exist: a browser, or its resolver
        for (unsigned i = 1; i <= 60; i++) {
                std::string q = "www.site" + std::to_string(i) + ".example";
                EXPECT_EQ(0u, query(msg(QUERY, q, DG_T_A)));
                EXPECT_EQ(0u, answer(msg(RESP, q, DG_T_A, DG_CLASS_IN, {a_rr()})));
        }
}

TEST_F(Detect, MalformedNeverCrashes)
{
        dg_detect_result_t r;
        uint8_t shortmsg[5] = {1, 2, 3, 4, 5};
        EXPECT_EQ(DG_EMALFORMED,
                  dg_detect_observe(det, now, &client, &server, shortmsg, sizeof shortmsg, &r));
        EXPECT_EQ(0u, r.tags);
        EXPECT_EQ(DG_EINVAL, dg_detect_observe(det, now, nullptr, &server, shortmsg, 5, &r));
        // random bytes and mutated real messages
        std::mt19937 rng(7);
        Bytes base = msg(RESP, "0.api.corp.test", DG_T_A, DG_CLASS_IN,
                         {a_rr(), nsec_rr("api.corp.test", "dc1.corp.test")});
        for (int i = 0; i < 20000; i++) {
                Bytes m = base;
                if (i % 2) {
                        m.resize(rng() % 200);
                        for (auto &c : m)
                                c = uint8_t(rng());
                } else {
                        for (int k = 0; k < 4; k++)
                                m[rng() % m.size()] = uint8_t(rng());
                        m.resize(rng() % (m.size() + 1));
                }
                dg_detect_addr_t src = addr4(10, 0, int(rng() % 4), 1);
                dg_detect_observe(det, now + i, &src, &server, m.data(), m.size(), &r);
        }
}

struct Seen {
        std::vector<std::string> addrs;
        std::vector<dg_detect_source_t> s;
};

TEST_F(Detect, PerSourceSummary)
{
        query(msg(0, "corp.test", DG_T_AXFR));
        answer(msg(DG_FLAG_QR | DG_RCODE_REFUSED, "corp.test", DG_T_AXFR));
        query(msg(QUERY, "www.corp.test", DG_T_A), &other);
        answer(msg(DG_FLAG_QR | DG_FLAG_AA | DG_RCODE_NXDOMAIN, "www.corp.test", DG_T_A), &other);
        Seen seen;
        dg_detect_foreach_source(
            det,
            [](void *ud, const dg_detect_source_t *s) {
                    auto *v = static_cast<Seen *>(ud);
                    char b[64];
                    dg_detect_addr_str(&s->addr, b, sizeof b);
                    v->addrs.push_back(b);
                    v->s.push_back(*s);
                    return 0;
            },
            &seen);
        ASSERT_EQ(2u, seen.addrs.size());
        EXPECT_EQ("192.0.2.10", seen.addrs[0]); // first seen first
        EXPECT_EQ("198.51.100.7", seen.addrs[1]);
        EXPECT_EQ(1u, seen.s[0].queries);
        EXPECT_EQ(1u, seen.s[0].responses);
        EXPECT_EQ(2u, seen.s[0].tag_counts[DG_TAG_AXFR]);
        EXPECT_EQ(60u, seen.s[0].score); // 2 x axfr (30)
        EXPECT_EQ(1u, seen.s[1].nxdomain);
        EXPECT_EQ(0u, seen.s[1].score);
        EXPECT_EQ(4u, dg_detect_messages(det));
}

TEST(DetectBounds, MaxSources)
{
        dg_detect_opts_t o;
        dg_detect_opts_default(&o);
        o.max_sources = 3;
        o.classify = false;
        dg_detector_t *d;
        ASSERT_EQ(DG_OK, dg_detect_new(&o, &d));
        Bytes q = msg(0, "corp.test", DG_T_AXFR);
        dg_detect_addr_t srv{};
        srv.family = 4;
        for (int i = 0; i < 10; i++) {
                dg_detect_addr_t a{};
                a.family = 4;
                a.addr[3] = uint8_t(i + 1);
                dg_detect_result_t r;
                ASSERT_EQ(DG_OK, dg_detect_observe(d, 1.0, &a, &srv, q.data(), q.size(), &r));
                EXPECT_EQ(bit(DG_TAG_AXFR), r.tags); // stateless tags still apply
        }
        EXPECT_EQ(7u, dg_detect_untracked(d));
        dg_detect_free(d);
}

} // namespace
