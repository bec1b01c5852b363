#!/usr/bin/env bash
# Wildcards at several depths, CNAME wildcards, rotating pools and a wildcard
# only one resolver shows, against Knot on loopback (exact sets):
#  1. roots at different depths (*.wc.test, *.dev, *.a.b, *.cn CNAME chain
#     inside the zone, *.ext CNAME outside it) with multi-label candidates
#     (--multi-label): found == the zone's names, every other NOERROR name
#     is wildcard with the root that covers it (climbing: L.x.dev -> *.dev,
#     L.r.s -> the apex); names whose closest encloser has no wildcard
#     (L.b, L.q.dev) are NXDOMAIN;
#  2. the same zone with --recursive 2 and single labels;
#  3. a rotating pool: 40 addresses, 4 per answer, 20,000 candidates;
#  4. a stale copy of the zone with *.stage on one of two resolvers.
source "$(dirname "$0")/../lib/testbed.sh"
tb_need_brute

Z=$TB_TMP/wc.test.zone
cat >"$Z" <<'ZONE'
$ORIGIN wc.test.
$TTL 300
@ SOA ns1 hostmaster 1 3600 600 86400 300
@ NS ns1
ns1 A 10.0.0.53
* A 10.1.0.1
*.dev A 10.1.0.2
*.a.b A 10.1.0.3
*.cn CNAME hop1.wc.test.
*.ext CNAME edge.cdn.invalid.
www A 10.2.0.1
api.dev A 10.2.0.2
deep.q.dev A 10.2.0.4
x.a.b A 10.2.0.3
hop1 CNAME hop2.wc.test.
hop2 A 10.3.0.1
real.cn CNAME hop2.wc.test.
mine.ext CNAME other.cdn.invalid.
ZONE
tb_server_start auth "$Z"
R=$(tb_resolver auth)

# every name of the zone (with its empty non-terminals), relative
REAL="ns1 www dev api.dev q.dev deep.q.dev b a.b x.a.b hop1 hop2 cn real.cn ext mine.ext"

# 1. multi-label candidates
W=$TB_TMP/ml.txt
: >"$TB_TMP/exp-roots.txt"
for i in $(seq -w 1 150); do
	l=c$i
	printf '%s\n' "$l" "$l.dev" "$l.x.dev" "$l.a.b" "$l.zz.a.b" "$l.cn" "$l.ext" "$l.r.s" "$l.b" "$l.q.dev" >>"$W"
	printf '%s %s\n' "$l.wc.test" "*.wc.test" "$l.dev.wc.test" "*.dev.wc.test" \
		"$l.x.dev.wc.test" "*.dev.wc.test" "$l.a.b.wc.test" "*.a.b.wc.test" \
		"$l.zz.a.b.wc.test" "*.a.b.wc.test" "$l.cn.wc.test" "*.cn.wc.test" \
		"$l.ext.wc.test" "*.ext.wc.test" "$l.r.s.wc.test" "*.wc.test" >>"$TB_TMP/exp-roots.txt"
done
printf '%s\n' $REAL >>"$W"
printf '%s.wc.test\n' $REAL >"$TB_TMP/exp-real.txt"
ncand=$(grep -c . "$W")
O=$TB_TMP/ml
tb_run_brute "$O" wc.test -w "$W" -r "$R" --multi-label --show-wildcards
tb_assert_exit "brute --multi-label" 0 "$TB_RC"
tb_check_stats "$O.stats" "$ncand"
tb_assert_sets_eq "multi-label: found == the zone's names" "$TB_TMP/exp-real.txt" <(tb_json_names "$O.jsonl")
tb_assert_sets_eq "multi-label: wildcard names and their roots" "$TB_TMP/exp-roots.txt" \
	<(jq -r 'select(.wildcard == true) | "\(.name) \(.wildcard_root)"' "$O.jsonl" | sort -u)
tb_assert_eq "multi-label: wildcard count" "$(grep -c . "$TB_TMP/exp-roots.txt")" "$(tb_stat "$O.stats" wildcard)"
tb_assert_eq "multi-label: NXDOMAIN (L.b, L.q.dev: no wildcard at their closest encloser)" 300 \
	"$(tb_stat "$O.stats" nxdomain)"
tb_assert_eq "multi-label: failed" 0 "$(tb_stat "$O.stats" failed)"

# 2. recursion, single labels
W2=$TB_TMP/single.txt
{
	printf '%s\n' ns1 www dev api q deep b a x hop1 hop2 cn real ext mine
	for i in $(seq -w 1 200); do echo "s$i"; done
} >"$W2"
O=$TB_TMP/rec
tb_run_brute "$O" wc.test -w "$W2" -r "$R" --recursive 2 --show-wildcards
tb_assert_exit "brute --recursive 2" 0 "$TB_RC"
tb_check_stats "$O.stats"
tb_assert_sets_eq "--recursive 2: found == the zone's names" "$TB_TMP/exp-real.txt" <(tb_json_names "$O.jsonl")
tb_assert_eq "--recursive 2: every wildcard name's root is its parent's wildcard" "" \
	"$(jq -r 'select(.wildcard == true) | select(.wildcard_root != "*." + (.name | sub("^[^.]*\\."; ""))) | .name' "$O.jsonl")"
tb_assert_eq "--recursive 2: failed" 0 "$(tb_stat "$O.stats" failed)"

# 3. a rotating pool of 40 addresses, 4 per answer, 20,000 candidates
P=$TB_TMP/pool.test.zone
{
	printf '$ORIGIN pool.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\nns1 A 10.0.0.53\n'
	for i in $(seq -w 1 50); do echo "real$i A 10.50.0.$((10#$i))"; done
	echo "txtonly TXT \"exists, no address\""
} >"$P"
tb_server_start pauth "$P"
tb_double pool 127.0.0.1 "" pool pool.test 40 4 "$(tb_resolver pauth)"
PR=$(tb_resolver pool)
WP=$TB_TMP/pool-words.txt
{
	for i in $(seq -w 1 50); do echo "real$i"; done
	echo txtonly
	for i in $(seq 1 19949); do echo "p$i"; done
} >"$WP"
{
	for i in $(seq -w 1 50); do echo "real$i.pool.test"; done
	echo ns1.pool.test
	echo txtonly.pool.test
} | grep -Fxf <(sed 's/$/.pool.test/' "$WP") >"$TB_TMP/exp-pool.txt"
O=$TB_TMP/pool
tb_run_brute "$O" pool.test -w "$WP" -r "$PR"
tb_assert_exit "brute against a rotating pool" 0 "$TB_RC"
tb_check_stats "$O.stats" 20000
tb_assert_sets_eq "rotating pool: found == the real names" "$TB_TMP/exp-pool.txt" <(tb_json_names "$O.jsonl")
tb_assert_eq "rotating pool: wildcard" 19949 "$(tb_stat "$O.stats" wildcard)"
tb_assert_eq "rotating pool: failed" 0 "$(tb_stat "$O.stats" failed)"

# 4. a wildcard only one resolver shows (a stale copy with *.stage)
C=$TB_TMP/cur/sv.test.zone
S=$TB_TMP/stale/sv.test.zone
mkdir -p "$TB_TMP/cur" "$TB_TMP/stale"
printf '$ORIGIN sv.test.\n$TTL 300\n@ SOA ns1 hostmaster 2 3600 600 86400 300\n@ NS ns1\nns1 A 10.0.0.53\nwww A 10.6.0.1\napp.stage A 10.6.0.2\n' >"$C"
sed 's/hostmaster 2/hostmaster 1/' "$C" >"$S"
echo '*.stage A 10.6.9.9' >>"$S"
tb_server_start cur "$C"
tb_server_start stale "$S"
WS=$TB_TMP/stage.txt
{
	printf '%s\n' www app.stage stage
	for i in $(seq 1 400); do echo "n$i.stage"; done
} >"$WS"
printf '%s\n' www.sv.test app.stage.sv.test stage.sv.test >"$TB_TMP/exp-sv.txt"
O=$TB_TMP/sv
tb_run_brute "$O" sv.test -w "$WS" -r "$(tb_resolver cur),$(tb_resolver stale)" --multi-label
tb_assert_exit "brute with a stale resolver" 0 "$TB_RC"
tb_check_stats "$O.stats" 403
tb_assert_sets_eq "one resolver's wildcard: found == the real names" "$TB_TMP/exp-sv.txt" <(tb_json_names "$O.jsonl")
tb_assert_eq "one resolver's wildcard: failed" 0 "$(tb_stat "$O.stats" failed)"
tb_assert_eq "one resolver's wildcard: nxdomain + wildcard" 400 \
	"$(jq '.nxdomain + .wildcard' "$O.stats")"

echo PASS
