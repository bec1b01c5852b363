#!/usr/bin/env bash
# Regenerates the seed corpus of fuzz_frame (tests/fuzz/corpus/frame/): real
# frames captured with tshark on loopback while kdig asks Knot (serving
# corpus-zone.zone on 127.0.0.x and ::1) over UDP and TCP, AXFR included,
# inside the test bed's private network namespace. gen-frame-corpus.py turns
# the capture into fuzz inputs for every link type. Crash regressions
# (corpus/frame/crash-*) are kept. Called by gen-corpus.sh.
#   tests/fuzz/gen-frame-corpus.sh
source "$(dirname "$0")/../lib/testbed.sh"
tb_need_tools tshark editcap kdig knotd
here=$TB_ROOT/tests/fuzz
tb_server_start frame4 --axfr allow example.com="$here/corpus-zone.zone"
tb_server_start frame6 -a ::1 example.com="$here/corpus-zone.zone"
tb_capture_start "$TB_TMP/frames.pcapng" "port $(tb_port frame4) or port $(tb_port frame6)"
for s in frame4 frame6; do
	for q in "www.example.com A" "example.com MX" "example.com TXT" "nope.example.com AAAA"; do
		# shellcheck disable=SC2086 # name and type are two words
		tb_dig "$s" $q >/dev/null
		# shellcheck disable=SC2086
		tb_dig "$s" +tcp $q >/dev/null
	done
done
tb_dig frame4 +tcp +keepopen example.com SOA example.com NS >/dev/null
tb_dig frame4 example.com AXFR >/dev/null
tb_capture_stop
editcap -F pcap "$TB_TMP/frames.pcapng" "$TB_TMP/frames.pcap"
find "$here/corpus/frame" -type f ! -name 'crash-*' -delete 2>/dev/null || true
"$TB_PY" "$here/gen-frame-corpus.py" "$TB_TMP/frames.pcap" "$here/corpus/frame"
