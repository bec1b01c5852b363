#!/bin/bash
# NSEC3 cracking speed: hashes/s per core at 0 and 10 extra iterations with
# the SHA-1 the CPU picks (SHA-NI when present), the portable C SHA-1 and
# OpenSSL's one-shot SHA1() for reference; then 1 thread against 2.
# Bar (issue #16): at least 10,000,000 hashes/s per core at 0 iterations.
#   tests/bench/nsec3-bench.sh [SECONDS]     (default 3 s per measurement)
# Uses $DG_NSEC3_BENCH or build/tests/bench/dg_nsec3_bench. No network.
# The per-core figures are CPU time (taskset to one core); on a machine
# shared with other work the thread ratio is only indicative.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${DG_NSEC3_BENCH:-$ROOT/build/tests/bench/dg_nsec3_bench}
SECS=${1:-3}
[[ -x $BIN ]] || { echo "nsec3-bench: build first (cmake --build build): $BIN missing" >&2; exit 2; }
BAR=10000000
field() { sed -E "s/.*\"$1\":\"?([^,\"}]+).*/\1/" <<<"$2"; }
rc=0
declare -A at0
for impl in auto portable openssl; do
	for it in 0 10; do
		for salt in "" c0ffee42c0ffee42; do
			out=$(taskset -c 0 "$BIN" "$it" "$SECS" "$salt" "$impl" 2>&1) || { echo "$out" >&2; exit 1; }
			hps=$(field hashes_per_cpu_second "$out")
			printf '%-8s iterations %2d, salt %-2s octets: %12s hashes/s per core\n' \
				"$(field impl "$out")" "$it" "$(( ${#salt} / 2 ))" "$hps"
			[[ $it == 0 && -n $salt ]] && at0[$impl]=$hps
			if [[ $impl == auto ]] && ((it == 0 && hps < BAR)); then
				echo "nsec3-bench: below the bar of $BAR hashes/s at 0 iterations" >&2
				rc=1
			fi
		done
	done
done
awk -v a="${at0[auto]}" -v o="${at0[openssl]}" 'BEGIN { printf "ratio to OpenSSL one-shot SHA1 (0 iterations, 8-octet salt): %.2fx\n", a / o }'
one=$(field hashes_per_second "$("$BIN" 0 "$SECS" c0ffee42c0ffee42 auto 1)")
two=$(field hashes_per_second "$("$BIN" 0 "$SECS" c0ffee42c0ffee42 auto 2)")
awk -v a="$one" -v b="$two" -v n="$(nproc)" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
	'BEGIN { printf "threads: 1 -> %d hashes/s, 2 -> %d hashes/s: %.2fx (%d cores, load %s)\n", a, b, b / a, n, l }'
exit $rc
