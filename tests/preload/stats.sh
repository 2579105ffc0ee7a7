#!/bin/sh
# NODAL_STATS: the exit report's totals match what tests/preload/stats.c allocated.
# Two runs that differ by known counts are compared, so the allocations of the C
# library and of ld.so (the same in both runs) cancel out exactly.
. "$top_srcdir/tests/preload/lib.sh"
if bootstrap_backend; then
	skip_all "statistics come from src/alloc.c, not landed yet (the temporary glibc backend keeps none)"
fi
PY=/usr/bin/python3
[ -x $PY ] || skip_all "$PY is needed to read the JSON report"
total() { # file field
	$PY -I -c "import json,sys; print(json.load(open(sys.argv[1]))['total'][sys.argv[2]])" "$1" "$2"
}
run() { # tag live freed
	NODAL_STATS=json:"$WORK/$1.json" LD_PRELOAD="$PRELOAD_LIB" "$TESTBIN/stats" "$2" "$3" 1000 0 >"$WORK/$1.out"
}
run a 1000 3000 && run b 3000 8000
ok $? "the program ran twice under NODAL_STATS=json:PATH"
usable=$(sed -n 's/^usable //p' "$WORK/a.out")
for f in nmalloc nfree allocated cached; do
	eval "a_$f=\$(total \"\$WORK/a.json\" $f)"
	eval "b_$f=\$(total \"\$WORK/b.json\" $f)"
done
ok $(( b_nmalloc - a_nmalloc != 7000 )) "2000 more live and 5000 more freed blocks: nmalloc grows by exactly 7000 ($a_nmalloc -> $b_nmalloc)"
ok $(( b_nfree - a_nfree != 5000 )) "nfree grows by exactly 5000 ($a_nfree -> $b_nfree)"
# allocated counts the objects thread caches hold too (nodal.h), and what the caches hold
# at exit depends on their fill and GC schedule: live objects are allocated - cached
a_live=$(( a_allocated - a_cached )) b_live=$(( b_allocated - b_cached ))
ok $(( b_live - a_live != 2000 * usable )) "allocated - cached grows by 2000 x $usable usable bytes ($a_live -> $b_live)"
ok $(( a_nmalloc < 4000 || a_nfree < 3000 || a_allocated < 1000 * usable )) "run a's totals cover its own 4000 allocations, 3000 frees and 1000 live blocks"

# The text report on stderr: a header and one row per node whose counts add up.
NODAL_STATS=1 LD_PRELOAD="$PRELOAD_LIB" "$TESTBIN/stats" 1000 3000 1000 0 >/dev/null 2>"$WORK/text"
sed 's/^/# /' "$WORK/text"
grep -q '^nodal: per-node report' "$WORK/text"
ok $? "NODAL_STATS=1 prints the per-node report on stderr"
sum=$(awk '$1 == "nodal:" && $2 ~ /^[0-9]+$/ { s += $4 } END { print s + 0 }' "$WORK/text")
ok $(( sum != a_nmalloc )) "the text rows' nmalloc add up to the JSON total ($sum)"

# A pipeline: every process reports, and each report names its own pid and program.
NODAL_STATS=1 LD_PRELOAD="$PRELOAD_LIB" sh -c '"$1" 10 10 100 0 | "$1" 20 20 100 0 >/dev/null' sh \
	"$TESTBIN/stats" 2>"$WORK/pipe"
sed 's/^/# /' "$WORK/pipe" | grep 'per-node report'
heads=$(grep -c '^nodal: per-node report of pid [0-9]* (' "$WORK/pipe")
pids=$(sed -n 's/^nodal: per-node report of pid \([0-9]*\) .*/\1/p' "$WORK/pipe" | sort -u | wc -l)
ok $(( heads < 2 || pids != heads )) "a pipeline's reports (two programs, and sh if it reports): $heads headers, $pids distinct pids"
n=$(grep -c '^nodal: per-node report of pid [0-9]* (stats)' "$WORK/pipe")
ok $(( n != 2 )) "the two programs' headers name the program 'stats' ($n)"
# NODAL_STATS=json:PATH with %p: one file per process, each naming its pid.
NODAL_STATS=json:"$WORK/pipe.%p.json" LD_PRELOAD="$PRELOAD_LIB" sh -c '"$1" 10 10 100 0 | "$1" 20 20 100 0 >/dev/null' sh \
	"$TESTBIN/stats"
bad=0 files=0
for f in "$WORK"/pipe.*.json; do
	[ -f "$f" ] || continue
	files=$((files + 1))
	pid=${f##*/pipe.}; pid=${pid%.json}
	$PY -I -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d['pid'] != int(sys.argv[2]))" "$f" "$pid" || bad=1
done
ok $(( files < 2 || bad )) "json:PATH.%p: $files files, each holding its own pid"
done_testing
