#!/usr/bin/env python3
"""Reads Nmap -oX output and prints what a script reported, one per line.

  nsexml.py FILE names SCRIPT_ID     names reported by dnsglean-brute (key "name")
                                     or dns-brute (key "hostname") or
                                     dnsglean-takeover (key "name")
  nsexml.py FILE elem SCRIPT_ID KEY  every <elem key=KEY> of the script's output
  nsexml.py FILE output SCRIPT_ID    the script's text output
  nsexml.py FILE hosts               addresses of the scanned hosts
  nsexml.py ZONEFILE expect ZONE WORDS DEPTH
                                     names of the zone whose labels are all words
                                     of the list, at most DEPTH labels below it
"""
import sys
import xml.etree.ElementTree as ET


def scripts(root, sid):
    for s in root.iter("script"):
        if s.get("id") == sid:
            yield s


def main():
    path, what = sys.argv[1], sys.argv[2]
    if what == "expect":
        zone, words, depth = sys.argv[3], sys.argv[4], int(sys.argv[5])
        wl = set(w.strip() for w in open(words) if w.strip())
        out = set()
        for line in open(path):
            if not line.strip() or line[0] in " \t;$":
                continue
            owner = line.split()[0]
            if owner in ("@",) or owner.startswith("*"):
                continue
            labels = owner.split(".")
            if len(labels) <= depth and all(lab in wl for lab in labels):
                out.add(owner + "." + zone)
        print("\n".join(sorted(out)))
        return
    root = ET.parse(path).getroot()
    if what == "hosts":
        for h in root.iter("host"):
            for a in h.iter("address"):
                print(a.get("addr"))
        return
    sid = sys.argv[3]
    res = []
    for s in scripts(root, sid):
        if what == "output":
            res.append(s.get("output"))
            continue
        key = sys.argv[4] if what == "elem" else None
        for e in s.iter("elem"):
            k = e.get("key")
            if (what == "elem" and k == key) or (what == "names" and k in ("name", "hostname")):
                res.append(e.text or "")
    print("\n".join(sorted(set(res)) if what == "names" else res))


main()
