/* Unit tests of the wire codec (core/src/wire.c): names, queries checked
 * byte for byte, compression pointers, the record iterator, rdata_str. */
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dnsglean/wire.h"
#include "dnstest.h"

using dnstest::Bytes;

static Bytes from_str(const std::string &s, int *rc = nullptr)
{
        uint8_t w[DG_NAME_WIRE_MAX];
        int n = dg_name_from_str(s.data(), s.size(), w);
        if (rc)
                *rc = n;
        return n > 0 ? Bytes(w, w + n) : Bytes();
}

static std::string to_str(const Bytes &w)
{
        char buf[DG_NAME_STR_MAX];
        int n = dg_name_to_str(w.data(), buf, sizeof buf);
        return n < 0 ? "<err " + std::to_string(n) + ">" : std::string(buf, (size_t)n);
}

/* ------------------------------------------------------------ names */

TEST(Name, FromStrPlain)
{
        Bytes exp = {3, 'w', 'w', 'w', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0};
        EXPECT_EQ(from_str("www.Example.com"), exp); /* case preserved */
        EXPECT_EQ(from_str("www.Example.com."), exp);
        EXPECT_EQ(from_str("."), Bytes{0});
}

TEST(Name, FromStrRejects)
{
        int rc;
        for (const char *bad :
             {"", "..", "a..b", ".a", "a\\", "a\\1", "a\\25", "a\\256", "a\\2x5"}) {
                from_str(bad, &rc);
                EXPECT_EQ(rc, DG_ENAME) << "'" << bad << "'";
        }
}

TEST(Name, FromStrEscapes)
{
        /* \. is a dot inside a label, \DDD a decimal octet (RFC 1035 5.1) */
        EXPECT_EQ(from_str("a\\.b.c"), (Bytes{3, 'a', '.', 'b', 1, 'c', 0}));
        EXPECT_EQ(from_str("\\065\\000z"), (Bytes{3, 'A', 0, 'z', 0}));
        EXPECT_EQ(from_str("a\\\\b"), (Bytes{3, 'a', '\\', 'b', 0}));
        EXPECT_EQ(from_str("\\255"), (Bytes{1, 255, 0}));
}

TEST(Name, LabelAndNameLimits)
{
        std::string l63(63, 'a'), l64(64, 'a');
        int rc;
        EXPECT_EQ(from_str(l63 + ".com").size(), 1u + 63 + 1 + 3 + 1);
        from_str(l64 + ".com", &rc);
        EXPECT_EQ(rc, DG_ENAME);
        /* 63+63+63+61 label octets + 4 length octets + root = 255: the
         * largest legal name; one more octet is too long (RFC 1035 2.3.4) */
        std::string n255 = l63 + "." + l63 + "." + l63 + "." + std::string(61, 'b');
        EXPECT_EQ(from_str(n255, &rc).size(), 255u);
        EXPECT_EQ(from_str(n255 + ".").size(), 255u);
        from_str(n255 + "b", &rc);
        EXPECT_EQ(rc, DG_ENAME);
        from_str(n255 + ".c", &rc);
        EXPECT_EQ(rc, DG_ENAME);
        /* escapes count as one octet */
        std::string esc63;
        for (int i = 0; i < 63; i++)
                esc63 += "\\046";
        EXPECT_EQ(from_str(esc63).size(), 65u);
        from_str(esc63 + "\\046", &rc);
        EXPECT_EQ(rc, DG_ENAME);
}

TEST(Name, ToStrEscapes)
{
        EXPECT_EQ(to_str({0}), ".");
        EXPECT_EQ(to_str({3, 'w', 'W', 'w', 3, 'c', 'o', 'm', 0}), "wWw.com.");
        EXPECT_EQ(to_str({3, 'a', '.', 'b', 0}), "a\\.b.");
        EXPECT_EQ(to_str({4, 'a', ' ', 0x80, '\\', 0}), "a\\032\\128\\\\.");
        EXPECT_EQ(to_str({2, '"', ';', 0}), "\\\"\\;.");
}

TEST(Name, ToStrSpaceAndRoundTrip)
{
        Bytes w = from_str("abc.de");
        char buf[8];
        EXPECT_EQ(dg_name_to_str(w.data(), buf, 8), 7); /* "abc.de." + NUL */
        EXPECT_EQ(dg_name_to_str(w.data(), buf, 7), DG_ESPACE);
        EXPECT_EQ(dg_name_to_str(w.data(), buf, 1), DG_ESPACE);
        /* every octet value survives to_str -> from_str */
        for (int c = 0; c < 256; c++) {
                Bytes n = {1, (uint8_t)c, 1, 'x', 0};
                EXPECT_EQ(from_str(to_str(n)), n) << c;
        }
        /* a label length above 63 is not a name */
        Bytes bad = {64};
        bad.resize(70, 'a');
        bad.push_back(0);
        EXPECT_EQ(dg_name_to_str(bad.data(), buf, 8), DG_ENAME);
}

TEST(Name, Compare)
{
        Bytes a = from_str("WWW.example.COM"), b = from_str("www.EXAMPLE.com");
        Bytes p = from_str("example.com"), o = from_str("xample.com"), root = from_str(".");
        EXPECT_TRUE(dg_name_equal(a.data(), b.data()));
        EXPECT_FALSE(dg_name_equal(a.data(), p.data()));
        EXPECT_TRUE(dg_name_is_under(a.data(), p.data()));
        EXPECT_TRUE(dg_name_is_under(p.data(), p.data()));
        EXPECT_FALSE(dg_name_is_under(p.data(), a.data()));
        EXPECT_FALSE(dg_name_is_under(a.data(), o.data())); /* label-wise, not suffix */
        EXPECT_TRUE(dg_name_is_under(a.data(), root.data()));
        EXPECT_EQ(dg_name_labels(a.data()), 3);
        EXPECT_EQ(dg_name_labels(root.data()), 0);
        EXPECT_EQ(dg_name_len(a.data(), a.size()), (int)a.size());
        EXPECT_EQ(dg_name_len(a.data(), a.size() - 1), DG_ENAME); /* runs past max */
        dg_name_lower(a.data());
        EXPECT_EQ(a, from_str("www.example.com"));
}

TEST(Name, CanonicalOrder)
{
        /* RFC 4034 section 6.1's example, in canonical order */
        const char *order[] = {"example.",         "a.example.",      "yljkjljk.a.example.",
                               "Z.a.example.",     "zABC.a.EXAMPLE.", "z.example.",
                               "\\001.z.example.", "*.z.example.",    "\\200.z.example."};
        const size_t n = sizeof order / sizeof order[0];
        for (size_t i = 0; i < n; i++) {
                Bytes a = from_str(order[i]);
                EXPECT_EQ(dg_name_cmp(a.data(), a.data()), 0) << order[i];
                for (size_t j = i + 1; j < n; j++) {
                        Bytes b = from_str(order[j]);
                        EXPECT_LT(dg_name_cmp(a.data(), b.data()), 0)
                            << order[i] << " " << order[j];
                        EXPECT_GT(dg_name_cmp(b.data(), a.data()), 0)
                            << order[j] << " " << order[i];
                }
        }
        Bytes up = from_str("WWW.Example.COM"), low = from_str("www.example.com");
        Bytes root = from_str(".");
        EXPECT_EQ(dg_name_cmp(up.data(), low.data()), 0);
        EXPECT_LT(dg_name_cmp(root.data(), low.data()), 0);
        EXPECT_EQ(dg_name_cmp(root.data(), root.data()), 0);
}

TEST(Name, Prepend)
{
        Bytes p = from_str("example.com");
        uint8_t out[DG_NAME_WIRE_MAX];
        int n = dg_name_prepend((const uint8_t *)"mail", 4, p.data(), out);
        ASSERT_GT(n, 0);
        EXPECT_EQ(Bytes(out, out + n), from_str("mail.example.com"));
        EXPECT_EQ(dg_name_prepend((const uint8_t *)"x", 0, p.data(), out), DG_ENAME);
        std::string l64(64, 'a');
        EXPECT_EQ(dg_name_prepend((const uint8_t *)l64.data(), 64, p.data(), out), DG_ENAME);
        std::string l63(63, 'a');
        Bytes big = from_str(l63 + "." + l63 + "." + l63 + ".b"); /* 195 + 2 + 1 */
        ASSERT_EQ(big.size(), 3 * 64u + 2 + 1);
        EXPECT_EQ(dg_name_prepend((const uint8_t *)l63.data(), 57, big.data(), out), 253);
        EXPECT_EQ(dg_name_prepend((const uint8_t *)l63.data(), 58, big.data(), out), 254);
        EXPECT_EQ(dg_name_prepend((const uint8_t *)l63.data(), 59, big.data(), out), 255);
        EXPECT_EQ(dg_name_prepend((const uint8_t *)l63.data(), 60, big.data(), out), DG_ENAME);
}

TEST(Name, LabelCheck)
{
        EXPECT_EQ(dg_label_check("www", 3), DG_OK);
        EXPECT_EQ(dg_label_check("_dmarc", 6), DG_OK);
        EXPECT_EQ(dg_label_check("-x-", 3), DG_OK);
        EXPECT_EQ(dg_label_check("", 0), DG_ENAME);
        EXPECT_EQ(dg_label_check("a.b", 3), DG_ENAME);
        EXPECT_EQ(dg_label_check("a b", 3), DG_ENAME);
        EXPECT_EQ(dg_label_check("*", 1), DG_ENAME);
        EXPECT_EQ(dg_label_check("\xc3\xa9", 2), DG_ENAME);
        std::string l64(64, 'a');
        EXPECT_EQ(dg_label_check(l64.data(), 63), DG_OK);
        EXPECT_EQ(dg_label_check(l64.data(), 64), DG_ENAME);
}

TEST(Name, HashIsFnv1aOverLowercasedWire)
{
        /* Sharding depends on this never changing: recompute it here. */
        Bytes w = from_str("www.example.com");
        uint64_t h = 0xcbf29ce484222325ull;
        for (uint8_t c : w) {
                h ^= (uint8_t)std::tolower(c);
                h *= 0x100000001b3ull;
        }
        EXPECT_EQ(dg_name_hash(w.data()), h);
        Bytes u = from_str("WWW.Example.COM");
        EXPECT_EQ(dg_name_hash(u.data()), h);
        EXPECT_EQ(h, 0xb72addfb2d5ee6beull) << std::hex << h; /* pinned */
}

/* ------------------------------------------------------------ queries */

TEST(Query, BytesForBytes)
{
        Bytes qn = from_str("www.example.com");
        uint8_t buf[512];
        int n = dg_wire_build_query(buf, sizeof buf, 0x1234, qn.data(), DG_T_A, DG_CLASS_IN,
                                    DG_Q_RD | DG_Q_EDNS, 1232);
        const Bytes exp = {
            0x12, 0x34,           /* ID */
            0x01, 0x00,           /* flags: RD */
            0x00, 0x01,           /* QDCOUNT 1 */
            0x00, 0x00,           /* ANCOUNT */
            0x00, 0x00,           /* NSCOUNT */
            0x00, 0x01,           /* ARCOUNT 1: OPT */
            3,    'w',  'w', 'w', /* qname */
            7,    'e',  'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0x00, 0x01, /* QTYPE A */
            0x00, 0x01, /* QCLASS IN */
            0x00,       /* OPT owner: root */
            0x00, 0x29, /* TYPE OPT (41) */
            0x04, 0xd0, /* CLASS = UDP payload 1232 */
            0x00,       /* extended RCODE */
            0x00,       /* EDNS version 0 */
            0x00, 0x00, /* flags: DO clear */
            0x00, 0x00, /* RDLEN 0 */
        };
        ASSERT_EQ(n, (int)exp.size());
        EXPECT_EQ(Bytes(buf, buf + n), exp);
}

TEST(Query, NoEdnsDoCdAndSpace)
{
        Bytes qn = from_str("a.b");
        uint8_t buf[64];
        int n = dg_wire_build_query(buf, sizeof buf, 0xbeef, qn.data(), DG_T_MX, DG_CLASS_CH, 0, 0);
        const Bytes exp = {0xbe, 0xef, 0x00, 0x00, 0,   1, 0, 0,  0, 0, 0,
                           0,    1,    'a',  1,    'b', 0, 0, 15, 0, 3};
        ASSERT_EQ(n, (int)exp.size());
        EXPECT_EQ(Bytes(buf, buf + n), exp);

        n = dg_wire_build_query(buf, sizeof buf, 1, qn.data(), DG_T_A, DG_CLASS_IN,
                                DG_Q_CD | DG_Q_EDNS | DG_Q_DO, 0);
        ASSERT_EQ(n, 12 + 5 + 4 + 11);
        EXPECT_EQ(buf[2], 0x00);
        EXPECT_EQ(buf[3], 0x10);      /* CD */
        EXPECT_EQ(buf[21 + 3], 0x04); /* payload 0 -> default 1232 */
        EXPECT_EQ(buf[21 + 4], 0xd0);
        EXPECT_EQ(buf[21 + 7], 0x80); /* DO */
        EXPECT_EQ(dg_wire_build_query(buf, 31, 1, qn.data(), DG_T_A, DG_CLASS_IN, DG_Q_EDNS, 0),
                  DG_ESPACE);
        EXPECT_EQ(dg_wire_build_query(buf, 32, 1, qn.data(), DG_T_A, DG_CLASS_IN, DG_Q_EDNS, 0),
                  32);
        Bytes bad = {70, 'x', 0};
        EXPECT_EQ(dg_wire_build_query(buf, sizeof buf, 1, bad.data(), 1, 1, 0, 0), DG_ENAME);
}

/* ------------------------------------------------------------ compression */

/* A 12-octet header with the given counts, then body. */
static Bytes msg(uint16_t qd, uint16_t an, const Bytes &body, uint16_t ns = 0, uint16_t ar = 0)
{
        Bytes b = {0xab, 0xcd, 0x81, 0x80};
        dnstest::put16(b, qd);
        dnstest::put16(b, an);
        dnstest::put16(b, ns);
        dnstest::put16(b, ar);
        b.insert(b.end(), body.begin(), body.end());
        return b;
}

static int read_name(const Bytes &m, size_t *pos, Bytes *out)
{
        uint8_t w[DG_NAME_WIRE_MAX];
        int n = dg_wire_read_name(m.data(), m.size(), pos, w);
        if (n > 0 && out)
                *out = Bytes(w, w + n);
        return n;
}

TEST(Compression, BackwardPointer)
{
        /* 12: example.com  25: www + pointer to 12 */
        Bytes m = msg(0, 0, {7,    'e', 'x', 'a', 'm',  'p', 'l', 'e', 3, 'c', 'o', 'm', 0, /* 12 */
                             3,    'w', 'w', 'w', 0xc0, 12,                                 /* 25 */
                             0xc0, 25});                                                    /* 31 */
        size_t pos = 25;
        Bytes out;
        ASSERT_EQ(read_name(m, &pos, &out), 17);
        EXPECT_EQ(out, from_str("www.example.com"));
        EXPECT_EQ(pos, 31u); /* just past the pointer */
        pos = 31;            /* pointer to a pointer */
        ASSERT_EQ(read_name(m, &pos, &out), 17);
        EXPECT_EQ(pos, 33u);
}

TEST(Compression, LoopsAndForwardPointersRejected)
{
        size_t pos;
        /* pointer to itself */
        Bytes self = msg(0, 0, {0xc0, 12});
        pos = 12;
        EXPECT_EQ(read_name(self, &pos, nullptr), DG_EMALFORMED);
        /* forward pointer */
        Bytes fwd = msg(0, 0, {0xc0, 14, 1, 'a', 0});
        pos = 12;
        EXPECT_EQ(read_name(fwd, &pos, nullptr), DG_EMALFORMED);
        /* two pointers pointing at each other */
        Bytes two = msg(0, 0, {0xc0, 14, 0xc0, 12});
        pos = 14;
        EXPECT_EQ(read_name(two, &pos, nullptr), DG_EMALFORMED);
        /* a label followed by a pointer back to that label: a loop that
         * only ever points backwards; bounded by the 255-octet limit */
        Bytes lab = msg(0, 0, {1, 'a', 0xc0, 12});
        pos = 12;
        EXPECT_EQ(read_name(lab, &pos, nullptr), DG_EMALFORMED);
        /* pointer past the end, pointer cut in half, label past the end */
        Bytes past = msg(0, 0, {0xc3, 0xff});
        pos = 12;
        EXPECT_EQ(read_name(past, &pos, nullptr), DG_EMALFORMED);
        Bytes half = msg(0, 0, {0xc0});
        pos = 12;
        EXPECT_EQ(read_name(half, &pos, nullptr), DG_EMALFORMED);
        Bytes cut = msg(0, 0, {5, 'a', 'b'});
        pos = 12;
        EXPECT_EQ(read_name(cut, &pos, nullptr), DG_EMALFORMED);
        Bytes noroot = msg(0, 0, {1, 'a'});
        pos = 12;
        EXPECT_EQ(read_name(noroot, &pos, nullptr), DG_EMALFORMED);
        /* extended (0x40) and reserved (0x80) label types */
        for (uint8_t t : {0x41, 0x80}) {
                Bytes ext = msg(0, 0, {t, 'a', 0});
                pos = 12;
                EXPECT_EQ(read_name(ext, &pos, nullptr), DG_EMALFORMED);
        }
        EXPECT_EQ(self.size(), 14u);
}

TEST(Compression, NameOver255ViaPointers)
{
        /* 4 labels of 63 at 12, then a pointer-joined name of 63 + those
         * 4*64: over 255 octets when decompressed. */
        Bytes body;
        for (int k = 0; k < 3; k++) {
                body.push_back(63);
                body.insert(body.end(), 63, 'a');
        }
        body.push_back(0); /* 12..204: 193 octets, legal */
        size_t second = 12 + body.size();
        body.push_back(63);
        body.insert(body.end(), 63, 'b');
        body.push_back(0xc0);
        body.push_back(12); /* 64 + 193 = 257 > 255 */
        Bytes m = msg(0, 0, body);
        size_t pos = 12;
        EXPECT_EQ(read_name(m, &pos, nullptr), 193);
        pos = second;
        EXPECT_EQ(read_name(m, &pos, nullptr), DG_EMALFORMED);
}

/* ------------------------------------------------------------ messages */

/* A response to "www.example.com A" with compressed owners: answer CNAME +
 * A, an NS in authority, an A in additional. */
static Bytes sample_response()
{
        Bytes b = msg(1, 2,
                      {
                          3,    'w', 'w',  'w',  7,    'e', 'x', 'a', 'm', 'p', 'l',  'e', 3, 'c',
                          'o',  'm', 0,                    /* 12..28 qname */
                          0,    1,   0,    1,              /* 29 A IN */
                          0xc0, 12,  0,    5,    0,    1,  /* 33 www CNAME IN */
                          0,    0,   0x0e, 0x10, 0,    6,  /* ttl 3600 rdlen 6 */
                          3,    'w', 'e',  'b',  0xc0, 16, /* 45 web.example.com */
                          0xc0, 45,  0,    1,    0,    1,  /* 51 web A IN */
                          0,    0,   0,    60,   0,    4,  /* ttl 60 rdlen 4 */
                          192,  0,   2,    7,              /* 63 */
                          0xc0, 16,  0,    2,    0,    1,  /* 67 example.com NS */
                          0,    0,   1,    0,    0,    6,   3,   'n', 's', '1', 0xc0, 16,  3, 'n',
                          's',  '1', 0xc0, 16, /* 85 ns1 A */
                          0,    1,   0,    1,    0,    0,   0,   1,   0,   4,   127,  0,   0, 53,
                      },
                      1, 1);
        return b;
}

TEST(Message, ParseHeaderAndQuestion)
{
        Bytes m = sample_response();
        dg_wire_msg_t w;
        ASSERT_EQ(dg_wire_parse(m.data(), m.size(), &w), DG_OK);
        EXPECT_EQ(w.id, 0xabcd);
        EXPECT_EQ(w.flags, 0x8180);
        EXPECT_EQ(w.opcode, 0);
        EXPECT_EQ(w.rcode, 0);
        EXPECT_EQ(w.qdcount, 1);
        EXPECT_EQ(w.ancount, 2);
        EXPECT_EQ(w.nscount, 1);
        EXPECT_EQ(w.arcount, 1);
        EXPECT_EQ(Bytes(w.qname, w.qname + 17), from_str("www.example.com"));
        EXPECT_EQ(w.qtype, DG_T_A);
        EXPECT_EQ(w.qclass, DG_CLASS_IN);
        EXPECT_EQ(w.body_off, 33u);
}

TEST(Message, ParseRejectsShortAndBadQuestions)
{
        Bytes m = sample_response();
        dg_wire_msg_t w;
        for (size_t len = 0; len < 33; len++)
                EXPECT_EQ(dg_wire_parse(m.data(), len, &w), DG_EMALFORMED) << len;
        Bytes nq = msg(0, 0, {});
        ASSERT_EQ(dg_wire_parse(nq.data(), nq.size(), &w), DG_OK);
        EXPECT_EQ(w.qname[0], 0);
        EXPECT_EQ(w.qtype, 0);
        EXPECT_EQ(w.body_off, 12u);
        /* two questions: the first is kept, the second skipped */
        Bytes two = msg(2, 0, {1, 'a', 0, 0, 1, 0, 1, 1, 'b', 0, 0, 28, 0, 1});
        ASSERT_EQ(dg_wire_parse(two.data(), two.size(), &w), DG_OK);
        EXPECT_EQ(Bytes(w.qname, w.qname + 3), from_str("a"));
        EXPECT_EQ(w.qtype, 1);
        EXPECT_EQ(w.body_off, two.size());
        /* qdcount says more than there is */
        Bytes more = msg(3, 0, {1, 'a', 0, 0, 1, 0, 1});
        EXPECT_EQ(dg_wire_parse(more.data(), more.size(), &w), DG_EMALFORMED);
}

TEST(Message, IteratorSectionsAndOffsets)
{
        Bytes m = sample_response();
        dg_wire_msg_t w;
        ASSERT_EQ(dg_wire_parse(m.data(), m.size(), &w), DG_OK);
        dg_wire_iter_t it;
        dg_wire_iter_init(&it, m.data(), m.size(), &w);
        dg_wire_rr_t rr;
        ASSERT_EQ(dg_wire_iter_next(&it, &rr), 1);
        EXPECT_EQ(rr.section, DG_SEC_ANSWER);
        EXPECT_EQ(rr.type, DG_T_CNAME);
        EXPECT_EQ(rr.ttl, 3600u);
        EXPECT_EQ(rr.rr_off, 33u);
        EXPECT_EQ(rr.rdata_off, 45u);
        EXPECT_EQ(rr.rdlen, 6);
        EXPECT_EQ(Bytes(rr.owner, rr.owner + 17), from_str("www.example.com"));
        ASSERT_EQ(dg_wire_iter_next(&it, &rr), 1);
        EXPECT_EQ(rr.section, DG_SEC_ANSWER);
        EXPECT_EQ(rr.type, DG_T_A);
        EXPECT_EQ(Bytes(rr.owner, rr.owner + 17), from_str("web.example.com"));
        EXPECT_EQ(rr.rdata_off, 63u);
        ASSERT_EQ(dg_wire_iter_next(&it, &rr), 1);
        EXPECT_EQ(rr.section, DG_SEC_AUTHORITY);
        EXPECT_EQ(rr.type, DG_T_NS);
        ASSERT_EQ(dg_wire_iter_next(&it, &rr), 1);
        EXPECT_EQ(rr.section, DG_SEC_ADDITIONAL);
        EXPECT_EQ(rr.rclass, DG_CLASS_IN);
        EXPECT_EQ(dg_wire_iter_next(&it, &rr), 0);
        EXPECT_EQ(dg_wire_iter_next(&it, &rr), 0);
        EXPECT_EQ(it.err, 0);
}

TEST(Message, IteratorErrorsAreSticky)
{
        Bytes m = sample_response();
        dg_wire_msg_t w;
        ASSERT_EQ(dg_wire_parse(m.data(), m.size(), &w), DG_OK);
        /* every truncation inside the records fails, never reads past */
        for (size_t len = 34; len < m.size(); len++) {
                Bytes t(m.begin(), m.begin() + (long)len);
                dg_wire_iter_t it;
                dg_wire_iter_init(&it, t.data(), t.size(), &w);
                dg_wire_rr_t rr;
                int rc, n = 0;
                while ((rc = dg_wire_iter_next(&it, &rr)) == 1)
                        n++;
                EXPECT_EQ(rc, DG_EMALFORMED) << len;
                EXPECT_LT(n, 4);
                EXPECT_EQ(dg_wire_iter_next(&it, &rr), DG_EMALFORMED); /* sticky */
        }
        /* ancount larger than the records present */
        Bytes more = m;
        more[7] = 5;
        ASSERT_EQ(dg_wire_parse(more.data(), more.size(), &w), DG_OK);
        dg_wire_iter_t it;
        dg_wire_iter_init(&it, more.data(), more.size(), &w);
        dg_wire_rr_t rr;
        int rc;
        while ((rc = dg_wire_iter_next(&it, &rr)) == 1) {
        }
        EXPECT_EQ(rc, DG_EMALFORMED);
}

/* ------------------------------------------------------------ rdata */

/* One-record response (owner = qname by pointer) carrying type/rdata. */
static Bytes one_rr(uint16_t type, const Bytes &rd, dg_wire_rr_t *rr)
{
        Bytes b = msg(1, 1, {1, 'x', 3, 'o', 'r', 'g', 0, 0, 1, 0, 1});
        Bytes r = {0xc0, 12};
        dnstest::put16(r, type);
        dnstest::put16(r, 1);
        dnstest::put32(r, 7);
        dnstest::put16(r, (uint16_t)rd.size());
        r.insert(r.end(), rd.begin(), rd.end());
        b.insert(b.end(), r.begin(), r.end());
        dg_wire_msg_t w;
        EXPECT_EQ(dg_wire_parse(b.data(), b.size(), &w), DG_OK);
        dg_wire_iter_t it;
        dg_wire_iter_init(&it, b.data(), b.size(), &w);
        EXPECT_EQ(dg_wire_iter_next(&it, rr), 1);
        return b;
}

static std::string rdata_str(uint16_t type, const Bytes &rd, int *rc = nullptr)
{
        dg_wire_rr_t rr;
        Bytes m = one_rr(type, rd, &rr);
        char buf[1024];
        int n = dg_wire_rdata_str(m.data(), m.size(), &rr, buf, sizeof buf);
        if (rc)
                *rc = n;
        return n < 0 ? "<err>" : std::string(buf, (size_t)n);
}

TEST(Rdata, CommonTypes)
{
        using dnstest::rdata;
        EXPECT_EQ(rdata_str(DG_T_A, rdata(1, "192.0.2.1")), "192.0.2.1");
        EXPECT_EQ(rdata_str(DG_T_AAAA, rdata(28, "2001:db8::1")), "2001:db8::1");
        EXPECT_EQ(rdata_str(DG_T_CNAME, rdata(5, "Target.Example.")), "Target.Example.");
        EXPECT_EQ(rdata_str(DG_T_NS, {0xc0, 14}), "org."); /* compressed */
        EXPECT_EQ(rdata_str(DG_T_MX, rdata(15, "10 mx.example.")), "10 mx.example.");
        EXPECT_EQ(rdata_str(DG_T_TXT, rdata(16, "v=spf1 -all")), "\"v=spf1 -all\"");
        EXPECT_EQ(rdata_str(DG_T_SOA, rdata(6, "ns. host. 7 3600 600 86400 300")),
                  "ns. host. 7 3600 600 86400 300");
}

TEST(Rdata, BadRdataAndSpace)
{
        int rc;
        rdata_str(DG_T_CNAME, {3, 'a', 'b', 'c', 0, 0}, &rc); /* trailing junk */
        EXPECT_EQ(rc, DG_EMALFORMED);
        rdata_str(DG_T_CNAME, {0xc0, 40}, &rc); /* pointer forward */
        EXPECT_EQ(rc, DG_EMALFORMED);
        rdata_str(DG_T_A, {1, 2, 3}, &rc); /* A of 3 octets */
        EXPECT_LT(rc, 0);
        rdata_str(DG_T_AAAA, {1, 2, 3}, &rc);
        EXPECT_LT(rc, 0);
        rdata_str(DG_T_MX, {0}, &rc);
        EXPECT_LT(rc, 0);
        dg_wire_rr_t rr;
        Bytes m = one_rr(DG_T_A, dnstest::rdata(1, "10.20.30.40"), &rr);
        char buf[12];
        EXPECT_EQ(dg_wire_rdata_str(m.data(), m.size(), &rr, buf, 12), 11);
        EXPECT_EQ(dg_wire_rdata_str(m.data(), m.size(), &rr, buf, 11), DG_ESPACE);
        m = one_rr(DG_T_TXT, dnstest::rdata(16, "abcdefghij"), &rr);
        EXPECT_EQ(dg_wire_rdata_str(m.data(), m.size(), &rr, buf, 12), DG_ESPACE); /* 12 + NUL */
}

TEST(Rdata, MalformedSvcbIsGenericNotAnAbort)
{
        /* ldns 1.8.3 asserts on some malformed SvcParams (found by
         * fuzz_wire): such rdata is printed in the RFC 3597 form instead */
        int rc;
        EXPECT_EQ(rdata_str(64, {}, &rc), "\\# 0");
        EXPECT_EQ(rdata_str(65, {0, 1, 0, 0, 1, 0, 5, 2, 'h', '2'}, &rc), /* alpn overrun */
                  "\\# 10 00010000010005026832");
        EXPECT_EQ(rdata_str(65, {0, 1, 0, 0, 3, 0, 1, 80}, &rc), "\\# 8 0001000003000150");
        /* keys out of order */
        EXPECT_EQ(
            rdata_str(65, {0, 1, 0, 0, 3, 0, 2, 0, 80, 0, 1, 0, 3, 2, 'h', '2'}, &rc).substr(0, 5),
            "\\# 16");
        /* well formed: ldns prints it */
        std::string ok = rdata_str(65, {0, 1, 0, 0, 1, 0, 3, 2, 'h', '2', 0, 3, 0, 2, 1, 187}, &rc);
        ASSERT_GT(rc, 0);
        EXPECT_EQ(ok.rfind("1 . ", 0), 0u) << ok;
        EXPECT_NE(ok.find("h2"), std::string::npos) << ok;
        EXPECT_NE(ok.find("443"), std::string::npos) << ok;
        char small[6];
        dg_wire_rr_t rr;
        Bytes m = one_rr(64, {1, 2, 3}, &rr);
        EXPECT_EQ(dg_wire_rdata_str(m.data(), m.size(), &rr, small, sizeof small), DG_ESPACE);
}

TEST(Rdata, UnknownTypeIsGeneric)
{
        int rc;
        std::string s = rdata_str(65280, {1, 2, 3}, &rc);
        ASSERT_GT(rc, 0);
        EXPECT_EQ(s, "\\# 3 010203"); /* RFC 3597 generic form */
}

/* ------------------------------------------------------------ mnemonics */

TEST(Names, TypesAndRcodes)
{
        EXPECT_STREQ(dg_rrtype_str(1), "A");
        EXPECT_STREQ(dg_rrtype_str(28), "AAAA");
        EXPECT_STREQ(dg_rrtype_str(252), "AXFR");
        EXPECT_STREQ(dg_rrtype_str(65280), "TYPE65280");
        EXPECT_EQ(dg_rrtype_parse("aaaa"), 28);
        EXPECT_EQ(dg_rrtype_parse("MX"), 15);
        EXPECT_EQ(dg_rrtype_parse("TYPE65280"), 65280);
        EXPECT_EQ(dg_rrtype_parse("TYPE0"), DG_EINVAL);
        EXPECT_EQ(dg_rrtype_parse("TYPE65536"), DG_EINVAL);
        EXPECT_EQ(dg_rrtype_parse("TYPE1x"), DG_EINVAL);
        EXPECT_EQ(dg_rrtype_parse("NOPE"), DG_EINVAL);
        EXPECT_EQ(dg_rrtype_parse(""), DG_EINVAL);
        EXPECT_STREQ(dg_rcode_str(0), "NOERROR");
        EXPECT_STREQ(dg_rcode_str(3), "NXDOMAIN");
        EXPECT_STREQ(dg_rcode_str(12), "RCODE12");
        EXPECT_STRNE(dg_strerror(DG_EMALFORMED), dg_strerror(12345));
        for (int e = DG_ERR_LAST_ + 1; e <= 0; e++)
                EXPECT_STRNE(dg_strerror(e), "unknown error") << e;
        EXPECT_STREQ(dg_strerror(12345), "unknown error");
}
