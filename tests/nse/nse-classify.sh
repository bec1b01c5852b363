# shellcheck shell=bash
# Sourced by run-nse-tests.sh: dnsglean-footprint and dnsglean-takeover.
# 6. Footprint: providers by category and findings. The lame-delegation
# check is off: it would ask ns1.example.test's address, off loopback.
run_nmap "$TB_TMP/f1.xml" "$BUILD/lua/$NVER/?.so" "$NSE/dnsglean-footprint.nse" \
	"dnsglean-footprint.domain=example.test,dnsglean-footprint.lame_check=false"
"$X" "$TB_TMP/f1.xml" elem dnsglean-footprint id | sort >"$TB_TMP/f1.ids"
ok "footprint: the dangling CNAME is a takeover-candidate finding" \
	grep -qx takeover-candidate "$TB_TMP/f1.ids"
ok "footprint: DMARC p=none is reported" grep -qx dmarc-p-none "$TB_TMP/f1.ids"
ok "footprint: Microsoft 365 under mail (SPF include)" \
	grep -q '<table key="mail">' "$TB_TMP/f1.xml"
ok "footprint: Microsoft 365 named" grep -q '<elem>Microsoft 365</elem>' "$TB_TMP/f1.xml"
ok "footprint: Azure App Service under hosting" \
	grep -q '<elem>Azure App Service</elem>' "$TB_TMP/f1.xml"
run_nmap "$TB_TMP/f2.xml" "$BUILD/lua/$NVER/?.so" "$NSE/dnsglean-footprint.nse" \
	"dnsglean-footprint.domain=example.test,dnsglean-footprint.lame_check=false,dnsglean-footprint.driver=core"
"$X" "$TB_TMP/f2.xml" elem dnsglean-footprint id | sort >"$TB_TMP/f2.ids"
check "footprint: the core's loop and Nmap's sockets agree" "$TB_TMP/f1.ids" "$TB_TMP/f2.ids"

# 7. Takeover: given names; then the names dnsglean-brute found.
run_nmap "$TB_TMP/t1.xml" "$BUILD/lua/$NVER/?.so" "$NSE/dnsglean-takeover.nse" \
	"dnsglean-takeover.domain=example.test,dnsglean-takeover.names={legacy.example.test,www.example.test,api.example.test}"
"$X" "$TB_TMP/t1.xml" names dnsglean-takeover >"$TB_TMP/t1.names"
check "takeover flags the dangling CNAME only" <(echo legacy.example.test) "$TB_TMP/t1.names"
ok "takeover: provider and condition" grep -q '<elem key="condition">nxdomain</elem>' "$TB_TMP/t1.xml"
ok "takeover: verdict candidate" grep -q '<elem key="verdict">candidate</elem>' "$TB_TMP/t1.xml"
ok "takeover: status of the signature" grep -q '<elem key="takeover_status">vulnerable</elem>' "$TB_TMP/t1.xml"
run_nmap "$TB_TMP/t2.xml" "$BUILD/lua/$NVER/?.so" "$NSE/dnsglean-brute.nse,$NSE/dnsglean-takeover.nse" \
	"dnsglean-brute.domain=example.test,dnsglean-brute.wordlist=$WORDS,dnsglean-takeover.domain=example.test"
"$X" "$TB_TMP/t2.xml" names dnsglean-takeover >"$TB_TMP/t2.names"
check "takeover checks what dnsglean-brute found" <(echo legacy.example.test) "$TB_TMP/t2.names"
ok "takeover checked every name found" \
	grep -q "<elem key=\"checked\">$(($(wc -l <"$TB_TMP/expect1") + 1))</elem>" "$TB_TMP/t2.xml"
