#!/bin/sh
# CPU-affinity pass-through under the preload library (tests/preload/affinity.c).
. "$top_srcdir/tests/preload/lib.sh"
LD_PRELOAD="$PRELOAD_LIB" exec "$TESTBIN/affinity"
