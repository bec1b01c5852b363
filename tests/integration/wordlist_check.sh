#!/usr/bin/env bash
# The bundled wordlist: regenerating it gives the committed file, it has a
# few thousand valid, unique labels, and every label of the demo zone's
# names is in it (so README command 1 finds them all).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
wl=$root/core/data/wordlist.txt
fail() { echo "FAIL: $*" >&2; exit 1; }
python3 "$root/scripts/gen-wordlist.py" | cmp -s - "$wl" ||
	fail "core/data/wordlist.txt differs from scripts/gen-wordlist.py output (regenerate it)"
n=$(grep -c '' "$wl")
((n >= 2000 && n <= 10000)) || fail "wordlist has $n labels"
[[ -z $(sort "$wl" | uniq -d | head -1) ]] || fail "duplicate labels"
bad=$(grep -cvE '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$' "$wl" || true)
((bad == 0)) || fail "$bad invalid labels"
missing=$(awk '!/^[;$ \t]/ && NF > 2 { print $1 }' "$root/scripts/demo/acme.test.zone" |
	grep -v '^@$' | tr '.' '\n' | grep -vE '^(\*|_.*)$' | sort -u | grep -vxFf "$wl" || true)
[[ -z $missing ]] || fail "demo zone labels not in the wordlist: $missing"
echo "ok: wordlist: $n labels, generated, valid, covers the demo zone"
