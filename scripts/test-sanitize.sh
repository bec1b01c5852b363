#!/usr/bin/env bash
# Builds dnsglean with AddressSanitizer + UndefinedBehaviorSanitizer into
# build-asan/ and runs the whole ctest suite there (unit, integration, fuzz
# corpus replay, hostile network). Any sanitizer report fails the run.
#   scripts/test-sanitize.sh [extra ctest args, e.g. -L unit]
# Environment: BUILD_DIR (default build-asan), JOBS (default 2), CC/CXX.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build-asan}
jobs=${JOBS:-2}

# The Lua module and the Wireshark plugin are loaded by hosts that are not
# instrumented (lua5.x, nmap, tshark): ASan must then come first in the
# process, which those hosts do not allow cleanly. They are left out of this
# pass; their code is checked by valgrind in the plain build (tests/lua:
# lua-5.x-valgrind) and the core they wrap runs here through the CLI, the
# unit tests and the fuzz corpus.
cmake -S "$root" -B "$build" -DDG_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
	-DDG_BUILD_LUA=OFF -DDG_BUILD_WIRESHARK=OFF >/dev/null
cmake --build "$build" -j"$jobs"

# Reports abort the process (non-zero exit: the test fails); leaks count.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# glib's slice allocator and type system keep memory until exit on purpose.
export G_SLICE=always-malloc G_DEBUG=gc-friendly
# Tests that assert how fast something runs leave that figure to the plain
# pass (ten times the CPU per query here); everything else they check holds.
export DG_SANITIZED=1

cd "$build"
# brute_memory measures peak RSS, which ASan's shadow memory and quarantine
# distort: it runs in the plain build only; debs builds its own plain
# packages (scripts/build-debs.sh), once, in the plain pass. As in the plain
# pass, the tests that measure rates or timing run alone, afterwards (extra
# arguments go to both runs).
# shellcheck source=scripts/serial-tests.sh
. "$root/scripts/serial-tests.sh"
skip='^integration\.(brute_memory|debs)$'
rc=0
ctest --output-on-failure -j"$jobs" -E "($skip)|($DG_SERIAL_TESTS)" "$@" || rc=1
ctest --output-on-failure -R "$DG_SERIAL_TESTS" -E "$skip" "$@" || rc=1
exit $rc
