"""topology.py — a VM test group's NUMA topology: qemu arguments, the view the guest
kernel must show, and the kernel's boot-time fallback lists computed from it.

A topology file (tests/vm/topologies/<name>.json) holds, in qemu node ids:
  sockets, cores            the CPU package layout (threads are always 1)
  nodes[]                   id, mem_mib, cpus (list of {socket, core}), optional
                            initiator (the CPU node an HMAT memory-only node belongs to)
  distances                 full matrix, or socket_of_node + distance_local/_socket/_remote
  hmat (optional)           latency_ns / bandwidth_mbs: {initiator: [per target node]}
  rebind_vectors (optional) true: replay the recorded cpuset rebinding vectors (8 nodes)
Linux renumbers ACPI proximity domains in the order it meets them (CPU entries first, in
CPU order, then memory entries), so expected views are given in Linux node ids.
"""
import json
import os

MAX_NUMNODES = 1024  # Debian kernels: NODES_SHIFT=10


class Topology:
    def __init__(self, path):
        with open(path) as f:
            spec = json.load(f)
        self.name = os.path.basename(path)[: -len(".json")]
        self.description = spec.get("description", "")
        self.sockets = spec["sockets"]
        self.cores = spec["cores"]
        self.nodes = sorted(spec["nodes"], key=lambda n: n["id"])
        ids = [n["id"] for n in self.nodes]
        if ids != list(range(len(ids))):
            raise ValueError(f"{path}: qemu needs node ids 0..{len(ids) - 1}, got {ids}")
        nr = len(self.nodes)
        if "distances" in spec:
            self.distances = spec["distances"]
        else:
            sock = spec["socket_of_node"]
            self.distances = [
                [
                    spec["distance_local"] if a == b
                    else spec["distance_socket"] if sock[a] == sock[b]
                    else spec["distance_remote"]
                    for b in range(nr)
                ]
                for a in range(nr)
            ]
        if len(self.distances) != nr or any(len(r) != nr for r in self.distances):
            raise ValueError(f"{path}: distance matrix must be {nr}x{nr}")
        self.hmat = spec.get("hmat")
        self.rebind_vectors = bool(spec.get("rebind_vectors"))
        # CPU index = socket * cores + core: qemu's order for threads=1.
        self.cpu_node = {}
        for n in self.nodes:
            for c in n["cpus"]:
                self.cpu_node[c["socket"] * self.cores + c["core"]] = n["id"]
        self.nr_cpus = self.sockets * self.cores
        if sorted(self.cpu_node) != list(range(self.nr_cpus)):
            raise ValueError(f"{path}: every one of the {self.nr_cpus} CPUs must be placed on a node")
        self.mem_mib = sum(n["mem_mib"] for n in self.nodes)

    # ---- qemu -------------------------------------------------------------------------
    def qemu_args(self):
        machine = "q35,hmat=on" if self.hmat else "q35"
        args = ["-machine", machine, "-m", f"{self.mem_mib}M",
                "-smp", f"{self.nr_cpus},sockets={self.sockets},cores={self.cores},threads=1"]
        for n in self.nodes:
            args += ["-object", f"memory-backend-ram,id=m{n['id']},size={n['mem_mib']}M"]
            node = f"node,nodeid={n['id']},memdev=m{n['id']}"
            if self.hmat:
                node += f",initiator={n.get('initiator', n['id'])}"
            args += ["-numa", node]
        for cpu, node in sorted(self.cpu_node.items()):
            args += ["-numa", f"cpu,node-id={node},socket-id={cpu // self.cores},core-id={cpu % self.cores},thread-id=0"]
        nr = len(self.nodes)
        for a in range(nr):
            for b in range(nr):
                if a != b and (a < b or self.distances[a][b] != self.distances[b][a]):
                    args += ["-numa", f"dist,src={a},dst={b},val={self.distances[a][b]}"]
        if self.hmat:
            for kind, dtype, unit in (("latency_ns", "access-latency", "latency"),
                                      ("bandwidth_mbs", "access-bandwidth", "bandwidth")):
                for init, row in sorted(self.hmat[kind].items()):
                    for target, v in enumerate(row):
                        val = f"{v}" if unit == "latency" else f"{v}M"
                        args += ["-numa", f"hmat-lb,initiator={init},target={target},hierarchy=memory,"
                                          f"data-type={dtype},{unit}={val}"]
        return args

    # ---- what the guest must show, in Linux node ids ----------------------------------
    def linux_ids(self):
        """qemu node id -> Linux node id (CPU proximity domains first, in CPU order)."""
        order = []
        for cpu in range(self.nr_cpus):
            if self.cpu_node[cpu] not in order:
                order.append(self.cpu_node[cpu])
        for n in self.nodes:
            if n["id"] not in order and n["mem_mib"] > 0:
                order.append(n["id"])
        return {q: l for l, q in enumerate(order)}

    def expected(self):
        """The guest's view: nodes with CPUs and memory, cpulists, distances, sizes."""
        ids = self.linux_ids()
        back = {l: q for q, l in ids.items()}
        nr = len(ids)
        cpus = {l: [] for l in range(nr)}
        for cpu, q in sorted(self.cpu_node.items()):
            cpus[ids[q]].append(cpu)
        return {
            "nr": nr,
            "has_cpu": sorted(l for l in range(nr) if cpus[l]),
            "has_memory": sorted(ids[n["id"]] for n in self.nodes if n["mem_mib"] > 0),
            "cpus": cpus,
            "distances": [[self.distances[back[a]][back[b]] for b in range(nr)] for a in range(nr)],
            "mem_mib": {ids[n["id"]]: n["mem_mib"] for n in self.nodes},
        }

    def expected_hmat(self):
        """Per Linux memory node: the access0 (best initiator) figures the kernel reports,
        {node: {read_latency: ns, read_bandwidth: MB/s, ...}}, from the hmat-lb values
        given to qemu; {} without HMAT. The initiators giving those figures are in
        expected_initiators()."""
        if not self.hmat:
            return {}
        ids = self.linux_ids()
        out = {}
        for n in self.nodes:
            t = n["id"]
            lat = min(row[t] for row in self.hmat["latency_ns"].values())
            bw = max(row[t] for row in self.hmat["bandwidth_mbs"].values())
            out[ids[t]] = {"read_latency": lat, "write_latency": lat,
                           "read_bandwidth": bw, "write_bandwidth": bw}
        return out

    def expected_initiators(self):
        """Per Linux memory node: the Linux ids of the initiators with the best figures
        (lowest latency and highest bandwidth given to qemu), which must be the node's
        own `initiator=` (the topology file would contradict itself otherwise);
        {} without HMAT."""
        if not self.hmat:
            return {}
        ids = self.linux_ids()
        out = {}
        for n in self.nodes:
            t = n["id"]
            lat = self.hmat["latency_ns"]
            bw = self.hmat["bandwidth_mbs"]
            best = sorted(int(i) for i in lat if lat[i][t] == min(r[t] for r in lat.values())
                          and bw[i][t] == max(r[t] for r in bw.values()))
            own = n.get("initiator", n["id"])
            if best != [own]:
                raise ValueError(f"{self.name}: node {t}: best HMAT initiators {best}, initiator= says {own}")
            out[ids[t]] = [ids[own]]
        return out


def fallback_lists(distances, memory_nodes, cpu_nodes=(), cpu_penalty=False, skip_memoryless=True):
    """The kernel's build_all_zonelists()/find_next_best_node() (mm/page_alloc.c), for
    every node in ascending order, node_load zeroed once and shared by all builds. At
    boot on x86 the per-node CPU masks are still empty, so cpu_penalty is False there.
    A memoryless node (with CPUs) still gets a list; 6.1 puts the node itself first in
    it, 6.12 leaves it out (skip_memoryless). Returns {node: [fallback order]} for every
    node with memory or CPUs."""
    nr = len(distances)
    node_load = [0] * nr
    lists = {}
    for local in range(nr):
        if local not in memory_nodes and local not in cpu_nodes:
            continue
        used = {local} if (local not in memory_nodes and skip_memoryless) else set()
        order = []
        prev = local
        while True:
            if local not in used:
                best = local
            else:
                best, best_val = -1, None
                for n in sorted(memory_nodes):
                    if n in used:
                        continue
                    val = distances[local][n] + (1 if n < local else 0)
                    if cpu_penalty and n in cpu_nodes:
                        val += 1
                    val = val * MAX_NUMNODES + node_load[n]
                    if best_val is None or val < best_val:
                        best, best_val = n, val
                if best < 0:
                    break
            used.add(best)
            if distances[local][best] != distances[local][prev]:
                node_load[best] += 1
            order.append(best)
            prev = best
        lists[local] = order
    return lists
