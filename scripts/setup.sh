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
. scripts/apt-ensure.sh
apt_ensure setup "${PKGS[@]}"

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
