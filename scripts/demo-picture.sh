#!/usr/bin/env bash
# Renders the README's picture of the demo zone: starts Knot with
# scripts/demo/acme.test.zone on loopback (private network namespace when
# root), runs `dnsglean brute acme.test --recursive 1 -t A,AAAA --pdns
# scripts/demo/acme.test.cof --format dot` and renders it with Graphviz into
# scripts/demo/acme.test.svg (or the path given). Build first (scripts/build.sh).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/scripts/demo/acme.test.svg}
source "$root/tests/lib/testbed.sh"
command -v dot >/dev/null || tb_fail "graphviz is missing (scripts/setup.sh)"
tb_server_start demo "$root/scripts/demo/acme.test.zone" 2>/dev/null
R=$(tb_resolver demo)
"$DG_BIN" brute acme.test -r "$R" --recursive 1 -t A,AAAA -q -w "$root/core/data/wordlist.txt" \
	--pdns "$root/scripts/demo/acme.test.cof" -f dot -o "$TB_TMP/acme.dot"
dot -Tsvg "$TB_TMP/acme.dot" -o "$out"
echo "demo-picture: wrote $out ($(wc -c <"$out") octets)"
