#!/bin/sh
# cli_options.sh — `nodal options`: the text, Markdown and man renderings of the option
# table, the checked-in docs equal to them, the man page valid roff, and usage errors.
set -u
: "${top_builddir:?run through make check}" "${top_srcdir:?run through make check}"
NODAL="$top_builddir/nodal"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nodal-cli.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
n=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
# between FILE: the lines between the options:begin and options:end markers
between() { awk '/options:end/ { p = 0 } p { print } /options:begin/ { p = 1 }' "$1"; }

"$NODAL" options >"$WORK/text" 2>"$WORK/err"
rc=$?
names=$(grep -c '^NODAL_[A-Z_]* ' "$WORK/text")
[ $rc -eq 0 ] && [ "$names" -eq 14 ] && [ ! -s "$WORK/err" ]
ok $? "nodal options: exit 0, 14 options listed, nothing on stderr (got rc=$rc, $names)"

"$NODAL" options --markdown >"$WORK/md"
between "$top_srcdir/docs/options.md" | cmp -s - "$WORK/md"
ok $? "docs/options.md holds exactly 'nodal options --markdown'"
between "$top_srcdir/README.md" | cmp -s - "$WORK/md"
ok $? "README.md holds exactly 'nodal options --markdown'"

"$NODAL" options --man >"$WORK/man"
between "$top_srcdir/docs/nodal.1" | cmp -s - "$WORK/man"
ok $? "docs/nodal.1 holds exactly 'nodal options --man'"

if command -v groff >/dev/null 2>&1; then
	groff -man -Tutf8 -ww -z "$top_srcdir/docs/nodal.1" >"$WORK/groff" 2>&1
	[ ! -s "$WORK/groff" ]
	ok $? "docs/nodal.1 formats without groff warnings"
	sed 's/^/# /' "$WORK/groff"
	groff -man -Tascii -P-cbou "$top_srcdir/docs/nodal.1" 2>/dev/null | grep -c 'NODAL_' >"$WORK/count"
	[ "$(cat "$WORK/count")" -ge 13 ]
	ok $? "the formatted man page names every option"
else
	n=$((n + 1)); echo "ok $n # SKIP groff not installed"
	n=$((n + 1)); echo "ok $n # SKIP groff not installed"
fi

"$NODAL" options --bogus >"$WORK/out" 2>"$WORK/err"
rc=$?
[ $rc -eq 2 ] && [ "$(grep -c '^nodal: ' "$WORK/err")" -eq 1 ] && grep -q "'--bogus'" "$WORK/err" && [ ! -s "$WORK/out" ]
ok $? "nodal options --bogus: exit 2 and one nodal: line naming the argument"

"$NODAL" --help | grep -q '^  options '
ok $? "nodal --help lists the options command"
echo "1..$n"
