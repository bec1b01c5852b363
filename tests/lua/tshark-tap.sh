#!/bin/bash
# lua/examples/tshark-tap.lua inside tshark's own Lua (Wireshark 4.4 embeds
# Lua 5.4): DNS answers from a real Knot server on loopback are captured,
# the tap classifies them with `require "dnsglean"`, and what it reports must
# be what `dnsglean classify` says about the same records (kdig's copy).
#   tshark-tap.sh BUILD_DIR    (BUILD_DIR "" : the installed module, no LUA_CPATH)
# tshark runs as an unprivileged user, as the plugin tests do.
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lib/testbed.sh"
tb_need_tools tshark kdig setpriv
BUILD=${1:+$(cd "$1" && pwd)}
WLUA=$(tshark -v 2>/dev/null | tr '\n' ' ' | grep -o 'with Lua [0-9]\.[0-9]' | head -1 | cut -d' ' -f3)
[[ -n $WLUA ]] || tb_fail "this tshark has no Lua"
CPATH=
if [[ -n $BUILD ]]; then
	[[ -r $BUILD/lua/$WLUA/dnsglean.so ]] || tb_fail "no module built for tshark's Lua $WLUA"
	CPATH="$BUILD/lua/$WLUA/?.so;;"
fi
TAP=$TB_ROOT/lua/examples/tshark-tap.lua
Z=$HERE/zones
tb_server_start tap example.test="$Z/example.test.zone" azurewebsites.net="$Z/azurewebsites.net.zone"

# the questions: an SPF TXT, a DMARC TXT, MX, a dangling CNAME, an address
QUESTIONS=("example.test TXT" "_dmarc.example.test TXT" "example.test MX"
	"legacy.example.test CNAME" "www.example.test A")
tb_capture_start "$TB_TMP/dns.pcap" "udp port $(tb_port tap)"
: >"$TB_TMP/answers"
for q in "${QUESTIONS[@]}"; do
	# shellcheck disable=SC2086 # name and type
	tb_dig tap +noall +answer $q >>"$TB_TMP/answers"
done
tb_capture_stop
chmod 644 "$TB_TMP/dns.pcap"
[[ -s $TB_TMP/answers ]] || tb_fail "kdig got no answers"

# what the CLI says about the same records: "owner<TAB>provider" pairs
"$DG_BIN" classify "$TB_TMP/answers" | jq -r '.owner as $o | .providers[] | "\($o)\t\(.name)"' |
	sort -u >"$TB_TMP/want"
[[ -s $TB_TMP/want ]] || tb_fail "the zone's answers reveal no provider to the CLI"

mkdir -p "$TB_TMP/home"
chmod 777 "$TB_TMP/home"
rc=0
setpriv --reuid=65534 --regid=65534 --clear-groups \
	env -i HOME="$TB_TMP/home" PATH="$PATH" ${CPATH:+LUA_CPATH="$CPATH"} \
	tshark -r "$TB_TMP/dns.pcap" -q -X lua_script:"$TAP" >"$TB_TMP/tap.out" 2>"$TB_TMP/tap.err" || rc=$?
tb_assert_exit "tshark with the tap (stderr: $(head -3 "$TB_TMP/tap.err"))" 0 "$rc"
grep -qi 'error' "$TB_TMP/tap.err" && tb_fail "tshark reported a Lua error: $(head -5 "$TB_TMP/tap.err")"
summary=$(grep '^# dnsglean tap:' "$TB_TMP/tap.out") || tb_fail "no summary line: $(head -5 "$TB_TMP/tap.out")"
echo "ok: $summary"
tb_assert_eq "responses seen" "${#QUESTIONS[@]}" "$(sed -n 's/.*tap: \([0-9]*\) responses.*/\1/p' <<<"$summary")"
awk -F'\t' '/^[0-9]/ {print $2 "\t" $4}' "$TB_TMP/tap.out" | sort -u >"$TB_TMP/got"
tb_assert_sets_eq "the tap's providers = dnsglean classify's" "$TB_TMP/want" "$TB_TMP/got"
grep -P '^\d+\tlegacy\.example\.test\.\tCNAME\t.*\ttakeover: ' "$TB_TMP/tap.out" >/dev/null ||
	tb_fail "the dangling CNAME is not flagged: $(cat "$TB_TMP/tap.out")"
echo "ok: tshark (Lua $WLUA) classifies $(wc -l <"$TB_TMP/got") provider disclosures through the module"
echo PASS
