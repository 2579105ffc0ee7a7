#!/usr/bin/env bash
# bench-instructions.sh — user-space instructions per malloc+free pair (callgrind), for
# jemalloc and nodal's paths; exact and independent of machine load (docs/benchmarks.md).
# Each figure is (Ir of a 2N-pair run - Ir of an N-pair run) / (1.1 N): start-up,
# initialisation and the warm-up cancel; the harness loop (~9 instructions) remains.
#   scripts/bench-instructions.sh [SIZE...]      default sizes: 64 4096 65536
# Needs valgrind; builds build/bench/bench_pairs with make (run scripts/setup.sh first).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "bench-instructions: valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
make -C build -s bench/bench_pairs libnodal.la libnodal-preload.la >/dev/null
B=build/bench/bench_pairs
LIB=$PWD/build/.libs/libnodal.so
PRE=$PWD/build/.libs/libnodal-preload.so
JE=${BENCH_LIBDIR:-/usr/lib/x86_64-linux-gnu}/libjemalloc.so.2
N=100000
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(64 4096 65536)

ir() { # env... -- args: prints Ir of one run
	env "$@" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$B" "${ARGS[@]}" 2>&1 |
		awk '/Collected/{print $4}'
}
per_pair() { # envs...: uses ARGS without the count
	local base=("${ARGS[@]}")
	ARGS=("${base[@]}" $N); local a; a=$(ir "$@")
	ARGS=("${base[@]}" $((2 * N))); local b; b=$(ir "$@")
	ARGS=("${base[@]}")
	[ -n "$a" ] && [ -n "$b" ] && awk -v a="$a" -v b="$b" -v n=$N 'BEGIN{printf "%.1f", (b - a) / (1.1 * n)}' || printf "n/a"
}

printf "| path |"; for s in "${sizes[@]}"; do printf " %s |" "$s"; done; printf "\n|---|"
for s in "${sizes[@]}"; do printf -- "---:|"; done; printf "\n"
row() { # label mode env...
	local label=$1 mode=$2; shift 2
	printf "| %s |" "$label"
	for s in "${sizes[@]}"; do ARGS=("$mode" "$s"); printf " %s |" "$(per_pair "$@")"; done
	printf "\n"
}
[ -r "$JE" ] && row "jemalloc (Debian, preloaded)" malloc LD_PRELOAD="$JE"
row "nodal-local, dlopen'd" local BENCH_LIBNODAL="$LIB"
row "nodal-local, linked (preloaded: static TLS)" local BENCH_LIBNODAL="$LIB" LD_PRELOAD="$LIB"
row "nodal-local, dlopen'd, optional_static_tls=16384" local BENCH_LIBNODAL="$LIB" \
	GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384
row "nodal-bind0, dlopen'd" bind:0 BENCH_LIBNODAL="$LIB"
row "nodal-interleave, dlopen'd" interleave:all BENCH_LIBNODAL="$LIB"
row "nodal-onnode, dlopen'd" onnode BENCH_LIBNODAL="$LIB"
row "nodal-preload (malloc/free)" malloc LD_PRELOAD="$PRE" NODAL_POLICY=local
