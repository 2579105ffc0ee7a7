#!/bin/sh
# The C malloc family's contract under LD_PRELOAD (tests/preload/malloc_conformance.c).
. "$top_srcdir/tests/preload/lib.sh"
LD_PRELOAD="$PRELOAD_LIB" exec "$TESTBIN/malloc_conformance"
