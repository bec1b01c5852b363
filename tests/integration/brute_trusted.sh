#!/usr/bin/env bash
# Liars: resolvers that invent names, against real Knot servers behind
# resolver doubles (tests/lib/dnsdouble.py):
#  (a) a pool where 3 of 4 resolvers hijack NXDOMAIN (relay to Knot, turn
#      NXDOMAIN into "A 192.0.2.66"): validation trusts the one that says
#      NXDOMAIN, rejects the others and says so in one warning line; every
#      real name found, no false positive. A true apex wildcard (every
#      resolver answers random names alike) still works as before;
#  (b) --trusted: a pool of two resolvers that start hijacking mid-run, the
#      same way, and only for the wordlist's names (probes and canaries get
#      the truth). Without --trusted they invent names: each confirms the
#      other's lie (that run shows what --trusted is for); with --trusted every name is rechecked, the invented ones are
#      rejected (rejected_by_trusted), no false positive, nothing lost;
#  (c) --trusted that never answers: a one-line error, exit 1, no results;
#      a malformed --trusted list: exit 2;
#  (d) --trusted-qps: the trusted side's query log shows at most the limit
#      (x1.2) over the span of the rechecks.
source "$(dirname "$0")/../lib/testbed.sh"
tb_need_brute

tb_gen_zone 300 300
tb_server_start k1 "$Z/gen.test.zone"
tb_server_start k2 "$Z/gen.test.zone"
nnames=$(grep -c . "$Z/names.txt")

# ---- (a) a majority of hijackers
for i in 1 2 3; do
	tb_double "hj$i" 127.0.0.1 "" hijack 192.0.2.66 "$(tb_resolver k1)"
done
tb_double honest 127.0.0.1 "" forward "$(tb_resolver k1)"
O=$TB_TMP/majority
tb_run_brute "$O" gen.test -w "$W" \
	-r "$(tb_resolver hj1),$(tb_resolver hj2),$(tb_resolver honest),$(tb_resolver hj3)"
tb_assert_brute_ok "$O" "$ncand" "$Z/names.txt" "3 hijackers + 1 honest" \
	"3 hijackers + 1 honest: every real name, nothing invented"
tb_assert_eq "3 hijackers + 1 honest: no hijacked address" 0 "$(grep -c '192\.0\.2\.66' "$O.jsonl" || true)"
tb_assert_eq "3 hijackers + 1 honest: live resolvers" 1 "$(tb_stat "$O.stats" resolvers_live)"
tb_assert_eq "3 hijackers + 1 honest: failed" 0 "$(tb_stat "$O.stats" failed)"
warn="3 of 4 resolvers answer random names that others say do not exist: NXDOMAIN hijacking by a majority of the pool; trusting the 1 that say NXDOMAIN"
tb_assert_eq "the hijack-majority warning, once" 1 "$(grep -cF "$warn" "$O.err" || true)"

# a true apex wildcard: every resolver answers random names alike, none says
# NXDOMAIN: not hijacking; names are the wildcard's or real
cat >"$TB_TMP/wild.test.zone" <<'EOF'
$ORIGIN wild.test.
$TTL 300
@	SOA	ns.wild.test. hostmaster.wild.test. 1 3600 900 604800 300
@	NS	ns.wild.test.
ns	A	192.0.2.53
*	A	192.0.2.80
www	A	192.0.2.81
mail	A	192.0.2.82
EOF
tb_server_start kw "$TB_TMP/wild.test.zone"
tb_double wf1 127.0.0.1 "" forward "$(tb_resolver kw)"
printf '%s\n' www mail nosuchname1 nosuchname2 >"$TB_TMP/wild.words"
O=$TB_TMP/apexwild
tb_run_brute "$O" wild.test -w "$TB_TMP/wild.words" -r "$(tb_resolver kw),$(tb_resolver wf1)"
tb_assert_exit "apex wildcard" 0 "$TB_RC"
tb_assert_sets_eq "apex wildcard: the real names" <(printf '%s\n' mail.wild.test www.wild.test) \
	<(tb_json_names "$O.jsonl")
tb_assert_eq "apex wildcard: wildcard-covered" 2 "$(tb_stat "$O.stats" wildcard)"
tb_assert_eq "apex wildcard: both resolvers live" 2 "$(tb_stat "$O.stats" resolvers_live)"
tb_assert_eq "apex wildcard: no hijacking warning" 0 "$(grep -c 'hijacking' "$O.err" || true)"

# ---- (b) two resolvers that start lying mid-run, the same way, and only
# for the wordlist's names (random probes and canaries get the truth: the
# pool alone cannot catch them); 20 honest queries each cover validation (4)
# and the wildcard probes
sed 's/$/.gen.test/' "$W" | grep -vxFf "$Z/names.txt" >"$TB_TMP/lies.txt"
tb_double late1 127.0.0.1 "" hijack 192.0.2.67 "$(tb_resolver k1)" 20 "$TB_TMP/lies.txt"
tb_double late2 127.0.0.1 "" hijack 192.0.2.67 "$(tb_resolver k1)" 20 "$TB_TMP/lies.txt"
tb_double tr 127.0.0.1 "" forward "$(tb_resolver k2)"
pool="$(tb_resolver late1),$(tb_resolver late2)"

O=$TB_TMP/liars
tb_run_brute "$O" gen.test -w "$W" -r "$pool"
tb_assert_exit "late liars without --trusted" 0 "$TB_RC"
fp=$(comm -13 "$Z/names.txt" <(tb_json_names "$O.jsonl" | sort -u) | grep -c . || true)
((fp > 0)) || tb_fail "late liars without --trusted: no false positive; the pool alone now catches" \
	"two identical mid-run liars (good news: make this case harder so that (b) still tests --trusted)"
echo "ok: without --trusted, two identical late liars invent $fp names (what --trusted is for)"

# fresh liars (these count their queries from 0 again) for the next run
tb_server_stop late1
tb_server_stop late2
tb_double tl1 127.0.0.1 "" hijack 192.0.2.67 "$(tb_resolver k1)" 20 "$TB_TMP/lies.txt"
tb_double tl2 127.0.0.1 "" hijack 192.0.2.67 "$(tb_resolver k1)" 20 "$TB_TMP/lies.txt"
pool="$(tb_resolver tl1),$(tb_resolver tl2)"
O=$TB_TMP/trusted
tb_run_brute "$O" gen.test -w "$W" -r "$pool" --trusted "$(tb_resolver tr)" --trusted-qps 1000
tb_assert_brute_ok "$O" "$ncand" "$Z/names.txt" "late liars with --trusted" \
	"late liars with --trusted: every real name, nothing invented"
tb_assert_eq "late liars with --trusted: no invented address" 0 "$(grep -c '192\.0\.2\.67' "$O.jsonl" || true)"
tb_assert_eq "late liars with --trusted: failed" 0 "$(tb_stat "$O.stats" failed)"
tb_assert_eq "late liars with --trusted: trusted live" 1 "$(tb_stat "$O.stats" trusted_live)"
rej=$(tb_stat "$O.stats" rejected_by_trusted)
((rej > 0)) || tb_fail "late liars with --trusted: rejected_by_trusted is 0"
# every candidate that does not exist and was hijacked ends nxdomain
tb_assert_eq "late liars with --trusted: nxdomain = candidates - names" $((ncand - nnames)) \
	"$(tb_stat "$O.stats" nxdomain)"
grep -q "$rej names the pool found were rejected by the trusted resolvers" "$O.err" ||
	tb_fail "summary does not count the rejections: $(tail -3 "$O.err")"
echo "ok: --trusted rejected $rej invented names"
# --all prints them with status nxdomain
O=$TB_TMP/trusted_all
tb_double late3 127.0.0.1 "" hijack 192.0.2.67 "$(tb_resolver k1)" 20
head -100 "$W" >"$TB_TMP/w100.txt"
tb_run_brute "$O" gen.test -w "$TB_TMP/w100.txt" -r "$(tb_resolver late3)" \
	--trusted "$(tb_resolver tr)" --trusted-qps 1000 --all
tb_assert_exit "--trusted --all" 0 "$TB_RC"
tb_assert_eq "--trusted --all: every candidate printed" 100 "$(jq -r .name "$O.jsonl" | sort -u | grep -c .)"
tb_assert_eq "--trusted --all: nothing failed" 0 "$(jq -r 'select(.status == "failed") | .name' "$O.jsonl" | grep -c . || true)"
tb_assert_eq "--trusted --all: what the liar invented is printed NXDOMAIN" \
	"$(grep -Fvxf <(sed 's/\.gen\.test$//' "$Z/names.txt") "$TB_TMP/w100.txt" | sed 's/$/.gen.test/' | sort -u)" \
	"$(jq -r 'select(.status == "nxdomain") | .name' "$O.jsonl" | sort -u)"
# ... and those the trusted resolver overruled say so; no other record has a reason
tb_assert_eq "--trusted --all: overruled names carry the reason" \
	"$(tb_stat "$O.stats" rejected_by_trusted)" \
	"$(jq -r 'select(.status == "nxdomain" and .reason == "a trusted resolver said NXDOMAIN") | .name' "$O.jsonl" | grep -c . || true)"
tb_assert_eq "--trusted --all: no reason elsewhere" 0 \
	"$(jq -r 'select(.reason != null and .reason != "a trusted resolver said NXDOMAIN") | .name' "$O.jsonl" | grep -c . || true)"
((ovr = $(tb_stat "$O.stats" rejected_by_trusted), ovr > 0)) || tb_fail "--trusted --all: nothing was overruled (the liar did not lie?)"

# ---- (c) trusted resolvers that never answer
tb_double bh 127.0.0.1 "" blackhole
TB_RC=0
"$DG_BIN" brute gen.test -w "$TB_TMP/w100.txt" -r "$(tb_resolver k1)" --trusted "$(tb_resolver bh)" \
	--timeout 300 --retries 1 >"$TB_TMP/bh.out" 2>"$TB_TMP/bh.err" || TB_RC=$?
tb_assert_exit "unreachable --trusted" 1 "$TB_RC"
tb_assert_eq "unreachable --trusted: no results" 0 "$(grep -c . "$TB_TMP/bh.out" || true)"
tail -1 "$TB_TMP/bh.err" | grep -q "no trusted resolver passed validation for gen.test ($(tb_resolver bh) no answer" ||
	tb_fail "unreachable --trusted: last stderr line is not the error: $(tail -2 "$TB_TMP/bh.err")"
echo "ok: $(tail -1 "$TB_TMP/bh.err")"
TB_RC=0
"$DG_BIN" brute gen.test -w "$TB_TMP/w100.txt" -r "$(tb_resolver k1)" --trusted "not-an-address" \
	>/dev/null 2>"$TB_TMP/badspec.err" || TB_RC=$?
tb_assert_exit "malformed --trusted" 2 "$TB_RC"
TB_RC=0
"$DG_BIN" brute gen.test -w "$TB_TMP/w100.txt" -r "$(tb_resolver k1)" --trusted-qps 10 \
	>/dev/null 2>"$TB_TMP/badspec.err" || TB_RC=$?
tb_assert_exit "--trusted-qps without --trusted" 2 "$TB_RC"

# ---- (d) --trusted-qps: count the queries the trusted side receives
QL=$TB_TMP/trusted-queries.log
export DNSDOUBLE_QLOG=$QL
tb_double trq 127.0.0.1 "" forward "$(tb_resolver k2)"
unset DNSDOUBLE_QLOG
LIMIT=20
head -140 "$Z/names.txt" | sed 's/\.gen\.test$//' >"$TB_TMP/wq.txt"
O=$TB_TMP/tqps
tb_run_brute "$O" gen.test -w "$TB_TMP/wq.txt" -r "$(tb_resolver k1)" \
	--trusted "$(tb_resolver trq)" --trusted-qps $LIMIT
tb_assert_exit "--trusted-qps $LIMIT" 0 "$TB_RC"
tb_assert_sets_eq "--trusted-qps: every name found" <(head -140 "$Z/names.txt") <(tb_json_names "$O.jsonl")
# the rechecks: queries for the names (validation asked the apex and random labels)
grep -Fwf <(head -140 "$Z/names.txt") "$QL" | awk '{print $1}' | sort -n >"$TB_TMP/tq.times"
n=$(grep -c . "$TB_TMP/tq.times")
((n >= 140)) || tb_fail "--trusted-qps: only $n rechecks seen at the trusted side for 140 names"
read -r rate span < <(awk -v lim=$LIMIT 'NR==1{a=$1} {b=$1} END{s=b-a; printf "%.2f %.2f\n", (NR-1)/s, s}' "$TB_TMP/tq.times")
awk -v r="$rate" -v s="$span" -v lim=$LIMIT 'BEGIN{exit !(r <= lim * 1.2 && s >= 3)}' ||
	tb_fail "--trusted-qps $LIMIT: $n rechecks in $span s = $rate q/s (limit x1.2 = $((LIMIT * 12 / 10)))"
echo "ok: --trusted-qps $LIMIT: $n rechecks in $span s = $rate q/s at the trusted side"
echo PASS
