#!/usr/bin/env bash
# The Debian 13 (trixie) pass of the test command (scripts/test.sh runs it
# after the Debian 12 passes; alone: `sudo bash scripts/test-debian13.sh`).
#
#  1. A trixie chroot made with `debootstrap --variant=minbase` from
#     $DG_TRIXIE_MIRROR (Debian's own registry) plus the packages below, kept
#     in $DG_TRIXIE_ROOT (default /var/cache/dnsglean/trixie, outside the
#     repo) and made again when missing or when the package list changes
#     (stamp file).
#  2. Every run works on a throw-away overlay of that chroot (the cached tree
#     stays as debootstrap and apt left it), with /proc, /sys, /dev and
#     /dev/pts mounted and a copy of the source in /src; everything is
#     unmounted on exit, failure included.
#  3. Inside: builds dnsglean and its Debian packages (scripts/build-debs.sh:
#     the Lua 5.4 and 5.3 modules, the plugin against Wireshark 4.4), then in
#     the same tree the Lua tests, the NSE tests under nmap 7.95 (Lua 5.4),
#     the plugin tests under tshark 4.4, the tshark Lua tap and the Knot
#     integration tests (Knot 3.4) run; then the packages are installed with
#     apt and lua5.4, nmap and tshark run from their system paths with no
#     LUA_CPATH / WIRESHARK_PLUGIN_DIR (tests/deploy/system-paths.sh).
#
# `bash scripts/test-debian13.sh --nse-bench` uses the same chroot for the NSE
# part only: builds the Lua modules, runs the nse ctest test under nmap 7.95,
# then tests/bench/nse-bench.sh (DG_BENCH_ROUNDS rounds, default 5).
# Needs root (debootstrap, chroot, mounts). Exit status 0 only when all passed.
# Environment: DG_TRIXIE_ROOT, DG_TRIXIE_MIRROR (above), DG_JOBS (build jobs,
# default 2), DG_CTEST_JOBS (tests run at once, default 2).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${DG_TRIXIE_ROOT:-/var/cache/dnsglean/trixie}
mirror=${DG_TRIXIE_MIRROR:-http://deb.debian.org/debian}

# The Debian 13 packages of the build and of the selected tests (the Debian 12
# list is scripts/packages.txt). Changing this list remakes the chroot.
TRIXIE_PACKAGES=(
	build-essential cmake pkg-config # build
	libldns-dev libglib2.0-dev libssl-dev libpcap-dev libgtest-dev
	liblua5.4-dev liblua5.3-dev lua5.4 lua5.3 # the module, both Lua versions
	libwireshark-dev tshark                   # plugin, Wireshark 4.4 (Lua 5.4)
	nmap                                      # 7.95, embeds Lua 5.4
	knot knot-dnsutils ldnsutils bind9-dnsutils # test bed
	python3 python3-yaml iproute2 util-linux procps jq # test scripts
	dnsrecon fierce dnsenum gobuster dnsmap     # the plugin test's capture tools
	dpkg-dev fakeroot file help2man bash-completion libcurl4-openssl-dev # packages
)

# ctest selection inside the chroot: the fronts on today's Lua, Nmap and
# Wireshark, and the Knot integration tests (Knot 3.4).
CTEST_SELECTION='^(lua-5\.[34]|lua-tshark-tap|nse|integration\.(wireshark_plugin|brute_zone|brute_types|brute_wildcards|brute_shard_resume|classify_cli|footprint|axfr|scale_shards))$'

log() { echo "test-debian13: $*" >&2; }
die() {
	log "$*"
	exit 1
}

# --- inside the chroot ------------------------------------------------------

B=/var/tmp/build

# With scripts/build-debs.sh (the packages): it builds into $B first, then
# the same tree is configured with the tests, so nothing is compiled twice.
inside_build() {
	if [[ -f /src/scripts/build-debs.sh ]]; then
		DG_DEB_BUILD_DIR=$B bash /src/scripts/build-debs.sh /var/tmp/debs
	elif [[ ${CI-} == true ]]; then
		die "scripts/build-debs.sh is missing: cannot build the packages"
	fi
	cmake -S /src -B "$B" -DDG_BUILD_TESTS=ON -DDG_BUILD_WIRESHARK=ON -DDG_BUILD_LUA=ON >/var/tmp/cmake.log ||
		{
			cat /var/tmp/cmake.log
			return 1
		}
	# what the selected tests run: the CLI, the Lua modules, the plugin
	cmake --build "$B" -j"${DG_JOBS:-2}" --target dnsglean_cli dnsglean_lua dnsglean_wireshark
}

inside_tests() {
	local n
	n=$(ctest --test-dir "$B" -N -R "$CTEST_SELECTION" | sed -n 's/^Total Tests: //p')
	log "running $n ctest tests: $CTEST_SELECTION"
	((n >= 10)) || die "only $n tests match the selection (expected the Lua, NSE, plugin and Knot tests)"
	# two at a time: the plugin test (~5 min, mostly tools waiting on their
	# timeouts) runs beside the others (each test has its own network namespace)
	CI=true ctest --test-dir "$B" --output-on-failure --timeout 600 -j"${DG_CTEST_JOBS:-2}" \
		-R "$CTEST_SELECTION" </dev/null
}

inside_packages() {
	if [[ ! -f /src/scripts/build-debs.sh ]]; then
		log "SKIP: scripts/build-debs.sh is missing: the package step is left out"
		return 0
	fi
	ls /var/tmp/debs/*.deb
	apt-get install -y --no-install-recommends /var/tmp/debs/*.deb </dev/null
	CI=true bash /src/tests/deploy/system-paths.sh
}

# --nse-bench: the Lua modules, the NSE test and the NSE benchmark (Nmap 7.95).
inside_nse_bench() {
	export LC_ALL=C.UTF-8 HOME=/root
	unset LUA_CPATH LUA_PATH LUA_CPATH_5_4 LUA_CPATH_5_3
	log "inside: $(. /etc/os-release && echo "$PRETTY_NAME"), $(nmap -V | head -1)"
	cmake -S /src -B "$B" -DDG_BUILD_TESTS=ON -DDG_BUILD_WIRESHARK=OFF -DDG_BUILD_LUA=ON >/var/tmp/cmake.log ||
		{
			cat /var/tmp/cmake.log
			return 1
		}
	cmake --build "$B" -j"${DG_JOBS:-2}" --target dnsglean_cli dnsglean_lua
	CI=true ctest --test-dir "$B" -V --timeout 600 -R '^nse$' </dev/null
	DG_BENCH_ROUNDS=${DG_BENCH_ROUNDS:-5} bash /src/tests/bench/nse-bench.sh "$B"
}

inside() {
	export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 HOME=/root
	unset LUA_CPATH LUA_PATH LUA_CPATH_5_4 LUA_CPATH_5_3 WIRESHARK_PLUGIN_DIR
	log "inside: $(. /etc/os-release && echo "$PRETTY_NAME"), $(nmap -V | head -1)," \
		"$(tshark -v 2>/dev/null | head -1), $(knotd -V)"
	inside_build
	# the package step runs even when a test failed: both are reported
	local rc=0 prc
	set +e
	(
		set -e
		inside_tests
	)
	rc=$?
	# (not in an if or || list: those would switch set -e off inside)
	(
		set -e
		inside_packages
	)
	prc=$?
	((prc == 0)) || rc=1
	set -e
	((rc == 0)) || die "inside: FAILED"
	log "inside: all passed"
}

# --- outside: the cached chroot -----------------------------------------------

mounted=()
run=
inner=
mount_at() { # MOUNT-ARGS... TARGET (last): mounts and remembers TARGET
	mount "$@"
	mounted+=("${!#}")
}
unmount_all() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" || log "cannot unmount ${mounted[i]}"
	done
	mounted=()
}
cleanup() {
	if [[ -n $inner ]]; then
		kill "$inner" 2>/dev/null || true
		wait "$inner" 2>/dev/null || true
	fi
	unmount_all
	# the overlay's upper layer: only once nothing is mounted there
	if [[ -n $run ]] && ! findmnt -rn -o TARGET | grep -q "^$run/"; then
		rm -rf "$run"
	fi
}
mount_system() { # ROOT: /proc, /sys, /dev, /dev/pts for chrooted tools
	mount_at -t proc proc "$1/proc"
	mount_at -t sysfs -o ro sysfs "$1/sys"
	mount_at --bind /dev "$1/dev"
	mount_at -t devpts -o newinstance,ptmxmode=0666 devpts "$1/dev/pts"
}

stamp_of() {
	printf '%s\n' "$mirror" trixie minbase "${TRIXIE_PACKAGES[@]}" | sha256sum | cut -d' ' -f1
}

make_base() { # DIR: a fresh trixie with the packages installed
	local dir=$1
	log "debootstrap trixie into $dir ($mirror)"
	debootstrap --variant=minbase trixie "$dir" "$mirror" >"$dir.log" 2>&1 ||
		{
			tail -20 "$dir.log"
			die "debootstrap failed (log: $dir.log)"
		}
	cp /etc/resolv.conf "$dir/etc/resolv.conf"
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		chroot "$dir" debconf-set-selections
	printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
		>"$dir/etc/apt/apt.conf.d/90dnsglean"
	# services installed in the chroot must not start (knot, munge...)
	printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
	chmod 755 "$dir/usr/sbin/policy-rc.d"
	mount_system "$dir"
	chroot "$dir" apt-get install -y -o Dpkg::Options::=--force-confold "${TRIXIE_PACKAGES[@]}" </dev/null
	chroot "$dir" apt-get clean
	unmount_all
}

ensure_base() {
	local want have=
	want=$(stamp_of)
	[[ -r $cache/stamp ]] && have=$(<"$cache/stamp")
	if [[ $have == "$want" && -x $cache/base/usr/bin/nmap ]]; then
		log "cached chroot $cache/base is current"
		return 0
	fi
	mkdir -p "$cache"
	rm -rf "$cache/base.new" "$cache/base" "$cache/stamp"
	make_base "$cache/base.new"
	mv "$cache/base.new" "$cache/base"
	echo "$want" >"$cache/stamp"
}

copy_source() { # DEST: the work tree without build outputs and .git
	local src
	src=$(cd "$here/.." && pwd)
	mkdir -p "$1"
	tar -C "$src" --exclude=./.git --exclude='./build*' -cf - . | tar -C "$1" -xf -
}

run_overlay() { # INSIDE-MODE (--inside, --inside-nse-bench)
	local m
	run=$(mktemp -d /var/tmp/dnsglean-trixie.XXXXXX)
	mkdir "$run/upper" "$run/work" "$run/root"
	m=$run/root
	mount_at -t overlay overlay \
		-o "lowerdir=$cache/base,upperdir=$run/upper,workdir=$run/work" "$m"
	mount_system "$m"
	cp /etc/resolv.conf "$m/etc/resolv.conf"
	copy_source "$m/src"
	local rc=0
	# in its own PID namespace: when this script is stopped, everything
	# started inside dies with it (and the mounts can go)
	unshare --pid --fork --kill-child chroot "$m" /usr/bin/env -i \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		CI="${CI-}" DG_JOBS="${DG_JOBS:-2}" DG_CTEST_JOBS="${DG_CTEST_JOBS:-2}" \
		DG_BENCH_ROUNDS="${DG_BENCH_ROUNDS:-5}" \
		bash /src/scripts/test-debian13.sh "$1" &
	inner=$!
	wait "$inner" || rc=$?
	inner=
	cleanup
	return "$rc"
}

main() {
	case ${1-} in
	--inside)
		inside
		return
		;;
	--inside-nse-bench)
		inside_nse_bench
		return
		;;
	esac
	((EUID == 0)) || die "needs root (debootstrap, chroot, mounts)"
	command -v debootstrap >/dev/null || die "debootstrap is missing (scripts/setup.sh installs it)"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	local t0=$SECONDS
	ensure_base
	log "chroot ready after $((SECONDS - t0)) s"
	if [[ ${1-} == --nse-bench ]]; then
		run_overlay --inside-nse-bench
		log "Debian 13 NSE test and benchmark done in $((SECONDS - t0)) s"
		return
	fi
	run_overlay --inside
	log "Debian 13 pass succeeded in $((SECONDS - t0)) s"
}

main "$@"
