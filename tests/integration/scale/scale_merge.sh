#!/usr/bin/env bash
# dnsglean merge: deduplicates and reconciles outputs of real brute runs
# (against Knot on loopback) and hand-written conflicting results; reports
# malformed lines as FILE:LINE; every format; clear errors.
source "$(dirname "$0")/../../lib/testbed.sh"
tb_need_brute
D=$TB_TMP

tb_server_start demo "$TB_ROOT/scripts/demo/acme.test.zone"
R=$(tb_resolver demo)
tb_run_brute "$D/all" acme.test -r "$R" -t A,AAAA
tb_assert_exit "brute" 0 "$TB_RC"
tb_run_brute "$D/s1" acme.test -r "$R" -t A,AAAA --shard 1/2
tb_run_brute "$D/s2" acme.test -r "$R" -t A,AAAA --shard 2/2
"$DG_BIN" brute acme.test -r "$R" -t A,AAAA -q -f json -o "$D/all.json"

"$DG_BIN" merge "$D/all.jsonl" -o "$D/ref.jsonl" 2>"$D/ref.err"
n=$(wc -l <"$D/all.jsonl")
tb_assert_eq "merge of one run keeps every result" "$n" "$(wc -l <"$D/ref.jsonl")"
tb_assert_sets_eq "merge of one run: same objects" <(jq -cS '.data |= sort' "$D/all.jsonl") <(jq -cS . "$D/ref.jsonl")
# duplicates: shards + the whole run + a shard again = the whole run, once
"$DG_BIN" merge "$D/s1.jsonl" "$D/all.jsonl" "$D/s2.jsonl" "$D/s1.jsonl" -o "$D/dup.jsonl" 2>"$D/dup.err"
cmp -s "$D/ref.jsonl" "$D/dup.jsonl" || tb_fail "duplicates not joined: $(diff "$D/ref.jsonl" "$D/dup.jsonl" | head)"
grep -q "duplicates joined" "$D/dup.err" || tb_fail "no summary: $(cat "$D/dup.err")"
echo "ok: duplicates joined ($(grep -o '[0-9]* duplicates' "$D/dup.err"))"
# --format json output (one array) reads like JSON Lines
"$DG_BIN" merge -q "$D/all.json" >"$D/fromjson.jsonl"
cmp -s "$D/ref.jsonl" "$D/fromjson.jsonl" || tb_fail "a JSON array input merges differently"
echo "ok: a --format json file merges like JSON Lines"

# reconciliation of conflicting answers
cat >"$D/a.jsonl" <<'X'
{"name":"www.acme.test","type":"A","ttl":300,"data":["192.0.2.10"],"status":"NOERROR","depth":1}
{"name":"gone.acme.test","type":"A","ttl":0,"data":[],"status":"NXDOMAIN","depth":1}
{"name":"flaky.acme.test","type":"A","ttl":0,"data":[],"status":"FAILED","depth":1,"reason":"timeout","tries":5}
{"name":"app.acme.test","type":"CNAME","ttl":60,"data":["x.cloud.example."],"status":"NOERROR","depth":1,"providers":[{"name":"CloudX","category":"cloud","evidence":"x.cloud.example"}],"takeover":false}
this line is not JSON
{"name":"w.acme.test","type":"A","ttl":60,"data":["192.0.2.99"],"status":"NOERROR","depth":1,"wildcard":true,"wildcard_root":"*.acme.test"}
X
cat >"$D/b.jsonl" <<'X'
{"name":"WWW.ACME.TEST","type":"A","ttl":120,"data":["192.0.2.11","192.0.2.10"],"status":"NOERROR","depth":1}
{"name":"gone.acme.test","type":"A","ttl":30,"data":["192.0.2.7"],"status":"NOERROR","depth":1}
{"name":"flaky.acme.test","type":"A","ttl":0,"data":[],"status":"NXDOMAIN","depth":1}
{"name":"app.acme.test","type":"CNAME","ttl":60,"data":["x.cloud.example."],"status":"NOERROR","depth":1,"providers":[{"name":"CloudX","category":"cloud","evidence":"x.cloud.example"},{"name":"MailY","category":"email","evidence":"y"}],"takeover":true}
{"name":"w.acme.test","type":"A","ttl":60,"data":["192.0.2.5"],"status":"NOERROR","depth":1}
{"type":"A","status":"NOERROR"}
{"name":"z.acme.test","type":"A","data":"192.0.2.1","status":"NOERROR"}
X
rc=0
"$DG_BIN" merge "$D/a.jsonl" "$D/b.jsonl" -o "$D/rec.jsonl" 2>"$D/rec.err" || rc=$?
tb_assert_exit "merge with malformed lines" 0 "$rc"
grep -q "a.jsonl:5: invalid JSON" "$D/rec.err" || tb_fail "a.jsonl:5 not reported: $(cat "$D/rec.err")"
grep -q "b.jsonl:6: .*name" "$D/rec.err" || tb_fail "b.jsonl:6 not reported: $(cat "$D/rec.err")"
grep -q "b.jsonl:7: .*data" "$D/rec.err" || tb_fail "b.jsonl:7 not reported: $(cat "$D/rec.err")"
echo "ok: malformed lines reported as FILE:LINE and skipped"
q() { jq -c --arg n "$1" "select(.name | ascii_downcase == \$n) | $2" "$D/rec.jsonl"; }
tb_assert_eq "one www after case-folding" 1 "$(q www.acme.test . | wc -l)"
tb_assert_eq "data united, sorted" '["192.0.2.10","192.0.2.11"]' "$(q www.acme.test .data)"
tb_assert_eq "smallest TTL" 120 "$(q www.acme.test .ttl)"
tb_assert_eq "NOERROR with data beats NXDOMAIN (old spelling read, new written)" '"found" "NOERROR"' "$(q gone.acme.test '.status, .rcode' | tr '\n' ' ' | sed 's/ $//')"
tb_assert_eq "NXDOMAIN beats FAILED" '"nxdomain"' "$(q flaky.acme.test .status)"
tb_assert_eq "a failure's reason does not stick" null "$(q flaky.acme.test .reason)"
tb_assert_eq "providers united" '["CloudX","MailY"]' "$(q app.acme.test '[.providers[].name]')"
tb_assert_eq "takeover if any says so" true "$(q app.acme.test .takeover)"
tb_assert_eq "a real answer beats a wildcard's" '["192.0.2.5"]' "$(q w.acme.test .data)"
tb_assert_eq "  ... and is not marked wildcard" null "$(q w.acme.test .wildcard)"

# the other formats
"$DG_BIN" merge -q -f json "$D/a.jsonl" "$D/b.jsonl" 2>/dev/null | jq -e 'length == 5' >/dev/null ||
	tb_fail "--format json is not one array of 5"
"$DG_BIN" merge -q -f csv "$D/a.jsonl" "$D/b.jsonl" 2>/dev/null >"$D/rec.csv"
tb_assert_eq "csv header" "name,type,ttl,status,rcode,data,cname,wildcard" "$(head -1 "$D/rec.csv")"
tb_assert_eq "csv: one row per data item" 2 "$(grep -c '^www.acme.test,A,120,found,NOERROR,' "$D/rec.csv")"
"$DG_BIN" merge -q -f text "$D/a.jsonl" "$D/b.jsonl" 2>/dev/null >"$D/rec.txt"
grep -q $'^www.acme.test.\t120\tIN\tA\t192.0.2.11$' "$D/rec.txt" || tb_fail "text: $(cat "$D/rec.txt")"
"$DG_BIN" merge -q -f dot "$D/ref.jsonl" >"$D/ref.dot"
dot -Tsvg "$D/ref.dot" >"$D/ref.svg" || tb_fail "dot rejects merge's graph"
grep -q 'acme.test' "$D/ref.svg" || tb_fail "picture lacks the domain"
echo "ok: json, csv, text, dot"

# errors: one line, non-zero
err() {
	local what=$1 want=$2
	shift 2
	local rc=0
	"$DG_BIN" merge "$@" >"$D/e.out" 2>"$D/e.err" || rc=$?
	((rc == want)) || tb_fail "$what: exit $rc, wanted $want: $(cat "$D/e.err")"
	tb_assert_eq "$what: one line on stderr" 1 "$(wc -l <"$D/e.err")"
	echo "ok: $what: $(cat "$D/e.err")"
}
err "no file" 2
err "missing file" 1 "$D/nope.jsonl"
err "directory" 1 "$D"
head -c 2000 /dev/urandom >"$D/bin"
printf '\0' >>"$D/bin"
err "binary file" 1 "$D/bin"
printf 'x\ny\n' >"$D/junk"
rc=0
"$DG_BIN" merge "$D/junk" >/dev/null 2>"$D/e.err" || rc=$?
((rc == 1)) || tb_fail "only malformed lines: exit $rc"
grep -q "no valid result" "$D/e.err" || tb_fail "only malformed lines: $(cat "$D/e.err")"
err "bad format" 2 -f xml "$D/a.jsonl"
err "unwritable output" 1 -q -o /nonexistent/dir/x "$D/ref.jsonl"
echo PASS
