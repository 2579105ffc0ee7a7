#!/usr/bin/env bash
# options-docs.sh — regenerate the option tables in README.md, docs/options.md and
# docs/nodal.1 from the table in src/options.c (via `nodal options`), replacing the
# text between the "options:begin" and "options:end" markers. test_options fails when
# the checked-in text differs, so run this after changing the table.
#   usage: scripts/options-docs.sh [path/to/nodal]   (default: build/nodal)
set -euo pipefail
cd "$(dirname "$0")/.."
nodal=${1:-build/nodal}
splice() { # file format
	local file=$1 fmt=$2 gen
	gen=$(mktemp)
	"$nodal" options "--$fmt" >"$gen"
	awk -v gen="$gen" '
		/options:begin/ { print; while ((getline line < gen) > 0) print line; skip = 1; next }
		/options:end/ { skip = 0 }
		!skip { print }' "$file" >"$file.tmp"
	mv "$file.tmp" "$file"
	rm -f "$gen"
}
splice README.md markdown
splice docs/options.md markdown
splice docs/nodal.1 man
