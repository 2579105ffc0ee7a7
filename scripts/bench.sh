#!/usr/bin/env bash
# bench.sh — nodal against other allocators, side by side in one run (docs/benchmarks.md).
# Installs the missing peer libraries from Debian (idempotent), builds with setup.sh, runs
# build/bench/bench_alloc, prints the table and writes bench/results/latest.{json,md}.
#   scripts/bench.sh            full run (7 repetitions, 25 ms per measurement)
#   scripts/bench.sh --quick    5 repetitions, 10 ms per measurement
# Environment: BENCH_REPS, BENCH_BUDGET_MS override the run length; BENCH_NO_APT=1
# skips the package step. Not part of the tests: the figures depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=()
case "${1:-}" in
--quick) QUICK=(--quick) ;;
"") ;;
*) echo "usage: scripts/bench.sh [--quick]" >&2; exit 2 ;;
esac

# The peers: jemalloc, mimalloc, tcmalloc (preloaded), libnuma, memkind (dlopen'd).
PKGS=(libjemalloc2 libmimalloc2.0 libtcmalloc-minimal4 libnuma1 libmemkind0)
if [ -z "${BENCH_NO_APT:-}" ]; then
	. scripts/apt-ensure.sh
	# a peer Debian does not have is reported as "not measured" by the bench
	apt_ensure bench "${PKGS[@]}" || echo "bench: some peers could not be installed; they will show as not measured"
fi

bash scripts/setup.sh
make -C build -s bench/bench_alloc
mkdir -p bench/results
BENCH_RESULTS="$PWD/bench/results" build/bench/bench_alloc "${QUICK[@]}"
echo "bench: results in bench/results/latest.md and latest.json"
