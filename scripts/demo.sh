#!/usr/bin/env bash
# README command 1: installs what dnsglean needs, builds it, starts a Knot DNS
# server with the demo zone (scripts/demo/acme.test.zone, a fictional
# company under the reserved .test TLD) on loopback — inside a private
# network namespace when run as root — runs `dnsglean brute` against it with
# the bundled wordlist, prints the subdomains found and stops the server.
# Every query goes to that local server; nothing leaves the machine.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [[ -z ${TB_IN_NETNS-} ]]; then
	bash "$root/scripts/setup.sh"
	echo "demo: building (log: build/build.log)"
	mkdir -p "$root/build"
	bash "$root/scripts/build.sh" >"$root/build/build.log" 2>&1 || {
		tail -30 "$root/build/build.log" >&2
		echo "demo: build failed" >&2
		exit 1
	}
fi

# re-runs this script inside a fresh network namespace (root), then goes on
source "$root/tests/lib/testbed.sh"

tb_server_start demo "$root/scripts/demo/acme.test.zone" 2>/dev/null
R=$(tb_resolver demo)
echo
echo "demo: Knot DNS serves acme.test on $R"
echo "demo: \$ dnsglean brute acme.test -r $R    (default wordlist: $(grep -c '' "$root/core/data/wordlist.txt") labels)"
echo
rc=0
"$DG_BIN" brute acme.test -r "$R" -o "$TB_TMP/acme.jsonl" 2>&1 || rc=$?
if ((rc != 0)); then
	echo "demo: dnsglean brute exited $rc" >&2
	exit "$rc"
fi
echo
echo "Subdomains of acme.test found:"
jq -r '[.name, .type, (if (.cname // []) | length > 0 then "-> " + (.cname | join(" -> ")) + " " else "" end) + (if (.data | length) > 0 then (.data | join(" ")) else "(exists, no " + .type + " data)" end)] | @tsv' \
	"$TB_TMP/acme.jsonl" | sort | awk -F'\t' '{ printf "  %-28s %-5s %s\n", $1, $2, $3 }'
echo
echo "demo: $(jq -r '.name' "$TB_TMP/acme.jsonl" | sort -u | wc -l) names found (JSON Lines is the default output; -f text|csv|json)"
