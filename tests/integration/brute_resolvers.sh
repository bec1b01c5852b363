#!/usr/bin/env bash
# Many resolvers, some hostile, against real Knot servers:
#  * two Knot servers (IPv4) + one on ::1, a black hole (reads, never
#    answers), a closed port, and a liar that answers every query with the
#    same A record (NXDOMAIN hijacking): the liar is rejected at validation,
#    the dead ones dropped, results equal the healthy single-server run;
#  * a lossy path (a relay dropping 20% of queries): retries, nothing lost;
#  * a SERVFAIL resolver beside a good one: retried elsewhere, nothing lost;
#  * a path where every UDP answer is truncated: TCP fallback, nothing lost;
#  * an off-path forger racing every answer (wrong ID; right ID but another
#    question): forgeries dropped and counted as mismatched, nothing forged
#    in the results;
#  * only bad resolvers: a one-line error and exit 1.
source "$(dirname "$0")/../lib/testbed.sh"
tb_need_brute

tb_gen_zone 1500 1500
tb_server_start k1 "$Z/gen.test.zone"
tb_server_start k2 "$Z/gen.test.zone"
tb_server_start k6 -a ::1 -p "$(tb_free_port ::1)" "$Z/gen.test.zone"
if ((TB_NETNS)); then
	BH=127.0.0.20 CL=127.0.0.21 LI=127.0.0.22 P=53
	tb_double blackhole $BH $P blackhole
	tb_double liar $LI $P lie 192.0.2.66
	closed=$CL:$P
else
	BH=127.0.0.1 LI=127.0.0.1
	tb_double blackhole $BH "" blackhole
	tb_double liar $LI "" lie 192.0.2.66
	closed=127.0.0.1:$(tb_free_port 127.0.0.1)
fi

# reference: one healthy server
tb_run_brute "$TB_TMP/ref" gen.test -w "$W" -r "$(tb_resolver k1)"
tb_assert_exit "single resolver" 0 "$TB_RC"
tb_assert_sets_eq "single resolver finds every name" "$Z/names.txt" <(tb_json_names "$TB_TMP/ref.jsonl")

# resolver file mixing everything (comments and blank lines allowed? keep it plain)
RF=$TB_TMP/resolvers.txt
printf '%s\n' "$(tb_resolver k1)" "$(tb_resolver liar)" "$(tb_resolver blackhole)" "$closed" \
	"$(tb_resolver k2)" "$(tb_resolver k6)" >"$RF"
O=$TB_TMP/mix
tb_run_brute "$O" gen.test -w "$W" -r "$RF" --timeout 500 --retries 3
tb_assert_brute_ok "$O" "$ncand" "$Z/names.txt" "mixed resolvers" \
	"mixed resolvers: same names as the healthy run"
tb_assert_eq "mixed: failed" 0 "$(tb_stat "$O.stats" failed)"
tb_assert_eq "mixed: resolvers" 6 "$(tb_stat "$O.stats" resolvers)"
tb_assert_eq "mixed: live resolvers (liar, black hole and closed port out)" 3 "$(tb_stat "$O.stats" resolvers_live)"
tb_assert_eq "the liar's address never appears in results" 0 "$(grep -c '192\.0\.2\.66' "$O.jsonl" || true)"
grep -qF "$(tb_resolver liar)" "$O.err" || grep -qF "$LI" "$O.err" ||
	tb_fail "no stderr line names the rejected liar $(tb_resolver liar): $(cat "$O.err")"
echo "ok: stderr names the liar"
"$TB_PY" "$TB_ROOT/tests/lib/check_results.py" --records "$Z/records.txt" --zone gen.test --output "$O.jsonl" ||
	tb_fail "mixed: output data differ from the zone"

# the same as a comma list with an IPv6 literal
O=$TB_TMP/comma
tb_run_brute "$O" gen.test -w "$W" -r "$(tb_resolver k6),$(tb_resolver k2)"
tb_assert_exit "comma list with [::1]:port" 0 "$TB_RC"
tb_assert_sets_eq "comma list" "$Z/names.txt" <(tb_json_names "$O.jsonl")
tb_assert_eq "comma list: live" 2 "$(tb_stat "$O.stats" resolvers_live)"

# lossy path: every 5th query dropped
tb_double lossy 127.0.0.1 "" drop 20 "$(tb_resolver k1)"
O=$TB_TMP/lossy
tb_run_brute "$O" gen.test -w "$W" -r "$(tb_resolver lossy)" --timeout 300 # adaptive retries
tb_assert_brute_ok "$O" "$ncand" "$Z/names.txt" "lossy resolver" \
	"lossy: nothing lost"
tb_assert_eq "lossy: failed" 0 "$(tb_stat "$O.stats" failed)"
r=$(tb_stat "$O.stats" retries)
((r > 0)) || tb_fail "lossy: no retries counted"
echo "ok: lossy: $r retries, $(tb_stat "$O.stats" timeouts) timeouts"

# SERVFAIL resolver beside a good one
tb_double sf 127.0.0.1 "" servfail
O=$TB_TMP/sf
tb_run_brute "$O" gen.test -w "$W" -r "$(tb_resolver sf),$(tb_resolver k2)"
tb_assert_brute_ok "$O" "$ncand" "$Z/names.txt" "servfail + good" \
	"servfail + good: nothing lost"
tb_assert_eq "servfail + good: failed" 0 "$(tb_stat "$O.stats" failed)"

# every UDP answer truncated: TCP must take over
tb_double tc 127.0.0.1 "" truncate "$(tb_resolver k1)"
head -300 "$W" >"$TB_TMP/w300.txt"
echo big >>"$TB_TMP/w300.txt"
grep -Fxf <(sed 's/\.gen\.test$//' "$Z/names.txt") "$TB_TMP/w300.txt" | sed 's/$/.gen.test/' >"$TB_TMP/exp300.txt"
O=$TB_TMP/tc
tb_run_brute "$O" gen.test -w "$TB_TMP/w300.txt" -r "$(tb_resolver tc)"
tb_assert_brute_ok "$O" 301 "$TB_TMP/exp300.txt" "truncating resolver" \
	"truncating resolver: found over TCP"
tb_assert_eq "truncating resolver: big has 120 addresses" 120 \
	"$(jq -r 'select(.name == "big.gen.test") | .data | length' "$O.jsonl")"

# forged answers racing the real ones
tb_double spoofer 127.0.0.1 "" spoof 192.0.2.77 "$(tb_resolver k1)"
O=$TB_TMP/spoof
tb_run_brute "$O" gen.test -w "$W" -r "$(tb_resolver spoofer)"
tb_assert_brute_ok "$O" "$ncand" "$Z/names.txt" "spoofed path" \
	"spoofed path: same names"
tb_assert_eq "no forged address in the results" 0 "$(grep -c '192\.0\.2\.77' "$O.jsonl" || true)"
m=$(tb_stat "$O.stats" mismatched)
((m >= ncand)) || tb_fail "spoofed path: only $m mismatched answers counted for $ncand+ forged pairs"
echo "ok: $m forged answers dropped"

# only bad resolvers: refuse to run
TB_RC=0
"$DG_BIN" brute gen.test -w "$TB_TMP/w300.txt" -r "$(tb_resolver liar),$(tb_resolver blackhole),$closed" \
	--timeout 300 --retries 1 >"$TB_TMP/bad.out" 2>"$TB_TMP/bad.err" || TB_RC=$?
tb_assert_exit "no usable resolver" 1 "$TB_RC"
tb_assert_eq "no usable resolver: no results" 0 "$(grep -c . "$TB_TMP/bad.out" || true)"
tb_assert_eq "no usable resolver: last stderr line is the error" 1 "$(tail -1 "$TB_TMP/bad.err" | grep -ci 'resolver')"
echo PASS
