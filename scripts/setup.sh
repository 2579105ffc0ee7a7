#!/usr/bin/env bash
# setup.sh — make a fresh Debian 12 machine ready to build and test nodal, then build.
# Idempotent: installs only missing packages (as root, or through sudo), bootstraps
# autotools when needed, configures into build/ and builds.
#   scripts/setup.sh            install + build (build/)
#   NODAL_SETUP_NO_BUILD=1 ...  install only
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential autoconf automake libtool pkg-config
      libjemalloc-dev libhwloc-dev libnuma-dev libcriterion-dev
      hwloc-nox numactl python3 perl git sqlite3
      qemu-system-x86 busybox-static zstd  # the last three: the VM tier (docs/vm-tier.md)
      dpkg-dev bzip2 xz-utils)  # dpkg-dev..: build-jemalloc.sh (Debian source package)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -o DPkg::Lock::Timeout=600 -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -n "${NODAL_SETUP_NO_BUILD:-}" ] && exit 0

# nodal's private jemalloc (.cache/jemalloc); returns at once when already built.
bash scripts/build-jemalloc.sh

if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	autoreconf -fi >/dev/null
fi
mkdir -p build
cd build
if [ ! -f Makefile ]; then
	../configure --enable-werror ${NODAL_CONFIGURE_FLAGS:-} >/dev/null
fi
make -j"$(nproc)" >/dev/null
echo "setup: built in build/"
