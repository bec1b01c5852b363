#!/usr/bin/env bash
# Record types and CNAME chains against a real Knot server: -t A,AAAA,MX
# returns each type the zone has for each found name (AAAA-only, MX-only,
# A+AAAA, multi-address names), CNAME chains are reported with their targets,
# and the data equal the zone's.
source "$(dirname "$0")/../lib/testbed.sh"
tb_need_brute

Z=$TB_TMP/zone
"$TB_PY" "$TB_ROOT/tests/zones/gen-zone.py" zone --zone gen.test --names 600 --filler 400 --out "$Z"
tb_server_start auth "$Z/gen.test.zone"
R=$(tb_resolver auth)

O=$TB_TMP/t
tb_run_brute "$O" gen.test -w "$Z/labels.txt" -r "$R" -t A,AAAA,MX
tb_assert_exit "brute -t A,AAAA,MX" 0 "$TB_RC"
tb_check_stats "$O.stats" "$(grep -c . "$Z/labels.txt")"
tb_assert_sets_eq "names found" "$Z/names.txt" <(tb_json_names "$O.jsonl")
"$TB_PY" "$TB_ROOT/tests/lib/check_results.py" --records "$Z/records.txt" --zone gen.test \
	--output "$O.jsonl" --names "$Z/names.txt" --types A,AAAA,MX ||
	tb_fail "-t A,AAAA,MX: answers missing or different from the zone"
for t in A AAAA MX; do
	n=$(jq -r --arg t "$t" 'select(.type == $t and (.data | length) > 0) | .name' "$O.jsonl" | sort -u | wc -l)
	((n > 0)) || tb_fail "no $t answer at all"
	echo "ok: $n names with $t data"
done
# every CNAME name of the zone shows its chain
nc=$(awk '$2 == "CNAME" && $1 ~ /^[^.]+\.gen\.test$/' "$Z/records.txt" | wc -l)
tb_assert_eq "CNAME chains reported" "$nc" \
	"$(jq -r 'select((.cname // []) | length > 0) | .name' "$O.jsonl" | sort -u | wc -l)"
long=$(jq -r 'select((.cname // []) | length >= 2) | .name' "$O.jsonl" | sort -u | wc -l)
((long > 0)) || tb_fail "no multi-hop CNAME chain reported"
echo "ok: $long multi-hop chains"

# default type: A only (existence costs one query per candidate)
O=$TB_TMP/d
tb_run_brute "$O" gen.test -w "$Z/labels.txt" -r "$R"
tb_assert_exit "brute default type" 0 "$TB_RC"
tb_assert_eq "default output types" "A" "$(jq -r .type "$O.jsonl" | sort -u | tr '\n' ' ' | sed 's/ $//')"
# AAAA-only and MX-only names still exist: nodata (rcode NOERROR), empty data
aaaa_only=$(awk '$2 == "AAAA" {a[$1] = 1} $2 == "A" || $2 == "CNAME" {x[$1] = 1} END {for (n in a) if (!(n in x)) print n}' "$Z/records.txt" | grep -E '^[^.]+\.gen\.test$' | head -1)
tb_assert_eq "AAAA-only $aaaa_only reported without A data" '"nodata" "NOERROR" []' \
	"$(jq -r --arg n "$aaaa_only" 'select(.name == $n) | "\(.status | tojson) \(.rcode | tojson) \(.data | tojson)"' "$O.jsonl")"

# -t with CNAME and TXT, and a type name ldns knows but the zone lacks
O=$TB_TMP/c
tb_run_brute "$O" gen.test -w "$Z/labels.txt" -r "$R" -t TXT,CNAME,SRV
tb_assert_exit "brute -t TXT,CNAME,SRV" 0 "$TB_RC"
"$TB_PY" "$TB_ROOT/tests/lib/check_results.py" --records "$Z/records.txt" --zone gen.test \
	--output "$O.jsonl" --names "$Z/names.txt" --types TXT,CNAME ||
	tb_fail "-t TXT,CNAME: answers missing or different from the zone"

# an unknown type is a usage error
TB_RC=0
"$DG_BIN" brute gen.test -w "$Z/labels.txt" -r "$R" -t A,NOSUCHTYPE >/dev/null 2>"$TB_TMP/e" || TB_RC=$?
tb_assert_exit "-t NOSUCHTYPE" 2 "$TB_RC"
tb_assert_eq "one-line error" 1 "$(grep -c . "$TB_TMP/e")"
echo PASS
