#!/bin/bash
# dnsglean footprint end to end: a real Knot server on loopback serves a
# company zone full of SaaS records (tests/integration/footprint/corp.test.zone)
# and stand-ins for the providers' zones; the report must name the providers
# with their evidence and raise exactly the expected findings (takeover
# candidate, lame delegations, SPF over the lookup limit, ...).
source "$(dirname "$0")/../lib/testbed.sh"

D=$TB_ROOT/tests/integration/footprint
zones=()
for f in "$D"/*.zone; do
	z=$(basename "$f" .zone)
	zones+=("$z=$f")
done
tb_server_start auth -a 127.0.0.2 "${zones[@]}"
R=$(tb_resolver auth)
# the lame-delegation check asks the name servers (127.0.0.2, 127.0.0.3) on
# the server's port; 127.0.0.3 has no server
NSP=(--ns-port "$(tb_port auth)")
out=$TB_TMP/corp.jsonl

"$DG_BIN" footprint corp.test -r "$R" "${NSP[@]}" --timeout 400 --retries 1 -f jsonl >"$out" ||
	tb_fail "footprint corp.test exited $?"

# --- records: each carries the DESIGN.md fields ---
jq -e -s 'map(select(.kind=="record")) | length > 20 and all(has("name") and has("type") and has("ttl") and has("data") and has("status") and has("providers"))' "$out" >/dev/null ||
	tb_fail "records lack fields"
mx=$(jq -r 'select(.kind=="record" and .name=="corp.test" and .type=="MX") | .providers[0].name' "$out")
tb_assert_eq "MX provider" "Microsoft 365" "$mx"

# --- providers, by name and category ---
jq -r 'select(.kind=="provider") | "\(.category)/\(.name)"' "$out" | sort >"$TB_TMP/prov"
cat >"$TB_TMP/prov.exp" <<'EXP'
ca/DigiCert
ca/Let's Encrypt
collaboration/Atlassian
collaboration/Microsoft Teams
dmarc/Agari
email-marketing/SendGrid
hosting/Azure App Service
identity/Microsoft Entra ID
mail/Amazon SES
mail/Microsoft 365
marketing/HubSpot
monitoring/Atlassian Statuspage
analytics/Google Search Console
productivity/DocuSign
support/Zendesk
EXP
sort -o "$TB_TMP/prov.exp" "$TB_TMP/prov.exp"
tb_assert_sets_eq "providers" "$TB_TMP/prov.exp" "$TB_TMP/prov"

# evidence: customer-specific hosts, the verification token, the SPF chain
ev() { jq -r --arg p "$1" 'select(.kind=="provider" and .name==$p) | .evidence[]' "$out"; }
ev "Microsoft 365" | grep -qx 'corp.test MX mx:corp-test.mail.protection.outlook.com' || tb_fail "M365 MX evidence"
ev "Microsoft 365" | grep -qx 'corp.test TXT txt:MS=ms41234567' || tb_fail "M365 token evidence"
ev "Microsoft 365" | grep -q 'selector1._domainkey.corp.test TXT cname:selector1-corp-test._domainkey.corptest.onmicrosoft.com' || tb_fail "M365 DKIM evidence"
ev "HubSpot" | grep -qx 'corp.test TXT spf:123456.spf05.hubspotemail.net' || tb_fail "HubSpot SPF evidence"
ev "Atlassian" | grep -q 'txt:atlassian-domain-verification=Qm1Lp9uU1tZ8yN0' || tb_fail "TXT strings not concatenated"
ev "Amazon SES" | grep -q 'owner:_amazonses.corp.test' || tb_fail "owner evidence"
jq -s -e 'any(.[]; .kind=="provider" and .name=="Azure App Service" and .takeover)' "$out" >/dev/null || tb_fail "Azure not takeover-prone"
echo "ok: providers and evidence"

# --- findings ---
jq -r 'select(.kind=="finding") | "\(.severity) \(.id)"' "$out" | sort >"$TB_TMP/find"
cat >"$TB_TMP/find.exp" <<'EXP'
high lame-delegation
high takeover-candidate
info dkim-selectors
low dangling-cname
low dmarc-p-none
low spf-softfail-all
medium lame-delegation
medium spf-too-many-lookups
EXP
tb_assert_sets_eq "findings" "$TB_TMP/find.exp" "$TB_TMP/find"
[[ $(jq -r 'select(.kind=="finding") | .id' "$out" | grep -c lame-delegation) == 2 ]] || tb_fail "two lame delegations expected"

f() { jq -r --arg i "$1" 'select(.kind=="finding" and .id==$i) | .evidence[]' "$out"; }
tb_assert_eq "takeover candidate" "legacy.corp.test CNAME corp-legacy.azurewebsites.net" "$(f takeover-candidate)"
tb_assert_eq "dangling CNAME" "old.corp.test CNAME corp-old.gone-service.test" "$(f dangling-cname)"
f lame-delegation | sort >"$TB_TMP/lame"
printf 'corp.test NS ns2.corp.test\ncorp.test NS ns9.gone-dns.test\n' >"$TB_TMP/lame.exp"
tb_assert_sets_eq "lame name servers" "$TB_TMP/lame.exp" "$TB_TMP/lame"
f dkim-selectors | sort >"$TB_TMP/dkim"
printf 's1._domainkey.corp.test\nselector1._domainkey.corp.test\nselector2._domainkey.corp.test\n' >"$TB_TMP/dkim.exp"
tb_assert_sets_eq "DKIM selectors" "$TB_TMP/dkim.exp" "$TB_TMP/dkim"
# apex 4 + outlook 2 + hubspot 1 + 4 (a mx ptr exists) + chain1..5 3 each = 26
tb_assert_eq "SPF DNS-querying terms" 26 "$(jq -r 'select(.kind=="summary") | .spf_dns_terms' "$out")"

# --- the other formats carry the same report ---
"$DG_BIN" footprint corp.test -r "$R" "${NSP[@]}" --timeout 400 --retries 1 -f json >"$TB_TMP/corp.json"
tb_assert_eq "json findings" 8 "$(jq '.findings | length' "$TB_TMP/corp.json")"
tb_assert_eq "json takeover" "takeover-candidate" "$(jq -r '.findings[] | select(.severity=="high" and (.evidence[0]|test("legacy"))) | .id' "$TB_TMP/corp.json")"
"$DG_BIN" footprint corp.test -r "$R" "${NSP[@]}" --timeout 400 --retries 1 -f text >"$TB_TMP/corp.txt"
grep -q '^Providers' "$TB_TMP/corp.txt" && grep -q '^Findings' "$TB_TMP/corp.txt" || tb_fail "text report sections"
grep -q '\[high  \] takeover-candidate' "$TB_TMP/corp.txt" || tb_fail "text report takeover line"
"$DG_BIN" footprint corp.test -r "$R" "${NSP[@]}" --timeout 400 --retries 1 -f csv >"$TB_TMP/corp.csv"
grep -q '^finding,takeover-candidate,,high,' "$TB_TMP/corp.csv" || tb_fail "csv finding row"
echo "ok: json, text and csv formats"

# --- a zone with an apex wildcard, no SPF, no DMARC ---
"$DG_BIN" footprint wild.test -r "$R" "${NSP[@]}" --timeout 400 --retries 1 -f jsonl >"$TB_TMP/wild.jsonl"
jq -r 'select(.kind=="finding") | .id' "$TB_TMP/wild.jsonl" | sort >"$TB_TMP/wfind"
printf 'apex-wildcard\nno-dmarc\nno-spf\n' >"$TB_TMP/wfind.exp"
tb_assert_sets_eq "wild.test findings" "$TB_TMP/wfind.exp" "$TB_TMP/wfind"

# --- bad input: clear one-line errors, exit 2 ---
set +e
"$DG_BIN" footprint corp.test 2>"$TB_TMP/err"; rc=$?
tb_assert_exit "no resolvers" 2 $rc
grep -q 'no resolvers given' "$TB_TMP/err" || tb_fail "message for missing -r"
"$DG_BIN" footprint 'bad..name' -r "$R" 2>"$TB_TMP/err"; rc=$?
tb_assert_exit "bad domain" 2 $rc
"$DG_BIN" footprint corp.test -r "$R" -f xml 2>"$TB_TMP/err"; rc=$?
tb_assert_exit "bad format" 2 $rc
[[ $(wc -l <"$TB_TMP/err") == 1 ]] || tb_fail "error is not one line"
set -e
echo "footprint: all checks passed"
