#!/bin/sh
# topo_cli.sh — `nodal topo`: the text view, --json with private nodes and each fallback
# kind, and one-line errors with exit 2 for bad input. TAP output.
shared=${NODAL_SHARED:-${top_srcdir:-.}/tests/shared}
nodal=${top_builddir:-.}/nodal
exec python3 - "$shared" "$nodal" <<'PY'
import json, os, subprocess, sys

shared, nodal = sys.argv[1], sys.argv[2]
xml = os.path.join(shared, "topologies/xml")
n = 0
checks = []

def run(args, **env):
    e = {k: v for k, v in os.environ.items() if not k.startswith("NODAL_")}
    e.update(env)
    return subprocess.run([nodal, "topo"] + args, env=e, capture_output=True, text=True)

def check(name, ok, detail=""):
    checks.append((name, ok, detail))

hetero = os.path.join(xml, "fs-fakeheteromemtiers.xml")
p = run([], NODAL_TOPOLOGY=hetero, NODAL_PRIVATE_NODES="8-9")
check("text view has nodes, distances and lists", p.returncode == 0 and "distances:" in p.stdout
      and "fallback lists (kernel):" in p.stdout and "8: 8 " in p.stdout and "(private)" in p.stdout, p.stdout + p.stderr)

for kind in ("kernel", "kernel-hotplug", "distance"):
    p = run(["--json"], NODAL_TOPOLOGY=hetero, NODAL_PRIVATE_NODES="8-9", NODAL_FALLBACK=kind)
    ok = p.returncode == 0
    detail = p.stderr
    if ok:
        d = json.loads(p.stdout)
        mem = [x["id"] for x in d["nodes"] if x["memory_bytes"] > 0]
        ok = d["fallback_kind"] == kind and d["private_nodes"] == [8, 9]
        for x in d["nodes"]:
            want = set(m for m in mem if m not in (8, 9)) | ({x["id"]} if x["private"] else set())
            if x["fallback"][0] != x["id"] or set(x["fallback"]) != want or len(x["fallback"]) != len(want):
                ok = False
                detail += "node %d: %s\n" % (x["id"], x["fallback"])
            if x["private"] != (x["id"] in (8, 9)):
                ok = False
            if len(x["distances"]) != len(d["nodes"]):
                ok = False
    check("--json, NODAL_FALLBACK=%s, private 8-9 leak into no other list" % kind, ok, detail)

p = run(["--json"], NODAL_TOPOLOGY=os.path.join(xml, "64intel64-heteromem.xml"))
d = json.loads(p.stdout) if p.returncode == 0 else {"nodes": []}
n7 = [x for x in d["nodes"] if x["id"] == 7]
check("--json carries tier, subtype and bandwidth (v3 XML)", bool(n7) and n7[0]["tier"] == 0
      and n7[0]["subtype"] == "HBM" and n7[0].get("bandwidth_mbs") == 90000
      and n7[0].get("initiators") == [0], p.stdout[:400] + p.stderr)
p = run([], NODAL_TOPOLOGY=os.path.join(xml, "fs-fakememinitiators-1np2c+1npp+gi.xml"))
row7 = [l.split() for l in p.stdout.splitlines() if l.split()[:1] == ["7"]]
check("text: the NVM node's MB/s, ns and initiator nodes (from) columns", p.returncode == 0 and bool(row7)
      and row7[0][6:9] == ["78644", "77", "5-6"], p.stdout[:800] + p.stderr)

bad = [
    ({"NODAL_TOPOLOGY": "/nonexistent/m.xml"}, [], "/nonexistent/m.xml"),
    ({"NODAL_TOPOLOGY": "/etc/hostname"}, [], "not an hwloc XML topology"),
    ({"NODAL_TOPOLOGY": "synthetic:bogus:2"}, [], "synthetic"),
    ({"NODAL_FALLBACK": "nearest"}, [], "NODAL_FALLBACK"),
    ({"NODAL_TOPOLOGY": hetero, "NODAL_PRIVATE_NODES": "3"}, [], "node 3 does not exist"),
    ({"NODAL_TOPOLOGY": os.path.join(shared, "conformance/xml/T09-memoryless-cpu-node.xml"),
      "NODAL_PRIVATE_NODES": "1"}, [], "node 1 has no memory"),
    ({"NODAL_PRIVATE_NODES": "1-x"}, [], "NODAL_PRIVATE_NODES='1-x'"),
    ({}, ["--jsn"], "--jsn"),
]
for env, args, want in bad:
    p = run(args, **env)
    lines = p.stderr.strip().splitlines()
    check("error exit 2, one line naming %r" % want, p.returncode == 2 and len(lines) == 1
          and want in lines[0] and lines[0].startswith("nodal: ") and p.stdout == "",
          "rc=%d stderr=%r" % (p.returncode, p.stderr))

print("1..%d" % len(checks))
for i, (name, ok, detail) in enumerate(checks, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
    if not ok:
        for line in detail.splitlines()[:20]:
            print("# " + line)
PY
