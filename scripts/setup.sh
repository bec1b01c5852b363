#!/usr/bin/env bash
# Installs every Debian 12 package dnsglean needs (list: scripts/packages.txt).
# Idempotent: when everything is already installed it touches nothing (and
# needs neither root nor network). Non-interactive: safe with CI=true and no
# stdin. Run as root, or as a user with sudo.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mapfile -t pkgs < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$here/packages.txt")

# A line "a|b" is satisfied by either package; the first one is installed.
installed() {
	local st
	st=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)
	[[ $st == "install ok installed" ]]
}
missing=()
for p in "${pkgs[@]}"; do
	IFS='|' read -ra alts <<<"$p"
	ok=0
	for a in "${alts[@]}"; do
		installed "$a" && ok=1
	done
	((ok)) || missing+=("${alts[0]}")
done

if ((${#missing[@]} == 0)); then
	echo "setup: all ${#pkgs[@]} packages present"
	exit 0
fi

echo "setup: installing ${#missing[@]} package(s): ${missing[*]}"
if ((EUID == 0)); then
	sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo=(sudo -n)
else
	echo "setup: not root and no password-less sudo; install these as root:" >&2
	echo "  apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture: answer "no" up front.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	"${sudo[@]}" debconf-set-selections
"${sudo[@]}" apt-get update </dev/null
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	"${missing[@]}" </dev/null
echo "setup: done"
