#!/bin/sh
# Environment handling under the preload library: a bad NODAL_* value prints one
# `nodal:` line naming the variable and the program runs on normally.
. "$top_srcdir/tests/preload/lib.sh"
if bootstrap_backend; then
	skip_all "the temporary glibc backend reads no NODAL_* variable (src/alloc.c and src/options.h have not landed)"
fi
if [ ! -f "$top_srcdir/src/options.h" ]; then
	skip_all "src/options.h (the NODAL_* table) has not landed"
fi
# bad VAR VALUE: the program's own output is intact and exactly one nodal: line names VAR.
bad() {
	env "$1=$2" LD_PRELOAD="$PRELOAD_LIB" /bin/sh -c 'echo ran; exit 7' >"$WORK/out" 2>"$WORK/err"
	rc=$?
	[ $rc -eq 7 ] && [ "$(cat "$WORK/out")" = ran ] && [ "$(grep -c '^nodal: ' "$WORK/err")" -eq 1 ] &&
		grep -q "$1" "$WORK/err"
	ok $? "$1='$2': one nodal: line naming the variable, the program ran and kept its exit status"
	[ -s "$WORK/err" ] && sed 's/^/# /' "$WORK/err"
}
bad NODAL_POLICY 'interleave:0-3x'
bad NODAL_POLICY 'nosuchmode'
bad NODAL_PRIVATE_NODES 'a-b'
bad NODAL_NODE_LIMIT '0:lots'
bad NODAL_WEIGHTS '0*0'
bad NODAL_FALLBACK 'sideways'
bad NODAL_PAGE_POLICY_MIN '12Q'
bad NODAL_STATS 'yes please'
env NODAL_POLICY=local LD_PRELOAD="$PRELOAD_LIB" /bin/sh -c 'echo ran' >"$WORK/out" 2>"$WORK/err"
[ "$(cat "$WORK/out")" = ran ] && [ ! -s "$WORK/err" ]
ok $? "a good NODAL_POLICY prints nothing"
done_testing
