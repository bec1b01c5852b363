#!/usr/bin/env bash
# footprint --pdns and --format dot, brute's picture with providers, and
# merge over footprint output: a company zone full of SaaS records
# (tests/integration/footprint/) served by Knot on loopback.
source "$(dirname "$0")/../../lib/testbed.sh"
tb_need_brute
D=$TB_TMP
Z=$TB_ROOT/tests/integration/footprint
zones=()
for f in "$Z"/*.zone; do
	zones+=("$(basename "$f" .zone)=$f")
done
tb_server_start auth -a 127.0.0.2 "${zones[@]}"
R=$(tb_resolver auth)
FP=(footprint corp.test -r "$R" --ns-port "$(tb_port auth)" --timeout 400 --retries 1)

cat >"$D/p.cof" <<'X'
{"rrname":"support.corp.test","rrtype":"CNAME","rdata":"corp.zendesk.com.","time_first":1600000000,"time_last":1700000000,"count":4}
{"rrname":"shop-old.corp.test","rrtype":"CNAME","rdata":"corp.myshopify.com.","time_first":1500000000,"time_last":1550000000,"count":2}
{"rrname":"legacy.corp.test","rrtype":"CNAME","rdata":"corp-legacy.azurewebsites.net.","time_first":1600000000,"time_last":1700000000,"count":9}
{"rrname":"www.elsewhere.test","rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2}
{"broken
X
rc=0
"$DG_BIN" "${FP[@]}" --pdns "$D/p.cof" -f jsonl >"$D/fp.jsonl" 2>"$D/fp.err" || rc=$?
tb_assert_exit "footprint --pdns" 0 "$rc"
grep -q "p.cof:5: " "$D/fp.err" || tb_fail "malformed line 5 not reported: $(cat "$D/fp.err")"
q() { jq -c --arg n "$1" "select(.why == \"pdns\" and .name == \$n) | $2" "$D/fp.jsonl"; }
tb_assert_eq "pdns names in the footprint" "legacy.corp.test shop-old.corp.test support.corp.test" \
	"$(jq -r 'select(.why == "pdns") | .name' "$D/fp.jsonl" | sort -u | tr '\n' ' ' | sed 's/ $//')"
tb_assert_eq "live name classified" '["Zendesk"]' "$(q support.corp.test '[.providers[].name]')"
tb_assert_eq "  ... live" true "$(q support.corp.test .pdns.live)"
tb_assert_eq "stale name" '"nxdomain" false' "$(q shop-old.corp.test '.status, .pdns.live' | tr '\n' ' ' | sed 's/ $//')"
tb_assert_eq "takeover-prone target flagged" true "$(q legacy.corp.test .takeover)"
tb_assert_eq "the footprint's own records are still there" "Microsoft 365" \
	"$(jq -r 'select(.kind == "record" and .name == "corp.test" and .type == "MX") | .providers[0].name' "$D/fp.jsonl")"
"$DG_BIN" "${FP[@]}" --pdns "$D/p.cof" -f text 2>/dev/null >"$D/fp.txt"
grep -q '^Passive DNS names$' "$D/fp.txt" || tb_fail "text: no passive DNS section"
grep -qE '^  shop-old.corp.test +A +stale$' "$D/fp.txt" || tb_fail "text: $(tail -5 "$D/fp.txt")"

# the picture of the footprint
"$DG_BIN" "${FP[@]}" --pdns "$D/p.cof" -f dot -o "$D/fp.dot" 2>/dev/null
dot -Tsvg "$D/fp.dot" -o "$D/fp.svg" 2>"$D/dot.err" || tb_fail "dot rejects footprint's graph: $(cat "$D/dot.err")"
grep -q '"p:Microsoft 365" \[label="Microsoft 365\\n\[mail\]".*style=filled' "$D/fp.dot" ||
	tb_fail "no filled provider node: $(grep 'p:Micro' "$D/fp.dot")"
grep -q '"n:legacy.corp.test" \[.*color=red' "$D/fp.dot" || tb_fail "takeover candidate not red"
grep -q '"n:www.corp.test" \[.*color=red' "$D/fp.dot" && tb_fail "www drawn as a takeover candidate"
grep -q 'shop-old.corp.test\\n(nxdomain, stale)' "$D/fp.dot" || tb_fail "stale pdns name not drawn as such"
grep -q '"n:support.corp.test" -> "t:corp.zendesk.com" \[label="CNAME"' "$D/fp.dot" || tb_fail "no CNAME edge"
echo "ok: footprint --format dot renders ($(grep -c '<g id="node' "$D/fp.svg") nodes)"

# brute's picture names providers too
printf 'www\nsupport\nlegacy\ndocs\nem\nautodiscover\nnothere\n' >"$D/w.txt"
"$DG_BIN" brute corp.test -r "$R" -w "$D/w.txt" -q -f dot -o "$D/brute.dot"
dot -Tsvg "$D/brute.dot" >/dev/null || tb_fail "dot rejects brute's graph"
grep -q '"p:Zendesk" \[.*fillcolor=' "$D/brute.dot" || tb_fail "brute picture lacks Zendesk"
grep -q '"n:support.corp.test" -> "p:Zendesk"' "$D/brute.dot" || tb_fail "no edge to the provider"
grep -q '"n:docs.corp.test" \[.*color=red' "$D/brute.dot" || tb_fail "brute: takeover candidate not red"
echo "ok: brute --format dot names providers"

# merge over footprint output: twice the same run = once
"$DG_BIN" "${FP[@]}" -f jsonl >"$D/fp1.jsonl" 2>/dev/null
"$DG_BIN" merge -q "$D/fp1.jsonl" "$D/fp1.jsonl" >"$D/m.jsonl"
"$DG_BIN" merge -q "$D/fp1.jsonl" >"$D/m1.jsonl"
cmp -s "$D/m.jsonl" "$D/m1.jsonl" || tb_fail "merging a footprint with itself changed it"
tb_assert_eq "providers kept once" "$(jq -r 'select(.kind == "provider") | .name' "$D/fp1.jsonl" | sort | uniq | wc -l)" \
	"$(jq -r 'select(.kind == "provider") | .name' "$D/m.jsonl" | wc -l)"
echo PASS
