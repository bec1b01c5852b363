#!/usr/bin/env python3
"""Generates a test zone for dnsglean with a known answer.

  gen-zone.py zone --zone gen.test --names 3000 --filler 7000 --out DIR [--seed 1]
      DIR/ZONE.zone        the zone file (Knot/BIND presentation format)
      DIR/names.txt        every name that exists at depth 1 (one level below
                           the apex), i.e. what a non-recursive brute with
                           DIR/labels.txt must report; sorted, no trailing dot
      DIR/all-names.txt    every existing name at any depth, empty
                           non-terminals included, wildcard owners and the
                           names they cover excluded; sorted
      DIR/records.txt      "name TYPE rdata" per record (wildcards excluded)
      DIR/wildcards.txt    the parents of wildcard subtrees (e.g. dev.gen.test)
      DIR/labels.txt       candidate wordlist: every depth-1 label plus
                           --filler labels that do not exist, shuffled
      DIR/labels-small.txt a short wordlist for recursion/type tests: the
                           labels of every deeper name, their parents, and a
                           few fillers

  gen-zone.py expect --all DIR/all-names.txt --zone gen.test --wordlist W --depth R
      prints the names a brute with wordlist W and --recursive R must report:
      names at most R+1 labels below the apex whose every label is in W.

What the zone holds (all data in documentation/private ranges):
  * --names real depth-1 names: single A, multi-address A (2-4), AAAA-only,
    A+AAAA, MX-only, TXT-only, CNAME chains of 1-3 hops ending in an in-zone A,
    CNAMEs to an out-of-zone target (answer: the CNAME alone);
  * dev: A, and *.dev with three A records (a load-balanced wildcard), with
    explicit api.dev, git.dev, ci.dev and db.int.dev (int.dev is an empty
    non-terminal below the wildcard: it exists and is NOT wildcard-covered);
  * apps: A, and *.apps CNAME edge.ZONE (a CNAME wildcard), explicit admin.apps;
  * corp: an empty non-terminal above vpn.corp and mail.corp;
  * big: 120 A records (answer larger than 1232 octets: truncated over UDP,
    complete over TCP);
  * deeper names (depth 2 and 3) under some real names, for --recursive.
"""
import argparse
import os
import random
import sys

CONS = "bcdfghjklmnprstvwz"
VOWS = "aeiou"
CHILD_LABELS = ["api", "admin", "db", "int", "stage", "portal", "cache", "auth"]


def make_label(rng):
    n = rng.choice((2, 2, 3, 3, 4))
    s = "".join(rng.choice(CONS) + rng.choice(VOWS) for _ in range(n))
    r = rng.random()
    if r < 0.25:
        s += str(rng.randrange(100))
    elif r < 0.35:
        s += "-" + rng.choice(CONS) + rng.choice(VOWS) + rng.choice(CONS)
    return s


def new_labels(rng, n, seen):
    """n fresh labels from rng, none in seen (each is added to seen)."""
    out = []
    while len(out) < n:
        l = make_label(rng)
        if l not in seen:
            seen.add(l)
            out.append(l)
    return out


def gen_zone(a):
    rng = random.Random(a.seed)
    zone = a.zone.rstrip(".").lower()
    fixed = {"ns1", "edge", "dev", "apps", "corp", "big", "www", "mail", "out1", "out2"}
    seen = set(fixed) | set(CHILD_LABELS)
    labels = new_labels(rng, a.names, seen)

    recs = []  # (owner relative or '@', type, rdata)
    ip4 = [0]

    def next_ip4():
        ip4[0] += 1
        v = ip4[0]
        return "10.%d.%d.%d" % (v >> 16 & 255, v >> 8 & 255, v & 255)

    def next_ip6():
        ip4[0] += 1
        return "2001:db8:%x::%x" % (ip4[0] >> 16, ip4[0] & 0xFFFF)

    recs += [("ns1", "A", "127.0.0.2"), ("www", "A", next_ip4()), ("www", "AAAA", next_ip6())]
    recs += [("mail", "A", next_ip4()), ("@", "MX", "10 mail.%s." % zone)]
    recs += [("edge", "A", next_ip4())]
    recs += [("out1", "CNAME", "lb.provider.invalid."), ("out2", "CNAME", "out1.%s." % zone)]
    # wildcard subtree with a load-balanced answer, explicit names, and an ENT
    recs += [("dev", "A", "10.255.0.1")]
    recs += [("*.dev", "A", "10.255.1.%d" % i) for i in (1, 2, 3)]
    recs += [("api.dev", "A", "10.255.0.2"), ("git.dev", "A", "10.255.0.3")]
    recs += [("ci.dev", "AAAA", "2001:db8:ffff::3"), ("db.int.dev", "A", "10.255.0.4")]
    # CNAME wildcard
    recs += [("apps", "A", "10.255.2.1"), ("*.apps", "CNAME", "edge.%s." % zone)]
    recs += [("admin.apps", "A", "10.255.2.2")]
    # empty non-terminal
    recs += [("vpn.corp", "A", "10.255.3.1"), ("mail.corp", "MX", "10 mail.%s." % zone)]
    recs += [("big", "A", "10.254.%d.%d" % (i // 200, 1 + i % 200)) for i in range(120)]

    a_names = []
    cname_names = []  # (label, hops)
    for i, l in enumerate(labels):
        k = i % 20
        if k < 11:
            recs.append((l, "A", next_ip4()))
            a_names.append(l)
        elif k < 13:
            for _ in range(rng.randrange(2, 5)):
                recs.append((l, "A", next_ip4()))
            a_names.append(l)
        elif k < 15:
            recs.append((l, "AAAA", next_ip6()))
        elif k == 15:
            recs.append((l, "A", next_ip4()))
            recs.append((l, "AAAA", next_ip6()))
            a_names.append(l)
        elif k == 16:
            recs.append((l, "MX", "%d mx%d.%s." % (10 * rng.randrange(1, 4), rng.randrange(1, 3), zone)))
        elif k == 17:
            recs.append((l, "TXT", '"v=test%d"' % i))
        else:
            # CNAME: to an A name (1 hop) or to an earlier CNAME (longer chain)
            short = [c for c in cname_names[-20:] if c[1] < 3]
            if short and rng.random() < 0.5:
                t = rng.choice(short)
                recs.append((l, "CNAME", "%s.%s." % (t[0], zone)))
                cname_names.append((l, t[1] + 1))
            elif a_names:
                recs.append((l, "CNAME", "%s.%s." % (rng.choice(a_names), zone)))
                cname_names.append((l, 1))
            else:
                recs.append((l, "A", next_ip4()))
                a_names.append(l)
    # deeper names under some A names, for recursion
    parents = a_names[: max(3, min(30, len(a_names) // 50))]
    for j, p in enumerate(parents):
        kids = CHILD_LABELS[j % 3 : j % 3 + 3]
        for c in kids:
            recs.append(("%s.%s" % (c, p), "A", next_ip4()))
        if j % 2 == 0:
            recs.append(("%s.%s.%s" % (CHILD_LABELS[-1], kids[0], p), "A", next_ip4()))

    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, zone + ".zone"), "w") as f:
        f.write("; generated by tests/zones/gen-zone.py --seed %d --names %d\n" % (a.seed, a.names))
        f.write("$ORIGIN %s.\n$TTL 300\n" % zone)
        f.write("@ SOA ns1 hostmaster 2024010101 3600 600 86400 300\n@ NS ns1\n")
        for o, t, d in recs:
            f.write("%s %s %s\n" % (o, t, d))

    def fq(o):
        return zone if o == "@" else "%s.%s" % (o, zone)

    allnames = set()
    for o, t, d in recs:
        if o == "@" or o.startswith("*."):
            continue
        parts = o.split(".")
        for i in range(len(parts)):  # the name and its ancestors (ENTs)
            allnames.add(fq(".".join(parts[i:])))
    depth1 = sorted(n for n in allnames if n.count(".") == zone.count(".") + 1)
    with open(os.path.join(a.out, "names.txt"), "w") as f:
        f.write("".join(n + "\n" for n in depth1))
    with open(os.path.join(a.out, "all-names.txt"), "w") as f:
        f.write("".join(n + "\n" for n in sorted(allnames)))
    with open(os.path.join(a.out, "records.txt"), "w") as f:
        for o, t, d in recs:
            if not o.startswith("*."):
                f.write("%s %s %s\n" % (fq(o), t, d))
    with open(os.path.join(a.out, "wildcards.txt"), "w") as f:
        f.write("dev.%s\napps.%s\n" % (zone, zone))

    d1labels = [n[: -len(zone) - 1] for n in depth1]
    frng = random.Random(a.seed + 7919)
    filler = new_labels(frng, a.filler, set(seen) | set(d1labels))
    words = d1labels + filler
    random.Random(a.seed + 1).shuffle(words)
    with open(os.path.join(a.out, "labels.txt"), "w") as f:
        f.write("".join(w + "\n" for w in words))
    small = ["dev", "apps", "corp", "big", "edge", "www"] + parents + CHILD_LABELS
    small += ["git", "ci", "vpn", "mail"] + filler[:40]
    small = list(dict.fromkeys(small))
    with open(os.path.join(a.out, "labels-small.txt"), "w") as f:
        f.write("".join(w + "\n" for w in small))


def expect(a):
    zone = a.zone.rstrip(".").lower()
    words = set(l.strip().lower() for l in open(a.wordlist) if l.strip())
    out = []
    for n in open(a.all):
        n = n.strip()
        rel = n[: -len(zone) - 1].split(".")
        if len(rel) <= a.depth + 1 and all(x in words for x in rel):
            out.append(n)
    sys.stdout.write("".join(x + "\n" for x in sorted(out)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    z = sub.add_parser("zone")
    z.add_argument("--zone", default="gen.test")
    z.add_argument("--names", type=int, default=3000)
    z.add_argument("--filler", type=int, default=7000)
    z.add_argument("--seed", type=int, default=1)
    z.add_argument("--out", required=True)
    e = sub.add_parser("expect")
    e.add_argument("--all", required=True)
    e.add_argument("--zone", default="gen.test")
    e.add_argument("--wordlist", required=True)
    e.add_argument("--depth", type=int, default=0)
    a = ap.parse_args()
    gen_zone(a) if a.cmd == "zone" else expect(a)


if __name__ == "__main__":
    main()
