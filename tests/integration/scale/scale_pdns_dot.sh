#!/usr/bin/env bash
# Passive DNS in (brute --pdns: COF names checked live against Knot on
# loopback, live told from stale, wildcard-covered names caught, malformed
# lines reported by number, shards), and the picture (--format dot, checked
# by Graphviz's dot).
source "$(dirname "$0")/../../lib/testbed.sh"
tb_need_brute
tb_need_tools dot
D=$TB_TMP
tb_server_start demo "$TB_ROOT/scripts/demo/acme.test.zone"
R=$(tb_resolver demo)

# A passive DNS export as CIRCL serves it (COF NDJSON), with what such files
# hold: names still there, names gone, names only a wildcard answers now,
# names seen as CNAME/MX targets, other domains, and broken lines.
cat >"$D/pdns.cof" <<'X'
{"rrname":"www.acme.test","rrtype":"A","rdata":"192.0.2.10","time_first":1600000000,"time_last":1700000000,"count":42}
{"rrname":"WWW.acme.test.","rrtype":"AAAA","rdata":["2001:db8:ac::10"],"time_first":1650000000,"time_last":1710000000,"count":8}
not json at all

{"rrname":"oldshop.acme.test","rrtype":"CNAME","rdata":"shops.example.net.","time_first":1500000000,"time_last":1550000000,"count":3}
{"rrname":"jenkins.dev.acme.test","rrtype":"A","rdata":"10.10.0.8","time_first":1600000000,"time_last":1700000000}
{"rrname":"old.dev.acme.test","rrtype":"A","rdata":"10.10.0.9","time_first":1400000000,"time_last":1450000000,"count":1}
{"rrname":"feature-x.preview.acme.test","rrtype":"A","rdata":"192.0.2.77","time_first":1600000000,"time_last":1600000100,"count":2}
{"rrname":"a.b.preview.acme.test","rrtype":"A","rdata":"192.0.2.78","time_first":1600000000,"time_last":1600000100,"count":2}
{"rrname":"alias.partner.example","rrtype":"CNAME","rdata":"vpn.acme.test.","time_first":1600000000,"time_last":1700000000,"count":5}
{"rrname":"acme.test","rrtype":"MX","rdata":"10 mail.acme.test.","time_first":1600000000,"time_last":1700000000,"count":9}
{"rrname":"*.acme.test","rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2}
{"rrname":"www.other.example","rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2}
{"rrname":"x.acme.test","rrtype":"A","time_first":1,"time_last":2}
{"rrname":"y.acme.test","rrtype":"A","rdata":"192.0.2.1","time_first":5,"time_last":2}
["an","array"]
X
# expected: name live? status
cat >"$D/expect.txt" <<'X'
a.b.preview.acme.test false wildcard
feature-x.preview.acme.test false wildcard
jenkins.dev.acme.test true found
mail.acme.test true found
old.dev.acme.test false nxdomain
oldshop.acme.test false nxdomain
vpn.acme.test true found
www.acme.test true found
X

tb_run_brute "$D/p" acme.test -r "$R" --pdns "$D/pdns.cof"
tb_assert_exit "brute --pdns (no -w)" 0 "$TB_RC"
for l in 3 14 15 16; do
	grep -q "pdns.cof:$l: " "$D/p.err" || tb_fail "malformed line $l not reported: $(cat "$D/p.err")"
done
tb_assert_eq "only the malformed lines reported" 4 "$(grep -c 'pdns.cof:[0-9]*: ' "$D/p.err")"
jq -r '[.name, (.pdns.live | tostring), .status] | join(" ")' "$D/p.jsonl" | sort >"$D/got.txt"
tb_assert_sets_eq "pdns names: live vs stale" "$D/expect.txt" "$D/got.txt"
tb_assert_eq "without -w only the pdns names are candidates" 8 "$(tb_stat "$D/p.stats" candidates)"
tb_assert_eq "stats: live" 4 "$(tb_stat "$D/p.stats" pdns_live)"
tb_assert_eq "stats: stale" 4 "$(tb_stat "$D/p.stats" pdns_stale)"
tb_assert_eq "stats: wildcard-covered" 2 "$(tb_stat "$D/p.stats" pdns_wildcard)"
# a.b.preview: b.preview does not exist, *.preview covers it (the root climbed to)
tb_assert_eq "*.preview answers are marked wildcard" '"*.preview.acme.test" "*.preview.acme.test"' \
	"$(jq -c 'select(.wildcard) | .wildcard_root' "$D/p.jsonl" | sort -r | tr '\n' ' ' | sed 's/ $//')"
tb_assert_eq "passive DNS facts kept" '{"time_first":1600000000,"time_last":1710000000,"count":50,"rrtypes":["A","AAAA"],"live":true}' \
	"$(jq -c 'select(.name == "www.acme.test") | .pdns' "$D/p.jsonl")"
tb_assert_eq "a name seen as a CNAME target" '["CNAME-target"]' "$(jq -c 'select(.name == "vpn.acme.test") | .pdns.rrtypes' "$D/p.jsonl")"
tb_assert_eq "its own depth" 3 "$(jq 'select(.name == "a.b.preview.acme.test") | .depth' "$D/p.jsonl")"

# with a wordlist: the union, a name in both asked once
printf 'www\nmail\nblog\nnothere\noldshop\n' >"$D/words.txt"
tb_run_brute "$D/pw" acme.test -r "$R" -w "$D/words.txt" --pdns "$D/pdns.cof"
tb_assert_exit "brute -w --pdns" 0 "$TB_RC"
tb_assert_eq "no name twice" "" "$(jq -r .name "$D/pw.jsonl" | sort | uniq -d)"
tb_assert_eq "candidates: words + pdns names, overlap once" 10 "$(tb_stat "$D/pw.stats" candidates)"
tb_assert_eq "a wordlist name gets no pdns member" null "$(jq -c 'select(.name == "blog.acme.test") | .pdns' "$D/pw.jsonl")"
tb_assert_eq "a wordlist NXDOMAIN stays hidden" "" "$(jq -r 'select(.name == "nothere.acme.test") | .name' "$D/pw.jsonl")"
tb_assert_sets_eq "pdns names the same with -w" "$D/expect.txt" \
	<(jq -r 'select(.pdns) | [.name, (.pdns.live | tostring), .status] | join(" ")' "$D/pw.jsonl")

# shards: the union is the single run
: >"$D/shards.jsonl"
for k in 1 2 3; do
	tb_run_brute "$D/ps$k" acme.test -r "$R" -w "$D/words.txt" --pdns "$D/pdns.cof" --shard "$k/3"
	tb_assert_exit "--pdns --shard $k/3" 0 "$TB_RC"
	cat "$D/ps$k.jsonl" >>"$D/shards.jsonl"
done
cmp -s <("$DG_BIN" merge -q "$D/pw.jsonl") <("$DG_BIN" merge -q "$D/shards.jsonl") ||
	tb_fail "--pdns shards differ from the single run"
echo "ok: 3 --pdns shards merged = the single run"

# text and csv carry the verdict
"$DG_BIN" brute acme.test -r "$R" --pdns "$D/pdns.cof" -q -f text >"$D/p.txt" 2>/dev/null
grep -q '^; oldshop.acme.test. pdns stale: seen 1500000000..1550000000, 3 times (CNAME)$' "$D/p.txt" ||
	tb_fail "text: $(cat "$D/p.txt")"
"$DG_BIN" brute acme.test -r "$R" --pdns "$D/pdns.cof" -q -f csv >"$D/p.csv" 2>/dev/null
tb_assert_eq "csv header" "name,type,ttl,status,rcode,data,cname,wildcard,pdns_first,pdns_last,pdns_count,pdns" "$(head -1 "$D/p.csv")"
grep -q '^old.dev.acme.test,A,0,nxdomain,NXDOMAIN,,,false,1400000000,1450000000,1,stale$' "$D/p.csv" || tb_fail "csv: $(cat "$D/p.csv")"

# bad passive DNS input: one line, non-zero
bad() {
	local what=$1
	shift
	local rc=0
	"$DG_BIN" brute acme.test -r "$R" "$@" >/dev/null 2>"$D/b.err" || rc=$?
	((rc != 0)) || tb_fail "$what: exit 0"
	tb_assert_eq "$what: one line" 1 "$(grep -vc 'pdns.cof:\|junk:' "$D/b.err")"
	echo "ok: $what: $(tail -1 "$D/b.err")"
}
bad "missing file" --pdns "$D/nope.cof"
bad "a directory" --pdns "$D"
printf 'a\nb\n' >"$D/junk"
bad "no record at all" --pdns "$D/junk"
head -c 3000 /dev/urandom >"$D/junk"
bad "binary" --pdns "$D/junk"

# --- the picture ------------------------------------------------------------
echo 'digraph { a -> ' | dot -Tsvg >/dev/null 2>&1 && tb_fail "dot accepts broken input: no validator"
"$DG_BIN" brute acme.test -r "$R" -t A,AAAA -q -f dot -o "$D/demo.dot"
dot -Tsvg "$D/demo.dot" -o "$D/demo.svg" || tb_fail "dot rejects brute's graph"
for n in www.acme.test shop.acme.test mail.acme.test corp.acme.test; do
	grep -q ">$n<" "$D/demo.svg" || tb_fail "picture lacks $n"
done
grep -q '"n:shop.acme.test" -> "n:www.acme.test" \[label="CNAME"' "$D/demo.dot" || tb_fail "no CNAME edge shop -> www"
grep -q '"n:acme.test" -> "n:corp.acme.test"' "$D/demo.dot" || tb_fail "no domain -> subdomain edge"
grep -q '"n:corp.acme.test" -> "n:dc01.corp.acme.test"' "$D/demo.dot" && tb_fail "non-recursive run drew deeper names"
echo "ok: brute --format dot renders ($(grep -c '<g id="node' "$D/demo.svg") nodes)"
# passive DNS in the picture: stale names drawn as such
"$DG_BIN" brute acme.test -r "$R" --pdns "$D/pdns.cof" -q -f dot -o "$D/pdns.dot" 2>/dev/null
dot -Tsvg "$D/pdns.dot" >/dev/null || tb_fail "dot rejects the --pdns graph"
grep -q 'oldshop.acme.test\\n(nxdomain, stale)' "$D/pdns.dot" || tb_fail "stale name not marked: $(grep oldshop "$D/pdns.dot")"
grep -q '"n:dev.acme.test" -> "n:jenkins.dev.acme.test"' "$D/pdns.dot" || tb_fail "deep name not under its parent"
# providers and takeover candidates (as footprint/classify report them)
cat >"$D/classified.jsonl" <<'X'
{"name":"shop.acme.test","type":"CNAME","ttl":60,"data":["acme.shops.example."],"status":"NOERROR","providers":[{"name":"ShopCloud","category":"saas","evidence":"shops.example"}],"takeover":true}
{"name":"mail.acme.test","type":"MX","ttl":60,"data":["10 acme.mail.example."],"status":"NOERROR","providers":[{"name":"MailCo","category":"email","evidence":"mail.example"}],"takeover":false}
{"name":"txt.acme.test","type":"TXT","ttl":60,"data":["\"quote\\\" end\\\\\" \"\\N \\G caf\u00e9\" \"back\\\\\""],"status":"NOERROR"}
X
"$DG_BIN" merge -q -f dot "$D/classified.jsonl" -o "$D/cls.dot"
dot -Tsvg "$D/cls.dot" -o "$D/cls.svg" 2>"$D/dot.err" || tb_fail "dot rejects the classified graph: $(cat "$D/dot.err")"
tb_assert_eq "dot: no warning (quotes, backslashes, octets in data)" "" "$(cat "$D/dot.err")"
grep -qF 'caf\\233' "$D/cls.dot" || tb_fail "non-ASCII octet not written as \\DDD: $(grep caf "$D/cls.dot")"
grep -q '"n:shop.acme.test" \[.*color=red' "$D/cls.dot" || tb_fail "takeover candidate not highlighted: $(grep shop "$D/cls.dot")"
grep -q '"p:ShopCloud" \[label="ShopCloud\\n\[saas\]".*fillcolor="#b3de69"' "$D/cls.dot" || tb_fail "provider not coloured by category: $(grep ShopCloud "$D/cls.dot")"
grep -q '"p:MailCo" \[.*fillcolor="#8dd3c7"' "$D/cls.dot" || tb_fail "email provider colour"
grep -q '"n:mail.acme.test" \[.*color=red' "$D/cls.dot" && tb_fail "mail highlighted without takeover"
echo "ok: providers coloured by category, takeover candidate in red"
rc=0
"$DG_BIN" brute acme.test -r "$R" -f dot --resume "$D/none" >/dev/null 2>&1 || rc=$?
((rc == 2)) || tb_fail "--format dot --resume: exit $rc"
echo PASS
