"""checks.py — the host's side of a VM test group: parse the guest's result channel and
compare what the guest saw with what was asked for.

The result channel (protocol in tests/vm/guest/guest.h and guest/init.sh):
  @@TAP ok|not ok - <desc>[ # SKIP <reason>]    a guest test
  @@DIAG <text>                                 diagnostics for the preceding test
  @@FILE <name> ... @@EOF                       raw data (sysfs files, boot-log lines, ...)
  @@DONE                                        init ran to its end
Every check yields a Result; vm.py prints them as TAP.
"""
import json
import re

from .topology import fallback_lists


class Result:
    """One TAP line. todo: the reason for a known gap in another component (TAP TODO:
    automake counts it as XFAIL); set only while the gap is there, so it disappears
    by itself when the gap is closed."""

    def __init__(self, ok, desc, skip=None, diag=None, todo=None):
        self.ok, self.desc, self.skip, self.diag, self.todo = ok, desc, skip, list(diag or []), todo


class GuestOutput:
    def __init__(self, text):
        self.results, self.files, self.done, self.stray = [], {}, False, []
        cur_file, buf = None, []
        for raw in text.splitlines():
            line = raw.rstrip("\r")
            if cur_file is not None:
                if line == "@@EOF":
                    self.files[cur_file] = "\n".join(buf)
                    cur_file, buf = None, []
                else:
                    buf.append(line)
                continue
            m = re.match(r"@@TAP (ok|not ok) - (.*?)(?: # (SKIP|TODO) (.*))?$", line)
            if m:
                skip = m.group(4) if m.group(3) == "SKIP" else None
                todo = m.group(4) if m.group(3) == "TODO" else None
                self.results.append(Result(m.group(1) == "ok", m.group(2), skip, todo=todo))
            elif line.startswith("@@DIAG "):
                (self.results[-1].diag if self.results else self.stray).append(line[7:])
            elif line.startswith("@@FILE "):
                cur_file = line[7:]
            elif line == "@@DONE":
                self.done = True
            elif line.strip():
                self.stray.append(line)
        if cur_file is not None:
            self.files[cur_file] = "\n".join(buf)


def parse_nodelist(s):
    out = []
    for part in s.strip().split(","):
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-")
            out += range(int(a), int(b) + 1)
        else:
            out.append(int(part))
    return out


def kernel_fallback(files):
    """{node: [list]} from the kernel's 'Fallback order for Node N:' boot-log lines."""
    lists = {}
    for line in files.get("fallback", "").splitlines():
        m = re.search(r"Fallback order for Node (\d+): ([\d ]*)", line)
        if m:
            lists[int(m.group(1))] = [int(x) for x in m.group(2).split()]
    return lists


def check_kernel_view(topo, out):
    """The guest kernel's /sys/devices/system/node equals the requested topology."""
    exp = topo.expected()
    f = out.files
    res = []
    for name, want in (("has_cpu", exp["has_cpu"]), ("has_memory", exp["has_memory"]),
                       ("online", list(range(exp["nr"]))), ("possible", list(range(exp["nr"])))):
        got = f.get(name)
        ok = got is not None and parse_nodelist(got) == want
        res.append(Result(ok, f"guest view: {name} nodes are {want}", diag=[f"guest: {got!r}"]))
    cpus_ok, dist_ok, mem_ok, diag_c, diag_d, diag_m = True, True, True, [], [], []
    for n in range(exp["nr"]):
        got = f.get(f"node{n}/cpulist")
        if got is None or parse_nodelist(got) != exp["cpus"][n]:
            cpus_ok = False
            diag_c.append(f"node {n}: cpulist {got!r}, expected {exp['cpus'][n]}")
        got = f.get(f"node{n}/distance")
        row = [int(x) for x in got.split()] if got else None
        if row != exp["distances"][n]:
            dist_ok = False
            diag_d.append(f"node {n}: distance {row}, expected {exp['distances'][n]}")
        m = re.search(r"MemTotal:\s+(\d+) kB", f.get(f"node{n}/meminfo", ""))
        kb = int(m.group(1)) if m else 0
        want = exp["mem_mib"][n] * 1024
        # the kernel keeps its image, memmap and reserves: node 0 loses most
        low = want * (0.5 if n == 0 else 0.8)
        if not low <= kb <= want:
            mem_ok = False
        diag_m.append(f"node {n}: MemTotal {kb} kB of {want} kB requested")
    res.append(Result(cpus_ok, "guest view: each node's CPUs are the requested ones", diag=diag_c))
    res.append(Result(dist_ok, "guest view: the distance matrix (SLIT) is the requested one", diag=diag_d))
    res.append(Result(mem_ok, "guest view: each node's MemTotal matches its memory backend", diag=diag_m))
    return res


def check_hmat(topo, out):
    exp = topo.expected_hmat()
    if not exp:
        return []
    res = []
    for n, want in sorted(exp.items()):
        got, diag, ok = {}, [], True
        for key, v in want.items():
            raw = out.files.get(f"node{n}/access0/{key}")
            got[key] = int(raw) if raw and raw.strip().isdigit() else None
            if got[key] != v:
                ok = False
                diag.append(f"{key}: guest {raw!r}, expected {v}")
        res.append(Result(ok, f"HMAT: node {n} access0 latency {want['read_latency']} ns, "
                              f"bandwidth {want['read_bandwidth']} MB/s (best initiator)", diag=diag))
    for n, want in sorted(topo.expected_initiators().items()):
        raw = out.files.get(f"node{n}/access0/initiators")
        got = sorted(int(x[4:]) for x in (raw or "").split() if x.startswith("node") and x[4:].isdigit())
        res.append(Result(got == want, f"HMAT: node {n}'s access0 initiators are nodes {want} (qemu initiator=)",
                          diag=[f"guest: {raw!r}"]))
    return res


def check_fallback_model(topo, out, series):
    """The kernel's boot-log fallback lists equal the host's model of build_zonelists."""
    exp = topo.expected()
    model = fallback_lists(exp["distances"], set(exp["has_memory"]), set(exp["has_cpu"]),
                           cpu_penalty=False, skip_memoryless=series != "6.1")
    kern = kernel_fallback(out.files)
    res = []
    for n in sorted(model):
        ok = kern.get(n) == model[n]
        res.append(Result(ok, f"fallback: kernel's 'Fallback order for Node {n}' is {model[n]} "
                              f"(host model of find_next_best_node, boot phase)",
                          diag=[f"kernel: {kern.get(n)}"]))
    return res


def _nodal_topo(out):
    """(parsed JSON, None) or (None, skip reason) for `nodal topo --json` in the guest."""
    status = out.files.get("nodal-topo-json.status")
    if status is None:
        return None, "nodal CLI not in the build"
    rc, _, err = status.partition("\n")
    if rc.strip() != "0":
        if "unknown command" in err:
            return None, "`nodal topo` not in this build yet"
        return None, f"`nodal topo --json` failed (exit {rc.strip()}): {err.strip()[:200]}"
    try:
        return json.loads(out.files.get("nodal-topo-json", "")), None
    except ValueError as e:
        return {"__error__": str(e)}, None


def check_nodal_topo(topo, out):
    data, skip = _nodal_topo(out)
    kern = kernel_fallback(out.files)
    exp = topo.expected()
    names = [f"nodal topo: node {n}'s fallback list equals the kernel's boot-log line" for n in sorted(kern)]
    others = ["nodal topo: nodes and their CPUs equal the guest kernel's",
              "nodal topo: distance matrix equals the guest kernel's",
              "nodal topo: per-node memory equals the guest kernel's MemTotal (within 2%)"]
    if skip:
        return [Result(True, d, skip=skip) for d in names + others]
    if "__error__" in data:
        return [Result(False, "nodal topo --json prints valid JSON", diag=[data["__error__"]])]
    nodes = {nd.get("id"): nd for nd in data.get("nodes", [])}
    res = []
    for n, desc in zip(sorted(kern), names):
        got = nodes.get(n, {}).get("fallback")
        res.append(Result(got == kern[n], desc, diag=[f"kernel {kern[n]}, nodal {got}"]))
    got_cpus = {i: sorted(nd.get("cpus", [])) for i, nd in nodes.items()}
    want_cpus = {n: exp["cpus"][n] for n in range(exp["nr"])}
    res.append(Result(got_cpus == want_cpus, others[0], diag=[f"nodal {got_cpus}", f"kernel {want_cpus}"]))
    order = [nd.get("id") for nd in data.get("nodes", [])]
    if "distances" in data:
        matrix = data["distances"]
    else:
        matrix = [nodes[i].get("distances") for i in order]
    want = [[exp["distances"][a][b] for b in order] for a in order] if all(
        isinstance(i, int) and i < exp["nr"] for i in order) else None
    res.append(Result(matrix == want and want is not None, others[1], diag=[f"nodal {matrix}", f"kernel {want}"]))
    mem_ok, diag = bool(nodes), []
    for i, nd in nodes.items():
        m = re.search(r"MemTotal:\s+(\d+) kB", out.files.get(f"node{i}/meminfo", ""))
        kb = int(m.group(1)) * 1024 if m else -1
        got = nd.get("memory_bytes")
        if not isinstance(got, int) or abs(got - kb) > kb * 0.02:
            mem_ok = False
        diag.append(f"node {i}: nodal {got}, kernel {kb}")
    res.append(Result(mem_ok, others[2], diag=diag))
    return res


def _topo_text_rows(text):
    """{node: (MB/s, ns, from)} from the node table of `nodal topo` (the columns before
    `private` and `cpus`, the last two)."""
    rows, in_table = {}, False
    for line in (text or "").splitlines():
        f = line.split()
        if f[:1] == ["node"] and "MB/s" in f:
            in_table = True
            continue
        if in_table and not f:
            break
        if in_table and len(f) >= 6 and f[0].isdigit():
            rows[int(f[0])] = (f[-5], f[-4], f[-3])
    return rows


def _nodelist_str(nodes):
    """[0, 1, 2, 5] -> "0-2,5", as nodal prints node sets."""
    out, i = [], 0
    while i < len(nodes):
        j = i
        while j + 1 < len(nodes) and nodes[j + 1] == nodes[j] + 1:
            j += 1
        out.append(f"{nodes[i]}-{nodes[j]}" if j > i else f"{nodes[i]}")
        i = j + 1
    return ",".join(out) or "-"


def check_nodal_topo_hmat(topo, out):
    """With HMAT, `nodal topo` (--json and the text table) gives each node the figures
    qemu was given for its best initiator (latency_ns, bandwidth_mbs, which the kernel
    reports as access0 and hwloc reads from sysfs) and that initiator's node."""
    exp = topo.expected_hmat()
    if not exp:
        return []
    inits = topo.expected_initiators()
    descs = ["nodal topo --json: each node's latency_ns and bandwidth_mbs are qemu's hmat-lb figures "
             "of its best initiator",
             "nodal topo --json: each node's initiators are its qemu initiator= node",
             "nodal topo: the node table's MB/s, ns and from columns are qemu's hmat-lb figures and initiator"]
    data, skip = _nodal_topo(out)
    if skip:
        return [Result(True, d, skip=skip) for d in descs]
    if "__error__" in data:
        return [Result(False, d, diag=[data["__error__"]]) for d in descs]
    nodes = {nd.get("id"): nd for nd in data.get("nodes", [])}
    rows = _topo_text_rows(out.files.get("nodal-topo-text"))
    ok_fig, ok_init, ok_text, d_fig, d_init, d_text = True, True, True, [], [], []
    for n, want in sorted(exp.items()):
        nd = nodes.get(n, {})
        got = (nd.get("latency_ns"), nd.get("bandwidth_mbs"))
        if got != (want["read_latency"], want["read_bandwidth"]):
            ok_fig = False
        d_fig.append(f"node {n}: nodal latency_ns={got[0]} bandwidth_mbs={got[1]}, "
                     f"qemu {want['read_latency']} ns {want['read_bandwidth']} MB/s")
        if nd.get("initiators") != inits[n]:
            ok_init = False
        d_init.append(f"node {n}: nodal initiators {nd.get('initiators')}, qemu initiator {inits[n]}")
        want_row = (str(want["read_bandwidth"]), str(want["read_latency"]), _nodelist_str(inits[n]))
        if rows.get(n) != want_row:
            ok_text = False
        d_text.append(f"node {n}: nodal {rows.get(n)}, qemu {want_row}")
    return [Result(ok_fig, descs[0], diag=d_fig), Result(ok_init, descs[1], diag=d_init),
            Result(ok_text, descs[2], diag=d_text)]


def rebind_cases(tsv_path):
    """Task INTERLEAVE cases of the recorded rebind vectors: {case: (flags, user_mask,
    [allowed steps], {kernel_version: [observed per step]})}."""
    import csv
    cases = {}
    with open(tsv_path) as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if r["api"] != "task" or r["mode"] != "interleave":
                continue
            c = cases.setdefault(r["case_id"], (r["flags"], r["user_mask"], r["allowed_sequence"].split(">"), {}))
            obs = c[3].setdefault(r["kernel_version"], {})
            obs[int(r["step_index"])] = r["effective_nodes_observed"]
    for c in cases.values():
        for k, obs in list(c[3].items()):
            c[3][k] = [obs[i] for i in sorted(obs)]
    return cases


def _norm(v):
    """A step's outcome: a sorted node list, or the error name."""
    v = v.strip()
    if v.startswith("ERR"):
        return "EINVAL" if "EINVAL" in v else v
    return parse_nodelist(v) if v != "-" else []


def _collapse(seq):
    """A policy refused at creation is one outcome, however many steps were planned."""
    if seq and all(v == "EINVAL" for v in seq):
        return ["EINVAL"]
    return seq


def check_rebind(out, series, tsv_path):
    cases = rebind_cases(tsv_path)
    kern, nodal, nodal_err = {}, {}, {}
    for line in out.files.get("rebind-kernel", "").splitlines():
        f = line.split("\t")
        if len(f) == 4:
            kern.setdefault(f[0], []).append(_norm(f[3]))
    nodal_block = out.files.get("rebind-nodal")
    for line in (nodal_block or "").splitlines():
        f = line.split("\t")
        if len(f) == 4 and f[1] == "ERR":
            nodal_err[f[0]] = f"exit {f[2]}: {f[3]}"
            nodal[f[0]] = "EINVAL" if f[2] == "2" else f"exit {f[2]}"
        elif len(f) == 4:
            nodal.setdefault(f[0], []).append(_norm(f[3]))
    skip = None
    if nodal_block is None and series == "6.1":
        skip = "nodal's side is checked in the 6.12 group (it does not depend on the kernel)"
    elif nodal_block is None:
        skip = "nodal CLI not in the build"
    elif "unknown command" in nodal_block:
        skip = "`nodal policy` not in this build yet"
    res = []
    for cid in sorted(cases):
        flags, mask, steps, recorded = cases[cid]
        rec = next((v for k, v in recorded.items() if k.startswith(series + ".")), None)
        rec = rec or next(iter(recorded.values()))
        rec = _collapse([_norm(v) for v in rec])
        got = _collapse(kern.get(cid))
        what = f"interleave {flags} {mask} over cpuset.mems {'>'.join(steps)}"
        res.append(Result(got == rec, f"rebind {cid}: kernel rebinds {what} as recorded",
                          diag=[f"kernel {got}", f"recorded {rec}"]))
        n = nodal.get(cid)
        n = [n] if isinstance(n, str) else _collapse(n)  # a refused policy: one outcome
        desc = f"rebind {cid}: nodal policy rebind {what} equals the kernel"
        if skip:
            res.append(Result(True, desc, skip=skip))
        else:
            res.append(Result(n == got and got is not None, desc,
                              diag=[f"nodal {n}", f"kernel {got}"] + ([nodal_err[cid]] if cid in nodal_err else [])))
    return res
