/*
 * topology.h — the machine nodal places memory on: nodes, CPUs, capacity, distances,
 * memory tiers, and each node's fallback list.
 *
 * Owns: struct nodal_topology, its discovery through hwloc (this machine, an XML file
 * or an hwloc synthetic string), its construction from a plain C description (tests,
 * tools) and its release. Fallback lists are built by fallback.c (fallback.h) into the
 * same object: nodal_topology_load() and nodal_topology_from_desc() return an object
 * whose lists are the default ones (NODAL_FALLBACK_KERNEL, no private nodes).
 *
 * Reading the machine the Linux way (docs/topology.md): a node id is the NUMANode's
 * os_index; a node has memory when local_memory > 0; distances come from the
 * "NUMALatency" matrix (else any NUMANode latency matrix, else 10 local / 20 remote;
 * values above 255 are clamped, as the kernel's are u8); bandwidth and latency are hwloc's
 * memory attributes (HMAT) from the node's local CPUs (its hwloc cpuset), else from hwloc's best initiator,
 * whose CPUs' nodes are kept as the node's initiators; a CPU's node is the NUMANode
 * among the memory children of the PU's closest ancestor that has any (several: a
 * "DRAM" or untyped one first, then the lowest id). hwloc v3 XML files, which Debian's
 * hwloc 2.9 refuses by version, are read through a documented in-memory conversion.
 * Disallowed (cpuset-restricted) nodes and CPUs are included: the kernel's lists
 * ignore cpusets, the allowed nodes are applied at allocation time.
 *
 * Memory: every array comes from nodal_icalloc() (mmap), never malloc; hwloc itself
 * allocates while loading, which is why loading happens only at initialisation.
 *
 * Concurrency: built once, single-threaded, at initialisation — never inside the
 * malloc path (hwloc allocates). Immutable once published; any thread may read it
 * without synchronisation. nodal_fallback_build() replaces the lists in place, so it is
 * called only on an object not yet published (set the private nodes and the kind, then
 * publish); a change later builds a new object.
 *
 * Errors: functions return 0 or a positive errno and record a one-line reason with
 * nodal_set_error() (naming the file, node or value at fault).
 */
#ifndef NODAL_TOPOLOGY_H
#define NODAL_TOPOLOGY_H

#include <stdbool.h>
#include <stdint.h>

#include "nodemask.h"
#include "options.h"

#define NODAL_DISTANCE_LOCAL 10
#define NODAL_DISTANCE_REMOTE 20

struct nodal_node {
	int id;                 /* the kernel's node id (hwloc os_index) */
	bool present;           /* online; false for holes and possible-but-offline nodes */
	bool has_cpus;          /* the Linux view: some CPU's nearest node is this one */
	bool has_memory;        /* N_MEMORY */
	bool is_private;        /* NODAL_PRIVATE_NODES: opt-in only */
	uint64_t memory_bytes;  /* total; 0 for a memoryless node */
	uint64_t free_bytes;    /* at discovery time (0 when unknown, e.g. XML) */
	int tier;               /* memory tier rank (0 = fastest), -1 unknown */
	char subtype[16];       /* "DRAM", "HBM", "NVM", "CXL", "GPUMemory", "" */
	uint64_t bandwidth_mbs; /* HMAT/hwloc bandwidth from the local initiator, 0 unknown */
	uint64_t latency_ns;    /* HMAT/hwloc latency, 0 unknown */
	nodemask_t initiators;  /* the nodes whose CPUs those figures are from (the bandwidth's
	                         * initiator, else the latency's); empty when neither is known */
	int ncpus;
	int *cpus;              /* sorted Linux CPU ids whose nearest node is this one */
};

/* enum nodal_fallback_kind (kernel, kernel-hotplug, distance) is declared by the option
 * table in options.h, which parses NODAL_FALLBACK; fallback.h documents each kind. */

struct nodal_topology {
	int nr_node_ids;        /* highest possible node id + 1 (kernel nr_node_ids) */
	nodemask_t possible;    /* N_POSSIBLE */
	nodemask_t online;      /* N_ONLINE */
	nodemask_t memory;      /* N_MEMORY */
	nodemask_t cpu;         /* N_CPU */
	nodemask_t private_nodes;
	struct nodal_node *nodes; /* indexed by node id, nr_node_ids entries */
	uint8_t *distance;      /* nr_node_ids * nr_node_ids, [from * nr_node_ids + to] */
	int nr_cpu_ids;         /* highest CPU id + 1 */
	int16_t *cpu_to_node;   /* nr_cpu_ids entries, -1 for absent CPUs */
	/* fallback lists (fallback.c): for node n, fallback_len[n] entries at fallback[n] */
	enum nodal_fallback_kind fallback_kind;
	uint16_t **fallback;
	int *fallback_len;
	char source[256];       /* "this machine", the XML path, or the synthetic string */
	/* backing stores (one allocation each): every node's cpus, every fallback list */
	int *cpus_storage;
	uint16_t *fallback_storage;
};

/*
 * Load a topology. @spec: NULL or "" for this machine; "synthetic:<hwloc synthetic
 * description>"; otherwise a path to an hwloc XML file. A missing or invalid file is an
 * error that names the file and the reason (never a silent fallback to this machine).
 * Returns 0 or an errno; on success *out must be released with nodal_topology_free().
 */
int nodal_topology_load(const char *spec, struct nodal_topology **out);
void nodal_topology_free(struct nodal_topology *t);

/*
 * A machine described in C, for unit tests and tools (no hwloc, no XML). Every pointer
 * may be NULL for its default. Arrays are indexed like @ids (position i = node ids[i]).
 */
struct nodal_topology_desc {
	int nr_nodes;                 /* online nodes described (1 .. NODAL_MAX_NUMNODES) */
	const int *ids;               /* ascending node ids; NULL = 0 .. nr_nodes-1 */
	const uint8_t *distance;      /* nr_nodes * nr_nodes, row-major; NULL = 10 / 20 */
	const uint64_t *memory_bytes; /* NULL = 1 GiB each; 0 = memoryless */
	const int *ncpus;             /* CPUs per node, numbered in node order; NULL = 1 each */
	const int *tier;              /* NULL = -1 (unknown) */
	const char *const *subtype;   /* NULL = "" */
	/* Possible but offline nodes (kernel N_POSSIBLE \ N_ONLINE), with their distance
	 * rows: they take part in the kernel's list building (node_load) but have no memory,
	 * no CPU and no list. @offline_distance is (nr_nodes + nr_offline)^2 over the ids of
	 * @ids then @offline_ids, ascending within each; it replaces @distance when given. */
	int nr_offline;
	const int *offline_ids;
	const uint8_t *offline_distance;
	const char *name; /* recorded in ->source; NULL = "description" */
};

/* Build a topology from @d (default fallback lists). 0, EINVAL (message names the field
 * at fault: ids not ascending or >= NODAL_MAX_NUMNODES, distance 0, ...) or ENOMEM. */
int nodal_topology_from_desc(const struct nodal_topology_desc *d, struct nodal_topology **out);

/* The node a CPU belongs to, or -1 for an unknown CPU. */
static inline int nodal_cpu_to_node(const struct nodal_topology *t, int cpu)
{
	return cpu >= 0 && cpu < t->nr_cpu_ids ? t->cpu_to_node[cpu] : -1;
}

static inline int nodal_node_distance(const struct nodal_topology *t, int from, int to)
{
	return t->distance[from * t->nr_node_ids + to];
}

#endif
