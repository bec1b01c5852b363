#!/usr/bin/env bash
# README command 1's run, checked: `dnsglean brute acme.test` with the
# bundled wordlist (no -w) against Knot serving the demo zone finds every
# name one level below the apex that the zone defines (empty non-terminals
# included, underscore names aside), and nothing else.
source "$(dirname "$0")/../lib/testbed.sh"
tb_need_brute
zone=$TB_ROOT/scripts/demo/acme.test.zone
tb_server_start demo "$zone"
awk '!/^[;$ \t]/ && NF > 2 { print $1 }' "$zone" | grep -vE '^(@|_.*|\*.*)$' |
	awk -F. '{ print $NF ".acme.test" }' | sort -u >"$TB_TMP/expected.txt"
tb_run_brute "$TB_TMP/demo" acme.test -r "$(tb_resolver demo)"
tb_assert_exit "brute acme.test with the bundled wordlist" 0 "$TB_RC"
tb_check_stats "$TB_TMP/demo.stats" "$(grep -c '' "$TB_ROOT/core/data/wordlist.txt")"
tb_assert_sets_eq "demo zone names found" "$TB_TMP/expected.txt" <(tb_json_names "$TB_TMP/demo.jsonl")
echo PASS
