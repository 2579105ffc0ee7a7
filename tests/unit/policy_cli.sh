#!/bin/sh
# policy_cli.sh — `nodal policy show|rebind` on the rebind-vector guest (RB8: 8 nodes, two
# sockets, 16/32, one CPU per node — its XML is generated here): candidate orders,
# --json, interleave rounds with NODAL_WEIGHTS, private nodes, exit 2 with the validation
# message for invalid policies, and every task-policy case of rebind-vectors.tsv (6.12)
# replayed through `nodal policy rebind`. TAP output.
shared=${NODAL_SHARED:-${top_srcdir:-.}/tests/shared}
nodal=${top_builddir:-.}/nodal
exec python3 - "$shared" "$nodal" <<'PY'
import csv, json, os, subprocess, sys, tempfile

shared, nodal = sys.argv[1], sys.argv[2]
checks = []

def check(name, ok, detail=""):
    checks.append((name, bool(ok), detail))

def rb8_xml():
    dist = [[10 if a == b else (16 if a // 4 == b // 4 else 32) for b in range(8)] for a in range(8)]
    o = ['<?xml version="1.0" encoding="UTF-8"?>', '<!DOCTYPE topology SYSTEM "hwloc2.dtd">',
         '<topology version="2.0">',
         '<object type="Machine" os_index="0" cpuset="0x000000ff" complete_cpuset="0x000000ff" '
         'allowed_cpuset="0x000000ff" nodeset="0x000000ff" complete_nodeset="0x000000ff" '
         'allowed_nodeset="0x000000ff" gp_index="1">']
    gp = 2
    for n in range(8):
        m = "0x%08x" % (1 << n)
        o.append('<object type="Package" os_index="%d" cpuset="%s" complete_cpuset="%s" nodeset="%s" '
                 'complete_nodeset="%s" gp_index="%d">' % (n, m, m, m, m, gp))
        o.append('<object type="NUMANode" os_index="%d" cpuset="%s" complete_cpuset="%s" nodeset="%s" '
                 'complete_nodeset="%s" gp_index="%d" local_memory="1073741824">'
                 '<page_type size="4096" count="262144"/></object>' % (n, m, m, m, m, gp + 1))
        o.append('<object type="Core" os_index="%d" cpuset="%s" complete_cpuset="%s" nodeset="%s" '
                 'complete_nodeset="%s" gp_index="%d"><object type="PU" os_index="%d" cpuset="%s" '
                 'complete_cpuset="%s" nodeset="%s" complete_nodeset="%s" gp_index="%d"/></object>'
                 % (n, m, m, m, m, gp + 2, n, m, m, m, m, gp + 3))
        o.append('</object>')
        gp += 4
    o.append('</object>')
    vals = " ".join(str(dist[a][b]) for a in range(8) for b in range(8)) + " "
    o.append('<distances2 type="NUMANode" nbobjs="8" kind="5" name="NUMALatency" indexing="os">'
             '<indexes length="16">0 1 2 3 4 5 6 7 </indexes><u64values length="%d">%s</u64values>'
             '</distances2>' % (len(vals), vals))
    o.append('</topology>')
    f = tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False)
    f.write("\n".join(o))
    f.close()
    return f.name

xml = rb8_xml()

def run(cmd, args, **env):
    e = {k: v for k, v in os.environ.items() if not k.startswith("NODAL_")}
    e["NODAL_TOPOLOGY"] = xml
    e.update(env)
    return subprocess.run([nodal] + cmd + args, env=e, capture_output=True, text=True)

def pol(args, **env):
    return run(["policy"], args, **env)

# the machine is RB8: its kernel lists (topologies.md) come out of the topology layer
p = run(["topo"], ["--json"])
want_lists = {0: [0, 1, 2, 3, 4, 5, 6, 7], 1: [1, 2, 3, 0, 5, 6, 7, 4], 2: [2, 3, 0, 1, 6, 7, 4, 5],
              3: [3, 0, 1, 2, 7, 4, 5, 6], 4: [4, 5, 6, 7, 0, 1, 2, 3], 5: [5, 6, 7, 4, 1, 2, 3, 0],
              6: [6, 7, 4, 5, 2, 3, 0, 1], 7: [7, 4, 5, 6, 3, 0, 1, 2]}
got_lists = {}
if p.returncode == 0:
    got_lists = {x["id"]: x["fallback"] for x in json.loads(p.stdout)["nodes"]}
check("the generated XML is RB8 (the kernel's boot lists)", got_lists == want_lists, p.stdout[:300] + p.stderr)

p = pol(["show", "bind:1-2", "--cpu-node", "6"])
check("show bind:1-2 from node 6: candidates 2 1", p.returncode == 0 and "candidates  2 1\n" in p.stdout
      and "policy      bind:1-2\n" in p.stdout, p.stdout + p.stderr)

p = pol(["show", "preferred-many:1-2", "--cpu-node", "6", "--allowed", "0-3,6-7"])
check("show preferred-many: two passes, filtered by --allowed",
      p.returncode == 0 and "candidates  2 1 6 7 3 0\n" in p.stdout, p.stdout + p.stderr)

p = pol(["show", "bind:1-2", "--cpu-node", "6", "--allowed", "2,4-7"])
check("show bind with one node allowed: only that node",
      p.returncode == 0 and "candidates  2\n" in p.stdout and "nodes       2\n" in p.stdout, p.stdout + p.stderr)

p = pol(["show", "preferred:5", "--cpu-node", "0", "--json"])
d = json.loads(p.stdout) if p.returncode == 0 else {}
check("show --json", d.get("mode") == "preferred" and d.get("candidates") == [5, 6, 7, 4, 1, 2, 3, 0]
      and d.get("cpu_node") == 0 and d.get("nodes") == "5" and d.get("allowed") == "0-7"
      and d.get("home_node") is None and d.get("flags") == [], p.stdout + p.stderr)

p = pol(["show", "weighted-interleave:0,4", "--cpu-node", "0", "--json"], NODAL_WEIGHTS="0*3,4*1")
d = json.loads(p.stdout) if p.returncode == 0 else {}
check("weighted round follows NODAL_WEIGHTS", d.get("round") == [0, 0, 0, 4] and d.get("candidates", [None])[0] == 0,
      p.stdout + p.stderr)

p = pol(["show", "weighted-interleave:0*1,4*2", "--cpu-node", "0", "--json"], NODAL_WEIGHTS="0*3,4*1")
d = json.loads(p.stdout) if p.returncode == 0 else {}
check("the policy's own weights win", d.get("round") == [0, 4, 4], p.stdout + p.stderr)

p = pol(["show", "interleave=static:1-3", "--allowed", "2-7", "--cpu-node", "3"])
check("show interleave=static: canonical form keeps the user's mask, round over allowed",
      p.returncode == 0 and "policy      interleave=static:1-3\n" in p.stdout and "round       2 3\n" in p.stdout
      and "nodes       2-3\n" in p.stdout, p.stdout + p.stderr)

p = pol(["show", "bind=static:7", "--cpu-node", "0"], NODAL_PRIVATE_NODES="7")
check("a private node by bind=static: reached, starting there",
      p.returncode == 0 and "candidates  7\n" in p.stdout, p.stdout + p.stderr)

p = pol(["show", "local", "--cpu-node", "4"], NODAL_PRIVATE_NODES="7")
check("local never reaches a private node", p.returncode == 0 and "candidates  4 5 6 0 1 2 3\n" in p.stdout,
      p.stdout + p.stderr)

for args, env, msg in [
        (["show", "interleave:7"], {"NODAL_PRIVATE_NODES": "7"}, "node 7 is private"),
        (["show", "bind:"], {}, ""),
        (["show", "bind:9"], {}, "bind:9"),
        (["show", "interleave=static:1", "--allowed", "2-3"], {}, "none of the requested nodes is an allowed"),
        (["show", "local:1"], {}, ""),
        (["show", "interleave:1/home=2"], {}, "home"),
        (["show", "bind:1", "--cpu-node", "12"], {}, "--cpu-node 12"),
        (["show", "bind:1", "--cpu-node", "x"], {}, "--cpu-node 'x'"),
        (["show", "bind:1", "--allowed", "0-9"], {}, "--allowed '0-9'"),
        (["show"], {}, "missing POLICY"),
        (["rebind", "bind:1"], {}, "needs --allowed"),
        (["rebind", "bind:1", "--allowed", "0-3", "--to", "1-2x"], {}, "--to '1-2x'"),
        (["frob", "bind:1"], {}, "unknown subcommand"),
        (["show", "bind:1", "--bogus"], {}, "unknown option '--bogus'"),
        (["show", "bind:1"], {"NODAL_WEIGHTS": "0*0"}, "NODAL_WEIGHTS"),
]:
    p = pol(args, **env)
    check("exit 2 with a one-line message: policy %s %s" % (" ".join(args), env),
          p.returncode == 2 and p.stdout == "" and p.stderr.startswith("nodal: ") and p.stderr.count("\n") == 1
          and msg in p.stderr, "rc %d: %s%s" % (p.returncode, p.stdout, p.stderr))

# this machine (no NODAL_TOPOLOGY): this CPU's node, this process's Mems_allowed
e = {k: v for k, v in os.environ.items() if not k.startswith("NODAL_")}
p = subprocess.run([nodal, "policy", "show", "local", "--json"], env=e, capture_output=True, text=True)
d = json.loads(p.stdout) if p.returncode == 0 else {}
check("show on this machine", d.get("topology") == "this machine" and d.get("mode") == "local"
      and len(d.get("candidates", [])) >= 1 and d.get("cpu_node", -1) >= 0, p.stdout + p.stderr)

p = pol(["--help"])
check("--help", p.returncode == 0 and "nodal policy rebind" in p.stdout, p.stdout + p.stderr)

p = pol(["rebind", "interleave:1-2", "--allowed", "0-3", "--to", "1-3", "--to", "2-3", "--to", "0", "--to", "0-3"])
check("rebind prints ALLOWED<TAB>effective per step (R0001)",
      p.stdout == "0-3\t1-2\n1-3\t2-3\n2-3\t2-3\n0\t0\n0-3\t0\n", p.stdout + p.stderr)

p = pol(["rebind", "bind=relative:1-3", "--allowed", "4-7", "--to", "1-7", "--json"])
d = json.loads(p.stdout) if p.returncode == 0 else {}
check("rebind --json", d.get("policy") == "bind=relative:1-3" and
      [s["effective"] for s in d.get("steps", [])] == ["5-7", "2-4"], p.stdout + p.stderr)

# every task case of the real kernel's rebind vectors (6.12; 6.1 and vma rows are identical)
cases = {}
with open(os.path.join(shared, "conformance/rebind-vectors.tsv")) as f:
    for r in csv.DictReader(f, delimiter="\t"):
        if r["api"] != "task" or not r["kernel_version"].startswith("6.12"):
            continue
        key = (r["case_id"], r["mode"], r["flags"], r["user_mask"], r["allowed_sequence"])
        cases.setdefault(key, {})[int(r["step_index"])] = r["effective_nodes_observed"]
names = {"preferred_many": "preferred-many"}
bad = []
for (cid, mode, flags, user, seq), steps in sorted(cases.items()):
    lists = seq.split(">")
    flag = {"none": "", "static": "=static", "relative": "=relative", "static+relative": "=static=relative"}[flags]
    spec = "%s%s:%s" % (names.get(mode, mode), flag, user)
    args = ["rebind", spec, "--allowed", lists[0]]
    for l in lists[1:]:
        args += ["--to", l]
    p = pol(args)
    if steps.get(0) == "ERR:EINVAL":
        if p.returncode != 2:
            bad.append("%s %s: the kernel refused, nodal rc %d %s" % (cid, spec, p.returncode, p.stderr))
        continue
    lines = p.stdout.splitlines()
    for k, want in steps.items():
        got = lines[k].split("\t") if k < len(lines) else ["?", "?"]
        if got != [lists[k], want]:
            bad.append("%s %s step %d: %s, the kernel %s (%s)" % (cid, spec, k, got, want, p.stderr.strip()))
check("rebind-vectors.tsv through `nodal policy rebind` (%d cases)" % len(cases), not bad and len(cases) > 200,
      "\n".join(bad[:20]))

os.unlink(xml)
print("1..%d" % len(checks))
for i, (name, ok, detail) in enumerate(checks, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
    if not ok:
        for line in str(detail).splitlines()[:30]:
            print("# " + line)
PY
