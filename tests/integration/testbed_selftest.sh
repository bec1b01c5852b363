#!/usr/bin/env bash
# Checks the test bed itself (no dnsglean involved): the namespace, Knot with
# the generated zone, AXFR ACLs, automatic and pre-signed DNSSEC, the
# hostile-resolver doubles and tshark capture on lo.
source "$(dirname "$0")/../lib/testbed.sh"

# out_has REGEX CMD...: CMD's whole output matches REGEX (no SIGPIPE games)
out_has() {
	local re=$1 out
	shift
	out=$("$@" 2>&1 || true)
	[[ $out =~ $re ]]
}

if ((EUID == 0)) && [[ -z ${TB_NO_NETNS-} ]]; then
	tb_assert_eq "root runs in a private namespace" 1 "$TB_NETNS"
fi
if ((TB_NETNS)); then
	tb_assert_eq "only lo in the namespace" "lo" "$(ip -o link | awk -F': ' '{print $2}' | tr '\n' ' ' | sed 's/ $//')"
	# no route off loopback (asked of the kernel: no packet is sent)
	if ip route get 192.0.2.53 >/dev/null 2>&1; then
		tb_fail "a route off loopback exists inside the namespace"
	fi
	echo "ok: off-loopback unreachable"
else
	tb_skip --part "namespace checks" "needs the private namespace" || true
fi

Z=$TB_TMP/zone
"$TB_PY" "$TB_ROOT/tests/zones/gen-zone.py" zone --zone gen.test --names 500 --filler 100 --out "$Z"
tb_server_start main --axfr deny "$Z/gen.test.zone"
tb_server_start second --axfr allow "$Z/gen.test.zone"

# every generated record is served
n=$(tb_dig main +short www.gen.test A)
tb_assert_eq "www A" "$(awk '$1=="www.gen.test" && $2=="A"{print $3}' "$Z/records.txt")" "$n"
tb_assert_eq "wildcard *.dev answers 3 A" 3 "$(tb_dig main +short nosuchname.dev.gen.test A | wc -l)"
tb_assert_eq "explicit api.dev" 10.255.0.2 "$(tb_dig main +short api.dev.gen.test A)"
out_has 'status: NOERROR' tb_dig main int.dev.gen.test A || tb_fail "int.dev ENT under wildcard"
tb_assert_eq "ENT int.dev has no data" "" "$(tb_dig main +short int.dev.gen.test A)"
out_has 'status: NOERROR' tb_dig main corp.gen.test A || tb_fail "corp ENT"
out_has 'status: NXDOMAIN' tb_dig main zzzz-none.gen.test A || tb_fail "NXDOMAIN"
out_has 'CNAME.*edge.gen.test' tb_dig main xyz.apps.gen.test A || tb_fail "CNAME wildcard"
out_has '[Ff]lags:[a-z ]* tc' tb_dig main +notcp +ignore big.gen.test A || tb_fail "big truncated over UDP"
tb_assert_eq "big over TCP" 120 "$(tb_dig main +tcp +short big.gen.test A | wc -l)"
# names.txt: every depth-1 name exists
cnt=0
while read -r n; do
	out_has 'status: NOERROR' tb_dig main "$n" A || tb_fail "$n does not exist"
	cnt=$((cnt + 1))
	((cnt < 60)) || break
done <"$Z/names.txt"
echo "ok: first $cnt listed names exist"

# AXFR ACLs
out_has 'REFUSED|failed' tb_dig main +tcp gen.test AXFR || tb_fail "AXFR not refused on main"
tb_assert_eq "AXFR allowed on second (records)" "$(($(grep -vc '^[;$]' "$Z/gen.test.zone") + 1))" \
	"$(tb_dig second +tcp +nocomments +nostats gen.test AXFR | grep -vc '^;' || true)"

# DNSSEC: automatic signing (NSEC3) and a pre-signed NSEC zone
cat >"$TB_TMP/s.test.zone" <<'Z'
$ORIGIN s.test.
$TTL 300
@ SOA ns1 hostmaster 1 3600 600 86400 300
@ NS ns1
ns1 A 127.0.0.9
www A 192.0.2.1
mail A 192.0.2.2
Z
tb_server_start auto --sign nsec3 "$TB_TMP/s.test.zone"
out_has 'NSEC3' tb_dig auto +dnssec nope.s.test A || tb_fail "auto NSEC3"
tb_sign_zone "$TB_TMP/s.test.zone" s.test nsec "$TB_TMP/s.test.signed"
tb_server_start pre s.test="$TB_TMP/s.test.signed"
out_has 'IN[[:space:]]+NSEC[[:space:]]' tb_dig pre +dnssec nope.s.test A || tb_fail "pre-signed NSEC"
echo "ok: DNSSEC zones"

# hostile doubles
tb_double liar 127.0.0.1 "" lie 192.0.2.66
tb_assert_eq "liar hijacks NXDOMAIN" 192.0.2.66 "$(tb_dig liar +short whatever.gen.test A)"
tb_double sf 127.0.0.1 "" servfail
out_has SERVFAIL tb_dig sf www.gen.test || tb_fail "servfail double"
p=$(tb_free_port 127.0.0.1)
tb_double fw 127.0.0.1 "$p" drop 50 "$(tb_resolver main)"
ok=0
for i in 1 2 3 4 5 6; do
	out_has "status: NOERROR" kdig @127.0.0.1 -p "$p" +time=1 +retry=0 www.gen.test A && ok=$((ok + 1))
done
tb_assert_eq "drop 50% relays half" 3 "$ok"
p=$(tb_free_port 127.0.0.1)
tb_double tc 127.0.0.1 "$p" truncate "$(tb_resolver main)"
out_has '[Ff]lags:[a-z ]* tc' kdig @127.0.0.1 -p "$p" +notcp +ignore +time=1 www.gen.test || tb_fail "truncate UDP"
tb_assert_eq "truncate relays TCP" 120 "$(kdig @127.0.0.1 -p "$p" +tcp +short big.gen.test A | wc -l)"

# capture on lo
if ((TB_NETNS)) && ((EUID == 0)); then
	tb_capture_start "$TB_TMP/cap.pcapng" "port $(tb_port main)"
	tb_dig main +short www.gen.test >/dev/null
	tb_capture_stop
	n=$(tshark -r "$TB_TMP/cap.pcapng" -Y 'dns.qry.name == "www.gen.test"' 2>/dev/null | wc -l)
	tb_assert_eq "capture saw query and answer" 2 "$n"
else
	tb_skip --part "capture on lo" "needs root in the private namespace" || true
fi
echo "PASS"
