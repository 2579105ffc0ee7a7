/*
 * test_migrate.c — NODAL_MIGRATE=1 (migrate.c). On the sim backend: when the allowed
 * nodes shrink from 0-3 to 0-1, the pages of nodes 2 and 3 (node arenas and a heap's
 * arena) move to node_remap(2) = 0 and node_remap(3) = 1 — proved by the sim's record
 * of every mbind (MPOL_MF_MOVE, range, target) and by move_pages queries of every
 * object — while node 0's and 1's memory is not touched; when 2-3 are allowed again the
 * memory moves back; a pass is bounded (budget 0: one mbind call per pass, the job
 * resumes at the next pass); NODAL_MIGRATE=0 moves nothing. On the linux backend (one
 * node here) the same call path runs and returns cleanly, pages still on node 0.
 */
#include <config.h>

#include <criterion/criterion.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "migrate.h"
#include "nodal.h"
#include "os.h"
#include "os_sim.h"

#define FOUR "synthetic:pack:4 numa:1 core:1 pu:1"
#define N 64

static void machine(const char *migrate)
{
	setenv("NODAL_OS", "sim", 1);
	setenv("NODAL_TOPOLOGY", FOUR, 1);
	setenv("NODAL_MIGRATE", migrate, 1);
	setenv("NODAL_REBIND_INTERVAL_MS", "1", 1);
	cr_assert_eq(nodal_init(), 0, "nodal_init: %s", nodal_strerror_detail());
	cr_assert_str_eq(nodal_os()->name, "sim");
	cr_assert_eq(nodal_sim_set_cpu(2), 0);
	nodal_alloc_affinity_changed();
}

static void sleep_ms(int ms)
{
	struct timespec ts = { 0, (long)ms * 1000000 };
	nanosleep(&ts, NULL);
}

/* The node the sim says the page of @p is on. */
static int page_node(const void *p)
{
	void *page = (void *)((uintptr_t)p & ~(uintptr_t)4095);
	int status = -1;
	cr_assert_eq(nodal_os()->query_pages(1, &page, &status), 0);
	return status;
}

static void *alloc_touched(int node, size_t size)
{
	void *p = node == 2 ? nodal_malloc(size) : nodal_malloc_onnode(size, node);
	cr_assert_not_null(p);
	memset(p, node + 1, size);
	cr_assert_eq(nodal_sim_touch(p, size), 0);
	return p;
}

/* Allocate until a periodic check (1 ms) has run and the job is done. */
static void settle(void)
{
	for (int i = 0; i < 400; i++) {
		sleep_ms(2);
		for (int k = 0; k < 300; k++)
			nodal_free(nodal_malloc(32));
		if (!nodal_migrate_pending() && i > 3)
			return;
	}
	cr_assert_fail("the migration never finished");
}

static void set_allowed(const char *nodes)
{
	nodemask_t m = NODE_MASK_NONE;
	for (const char *c = nodes; *c; c++)
		node_set(*c - '0', &m);
	cr_assert_eq(nodal_sim_set_mems_allowed(&m), 0);
}

/* Every MPOL_MF_MOVE bind recorded from @from on: each must target one node; returns
 * whether one covering @p targeted @node (and fails if one covering @p targeted another). */
static bool moved_to(size_t from, const void *p, int node)
{
	bool hit = false;
	for (size_t i = from; i < nodal_sim_bind_count(); i++) {
		struct nodal_sim_bind b;
		cr_assert_eq(nodal_sim_bind_get(i, &b), 0, "bind record %zu rotated out", i);
		if (b.op != NODAL_SIM_OP_MBIND || !(b.flags & NODAL_OS_MPOL_MF_MOVE))
			continue;
		cr_assert_eq(nodes_weight(&b.nodes), 1);
		cr_assert_eq(b.mode, NODAL_OS_MPOL_PREFERRED);
		if ((uintptr_t)p >= b.start && (uintptr_t)p < b.start + b.len) {
			cr_assert_eq(first_node(&b.nodes), node, "%p moved to %d, expected %d", p, first_node(&b.nodes),
				     node);
			cr_assert_eq(b.result, 0);
			hit = true;
		}
	}
	return hit;
}

Test(migrate, disallowed_nodes_move_and_come_back)
{
	machine("1");
	nodal_policy_t *pol = nodal_policy_parse("bind:3");
	nodal_heap_t *h = nodal_heap_create(pol);
	nodal_policy_release(pol);
	void *on[4][N], *hp[N];
	for (int i = 0; i < N; i++) {
		for (int n = 0; n < 4; n++)
			on[n][i] = alloc_touched(n, (size_t)(i % 9 + 1) * 700);
		hp[i] = nodal_heap_malloc(h, 5000);
		cr_assert_eq(nodal_sim_touch(hp[i], 5000), 0);
	}
	for (int n = 0; n < 4; n++)
		cr_assert_eq(page_node(on[n][5]), n);
	size_t log0 = nodal_sim_bind_count();

	/* kernel: node_remap(2, 0-3, 0-1) = 0, node_remap(3, 0-3, 0-1) = 1 */
	set_allowed("01");
	settle();
	for (int i = 0; i < N; i++) {
		cr_assert_eq(page_node(on[2][i]), 0, "object %d of node 2 is on %d", i, page_node(on[2][i]));
		cr_assert_eq(page_node(on[3][i]), 1);
		cr_assert_eq(page_node(hp[i]), 1, "the heap's arena moved too");
		cr_assert_eq(page_node(on[0][i]), 0);
		cr_assert_eq(page_node(on[1][i]), 1);
		cr_assert(moved_to(log0, on[2][i], 0));
		cr_assert(moved_to(log0, on[3][i], 1));
		cr_assert(moved_to(log0, hp[i], 1));
		cr_assert(!moved_to(log0, on[0][i], -1), "node 0's memory was rebound");
		cr_assert(!moved_to(log0, on[1][i], -1), "node 1's memory was rebound");
		cr_assert_eq(((unsigned char *)on[2][i])[0], 3, "contents kept");
	}
	cr_assert_eq(nodal_node_of(on[2][0]), 0, "nodal_node_of tells where the memory went");
	cr_assert_eq(nodal_node_of(on[3][0]), 1);
	struct nodal_migrate_stats s;
	nodal_migrate_get_stats(&s);
	cr_assert_eq(s.failed, 0);
	cr_assert_geq(s.jobs_done, 1);

	/* allowed again: the memory goes home */
	size_t log1 = nodal_sim_bind_count();
	set_allowed("0123");
	settle();
	for (int i = 0; i < N; i++) {
		cr_assert_eq(page_node(on[2][i]), 2);
		cr_assert_eq(page_node(on[3][i]), 3);
		cr_assert_eq(page_node(hp[i]), 3);
		cr_assert(moved_to(log1, on[2][i], 2));
		cr_assert_eq(page_node(on[0][i]), 0);
	}
	cr_assert_eq(nodal_node_of(on[2][0]), 2);
	cr_assert_eq(nodal_heap_destroy(h), 0);
}

Test(migrate, a_pass_is_bounded_and_the_job_resumes)
{
	machine("1");
	nodal_migrate_set_budget(0); /* one mbind call per pass */
	/* 40 MiB on node 2 in objects below NODAL_PAGE_POLICY_MIN: more than 4 calls of 8 MiB */
	void *p[10];
	for (int i = 0; i < 10; i++)
		p[i] = alloc_touched(2, (size_t)(4 << 20) - 4096); /* just under the 4M default */
	struct nodal_migrate_stats a, b;
	nodal_migrate_get_stats(&a);
	nodemask_t old = NODE_MASK_NONE, new_allowed = NODE_MASK_NONE, arenas = NODE_MASK_NONE;
	for (int n = 0; n < 4; n++)
		node_set(n, &old), node_set(n, &arenas);
	node_set(0, &new_allowed);
	node_set(1, &new_allowed);
	/* the hook alloc.c calls when it sees the change, called directly here */
	nodal_migrate_rebind(&old, &new_allowed, &arenas);
	nodal_migrate_get_stats(&b);
	cr_assert_eq(b.passes - a.passes, 1);
	cr_assert_eq(b.calls - a.calls, 1, "one pass, one call");
	cr_assert(nodal_migrate_pending(), "the job waits for the next pass");
	int passes = 1;
	while (nodal_migrate_pending()) {
		struct nodal_migrate_stats x, y;
		nodal_migrate_get_stats(&x);
		nodal_migrate_continue();
		nodal_migrate_get_stats(&y);
		cr_assert_eq(y.passes - x.passes, 1);
		cr_assert_leq(y.calls - x.calls, 1, "a pass with budget 0 made %llu calls",
			      (unsigned long long)(y.calls - x.calls));
		cr_assert_lt(++passes, 10000);
	}
	nodal_migrate_get_stats(&b);
	cr_assert_geq(b.calls - a.calls, 5, "40 MiB takes at least 5 calls of at most 8 MiB");
	cr_assert_eq(b.passes - a.passes, (uint64_t)passes);
	cr_assert_eq(b.failed, a.failed);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(page_node(p[i]), 0);
	nodal_migrate_set_budget(NODAL_MIGRATE_PASS_NS);
}

Test(migrate, off_moves_nothing)
{
	machine("0");
	void *p[N];
	for (int i = 0; i < N; i++)
		p[i] = alloc_touched(2, 2000);
	size_t log0 = nodal_sim_bind_count();
	set_allowed("01");
	for (int i = 0; i < 20; i++) {
		sleep_ms(2);
		for (int k = 0; k < 300; k++)
			nodal_free(nodal_malloc(32));
	}
	for (int i = 0; i < N; i++)
		cr_assert_eq(page_node(p[i]), 2, "NODAL_MIGRATE=0 moved a page");
	for (size_t i = log0; i < nodal_sim_bind_count(); i++) {
		struct nodal_sim_bind b;
		cr_assert_eq(nodal_sim_bind_get(i, &b), 0);
		cr_assert(!(b.flags & NODAL_OS_MPOL_MF_MOVE), "an MPOL_MF_MOVE bind without NODAL_MIGRATE");
	}
	/* new allocations follow the allowed nodes all the same */
	cr_assert(nodal_node_of(nodal_malloc(100)) <= 1);
}

Test(migrate_linux, call_path_runs_on_this_machine)
{
	setenv("NODAL_OS", "linux", 1);
	unsetenv("NODAL_TOPOLOGY");
	setenv("NODAL_MIGRATE", "1", 1);
	cr_assert_eq(nodal_init(), 0, "%s", nodal_strerror_detail());
	cr_assert_str_eq(nodal_os()->name, "linux");
	enum { M = 32 };
	char *p[M];
	for (int i = 0; i < M; i++) {
		p[i] = nodal_malloc_onnode(100000, 0);
		memset(p[i], i, 100000);
	}
	struct nodal_migrate_stats a, b;
	nodal_migrate_get_stats(&a);
	/* node 0 onto itself: the real mbind(MPOL_PREFERRED, MPOL_MF_MOVE) on every extent */
	int err;
	int rounds = 0;
	while ((err = nodal_migrate_node(0, 0, NODAL_MIGRATE_PASS_NS)) == EAGAIN)
		cr_assert_lt(++rounds, 1000);
	cr_assert_eq(err, 0);
	nodal_migrate_get_stats(&b);
	cr_assert_gt(b.calls, a.calls);
	cr_assert_eq(b.failed, a.failed, "mbind MPOL_MF_MOVE failed on this kernel (%llu of %llu calls)",
		     (unsigned long long)(b.failed - a.failed), (unsigned long long)(b.calls - a.calls));
	for (int i = 0; i < M; i++) {
		void *page = (void *)((uintptr_t)p[i] & ~(uintptr_t)4095);
		int status = -1;
		cr_assert_eq(nodal_os()->query_pages(1, &page, &status), 0);
		cr_assert_eq(status, 0);
		cr_assert_eq(p[i][99999], (char)i);
		cr_assert_eq(nodal_node_of(p[i]), 0);
		nodal_free(p[i]);
	}
	cr_assert_eq(nodal_migrate_node(-1, 0, 0), EINVAL);
}
