#!/bin/sh
# Real programs under `nodal run --policy=...` (the preload library and a policy): each
# must print exactly what it prints without nodal (stdout, stderr and exit status).
. "$top_srcdir/tests/preload/lib.sh"
P="$top_srcdir/tests/preload/programs"
POLICY="interleave:all@>=1M;local"

# run_both NAME CMD...: run without and with nodal, compare.
run_both() {
	name=$1
	shift
	(cd "$WORK" && env -u LD_PRELOAD "$@" >"$WORK/$name.out0" 2>"$WORK/$name.err0"; echo "exit $?" >>"$WORK/$name.out0")
	(cd "$WORK" && env -u LD_PRELOAD "$NODAL" run --policy="$POLICY" -- "$@" >"$WORK/$name.out1" 2>"$WORK/$name.err1"; echo "exit $?" >>"$WORK/$name.out1")
	cmp -s "$WORK/$name.out0" "$WORK/$name.out1" && cmp -s "$WORK/$name.err0" "$WORK/$name.err1"
	rc=$?
	ok $rc "$name: same output and exit status with and without nodal ($(tail -n 2 "$WORK/$name.out1" | head -n 1 | cut -c1-60))"
	if [ $rc -ne 0 ]; then
		diff "$WORK/$name.out0" "$WORK/$name.out1" | head -n 20 | sed 's/^/# /'
		diff "$WORK/$name.err0" "$WORK/$name.err1" | head -n 20 | sed 's/^/# /'
	fi
}

# The library really is in each program (not silently dropped by ld.so).
loaded() { LD_PRELOAD="$PRELOAD_LIB" "$@" 2>&1 | grep -q '^yes$'; }
check "python3 runs with libnodal-preload.so mapped" loaded /usr/bin/python3 -I -c \
	"print('yes' if 'libnodal-preload' in open('/proc/self/maps').read() else 'no')"
check "bash runs with libnodal-preload.so mapped" loaded /bin/bash -c \
	'grep -q libnodal-preload /proc/$$/maps && echo yes'

run_both python3 /usr/bin/python3 -I "$P/workload.py"
run_both perl /usr/bin/perl "$P/workload.pl"
run_both bash-pipeline /bin/bash -c \
	'seq 1 200000 | sort -r | awk "{ s += \$1; t = t \$1 % 7 } END { print s, length(t) }" | tr 0-9 a-j; echo "${PIPESTATUS[*]}"'

if command -v git >/dev/null; then
	run_both git /bin/sh "$P/gitwork.sh" "$WORK"
else
	skip "git" "git is not installed (scripts/setup.sh installs it)"
fi
if [ -x /usr/bin/sqlite3 ]; then
	run_both sqlite3 /bin/sh -c "/usr/bin/sqlite3 :memory: <'$P/workload.sql'"
else
	skip "sqlite3 shell" "/usr/bin/sqlite3 is not installed (scripts/setup.sh installs it)"
fi
done_testing
