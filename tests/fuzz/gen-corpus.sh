#!/usr/bin/env bash
# Regenerates the fuzz seed corpus (tests/fuzz/corpus/) from real answers of
# Knot DNS serving corpus-zone.zone on loopback (plain with AXFR allowed, and
# NSEC- and NSEC3-signed copies), inside the test bed's private network
# namespace; then the captured frames of fuzz_frame (gen-frame-corpus.sh).
# Crash regressions (corpus/*/crash-*) are kept.
#   tests/fuzz/gen-corpus.sh
source "$(dirname "$0")/../lib/testbed.sh"
here=$TB_ROOT/tests/fuzz
tb_server_start corpus --axfr allow example.com="$here/corpus-zone.zone"
tb_server_start nsec --sign nsec example.com="$here/corpus-zone.zone"
tb_server_start nsec3 --sign nsec3 example.com="$here/corpus-zone.zone"
for t in wire engine resolvers classify spf_dmarc axfr walk detect; do
	find "$here/corpus/$t" -type f ! -name 'crash-*' -delete 2>/dev/null || true
done
"$TB_PY" "$here/gen-corpus.py" "$(tb_addr corpus)" "$(tb_port corpus)" "$here/corpus" \
	"$(tb_resolver nsec)" "$(tb_resolver nsec3)"
# a test bed of its own (its servers take the same addresses)
env -u TB_IN_NETNS "$BASH" "$here/gen-frame-corpus.sh"
