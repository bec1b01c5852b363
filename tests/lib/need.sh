# shellcheck shell=bash
# tests/lib/need.sh — prerequisites of a test script, one rule everywhere:
# under CI=true nothing is skipped (a missing prerequisite fails the test
# with a message naming it); elsewhere the test, or a part of it, is skipped
# with "SKIP: ...". testbed.sh sources it; scripts that need no test bed
# source it alone:   source "$(dirname "$0")/../lib/need.sh"
#
#   tb_fail MSG...                 prints "FAIL: MSG" on stderr, exits 1.
#   tb_skip [--part WHAT] REASON   CI=true: fails with REASON. Else without
#                                  --part exits 77 (ctest's SKIP_RETURN_CODE);
#                                  with --part prints it and returns 1, so the
#                                  caller leaves out WHAT and goes on:
#                                      if tb_need_tools --part "dnsrecon runs" dnsrecon; then ...
#   tb_need_tools [--part WHAT] TOOL...
#                                  tb_skip unless every TOOL is on PATH.

tb_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Fails under CI=true, else skips the test (exit 77) or the part (return 1).
tb_skip() {
	local part=
	if [[ ${1-} == --part ]]; then
		part=$2
		shift 2
	fi
	[[ ${CI-} == true ]] && tb_fail "$* (required under CI=true)"
	if [[ -n $part ]]; then
		echo "SKIP: $part: $*" >&2
		return 1
	fi
	echo "SKIP: $*" >&2
	exit 77
}

# Skips (or fails under CI=true) unless every tool is a command on PATH.
tb_need_tools() {
	local part=() t missing=()
	if [[ ${1-} == --part ]]; then
		part=(--part "$2")
		shift 2
	fi
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || missing+=("$t")
	done
	((${#missing[@]} == 0)) || tb_skip "${part[@]}" "not installed: ${missing[*]}"
}
