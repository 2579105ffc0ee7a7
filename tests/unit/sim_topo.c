/* sim_topo.c — hand-built topologies for sim-backend tests (see sim_topo.h). */
#include "sim_topo.h"

#include <stdlib.h>
#include <string.h>

struct nodal_topology *sim_topo_new(int nr, const int *ncpus, const uint64_t *mem, const int *present)
{
	struct nodal_topology *t = calloc(1, sizeof(*t));
	t->nr_node_ids = nr;
	t->nodes = calloc((size_t)nr, sizeof(*t->nodes));
	t->distance = calloc((size_t)nr * (size_t)nr, 1);
	int total = 0;
	for (int n = 0; n < nr; n++)
		if (!present || present[n])
			total += ncpus ? ncpus[n] : 1;
	t->nr_cpu_ids = total;
	t->cpu_to_node = calloc(total > 0 ? (size_t)total : 1u, sizeof(*t->cpu_to_node));
	int cpu = 0;
	for (int n = 0; n < nr; n++) {
		struct nodal_node *nd = &t->nodes[n];
		nd->id = n;
		nd->tier = -1;
		if (present && !present[n])
			continue;
		nd->present = true;
		node_set(n, &t->possible);
		node_set(n, &t->online);
		nd->memory_bytes = mem ? mem[n] : (UINT64_C(1) << 30);
		nd->free_bytes = nd->memory_bytes;
		nd->has_memory = nd->memory_bytes > 0;
		if (nd->has_memory)
			node_set(n, &t->memory);
		nd->ncpus = ncpus ? ncpus[n] : 1;
		nd->has_cpus = nd->ncpus > 0;
		if (nd->has_cpus)
			node_set(n, &t->cpu);
		nd->cpus = calloc(nd->ncpus > 0 ? (size_t)nd->ncpus : 1u, sizeof(int));
		for (int i = 0; i < nd->ncpus; i++) {
			nd->cpus[i] = cpu;
			t->cpu_to_node[cpu++] = (int16_t)n;
		}
	}
	for (int a = 0; a < nr; a++)
		for (int b = 0; b < nr; b++)
			t->distance[a * nr + b] = a == b ? NODAL_DISTANCE_LOCAL : NODAL_DISTANCE_REMOTE;
	strcpy(t->source, "sim_topo");
	return t;
}

struct nodal_topology *sim_topo_uniform(int n, int cpus_per_node, uint64_t mem)
{
	int ncpus[NODAL_MAX_NUMNODES];
	uint64_t m[NODAL_MAX_NUMNODES];
	for (int i = 0; i < n; i++) {
		ncpus[i] = cpus_per_node;
		m[i] = mem;
	}
	return sim_topo_new(n, ncpus, m, NULL);
}

void sim_topo_set_distance(struct nodal_topology *t, int a, int b, int d)
{
	t->distance[a * t->nr_node_ids + b] = (uint8_t)d;
	t->distance[b * t->nr_node_ids + a] = (uint8_t)d;
}

void sim_topo_free(struct nodal_topology *t)
{
	if (!t)
		return;
	for (int n = 0; n < t->nr_node_ids; n++)
		free(t->nodes[n].cpus);
	free(t->nodes);
	free(t->distance);
	free(t->cpu_to_node);
	free(t);
}
