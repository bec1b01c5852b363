#!/usr/bin/env bash
# --shard K/N: N shard runs are disjoint and their union is the single run.
# SIGINT mid-run: exit 130, output flushed, --state written; --resume then
# finishes with exactly the single run's result set, no name twice.
source "$(dirname "$0")/../lib/testbed.sh"
tb_need_brute

tb_gen_zone 2000 6000
tb_server_start auth "$Z/gen.test.zone"
R=$(tb_resolver auth)

tb_run_brute "$TB_TMP/single" gen.test -w "$W" -r "$R"
tb_assert_exit "single run" 0 "$TB_RC"
tb_json_names "$TB_TMP/single.jsonl" >"$TB_TMP/single.txt"
tb_assert_sets_eq "single run" "$Z/names.txt" "$TB_TMP/single.txt"

for n in 2 3 7; do
	: >"$TB_TMP/union.txt"
	total=0
	for ((k = 1; k <= n; k++)); do
		O=$TB_TMP/shard$k-$n
		tb_run_brute "$O" gen.test -w "$W" -r "$R" --shard "$k/$n"
		tb_assert_exit "--shard $k/$n" 0 "$TB_RC"
		tb_check_stats "$O.stats"
		c=$(tb_stat "$O.stats" candidates)
		((c > 0 && c < ncand)) || tb_fail "--shard $k/$n: $c candidates of $ncand"
		total=$((total + c))
		tb_json_names "$O.jsonl" >>"$TB_TMP/union.txt"
	done
	tb_assert_eq "$n shards: candidates add up" "$ncand" "$total"
	tb_assert_eq "$n shards: no name in two shards" 0 "$(sort "$TB_TMP/union.txt" | uniq -d | wc -l)"
	tb_assert_sets_eq "$n shards: union = single run" "$TB_TMP/single.txt" "$TB_TMP/union.txt"
done
# the same shard twice is the same slice
tb_run_brute "$TB_TMP/again" gen.test -w "$W" -r "$R" --shard 2/3
tb_assert_sets_eq "--shard is deterministic" <(tb_json_names "$TB_TMP/shard2-3.jsonl") <(tb_json_names "$TB_TMP/again.jsonl")

# interrupt and resume (a rate limit makes the run last a few seconds); the
# resumed run continues the same output file (-o) from the checkpoint
S=$TB_TMP/state
O=$TB_TMP/resumed
env --default-signal=INT "$DG_BIN" brute gen.test -w "$W" -r "$R" --qps 1500 --state "$S" \
	-o "$O.jsonl" --stats "$O.stats1" 2>"$O.err1" </dev/null &
pid=$!
sleep 2
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
tb_assert_exit "SIGINT" 130 "$rc"
[[ -s $S ]] || tb_fail "no state file after SIGINT"
n1=$(tb_json_names "$O.jsonl" | wc -l)
((n1 > 0 && n1 < $(wc -l <"$TB_TMP/single.txt"))) || tb_fail "interrupted run found $n1 names: not mid-run"
echo "ok: interrupted after $n1 names"
tail -1 "$O.err1"
TB_RC=0
"$DG_BIN" brute gen.test -w "$W" -r "$R" --resume "$S" -o "$O.jsonl" --stats "$O.stats" 2>"$O.err" </dev/null || TB_RC=$?
tb_assert_exit "--resume" 0 "$TB_RC"
tb_assert_eq "no name twice in the resumed output" "" \
	"$(jq -r 'select(.status == "found" or .status == "nodata") | "\(.name) \(.type)"' "$O.jsonl" | sort | uniq -d | head -3 | tr '\n' ' ')"
tb_assert_sets_eq "interrupted + resumed = single run" "$TB_TMP/single.txt" <(tb_json_names "$O.jsonl")
tb_check_stats "$O.stats"
c1=$(tb_stat "$O.stats1" candidates) c2=$(tb_stat "$O.stats" candidates)
# the resumed run may count the remainder or the whole run
((c1 + c2 == ncand || c2 == ncand)) ||
	tb_fail "candidates: $c1 before + $c2 after the interrupt, $ncand in all"
echo "ok: candidates $c1 + $c2 (of $ncand)"
echo PASS
