#!/bin/sh
# C++ operator new/delete, every form, across threads (tests/preload/cxx_threads.cc).
. "$top_srcdir/tests/preload/lib.sh"
LD_PRELOAD="$PRELOAD_LIB" exec "$TESTBIN/cxx_threads"
