# shellcheck shell=bash
# tests/lib/testbed.sh — the dnsglean test bed: real Knot DNS servers on
# loopback, inside a private network namespace, cleaned up on exit.
#
# Source it at the top of a test/bench/demo script (bash):
#     source "$(dirname "$0")/../lib/testbed.sh"
#
# On source:
#   * As root (CI), the script re-executes itself under `unshare --net`: a
#     fresh network namespace whose only interface is `lo` (brought up here),
#     so no packet can leave the machine and ports are private (servers use
#     port 53). As non-root it tries `unshare -rn` (user + net namespace);
#     if that is not allowed it stays in the host namespace and servers use
#     free high ports on 127.0.0.1. Set TB_NO_NETNS=1 to skip the namespace.
#     Everything before the `source` line runs twice (once outside, once
#     inside): keep it idempotent or guard it with [[ -z ${TB_IN_NETNS-} ]].
#   * A temporary directory $TB_TMP is made; it and every process started
#     through this library are removed/killed on exit (EXIT/INT/TERM trap).
#     TB_KEEP=1 keeps $TB_TMP for debugging. Do not replace the EXIT trap
#     (chain your own cleanup before calling tb_cleanup). Every process is
#     also started with `setpriv --pdeathsig TERM`, so it dies with the
#     test's shell even when the trap cannot run (SIGKILL, timeout). Call
#     the tb_* functions from the main shell, not inside $(...): a server
#     started in a subshell dies with it.
#
# Variables set:
#   TB_ROOT   source tree root           TB_TMP    per-run scratch directory
#   TB_NETNS  1 when inside a private namespace, else 0
#   DG_BIN    the dnsglean binary ($DG_BIN from ctest, else $TB_ROOT/build/core/dnsglean)
#   TB_PY     python3 interpreter
#
# Servers (Knot DNS, knotd from Debian):
#   tb_server_start NAME [opts] ZONE=FILE... | FILE...
#       Starts knotd serving the zones and waits until each answers its SOA.
#       FILE alone: the zone name is FILE's basename without ".zone"/".signed".
#       Options:
#         -a ADDR          listen address (default: next of 127.0.0.2, .3, ...;
#                          "::1" for IPv6)
#         -p PORT          port (default 53 in a namespace, else a free one)
#         --axfr allow|deny  AXFR/IXFR from 127.0.0.0/8 and ::1 (default deny:
#                          transfers are REFUSED)
#         --axfr-from ADDR allow transfers only from ADDR (others REFUSED)
#         --sign nsec|nsec3  Knot signs the zones itself (automatic DNSSEC,
#                          ECDSA P-256, NSEC or NSEC3 with no opt-out)
#         --workers N      UDP workers (default: Knot's, one per CPU)
#         --rrl RATE[:SLIP]  response rate limiting (Knot's mod-rrl) on every
#                          zone: a token bucket of RATE responses/s per flow
#                          (source netblock, query type, name or zone, rcode);
#                          over it, every SLIP-th response goes out truncated
#                          (TC=1: the client may retry over TCP, which is not
#                          limited) and the others are dropped. SLIP default 1
#                          (Knot's: all truncated); 0 drops them all. Counters
#                          (per zone): tb_knotc NAME zone-stats ZONE mod-rrl
#                          prints "[ZONE.] mod-rrl.slipped = N" and
#                          "[ZONE.] mod-rrl.dropped = N"
#       After it: tb_addr NAME, tb_port NAME, tb_resolver NAME ("addr:port",
#       "[addr]:port" for IPv6), tb_log NAME (knotd's log file).
#   tb_server_stop NAME          stops it (also done on exit).
#   tb_knotc NAME ARGS...        knotc against server NAME's control socket.
#   tb_dig NAME ARGS...          kdig against server NAME (+time=2 +retry=1).
#   tb_sign_zone FILE ZONE nsec|nsec3 [OUT]
#       Pre-signs a zone with ldns-signzone (fresh ECDSA keys) and writes OUT
#       (default FILE.signed); serve it with tb_server_start NAME ZONE=OUT.
#
# Recursive resolvers (BIND, Unbound; documented at their definitions below):
#   tb_resolver_start NAME bind|unbound ADDR ROOT_ADDR [ANCHORS_FILE]
#   tb_resolver_flush NAME, tb_trust_anchors NAME ZONE..., tb_lo_addr ADDR
#
# Other processes:
#   tb_bg NAME CMD...            starts CMD in the background, killed on exit;
#                                its pid is in TB_PID[NAME], output in
#                                $TB_TMP/NAME.log.
#   tb_double NAME ADDR PORT MODE [ARG...]
#       Starts a hostile resolver double (tests/lib/dnsdouble.py) on
#       ADDR:PORT (PORT "" = a free one): MODE lie IP | blackhole | servfail | refused |
#       drop PERCENT UPSTREAM:PORT | forward UPSTREAM:PORT |
#       truncate UPSTREAM:PORT (UDP answers carry TC=1, TCP is forwarded) |
#       spoof IP UPSTREAM:PORT (two forged answers "A IP" before each real
#       one: wrong ID; right ID with another question name).
#       hijack IP UPSTREAM:PORT [AFTER] (relays; NXDOMAIN answers become
#       "A IP", from query AFTER+1 on). DNSDOUBLE_QLOG=FILE exported: each
#       query received is logged to FILE as "UNIX-TIME QNAME".
#       pool ZONE N K UPSTREAM:PORT (names under ZONE the upstream says do
#       not exist get K random addresses of a pool of N: a rotating wildcard).
#       Waits until the socket is bound.
#   tb_hostile NAME MODE         starts a hostile DNS server
#       (tests/integration/xfr_hostile.py MODE) on a free 127.0.0.1 port,
#       sets HP to that port and waits until it is ready.
#   tb_capture_start FILE [FILTER]  tshark capture on lo into FILE (pcapng)
#   tb_capture_stop                 stops it and waits until FILE is complete.
#   tb_free_port [ADDR]          prints a free UDP+TCP port on ADDR.
#
# Prerequisites (tests/lib/need.sh, sourced here: under CI=true a missing
# one fails, elsewhere the test or part is skipped):
#   tb_need_tools [--part WHAT] TOOL...   commands on PATH
#   tb_need_netns [--part WHAT]           the private network namespace
#   tb_skip [--part WHAT] REASON          any other prerequisite
#
# Assertions (print "FAIL: ..." and exit 1; "ok: ..." on success):
#   tb_fail MSG...
#   tb_assert_eq WHAT EXPECTED ACTUAL
#   tb_assert_sets_eq WHAT EXPECTED_FILE ACTUAL_FILE   (sorted-unique sets;
#                                shows the first differences)
#   tb_assert_exit WHAT EXPECTED_RC ACTUAL_RC
#   tb_json_names FILE           names of NOERROR results in a JSONL file
#   tb_stat FILE KEY             a number from a --stats JSON file
#   tb_assert_brute_ok PREFIX NCAND NAMES WHAT SETS_WHAT
#                                a tb_run_brute run exited 0 and found NAMES
#   tb_gen_zone NAMES FILLER     generates gen.test; sets Z, W, ncand

set -euo pipefail

TB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# --- enter a private network namespace ------------------------------------
if [[ -z ${TB_IN_NETNS-} && -z ${TB_NO_NETNS-} ]]; then
	export TB_IN_NETNS=1
	if ((EUID == 0)); then
		exec unshare --net -- "$BASH" "$0" "$@"
	elif unshare -rn true 2>/dev/null; then
		exec unshare -rn -- "$BASH" "$0" "$@"
	fi
	TB_IN_NETNS=host
fi
TB_NETNS=0
if [[ ${TB_IN_NETNS-} == 1 ]]; then
	TB_NETNS=1
	ip link set lo up
	# Belt and braces: in this namespace only loopback exists.
	if ip -o link | grep -qv ': lo:'; then
		echo "testbed: unexpected interface in the namespace" >&2
		exit 1
	fi
fi
export TB_NETNS

TB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/dnsglean-tb.XXXXXX")
chmod 755 "$TB_TMP"
export TB_TMP
TB_PY=${TB_PY:-python3}
if [[ -z ${DG_BIN-} ]]; then
	DG_BIN=$TB_ROOT/build/core/dnsglean
fi
export DG_BIN

declare -A TB_PID=() TB_ADDR=() TB_PORT=() TB_DIR=() TB_KIND=()
TB_NEXT_ADDR=2
TB_CAPTURE_PID=

tb_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	local n
	for n in "${!TB_PID[@]}"; do
		kill "${TB_PID[$n]}" 2>/dev/null || true
	done
	for n in "${!TB_PID[@]}"; do
		wait "${TB_PID[$n]}" 2>/dev/null || true
	done
	if [[ -n ${TB_KEEP-} ]]; then
		echo "testbed: kept $TB_TMP" >&2
	else
		rm -rf "$TB_TMP"
	fi
	exit "$rc"
}
trap tb_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# tb_fail, tb_skip, tb_need_tools: tests/lib/need.sh
source "$TB_ROOT/tests/lib/need.sh"

tb_log_info() { echo "testbed: $*" >&2; }

# tb_need_netns [--part WHAT]: tb_skip unless in the private namespace.
tb_need_netns() {
	((TB_NETNS)) || tb_skip "$@" "needs the private network namespace (servers on port 53)"
}

# Prints a free port (UDP and TCP both free) on ADDR.
tb_free_port() {
	local addr=${1:-127.0.0.1}
	"$TB_PY" - "$addr" <<'EOF'
import socket, sys
a = sys.argv[1]
fam = socket.AF_INET6 if ":" in a else socket.AF_INET
for _ in range(100):
    u = socket.socket(fam, socket.SOCK_DGRAM)
    u.bind((a, 0))
    p = u.getsockname()[1]
    t = socket.socket(fam, socket.SOCK_STREAM)
    try:
        t.bind((a, p))
    except OSError:
        continue
    print(p)
    break
EOF
}

tb_bg() {
	local name=$1
	shift
	setpriv --pdeathsig TERM "$@" >"$TB_TMP/$name.log" 2>&1 &
	TB_PID[$name]=$!
}

tb_addr() { echo "${TB_ADDR[$1]}"; }
tb_port() { echo "${TB_PORT[$1]}"; }
tb_log() { echo "$TB_TMP/$1.log"; }
tb_resolver() {
	local a=${TB_ADDR[$1]} p=${TB_PORT[$1]}
	if [[ $a == *:* ]]; then echo "[$a]:$p"; else echo "$a:$p"; fi
}

tb_dig() {
	local n=$1
	shift
	kdig @"${TB_ADDR[$n]}" -p "${TB_PORT[$n]}" +time=2 +retry=1 "$@"
}

# Next loopback address for a server: 127.0.0.2, .3, ... (inside the
# namespace); 127.0.0.1 on the host, where ports keep servers apart.
# Sets TB_NEXT (no subshell, so the counter advances).
tb_next_addr() {
	if ((TB_NETNS)); then
		TB_NEXT="127.0.0.$TB_NEXT_ADDR"
		TB_NEXT_ADDR=$((TB_NEXT_ADDR + 1))
	else
		TB_NEXT=127.0.0.1
	fi
}

tb_server_start() {
	tb_need_tools knotd knotc kdig
	local name=$1
	shift
	local addr="" port="" axfr=deny axfr_from="" sign="" workers="" rrl=""
	local zones=()
	while (($#)); do
		case $1 in
		-a) addr=$2; shift 2 ;;
		-p) port=$2; shift 2 ;;
		--axfr) axfr=$2; shift 2 ;;
		--axfr-from) axfr=from; axfr_from=$2; shift 2 ;;
		--sign) sign=$2; shift 2 ;;
		--workers) workers=$2; shift 2 ;;
		--rrl) rrl=$2; shift 2 ;;
		-*) tb_fail "tb_server_start: unknown option $1" ;;
		*) zones+=("$1"); shift ;;
		esac
	done
	((${#zones[@]})) || tb_fail "tb_server_start: no zone"
	if [[ -z $addr ]]; then
		tb_next_addr
		addr=$TB_NEXT
	fi
	if [[ -z $port ]]; then
		if ((TB_NETNS)); then port=53; else port=$(tb_free_port "$addr"); fi
	fi
	local dir=$TB_TMP/knot-$name
	mkdir -p "$dir/zones" "$dir/db"
	local conf=$dir/knot.conf
	{
		echo "server:"
		echo "    rundir: \"$dir\""
		echo "    listen: $addr@$port"
		# Knot's defaults (one UDP worker per CPU) unless --workers
		[[ -z $workers ]] || echo "    udp-workers: $workers"
		echo "    tcp-workers: 2"
		echo "    background-workers: 1"
		echo "database:"
		echo "    storage: \"$dir/db\""
		echo "log:"
		echo "  - target: stderr"
		echo "    any: notice"
		echo "acl:"
		echo "  - id: xfr_allow"
		echo "    address: [127.0.0.0/8, ::1]"
		echo "    action: transfer"
		if [[ $axfr == from ]]; then
			echo "  - id: xfr_from"
			echo "    address: $axfr_from"
			echo "    action: transfer"
		fi
		echo "policy:"
		echo "  - id: nsec"
		echo "    algorithm: ecdsap256sha256"
		echo "  - id: nsec3"
		echo "    algorithm: ecdsap256sha256"
		echo "    nsec3: on"
		echo "    nsec3-iterations: 0"
		if [[ -n $rrl ]]; then
			[[ $rrl =~ ^([0-9]+)(:([0-9]+))?$ ]] || tb_fail "tb_server_start: --rrl RATE[:SLIP]"
			echo "mod-rrl:"
			echo "  - id: rrl"
			echo "    rate-limit: ${BASH_REMATCH[1]}"
			echo "    slip: ${BASH_REMATCH[3]:-1}"
		fi
		echo "template:"
		echo "  - id: default"
		echo "    storage: \"$dir/zones\""
		[[ -z $rrl ]] || echo "    module: mod-rrl/rrl"
		echo "    zonefile-sync: -1"
		echo "    journal-content: none"
		case $axfr in
		allow) echo "    acl: xfr_allow" ;;
		from) echo "    acl: xfr_from" ;;
		deny) ;;
		*) tb_fail "tb_server_start: --axfr allow|deny" ;;
		esac
		if [[ -n $sign ]]; then
			[[ $sign == nsec || $sign == nsec3 ]] || tb_fail "tb_server_start: --sign nsec|nsec3"
			echo "    dnssec-signing: on"
			echo "    dnssec-policy: $sign"
		fi
		echo "zone:"
	} >"$conf"
	local z zn zf names=()
	for z in "${zones[@]}"; do
		if [[ $z == *=* ]]; then
			zn=${z%%=*}
			zf=${z#*=}
		else
			zf=$z
			zn=$(basename "$zf")
			zn=${zn%.signed}
			zn=${zn%.zone}
		fi
		[[ -r $zf ]] || tb_fail "tb_server_start: cannot read zone file $zf"
		cp "$zf" "$dir/zones/$zn.zone"
		echo "  - domain: \"$zn\""
		echo "    file: \"$dir/zones/$zn.zone\""
		names+=("$zn")
	done >>"$conf"
	# --pdeathsig: knotd dies with this shell even if the EXIT trap never
	# runs (SIGKILL by a timeout, a test that replaced the trap)
	setpriv --pdeathsig TERM knotd -c "$conf" >"$TB_TMP/$name.log" 2>&1 &
	TB_PID[$name]=$!
	TB_ADDR[$name]=$addr
	TB_PORT[$name]=$port
	TB_DIR[$name]=$dir
	local i
	for zn in "${names[@]}"; do
		for ((i = 0; ; i++)); do
			kill -0 "${TB_PID[$name]}" 2>/dev/null || {
				cat "$TB_TMP/$name.log" >&2
				tb_fail "knotd '$name' died on start"
			}
			if [[ -n $(kdig @"$addr" -p "$port" +time=1 +retry=0 +short "$zn" SOA 2>/dev/null) ]]; then
				# with automatic signing, wait for the signatures too
				if [[ -z $sign ]] || kdig @"$addr" -p "$port" +time=1 +retry=0 +dnssec "$zn" SOA 2>/dev/null | grep -q RRSIG; then
					break
				fi
			fi
			((i < 300)) || {
				cat "$TB_TMP/$name.log" >&2
				tb_fail "knotd '$name' does not answer for $zn on $addr@$port"
			}
			sleep 0.1
		done
	done
	tb_log_info "knot '$name' serving ${names[*]} on $addr port $port"
}

tb_server_stop() {
	local name=$1
	if [[ -n ${TB_PID[$name]-} ]]; then
		kill "${TB_PID[$name]}" 2>/dev/null || true
		wait "${TB_PID[$name]}" 2>/dev/null || true
		unset "TB_PID[$name]"
	fi
}

tb_knotc() {
	local n=$1
	shift
	knotc -s "${TB_DIR[$n]}/knot.sock" "$@"
}

tb_sign_zone() {
	tb_need_tools ldns-keygen ldns-signzone
	local file=$1 zone=$2 mode=$3 out=${4:-$1.signed}
	local kd
	kd=$(mktemp -d "$TB_TMP/keys.XXXXXX")
	local ksk zsk
	ksk=$(cd "$kd" && ldns-keygen -a ECDSAP256SHA256 -k "$zone")
	zsk=$(cd "$kd" && ldns-keygen -a ECDSAP256SHA256 "$zone")
	local args=(-o "$zone" -f "$out")
	if [[ $mode == nsec3 ]]; then
		args+=(-n -t 0 -s -)
	elif [[ $mode != nsec ]]; then
		tb_fail "tb_sign_zone: nsec|nsec3"
	fi
	(cd "$kd" && ldns-signzone "${args[@]}" "$file" "$ksk" "$zsk") ||
		tb_fail "ldns-signzone failed on $file"
}

tb_double() {
	local name=$1 addr=$2 port=$3
	shift 3
	[[ -n $port ]] || port=$(tb_free_port "$addr")
	tb_bg "$name" "$TB_PY" -u "$TB_ROOT/tests/lib/dnsdouble.py" "$addr" "$port" "$@"
	TB_ADDR[$name]=$addr
	TB_PORT[$name]=$port
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q '^ready' "$TB_TMP/$name.log" 2>/dev/null && return 0
		kill -0 "${TB_PID[$name]}" 2>/dev/null || break
		sleep 0.05
	done
	cat "$TB_TMP/$name.log" >&2
	tb_fail "resolver double '$name' ($mode) did not start"
}

tb_hostile() {
	HP=$(tb_free_port 127.0.0.1)
	tb_bg "$1" "$TB_PY" -u "$TB_ROOT/tests/integration/xfr_hostile.py" 127.0.0.1 "$HP" "$2"
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q '^ready' "$TB_TMP/$1.log" 2>/dev/null && return 0
		sleep 0.05
	done
	tb_fail "hostile server $2 did not start"
}

# tb_ws_plugin SO: puts the Wireshark plugin SO where tb_ws's tshark loads
# it, and fails when tshark does not. tb_ws ARGS: tshark as nobody (as root
# tshark ignores WIRESHARK_PLUGIN_DIR), with that plugin folder.
tb_ws_plugin() {
	local v
	v=$(tshark --version | sed -n '1s/.* \([0-9]*\.[0-9]*\)\..*/\1/p')
	mkdir -p "$TB_TMP/plugins/$v/epan" "$TB_TMP/home"
	cp "$1" "$TB_TMP/plugins/$v/epan/dnsglean.so"
	chmod -R a+rX "$TB_TMP/plugins"
	chown 65534:65534 "$TB_TMP/home" 2>/dev/null || chmod 777 "$TB_TMP/home"
	tb_ws -G plugins | grep -q 'dnsglean\.so' || tb_fail "tshark does not load the plugin"
}
tb_ws() {
	if ((EUID == 0)); then
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			env -i HOME="$TB_TMP/home" PATH="$PATH" WIRESHARK_PLUGIN_DIR="$TB_TMP/plugins" tshark "$@"
	else
		env HOME="$TB_TMP/home" WIRESHARK_PLUGIN_DIR="$TB_TMP/plugins" tshark "$@"
	fi
}

# tb_nmap_domain SCRIPT DOMAIN: the domain argument for Nmap's dns-nsec-enum
# or dns-nsec3-enum (SCRIPT). Before Nmap 7.95 their join() hands "." to
# remove_empty() instead of table.concat(), so the names they ask lose their
# dots; a leading dot on the domain makes them right. Told from the
# installed script itself, not from a version number.
tb_nmap_domain() {
	local f d
	for d in /usr/share/nmap /usr/local/share/nmap; do
		[[ -r $d/scripts/$1.nse ]] && f=$d/scripts/$1.nse && break
	done
	if [[ -n ${f-} ]] && grep -q 'remove_empty(components, "\.")' "$f"; then
		echo ".$2"
	else
		echo "$2"
	fi
}

tb_capture_start() {
	tb_need_tools tshark
	local file=$1 filter=${2:-udp or tcp}
	: >"$TB_TMP/capture.log"
	setpriv --pdeathsig TERM tshark -i lo -n -q -w "$file" -f "$filter" >"$TB_TMP/capture.log" 2>&1 &
	TB_CAPTURE_PID=$!
	TB_PID[capture]=$TB_CAPTURE_PID
	local i
	# "Capture started" (tshark 4.0; 4.4 no longer prints it) or the file's
	# header comes once dumpcap runs; the filter is attached just before or
	# after it: give it a moment (a packet sent at once can be missed otherwise)
	for ((i = 0; i < 150; i++)); do
		if grep -q 'Capture started' "$TB_TMP/capture.log" || [[ -s $file ]]; then
			sleep 0.7
			return 0
		fi
		sleep 0.1
	done
	cat "$TB_TMP/capture.log" >&2
	tb_fail "tshark did not start capturing"
}

tb_capture_stop() {
	[[ -n $TB_CAPTURE_PID ]] || return 0
	sleep 0.3 # let the last packets reach the ring buffer
	kill -INT "$TB_CAPTURE_PID" 2>/dev/null || true
	wait "$TB_CAPTURE_PID" 2>/dev/null || true
	unset "TB_PID[capture]"
	TB_CAPTURE_PID=
}

# --- assertions ---------------------------------------------------------
tb_assert_eq() {
	if [[ "$2" != "$3" ]]; then
		tb_fail "$1: expected '$2', got '$3'"
	fi
	echo "ok: $1 ($3)"
}

tb_assert_exit() {
	if [[ "$2" != "$3" ]]; then
		tb_fail "$1: expected exit status $2, got $3"
	fi
	echo "ok: $1 (exit $3)"
}

tb_assert_sets_eq() {
	local what=$1 exp=$2 act=$3
	local e a
	e=$(mktemp "$TB_TMP/exp.XXXXXX")
	a=$(mktemp "$TB_TMP/act.XXXXXX")
	LC_ALL=C sort -u "$exp" >"$e"
	LC_ALL=C sort -u "$act" >"$a"
	if ! cmp -s "$e" "$a"; then
		local missing extra
		missing=$(LC_ALL=C comm -23 "$e" "$a" | wc -l)
		extra=$(LC_ALL=C comm -13 "$e" "$a" | wc -l)
		echo "FAIL: $what: $missing missing, $extra unexpected (expected $(wc -l <"$e"), got $(wc -l <"$a"))" >&2
		echo "  first missing:" >&2
		LC_ALL=C comm -23 "$e" "$a" | head -5 | sed 's/^/    /' >&2
		echo "  first unexpected:" >&2
		LC_ALL=C comm -13 "$e" "$a" | head -5 | sed 's/^/    /' >&2
		exit 1
	fi
	echo "ok: $what ($(wc -l <"$a") entries)"
}

tb_json_names() {
	jq -r 'select(.status == "found" or .status == "nodata") | .name' "$1" | LC_ALL=C sort -u
}

tb_stat() {
	jq -r --arg k "$2" '.[$k]' "$1"
}

# tb_check_stats FILE [CANDIDATES]: the --stats object has every field of the
# contract, and found+nodata+nxdomain+wildcard+failed == candidates (== the
# given number when passed).
tb_check_stats() {
	local f=$1 want=${2-}
	[[ -s $f ]] || tb_fail "stats file $f missing or empty"
	jq -e . "$f" >/dev/null 2>&1 || tb_fail "stats file $f is not JSON: $(head -c 200 "$f")"
	local k
	for k in candidates found nodata nxdomain wildcard failed invalid_words queries retries \
		timeouts mismatched elapsed_s qps resolvers resolvers_live; do
		jq -e --arg k "$k" 'has($k) and (.[$k] | type == "number")' "$f" >/dev/null ||
			tb_fail "stats: field '$k' missing or not a number: $(cat "$f")"
	done
	local c s
	c=$(tb_stat "$f" candidates)
	s=$(jq '.found + .nodata + .nxdomain + .wildcard + .failed' "$f")
	[[ $c == "$s" ]] || tb_fail "stats: found+nodata+nxdomain+wildcard+failed = $s != candidates $c: $(cat "$f")"
	if [[ -n $want ]]; then
		[[ $c == "$want" ]] || tb_fail "stats: candidates $c, expected $want: $(cat "$f")"
	fi
	echo "ok: stats add up ($c candidates: $(jq -c '{found,nodata,nxdomain,wildcard,failed,queries,retries}' "$f"))"
}

# tb_gen_zone NAMES FILLER: generates the zone gen.test (tests/zones/gen-zone.py,
# NAMES names, FILLER filler words) into Z=$TB_TMP/zone; sets Z, W (its word
# list, labels.txt) and ncand (the number of words in W).
tb_gen_zone() {
	Z=$TB_TMP/zone
	"$TB_PY" "$TB_ROOT/tests/zones/gen-zone.py" zone --zone gen.test --names "$1" --filler "$2" --out "$Z"
	W=$Z/labels.txt
	ncand=$(grep -c . "$W")
}

# tb_assert_brute_ok PREFIX NCAND NAMES WHAT SETS_WHAT: the run of
# tb_run_brute PREFIX exited 0 (WHAT), its stats add up to NCAND candidates
# and it found exactly the names of file NAMES (SETS_WHAT).
tb_assert_brute_ok() {
	tb_assert_exit "$4" 0 "$TB_RC"
	tb_check_stats "$1.stats" "$2"
	tb_assert_sets_eq "$5" "$3" <(tb_json_names "$1.jsonl")
}

# tb_run_brute OUT_PREFIX ARGS...: runs dnsglean brute ARGS with -o PREFIX.jsonl
# --stats PREFIX.stats, stderr in PREFIX.err; sets TB_RC. Never exits.
tb_run_brute() {
	local p=$1
	shift
	TB_RC=0
	"$DG_BIN" brute "$@" -o "$p.jsonl" --stats "$p.stats" 2>"$p.err" </dev/null || TB_RC=$?
	if ((TB_RC != 0)); then
		echo "note: dnsglean brute $* exited $TB_RC; stderr:" >&2
		head -20 "$p.err" >&2
	fi
}

# tb_need_brute: fails clearly when the binary has no brute command yet.
tb_need_brute() {
	[[ -x $DG_BIN ]] || tb_fail "dnsglean binary $DG_BIN not built"
	local out
	out=$("$DG_BIN" brute --help 2>&1 || true)
	[[ $out == *-r* ]] || tb_fail "'dnsglean brute' is not available in $DG_BIN: $out"
}

# --- recursive resolvers: BIND and Unbound on loopback ------------------------
#   tb_resolver_start NAME bind|unbound ADDR ROOT_ADDR [ANCHORS_FILE]
#       Starts a validating recursive resolver listening on ADDR port 53 (the
#       namespace is required: tb_need_netns), sending its own queries from
#       ADDR, with one root server, ROOT_ADDR (a Knot the test started that
#       serves "." and delegates the test zones), as its root hints: no other
#       server is ever asked. ANCHORS_FILE: DNSKEY records ("zone. 257 3 13
#       KEY", one a line, e.g. from tb_trust_anchors) trusted as the anchors of
#       those zones; DNSSEC validation is on either way. Recursion is allowed
#       for 127.0.0.0/8; BIND answers RD=0 questions from its cache, Unbound
#       refuses them (its "allow" access control). Waits until it answers.
#   tb_resolver_flush NAME       empties its cache (rndc flush / unbound-control reload).
#   tb_trust_anchors NAME ZONE... prints the KSKs (flags 257) of ZONEs served by
#                                Knot server NAME, in the format above.
tb_trust_anchors() {
	local n=$1 z
	shift
	for z in "$@"; do
		tb_dig "$n" +short "$z" DNSKEY | awk -v z="${z%.}." '$1 == 257 { k = ""; for (i = 4; i <= NF; i++) k = k $i; print z, $1, $2, $3, k }'
	done
}

tb_resolver_start() {
	local name=$1 kind=$2 addr=$3 root=$4 anchors=${5-}
	((TB_NETNS)) || tb_fail "tb_resolver_start: needs the private network namespace (port 53)"
	local dir=$TB_TMP/res-$name
	mkdir -p "$dir"
	printf '. 3600000 NS a.root.test.\na.root.test. 3600000 A %s\n' "$root" >"$dir/root.hint"
	case $kind in
	bind) tb_need_tools named rndc; tb_lo_addr "$addr"; tb_bind_conf "$dir" "$addr" "$anchors" >"$dir/named.conf"
		tb_bg "$name" named -g -4 -c "$dir/named.conf" ;;
	unbound) tb_need_tools unbound unbound-control; tb_unbound_conf "$dir" "$addr" "$anchors" >"$dir/unbound.conf"
		tb_bg "$name" unbound -d -c "$dir/unbound.conf" ;;
	*) tb_fail "tb_resolver_start: bind|unbound" ;;
	esac
	TB_ADDR[$name]=$addr
	TB_PORT[$name]=53
	TB_DIR[$name]=$dir
	TB_KIND[$name]=$kind
	local i
	for ((i = 0; i < 300; i++)); do
		kill -0 "${TB_PID[$name]}" 2>/dev/null || { cat "$TB_TMP/$name.log" >&2; tb_fail "resolver '$name' ($kind) died on start"; }
		kdig @"$addr" +time=1 +retry=0 . SOA 2>/dev/null | grep -q 'status: NOERROR' && break
		((i < 299)) || { cat "$TB_TMP/$name.log" >&2; tb_fail "resolver '$name' ($kind) does not resolve on $addr"; }
		sleep 0.1
	done
	tb_resolver_flush "$name"
	tb_log_info "$kind '$name' recursing on $addr (root $root)"
}

# tb_lo_addr ADDR: gives lo the address ADDR too (BIND listens only on
# interface addresses), keeping 127.0.0.1 as the source of what is sent to
# it, so that clients stay 127.0.0.1 on the wire.
tb_lo_addr() {
	ip -o addr show dev lo | grep -q " $1/" && return 0
	ip addr add "$1/32" dev lo && ip route replace local "$1" dev lo table local proto kernel scope host src 127.0.0.1 ||
		tb_fail "tb_lo_addr: cannot add $1 to lo"
}

# named.conf for tb_resolver_start: DIR ADDR ANCHORS_FILE
tb_bind_conf() {
	local dir=$1 addr=$2 anchors=$3 secret
	secret=$(head -c 32 /dev/urandom | base64)
	cat <<CONF
key "rndc" { algorithm hmac-sha256; secret "$secret"; };
controls { inet $addr port 953 allow { 127.0.0.0/8; } keys { "rndc"; }; };
options {
	directory "$dir";
	pid-file "$dir/named.pid";
	session-keyfile "$dir/session.key";
	managed-keys-directory "$dir";
	listen-on port 53 { $addr; };
	listen-on-v6 { none; };
	query-source address $addr;
	recursion yes;
	allow-recursion { 127.0.0.0/8; };
	allow-query-cache { 127.0.0.0/8; };
	dnssec-validation yes;
	max-cache-size 32m;
	empty-zones-enable no;
	notify no;
};
zone "." { type hint; file "$dir/root.hint"; };
CONF
	if [[ -s $anchors ]]; then
		echo "trust-anchors {"
		awk '{ printf "\t\"%s\" static-key %s %s %s \"%s\";\n", $1, $2, $3, $4, $5 }' "$anchors"
		echo "};"
	fi
	printf 'key "rndc" { algorithm hmac-sha256; secret "%s"; };\noptions { default-key "rndc"; default-server %s; default-port 953; };\n' \
		"$secret" "$addr" >"$dir/rndc.conf"
}

# unbound.conf for tb_resolver_start: DIR ADDR ANCHORS_FILE
tb_unbound_conf() {
	local dir=$1 addr=$2 anchors=$3
	cat <<CONF
server:
	interface: $addr
	port: 53
	outgoing-interface: $addr
	do-ip6: no
	do-not-query-localhost: no
	access-control: 127.0.0.0/8 allow
	username: ""
	chroot: ""
	directory: "$dir"
	pidfile: "$dir/unbound.pid"
	use-syslog: no
	logfile: ""
	verbosity: 0
	num-threads: 1
	root-hints: "$dir/root.hint"
	module-config: "validator iterator"
	# served locally by default (RFC 6761, loopback): resolve them instead
	local-zone: "test." nodefault
	local-zone: "127.in-addr.arpa." nodefault
CONF
	[[ ! -s $anchors ]] || awk '{ printf "\ttrust-anchor: \"%s DNSKEY %s %s %s %s\"\n", $1, $2, $3, $4, $5 }' "$anchors"
	cat <<CONF
remote-control:
	control-enable: yes
	control-interface: "$dir/control.sock"
	control-use-cert: no
CONF
}

tb_resolver_flush() {
	local n=$1 dir=${TB_DIR[$1]}
	case ${TB_KIND[$n]} in
	bind) rndc -c "$dir/rndc.conf" flush >/dev/null ;;
	unbound) unbound-control -c "$dir/unbound.conf" reload >/dev/null ;;
	esac || tb_fail "tb_resolver_flush: cannot flush '$n'"
}
