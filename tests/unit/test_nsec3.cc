// NSEC3 hashing and the NSEC3 walk's extras: the SHA-1 (portable C and
// SHA-NI) against FIPS 180 and RFC 5155 Appendix A, the cracker, the hashes
// of hashcat's and John the Ripper's published examples, and, against a
// simulated NSEC3 zone built with ldns (no network), the size estimate, the
// state file (save, resume, bad files, a changed salt) and RFC 9824
// Compact Denial of Existence.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "ldnstest.h"

extern "C" {
#include "dnsglean/walk.h"
#include "sha1.h"
#include <glib.h>
#include <unistd.h>
}

namespace
{

std::string hexs(const uint8_t *d, size_t n)
{
        std::string s;
        char b[3];
        for (size_t i = 0; i < n; i++) {
                snprintf(b, sizeof b, "%02x", d[i]);
                s += b;
        }
        return s;
}

// The implementations this CPU can run.
std::vector<std::string> impls()
{
        std::vector<std::string> v{"portable"};
        if (dg_sha1_compress_shani() != nullptr)
                v.push_back("shani");
        return v;
}

struct ImplGuard {
        ~ImplGuard()
        {
                dg_sha1_select("auto");
        }
};

std::string sha1_hex(const std::string &m)
{
        uint8_t o[20];
        dg_sha1((const uint8_t *)m.data(), m.size(), o);
        return hexs(o, 20);
}

// FIPS 180-2 Appendix A and the NIST example values for SHA-1.
TEST(Sha1, Fips180Vectors)
{
        ImplGuard g;
        for (const auto &impl : impls()) {
                ASSERT_EQ(0, dg_sha1_select(impl.c_str()));
                EXPECT_EQ(impl, dg_sha1_impl());
                EXPECT_EQ(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d") << impl;
                EXPECT_EQ(sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709") << impl;
                EXPECT_EQ(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                          "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
                    << impl;
                EXPECT_EQ(sha1_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmn"
                                   "oijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
                          "a49b2446a02c645bf419f995b67091253a04a259")
                    << impl;
                EXPECT_EQ(sha1_hex(std::string(1000000, 'a')),
                          "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
                    << impl;
        }
        EXPECT_EQ(-1, dg_sha1_select("md5"));
        if (dg_sha1_compress_shani() == nullptr) {
                EXPECT_EQ(-1, dg_sha1_select("shani"));
        }
        printf("SHA-1 implementations tested:");
        for (const auto &i : impls())
                printf(" %s", i.c_str());
        printf("\n");
}

// Both implementations agree on every length around the block boundaries.
TEST(Sha1, ImplementationsAgree)
{
        ImplGuard g;
        std::vector<uint8_t> m(300);
        for (size_t i = 0; i < m.size(); i++)
                m[i] = (uint8_t)(i * 37 + 11);
        for (size_t len = 0; len <= m.size(); len++) {
                std::string first;
                for (const auto &impl : impls()) {
                        dg_sha1_select(impl.c_str());
                        uint8_t o[20];
                        dg_sha1(m.data(), len, o);
                        if (first.empty())
                                first = hexs(o, 20);
                        EXPECT_EQ(first, hexs(o, 20)) << impl << " length " << len;
                }
        }
}

std::vector<uint8_t> wire(const std::string &name)
{
        uint8_t b[256];
        ldns_rdf *r = nullptr;
        EXPECT_EQ(LDNS_STATUS_OK, ldns_str2rdf_dname(&r, name.c_str()));
        size_t n = ldns_rdf_size(r);
        memcpy(b, ldns_rdf_data(r), n);
        ldns_rdf_deep_free(r);
        return std::vector<uint8_t>(b, b + n);
}

std::string nsec3(const std::string &name, const std::vector<uint8_t> &salt, unsigned iter)
{
        std::vector<uint8_t> w = wire(name);
        uint8_t h[20];
        char s[64];
        EXPECT_EQ(DG_OK, dg_nsec3_hash(w.data(), w.size(), salt.data(), salt.size(), iter, h));
        dg_nsec3_hash_str(h, 20, s, sizeof s);
        return s;
}

// RFC 5155 Appendix A: salt aabbccdd, 12 extra iterations.
TEST(Nsec3Hash, Rfc5155AppendixA)
{
        ImplGuard g;
        const std::vector<uint8_t> salt{0xaa, 0xbb, 0xcc, 0xdd};
        const std::vector<std::pair<std::string, std::string>> v = {
            {"example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"},
            {"a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl"},
            {"ai.example.", "gjeqe526plbf1g8mklp59enfd789njgi"},
            {"ns1.example.", "2t7b4g4vsa5smi47k61mv5bv1a22bojr"},
            {"w.example.", "k8udemvp1j2f7eg6jebps17vp3n8i58h"},
            {"*.w.example.", "r53bq7cc2uvmubfu5ocmm6pers9tk9en"},
            {"x.y.w.example.", "2vptu5timamqttgl4luu9kg21e0aor3s"},
            {"xx.example.", "t644ebqk9bibcna874givr6joj62mlhv"},
        };
        for (const auto &impl : impls()) {
                dg_sha1_select(impl.c_str());
                for (const auto &[name, want] : v)
                        EXPECT_EQ(nsec3(name, salt, 12), want) << impl << " " << name;
                EXPECT_EQ(nsec3("X.Y.W.EXAMPLE.", salt, 12), "2vptu5timamqttgl4luu9kg21e0aor3s");
        }
}

// The examples the exports are checked against: hashcat's example hash for
// mode 8300 is "hashcat" below lvdsiqfj.net (salt 33164473, 1 iteration);
// John the Ripper's nsec3 format tests are "www" and "ns1" below
// example.com (salt 4141414141414141 with 100 iterations, no salt with 0).
TEST(Nsec3Hash, CrackerToolExamples)
{
        ImplGuard g;
        for (const auto &impl : impls()) {
                dg_sha1_select(impl.c_str());
                EXPECT_EQ(nsec3("hashcat.lvdsiqfj.net.", {0x33, 0x16, 0x44, 0x73}, 1),
                          "7b5n74kq8r441blc2c5qbbat19baj79r");
                std::vector<uint8_t> w = wire("www.example.com.");
                std::vector<uint8_t> s8(8, 0x41);
                uint8_t h[20];
                dg_nsec3_hash(w.data(), w.size(), s8.data(), 8, 100, h);
                EXPECT_EQ(hexs(h, 20), "8c2d583acbe22616c69bb457e0c2111ced0a6e77");
                w = wire("ns1.example.com.");
                dg_nsec3_hash(w.data(), w.size(), nullptr, 0, 0, h);
                EXPECT_EQ(hexs(h, 20), "879ffda85c7cb08df1f93fb040b90a6869b205f1");
        }
}

// The cracker's one- and two-block fast paths and the long path agree with
// the plain hash for salts of every length class and long names.
TEST(Nsec3Hash, CrackerAgreesWithHash)
{
        ImplGuard g;
        for (const auto &impl : impls()) {
                dg_sha1_select(impl.c_str());
                for (size_t sl : {0, 1, 8, 35, 36, 99, 100, 255}) {
                        std::vector<uint8_t> salt(sl);
                        for (size_t i = 0; i < sl; i++)
                                salt[i] = (uint8_t)(i * 7 + 3);
                        for (const char *zone : {"z.test", "a-much-longer-zone-name.example.org"}) {
                                dg_nsec3_cracker_t *c = nullptr;
                                ASSERT_EQ(DG_OK,
                                          dg_nsec3_cracker_new(zone, salt.data(), sl, 2, &c));
                                const std::vector<std::string> labs = {
                                    "www", "x", std::string(63, 'q'),
                                    std::string("deep.er.") + std::string(40, 'n')};
                                for (const std::string &lab : labs) {
                                        uint8_t got[20], want[20];
                                        std::vector<uint8_t> w = wire(lab + "." + zone + ".");
                                        dg_nsec3_hash(w.data(), w.size(), salt.data(), sl, 2, want);
                                        EXPECT_EQ(-1, dg_nsec3_cracker_try(c, lab.c_str(),
                                                                           lab.size(), got));
                                        EXPECT_EQ(hexs(got, 20), hexs(want, 20))
                                            << impl << " salt " << sl << " " << lab << "." << zone;
                                }
                                dg_nsec3_cracker_free(c);
                        }
                }
        }
}

// Two at a time (dg_nsec3_cracker_try_many) gives what one at a time does,
// for one-block pairs, long names, bad labels and odd counts, with and
// without iterations and salts that make the iteration message two blocks.
TEST(Nsec3Hash, TryManyAgreesWithTry)
{
        ImplGuard g;
        std::vector<std::string> cands;
        for (int i = 0; i < 41; i++)
                cands.push_back("w" + std::to_string(i * 7919));
        cands.insert(cands.begin() + 5, std::string(60, 'l'));  // two blocks
        cands.insert(cands.begin() + 9, "bad..label");          // DG_ENAME
        cands.insert(cands.begin() + 12, std::string(64, 'x')); // label too long
        std::vector<const char *> lp;
        std::vector<size_t> lens;
        for (const auto &s : cands) {
                lp.push_back(s.c_str());
                lens.push_back(s.size());
        }
        for (const auto &impl : impls()) {
                dg_sha1_select(impl.c_str());
                for (unsigned iter : {0u, 3u})
                        for (size_t sl : {0, 8, 40}) {
                                std::vector<uint8_t> salt(sl, 0x5a);
                                dg_nsec3_cracker_t *c = nullptr;
                                ASSERT_EQ(DG_OK, dg_nsec3_cracker_new("z.test", salt.data(), sl,
                                                                      iter, &c));
                                // targets: every third candidate's hash
                                for (size_t i = 0; i < cands.size(); i += 3) {
                                        uint8_t h[20];
                                        if (dg_nsec3_cracker_try(c, lp[i], lens[i], h) != DG_ENAME)
                                                dg_nsec3_cracker_add(c, h);
                                }
                                std::vector<int> one, many(cands.size());
                                for (size_t i = 0; i < cands.size(); i++)
                                        one.push_back(
                                            dg_nsec3_cracker_try(c, lp[i], lens[i], nullptr));
                                dg_nsec3_cracker_try_many(c, lp.data(), lens.data(), lp.size(),
                                                          many.data());
                                EXPECT_EQ(one, many) << impl << " iter " << iter << " salt " << sl;
                                // 15 targets asked for, two of them bad labels
                                EXPECT_EQ(std::count_if(many.begin(), many.end(),
                                                        [](int r) { return r >= 0; }),
                                          13);
                                dg_nsec3_cracker_free(c);
                        }
        }
}

// ---- the walker against a simulated NSEC3 zone ----------------------------

struct Zone {
        std::string origin = "z.test.";
        std::string salt = "abcd";
        unsigned iter = 2;
        std::vector<std::string> hashes; // sorted base32hex
        bool compact = false;            // RFC 9824 answers instead

        explicit Zone(int n, const char *prefix = "host")
        {
                std::vector<uint8_t> s{0xab, 0xcd};
                hashes.push_back(nsec3(origin, s, iter));
                for (int i = 0; i < n; i++)
                        hashes.push_back(nsec3(prefix + std::to_string(i) + "." + origin, s, iter));
                std::sort(hashes.begin(), hashes.end());
        }
        std::string record(size_t i) const
        {
                return hashes[i] + "." + origin + " 300 IN NSEC3 1 0 " + std::to_string(iter) +
                       " " + salt + " " + hashes[(i + 1) % hashes.size()] + " A RRSIG";
        }
        // The NSEC3 record covering name.
        std::string covering(const std::string &name) const
        {
                std::vector<uint8_t> s{0xab, 0xcd};
                std::string h = nsec3(name, s, iter);
                auto it = std::upper_bound(hashes.begin(), hashes.end(), h);
                size_t i =
                    it == hashes.begin() ? hashes.size() - 1 : (size_t)(it - hashes.begin()) - 1;
                return record(i);
        }
};

ldns_rr *rr_of(const std::string &text)
{
        ldns_rr *rr = nullptr;
        EXPECT_EQ(LDNS_STATUS_OK, ldns_rr_new_frm_str(&rr, text.c_str(), 300, nullptr, nullptr))
            << text;
        return rr;
}

std::vector<uint8_t> answer(const ldns_pkt *q, ldns_pkt_rcode rc,
                            const std::vector<std::string> &an, const std::vector<std::string> &au)
{
        ldns_pkt *p = ldns_pkt_new();
        ldns_pkt_set_id(p, ldns_pkt_id(q));
        ldns_pkt_set_qr(p, true);
        ldns_pkt_set_aa(p, true);
        ldns_pkt_set_rcode(p, (uint8_t)rc);
        ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION,
                         ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(q), 0)));
        for (const auto &s : an)
                ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr_of(s));
        for (const auto &s : au)
                ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, rr_of(s));
        return wire_and_free(p);
}

std::string qname_of(const ldns_pkt *q)
{
        char *s = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(q), 0)));
        std::string r = s;
        free(s);
        return r;
}

std::vector<uint8_t> serve(const Zone &z, const ldns_pkt *q)
{
        std::string qn = qname_of(q);
        ldns_rr_type t = ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(q), 0));
        std::string soa =
            z.origin + " 300 IN SOA ns1." + z.origin + " h." + z.origin + " 1 2 3 4 5";
        if (z.compact) {
                // RFC 9824: NODATA, an NSEC owned by the name, next \000.name, NXNAME
                std::string nsec = qn + " 300 IN NSEC \\000." + qn + " RRSIG NSEC TYPE128";
                if (qn == z.origin)
                        nsec = qn + " 300 IN NSEC \\000." + qn + " SOA NS RRSIG NSEC DNSKEY";
                return answer(q, LDNS_RCODE_NOERROR, {}, {soa, nsec});
        }
        if (qn == z.origin && t == LDNS_RR_TYPE_NSEC3PARAM)
                return answer(
                    q, LDNS_RCODE_NOERROR,
                    {z.origin + " 0 IN NSEC3PARAM 1 0 " + std::to_string(z.iter) + " " + z.salt},
                    {});
        return answer(q, LDNS_RCODE_NXDOMAIN, {}, {soa, z.covering(qn)});
}

// Runs the walk against srv until done or max_steps answers.
void drive(dg_walk_t *w, const std::function<std::vector<uint8_t>(const ldns_pkt *)> &srv,
           int max_steps = 100000)
{
        uint64_t now = 1000;
        for (int i = 0; i < max_steps && !dg_walk_done(w); i++, now += 7) {
                uint8_t buf[512];
                dg_walk_query_t q;
                int r = dg_walk_next_query(w, now, buf, sizeof buf, &q);
                ASSERT_GE(r, 0);
                if (r == 0)
                        continue;
                ldns_pkt *p = nullptr;
                ASSERT_EQ(LDNS_STATUS_OK, ldns_wire2pkt(&p, buf, q.len));
                std::vector<uint8_t> resp = srv(p);
                ldns_pkt_free(p);
                ASSERT_EQ(DG_OK, dg_walk_feed(w, now, resp.data(), resp.size()));
        }
}

dg_walk_t *open_walk(uint64_t seed, unsigned max_queries = 0)
{
        dg_walk_opts_t o;
        dg_walk_opts_init(&o);
        o.seed = seed;
        o.max_queries = max_queries;
        dg_walk_t *w = nullptr;
        EXPECT_EQ(DG_OK, dg_walk_new("z.test", &o, &w));
        return w;
}

std::vector<std::string> hashes_of(dg_walk_t *w)
{
        const dg_walk_hash_t *h;
        size_t n = dg_walk_hashes(w, &h);
        std::vector<std::string> v;
        for (size_t i = 0; i < n; i++) {
                char b[64];
                dg_nsec3_hash_str(h[i].hash, 20, b, sizeof b);
                v.push_back(b);
        }
        return v;
}

std::string tmp_path(const char *name)
{
        return std::string(g_get_tmp_dir()) + "/dg-test-nsec3-" + std::to_string(getpid()) + "-" +
               name;
}

// The estimate follows the zone's size while collecting and is exact at the end.
TEST(Nsec3Walk, SizeEstimate)
{
        Zone z(1500);
        auto srv = [&](const ldns_pkt *q) { return serve(z, q); };
        dg_walk_t *w = open_walk(11);
        EXPECT_EQ(0.0, dg_walk_estimate(w));
        int checked = 0;
        while (!dg_walk_done(w)) {
                drive(w, srv, 50);
                double c = dg_walk_coverage(w);
                if (!dg_walk_done(w) && c > 0.2) {
                        double e = dg_walk_estimate(w);
                        // a density estimate from the spans seen: within 35% of the truth
                        EXPECT_GT(e, 0.65 * (double)z.hashes.size()) << "coverage " << c;
                        EXPECT_LT(e, 1.35 * (double)z.hashes.size()) << "coverage " << c;
                        checked++;
                }
                EXPECT_GE(dg_walk_known_hashes(w), hashes_of(w).size());
        }
        EXPECT_GT(checked, 5);
        EXPECT_EQ(dg_walk_status(w), DG_WALK_COMPLETE) << dg_walk_errmsg(w);
        EXPECT_EQ(dg_walk_estimate(w), (double)z.hashes.size());
        EXPECT_EQ(dg_walk_known_hashes(w), z.hashes.size());
        dg_walk_free(w);
}

// Interrupted by the query budget, saved, resumed: the same hashes as a walk
// that ran through; progress callbacks come while collecting.
TEST(Nsec3Walk, SaveAndResume)
{
        Zone z(400);
        auto srv = [&](const ldns_pkt *q) { return serve(z, q); };
        dg_walk_t *full = open_walk(5);
        drive(full, srv);
        ASSERT_EQ(dg_walk_status(full), DG_WALK_COMPLETE);

        dg_walk_opts_t o;
        dg_walk_opts_init(&o);
        o.seed = 6;
        o.max_queries = 60;
        int calls = 0;
        o.on_progress = [](void *ud, dg_walk_t *) { ++*(int *)ud; };
        o.progress_ud = &calls;
        o.progress_ms = 50;
        dg_walk_t *part = nullptr;
        ASSERT_EQ(DG_OK, dg_walk_new("z.test", &o, &part));
        drive(part, srv);
        EXPECT_EQ(dg_walk_status(part), DG_WALK_BUDGET);
        EXPECT_GT(calls, 2);
        size_t half = hashes_of(part).size();
        EXPECT_GT(half, 10u);
        EXPECT_LT(half, z.hashes.size());
        std::string path = tmp_path("state");
        ASSERT_EQ(DG_OK, dg_walk_save(part, path.c_str()));

        dg_walk_t *res = open_walk(7, 100000);
        char err[200] = "";
        ASSERT_EQ(DG_OK, dg_walk_resume(res, path.c_str(), err, sizeof err)) << err;
        EXPECT_EQ(dg_walk_queries(res), 60u);
        EXPECT_EQ(hashes_of(res).size(), half);
        drive(res, srv);
        EXPECT_EQ(dg_walk_status(res), DG_WALK_COMPLETE) << dg_walk_errmsg(res);
        EXPECT_EQ(hashes_of(res), hashes_of(full));
        EXPECT_EQ(hashes_of(res), z.hashes);
        // a resumed walk cannot be resumed again
        EXPECT_EQ(DG_ESTATE, dg_walk_resume(res, path.c_str(), err, sizeof err));
        dg_walk_free(res);
        dg_walk_free(part);
        dg_walk_free(full);

        // another zone's state
        dg_walk_t *other = nullptr;
        ASSERT_EQ(DG_OK, dg_walk_new("y.test", nullptr, &other));
        EXPECT_EQ(DG_ESTATE, dg_walk_resume(other, path.c_str(), err, sizeof err));
        EXPECT_NE(std::string(err).find("not y.test"), std::string::npos) << err;
        dg_walk_free(other);

        // the salt changed since: the walk fails with a clear reason
        Zone z2(400);
        z2.salt = "abce";
        res = open_walk(8);
        ASSERT_EQ(DG_OK, dg_walk_resume(res, path.c_str(), err, sizeof err));
        drive(res, [&](const ldns_pkt *q) { return serve(z2, q); });
        EXPECT_EQ(dg_walk_status(res), DG_WALK_FAILED);
        EXPECT_NE(std::string(dg_walk_errmsg(res)).find("parameters of z.test. changed"),
                  std::string::npos)
            << dg_walk_errmsg(res);
        dg_walk_free(res);
        unlink(path.c_str());
}

TEST(Nsec3Walk, BadStateFiles)
{
        std::string path = tmp_path("bad");
        const char *bad[] = {
            "",
            "not a state\n",
            "dnsglean-walk-state 1\nzone z.test.\n",                         // no end
            "dnsglean-walk-state 1\nzone z.test.\nnsec3 1 0 x - 0\nend\n",   // iterations
            "dnsglean-walk-state 1\nzone z.test.\nnsec3 1 0 1 abc 0\nend\n", // odd salt
            "dnsglean-walk-state 1\nzone z.test.\nnsec3 1 0 1 - 0\nhash 00 11 0 -\nend\n",
            "dnsglean-walk-state 1\nzone z.test.\nnsec3 1 0 1 - 0\nhash "
            "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom 35mthgpgcu1qg68fab165klnsnk3dpvl 0 2,1\nend\n",
            "dnsglean-walk-state 1\nzone z.test.\nnsec3 1 0 1 - 0\nbogus\nend\n",
        };
        for (const char *text : bad) {
                ASSERT_TRUE(g_file_set_contents(path.c_str(), text, -1, nullptr));
                dg_walk_t *w = open_walk(1);
                char err[200] = "";
                EXPECT_EQ(DG_EPARSE, dg_walk_resume(w, path.c_str(), err, sizeof err)) << text;
                EXPECT_NE(err[0], '\0');
                dg_walk_free(w);
        }
        unlink(path.c_str());
        dg_walk_t *w = open_walk(1);
        EXPECT_EQ(DG_EIO, dg_walk_resume(w, path.c_str(), nullptr, 0));
        // nothing to save before the parameters are known
        EXPECT_EQ(DG_ENOTFOUND, dg_walk_save(w, path.c_str()));
        dg_walk_free(w);
}

// RFC 9824: recognised by name, not just as "black lies".
TEST(Nsec3Walk, CompactDenialOfExistence)
{
        Zone z(3);
        z.compact = true;
        dg_walk_t *w = open_walk(3);
        drive(w, [&](const ldns_pkt *q) { return serve(z, q); });
        EXPECT_EQ(dg_walk_status(w), DG_WALK_SYNTHESIZED);
        EXPECT_TRUE(dg_walk_compact_denial(w));
        EXPECT_NE(std::string(dg_walk_errmsg(w)).find("RFC 9824 Compact Denial of Existence"),
                  std::string::npos)
            << dg_walk_errmsg(w);
        dg_walk_free(w);
        // an NSEC3 zone is no compact denial
        Zone n(3);
        w = open_walk(3);
        drive(w, [&](const ldns_pkt *q) { return serve(n, q); });
        EXPECT_EQ(dg_walk_status(w), DG_WALK_COMPLETE);
        EXPECT_FALSE(dg_walk_compact_denial(w));
        // crackers for threads see the uncracked hashes only
        ASSERT_EQ(1, dg_walk_crack(w, "host1", 5));
        dg_nsec3_cracker_t *c = nullptr;
        ASSERT_EQ(DG_OK, dg_walk_cracker_new(w, &c));
        EXPECT_EQ(-1, dg_nsec3_cracker_try(c, "host1", 5, nullptr));
        EXPECT_GE(dg_nsec3_cracker_try(c, "host2", 5, nullptr), 0);
        dg_nsec3_cracker_free(c);
        dg_walk_free(w);
}

} // namespace
