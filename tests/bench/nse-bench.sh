#!/bin/bash
# Run time of dnsglean-brute vs Nmap's dns-brute on the same 10,000-name list
# against a Knot server on loopback (private network namespace).
#   tests/bench/nse-bench.sh [BUILD_DIR]
# The zone holds 500 of the 10,000 names; both scripts must find them.
# dnsglean-core: dnsglean-brute.driver=core (the core's own loop, blocking Nmap).
# DG_BENCH_ROUNDS (default 5) rounds in alternating order; medians are printed.
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
declare -A TIMES=() FOUND=()
run() { # NAME SCRIPT ARGS
	local t0 t1
	t0=$(date +%s.%N)
	LUA_CPATH="$BUILD/lua/$NVER/?.so" nmap -n -Pn -sn --dns-servers "$ADDR" --script "$2" \
		--script-args "$3" -oX "$TB_TMP/$1.xml" >"$TB_TMP/$1.txt" 2>&1
	t1=$(date +%s.%N)
	TIMES[$1]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') "
	FOUND[$1]+="$("$TB_ROOT/tests/nse/nsexml.py" "$TB_TMP/$1.xml" names "$(basename "$2" .nse)" | grep -c .) "
}
echo "nse-bench: $N words, $REAL real names, Nmap $(nmap -V | awk 'NR==1 {print $3}') (Lua $NVER), $ROUNDS rounds, median"
# Alternate the order each round so that neither side always runs first.
for ((i = 0; i < ROUNDS; i++)); do
	order=(brute core dns)
	((i % 2)) && order=(dns core brute)
	for w in "${order[@]}"; do
		case $w in
		brute) run dnsglean-brute "$TB_ROOT/nse/dnsglean-brute.nse" \
			"dnsglean-brute.domain=bench.test,dnsglean-brute.wordlist=$WORDS" ;;
		core) run dnsglean-core "$TB_ROOT/nse/dnsglean-brute.nse" \
			"dnsglean-brute.domain=bench.test,dnsglean-brute.wordlist=$WORDS,dnsglean-brute.driver=core" ;;
		dns) run dns-brute dns-brute "dns-brute.domain=bench.test,dns-brute.hostlist=$WORDS" ;;
		esac
	done
done
for n in dnsglean-brute dnsglean-core dns-brute; do
	med=$(tr ' ' '\n' <<<"${TIMES[$n]}" | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	printf '%-16s %8.2f s median   names found per round: %s\n' "$n" "$med" "${FOUND[$n]}"
done
