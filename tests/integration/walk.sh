#!/bin/bash
# dnsglean walk against real Knot servers on loopback: an NSEC-signed zone
# (ldns-signzone) walked completely, NSEC3 zones (ldns-signzone with salt and
# iterations, ldns-signzone with opt-out, Knot's own signing) whose hashes are
# collected and cracked (wordlists, names from a sibling zone's AXFR, one and
# two threads), exported for hashcat and John the Ripper, collected with a
# size estimate, interrupted (SIGINT) and resumed; an unsigned zone; and
# hostile UDP servers (an NSEC chain loop, "black lies").
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
# --hash-tries: a bound the user sets is kept (the default grows with the
# smallness of the gaps left); the walk stops on a gap it could not hit, with
# status budget, exit 0 and what it collected
rc=0
"$DG_BIN" walk big3.test -s "$(tb_resolver big3)" --hash-tries 100 -f jsonl \
	>"$D/ht.jsonl" 2>"$D/ht.err" || rc=$?
tb_assert_exit "walk --hash-tries 100" 0 "$rc"
read -r hst hsn < <(jq -r 'select(.summary) | .summary | "\(.status) \(.hashes)"' "$D/ht.jsonl")
[[ $hst == budget ]] && ((hsn > 0 && hsn < $(wc -l <"$D/big3.want"))) ||
	tb_fail "--hash-tries 100: status $hst, $hsn hashes"
grep -q 'gaps too small for random names to hit (100 names hashed)' "$D/ht.err" ||
	tb_fail "--hash-tries 100: $(cat "$D/ht.err")"
echo "ok: --hash-tries 100 stops at $hsn hashes"
rc=0
"$DG_BIN" walk big3.test -s "$(tb_resolver big3)" --hash-tries -1 >/dev/null 2>"$D/ht.err" || rc=$?
tb_assert_exit "walk --hash-tries -1" 2 "$rc"

# --- 5. NSEC3 past collection: exports, size estimate, interrupt and resume, threads,
#        names from other sources -----------------------------------------------------
# hashcat mode 8300 ("hash:.zone:salt:iterations", as hashcat's example hash
# 7b5n74kq8r441blc2c5qbbat19baj79r:.lvdsiqfj.net:33164473:1) and John the
# Ripper's nsec3 format ("$NSEC3$iterations$salt$hexhash$zone."); each line
# must recompute with ldns-nsec3-hash (not our code)
export_check() { # ZONE SALT ITER
	local zone=$1 salt=$2 iter=$3 rc=0 dom s it h
	ldns-read-zone -E NSEC3 "$D/$zone.signed" 2>/dev/null | awk '{ split(tolower($1), l, "."); print l[1] }' >"$D/$zone.ex.want"
	"$DG_BIN" walk "$zone" -s "$S" --hashcat "$D/$zone.hc" --john "$D/$zone.john" -f jsonl \
		>"$D/$zone.ex.jsonl" 2>/dev/null || rc=$?
	tb_assert_exit "walk $zone with --hashcat and --john" 0 "$rc"
	if grep -Evx "[0-9a-v]{32}:\.${zone//./\\.}:$salt:$iter" "$D/$zone.hc"; then
		tb_fail "$zone: lines above are not hashcat mode 8300 lines"
	fi
	cut -d: -f1 "$D/$zone.hc" >"$D/$zone.hc.got"
	tb_assert_sets_eq "$zone: hashcat lines hold every hash" "$D/$zone.ex.want" "$D/$zone.hc.got"
	IFS=: read -r _ dom s it <"$D/$zone.hc"
	h=$(ldns-nsec3-hash -t "$it" ${s:+-s "$s"} "www$dom." | tr -d .)
	grep -qx "$h:$dom:$s:$it" "$D/$zone.hc" || tb_fail "$zone: www$dom ($h) does not recompute from the hashcat line"
	if grep -Evx "\\\$NSEC3\\\$$iter\\\$$salt\\\$[0-9a-f]{40}\\\$${zone//./\\.}\\." "$D/$zone.john"; then
		tb_fail "$zone: lines above are not John the Ripper nsec3 lines"
	fi
	"$TB_PY" -c 'import base64, sys
for l in open(sys.argv[1]):
    print(base64.b32hexencode(bytes.fromhex(l.split("$")[4])).decode().lower())' "$D/$zone.john" >"$D/$zone.john.got"
	tb_assert_sets_eq "$zone: John lines hold every hash" "$D/$zone.ex.want" "$D/$zone.john.got"
	echo "ok: $zone exports: $(head -1 "$D/$zone.hc") / $(head -1 "$D/$zone.john")"
}
export_check nsec3.test c0ffee42 5
export_check optout.test "" 0

# names known from elsewhere crack hashes (--crack-from): the AXFR of a sibling
# zone (auto3.test, same names) as JSON Lines; expected: every label of its
# names (and of CNAME/NS/MX/SRV targets) whose hash below nsec3.test is one of
# the zone's, computed with jq and ldns-nsec3-hash
"$DG_BIN" axfr auto3.test -s "$K" -f jsonl >"$D/auto3.axfr.jsonl" 2>/dev/null
[[ -s $D/auto3.axfr.jsonl ]] || tb_fail "no AXFR of auto3.test"
rc=0
"$DG_BIN" walk nsec3.test -s "$S" --crack-from "$D/auto3.axfr.jsonl" -f jsonl >"$D/from.jsonl" 2>"$D/from.err" || rc=$?
tb_assert_exit "walk --crack-from" 0 "$rc"
jq -r 'select(.name) | .name, (select(.type | test("^(CNAME|NS|MX|SRV|PTR|DNAME)$")) | .data[] | split(" ") | last)' \
	"$D/auto3.axfr.jsonl" | tr 'A-Z' 'a-z' | sed 's/\.$//' | tr . '\n' | sort -u >"$D/from.labels"
while IFS= read -r l; do
	h=$(ldns-nsec3-hash -t 5 -s c0ffee42 "$l.nsec3.test." 2>/dev/null | tr -d .) || continue
	grep -qx "$h" "$D/nsec3.test.ex.want" && echo "$l.nsec3.test"
done <"$D/from.labels" >"$D/from.want"
[[ $(wc -l <"$D/from.want") -ge 8 ]] || tb_fail "--crack-from: the sibling zone should crack names"
jq -r 'select(.hash and .name) | .name' "$D/from.jsonl" >"$D/from.got"
tb_assert_sets_eq "--crack-from: names cracked from a sibling zone's AXFR" "$D/from.want" "$D/from.got"
echo "ok: --crack-from: $(wc -l <"$D/from.got") names; $(tail -1 "$D/from.err")"
# a file that is not JSON Lines: a clear error
echo 'not json' >"$D/bad.jsonl"
rc=0
"$DG_BIN" walk nsec3.test -s "$S" --crack-from "$D/bad.jsonl" >/dev/null 2>"$D/bad.err" || rc=$?
tb_assert_exit "walk --crack-from with a bad file" 2 "$rc"
grep -q 'bad.jsonl line 1 is not JSON' "$D/bad.err" || tb_fail "$(cat "$D/bad.err")"

# interrupted and resumed: a double in front of big3 drops every 4th query so
# that the collection takes long enough to be interrupted (SIGINT) once the
# progress line shows a fifth of the ring; the resumed walk (straight to the
# server) must end with the same hashes as the uninterrupted walk above
TOTAL=$(wc -l <"$D/big3.want")
tb_double slow 127.0.0.1 "" drop 25 "$(tb_resolver big3)"
"$DG_BIN" walk big3.test -s "$(tb_resolver slow)" -t 150 --state "$D/big3.state" --progress -f jsonl \
	>"$D/int.jsonl" 2>"$D/int.err" &
WPID=$!
for ((i = 0; i < 900; i++)); do
	cov=$(grep -oE '[0-9.]+% of the ring' "$D/int.err" | tail -1 | cut -d% -f1) || true
	[[ -n $cov ]] && awk -v c="$cov" 'BEGIN { exit !(c >= 20) }' && break
	kill -0 "$WPID" 2>/dev/null || break
	sleep 0.1
done
kill -INT "$WPID" 2>/dev/null || true
rc=0
wait "$WPID" || rc=$?
tb_server_stop slow
tb_assert_exit "walk interrupted by SIGINT" 130 "$rc"
grep -q 'interrupted; state saved in' "$D/int.err" || tb_fail "$(tail -3 "$D/int.err")"
saved=$(grep -c '^hash ' "$D/big3.state")
q0=$(awk '$1 == "queries" { print $2 }' "$D/big3.state")
((saved > 0 && saved < TOTAL)) || tb_fail "state file holds $saved of $TOTAL hashes"
# the size estimate while collecting (known hashes / ring coverage, as n3map):
# within 40% of the zone's true count once a fifth of the ring is covered
last=$(grep -E '^walk: nsec3, ' "$D/int.err" | tail -1)
est=$(sed -E 's/.*about ([0-9]+) names.*/\1/' <<<"$last")
awk -v e="$est" -v t="$TOTAL" 'BEGIN { exit !(e >= 0.6 * t && e <= 1.4 * t) }' ||
	tb_fail "estimate $est for $TOTAL hashes: $last"
echo "ok: interrupted at: $last (true: $TOTAL)"
rc=0
timeout 120 "$DG_BIN" walk big3.test -s "$(tb_resolver big3)" --resume "$D/big3.state" -f jsonl \
	>"$D/res.jsonl" 2>"$D/res.err" || rc=$?
tb_assert_exit "resumed walk" 0 "$rc"
jq -r 'select(.hash) | .hash' "$D/res.jsonl" >"$D/res.got"
tb_assert_sets_eq "resumed walk: the hashes of the uninterrupted walk" "$D/big3.got" "$D/res.got"
tb_assert_eq "resumed walk: status, estimate = hashes" "complete $TOTAL $TOTAL" \
	"$(jq -r 'select(.summary) | .summary | "\(.status) \(.estimate) \(.hashes)"' "$D/res.jsonl")"
q1=$(jq -r 'select(.summary) | .summary.queries' "$D/res.jsonl")
((q1 > q0)) || tb_fail "the resumed walk's query count ($q1) does not continue the saved one"
echo "ok: $(cat "$D/res.err")"

# cracking on threads: the complete state resumed (two queries), depth 2 over
# the generator's labels and 1000 made-up ones; --threads 1 and 2 must crack
# the same names, the expected ones of the generator
{ cat "$D/big3/labels.txt" "$D/big3/labels-small.txt"; seq -f 'x%g' 1 1000; } >"$D/big3.tw"
"$TB_PY" "$TB_ROOT/tests/zones/gen-zone.py" expect --all "$D/big3/all-names.txt" --zone big3.test \
	--wordlist "$D/big3.tw" --depth 1 >"$D/big3t.want"
for t in 1 2; do
	rc=0
	"$DG_BIN" walk big3.test -s "$(tb_resolver big3)" --resume "$D/big3.state" --crack "$D/big3.tw" \
		--crack-depth 2 --threads "$t" -f jsonl >"$D/thr$t.jsonl" 2>"$D/thr$t.err" || rc=$?
	tb_assert_exit "crack with --threads $t" 0 "$rc"
	jq -r 'select(.hash and .name) | .name' "$D/thr$t.jsonl" >"$D/thr$t.got"
	tb_assert_sets_eq "--threads $t: cracked names" "$D/big3t.want" "$D/thr$t.got"
	tb_assert_eq "--threads $t in the summary" "$t" "$(jq -r 'select(.summary) | .summary.crack.threads' "$D/thr$t.jsonl")"
done
# the speed ratio is only reported: other work on the machine decides it
r1=$(jq -r 'select(.summary) | .summary.crack | "\(.hashes_per_second) \(.hashes_per_cpu_second)"' "$D/thr1.jsonl")
r2=$(jq -r 'select(.summary) | .summary.crack.hashes_per_second' "$D/thr2.jsonl")
awk -v a="${r1% *}" -v c="${r1#* }" -v b="$r2" -v l="$(cut -d' ' -f1 /proc/loadavg)" -v n="$(nproc)" \
	'BEGIN { printf "ok: cracking %d hashes/s on 1 thread (%d per CPU second), %d on 2: %.2fx (%d cores, load %s)\n", a, c, b, b / a, n, l }'
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
