#!/bin/sh
# NODAL_STATS=1: the exit report's totals match what tests/preload/stats.c allocated.
. "$top_srcdir/tests/preload/lib.sh"
if bootstrap_backend; then
	skip_all "statistics come from src/alloc.c, not landed yet (the temporary glibc backend keeps none)"
fi
NODAL_STATS=1 LD_PRELOAD="$PRELOAD_LIB" "$TESTBIN/stats" >"$WORK/out" 2>"$WORK/err"
ok $? "the program ran under NODAL_STATS=1"
grep -q '^nodal' "$WORK/err"
ok $? "a report was printed on stderr"
sed 's/^/# /' "$WORK/err"
done_testing
