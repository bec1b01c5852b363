#!/bin/bash
# The fingerprint files added for the database's growth (issue 16):
# core/data/fingerprints/{cloud,marketing,regional,saas,security}.tsv.
# 1. Every signature of those files is in the built-in database that
#    `dnsglean classify --list-fingerprints` prints, with its provider and
#    category (a duplicate kind+pattern elsewhere would silently replace it),
#    an https:// reference and no takeover flag (takeover entries are kept
#    with the takeover data, not in these files).
# 2. `dnsglean classify` on tests/zones/fpdata.zone finds, for each record,
#    the provider its "; expect: PROVIDER" comment names, and nothing at all
#    for the look-alikes ("; expect: none").
# 3. The database holds at least 760 signatures for 420 providers.
# No network.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$root/tests/lib/need.sh"
tb_need_tools jq
DG_BIN=${DG_BIN:-$root/build/core/dnsglean}
FP=$root/core/data/fingerprints
ZONE=$root/tests/zones/fpdata.zone
FILES=(cloud marketing regional saas security)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { tb_fail "$*"; }
ok() { echo "ok: $*"; }

# --- 1. the files' signatures are loaded as written ---
# kind, pattern, provider, category, and "ok" when the loaded signature has
# no takeover flag and an https:// reference
"$DG_BIN" classify --list-fingerprints -f jsonl >"$T/list"
jq -r '[.kind, (.pattern|ascii_downcase), .provider, .category,
	(if (.takeover | not) and (.reference | startswith("https://")) then "ok" else "flagged" end)] | @tsv' \
	"$T/list" | sort -u >"$T/loaded"
for f in "${FILES[@]}"; do
	[[ -s $FP/$f.tsv ]] || fail "$FP/$f.tsv is missing"
	awk -F'\t' '!/^#/ && NF { print $1 "\t" tolower($2) "\t" $3 "\t" $4 "\tok" }' "$FP/$f.tsv"
done >"$T/wanted"
n_file=$(wc -l <"$T/wanted")
sort -u "$T/wanted" >"$T/wanted.s"
[[ $(cut -f1,2 "$T/wanted.s" | sort -u | wc -l) == "$n_file" ]] || fail "a kind+pattern is repeated within the new files"
comm -23 "$T/wanted.s" "$T/loaded" >"$T/missing"
[[ ! -s $T/missing ]] || fail "signatures not built in as written (or with a takeover flag, or no https reference):
$(head -20 "$T/missing")"
# the list keeps a replaced signature beside its replacement: a kind+pattern
# of these files must appear once in the whole database
jq -r '[.kind, (.pattern|ascii_downcase)] | @tsv' "$T/list" | sort | uniq -d >"$T/dups"
cut -f1,2 "$T/wanted.s" | sort | comm -12 - "$T/dups" >"$T/dupmine"
[[ ! -s $T/dupmine ]] || fail "kind+pattern also defined elsewhere (one silently replaces the other):
$(head -20 "$T/dupmine")"
ok "all $n_file signatures of ${FILES[*]} are built in as written"

# --- 2. the zone: each record names its expected provider, look-alikes none ---
"$DG_BIN" classify "$ZONE" >"$T/out" 2>"$T/err" || fail "classify failed: $(cat "$T/err")"
[[ ! -s $T/err ]] || fail "classify complained: $(cat "$T/err")"
origin=$(awk '$1 == "$ORIGIN" { print $2; exit }' "$ZONE")
# owner (made absolute) TAB expected provider, for the records (not comments)
awk -v origin="$origin" '
	/^[;$]/ || !/; expect: / { next }
	{ owner = $1; if (owner !~ /\.$/) owner = owner "." origin
	  want = $0; sub(/.*; expect: /, "", want); sub(/[[:space:]]+$/, "", want)
	  print owner "\t" want }' "$ZONE" >"$T/expect"
jq -r '[.owner, ([.providers[].name] | join("|"))] | @tsv' "$T/out" >"$T/got"
[[ $(cut -f1 "$T/got" | sort | uniq -d | wc -l) == 0 ]] || fail "owners in the zone are not unique"
[[ $(wc -l <"$T/got") == $(wc -l <"$T/expect") ]] ||
	fail "$(wc -l <"$T/got") records classified, $(wc -l <"$T/expect") expected"
# one pass: FILENAME==got first (owner -> providers), then the expectations
awk -F'\t' '
	NR == FNR { got[$1] = $2; seen[$1] = 1; next }
	$2 == "none" { neg++; if ($1 in seen && got[$1] != "") printf "%s: look-alike matched %s\n", $1, got[$1]; next }
	{ pos++
	  if (!($1 in seen)) { printf "%s: no such record in the output\n", $1; next }
	  if (index("|" got[$1] "|", "|" $2 "|") == 0) printf "%s: expected %s, got \"%s\"\n", $1, $2, got[$1] }
	END { printf "%d %d\n", pos, neg > "/dev/stderr" }' "$T/got" "$T/expect" >"$T/errors" 2>"$T/counts"
[[ ! -s $T/errors ]] || fail "$(cat "$T/errors")"
read -r pos neg <"$T/counts"
((pos >= 60 && neg >= 20)) || fail "the zone has $pos records and $neg look-alikes (want >= 60 and >= 20)"
ok "zone: $pos records name their provider, $neg look-alikes match nothing"

# every new file is exercised by the zone: some expected provider comes from it
for f in "${FILES[@]}"; do
	cut -f3 "$FP/$f.tsv" | grep -v '^#' | sort -u >"$T/prov.$f"
	cut -f2 "$T/expect" | grep -vx none | sort -u | comm -12 - "$T/prov.$f" | grep -q . ||
		fail "no record of the zone exercises $f.tsv"
done
ok "each of ${FILES[*]} is exercised"

# --- 3. the database's size ---
"$DG_BIN" classify --list-fingerprints -f text >"$T/text"
head -1 "$T/text" >"$T/head"
read -r sigs provs < <(sed -E 's/^# ([0-9]+) signatures, ([0-9]+) providers.*/\1 \2/' "$T/head")
[[ $sigs =~ ^[0-9]+$ && $provs =~ ^[0-9]+$ ]] || fail "unexpected list header: $(cat "$T/head")"
uniq_sigs=$(jq -r '[.kind, (.pattern|ascii_downcase)] | @tsv' "$T/list" | sort -u | wc -l)
uniq_provs=$(jq -r .provider "$T/list" | sort -u | wc -l)
((sigs >= 760 && uniq_sigs >= 760)) || fail "only $sigs signatures, $uniq_sigs distinct (want >= 760)"
((provs >= 420 && uniq_provs >= 420)) || fail "only $provs providers, $uniq_provs in the list (want >= 420)"
ok "database: $sigs signatures ($uniq_sigs distinct kind+pattern), $provs providers"
