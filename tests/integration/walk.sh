#!/bin/bash
# dnsglean walk against real Knot servers on loopback: an NSEC-signed zone
# (ldns-signzone) walked completely, NSEC3 zones (ldns-signzone with salt and
# iterations, ldns-signzone with opt-out, Knot's own signing) whose hashes are
# collected and cracked, an unsigned zone; and hostile UDP servers (an NSEC
# chain loop, "black lies").
source "$(dirname "$0")/../lib/testbed.sh"
tb_need_tools jq ldns-nsec3-hash

D=$TB_TMP

# One zone body for every variant: delegations (signed and not), glue, an
# empty non-terminal, a wildcard, deep names, a name with an escaped dot.
body() { # ZONE
	cat <<EOF
\$ORIGIN $1.
\$TTL 300
@ SOA ns1 hostmaster 2024010101 3600 600 86400 300
@ NS ns1
@ MX 10 mail
ns1 A 127.0.0.2
www A 192.0.2.2
www AAAA 2001:db8::2
mail A 192.0.2.3
ftp CNAME www
vpn A 192.0.2.4
_dmarc TXT "v=DMARC1; p=none"
_amazonses TXT "pmBGN/7MjnfhTKUZ06Enqq1PeGUaOkw8lGhcfwefcHU="
_sip._tcp SRV 10 60 5060 www
*.wild A 192.0.2.5
deep.er.est A 192.0.2.6
ci.dev A 192.0.2.7
git.dev A 192.0.2.8
sub NS ns.sub
ns.sub A 192.0.2.53
secure NS ns.secure
secure DS 12345 13 2 8f6e6b8f1c2a3e4d5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c
ns.secure A 192.0.2.54
staging A 192.0.2.9
backup-01 A 192.0.2.10
esc\.aped A 192.0.2.11
EOF
}

for z in nsec.test nsec3.test optout.test auto3.test plain.test; do
	body $z >"$D/$z.zone"
done
# pre-signed: NSEC, NSEC3 (salt, 5 iterations), NSEC3 opt-out (no salt, 0)
tb_sign_zone "$D/nsec.test.zone" nsec.test nsec "$D/nsec.test.signed"
signzone3() { # ZONE OUT ldns-signzone-NSEC3-options...
	local zone=$1 out=$2 kd
	shift 2
	kd=$(mktemp -d "$D/keys.XXXXXX")
	local ksk zsk
	ksk=$(cd "$kd" && ldns-keygen -a ECDSAP256SHA256 -k "$zone")
	zsk=$(cd "$kd" && ldns-keygen -a ECDSAP256SHA256 "$zone")
	(cd "$kd" && ldns-signzone -o "$zone" -f "$out" -n "$@" "$D/$zone.zone" "$ksk" "$zsk")
}
signzone3 nsec3.test "$D/nsec3.test.signed" -t 5 -s c0ffee42
signzone3 optout.test "$D/optout.test.signed" -p -t 0

tb_server_start signed nsec.test="$D/nsec.test.signed" nsec3.test="$D/nsec3.test.signed" \
	optout.test="$D/optout.test.signed" plain.test="$D/plain.test.zone"
tb_server_start knot3 --sign nsec3 --axfr allow auto3.test="$D/auto3.test.zone"
S=$(tb_resolver signed)
K=$(tb_resolver knot3)

# --- 1. NSEC: the whole chain ---------------------------------------------------
rc=0
timeout 60 "$DG_BIN" walk nsec.test -s "$S" -o "$D/nsec.txt" 2>"$D/nsec.err" || rc=$?
tb_assert_exit "walk nsec.test" 0 "$rc"
# expected: every NSEC record of the signed zone, read by ldns (not our code)
ldns-read-zone -E NSEC "$D/nsec.test.signed" 2>/dev/null |
	awk '{ o = tolower($1); n = tolower($5); t = ""; for (i = 6; i <= NF; i++) t = t " " $i; print o, n t }' \
	>"$D/nsec.want"
grep -v '^;' "$D/nsec.txt" | awk -F'\t' '{ split($3, f, " "); t = ""; for (i = 2; i in f; i++) t = t " " f[i]; print $1, f[1] t }' \
	>"$D/nsec.got"
tb_assert_sets_eq "NSEC walk: owner, next and type bitmap of every NSEC" "$D/nsec.want" "$D/nsec.got"
grep -q 'nsec, complete' "$D/nsec.err" || tb_fail "no completion report: $(cat "$D/nsec.err")"
grep -q 'sub.nsec.test.' "$D/nsec.got" || tb_fail "the unsigned delegation is missing"
echo "ok: $(cat "$D/nsec.err")"
"$DG_BIN" walk nsec.test -s "$S" -f jsonl >"$D/nsec.jsonl" 2>/dev/null
tb_assert_eq "jsonl names" "$(wc -l <"$D/nsec.want")" "$(jq -r 'select(.name) | .name' "$D/nsec.jsonl" | wc -l)"
tb_assert_eq "jsonl www types" '["A","AAAA","RRSIG","NSEC"]' \
	"$(jq -c 'select(.name == "www.nsec.test") | .types' "$D/nsec.jsonl")"
tb_assert_eq "walked names are classified by their owner name" "Amazon SES" \
	"$(jq -r 'select(.name == "_amazonses.nsec.test") | .providers[].name' "$D/nsec.jsonl")"
tb_assert_eq "jsonl summary" "nsec complete" \
	"$(jq -r 'select(.summary) | .summary | "\(.kind) \(.status)"' "$D/nsec.jsonl")"

# the server found through a resolver (-r): ns1.nsec.test is 127.0.0.2, the
# first server of the private namespace (port 53)
if [[ $(tb_addr signed) == 127.0.0.2 && $(tb_port signed) == 53 ]]; then
	rc=0
	timeout 60 "$DG_BIN" walk nsec.test -r "$S" -f jsonl >"$D/nsec-r.jsonl" 2>/dev/null || rc=$?
	tb_assert_exit "walk with NS discovery" 0 "$rc"
	tb_assert_eq "walk with NS discovery: server and names" "127.0.0.2:53 $(wc -l <"$D/nsec.want")" \
		"$(jq -r 'select(.summary) | .summary.server' "$D/nsec-r.jsonl") $(jq -r 'select(.name) | .name' "$D/nsec-r.jsonl" | wc -l)"
else
	tb_skip --part "NS discovery" "needs the private namespace (servers on port 53)" || true
fi

# truncated UDP answers (a double that sets TC and relays TCP to Knot): the
# same walk over TCP
tb_double trunc 127.0.0.1 "" truncate "$S"
rc=0
timeout 60 "$DG_BIN" walk nsec.test -s "$(tb_resolver trunc)" -f jsonl >"$D/trunc.jsonl" 2>/dev/null || rc=$?
tb_assert_exit "walk through truncating UDP" 0 "$rc"
tb_assert_eq "names over TCP" "$(wc -l <"$D/nsec.want")" "$(jq -r 'select(.name) | .name' "$D/trunc.jsonl" | wc -l)"
tb_server_stop trunc

# --- 2. NSEC3 (salt c0ffee42, 5 iterations): hashes collected and cracked --------
# the wordlist: some labels of the zone, the rest made up
printf '%s\n' www mail vpn staging nothere admin backup-01 dev er '*' intranet \
	test123 ns1 sub "with space" >"$D/words.txt"
crack_check() { # ZONE SIGNED-FILE SERVER ITER SALT
	local zone=$1 signed=$2 srv=$3 iter=$4 salt=$5 rc=0
	timeout 120 "$DG_BIN" walk "$zone" -s "$srv" --crack "$D/words.txt" -f jsonl \
		>"$D/$zone.jsonl" 2>"$D/$zone.err" || rc=$?
	tb_assert_exit "walk $zone" 0 "$rc"
	# expected hashes: the NSEC3 owners the server holds (from the zone file, or
	# for Knot's own signing from an AXFR done with kdig)
	if [[ -n $signed ]]; then
		ldns-read-zone -E NSEC3 "$signed" 2>/dev/null | awk '{ split(tolower($1), l, "."); print l[1] }' >"$D/$zone.want"
	else
		kdig @"${srv%:*}" -p "${srv##*:}" +time=2 AXFR "$zone" | awk '$4 == "NSEC3" { split(tolower($1), l, "."); print l[1] }' >"$D/$zone.want"
	fi
	[[ -s $D/$zone.want ]] || tb_fail "$zone: no NSEC3 records to compare with"
	jq -r 'select(.hash) | .hash' "$D/$zone.jsonl" >"$D/$zone.got"
	tb_assert_sets_eq "$zone: every NSEC3 hash collected" "$D/$zone.want" "$D/$zone.got"
	tb_assert_eq "$zone: status" "nsec3 complete 1" \
		"$(jq -r 'select(.summary) | .summary | "\(.kind) \(.status) \(.coverage)"' "$D/$zone.jsonl")"
	# expected cracks: the words whose hash (ldns-nsec3-hash) is one of the zone's
	: >"$D/$zone.crack.want"
	local w h
	while IFS= read -r w; do
		h=$(ldns-nsec3-hash -t "$iter" -s "$salt" "$w.$zone." 2>/dev/null | awk '{ split(tolower($1), l, "."); print l[1] }') || continue
		grep -qx "$h" "$D/$zone.want" && echo "$w.$zone"
	done <"$D/words.txt" >"$D/$zone.crack.want"
	[[ $(wc -l <"$D/$zone.crack.want") -ge 5 ]] || tb_fail "$zone: test wordlist should crack names"
	jq -r 'select(.hash and .name) | .name' "$D/$zone.jsonl" >"$D/$zone.crack.got"
	tb_assert_sets_eq "$zone: cracked names" "$D/$zone.crack.want" "$D/$zone.crack.got"
	grep -q 'hashes/s' "$D/$zone.err" || tb_fail "no hashes/s figure: $(cat "$D/$zone.err")"
	echo "ok: $(cat "$D/$zone.err")"
}
crack_check nsec3.test "$D/nsec3.test.signed" "$S" 5 c0ffee42
tb_assert_eq "nsec3.test parameters" "5 c0ffee42 false" \
	"$(jq -r 'select(.summary) | .summary.nsec3 | "\(.iterations) \(.salt) \(.optout)"' "$D/nsec3.test.jsonl")"
# Knot picks its own salt: ask it with kdig (not our code)
AUTO_SALT=$(tb_dig knot3 +short auto3.test NSEC3PARAM | awk '{ print tolower($4) }')
[[ -n $AUTO_SALT ]] || tb_fail "auto3.test has no NSEC3PARAM"
[[ $AUTO_SALT == - ]] && AUTO_SALT=""
crack_check auto3.test "" "$K" 0 "$AUTO_SALT"
# opt-out is reported
"$DG_BIN" walk optout.test -s "$S" -f jsonl >"$D/optout.jsonl" 2>/dev/null
tb_assert_eq "optout.test: opt-out detected" "true 0 -" \
	"$(jq -r 'select(.summary) | .summary.nsec3 | "\(.optout) \(.iterations) \(.salt)"' "$D/optout.jsonl")"
# the text format lists the cracked name next to its hash
"$DG_BIN" walk nsec3.test -s "$S" --crack "$D/words.txt" >"$D/nsec3.txt" 2>/dev/null
grep -P '\tNSEC3\t1 0 5 c0ffee42 .*\t; www\.nsec3\.test\.$' "$D/nsec3.txt" >/dev/null ||
	tb_fail "text output lacks the cracked www: $(head -5 "$D/nsec3.txt")"
echo "ok: text output"

# a larger NSEC3 zone (test bed generator, ~1000 names at depth 1): the ring is
# closed and the generator's wordlist recovers every depth-1 name
"$TB_PY" "$TB_ROOT/tests/zones/gen-zone.py" zone --zone big3.test --names 1000 --filler 3000 \
	--out "$D/big3" >/dev/null
signzone3b() {
	local kd ksk zsk
	kd=$(mktemp -d "$D/keys.XXXXXX")
	ksk=$(cd "$kd" && ldns-keygen -a ECDSAP256SHA256 -k big3.test)
	zsk=$(cd "$kd" && ldns-keygen -a ECDSAP256SHA256 big3.test)
	(cd "$kd" && ldns-signzone -o big3.test -f "$D/big3.test.signed" -n -t 1 -s 0badcafe \
		"$D/big3/big3.test.zone" "$ksk" "$zsk")
}
signzone3b
tb_server_start big3 big3.test="$D/big3.test.signed"
rc=0
timeout 120 "$DG_BIN" walk big3.test -s "$(tb_resolver big3)" --crack "$D/big3/labels.txt" -f jsonl \
	>"$D/big3.jsonl" 2>"$D/big3.err" || rc=$?
tb_assert_exit "walk big3.test" 0 "$rc"
ldns-read-zone -E NSEC3 "$D/big3.test.signed" 2>/dev/null | awk '{ split(tolower($1), l, "."); print l[1] }' >"$D/big3.want"
jq -r 'select(.hash) | .hash' "$D/big3.jsonl" >"$D/big3.got"
tb_assert_sets_eq "big3.test: every NSEC3 hash collected" "$D/big3.want" "$D/big3.got"
jq -r 'select(.hash and .name) | .name' "$D/big3.jsonl" >"$D/big3.cracked"
tb_assert_sets_eq "big3.test: every depth-1 name cracked" "$D/big3/names.txt" "$D/big3.cracked"
echo "ok: $(cat "$D/big3.err")"
# deeper names: words below the cracked names (--crack-depth 3); expected: the
# generator's answer for a brute with this wordlist and two levels of recursion
cat "$D/big3/labels.txt" "$D/big3/labels-small.txt" >"$D/big3.words"
"$DG_BIN" walk big3.test -s "$(tb_resolver big3)" --crack "$D/big3.words" --crack-depth 3 -f jsonl \
	>"$D/big3d.jsonl" 2>"$D/big3d.err"
jq -r 'select(.hash and .name) | .name' "$D/big3d.jsonl" >"$D/big3d.cracked"
"$TB_PY" "$TB_ROOT/tests/zones/gen-zone.py" expect --all "$D/big3/all-names.txt" --zone big3.test \
	--wordlist "$D/big3.words" --depth 2 >"$D/big3d.want"
tb_assert_sets_eq "big3.test: names cracked three levels deep" "$D/big3d.want" "$D/big3d.cracked"
echo "ok: $(cat "$D/big3d.err")"
tb_server_stop big3

# --- 3. not signed ------------------------------------------------------------------
rc=0
"$DG_BIN" walk plain.test -s "$S" >"$D/plain.out" 2>"$D/plain.err" || rc=$?
tb_assert_exit "walk of an unsigned zone" 1 "$rc"
grep -q 'is not signed' "$D/plain.err" || tb_fail "$(cat "$D/plain.err")"
echo "ok: unsigned zone reported"

# --- 4. hostile servers: a chain loop, black lies, silence ---------------------------
walk_fail() { # ZONE MODE "message" [options]
	local zone=$1 mode=$2 want=$3 rc=0
	shift 3
	tb_hostile "h-$mode" "$mode"
	timeout 30 "$DG_BIN" walk "$zone" -s "127.0.0.1:$HP" "$@" >"$D/$mode.out" 2>"$D/$mode.err" || rc=$?
	[[ $rc != 124 ]] || tb_fail "$mode: dnsglean hung"
	tb_assert_exit "walk against $mode" 1 "$rc"
	grep -qF "$want" "$D/$mode.err" || tb_fail "$mode: expected '$want' in: $(cat "$D/$mode.err")"
	echo "ok: $mode -> $(tail -1 "$D/$mode.err")"
	tb_server_stop "h-$mode"
}
walk_fail loop.test nsec-loop "NSEC chain loops: b.loop.test. -> a.loop.test., visited before"
walk_fail lies.test blacklies "black lies"
# nobody answers: retries, then a clear failure
NOPORT=$(tb_free_port 127.0.0.1)
rc=0
timeout 30 "$DG_BIN" walk nsec.test -s "127.0.0.1:$NOPORT" -t 300 --retries 1 2>"$D/silent.err" || rc=$?
tb_assert_exit "walk against nobody" 1 "$rc"
grep -q 'no answer to nsec.test. NSEC3PARAM after 2 tries' "$D/silent.err" || tb_fail "$(cat "$D/silent.err")"
echo "ok: silent server reported"
# a query budget ends the walk early, with what was found
"$DG_BIN" walk nsec.test -s "$S" -m 4 -f jsonl >"$D/budget.jsonl" 2>/dev/null
tb_assert_eq "budget status" budget "$(jq -r 'select(.summary) | .summary.status' "$D/budget.jsonl")"
echo "PASS: walk"
