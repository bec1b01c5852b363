#!/usr/bin/env bash
# Passive DNS from a service: brute/footprint --pdns https://... against a
# CIRCL-style HTTPS endpoint this test starts on 127.0.0.1 (python3 +
# ssl, a CA and a server certificate made here with openssl), names then
# checked live against Knot on loopback. The URL form must give exactly
# what the file form gives; 401, 403, 429, 5xx, redirects, stalls, cut
# bodies and untrusted certificates must fail clearly, with a non-zero
# exit and no output.
source "$(dirname "$0")/../lib/testbed.sh"
tb_need_brute
tb_need_tools openssl jq
D=$TB_TMP

# ---- a CA and a certificate for 127.0.0.1 ----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=dnsglean test CA" \
	-keyout "$D/ca.key" -out "$D/ca.pem" 2>/dev/null || tb_fail "openssl: no CA"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
	-keyout "$D/srv.key" -out "$D/srv.csr" 2>/dev/null || tb_fail "openssl: no CSR"
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$D/ext.cnf"
openssl x509 -req -in "$D/srv.csr" -CA "$D/ca.pem" -CAkey "$D/ca.key" -CAcreateserial \
	-days 2 -extfile "$D/ext.cnf" -out "$D/srv.pem" 2>/dev/null || tb_fail "openssl: no cert"

# ---- the zone and its passive DNS ----
tb_server_start demo "$TB_ROOT/scripts/demo/acme.test.zone"
R=$(tb_resolver demo)
mkdir -p "$D/cof"
cat >"$D/cof/acme.test.cof" <<'X'
{"rrname":"www.acme.test","rrtype":"A","rdata":"192.0.2.10","time_first":1600000000,"time_last":1700000000,"count":42}
{"rrname":"oldshop.acme.test","rrtype":"CNAME","rdata":"shops.example.net.","time_first":1500000000,"time_last":1550000000,"count":3}
{"rrname":"jenkins.dev.acme.test","rrtype":"A","rdata":"10.10.0.8","time_first":1600000000,"time_last":1700000000}
{"rrname":"old.dev.acme.test","rrtype":"A","rdata":"10.10.0.9","time_first":1400000000,"time_last":1450000000,"count":1}
not json at all
{"rrname":"alias.partner.example","rrtype":"CNAME","rdata":"vpn.acme.test.","time_first":1600000000,"time_last":1700000000,"count":5}
{"rrname":"acme.test","rrtype":"MX","rdata":"10 mail.acme.test.","time_first":1600000000,"time_last":1700000000,"count":9}
{"rrname":"feature-x.preview.acme.test","rrtype":"A","rdata":"192.0.2.77","time_first":1600000000,"time_last":1600000100,"count":2}
X
printf 'pdnsuser:s3cret:with:colons\n' >"$D/auth"
chmod 600 "$D/auth"
printf 'pdnsuser:wrong\n' >"$D/badauth"
chmod 600 "$D/badauth"

tb_bg https "$TB_PY" "$TB_ROOT/tests/integration/pdns_https_server.py" "$D/srv.pem" "$D/srv.key" \
	"$D/cof" 'pdnsuser:s3cret:with:colons' "$D/port" "$D/requests.log"
for _ in $(seq 100); do
	[[ -s $D/port ]] && break
	sleep 0.1
done
[[ -s $D/port ]] || tb_fail "HTTPS server did not start: $(cat "$TB_TMP/https.log")"
BASE="https://127.0.0.1:$(cat "$D/port")"

# runs brute on acme.test with the given --pdns source; out/err in $D/NAME.*
pbrute() {
	local name=$1
	shift
	TB_RC=0
	timeout 120 "$DG_BIN" brute acme.test -r "$R" -q --pdns "$@" >"$D/$name.jsonl" \
		2>"$D/$name.err" </dev/null || TB_RC=$?
}

# ---- the file form: the reference ----
pbrute file "$D/cof/acme.test.cof"
tb_assert_exit "brute --pdns FILE" 0 "$TB_RC"
sort "$D/file.jsonl" >"$D/file.sorted"
tb_assert_eq "file form: names checked" 7 "$(wc -l <"$D/file.jsonl")"

# ---- the URL form: same records, same output ----
pbrute url "$BASE/ok/pdns/query" --cacert "$D/ca.pem" --pdns-auth "$D/auth"
tb_assert_exit "brute --pdns URL --pdns-auth FILE" 0 "$TB_RC"
tb_assert_sets_eq "URL form == file form" "$D/file.sorted" "$D/url.jsonl"
tb_assert_eq "live and stale told apart" "jenkins.dev.acme.test true|mail.acme.test true|old.dev.acme.test false|oldshop.acme.test false|vpn.acme.test true|www.acme.test true|" \
	"$(jq -r '"\(.name) \(.pdns.live)"' "$D/url.jsonl" | sort | grep -v feature-x | tr '\n' '|')"
grep -q "$BASE/ok/pdns/query/acme.test:5: " "$D/url.err" ||
	tb_fail "malformed line 5 of the answer not reported by URL and line: $(cat "$D/url.err")"
tb_assert_eq "the server saw the credentials" "ok acme.test yes 200" "$(tail -1 "$D/requests.log")"

DNSGLEAN_PDNS_AUTH='pdnsuser:s3cret:with:colons' pbrute env "$BASE/ok/pdns/query/" --cacert "$D/ca.pem"
tb_assert_exit "credentials from DNSGLEAN_PDNS_AUTH (URL with a trailing /)" 0 "$TB_RC"
tb_assert_sets_eq "env form == file form" "$D/file.sorted" "$D/env.jsonl"

pbrute chunked "$BASE/chunked/pdns/query" --cacert "$D/ca.pem" --pdns-auth "$D/auth"
tb_assert_exit "chunked answer" 0 "$TB_RC"
tb_assert_sets_eq "chunked form == file form" "$D/file.sorted" "$D/chunked.jsonl"

# 429 with a short Retry-After: waited for, then the answer taken
pbrute flaky "$BASE/flaky/pdns/query" --cacert "$D/ca.pem" --pdns-auth "$D/auth"
tb_assert_exit "429 with Retry-After: 1 is retried" 0 "$TB_RC"
grep -q "HTTP 429, retrying in 1 s" "$D/flaky.err" || tb_fail "no retry message: $(cat "$D/flaky.err")"
tb_assert_eq "two requests: 429 then 200" "flaky acme.test yes 429|flaky acme.test yes 200|" \
	"$(grep '^flaky' "$D/requests.log" | tr '\n' '|')"
tb_assert_sets_eq "after the retry == file form" "$D/file.sorted" "$D/flaky.jsonl"

# footprint takes the same source
TB_RC=0
timeout 120 "$DG_BIN" footprint acme.test -r "$R" -q -f jsonl --pdns "$D/cof/acme.test.cof" \
	>"$D/fpfile.jsonl" 2>"$D/fpfile.err" || TB_RC=$?
tb_assert_exit "footprint --pdns FILE" 0 "$TB_RC"
TB_RC=0
DNSGLEAN_PDNS_AUTH='pdnsuser:s3cret:with:colons' timeout 120 "$DG_BIN" footprint acme.test -r "$R" \
	-q -f jsonl --pdns "$BASE/ok/pdns/query" --cacert "$D/ca.pem" \
	>"$D/fpurl.jsonl" 2>"$D/fpurl.err" || TB_RC=$?
tb_assert_exit "footprint --pdns URL" 0 "$TB_RC"
tb_assert_sets_eq "footprint: pdns records from the URL == from the file" \
	<(jq -c 'select(.why == "pdns")' "$D/fpfile.jsonl") <(jq -c 'select(.why == "pdns")' "$D/fpurl.jsonl")
tb_assert_eq "footprint: pdns records present" 7 "$(jq -c 'select(.why == "pdns") | .name' "$D/fpurl.jsonl" | sort -u | wc -l)"

# ---- failures: a clear message, non-zero, nothing on stdout ----
# expect_fail WHAT PATTERN ARGS...: brute --pdns ARGS fails, stderr matches
expect_fail() {
	local what=$1 pat=$2
	shift 2
	local t0=$SECONDS
	pbrute fail "$@"
	((TB_RC != 0)) || tb_fail "$what: exit status 0"
	[[ ! -s $D/fail.jsonl ]] || tb_fail "$what: output written: $(head -3 "$D/fail.jsonl")"
	grep -Eq -- "$pat" "$D/fail.err" || tb_fail "$what: stderr lacks /$pat/: $(cat "$D/fail.err")"
	((SECONDS - t0 < 30)) || tb_fail "$what: took $((SECONDS - t0)) s"
	echo "ok: $what (exit $TB_RC: $(tail -1 "$D/fail.err"))"
}
Q=/pdns/query
expect_fail "no credentials" "HTTP 401: authentication required: give --pdns-auth" \
	"$BASE/ok$Q" --cacert "$D/ca.pem"
expect_fail "wrong credentials" "HTTP 401: the server refused the credentials" \
	"$BASE/ok$Q" --cacert "$D/ca.pem" --pdns-auth "$D/badauth"
expect_fail "403" "HTTP 403: access forbidden" "$BASE/forbidden$Q" --cacert "$D/ca.pem" --pdns-auth "$D/auth"
expect_fail "429, long Retry-After" "HTTP 429: rate limited.*wait 3600 s" \
	"$BASE/r429$Q" --cacert "$D/ca.pem" --pdns-auth "$D/auth"
expect_fail "500" "HTTP 500: server error \(server said: Internal error: database unavailable\)" \
	"$BASE/e500$Q" --cacert "$D/ca.pem" --pdns-auth "$D/auth"
expect_fail "redirect" "HTTP 302: redirected to /ok$Q/acme.test; redirects are not followed" \
	"$BASE/redirect$Q" --cacert "$D/ca.pem" --pdns-auth "$D/auth"
expect_fail "body shorter than its Content-Length" "cut short.*not used" \
	"$BASE/cut$Q" --cacert "$D/ca.pem" --pdns-auth "$D/auth"
expect_fail "chunked body without its last chunk" "cut short.*not used" \
	"$BASE/cutchunk$Q" --cacert "$D/ca.pem" --pdns-auth "$D/auth"
expect_fail "body cut mid-line at connection close" "ends in a cut line" \
	"$BASE/cutline$Q" --cacert "$D/ca.pem" --pdns-auth "$D/auth"
expect_fail "server stalls" "timed out \(no data for 2 s" \
	"$BASE/stall$Q" --cacert "$D/ca.pem" --pdns-auth "$D/auth" --pdns-timeout 2
expect_fail "unknown CA" "TLS: .*--cacert" "$BASE/ok$Q" --pdns-auth "$D/auth"
expect_fail "plain http refused" "only https:// URLs" "http://127.0.0.1:1$Q" --pdns-auth "$D/auth"
expect_fail "ftp refused" "only https:// URLs" "ftp://127.0.0.1:1$Q"
printf 'no colon here\n' >"$D/nocolon"
expect_fail "credentials file without user:password" "expected user:password" \
	"$BASE/ok$Q" --cacert "$D/ca.pem" --pdns-auth "$D/nocolon"
expect_fail "missing credentials file" "--pdns-auth: .*No such file" \
	"$BASE/ok$Q" --cacert "$D/ca.pem" --pdns-auth "$D/nonexistent"
expect_fail "negative --pdns-timeout" "--pdns-timeout -1" \
	"$BASE/ok$Q" --cacert "$D/ca.pem" --pdns-auth "$D/auth" --pdns-timeout -1
TB_RC=0
timeout 60 "$DG_BIN" brute other.test -r "$R" -q --pdns "$BASE/ok$Q" --cacert "$D/ca.pem" \
	--pdns-auth "$D/auth" >"$D/none.jsonl" 2>"$D/none.err" || TB_RC=$?
if ((TB_RC == 0)) || ! grep -q "no passive DNS record in $BASE/ok$Q/other.test" "$D/none.err"; then
	tb_fail "an empty answer: exit $TB_RC, $(cat "$D/none.err")"
fi
echo "ok: an empty answer is no passive DNS (exit $TB_RC)"
chmod 644 "$D/auth"
pbrute loose "$BASE/ok$Q" --cacert "$D/ca.pem" --pdns-auth "$D/auth"
grep -q "can be read by others" "$D/loose.err" || tb_fail "no warning on a world-readable credentials file"
echo "ok: a world-readable credentials file is warned about"
tb_assert_eq "the password never shows in a message" "" "$(grep -h 's3cret' "$D"/*.err || true)"
echo "PASS"
