#!/usr/bin/env bash
# Configures and builds dnsglean into build/ (or $DG_BUILD_DIR), 2 jobs.
# Extra arguments go to the cmake configure step, e.g. -DDG_SANITIZE=ON.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${DG_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" "$@"
cmake --build "$build" -j"${DG_JOBS:-2}"
