#!/usr/bin/env python3
"""Writes the fuzz seed corpus from real answers of a DNS server on loopback.

    gen-corpus.py SERVER_ADDR PORT OUTDIR [NSEC_SERVER:PORT NSEC3_SERVER:PORT]

Asks SERVER (the Knot instance gen-corpus.sh starts with corpus-zone.zone)
a fixed list of questions over UDP (with and without EDNS, so big answers
come back truncated) and TCP, and writes:
  OUTDIR/wire/<name>-<type>[-tcp|-edns]   one raw response each
  OUTDIR/engine/<case>                    framed response sequences for
                                          fuzz_engine.c (control octet,
                                          2-octet length, response)
  OUTDIR/resolvers/<case>                 resolver list texts
  OUTDIR/classify/<case>                  zone-file lines and answers
  OUTDIR/spf_dmarc/<case>                 SPF and DMARC records
  OUTDIR/axfr/<case>                      a real AXFR stream (ID 0x4242)
  OUTDIR/walk/<case>                      framed NSEC/NSEC3 denials from
                                          signed copies of the zone
  OUTDIR/detect/<case>                    framed query/answer sequences as
                                          a capture shows them
Loopback only: refuses any other address.
"""
import ipaddress
import os
import random
import socket
import struct
import sys

addr, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if not ipaddress.ip_address(addr).is_loopback:
    sys.exit("gen-corpus: %s is not a loopback address" % addr)

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28,
         "SRV": 33, "CAA": 257, "ANY": 255, "AXFR": 252, "NSEC3PARAM": 51}
rng = random.Random(7)


def wire_name(n):
    b = b""
    for lab in n.rstrip(".").split("."):
        b += bytes([len(lab)]) + lab.encode()
    return b + b"\0"


def query(name, qtype, edns, qid=None, do=False):
    qid = rng.randrange(65536) if qid is None else qid
    hdr = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 1 if edns else 0)
    q = hdr + wire_name(name) + struct.pack(">HH", TYPES[qtype], 1)
    if edns:
        q += b"\0" + struct.pack(">HHIH", 41, 1232, 0x8000 if do else 0, 0)
    return q


def ask_udp(name, qtype, edns=False, server=None, do=False):
    a, p = server or (addr, port)
    s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(query(name, qtype, edns, do=do), (a, p))
    data, _ = s.recvfrom(65535)
    s.close()
    return data


def ask_tcp(name, qtype):
    s = socket.create_connection((addr, port), timeout=2)
    q = query(name, qtype, False)
    s.sendall(struct.pack(">H", len(q)) + q)
    buf = b""
    while len(buf) < 2 or len(buf) < 2 + struct.unpack(">H", buf[:2])[0]:
        chunk = s.recv(65535)
        if not chunk:
            break
        buf += chunk
    s.close()
    return buf[2:]


def save(sub, fname, data):
    d = os.path.join(out, sub)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, fname), "wb") as f:
        f.write(data)


QUESTIONS = [
    ("example.com", "SOA"), ("example.com", "NS"), ("example.com", "MX"),
    ("example.com", "TXT"), ("example.com", "CAA"), ("_dmarc.example.com", "TXT"),
    ("www.example.com", "A"), ("www.example.com", "AAAA"), ("mail.example.com", "A"),
    ("alias.example.com", "A"), ("chain1.example.com", "A"), ("cdn.example.com", "A"),
    ("_sip._tcp.example.com", "SRV"), ("big.example.com", "A"), ("big.example.com", "TXT"),
    ("nothere.example.com", "A"), ("xyz.dev.example.com", "A"), ("real.dev.example.com", "A"),
    ("q.cn.example.com", "A"), ("www.sub.example.com", "A"), ("ent.example.com", "A"),
    ("www.example.com", "MX"), ("example.org", "A"), ("example.com", "ANY"),
]

answers = {}
for name, t in QUESTIONS:
    base = "%s-%s" % (name.replace(".", "_"), t)
    r = ask_udp(name, t)
    answers[(name, t)] = r
    save("wire", base, r)
    save("wire", base + "-edns", ask_udp(name, t, True))
    if struct.unpack(">H", r[2:4])[0] & 0x0200:  # truncated: the TCP answer too
        tr = ask_tcp(name, t)
        answers[(name, t, "tcp")] = tr
        save("wire", base + "-tcp", tr)


def rec(ctl, msg):
    return bytes([ctl]) + struct.pack(">H", len(msg)) + msg


def strip_question(msg):
    """Header (12 octets) + everything after the question: what the
    harness's control bit 4 splices the query's own question into."""
    i = 12
    while msg[i] != 0:
        i += 1 + msg[i]
    return msg[:12] + msg[i + 5:]


# Engine seeds: validation (SOA + NXDOMAIN answers), then answers of every
# kind, spliced onto whatever the engine asked (ID + question patched).
soa = strip_question(answers[("example.com", "SOA")])
nx = strip_question(answers[("nothere.example.com", "A")])
kinds = {k: strip_question(v) for k, v in answers.items() if len(k) == 2}
flags = [0x00, 0x01, 0x02, 0x03]
for i, (k, body) in enumerate(sorted(kinds.items())):
    seq = bytes([flags[i % 4]])
    # validation of 3 resolvers: 1 SOA + 3 NX each (answered newest first)
    for _ in range(3):
        seq += rec(0x18, nx) + rec(0x18, nx) + rec(0x18, nx) + rec(0x18, soa)
    for j in range(12):
        seq += rec(0x18 | (j % 8), body if j % 3 else nx)
    seq += rec(0x98, body)  # after a timeout
    seq += rec(0x38, body)  # over TCP
    seq += rec(0x58, body)  # from another resolver
    save("engine", "%02d-%s-%s" % (i, k[0].replace(".", "_"), k[1]), seq)
tc = answers.get(("big.example.com", "A", "tcp"))
if tc:
    seq = b"\0"
    for _ in range(3):
        seq += rec(0x18, nx) + rec(0x18, nx) + rec(0x18, nx) + rec(0x18, soa)
    seq += rec(0x18, strip_question(answers[("big.example.com", "A")]))
    seq += rec(0x38, strip_question(tc))
    save("engine", "tc-then-tcp", seq)
# wildcard zone: every probe answered with data
wild = strip_question(answers[("xyz.dev.example.com", "A")])
seq = b"\0"
for _ in range(3):
    seq += rec(0x18, wild) + rec(0x18, wild) + rec(0x18, wild) + rec(0x18, soa)
for j in range(16):
    seq += rec(0x18 | (j % 8), wild)
save("engine", "wildcard-apex", seq)

for fname, text in {
    "list": "127.0.0.1,127.0.0.2:5353, [::1]:53,::1",
    "file": "# resolvers\n127.0.0.1\n127.0.0.2:53 # comment\n\n[::1]:5300\n",
    "bad": "127.0.0.1\nnot-an-address\n",
    "ports": "1.2.3.4:0,1.2.3.4:65536,[::1]x,[]:53",
    "crlf": "127.0.0.1\r\n127.0.0.2\r\n",
}.items():
    save("resolvers", fname, text.encode())
# classify: the zone's lines, and answers (the message path)
zone_text = open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "corpus-zone.zone")).read()
save("classify", "zone", zone_text.encode())
for k in (("example.com", "TXT"), ("example.com", "MX"), ("cdn.example.com", "A"),
          ("_dmarc.example.com", "TXT"), ("nothere.example.com", "A")):
    save("classify", "msg-%s-%s" % (k[0].replace(".", "_"), k[1]), answers[k])
save("classify", "lines", b"www 300 IN CNAME x.azurewebsites.net.\n"
     b"@ IN MX 0 example-com.mail.protection.outlook.com.\n"
     b"sel._domainkey TXT \"v=DKIM1; k=rsa; p=MIGf\"\n"
     b"\tIN NS ns-1.awsdns-01.org.\n")

# SPF and DMARC
for fname, text in {
    "spf": "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx:mail.example.com "
           "include:_spf.google.com exists:%{i}.spf.example.com redirect=_spf.example.com ~all",
    "spf-macros": "v=spf1 a:%{d1r}.example.com -include:%{l}._spf.%{d} ?all exp=explain.%{d}",
    "dmarc": "v=DMARC1; p=quarantine; sp=reject; pct=50; rua=mailto:a@example.com,"
             "mailto:b@example.net!10m; ruf=mailto:f@example.com; adkim=s; aspf=r; fo=1",
    "dmarc-bad": "v=DMARC1; p=bogus; pct=200;; rua=",
}.items():
    save("spf_dmarc", fname, text.encode())

# AXFR: the whole stream with the fuzz target's fixed ID, after the control
# octet that chooses how it is cut
s = socket.create_connection((addr, port), timeout=5)
q = query("example.com", "AXFR", False, qid=0x4242)
s.sendall(struct.pack(">H", len(q)) + q)
stream = b""
while True:
    try:
        chunk = s.recv(65535)
    except socket.timeout:
        break
    if not chunk:
        break
    stream += chunk
    # stop after the closing SOA: two SOA records seen
    if stream.count(b"\x00\x06\x00\x01") >= 2 and len(stream) > 100:
        s.settimeout(0.3)
s.close()
for ctl in (0, 3, 255):
    save("axfr", "example_com-%d" % ctl, bytes([ctl]) + stream)

# walk: denials with NSEC / NSEC3 from the signed servers (DO bit set)
for i, spec in enumerate(sys.argv[4:6]):
    h, p = spec.rsplit(":", 1)
    srv = (h, int(p))
    kind = "nsec" if i == 0 else "nsec3"
    seq = b""
    for name, t in (("example.com", "NSEC3PARAM"), ("example.com", "SOA"),
                    ("aaa.example.com", "A"), ("mail0.example.com", "A"),
                    ("zzz.example.com", "A"), ("www.example.com", "MX")):
        seq += rec(3, strip_question(ask_udp(name, t, True, server=srv, do=True)))
    save("walk", kind, seq)
# detect: conversations as a capture shows them (control octet: bit 0 =
# from the server, bits 1-3 = client, bits 4-7 = time step)
def convo(pairs, client=0, step=1):
    seq = b""
    for qname, qt in pairs:
        q = query(qname, qt, False)
        a = ask_udp(qname, qt)
        a = q[:2] + a[2:]
        seq += rec((client << 1) | (step << 4), q) + rec((client << 1) | 1, a)
    return seq


save("detect", "brute", convo([("w%d.example.com" % i, "A") for i in range(8)]))
save("detect", "srv", convo([("_sip._tcp.example.com", "SRV"), ("_xmpp._tcp.example.com", "SRV"),
                              ("_ldap._tcp.example.com", "SRV")], client=1))
save("detect", "mixed", convo([("example.com", "ANY"), ("example.com", "TXT"),
                               ("cdn.example.com", "A"), ("q7x9zk2m4p.example.com", "A"),
                               ("_dmarc.example.com", "TXT")], client=2, step=0))
save("detect", "axfr", rec(0, query("example.com", "AXFR", False, qid=0x4242)) +
     rec(1, stream[2:2 + struct.unpack(">H", stream[:2])[0]]))
print("corpus written to", out)
