# shellcheck shell=bash
# Sourced by scripts/test.sh and scripts/test-sanitize.sh: the tests that
# measure rates, loss, timing or memory (the hostile network, the path
# simulator, RRL, peak RSS, benchmarks). They run one at a time, alone, after
# the others have run two at a time: under a busy CPU (two tests at once,
# and ASan's cost) their figures drift (sim.brute_paths' 50 ms fill once read
# 78% of the path, against its 80% bar, beside sim.selftest under ASan).
# shellcheck disable=SC2034 # used by the scripts that source this file
DG_SERIAL_TESTS='^(hostile\.|sim\.|bench\.|integration\.(brute_memory|brute_rrl)$)'
