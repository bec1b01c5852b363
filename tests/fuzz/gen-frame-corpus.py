#!/usr/bin/env python3
"""Turns a capture of DNS on loopback into seed inputs for fuzz_frame.c.

    gen-frame-corpus.py CAPTURE.pcap OUTDIR

CAPTURE is a classic pcap of Ethernet frames (tshark on lo, converted by
editcap). Each input is one octet (the dg_link_t, bit 3: also port 5353)
and then frames, each a 2-octet length and the frame. Written:
  udp4, udp6               every UDP frame of one address family
  tcp4-N, tcp6-N           each TCP connection (handshake to FIN), N from 1
  sll-*, sll2-*, raw-*, null-*, vlan-*, qinq-*
                           the first UDP and TCP inputs with the Ethernet
                           header replaced by that link type's header
  ports-udp4               udp4 with bit 3 set
"""
import os
import struct
import sys

LINK = {"eth": 1, "sll": 2, "sll2": 3, "raw": 4, "null": 5}


def read_pcap(path):
    data = open(path, "rb").read()
    magic = data[:4]
    end = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    linktype = struct.unpack(end + "I", data[20:24])[0]
    if linktype != 1:
        sys.exit("gen-frame-corpus: linktype %d, expected Ethernet" % linktype)
    pos, frames = 24, []
    while pos + 16 <= len(data):
        incl = struct.unpack(end + "I", data[pos + 8:pos + 12])[0]
        frames.append(data[pos + 16:pos + 16 + incl])
        pos += 16 + incl
    return frames


def classify(frame):
    """(family, proto, flow) of an Ethernet frame, flow a sorted port pair."""
    et = struct.unpack(">H", frame[12:14])[0]
    ip = frame[14:]
    if et == 0x0800:
        fam, proto, l4 = 4, ip[9], ip[(ip[0] & 15) * 4:]
    elif et == 0x86DD:
        fam, proto, l4 = 6, ip[6], ip[40:]
    else:
        return None
    ports = struct.unpack(">HH", l4[:4])
    return fam, proto, tuple(sorted(ports))


def relink(frame, kind):
    et, ip = frame[12:14], frame[14:]
    if kind == "sll":
        return struct.pack(">HHH8s", 0, 772, 6, bytes(8)) + et + ip
    if kind == "sll2":
        return et + struct.pack(">HIHBB8s", 0, 1, 772, 0, 6, bytes(8)) + ip
    if kind == "raw":
        return ip
    if kind == "null":
        return struct.pack("<I", 2 if et == b"\x08\x00" else 10) + ip
    if kind == "vlan":
        return frame[:12] + b"\x81\x00\x00\x64" + et + ip
    if kind == "qinq":
        return frame[:12] + b"\x88\xa8\x00\x64\x81\x00\x00\xc8" + et + ip
    return frame


def encode(link, frames):
    out = bytes([link])
    for f in frames:
        f = f[:65535]
        out += struct.pack(">H", len(f)) + f
    return out


def main():
    frames, outdir = read_pcap(sys.argv[1]), sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    inputs = {}
    udp = {4: [], 6: []}
    tcp = {}
    for f in frames:
        c = classify(f)
        if c is None:
            continue
        fam, proto, flow = c
        if proto == 17:
            udp[fam].append(f)
        elif proto == 6:
            tcp.setdefault((fam, flow), []).append(f)
    for fam in (4, 6):
        if udp[fam]:
            inputs["udp%d" % fam] = (LINK["eth"], udp[fam])
    count = {4: 0, 6: 0}
    for (fam, _), fs in tcp.items():
        count[fam] += 1
        inputs["tcp%d-%d" % (fam, count[fam])] = (LINK["eth"], fs)
    for base in ("udp4", "udp6", "tcp4-1", "tcp6-1"):
        if base not in inputs:
            continue
        fs = inputs[base][1]
        for kind in ("sll", "sll2", "raw", "null", "vlan", "qinq"):
            link = LINK.get(kind, LINK["eth"])
            inputs["%s-%s" % (kind, base)] = (link, [relink(f, kind) for f in fs[:12]])
    if "udp4" in inputs:
        inputs["ports-udp4"] = (LINK["eth"] | 8, inputs["udp4"][1][:6])
    for name, (link, fs) in sorted(inputs.items()):
        with open(os.path.join(outdir, name), "wb") as fh:
            fh.write(encode(link, fs))
    print("gen-frame-corpus: %d inputs from %d frames" % (len(inputs), len(frames)))


main()
