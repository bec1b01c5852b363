#!/bin/bash
# Classifier throughput on N generated records (default 1,000,000), one core:
#  1. the library (dg_classify_rr over records held in memory; best and
#     median of three passes: the machine may be shared);
#  2. the CLI end to end (`dnsglean classify` reading a zone-file listing and
#     writing JSON Lines to /dev/null).
# Bar (issue 3): >= 1M records/s for the library on one core. No network.
# Usage: tests/bench/classify-bench.sh [N] [BUILD_DIR]
set -euo pipefail
N=${1:-1000000}
B=${2:-$(cd "$(dirname "$0")/../.." && pwd)/build}
BENCH=$B/tests/bench/classify_bench
DG=$B/core/dnsglean
[[ -x $BENCH && -x $DG ]] || { echo "build first (cmake --build $B)" >&2; exit 2; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

lib=$(taskset -c 0 "$BENCH" "$N")
echo "library: $lib"
"$BENCH" --gen "$N" >"$T/recs.zone"
s0=$(date +%s.%N)
taskset -c 0 "$DG" classify "$T/recs.zone" >/dev/null
s1=$(date +%s.%N)
cli=$(awk -v n="$N" -v a="$s0" -v b="$s1" 'BEGIN { printf "%.0f", n / (b - a) }')
echo "cli: {\"records\":$N,\"seconds\":$(awk -v a="$s0" -v b="$s1" 'BEGIN{printf "%.3f", b-a}'),\"records_per_second\":$cli}"
rps=$(sed 's/.*"records_per_second":\([0-9]*\).*/\1/' <<<"$lib")
if ((rps < 1000000)); then
	echo "below the bar: $rps records/s < 1000000" >&2
	exit 1
fi
