#!/usr/bin/env bash
# test.sh — set everything up and run every test tier; the README's test command.
#   1. scripts/setup.sh (packages, bootstrap, build in build/)
#   2. unit + preload tiers:      make check            (build/)
#   3. vm tier (qemu guests):      make check-vm         (build/, docs/vm-tier.md)
#   4. unit tier under ASan+UBSan: make check-unit      (build-asan/)
#   5. release tarball:             make distcheck       (build/; counts as one test)
# Ends with one line "N passed, N failed" counting every test that ran.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

status=0
logs=()
run_tier() { # name dir make-target
	local name=$1 dir=$2 target=$3
	echo "== $name: make $target in $dir"
	rm -f "$dir/test-suite.log"
	if ! make -C "$dir" -j"$(nproc)" "$target" >"$dir/$name.out" 2>&1; then
		status=1
		tail -n 60 "$dir/$name.out"
	fi
	grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' "$dir/$name.out" || true
	cp "$dir/test-suite.log" "$dir/$name-suite.log" 2>/dev/null || rm -f "$dir/$name-suite.log"
	logs+=("$dir/$name-suite.log")
}

run_tier check build check
run_tier vm build check-vm

mkdir -p build-asan
if [ ! -f build-asan/Makefile ]; then
	(cd build-asan && ../configure --enable-debug --enable-sanitizers=address,undefined >/dev/null)
fi
run_tier asan build-asan check-unit

# The release tarball builds and passes `make check` on its own (every source listed).
echo "== dist: make distcheck in build"
dist_passed=0 dist_failed=0
if make -C build -j"$(nproc)" distcheck >build/dist.out 2>&1; then
	dist_passed=1
	echo "distcheck: ok"
else
	dist_failed=1
	tail -n 40 build/dist.out
fi

# Sum the automake counts of every tier: PASS+XFAIL pass, FAIL+XPASS+ERROR fail.
passed=$dist_passed failed=$dist_failed skipped=0
for l in "${logs[@]}"; do
	[ -f "$l" ] || { failed=$((failed + 1)); continue; }
	p=$(awk '/^# PASS:/{print $3}' "$l" | head -1)
	x=$(awk '/^# XFAIL:/{print $3}' "$l" | head -1)
	f=$(awk '/^# FAIL:/{print $3}' "$l" | head -1)
	xp=$(awk '/^# XPASS:/{print $3}' "$l" | head -1)
	e=$(awk '/^# ERROR:/{print $3}' "$l" | head -1)
	s=$(awk '/^# SKIP:/{print $3}' "$l" | head -1)
	passed=$((passed + ${p:-0} + ${x:-0}))
	failed=$((failed + ${f:-0} + ${xp:-0} + ${e:-0}))
	skipped=$((skipped + ${s:-0}))
done
[ $failed -eq 0 ] || status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
