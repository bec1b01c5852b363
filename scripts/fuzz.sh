#!/usr/bin/env bash
# Bounded fuzzing pass (CI and local): builds the libFuzzer targets with
# clang into build-fuzz/ (-DDG_FUZZ=ON: ASan + UBSan + coverage) and runs
# the targets for FUZZ_TOTAL_SECONDS together (default 480, shared evenly:
# 9 targets = 53 s each; FUZZ_SECONDS, if set, is per target instead),
# each starting from tests/fuzz/corpus/<target>/. New coverage goes to
# build-fuzz/corpus/; a crash stops the pass with the reproducer in
# build-fuzz/artifacts/ (copy it to tests/fuzz/corpus/<target>/crash-<what>
# once fixed: ctest replays it).
#   scripts/fuzz.sh [target...]      targets: wire engine resolvers classify spf_dmarc axfr walk detect frame
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build-fuzz}
targets=("$@")
((${#targets[@]})) || targets=(wire engine resolvers classify spf_dmarc axfr walk detect frame)
secs=${FUZZ_SECONDS:-$((${FUZZ_TOTAL_SECONDS:-480} / ${#targets[@]}))}
((secs > 0)) || secs=1

CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S "$root" -B "$build" -DDG_FUZZ=ON \
	-DDG_BUILD_LUA=OFF -DDG_BUILD_WIRESHARK=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"${JOBS:-2}" --target $(printf 'fuzz_%s ' "${targets[@]}")
mkdir -p "$build/artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for t in "${targets[@]}"; do
	mkdir -p "$build/corpus/$t"
	echo "== fuzz_$t for ${secs}s"
	"$build/tests/fuzz/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$build/artifacts/$t-" "$build/corpus/$t" \
		"$root/tests/fuzz/corpus/$t" 2>&1 | grep -E '^(stat::number_of_executed_units|#[0-9]+ *DONE)|ERROR|SUMMARY' || true
	if compgen -G "$build/artifacts/$t-*" >/dev/null; then
		echo "fuzz_$t: crash, see $build/artifacts/" >&2
		exit 1
	fi
done
