#!/usr/bin/env bash
# THE test command (README command 2; .ci/run calls exactly this):
# installs the packages, builds, and runs the whole ctest suite — unit tests
# and the integration tests against real Knot DNS servers on loopback.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${DG_BUILD_DIR:-$root/build}
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh"
ctest --test-dir "$build" --output-on-failure --timeout 900 "$@" </dev/null
