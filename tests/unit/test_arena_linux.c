/*
 * test_arena_linux.c — the arenas on this machine's real kernel (linux backend): a
 * move_pages query confirms that arena memory and page-policy mappings are on node 0
 * (the only node here), and get_mempolicy shows the PREFERRED binding of an extent.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "arena.h"
#include "os.h"
#include "sim_topo.h"

static void boot_linux(void)
{
	nodal_os_select(&nodal_os_linux);
	struct nodal_topology *t = sim_topo_uniform(1, 1, 1ull << 30); /* node 0 */
	struct nodal_arena_config cfg = { .limit = { 0 } };
	cr_assert_eq(nodal_arena_boot(t, &cfg), 0);
	sim_topo_free(t);
}

Test(arena_linux, move_pages_confirms_node0)
{
	boot_linux();
	static const size_t sizes[] = { 16, 4096, 100000, 3 << 20 };
	for (size_t i = 0; i < 4; i++) {
		char *p = nodal_arena_alloc(0, sizes[i], 0, false);
		cr_assert_not_null(p);
		memset(p, 1, sizes[i]);
		void *pg[2] = { p, p + sizes[i] - 1 };
		int st[2] = { -1, -1 };
		cr_assert_eq(nodal_os()->query_pages(2, pg, st), 0);
		cr_assert_eq(st[0], 0);
		cr_assert_eq(st[1], 0);
		int mode = -1;
		nodemask_t nodes = NODE_MASK_NONE;
		int err = nodal_os()->get_mempolicy(&mode, &nodes, p, NODAL_OS_MPOL_F_ADDR);
		if (err == 0 && (nodal_os()->features() & NODAL_OS_HAS_MBIND)) {
			cr_assert_eq(mode, NODAL_OS_MPOL_PREFERRED, "extent policy %d", mode);
			cr_assert_eq(first_node(&nodes), 0);
		}
		nodal_arena_free(p);
	}
	nodemask_t m = NODE_MASK_NONE;
	node_set(0, &m);
	char *q = nodal_pages_alloc(4 << 20, 0, NODAL_OS_MPOL_BIND, &m, NULL, false);
	cr_assert_not_null(q);
	memset(q, 2, 4 << 20);
	void *pg = q + (2 << 20);
	int st = -1;
	cr_assert_eq(nodal_os()->query_pages(1, &pg, &st), 0);
	cr_assert_eq(st, 0);
	nodal_arena_free(q);
}
