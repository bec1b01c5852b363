#!/bin/bash
# Run time of dnsglean-brute vs Nmap's dns-brute on the same 10,000-name list
# against a Knot server on loopback (private network namespace).
#   tests/bench/nse-bench.sh [BUILD_DIR]
# The zone holds 500 of the 10,000 names; both scripts must find them.
#   dnsglean-brute  its defaults: the core's loop in 10 ms slices that yield
#                   to Nmap between them (driver=core)
#   dnsglean-nsock  driver=nsock: every datagram through Nmap's sockets
#   dns-brute       Nmap's own script
#   floor-1/floor-4 the floor of Nmap's socket model: tests/bench/nse-floor.nse
#                   sends the same 10,000 queries and receives the answers
#                   through NSE's UDP sockets (1 or 4 sockets, 64 in flight
#                   each), no dnsglean; "in-script" is its own time
#   nmap-alone      nmap -sn -Pn with that script and no query: start-up and exit
# (a floor round that lost an answer is slower by 200 ms: answers per round
# are printed)
# DG_BENCH_ROUNDS (default 5) rounds in alternating order; medians are printed,
# and the speed-up of dnsglean-brute over dns-brute (wall times).
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lib/testbed.sh"
BUILD=$(cd "${1:-$TB_ROOT/build}" && pwd)
NVER=$(nmap -V | grep -o 'liblua-5\.[0-9]' | head -1 | cut -d- -f2)
N=${DG_BENCH_WORDS:-10000}
REAL=${DG_BENCH_REAL:-500}

# A generated list and zone (no third-party wordlist).
WORDS=$TB_TMP/words.txt
ZONE=$TB_TMP/bench.test.zone
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "h%05d\n", i }' >"$WORDS"
{
	printf '$ORIGIN bench.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.53\n'
	awk -v n="$N" -v r="$REAL" 'BEGIN { for (i = 0; i < r; i++) { k = int(i * n / r); printf "h%05d A 192.0.2.%d\n", k, i % 250 + 1 } }'
} >"$ZONE"
tb_server_start bench bench.test="$ZONE"
ADDR=$(tb_addr bench)

ROUNDS=${DG_BENCH_ROUNDS:-5}
declare -A TIMES=() FOUND=() INSIDE=()
run() { # NAME SCRIPT ARGS
	local t0 t1
	t0=$(date +%s.%N)
	LUA_CPATH="$BUILD/lua/$NVER/?.so" nmap -n -Pn -sn --dns-servers "$ADDR" --script "$2" \
		--script-args "$3" -oX "$TB_TMP/$1.xml" >"$TB_TMP/$1.txt" 2>&1
	t1=$(date +%s.%N)
	TIMES[$1]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') "
	case $1 in
	floor-* | nmap-alone)
		local out
		out=$("$TB_ROOT/tests/nse/nsexml.py" "$TB_TMP/$1.xml" output nse-floor)
		[[ $out == *" queries, "* ]] || tb_fail "$1: no result: $out"
		INSIDE[$1]+="$(awk '{ print $5 }' <<<"$out") "
		# a lost answer ends its thread 200 ms later: shown per round
		FOUND[$1]+="$(awk '{ print $3 }' <<<"$out") "
		;;
	*)
		FOUND[$1]+="$("$TB_ROOT/tests/nse/nsexml.py" "$TB_TMP/$1.xml" names "$(basename "$2" .nse)" | grep -c .) "
		INSIDE[$1]+="$("$TB_ROOT/tests/nse/nsexml.py" "$TB_TMP/$1.xml" elem "$(basename "$2" .nse)" seconds) "
		;;
	esac
}
FLOOR="nse-floor.server=$ADDR,nse-floor.domain=bench.test"
echo "nse-bench: $N words, $REAL real names, Nmap $(nmap -V | awk 'NR==1 {print $3}') (Lua $NVER), $ROUNDS rounds, median"
NAMES=(dnsglean-brute dnsglean-nsock dns-brute floor-1 floor-4 nmap-alone)
# Alternate the order each round so that no one always runs first.
for ((i = 0; i < ROUNDS; i++)); do
	order=("${NAMES[@]}")
	((i % 2)) && order=(nmap-alone floor-4 floor-1 dns-brute dnsglean-nsock dnsglean-brute)
	for w in "${order[@]}"; do
		case $w in
		dnsglean-brute) run "$w" "$TB_ROOT/nse/dnsglean-brute.nse" \
			"dnsglean-brute.domain=bench.test,dnsglean-brute.wordlist=$WORDS" ;;
		dnsglean-nsock) run "$w" "$TB_ROOT/nse/dnsglean-brute.nse" \
			"dnsglean-brute.domain=bench.test,dnsglean-brute.wordlist=$WORDS,dnsglean-brute.driver=nsock" ;;
		dns-brute) run "$w" dns-brute "dns-brute.domain=bench.test,dns-brute.hostlist=$WORDS" ;;
		floor-1) run "$w" "$HERE/nse-floor.nse" "$FLOOR,nse-floor.names=$N,nse-floor.sockets=1" ;;
		floor-4) run "$w" "$HERE/nse-floor.nse" "$FLOOR,nse-floor.names=$N,nse-floor.sockets=4" ;;
		nmap-alone) run "$w" "$HERE/nse-floor.nse" "$FLOOR,nse-floor.names=0" ;;
		esac
	done
done
med() { tr ' ' '\n' <<<"$1" | { grep . || true; } | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for n in "${NAMES[@]}"; do
	inside=$(med "${INSIDE[$n]-}")
	what="names found"
	[[ $n == floor-* || $n == nmap-alone ]] && what=answers
	printf '%-15s %6.2f s wall median   in-script %-6s %s\n' "$n" "$(med "${TIMES[$n]}")" "${inside:--}" \
		"${FOUND[$n]:+  $what per round: ${FOUND[$n]}}"
done
awk -v d="$(med "${TIMES[dns-brute]}")" -v g="$(med "${TIMES[dnsglean-brute]}")" -v s="$(med "${TIMES[dnsglean-nsock]}")" \
	'BEGIN { printf "speed-up over dns-brute (wall): dnsglean-brute %.1fx, dnsglean-nsock %.1fx\n", d / g, d / s }'
