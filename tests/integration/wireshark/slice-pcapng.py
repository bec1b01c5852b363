#!/usr/bin/env python3
"""Cuts one pcapng capture (tshark on lo) into the corpus's captures.

    slice-pcapng.py CAPTURE MARKS OUTDIR

MARKS has one line per scenario: "NAME START END LEGS" (UNIX times, LEGS 1
or 0). Every packet whose time is in [START, END] goes to OUTDIR/NAME.pcapng;
with LEGS 1 also to NAME.client.pcapng when IPv4 source or destination is
CLIENT (127.0.0.1), else to NAME.upstream.pcapng. Blocks are copied as they
are (section header and interface descriptions first), so the files are
what tshark would have written for those packets. Format: RFC draft
draft-ietf-opsawg-pcapng (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html).
"""
import struct
import sys

CLIENT = bytes([127, 0, 0, 1])
SHB, IDB, EPB = 0x0A0D0D0A, 0x00000001, 0x00000006
LINK_ETHERNET, LINK_RAW, LINK_LOOP, LINK_SLL = 1, 101, 0, 113
IP_OFFSET = {LINK_ETHERNET: 14, LINK_RAW: 0, LINK_LOOP: 4, LINK_SLL: 16}


def blocks(data):
    """Yields (type, raw block) for each block; the byte order is the SHB's."""
    off, endian = 0, "<"
    while off + 12 <= len(data):
        (btype,) = struct.unpack_from("<I", data, off)
        if btype == SHB:
            endian = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        btype, blen = struct.unpack_from(endian + "II", data, off)
        if blen < 12 or off + blen > len(data):
            sys.exit(f"slice-pcapng: truncated block at offset {off}")
        yield endian, btype, data[off:off + blen]
        off += blen


def tsresol(idb, endian):
    """Ticks per second of an interface (option if_tsresol, default 10^6)."""
    off = 16
    while off + 4 <= len(idb) - 4:
        code, olen = struct.unpack_from(endian + "HH", idb, off)
        if code == 0:
            break
        if code == 9 and olen == 1:
            v = idb[off + 4]
            return 2 ** (v & 0x7F) if v & 0x80 else 10 ** v
        off += 4 + (olen + 3) // 4 * 4
    return 10 ** 6


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    marks = []
    with open(sys.argv[2]) as f:
        for line in f:
            name, start, end, legs = line.split()
            marks.append((name, float(start), float(end), legs == "1"))
    head, ifaces, out = [], [], {}
    for endian, btype, raw in blocks(data):
        if btype == SHB:
            head, ifaces = [raw], []
        elif btype == IDB:
            head.append(raw)
            (link,) = struct.unpack_from(endian + "H", raw, 8)
            ifaces.append((link, tsresol(raw, endian)))
        elif btype == EPB:
            iface, hi, lo, caplen = struct.unpack_from(endian + "IIII", raw, 8)
            link, res = ifaces[iface]
            t = ((hi << 32) | lo) / res
            pkt = raw[28:28 + caplen]
            ipo = IP_OFFSET.get(link)
            client = ipo is not None and len(pkt) >= ipo + 20 and CLIENT in (pkt[ipo + 12:ipo + 16], pkt[ipo + 16:ipo + 20])
            for name, start, end, legs in marks:
                if start <= t <= end:
                    out.setdefault(name, (list(head), []))[1].append(raw)
                    if legs:
                        leg = name + (".client" if client else ".upstream")
                        out.setdefault(leg, (list(head), []))[1].append(raw)
    for name, start, end, legs in marks:
        for n in [name] + ([name + ".client", name + ".upstream"] if legs else []):
            h, pkts = out.get(n, (head, []))
            with open(f"{sys.argv[3]}/{n}.pcapng", "wb") as f:
                f.write(b"".join(h + pkts))


if __name__ == "__main__":
    main()
