#!/usr/bin/env bash
# Checks dnssim (tests/sim/dnssim.c), the resolver-pool simulator, against a
# real Knot on loopback: forwarding (UDP and TCP), delay, loss, hijack,
# lie_after, rate limiting with REFUSED, blackhole, SERVFAIL, duplication,
# an unbound address, malformed packets, the stats JSON, --max-seconds, a
# dnsglean brute through a shaped pool, and throughput (dnsperf through
# dnssim vs straight to Knot, printed as "throughput: ...").
# Env: DG_SIM (the dnssim binary), DG_BIN (the dnsglean CLI). Under CI=true a
# missing tool fails the test; elsewhere it is skipped (tb_need_tools).
source "$(dirname "$0")/../lib/testbed.sh"

DG_SIM=${DG_SIM:-$TB_ROOT/build/tests/sim/dnssim}
tb_need_tools kdig dnsperf jq knotd
[[ -x $DG_SIM ]] || tb_fail "dnssim binary $DG_SIM not built"

# --- Knot with a tiny hand-written zone and a generated one ----------------
cat >"$TB_TMP/sim.test.zone" <<'Z'
$ORIGIN sim.test.
$TTL 300
@    SOA ns1 hostmaster 1 3600 600 86400 300
@    NS  ns1
ns1  A   192.0.2.53
www  A   192.0.2.1
Z
for i in $(seq 1 120); do echo "big A 10.0.$((i / 256)).$((i % 256))"; done >>"$TB_TMP/sim.test.zone"
G=$TB_TMP/gen
"$TB_PY" "$TB_ROOT/tests/zones/gen-zone.py" zone --zone gen.test --names 150 --filler 250 --out "$G" >/dev/null
tb_server_start knot "$TB_TMP/sim.test.zone" "$G/gen.test.zone"
UP=$(tb_resolver knot)

# --- dnssim with one resolver per profile ------------------------------------
if ((TB_NETNS)); then P=53; else P=$(tb_free_port 127.0.1.1); fi
V6=""
if "$TB_PY" -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' 2>/dev/null; then
	V6=$(tb_free_port ::1)
fi
CONF=$TB_TMP/sim.conf
{
	echo "# dnssim self-test profiles"
	echo "127.0.1.1:$P                 # plain forwarder"
	echo "127.0.1.2:$P delay=50"
	echo "127.0.1.3:$P loss=100"
	echo "127.0.1.4:$P mode=hijack hijack_ip=203.0.113.9"
	echo "127.0.1.5:$P rate=50 rate_mode=refused"
	echo "127.0.1.6:$P mode=blackhole"
	echo "127.0.1.7:$P mode=servfail"
	echo "127.0.1.8:$P lie_after=3"
	echo "127.0.1.9:$P dup=100"
	echo "127.0.1.10:$P delay=20 jitter=10 reorder=30 loss=5"
	echo "127.0.1.11:$P delay=30 jitter=20 loss=5 servfail_burst=5"
	echo "127.0.1.12:$P rate=100"
	[[ -z $V6 ]] || echo "[::1]:$V6 delay=5"
} >"$CONF"
STATS=$TB_TMP/sim.stats
READY=$TB_TMP/sim.ready
tb_bg sim "$DG_SIM" --upstream "$UP" --config "$CONF" --stats "$STATS" --ready "$READY" --seed 7 --max-seconds 500
SIM_PID=${TB_PID[sim]}
for ((i = 0; i < 100; i++)); do
	[[ -s $READY ]] && break
	kill -0 "$SIM_PID" 2>/dev/null || break
	sleep 0.05
done
[[ -s $READY ]] || {
	cat "$TB_TMP/sim.log" >&2
	tb_fail "dnssim did not become ready"
}
echo "ok: dnssim ready ($(cat "$READY"))"

q() { # q N ARGS...: kdig through simulated resolver 127.0.1.N
	local n=$1
	shift
	kdig @127.0.1."$n" -p "$P" +time=2 +retry=0 "$@" 2>&1 || true
}
status_of() { sed -n 's/.*status: \([A-Z]*\).*/\1/p' <<<"$1" | head -1; }
ms_of() { sed -n 's/^;; From .* in \([0-9.]*\) ms$/\1/p' <<<"$1" | head -1; }

# sim_stats: asks for a fresh stats file (SIGUSR1) and waits for it
sim_stats() {
	rm -f "$STATS"
	kill -USR1 "$SIM_PID"
	for ((i = 0; i < 100; i++)); do
		[[ -s $STATS ]] && return 0
		sleep 0.05
	done
	tb_fail "no stats file after SIGUSR1"
}
rs() { jq -r --arg a "127.0.1.$1:$P" --arg k "$2" '.resolvers[] | select(.addr == $a) | .[$k]' "$STATS"; }

# --- forward --------------------------------------------------------------
tb_assert_eq "forward: www A" 192.0.2.1 "$(q 1 +short www.sim.test A)"
tb_assert_eq "forward: NXDOMAIN passes" NXDOMAIN "$(status_of "$(q 1 nope.sim.test A)")"
tb_assert_eq "forward over TCP" 192.0.2.1 "$(q 1 +tcp +short www.sim.test A)"
tb_assert_eq "truncated over UDP, whole over TCP (kdig falls back)" 120 \
	"$(q 1 +short big.sim.test A | grep -c '^10\.0\.')"

# --- delay=50 adds at least 50 ms --------------------------------------------
min_ms() { # min_ms N: the smallest of 3 query times through 127.0.1.N
	local best=999999 out t
	for _ in 1 2 3; do
		out=$(q "$1" www.sim.test A)
		t=$(ms_of "$out")
		[[ -n $t ]] || tb_fail "no query time through 127.0.1.$1: $out"
		best=$(awk -v a="$best" -v b="$t" 'BEGIN{print (b < a) ? b : a}')
	done
	echo "$best"
}
d0=$(min_ms 1)
d50=$(min_ms 2)
awk -v a="$d0" -v b="$d50" 'BEGIN{exit !(b - a >= 45 && b >= 50 && b < 1000)}' ||
	tb_fail "delay=50: plain ${d0} ms, delayed ${d50} ms"
echo "ok: delay=50 (plain ${d0} ms, delayed ${d50} ms)"

# --- loss=100 never answers ------------------------------------------------
for _ in 1 2 3 4 5; do
	out=$(q 3 +time=1 www.sim.test A)
	[[ $out != *"status:"* ]] || tb_fail "loss=100 answered: $out"
done
echo "ok: loss=100 never answers (5 queries)"

# --- hijack, lie_after --------------------------------------------------------
tb_assert_eq "hijack: NXDOMAIN becomes the hijack IP" 203.0.113.9 "$(q 4 +short nope.sim.test A)"
out=$(q 4 nope2.sim.test A)
tb_assert_eq "hijack: status" NOERROR "$(status_of "$out")"
[[ $out == *"nope2.sim.test."*"60"*"IN"*"A"*"203.0.113.9"* ]] || tb_fail "hijack record: $out"
tb_assert_eq "hijack: existing names untouched" 192.0.2.1 "$(q 4 +short www.sim.test A)"
for i in 1 2 3; do
	tb_assert_eq "lie_after=3: query $i honest" NXDOMAIN "$(status_of "$(q 8 nope$i.sim.test A)")"
done
tb_assert_eq "lie_after=3: query 4 lies" 198.51.100.7 "$(q 8 +short nope4.sim.test A)"

# --- blackhole, servfail, nothing listening -------------------------------------
out=$(q 6 +time=1 www.sim.test A)
[[ $out != *"status:"* ]] || tb_fail "blackhole answered: $out"
echo "ok: blackhole does not answer"
tb_assert_eq "servfail mode" SERVFAIL "$(status_of "$(q 7 www.sim.test A)")"
out=$(q 99 +time=1 www.sim.test A)
[[ $out != *"status:"* ]] || tb_fail "127.0.1.99 (no config line) answered: $out"
[[ $out == *"refused"* || $out == *"failed"* ]] || tb_fail "127.0.1.99: $out"
# kdig does not report the ICMP port unreachable; a connected socket does
r=$("$TB_PY" - "$P" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
s.connect(("127.0.1.99", int(sys.argv[1])))
s.send(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01")
try:
    s.recv(512)
    print("answered")
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
EOF
)
tb_assert_eq "an unconfigured address is not bound (ICMP port unreachable)" refused "$r"

# --- dup=100: two copies of each answer ---------------------------------------
n=$("$TB_PY" - "$P" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
q = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + b"\x03www\x03sim\x04test\x00\x00\x01\x00\x01"
s.sendto(q, ("127.0.1.9", int(sys.argv[1])))
n = 0
try:
    while True:
        d, _ = s.recvfrom(4096)
        if d[:2] == b"\x42\x42":
            n += 1
except socket.timeout:
    pass
print(n)
EOF
)
tb_assert_eq "dup=100: copies of one answer" 2 "$n"

# --- malformed packets are counted, never fatal -----------------------------------
printf 'xx' >/dev/udp/127.0.1.1/"$P"
printf '\x12\x34\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00\x03www' >/dev/udp/127.0.1.1/"$P"
printf '\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01' >/dev/udp/127.0.1.1/"$P"
sleep 0.2
kill -0 "$SIM_PID" || tb_fail "dnssim died on malformed packets"
tb_assert_eq "still answers after malformed packets" 192.0.2.1 "$(q 1 +short www.sim.test A)"

# --- rate=50 rate_mode=refused: 500 queries sent fast ---------------------------
for _ in $(seq 500); do echo "www.sim.test A"; done >"$TB_TMP/q500"
dnsperf -s 127.0.1.5 -p "$P" -d "$TB_TMP/q500" -n 1 -q 100 -t 2 >"$TB_TMP/rate.out" 2>&1 || true
codes=$(grep 'Response codes' "$TB_TMP/rate.out" || true)
ok=$(sed -n 's/.*NOERROR \([0-9]*\).*/\1/p' <<<"$codes")
ref=$(sed -n 's/.*REFUSED \([0-9]*\).*/\1/p' <<<"$codes")
[[ -n $ok && -n $ref ]] || tb_fail "rate: dnsperf: $(cat "$TB_TMP/rate.out")"
((ok + ref == 500 && ref >= 300 && ok >= 5)) || tb_fail "rate=50: NOERROR $ok REFUSED $ref"
echo "ok: rate=50 rate_mode=refused: $ok answered, $ref REFUSED of 500"

# --- rate=100 (drop), in-flight and qps accounting ----------------------------
dnsperf -s 127.0.1.12 -p "$P" -d "$TB_TMP/q500" -n 1 -q 500 -t 1 >"$TB_TMP/drop.out" 2>&1 || true
# delay=50 with at most 20 in flight: dnssim sees <= 20 outstanding
dnsperf -s 127.0.1.2 -p "$P" -d "$TB_TMP/q500" -n 1 -q 20 -t 2 >"$TB_TMP/infl.out" 2>&1 || true
grep -q 'Queries completed: *500 ' "$TB_TMP/infl.out" || tb_fail "delay=50 -q 20: $(cat "$TB_TMP/infl.out")"
# shaped profiles answer every query that is not lost
dnsperf -s 127.0.1.10 -p "$P" -d "$TB_TMP/q500" -n 1 -q 50 -t 2 >"$TB_TMP/reorder.out" 2>&1 || true

# --- the stats JSON ------------------------------------------------------
sim_stats
jq -e . "$STATS" >/dev/null || tb_fail "stats not JSON: $(cat "$STATS")"
for k in addr received forwarded answered lost_in lost_out rate_dropped rate_refused hijacked \
	max_qps_1s max_outstanding; do
	jq -e --arg k "$k" '.resolvers | all(has($k))' "$STATS" >/dev/null || tb_fail "stats: no '$k'"
done
jq -e '.upstream_timeouts | type == "number"' "$STATS" >/dev/null || tb_fail "stats: upstream_timeouts"
# every received query ends in exactly one place
jq -e '.resolvers | all(.received == .answered + .lost_in + .lost_out + .rate_dropped +
	.blackholed + .upstream_timeouts + .dropped_full + .outstanding)' "$STATS" >/dev/null ||
	tb_fail "stats do not add up: $(cat "$STATS")"
echo "ok: stats add up for every resolver"
# 127.0.1.1: www, nope, big (then again over TCP), 3 timed, 1 after the malformed ones
tb_assert_eq "stats: forward received (UDP)" 7 "$(rs 1 received)"
tb_assert_eq "stats: forward answered" 7 "$(rs 1 answered)"
tb_assert_eq "stats: forward malformed" 3 "$(rs 1 malformed)"
tb_assert_eq "stats: loss=100 received" 5 "$(rs 3 received)"
tb_assert_eq "stats: loss=100 lost_in" 5 "$(rs 3 lost_in)"
tb_assert_eq "stats: loss=100 answered" 0 "$(rs 3 answered)"
tb_assert_eq "stats: hijacked" 2 "$(rs 4 hijacked)"
tb_assert_eq "stats: lie_after hijacked" 1 "$(rs 8 hijacked)"
tb_assert_eq "stats: rate=50 received" 500 "$(rs 5 received)"
tb_assert_eq "stats: rate=50 rate_refused == dnsperf's REFUSED" "$ref" "$(rs 5 rate_refused)"
tb_assert_eq "stats: rate=50 forwarded == dnsperf's NOERROR" "$ok" "$(rs 5 forwarded)"
tb_assert_eq "stats: rate=100 received" 500 "$(rs 12 received)"
tb_assert_eq "stats: rate=100 dropped + answered" 500 "$(($(rs 12 rate_dropped) + $(rs 12 answered)))"
((($(rs 12 rate_dropped)) > 300)) || tb_fail "rate=100: only $(rs 12 rate_dropped) dropped"
((($(rs 12 max_qps_1s)) == 500)) || tb_fail "rate=100: max_qps_1s $(rs 12 max_qps_1s), 500 sent at once"
tb_assert_eq "stats: blackhole received" 1 "$(rs 6 received)"
tb_assert_eq "stats: blackhole answered" 0 "$(rs 6 answered)"
mo=$(rs 2 max_outstanding)
((mo >= 15 && mo <= 20)) || tb_fail "delay=50 with dnsperf -q 20: max_outstanding $mo"
echo "ok: max_outstanding $mo with 20 in flight"
r10=$(jq -c --arg a "127.0.1.10:$P" '.resolvers[] | select(.addr == $a)' "$STATS")
tb_assert_eq "reorder profile: received" 500 "$(rs 10 received)"
tb_assert_eq "reorder profile: nothing left over" 500 "$(($(rs 10 answered) + $(rs 10 lost_in) + $(rs 10 lost_out)))"
echo "ok: reorder profile $r10"
tb_assert_eq "no upstream timeouts" 0 "$(jq .upstream_timeouts "$STATS")"

# --- IPv6 ---------------------------------------------------------------
if [[ -n $V6 ]]; then
	tb_assert_eq "IPv6 resolver [::1]:$V6" 192.0.2.1 "$(kdig @::1 -p "$V6" +time=2 +retry=0 +short www.sim.test A)"
fi

# --- dnsglean brute through a shaped pool ------------------------------------
if [[ -x $DG_BIN ]]; then
	tb_run_brute "$TB_TMP/br" gen.test -w "$G/labels.txt" \
		-r "127.0.1.10:$P,127.0.1.11:$P,127.0.1.2:$P" --timeout 400 --retries 6
	tb_assert_exit "dnsglean brute through the pool" 0 "$TB_RC"
	tb_json_names "$TB_TMP/br.jsonl" >"$TB_TMP/br.names"
	tb_assert_sets_eq "brute through delay/jitter/loss/servfail resolvers" "$G/names.txt" "$TB_TMP/br.names"
else
	tb_skip --part "brute through the pool" "$DG_BIN not built" || true
fi

# --- throughput: dnsperf straight to Knot vs through dnssim --------------------
qps() { sed -n 's/.*Queries per second: *\([0-9.]*\).*/\1/p' "$1"; }
KA=$(tb_addr knot)
KP=$(tb_port knot)
dnsperf -s "$KA" -p "$KP" -d "$TB_TMP/q500" -l 5 -c 1 -q 2000 >"$TB_TMP/direct.out" 2>&1 || true
dnsperf -s 127.0.1.1 -p "$P" -d "$TB_TMP/q500" -l 5 -c 1 -q 2000 >"$TB_TMP/viasim.out" 2>&1 || true
qd=$(qps "$TB_TMP/direct.out")
qs=$(qps "$TB_TMP/viasim.out")
[[ -n $qd && -n $qs ]] || tb_fail "dnsperf: $(cat "$TB_TMP/direct.out" "$TB_TMP/viasim.out")"
echo "throughput: direct to Knot $qd q/s, through dnssim $qs q/s" \
	"(lost: direct $(sed -n 's/.*Queries lost: *\([0-9]*\).*/\1/p' "$TB_TMP/direct.out")," \
	"dnssim $(sed -n 's/.*Queries lost: *\([0-9]*\).*/\1/p' "$TB_TMP/viasim.out"))"
# a functional floor only (2 shared cores): dnssim must not collapse
awk -v a="$qs" 'BEGIN{exit !(a >= 5000)}' || tb_fail "through dnssim only $qs q/s"

# --- exit: SIGTERM writes the stats, --max-seconds ends it by itself --------------
rm -f "$STATS"
kill -TERM "$SIM_PID"
wait "$SIM_PID" && rc=0 || rc=$?
unset "TB_PID[sim]"
tb_assert_exit "dnssim exits on SIGTERM" 0 "$rc"
[[ -s $STATS ]] || tb_fail "no stats written on exit"
((($(rs 1 received)) > 10000)) || tb_fail "final stats: forward received $(rs 1 received)"
echo "ok: final stats written ($(rs 1 received) queries through 127.0.1.1)"
echo "127.0.1.1:$P" >"$TB_TMP/one.conf"
start=$(date +%s%N)
"$DG_SIM" --upstream "$UP" --config "$TB_TMP/one.conf" --max-seconds 1 2>/dev/null
el=$((($(date +%s%N) - start) / 1000000))
((el >= 900 && el < 5000)) || tb_fail "--max-seconds 1 ran $el ms"
echo "ok: --max-seconds 1 ran $el ms"
"$DG_SIM" --upstream 192.0.2.1:53 --config "$TB_TMP/one.conf" 2>/dev/null && tb_fail "non-loopback upstream accepted"
echo "10.0.0.1:53" >"$TB_TMP/bad.conf"
"$DG_SIM" --upstream "$UP" --config "$TB_TMP/bad.conf" 2>/dev/null && tb_fail "non-loopback resolver accepted"
echo "ok: non-loopback addresses refused"
echo "PASS: sim.selftest"
