#!/usr/bin/env bash
# THE test command (README command 2; .ci/run calls exactly this):
#  1. installs the packages (scripts/setup.sh), builds into build/;
#  2. runs the whole ctest suite: unit tests and the integration tests
#     against real Knot DNS servers on loopback (private network namespace
#     when root);
#  3. builds again with AddressSanitizer + UndefinedBehaviorSanitizer into
#     build-asan/ and reruns the tests labelled "sanitize" there (leaks
#     count as failures). DG_TEST_SANITIZE=0 skips this pass.
# Extra arguments go to both ctest runs (e.g. -R brute). Exit status: 0 only
# when every pass succeeded.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${DG_BUILD_DIR:-$root/build}
asan=${DG_ASAN_BUILD_DIR:-$root/build-asan}
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh"

rc=0
ctest --test-dir "$build" --output-on-failure --timeout 900 "$@" </dev/null || rc=1

if [[ ${DG_TEST_SANITIZE:-1} != 0 ]]; then
	echo "test: sanitizer pass (build-asan, ctest -L sanitize)"
	DG_BUILD_DIR=$asan bash "$root/scripts/build.sh" -DDG_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
		-DDG_BUILD_WIRESHARK=OFF -DDG_BUILD_LUA=OFF
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		ctest --test-dir "$asan" --output-on-failure --timeout 900 -L sanitize "$@" </dev/null || rc=1
fi
if ((rc)); then
	echo "test: FAILED" >&2
else
	echo "test: all passes succeeded"
fi
exit "$rc"
