#!/usr/bin/env bash
# The wordlist is streamed: peak RSS of `dnsglean brute` with 300k
# candidates is within 10% of the run with 30k (same zone, same server).
source "$(dirname "$0")/../lib/testbed.sh"
tb_need_brute
Z=$TB_TMP/zone
"$TB_PY" "$TB_ROOT/tests/zones/gen-zone.py" zone --zone gen.test --names 1000 --filler 299000 --out "$Z"
tb_server_start auth "$Z/gen.test.zone"
R=$(tb_resolver auth)
head -30000 "$Z/labels.txt" >"$TB_TMP/small.txt"
rss() { # WORDLIST -> peak RSS in kB
	/usr/bin/time -f %M -o "$TB_TMP/rss" "$DG_BIN" brute gen.test -w "$1" -r "$R" -q \
		-o /dev/null --stats "$TB_TMP/rss.stats" </dev/null || tb_fail "brute -w $1 failed"
	cat "$TB_TMP/rss"
}
small=$(rss "$TB_TMP/small.txt")
large=$(rss "$Z/labels.txt")
tb_check_stats "$TB_TMP/rss.stats" 300010
echo "peak RSS: 30k candidates $small kB, 300k candidates $large kB"
# Flat: what grows with the wordlist would be +900% here. What varies from run
# to run is the peak in flight (candidate slots touched, ~400 octets each),
# set by the pacing's window, not by the list: 10% or 2 MB, whichever is more.
((large * 100 <= small * 110 || large <= small + 2048)) ||
	tb_fail "peak RSS grows with the wordlist: $small kB -> $large kB (> +10% and > +2 MB)"
((large < 32768)) || tb_fail "peak RSS $large kB (>= 32 MB)"
echo "ok: peak RSS flat (within 10% or 2 MB) and under 32 MB"
echo PASS
