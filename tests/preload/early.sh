#!/bin/sh
# Allocation before nodal's constructor, and frees after its destructor
# (tests/preload/early_lib.c, early.c).
. "$top_srcdir/tests/preload/lib.sh"
# ld.so's own trace says in which order the constructors ran.
LD_DEBUG=files LD_PRELOAD="$PRELOAD_LIB" "$TESTBIN/early" >"$WORK/out" 2>"$WORK/trace"
rc=$?
grep -v '^1\.\.' "$WORK/out"
n=$(grep -c '^ok\|^not ok' "$WORK/out")
tap_n=$n
ok $rc "the program exited 0 (atexit and library-destructor frees after the exit report)"
early=$(grep -n 'calling init:.*libearly' "$WORK/trace" | head -1 | cut -d: -f1)
nodal=$(grep -n 'calling init:.*libnodal-preload' "$WORK/trace" | head -1 | cut -d: -f1)
[ -n "$early" ] && [ -n "$nodal" ] && [ "$early" -lt "$nodal" ]
ok $? "ld.so ran the allocating constructor (line ${early:-?}) before nodal's (line ${nodal:-?})"
done_testing
