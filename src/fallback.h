/*
 * fallback.h — each node's fallback list (the kernel's zonelist order), the three
 * fallback kinds and private nodes.
 *
 * Owns: the model of the kernel's build_all_zonelists() / build_zonelists() /
 * find_next_best_node() (mm/page_alloc.c), the lists of a struct nodal_topology
 * (t->fallback, t->fallback_len, t->fallback_kind, t->private_nodes) and the names of
 * the kinds (one table for the parser and the printer).
 *
 * The kernel's rule, for node N, each step taking the unused memory node n with the
 * smallest (distance(N,n) + (n < N) + penalty(n)) * MAX_NUMNODES + node_load[n], ties to
 * the lowest id; penalty(n) = 1 when n has CPUs, only in run-time rebuilds; node_load is
 * zeroed once per full build and shared by the builds of all possible nodes in
 * ascending order (offline ones included); the first node of each new distance group
 * gets node_load += 1. Since 6.12 a memoryless node never appears in a list, not even
 * first in its own (6.1 put it first: @memoryless_local_first).
 *
 * Within one node's build only the picked node's load changes, and it is then used, so
 * the keys of the remaining candidates are fixed for the whole build: the list is those
 * candidates sorted by (key, id). nodal sorts (O(M log M) per node) instead of the
 * kernel's O(M^2) scan; tests check the two against each other.
 *
 * Lists exist for every node with memory and for every node with CPUs but no memory
 * (its CPUs' LOCAL allocations start from it); other nodes have fallback_len 0.
 * Private nodes (opt-in memory) are removed from every list but their own, and a
 * private node's own list is itself followed by the normal nodes in its kernel order.
 *
 * Concurrency: building is single-threaded initialisation code (it allocates with
 * nodal_icalloc); lists are immutable once the topology is published.
 * Errors: 0 or a positive errno, with a one-line reason in nodal_set_error().
 */
#ifndef NODAL_FALLBACK_H
#define NODAL_FALLBACK_H

#include <stdbool.h>
#include <stdint.h>

#include "nodemask.h"
#include "topology.h"

/* Input of the kernel model: a machine as the kernel sees it while building. */
struct nodal_zonelist_input {
	int nr_node_ids;          /* rows/columns of @distance */
	const uint8_t *distance;  /* [from * nr_node_ids + to] */
	nodemask_t possible;      /* builds run over these, ascending (for_each_node) */
	nodemask_t memory;        /* candidates (N_MEMORY) */
	nodemask_t penalty;       /* nodes whose CPU mask is non-empty during the build */
	bool memoryless_local_first; /* kernels before 6.12: a memoryless node lists itself */
};

/*
 * kernel: __build_all_zonelists() → build_zonelists() for each possible node, or, with
 * @only >= 0, the hot-add of one new node (node_load zeroed, only @only built).
 * Writes node n's list at order[n * nr_node_ids], its length in len[n] (0 for nodes not
 * built). @order holds nr_node_ids^2 entries, @len nr_node_ids. Never fails.
 */
void nodal_build_zonelists(const struct nodal_zonelist_input *in, int only, uint16_t *order, int *len);

/* The list of @node in @t (NULL with *len = 0 when it has none). */
static inline const uint16_t *nodal_fallback_list(const struct nodal_topology *t, int node, int *len)
{
	if (node < 0 || node >= t->nr_node_ids || !t->fallback_len[node]) {
		*len = 0;
		return 0;
	}
	*len = t->fallback_len[node];
	return t->fallback[node];
}

/*
 * (Re)build every list of @t with @kind and the private nodes @private_nodes (NULL =
 * none). EINVAL when a private node does not exist or has no memory (the message names
 * it); ENOMEM. On failure @t keeps its previous lists.
 */
int nodal_fallback_build(struct nodal_topology *t, enum nodal_fallback_kind kind, const nodemask_t *private_nodes);

/*
 * The kinds (NODAL_FALLBACK, parsed by the option table in options.c):
 * - NODAL_FALLBACK_KERNEL: the boot-time build_zonelists(), no CPU penalty (on x86 the
 *   boot build sees no CPUs);
 * - NODAL_FALLBACK_KERNEL_HOTPLUG: the run-time rebuild, +1 for nodes with CPUs, so
 *   CPU-less nodes come first at equal distance;
 * - NODAL_FALLBACK_DISTANCE: distance alone, ties by lowest id.
 * Their printed names, "kernel", "kernel-hotplug", "distance" (the option's words).
 */
const char *nodal_fallback_kind_name(enum nodal_fallback_kind kind);

#endif
