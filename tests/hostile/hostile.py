#!/usr/bin/env python3
"""Zone, wordlist and result checks for the hostile-network tests.

  hostile.py gen DIR [FILLER]
      writes DIR/hostile.test.zone, DIR/words.txt and DIR/expect.tsv
      (name <TAB> kind <TAB> sorted addresses), deterministic; FILLER
      (default 1030) names that do not exist are added to the words.
  hostile.py check DIR DOMAIN OUT.jsonl STATS.json RC SECONDS MODE
      checks one `dnsglean brute --all --show-wildcards` run against the
      zone's truth; prints one results-table row; exits 1 on a violation.
"""
import json
import random
import sys

ORIGIN = "hostile.test"


def gen(d, filler=1030):
    rng = random.Random(2026)
    zone = [
        "$ORIGIN %s." % ORIGIN,
        "$TTL 300",
        "@ SOA ns1 hostmaster 1 3600 600 86400 300",
        "@ NS ns1",
        "ns1 A 10.0.0.53",
        "*.dev A 10.66.0.1",
        "*.dev A 10.66.0.2",
    ]
    expect = []  # (fqdn, kind, addresses)
    words = []
    for i in range(100):
        w = "host%d" % i
        ip = "10.1.%d.%d" % (i // 200, i % 200 + 1)
        zone.append("%s A %s" % (w, ip))
        expect.append((w + "." + ORIGIN, "a", [ip]))
        words.append(w)
    for i in range(20):
        w = "pool%d" % i
        ips = ["10.2.%d.%d" % (i, k) for k in range(1, 4)]
        zone += ["%s A %s" % (w, ip) for ip in ips]
        expect.append((w + "." + ORIGIN, "a", ips))
        words.append(w)
    for i in range(15):
        w = "six%d" % i
        zone.append("%s AAAA 2001:db8::%x" % (w, i + 1))
        expect.append((w + "." + ORIGIN, "nodata", []))
        words.append(w)
    for i in range(15):
        w = "alias%d" % i
        zone.append("%s CNAME host%d" % (w, i))
        expect.append((w + "." + ORIGIN, "a", ["10.1.0.%d" % (i + 1)]))
        words.append(w)
    # under the wildcard of dev: real names with their own addresses
    for i in range(20):
        w = "d%d" % i
        zone.append("%s.dev A 10.3.0.%d" % (w, i + 1))
        expect.append((w + ".dev." + ORIGIN, "a", ["10.3.0.%d" % (i + 1)]))
        words.append(w)
    words.append("dev")
    expect.append(("dev." + ORIGIN, "nodata", []))
    for i in range(filler):
        words.append("nx%05d" % rng.randrange(100000) + "x%d" % i)
    rng.shuffle(words)
    with open(d + "/hostile.test.zone", "w") as f:
        f.write("\n".join(zone) + "\n")
    with open(d + "/words.txt", "w") as f:
        f.write("\n".join(words) + "\n")
    with open(d + "/expect.tsv", "w") as f:
        for n, k, ips in expect:
            f.write("%s\t%s\t%s\n" % (n, k, ",".join(sorted(ips))))


def check(d, domain, out, stats_path, rc, secs, mode):
    bad = []
    words = [w for w in open(d + "/words.txt").read().split() if w]
    expect = {}
    for line in open(d + "/expect.tsv"):
        n, k, ips = line.rstrip("\n").split("\t")
        expect[n] = (k, sorted(ips.split(",")) if ips else [])
    real = {n: v for n, v in expect.items()
            if n.endswith("." + domain) and n.count(".") == domain.count(".") + 1}
    wildcard_zone = domain.startswith("dev.")
    cands = {w + "." + domain for w in words}

    if rc != 0:
        bad.append("exit status %d" % rc)
    try:
        st = json.load(open(stats_path))
    except (OSError, ValueError) as e:
        st = {}
        bad.append("no stats: %s" % e)
    seen = {}
    for line in open(out):
        line = line.strip()
        if not line:
            continue
        r = json.loads(line)
        n = r["name"]
        if n in seen:
            bad.append("%s reported twice" % n)
        seen[n] = r
        if any("6.6.6.6" in x for x in r.get("data", [])):
            bad.append("%s: spoofed data %s" % (n, r["data"]))
        if n not in cands:
            bad.append("%s: not a candidate (spoofed name?)" % n)
    found = failed = 0
    for n in cands:
        r = seen.get(n)
        if r is None:
            bad.append("%s: no result" % n)
            continue
        exists = r["status"] in ("found", "nodata")
        if r["status"] == "failed":
            failed += 1
            if not r.get("reason"):
                bad.append("%s: FAILED without a reason" % n)
        if n in real:
            kind, ips = real[n]
            if not exists:
                bad.append("%s: real name reported %s%s" % (
                    n, r["status"], " (wildcard)" if r.get("wildcard") else ""))
                continue
            found += 1
            if kind == "a" and sorted(r.get("data", [])) != ips:
                bad.append("%s: data %s, expected %s" % (n, r.get("data"), ips))
        elif exists:
            bad.append("%s: reported as existing (false positive) %s" % (n, r.get("data")))
        elif wildcard_zone and r["status"] in ("found", "nodata"):
            bad.append("%s: wildcard answer not flagged" % n)
    keys = ["found", "nodata", "nxdomain", "wildcard", "failed"]
    if st:
        total = sum(st.get(k, 0) for k in keys)
        if total != st.get("candidates") or st.get("candidates") != len(cands):
            bad.append("stats do not add up: %s = %d, candidates %s, words %d" % (
                "+".join(keys), total, st.get("candidates"), len(cands)))
        if st.get("failed", 0) != failed:
            bad.append("stats say %s failed, output %d" % (st.get("failed"), failed))
    qpc = (st.get("queries", 0) - st.get("probes", 0)) / max(1, len(cands))
    print("| %-22s | %5d | %3d/%-3d | %4d | %5d | %4.2f | %5.1f s | %s |" % (
        mode + ("" if domain == ORIGIN else " @" + domain.split(".")[0]), len(cands), found,
        len(real), failed, st.get("wildcard", 0), qpc, secs, "ok" if not bad else "FAIL"))
    for b in bad[:20]:
        print("   FAIL: " + b)
    if len(bad) > 20:
        print("   ... and %d more" % (len(bad) - 20))
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1030)
    else:
        sys.exit(check(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]),
                       float(sys.argv[7]), sys.argv[8]))
