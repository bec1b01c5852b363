#!/usr/bin/env python3
"""Writes a pcap file of synthetic DNS traffic (no packet is sent anywhere).

    gen-dns-pcap.py OUT.pcap [MESSAGES]

MESSAGES (default 1000000) queries and responses over UDP port 53 on
Ethernet: a few hundred clients asking a resolver for names under a few dozen
zones (A, AAAA, HTTPS, MX, TXT; CNAMEs into CDNs and SaaS; about 10%
NXDOMAIN; each name's answer is stable, as in real zones), plus a few reconnaissance sources (brute force, ANY, AXFR
attempts, CHAOS) so the detector has work of every kind. Deterministic
(fixed seed), so runs are comparable.
"""
import random
import struct
import sys
import zlib

out = sys.argv[1]
total = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
rnd = random.Random(20261201)

A, NS, CNAME, SOA, MX, TXT, AAAA, HTTPS, ANY, AXFR = 1, 2, 5, 6, 15, 16, 28, 65, 255, 252


def wname(name):
    b = b""
    for label in name.rstrip(".").split("."):
        b += bytes([len(label)]) + label.encode()
    return b + b"\0"


def rr(owner_ptr, rtype, rdata, ttl=300):
    return struct.pack("!HHHIH", owner_ptr, rtype, 1, ttl, len(rdata)) + rdata


def message(qid, flags, qname, qtype, qclass=1, answers=(), nscount_rrs=()):
    hdr = struct.pack("!HHHHHH", qid, flags, 1, len(answers), len(nscount_rrs), 0)
    body = wname(qname) + struct.pack("!HH", qtype, qclass)
    for a in answers:
        body += a
    for a in nscount_rrs:
        body += a
    return hdr + body


def ip_csum(h):
    s = sum(struct.unpack("!10H", h))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def frame(src, dst, sport, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, src, dst)
    iph = iph[:10] + struct.pack("!H", ip_csum(iph)) + iph[12:]
    return b"\x00\x00\x5e\x00\x53\x01\x00\x00\x5e\x00\x53\x02\x08\x00" + iph + udp


zones = ["corp%d.example" % i for i in range(40)] + ["shop.example", "news.example", "bank.example"]
hosts = ["www", "api", "cdn", "static", "img", "mail", "login", "app", "m", "shop", "docs", "status"]
targets = [b"d111111abcdef8.cloudfront.net", b"corp.azureedge.net", b"corp.zendesk.com",
           b"corp.github.io", b"corp.herokuapp.com", b"corp.myshopify.com"]
resolver = bytes([10, 53, 0, 1])
clients = [bytes([10, 1, i // 250, i % 250 + 1]) for i in range(400)]
recon = [bytes([10, 66, 0, i + 1]) for i in range(4)]
words = ["w%04d" % i for i in range(5000)]

soa_rdata = wname("ns1.example") + wname("hostmaster.example") + struct.pack("!IIIII", 1, 3600, 600, 86400, 300)


def answer_for(qname, qtype):
    """(rcode, answer rrs, authority rrs) for a benign query. A name's data is
    stable, as in real zones: whether it exists, its CNAME, its address."""
    h = zlib.crc32(qname.encode())
    if h % 10 == 0:
        return 3, [], [rr(0xC00C, SOA, soa_rdata)]
    addr = bytes([192, 0, 2, 1 + (h >> 8) % 254])
    if qtype == A:
        if (h >> 16) % 5 == 0:
            t = targets[(h >> 20) % len(targets)]
            return 0, [rr(0xC00C, CNAME, wname(t.decode())), rr(0xC00C, A, addr)], []
        return 0, [rr(0xC00C, A, addr)], []
    if qtype == AAAA:
        return 0, [rr(0xC00C, AAAA, b"\x20\x01\x0d\xb8" + bytes(11) + addr[3:])], []
    if qtype == MX:
        return 0, [rr(0xC00C, MX, struct.pack("!H", 10) + wname("corp-example.mail.protection.outlook.com"))], []
    if qtype == TXT:
        s = b"v=spf1 include:_spf.google.com ~all"
        return 0, [rr(0xC00C, TXT, bytes([len(s)]) + s)], []
    return 0, [], [rr(0xC00C, SOA, soa_rdata)]


with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    t = 1796000000.0
    n = 0
    qid = 0
    while n < total:
        t += 0.0002
        qid = (qid + 1) & 0xFFFF
        r = rnd.random()
        if r < 0.97:
            src = rnd.choice(clients)
            qname = rnd.choice(hosts) + "." + rnd.choice(zones)
            qtype = rnd.choice([A, A, A, AAAA, AAAA, HTTPS, MX, TXT])
            flags_q, qclass = 0x0100, 1
        else:
            src = rnd.choice(recon)
            k = rnd.random()
            qclass = 1
            if k < 0.8:
                qname, qtype = rnd.choice(words) + "." + rnd.choice(zones[:3]), A
            elif k < 0.9:
                qname, qtype = rnd.choice(zones), ANY
            elif k < 0.95:
                qname, qtype = "version.bind", TXT
                qclass = 3
            else:
                qname, qtype = rnd.choice(zones), AXFR
            flags_q = 0x0100
        sport = 1024 + (qid % 60000)
        q = message(qid, flags_q, qname, qtype, qclass)
        if qtype == AXFR:
            rcode, ans, auth = 5, [], []
        elif qclass == 3:
            rcode, ans, auth = 0, [rr(0xC00C, TXT, b"\x05knot!")], []
        elif src in recon and qtype == A:
            rcode, ans, auth = 3, [], [rr(0xC00C, SOA, soa_rdata)]
        else:
            rcode, ans, auth = answer_for(qname, qtype)
        resp = message(qid, 0x8180 | rcode, qname, qtype, qclass, ans, auth)
        for (s, d, sp, dp, p, dt) in ((src, resolver, sport, 53, q, 0.0), (resolver, src, 53, sport, resp, 0.00005)):
            fr = frame(s, d, sp, dp, p)
            ts = t + dt
            sec = int(ts)
            usec = int(round((ts - sec) * 1e6))
            if usec >= 1000000:
                sec, usec = sec + 1, usec - 1000000
            f.write(struct.pack("<IIII", sec, usec, len(fr), len(fr)) + fr)
            n += 1
print("wrote %d DNS messages to %s" % (n, out))
