#!/usr/bin/env python3
"""Hostile DNS servers for the axfr/walk integration tests: environment
doubles that misbehave on purpose (never stand-ins for our own code).
Listens on ADDR PORT (loopback only), prints "ready" once bound.

AXFR over TCP (zone bad.test):
  close-mid      SOA + 10 A records, then half a message, then closes
  bad-first      the transfer starts with an A record, not the SOA
  serial-change  SOA serial 1 ... SOA serial 2
  endless        SOA, then messages of 50 A records until the client hangs up
  stall          reads the query, never answers
  garbage        a 5-octet frame (shorter than a DNS header)
  wrong-id       a full transfer whose messages carry another ID
  trailing       a full transfer with one more record after the closing SOA
NSEC walking over UDP (zone loop.test / lies.test):
  nsec-loop      NSEC chain apex -> a -> b -> a (a loop)
  blacklies      online-signer "black lies": NOERROR for every name, with an
                 NSEC owned by the query name whose next name is \\000.qname
"""
import ipaddress
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from dnsdouble import recv_exact  # noqa: E402


def wname(name):
    out = b""
    for lab in name.rstrip(".").split("."):
        if lab == "":
            continue
        b = lab.encode().replace(b"\\000", b"\x00")
        out += bytes([len(b)]) + b
    return out + b"\x00"


def rr(name, rtype, rdata, ttl=300):
    return wname(name) + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata


def soa(zone, serial):
    rd = wname("ns." + zone) + wname("host." + zone) + struct.pack("!IIIII", serial, 3600, 600, 86400, 300)
    return rr(zone, 6, rd)


def a(name, ip):
    return rr(name, 1, socket.inet_aton(ip))


def bitmap(types):
    wins = {}
    for t in types:
        wins.setdefault(t >> 8, set()).add(t & 0xFF)
    out = b""
    for w in sorted(wins):
        bits = bytearray(32)
        for t in wins[w]:
            bits[t // 8] |= 0x80 >> (t % 8)
        n = max(t // 8 for t in wins[w]) + 1
        out += bytes([w, n]) + bytes(bits[:n])
    return out


def nsec(owner, nxt, types):
    return rr(owner, 47, wname(nxt) + bitmap(types))


def msg(qid, qname, qtype, answers=(), authority=(), rcode=0, flags=0x8400):
    h = struct.pack("!HHHHHH", qid, flags | rcode, 1, len(answers), len(authority), 0)
    return h + wname(qname) + struct.pack("!HH", qtype, 1) + b"".join(answers) + b"".join(authority)


def parse_query(data):
    qid = struct.unpack("!H", data[:2])[0]
    pos, labels = 12, []
    while data[pos]:
        ln = data[pos]
        labels.append(data[pos + 1:pos + 1 + ln])
        pos += 1 + ln
    qtype = struct.unpack("!H", data[pos + 1:pos + 3])[0]
    name = ".".join(l.decode("latin-1").replace("\x00", "\\000") for l in labels) + "."
    return qid, name, qtype


def frame(m):
    return struct.pack("!H", len(m)) + m


def recv_query(conn):
    buf = recv_exact(conn, 2)
    if buf is None:
        return None
    body = recv_exact(conn, struct.unpack("!H", buf)[0])
    if body is None:
        return None
    return parse_query(body)


def serve_axfr(conn, mode):
    q = recv_query(conn)
    if q is None:
        return
    qid, qname, qtype = q
    zone = "bad.test."
    recs = [a("h%d.%s" % (i, zone), "192.0.2.%d" % (i + 1)) for i in range(10)]
    if mode == "close-mid":
        conn.sendall(frame(msg(qid, qname, qtype, [soa(zone, 7)] + recs)))
        m = msg(qid, qname, qtype, recs)
        conn.sendall(frame(m)[: len(m) // 2])
    elif mode == "bad-first":
        conn.sendall(frame(msg(qid, qname, qtype, recs + [soa(zone, 7)])))
        time.sleep(1)
    elif mode == "serial-change":
        conn.sendall(frame(msg(qid, qname, qtype, [soa(zone, 1)] + recs + [soa(zone, 2)])))
        time.sleep(1)
    elif mode == "endless":
        conn.sendall(frame(msg(qid, qname, qtype, [soa(zone, 7)])))
        # bounded: at most 200000 messages, stops when the client hangs up
        for k in range(200000):
            batch = [a("e%d-%d.%s" % (k, i, zone), "192.0.2.1") for i in range(50)]
            try:
                conn.sendall(frame(msg(qid, qname, qtype, batch)))
            except OSError:
                return
    elif mode == "stall":
        time.sleep(20)
    elif mode == "garbage":
        conn.sendall(b"\x00\x05hello")
        time.sleep(1)
    elif mode == "wrong-id":
        conn.sendall(frame(msg((qid + 1) & 0xFFFF, qname, qtype, [soa(zone, 7)] + recs + [soa(zone, 7)])))
        time.sleep(1)
    elif mode == "trailing":
        # records after the closing SOA, in the same message (deterministic)
        conn.sendall(frame(msg(qid, qname, qtype, [soa(zone, 7)] + recs + [soa(zone, 7)] + recs[:1])))
        time.sleep(1)


def answer_udp(data, mode):
    qid, qname, qtype = parse_query(data)
    z = "loop.test." if mode == "nsec-loop" else "lies.test."
    apex_types = [2, 6, 46, 47, 48]
    if mode == "nsec-loop":
        chain = {z: "a." + z, "a." + z: "b." + z, "b." + z: "a." + z}
        if qtype == 47 and qname.lower() in chain:
            types = apex_types if qname.lower() == z else [1, 46, 47]
            return msg(qid, qname, qtype, [nsec(qname.lower(), chain[qname.lower()], types)])
        if qname.lower() == z:
            return msg(qid, qname, qtype, [], [soa(z, 1), nsec(z, "a." + z, apex_types)])
        # any other name: NXDOMAIN covered by b -> a (whatever: the chain is broken)
        return msg(qid, qname, qtype, [], [soa(z, 1), nsec("b." + z, "a." + z, [1, 46, 47])], rcode=3)
    # black lies: every name "exists" with only NSEC and RRSIG
    if qname.lower() == z:
        return msg(qid, qname, qtype, [], [soa(z, 1), nsec(z, "\\000." + z, apex_types)])
    return msg(qid, qname, qtype, [], [soa(z, 1), nsec(qname, "\\000." + qname, [46, 47])])


def main():
    addr, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if not ipaddress.ip_address(addr).is_loopback:
        sys.exit("xfr_hostile: %s is not a loopback address" % addr)
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    if mode in ("nsec-loop", "blacklies"):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((addr, port))
        print("ready", flush=True)
        for _ in range(100000):  # bounded
            data, peer = s.recvfrom(4096)
            try:
                s.sendto(answer_udp(data, mode), peer)
            except Exception as e:  # a malformed query: ignore it
                print("error:", e, file=sys.stderr, flush=True)
        return
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(8)
    print("ready", flush=True)
    for _ in range(1000):  # bounded
        conn, _peer = s.accept()
        try:
            serve_axfr(conn, mode)
        except OSError:
            pass
        finally:
            conn.close()


if __name__ == "__main__":
    main()
