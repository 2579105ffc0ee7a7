#!/bin/sh
# Thread exit under the preload library (tests/preload/thread_exit.c).
. "$top_srcdir/tests/preload/lib.sh"
LD_PRELOAD="$PRELOAD_LIB" exec "$TESTBIN/thread_exit"
