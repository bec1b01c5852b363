#!/usr/bin/env bash
# Passive DNS out and back in: a tshark capture of a real brute run against
# Knot on loopback -> `dnsglean pcap --format cof` (COF records: first/last
# seen, counts) -> `dnsglean brute --pdns` -> the same names, all live.
source "$(dirname "$0")/../../lib/testbed.sh"
tb_need_brute
tb_need_tools tshark
D=$TB_TMP
tb_server_start demo "$TB_ROOT/scripts/demo/acme.test.zone"
R=$(tb_resolver demo)

tb_capture_start "$D/cap.pcapng" "udp port 53 or tcp port 53"
t0=$(date +%s)
tb_run_brute "$D/live" acme.test -r "$R" -t A,AAAA
t1=$(date +%s)
tb_capture_stop
tb_assert_exit "brute under capture" 0 "$TB_RC"
[[ -s $D/cap.pcapng ]] || tb_fail "empty capture"

rc=0
"$DG_BIN" pcap "$D/cap.pcapng" --format cof -o "$D/cap.cof" 2>"$D/pcap.err" || rc=$?
tb_assert_exit "pcap --format cof" 0 "$rc"
[[ -s $D/cap.cof ]] || tb_fail "no COF records"
# every line a COF record with the mandatory members, times within the run
jq -e --argjson t0 "$((t0 - 1))" --argjson t1 "$((t1 + 1))" \
	'(.rrname|type) == "string" and (.rrtype|type) == "string" and (.rdata|type) == "string"
	 and .time_first >= $t0 and .time_last <= $t1 and .time_first <= .time_last and .count >= 1' \
	"$D/cap.cof" | grep -qv true && tb_fail "a COF line lacks a member or has odd times: $(head -3 "$D/cap.cof")"
echo "ok: $(wc -l <"$D/cap.cof") COF records from the capture"
# the records are the answers brute saw: www's A record, seen once
tb_assert_eq "blog A record, seen once" '{"rrname":"blog.acme.test","rrtype":"A","rdata":"192.0.2.11","count":1}' \
	"$(jq -c 'select(.rrname == "blog.acme.test" and .rrtype == "A") | {rrname, rrtype, rdata, count}' "$D/cap.cof")"
tb_assert_eq "api's two addresses, one record each" 2 "$(jq -r 'select(.rrname == "api.acme.test" and .rrtype == "A") | .rdata' "$D/cap.cof" | wc -l)"
tb_assert_eq "a CNAME as seen" '"www.acme.test."' "$(jq 'select(.rrname == "shop.acme.test" and .rrtype == "CNAME") | .rdata' "$D/cap.cof")"

# names the live run saw with records (owners of answers; NODATA names
# carry none) ...
jq -r 'select((.status == "found" or .status == "nodata") and ((.data | length) > 0 or ((.cname // []) | length) > 0)) |
	.name, (.cname // [] | .[] | rtrimstr(".") | select(endswith(".acme.test")))' "$D/live.jsonl" |
	sort -u >"$D/live-names.txt"
jq -r '.rrname | select(. != "acme.test")' "$D/cap.cof" | sort -u >"$D/cof-names.txt"
tb_assert_eq "the validation's SOA answer is there too" 1 "$(jq -c 'select(.rrname == "acme.test" and .rrtype == "SOA")' "$D/cap.cof" | wc -l)"
tb_assert_sets_eq "capture's COF names = the live run's answered names" "$D/live-names.txt" "$D/cof-names.txt"
# ... and back in: the same names, every one live
tb_run_brute "$D/back" acme.test -r "$R" --pdns "$D/cap.cof"
tb_assert_exit "brute --pdns the capture's COF" 0 "$TB_RC"
tb_assert_sets_eq "capture -> COF -> --pdns: the same names" "$D/live-names.txt" <(jq -r .name "$D/back.jsonl" | sort -u)
tb_assert_eq "all live" "" "$(jq -r 'select(.pdns.live != true) | .name' "$D/back.jsonl")"
# the pdns count is what the COF records say: www's own records plus the
# CNAME records that point at it
want=$(jq -s 'map(select(.rrname == "www.acme.test" or (.rrtype == "CNAME" and .rdata == "www.acme.test.")) | .count) | add' "$D/cap.cof")
tb_assert_eq "pdns count of www carried over" "$want" "$(jq 'select(.name == "www.acme.test" and .type == "A") | .pdns.count' "$D/back.jsonl")"

# bad input: one line, non-zero
rc=0
"$DG_BIN" pcap "$D/nope.pcap" --format cof >/dev/null 2>"$D/e.err" || rc=$?
((rc != 0)) || tb_fail "missing capture: exit 0"
tb_assert_eq "missing capture: one line" 1 "$(wc -l <"$D/e.err")"
rc=0
"$DG_BIN" pcap "$D/live.jsonl" --format cof >/dev/null 2>"$D/e.err" || rc=$?
((rc != 0)) || tb_fail "not a capture: exit 0"
tb_assert_eq "not a capture: one line" 1 "$(wc -l <"$D/e.err")"
echo PASS
