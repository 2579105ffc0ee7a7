#!/usr/bin/env bash
# build-jemalloc.sh — build nodal's private jemalloc from Debian's source package.
#
# Why: Debian's libjemalloc.so.2 uses initial-exec TLS, so a library linked against it
# cannot be dlopen'd ("cannot allocate memory in static TLS block"), and it exports
# malloc itself, so linking it interposes the process's malloc. nodal instead links a
# private copy statically (PIC) with:
#   --with-jemalloc-prefix=nodal_je_   every API name prefixed (nodal_je_mallocx, ...);
#                                      with a prefix jemalloc defines no malloc/free and
#                                      no __libc_* hooks, so it never interposes
#   --without-export                   the API has hidden visibility inside libnodal.so
#   --with-private-namespace=nodal_je_int_   internal symbols cannot clash either
#   --disable-initial-exec-tls         global-dynamic TLS: dlopen-safe
#   --disable-libdl                    no dlsym (it may call malloc) during init
#
# Source: `apt-get source jemalloc` through a private deb-src list under .cache/apt (the
# system's apt configuration is untouched; Debian's registry serves deb-src). The
# download is checked by apt against the signed Sources index.
#
# Output: a prefix (default .cache/jemalloc) with include/jemalloc/jemalloc.h and
# lib/libjemalloc_pic.a. Idempotent: a stamp file records version and options; a
# matching stamp exits at once.
#   scripts/build-jemalloc.sh [PREFIX]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
prefix=${1:-$root/.cache/jemalloc}
work=$root/.cache/jemalloc-build
version=5.3.0
opts=(--with-jemalloc-prefix=nodal_je_ --with-private-namespace=nodal_je_int_
      --without-export --disable-initial-exec-tls --disable-libdl --disable-cxx
      --disable-doc --disable-prof --enable-stats --with-lg-page=12)
stamp="jemalloc $version ${opts[*]}"

if [ -f "$prefix/.nodal-stamp" ] && [ "$(cat "$prefix/.nodal-stamp")" = "$stamp" ] &&
	[ -f "$prefix/lib/libjemalloc_pic.a" ]; then
	exit 0
fi

echo "build-jemalloc: building jemalloc $version (private prefix nodal_je_) into $prefix"
rm -rf "$work"
mkdir -p "$work/apt/lists/partial" "$work/src"
cat >"$work/apt/sources.list" <<'EOF'
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
EOF
apt_opts=(-o "Dir::Etc::SourceList=$work/apt/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
	  -o "Dir::State::Lists=$work/apt/lists" -o "APT::Sandbox::User=root" -qq)
apt-get "${apt_opts[@]}" update >/dev/null
(cd "$work/src" && apt-get "${apt_opts[@]}" source --download-only "jemalloc=$version-1" >/dev/null)
(cd "$work/src" && dpkg-source --no-check -x "jemalloc_$version-1.dsc" jemalloc >/dev/null)

cd "$work/src/jemalloc"
# -fPIC everywhere: libjemalloc_pic.a goes into shared objects (libnodal.so, the preload
# library) as well as executables.
CFLAGS="-O2 -g -fPIC" ./configure --prefix="$prefix" "${opts[@]}" >"$work/configure.log" 2>&1 ||
	{ tail -n 30 "$work/configure.log"; exit 1; }
make -j"$(nproc)" build_lib_static >"$work/make.log" 2>&1 || { tail -n 30 "$work/make.log"; exit 1; }
rm -rf "$prefix"
mkdir -p "$prefix/lib" "$prefix/include/jemalloc"
cp lib/libjemalloc_pic.a "$prefix/lib/"
cp include/jemalloc/jemalloc.h "$prefix/include/jemalloc/"
echo "$stamp" >"$prefix/.nodal-stamp"
rm -rf "$work"
echo "build-jemalloc: done"
