#!/usr/bin/env bash
# THE test command (README command 2; .ci/run calls exactly this):
#  1. installs the packages (scripts/setup.sh), builds into build/;
#  2. runs the whole ctest suite: unit tests and the integration tests
#     against real Knot DNS servers on loopback (private network namespace
#     when root), two at a time, then the timing-sensitive ones alone;
#  3. builds again with AddressSanitizer + UndefinedBehaviorSanitizer into
#     build-asan/ and runs the whole suite there (scripts/test-sanitize.sh;
#     leaks count as failures). DG_TEST_SANITIZE=0 skips this pass;
#  4. a bounded libFuzzer pass over every fuzz target (scripts/fuzz.sh,
#     FUZZ_TOTAL_SECONDS shared by them, default 360). DG_TEST_FUZZ=0 skips it;
#  5. the Debian 13 pass (scripts/test-debian13.sh: a cached trixie chroot,
#     Nmap 7.95, Wireshark 4.4, Knot 3.4, the Debian packages installed and
#     run from their system paths). DG_TEST_DEBIAN13=0 skips it.
# Extra arguments go to both Debian 12 ctest runs (e.g. -R brute). Exit
# status: 0 only when every pass succeeded.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${DG_BUILD_DIR:-$root/build}
asan=${DG_ASAN_BUILD_DIR:-$root/build-asan}
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh"

rc=0
# Two at a time, except the tests that measure rates, loss, timing or memory
# (scripts/serial-tests.sh): those run one at a time, alone, afterwards.
# shellcheck source=scripts/serial-tests.sh
. "$root/scripts/serial-tests.sh"
SERIAL=$DG_SERIAL_TESTS
if (($# == 0)); then
	ctest --test-dir "$build" --output-on-failure --timeout 900 -j2 -E "$SERIAL" </dev/null || rc=1
	ctest --test-dir "$build" --output-on-failure --timeout 900 -R "$SERIAL" </dev/null || rc=1
else
	ctest --test-dir "$build" --output-on-failure --timeout 900 "$@" </dev/null || rc=1
fi

if [[ ${DG_TEST_SANITIZE:-1} != 0 ]]; then
	echo "test: sanitizer pass (build-asan: the whole suite under ASan + UBSan)"
	bash "$root/scripts/test-sanitize.sh" --timeout 900 "$@" </dev/null || rc=1
fi

if [[ ${DG_TEST_FUZZ:-1} != 0 ]]; then
	echo "test: bounded fuzzing pass (build-fuzz: ${FUZZ_TOTAL_SECONDS:-360} s shared by the targets)"
	FUZZ_TOTAL_SECONDS=${FUZZ_TOTAL_SECONDS:-360} bash "$root/scripts/fuzz.sh" </dev/null || rc=1
fi
if [[ ${DG_TEST_DEBIAN13:-1} != 0 ]]; then
	echo "test: Debian 13 pass (trixie chroot: Nmap 7.95, Wireshark 4.4, Knot 3.4, the packages)"
	bash "$root/scripts/test-debian13.sh" </dev/null || rc=1
fi
if ((rc)); then
	echo "test: FAILED" >&2
else
	echo "test: all passes succeeded"
fi
exit "$rc"
