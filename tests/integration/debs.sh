#!/usr/bin/env bash
# The Debian packages: scripts/build-debs.sh builds them (its build folder
# is kept between runs: $DG_DEB_BUILD_DIR), then each is checked with
# dpkg-deb (name, version, architecture, Depends, contents, maintainer
# scripts), extracted with `dpkg-deb -x` into a throwaway root and run from
# there with explicit paths: the CLI and its man page, a program built
# against libdnsglean-dev with pkg-config, the Lua module in lua5.4 and
# lua5.3, the NSE scripts and library in nmap (script.db updated as the
# postinst does), the plugin in tshark as an unprivileged user. The system
# install (apt install ./*.deb, system paths) is the Debian 13 pass's.
set -euo pipefail
source "$(dirname "$0")/../lib/need.sh"
tb_need_tools cmake cpack dpkg-deb dpkg-shlibdeps dpkg-architecture pkg-config cc man lua5.4 lua5.3 \
	nmap tshark setpriv
: "${DG_DEB_BUILD_DIR:?set by ctest}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
chmod 755 "$T"
ok() { echo "ok: $*"; }

# ---- build ----
t0=$SECONDS
DG_JOBS=${DG_JOBS:-2} bash "$ROOT/scripts/build-debs.sh" "$T/debs" >"$T/build.log" 2>&1 ||
	tb_fail "build-debs.sh failed: $(tail -30 "$T/build.log")"
ok "build-debs.sh in $((SECONDS - t0)) s"
V=$(sed -n 's/^project(dnsglean VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")-1
ARCH=$(dpkg --print-architecture)
TRIPLET=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
WS_DIR=$(pkg-config --variable=plugindir wireshark)
deb() { echo "$T/debs/${1}_${V}_${2:-$ARCH}.deb"; }
for p in dnsglean libdnsglean0 libdnsglean-dev lua-dnsglean wireshark-dnsglean; do
	[[ -f $(deb "$p") ]] || tb_fail "no $(basename "$(deb "$p")") in: $(ls "$T/debs")"
done
[[ -f $(deb nmap-dnsglean all) ]] || tb_fail "no nmap-dnsglean_${V}_all.deb in: $(ls "$T/debs")"
tb_assert() { [[ $2 == "$3" ]] || tb_fail "$1: expected '$2', got '$3'"; ok "$1"; }
tb_assert "six packages, nothing else" 6 "$(find "$T/debs" -name '*.deb' | wc -l)"

# ---- control fields ----
field() { dpkg-deb -f "$1" "$2"; }
has_dep() { # has_dep PKG REGEX...: every REGEX matches one of PKG's Depends items
	local f=$1 d
	shift
	d=$(field "$f" Depends | tr ',' '\n' | sed 's/^ *//')
	for re in "$@"; do
		grep -Eq "^($re)" <<<"$d" || tb_fail "$(basename "$f"): Depends lacks /$re/: $d"
	done
}
for f in "$T/debs"/*.deb; do
	[[ $(field "$f" Version) == "$V" ]] || tb_fail "$(basename "$f"): Version $(field "$f" Version)"
	[[ -n $(field "$f" Description) && -n $(field "$f" Maintainer) ]] || tb_fail "$(basename "$f"): no Description/Maintainer"
done
ok "every package: version $V, a description, a maintainer"
has_dep "$(deb dnsglean)" 'libc6 \(>=' 'libglib2\.0-0' 'libldns3' 'libcurl4 \(>=' 'libpcap0\.8'
if field "$(deb dnsglean)" Depends | grep -q libdnsglean0; then tb_fail "the CLI is linked statically: no libdnsglean0 dependency expected"; fi
has_dep "$(deb libdnsglean0)" 'libc6 \(>=' 'libglib2\.0-0' 'libldns3'
has_dep "$(deb libdnsglean-dev)" "libdnsglean0 \\(= ${V//./\\.}\\)" 'libglib2\.0-dev' 'libldns-dev'
has_dep "$(deb lua-dnsglean)" 'libc6 \(>=' 'libglib2\.0-0'
if field "$(deb lua-dnsglean)" Depends | grep -q liblua; then tb_fail "lua-dnsglean must not depend on liblua (the host provides Lua)"; fi
has_dep "$(deb nmap-dnsglean all)" 'nmap' "lua-dnsglean \\(>= ${V//./\\.}\\)"
has_dep "$(deb wireshark-dnsglean)" 'libwireshark[0-9]+ \(>=' 'libc6 \(>='
tb_assert "nmap-dnsglean is Architecture: all" all "$(field "$(deb nmap-dnsglean all)" Architecture)"
ok "Depends: shared libraries through dpkg-shlibdeps, package links by version"

dpkg-deb -e "$(deb libdnsglean0)" "$T/ctl-lib"
grep -Eq "^libdnsglean 0 libdnsglean0 \(>= " "$T/ctl-lib/shlibs" || tb_fail "libdnsglean0: no shlibs entry: $(cat "$T/ctl-lib/shlibs" 2>&1)"
grep -q ldconfig "$T/ctl-lib/triggers" || tb_fail "libdnsglean0: no ldconfig trigger"
ok "libdnsglean0: shlibs file and ldconfig trigger"
dpkg-deb -e "$(deb nmap-dnsglean all)" "$T/ctl-nmap"
for s in postinst postrm; do
	[[ -x $T/ctl-nmap/$s ]] || tb_fail "nmap-dnsglean: no executable $s"
	grep -q 'nmap --script-updatedb' "$T/ctl-nmap/$s" || tb_fail "nmap-dnsglean: $s does not update script.db"
	sh -n "$T/ctl-nmap/$s" || tb_fail "nmap-dnsglean: $s is not valid sh"
done
ok "nmap-dnsglean: postinst and postrm run nmap --script-updatedb"

# ---- contents ----
lists() { dpkg-deb -c "$1" | awk '{print $6}' | sed 's#^\./#/#'; }
expect_files() { # expect_files DEB PATH...
	local f=$1
	shift
	lists "$f" >"$T/list"
	for p in "$@"; do grep -qx -- "$p" "$T/list" || tb_fail "$(basename "$f") lacks $p: $(cat "$T/list")"; done
}
expect_files "$(deb dnsglean)" /usr/bin/dnsglean /usr/share/man/man1/dnsglean.1.gz \
	/usr/share/bash-completion/completions/dnsglean /usr/share/dnsglean/wordlist.txt \
	/usr/share/dnsglean/footprint-names.txt
for tsv in "$ROOT"/core/data/fingerprints/*.tsv; do
	expect_files "$(deb dnsglean)" "/usr/share/dnsglean/fingerprints/$(basename "$tsv")"
done
expect_files "$(deb libdnsglean0)" "/usr/lib/$TRIPLET/libdnsglean.so.0"
if lists "$(deb libdnsglean0)" | grep -Eq '\.h$|libdnsglean\.so$|\.a$'; then tb_fail "libdnsglean0 holds development files"; fi
expect_files "$(deb libdnsglean-dev)" "/usr/lib/$TRIPLET/libdnsglean.so" "/usr/lib/$TRIPLET/libdnsglean.a" \
	"/usr/lib/$TRIPLET/pkgconfig/dnsglean.pc" /usr/include/dnsglean/dnsglean.h
for h in "$ROOT"/core/include/dnsglean/*.h; do
	expect_files "$(deb libdnsglean-dev)" "/usr/include/dnsglean/$(basename "$h")"
done
expect_files "$(deb lua-dnsglean)" "/usr/lib/$TRIPLET/lua/5.4/dnsglean.so" "/usr/lib/$TRIPLET/lua/5.3/dnsglean.so"
for s in "$ROOT"/nse/*.nse; do
	expect_files "$(deb nmap-dnsglean all)" "/usr/share/nmap/scripts/$(basename "$s")"
done
expect_files "$(deb nmap-dnsglean all)" /usr/share/nmap/nselib/dnsglean_nse.lua
if lists "$(deb nmap-dnsglean all)" | grep -q script.db; then tb_fail "nmap-dnsglean ships script.db (nmap-common owns it)"; fi
expect_files "$(deb wireshark-dnsglean)" "$WS_DIR/epan/dnsglean.so"
ok "contents where Debian's tools look (multiarch $TRIPLET, Wireshark $WS_DIR)"

# ---- extracted into a throwaway root, run from there ----
R=$T/root
for f in "$T/debs"/*.deb; do dpkg-deb -x "$f" "$R"; done
L=$R/usr/lib/$TRIPLET

# the CLI: version, an offline command with its bundled data, the manual
[[ $("$R/usr/bin/dnsglean" --version) == "dnsglean ${V%-*}" ]] || tb_fail "CLI version: $("$R/usr/bin/dnsglean" --version)"
if ldd "$R/usr/bin/dnsglean" | grep -q 'not found'; then tb_fail "CLI: unresolved libraries: $(ldd "$R/usr/bin/dnsglean")"; fi
printf 'example.com. 300 IN MX 10 example-com.mail.protection.outlook.com.\n' |
	"$R/usr/bin/dnsglean" classify -f jsonl --fingerprints "$R/usr/share/dnsglean/fingerprints/mail.tsv" >"$T/cls.jsonl" ||
	tb_fail "classify from the package failed"
jq -e 'select(.providers[].name == "Microsoft 365")' "$T/cls.jsonl" >/dev/null || tb_fail "classify: $(cat "$T/cls.jsonl")"
MANWIDTH=100 man -l "$R/usr/share/man/man1/dnsglean.1.gz" 2>&1 | grep -q -- '--pdns-auth' || tb_fail "the packaged man page does not render"
ok "dnsglean: runs, classifies with the packaged fingerprints, man page renders"

# libdnsglean-dev: pkg-config and headers from the root, linked to libdnsglean.so.0
cat >"$T/use.c" <<'EOF'
#include <dnsglean/dnsglean.h>
#include <stdio.h>
int main(void)
{
	printf("%s\n", dg_version());
	return 0;
}
EOF
sed -n 's/^libdir=//p' "$L/pkgconfig/dnsglean.pc" | grep -qx "/usr/lib/$TRIPLET" || tb_fail "dnsglean.pc: libdir: $(cat "$L/pkgconfig/dnsglean.pc")"
flags=$(PKG_CONFIG_SYSROOT_DIR=$R PKG_CONFIG_PATH=$L/pkgconfig pkg-config --cflags --libs dnsglean) ||
	tb_fail "pkg-config dnsglean failed"
glib=$(pkg-config --cflags glib-2.0)
# shellcheck disable=SC2086 # word lists of flags
cc -o "$T/use" "$T/use.c" $flags $glib || tb_fail "cannot build against libdnsglean-dev ($flags)"
[[ $(ldd "$T/use" | awk '/libdnsglean/ {print $1}') == libdnsglean.so.0 ]] || tb_fail "not linked to libdnsglean.so.0: $(ldd "$T/use")"
tb_assert "a program built with pkg-config dnsglean runs on libdnsglean0" "${V%-*}" "$(LD_LIBRARY_PATH=$L "$T/use")"

# lua-dnsglean: each interpreter loads its own build from the root
for ver in 5.4 5.3; do
	out=$(LUA_CPATH="$L/lua/$ver/?.so" "lua$ver" -e '
		local dg = require "dnsglean"
		local p = dg.classify("legacy.example.com. 300 IN CNAME gone.azurewebsites.net.")
		print(dg._LUA_ABI, package.searchpath("dnsglean", package.cpath), p[1] and p[1].name)') ||
		tb_fail "lua$ver cannot use the packaged module"
	tb_assert "lua$ver loads the packaged module and classifies" \
		"$ver	$L/lua/$ver/dnsglean.so	Azure App Service" "$out"
done

# nmap-dnsglean: script.db as the postinst makes it, the scripts' help, and
# the packaged nselib loading the packaged module inside Nmap's own Lua
N=$R/usr/share/nmap
nmap --datadir "$N" --script-updatedb >"$T/updatedb.log" 2>&1 || tb_fail "nmap --script-updatedb: $(cat "$T/updatedb.log")"
for s in "$ROOT"/nse/*.nse; do
	grep -q "filename = \"$(basename "$s")\"" "$N/scripts/script.db" || tb_fail "script.db lacks $(basename "$s")"
done
nmap --datadir "$N" --script-help 'dnsglean-*' >"$T/help.txt" 2>&1 || tb_fail "nmap --script-help: $(cat "$T/help.txt")"
for s in "$ROOT"/nse/*.nse; do
	grep -qx "$(basename "$s" .nse)" "$T/help.txt" || tb_fail "nmap --script-help lacks $(basename "$s" .nse)"
done
nlua=$(nmap --version | grep -Eo 'liblua-5\.[0-9]' | cut -d- -f2)
[[ -n $nlua ]] || tb_fail "cannot tell the Lua of this nmap: $(nmap --version)"
cat >"$T/dgcheck.nse" <<'EOF'
local glue = require "dnsglean_nse"
description = "dnsglean package check: the nselib loads the C module"
categories = {"safe"}
prerule = function() return true end
action = function()
  local dg, err = glue.load()
  if not dg then return "dgcheck failed: " .. err end
  return ("dgcheck ok %s %s"):format(dg._LUA_ABI, package.searchpath("dnsglean", package.cpath))
end
EOF
LUA_CPATH="$L/lua/$nlua/?.so" nmap -n --datadir "$N" --script "$T/dgcheck.nse" >"$T/nmap.out" 2>&1 || true
grep -q "dgcheck ok $nlua $L/lua/$nlua/dnsglean.so" "$T/nmap.out" || tb_fail "nmap did not load the packaged glue and module: $(cat "$T/nmap.out")"
ok "nmap (Lua $nlua): script.db updated, --script-help, nselib + module from the packages"

# wireshark-dnsglean: tshark (unprivileged: as root it ignores plugin folders)
# loads the plugin from the packaged folder and knows its fields
majmin=$(basename "$WS_DIR")
wsrun() { setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$T" \
	WIRESHARK_PLUGIN_DIR="$(dirname "$R$WS_DIR")" tshark "$@"; }
wsrun -G plugins >"$T/plugins.txt" 2>&1 || tb_fail "tshark -G plugins: $(cat "$T/plugins.txt")"
grep -q "dnsglean.so.*$R$WS_DIR/epan/dnsglean.so" "$T/plugins.txt" || tb_fail "tshark $majmin does not list the packaged plugin: $(grep -i dnsglean "$T/plugins.txt")"
wsrun -G fields 2>/dev/null | grep -q $'\tdnsglean.tag\t' || tb_fail "tshark does not know dnsglean.tag"
ok "tshark $majmin loads the packaged plugin, fields registered"
echo PASS
