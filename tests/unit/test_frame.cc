/* Unit tests of the capture frame parser (core/src/frame.c): link layers,
 * IPv4/IPv6, UDP and TCP (reassembly, several messages per segment), and the
 * damaged frames a capture can hold. Frames are built here octet by octet,
 * independently of the parser. */
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dnsglean/frame.h"
#include "dnstest.h"

using dnstest::Bytes;
using dnstest::put16;
using dnstest::put32;

namespace
{

struct Msg {
        std::string src, dst;
        Bytes bytes;
};

void collect(void *ud, const dg_detect_addr_t *src, const dg_detect_addr_t *dst, const uint8_t *msg,
             size_t len)
{
        char s[64], d[64];
        dg_detect_addr_str(src, s, sizeof s);
        dg_detect_addr_str(dst, d, sizeof d);
        ((std::vector<Msg> *)ud)->push_back({s, d, Bytes(msg, msg + len)});
}

/* A DNS query for www.example.com A with the given ID. */
Bytes dns_msg(uint16_t id)
{
        Bytes b;
        put16(b, id);
        put16(b, 0x0100);
        put16(b, 1);
        put16(b, 0);
        put16(b, 0);
        put16(b, 0);
        Bytes n = dnstest::wire_name("www.example.com");
        b.insert(b.end(), n.begin(), n.end());
        put16(b, 1);
        put16(b, 1);
        return b;
}

Bytes cat(Bytes a, const Bytes &b)
{
        a.insert(a.end(), b.begin(), b.end());
        return a;
}

Bytes udp(uint16_t sport, uint16_t dport, const Bytes &payload)
{
        Bytes b;
        put16(b, sport);
        put16(b, dport);
        put16(b, (uint16_t)(8 + payload.size()));
        put16(b, 0);
        return cat(b, payload);
}

enum { SYN = 0x02, ACK = 0x10, PSH = 0x08, FIN = 0x01 };

Bytes tcp(uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags, const Bytes &payload)
{
        Bytes b;
        put16(b, sport);
        put16(b, dport);
        put32(b, seq);
        put32(b, 0);
        b.push_back(5 << 4); /* 20-octet header */
        b.push_back(flags);
        put16(b, 65535);
        put32(b, 0); /* checksum, urgent pointer */
        return cat(b, payload);
}

/* The TCP framing of RFC 1035 4.2.2: a two-octet length, then the message. */
Bytes framed(const Bytes &m)
{
        Bytes b;
        put16(b, (uint16_t)m.size());
        return cat(b, m);
}

Bytes ipv4(uint8_t proto, const Bytes &l4, uint16_t frag = 0x4000 /* DF */, uint8_t last = 1)
{
        Bytes b{0x45, 0};
        put16(b, (uint16_t)(20 + l4.size()));
        put16(b, 0x1234);
        put16(b, frag);
        b.push_back(64);
        b.push_back(proto);
        put16(b, 0);
        Bytes a{127, 0, 0, 1, 127, 0, 0, last};
        return cat(cat(b, a), l4);
}

Bytes ipv6(uint8_t next, const Bytes &l4)
{
        Bytes b{0x60, 0, 0, 0};
        put16(b, (uint16_t)l4.size());
        b.push_back(next);
        b.push_back(64);
        Bytes a(32, 0);
        a[15] = 1;    /* ::1 */
        a[16] = 0x20; /* 2001:db8::53 */
        a[17] = 0x01;
        a[18] = 0x0d;
        a[19] = 0xb8;
        a[31] = 0x53;
        return cat(cat(b, a), l4);
}

Bytes ether(uint16_t type, const Bytes &l3)
{
        Bytes b(12, 0);
        b[0] = 0x02;
        b[6] = 0x04;
        put16(b, type);
        return cat(b, l3);
}

Bytes vlan_ether(uint16_t outer, uint16_t type, const Bytes &l3)
{
        Bytes b(12, 0);
        put16(b, outer);
        put16(b, 100); /* VLAN id */
        if (outer == 0x88a8) {
                put16(b, 0x8100);
                put16(b, 200);
        }
        put16(b, type);
        return cat(b, l3);
}

Bytes sll(uint16_t type, const Bytes &l3)
{
        Bytes b;
        put16(b, 0); /* to us */
        put16(b, 772);
        put16(b, 6);
        b.insert(b.end(), 8, 0);
        put16(b, type);
        return cat(b, l3);
}

Bytes sll2(uint16_t type, const Bytes &l3)
{
        Bytes b;
        put16(b, type);
        put16(b, 0);
        put32(b, 1); /* interface index */
        put16(b, 772);
        b.push_back(0);
        b.push_back(6);
        b.insert(b.end(), 8, 0);
        return cat(b, l3);
}

Bytes null_link(const Bytes &l3)
{
        Bytes b{2, 0, 0, 0}; /* AF_INET, host order as written on x86 */
        return cat(b, l3);
}

class Frame : public ::testing::Test
{
      protected:
        void SetUp() override
        {
                ASSERT_EQ(dg_frame_new(nullptr, 0, &f_), DG_OK);
        }
        void TearDown() override
        {
                dg_frame_free(f_);
        }
        int feed(dg_link_t link, const Bytes &b)
        {
                return dg_frame_feed(f_, link, b.data(), b.size(), collect, &got_);
        }
        dg_frame_t *f_ = nullptr;
        std::vector<Msg> got_;
};

TEST_F(Frame, EthernetIpv4Udp)
{
        Bytes m = dns_msg(0x1111);
        EXPECT_EQ(feed(DG_LINK_ETHERNET, ether(0x0800, ipv4(17, udp(40000, 53, m)))), 1);
        ASSERT_EQ(got_.size(), 1u);
        EXPECT_EQ(got_[0].src, "127.0.0.1");
        EXPECT_EQ(got_[0].dst, "127.0.0.1");
        EXPECT_EQ(got_[0].bytes, m);
}

TEST_F(Frame, EveryLinkLayerIpv4AndIpv6)
{
        Bytes m = dns_msg(0x2222);
        Bytes v4 = ipv4(17, udp(53, 40000, m), 0x4000, 9);
        Bytes v6 = ipv6(17, udp(40000, 53, m));
        EXPECT_EQ(feed(DG_LINK_ETHERNET, ether(0x86dd, v6)), 1);
        EXPECT_EQ(feed(DG_LINK_SLL, sll(0x0800, v4)), 1);
        EXPECT_EQ(feed(DG_LINK_SLL, sll(0x86dd, v6)), 1);
        EXPECT_EQ(feed(DG_LINK_SLL2, sll2(0x0800, v4)), 1);
        EXPECT_EQ(feed(DG_LINK_SLL2, sll2(0x86dd, v6)), 1);
        EXPECT_EQ(feed(DG_LINK_RAW, v4), 1);
        EXPECT_EQ(feed(DG_LINK_RAW, v6), 1);
        EXPECT_EQ(feed(DG_LINK_NULL, null_link(v4)), 1);
        ASSERT_EQ(got_.size(), 8u);
        for (const Msg &g : got_)
                EXPECT_EQ(g.bytes, m);
        EXPECT_EQ(got_[0].src, "::1");
        EXPECT_EQ(got_[0].dst, "2001:db8::53");
        EXPECT_EQ(got_[1].src, "127.0.0.1");
        EXPECT_EQ(got_[1].dst, "127.0.0.9");
}

TEST_F(Frame, VlanTags)
{
        Bytes m = dns_msg(0x3333);
        EXPECT_EQ(feed(DG_LINK_ETHERNET, vlan_ether(0x8100, 0x0800, ipv4(17, udp(1, 53, m)))), 1);
        EXPECT_EQ(feed(DG_LINK_ETHERNET, vlan_ether(0x88a8, 0x86dd, ipv6(17, udp(53, 1, m)))), 1);
        ASSERT_EQ(got_.size(), 2u);
        EXPECT_EQ(got_[1].bytes, m);
        /* a tag cut short, and a tag over something that is not IP */
        Bytes cut = vlan_ether(0x8100, 0x0800, {});
        cut.resize(16);
        EXPECT_EQ(feed(DG_LINK_ETHERNET, cut), 0);
        EXPECT_EQ(feed(DG_LINK_ETHERNET, vlan_ether(0x8100, 0x0806, Bytes(28, 0))), 0);
}

TEST_F(Frame, OnlyDnsPorts)
{
        Bytes m = dns_msg(1);
        EXPECT_EQ(feed(DG_LINK_RAW, ipv4(17, udp(40000, 5353, m))), 0);
        EXPECT_EQ(feed(DG_LINK_RAW, ipv4(1, udp(40000, 53, m))), 0); /* ICMP */
        EXPECT_EQ(feed(DG_LINK_ETHERNET, ether(0x0806, Bytes(28, 0))), 0);
        EXPECT_TRUE(got_.empty());

        uint16_t ports[] = {5353, 8053};
        dg_frame_t *g = nullptr;
        ASSERT_EQ(dg_frame_new(ports, 2, &g), DG_OK);
        Bytes a = ipv4(17, udp(40000, 5353, m)), b = ipv4(17, udp(8053, 9, m));
        Bytes c = ipv4(17, udp(40000, 53, m));
        EXPECT_EQ(dg_frame_feed(g, DG_LINK_RAW, a.data(), a.size(), collect, &got_), 1);
        EXPECT_EQ(dg_frame_feed(g, DG_LINK_RAW, b.data(), b.size(), collect, &got_), 1);
        EXPECT_EQ(dg_frame_feed(g, DG_LINK_RAW, c.data(), c.size(), collect, &got_), 0);
        dg_frame_free(g);
        EXPECT_EQ(got_.size(), 2u);
}

TEST(FrameNew, BadArguments)
{
        dg_frame_t *f = nullptr;
        uint16_t zero = 0;
        EXPECT_EQ(dg_frame_new(&zero, 1, &f), DG_EINVAL);
        EXPECT_EQ(f, nullptr);
        std::vector<uint16_t> many(65, 53);
        EXPECT_EQ(dg_frame_new(many.data(), many.size(), &f), DG_EINVAL);
        EXPECT_EQ(dg_frame_new(nullptr, 1, &f), DG_EINVAL);
        EXPECT_EQ(dg_frame_new(nullptr, 0, nullptr), DG_EINVAL);
        ASSERT_EQ(dg_frame_new(many.data(), 64, &f), DG_OK);
        Bytes p = ipv4(17, udp(1, 53, dns_msg(1)));
        EXPECT_EQ(dg_frame_feed(f, (dg_link_t)99, p.data(), p.size(), collect, nullptr), DG_EINVAL);
        EXPECT_EQ(dg_frame_feed(f, DG_LINK_RAW, p.data(), p.size(), nullptr, nullptr), DG_EINVAL);
        EXPECT_EQ(dg_frame_feed(f, DG_LINK_RAW, nullptr, 4, collect, nullptr), DG_EINVAL);
        EXPECT_EQ(dg_frame_feed(nullptr, DG_LINK_RAW, p.data(), p.size(), collect, nullptr),
                  DG_EINVAL);
        dg_frame_free(f);
        dg_frame_free(nullptr);
}

TEST_F(Frame, TruncatedHeaders)
{
        Bytes full = ether(0x0800, ipv4(17, udp(40000, 53, dns_msg(7))));
        /* every cut inside the Ethernet, IPv4 and UDP headers gives nothing */
        for (size_t n = 0; n < 14 + 20 + 8; n++) {
                Bytes cut(full.begin(), full.begin() + (long)n);
                EXPECT_EQ(feed(DG_LINK_ETHERNET, cut), 0) << "cut at " << n;
        }
        Bytes v6 = ipv6(17, udp(40000, 53, dns_msg(7)));
        for (size_t n = 0; n < 40 + 8; n++) {
                Bytes cut(v6.begin(), v6.begin() + (long)n);
                EXPECT_EQ(feed(DG_LINK_RAW, cut), 0) << "cut at " << n;
        }
        EXPECT_EQ(feed(DG_LINK_SLL, Bytes(16, 0)), 0);
        EXPECT_EQ(feed(DG_LINK_SLL2, Bytes(20, 0)), 0);
        EXPECT_EQ(feed(DG_LINK_NULL, Bytes{2, 0, 0, 0}), 0);
        EXPECT_EQ(feed(DG_LINK_RAW, Bytes{}), 0);
        EXPECT_TRUE(got_.empty());
        /* a message cut short by the snap length: its IP length says more */
        Bytes snap(full.begin(), full.end() - 3);
        EXPECT_EQ(feed(DG_LINK_ETHERNET, snap), 0);
}

TEST_F(Frame, BadLengths)
{
        Bytes m = dns_msg(9);
        Bytes p = ipv4(17, udp(40000, 53, m));
        Bytes bad = p;
        bad[0] = 0x44; /* IHL 4: shorter than the header */
        EXPECT_EQ(feed(DG_LINK_RAW, bad), 0);
        bad = p;
        bad[0] = 0x4f; /* IHL 15: longer than the packet's total */
        bad[2] = 0;
        bad[3] = 40;
        EXPECT_EQ(feed(DG_LINK_RAW, bad), 0);
        bad = p;
        bad[2] = 0; /* total length under the header */
        bad[3] = 10;
        EXPECT_EQ(feed(DG_LINK_RAW, bad), 0);
        bad = p;
        bad[20 + 4] = 0; /* UDP length 7 */
        bad[20 + 5] = 7;
        EXPECT_EQ(feed(DG_LINK_RAW, bad), 0);
        bad = p;
        bad[20 + 4] = 0xff; /* UDP length past the datagram */
        EXPECT_EQ(feed(DG_LINK_RAW, bad), 0);
        bad = ipv6(17, udp(40000, 53, m));
        bad[4] = 0xff; /* IPv6 payload length past the frame */
        EXPECT_EQ(feed(DG_LINK_RAW, bad), 0);
        bad = p;
        bad[0] = 0x55; /* IP version 5 */
        EXPECT_EQ(feed(DG_LINK_RAW, bad), 0);
        EXPECT_TRUE(got_.empty());
        /* trailing padding after the IP packet (Ethernet minimum) is ignored */
        Bytes padded = cat(p, Bytes(6, 0));
        EXPECT_EQ(feed(DG_LINK_RAW, padded), 1);
        ASSERT_EQ(got_.size(), 1u);
        EXPECT_EQ(got_[0].bytes, m);
        /* a shorter UDP length than the IP payload: the UDP length wins */
        Bytes shorter = p;
        shorter[20 + 5] = (uint8_t)(shorter[20 + 5] - 4);
        EXPECT_EQ(feed(DG_LINK_RAW, shorter), 1);
        ASSERT_EQ(got_.size(), 2u);
        EXPECT_EQ(got_[1].bytes, Bytes(m.begin(), m.end() - 4));
}

TEST_F(Frame, IpFragmentsAreNotReassembled)
{
        Bytes l4 = udp(40000, 53, dns_msg(5));
        EXPECT_EQ(feed(DG_LINK_RAW, ipv4(17, l4, 0x2000)), 0); /* MF, offset 0 */
        EXPECT_EQ(feed(DG_LINK_RAW, ipv4(17, l4, 0x0003)), 0); /* last, offset 24 */
        EXPECT_EQ(feed(DG_LINK_RAW, ipv4(17, l4, 0x0000)), 1); /* whole, DF clear */
        /* IPv6: a fragment header (44) ends the walk; options before UDP are
         * skipped */
        Bytes frag{17, 0, 0, 1, 0, 0, 0, 1};
        EXPECT_EQ(feed(DG_LINK_RAW, ipv6(44, cat(frag, l4))), 0);
        Bytes hop{17, 0, 1, 4, 0, 0, 0, 0}; /* hop-by-hop: PadN */
        EXPECT_EQ(feed(DG_LINK_RAW, ipv6(0, cat(hop, l4))), 1);
        Bytes long_opt{17, 9, 0, 0, 0, 0, 0, 0}; /* says 80 octets */
        EXPECT_EQ(feed(DG_LINK_RAW, ipv6(60, cat(long_opt, l4))), 0);
        EXPECT_EQ(got_.size(), 2u);
}

TEST_F(Frame, TcpTwoMessagesInOneSegment)
{
        Bytes q = dns_msg(0xa), r = dns_msg(0xb);
        EXPECT_EQ(feed(DG_LINK_RAW, ipv4(6, tcp(40000, 53, 1000, SYN, {}))), 0);
        Bytes both = cat(framed(q), framed(r));
        EXPECT_EQ(feed(DG_LINK_RAW, ipv4(6, tcp(40000, 53, 1001, ACK | PSH, both))), 2);
        ASSERT_EQ(got_.size(), 2u);
        EXPECT_EQ(got_[0].bytes, q);
        EXPECT_EQ(got_[1].bytes, r);
}

TEST_F(Frame, TcpMessageAcrossSegmentsAndRetransmission)
{
        Bytes m = framed(dns_msg(0xc));
        Bytes a(m.begin(), m.begin() + 1), b(m.begin() + 1, m.begin() + 10);
        Bytes c(m.begin() + 10, m.end());
        feed(DG_LINK_RAW, ipv6(6, tcp(53, 40000, 99, SYN | ACK, {})));
        EXPECT_EQ(feed(DG_LINK_RAW, ipv6(6, tcp(53, 40000, 100, ACK, a))), 0);
        EXPECT_EQ(feed(DG_LINK_RAW, ipv6(6, tcp(53, 40000, 101, ACK, b))), 0);
        EXPECT_EQ(feed(DG_LINK_RAW, ipv6(6, tcp(53, 40000, 101, ACK, b))), 0); /* again */
        EXPECT_EQ(feed(DG_LINK_RAW, ipv6(6, tcp(53, 40000, 110, ACK | PSH, c))), 1);
        ASSERT_EQ(got_.size(), 1u);
        EXPECT_EQ(got_[0].bytes, dns_msg(0xc));
        EXPECT_EQ(got_[0].dst, "2001:db8::53");
        /* the whole message retransmitted gives nothing new */
        EXPECT_EQ(feed(DG_LINK_RAW, ipv6(6, tcp(53, 40000, 100, ACK, m))), 0);
        /* a FIN ends the stream; data without SYN after it starts a new one */
        feed(DG_LINK_RAW, ipv6(6, tcp(53, 40000, 100 + (uint32_t)m.size(), FIN | ACK, {})));
        EXPECT_EQ(feed(DG_LINK_RAW, ipv6(6, tcp(53, 40000, 5000, ACK, m))), 1);
        EXPECT_EQ(got_.size(), 2u);
}

TEST_F(Frame, TcpGapDropsThePartialMessage)
{
        Bytes m1 = framed(dns_msg(1)), m2 = framed(dns_msg(2));
        feed(DG_LINK_RAW, ipv4(6, tcp(40000, 53, 0, SYN, {})));
        Bytes head(m1.begin(), m1.begin() + 5);
        EXPECT_EQ(feed(DG_LINK_RAW, ipv4(6, tcp(40000, 53, 1, ACK, head))), 0);
        /* the rest of m1 was lost: m2 starts after a hole */
        EXPECT_EQ(feed(DG_LINK_RAW, ipv4(6, tcp(40000, 53, 1 + (uint32_t)m1.size(), ACK, m2))), 1);
        ASSERT_EQ(got_.size(), 1u);
        EXPECT_EQ(got_[0].bytes, dns_msg(2));
}

TEST_F(Frame, TcpBadHeaders)
{
        Bytes m = framed(dns_msg(3));
        Bytes seg = tcp(40000, 53, 1, ACK, m);
        Bytes bad = seg;
        bad[12] = 4 << 4; /* data offset under 20 octets */
        EXPECT_EQ(feed(DG_LINK_RAW, ipv4(6, bad)), 0);
        bad = seg;
        bad[12] = 15 << 4; /* data offset past the segment */
        bad.resize(40);
        EXPECT_EQ(feed(DG_LINK_RAW, ipv4(6, bad)), 0);
        EXPECT_EQ(feed(DG_LINK_RAW, ipv4(6, Bytes(seg.begin(), seg.begin() + 19))), 0);
        EXPECT_TRUE(got_.empty());
        /* a length prefix longer than what follows waits for more */
        Bytes open{0x01, 0x00, 0xde, 0xad};
        EXPECT_EQ(feed(DG_LINK_RAW, ipv4(6, tcp(40001, 53, 7, ACK, open))), 0);
        EXPECT_TRUE(got_.empty());
}

} // namespace
