/*
 * test_arena_sim.c — the arenas on the sim OS backend (os_sim.c): pages of every
 * allocation are placed (query_pages) on the node asked for, every extent bind in the
 * sim's log is a successful single-node PREFERRED bind, the PREFERRED binding lets the
 * kernel fall back instead of failing when a node runs out, a node the sim reports full
 * makes the arena refuse (ENOMEM) through the watermark, and page-policy mappings lay
 * their pages out as the kernel would (interleave, per-node runs, BIND).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "os.h"
#include "os_sim.h"
#include "sim_topo.h"

#define PAGE 4096ul

static struct nodal_arena_config cfg;

static void boot_sim(int nodes, uint64_t mem)
{
	struct nodal_topology *t = sim_topo_uniform(nodes, 1, mem);
	cr_assert_eq(nodal_sim_init(t), 0);
	nodal_sim_set_features(NODAL_OS_HAS_MBIND | NODAL_OS_HAS_PREFERRED_MANY);
	nodal_os_select(&nodal_os_sim);
	cr_assert_eq(nodal_arena_boot(t, &cfg), 0);
	sim_topo_free(t);
}

/* Node of every page of [p, p + len) per the sim's placement. */
static void assert_pages_on(const void *p, size_t len, int node)
{
	uintptr_t a = (uintptr_t)p & ~(PAGE - 1), end = (uintptr_t)p + len;
	void *pages[64];
	int status[64];
	while (a < end) {
		size_t n = 0;
		for (; n < 64 && a < end; n++, a += PAGE)
			pages[n] = (void *)a;
		cr_assert_eq(nodal_os()->query_pages(n, pages, status), 0);
		for (size_t i = 0; i < n; i++)
			cr_assert_eq(status[i], node, "page %p on %d, want %d", pages[i], status[i], node);
	}
}

static void assert_log_preferred_single(void)
{
	size_t n = nodal_sim_bind_count();
	cr_assert_gt(n, 0);
	size_t first = n > NODAL_SIM_LOG ? n - NODAL_SIM_LOG : 0;
	for (size_t i = first; i < n; i++) {
		struct nodal_sim_bind b;
		cr_assert_eq(nodal_sim_bind_get(i, &b), 0);
		cr_assert_eq(b.op, NODAL_SIM_OP_MBIND);
		cr_assert_eq(b.result, 0, "bind %zu failed: %d", i, b.result);
		cr_assert_eq(b.mode, NODAL_OS_MPOL_PREFERRED);
		cr_assert_eq(nodes_weight(&b.nodes), 1);
		int node = first_node(&b.nodes);
		cr_assert_eq(nodal_arena_node_of((void *)b.start), node, "bind of %d not on the node's chunks", node);
	}
}

Test(arena_sim, pages_land_on_the_requested_node)
{
	boot_sim(4, 256 << 20);
	static const size_t sizes[] = { 8, 64, 200, 1024, 4000, 16384, 40000, 100000, 300000, 1 << 20, 3 << 20 };
	for (int node = 0; node < 4; node++)
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			char *p = nodal_arena_alloc(node, sizes[i], 0, false);
			cr_assert_not_null(p);
			memset(p, 1, sizes[i]);
			assert_pages_on(p, sizes[i], node);
		}
	assert_log_preferred_single();
}

Test(arena_sim, preferred_binding_falls_back_instead_of_failing)
{
	/* node 1 has 8 MiB; nodal has no limit or watermark set, so it asks node 1 for
	 * more than it has: the kernel (sim) places the excess elsewhere — no failure */
	boot_sim(2, 256 << 20);
	cr_assert_eq(nodal_sim_set_capacity(1, 8 << 20), 0);
	char *p = nodal_arena_alloc(1, 24 << 20, 0, false);
	cr_assert_not_null(p);
	cr_assert_eq(nodal_sim_touch(p, 24 << 20), 0);
	cr_assert_leq(nodal_sim_node_used(1), 8 << 20);
	cr_assert_geq(nodal_sim_node_used(0), 16 << 20);
	assert_log_preferred_single();
}

Test(arena_sim, full_node_refuses_through_the_watermark)
{
	cfg.min_free = 1 << 20;
	boot_sim(2, 256 << 20);
	cr_assert_eq(nodal_sim_set_node_full(1, true), 0);
	usleep(150000); /* the watermark is read at most every 100 ms */
	errno = 0;
	cr_assert_null(nodal_arena_alloc(1, 4 << 20, 0, false));
	cr_assert_eq(errno, ENOMEM);
	cr_assert(node_isset(1, nodal_arena_full_nodes()));
	cr_assert_not_null(nodal_arena_alloc(0, 4 << 20, 0, false));
	nodal_sim_set_node_full(1, false);
	usleep(150000);
	cr_assert_not(node_isset(1, nodal_arena_full_nodes()));
	void *p = nodal_arena_alloc(1, 4 << 20, 0, false);
	cr_assert_not_null(p);
	memset(p, 1, 4 << 20);
	assert_pages_on(p, 4 << 20, 1);
}

Test(pages_sim, interleave_places_pages_round_robin)
{
	boot_sim(4, 256 << 20);
	nodemask_t m = NODE_MASK_NONE;
	for (int n = 0; n < 4; n++)
		node_set(n, &m);
	size_t len = 64 * PAGE;
	char *p = nodal_pages_alloc(len, 0, NODAL_OS_MPOL_INTERLEAVE, &m, NULL, false);
	cr_assert_not_null(p);
	memset(p, 1, len);
	int count[4] = { 0 };
	for (size_t i = 0; i < 64; i++) {
		void *pg = p + i * PAGE;
		int st;
		cr_assert_eq(nodal_os()->query_pages(1, &pg, &st), 0);
		cr_assert(st >= 0 && st < 4);
		count[st]++;
		if (i)
			cr_assert_neq(st, -1);
	}
	for (int n = 0; n < 4; n++)
		cr_assert_eq(count[n], 16, "node %d got %d pages", n, count[n]);
	nodal_arena_free(p);
}

Test(pages_sim, weighted_runs_follow_the_weights)
{
	boot_sim(4, 256 << 20);
	nodemask_t m = NODE_MASK_NONE;
	node_set(1, &m);
	node_set(2, &m);
	uint8_t w[NODAL_MAX_NUMNODES] = { 0 };
	w[1] = 1;
	w[2] = 3;
	size_t len = 400 * PAGE;
	char *p = nodal_pages_alloc(len, 0, NODAL_OS_MPOL_WEIGHTED_INTERLEAVE, &m, w, false);
	cr_assert_not_null(p);
	memset(p, 1, len);
	assert_pages_on(p, 100 * PAGE, 1);
	assert_pages_on(p + 100 * PAGE, 300 * PAGE, 2);
	cr_assert_eq(nodal_arena_usize(p), len);
	nodal_arena_free(p);
}

Test(pages_sim, bind_on_a_full_node_is_enomem)
{
	cfg.min_free = 1 << 20;
	boot_sim(2, 256 << 20);
	nodemask_t m = NODE_MASK_NONE;
	node_set(0, &m);
	char *p = nodal_pages_alloc(2 << 20, 0, NODAL_OS_MPOL_BIND, &m, NULL, false);
	cr_assert_not_null(p);
	memset(p, 1, 2 << 20);
	assert_pages_on(p, 2 << 20, 0);
	nodal_sim_set_node_full(0, true);
	usleep(150000);
	errno = 0;
	cr_assert_null(nodal_pages_alloc(2 << 20, 0, NODAL_OS_MPOL_BIND, &m, NULL, false));
	cr_assert_eq(errno, ENOMEM);
	nodal_arena_free(p);
}
