#!/bin/bash
# Builds the module with LuaRocks from a copy of the source tree, as a user
# would (`luarocks make lua/dnsglean-scm-1.rockspec`), into a private tree,
# and loads it.   rockspec-test.sh 5.4|5.3
set -euo pipefail
source "$(dirname "$0")/../lib/need.sh"
VER=$1
tb_need_tools luarocks "lua$VER"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dg-rock.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
mkdir "$TMP/src"
for d in CMakeLists.txt cmake core lua nse; do
	[[ -e $SRC/$d ]] && cp -r "$SRC/$d" "$TMP/src/"
done
cd "$TMP/src"
luarocks --lua-version "$VER" make --tree "$TMP/tree" lua/dnsglean-scm-1.rockspec >"$TMP/log" 2>&1 || {
	tail -30 "$TMP/log"
	echo "FAIL: luarocks make"
	exit 1
}
MOD=$TMP/tree/lib/lua/$VER/dnsglean.so
[[ -f $MOD ]] || { echo "FAIL: no $MOD"; exit 1; }
out=$(LUA_CPATH="$TMP/tree/lib/lua/$VER/?.so" "lua$VER" -e \
	'local dg = require "dnsglean"; print(dg._LUA_ABI, type(dg.engine))')
[[ $out == "$VER	function" ]] || { echo "FAIL: loaded module says '$out'"; exit 1; }
echo "ok - luarocks built and installed dnsglean.so for Lua $VER"
