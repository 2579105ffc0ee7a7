#!/bin/sh
# topo_conformance.sh — every conformance XML through `nodal topo --json` must give the
# real kernel's lists exactly: phase `boot` with the default NODAL_FALLBACK, phase
# `memory-online-rebuild` with NODAL_FALLBACK=kernel-hotplug; and the node ids, memory
# nodes, CPU placement and distance matrix the JSON says the XML holds. TAP output.
shared=${NODAL_SHARED:-${top_srcdir:-.}/tests/shared}
nodal=${top_builddir:-.}/nodal
exec python3 - "$shared/conformance/xml" "$nodal" <<'PY'
import glob, json, os, subprocess, sys

xmldir, nodal = sys.argv[1], sys.argv[2]
files = sorted(glob.glob(os.path.join(xmldir, "*.json")))
tests = []
for jf in files:
    want = json.load(open(jf))
    xml = os.path.join(xmldir, want["xml"])
    for phase, lists in sorted(want["phases"].items()):
        tests.append((jf, want, xml, phase, lists))
print("1..%d" % (len(tests) + len(files) + 1))
n = 0
failed = 0

def result(ok, name, detail=""):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, name))
    if detail and not ok:
        for line in detail.splitlines():
            print("# " + line)

def run(xml, kind):
    env = dict(os.environ, NODAL_TOPOLOGY=xml, NODAL_FALLBACK=kind)
    env.pop("NODAL_PRIVATE_NODES", None)
    p = subprocess.run([nodal, "topo", "--json"], env=env, capture_output=True, text=True)
    if p.returncode != 0:
        return None, "exit %d: %s" % (p.returncode, p.stderr.strip())
    return json.loads(p.stdout), ""

result(len(files) >= 13, "found %d conformance topologies in %s" % (len(files), xmldir))

for jf, want, xml, phase, lists in tests:
    kind = {"boot": "kernel", "memory-online-rebuild": "kernel-hotplug"}.get(phase)
    name = "%s %s (NODAL_FALLBACK=%s)" % (os.path.basename(jf), phase, kind)
    if kind is None:
        result(False, name, "unknown phase " + phase)
        continue
    got, err = run(xml, kind)
    if got is None:
        result(False, name, err)
        continue
    bad = []
    by_id = {str(x["id"]): x for x in got["nodes"]}
    for node, lst in sorted(lists.items(), key=lambda kv: int(kv[0])):
        have = by_id.get(node, {}).get("fallback")
        if have != lst:
            bad.append("node %s: got %s, kernel %s" % (node, have, lst))
    result(not bad, name, "\n".join(bad))

for jf in files:
    want = json.load(open(jf))
    xml = os.path.join(xmldir, want["xml"])
    got, err = run(xml, "kernel")
    name = "%s: nodes, memory nodes, CPUs and distances as written" % os.path.basename(jf)
    if got is None:
        result(False, name, err)
        continue
    bad = []
    ids = [x["id"] for x in got["nodes"]]
    if ids != want["nodes"]:
        bad.append("nodes %s, want %s" % (ids, want["nodes"]))
    mem = [x["id"] for x in got["nodes"] if x["memory_bytes"] > 0]
    if mem != want["memory_nodes"]:
        bad.append("memory nodes %s, want %s" % (mem, want["memory_nodes"]))
    cpus = {str(x["id"]): x["cpus"] for x in got["nodes"] if x["cpus"]}
    if cpus != want["cpus"]:
        bad.append("cpus %s, want %s" % (cpus, want["cpus"]))
    dist = [x["distances"] for x in got["nodes"]]
    if dist != want["distance_matrix"]:
        bad.append("distances %s, want %s" % (dist, want["distance_matrix"]))
    result(not bad, name, "\n".join(bad))
sys.exit(0)
PY
