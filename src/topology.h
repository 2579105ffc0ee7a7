/*
 * topology.h — the machine nodal places memory on: nodes, CPUs, capacity, distances,
 * memory tiers, and each node's fallback list.
 *
 * Owns: struct nodal_topology, its discovery through hwloc (this machine, an XML file
 * or an hwloc synthetic string) and its release. Fallback lists are built by
 * fallback.c into the same object.
 *
 * Concurrency: built once, single-threaded, at initialisation — never inside the
 * malloc path (hwloc allocates). Immutable afterwards; any thread may read it without
 * synchronisation. Changes (a private-node set, another fallback kind) build a new
 * object.
 *
 * Errors: functions return 0 or a positive errno and record a one-line reason with
 * nodal_set_error() (naming the file, node or value at fault).
 */
#ifndef NODAL_TOPOLOGY_H
#define NODAL_TOPOLOGY_H

#include <stdbool.h>
#include <stdint.h>

#include "nodemask.h"

#define NODAL_DISTANCE_LOCAL 10
#define NODAL_DISTANCE_REMOTE 20

struct nodal_node {
	int id;                 /* the kernel's node id (hwloc os_index) */
	bool present;           /* false for holes in a sparse id space */
	bool has_cpus;          /* the Linux view: some CPU's nearest node is this one */
	bool has_memory;        /* N_MEMORY */
	bool is_private;        /* NODAL_PRIVATE_NODES: opt-in only */
	uint64_t memory_bytes;  /* total; 0 for a memoryless node */
	uint64_t free_bytes;    /* at discovery time (0 when unknown, e.g. XML) */
	int tier;               /* memory tier rank (0 = fastest), -1 unknown */
	char subtype[16];       /* "DRAM", "HBM", "NVM", "CXL", "GPUMemory", "" */
	uint64_t bandwidth_mbs; /* HMAT/hwloc bandwidth from the local initiator, 0 unknown */
	uint64_t latency_ns;    /* HMAT/hwloc latency, 0 unknown */
	int ncpus;
	int *cpus;              /* sorted Linux CPU ids whose nearest node is this one */
};

enum nodal_fallback_kind {
	NODAL_FALLBACK_KERNEL = 0,     /* boot-time build_zonelists(): no CPU penalty */
	NODAL_FALLBACK_KERNEL_HOTPLUG, /* run-time rebuild: +1 for nodes with CPUs */
	NODAL_FALLBACK_DISTANCE,       /* distance alone, ties by lowest id */
};

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
};

/*
 * Load a topology. @spec: NULL or "" for this machine; "synthetic:<hwloc synthetic
 * description>"; otherwise a path to an hwloc XML file. A missing or invalid file is an
 * error that names the file and the reason (never a silent fallback to this machine).
 * Returns 0 or an errno; on success *out must be released with nodal_topology_free().
 */
int nodal_topology_load(const char *spec, struct nodal_topology **out);
void nodal_topology_free(struct nodal_topology *t);

static inline int nodal_node_distance(const struct nodal_topology *t, int from, int to)
{
	return t->distance[from * t->nr_node_ids + to];
}

#endif
