#!/bin/sh
# fork() with threads inside getline()/fflush(NULL)/malloc (tests/preload/fork_stdio.c).
. "$top_srcdir/tests/preload/lib.sh"
LD_PRELOAD="$PRELOAD_LIB" exec "$TESTBIN/fork_stdio"
