#!/bin/sh
# gitwork.sh DIR — git init, two commits with fixed identities and dates, then print
# what git records (hashes are deterministic). Run by tests/preload/programs.sh.
set -e
export GIT_AUTHOR_NAME=nodal GIT_AUTHOR_EMAIL=n@localhost GIT_COMMITTER_NAME=nodal \
	GIT_COMMITTER_EMAIL=n@localhost GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' \
	GIT_COMMITTER_DATE='2026-01-01T00:00:00Z' GIT_CONFIG_NOSYSTEM=1 HOME="$1"
rm -rf "$1/repo"
git init -q -b main "$1/repo"
cd "$1/repo"
seq 1 50000 >numbers
printf 'one\ntwo\n' >words
git add .
git commit -q -m first
sed -i 's/7/seven/' numbers
git commit -q -am second
git gc -q
git log --format='%H %s'
git rev-list --count HEAD
git diff --stat HEAD~1 | tail -n 1
git fsck --no-progress 2>&1 | wc -l
