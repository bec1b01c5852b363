#!/usr/bin/env python3
"""A hostile network between dnsglean and a real DNS server, for the tests.

    proxy.py LISTEN_ADDR PORT UPSTREAM_ADDR:PORT MODE [SEED]

Listens on UDP and TCP at LISTEN_ADDR:PORT (loopback only) and relays every
query to the upstream server (a Knot instance the test started), damaging
the traffic as MODE says:

  clean            relay only
  loss:P           P % of the UDP exchanges lose the query or the answer
  dup              every UDP answer arrives twice, one in five three times
  reorder          UDP answers are held and released in shuffled batches
  jitter:MS        each UDP answer is delayed uniformly by 0..MS ms
  truncate         UDP answers carry TC=1 and no records; TCP is relayed
  spoof            before each real answer come forged ones (A 6.6.6.6): the
                   right question with a wrong ID, the right ID with another
                   question, the right ID and name with another type
  ptrloop          a quarter of the answers are replaced by one with the
                   right ID and question whose record owner is a compression
                   pointer to itself; the real answer follows (too late)
  garbage          before each answer: random octets, a header-only runt, and
                   a 9000-octet datagram that starts like the real answer
  silent-after:N   relays N queries, then never answers again
  lie-after:N      relays N queries, then turns every NXDOMAIN into an
                   authoritative "A 6.6.6.6" (NXDOMAIN hijacking)

Prints "ready" once bound; on SIGTERM prints counts and exits. The damage
is pseudo-random from SEED (default 1), so a failure can be replayed.
"""
import heapq
import ipaddress
import random
import select
import signal
import socket
import struct
import sys
import threading
import time

listen_addr, listen_port = sys.argv[1], int(sys.argv[2])
up_host, up_port = sys.argv[3].rsplit(":", 1)
up = (up_host.strip("[]"), int(up_port))
mode, _, arg = sys.argv[4].partition(":")
rng = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 1)
for a in (listen_addr, up[0]):
    if not ipaddress.ip_address(a).is_loopback:
        sys.exit("proxy: %s is not a loopback address" % a)
if mode not in ("clean", "loss", "dup", "reorder", "jitter", "truncate", "spoof", "ptrloop",
                "garbage", "silent-after", "lie-after"):
    sys.exit("proxy: unknown mode " + mode)

fam = socket.AF_INET6 if ":" in listen_addr else socket.AF_INET
counts = {"queries": 0, "answers": 0, "dropped": 0, "forged": 0, "tcp": 0}
lock = threading.Lock()


def question_end(msg):
    """Offset past the first question, or None."""
    if len(msg) < 12:
        return None
    i = 12
    while i < len(msg) and msg[i] != 0:
        if msg[i] & 0xC0:
            return None
        i += 1 + msg[i]
    i += 5
    return i if i <= len(msg) else None


def header(qid, flags, qd, an, ns, ar):
    return struct.pack(">HHHHHH", qid, flags, qd, an, ns, ar)


def a_record_answer(qid, question, ip="6.6.6.6"):
    """An authoritative NOERROR answer: the question's name has A ip."""
    rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton(ip)
    return header(qid, 0x8400, 1, 1, 0, 0) + question + rr


def wire_name(n):
    return b"".join(bytes([len(x)]) + x.encode() for x in n.split(".")) + b"\0"


def damage(query, answer):
    """Returns [(delay_s, datagram)] to send to the client for one answer."""
    qid = struct.unpack(">H", query[:2])[0]
    qe = question_end(query)
    question = query[12:qe] if qe else b""
    n = counts["queries"]
    if mode == "loss":
        return [] if rng.random() < int(arg) / 100.0 else [(0, answer)]
    if mode == "dup":
        k = 3 if rng.random() < 0.2 else 2
        return [(0.001 * i, answer) for i in range(k)]
    if mode == "jitter":
        return [(rng.uniform(0, int(arg) / 1000.0), answer)]
    if mode == "truncate":
        ae = question_end(answer)
        if ae is None:
            return [(0, answer)]
        flags = struct.unpack(">H", answer[2:4])[0] | 0x0200
        return [(0, header(qid, flags, 1, 0, 0, 0) + answer[12:ae])]
    if mode == "spoof" and question:
        out = []
        qtype = struct.unpack(">H", question[-4:-2])[0]
        out.append((0, a_record_answer(qid ^ 0x5A5A, question)))
        other = wire_name("spoofed-%d.hostile.test" % n) + question[-4:]
        out.append((0, a_record_answer(qid, other)))
        q3 = question[:-4] + struct.pack(">HH", 28 if qtype != 28 else 1, 1)
        out.append((0, a_record_answer(qid, q3)))
        with lock:
            counts["forged"] += 3
        out.append((0.003, answer))
        return out
    if mode == "ptrloop" and question and rng.random() < 0.25:
        at = 12 + len(question)
        bad = header(qid, 0x8400, 1, 1, 0, 0) + question
        bad += struct.pack(">H", 0xC000 | at) + struct.pack(">HHIH", 1, 1, 60, 4) + b"\6\6\6\6"
        with lock:
            counts["forged"] += 1
        return [(0, bad), (0.002, answer)]
    if mode == "garbage":
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 600)))
        runt = struct.pack(">HH", qid, 0x8000) + b"\0\1"
        big = answer + bytes(rng.randrange(256) for _ in range(9000 - len(answer)))
        with lock:
            counts["forged"] += 3
        return [(0, junk), (0, runt), (0, big), (0.002, answer)]
    if mode == "silent-after" and n > int(arg):
        return []
    if mode == "lie-after" and n > int(arg):
        if len(answer) >= 4 and (answer[3] & 0x0F) == 3 and question:
            with lock:
                counts["forged"] += 1
            return [(0, a_record_answer(qid, question))]
    return [(0, answer)]


class Udp:
    def __init__(self):
        self.sock = socket.socket(fam, socket.SOCK_DGRAM)
        self.sock.bind((listen_addr, listen_port))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.up = socket.socket(socket.AF_INET6 if ":" in up[0] else socket.AF_INET,
                                socket.SOCK_DGRAM)
        self.up.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.up.connect(up)
        self.pending = {}  # upstream id -> (client, query, time)
        self.next_id = rng.randrange(65536)
        self.timers = []  # (when, seq, client, datagram)
        self.seq = 0
        self.batch = []  # reorder mode

    def send_later(self, delay, client, data):
        self.seq += 1
        heapq.heappush(self.timers, (time.monotonic() + delay, self.seq, client, data))

    def on_query(self):
        data, client = self.sock.recvfrom(65535)
        with lock:
            counts["queries"] += 1
        if mode == "silent-after" and counts["queries"] > int(arg):
            counts["dropped"] += 1
            return
        if mode == "loss" and rng.random() < int(arg) / 200.0:
            counts["dropped"] += 1  # half of the loss hits queries
            return
        if len(data) < 12:
            return
        uid = self.next_id = (self.next_id + 1) & 0xFFFF
        self.pending[uid] = (client, data, time.monotonic())
        self.up.send(struct.pack(">H", uid) + data[2:])

    def on_answer(self):
        data = self.up.recv(65535)
        if len(data) < 12:
            return
        uid = struct.unpack(">H", data[:2])[0]
        p = self.pending.pop(uid, None)
        if p is None:
            return
        client, query, _ = p
        answer = query[:2] + data[2:]
        if mode == "loss":
            # the other half of the loss hits answers
            out = [] if rng.random() < int(arg) / 200.0 else [(0, answer)]
        else:
            out = damage(query, answer)
        if not out:
            counts["dropped"] += 1
        for delay, d in out:
            if mode == "reorder":
                self.batch.append((client, d))
            else:
                self.send_later(delay, client, d)
        if mode == "reorder" and len(self.batch) >= 8:
            self.flush()

    def flush(self):
        rng.shuffle(self.batch)
        for client, d in self.batch:
            self.send_later(0, client, d)
        self.batch = []

    def run_timers(self):
        now = time.monotonic()
        while self.timers and self.timers[0][0] <= now:
            _, _, client, d = heapq.heappop(self.timers)
            try:
                self.sock.sendto(d, client)
                counts["answers"] += 1
            except OSError:
                pass
        # forget upstream queries that never came back
        if len(self.pending) > 50000:
            old = sorted(self.pending.items(), key=lambda kv: kv[1][2])[:25000]
            for k, _ in old:
                del self.pending[k]


def tcp_conn(c):
    """Relays length-framed messages on one client connection."""
    try:
        c.settimeout(5)
        while True:
            hdr = c.recv(2, socket.MSG_WAITALL)
            if len(hdr) < 2:
                return
            q = c.recv(struct.unpack(">H", hdr)[0], socket.MSG_WAITALL)
            with lock:
                counts["tcp"] += 1
                counts["queries"] += 1
            if mode == "silent-after" and counts["queries"] > int(arg):
                return
            u = socket.create_connection(up, timeout=5)
            u.sendall(hdr + q)
            lh = u.recv(2, socket.MSG_WAITALL)
            a = u.recv(struct.unpack(">H", lh)[0], socket.MSG_WAITALL)
            u.close()
            if mode == "lie-after" and counts["queries"] > int(arg) and (a[3] & 0x0F) == 3:
                qe = question_end(q)
                a = a_record_answer(struct.unpack(">H", q[:2])[0], q[12:qe])
            c.sendall(struct.pack(">H", len(a)) + a)
    except OSError:
        pass
    finally:
        c.close()


def main():
    udp = Udp()
    tl = socket.socket(fam, socket.SOCK_STREAM)
    tl.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tl.bind((listen_addr, listen_port))
    tl.listen(128)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    print("ready", flush=True)
    last_flush = time.monotonic()
    while not stop:
        timeout = 0.05
        if udp.timers:
            timeout = max(0, min(timeout, udp.timers[0][0] - time.monotonic()))
        try:
            r, _, _ = select.select([udp.sock, udp.up, tl], [], [], timeout)
        except InterruptedError:
            continue
        for s in r:
            if s is udp.sock:
                udp.on_query()
            elif s is udp.up:
                udp.on_answer()
            elif s is tl:
                c, _ = tl.accept()
                threading.Thread(target=tcp_conn, args=(c,), daemon=True).start()
        if mode == "reorder" and udp.batch and time.monotonic() - last_flush > 0.03:
            udp.flush()
            last_flush = time.monotonic()
        udp.run_timers()
    print("counts", counts, file=sys.stderr, flush=True)


main()
