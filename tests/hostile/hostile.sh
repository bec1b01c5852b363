#!/usr/bin/env bash
# Hostile-network tests: `dnsglean brute` through a damaging loopback proxy
# (proxy.py) in front of a real Knot server, in the test bed's namespace.
#   tests/hostile/hostile.sh [MODE[@DOMAIN]...]
# Without arguments every mode runs. Each run must finish, find every real
# name (with its addresses), report no wildcard-covered, spoofed or invented
# name, and its --stats counts must add up to the number of candidates.
# Prints a results table (mode, candidates, real names found, failed,
# wildcard, queries per candidate, time); HOSTILE_TABLE=FILE appends it there.
source "$(dirname "$0")/../lib/testbed.sh"
here=$TB_ROOT/tests/hostile

modes=("$@")
if ((${#modes[@]} == 0)); then
	modes=(clean loss:30 dup reorder jitter:200 truncate spoof ptrloop garbage
		silent-after:400 lie-after:400 loss:30@dev.hostile.test spoof@dev.hostile.test
		jitter:200@dev.hostile.test)
fi

"$TB_PY" "$here/hostile.py" gen "$TB_TMP"
tb_server_start knot hostile.test="$TB_TMP/hostile.test.zone"
upstream=$(tb_resolver knot)

status=0
n=0
{
	echo "| mode                   | cand. | real    | fail | wildc | q/cand | time    | result |"
	echo "|------------------------|-------|---------|------|-------|------|---------|--------|"
} >"$TB_TMP/table"
for spec in "${modes[@]}"; do
	mode=${spec%%@*}
	domain=hostile.test
	[[ $spec == *@* ]] && domain=${spec#*@}
	n=$((n + 1))
	tb_next_addr
	paddr=$TB_NEXT
	pport=$(if ((TB_NETNS)); then echo 53; else tb_free_port "$paddr"; fi)
	tb_bg "proxy$n" "$TB_PY" -u "$here/proxy.py" "$paddr" "$pport" "$upstream" "$mode" "$n"
	for ((i = 0; i < 100; i++)); do
		grep -q '^ready' "$TB_TMP/proxy$n.log" 2>/dev/null && break
		sleep 0.05
	done
	grep -q '^ready' "$TB_TMP/proxy$n.log" || tb_fail "proxy ($mode) did not start: $(cat "$TB_TMP/proxy$n.log")"
	resolvers="$paddr:$pport"
	case $mode in
	silent-after* | lie-after*)
		# the damaged resolver beside a healthy path to the same server
		resolvers="$paddr:$pport,$upstream"
		;;
	esac
	out=$TB_TMP/out$n.jsonl
	stats=$TB_TMP/stats$n.json
	t0=$(date +%s.%N)
	rc=0
	timeout 120 "$DG_BIN" brute "$domain" -w "$TB_TMP/words.txt" -r "$resolvers" \
		--all --show-wildcards -q -o "$out" --stats "$stats" \
		2>"$TB_TMP/brute$n.err" || rc=$?
	t1=$(date +%s.%N)
	secs=$(awk "BEGIN{print $t1 - $t0}")
	if ! "$TB_PY" "$here/hostile.py" check "$TB_TMP" "$domain" "$out" "$stats" "$rc" "$secs" \
		"$mode" >>"$TB_TMP/table"; then
		status=1
		sed 's/^/   brute: /' "$TB_TMP/brute$n.err" | head -5 >>"$TB_TMP/table"
	fi
	kill "${TB_PID[proxy$n]}" 2>/dev/null || true
	wait "${TB_PID[proxy$n]}" 2>/dev/null || true
	unset "TB_PID[proxy$n]"
	grep '^counts' "$TB_TMP/proxy$n.log" | sed "s/^/   proxy $mode: /" >&2 || true
done
cat "$TB_TMP/table"
[[ -n ${HOSTILE_TABLE-} ]] && cat "$TB_TMP/table" >>"$HOSTILE_TABLE"
exit $status
