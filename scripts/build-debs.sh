#!/usr/bin/env bash
# Builds dnsglean's Debian packages into OUTDIR (default ./debs):
#   dnsglean, libdnsglean0, libdnsglean-dev, lua-dnsglean, nmap-dnsglean,
#   wireshark-dnsglean (when Wireshark's development files are there)
# from a build configured for /usr (RelWithDebInfo, stripped, no tests),
# with CPack's DEB generator (cmake/Packaging.cmake; Depends through
# dpkg-shlibdeps). Works on any Debian with the packages of
# scripts/packages.txt: nothing here names a host path.
#
#   scripts/build-debs.sh [OUTDIR] [-- CMAKE_ARGS...]
# Environment: DG_DEB_BUILD_DIR (default BUILD_ROOT/build-deb; reused, so a
# second run only rebuilds what changed), DG_JOBS (default 2).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=debs
if (($# > 0)) && [[ $1 != -- ]]; then
	out=$1
	shift
fi
[[ ${1-} == -- ]] && shift
build=${DG_DEB_BUILD_DIR:-$root/build-deb}
for t in cmake cpack dpkg-deb dpkg-shlibdeps; do
	command -v "$t" >/dev/null || {
		echo "build-debs: $t not found (packages: cmake, dpkg-dev)" >&2
		exit 1
	}
done
mkdir -p "$out" "$build"
out=$(cd "$out" && pwd)

cmake -S "$root" -B "$build" -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DDG_BUILD_TESTS=OFF -DDG_SANITIZE=OFF "$@" >"$build/configure.log" 2>&1 || {
	cat "$build/configure.log" >&2
	exit 1
}
cmake --build "$build" -j"${DG_JOBS:-2}"
rm -f "$out"/*.deb
(cd "$build" && cpack -G DEB -B "$out/.cpack") >"$out/cpack.log" 2>&1 || {
	cat "$out/cpack.log" >&2
	exit 1
}
mv "$out"/.cpack/*.deb "$out"/
rm -rf "$out/.cpack"
echo "build-debs: in $out:"
for d in "$out"/*.deb; do
	printf '  %-50s %s\n' "$(basename "$d")" "$(dpkg-deb -f "$d" Depends)"
done
