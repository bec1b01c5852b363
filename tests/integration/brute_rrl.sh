#!/usr/bin/env bash
# The target's own server rate-limits: Knot with response rate limiting
# (mod-rrl, 200 responses/s per flow, slip 2: over the limit half the
# answers are dropped, half truncated), `dnsglean brute` straight at it.
#  * a burst of queries first proves the limit is in force (Knot's mod-rrl
#    counters rise);
#  * the brute run finds exactly the real names (recall 100%, nothing else,
#    data as in the zone) and exits 0, within a generous bound (120 s);
#  * held near the limit: Knot slipped or dropped at most 30% of the run's
#    queries (an engine that ignores the slips has most of its queries
#    limited: the one before pacing had 67%);
#  * printed: the run's duration, queries and query rate against the limit
#    (NXDOMAIN answers share one bucket per zone and source netblock, while
#    a real name's answers have a bucket of their own, so the rate may pass
#    200/s without being limited), and the candidates given up on.
# Under CI=true never skipped: a missing knotc or mod-rrl is a failure.
source "$(dirname "$0")/../lib/testbed.sh"
tb_need_brute
tb_need_tools knotc

RATE=200 SLIP=2 BOUND=120
Z=$TB_TMP/zone
"$TB_PY" "$TB_ROOT/tests/zones/gen-zone.py" zone --zone gen.test --names 300 --filler 2700 --out "$Z"
tb_server_start auth --rrl "$RATE:$SLIP" "$Z/gen.test.zone"
R=$(tb_resolver auth)
W=$Z/labels.txt
ncand=$(grep -c '' "$W")

# rrl_counters: "slipped dropped" from Knot's per-zone module counters
# (`knotc zone-stats gen.test mod-rrl`: "[gen.test.] mod-rrl.slipped = N",
# "[gen.test.] mod-rrl.dropped = N"); both must be there
rrl_stats() { tb_knotc auth zone-stats gen.test mod-rrl 2>&1; }
rrl_counters() {
	local out
	out=$(rrl_stats) || tb_fail "knotc zone-stats gen.test mod-rrl: $out"
	awk '$2 == "mod-rrl.slipped" { s = $NF } $2 == "mod-rrl.dropped" { d = $NF }
		END { if (s == "" || d == "") exit 1; print s, d }' <<<"$out" ||
		tb_fail "no mod-rrl counters in: $out"
}
rrl_counters >/dev/null
echo "ok: mod-rrl loaded ($(rrl_stats | tr '\n' ' '))"

# --- the limit is in force: 2,000 NXDOMAIN queries in one burst -------------
read -r s0 d0 < <(rrl_counters)
"$TB_PY" - "$(tb_addr auth)" "$(tb_port auth)" <<'EOF' || tb_fail "burst probe failed"
import socket, struct, sys, time
addr, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
def q(i):
    name = b"".join(bytes([len(l)]) + l for l in (b"nx%d" % i, b"gen", b"test")) + b"\0"
    return struct.pack(">HHHHHH", i, 0, 1, 0, 0, 0) + name + struct.pack(">HH", 1, 1)
n = 2000
for i in range(n):
    s.sendto(q(i), (addr, port))
s.settimeout(0.5)
got = tc = 0
try:
    while True:
        d = s.recv(4096)
        got += 1
        tc += (d[2] >> 1) & 1
except socket.timeout:
    pass
print("burst: %d queries, %d answers, %d truncated" % (n, got, tc))
EOF
read -r s1 d1 < <(rrl_counters)
echo "burst: mod-rrl slipped +$((s1 - s0)), dropped +$((d1 - d0))"
((s1 + d1 > s0 + d0)) || tb_fail "mod-rrl did not limit a burst of 2,000 queries (counters $s0/$d0 -> $s1/$d1)"
echo "ok: Knot's RRL is in force"
sleep 2 # let the buckets refill

# --- dnsglean brute straight at the limited server --------------------------
t0=$(date +%s.%N)
tb_run_brute "$TB_TMP/rrl" gen.test -w "$W" -r "$R"
t1=$(date +%s.%N)
read -r s2 d2 < <(rrl_counters)
tb_assert_exit "brute against a rate-limited server" 0 "$TB_RC"
tb_check_stats "$TB_TMP/rrl.stats" "$ncand"
tb_assert_sets_eq "recall 100%, exactly the real names" "$Z/names.txt" <(tb_json_names "$TB_TMP/rrl.jsonl")
# not asserted: a non-existent candidate given up on does not cost recall
echo "rrl: failed candidates: $(tb_stat "$TB_TMP/rrl.stats" failed)"
"$TB_PY" "$TB_ROOT/tests/lib/check_results.py" --records "$Z/records.txt" --zone gen.test \
	--output "$TB_TMP/rrl.jsonl" || tb_fail "output data differ from the zone"

wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
q=$(tb_stat "$TB_TMP/rrl.stats" queries)
el=$(tb_stat "$TB_TMP/rrl.stats" elapsed_s)
echo "rrl: limit $RATE responses/s per flow, slip $SLIP; $ncand candidates"
echo "rrl: run ${wall}s (stats elapsed ${el}s), $q queries ($(jq -c '{retries,timeouts,mismatched}' "$TB_TMP/rrl.stats"))," \
	"$(awk -v q="$q" -v t="$el" 'BEGIN { printf "%.0f", (t > 0 ? q / t : 0) }') q/s achieved" \
	"($(awk -v q="$q" -v t="$el" -v r="$RATE" 'BEGIN { printf "%.1f", (t > 0 ? q / t / r : 0) }') x the limit)"
echo "rrl: Knot slipped $((s2 - s1)) and dropped $((d2 - d1)) of the run's answers"
echo "rrl: $(rrl_stats | tr '\n' ' ')"
limited=$((s2 - s1 + d2 - d1))
((limited * 100 <= q * 30)) ||
	tb_fail "Knot limited $limited of the run's $q queries (> 30%): not held near the limit"
echo "ok: held near the limit ($limited of $q queries limited)"
awk -v w="$wall" -v b="$BOUND" 'BEGIN { exit !(w <= b) }' ||
	tb_fail "the run took ${wall}s (bound ${BOUND}s)"
echo "ok: finished within ${BOUND}s"
echo PASS
