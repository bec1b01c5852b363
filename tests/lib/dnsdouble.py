#!/usr/bin/env python3
"""Hostile resolver doubles for dnsglean's integration tests (environment,
never a stand-in for our own code). Listens on ADDR PORT (loopback only).

  dnsdouble.py ADDR PORT lie IP          every query: NOERROR, AA, "A IP" for
                                         A questions, empty NOERROR otherwise
                                         (an NXDOMAIN-hijacking resolver)
  dnsdouble.py ADDR PORT blackhole       reads queries, never answers
  dnsdouble.py ADDR PORT servfail        answers SERVFAIL to everything
  dnsdouble.py ADDR PORT refused         answers REFUSED to everything
  dnsdouble.py ADDR PORT forward UP:PORT relays UDP (and TCP) to the upstream
  dnsdouble.py ADDR PORT drop PCT UP:PORT   relays, but drops PCT % of the
                                         queries (deterministic: every
                                         (100/PCT)-th query)
  dnsdouble.py ADDR PORT truncate UP:PORT   UDP: answers with TC=1 and no
                                         records; TCP: relays to the upstream
  dnsdouble.py ADDR PORT spoof IP UP:PORT   relays, but before each real
                                         answer sends two forgeries carrying
                                         "A IP": one with a wrong ID, one with
                                         the right ID and another question name
  dnsdouble.py ADDR PORT hijack IP UP:PORT [AFTER [NAMES]]   relays, but
                                         turns every NXDOMAIN answer into
                                         NOERROR with "A IP" (A questions; no
                                         records otherwise), as an ISP's
                                         resolver hijacking NXDOMAIN does; with
                                         AFTER, only from the AFTER+1-th query
                                         on (a resolver that starts lying
                                         mid-run); with NAMES (a file of names,
                                         one per line), only for those names (a
                                         liar that knows the wordlist: random
                                         probes and canaries get the truth)
  dnsdouble.py ADDR PORT pool ZONE N K UP:PORT   relays, but every name strictly
                                         under ZONE that the upstream says does
                                         not exist (NXDOMAIN) is answered
                                         NOERROR, for A questions with K
                                         addresses drawn at random from a pool
                                         of N (10.200.0.1 ...): a rotating
                                         wildcard whose answers change per
                                         query; NODATA for other types

With DNSDOUBLE_QLOG=FILE in the environment, every query received is logged
to FILE as one line "UNIX-TIME QNAME".

Prints "ready" once bound, then counts to stderr on SIGTERM. Refuses non-loopback addresses.
"""
import ipaddress
import os
import random
import selectors
import signal
import socket
import struct
import sys
import threading
import time

counts = {"queries": 0, "answered": 0, "dropped": 0}
qlog = None


def log_query(msg):
    if qlog is None:
        return
    qe = question_end(msg)
    labels, i = [], 12
    while qe is not None and msg[i] != 0:
        labels.append(msg[i + 1 : i + 1 + msg[i]].decode("ascii", "replace"))
        i += 1 + msg[i]
    qlog.write("%.6f %s\n" % (time.time(), ".".join(labels) or "."))
    qlog.flush()


def hijacked(answer, ip):
    """answer with NXDOMAIN turned into NOERROR + "A ip" (A questions)."""
    flags = struct.unpack("!H", answer[2:4])[0]
    qe = question_end(answer)
    if flags & 0xF != 3 or qe is None:
        return answer
    qtype = struct.unpack("!H", answer[qe - 4 : qe - 2])[0]
    rr = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(ip) if qtype == 1 else None
    return reply(answer, answer=rr)  # QR AA, RD copied, NOERROR, no authority


def loopback(a):
    if not ipaddress.ip_address(a).is_loopback:
        sys.exit("dnsdouble: %s is not a loopback address" % a)
    return a


def hostport(s):
    if s.startswith("["):
        h, p = s[1:].split("]:")
    else:
        h, p = s.rsplit(":", 1)
    return loopback(h), int(p)


def question_end(msg):
    """Offset just past the first question, or None if malformed."""
    if len(msg) < 12:
        return None
    i = 12
    while i < len(msg):
        n = msg[i]
        if n == 0:
            i += 1
            break
        if n & 0xC0:
            return None
        i += 1 + n
    else:
        return None
    return i + 4 if i + 4 <= len(msg) else None


def reply(msg, rcode=0, answer=None, tc=False):
    qe = question_end(msg)
    if qe is None:
        return None
    qid, flags = struct.unpack("!HH", msg[:4])
    rflags = 0x8000 | 0x0400 | (flags & 0x0100) | rcode  # QR AA RD-copy
    if tc:
        rflags |= 0x0200
    an = 1 if answer else 0
    out = struct.pack("!HHHHHH", qid, rflags, 1, an, 0, 0) + msg[12:qe]
    if answer:
        out += answer
    return out


def run_udp_fixed(sock, mode, arg):
    while True:
        msg, peer = sock.recvfrom(65535)
        counts["queries"] += 1
        if mode == "blackhole":
            continue
        out = None
        if mode == "servfail":
            out = reply(msg, rcode=2)
        elif mode == "refused":
            out = reply(msg, rcode=5)
        elif mode == "truncate":
            out = reply(msg, tc=True)
        elif mode == "lie":
            qe = question_end(msg)
            if qe is None:
                continue
            qtype = struct.unpack("!H", msg[qe - 4 : qe - 2])[0]
            ans = None
            if qtype == 1:
                ans = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(arg)
            out = reply(msg, answer=ans)
        if out is not None:
            sock.sendto(out, peer)
            counts["answered"] += 1


def forgeries(query, ip):
    """Two forged answers to query: wrong ID; right ID, other question name."""
    qe = question_end(query)
    if qe is None:
        return []
    ans = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(ip)
    wrong_id = bytes([query[0] ^ 0x5A, query[1] ^ 0xA5]) + query[2:]
    f1 = reply(wrong_id, answer=ans)
    # other name: flip the case-insensitive content of the first label's
    # first octet to another letter ('a'..'z' rotated), same length
    q = bytearray(query)
    if q[12] > 0:
        c = q[13] | 0x20
        q[13] = ord("a") + ((c - ord("a") + 1) % 26) if ord("a") <= c <= ord("z") else ord("x")
    f2 = reply(bytes(q), answer=ans)
    return [f for f in (f1, f2) if f]


def qname_of(msg):
    """Lowercased question name (no trailing dot) of an uncompressed query."""
    i, labels = 12, []
    while i < len(msg) and msg[i] != 0:
        n = msg[i]
        labels.append(msg[i + 1 : i + 1 + n].decode("ascii", "replace").lower())
        i += 1 + n
    return ".".join(labels)


def pool_answer(query, pool):
    """The pool's synthetic answer to query, or None if it is not the pool's."""
    zone, addrs, k = pool
    qe = question_end(query)
    if qe is None:
        return None
    qn = qname_of(query)
    if not qn.endswith("." + zone):
        return None
    qtype = struct.unpack("!H", query[qe - 4 : qe - 2])[0]
    if qtype != 1:
        return reply(query)
    ans = b"".join(
        struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(a)
        for a in random.sample(addrs, k)
    )
    out = reply(query, answer=ans)
    return out[:6] + struct.pack("!H", k) + out[8:]


def run_udp_relay(
    sock, up, drop_pct, spoof_ip=None, hijack_ip=None, hijack_after=0, pool=None, hijack_names=None
):
    fam = socket.AF_INET6 if ":" in up[0] else socket.AF_INET
    upsock = socket.socket(fam, socket.SOCK_DGRAM)
    upsock.connect(up)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ)
    sel.register(upsock, selectors.EVENT_READ)
    pending = {}
    nid = 0
    every = int(100 / drop_pct) if drop_pct > 0 else 0
    while True:
        for key, _ in sel.select():
            if key.fileobj is sock:
                msg, peer = sock.recvfrom(65535)
                if len(msg) < 12:
                    continue
                counts["queries"] += 1
                log_query(msg)
                if every and counts["queries"] % every == 0:
                    counts["dropped"] += 1
                    continue
                nid = (nid + 1) & 0xFFFF
                lie = counts["queries"] > hijack_after and (
                    hijack_names is None or (qname_of(msg) or "").lower().rstrip(".") in hijack_names
                )
                pending[nid] = (peer, msg[:2], msg, lie)
                upsock.send(struct.pack("!H", nid) + msg[2:])
            else:
                msg = upsock.recv(65535)
                if len(msg) < 12:
                    continue
                uid = struct.unpack("!H", msg[:2])[0]
                p = pending.pop(uid, None)
                if p is None:
                    continue
                if pool and len(msg) >= 4 and (msg[3] & 0xF) == 3:
                    out = pool_answer(p[2], pool)
                    if out is not None:
                        sock.sendto(out, p[0])
                        counts["pooled"] = counts.get("pooled", 0) + 1
                        continue
                if spoof_ip:
                    for f in forgeries(p[2], spoof_ip):
                        sock.sendto(f, p[0])
                        counts["forged"] = counts.get("forged", 0) + 1
                if hijack_ip and p[3]:
                    h = hijacked(msg, hijack_ip)
                    if h is not msg:
                        counts["hijacked"] = counts.get("hijacked", 0) + 1
                    msg = h
                sock.sendto(p[1] + msg[2:], p[0])
                counts["answered"] += 1


def recv_exact(s, n):
    """Reads exactly n octets from stream socket s; None if it closes first."""
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            return None
        b += c
    return b


def tcp_relay(lsock, up):
    fam = socket.AF_INET6 if ":" in up[0] else socket.AF_INET

    def serve(c):
        with c:
            u = socket.socket(fam, socket.SOCK_STREAM)
            u.settimeout(5)
            u.connect(up)
            with u:
                while True:
                    h = recv_exact(c, 2)
                    if h is None:
                        return
                    q = recv_exact(c, struct.unpack("!H", h)[0])
                    if q is None:
                        return
                    u.sendall(h + q)
                    rh = recv_exact(u, 2)
                    if rh is None:
                        return
                    r = recv_exact(u, struct.unpack("!H", rh)[0])
                    if r is None:
                        return
                    c.sendall(rh + r)

    while True:
        c, _ = lsock.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    addr, port, mode = loopback(a[0]), int(a[1]), a[2]
    rest = a[3:]
    arg = rest.pop(0) if mode in ("lie", "drop", "spoof", "hijack") else None
    pool = None
    if mode == "pool":
        zone, n, k = rest[0].lower().rstrip("."), int(rest[1]), int(rest[2])
        rest = rest[3:]
        addrs = ["10.200.%d.%d" % (1 + i // 250, 1 + i % 250) for i in range(n)]
        pool = (zone, addrs, k)
    up = (
        hostport(rest[0])
        if mode in ("forward", "drop", "truncate", "spoof", "hijack", "pool")
        else None
    )
    after = int(rest[1]) if mode == "hijack" and len(rest) > 1 else 0
    names = None
    if mode == "hijack" and len(rest) > 2:
        with open(rest[2]) as f:
            names = {ln.strip().lower().rstrip(".") for ln in f if ln.strip()}
    global qlog
    if os.environ.get("DNSDOUBLE_QLOG"):
        qlog = open(os.environ["DNSDOUBLE_QLOG"], "a")
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    sock = socket.socket(fam, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind((addr, port))

    def bye(*_):
        sys.stderr.write("dnsdouble %s: %s\n" % (mode, counts))
        sys.exit(0)

    signal.signal(signal.SIGTERM, bye)
    signal.signal(signal.SIGINT, bye)
    if mode in ("truncate", "forward", "drop", "spoof", "hijack", "pool"):
        # TCP is relayed untouched (a truncated UDP answer must be retried
        # somewhere)
        ls = socket.socket(fam, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((addr, port))
        ls.listen(64)
        threading.Thread(target=tcp_relay, args=(ls, up), daemon=True).start()
    print("ready", flush=True)
    if mode in ("forward", "drop"):
        run_udp_relay(sock, up, float(arg) if mode == "drop" else 0)
    elif mode == "pool":
        run_udp_relay(sock, up, 0, pool=pool)
    elif mode == "spoof":
        run_udp_relay(sock, up, 0, spoof_ip=arg)
    elif mode == "hijack":
        run_udp_relay(sock, up, 0, hijack_ip=arg, hijack_after=after, hijack_names=names)
    elif mode in ("lie", "blackhole", "servfail", "refused", "truncate"):
        run_udp_fixed(sock, mode, arg)
    else:
        sys.exit("dnsdouble: unknown mode " + mode)


if __name__ == "__main__":
    main()
