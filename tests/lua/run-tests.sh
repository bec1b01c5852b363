#!/bin/bash
# Runs the Lua module's tests under one Lua version against a real Knot
# server on loopback (private network namespace).
#   run-tests.sh BUILD_DIR 5.4|5.3 [valgrind]
# The last line of the Lua runner is "N passed, N failed".
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lib/testbed.sh"
BUILD=$(cd "$1" && pwd)
VER=$2
MODE=${3:-}
MOD=$BUILD/lua/$VER/dnsglean.so
[[ -r $MOD ]] || tb_skip "no Lua $VER module at $MOD (lua$VER development files missing?)"
tb_need_tools "lua$VER"

# The module must leave the Lua API to its host: no liblua dependency, lua_*
# undefined, only luaopen_dnsglean exported. (Outputs are captured first:
# `grep -q` on a pipe would kill the writer and trip pipefail.)
needed=$(readelf -d "$MOD")
undefined=$(nm -D --undefined-only "$MOD")
exports=$(nm -D --defined-only "$MOD" | awk '$2 == "T" {print $3}')
[[ $needed != *liblua* ]] || tb_fail "$MOD is linked against liblua"
[[ $undefined == *" lua_pushstring"* ]] || tb_fail "$MOD does not take lua_* from its host"
[[ $exports == luaopen_dnsglean ]] || tb_fail "$MOD exports more than luaopen_dnsglean: $exports"

Z=$HERE/zones
tb_server_start lua example.test="$Z/example.test.zone" wild.test="$Z/wild.test.zone" \
	azurewebsites.net="$Z/azurewebsites.net.zone"

# Transfers and walking (dg.axfr, dg.walk): a second server that allows AXFR
# and signs the zone with NSEC.
tb_server_start xfr --axfr allow --sign nsec example.test="$Z/example.test.zone"
# dg.detector's nsec3-walk (test_detect.lua): the zone signed with NSEC3.
tb_server_start n3 --sign nsec3 example.test="$Z/example.test.zone"
# Option trusted= (test_trusted.lua): a resolver that relays to the first
# server but turns every NXDOMAIN into an address (NXDOMAIN hijacking).
tb_double liar 127.0.0.1 "" hijack 192.0.2.66 "$(tb_resolver lua)"
export DG_XFR_SERVER DG_LIAR DG_NSEC3_SERVER
DG_XFR_SERVER=$(tb_resolver xfr)
DG_NSEC3_SERVER=$(tb_resolver n3)
DG_LIAR=$(tb_resolver liar)

export DG_RESOLVER DG_WORDS=$HERE/words.txt DG_ZONES=$Z DG_TESTDIR=$HERE
export DG_EXAMPLES=$TB_ROOT/lua/examples
DG_RESOLVER=$(tb_resolver lua)
export LUA_CPATH="$BUILD/lua/$VER/?.so"
export LUA_PATH="$HERE/?.lua;;"
export DG_LUA="lua$VER"
tests=("$HERE"/test_*.lua)
cd "$HERE"
if [[ $MODE == valgrind ]]; then
	# The examples run as child processes: valgrind them too.
	DG_LUA="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --keep-debuginfo=yes --suppressions=$HERE/valgrind.supp lua$VER"
	exec valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --keep-debuginfo=yes --suppressions=$HERE/valgrind.supp \
		--track-fds=no "lua$VER" runner.lua "${tests[@]}"
fi
exec "lua$VER" runner.lua "${tests[@]}"
