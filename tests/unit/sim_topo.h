/*
 * sim_topo.h — hand-built topologies for unit tests of the sim OS backend (and of code
 * that runs on it), independent of hwloc and topology.c: the struct is filled directly.
 * Allocated with calloc (test code, never in nodal's malloc path); free with
 * sim_topo_free().
 */
#ifndef NODAL_TEST_SIM_TOPO_H
#define NODAL_TEST_SIM_TOPO_H

#include <stdint.h>

#include "topology.h"

/*
 * A machine of @nr_node_ids node ids. Per node (arrays of nr_node_ids, NULL = default):
 * @ncpus CPUs (default 1; CPU ids are dealt out in node order), @mem bytes (default
 * 1 GiB; 0 = memoryless), @present (default all). Distances 10 local, 20 remote.
 */
struct nodal_topology *sim_topo_new(int nr_node_ids, const int *ncpus, const uint64_t *mem, const int *present);
/* Uniform machine: @n nodes, @cpus_per_node CPUs and @mem bytes each. */
struct nodal_topology *sim_topo_uniform(int n, int cpus_per_node, uint64_t mem);
/* Set distance a→b and b→a. */
void sim_topo_set_distance(struct nodal_topology *t, int a, int b, int d);
void sim_topo_free(struct nodal_topology *t);

#endif
