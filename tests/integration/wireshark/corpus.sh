#!/bin/bash
# The labelled capture corpus and its figures. Real tools (Nmap's dns-*
# scripts, dnsrecon, fierce, dnsenum, gobuster, dnsmap, ldns-walk, dig,
# dnsglean itself) and benign traffic (validating resolver clients, a mail
# server's lookups, a browser's burst, a secondary's transfers, an admin's
# checks, a monitor) run in the test bed's network namespace against this
# topology, all on loopback:
#
#   clients (127.0.0.1) --> BIND 127.0.0.10 / Unbound 127.0.0.11 (validating)
#        |                        | (root hints: 127.0.0.2 only)
#        +-- direct ------------> Knot 127.0.0.2  "." (a stub root: the test
#                                   zones' delegations, provider stand-ins)
#                                 Knot 127.0.0.3  corp.test, 0.0.127.in-addr.arpa
#                                   (transfers to its secondary only)
#                                 Knot 127.0.0.4  sec.test (NSEC-signed)
#                                 Knot 127.0.0.5  hash.test (NSEC3-signed)
#                                 Knot 127.0.0.6  example.com (transfers allowed)
#
# Each run is captured on lo; a run through a resolver gives three labelled
# captures: both legs, the client leg (frames to or from 127.0.0.1) and the
# upstream leg (resolver <-> authoritative), with a cold cache (flushed) and,
# for some tools, a second run with a warm one. Every capture carries labels:
# `expect` tags (must be on at least one frame) and `allow` tags (side effects
# the tool really has, e.g. fierce's AXFR attempt; not counted as false
# positives). The plugin (tshark as an unprivileged user) and `dnsglean pcap`
# tag every capture and must agree frame for frame; the test prints per-tag
# precision and recall over captures (a capture is positive for a tag when a
# frame carries it) and fails unless recall is 1.0 for every expected tag and
# no benign capture carries a judgement tag.
#
# Env: DG_BIN, DG_WS_PLUGIN (as plugin_captures.sh); DG_CORPUS_ONLY="name ..."
# runs only those scenarios; DG_CORPUS_TABLE=FILE also writes the table there.
source "$(dirname "$0")/../../lib/testbed.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
: "${DG_WS_PLUGIN:=$TB_ROOT/build/wireshark-plugin/plugins/4.0/epan/dnsglean.so}"
[[ -r $DG_WS_PLUGIN ]] || tb_fail "plugin not built: $DG_WS_PLUGIN"
tb_need_netns
tb_need_tools tshark dig kdig nmap setpriv jq named rndc unbound unbound-control \
	dnsrecon fierce dnsenum gobuster dnsmap ldns-walk unshare mount
T_START=$SECONDS

# Tags that judge a querier, and per-message facts (README).
JUDGEMENTS="brute nsec-walk nsec3-walk srv-enum ptr-sweep cache-snoop wildcard-probe tld-sweep"
FACTS="axfr ixfr any chaos zone-leak"
TABLE_TAGS="$JUDGEMENTS $FACTS"

# tshark as nobody, with the plugin in a folder it can read (testbed.sh)
tb_ws_plugin "$DG_WS_PLUGIN"
ws() { tb_ws "$@"; }

# --- zones ----------------------------------------------------------------
ROOT=127.0.0.2 AUTH=127.0.0.3 NSEC=127.0.0.4 NSEC3=127.0.0.5 OPEN=127.0.0.6
BIND=127.0.0.10 UNBOUND=127.0.0.11 SECONDARY=127.0.0.12
Z=$TB_TMP/zones
mkdir -p "$Z"
zone_as() { # NAME ADDR OUT: corp.test.zone renamed to NAME, ns1 at ADDR
	sed -e "s/corp\.test/$1/g" -e "s/^ns1 .*/ns1     IN A    $2/" "$HERE/corp.test.zone" >"$3"
}
zone_as corp.test $AUTH "$Z/corp.test"
zone_as example.com $OPEN "$Z/example.com"
zone_as sec.test $NSEC "$Z/sec.test"
zone_as hash.test $NSEC3 "$Z/hash.test"
# more owners, so a walker of the NSEC3 chain (Nmap dns-nsec3-enum) needs
# more than a handful of questions whatever its random names (with the 26
# names alone it sometimes covered the ring in fewer than nsec3_names)
for i in $(seq -w 1 60); do printf 'h%s IN A 192.0.2.%d\n' "$i" $((10#$i + 100)); done >>"$Z/hash.test"
# stand-ins for providers' zones (served here only): what the test zones'
# CNAMEs, MX and SPF includes point at, and a page's CDN and cloud hosts
# with generated labels
provider() { # ZONE RECORD...
	local z=$1
	shift
	{
		printf '$ORIGIN %s.\n$TTL 300\n@ IN SOA a.root.test. hostmaster.root.test. 1 3600 600 86400 300\n@ IN NS a.root.test.\n' "$z"
		printf '%s\n' "$@"
	} >"$Z/$z"
	PROVIDERS+=("$z")
}
PROVIDERS=()
provider outlook.com "corp-test.mail.protection IN A 127.0.0.30" \
	'spf.protection IN TXT "v=spf1 ip4:127.0.0.0/26 -all"' "autodiscover IN A 127.0.0.31"
provider google.com '_spf IN TXT "v=spf1 ip4:127.0.1.0/24 ~all"' "www IN A 127.0.0.32"
provider onmicrosoft.com 'selector1-corp-test._domainkey.corp IN TXT "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC3"'
provider cloudfront.net "d111111abcdef8 IN A 127.0.0.40" "d1a2b3c4e5f6g7 IN A 127.0.0.41" \
	"d1a2b3c4e5f6g7 IN AAAA ::1" "d3k9x7q2m5n8pz IN A 127.0.0.42"
provider amazonaws.com "corp-assets-7f3k2q9z.s3 IN A 127.0.0.43" \
	"corp-lb-1234567890.us-east-1.elb IN A 127.0.0.44" "ec2-127-0-0-45.compute-1 IN A 127.0.0.45"
provider azureedge.net "corpcdn-h4x9fg2kq8 IN A 127.0.0.46"
provider akamaiedge.net "e7319.a IN A 127.0.0.47" "e7319.a IN AAAA ::1"
provider myshopify.com "corp IN A 127.0.0.48"
provider zendesk.com "corp IN A 127.0.0.49"
{
	printf '$TTL 300\n. IN SOA a.root.test. hostmaster.root.test. 1 3600 600 86400 300\n'
	printf '. IN NS a.root.test.\na.root.test. IN A %s\n' $ROOT
	for z in corp.test 0.0.127.in-addr.arpa; do printf '%s. IN NS ns1.corp.test.\n' $z; done
	printf 'ns1.corp.test. IN A %s\n' $AUTH
	printf 'example.com. IN NS ns1.example.com.\nns1.example.com. IN A %s\n' $OPEN
	printf 'sec.test. IN NS ns1.sec.test.\nns1.sec.test. IN A %s\n' $NSEC
	printf 'hash.test. IN NS ns1.hash.test.\nns1.hash.test. IN A %s\n' $NSEC3
	for z in "${PROVIDERS[@]}"; do printf '%s. IN NS a.root.test.\n' "$z"; done
} >"$Z/root"
REV=0.0.127.in-addr.arpa
pz=()
for z in "${PROVIDERS[@]}"; do pz+=("$z=$Z/$z"); done
tb_server_start root -a $ROOT .="$Z/root" "${pz[@]}"
# corp.test: transfers for its secondary only; example.com: for anyone
tb_server_start auth -a $AUTH --axfr-from $SECONDARY corp.test="$Z/corp.test" $REV="$HERE/$REV.zone"
tb_server_start open -a $OPEN --axfr allow example.com="$Z/example.com"
tb_server_start nsec -a $NSEC --sign nsec sec.test="$Z/sec.test"
tb_server_start nsec3 -a $NSEC3 --sign nsec3 hash.test="$Z/hash.test"
{ tb_trust_anchors nsec sec.test; tb_trust_anchors nsec3 hash.test; } >"$Z/anchors"
(($(wc -l <"$Z/anchors") >= 2)) || tb_fail "no KSK found for the signed zones: $(cat "$Z/anchors")"
tb_resolver_start bind bind $BIND $ROOT "$Z/anchors"
tb_resolver_start unbound unbound $UNBOUND $ROOT "$Z/anchors"
for r in $BIND $UNBOUND; do
	dig +time=2 +tries=1 @$r www.sec.test A +dnssec | grep -q 'flags:.* ad' ||
		tb_fail "resolver $r does not validate sec.test (no AD bit)"
	dig +time=2 +tries=1 @$r www.hash.test A +dnssec | grep -q 'flags:.* ad' ||
		tb_fail "resolver $r does not validate hash.test (no AD bit)"
done
echo "ok: BIND and Unbound resolve through the loopback root and validate sec.test and hash.test"
printf 'nameserver %s\noptions timeout:2 attempts:1\n' $UNBOUND >"$TB_TMP/resolv.conf"
WORDS=$HERE/words.txt

# --- capturing and labelling ----------------------------------------------
want() { [[ -z ${DG_CORPUS_ONLY-} || " $DG_CORPUS_ONLY " == *" $1 "* ]]; }

# isolated CMD...: CMD in a private mount namespace whose /etc/resolv.conf
# names Unbound on loopback, so tools that read it stay on loopback.
isolated() {
	unshare -m -- bash -c 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' _ "$TB_TMP/resolv.conf" "$@"
}

# One capture on lo for the whole run, cut afterwards into one file per
# scenario by time (slice-pcapng.py): each is what a capture of that
# scenario alone would hold.
# mark NAME LEGS START: the scenario NAME ran from START to now.
mark() {
	sleep 0.3 # the last answers
	echo "$1 $3 $(date +%s.%N) $2" >>"$TB_TMP/marks"
	sleep 0.2
}

# capture NAME LEGS CMD...: runs CMD (bounded in time); LEGS 1: cut into
# legs too. When $CAPTURE_CHECK names a function, it is called with the
# tool's log and CMD runs again (up to 3 runs in all, in the same capture)
# while it fails: for a tool that can give up before doing what the
# scenario's labels say it does.
capture() {
	local name=$1 legs=$2 t try
	shift 2
	t=$(date +%s.%N)
	for try in 1 2 3; do
		# (in $TB_TMP: dnsenum writes DOMAIN_ips.txt into its working directory)
		(cd "$TB_TMP" && isolated timeout 120 "$@") >"$TB_TMP/$name.tool.log" 2>&1 || true
		[[ -n ${CAPTURE_CHECK-} ]] || break
		"$CAPTURE_CHECK" "$TB_TMP/$name.tool.log" && break
		echo "   $name: run $try: $("$CAPTURE_CHECK" "$TB_TMP/$name.tool.log" why)"
		((try < 3)) || tb_fail "$name: $("$CAPTURE_CHECK" "$TB_TMP/$name.tool.log" why) in 3 runs"
	done
	mark "$name" "$legs" "$t"
}

# label NAME KIND EXPECT ALLOW: the capture NAME is in the corpus.
label() {
	printf '%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" >>"$TB_TMP/labels"
}

# direct NAME KIND EXPECT ALLOW CMD...: a tool talking to servers directly.
direct() {
	local name=$1 kind=$2 exp=$3 allow=$4
	shift 4
	want "$name" || return 0
	capture "$name" 0 "$@"
	label "$name" "$kind" "$exp" "$allow"
}

# via NAME RESOLVER KIND EXP_CLIENT EXP_UPSTREAM ALLOW WARM CMD...: a tool
# talking to RESOLVER (bind|unbound), cold cache; WARM=warm runs it again.
# The upstream leg of a warm run expects nothing (the cache answers) and
# allows what the cold one expects.
via() {
	local name=$1 res=$2 kind=$3 ec=$4 eu=$5 allow=$6 warm=$7 run
	shift 7
	want "$name" || return 0
	tb_resolver_flush "$res"
	for run in cold warm; do
		[[ $run == cold || $warm == warm ]] || break
		capture "$name.$res.$run" 1 "$@"
		if [[ $run == cold ]]; then
			label "$name.$res.$run" "$kind" "$ec $eu" "$allow"
			label "$name.$res.$run.upstream" "$kind" "$eu" "$allow"
		else
			label "$name.$res.$run.upstream" "$kind" "" "$eu $allow"
		fi
		label "$name.$res.$run.client" "$kind" "$ec" "$allow"
	done
}

tb_capture_start "$TB_TMP/all.pcapng" "port 53"
: >"$TB_TMP/marks"
DIG="dig +time=2 +tries=1"
NMAP="nmap -n -Pn --max-retries 1 --host-timeout 60s"
DNSRECON="dnsrecon --lifetime 3"
snoop_names=www.corp.test,api.corp.test,mail.corp.test,www.sec.test,www.hash.test,d1a2b3c4e5f6g7.cloudfront.net

# --- reconnaissance -----------------------------------------------------------
# Nmap's scripts (through a resolver unless they need a server of the zone)
via nmap_brute bind recon brute brute wildcard-probe warm $NMAP -sn --dns-servers $BIND \
	--script dns-brute --script-args "dns-brute.domain=corp.test,dns-brute.threads=4,dns-brute.hostlist=$WORDS"
via nmap_srv unbound recon srv-enum srv-enum "" cold $NMAP -sn --dns-servers $UNBOUND \
	--script dns-srv-enum --script-args dns-srv-enum.domain=corp.test
direct nmap_axfr recon "axfr zone-leak" "" $NMAP -sT -p 53 --dns-servers $OPEN --script dns-zone-transfer \
	--script-args dns-zone-transfer.domain=example.com $OPEN
# (Nmap 7.93's dns-nsec-enum needs a leading dot on the domain: tb_nmap_domain)
via nmap_nsec unbound recon nsec-walk "" nsec-walk cold $NMAP -sT -p 53 --script dns-nsec-enum \
	--script-args dns-nsec-enum.domains="$(tb_nmap_domain dns-nsec-enum sec.test)" $UNBOUND
# (-sU: Nmap's UDP probe of port 53 is a CHAOS query; the NSEC3 walker's
# random names make it a brute force and wildcard probe too)
NSEC3_ARGS="dns-nsec3-enum.domains=$(tb_nmap_domain dns-nsec3-enum hash.test),dns-nsec3-enum.timelimit=3s"
# walked3 LOG [why]: Nmap's dns-nsec3-enum listed at least 20 of the
# chain's ~80 hashes ("why": says how many). Its range bookkeeping (Nmap
# 7.93) can empty its to-do list on the first answers, so now and then it
# stops after two or three questions (seen in CI: 8 DNS messages in all):
# that is no walk, and no detector could call it one; it runs again.
walked3() {
	local n
	n=$(grep -o 'nexthash [0-9a-v]* [0-9a-v]*' "$1" | sort -u | wc -l)
	if [[ ${2-} == why ]]; then
		echo "Nmap's dns-nsec3-enum stopped after $n hashes of the chain"
	else
		((n >= 20))
	fi
}
CAPTURE_CHECK=walked3 direct nmap_nsec3 recon nsec3-walk "chaos brute wildcard-probe" $NMAP -sU -p 53 --script dns-nsec3-enum \
	--script-args "$NSEC3_ARGS" $NSEC3
CAPTURE_CHECK=walked3 via nmap_nsec3 bind recon nsec3-walk "" "nsec3-walk chaos brute wildcard-probe" cold $NMAP -sU -p 53 \
	--script dns-nsec3-enum --script-args "$NSEC3_ARGS" $BIND
# cache snooping, RD=0: BIND answers from its cache, Unbound refuses
for res in bind unbound; do
	[[ $res == bind ]] && r=$BIND || r=$UNBOUND
	via nmap_snoop $res recon cache-snoop "" chaos cold bash -c "$DIG @$r www.corp.test A >/dev/null; $NMAP -sU -p 53 \
		--script dns-cache-snoop --script-args 'dns-cache-snoop.mode=nonrecursive,dns-cache-snoop.domains={${snoop_names//,/,}}' $r"
done
# dnsrecon
via dnsrecon_std bind recon "chaos srv-enum" srv-enum "axfr zone-leak any wildcard-probe" cold \
	$DNSRECON -d corp.test -n $BIND -t std
via dnsrecon_brt unbound recon "brute wildcard-probe" "brute wildcard-probe" "" warm \
	$DNSRECON -d corp.test -n $UNBOUND -t brt -D "$WORDS"
via dnsrecon_axfr bind recon "axfr zone-leak" "" "chaos any wildcard-probe" cold $DNSRECON -d example.com -n $BIND -t axfr
# (corp.test refuses transfers: fierce and dnsenum go on to brute force)
# one label under ~280 TLDs: the resolver asks the loopback root, which
# answers NXDOMAIN for the TLDs it does not delegate
via dnsrecon_tld bind recon tld-sweep tld-sweep "brute wildcard-probe" cold \
	$DNSRECON -d corp.test -n $BIND -t tld --threads 8
via fierce unbound recon "brute wildcard-probe axfr" "brute" "ptr-sweep wildcard-probe" cold \
	fierce --domain corp.test --dns-servers $UNBOUND --subdomain-file "$WORDS"
via dnsenum bind recon "brute axfr" brute "wildcard-probe any" cold \
	dnsenum --dnsserver $BIND --nocolor --noreverse -f "$WORDS" -t 2 --threads 2 corp.test
# gobuster asks a random UUID first (its wildcard check)
via gobuster unbound recon "brute wildcard-probe" "brute wildcard-probe" "" warm \
	gobuster dns -q -z -d corp.test -r $UNBOUND:53 -w "$WORDS" -t 4 --timeout 2s
# dnsmap has no server option: it reads /etc/resolv.conf (Unbound, see isolated)
via dnsmap unbound recon brute brute wildcard-probe cold dnsmap corp.test -w "$WORDS"
direct ldns_walk recon nsec-walk "" ldns-walk @$NSEC sec.test
via ldns_walk unbound recon nsec-walk "" nsec-walk cold ldns-walk @$UNBOUND sec.test
# dig
ptrs=()
for i in $(seq 1 40); do ptrs+=(-x "127.0.0.$i"); done
via dig_ptr bind recon ptr-sweep ptr-sweep "" cold $DIG @$BIND "${ptrs[@]}"
anys=()
for h in "" www api mail vpn dev shop help; do anys+=("${h:+$h.}corp.test" ANY); done
direct dig_any recon any "" $DIG @$AUTH "${anys[@]}"
direct dig_axfr recon "axfr zone-leak" "" $DIG @$OPEN example.com AXFR
direct dig_axfr_refused recon axfr "" $DIG @$AUTH corp.test AXFR
direct dig_chaos recon chaos "" bash -c "for s in $AUTH $BIND $UNBOUND; do for n in version.bind hostname.bind id.server authors.bind; do $DIG @\$s \$n CH TXT; done; done"
# dnsglean itself
via dnsglean_brute unbound recon brute brute wildcard-probe cold \
	"$DG_BIN" brute corp.test -w "$WORDS" -r $UNBOUND --retries 1 -o /dev/null
direct dnsglean_walk recon nsec-walk wildcard-probe "$DG_BIN" walk sec.test -s $NSEC -o /dev/null
direct dnsglean_walk3 recon nsec3-walk "brute wildcard-probe" "$DG_BIN" walk hash.test -s $NSEC3 --crack "$WORDS" -m 2000 -o /dev/null

# --- benign -------------------------------------------------------------------
# ordinary clients of a validating resolver: names in the NSEC and NSEC3
# zones (in the order of the NSEC chain, as a page's links might be), some
# NXDOMAIN, repeats
q=()
for h in www api cdn dc1 dev help mail nosuch shop vpn www; do
	q+=("$h.sec.test" A "$h.hash.test" A)
done
q+=(sec.test MX hash.test MX www.corp.test AAAA missing.corp.test A www.sec.test AAAA)
for res in bind unbound; do
	[[ $res == bind ]] && r=$BIND || r=$UNBOUND
	via benign_clients $res benign "" "" "$FACTS" warm $DIG @$r "${q[@]}"
done
# a mail server receiving from three domains: MX, SPF (and its includes),
# DKIM, DMARC, MTA-STS, TLS-RPT, the client's PTR
q=()
for d in corp.test sec.test hash.test; do
	q+=("$d" MX "$d" TXT "selector1._domainkey.$d" TXT "_dmarc.$d" TXT "_mta-sts.$d" TXT
		"mta-sts.$d" A "_smtp._tls.$d" TXT "mail.$d" A)
done
q+=(spf.protection.outlook.com TXT _spf.google.com TXT 22.0.0.127.in-addr.arpa PTR corp-test.mail.protection.outlook.com A)
via benign_mail unbound benign "" "" "$FACTS" cold $DIG @$UNBOUND "${q[@]}"
# a browser opening a page: A, AAAA and HTTPS for its hosts at once,
# CDN and cloud hosts with generated labels under the providers' zones
q=()
for h in corp.test www.corp.test cdn.corp.test shop.corp.test help.corp.test d1a2b3c4e5f6g7.cloudfront.net \
	d3k9x7q2m5n8pz.cloudfront.net corp-assets-7f3k2q9z.s3.amazonaws.com corp-lb-1234567890.us-east-1.elb.amazonaws.com \
	corpcdn-h4x9fg2kq8.azureedge.net e7319.a.akamaiedge.net www.google.com; do
	q+=("$h" A "$h" AAAA "$h" TYPE65)
done
via benign_browser bind benign "" "" "$FACTS" cold $DIG @$BIND "${q[@]}"
# a secondary (BIND) transferring corp.test from its primary, then
# restarted: an SOA refresh check (and IXFR when the serial moved)
if want benign_secondary; then
	mkdir -p "$TB_TMP/sec2"
	tb_lo_addr $SECONDARY
	cat >"$TB_TMP/sec2/named.conf" <<CONF
options { directory "$TB_TMP/sec2"; pid-file "$TB_TMP/sec2/named.pid"; listen-on port 53 { $SECONDARY; };
	listen-on-v6 { none; }; transfer-source $SECONDARY; query-source address $SECONDARY; notify no;
	recursion no; session-keyfile "$TB_TMP/sec2/session.key"; };
zone "corp.test" { type secondary; primaries { $AUTH; }; file "$TB_TMP/sec2/corp.test.db"; };
CONF
	secondary_run() {
		local i
		tb_bg secondary named -g -4 -c "$TB_TMP/sec2/named.conf"
		for ((i = 0; i < 100; i++)); do
			[[ -s $TB_TMP/sec2/corp.test.db ]] && grep -q 'serial' "$TB_TMP/secondary.log" 2>/dev/null && break
			sleep 0.1
		done
		sleep 1
		tb_server_stop secondary
	}
	t=$(date +%s.%N)
	secondary_run
	secondary_run
	mark benign_secondary 0 "$t"
	label benign_secondary benign axfr "$FACTS"
fi
# an admin's occasional checks
direct benign_admin benign "any chaos" "$FACTS" bash -c "$DIG @$AUTH corp.test ANY; sleep 1; $DIG @$BIND version.bind CH TXT; sleep 1; $DIG @$AUTH corp.test SOA +norec"
# a monitoring system: the same few checks, round after round
direct benign_monitor benign "" "$FACTS" bash -c "for i in 1 2 3; do $DIG @$AUTH corp.test SOA +norec; $DIG @$NSEC sec.test SOA +norec; \
	$DIG @$BIND www.corp.test A; $DIG @$UNBOUND corp.test MX; $DIG @$UNBOUND www.hash.test A; sleep 0.3; done"
tb_capture_stop
"$TB_PY" "$HERE/slice-pcapng.py" "$TB_TMP/all.pcapng" "$TB_TMP/marks" "$TB_TMP" || tb_fail "cannot cut the capture"
T_CAPTURED=$SECONDS

# --- tagging: the plugin and dnsglean pcap, frame for frame ----------------
# tags NAME: NAME.ws and NAME.cli ("frame tag" lines), NAME.tags (the set);
# NAME.jsonl holds every DNS message dnsglean pcap read.
tags() {
	local name=$1 f=$TB_TMP/$1.pcapng
	ws -r "$f" -Y dnsglean.tag -T fields -e frame.number -e dnsglean.tag |
		awk -F'\t' '{n = split($2, a, ","); for (i = 1; i <= n; i++) print $1, a[i]}' |
		LC_ALL=C sort -u >"$TB_TMP/$name.ws"
	jq -r '.frame as $f | .tags[] | "\($f) \(.)"' "$TB_TMP/$name.jsonl" | LC_ALL=C sort -u >"$TB_TMP/$name.cli"
	cmp -s "$TB_TMP/$name.ws" "$TB_TMP/$name.cli" ||
		tb_assert_sets_eq "$name: dnsglean pcap tags == plugin tags" "$TB_TMP/$name.ws" "$TB_TMP/$name.cli"
	cut -d' ' -f2 "$TB_TMP/$name.ws" | LC_ALL=C sort -u | xargs echo >"$TB_TMP/$name.tags"
}

has() { [[ " $1 " == *" $2 "* ]]; }

fails=()
nrecon=0 nbenign=0 nframes=0 nskipped=0
: >"$TB_TMP/results"
while IFS='|' read -r name kind exp allow; do
	f=$TB_TMP/$name.pcapng
	[[ -s $f ]] || tb_fail "$name: no capture file"
	chmod a+r "$f"
	"$DG_BIN" pcap --all --no-summary "$f" >"$TB_TMP/$name.jsonl" || tb_fail "$name: dnsglean pcap failed"
	n=$(wc -l <"$TB_TMP/$name.jsonl")
	if ((n == 0)); then
		# a warm cache's upstream leg, a resolver that refused: nothing to judge
		[[ -z ${exp// /} ]] || fails+=("$name: the capture holds no DNS (tool log: $(tail -2 "$TB_TMP/${name%%.*}"*.tool.log 2>/dev/null | tr '\n' ' ' | cut -c1-200))")
		nskipped=$((nskipped + 1))
		continue
	fi
	nframes=$((nframes + n))
	tags "$name"
	got=$(cat "$TB_TMP/$name.tags")
	printf '%s|%s|%s|%s|%s\n' "$name" "$kind" "$exp" "$allow" "$got" >>"$TB_TMP/results"
	[[ $kind == recon ]] && nrecon=$((nrecon + 1)) || nbenign=$((nbenign + 1))
	miss=() extra=()
	for t in $exp; do has "$got" "$t" || miss+=("$t"); done
	for t in $got; do
		has "$TABLE_TAGS" "$t" || continue
		has "$exp $allow" "$t" || extra+=("$t")
	done
	if [[ $kind == benign ]]; then
		for t in $got; do has "$JUDGEMENTS" "$t" && fails+=("$name (benign): judgement tag '$t' on frames $(grep " $t\$" "$TB_TMP/$name.ws" | cut -d' ' -f1 | head -5 | xargs)"); done
	fi
	((${#miss[@]} == 0)) || fails+=("$name: expected ${miss[*]}, got: ${got:-nothing}")
	printf '   %-40s %-6s %5d DNS messages  expect: %-30s got: %s%s\n' "$name" "$kind" "$n" "${exp:-"-"}" "${got:-"-"}" \
		"${extra[*]:+  (unlabelled: ${extra[*]})}"
done <"$TB_TMP/labels"
echo "ok: the plugin and dnsglean pcap agree frame for frame on $((nrecon + nbenign)) captures ($nframes DNS messages)"

# --- thresholds as dnsglean pcap options --------------------------------------
# knob NAME TAG OPTION HIGH LOW: on capture NAME, TAG's first frame by default;
# with OPTION set above what the capture holds the tag goes, set LOW it comes
# on an earlier frame.
first_tagged() { # FILE TAG [OPTION VALUE]
	local f=$1 t=$2
	shift 2
	"$DG_BIN" pcap --no-summary "$@" "$f" | jq -rn --arg t "$t" '[inputs | select(any(.tags[]; . == $t)) | .frame] | first // "none"'
}
knob() {
	local name=$1 tag=$2 opt=$3 high=$4 low=$5 f=$TB_TMP/$1.pcapng
	local f0 fh fl
	want "${name%%.*}" || return 0 # (DG_CORPUS_ONLY left it out)
	f0=$(first_tagged "$f" "$tag") || f0=error
	fh=$(first_tagged "$f" "$tag" "$opt" "$high") || fh=error
	fl=$(first_tagged "$f" "$tag" "$opt" "$low") || fl=error
	echo "   $name: first $tag frame $f0 by default, $fh with $opt $high, $fl with $opt $low"
	[[ $f0 =~ ^[0-9]+$ && $fh == none && $fl =~ ^[0-9]+$ ]] && ((fl < f0)) ||
		fails+=("$name: $opt does not move $tag (default $f0, $high: $fh, $low: $fl)")
}
knob dnsrecon_tld.bind.cold.client tld-sweep --tld-parents 100000 3
knob nmap_nsec3 nsec3-walk --nsec3-names 100000 2

# --- per-tag precision and recall over captures -----------------------------
# positive: the capture expects the tag; detected: a frame carries it;
# a detection on a capture that neither expects nor allows the tag is a
# false positive (on a benign capture: every judgement tag).
{
	echo "| tag | captures expecting it | detected (recall) | false positives | precision |"
	echo "|---|---:|---:|---:|---:|"
	for t in $TABLE_TAGS; do
		awk -F'|' -v t="$t" '
			function has(s, w) { return index(" " s " ", " " w " ") > 0 }
			{ e = has($3, t); g = has($5, t); a = has($4, t) }
			e { p++; if (g) tp++ }
			g && !e && !a { fp++ }
			END {
				if (p + fp == 0) exit
				printf "| `%s` | %d | %d (%s) | %d | %s |\n", t, p, tp, p ? sprintf("%.2f", tp / p) : "-", fp,
					tp + fp ? sprintf("%.2f", tp / (tp + fp)) : "-"
			}' "$TB_TMP/results"
	done
} >"$TB_TMP/table.md"
echo
echo "Per-tag precision and recall: $nrecon reconnaissance and $nbenign benign captures ($nskipped empty legs left out)"
cat "$TB_TMP/table.md"
[[ -z ${DG_CORPUS_TABLE-} ]] || cp "$TB_TMP/table.md" "$DG_CORPUS_TABLE"
echo "(captured in $((T_CAPTURED - T_START)) s, tagged in $((SECONDS - T_CAPTURED)) s)"
if ((${#fails[@]})); then
	printf '  %s\n' "${fails[@]}" >&2
	tb_fail "${#fails[@]} expectations not met"
fi
echo "PASS"
