#!/usr/bin/env bash
# dnsglean brute against a real Knot server with a generated zone: thousands
# of names, wildcard subtrees, CNAME chains, multi-address answers, AAAA-only,
# MX-only and TXT-only names, empty non-terminals, a 120-address answer that
# only fits over TCP. Checks: 100% of the real names found, no wildcard name
# reported, every candidate has a final status, the data match the zone,
# <= 1.05 queries per candidate, and the output formats.
source "$(dirname "$0")/../lib/testbed.sh"
tb_need_brute

Z=$TB_TMP/zone
"$TB_PY" "$TB_ROOT/tests/zones/gen-zone.py" zone --zone gen.test --names 3000 --filler 7000 --out "$Z"
tb_server_start auth "$Z/gen.test.zone"
R=$(tb_resolver auth)
ncand=$(grep -c . "$Z/labels.txt")
O=$TB_TMP/run

tb_run_brute "$O" gen.test -w "$Z/labels.txt" -r "$R"
tb_assert_exit "brute gen.test" 0 "$TB_RC"
tb_check_stats "$O.stats" "$ncand"
tb_json_names "$O.jsonl" >"$TB_TMP/found.txt"
tb_assert_sets_eq "all real depth-1 names found, nothing else" "$Z/names.txt" "$TB_TMP/found.txt"
tb_assert_eq "found+nodata = real names" "$(grep -c . "$Z/names.txt")" "$(jq '.found + .nodata' "$O.stats")"
tb_assert_eq "nxdomain = filler labels" "$((ncand - $(grep -c . "$Z/names.txt")))" "$(tb_stat "$O.stats" nxdomain)"
tb_assert_eq "failed on a healthy server" 0 "$(tb_stat "$O.stats" failed)"
tb_assert_eq "wildcard at depth 1" 0 "$(tb_stat "$O.stats" wildcard)"
tb_assert_eq "no wildcard-flagged output by default" 0 "$(jq -c 'select(.wildcard == true)' "$O.jsonl" | wc -l)"
q=$(tb_stat "$O.stats" queries)
awk -v q="$q" -v c="$ncand" 'BEGIN { exit !(q <= 1.05 * c) }' ||
	tb_fail "queries per candidate: $q queries for $ncand candidates (> 1.05)"
echo "ok: queries per candidate $(awk -v q="$q" -v c="$ncand" 'BEGIN { printf "%.3f", q / c }')"
"$TB_PY" "$TB_ROOT/tests/lib/check_results.py" --records "$Z/records.txt" --zone gen.test --output "$O.jsonl" ||
	tb_fail "output data differ from the zone"
tb_assert_eq "big: 120 addresses (TCP after truncation)" 120 \
	"$(jq -r 'select(.name == "big.gen.test" and .type == "A") | .data | length' "$O.jsonl")"
tb_assert_eq "corp: empty non-terminal reported with no data" '[]' \
	"$(jq -c 'select(.name == "corp.gen.test") | .data' "$O.jsonl" | head -1)"
tail -1 "$O.err" | grep -q "$ncand candidates" || tb_fail "last stderr line is not the summary: $(tail -1 "$O.err")"
echo "ok: summary: $(tail -1 "$O.err")"

# --all prints every candidate once with its final status
tb_run_brute "$TB_TMP/all" gen.test -w "$Z/labels.txt" -r "$R" --all
tb_assert_exit "brute --all" 0 "$TB_RC"
tb_assert_eq "--all: one name per candidate" "$ncand" "$(jq -r .name "$TB_TMP/all.jsonl" | sort -u | wc -l)"
tb_assert_eq "--all: NXDOMAIN statuses" "$(tb_stat "$O.stats" nxdomain)" \
	"$(jq -r 'select(.status == "nxdomain") | .name' "$TB_TMP/all.jsonl" | sort -u | wc -l)"

# output formats: json is one array of the same objects; csv and text list the names
head -400 "$Z/labels.txt" >"$TB_TMP/w400.txt"
grep -Fxf <(sed 's/\.gen\.test$//' "$Z/names.txt") "$TB_TMP/w400.txt" | sed 's/$/.gen.test/' | sort >"$TB_TMP/exp400.txt"
for f in jsonl json csv text; do
	TB_RC=0
	"$DG_BIN" brute gen.test -w "$TB_TMP/w400.txt" -r "$R" -f "$f" >"$TB_TMP/out.$f" 2>"$TB_TMP/err.$f" || TB_RC=$?
	tb_assert_exit "format $f to stdout" 0 "$TB_RC"
done
tb_assert_sets_eq "jsonl to stdout" "$TB_TMP/exp400.txt" <(tb_json_names "$TB_TMP/out.jsonl")
jq -e 'type == "array"' "$TB_TMP/out.json" >/dev/null || tb_fail "--format json is not one JSON array"
tb_assert_sets_eq "json array names" "$TB_TMP/exp400.txt" <(jq -r '.[] | select(.status == "found" or .status == "nodata") | .name' "$TB_TMP/out.json")
for f in csv text; do
	missing=0
	while read -r n; do grep -qF "$n" "$TB_TMP/out.$f" || missing=$((missing + 1)); done <"$TB_TMP/exp400.txt"
	tb_assert_eq "format $f lists every found name" 0 "$missing"
done
# a wordlist that is a pipe (process substitution) works like the file
TB_RC=0
"$DG_BIN" brute gen.test -w <(cat "$TB_TMP/w400.txt") -r "$R" -o "$TB_TMP/fifo.jsonl" 2>"$TB_TMP/fifo.err" || TB_RC=$?
tb_assert_exit "wordlist from a pipe" 0 "$TB_RC"
tb_assert_sets_eq "wordlist from a pipe: same names" "$TB_TMP/exp400.txt" <(tb_json_names "$TB_TMP/fifo.jsonl")
echo PASS
