/*
 * test_fastpath.c — the allocation fast paths of src/alloc.c (sim backend): the cached
 * decision of nodal_malloc, the interleave ring (the kernel's cursor semantics, stepped
 * without a candidate walk), the nodal_malloc_onnode node cache and the free fast path.
 * Each test drives enough allocations through one scope that the fast path serves all
 * but the first, and checks placement and statistics exactly.
 */
#include <config.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "fallback.h"
#include "nodal.h"
#include "nodemask.h"
#include "os.h"
#include "os_sim.h"
#include "sim_machine.h"
#include "scope.h"

static void thread_policy(const char *s)
{
	nodal_policy_t *p = nodal_policy_parse(s);
	cr_assert_not_null(p, "parse '%s': %s", s, nodal_strerror_detail());
	cr_assert_eq(nodal_set_thread_policy(p), 0);
	nodal_policy_release(p);
}

static struct nodal_node_stats node_stats(int node)
{
	static struct nodal_stats st;
	cr_assert_eq(nodal_stats_get(&st), 0);
	for (int i = 0; i < st.nr_nodes; i++)
		if (st.node[i].node == node)
			return st.node[i];
	cr_assert_fail("no statistics for node %d", node);
	return st.total;
}

/* Under thread policy @policy, @count nodal_malloc(@size) + free pairs land on the nodes of
 * @order (@period long) in turn. */
static void expect_order(const char *policy, size_t size, const int *order, int period, int count)
{
	thread_policy(policy);
	for (int i = 0; i < count; i++) {
		void *p = nodal_malloc(size);
		cr_assert_eq(nodal_node_of(p), order[i % period], "%s: allocation %d on node %d, expected %d", policy,
		             i, nodal_node_of(p), order[i % period]);
		nodal_free(p);
	}
}

/* kernel interleave_nodes(): a fresh cursor starts on the first node, then each
 * allocation takes the next node of the set, wrapping — through nodal_malloc, where
 * every allocation after the first is served by the ring. */
Test(fastpath, interleave_exact_order)
{
	sim_machine(NULL, NULL, NULL, NULL);
	static const int order[] = {0, 2, 3};
	expect_order("interleave:0,2,3", 64, order, 3, 3000);
}

/* kernel weighted_interleave_nodes(): weight[n] allocations on n before the cursor moves. */
Test(fastpath, weighted_interleave_exact_order)
{
	sim_machine(NULL, NULL, NULL, NULL);
	static const int order[] = {1, 1, 1, 2};
	expect_order("weighted-interleave:1*3,2*1", 48, order, 4, 4000);
}

/* The explicit-policy path (place()) and the ring share the thread's cursor for the
 * same policy container only; a thread policy's cursor is not disturbed by another
 * policy's allocations in between. */
Test(fastpath, interleave_cursor_survives_other_allocations)
{
	sim_machine(NULL, NULL, NULL, NULL);
	thread_policy("interleave:1-3");
	nodal_policy_t *other = nodal_policy_parse("interleave:0,1");
	cr_assert_not_null(other);
	int prev = -1;
	for (int i = 0; i < 300; i++) {
		void *p = nodal_malloc(32);
		int n = nodal_node_of(p);
		if (prev >= 0)
			cr_assert_eq(n, prev == 3 ? 1 : prev + 1, "after %d came %d", prev, n);
		prev = n;
		nodal_free(p);
		nodal_free(nodal_malloc_policy(other, 32));
	}
	nodal_policy_release(other);
}

/* A node at its limit is skipped by the ring like by the walk: the allocation meant for
 * it falls back along that node's list (kernel: the interleave node's zonelist over the
 * allowed nodes), the skip is counted, and the cursor goes on round the set. */
Test(fastpath, interleave_skips_a_full_node)
{
	/* (a limit must leave room for the arena's own metadata: a few MiB) */
	sim_machine(NULL, NULL, "NODAL_NODE_LIMIT", "1:16M");
	thread_policy("interleave:0-1");
	int len;
	const uint16_t *list = nodal_fallback_list(nodal_alloc_topology(), 1, &len);
	cr_assert_gt(len, 1);
	cr_assert_eq(list[0], 1);
	uint64_t skipped_before = node_stats(1).fallback_limit;
	int on1 = 0, fell = 0;
	for (int i = 0; i < 200; i++) {
		void *p = nodal_malloc(256 << 10);
		cr_assert_not_null(p, "allocation %d failed: interleave never fails while a node has room", i);
		int n = nodal_node_of(p);
		if (i % 2 == 0) {
			cr_assert_eq(n, 0, "allocation %d: the cursor's node is 0, placed on %d", i, n);
		} else if (n == 1) {
			cr_assert_eq(fell, 0, "allocation %d back on the full node 1", i);
			on1++;
		} else {
			cr_assert_eq(n, list[1], "allocation %d fell back to %d, node 1's list says %d", i, n, list[1]);
			fell++;
		}
	}
	cr_assert_gt(on1, 0);
	cr_assert_leq(on1, 64, "node 1 holds %d x 256 KiB past its 16 MiB limit", on1);
	cr_assert_gt(fell, 0);
	cr_assert_geq(node_stats(1).fallback_limit - skipped_before, (uint64_t)fell, "the skips of node 1 are counted");
}

/* nodal_malloc_onnode caches the node it validated; a change of the allowed nodes bumps
 * the generation, so a node that is no longer allowed is EINVAL at once — also while
 * it is still the thread's home node (whose objects jemalloc's cache holds). */
Test(fastpath, onnode_cache_follows_the_allowed_nodes)
{
	sim_machine(NULL, NULL, NULL, NULL);
	nodal_free(nodal_malloc(64));    /* registers the thread (it then sees affinity changes) */
	for (int i = 0; i < 1000; i++) { /* node 3 becomes the thread's home */
		void *p = nodal_malloc_onnode(100, 3);
		cr_assert_eq(nodal_node_of(p), 3);
		nodal_free(p);
	}
	nodemask_t m = NODE_MASK_NONE;
	node_set(0, &m);
	node_set(1, &m);
	cr_assert_eq(nodal_sim_set_mems_allowed(&m), 0);
	/* as the preload library's sched_setaffinity does: the next slow path re-reads the
	 * allowed nodes; one allocation on node 0 does not move the home away from 3 */
	nodal_alloc_affinity_changed();
	nodal_free(nodal_malloc(64));
	errno = 0;
	cr_assert_null(nodal_malloc_onnode(100, 3), "node 3 is no longer allowed");
	cr_assert_eq(errno, EINVAL);
	void *p = nodal_malloc_onnode(100, 1);
	cr_assert_eq(nodal_node_of(p), 1);
	nodal_free(p);
}

/* Statistics through the fast paths: per-thread counters, exact. */
Test(fastpath, counters_are_exact)
{
	sim_machine(NULL, "bind:2", NULL, NULL);
	nodal_free(nodal_malloc(64)); /* the first allocation sets the thread up */
	struct nodal_node_stats a = node_stats(2), b = node_stats(3);
	for (int i = 0; i < 5000; i++)
		nodal_free(nodal_malloc(64));
	for (int i = 0; i < 700; i++)
		nodal_free(nodal_malloc_onnode(64, 3));
	struct nodal_node_stats a2 = node_stats(2), b2 = node_stats(3);
	cr_assert_eq(a2.nmalloc - a.nmalloc, 5000);
	cr_assert_eq(a2.nfree - a.nfree, 5000);
	cr_assert_eq(b2.nmalloc - b.nmalloc, 700);
	cr_assert_eq(b2.nfree - b.nfree, 700);
}

/* A decision is for a size range: the rules of one policy by size keep their nodes when
 * the sizes alternate, and a thread policy set later takes effect at the next call. */
Test(fastpath, size_rules_and_policy_change)
{
	sim_machine(NULL, NULL, NULL, NULL);
	thread_policy("bind:3@>=1K;bind:1");
	for (int i = 0; i < 1000; i++) {
		void *a = nodal_malloc(100), *b = nodal_malloc(2000);
		cr_assert_eq(nodal_node_of(a), 1);
		cr_assert_eq(nodal_node_of(b), 3);
		nodal_free(a);
		nodal_free(b);
	}
	thread_policy("bind:2");
	void *p = nodal_malloc(100);
	cr_assert_eq(nodal_node_of(p), 2);
	nodal_free(p);
}
