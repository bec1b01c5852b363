#!/usr/bin/env bash
# N shards give exactly the single run's result once merged — run through the
# very commands of core/deploy/: the Kubernetes Indexed Job's pod script (with
# JOB_COMPLETION_INDEX set as Kubernetes sets it) and the Slurm job-array
# script (with the SLURM_ARRAY_* variables Slurm sets), against a real Knot
# server on loopback. The manifests are also checked as YAML.
source "$(dirname "$0")/../../lib/testbed.sh"
tb_need_brute
DEPLOY=$TB_ROOT/core/deploy

tb_gen_zone 1500 4500
tb_server_start auth "$Z/gen.test.zone"
R=$(tb_resolver auth)

# the single run, reference of everything below (merged alone: the canonical
# order and form)
tb_run_brute "$TB_TMP/single" gen.test -w "$W" -r "$R" --all
tb_assert_exit "single run" 0 "$TB_RC"
"$DG_BIN" merge -q "$TB_TMP/single.jsonl" >"$TB_TMP/single.merged"
tb_assert_eq "single run: one line per candidate (--all)" "$ncand" "$(wc -l <"$TB_TMP/single.merged")"
tb_assert_sets_eq "single run finds the zone" "$Z/names.txt" <(tb_json_names "$TB_TMP/single.jsonl")

# --- Kubernetes: the manifests are YAML with the right shape -------------
"$TB_PY" -c 'import yaml' 2>/dev/null || tb_fail "python3-yaml is needed (scripts/packages.txt)"
"$TB_PY" - "$DEPLOY/k8s" "$TB_TMP" <<'PY' || tb_fail "Kubernetes manifests"
import sys, yaml
d, out = sys.argv[1], sys.argv[2]
docs = list(yaml.safe_load_all(open(d + "/brute-indexed-job.yaml")))
kinds = [x["kind"] for x in docs]
assert kinds == ["ConfigMap", "PersistentVolumeClaim", "Job"], kinds
job = docs[2]
assert job["apiVersion"] == "batch/v1"
spec = job["spec"]
assert spec["completionMode"] == "Indexed", spec
c = spec["template"]["spec"]["containers"][0]
env = {e["name"]: e["value"] for e in c["env"]}
n = int(env["SHARDS"])
assert spec["completions"] == n and spec["parallelism"] == n, (spec, n)
assert c["command"] == ["/bin/sh", "-c"]
assert "JOB_COMPLETION_INDEX" in c["args"][0]
assert "EXTRA" in env and "${EXTRA:-}" in c["args"][0]
mounts = {m["mountPath"] for m in c["volumeMounts"]}
assert env["INPUT"] in mounts and env["OUT"] in mounts, (env, mounts)
open(out + "/k8s-pod.sh", "w").write(c["args"][0])
open(out + "/k8s-shards", "w").write(str(n))
m = yaml.safe_load(open(d + "/merge-job.yaml"))
assert m["kind"] == "Job"
mc = m["spec"]["template"]["spec"]["containers"][0]
menv = {e["name"]: e["value"] for e in mc["env"]}
assert int(menv["SHARDS"]) == n, "merge-job.yaml and the Indexed Job disagree on SHARDS"
open(out + "/k8s-merge.sh", "w").write(mc["args"][0])
print("ok: manifests: Indexed Job of %d pods, merge Job" % n)
PY
N=$(cat "$TB_TMP/k8s-shards")
IN=$TB_TMP/k8s-input OUT=$TB_TMP/k8s-results
mkdir -p "$IN" "$OUT"
cp "$W" "$IN/words.txt"
echo "$R" >"$IN/resolvers.txt"
# each pod as Kubernetes runs it: JOB_COMPLETION_INDEX = 0..N-1
for ((i = 0; i < N; i++)); do
	rc=0
	env JOB_COMPLETION_INDEX=$i SHARDS="$N" EXTRA=--all DG="$DG_BIN" DOMAIN=gen.test INPUT="$IN" OUT="$OUT" \
		/bin/sh "$TB_TMP/k8s-pod.sh" 2>"$TB_TMP/pod$i.err" || rc=$?
	tb_assert_exit "k8s pod $i" 0 "$rc"
	tb_check_stats "$OUT/shard-$i.stats.json"
done
# the merge Job refuses an incomplete set
mv "$OUT/shard-1.jsonl" "$TB_TMP/held"
rc=0
env SHARDS="$N" DG="$DG_BIN" OUT="$OUT" /bin/sh "$TB_TMP/k8s-merge.sh" 2>"$TB_TMP/merge.err" || rc=$?
((rc != 0)) || tb_fail "merge Job merged a set with a missing shard"
grep -q "shard 2/$N" "$TB_TMP/merge.err" || tb_fail "merge Job: no clear message: $(cat "$TB_TMP/merge.err")"
mv "$TB_TMP/held" "$OUT/shard-1.jsonl"
env SHARDS="$N" DG="$DG_BIN" OUT="$OUT" /bin/sh "$TB_TMP/k8s-merge.sh" 2>"$TB_TMP/merge.err" ||
	tb_fail "merge Job failed: $(cat "$TB_TMP/merge.err")"
total=0
for ((i = 0; i < N; i++)); do
	total=$((total + $(tb_stat "$OUT/shard-$i.stats.json" candidates)))
done
tb_assert_eq "k8s: shard candidates add up" "$ncand" "$total"
tb_assert_eq "k8s: no name in two shards" 0 \
	"$(cat "$OUT"/shard-*.jsonl | jq -r .name | sort | uniq -d | wc -l)"
cmp -s "$TB_TMP/single.merged" "$OUT/all.jsonl" ||
	tb_fail "k8s: merged shards differ from the single run: $(diff "$TB_TMP/single.merged" "$OUT/all.jsonl" | head -5)"
echo "ok: $N Kubernetes shards + merge = the single run, line for line ($ncand results)"

# a restarted pod (its state file is there) resumes and changes nothing
cp "$OUT/shard-2.jsonl" "$TB_TMP/before"
env JOB_COMPLETION_INDEX=2 SHARDS="$N" EXTRA=--all DG="$DG_BIN" DOMAIN=gen.test INPUT="$IN" OUT="$OUT" \
	/bin/sh "$TB_TMP/k8s-pod.sh" 2>"$TB_TMP/pod2b.err" || tb_fail "restarted pod: $(cat "$TB_TMP/pod2b.err")"
tb_assert_sets_eq "restarted pod: same shard output" <(sort "$TB_TMP/before") <(sort "$OUT/shard-2.jsonl")

# --- Slurm: the job-array script's shard arithmetic ----------------------
S=$DEPLOY/slurm
SO=$TB_TMP/slurm
# an array --array=5-7: tasks 5, 6, 7 are shards 1/3, 2/3, 3/3
for id in 5 6 7; do
	rc=0
	env SLURM_ARRAY_TASK_ID=$id SLURM_ARRAY_TASK_MIN=5 SLURM_ARRAY_TASK_MAX=7 SLURM_ARRAY_TASK_COUNT=3 \
		DG="$DG_BIN" DOMAIN=gen.test WORDS="$W" RESOLVERS="$R" OUT="$SO" \
		/bin/sh "$S/brute-array.sbatch" 2>"$TB_TMP/task$id.err" || rc=$?
	tb_assert_exit "slurm task $id" 0 "$rc"
done
for k in 1 2 3; do
	[[ -s $SO/shard-$k.jsonl ]] || tb_fail "slurm: no shard-$k.jsonl"
done
[[ ! -e $SO/shard-4.jsonl && ! -e $SO/shard-0.jsonl ]] || tb_fail "slurm: shard numbers outside 1..3"
# each task ran the shard its index says: the same slice --shard K/3 gives
tb_run_brute "$TB_TMP/direct2" gen.test -w "$W" -r "$R" --shard 2/3
tb_assert_sets_eq "slurm task 6 = --shard 2/3" <(tb_json_names "$TB_TMP/direct2.jsonl") <(tb_json_names "$SO/shard-2.jsonl")
env SHARDS=3 DG="$DG_BIN" OUT="$SO" /bin/sh "$S/merge.sbatch" 2>"$TB_TMP/smerge.err" ||
	tb_fail "slurm merge: $(cat "$TB_TMP/smerge.err")"
"$DG_BIN" merge -q "$TB_TMP/single.jsonl" | jq -c 'select(.status == "found" or .status == "nodata")' >"$TB_TMP/single.found"
cmp -s "$TB_TMP/single.found" "$SO/all.jsonl" ||
	tb_fail "slurm: merged shards differ from the single run: $(diff "$TB_TMP/single.found" "$SO/all.jsonl" | head -5)"
echo "ok: 3 Slurm array tasks + merge = the single run"
# a task outside the array, or no array at all: a clear error
rc=0
env SLURM_ARRAY_TASK_ID=9 SLURM_ARRAY_TASK_MIN=5 SLURM_ARRAY_TASK_COUNT=3 DG="$DG_BIN" DOMAIN=gen.test \
	WORDS="$W" RESOLVERS="$R" OUT="$SO" /bin/sh "$S/brute-array.sbatch" 2>"$TB_TMP/bad.err" || rc=$?
tb_assert_exit "slurm task outside the array" 2 "$rc"
grep -q "outside 5..7" "$TB_TMP/bad.err" || tb_fail "no clear message: $(cat "$TB_TMP/bad.err")"
rc=0
env -u SLURM_ARRAY_TASK_ID DG="$DG_BIN" DOMAIN=gen.test WORDS="$W" RESOLVERS="$R" OUT="$SO" \
	/bin/sh "$S/brute-array.sbatch" 2>"$TB_TMP/bad.err" || rc=$?
((rc != 0)) || tb_fail "slurm script ran outside a job array"
sh -n "$S/submit.sh" || tb_fail "submit.sh: syntax"
echo PASS
