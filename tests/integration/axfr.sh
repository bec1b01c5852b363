#!/bin/bash
# dnsglean axfr against real Knot servers on loopback (one allows AXFR, one
# refuses) and against hostile TCP servers (tests/integration/xfr_hostile.py).
source "$(dirname "$0")/../lib/testbed.sh"

D=$TB_TMP

# --- the zones -----------------------------------------------------------
"$TB_PY" "$TB_ROOT/tests/zones/gen-zone.py" zone --zone open.test --names 2000 \
	--filler 0 --out "$D/gen" >/dev/null
cp "$D/gen/open.test.zone" "$D/open.test.zone"
# records whose presentation is easy to get wrong
cat >>"$D/open.test.zone" <<'EOF'
txt1 TXT "v=spf1 include:_spf.example.invalid ~all" "second; string" "quote\"d"
txt2 TXT "MS=ms12345678"
_sip._tcp SRV 10 60 5060 sip.open.test.
sip A 192.0.2.77
@ CAA 0 issue "letsencrypt.org"
sub NS ns.sub
ns.sub A 192.0.2.53
esc\.aped A 192.0.2.9
blob TYPE65534 \# 4 0a0b0c0d
longtxt TXT "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
EOF
cat >"$D/closed.test.zone" <<'EOF'
$ORIGIN closed.test.
$TTL 300
@ SOA ns1 hostmaster 7 3600 600 86400 300
@ NS ns1
ns1 A 192.0.2.1
secret A 192.0.2.2
EOF

# multi.test: served by both servers, its NS found through a resolver. In the
# private namespace the servers get 127.0.0.2 and 127.0.0.3, port 53.
cat >"$D/multi.test.zone" <<'EOF'
$ORIGIN multi.test.
$TTL 300
@ SOA ns1 hostmaster 99 3600 600 86400 300
@ NS ns1
@ NS ns2
ns1 A 127.0.0.2
ns2 A 127.0.0.3
ns2 AAAA ::1
www A 192.0.2.80
EOF
# acme.test: records the classifier knows (documentation-style names)
cat >"$D/acme.test.zone" <<'EOF'
$ORIGIN acme.test.
$TTL 300
@ SOA ns1 hostmaster 1 3600 600 86400 300
@ NS ns1
ns1 A 192.0.2.1
@ MX 0 acme-test.mail.protection.outlook.com.
@ TXT "MS=ms12345678"
@ TXT "v=spf1 include:_spf.google.com ~all"
shop CNAME acme.myshopify.com.
old CNAME acme-old.azurewebsites.net.
EOF
tb_server_start open --axfr allow open.test="$D/open.test.zone" multi.test="$D/multi.test.zone" \
	acme.test="$D/acme.test.zone"
tb_server_start closed --axfr deny closed.test="$D/closed.test.zone" multi.test="$D/multi.test.zone"
OPEN=$(tb_resolver open)
CLOSED=$(tb_resolver closed)

# ldns-read-zone -z: canonical, sorted presentation of a zone file (an
# implementation that is not ours), without comments.
canon() { ldns-read-zone -z "$1" 2>/dev/null | grep -v '^;' | LC_ALL=C sort; }

# --- 1. a transfer: every record of the zone file comes back -------------
rc=0
timeout 60 "$DG_BIN" axfr open.test -s "$OPEN" -o "$D/got.zone" 2>"$D/err1" || rc=$?
tb_assert_exit "axfr open.test" 0 "$rc"
canon "$D/open.test.zone" >"$D/want.canon"
canon "$D/got.zone" >"$D/got.canon"
tb_assert_sets_eq "transferred records = zone file (ldns-read-zone -z)" "$D/want.canon" "$D/got.canon"
tb_assert_eq "record count (incl. SOA) equals the zone's" "$(wc -l <"$D/want.canon")" \
	"$(grep -vc '^;' "$D/got.zone")"
grep -q "$OPEN: transferred, $(wc -l <"$D/want.canon") records, serial 2024010101" "$D/err1" ||
	tb_fail "per-server report missing: $(cat "$D/err1")"
echo "ok: report line: $(grep transferred "$D/err1")"

# JSON Lines: one server object, then one object per record
"$DG_BIN" axfr open.test -s "$OPEN" -f jsonl >"$D/got.jsonl"
tb_assert_eq "jsonl server status" transferred \
	"$(jq -r 'select(.server and .status) | .status' "$D/got.jsonl")"
tb_assert_eq "jsonl serial" 2024010101 "$(jq -r 'select(.status) | .serial' "$D/got.jsonl")"
tb_assert_eq "jsonl records" "$(wc -l <"$D/want.canon")" \
	"$(jq -c 'select(.data)' "$D/got.jsonl" | wc -l)"
tb_assert_eq "jsonl SRV record" '["10 60 5060 sip.open.test."]' \
	"$(jq -c 'select(.name == "_sip._tcp.open.test" and .type == "SRV") | .data' "$D/got.jsonl")"
# one JSON document
"$DG_BIN" axfr open.test -s "$OPEN" -f json | jq -e '.records | length > 2000' >/dev/null ||
	tb_fail "json document lacks the records"
echo "ok: json document"

# --- 2. refused, and several servers in one run -----------------------------
rc=0
"$DG_BIN" axfr closed.test -s "$CLOSED" -f jsonl >"$D/closed.jsonl" 2>"$D/err2" || rc=$?
tb_assert_exit "axfr refused" 1 "$rc"
tb_assert_eq "refused status" refused "$(jq -r .status "$D/closed.jsonl")"
grep -Eq 'server answered (REFUSED|NOTAUTH)' "$D/closed.jsonl" || tb_fail "refusal reason missing: $(cat "$D/closed.jsonl")"
# open.test on both: one transfers, the other (not authoritative) does not
rc=0
"$DG_BIN" axfr open.test -s "$OPEN,$CLOSED" -f jsonl >"$D/both.jsonl" 2>"$D/err3" || rc=$?
tb_assert_exit "axfr on two servers" 0 "$rc"
tb_assert_eq "two server reports" "transferred refused" \
	"$(jq -r 'select(.server and .status) | .status' "$D/both.jsonl" | xargs)"
# nobody listening: connection refused, a clear failure
NOPORT=$(tb_free_port 127.0.0.1)
rc=0
"$DG_BIN" axfr open.test -s "127.0.0.1:$NOPORT" 2>"$D/err4" || rc=$?
tb_assert_exit "axfr to a closed port" 1 "$rc"
grep -q "failed (cannot connect: Connection refused)" "$D/err4" || tb_fail "$(cat "$D/err4")"
echo "ok: closed port reported"

# IPv6: a server on ::1
tb_server_start v6 -a ::1 --axfr allow closed.test="$D/closed.test.zone"
rc=0
"$DG_BIN" axfr closed.test -s "$(tb_resolver v6)" -f jsonl >"$D/v6.jsonl" 2>/dev/null || rc=$?
tb_assert_exit "axfr over IPv6" 0 "$rc"
tb_assert_eq "IPv6 transfer" "$(tb_resolver v6) transferred 4" \
	"$(jq -r 'select(.status) | "\(.server) \(.status) \(.records)"' "$D/v6.jsonl")"
tb_server_stop v6

# --- 2b. the name servers found through a resolver (-r) ----------------------------
if [[ $(tb_addr open) == 127.0.0.2 && $(tb_addr closed) == 127.0.0.3 && $(tb_port open) == 53 ]]; then
	rc=0
	timeout 60 "$DG_BIN" axfr multi.test -r "$OPEN" -f jsonl >"$D/multi.jsonl" 2>"$D/multi.err" || rc=$?
	tb_assert_exit "axfr with NS discovery" 0 "$rc"
	jq -r 'select(.status) | "\(.ns) \(.server) \(.status)"' "$D/multi.jsonl" | LC_ALL=C sort >"$D/multi.got"
	printf '%s\n' "ns1.multi.test 127.0.0.2:53 transferred" "ns2.multi.test 127.0.0.3:53 refused" \
		"ns2.multi.test [::1]:53 failed" | LC_ALL=C sort >"$D/multi.want"
	tb_assert_sets_eq "every NS address tried" "$D/multi.want" "$D/multi.got"
	tb_assert_eq "records of multi.test" 7 "$(jq -c 'select(.data)' "$D/multi.jsonl" | wc -l)"
	# a resolver that knows no such zone: a clear error
	rc=0
	"$DG_BIN" axfr nosuch.test -r "$OPEN" 2>"$D/nosuch.err" || rc=$?
	tb_assert_exit "NS discovery of an unknown zone" 1 "$rc"
	# the engine's validation or our NS step says why, naming the domain
	tail -1 "$D/nosuch.err" | grep -Eq '(no NS records for|passed validation for|refuse queries for) nosuch.test' ||
		tb_fail "$(cat "$D/nosuch.err")"
	echo "ok: $(tail -1 "$D/nosuch.err")"
else
	tb_skip --part "NS discovery" "needs the private namespace (servers on port 53)" || true
fi

# --- 3. bad input: hostile servers --------------------------------------------
expect_fail() { # MODE "expected message" [extra options]
	local mode=$1 want=$2
	shift 2
	tb_hostile "h-$mode" "$mode"
	local rc=0 t0 t1
	t0=$(date +%s)
	timeout 30 "$DG_BIN" axfr bad.test -s "127.0.0.1:$HP" "$@" >"$D/$mode.out" 2>"$D/$mode.err" || rc=$?
	t1=$(date +%s)
	[[ $rc != 124 ]] || tb_fail "$mode: dnsglean hung"
	tb_assert_exit "hostile $mode" 1 "$rc"
	grep -qF "$want" "$D/$mode.err" || tb_fail "$mode: expected '$want' in: $(cat "$D/$mode.err")"
	grep -q "records" "$D/$mode.out" && grep -v '^;' "$D/$mode.out" | grep -q . &&
		tb_fail "$mode: records printed for a failed transfer"
	echo "ok: $mode -> '$want' in $((t1 - t0)) s"
	tb_server_stop "h-$mode"
}
expect_fail close-mid "connection closed in the middle of message 2"
expect_fail bad-first "bad SOA sequence: the transfer starts with h0.bad.test. A"
expect_fail serial-change "bad SOA sequence: SOA serial 2 after serial 1"
expect_fail endless "more than 5000 records" --max-records 5000
expect_fail stall "transfer not finished after 1500 ms" --timeout 1500
expect_fail garbage "TCP frame of 5 octets, shorter than a header"
expect_fail wrong-id "has ID"
expect_fail trailing "after the closing SOA"

# --- 3b. classification: as `dnsglean classify` sees the same records ------------------
"$DG_BIN" axfr acme.test -s "$OPEN" -f jsonl 2>/dev/null |
	jq -c 'select(.data) | [.name, .type, ([.providers[].name] | join("+")), .takeover]' |
	LC_ALL=C sort >"$D/acme.got"
# the same records through `dnsglean classify` (zone-file lines in)
"$DG_BIN" axfr acme.test -s "$OPEN" 2>/dev/null | grep -v '^;' | sed 's/\t; .*//' |
	"$DG_BIN" classify -f jsonl |
	jq -c '[(.owner | rtrimstr(".")), .type, ([.providers[].name] | join("+")), .takeover]' |
	LC_ALL=C sort >"$D/acme.want"
tb_assert_sets_eq "axfr records classified as by 'dnsglean classify'" "$D/acme.want" "$D/acme.got"
n=$(jq -c 'select(.[2] != "")' "$D/acme.got" | wc -l)
((n >= 3)) || tb_fail "expected at least 3 classified records, got $n"
echo "ok: $n records reveal providers"

# --- 4. usage errors -------------------------------------------------------------
rc=0
"$DG_BIN" axfr 'bad..name' -s "$OPEN" 2>"$D/u1" || rc=$?
tb_assert_exit "bad domain" 2 "$rc"
rc=0
"$DG_BIN" axfr open.test -s "not-an-address" 2>"$D/u2" || rc=$?
tb_assert_exit "bad server" 2 "$rc"
rc=0
"$DG_BIN" axfr open.test 2>"$D/u3" || rc=$?
tb_assert_exit "no server, no resolver" 2 "$rc"
for f in u1 u2 u3; do
	[[ $(wc -l <"$D/$f") == 1 ]] || tb_fail "usage error is not one line: $(cat "$D/$f")"
done
echo "ok: usage errors are one line"
echo "PASS: axfr"
