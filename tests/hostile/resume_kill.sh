#!/usr/bin/env bash
# Exact resume: a brute run is killed (SIGKILL and SIGINT, alternately) at
# random points and resumed with --resume STATE -o SAME_FILE, again and
# again, until it completes. The output file must then hold exactly the
# lines of an uninterrupted run, each once: a kill between a write and a
# checkpoint leaves neither a gap nor a duplicate.
#   tests/hostile/resume_kill.sh [CANDIDATES] [KILLS]
source "$(dirname "$0")/../lib/testbed.sh"
here=$TB_ROOT/tests/hostile
filler=${1:-30000}
kills=${2:-6}

"$TB_PY" "$here/hostile.py" gen "$TB_TMP" "$filler"
tb_server_start knot hostile.test="$TB_TMP/hostile.test.zone"
R=$(tb_resolver knot)
W=$TB_TMP/words.txt
args=(brute hostile.test -w "$W" -r "$R" --all --qps 4000 -q)

"$DG_BIN" "${args[@]}" -o "$TB_TMP/ref.jsonl" || tb_fail "reference run failed"
nref=$(wc -l <"$TB_TMP/ref.jsonl")
echo "ok: reference run, $nref lines"

O=$TB_TMP/out.jsonl S=$TB_TMP/state
rm -f "$O" "$S"
RANDOM=${SEED:-7}
done=0
for ((k = 0; k <= kills + 20; k++)); do
	if [[ -s $S ]]; then
		run=("$DG_BIN" "${args[@]}" --resume "$S" -o "$O")
	else
		rm -f "$O" # killed before its first checkpoint: start over
		run=("$DG_BIN" "${args[@]}" --state "$S" -o "$O")
	fi
	env --default-signal=INT "${run[@]}" 2>>"$TB_TMP/err" </dev/null &
	pid=$!
	if ((k < kills)); then
		# 0.3 .. 2.3 s: before, across and after the 1 s checkpoints
		sleep "$(awk -v r=$RANDOM 'BEGIN{print 0.3 + r % 2000 / 1000}')"
		sig=KILL
		((k % 2)) && sig=INT
		kill -"$sig" "$pid" 2>/dev/null || true
	fi
	rc=0
	wait "$pid" || rc=$?
	lines=$(wc -l <"$O" 2>/dev/null || echo 0)
	echo "run $k: ${sig:-none} -> exit $rc, $lines lines so far"
	sig=
	if ((rc == 0)); then
		done=1
		break
	fi
	((rc == 130 || rc == 137)) || { cat "$TB_TMP/err" >&2; tb_fail "run $k: exit $rc"; }
done
((done)) || tb_fail "the run never completed"
dups=$(sort "$O" | uniq -d | wc -l)
tb_assert_eq "no line twice" 0 "$dups"
tb_assert_eq "as many lines as the uninterrupted run" "$nref" "$(wc -l <"$O")"
tb_assert_sets_eq "resumed output = uninterrupted output" "$TB_TMP/ref.jsonl" "$O"
echo PASS
