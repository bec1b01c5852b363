#!/usr/bin/env bash
# The installed Debian packages (scripts/build-debs.sh, `apt install
# ./*.deb`), used as a user would: dnsglean, lua5.4, nmap and tshark from
# their system paths, with no LUA_CPATH, LUA_PATH or WIRESHARK_PLUGIN_DIR, the
# module, scripts and plugin found where Debian's lua, nmap and wireshark
# look. Against Knot on loopback (test bed). scripts/test-debian13.sh runs it
# in the Debian 13 chroot once the packages are installed.
unset LUA_CPATH LUA_PATH LUA_CPATH_5_4 LUA_PATH_5_4 LUA_CPATH_5_3 LUA_PATH_5_3 WIRESHARK_PLUGIN_DIR
export DG_BIN=/usr/bin/dnsglean
source "$(dirname "$0")/../lib/testbed.sh"
tb_need_tools lua5.4 nmap tshark setpriv kdig
for p in dnsglean libdnsglean0 libdnsglean-dev lua-dnsglean nmap-dnsglean wireshark-dnsglean; do
	[[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] ||
		tb_fail "package $p is not installed"
done
echo "ok: the six packages are installed"
tb_need_brute

# --- Lua: require from Debian's C-module path ------------------------------
MX='x.test. 300 IN MX 0 x-test.mail.protection.outlook.com.'
out=$(lua5.4 -e "local dg = require 'dnsglean'
local ps = assert(dg.classify('$MX'))
print(package.searchpath('dnsglean', package.cpath), ps[1] and ps[1].name)") ||
	tb_fail "lua5.4 cannot require the installed module"
[[ $out == /usr/lib/*/lua/5.4/dnsglean.so* ]] || tb_fail "lua5.4 loads the module from '$out'"
[[ $out == *Microsoft* ]] || tb_fail "the installed module does not classify: $out"
echo "ok: lua5.4: $out"

# --- Nmap: the scripts by name (script.db), the module nmap's Lua loads ----
Z=$TB_ROOT/tests/lua/zones
WORDS=$TB_ROOT/tests/lua/words.txt
tb_server_start sys example.test="$Z/example.test.zone"
ADDR=$(tb_addr sys)
nmap -n -Pn -sn --dns-servers "$ADDR" --script dnsglean-brute \
	--script-args "dnsglean-brute.domain=example.test,dnsglean-brute.wordlist=$WORDS" \
	-oX "$TB_TMP/nmap.xml" >"$TB_TMP/nmap.txt" 2>&1 || tb_fail "nmap: $(tail -5 "$TB_TMP/nmap.txt")"
"$TB_ROOT/tests/nse/nsexml.py" "$TB_TMP/nmap.xml" names dnsglean-brute >"$TB_TMP/nse.names"
"$TB_ROOT/tests/nse/nsexml.py" "$Z/example.test.zone" expect example.test "$WORDS" 1 >"$TB_TMP/nse.expect"
tb_assert_sets_eq "nmap dnsglean-brute (installed) finds example.test" "$TB_TMP/nse.expect" "$TB_TMP/nse.names"

# --- Wireshark: the plugin from the system folder, tshark as nobody --------
ws() {
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		env -i HOME="$TB_TMP/home" PATH="$PATH" tshark "$@"
}
mkdir -p "$TB_TMP/home"
chmod 777 "$TB_TMP/home"
ws -G plugins | grep -q 'dnsglean\.so' || tb_fail "tshark (nobody) does not load the installed plugin"
tb_capture_start "$TB_TMP/chaos.pcap" "udp port $(tb_port sys)"
tb_dig sys +noall CH TXT version.bind >/dev/null || true
tb_capture_stop
chmod 644 "$TB_TMP/chaos.pcap"
tags=$(ws -r "$TB_TMP/chaos.pcap" -T fields -e dnsglean.tag 2>"$TB_TMP/ws.err" | tr '\n,' '  ')
[[ $tags == *chaos* ]] || tb_fail "installed plugin did not tag the CHAOS query: '$tags' $(head -3 "$TB_TMP/ws.err")"
echo "ok: tshark loads the installed plugin and tags: $tags"

# --- tshark's own Lua: the tap example with the installed module -----------
tb_server_stop sys # the tap test starts its own on the same address
bash "$TB_ROOT/tests/lua/tshark-tap.sh" "" || tb_fail "the tshark Lua tap with the installed module"
echo PASS
