#!/bin/bash
# dnsglean footprint: takeover classes beyond CNAME, live on loopback. Knot
# at 127.0.0.2 plays the DNS (it serves the "test." top-level zone, so that
# unregistered .test domains are NXDOMAIN, and the domains below); two more
# Knot servers at 127.0.0.4 and .5 are a DNS host's name servers: they serve
# served.test and REFUSE victim.test, which is delegated to them all the same
# (tests/integration/footprint/takeover/*.zone). The report must raise
# ns-takeover, mx-takeover and spf-include-registrable exactly where the
# zones hold them, and not on the negatives beside them (an include that
# answers NODATA, one whose server fails, a name missing inside a live
# domain, a live MX host, a DNS host that serves the zone).
source "$(dirname "$0")/../lib/testbed.sh"

D=$TB_ROOT/tests/integration/footprint/takeover
zones=()
for f in "$D"/*.zone; do
	zones+=("$(basename "$f" .zone)=$f")
done
tb_server_start auth -a 127.0.0.2 "${zones[@]}"
P=$(tb_port auth)
tb_server_start host1 -a 127.0.0.4 -p "$P" "$D/dnshost.test.zone" "$D/served.test.zone"
tb_server_start host2 -a 127.0.0.5 -p "$P" "$D/dnshost.test.zone" "$D/served.test.zone"
R=$(tb_resolver auth)

# the test's own signatures: the DNS host lets anyone create a zone (lame),
# the mail service's tenant hosts vanish with the account (nxdomain). The
# takeover flag gained a status and a date (takeover:CONDITION:STATUS:DATE);
# use whichever form this build's database accepts.
fp=$TB_TMP/takeover.tsv
write_fp() {
	printf 'ns\tdnshost.test\tTest DNS Host\tdns\ttakeover:lame%s\thttps://dnshost.test/docs\n' "$1" >"$fp"
	printf 'mx\tclaimable-mail.test\tTest Mail\tmail\ttakeover:nxdomain%s\thttps://claimable-mail.test/docs\n' "$1" >>"$fp"
}
write_fp ":vulnerable:2026-12-01"
if ! "$DG_BIN" classify --fingerprints "$fp" </dev/null >/dev/null 2>&1; then
	write_fp ""
	"$DG_BIN" classify --fingerprints "$fp" </dev/null >/dev/null || tb_fail "test fingerprints rejected"
fi
run() {
	"$DG_BIN" footprint "$1" -r "$R" --ns-port "$P" --timeout 400 --retries 1 \
		--fingerprints "$fp" -f jsonl >"$TB_TMP/$1.jsonl" || tb_fail "footprint $1 exited $?"
}
f() { jq -r --arg i "$2" 'select(.kind=="finding" and .id==$i) | .evidence[]' "$TB_TMP/$1.jsonl"; }

# --- victim.test: every class, with its evidence ---
run victim.test
jq -r 'select(.kind=="finding") | "\(.severity) \(.id)"' "$TB_TMP/victim.test.jsonl" | sort >"$TB_TMP/find"
cat >"$TB_TMP/find.exp" <<'EXP'
high lame-delegation
high lame-delegation
high mx-takeover
high mx-takeover
high ns-takeover
high spf-include-registrable
high spf-include-registrable
medium spf-include-missing
EXP
diff "$TB_TMP/find.exp" "$TB_TMP/find" || tb_fail "victim.test findings (with repeats) differ"
echo "ok: victim.test findings"

f victim.test ns-takeover >"$TB_TMP/ns"
cat >"$TB_TMP/ns.exp" <<'EXP'
victim.test NS ns1.dnshost.test
victim.test NS ns2.dnshost.test
ns1.dnshost.test (127.0.0.4) SOA victim.test REFUSED
ns2.dnshost.test (127.0.0.5) SOA victim.test REFUSED
EXP
diff "$TB_TMP/ns.exp" "$TB_TMP/ns" || tb_fail "ns-takeover evidence"
jq -r 'select(.kind=="finding" and .id=="ns-takeover") | .message' "$TB_TMP/victim.test.jsonl" |
	grep -q 'Test DNS Host lets anyone create the zone' || tb_fail "ns-takeover names the DNS host"

f victim.test mx-takeover | sort >"$TB_TMP/mx"
cat >"$TB_TMP/mx.exp" <<'EXP'
gone-mx.test SOA NXDOMAIN
mail.gone-mx.test A NXDOMAIN
tenant-gone.claimable-mail.test A NXDOMAIN
victim.test MX 10 mail.gone-mx.test.
victim.test MX 30 tenant-gone.claimable-mail.test.
EXP
tb_assert_sets_eq "mx-takeover evidence" "$TB_TMP/mx.exp" "$TB_TMP/mx"
jq -r 'select(.kind=="finding" and .id=="mx-takeover") | .message' "$TB_TMP/victim.test.jsonl" >"$TB_TMP/mxmsg"
grep -q 'whoever registers gone-mx.test receives mail for victim.test' "$TB_TMP/mxmsg" || tb_fail "mx-takeover (registrable) message"
grep -q 'whoever creates it at Test Mail receives mail' "$TB_TMP/mxmsg" || tb_fail "mx-takeover (claimable service) message"

f victim.test spf-include-registrable | sort >"$TB_TMP/spf"
cat >"$TB_TMP/spf.exp" <<'EXP'
_spf.gone-spf.test TXT NXDOMAIN
gone-a.test SOA NXDOMAIN
gone-spf.test SOA NXDOMAIN
host.gone-a.test A NXDOMAIN
victim.test TXT a:host.gone-a.test
victim.test TXT include:_spf.gone-spf.test
EXP
tb_assert_sets_eq "spf-include-registrable evidence" "$TB_TMP/spf.exp" "$TB_TMP/spf"
# the negatives: missing inside a live domain / NODATA are only missing SPF
f victim.test spf-include-missing | sort >"$TB_TMP/miss"
printf '_spf.gone-spf.test\n_spf.missing.vendor.test\nnodata.vendor.test\n' >"$TB_TMP/miss.exp"
tb_assert_sets_eq "spf-include-missing evidence" "$TB_TMP/miss.exp" "$TB_TMP/miss"
# no zone serves example.: the include's lookup fails (REFUSED), which says
# nothing about its existence
jq -e -s '[.[] | select(.kind=="finding") | .evidence[] | select(test("unserved"))] | length == 0' \
	"$TB_TMP/victim.test.jsonl" >/dev/null || tb_fail "an include whose server fails raised a finding"
# the parent of _spf.missing.vendor.test was asked and exists: not registrable
st=$(jq -r 'select(.kind=="record" and .name=="vendor.test" and .type=="SOA") | .status' "$TB_TMP/victim.test.jsonl")
tb_assert_eq "the live parent of a missing include" found "$st"

# the same report in JSON: findings carry id, severity, message, evidence
"$DG_BIN" footprint victim.test -r "$R" --ns-port "$P" --timeout 400 --retries 1 \
	--fingerprints "$fp" -f json >"$TB_TMP/victim.json"
jq -e '[.findings[] | select(.id=="ns-takeover" and .severity=="high" and (.message|length>0) and (.evidence|length==4))] | length == 1' \
	"$TB_TMP/victim.json" >/dev/null || tb_fail "json ns-takeover"
echo "ok: evidence of ns-takeover, mx-takeover, spf-include-registrable"

# --- without the test's signatures: the live observations still stand ---
"$DG_BIN" footprint victim.test -r "$R" --ns-port "$P" --timeout 400 --retries 1 -f jsonl >"$TB_TMP/plain.jsonl"
jq -r 'select(.kind=="finding" and (.id|test("takeover|registrable"))) | "\(.severity) \(.id)"' "$TB_TMP/plain.jsonl" | sort >"$TB_TMP/plain"
printf 'high mx-takeover\nhigh spf-include-registrable\nhigh spf-include-registrable\nmedium mx-takeover\nmedium ns-takeover\n' >"$TB_TMP/plain.exp"
diff "$TB_TMP/plain.exp" "$TB_TMP/plain" || tb_fail "findings without the test's signatures"
echo "ok: severities without a known DNS host / mail service"

# --- served.test: the DNS host serves it, its MX and SPF are live ---
run served.test
n=$(jq -r 'select(.kind=="finding") | .id' "$TB_TMP/served.test.jsonl" | wc -l)
if ((n != 0)); then
	jq -c 'select(.kind=="finding")' "$TB_TMP/served.test.jsonl" >&2
	tb_fail "served.test raised $n finding(s)"
fi
echo "ok: served.test raises nothing"
echo "footprint_takeover: all checks passed"
