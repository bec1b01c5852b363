#!/usr/bin/env bash
# core/deploy/slurm/ on a real single-node Slurm: Debian's slurmctld + slurmd
# (as root, proctrack/linuxproc, task/none: no cgroups) and munged (as the
# munge user, a key made here), all on loopback inside the test bed's private
# network namespace, with their configuration, state and sockets in $TB_TMP.
# submit.sh submits the brute job array (3 shards) and the merge job as a user
# would; the merged output must equal a single `dnsglean brute` run's, line
# for line. Every daemon is stopped on exit.
source "$(dirname "$0")/../lib/testbed.sh"
tb_need_tools munged slurmctld slurmd sbatch squeue scontrol
((EUID == 0)) || tb_skip "slurmctld and slurmd run as root here"
tb_need_netns
tb_need_brute
SLURM_N=3
SLURM_TIMEOUT=${SLURM_TIMEOUT:-180}

tb_gen_zone 300 900
tb_server_start auth "$Z/gen.test.zone"
R=$(tb_resolver auth)
echo "$R" >"$TB_TMP/resolvers.txt"

# --- munge: a fresh key, its own socket ------------------------------------
MU=$TB_TMP/munge
start_munge() {
	install -d -m 0755 -o munge -g munge "$MU"
	head -c 1024 /dev/urandom >"$MU/munge.key"
	chown munge:munge "$MU/munge.key"
	chmod 0400 "$MU/munge.key"
	tb_bg munged setpriv --reuid=munge --regid=munge --init-groups \
		munged -F --force --key-file="$MU/munge.key" --socket="$MU/munge.sock" \
		--log-file="$MU/munged.log" --pid-file="$MU/munged.pid" --seed-file="$MU/munged.seed" \
		--origin=127.0.0.1
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -S $MU/munge.sock ]] && return 0
		sleep 0.1
	done
	tb_fail "munged did not start: $(cat "$(tb_log munged)" "$MU/munged.log" 2>/dev/null | tail -5)"
}

# --- Slurm: one node, this host, everything under $TB_TMP/slurm ------------
SL=$TB_TMP/slurm
NODE=$(hostname -s)
write_slurm_conf() {
	mkdir -p "$SL/state" "$SL/spool"
	local cport dport
	cport=$(tb_free_port 127.0.0.1)
	dport=$((cport + 1))
	# the sbatch scripts ask for memory (--mem): declare 90% of this machine's
	local mem
	mem=$(awk '/^MemTotal:/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
	cat >"$SL/slurm.conf" <<EOF
ClusterName=dgtest
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$cport
SlurmdPort=$dport
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MU/munge.sock
StateSaveLocation=$SL/state
SlurmdSpoolDir=$SL/spool
SlurmctldPidFile=$SL/slurmctld.pid
SlurmdPidFile=$SL/slurmd.pid
SlurmctldLogFile=$SL/slurmctld.log
SlurmdLogFile=$SL/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=dg Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
	export SLURM_CONF=$SL/slurm.conf
}

start_slurm() {
	tb_bg slurmctld slurmctld -D -i -f "$SLURM_CONF"
	tb_bg slurmd slurmd -D -f "$SLURM_CONF" -N "$NODE"
	local i state=
	for ((i = 0; i < 300; i++)); do
		state=$(scontrol show node "$NODE" 2>/dev/null | sed -n 's/.*State=\([A-Z+]*\).*/\1/p' | head -1) || true
		[[ $state == IDLE* ]] && return 0
		sleep 0.2
	done
	tb_fail "slurm node not idle (state '$state'): $(tail -5 "$SL/slurmctld.log" "$SL/slurmd.log" 2>/dev/null)"
}

# Job state of JOBID (COMPLETED, FAILED, PENDING, ...).
job_state() {
	{ scontrol show job "$1" 2>/dev/null || true; } | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1
}

# Waits (bounded) until job $1 has ended; prints its final state.
wait_job() {
	local id=$1 s='' i
	for ((i = 0; i < SLURM_TIMEOUT * 5; i++)); do
		s=$(job_state "$id")
		case $s in
		COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE)
			echo "$s"
			return 0
			;;
		esac
		sleep 0.2
	done
	echo "TIMEOUT-WAITING($s)"
}

# Slurm binds its ports with getaddrinfo(AI_ADDRCONFIG), which finds no IPv4
# when 127.0.0.1 is the only address: give lo one more, still in 127/8.
((TB_NETNS)) && ip addr add 127.0.0.250/32 dev lo
start_munge
write_slurm_conf
start_slurm
echo "ok: slurmctld + slurmd up, node $NODE idle"

# --- the reference: one brute run, merged alone (canonical form) -----------
tb_run_brute "$TB_TMP/single" gen.test -q -w "$W" -r "$TB_TMP/resolvers.txt"
tb_assert_exit "single run" 0 "$TB_RC"
"$DG_BIN" merge -q "$TB_TMP/single.jsonl" >"$TB_TMP/single.merged"
tb_assert_sets_eq "single run finds the zone" "$Z/names.txt" <(tb_json_names "$TB_TMP/single.jsonl")

# --- submit.sh as a user runs it -------------------------------------------
OUT=$TB_TMP/out
mkdir -p "$TB_TMP/work"
cd "$TB_TMP/work" || tb_fail "no $TB_TMP/work"
merge_id=$(DG=$DG_BIN bash "$TB_ROOT/core/deploy/slurm/submit.sh" "$SLURM_N" gen.test "$W" \
	"$TB_TMP/resolvers.txt" "$OUT" 2>"$TB_TMP/submit.err") ||
	tb_fail "submit.sh: $(cat "$TB_TMP/submit.err")"
[[ $merge_id =~ ^[0-9]+$ ]] || tb_fail "submit.sh printed '$merge_id', not the merge job's id"
state=$(wait_job "$merge_id")
for log in "$TB_TMP"/work/*.log; do
	[[ -s $log ]] && sed "s|^|  $(basename "$log"): |" "$log" >&2
done
tb_assert_eq "merge job state" COMPLETED "$state"
squeue -h -o '%i %T' >"$TB_TMP/queue"
tb_assert_eq "nothing left in the queue" "" "$(cat "$TB_TMP/queue")"
# the array ran N tasks (logs dnsglean-brute-JOB_TASK.log, tasks 0..N-1), each its shard
tb_assert_eq "array tasks' logs" "$(seq 0 $((SLURM_N - 1)) | tr '\n' ' ')" \
	"$(find "$TB_TMP/work" -name 'dnsglean-brute-*_*.log' | sed 's/.*_\([0-9]*\)\.log$/\1/' | sort -n | tr '\n' ' ')"
for ((k = 1; k <= SLURM_N; k++)); do
	[[ -f $OUT/shard-$k.jsonl && -s $OUT/shard-$k.stats.json ]] || tb_fail "shard $k/$SLURM_N left no output"
done
echo "ok: the job array ($SLURM_N tasks) and merge job $merge_id completed"
cmp -s "$TB_TMP/single.merged" "$OUT/all.jsonl" ||
	tb_fail "merged shards differ from the single run: $(diff "$TB_TMP/single.merged" "$OUT/all.jsonl" | head -5)"
echo "ok: $SLURM_N Slurm shards + merge job = the single run, line for line ($(wc -l <"$OUT/all.jsonl") results)"
cd /
echo PASS
