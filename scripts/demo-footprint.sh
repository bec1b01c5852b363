#!/usr/bin/env bash
# README: `dnsglean footprint` on the demo zone. Starts Knot DNS on loopback
# (inside a private network namespace when run as root) serving acme.test
# (scripts/demo/acme.test.zone) and stand-ins for the provider zones it points
# to (scripts/demo/providers/), then prints the footprint report. Run
# scripts/demo.sh once first (it installs and builds). Every query goes to the
# local server; the lame-delegation check is off because acme.test's name
# servers have documentation addresses, which must not be contacted.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/tests/lib/testbed.sh"

zones=("acme.test=$root/scripts/demo/acme.test.zone")
for f in "$root"/scripts/demo/providers/*.zone; do
	zones+=("$(basename "$f" .zone)=$f")
done
tb_server_start demo "${zones[@]}" 2>/dev/null
R=$(tb_resolver demo)
echo "demo: \$ dnsglean footprint acme.test -r $R --no-lame-check -f text"
echo
"$DG_BIN" footprint acme.test -r "$R" --no-lame-check -f text "$@"
