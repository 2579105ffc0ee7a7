/*
 * test_os_sim.c — the simulated machine: bind log, placement per policy mode, capacity
 * and full nodes, per-thread CPU and affinity, allowed nodes, the kernel's mbind
 * validation, feature and fault injection, VMA splitting, concurrency.
 * Topologies are built by hand (sim_topo.c); each criterion test runs in its own process.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "os.h"
#include "os_sim.h"
#include "sim_topo.h"

static const struct nodal_os_ops *S = &nodal_os_sim;
static size_t PG;

static nodemask_t mask_of(int n, ...)
{
	nodemask_t m = NODE_MASK_NONE;
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		node_set(va_arg(ap, int), &m);
	va_end(ap);
	return m;
}

/* A uniform machine of @n nodes, 2 CPUs each (CPU 2k, 2k+1 on node k), 64 MiB each. */
static void machine(int n)
{
	PG = (size_t)sysconf(_SC_PAGESIZE);
	struct nodal_topology *t = sim_topo_uniform(n, 2, 64 << 20);
	cr_assert_eq(nodal_sim_init(t), 0);
	sim_topo_free(t); /* the sim copies what it needs */
	nodal_os_select(S);
}

static char *map_pages(size_t n)
{
	int err = 0;
	char *p = S->map(n * PG, PG, &err);
	cr_assert_not_null(p, "map: %d", err);
	return p;
}

static int node_of(void *addr)
{
	int st = 0;
	void *pg[1] = { addr };
	cr_assert_eq(S->query_pages(1, pg, &st), 0);
	return st;
}

Test(os_sim, default_machine_without_init)
{
	int cpu = -1, node = -1;
	cr_assert_eq(S->getcpu(&cpu, &node), 0);
	cr_assert_eq(cpu, 0);
	cr_assert_eq(node, 0);
	uint64_t fr, tot;
	cr_assert_eq(S->node_memory(0, &fr, &tot), 0);
	cr_assert_eq(tot, UINT64_C(4) << 30);
	cr_assert_eq(S->node_memory(1, &fr, &tot), EINVAL);
	cr_assert_eq(strcmp(S->name, "sim"), 0);
}

Test(os_sim, init_rejects_machines_without_memory)
{
	uint64_t mem[2] = { 0, 0 };
	struct nodal_topology *t = sim_topo_new(2, NULL, mem, NULL);
	cr_assert_eq(nodal_sim_init(t), EINVAL);
	sim_topo_free(t);
	cr_assert_eq(nodal_sim_init(NULL), EINVAL);
}

Test(os_sim, environment_selects_sim)
{
	nodal_os_select(NULL);
	setenv("NODAL_OS", "sim", 1);
	cr_assert_eq(nodal_os(), &nodal_os_sim);
}

Test(os_sim, map_is_aligned_and_has_default_policy)
{
	machine(2);
	int err = 0;
	char *p = S->map(3 * PG, 2 << 20, &err);
	cr_assert_not_null(p);
	cr_assert_eq((uintptr_t)p % (2 << 20), 0);
	int mode = -1;
	nodemask_t m;
	cr_assert_eq(S->get_mempolicy(&mode, &m, p, NODAL_OS_MPOL_F_ADDR), 0);
	cr_assert_eq(mode, NODAL_OS_MPOL_DEFAULT);
	cr_assert(nodes_empty(&m));
	cr_assert_eq(S->stats->maps, 1);
	cr_assert_eq(S->unmap(p, 3 * PG), 0);
	cr_assert_eq(S->get_mempolicy(&mode, &m, p, NODAL_OS_MPOL_F_ADDR), EFAULT);
}

Test(os_sim, bind_log_records_every_call)
{
	machine(4);
	char *p = map_pages(4);
	nodemask_t m = mask_of(2, 1, 3);
	cr_assert_eq(S->mbind(p + PG, 2 * PG, NODAL_OS_MPOL_BIND, &m, NODAL_OS_MPOL_MF_STRICT), 0);
	cr_assert_eq(S->set_home_node(p + PG, 2 * PG, 3), 0);
	cr_assert_eq(S->mbind(p + 1, PG, NODAL_OS_MPOL_BIND, &m, 0), EINVAL);
	cr_assert_eq(nodal_sim_bind_count(), 3);
	struct nodal_sim_bind b;
	cr_assert_eq(nodal_sim_bind_get(0, &b), 0);
	cr_assert_eq(b.op, NODAL_SIM_OP_MBIND);
	cr_assert_eq(b.start, (uintptr_t)(p + PG));
	cr_assert_eq(b.len, 2 * PG);
	cr_assert_eq(b.mode, NODAL_OS_MPOL_BIND);
	cr_assert_eq(b.flags, NODAL_OS_MPOL_MF_STRICT);
	cr_assert(nodes_equal(&b.nodes, &m));
	cr_assert_eq(b.result, 0);
	cr_assert_eq(nodal_sim_bind_get(1, &b), 0);
	cr_assert_eq(b.op, NODAL_SIM_OP_HOME_NODE);
	cr_assert_eq(b.home_node, 3);
	cr_assert_eq(nodal_sim_bind_get(2, &b), 0);
	cr_assert_eq(b.result, EINVAL);
	cr_assert_eq(nodal_sim_bind_get(3, &b), ENOENT);
	nodal_sim_bind_log_clear();
	cr_assert_eq(nodal_sim_bind_count(), 0);
}

Test(os_sim, bind_log_keeps_the_most_recent)
{
	machine(2);
	char *p = map_pages(1);
	nodemask_t m = mask_of(1, 1);
	for (int i = 0; i < NODAL_SIM_LOG + 10; i++)
		cr_assert_eq(S->mbind(p, PG, i % 2 ? NODAL_OS_MPOL_BIND : NODAL_OS_MPOL_INTERLEAVE, &m, 0), 0);
	cr_assert_eq(nodal_sim_bind_count(), NODAL_SIM_LOG + 10);
	struct nodal_sim_bind b;
	cr_assert_eq(nodal_sim_bind_get(9, &b), ENOENT);
	cr_assert_eq(nodal_sim_bind_get(10, &b), 0);
	cr_assert_eq(b.mode, NODAL_OS_MPOL_INTERLEAVE);
	cr_assert_eq(nodal_sim_bind_get(NODAL_SIM_LOG + 9, &b), 0);
	cr_assert_eq(b.mode, NODAL_OS_MPOL_BIND);
}

Test(os_sim, default_policy_places_on_the_threads_node)
{
	machine(4);
	char *p = map_pages(2);
	cr_assert_eq(nodal_sim_set_cpu(5), 0); /* node 2 */
	int cpu, node;
	S->getcpu(&cpu, &node);
	cr_assert_eq(cpu, 5);
	cr_assert_eq(node, 2);
	cr_assert_eq(nodal_sim_touch(p, PG), 0);
	cr_assert_eq(node_of(p), 2);
	cr_assert_eq(nodal_sim_set_cpu(0), 0);
	cr_assert_eq(node_of(p + PG), 0);
	cr_assert_eq(node_of(p), 2, "a placed page keeps its node");
	cr_assert_eq(nodal_sim_node_used(2), PG);
	int m = -1;
	cr_assert_eq(S->get_mempolicy(&m, NULL, p, NODAL_OS_MPOL_F_ADDR | NODAL_OS_MPOL_F_NODE), 0);
	cr_assert_eq(m, 2);
}

Test(os_sim, bind_places_on_nearest_mask_node)
{
	PG = (size_t)sysconf(_SC_PAGESIZE);
	struct nodal_topology *t = sim_topo_uniform(4, 1, 64 << 20);
	sim_topo_set_distance(t, 0, 3, 12);
	sim_topo_set_distance(t, 0, 2, 30);
	cr_assert_eq(nodal_sim_init(t), 0);
	sim_topo_free(t);
	char *p = map_pages(4);
	nodemask_t m = mask_of(2, 2, 3);
	cr_assert_eq(S->mbind(p, 4 * PG, NODAL_OS_MPOL_BIND, &m, 0), 0);
	cr_assert_eq(nodal_sim_set_cpu(0), 0);
	cr_assert_eq(node_of(p), 3, "node 3 is nearer to node 0 than node 2");
	cr_assert_eq(nodal_sim_set_cpu(2), 0);
	cr_assert_eq(node_of(p + PG), 2, "local node in the mask");
	cr_assert_eq(nodal_sim_set_cpu(1), 0);
	cr_assert_eq(node_of(p + 2 * PG), 2, "equal distance: lowest id");
}

Test(os_sim, bind_home_node_starts_there)
{
	machine(4);
	char *p = map_pages(2);
	nodemask_t m = mask_of(3, 0, 1, 3);
	cr_assert_eq(S->mbind(p, 2 * PG, NODAL_OS_MPOL_BIND, &m, 0), 0);
	cr_assert_eq(S->set_home_node(p, 2 * PG, 3), 0);
	cr_assert_eq(nodal_sim_set_cpu(0), 0);
	cr_assert_eq(node_of(p), 3);
}

Test(os_sim, bind_full_mask_is_enomem_others_fall_back)
{
	machine(3);
	char *p = map_pages(3);
	nodemask_t m = mask_of(2, 1, 2);
	cr_assert_eq(S->mbind(p, 3 * PG, NODAL_OS_MPOL_BIND, &m, 0), 0);
	cr_assert_eq(nodal_sim_set_node_full(1, true), 0);
	cr_assert_eq(nodal_sim_set_cpu(2), 0); /* node 1 */
	cr_assert_eq(node_of(p), 2, "node 1 full: next mask node");
	cr_assert_eq(nodal_sim_set_node_full(2, true), 0);
	cr_assert_eq(node_of(p + PG), -ENOMEM, "BIND never leaves its mask");
	cr_assert_eq(nodal_sim_touch(p + PG, PG), ENOMEM);
	char *q = map_pages(1); /* DEFAULT policy: any node with room */
	cr_assert_eq(node_of(q), 0);
}

Test(os_sim, preferred_and_its_fallback)
{
	machine(3);
	char *p = map_pages(2);
	nodemask_t m = mask_of(2, 2, 1); /* PREFERRED keeps only the first node: 1 */
	cr_assert_eq(S->mbind(p, 2 * PG, NODAL_OS_MPOL_PREFERRED, &m, 0), 0);
	int mode;
	nodemask_t got;
	cr_assert_eq(S->get_mempolicy(&mode, &got, p, NODAL_OS_MPOL_F_ADDR), 0);
	cr_assert_eq(mode, NODAL_OS_MPOL_PREFERRED);
	nodemask_t one = mask_of(1, 1);
	cr_assert(nodes_equal(&got, &one));
	cr_assert_eq(node_of(p), 1);
	nodal_sim_set_node_full(1, true);
	cr_assert_geq(node_of(p + PG), 0, "PREFERRED falls back");
	cr_assert_neq(node_of(p + PG), 1);
}

Test(os_sim, preferred_many_two_passes)
{
	machine(4);
	char *p = map_pages(3);
	nodemask_t m = mask_of(2, 2, 3);
	cr_assert_eq(S->mbind(p, 3 * PG, NODAL_OS_MPOL_PREFERRED_MANY, &m, 0), 0);
	nodal_sim_set_cpu(0);
	cr_assert_eq(node_of(p), 2);
	nodal_sim_set_node_full(2, true);
	cr_assert_eq(node_of(p + PG), 3);
	nodal_sim_set_node_full(3, true);
	cr_assert_eq(node_of(p + 2 * PG), 0, "pass 2: the local node");
}

Test(os_sim, interleave_by_page_number)
{
	machine(4);
	size_t n = 64;
	char *p = map_pages(n);
	nodemask_t m = mask_of(3, 0, 2, 3);
	cr_assert_eq(S->mbind(p, n * PG, NODAL_OS_MPOL_INTERLEAVE, &m, 0), 0);
	cr_assert_eq(nodal_sim_touch(p, n * PG), 0);
	int count[4] = { 0 };
	for (size_t i = 0; i < n; i++) {
		uintptr_t a = (uintptr_t)(p + i * PG);
		int want = node_at_ord(&m, (int)((a / PG) % 3));
		int got = node_of((void *)a);
		cr_assert_eq(got, want, "page %zu", i);
		count[got]++;
	}
	cr_assert_eq(count[1], 0);
	cr_assert_geq(count[0], 21);
	cr_assert_geq(count[2], 21);
	cr_assert_geq(count[3], 21);
}

Test(os_sim, weighted_interleave_proportions)
{
	machine(2);
	size_t n = 400;
	char *p = map_pages(n);
	cr_assert_eq(nodal_sim_set_weight(0, 3), 0);
	cr_assert_eq(nodal_sim_set_weight(1, 1), 0);
	cr_assert_eq(nodal_sim_set_weight(1, 0), EINVAL);
	nodemask_t m = mask_of(2, 0, 1);
	cr_assert_eq(S->mbind(p, n * PG, NODAL_OS_MPOL_WEIGHTED_INTERLEAVE, &m, 0), 0);
	nodal_sim_touch(p, n * PG);
	cr_assert_eq(nodal_sim_node_used(0), 300 * PG);
	cr_assert_eq(nodal_sim_node_used(1), 100 * PG);
}

Test(os_sim, per_thread_cpu_and_affinity)
{
	machine(4);
	uint64_t aff[NODAL_SIM_MAX_CPUS / 64];
	cr_assert_eq(S->getaffinity(aff, NODAL_SIM_MAX_CPUS), 0);
	cr_assert_eq(aff[0], 0xffu, "all 8 CPUs");
	cr_assert_eq(S->getaffinity(aff, 4), EINVAL, "shorter than nr_cpu_ids");
	cr_assert_eq(nodal_sim_set_cpu(8), EINVAL);
	cr_assert_eq(nodal_sim_set_cpu(-1), EINVAL);
	cr_assert_eq(nodal_sim_set_cpu(1), 0);
	uint64_t want[1] = { 0x30 }; /* CPUs 4-5, node 2 */
	cr_assert_eq(nodal_sim_set_affinity(want, 64), 0);
	int cpu, node;
	S->getcpu(&cpu, &node);
	cr_assert_eq(cpu, 4, "moved into the new affinity");
	cr_assert_eq(node, 2);
	cr_assert_eq(nodal_sim_set_cpu(1), EINVAL, "outside the affinity");
	cr_assert_eq(nodal_sim_set_cpu(5), 0);
	S->getaffinity(aff, 64);
	cr_assert_eq(aff[0], 0x30u);
	uint64_t none[1] = { 1ull << 40 };
	cr_assert_eq(nodal_sim_set_affinity(none, 64), EINVAL);
}

struct cpu_arg {
	int cpu, seen_cpu, seen_node;
	pthread_barrier_t *bar;
};

static void *cpu_thread(void *a)
{
	struct cpu_arg *c = a;
	cr_assert_eq(nodal_sim_set_cpu(c->cpu), 0);
	pthread_barrier_wait(c->bar); /* all threads have set their CPU */
	S->getcpu(&c->seen_cpu, &c->seen_node);
	return NULL;
}

Test(os_sim, threads_have_their_own_cpu)
{
	machine(4);
	pthread_barrier_t bar;
	pthread_barrier_init(&bar, NULL, 4);
	struct cpu_arg args[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		args[i] = (struct cpu_arg){ .cpu = 7 - 2 * i, .bar = &bar };
		pthread_create(&th[i], NULL, cpu_thread, &args[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		cr_assert_eq(args[i].seen_cpu, 7 - 2 * i);
		cr_assert_eq(args[i].seen_node, (7 - 2 * i) / 2);
	}
	int cpu;
	S->getcpu(&cpu, NULL);
	cr_assert_eq(cpu, 0, "the main thread is untouched");
}

Test(os_sim, mems_allowed_on_demand)
{
	machine(4);
	nodemask_t m;
	int mode;
	cr_assert_eq(S->get_mempolicy(&mode, &m, NULL, NODAL_OS_MPOL_F_MEMS_ALLOWED), 0);
	nodemask_t all = mask_of(4, 0, 1, 2, 3);
	cr_assert(nodes_equal(&m, &all));
	nodemask_t a = mask_of(2, 1, 3);
	cr_assert_eq(nodal_sim_set_mems_allowed(&a), 0);
	cr_assert_eq(nodal_sim_mems_generation(), 1);
	cr_assert_eq(S->get_mempolicy(&mode, &m, NULL, NODAL_OS_MPOL_F_MEMS_ALLOWED), 0);
	cr_assert(nodes_equal(&m, &a));
	/* placement stays inside: DEFAULT from node 0 goes to an allowed node */
	nodal_sim_set_cpu(0);
	char *p = map_pages(1);
	int n = node_of(p);
	cr_assert(n == 1 || n == 3, "node %d", n);
	/* mbind with a mask outside the allowed nodes: EINVAL (mpol_set_nodemask) */
	nodemask_t out = mask_of(2, 0, 2);
	cr_assert_eq(S->mbind(p, PG, NODAL_OS_MPOL_BIND, &out, 0), EINVAL);
	/* RELATIVE maps onto the allowed nodes: relative node 1 = second allowed = 3 */
	nodemask_t rel = mask_of(1, 1);
	cr_assert_eq(S->mbind(p, PG, NODAL_OS_MPOL_BIND | NODAL_OS_MPOL_F_RELATIVE_NODES, &rel, 0), 0);
	char *q = map_pages(1);
	cr_assert_eq(S->mbind(q, PG, NODAL_OS_MPOL_BIND | NODAL_OS_MPOL_F_RELATIVE_NODES, &rel, 0), 0);
	cr_assert_eq(node_of(q), 3);
	nodemask_t none = mask_of(1, 7);
	cr_assert_eq(nodal_sim_set_mems_allowed(&none), EINVAL);
}

Test(os_sim, mbind_validation_like_the_kernel)
{
	machine(2);
	char *p = map_pages(4);
	nodemask_t m = mask_of(1, 1), e = NODE_MASK_NONE;
	int sr = NODAL_OS_MPOL_F_STATIC_NODES | NODAL_OS_MPOL_F_RELATIVE_NODES;
	cr_assert_eq(S->mbind(p, PG, NODAL_OS_MPOL_BIND | sr, &m, 0), EINVAL, "STATIC+RELATIVE");
	cr_assert_eq(S->mbind(p, PG, NODAL_OS_MPOL_LOCAL, &m, 0), EINVAL, "LOCAL with nodes");
	cr_assert_eq(S->mbind(p, PG, NODAL_OS_MPOL_LOCAL | NODAL_OS_MPOL_F_STATIC_NODES, &e, 0), EINVAL);
	cr_assert_eq(S->mbind(p, PG, NODAL_OS_MPOL_DEFAULT, &m, 0), EINVAL, "DEFAULT with nodes");
	cr_assert_eq(S->mbind(p, PG, NODAL_OS_MPOL_BIND, &e, 0), EINVAL, "BIND empty");
	cr_assert_eq(S->mbind(p, PG, NODAL_OS_MPOL_INTERLEAVE | NODAL_OS_MPOL_F_NUMA_BALANCING, &m, 0), EINVAL);
	cr_assert_eq(S->mbind(p, PG, NODAL_OS_MPOL_BIND | NODAL_OS_MPOL_F_NUMA_BALANCING, &m, 0), 0);
	cr_assert_eq(S->mbind(p, PG, 7, &m, 0), EINVAL, "mode beyond MPOL_MAX");
	cr_assert_eq(S->mbind(p, PG, NODAL_OS_MPOL_BIND, &m, 1u << 5), EINVAL, "bad flags");
	cr_assert_eq(S->mbind(p + 1, PG, NODAL_OS_MPOL_BIND, &m, 0), EINVAL, "unaligned");
	cr_assert_eq(S->mbind(p, 8 * PG, NODAL_OS_MPOL_BIND, &m, 0), EFAULT, "hole after the mapping");
	int mode;
	cr_assert_eq(S->mbind(p, PG, NODAL_OS_MPOL_PREFERRED, &e, 0), 0, "PREFERRED empty = LOCAL");
	cr_assert_eq(S->get_mempolicy(&mode, NULL, p, NODAL_OS_MPOL_F_ADDR), 0);
	cr_assert_eq(mode, NODAL_OS_MPOL_LOCAL);
	cr_assert_eq(S->mbind(p, PG, NODAL_OS_MPOL_PREFERRED | NODAL_OS_MPOL_F_STATIC_NODES, &e, 0), EINVAL);
	/* STATIC: get_mempolicy returns the user's mask and the flag */
	nodemask_t um = mask_of(2, 1, 5), got;
	cr_assert_eq(S->mbind(p, PG, NODAL_OS_MPOL_BIND | NODAL_OS_MPOL_F_STATIC_NODES, &um, 0), 0);
	cr_assert_eq(S->get_mempolicy(&mode, &got, p, NODAL_OS_MPOL_F_ADDR), 0);
	cr_assert_eq(mode, NODAL_OS_MPOL_BIND | NODAL_OS_MPOL_F_STATIC_NODES);
	cr_assert(nodes_equal(&got, &um));
	cr_assert_eq(node_of(p), 1);
	cr_assert_eq(S->get_mempolicy(&mode, NULL, NULL, NODAL_OS_MPOL_F_NODE), EINVAL);
	cr_assert_eq(S->get_mempolicy(&mode, NULL, NULL, 1u << 6), EINVAL);
}

Test(os_sim, vmas_split_and_merge)
{
	machine(2);
	char *p = map_pages(6);
	nodemask_t m = mask_of(1, 1);
	cr_assert_eq(S->mbind(p + 2 * PG, 2 * PG, NODAL_OS_MPOL_BIND, &m, 0), 0);
	int modes[6];
	for (int i = 0; i < 6; i++)
		cr_assert_eq(S->get_mempolicy(&modes[i], NULL, p + (size_t)i * PG, NODAL_OS_MPOL_F_ADDR), 0);
	int want[6] = { 0, 0, 2, 2, 0, 0 };
	for (int i = 0; i < 6; i++)
		cr_assert_eq(modes[i], want[i], "page %d", i);
	cr_assert_eq(node_of(p), 0);
	cr_assert_eq(node_of(p + 2 * PG), 1);
	/* unmapping the middle leaves a hole */
	cr_assert_eq(S->unmap(p + 3 * PG, PG), 0);
	cr_assert_eq(S->mbind(p, 6 * PG, NODAL_OS_MPOL_BIND, &m, 0), EFAULT);
	cr_assert_eq(S->mbind(p, 3 * PG, NODAL_OS_MPOL_DEFAULT, NULL, 0), 0);
	cr_assert_eq(S->get_mempolicy(&modes[0], NULL, p + 2 * PG, NODAL_OS_MPOL_F_ADDR), 0);
	cr_assert_eq(modes[0], NODAL_OS_MPOL_DEFAULT);
}

Test(os_sim, features_emulate_older_kernels)
{
	machine(2);
	char *p = map_pages(1);
	nodemask_t m = mask_of(2, 0, 1);
	cr_assert_eq(S->features(), NODAL_OS_HAS_MBIND | NODAL_OS_HAS_PREFERRED_MANY | NODAL_OS_HAS_HOME_NODE |
	                                    NODAL_OS_HAS_WEIGHTED_INTERLEAVE);
	nodal_sim_set_features(NODAL_OS_HAS_MBIND); /* a 5.10 kernel */
	cr_assert_eq(S->features(), NODAL_OS_HAS_MBIND);
	cr_assert_eq(S->mbind(p, PG, NODAL_OS_MPOL_WEIGHTED_INTERLEAVE, &m, 0), EINVAL);
	cr_assert_eq(S->mbind(p, PG, NODAL_OS_MPOL_PREFERRED_MANY, &m, 0), EINVAL);
	cr_assert_eq(S->mbind(p, PG, NODAL_OS_MPOL_BIND, &m, 0), 0);
	cr_assert_eq(S->set_home_node(p, PG, 1), ENOSYS);
}

Test(os_sim, home_node_rules)
{
	machine(2);
	char *p = map_pages(2);
	nodemask_t m = mask_of(2, 0, 1);
	cr_assert_eq(S->mbind(p, PG, NODAL_OS_MPOL_INTERLEAVE, &m, 0), 0);
	cr_assert_eq(S->set_home_node(p, PG, 1), EOPNOTSUPP);
	cr_assert_eq(S->set_home_node(p, PG, 9), EINVAL);
	cr_assert_eq(S->set_home_node(p + 1, PG, 1), EINVAL);
	cr_assert_eq(S->mbind(p + PG, PG, NODAL_OS_MPOL_PREFERRED_MANY, &m, 0), 0);
	cr_assert_eq(S->set_home_node(p + PG, PG, 1), 0);
	cr_assert_eq(node_of(p + PG), 1);
}

Test(os_sim, injected_mbind_failures)
{
	machine(2);
	char *p = map_pages(1);
	nodemask_t m = mask_of(1, 1);
	nodal_sim_inject_mbind_failure(2, EIO);
	cr_assert_eq(S->mbind(p, PG, NODAL_OS_MPOL_BIND, &m, 0), EIO);
	cr_assert_eq(S->mbind(p, PG, NODAL_OS_MPOL_BIND, &m, 0), EIO);
	cr_assert_eq(S->mbind(p, PG, NODAL_OS_MPOL_BIND, &m, 0), 0);
	cr_assert_eq(S->stats->mbind_calls, 3);
	cr_assert_eq(S->stats->mbind_failures, 2);
	struct nodal_sim_bind b;
	nodal_sim_bind_get(0, &b);
	cr_assert_eq(b.result, EIO);
	cr_assert(S->features() & NODAL_OS_HAS_MBIND, "EIO is not 'binding unavailable'");
}

Test(os_sim, injected_eperm_is_binding_unavailable)
{
	machine(2);
	char *p = map_pages(1);
	nodemask_t m = mask_of(1, 1);
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	int saved = dup(2);
	dup2(fds[1], 2);
	nodal_sim_inject_mbind_failure(1, EPERM);
	int r1 = S->mbind(p, PG, NODAL_OS_MPOL_BIND, &m, 0);
	int r2 = S->mbind(p, PG, NODAL_OS_MPOL_BIND, &m, 0);
	dup2(saved, 2);
	close(fds[1]);
	char buf[1024] = { 0 };
	ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
	cr_assert_eq(r1, EPERM);
	cr_assert_eq(r2, EPERM, "stays unavailable");
	cr_assert_eq(S->stats->mbind_eperm, 2);
	cr_assert_eq(S->features() & NODAL_OS_HAS_MBIND, 0u);
	cr_assert_gt(n, 0);
	cr_assert(strstr(buf, "nodal: mbind is not permitted"), "%s", buf);
	cr_assert_null(strstr(strstr(buf, "\n") + 1, "nodal:"), "warned once: %s", buf);
	p[0] = 1; /* allocation goes on */
}

Test(os_sim, full_node_reports_zero_free)
{
	machine(2);
	uint64_t fr, tot;
	cr_assert_eq(S->node_memory(1, &fr, &tot), 0);
	cr_assert_eq(tot, 64 << 20);
	cr_assert_eq(fr, 64 << 20);
	cr_assert_eq(nodal_sim_set_node_full(1, true), 0);
	cr_assert_eq(S->node_memory(1, &fr, &tot), 0);
	cr_assert_eq(fr, 0);
	cr_assert_eq(tot, 64 << 20);
	cr_assert_eq(nodal_sim_set_node_full(5, true), EINVAL);
	nodal_sim_set_cpu(2); /* node 1 */
	char *p = map_pages(1);
	cr_assert_eq(node_of(p), 0, "full node skipped");
	nodal_sim_set_node_full(1, false);
	cr_assert_eq(S->node_memory(1, &fr, &tot), 0);
	cr_assert_eq(fr, 64 << 20);
}

Test(os_sim, capacity_fills_and_unmap_frees)
{
	machine(2);
	cr_assert_eq(nodal_sim_set_capacity(1, 2 * PG), 0);
	char *p = map_pages(4);
	nodemask_t m = mask_of(1, 1);
	cr_assert_eq(S->mbind(p, 4 * PG, NODAL_OS_MPOL_PREFERRED, &m, 0), 0);
	uint64_t fr, tot;
	cr_assert_eq(nodal_sim_touch(p, 4 * PG), 0);
	cr_assert_eq(S->node_memory(1, &fr, &tot), 0);
	cr_assert_eq(fr, 0);
	cr_assert_eq(node_of(p), 1);
	cr_assert_eq(node_of(p + PG), 1);
	cr_assert_eq(node_of(p + 2 * PG), 0, "node 1 ran out of room");
	cr_assert_eq(S->madvise(p, PG, MADV_DONTNEED), 0);
	cr_assert_eq(nodal_sim_node_used(1), PG, "DONTNEED forgets the page");
	cr_assert_eq(S->unmap(p, 4 * PG), 0);
	cr_assert_eq(nodal_sim_node_used(1), 0);
	cr_assert_eq(nodal_sim_node_used(0), 0);
	cr_assert_eq(S->node_memory(1, &fr, &tot), 0);
	cr_assert_eq(fr, 2 * PG);
}

Test(os_sim, mbind_move_and_strict)
{
	machine(3);
	char *p = map_pages(4);
	nodal_sim_set_cpu(0);
	cr_assert_eq(nodal_sim_touch(p, 4 * PG), 0);
	cr_assert_eq(nodal_sim_node_used(0), 4 * PG);
	nodemask_t m = mask_of(1, 2);
	cr_assert_eq(S->mbind(p, 2 * PG, NODAL_OS_MPOL_BIND, &m, NODAL_OS_MPOL_MF_STRICT), EIO, "misplaced pages");
	cr_assert_eq(S->mbind(p, 2 * PG, NODAL_OS_MPOL_BIND, &m, NODAL_OS_MPOL_MF_MOVE | NODAL_OS_MPOL_MF_STRICT), 0);
	cr_assert_eq(node_of(p), 2);
	cr_assert_eq(node_of(p + PG), 2);
	cr_assert_eq(node_of(p + 2 * PG), 0);
	cr_assert_eq(nodal_sim_node_used(2), 2 * PG);
	cr_assert_eq(nodal_sim_node_used(0), 2 * PG);
}

Test(os_sim, sparse_node_ids)
{
	PG = (size_t)sysconf(_SC_PAGESIZE);
	int present[6] = { 1, 0, 1, 0, 0, 1 };
	int ncpus[6] = { 1, 0, 1, 0, 0, 0 };
	struct nodal_topology *t = sim_topo_new(6, ncpus, NULL, present);
	cr_assert_eq(nodal_sim_init(t), 0);
	sim_topo_free(t);
	nodemask_t m;
	int mode;
	S->get_mempolicy(&mode, &m, NULL, NODAL_OS_MPOL_F_MEMS_ALLOWED);
	nodemask_t want = mask_of(3, 0, 2, 5);
	cr_assert(nodes_equal(&m, &want));
	uint64_t fr, tot;
	cr_assert_eq(S->node_memory(1, &fr, &tot), EINVAL, "a hole in the id space");
	cr_assert_eq(S->node_memory(5, &fr, &tot), 0);
	char *p = map_pages(6);
	cr_assert_eq(S->mbind(p, 6 * PG, NODAL_OS_MPOL_INTERLEAVE, &want, 0), 0);
	int seen[6] = { 0 };
	for (int i = 0; i < 6; i++)
		seen[node_of(p + (size_t)i * PG)]++;
	cr_assert_eq(seen[0], 2);
	cr_assert_eq(seen[2], 2);
	cr_assert_eq(seen[5], 2);
	int cpu, node;
	nodal_sim_set_cpu(1);
	S->getcpu(&cpu, &node);
	cr_assert_eq(node, 2);
}

Test(os_sim, memoryless_node_places_on_nearest)
{
	PG = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t mem[3] = { 0, 1 << 20, 1 << 20 };
	struct nodal_topology *t = sim_topo_new(3, NULL, mem, NULL);
	sim_topo_set_distance(t, 0, 2, 15);
	cr_assert_eq(nodal_sim_init(t), 0);
	sim_topo_free(t);
	nodal_sim_set_cpu(0); /* a CPU on the memoryless node 0 */
	char *p = map_pages(1);
	cr_assert_eq(node_of(p), 2);
	uint64_t fr = 1, tot = 1;
	cr_assert_eq(S->node_memory(0, &fr, &tot), 0);
	cr_assert_eq(tot, 0);
	cr_assert_eq(fr, 0);
}

Test(os_sim, membarrier_can_be_withdrawn)
{
	machine(1);
	cr_assert_eq(S->membarrier_register(), 0);
	cr_assert_eq(S->membarrier(), 0);
	nodal_sim_set_membarrier(false);
	cr_assert_eq(S->membarrier_register(), ENOSYS);
	cr_assert_eq(S->membarrier(), ENOSYS);
}

#define CT_THREADS 4
#define CT_ROUNDS 200

static void *churn(void *arg)
{
	int id = (int)(intptr_t)arg;
	nodal_sim_set_cpu(id * 2);
	nodemask_t m = NODE_MASK_NONE;
	node_set(id, &m);
	for (int r = 0; r < CT_ROUNDS; r++) {
		int err;
		char *p = S->map(4 * PG, PG, &err);
		cr_assert_not_null(p);
		cr_assert_eq(S->mbind(p, 4 * PG, NODAL_OS_MPOL_BIND, &m, 0), 0);
		cr_assert_eq(nodal_sim_touch(p, 4 * PG), 0);
		for (int i = 0; i < 4; i++)
			cr_assert_eq(node_of(p + (size_t)i * PG), id);
		cr_assert_eq(S->unmap(p, 4 * PG), 0);
	}
	return NULL;
}

Test(os_sim, concurrent_threads_keep_the_machine_consistent)
{
	machine(CT_THREADS);
	pthread_t th[CT_THREADS];
	for (int i = 0; i < CT_THREADS; i++)
		pthread_create(&th[i], NULL, churn, (void *)(intptr_t)i);
	for (int i = 0; i < CT_THREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < CT_THREADS; i++)
		cr_assert_eq(nodal_sim_node_used(i), 0);
	cr_assert_eq(S->stats->mbind_calls, CT_THREADS * CT_ROUNDS);
	cr_assert_eq(nodal_sim_bind_count(), CT_THREADS * CT_ROUNDS);
	cr_assert_eq(S->stats->maps, CT_THREADS * CT_ROUNDS);
}

Test(os_sim, page_table_survives_many_pages)
{
	machine(2);
	size_t n = 50000;
	cr_assert_eq(nodal_sim_set_capacity(0, UINT64_C(1) << 30), 0);
	cr_assert_eq(nodal_sim_set_capacity(1, UINT64_C(1) << 30), 0);
	char *p = map_pages(n);
	nodemask_t m = mask_of(2, 0, 1);
	cr_assert_eq(S->mbind(p, n * PG, NODAL_OS_MPOL_INTERLEAVE, &m, 0), 0);
	cr_assert_eq(nodal_sim_touch(p, n * PG), 0);
	cr_assert_eq(nodal_sim_node_used(0) + nodal_sim_node_used(1), n * PG);
	/* forget every other page, then check the rest are still found */
	for (size_t i = 0; i < n; i += 2)
		cr_assert_eq(S->madvise(p + i * PG, PG, MADV_DONTNEED), 0);
	cr_assert_eq(nodal_sim_node_used(0) + nodal_sim_node_used(1), n / 2 * PG);
	for (size_t i = 1; i < n; i += 2) {
		uintptr_t a = (uintptr_t)(p + i * PG);
		cr_assert_eq(node_of((void *)a), (int)((a / PG) % 2));
	}
	cr_assert_eq(nodal_sim_node_used(0) + nodal_sim_node_used(1), n / 2 * PG, "no page placed twice");
	cr_assert_eq(S->unmap(p, n * PG), 0);
	cr_assert_eq(nodal_sim_node_used(0) + nodal_sim_node_used(1), 0);
}
