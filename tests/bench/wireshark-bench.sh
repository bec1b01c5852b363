#!/bin/bash
# Wireshark plugin overhead: tshark over a generated capture of >= 1M DNS
# messages, without and with dnsglean.so, alternating runs; reports CPU
# (user+sys) and wall time, and fails when the plugin costs more than
# DG_BENCH_MAX_PCT (15) percent of CPU time: the median over the runs of
# each pair's ratio (without, then with: pairing keeps the ratio when the
# machine's speed drifts; the best run of each is printed too).
#
#   tests/bench/wireshark-bench.sh [MESSAGES]        (default 1000000)
# Env: DG_WS_PLUGIN (built dnsglean.so), DG_BIN (CLI), DG_BENCH_RUNS (3),
#      DG_BENCH_PCAP (reuse this capture instead of generating one),
#      DG_BENCH_MAX_PCT (15).
# No packet is sent: the capture is written by tests/bench/gen-dns-pcap.py.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
N=${1:-1000000}
RUNS=${DG_BENCH_RUNS:-3}
MAX=${DG_BENCH_MAX_PCT:-15}
: "${DG_WS_PLUGIN:=$ROOT/build/wireshark-plugin/plugins/4.0/epan/dnsglean.so}"
: "${DG_BIN:=$ROOT/build/core/dnsglean}"
[[ -r $DG_WS_PLUGIN ]] || { echo "plugin not built: $DG_WS_PLUGIN" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dg-wsbench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
chmod 755 "$TMP"
WSV=$(tshark --version | sed -n '1s/.* \([0-9]*\.[0-9]*\)\..*/\1/p')
mkdir -p "$TMP/with/$WSV/epan" "$TMP/without" "$TMP/home"
cp "$DG_WS_PLUGIN" "$TMP/with/$WSV/epan/dnsglean.so"
chmod -R a+rX "$TMP"
chown 65534:65534 "$TMP/home" 2>/dev/null || chmod 777 "$TMP/home"

PCAP=${DG_BENCH_PCAP:-$TMP/bench.pcap}
if [[ ! -r $PCAP ]]; then
	python3 "$HERE/gen-dns-pcap.py" "$PCAP" "$N" >&2
fi
chmod a+r "$PCAP" 2>/dev/null || true

# tshark as an unprivileged user (as root it would ignore the plugin folder)
ws() {
	local dir=$1
	shift
	if ((EUID == 0)); then
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			env -i HOME="$TMP/home" PATH="$PATH" WIRESHARK_PLUGIN_DIR="$dir" tshark "$@"
	else
		env HOME="$TMP/home" WIRESHARK_PLUGIN_DIR="$dir" tshark "$@"
	fi
}
ws "$TMP/with" -G plugins | grep -q 'dnsglean\.so' || { echo "tshark does not load the plugin" >&2; exit 1; }
ws "$TMP/without" -G plugins | grep -q 'dnsglean\.so' && { echo "plugin found in the empty folder?" >&2; exit 1; }

msgs=$(ws "$TMP/without" -n -r "$PCAP" -Y dns -T fields -e frame.number | wc -l)
echo "capture: $PCAP, $msgs DNS messages"
((msgs >= N)) || { echo "expected at least $N DNS messages" >&2; exit 1; }

# The detector has work in this capture: the headless twin tags it too.
tagged=$("$DG_BIN" pcap --no-summary "$PCAP" | wc -l)
echo "dnsglean pcap: $tagged tagged messages"

run() { # DIR LABEL -> "cpu wall"
	local t0 t1
	t0=$(date +%s.%N)
	/usr/bin/time -f '%U %S' -o "$TMP/time" bash -c "$(declare -f ws); TMP='$TMP'; ws '$1' -n -r '$PCAP' >/dev/null"
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" '{printf "%.2f %.2f\n", $1 + $2, b - a}' "$TMP/time"
}

: >"$TMP/results"
for ((i = 1; i <= RUNS; i++)); do
	for mode in without with; do
		r=$(run "$TMP/$mode")
		echo "run $i $mode: cpu ${r% *} s, wall ${r#* } s"
		echo "$mode $r" >>"$TMP/results"
	done
done
best() { awk -v m="$1" -v f="$2" '$1 == m { if (b == "" || $f < b) b = $f } END { print b }' "$TMP/results"; }
cpu0=$(best without 2) cpu1=$(best with 2) wall0=$(best without 3) wall1=$(best with 3)
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 100 / a }'; }
pct_cpu=$(pct "$cpu0" "$cpu1")
pct_wall=$(pct "$wall0" "$wall1")
echo "best of $RUNS: without plugin cpu $cpu0 s wall $wall0 s; with plugin cpu $cpu1 s wall $wall1 s ($pct_cpu% cpu, $pct_wall% wall)"
# each run's pair (without, with): the median of the ratios
pair_pct() {
	awk -v f="$1" '$1 == "without" { a[++n] = $f } $1 == "with" { b[++m] = $f }
		END { for (i = 1; i <= n && i <= m; i++) printf "%.3f\n", (b[i] - a[i]) * 100 / a[i] }' \
		"$TMP/results" | sort -g | awk '{ v[NR] = $1 }
		END { printf "%.1f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
pct_cpu=$(pair_pct 2)
pct_wall=$(pair_pct 3)
echo "overhead: cpu $pct_cpu%, wall $pct_wall% (median of $RUNS paired runs; limit $MAX%, on cpu)"
echo "throughput with plugin: $(awk -v m="$msgs" -v c="$cpu1" 'BEGIN { printf "%d", m / c }') messages per cpu-second"
if awk -v p="$pct_cpu" -v m="$MAX" 'BEGIN { exit !(p > m) }'; then
	echo "FAIL: overhead above $MAX%" >&2
	exit 1
fi
echo "PASS"
