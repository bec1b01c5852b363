#!/bin/bash
# dnsglean classify: zone-file lines in, one JSON object per record out; bad
# lines reported with their number while the rest is processed. No network.
set -euo pipefail
DG_BIN=${DG_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build/core/dnsglean}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

cat >"$T/in.zone" <<'Z'
; records of example.com
example.com. 3600 IN MX 10 example-com.mail.protection.outlook.com.
example.com. IN TXT "v=spf1 include:spf.protection.outlook.com include:123456.spf05.hubspotemail.net -all"
example.com. TXT "google-site-" "verification=abc123"
www 300 CNAME example.azurewebsites.net.
evil CNAME outlook.com.evil.test.
example.com. BOGUS whatever
_dmarc.example.com. TXT "v=DMARC1; p=none; rua=mailto:d@rua.agari.com"
	IN TXT "MS=ms1234"
example.com. MX ten mail.example.com.
Z
set +e
"$DG_BIN" classify "$T/in.zone" >"$T/out" 2>"$T/err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "exit status $rc, expected 1 (lines were skipped)"
[[ $(wc -l <"$T/out") == 7 ]] || fail "expected 7 records, got $(wc -l <"$T/out")"
grep -q "in.zone:7: unknown type" "$T/err" || fail "no line-numbered error for line 7: $(cat "$T/err")"
grep -q "in.zone:10: malformed MX rdata" "$T/err" || fail "no error for line 10"
[[ $(wc -l <"$T/err") == 3 ]] || fail "stderr: $(cat "$T/err")"
ok "bad lines reported with their number, the rest processed"

q() { jq -r "$1" "$T/out"; }
[[ $(q 'select(.type=="MX") | .providers[0].name') == "Microsoft 365" ]] || fail "MX"
[[ $(q 'select(.type=="MX") | .providers[0].evidence') == "mx:example-com.mail.protection.outlook.com" ]] || fail "evidence"
[[ $(q 'select(.rdata|test("spf1")) | [.providers[].name] | join(",")') == "Microsoft 365,HubSpot" ]] || fail "SPF"
[[ $(q 'select(.rdata|test("google")) | .providers[0].name') == "Google Search Console" ]] || fail "TXT concat"
[[ $(q 'select(.owner=="www") | .takeover') == true ]] || fail "takeover"
[[ $(q 'select(.owner=="evil") | .providers | length') == 0 ]] || fail "label boundary"
[[ $(q 'select(.owner=="evil") | .takeover') == false ]] || fail "takeover false"
[[ $(q 'select(.rdata|test("MS=")) | .owner') == "_dmarc.example.com." ]] || fail "blank owner inherits"
jq -e -s 'all(has("owner") and has("type") and has("rdata") and has("providers") and has("takeover"))' "$T/out" >/dev/null || fail "fields"
ok "jsonl output"

# stdin, the other formats, --matches-only
grep -v BOGUS "$T/in.zone" | grep -v ' ten ' | "$DG_BIN" classify - -f json >"$T/out.json"
[[ $(jq 'length' "$T/out.json") == 7 ]] || fail "json array"
grep -v BOGUS "$T/in.zone" | grep -v ' ten ' | "$DG_BIN" classify -f csv >"$T/out.csv"
head -1 "$T/out.csv" | grep -qx 'owner,type,rdata,provider,category,evidence,takeover' || fail "csv header"
grep -q '^www,CNAME,example.azurewebsites.net.,Azure App Service,hosting,cname:example.azurewebsites.net,true$' "$T/out.csv" || fail "csv row"
grep -v BOGUS "$T/in.zone" | grep -v ' ten ' | "$DG_BIN" classify -f text -m >"$T/out.txt"
grep -q 'TAKEOVER-PRONE (Azure App Service, when nxdomain)' "$T/out.txt" || fail "text takeover"
grep -q '^evil' "$T/out.txt" && fail "--matches-only printed a record without providers"
ok "stdin, json, csv, text, --matches-only"

# --fingerprints: extends the database; a bad file is a clear error
printf 'cname\tapps.corp-cloud.test\tCorp Cloud\thosting\ttakeover:nxdomain\thttps://corp-cloud.test/docs\n' >"$T/fp.tsv"
echo 'x CNAME a.apps.corp-cloud.test.' | "$DG_BIN" classify --fingerprints "$T/fp.tsv" >"$T/o"
[[ $(jq -r '.providers[0].name' "$T/o") == "Corp Cloud" ]] || fail "--fingerprints"
printf 'mx\tgood.test\tGood\tmail\t-\thttps://r/\ncname\tbad..test\tX\thosting\t-\thttps://r/\n' >"$T/bad.tsv"
set +e
echo 'x CNAME a.b.' | "$DG_BIN" classify --fingerprints "$T/bad.tsv" >/dev/null 2>"$T/err"
rc=$?
"$DG_BIN" classify "$T/nonexistent" 2>/dev/null
rc2=$?
"$DG_BIN" classify -f dot </dev/null 2>/dev/null
rc3=$?
set -e
[[ $rc == 2 ]] || fail "bad fingerprints file: exit $rc"
grep -q "bad.tsv:2: empty label in pattern" "$T/err" || fail "message: $(cat "$T/err")"
[[ $rc2 == 2 && $rc3 == 2 ]] || fail "missing file / bad format exit $rc2 $rc3"
ok "--fingerprints and errors"

"$DG_BIN" classify --list-fingerprints -f text >"$T/list"
head -1 "$T/list" | grep -Eq '^# [0-9]+ signatures, [0-9]+ providers, [0-9]+ domain-verification services' || fail "list header"
n=$("$DG_BIN" classify --list-fingerprints -f jsonl | wc -l)
((n >= 250)) || fail "only $n signatures"
ok "--list-fingerprints ($(head -1 "$T/list" | sed 's/^# //'))"
echo "classify_cli: all checks passed"
