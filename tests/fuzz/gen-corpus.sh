#!/usr/bin/env bash
# Regenerates the fuzz seed corpus (tests/fuzz/corpus/) from real answers of
# Knot DNS serving corpus-zone.zone on loopback, inside the test bed's
# private network namespace. Crash regressions (corpus/*/crash-*) are kept.
#   tests/fuzz/gen-corpus.sh
source "$(dirname "$0")/../lib/testbed.sh"
here=$TB_ROOT/tests/fuzz
tb_server_start corpus example.com="$here/corpus-zone.zone"
for t in wire engine resolvers; do
	find "$here/corpus/$t" -type f ! -name 'crash-*' -delete 2>/dev/null || true
done
"$TB_PY" "$here/gen-corpus.py" "$(tb_addr corpus)" "$(tb_port corpus)" "$here/corpus"
