#!/usr/bin/env bash
# Wildcard filtering and recursion against a real Knot server:
#  * --recursive 1 and 2 from the apex find the deeper names (including
#    below an empty non-terminal) and report no wildcard-covered name;
#  * brute straight into a wildcard subtree (*.dev: three A records; *.apps:
#    a CNAME wildcard): only the explicit names (and the empty non-terminal
#    int.dev) are findings, everything else is counted as wildcard, and
#    shown only with --show-wildcards as "wildcard": true. The subtree's
#    parent is not a zone apex (no SOA of its own), as in real use.
source "$(dirname "$0")/../lib/testbed.sh"
tb_need_brute

Z=$TB_TMP/zone
"$TB_PY" "$TB_ROOT/tests/zones/gen-zone.py" zone --zone gen.test --names 2000 --filler 3000 --out "$Z"
tb_server_start auth "$Z/gen.test.zone"
R=$(tb_resolver auth)

# recursion from the apex
S=$Z/labels-small.txt
for depth in 0 1 2; do
	O=$TB_TMP/rec$depth
	if ((depth == 0)); then
		tb_run_brute "$O" gen.test -w "$S" -r "$R"
	else
		tb_run_brute "$O" gen.test -w "$S" -r "$R" --recursive "$depth"
	fi
	tb_assert_exit "brute --recursive $depth" 0 "$TB_RC"
	tb_check_stats "$O.stats"
	"$TB_PY" "$TB_ROOT/tests/zones/gen-zone.py" expect --all "$Z/all-names.txt" --zone gen.test \
		--wordlist "$S" --depth "$depth" >"$TB_TMP/exp-rec$depth.txt"
	tb_assert_sets_eq "--recursive $depth finds exactly the names reachable with the wordlist" \
		"$TB_TMP/exp-rec$depth.txt" <(tb_json_names "$O.jsonl")
	tb_assert_eq "--recursive $depth: failed" 0 "$(tb_stat "$O.stats" failed)"
	"$TB_PY" "$TB_ROOT/tests/lib/check_results.py" --records "$Z/records.txt" --zone gen.test --output "$O.jsonl" ||
		tb_fail "--recursive $depth: output data differ from the zone"
done
tb_assert_eq "depth 2 reached (db.int.dev below an ENT below a wildcard)" db.int.dev.gen.test \
	"$(grep -x 'db.int.dev.gen.test' <(tb_json_names "$TB_TMP/rec2.jsonl"))"

# the labels of the explicit names below the wildcards, among 5000 others
W=$TB_TMP/words.txt
{ cat "$Z/labels.txt"; printf '%s\n' api git ci int admin; } >"$W"
ncand=$(grep -c . "$W")

for sub in dev apps; do
	O=$TB_TMP/$sub
	tb_run_brute "$O" "$sub.gen.test" -w "$W" -r "$R"
	tb_assert_exit "brute $sub.gen.test" 0 "$TB_RC"
	tb_check_stats "$O.stats" "$ncand"
	grep "\.$sub\.gen\.test$" "$Z/all-names.txt" | awk -F. -v s="$sub" 'NF == 4' >"$TB_TMP/exp-$sub.txt"
	tb_json_names "$O.jsonl" >"$TB_TMP/found-$sub.txt"
	tb_assert_sets_eq "$sub: only explicit names found under the wildcard" "$TB_TMP/exp-$sub.txt" "$TB_TMP/found-$sub.txt"
	tb_assert_eq "$sub: every other candidate is wildcard" \
		"$((ncand - $(grep -c . "$TB_TMP/exp-$sub.txt")))" "$(tb_stat "$O.stats" wildcard)"
	tb_assert_eq "$sub: failed" 0 "$(tb_stat "$O.stats" failed)"
	"$TB_PY" "$TB_ROOT/tests/lib/check_results.py" --records "$Z/records.txt" --zone gen.test --output "$O.jsonl" ||
		tb_fail "$sub: output data differ from the zone"
done

# --show-wildcards: the covered names appear, flagged, the findings unflagged
O=$TB_TMP/devshow
tb_run_brute "$O" dev.gen.test -w "$W" -r "$R" --show-wildcards
tb_assert_exit "brute --show-wildcards" 0 "$TB_RC"
tb_assert_eq "--show-wildcards: flagged names" "$(tb_stat "$TB_TMP/dev.stats" wildcard)" \
	"$(jq -r 'select(.wildcard == true) | .name' "$O.jsonl" | sort -u | wc -l)"
tb_assert_sets_eq "--show-wildcards: unflagged names unchanged" "$TB_TMP/exp-dev.txt" <(tb_json_names "$O.jsonl")
tb_assert_eq "no explicit name flagged as wildcard" "" \
	"$(jq -r 'select(.wildcard == true) | .name' "$O.jsonl" | grep -Fxf "$TB_TMP/exp-dev.txt" || true)"

echo PASS
