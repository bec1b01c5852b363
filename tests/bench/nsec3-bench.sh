#!/bin/bash
# NSEC3 cracking speed on one core: hashes/s at 0 and 10 extra iterations.
# Bar (issue #4): at least 5,000,000 hashes/s per core at 0 iterations.
#   tests/bench/nsec3-bench.sh [SECONDS]     (default 3 s per measurement)
# Uses $DG_NSEC3_BENCH or build/tests/bench/dg_nsec3_bench. No network.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${DG_NSEC3_BENCH:-$ROOT/build/tests/bench/dg_nsec3_bench}
SECS=${1:-3}
[[ -x $BIN ]] || { echo "nsec3-bench: build first (cmake --build build): $BIN missing" >&2; exit 2; }
BAR=5000000
rc=0
for it in 0 10; do
	for salt in "" c0ffee42c0ffee42; do
		out=$(taskset -c 0 "$BIN" "$it" "$SECS" "$salt" 2>&1) || { echo "$out" >&2; exit 1; }
		hps=$(sed -E 's/.*"hashes_per_cpu_second":([0-9]+).*/\1/' <<<"$out")
		printf 'iterations %2d, salt %-2s octets: %12s hashes/s per core\n' "$it" "$(( ${#salt} / 2 ))" "$hps"
		if ((it == 0 && hps < BAR)); then
			echo "nsec3-bench: below the bar of $BAR hashes/s at 0 iterations" >&2
			rc=1
		fi
	done
done
exit $rc
