#!/usr/bin/env python3
"""Oracle for `dnsglean brute` JSONL output against a generated zone's
records.txt (written by tests/zones/gen-zone.py).

  check_results.py --records records.txt --zone gen.test --output out.jsonl
                   [--names FILE --types A,AAAA,MX] [--ttl 300]

Checks every output object:
  * fields name (no trailing dot), type, ttl (integer), data (array of
    strings), status;
  * for objects whose status is found or nodata (not wildcard): data equals the zone's
    records of that type at the end of the (in-zone) CNAME chain, and
    "cname", when present, lists the chain's targets in order;
and, with --names/--types, that each listed name has an object for each
requested type the zone has data for. Exits 1 listing the first problems.
"""
import argparse
import json
import sys


def norm(s):
    return s.rstrip(".").lower()


def norm_rdata(t, d):
    d = " ".join(d.split())
    if t in ("CNAME", "NS", "PTR"):
        return norm(d)
    if t == "MX":
        p, h = d.split(None, 1)
        return "%s %s" % (p, norm(h))
    if t == "AAAA":
        import ipaddress

        return str(ipaddress.ip_address(d))
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", required=True)
    ap.add_argument("--zone", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--names")
    ap.add_argument("--types", default="A")
    ap.add_argument("--ttl", type=int, default=300)
    a = ap.parse_args()

    recs = {}
    for line in open(a.records):
        n, t, d = line.rstrip("\n").split(" ", 2)
        recs.setdefault((n, t), set()).add(norm_rdata(t, d))

    def resolve(name, t):
        chain = []
        n = name
        for _ in range(10):
            if (n, t) in recs or t == "CNAME":
                return chain, recs.get((n, t), set())
            c = recs.get((n, "CNAME"))
            if not c:
                return chain, set()
            n = next(iter(c))
            chain.append(n)
        return chain, set()

    errs = []
    seen = set()
    for i, line in enumerate(open(a.output), 1):
        line = line.strip()
        if not line:
            continue
        try:
            o = json.loads(line)
        except ValueError as e:
            errs.append("line %d: not JSON (%s): %s" % (i, e, line[:120]))
            continue
        for k, ty in (("name", str), ("type", str), ("ttl", int), ("data", list), ("status", str)):
            if not isinstance(o.get(k), ty):
                errs.append("line %d: field %r missing or not %s: %s" % (i, k, ty.__name__, line[:160]))
        if errs and errs[-1].startswith("line %d:" % i):
            continue
        if o["name"].endswith("."):
            errs.append("line %d: name has a trailing dot: %s" % (i, o["name"]))
        if o["status"] not in ("found", "nodata") or o.get("wildcard"):
            continue
        name, t = norm(o["name"]), o["type"].upper()
        seen.add((name, t))
        chain, want = resolve(name, t)
        try:
            got = set(norm_rdata(t, d) for d in o["data"])
        except (ValueError, TypeError) as e:
            errs.append("line %d: bad rdata %r (%s)" % (i, o["data"], e))
            continue
        if got != want:
            errs.append("%s %s: output has %d records, zone %d; missing %s; unexpected %s" % (
                name, t, len(got), len(want), sorted(want - got)[:3], sorted(got - want)[:3]))
        if t == "CNAME":
            pass
        elif "cname" in o:
            gotc = [norm(x) for x in o["cname"]]
            if gotc != chain:
                errs.append("%s %s: cname %s, zone chain %s" % (name, t, gotc, chain))
        elif chain:
            errs.append("%s %s: CNAME chain %s not reported" % (name, t, chain))
        if got and o["ttl"] != a.ttl:
            errs.append("%s %s: ttl %d, zone has %d" % (name, t, o["ttl"], a.ttl))

    if a.names:
        types = [x.strip().upper() for x in a.types.split(",") if x.strip()]
        for n in open(a.names):
            n = norm(n.strip())
            if not n:
                continue
            for t in types:
                chain, want = resolve(n, t)
                if want and (n, t) not in seen:
                    errs.append("%s %s: zone has %s, not in output" % (n, t, sorted(want)[:3]))

    if errs:
        for e in errs[:15]:
            print("  " + e, file=sys.stderr)
        print("check_results: %d problem(s) in %s" % (len(errs), a.output), file=sys.stderr)
        sys.exit(1)
    print("check_results: %d (name, type) answers match the zone" % len(seen))


if __name__ == "__main__":
    main()
