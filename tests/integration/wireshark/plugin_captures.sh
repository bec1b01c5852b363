#!/bin/bash
# The Wireshark plugin against captures made here, on loopback, from real
# tools talking to real Knot servers: each reconnaissance capture must carry
# its tag, benign captures no reconnaissance tag; `dnsglean pcap` must give
# the same tags per frame as the plugin, `tshark -2` the same as one pass,
# and the plugin's dns_dissection mode (Wireshark's DNS items) the same as
# its default mode (frames read directly).
#
# tshark runs as an unprivileged user: as root it ignores WIRESHARK_PLUGIN_DIR
# (DESIGN.md). Env: DG_BIN (the CLI), DG_WS_PLUGIN (the built dnsglean.so).
# Optional: DG_WS_ONLY="name ..." runs only those scenarios.
source "$(dirname "$0")/../../lib/testbed.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
: "${DG_WS_PLUGIN:=$TB_ROOT/build/wireshark-plugin/plugins/4.0/epan/dnsglean.so}"
[[ -r $DG_WS_PLUGIN ]] || tb_fail "plugin not built: $DG_WS_PLUGIN"
tb_need_netns
tb_need_tools tshark dig nmap setpriv

# tshark as nobody, with the plugin in a folder it can read (testbed.sh)
tb_ws_plugin "$DG_WS_PLUGIN"
ws() { tb_ws "$@"; }
echo "ok: tshark loads dnsglean.so"

# --- three servers: transfers allowed / refused / a signed zone -------------
zone_for() { # ADDR OUT: corp.test with ns1 at ADDR
	sed "s/^ns1 .*/ns1     IN A    $1/" "$HERE/corp.test.zone" >"$2"
}
zone_for 127.0.0.2 "$TB_TMP/open.zone"
# Nmap's dns-zone-transfer cuts the domain to a name under a TLD it knows, so
# it gets the same zone as example.com (RFC 2606; served here only).
sed 's/corp\.test/example.com/g' "$TB_TMP/open.zone" >"$TB_TMP/example.zone"
zone_for 127.0.0.3 "$TB_TMP/closed.zone"
zone_for 127.0.0.4 "$TB_TMP/signed.zone"
REV=0.0.127.in-addr.arpa
# a stand-in for the CDN's zone (served here only): corp-static is gone from it
cat >"$TB_TMP/azureedge.zone" <<'EOF'
$TTL 300
@ IN SOA ns1.corp.test. hostmaster.corp.test. 1 3600 600 86400 300
@ IN NS  ns1.corp.test.
EOF
tb_server_start open -a 127.0.0.2 --axfr allow corp.test="$TB_TMP/open.zone" \
	example.com="$TB_TMP/example.zone" $REV="$HERE/$REV.zone"
tb_server_start closed -a 127.0.0.3 corp.test="$TB_TMP/closed.zone" $REV="$HERE/$REV.zone" \
	azureedge.net="$TB_TMP/azureedge.zone"
tb_server_start signed -a 127.0.0.4 --sign nsec corp.test="$TB_TMP/signed.zone"
OPEN=127.0.0.2 CLOSED=127.0.0.3 SIGNED=127.0.0.4

RECON="axfr ixfr any chaos brute nsec-walk nsec3-walk tld-sweep srv-enum ptr-sweep cache-snoop wildcard-probe zone-leak"

want() { [[ -z ${DG_WS_ONLY-} || " $DG_WS_ONLY " == *" $1 "* ]]; }

# capture NAME CMD...: runs CMD (bounded in time) under a capture on lo.
capture() {
	local name=$1
	shift
	tb_capture_start "$TB_TMP/$name.pcapng" "port 53"
	timeout 300 "$@" >"$TB_TMP/$name.tool.log" 2>&1 || true
	tb_capture_stop
	chmod a+r "$TB_TMP/$name.pcapng"
}

# check NAME: plugin tags (one and two passes) and dnsglean pcap agree.
check() {
	local name=$1 f=$TB_TMP/$1.pcapng
	local n
	n=$(ws -r "$f" -Y dns -T fields -e frame.number | wc -l)
	((n > 0)) || tb_fail "$name: the capture holds no DNS"
	ws -r "$f" -Y dnsglean.tag -T fields -e frame.number -e dnsglean.tag |
		awk -F'\t' '{n = split($2, a, ","); for (i = 1; i <= n; i++) print $1, a[i]}' |
		LC_ALL=C sort -u >"$TB_TMP/$name.ws"
	ws -2 -r "$f" -Y dnsglean.tag -T fields -e frame.number -e dnsglean.tag |
		awk -F'\t' '{n = split($2, a, ","); for (i = 1; i <= n; i++) print $1, a[i]}' |
		LC_ALL=C sort -u >"$TB_TMP/$name.ws2"
	# the plugin's other mode: the messages Wireshark's DNS dissector finds
	ws -o dnsglean.dns_dissection:TRUE -r "$f" -Y dnsglean.tag -T fields -e frame.number -e dnsglean.tag |
		awk -F'\t' '{n = split($2, a, ","); for (i = 1; i <= n; i++) print $1, a[i]}' |
		LC_ALL=C sort -u >"$TB_TMP/$name.wsd"
	"$DG_BIN" pcap --no-summary "$f" >"$TB_TMP/$name.jsonl" || tb_fail "$name: dnsglean pcap failed"
	jq -r '.frame as $f | .tags[] | "\($f) \(.)"' "$TB_TMP/$name.jsonl" |
		LC_ALL=C sort -u >"$TB_TMP/$name.cli"
	tb_assert_sets_eq "$name: dnsglean pcap tags == plugin tags" "$TB_TMP/$name.ws" "$TB_TMP/$name.cli"
	tb_assert_sets_eq "$name: tshark -2 == one pass" "$TB_TMP/$name.ws" "$TB_TMP/$name.ws2"
	# (broken messages: Wireshark's TCP and DNS dissectors give up at other
	# places than frame.c does, so the modes are only compared on real traffic)
	[[ -n ${CHECK_ONLY_FRAME_MODE-} ]] ||
		tb_assert_sets_eq "$name: dns_dissection mode == frame mode" "$TB_TMP/$name.ws" "$TB_TMP/$name.wsd"
	echo "   $name: $n DNS frames; tags: $(cut -d' ' -f2 "$TB_TMP/$name.ws" | sort | uniq -c | awk '{printf "%s=%s ", $2, $1}')"
}

expect_tag() { # NAME TAG...
	local name=$1 t
	shift
	for t in "$@"; do
		grep -q " $t\$" "$TB_TMP/$name.ws" || {
			sed 's/^/    /' "$TB_TMP/$name.tool.log" | tail -5 >&2
			tb_fail "$name: no frame tagged '$t'"
		}
		echo "ok: $name carries $t"
	done
}

expect_no_tag() { # NAME TAG...
	local name=$1 t
	shift
	for t in "$@"; do
		if grep -q " $t\$" "$TB_TMP/$name.ws"; then
			tb_fail "$name: unexpected tag '$t' on frames $(grep " $t\$" "$TB_TMP/$name.ws" | cut -d' ' -f1 | head -5 | xargs)"
		fi
	done
	echo "ok: $name carries none of: $*"
}

DIG=(dig +time=2 +tries=1)

# --- reconnaissance ---------------------------------------------------------
if want dig; then
	capture dig_axfr "${DIG[@]}" @$OPEN corp.test AXFR
	check dig_axfr
	expect_tag dig_axfr axfr zone-leak
	capture dig_axfr_refused "${DIG[@]}" @$CLOSED corp.test AXFR
	check dig_axfr_refused
	expect_tag dig_axfr_refused axfr
	expect_no_tag dig_axfr_refused zone-leak
	capture dig_ixfr "${DIG[@]}" @$OPEN corp.test IXFR=0
	check dig_ixfr
	expect_tag dig_ixfr ixfr
	capture dig_any "${DIG[@]}" @$OPEN corp.test ANY
	check dig_any
	expect_tag dig_any any
	capture dig_chaos bash -c "${DIG[*]} @$OPEN version.bind CH TXT; ${DIG[*]} @$OPEN hostname.bind CH TXT; ${DIG[*]} @$OPEN id.server CH TXT"
	check dig_chaos
	expect_tag dig_chaos chaos
fi

NMAP=(nmap -n -Pn --max-retries 1 --host-timeout 120s)
if want nmap_brute; then
	capture nmap_brute "${NMAP[@]}" -sn --dns-servers $CLOSED --script dns-brute \
		--script-args dns-brute.domain=corp.test,dns-brute.threads=4
	check nmap_brute
	expect_tag nmap_brute brute
fi
if want nmap_axfr; then
	capture nmap_axfr "${NMAP[@]}" -sT -p 53 --dns-servers $OPEN --script dns-zone-transfer \
		--script-args dns-zone-transfer.domain=example.com $OPEN
	check nmap_axfr
	expect_tag nmap_axfr axfr zone-leak
fi
if want nmap_nsec; then
	# Nmap 7.93's dns-nsec-enum joins labels without dots (tb_nmap_domain)
	capture nmap_nsec "${NMAP[@]}" -sT -p 53 --dns-servers $SIGNED --script dns-nsec-enum \
		--script-args dns-nsec-enum.domains="$(tb_nmap_domain dns-nsec-enum corp.test)" $SIGNED
	check nmap_nsec
	expect_tag nmap_nsec nsec-walk
fi
if want nmap_srv; then
	capture nmap_srv "${NMAP[@]}" -sn --dns-servers $CLOSED --script dns-srv-enum \
		--script-args dns-srv-enum.domain=corp.test
	check nmap_srv
	expect_tag nmap_srv srv-enum
fi
if want nmap_ptr; then
	# a list scan resolves every address of the range: a PTR sweep
	capture nmap_ptr nmap -Pn -sL -R --dns-servers $CLOSED 127.0.0.0/26
	check nmap_ptr
	expect_tag nmap_ptr ptr-sweep
fi

if tb_need_tools --part "dnsrecon scenarios" dnsrecon; then
	DNSRECON=(dnsrecon --lifetime 3)
	if want dnsrecon_std; then
		capture dnsrecon_std "${DNSRECON[@]}" -d corp.test -n $CLOSED -t std
		check dnsrecon_std
		expect_tag dnsrecon_std chaos srv-enum
	fi
	if want dnsrecon_brt; then
		capture dnsrecon_brt "${DNSRECON[@]}" -d corp.test -n $CLOSED -t brt -D "$HERE/words.txt"
		check dnsrecon_brt
		expect_tag dnsrecon_brt brute wildcard-probe
	fi
	if want dnsrecon_axfr; then
		capture dnsrecon_axfr "${DNSRECON[@]}" -d corp.test -n $OPEN -t axfr
		check dnsrecon_axfr
		expect_tag dnsrecon_axfr axfr zone-leak
	fi
	if want dnsrecon_rvl; then
		capture dnsrecon_rvl "${DNSRECON[@]}" -r 127.0.0.1-127.0.0.40 -n $CLOSED -t rvl
		check dnsrecon_rvl
		expect_tag dnsrecon_rvl ptr-sweep
	fi
	if want dnsrecon_snoop; then
		capture dnsrecon_snoop "${DNSRECON[@]}" -t snoop -n $CLOSED -D "$HERE/snoop.txt"
		check dnsrecon_snoop
		expect_tag dnsrecon_snoop cache-snoop
	fi
fi

if want fierce && tb_need_tools --part "fierce scenario" fierce; then
	# fierce takes its name servers from --dns-servers and the zone's own NS
	# and SOA records, which point at the same loopback server. By default
	# it looks up the PTRs of 5 addresses either side of each hit (about a
	# dozen here, under the ptr-sweep threshold of 16); --wide sweeps the /24.
	capture fierce timeout 200 fierce --domain corp.test --dns-servers $CLOSED \
		--subdomain-file "$HERE/words.txt" --wide
	check fierce
	expect_tag fierce axfr wildcard-probe brute ptr-sweep
fi

# --- benign -----------------------------------------------------------------
if want benign; then
	# ordinary lookups, with repeats
	capture benign_lookups bash -c "for i in 1 2 3; do ${DIG[*]} @$CLOSED www.corp.test A; ${DIG[*]} @$CLOSED api.corp.test A; ${DIG[*]} @$CLOSED www.corp.test AAAA; ${DIG[*]} @$CLOSED nosuch.corp.test A; done"
	check benign_lookups
	expect_no_tag benign_lookups $RECON
	# a mail server checking a sender: MX, SPF, DKIM, DMARC
	capture benign_mail bash -c "${DIG[*]} @$CLOSED corp.test MX; ${DIG[*]} @$CLOSED corp.test TXT; ${DIG[*]} @$CLOSED selector1._domainkey.corp.test TXT; ${DIG[*]} @$CLOSED _dmarc.corp.test TXT; ${DIG[*]} @$CLOSED mail.corp.test A; ${DIG[*]} @$CLOSED 22.0.0.127.in-addr.arpa PTR"
	check benign_mail
	expect_no_tag benign_mail $RECON
	# a browser opening a page: A, AAAA and HTTPS for a handful of hosts at once
	q=()
	for h in corp.test www.corp.test static.corp.test cdn.corp.test api.corp.test shop.corp.test help.corp.test; do
		q+=("$h" A "$h" AAAA "$h" TYPE65)
	done
	capture benign_browser "${DIG[@]}" @$CLOSED "${q[@]}"
	check benign_browser
	expect_no_tag benign_browser $RECON
fi

# --- malformed DNS never crashes tshark or dnsglean pcap -------------------
if want malformed; then
	python3 "$HERE/gen-malformed.py" "$TB_TMP/malformed.pcapng" 20000
	: >"$TB_TMP/malformed.tool.log"
	chmod a+r "$TB_TMP/malformed.pcapng"
	for mode in "" "-o dnsglean.dns_dissection:TRUE"; do
		# shellcheck disable=SC2086 # mode is one option or none
		ws -n $mode -r "$TB_TMP/malformed.pcapng" -V >/dev/null 2>"$TB_TMP/malformed.err" ||
			{ tail -3 "$TB_TMP/malformed.err" >&2; tb_fail "malformed: tshark $mode failed"; }
	done
	echo "ok: malformed: tshark -V survives 20000 broken DNS frames (both modes)"
	CHECK_ONLY_FRAME_MODE=1 check malformed
fi

# --- what the records give away (needs the classifier in the library) ----
if want benign && "$DG_BIN" classify --help >/dev/null 2>&1; then
	expect_tag benign_mail provider-disclosure
	ws -r "$TB_TMP/benign_mail.pcapng" -Y 'dnsglean.provider == "Microsoft 365" && dnsglean.category == "mail"' \
		-T fields -e frame.number >"$TB_TMP/m365"
	[[ -s $TB_TMP/m365 ]] || tb_fail "benign_mail: no frame with dnsglean.provider == \"Microsoft 365\""
	echo "ok: benign_mail: display filter dnsglean.provider == \"Microsoft 365\" matches $(wc -l <"$TB_TMP/m365") frames"
	cmp -s <(jq -r 'select(.providers | length > 0) | .frame' "$TB_TMP/benign_mail.jsonl" | sort -n) \
		<(ws -r "$TB_TMP/benign_mail.pcapng" -Y dnsglean.provider -T fields -e frame.number | sort -n) ||
		tb_fail "benign_mail: frames with providers differ between dnsglean pcap and the plugin"
	echo "ok: benign_mail: the same frames disclose providers in dnsglean pcap and the plugin"
	# a CNAME into a claimable service whose target no longer exists
	capture takeover bash -c "${DIG[*]} @$CLOSED static.corp.test A; ${DIG[*]} @$CLOSED corp-static.azureedge.net A"
	check takeover
	expect_tag takeover takeover-candidate provider-disclosure
	expect_no_tag takeover $RECON
	ws -r "$TB_TMP/takeover.pcapng" -q -z expert,warn | grep -q 'Security *dnsglean *Subdomain takeover' ||
		tb_fail "takeover: no security warning"
	echo "ok: takeover: expert warning in the security group"
elif want benign; then
	tb_skip --part "provider-disclosure and takeover-candidate" "the library has no classifier" || true
fi

# --- statistics tree and expert info on one capture ------------------------
if want dig; then
	ws -r "$TB_TMP/dig_axfr.pcapng" -q -z dnsglean,tree >"$TB_TMP/tree.txt"
	grep -q '^ *zone-leak  *1 ' "$TB_TMP/tree.txt" || { cat "$TB_TMP/tree.txt" >&2; tb_fail "stats tree lacks zone-leak"; }
	echo "ok: -z dnsglean,tree counts zone-leak"
	ws -r "$TB_TMP/dig_axfr.pcapng" -q -z expert,warn >"$TB_TMP/expert.txt"
	grep -q 'Security *dnsglean *Zone transfer answered' "$TB_TMP/expert.txt" ||
		{ cat "$TB_TMP/expert.txt" >&2; tb_fail "no security warning for the answered transfer"; }
	echo "ok: expert info warns (security group) on the answered transfer"
fi
echo "PASS"
