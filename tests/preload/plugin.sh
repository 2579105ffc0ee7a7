#!/bin/sh
# C++ loaded late by dlopen uses nodal's operator new, also when Debian's libjemalloc
# (which exports its own) is in the process too (tests/preload/plugin.c).
. "$top_srcdir/tests/preload/lib.sh"
PLUGIN="$TESTBIN/.libs/libplugin_cxx.so"
[ -f "$PLUGIN" ] || skip_all "$PLUGIN not built"
LD_PRELOAD="$PRELOAD_LIB" "$TESTBIN/plugin" "$PLUGIN" | sed '/^1\.\./d'
tap_n=3
JE=$(ls /usr/lib/*/libjemalloc.so.2 2>/dev/null | head -n 1)
if [ -n "$JE" ]; then
	LD_PRELOAD="$PRELOAD_LIB $JE" "$TESTBIN/plugin" "$PLUGIN" >"$WORK/out" 2>&1
	grep -q "^ok 2 - its operator new is nodal's" "$WORK/out" && grep -q '^ok 3' "$WORK/out"
	ok $? "with Debian's libjemalloc loaded as well, the late C++ library still gets nodal's operator new"
	sed 's/^/# /' "$WORK/out"
else
	skip "with Debian's libjemalloc loaded as well" "libjemalloc.so.2 is not installed"
fi
done_testing
