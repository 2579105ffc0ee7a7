#!/bin/sh
# `nodal run`: flags to environment, LD_PRELOAD, validation before exec, exit statuses.
. "$top_srcdir/tests/preload/lib.sh"
[ -x "$NODAL" ] || skip_all "$NODAL not built"

# expect_env DESC 'VAR=VALUE' ARGS...: nodal run ARGS -- env shows VAR=VALUE.
expect_env() {
	desc=$1 want=$2
	shift 2
	"$NODAL" run "$@" -- env >"$WORK/env" 2>"$WORK/err"
	rc=$?
	[ $rc -eq 0 ] && grep -qxF "$want" "$WORK/env"
	ok $? "$desc: $want"
	[ $rc -eq 0 ] || sed 's/^/# /' "$WORK/err"
}
expect_env "--interleave" "NODAL_POLICY=interleave:all" --interleave=all
expect_env "-i (numactl's short form)" "NODAL_POLICY=interleave:0" -i 0
expect_env "--membind" "NODAL_POLICY=bind:0" --membind=0
expect_env "--membind NODES (separate word)" "NODAL_POLICY=bind:0" --membind 0
expect_env "--preferred" "NODAL_POLICY=preferred:0" --preferred=0
expect_env "--policy as written" "NODAL_POLICY=interleave:all@>=1M;local" --policy='interleave:all@>=1M;local'
expect_env "--stats" "NODAL_STATS=1" --stats
expect_env "--stats=json:PATH" "NODAL_STATS=json:$WORK/s.json" --stats=json:"$WORK/s.json"
expect_env "--preload" "LD_PRELOAD=$(realpath "$PRELOAD_LIB")" --preload="$PRELOAD_LIB"
LD_PRELOAD=/lib/nonexistent-but-kept.so expect_env "an existing LD_PRELOAD is kept after nodal's" \
	"LD_PRELOAD=$(realpath "$PRELOAD_LIB"):/lib/nonexistent-but-kept.so" 2>/dev/null
NODAL_POLICY=local expect_env "without a policy option NODAL_POLICY is left as it was" "NODAL_POLICY=local"
NODAL_PRELOAD_LIB="$PRELOAD_LIB" "$NODAL" run -- env >"$WORK/env" 2>&1
! grep -q '^NODAL_PRELOAD_LIB=' "$WORK/env" && grep -qxF "LD_PRELOAD=$(realpath "$PRELOAD_LIB")" "$WORK/env"
ok $? "NODAL_PRELOAD_LIB chooses the library and is not passed on"
NODAL_TOPOLOGY="synthetic:pack:2 numa:2 core:1 pu:1" expect_env \
	"--private with a policy naming the private node =static (4-node synthetic machine)" \
	"NODAL_PRIVATE_NODES=3" --private=3 --policy=bind=static:3

# The library found relative to the binary is really loaded into the program.
"$NODAL" run --interleave=all -- cat /proc/self/maps >"$WORK/maps" 2>&1
grep -q 'libnodal-preload.so' "$WORK/maps"
ok $? "the program runs with libnodal-preload.so mapped (found beside the nodal binary)"
cp "$PRELOAD_LIB" "$WORK/custom-nodal.so"
"$NODAL" run --preload="$WORK/custom-nodal.so" -- cat /proc/self/maps >"$WORK/maps" 2>&1
grep -q 'custom-nodal.so' "$WORK/maps"
ok $? "--preload=PATH loads that file"

# An installed layout: PREFIX/bin/nodal finds PREFIX/lib/libnodal-preload.so.
mkdir -p "$WORK/prefix/bin" "$WORK/prefix/lib"
cp "$NODAL" "$WORK/prefix/bin/nodal" && cp "$PRELOAD_LIB" "$WORK/prefix/lib/libnodal-preload.so"
"$WORK/prefix/bin/nodal" run --interleave=all -- cat /proc/self/maps >"$WORK/maps" 2>&1
grep -q "$WORK/prefix/lib/libnodal-preload.so" "$WORK/maps"
ok $? "an installed nodal (PREFIX/bin) preloads PREFIX/lib/libnodal-preload.so"
rm "$WORK/prefix/lib/libnodal-preload.so"
"$WORK/prefix/bin/nodal" run -- true 2>"$WORK/err"
ok $(( $? != 1 )) "without the library anywhere: exit 1 and where it looked: $(cat "$WORK/err")"

# Exit statuses.
"$NODAL" run --interleave=all -- sh -c 'exit 3'
ok $(( $? != 3 )) "the program's exit status is nodal's (3)"
"$NODAL" run -- sh -c 'kill -9 $$'
ok $(( $? != 137 )) "death by SIGKILL is 128+9"
"$NODAL" run -- sh -c 'kill -TERM $$'
ok $(( $? != 143 )) "death by SIGTERM is 128+15"
"$NODAL" run -- /nonexistent/command 2>"$WORK/err"
ok $(( $? != 127 )) "a command that does not exist is 127: $(cat "$WORK/err")"
touch "$WORK/notexec"
"$NODAL" run -- "$WORK/notexec" 2>"$WORK/err"
ok $(( $? != 126 )) "a file that cannot be executed is 126: $(cat "$WORK/err")"
out=$(printf 'a b\n' | "$NODAL" run --interleave=all -- sh -c 'read x; printf "%s|%s|%s" "$x" "$1" "$2"' sh 'two words' '')
[ "$out" = "a b|two words|" ]
ok $? "stdin, and arguments with spaces and empty ones, reach the program ('$out')"

# Bad input: exit 2, one line naming the option and the value, and nothing is run.
bad() { # desc expected-substring args...
	desc=$1 want=$2
	shift 2
	rm -f "$WORK/ran"
	"$NODAL" run "$@" -- touch "$WORK/ran" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	[ $rc -eq 2 ] && [ ! -e "$WORK/ran" ] && [ "$(wc -l <"$WORK/err")" -eq 1 ] &&
		grep -q '^nodal: ' "$WORK/err" && grep -qF -- "$want" "$WORK/err"
	ok $? "$desc: exit $rc, nothing run: $(cat "$WORK/err")"
}
bad "a node list with garbage" "--interleave='0-3x'" --interleave=0-3x
bad "a node this machine lacks" "--membind='4095'" --membind=4095
bad "more than one node for --preferred" "--preferred='0,1'" --preferred=0,1
bad "two policies" "give one policy" --membind=0 --interleave=0
bad "an unknown mode" "--policy='sideways:0'" --policy=sideways:0
bad "an empty node list" "--interleave=''" --interleave=
bad "a bad --private list" "--private='x'" --private=x
bad "a bad --stats value" "--stats='yes'" --stats=yes
bad "a missing --preload file" "--preload='$WORK/nope.so'" --preload="$WORK/nope.so"
NODAL_TOPOLOGY="synthetic:pack:2 numa:2 core:1 pu:1" bad "a private node in a non-static policy" \
	"--membind='3'" --private=3 --membind=3
bad "an unknown option" "'--bogus'" --bogus
"$NODAL" run --interleave=all >/dev/null 2>"$WORK/err"
ok $(( $? != 2)) "no command: exit 2 ($(cat "$WORK/err" ))"
"$NODAL" run --help | grep -q -- '--interleave=NODES'
ok $? "nodal run --help lists the options"
done_testing
