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
head -1 "$T/out.csv" | grep -qx 'owner,type,rdata,provider,category,evidence,takeover,strength,takeover_status' || fail "csv header"
grep -q '^www,CNAME,example.azurewebsites.net.,Azure App Service,hosting,cname:example.azurewebsites.net,true,host,vulnerable$' "$T/out.csv" || fail "csv row"
grep -v BOGUS "$T/in.zone" | grep -v ' ten ' | "$DG_BIN" classify -f text -m >"$T/out.txt"
grep -q 'TAKEOVER-PRONE (Azure App Service, when nxdomain)' "$T/out.txt" || fail "text takeover"
grep -q '^evil' "$T/out.txt" && fail "--matches-only printed a record without providers"
ok "stdin, json, csv, text, --matches-only"

# --fingerprints: extends the database; a bad file is a clear error
printf 'cname\tapps.corp-cloud.test\tCorp Cloud\thosting\ttakeover:nxdomain:vulnerable:2026-01-31\thttps://corp-cloud.test/docs\n' >"$T/fp.tsv"
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
# the old takeover:CONDITION form is rejected with its line
printf 'mx\tgood.test\tGood\tmail\t-\thttps://r/\ncname\tx.test\tX\thosting\ttakeover:unclaimed\thttps://r/\n' >"$T/old.tsv"
set +e
echo 'x CNAME a.x.test.' | "$DG_BIN" classify --fingerprints "$T/old.tsv" >/dev/null 2>"$T/err"
rc=$?
set -e
[[ $rc == 2 ]] || fail "old takeover form: exit $rc"
grep -q "old.tsv:2: takeover needs takeover:CONDITION:STATUS:YYYY-MM-DD" "$T/err" || fail "old form message: $(cat "$T/err")"
ok "--fingerprints and errors"

# evidence strength and takeover status: only "vulnerable" raises takeover
printf '%s\n' 'docs CNAME corp.gitlab.io.' 'www CNAME corp.github.io.' \
  'example.com. TXT "v=spf1 ip4:40.92.0.0/15 include:%{i}._ip.%{h}._ehlo.%{d}._spf.vali.email -all"' \
  'example.com. TXT "atlassian-domain-verification=abc"' |
  "$DG_BIN" classify >"$T/st"
sq() { jq -r "$1" "$T/st"; }
[[ $(sq 'select(.owner=="docs") | [.takeover, .takeover_status] | join(",")') == "false,not-vulnerable" ]] || fail "gitlab status"
[[ $(sq 'select(.owner=="www") | [.takeover, .takeover_status, .providers[0].strength] | join(",")') == "true,vulnerable,host" ]] || fail "github status"
[[ $(sq 'select(.rdata|test("spf1")) | [.providers[] | .name + "=" + .strength] | join(",")') == "Microsoft 365=range,Valimail=host" ]] || fail "spf strength: $(cat "$T/st")"
[[ $(sq 'select(.rdata|test("atlassian")) | .providers[0].strength') == token ]] || fail "token strength"
printf 'docs CNAME corp.gitlab.io.\n' | "$DG_BIN" classify -f text >"$T/st.txt"
grep -q 'takeover: not-vulnerable' "$T/st.txt" || fail "text status: $(cat "$T/st.txt")"
grep -Eq 'GitLab Pages +hosting +host +cname:corp.gitlab.io' "$T/st.txt" || fail "text strength: $(cat "$T/st.txt")"
ok "strength and takeover status (json, text)"

"$DG_BIN" classify --list-fingerprints -f text >"$T/list"
head -1 "$T/list" | grep -Eq '^# [0-9]+ signatures, [0-9]+ providers, [0-9]+ domain-verification services' || fail "list header"
n=$("$DG_BIN" classify --list-fingerprints -f jsonl | wc -l)
((n >= 500)) || fail "only $n signatures"
grep -qP '^cname\tgitlab.io\tGitLab Pages\thosting\t-\thost\tunclaimed:not-vulnerable:\d{4}-\d\d-\d\d\t' "$T/list" || fail "list: gitlab.io line: $(grep gitlab.io "$T/list")"
head -1 "$T/list" | grep -Eq 'strength: [0-9]+ token, [0-9]+ host, [0-9]+ range' || fail "list header strength"
"$DG_BIN" classify --list-fingerprints -f jsonl | jq -e -s 'all(has("strength")) and any(.takeover_status=="edge-case" and (.takeover_checked|test("^[0-9]{4}-")))' >/dev/null || fail "list json fields"
ok "--list-fingerprints ($(head -1 "$T/list" | sed 's/^# //'))"
# a real zone file: $ORIGIN, $TTL, a multi-line SOA, '@', relative and blank
# owners; every record is classified under its full owner name, exit 0
Z=$(cd "$(dirname "$0")/../zones" && pwd)/classify-bind.zone
"$DG_BIN" classify "$Z" >"$T/zone.out" 2>"$T/zone.err" || fail "zone file: exit $?: $(cat "$T/zone.err")"
[[ ! -s "$T/zone.err" ]] || fail "zone file: stderr: $(cat "$T/zone.err")"
[[ $(wc -l <"$T/zone.out") == 12 ]] || fail "zone file: $(wc -l <"$T/zone.out") records, expected 12"
jq -e -s 'all(.owner | endswith("example.org."))' "$T/zone.out" >/dev/null ||
  fail "zone file: an owner is not fully qualified: $(jq -r .owner "$T/zone.out" | sort -u)"
zq() { jq -r "$1" "$T/zone.out"; }
[[ $(zq 'select(.type=="SOA") | .owner') == example.org. ]] || fail "SOA owner"
[[ $(zq 'select(.type=="SOA") | .rdata') == "ns1 hostmaster 2024010101 7200 3600 1209600 300" ]] ||
  fail "SOA rdata: $(zq 'select(.type=="SOA") | .rdata')"
[[ $(zq 'select(.type=="NS") | .owner' | sort -u) == example.org. ]] || fail "blank owners after @"
[[ $(zq 'select(.type=="MX") | .providers[0].name') == "Microsoft 365" ]] || fail "zone MX"
[[ $(zq 'select(.rdata|test("google")) | .owner') == example.org. ]] || fail "multi-line TXT owner"
[[ $(zq 'select(.rdata|test("google")) | .providers[0].name') == "Google Search Console" ]] || fail "multi-line TXT"
[[ $(zq 'select(.owner=="www.example.org.") | .takeover') == true ]] || fail "relative www"
[[ $(zq 'select(.owner=="_dmarc.example.org.") | .type') == TXT ]] || fail "_dmarc"
[[ $(zq 'select(.owner=="shop.example.org.") | .providers[0].name') == Shopify ]] || fail "absolute owner"
[[ $(zq 'select(.owner=="api.eu.example.org." and .type=="CNAME") | .providers[0].name') == Heroku ]] || fail "relative \$ORIGIN"
[[ $(zq 'select(.rdata=="\"a;b\"") | .owner') == api.eu.example.org. ]] || fail "blank owner after \$ORIGIN"
ok "BIND zone file: 12 records, every owner fully qualified"

# the reader's errors carry the record's first line; the other records survive
printf '$ORIGIN example.org.\n$INCLUDE other.zone\n@ SOA ns1 hm ( 1 2\n 3 4 5 )\n$TTL soon\nx A 192.0.2.1\ny TXT ( "never closed"\n' >"$T/bad.zone"
set +e
"$DG_BIN" classify --origin ignored.test "$T/bad.zone" >"$T/bad.out" 2>"$T/bad.err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "bad zone: exit $rc"
grep -q 'bad.zone:2: $INCLUDE is not supported' "$T/bad.err" || fail "bad zone: $(cat "$T/bad.err")"
grep -q 'bad.zone:5: $TTL needs one TTL value' "$T/bad.err" || fail "bad zone \$TTL"
grep -q "bad.zone:7: '(' not closed before the end of the file" "$T/bad.err" || fail "bad zone ("
[[ $(jq -r .owner "$T/bad.out" | tr '\n' ' ') == "example.org. x.example.org. " ]] || fail "bad zone records: $(cat "$T/bad.out")"
echo 'www CNAME a.github.io.' | "$DG_BIN" classify --origin example.com >"$T/o"
[[ $(jq -r .owner "$T/o") == www.example.com. ]] || fail "--origin"
ok "zone reader errors with line numbers, --origin"
echo "classify_cli: all checks passed"
