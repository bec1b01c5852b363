#!/bin/bash
# The NSE scripts under the real nmap against a Knot server on loopback.
#   run-nse-tests.sh BUILD_DIR
# Every nmap run uses --dns-servers (the test server), -n -Pn -sn: nothing
# leaves the private network namespace, nothing falls back to the system's
# resolvers.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lib/testbed.sh"
BUILD=$(cd "$1" && pwd)
tb_need_tools nmap
# The Lua version this nmap embeds decides which build of the module it loads.
NVER=$(nmap -V | grep -o 'liblua-5\.[0-9]' | head -1 | cut -d- -f2)
[[ -n $NVER ]] || tb_fail "cannot tell nmap's Lua version"
[[ -r $BUILD/lua/$NVER/dnsglean.so ]] || tb_fail "module not built for Lua $NVER"
Z=$HERE/../lua/zones
WORDS=$HERE/../lua/words.txt
NSE=$TB_ROOT/nse
tb_server_start nse example.test="$Z/example.test.zone" wild.test="$Z/wild.test.zone" \
	azurewebsites.net="$Z/azurewebsites.net.zone" 2.0.192.in-addr.arpa="$Z/2.0.192.in-addr.arpa.zone"
ADDR=$(tb_addr nse)
[[ $(tb_port nse) == 53 ]] || tb_fail "nmap's --dns-servers needs port 53 (no namespace?)"
X=$HERE/nsexml.py
pass=0
fail=0
check() { # WHAT EXPECTED-FILE ACTUAL-FILE
	if diff -u "$2" "$3" >"$TB_TMP/diff"; then
		echo "ok - $1"
		pass=$((pass + 1))
	else
		echo "not ok - $1"
		sed 's/^/    /' "$TB_TMP/diff"
		fail=$((fail + 1))
	fi
}
ok() { # WHAT CONDITION...
	local what=$1
	shift
	if "$@"; then
		echo "ok - $what"
		pass=$((pass + 1))
	else
		echo "not ok - $what"
		fail=$((fail + 1))
	fi
}
run_nmap() { # OUT.xml CPATH SCRIPT ARGS
	LUA_CPATH="$2" nmap -n -Pn -sn --dns-servers "$ADDR" --script "$3" \
		--script-args "$4" -oX "$1" >"$1.txt" 2>&1
}

# brute_expect N ZONE DEPTH [ARGS]: dnsglean-brute on ZONE (more script
# arguments: ",ARGS") into $TB_TMP/bN.xml; the names it must find (DEPTH labels
# down) in $TB_TMP/expectN, the names it found in $TB_TMP/gotN
brute_expect() {
	run_nmap "$TB_TMP/b$1.xml" "$BUILD/lua/$NVER/?.so" "$NSE/dnsglean-brute.nse" \
		"dnsglean-brute.domain=$2,dnsglean-brute.wordlist=$WORDS${4-}"
	"$X" "$Z/$2.zone" expect "$2" "$WORDS" "$3" >"$TB_TMP/expect$1"
	"$X" "$TB_TMP/b$1.xml" names dnsglean-brute >"$TB_TMP/got$1"
}

# 1. dnsglean-brute finds every real name of the zone.
brute_expect 1 example.test 1
check "dnsglean-brute finds every name of example.test" "$TB_TMP/expect1" "$TB_TMP/got1"
ok "dnsglean-brute reports its statistics" \
	grep -q "<elem key=\"words\">$(wc -l <"$WORDS")</elem>" "$TB_TMP/b1.xml"

# 1b. The same through Nmap's own sockets (driver=nsock): the same names.
brute_expect 1n example.test 1 ",dnsglean-brute.driver=nsock"
check "driver=nsock finds every name of example.test" "$TB_TMP/expect1" "$TB_TMP/got1n"

# 2. ... and at least what Nmap's own dns-brute finds with the same list.
run_nmap "$TB_TMP/d1.xml" "" dns-brute "dns-brute.domain=example.test,dns-brute.hostlist=$WORDS"
"$X" "$TB_TMP/d1.xml" names dns-brute >"$TB_TMP/dns-brute1"
ok "dns-brute found something to compare with" test -s "$TB_TMP/dns-brute1"
comm -23 "$TB_TMP/dns-brute1" "$TB_TMP/got1" >"$TB_TMP/missed"
check "dnsglean-brute finds all dns-brute finds" /dev/null "$TB_TMP/missed"

# 3. Wildcard zone: the real names only.
brute_expect 2 wild.test 1
check "dnsglean-brute reports no wildcard names" "$TB_TMP/expect2" "$TB_TMP/got2"
ok "wildcard answers are counted" grep -Eq '<elem key="wildcard">[1-9][0-9]*</elem>' "$TB_TMP/b2.xml"

# 4. Types, recursion and newtargets.
brute_expect 3 example.test 2 \
	",dnsglean-brute.types={A,AAAA},dnsglean-brute.recursive=1,newtargets"
check "recursive=1 finds the names two labels down" "$TB_TMP/expect3" "$TB_TMP/got3"
ok "types={A,AAAA} reports AAAA data" grep -q '<elem>2001:db8::10</elem>' "$TB_TMP/b3.xml"
"$X" "$TB_TMP/b3.xml" hosts | sort -u >"$TB_TMP/hosts3"
ok "newtargets adds the addresses found" grep -qx 192.0.2.10 "$TB_TMP/hosts3"

# 4a. Two resolvers given by script argument, with both drivers (nsock: one
# socket and worker each).
tb_server_start nse2 example.test="$Z/example.test.zone"
for d in core nsock; do
	run_nmap "$TB_TMP/r2$d.xml" "$BUILD/lua/$NVER/?.so" "$NSE/dnsglean-brute.nse" \
		"dnsglean-brute.domain=example.test,dnsglean-brute.wordlist=$WORDS,dnsglean-brute.driver=$d,dnsglean-brute.resolvers={$(tb_resolver nse),$(tb_resolver nse2)}"
	"$X" "$TB_TMP/r2$d.xml" names dnsglean-brute >"$TB_TMP/gotr2$d"
	check "two resolvers from dnsglean-brute.resolvers (driver=$d)" "$TB_TMP/expect1" "$TB_TMP/gotr2$d"
done

# 4c. dnsglean-brute.trusted: the pool is a resolver that starts inventing
# names after 20 honest answers (validation and wildcard probes), the Knot
# server rechecks every name found: the real names only, the rejections
# counted; the statistics use the status words.
tb_double liar0 127.0.0.1 "" hijack 192.0.2.66 "$(tb_resolver nse)" 20
run_nmap "$TB_TMP/tr0.xml" "$BUILD/lua/$NVER/?.so" "$NSE/dnsglean-brute.nse" \
	"dnsglean-brute.domain=example.test,dnsglean-brute.wordlist=$WORDS,dnsglean-brute.resolvers=$(tb_resolver liar0)"
ok "without trusted, the liar's invented address is reported" grep -q '192\.0\.2\.66' "$TB_TMP/tr0.xml"
tb_double liar 127.0.0.1 "" hijack 192.0.2.66 "$(tb_resolver nse)" 20
run_nmap "$TB_TMP/tr1.xml" "$BUILD/lua/$NVER/?.so" "$NSE/dnsglean-brute.nse" \
	"dnsglean-brute.domain=example.test,dnsglean-brute.wordlist=$WORDS,dnsglean-brute.resolvers=$(tb_resolver liar),dnsglean-brute.trusted=$(tb_resolver nse),dnsglean-brute.trusted_qps=0"
"$X" "$TB_TMP/tr1.xml" names dnsglean-brute >"$TB_TMP/gottr1"
check "trusted: every real name, nothing invented" "$TB_TMP/expect1" "$TB_TMP/gottr1"
ok "trusted: no invented address" bash -c "! grep -q '192\.0\.2\.66' '$TB_TMP/tr1.xml'"
ok "trusted: rejections counted" grep -Eq '<elem key="rejected_by_trusted">[1-9][0-9]*</elem>' "$TB_TMP/tr1.xml"
"$X" "$TB_TMP/tr1.xml" elem dnsglean-brute status | sort -u >"$TB_TMP/tr1.status"
check "rows say status found or nodata" <(printf '%s\n' found nodata) "$TB_TMP/tr1.status"
for k in found nodata nxdomain wildcard failed; do
	ok "statistics count $k" grep -Eq "<elem key=\"$k\">[0-9]+</elem>" "$TB_TMP/tr1.xml"
done
run_nmap "$TB_TMP/tr2.xml" "$BUILD/lua/$NVER/?.so" "$NSE/dnsglean-brute.nse" \
	"dnsglean-brute.domain=example.test,dnsglean-brute.wordlist=$WORDS,dnsglean-brute.trusted_qps=5"
"$X" "$TB_TMP/tr2.xml" output dnsglean-brute >"$TB_TMP/tr2"
ok "trusted_qps without trusted: clear message" grep -q "option 'trusted_qps' needs option 'trusted'" "$TB_TMP/tr2"

# 4b. Hostrule: a target whose name (reverse lookup through --dns-servers;
# -sn -Pn: no probe is sent to it) gives the domain.
LUA_CPATH="$BUILD/lua/$NVER/?.so" nmap -Pn -sn --dns-servers "$ADDR" \
	--script "$NSE/dnsglean-brute.nse" --script-args "dnsglean-brute.wordlist=$WORDS" \
	-oX "$TB_TMP/h1.xml" 192.0.2.10 >"$TB_TMP/h1.txt" 2>&1
ok "target named by its PTR record" grep -q 'hostname name="www.example.test"' "$TB_TMP/h1.xml"
"$X" "$TB_TMP/h1.xml" names dnsglean-brute >"$TB_TMP/goth"
check "hostrule enumerates the target's domain" "$TB_TMP/expect1" "$TB_TMP/goth"

# 5. A clear message, not a traceback, without a usable module.
mkdir -p "$TB_TMP/empty"
run_nmap "$TB_TMP/m1.xml" "$TB_TMP/empty/?.so" "$NSE/dnsglean-brute.nse" \
	"dnsglean-brute.domain=example.test,dnsglean-brute.wordlist=$WORDS"
"$X" "$TB_TMP/m1.xml" output dnsglean-brute >"$TB_TMP/m1"
ok "missing module: clear message" grep -q "dnsglean Lua module not usable" "$TB_TMP/m1"
ok "missing module: no traceback" bash -c "! grep -qi 'traceback' '$TB_TMP/m1.xml.txt'"
OTHER=5.4
[[ $NVER == 5.4 ]] && OTHER=5.3
if [[ -r $BUILD/lua/$OTHER/dnsglean.so ]]; then
	run_nmap "$TB_TMP/m2.xml" "$BUILD/lua/$OTHER/?.so" "$NSE/dnsglean-brute.nse" \
		"dnsglean-brute.domain=example.test,dnsglean-brute.wordlist=$WORDS"
	"$X" "$TB_TMP/m2.xml" output dnsglean-brute >"$TB_TMP/m2"
	ok "module for Lua $OTHER: clear message" grep -q "dnsglean Lua module not usable" "$TB_TMP/m2"
fi

# 5b. The Nmap library (nselib/dnsglean_nse.lua): a script away from the
# source tree finds it through Nmap's package.path (LUA_PATH here, Nmap's
# nselib once installed); without it, a clear message.
mkdir -p "$TB_TMP/scripts"
cp "$NSE/dnsglean-brute.nse" "$TB_TMP/scripts/"
LUA_PATH="$NSE/nselib/?.lua;;" run_nmap "$TB_TMP/l1.xml" "$BUILD/lua/$NVER/?.so" \
	"$TB_TMP/scripts/dnsglean-brute.nse" "dnsglean-brute.domain=example.test,dnsglean-brute.wordlist=$WORDS"
"$X" "$TB_TMP/l1.xml" names dnsglean-brute >"$TB_TMP/gotl1"
check "library found through package.path" "$TB_TMP/expect1" "$TB_TMP/gotl1"
run_nmap "$TB_TMP/l2.xml" "$BUILD/lua/$NVER/?.so" "$TB_TMP/scripts/dnsglean-brute.nse" \
	"dnsglean-brute.domain=example.test,dnsglean-brute.wordlist=$WORDS"
"$X" "$TB_TMP/l2.xml" output dnsglean-brute >"$TB_TMP/l2"
ok "missing library: clear message" grep -q "dnsglean_nse.lua not found" "$TB_TMP/l2"

# 6. Cooperation: the default driver (the core's loop in slices) yields to
# Nmap while it runs. A ticker script in the same scan (tests/nse/ticker.nse,
# a 5 ms timer loop) must tick at least once per 50 ms of the enumeration,
# never waiting more than 150 ms, through a run made long by a lossy resolver
# (30% of the datagrams dropped, 300 ms timeouts). Negative control:
# slice=0, the whole run at once, leaves the ticker still.
tb_double lossy 127.0.0.1 "" drop 30 "$(tb_resolver nse)"
coop() { # N EXTRA-ARGS: $TB_TMP/coopN.xml; sets ticks, gap, ms (the run's)
	run_nmap "$TB_TMP/coop$1.xml" "$BUILD/lua/$NVER/?.so" "$NSE/dnsglean-brute.nse,$HERE/ticker.nse" \
		"dnsglean-brute.domain=example.test,dnsglean-brute.wordlist=$WORDS,dnsglean-brute.resolvers=$(tb_resolver lossy),dnsglean-brute.timeout=300,dnsglean-brute.retries=4$2"
	ticks=$("$X" "$TB_TMP/coop$1.xml" elem ticker ticks)
	gap=$("$X" "$TB_TMP/coop$1.xml" elem ticker maxgap_ms | cut -d. -f1)
	ms=$("$X" "$TB_TMP/coop$1.xml" elem dnsglean-brute seconds | awk '{ printf "%d", $1 * 1000 }')
	echo "# $2: run ${ms:-?} ms, ticker: ${ticks:-?} ticks, longest gap ${gap:-?} ms"
}
coop 1 ""
ok "cooperation: the run is long enough to judge (>= 300 ms)" test "${ms:-0}" -ge 300
ok "cooperation: the ticker ticks while dnsglean-brute runs" test $((${ticks:-0} * 50)) -ge "${ms:-1}"
ok "cooperation: no gap over 150 ms" test "${gap:-999999}" -le 150
"$X" "$TB_TMP/coop1.xml" names dnsglean-brute >"$TB_TMP/gotcoop1"
ok "cooperation: names found through the lossy resolver" test -s "$TB_TMP/gotcoop1"
coop 2 ",dnsglean-brute.slice=0"
ok "slice=0 blocks Nmap (the check above can fail)" test $((${ticks:-0} * 50)) -lt "${ms:-1}"
coop 3 ",dnsglean-brute.driver=nsock"
ok "driver=nsock: the ticker ticks too" test $((${ticks:-0} * 50)) -ge "${ms:-1}"
# 6b. Long turns: while another thread of the scan sleeps 4 s, each turn of
# NSE's scheduler lasts up to 50 ms; the default driver's slices then grow
# (up to 50 ms) and 3,000 names still take well under 2 s (measured: 10,000
# in 0.4-1.1 s; through Nmap's sockets 3,000 wait for the sleep's end).
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "w%05d\n", i }' >"$TB_TMP/words3k"
run_nmap "$TB_TMP/hold.xml" "$BUILD/lua/$NVER/?.so" "$NSE/dnsglean-brute.nse,$HERE/ticker.nse" \
	"dnsglean-brute.domain=example.test,dnsglean-brute.wordlist=$TB_TMP/words3k,ticker.hold=4000"
ms=$("$X" "$TB_TMP/hold.xml" elem dnsglean-brute seconds | awk '{ printf "%d", $1 * 1000 }')
echo "# beside a 4 s sleep: 3,000 names in ${ms:-?} ms"
ok "long turns: all 3,000 names answered" grep -q '<elem key="nxdomain">3000</elem>' "$TB_TMP/hold.xml"
ok "long turns: done in under 2 s" test "${ms:-999999}" -lt 2000
run_nmap "$TB_TMP/s1.xml" "$BUILD/lua/$NVER/?.so" "$NSE/dnsglean-brute.nse" \
	"dnsglean-brute.domain=example.test,dnsglean-brute.wordlist=$WORDS,dnsglean-brute.slice=x"
"$X" "$TB_TMP/s1.xml" output dnsglean-brute >"$TB_TMP/s1"
ok "slice=x: clear message" grep -q "dnsglean-brute.slice must be a non-negative integer" "$TB_TMP/s1"

# The scripts that use the classifier: footprint, takeover.
source "$HERE/nse-classify.sh"

echo "$pass passed, $fail failed"
((fail == 0 && pass > 0))
