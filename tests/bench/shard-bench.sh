#!/usr/bin/env bash
# Scale-out benchmark (not run by ctest): the same candidate list brute-forced
# by one dnsglean process and by N shard processes in parallel, against Knot
# on loopback (a private network namespace when root), then merged.
#
#   bash tests/bench/shard-bench.sh [CANDIDATES] [N...]   (default: 200000 2 4)
#
# Prints, per run: wall-clock seconds, aggregate queries/s (sum of the
# shards' queries / wall clock), CPU seconds, recall, and the time `dnsglean
# merge` takes to join the shards; checks that the merged shards equal the
# single run. On one machine the shards share its cores and the server's:
# the figure shows the client's share of the cost, not a cluster's ceiling.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib/testbed.sh"
total=${1:-200000}
shift || true
ns=("$@")
((${#ns[@]})) || ns=(2 4)
names=5000
[[ -x $DG_BIN ]] || tb_fail "build dnsglean first ($DG_BIN)"

Z=$TB_TMP/z
"$TB_PY" "$TB_ROOT/tests/zones/gen-zone.py" zone --zone gen.test --names "$names" \
	--filler $((total - names - 10)) --out "$Z" >/dev/null
tb_server_start bench --workers "$(nproc)" "$Z/gen.test.zone" 2>/dev/null
R=$(tb_resolver bench)
W=$Z/labels.txt
ncand=$(grep -c . "$W")
nreal=$(grep -c '' "$Z/names.txt")
echo "shard-bench: $ncand candidates, $nreal real names, Knot with $(nproc) workers, $(nproc) cores"

now() { date +%s.%N; }
stat_sum() {
	local k=$1
	shift
	jq -s "map(.$k) | add" "$@"
}

t0=$(now)
/usr/bin/time -f '%U %S' -o "$TB_TMP/single.time" "$DG_BIN" brute gen.test -q -w "$W" -r "$R" \
	-o "$TB_TMP/single.jsonl" --stats "$TB_TMP/single.stats"
t1=$(now)
wall=$(echo "$t1 - $t0" | bc -l)
q=$(jq .queries "$TB_TMP/single.stats")
cpu=$(awk '{print $1 + $2}' "$TB_TMP/single.time")
found=$(tb_json_names "$TB_TMP/single.jsonl" | comm -12 - "$Z/names.txt" | wc -l)
printf '  1 process : %6.2f s wall, %8.0f q/s, cpu %5.2f s, recall %s/%s\n' "$wall" "$(echo "$q / $wall" | bc -l)" "$cpu" "$found" "$nreal"
"$DG_BIN" merge -q "$TB_TMP/single.jsonl" >"$TB_TMP/single.merged"

for n in "${ns[@]}"; do
	d=$TB_TMP/n$n
	mkdir -p "$d"
	t0=$(now)
	pids=()
	for ((k = 1; k <= n; k++)); do
		/usr/bin/time -f '%U %S' -o "$d/$k.time" "$DG_BIN" brute gen.test -q -w "$W" -r "$R" \
			--shard "$k/$n" -o "$d/$k.jsonl" --stats "$d/$k.stats" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	t1=$(now)
	wall=$(echo "$t1 - $t0" | bc -l)
	q=$(stat_sum queries "$d"/*.stats)
	cpu=$(cat "$d"/*.time | awk '{s += $1 + $2} END {print s}')
	m0=$(now)
	"$DG_BIN" merge -q "$d"/*.jsonl -o "$d/all.jsonl"
	m1=$(now)
	found=$(tb_json_names "$d/all.jsonl" | comm -12 - "$Z/names.txt" | wc -l)
	same=no
	cmp -s "$d/all.jsonl" "$TB_TMP/single.merged" && same=yes
	printf '  %d shards  : %6.2f s wall, %8.0f q/s, cpu %5.2f s, recall %s/%s, merge %.2f s, = single run: %s\n' \
		"$n" "$wall" "$(echo "$q / $wall" | bc -l)" "$cpu" "$found" "$nreal" "$(echo "$m1 - $m0" | bc -l)" "$same"
done
