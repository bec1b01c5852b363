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
# Environment: BENCH_NAMES (5000), BENCH_KNOT_WORKERS (nproc),
# BENCH_DNSPERF_ARGS (dnsperf options of the compared ceiling; default none,
# i.e. dnsperf's defaults: one socket, one thread, 100 in flight — like
# dnsglean's single event loop, and loss-free here), BENCH_DNSPERF_MAX_ARGS
# (a second, informative dnsperf row; default "-c 4 -T 2 -q 1000").
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib/testbed.sh"

sizes=("$@")
((${#sizes[@]})) || sizes=(100000 1000000)
names=${BENCH_NAMES:-5000}
tmo=${BENCH_TIMEOUT:-300}
workers=${BENCH_KNOT_WORKERS:-$(nproc)}
read -r -a dpargs <<<"${BENCH_DNSPERF_ARGS-}"
read -r -a dpmax <<<"${BENCH_DNSPERF_MAX_ARGS:--c 4 -T 2 -q 1000}"
outdir=$TB_ROOT/tests/bench/out
mkdir -p "$outdir"
[[ -x $DG_BIN ]] || tb_fail "build dnsglean first ($DG_BIN)"
command -v dnsperf >/dev/null || tb_fail "dnsperf missing (scripts/setup.sh)"

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
row() {
	printf '%s\n' "$*" | tr ' ' '\t' >>"$outdir/results.tsv"
	printf '  %-16s %9s cand %9s q %9s q/s  cpu %6ss %6s us/q  rss %6s MB  recall %-7s wildcard-fp %-4s q/cand %-6s %ss\n' "$@"
}

echo "bench: Knot ($workers UDP workers) on $R; $nreal real names; sizes ${sizes[*]}; $(nproc) cores"
for size in "${sizes[@]}"; do
	Z=$TB_TMP/z$size
	"$TB_PY" "$TB_ROOT/tests/zones/gen-zone.py" zone --zone gen.test --names "$names" \
		--filler $((size - nreal)) --out "$Z"
	cmp -s "$Z/gen.test.zone" "$Z0/gen.test.zone" || tb_fail "zone differs between sizes"
	W=$Z/labels.txt
	ncand=$(grep -c '' "$W")
	echo "== $ncand candidates"

	# 1. dnsperf, same names, one pass (the ceiling), then an informative
	#    multi-threaded pass
	awk '{ print $1 ".gen.test A" }' "$W" >"$Z/dnsperf.txt"
	for v in dnsperf dnsperf-max; do
		if [[ $v == dnsperf ]]; then args=("${dpargs[@]}"); else args=("${dpmax[@]}"); fi
		/usr/bin/time -v -o "$Z/dp.time" timeout "$tmo" dnsperf -s "$(tb_addr bench)" -p "$(tb_port bench)" \
			-d "$Z/dnsperf.txt" -n 1 -t 2 "${args[@]}" >"$Z/dp.out" 2>&1 || tb_fail "dnsperf: $(tail -5 "$Z/dp.out")"
		read -r u s m < <(tv "$Z/dp.time")
		dq=$(awk '/Queries sent/ {print $3}' "$Z/dp.out")
		dqps=$(awk '/Queries per second/ {printf "%.0f", $4}' "$Z/dp.out")
		del=$(awk '/Run time \(s\)/ {print $4}' "$Z/dp.out")
		dlost=$(awk '/Queries lost/ {print $3}' "$Z/dp.out")
		row "$v" "$ncand" "$dq" "$dqps" "$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u+s}')" \
			"$(awk -v u="$u" -v s="$s" -v q="$dq" 'BEGIN{printf "%.2f", (u+s)*1e6/q}')" \
			"$(awk -v m="$m" 'BEGIN{printf "%.1f", m/1024}')" "-" "-" "1.000" "$del"
		echo "     ($v ${args[*]:-defaults}: lost $dlost queries)"
	done

	# 2. dnsglean brute, default settings
	O=$Z/dg
	rc=0
	/usr/bin/time -v -o "$O.time" timeout "$tmo" "$DG_BIN" brute gen.test -w "$W" -r "$R" \
		-o "$O.jsonl" --stats "$O.stats" 2>"$O.err" </dev/null || rc=$?
	((rc == 0)) || tb_fail "dnsglean brute exited $rc: $(tail -3 "$O.err")"
	read -r u s m < <(tv "$O.time")
	q=$(tb_stat "$O.stats" queries)
	found=$(tb_json_names "$O.jsonl" | grep -cFxf "$Z/names.txt" || true)
	fp=$(tb_json_names "$O.jsonl" | grep -cvFxf "$Z/names.txt" || true)
	row dnsglean "$ncand" "$q" "$(awk -v x="$(tb_stat "$O.stats" qps)" 'BEGIN{printf "%.0f", x}')" \
		"$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u+s}')" \
		"$(awk -v u="$u" -v s="$s" -v q="$q" 'BEGIN{printf "%.2f", (u+s)*1e6/q}')" \
		"$(awk -v m="$m" 'BEGIN{printf "%.1f", m/1024}')" \
		"$(awk -v f="$found" -v n="$nreal" 'BEGIN{printf "%.4f", f/n}')" "$fp" \
		"$(awk -v q="$q" -v c="$ncand" 'BEGIN{printf "%.3f", q/c}')" "$(tb_stat "$O.stats" elapsed_s)"
	echo "     stats: $(jq -c '{found,nodata,nxdomain,wildcard,failed,retries,timeouts,mismatched}' "$O.stats")"
	echo "     $(tail -1 "$O.err")"
	cp "$O.stats" "$outdir/dnsglean-$ncand.stats.json"

	# 3. into the wildcard subtree: nothing but the explicit names
	O=$Z/wc
	rc=0
	/usr/bin/time -v -o "$O.time" timeout "$tmo" "$DG_BIN" brute dev.gen.test -w "$W" -r "$R" \
		-o "$O.jsonl" --stats "$O.stats" 2>"$O.err" </dev/null || rc=$?
	((rc == 0)) || tb_fail "dnsglean brute dev.gen.test exited $rc: $(tail -3 "$O.err")"
	read -r u s m < <(tv "$O.time")
	q=$(tb_stat "$O.stats" queries)
	fp=$(tb_json_names "$O.jsonl" | grep -cvFxf "$Z/all-names.txt" || true)
	row dnsglean-wild "$ncand" "$q" "$(awk -v x="$(tb_stat "$O.stats" qps)" 'BEGIN{printf "%.0f", x}')" \
		"$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u+s}')" \
		"$(awk -v u="$u" -v s="$s" -v q="$q" 'BEGIN{printf "%.2f", (u+s)*1e6/q}')" \
		"$(awk -v m="$m" 'BEGIN{printf "%.1f", m/1024}')" "-" "$fp" \
		"$(awk -v q="$q" -v c="$ncand" 'BEGIN{printf "%.3f", q/c}')" "$(tb_stat "$O.stats" elapsed_s)"
	echo "     stats: $(jq -c '{found,nodata,nxdomain,wildcard,failed,retries,timeouts}' "$O.stats")"
	rm -rf "$Z"
done

echo
echo "bench: targets: dnsglean q/s >= 95% of dnsperf; <= 1.05 queries/candidate;"
echo "       peak RSS < 32 MB and within 10% between sizes; recall 1.0000; 0 wildcard false positives."
awk -F'\t' 'NR > 1 && $1 == "dnsperf" { dp[$2] = $4 }
	NR > 1 && $1 == "dnsglean" { printf "  %s candidates: dnsglean/dnsperf q/s = %.1f%%\n", $2, 100 * $4 / dp[$2] }' \
	"$outdir/results.tsv"
echo "bench: results in $outdir/results.tsv"
