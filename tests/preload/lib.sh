# lib.sh — shared by the preload tier's TAP scripts (sourced, not run).
# Provides: $PRELOAD_LIB (the built libnodal-preload.so), $NODAL (the built CLI),
# $TESTBIN (built test programs), $WORK (a scratch directory removed at exit) and TAP
# helpers: ok STATUS DESC, check DESC CMD..., skip DESC REASON, skip_all REASON, done_testing.
set -u
: "${top_builddir:?run through make check (top_builddir unset)}"
: "${top_srcdir:?run through make check (top_srcdir unset)}"
PRELOAD_LIB="$top_builddir/.libs/libnodal-preload.so"
NODAL="$top_builddir/nodal"
TESTBIN="$top_builddir/tests/preload"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nodal-preload.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# Children must not inherit a stray policy from the caller's environment.
unset NODAL_POLICY NODAL_PRIVATE_NODES NODAL_NODE_LIMIT NODAL_WEIGHTS NODAL_FALLBACK \
	NODAL_PAGE_POLICY_MIN NODAL_STATS NODAL_VERBOSE NODAL_PRELOAD_LIB

tap_n=0
ok() { # status desc
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $tap_n - $2"; else echo "not ok $tap_n - $2"; fi
}
check() { # desc cmd...
	local desc=$1
	shift
	"$@" >"$WORK/check.out" 2>&1
	local rc=$?
	ok $rc "$desc"
	[ $rc -eq 0 ] || sed 's/^/# /' "$WORK/check.out" | head -n 40
}
skip() { # desc reason
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}
skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}
done_testing() { echo "1..$tap_n"; }

# True when the library in this build is the temporary glibc backend (no nodal core).
bootstrap_backend() { [ -f "$top_srcdir/src/alloc_bootstrap_glibc.c" ]; }

[ -f "$PRELOAD_LIB" ] || skip_all "$PRELOAD_LIB not built"
