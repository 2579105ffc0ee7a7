#!/usr/bin/env bash
# demo.sh — the README's first command: set everything up (scripts/setup.sh: packages,
# build) and run the demo workload under nodal with an interleave policy and the
# per-node report. Extra arguments go to nodal-demo (default: -t 4 -m 64).
#   bash scripts/demo.sh                 # 4 threads, 64 MiB of arrays + small objects
#   bash scripts/demo.sh -t 2 -m 256
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
[ $# -gt 0 ] || set -- -t 4 -m 64
echo "+ build/nodal run --interleave=all --stats -- build/nodal-demo $*"
exec build/nodal run --interleave=all --stats -- build/nodal-demo "$@"
