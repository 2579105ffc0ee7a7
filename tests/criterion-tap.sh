#!/bin/sh
# Run one criterion test binary and print its TAP report on stdout (for automake's
# tap-driver). A binary that dies without a report becomes one failing TAP test.
bin=$1; shift
tap=$(mktemp "${TMPDIR:-/tmp}/nodal-tap.XXXXXX")
"$bin" --tap="$tap" -j2 "$@" >"$tap.out" 2>&1
rc=$?
if [ -s "$tap" ]; then
	cat "$tap"
	if [ $rc -ne 0 ]; then sed 's/^/# /' "$tap.out"; fi
else
	echo "1..1"
	echo "not ok 1 - $bin produced no TAP report (exit $rc)"
	sed 's/^/# /' "$tap.out"
fi
rm -f "$tap" "$tap.out"
exit 0
