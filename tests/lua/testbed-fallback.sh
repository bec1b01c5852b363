# shellcheck shell=bash
# A minimal stand-in for tests/lib/testbed.sh (the project's test bed), used
# only while that library is not in the tree. Same names, a subset of it:
# private network namespace, TB_TMP, tb_server_start NAME [-a ADDR] ZONE=FILE...,
# tb_addr, tb_port, tb_resolver, tb_fail. Knot listens on port 53.
set -euo pipefail
TB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [[ -z ${TB_IN_NETNS-} ]]; then
	export TB_IN_NETNS=1
	if ((EUID == 0)); then
		exec unshare --net -- "$BASH" "$0" "$@"
	fi
	exec unshare -rn -- "$BASH" "$0" "$@"
fi
ip link set lo up
TB_NETNS=1
TB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/dg-lua-tb.XXXXXX")
chmod 755 "$TB_TMP"
export TB_TMP TB_NETNS
declare -A TB_PID=() TB_ADDR=() TB_PORT=()
TB_NEXT_ADDR=2
tb_cleanup() {
	local rc=$? n
	trap - EXIT
	for n in "${!TB_PID[@]}"; do kill "${TB_PID[$n]}" 2>/dev/null || true; done
	for n in "${!TB_PID[@]}"; do wait "${TB_PID[$n]}" 2>/dev/null || true; done
	rm -rf "$TB_TMP"
	exit "$rc"
}
trap tb_cleanup EXIT
tb_fail() {
	echo "FAIL: $*" >&2
	exit 1
}
tb_addr() { echo "${TB_ADDR[$1]}"; }
tb_port() { echo "${TB_PORT[$1]}"; }
tb_resolver() { echo "${TB_ADDR[$1]}:${TB_PORT[$1]}"; }
tb_server_start() {
	local name=$1 addr="" z zn zf
	shift
	if [[ $1 == -a ]]; then
		addr=$2
		shift 2
	fi
	if [[ -z $addr ]]; then
		addr=127.0.0.$TB_NEXT_ADDR
		TB_NEXT_ADDR=$((TB_NEXT_ADDR + 1))
	fi
	local dir=$TB_TMP/knot-$name
	mkdir -p "$dir/zones"
	{
		printf 'server:\n    rundir: "%s"\n    listen: %s@53\n' "$dir" "$addr"
		printf '    udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n'
		printf 'database:\n    storage: "%s"\n' "$dir"
		printf 'log:\n  - target: stderr\n    any: warning\n'
		printf 'template:\n  - id: default\n    zonefile-sync: -1\n    journal-content: none\nzone:\n'
		for z in "$@"; do
			zn=${z%%=*}
			zf=${z#*=}
			cp "$zf" "$dir/zones/$zn.zone"
			printf '  - domain: "%s"\n    file: "%s/zones/%s.zone"\n' "$zn" "$dir" "$zn"
		done
	} >"$dir/knot.conf"
	knotd -c "$dir/knot.conf" >"$TB_TMP/$name.log" 2>&1 &
	TB_PID[$name]=$!
	TB_ADDR[$name]=$addr
	TB_PORT[$name]=53
	local i
	for z in "$@"; do
		zn=${z%%=*}
		for ((i = 0; ; i++)); do
			[[ -n $(kdig @"$addr" +time=1 +retry=0 +short "$zn" SOA 2>/dev/null) ]] && break
			((i < 100)) || tb_fail "knotd '$name' does not answer for $zn"
			sleep 0.1
		done
	done
}
