#!/usr/bin/env python3
"""Writes a pcap of DNS traffic that is mostly broken (no packet is sent):
random payloads on UDP and TCP port 53, real messages with flipped octets,
cut short, with compression loops, and TCP length prefixes that lie.

    gen-malformed.py OUT.pcap [FRAMES] [SEED]
"""
import random
import struct
import sys

out = sys.argv[1]
frames = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)


def wname(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"


def good():
    q = struct.pack("!HHHHHH", rnd.randrange(65536), 0x8180 | rnd.choice([0, 3]), 1, 2, 1, 0)
    q += wname("www%d.corp.test" % rnd.randrange(50)) + struct.pack("!HH", rnd.choice([1, 28, 47, 252]), 1)
    q += struct.pack("!HHHIH", 0xC00C, 5, 1, 300, 2) + b"\xc0\x0c"            # CNAME loop to itself
    q += struct.pack("!HHHIH", 0xC00C, 1, 1, 300, 4) + bytes(4)
    q += struct.pack("!HHHIH", 0xC00C, 47, 1, 300, 5) + b"\xc0\x0c\x00\x01\x40"  # NSEC
    return q


def mutate(m):
    m = bytearray(m)
    for _ in range(rnd.randrange(1, 6)):
        m[rnd.randrange(len(m))] = rnd.randrange(256)
    return bytes(m[: rnd.randrange(len(m) + 1)])


def payload():
    k = rnd.random()
    if k < 0.3:
        return bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 80)))
    if k < 0.5:
        return good()
    # a header pointing at itself: a compression loop in the question
    if k < 0.55:
        return struct.pack("!HHHHHH", 1, 0, 1, 0, 0, 0) + b"\xc0\x0c\x00\x01\x00\x01"
    return mutate(good())


def ip_udp_tcp(src, dst, tcp, data, seq):
    if tcp:
        l4 = struct.pack("!HHIIBBHHH", 40000, 53, seq, 0, 5 << 4, 0x18, 65535, 0, 0) + data
        proto = 6
    else:
        l4 = struct.pack("!HHHH", 40000, 53, 8 + len(data), 0) + data
        proto = 17
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0, src, dst)
    return b"\0" * 12 + b"\x08\x00" + ip + l4


with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    seq = 1000
    for i in range(frames):
        tcp = rnd.random() < 0.3
        data = payload()
        if tcp:
            # a length prefix that is right, short or long
            data = struct.pack("!H", max(0, len(data) + rnd.choice([0, 0, -3, 7]))) + data
        fr = ip_udp_tcp(bytes([10, 0, 0, 1 + i % 7]), bytes([10, 0, 0, 53]), tcp, data, seq)
        if tcp:
            seq = (seq + len(data)) & 0xFFFFFFFF
        f.write(struct.pack("<IIII", 1796000000 + i // 1000, (i % 1000) * 1000, len(fr), len(fr)) + fr)
