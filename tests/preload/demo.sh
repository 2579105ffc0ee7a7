#!/bin/sh
# The README's first command, scaled down: nodal-demo under `nodal run --interleave=all
# --stats` runs with nodal's malloc and reports where its pages are.
. "$top_srcdir/tests/preload/lib.sh"
DEMO="$top_builddir/nodal-demo"
[ -x "$DEMO" ] || skip_all "$DEMO not built"
"$NODAL" run --interleave=all --stats -- "$DEMO" -t 3 -m 12 -s 3000 >"$WORK/out" 2>"$WORK/err"
ok $? "nodal run --interleave=all --stats -- nodal-demo -t 3 -m 12 exits 0"
sed 's/^/# /' "$WORK/out" "$WORK/err"
grep -q '^nodal-demo: 3 threads, 12 MiB of large arrays (3 arrays of up to 4 MiB), 3375 small objects live' "$WORK/out"
ok $? "the demo's summary line"
grep -q '^allocator: nodal (libnodal-preload.so); NODAL_POLICY=interleave:all$' "$WORK/out"
ok $? "the demo ran on nodal's malloc with the policy"
grep -Eq '^pages of the large arrays by node \(move_pages, 1 in 16 sampled\): node [0-9]+: [0-9]+' "$WORK/out"
ok $? "the demo reports the nodes its pages are on"
grep -q '^nodal' "$WORK/err"
ok $? "nodal printed its exit report (--stats)"
"$DEMO" -t 0 2>"$WORK/err"
ok $(( $? != 2 )) "a bad -t is exit 2: $(cat "$WORK/err")"
done_testing
