#!/bin/bash
# `cmake --install` of the components "lua" and "nse" into a staging
# DESTDIR: the module lands in INSTALL_CMOD of each Lua's pkg-config file and
# loads from there; the scripts land in Nmap's scripts directory, their
# library dnsglean_nse.lua in Nmap's nselib.
#   install-test.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/../lib/need.sh"
BUILD=$(cd "$1" && pwd)
STAGE=$(mktemp -d "${TMPDIR:-/tmp}/dg-install.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
DESTDIR=$STAGE cmake --install "$BUILD" --component lua >/dev/null
DESTDIR=$STAGE cmake --install "$BUILD" --component nse >/dev/null
n=0
for ver in 5.4 5.3; do
	[[ -r $BUILD/lua/$ver/dnsglean.so ]] ||
		tb_skip --part "Lua $ver install" "no Lua $ver module built" || continue
	cmod=$(pkg-config --variable=INSTALL_CMOD "lua$ver")
	[[ -f $STAGE$cmod/dnsglean.so ]] || { echo "FAIL: no $STAGE$cmod/dnsglean.so"; exit 1; }
	abi=$(LUA_CPATH="$STAGE$cmod/?.so" "lua$ver" -e 'print(require("dnsglean")._LUA_ABI)')
	[[ $abi == "$ver" ]] || { echo "FAIL: installed module for $ver says '$abi'"; exit 1; }
	echo "ok - Lua $ver module installed into $cmod"
	n=$((n + 1))
done
scripts=$(grep -o 'DG_NMAP_SCRIPTDIR:PATH=.*' "$BUILD/CMakeCache.txt" | cut -d= -f2)
for s in dnsglean-brute dnsglean-footprint dnsglean-takeover; do
	[[ -f $STAGE$scripts/$s.nse ]] || { echo "FAIL: $s.nse not installed in $scripts"; exit 1; }
done
echo "ok - NSE scripts installed into $scripts"
nselib=$(grep -o 'DG_NMAP_NSELIBDIR:PATH=.*' "$BUILD/CMakeCache.txt" | cut -d= -f2)
[[ -f $STAGE$nselib/dnsglean_nse.lua ]] || { echo "FAIL: dnsglean_nse.lua not installed in $nselib"; exit 1; }
echo "ok - NSE library installed into $nselib"
((n > 0))
