#!/usr/bin/env bash
# dnsglean brute against simulated resolver paths, beside massdns (not run by
# ctest).
#
#   bash tests/bench/world-bench.sh [SIZES...]     (default: 100000 1000000)
#
# Starts Knot DNS (tb_server_start, in the test bed's private network
# namespace: this script refuses to run outside one) with a generated zone
# of 5,000 real names (tests/zones/gen-zone.py; 5,010 with its fixed names)
# and, in front of it, dnssim (tests/sim) listening on 127.0.1.x port 53
# with one of these cases:
#   a   one resolver 10 ms away, 0.5% loss (each way)
#   b   one resolver at 40 +- 10 ms, 1% loss
#   b2  (b') one resolver at 150 ms
#   c   a pool of 220 listed resolvers: 170 honest ones with RTT 10-150 ms
#       and loss 0.5-8% (a deterministic spread), 20 rate-limited at 300 q/s
#       (10 drop, 10 answer REFUSED), 10 NXDOMAIN hijackers, 10 black holes
#       and 10 dead addresses (listed, nothing listening)
#   d   one resolver with 30% loss each way, 5% duplicated answers and up to
#       200 ms of reordering; always 10,000 candidates, whatever SIZES says
# Candidate lists: the real labels + non-existent ones, shuffled, SIZE
# lines. For each case and size, in turn (alternating when BENCH_REPEAT > 1):
#   dnsglean     dnsglean brute gen.test -w LIST -r RESOLVERS --stats -o
#                (its defaults: nothing that tunes speed)
#   massdns      massdns -r RESOLVERS -t A -o S -w OUT NAMES (its defaults)
#   massdns-s1k  the same with -s 1000
# massdns is not part of the repository: build it from its public source
# (github.com/blechschmidt/massdns, `make`) and point $MASSDNS at the
# binary (default /work/scratch/massdns/bin/massdns); when it is missing its
# rows are left out.
#
# Columns (from /usr/bin/time -v and the outputs):
#   wall_s, names/s (= candidates / wall), cpu_s (user+sys), rss_mb (peak);
#   q/name    UDP queries dnssim received during the run / candidates (TCP
#             retries of truncated answers not included);
#   recall    real names reported / real names (5,010);
#   recall_a  the same over the real names whose A query has an answer (an A
#             or a CNAME record): the most `massdns -t A -o S` can show (it
#             prints answer records only; AAAA-, MX-, TXT-only names and
#             empty non-terminals leave no line);
#   fp        reported names that do not exist (the hijackers' lies);
#   failed    dnsglean: "failed" from --stats; massdns: answerable real
#             names (recall_a's denominator) missing from its output;
#   status    ok, TIMEOUT, or exit=N.
# A name counts as reported by dnsglean if its JSONL has it with status
# NOERROR (not wildcard); by massdns if its -o S output has an A or CNAME
# line owned by it.
#
# Results: a table (with BENCH_REPEAT > 1, the run with the median wall
# time, and every wall time) and tests/bench/out/world.tsv (every run).
#
# Environment: BENCH_CASES ("a b b2 c d"), BENCH_REPEAT (1), BENCH_TIMEOUT
# (600 s per command), MASSDNS, DNSSIM (default: next to $DG_BIN, in
# tests/sim/), BENCH_NAMES (5000), BENCH_SEED (1: dnssim's seed),
# BENCH_S1K (1; 0 leaves out massdns -s 1000, which takes minutes at 1M).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib/testbed.sh"

sizes=("$@")
((${#sizes[@]})) || sizes=(100000 1000000)
read -r -a cases <<<"${BENCH_CASES:-a b b2 c d}"
reps=${BENCH_REPEAT:-1}
tmo=${BENCH_TIMEOUT:-600}
nnames=${BENCH_NAMES:-5000}
seed=${BENCH_SEED:-1}
MASSDNS=${MASSDNS:-/work/scratch/massdns/bin/massdns}
DNSSIM=${DNSSIM:-$(dirname "$DG_BIN")/../tests/sim/dnssim}
outdir=$TB_ROOT/tests/bench/out
tsv=$outdir/world.tsv
ZONE=gen.test
D_CANDIDATES=10000 # case d's list size

# --- checks ---------------------------------------------------------------
check_tools() {
	((TB_NETNS)) || tb_fail "world-bench needs the test bed's network namespace (run as root, or where unshare -rn works)"
	[[ -x $DG_BIN ]] || tb_fail "build dnsglean first ($DG_BIN)"
	[[ -x $DNSSIM ]] || tb_fail "build dnssim first ($DNSSIM; target dnssim) or set DNSSIM"
	[[ -x /usr/bin/time ]] || tb_fail "/usr/bin/time missing (GNU time)"
	HAVE_MASSDNS=1
	if [[ ! -x $MASSDNS ]]; then
		echo "bench: massdns not found at $MASSDNS (set MASSDNS): its rows are left out"
		HAVE_MASSDNS=0
	fi
	local c
	for c in "${cases[@]}"; do
		case $c in a | b | b2 | "b'" | c | d) ;; *) tb_fail "unknown case '$c' (a b b2 c d)" ;; esac
	done
}

# massdns drops privileges to nobody when it runs as uid 0; as root in a
# user namespace (unshare -rn) uid 65534 is not mapped and the drop fails,
# so there (only) it is told to stay root. Nothing that changes its speed.
massdns_priv_args() {
	MD_PRIV=()
	if ((EUID == 0)) && ! grep -qE '^ +0 +0 +4294967295$' /proc/self/uid_map; then
		MD_PRIV=(--root)
	fi
}

# --- the zone and the candidate lists -------------------------------------
# Sets KNOT (addr:port), Z0 (zone dir) and the sets of real names:
#   $Z0/names.txt   real depth-1 names (recall's denominator)
#   $Z0/answerable.txt  those that own an A or CNAME record
setup_zone() {
	Z0=$TB_TMP/z0
	"$TB_PY" "$TB_ROOT/tests/zones/gen-zone.py" zone --zone $ZONE --names "$nnames" --filler 0 --out "$Z0"
	tb_server_start knot "$Z0/$ZONE.zone"
	KNOT=$(tb_resolver knot)
	nreal=$(grep -c '' "$Z0/names.txt")
	awk '$2 == "A" || $2 == "CNAME" { print $1 }' "$Z0/records.txt" | LC_ALL=C sort -u |
		LC_ALL=C comm -12 - "$Z0/names.txt" >"$Z0/answerable.txt"
	nans=$(grep -c '' "$Z0/answerable.txt")
}

# Makes (once per size) $TB_TMP/list-SIZE/{labels.txt,fqdn.txt}; sets L.
make_list() {
	local size=$1
	L=$TB_TMP/list-$size
	[[ -s $L/labels.txt ]] && return 0
	((size >= nreal)) || tb_fail "size $size < $nreal real names"
	"$TB_PY" "$TB_ROOT/tests/zones/gen-zone.py" zone --zone $ZONE --names "$nnames" \
		--filler $((size - nreal)) --out "$L"
	cmp -s "$L/$ZONE.zone" "$Z0/$ZONE.zone" || tb_fail "the zone differs between sizes"
	sed "s/\$/.$ZONE/" "$L/labels.txt" >"$L/fqdn.txt"
	rm -f "$L/records.txt" "$L/all-names.txt" "$L/$ZONE.zone"
}

# --- dnssim configurations ------------------------------------------------
# sim_config CASE DIR: writes DIR/sim.conf and DIR/resolvers.txt (the
# addresses both tools get, dead ones included).
sim_config() {
	local c=$1 dir=$2
	mkdir -p "$dir"
	case $c in
	a) echo "127.0.1.1:53 delay=10 loss=0.5" ;;
	b) echo "127.0.1.1:53 delay=40 jitter=10 loss=1" ;;
	b2) echo "127.0.1.1:53 delay=150" ;;
	c) pool_config ;;
	d) echo "127.0.1.1:53 loss=30 dup=5 reorder=200" ;;
	esac >"$dir/sim.conf"
	if [[ $c == c ]]; then
		# every configured address plus 10 dead ones, in a fixed shuffled order
		{
			awk '/^127/ { sub(/:53$/, "", $1); print $1 }' "$dir/sim.conf"
			seq 211 220 | sed 's/^/127.0.1./'
		} | shuf --random-source=<(yes) >"$dir/resolvers.txt"
	else
		echo 127.0.1.1 >"$dir/resolvers.txt"
	fi
}

# case c: 127.0.1.1-170 honest, 171-190 rate-limited, 191-200 hijackers,
# 201-210 black holes (211-220 dead: no line)
pool_config() {
	awk 'BEGIN {
		for (i = 0; i < 170; i++) {
			rtt = 10 + i * 140 / 169                     # 10 .. 150 ms
			loss = 0.5 + ((i * 67) % 170) * 7.5 / 169    # 0.5 .. 8 %, not tied to rtt
			printf "127.0.1.%d:53 delay=%.1f jitter=%.1f loss=%.2f\n", i + 1, rtt, rtt / 10, loss
		}
		for (i = 0; i < 20; i++)
			printf "127.0.1.%d:53 delay=%d loss=1 rate=300 rate_mode=%s\n", 171 + i, 20 + 5 * i, i % 2 ? "refused" : "drop"
		for (i = 0; i < 10; i++)
			printf "127.0.1.%d:53 delay=%d mode=hijack\n", 191 + i, 15 + 10 * i
		for (i = 0; i < 10; i++)
			printf "127.0.1.%d:53 mode=blackhole\n", 201 + i
	}'
}

start_sim() { # CASE DIR
	local c=$1 dir=$2 i
	rm -f "$dir/ready"
	tb_bg sim "$DNSSIM" --upstream "$KNOT" --config "$dir/sim.conf" --stats "$dir/sim.json" \
		--seed "$seed" --ready "$dir/ready" --max-seconds 864000
	for ((i = 0; i < 100; i++)); do
		[[ -s $dir/ready ]] && return 0
		kill -0 "${TB_PID[sim]}" 2>/dev/null || break
		sleep 0.1
	done
	cat "$(tb_log sim)" >&2
	tb_fail "dnssim did not start for case $c"
}

# sim_received DIR: prints the UDP queries dnssim has received so far (all
# its addresses; a fresh stats file on SIGUSR1)
sim_received() {
	local i
	rm -f "$1/sim.json"
	kill -USR1 "${TB_PID[sim]}"
	for ((i = 0; i < 100; i++)); do
		[[ -s $1/sim.json ]] && break
		sleep 0.05
	done
	jq '[.resolvers[].received] | add' "$1/sim.json"
}

stop_sim() { # DIR: stops it and prints its totals
	rm -f "$1/sim.json"
	tb_server_stop sim
	[[ -s $1/sim.json ]] || return 0
	jq -r '[.resolvers[]] | "     dnssim: received \(map(.received) | add), answered \(map(.answered) | add), lost in/out \(map(.lost_in) | add)/\(map(.lost_out) | add), rate-dropped \(map(.rate_dropped) | add), rate-refused \(map(.rate_refused) | add), hijacked \(map(.hijacked) | add), black-holed \(map(.blackholed) | add)"' "$1/sim.json"
}

# --- measuring ------------------------------------------------------------
# timed OUT_PREFIX CMD...: runs CMD under /usr/bin/time -v and timeout;
# sets RC, WALL, CPU, RSS_MB and QUERIES (what dnssim received meanwhile).
timed() {
	local p=$1 q0
	shift
	RC=0
	q0=$(sim_received "$SIMDIR")
	/usr/bin/time -v -o "$p.time" timeout "$tmo" "$@" </dev/null >"$p.stdout" 2>"$p.err" || RC=$?
	read -r WALL CPU RSS_MB < <(awk -F': ' '
		/Elapsed \(wall clock\)/ { n = split($2, t, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + t[i] }
		/User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { m = $2 }
		END { printf "%.2f %.2f %.1f\n", w, u + s, m / 1024 }' "$p.time")
	sleep 0.5 # answers still held by dnssim count for this run
	QUERIES=$(($(sim_received "$SIMDIR") - q0))
}

status_of() { # RC
	case $1 in 0) echo ok ;; 124) echo TIMEOUT ;; *) echo "exit=$1" ;; esac
}

# score REPORTED_NAMES_FILE: sets FOUND, FOUND_A, FP
score() {
	FOUND=$(LC_ALL=C comm -12 "$1" "$Z0/names.txt" | grep -c '' || true)
	FOUND_A=$(LC_ALL=C comm -12 "$1" "$Z0/answerable.txt" | grep -c '' || true)
	FP=$(LC_ALL=C comm -23 "$1" "$Z0/names.txt" | grep -c '' || true)
}

# row CASE TOOL CANDIDATES FAILED: appends a result row from timed + score
row() {
	local c=$1 tool=$2 n=$3 failed=$4
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$tool" "$n" "$rep" "$WALL" \
		"$(awk -v n="$n" -v w="$WALL" 'BEGIN { printf "%.0f", (w > 0 ? n / w : 0) }')" \
		"$(awk -v n="$n" -v q="$QUERIES" 'BEGIN { printf "%.2f", q / n }')" "$CPU" "$RSS_MB" \
		"$(awk -v a="$FOUND" -v b="$nreal" 'BEGIN { printf "%.4f", a / b }')" \
		"$(awk -v a="$FOUND_A" -v b="$nans" 'BEGIN { printf "%.4f", a / b }')" \
		"$FP" "$failed" "$(status_of "$RC")" >>"$TB_TMP/rows.tsv"
}

run_dnsglean() { # CASE DIR
	local c=$1 dir=$2 O=$2/dnsglean failed
	rm -f "$O.jsonl" "$O.stats"
	timed "$O" "$DG_BIN" brute $ZONE -w "$L/labels.txt" -r "$dir/resolvers.txt" \
		--stats "$O.stats" -o "$O.jsonl"
	((RC == 0)) || echo "     dnsglean ($c): $(status_of $RC): $(tail -2 "$O.err" | tr '\n' ' ')"
	touch "$O.jsonl"
	tb_json_names "$O.jsonl" >"$O.names"
	score "$O.names"
	failed=-
	[[ -s $O.stats ]] && failed=$(tb_stat "$O.stats" failed)
	row "$c" dnsglean "$ncand" "$failed"
	[[ -s $O.stats ]] && jq -c '{queries,retries,timeouts,mismatched,failed,resolvers_live,qps}' "$O.stats" |
		sed 's/^/     dnsglean stats: /'
	return 0
}

run_massdns() { # CASE DIR TOOLNAME [ARGS...]
	local c=$1 dir=$2 tool=$3 O=$2/$3
	shift 3
	rm -f "$O.out"
	timed "$O" "$MASSDNS" "${MD_PRIV[@]}" "$@" -r "$dir/resolvers.txt" -t A -o S -w "$O.out" "$L/fqdn.txt"
	((RC == 0)) || echo "     $tool ($c): $(status_of $RC): $(tail -c 300 "$O.err" | tr '\n\r' '  ')"
	touch "$O.out"
	awk '$2 == "A" || $2 == "CNAME" { n = tolower($1); sub(/\.$/, "", n); print n }' "$O.out" |
		LC_ALL=C sort -u >"$O.names"
	score "$O.names"
	row "$c" "$tool" "$ncand" $((nans - FOUND_A))
}

# --- the table ------------------------------------------------------------
HEADER=$'case\ttool\tcandidates\trun\twall_s\tnames_per_s\tq_per_name\tcpu_s\trss_mb\trecall\trecall_a\tfp\tfailed\tstatus'

# prints, per tool, the run with the median wall time; appends every run to
# the TSV
flush_rows() {
	local tool line n all f
	cat "$TB_TMP/rows.tsv" >>"$tsv"
	cut -f2 "$TB_TMP/rows.tsv" | awk '!seen[$0]++' >"$TB_TMP/tools"
	while read -r tool; do
		awk -F'\t' -v t="$tool" '$2 == t' "$TB_TMP/rows.tsv" | sort -t$'\t' -k5,5g >"$TB_TMP/sorted.tsv"
		n=$(grep -c '' "$TB_TMP/sorted.tsv")
		line=$(sed -n "$(((n + 1) / 2))p" "$TB_TMP/sorted.tsv")
		IFS=$'\t' read -r -a f <<<"$line"
		printf '  %-4s %-12s %8s %-2s %8ss %8s/s  q/name %-5s cpu %7ss  rss %6s MB  recall %s  recall_a %s  fp %-5s failed %-5s %s\n' \
			"${f[@]}"
		if ((n > 1)); then
			all=$(cut -f5 "$TB_TMP/sorted.tsv" | tr '\n' ' ')
			echo "       wall of the $n runs: $all"
		fi
	done <"$TB_TMP/tools"
	: >"$TB_TMP/rows.tsv"
}

# --- one case -------------------------------------------------------------
run_case() {
	local c=$1 dir=$TB_TMP/case-$1 size csizes
	SIMDIR=$dir
	csizes=("${sizes[@]}")
	[[ $c == d ]] && csizes=("$D_CANDIDATES")
	sim_config "$c" "$dir"
	start_sim "$c" "$dir"
	echo "== case $c: $(grep -c '' "$dir/resolvers.txt") resolver(s), $(grep -c '^127' "$dir/sim.conf") simulated"
	for size in "${csizes[@]}"; do
		make_list "$size"
		ncand=$(grep -c '' "$L/labels.txt")
		echo "   $ncand candidates"
		for ((rep = 1; rep <= reps; rep++)); do
			run_dnsglean "$c" "$dir"
			sleep 1
			if ((HAVE_MASSDNS)); then
				run_massdns "$c" "$dir" massdns
				sleep 1
				if ((${BENCH_S1K:-1})); then
					run_massdns "$c" "$dir" massdns-s1k -s 1000
					sleep 1
				fi
			fi
		done
		flush_rows
	done
	stop_sim "$dir"
}

main() {
	check_tools
	massdns_priv_args
	mkdir -p "$outdir"
	setup_zone
	printf '%s\n' "$HEADER" >"$tsv"
	: >"$TB_TMP/rows.tsv"
	echo "bench: Knot on $KNOT, $nreal real names ($nans answer an A query); sizes ${sizes[*]};" \
		"cases ${cases[*]}; $reps run(s) each; timeout ${tmo}s; $(nproc) cores"
	((HAVE_MASSDNS)) && echo "bench: massdns $MASSDNS (${MD_PRIV[*]:-defaults})"
	local c
	for c in "${cases[@]}"; do
		[[ $c == "b'" ]] && c=b2
		run_case "$c"
	done
	echo "bench: results in $tsv"
}

main "$@"
exit
