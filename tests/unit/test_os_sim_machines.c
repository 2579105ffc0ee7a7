/*
 * test_os_sim_machines.c — the sim backend built from the real machines of
 * shared/topologies (loaded by topology.c through hwloc): sparse ids, CPU-less and
 * memoryless nodes, up to 64 nodes and hundreds of CPUs. For every machine: each node's
 * capacity, each CPU's node, first-touch placement from every CPU node (its own node,
 * or the nearest memory node when it has none), interleave over all memory nodes.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "os.h"
#include "msg.h"
#include "os_sim.h"
#include "topology.h"
#include "tsv.h"

static const struct nodal_os_ops *S = &nodal_os_sim;

/* The memory node nearest to @from (ties: lowest id), as the sim promises. */
static int nearest_memory(const struct nodal_topology *t, int from)
{
	int best = -1, bd = 1 << 30, n;
	for_each_node_mask(n, &t->memory) {
		int d = nodal_node_distance(t, from, n);
		if (d < bd) {
			bd = d;
			best = n;
		}
	}
	return best;
}

static void check_machine(const char *path)
{
	struct nodal_topology *t;
	cr_assert_eq(nodal_topology_load(path, &t), 0, "%s: %s", path, nodal_last_error());
	cr_assert_eq(nodal_sim_init(t), 0, "%s: %s", path, nodal_last_error());
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	for (int n = 0; n < t->nr_node_ids; n++) {
		uint64_t fr, tot;
		int err = S->node_memory(n, &fr, &tot);
		if (!t->nodes[n].present) {
			cr_assert_eq(err, EINVAL, "%s: node %d is a hole", path, n);
			continue;
		}
		cr_assert_eq(err, 0);
		cr_assert_eq(tot, t->nodes[n].has_memory ? t->nodes[n].memory_bytes : 0, "%s: node %d", path, n);
	}
	nodemask_t allowed;
	int mode;
	cr_assert_eq(S->get_mempolicy(&mode, &allowed, NULL, NODAL_OS_MPOL_F_MEMS_ALLOWED), 0);
	cr_assert(nodes_equal(&allowed, &t->memory), "%s: allowed = memory nodes", path);
	int err;
	char *p = S->map((size_t)t->nr_cpu_ids * pg, pg, &err);
	cr_assert_not_null(p);
	int placed = 0;
	for (int c = 0; c < t->nr_cpu_ids; c++) {
		int want_node = nodal_cpu_to_node(t, c);
		if (want_node < 0) {
			cr_assert_eq(nodal_sim_set_cpu(c), EINVAL, "%s: CPU %d is absent", path, c);
			continue;
		}
		cr_assert_eq(nodal_sim_set_cpu(c), 0, "%s: CPU %d", path, c);
		int cpu, node;
		S->getcpu(&cpu, &node);
		cr_assert_eq(cpu, c);
		cr_assert_eq(node, want_node, "%s: CPU %d on node %d, sim says %d", path, c, want_node, node);
		int st;
		void *pgp = p + (size_t)c * pg;
		cr_assert_eq(S->query_pages(1, &pgp, &st), 0);
		int want = t->nodes[want_node].has_memory ? want_node : nearest_memory(t, want_node);
		cr_assert_eq(st, want, "%s: first touch from CPU %d (node %d) on %d, want %d", path, c, want_node, st, want);
		placed++;
	}
	cr_assert_gt(placed, 0, "%s has CPUs", path);
	S->unmap(p, (size_t)t->nr_cpu_ids * pg);
	/* interleave over every memory node reaches each of them equally */
	int w = nodes_weight(&t->memory);
	size_t npages = (size_t)w * 4;
	char *q = S->map(npages * pg, pg, &err);
	cr_assert_eq(S->mbind(q, npages * pg, NODAL_OS_MPOL_INTERLEAVE, &t->memory, 0), 0);
	cr_assert_eq(nodal_sim_touch(q, npages * pg), 0);
	int n;
	for_each_node_mask(n, &t->memory)
		cr_assert_eq(nodal_sim_node_used(n), 4 * pg, "%s: node %d got %lu bytes", path, n,
		             (unsigned long)nodal_sim_node_used(n));
	S->unmap(q, npages * pg);
	nodal_topology_free(t);
}

Test(os_sim_machines, every_shared_topology_runs_on_the_sim)
{
	const char *dir = shared_path("topologies/xml");
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "%s", dir);
	int count = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".xml"))
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		check_machine(path);
		count++;
	}
	closedir(d);
	cr_assert_geq(count, 20, "found %d machines", count);
}

Test(os_sim_machines, synthetic_machine)
{
	struct nodal_topology *t;
	cr_assert_eq(nodal_topology_load("synthetic:pack:2 numa:4 core:2 pu:1", &t), 0, "%s", nodal_last_error());
	cr_assert_eq(nodal_sim_init(t), 0);
	cr_assert_eq(t->nr_cpu_ids, 16);
	nodal_sim_set_cpu(15);
	int node;
	S->getcpu(NULL, &node);
	cr_assert_eq(node, 7);
	nodal_topology_free(t);
}
