#!/usr/bin/env bash
# dnsglean brute benchmark (not run by ctest).
#
#   bash tests/bench/brute-bench.sh [SIZES...]     (default: 100000 1000000)
#
# Starts Knot DNS on loopback (in a private network namespace when root)
# with a generated zone of 5,000 real names plus wildcard subtrees, makes a
# candidate list of each SIZE (the 5,000 real labels + non-existent ones,
# shuffled) and runs, against the same server in the same run:
#   1. dnsperf with the same names (one pass): the ceiling this server
#      answers on this machine;
#   2. dnsglean brute with DEFAULT settings;
#   3. dnsglean brute into the *.dev wildcard subtree with the first SIZE
#      list (wildcard false positives).
# Prints queries/s, user+sys CPU, CPU µs per query, peak RSS (from
# /usr/bin/time -v), recall (real names found / real names), wildcard
# false positives and queries per candidate (from --stats). Each command is
# bounded by a timeout (BENCH_TIMEOUT, default 300 s). Results also go to
# tests/bench/out/results.tsv.
#
# Each measurement is repeated BENCH_REPEAT times (default 3), dnsperf and
# dnsglean alternating so both see the same machine noise; the row printed
# is the run with the median queries/s.
#
# Environment: BENCH_NAMES (5000), BENCH_KNOT_WORKERS (nproc),
# BENCH_DNSPERF_ARGS (dnsperf options of the compared ceiling; default none,
# i.e. dnsperf's defaults: one socket, one thread, 100 in flight — like
# dnsglean's single event loop, and loss-free here), BENCH_DNSPERF_MAX_ARGS
# (when set, e.g. "-c 4 -T 2 -q 1000": a second, informative dnsperf row),
# BENCH_BASE_BIN (another dnsglean binary, e.g. a build of an older commit:
# its row "dnsglean-base" runs interleaved with the others, so "does not
# regress" is measured on the same machine state; CPU per query on loopback
# is mostly the kernel's work per datagram and moves with the machine).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib/testbed.sh"

sizes=("$@")
((${#sizes[@]})) || sizes=(100000 1000000)
names=${BENCH_NAMES:-5000}
tmo=${BENCH_TIMEOUT:-300}
workers=${BENCH_KNOT_WORKERS:-$(nproc)}
read -r -a dpargs <<<"${BENCH_DNSPERF_ARGS-}"
read -r -a dpmax <<<"${BENCH_DNSPERF_MAX_ARGS-}"
reps=${BENCH_REPEAT:-3}
base=${BENCH_BASE_BIN-}
[[ -z $base || -x $base ]] || tb_fail "BENCH_BASE_BIN is not an executable: $base"
outdir=$TB_ROOT/tests/bench/out
mkdir -p "$outdir"
[[ -x $DG_BIN ]] || tb_fail "build dnsglean first ($DG_BIN)"
tb_need_tools dnsperf

# one zone for every size (same seed and names => same zone file)
Z0=$TB_TMP/z0
"$TB_PY" "$TB_ROOT/tests/zones/gen-zone.py" zone --zone gen.test --names "$names" --filler 0 --out "$Z0"
tb_server_start bench --workers "$workers" "$Z0/gen.test.zone"
R=$(tb_resolver bench)
nreal=$(grep -c '' "$Z0/names.txt")

# /usr/bin/time -v fields -> "user sys maxrss_kb"
tv() {
	awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} /Maximum resident/ {m=$2}
		END {print u, s, m}' "$1"
}

printf 'tool\tcandidates\tqueries\tqps\tcpu_s\tcpu_us_per_q\tpeak_rss_mb\trecall\twildcard_fp\tq_per_cand\telapsed_s\n' >"$outdir/results.tsv"
# row TOOL CAND QUERIES QPS CPU_S US_PER_Q RSS_MB RECALL WILDCARD_FP Q_PER_CAND ELAPSED
row() { printf '%s\n' "$*" | tr ' ' '\t' >>"$TB_TMP/rows.tsv"; }
# prints and records, per tool, the run with the median q/s
flush_rows() {
	local tool
	for tool in $(cut -f1 "$TB_TMP/rows.tsv" | awk '!seen[$0]++'); do
		awk -F'\t' -v t="$tool" '$1 == t' "$TB_TMP/rows.tsv" | sort -t$'\t' -k4,4n >"$TB_TMP/sorted.tsv"
		local n line all
		n=$(grep -c '' "$TB_TMP/sorted.tsv")
		line=$(sed -n "$(((n + 1) / 2))p" "$TB_TMP/sorted.tsv")
		all=$(cut -f4 "$TB_TMP/sorted.tsv" | tr '\n' ' ')
		printf '%s\n' "$line" >>"$outdir/results.tsv"
		# shellcheck disable=SC2086
		printf '  %-14s %8s cand %8s q %7s q/s  cpu %5ss %5s us/q  rss %5s MB  recall %-6s wildcard-fp %-3s q/cand %-5s %ss\n' \
			$(tr '\t' ' ' <<<"$line")
		((n == 1)) || echo "                 q/s of the $n runs: $all"
	done
	: >"$TB_TMP/rows.tsv"
}

echo "bench: Knot ($workers UDP workers) on $R; $nreal real names; sizes ${sizes[*]}; $(nproc) cores; $reps runs each"
: >"$TB_TMP/rows.tsv"
cpu() { awk -v u="$1" -v s="$2" 'BEGIN { printf "%.2f", u + s }'; }
uspq() { awk -v u="$1" -v s="$2" -v q="$3" 'BEGIN { printf "%.2f", (u + s) * 1e6 / q }'; }
mb() { awk -v m="$1" 'BEGIN { printf "%.1f", m / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { printf f, a / b }'; }

run_dnsperf() { # TOOLNAME ARGS...
	local v=$1 u s m dq dqps del dlost
	shift
	/usr/bin/time -v -o "$Z/dp.time" timeout "$tmo" dnsperf -s "$(tb_addr bench)" -p "$(tb_port bench)" \
		-d "$Z/dnsperf.txt" -n 1 -t 2 "$@" >"$Z/dp.out" 2>&1 || tb_fail "dnsperf: $(tail -5 "$Z/dp.out")"
	read -r u s m < <(tv "$Z/dp.time")
	dq=$(awk '/Queries sent/ {print $3}' "$Z/dp.out")
	dqps=$(awk '/Queries per second/ {printf "%.0f", $4}' "$Z/dp.out")
	del=$(awk '/Run time \(s\)/ {printf "%.2f", $4}' "$Z/dp.out")
	dlost=$(awk '/Queries lost/ {print $3}' "$Z/dp.out")
	((dlost == 0)) || echo "     ($v $*: lost $dlost queries)"
	row "$v" "$ncand" "$dq" "$dqps" "$(cpu "$u" "$s")" "$(uspq "$u" "$s" "$dq")" "$(mb "$m")" - - 1.000 "$del"
}

run_dnsglean() { # TOOLNAME DOMAIN EXPECTED_NAMES_FILE KNOWN_NAMES_FILE [BINARY]
	local v=$1 dom=$2 exp=$3 known=$4 bin=${5:-$DG_BIN} O=$Z/$1 rc=0 u s m q found fp recall
	/usr/bin/time -v -o "$O.time" timeout "$tmo" "$bin" brute "$dom" -w "$W" -r "$R" \
		-o "$O.jsonl" --stats "$O.stats" 2>"$O.err" </dev/null || rc=$?
	((rc == 0)) || tb_fail "dnsglean brute $dom exited $rc: $(tail -3 "$O.err")"
	read -r u s m < <(tv "$O.time")
	q=$(tb_stat "$O.stats" queries)
	if [[ $bin == "$DG_BIN" ]]; then
		tb_json_names "$O.jsonl" >"$O.names"
	else # (older builds, e.g. 4c2c216 of 2026-12-01, wrote "status": "NOERROR")
		jq -r 'select(.status == "found" or .status == "nodata" or .status == "NOERROR") | .name' \
			"$O.jsonl" | LC_ALL=C sort -u >"$O.names"
	fi
	fp=$(grep -cvFxf "$known" "$O.names" || true)
	recall=-
	if [[ -n $exp ]]; then
		found=$(grep -cFxf "$exp" "$O.names" || true)
		recall=$(ratio "$found" "$(grep -c '' "$exp")" %.4f)
	fi
	row "$v" "$ncand" "$q" "$(awk -v x="$(tb_stat "$O.stats" qps)" 'BEGIN { printf "%.0f", x }')" \
		"$(cpu "$u" "$s")" "$(uspq "$u" "$s" "$q")" "$(mb "$m")" "$recall" "$fp" \
		"$(ratio "$q" "$ncand" %.3f)" "$(tb_stat "$O.stats" elapsed_s)"
	jq -c '{found,nodata,nxdomain,wildcard,failed,retries,timeouts,mismatched}' "$O.stats" >>"$Z/$v.statlines"
}

for size in "${sizes[@]}"; do
	Z=$TB_TMP/z$size
	"$TB_PY" "$TB_ROOT/tests/zones/gen-zone.py" zone --zone gen.test --names "$names" \
		--filler $((size - nreal)) --out "$Z"
	cmp -s "$Z/gen.test.zone" "$Z0/gen.test.zone" || tb_fail "zone differs between sizes"
	W=$Z/labels.txt
	ncand=$(grep -c '' "$W")
	awk '{ print $1 ".gen.test A" }' "$W" >"$Z/dnsperf.txt"
	echo "== $ncand candidates"
	for ((rep = 1; rep <= reps; rep++)); do
		run_dnsperf dnsperf "${dpargs[@]}"
		run_dnsglean dnsglean gen.test "$Z/names.txt" "$Z/all-names.txt"
		[[ -z $base ]] || run_dnsglean dnsglean-base gen.test "$Z/names.txt" "$Z/all-names.txt" "$base"
	done
	((${#dpmax[@]} == 0)) || run_dnsperf dnsperf-max "${dpmax[@]}"
	# into the wildcard subtree: every candidate is wildcard-covered
	run_dnsglean dnsglean-wild dev.gen.test "" "$Z/all-names.txt"
	flush_rows
	for v in dnsglean dnsglean-wild ${base:+dnsglean-base}; do
		echo "     $v stats: $(sort -u "$Z/$v.statlines" | head -3 | tr '\n' ' ')"
	done
	cp "$Z/dnsglean.stats" "$outdir/dnsglean-$ncand.stats.json"
	rm -rf "$Z"
done

echo
echo "bench: targets: dnsglean q/s >= 95% of dnsperf; <= 1.05 queries/candidate; peak RSS < 32 MB"
echo "       and within 10% between sizes; recall 1.0000; 0 wildcard false positives."
awk -F'\t' 'NR > 1 && $1 == "dnsperf" { dp[$2] = $4 }
	NR > 1 && $1 == "dnsglean" { printf "  %s candidates: dnsglean/dnsperf q/s = %.1f%% (medians), %s us CPU/query, %s MB RSS\n", $2, 100 * $4 / dp[$2], $6, $7 }' \
	"$outdir/results.tsv"
[[ -z $base ]] || awk -F'\t' 'NR > 1 && $1 == "dnsglean" { cur[$2] = $6; q[$2] = $4 }
	NR > 1 && $1 == "dnsglean-base" { printf "  %s candidates: dnsglean/base CPU per query = %.2f (%s against %s us), q/s = %.1f%%\n", $2, cur[$2] / $6, cur[$2], $6, 100 * q[$2] / $4 }' \
	"$outdir/results.tsv"
echo "bench: results in $outdir/results.tsv"
