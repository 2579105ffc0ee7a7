/*
 * test_capacity.c — capacity on the sim backend: what the VM tier (tests/vm/guest/place.c)
 * found on real kernels, reproduced on the simulated machine first.
 *
 * - PREFERRED_MANY under NODAL_NODE_LIMIT fills its nodes in candidate order (place.c
 *   "fill" scenario);
 * - BIND under NODAL_NODE_LIMIT as the process policy (what the preload library runs
 *   with): large mallocs end in NULL/ENOMEM and the process keeps allocating small
 *   objects from the memory the node already has (place.c PRELOAD_TODO);
 * - BIND past a node's real capacity, no limit: NULL/ENOMEM, never a page the kernel
 *   cannot place (the sim's equivalent of the OOM kill: nodal_sim_touch() failing) —
 *   place.c "bind-real".
 *
 * Each criterion test runs in its own process and sets its machine through the
 * environment (nodal initialises once per process).
 */
#include <config.h>

#include <criterion/criterion.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "fallback.h"
#include "nodal.h"
#include "os.h"
#include "os_sim.h"
#include "sim_machine.h"
#include "scope.h"

#define MIB ((size_t)1 << 20)

static nodal_policy_t *parse(const char *s)
{
	nodal_policy_t *p = nodal_policy_parse(s);
	cr_assert_not_null(p, "parse '%s': %s", s, nodal_strerror_detail());
	return p;
}

/* Where the sim put the pages of [p, p+len): the node if they are all on one, -2 when
 * they are split, -1 when a page could not be placed (the kernel's OOM kill). */
static int __attribute__((unused)) touched_node(void *p, size_t len)
{
	if (nodal_sim_touch(p, len))
		return -1;
	int node = -3;
	for (size_t off = 0; off < len; off += 4096) {
		void *pg = (char *)p + off;
		int st = -1;
		cr_assert_eq(nodal_os()->query_pages(1, &pg, &st), 0);
		if (node == -3)
			node = st;
		else if (st != node)
			return -2;
	}
	return node;
}

/* place.c "fill": PREFERRED then PREFERRED_MANY over a node limited to 16M, 1 MiB each,
 * never freed; PREFERRED_MANY must go on with the next node of its set. */
Test(capacity, preferred_many_fills_in_candidate_order)
{
	sim_machine(NULL, NULL, "NODAL_NODE_LIMIT", "2:16M");
	sim_run_on(0);
	int len;
	const uint16_t *list = nodal_fallback_list(nodal_alloc_topology(), 2, &len);
	nodal_policy_t *pref = parse("preferred:2");
	int seq[40], on2 = 0;
	for (int i = 0; i < 40; i++) {
		void *p = nodal_malloc_policy(pref, MIB);
		cr_assert_not_null(p);
		seq[i] = nodal_node_of(p);
		on2 += seq[i] == 2;
	}
	cr_assert(on2 >= 8 && on2 <= 16, "preferred:2 put %d MiB on node 2 (limit 16M)", on2);
	cr_assert_eq(seq[39], list[1]);
	nodal_policy_release(pref);

	/* node 2 is full now: preferred-many:2,3 from CPU 0 goes to 3, never 0 or 1 */
	nodal_policy_t *pm = parse("preferred-many:2,3");
	char got[256] = "";
	size_t o = 0;
	bool ok = true;
	for (int i = 0; i < 40; i++) {
		void *p = nodal_malloc_policy(pm, MIB);
		cr_assert_not_null(p);
		int n = nodal_node_of(p);
		o += (size_t)snprintf(got + o, sizeof(got) - o, "%d ", n);
		ok = ok && (n == 2 || n == 3) && !(n == 2 && i > 0 && seq[i - 1] == 3);
		seq[i] = n;
	}
	cr_assert(ok, "preferred-many:2,3 after node 2 filled: %s", got);
	cr_assert_eq(seq[39], 3, "%s", got);
	nodal_policy_release(pm);
}

/* The same from a fresh start: node 2 fills first, then 3. */
Test(capacity, preferred_many_fills_first_node_then_next)
{
	sim_machine(NULL, NULL, "NODAL_NODE_LIMIT", "2:16M");
	sim_run_on(0);
	nodal_policy_t *pm = parse("preferred-many:2,3");
	char got[256] = "";
	size_t o = 0;
	int last = 2, on2 = 0;
	for (int i = 0; i < 40; i++) {
		void *p = nodal_malloc_policy(pm, MIB);
		cr_assert_not_null(p);
		int n = nodal_node_of(p);
		o += (size_t)snprintf(got + o, sizeof(got) - o, "%d ", n);
		cr_assert(n == 2 || n == 3, "%s", got);
		cr_assert(!(n == 2 && last == 3), "back on node 2: %s", got);
		on2 += n == 2;
		last = n;
	}
	cr_assert(on2 >= 8 && on2 <= 16, "%s", got);
	cr_assert_eq(last, 3, "%s", got);
	nodal_policy_release(pm);
}

/* place.c PRELOAD_TODO: the process policy is BIND (as NODAL_POLICY under the preload
 * library), node 1 limited to 16M: 1 MiB mallocs end in NULL/ENOMEM, all on node 1, and
 * a small malloc afterwards still succeeds from what the arena has (the program goes on
 * to report, as a real one would). */
Test(capacity, process_bind_under_limit_enomem_then_small_ok)
{
	sim_machine(NULL, "bind:1", "NODAL_NODE_LIMIT", "1:16M");
	sim_run_on(0);
	int got = 0;
	void *p;
	errno = 0;
	while ((p = nodal_malloc(MIB)) != NULL) {
		cr_assert_eq(nodal_node_of(p), 1);
		cr_assert_lt(++got, 64, "BIND went past the node's limit");
	}
	cr_assert_eq(errno, ENOMEM);
	cr_assert_gt(got, 0);
	for (int i = 0; i < 16; i++) {
		void *s = nodal_malloc(64);
		cr_assert_not_null(s, "small malloc %d after ENOMEM: %s", i, strerror(errno));
		cr_assert_eq(nodal_node_of(s), 1);
	}
}

/* On a fresh sim machine (CPU 0) with node 1 at 96 MiB: allocate @chunk-sized bind:1
 * objects until NULL; each must be all on node 1 (no spill, no kill), the end ENOMEM after
 * at least @min_chunks and fewer than @max_chunks, nothing left on other nodes. Returns the
 * policy (release it). */
static nodal_policy_t *fill_node1(size_t chunk, int min_chunks, int max_chunks)
{
	sim_machine(NULL, NULL, NULL, NULL);
	sim_run_on(0);
	cr_assert_eq(nodal_sim_set_capacity(1, 96 * MIB), 0);
	nodal_policy_t *pol = parse("bind:1");
	int got = 0;
	void *p;
	errno = 0;
	while ((p = nodal_malloc_policy(pol, chunk)) != NULL) {
		cr_assert_eq(nodal_node_of(p), 1);
		cr_assert_eq(touched_node(p, chunk), 1, "chunk %d: pages not all on node 1 (-1: the OOM kill)", got);
		cr_assert_lt(++got, max_chunks, "BIND went past the node's memory");
	}
	cr_assert_eq(errno, ENOMEM);
	cr_assert_geq(got, min_chunks, "only %d chunks of %zu KiB fit on a 96 MiB node", got, chunk >> 10);
	for (int n = 0; n < 4; n++)
		if (n != 1)
			cr_assert_eq(nodal_sim_node_used(n), 0, "%llu bytes left on node %d",
			             (unsigned long long)nodal_sim_node_used(n), n);
	cr_assert_leq(nodal_sim_node_used(1), 96 * MIB);
	return pol;
}

/* BIND past a node's real capacity, no NODAL_NODE_LIMIT (place.c "bind-real"): large
 * allocations (own mappings) end in NULL/ENOMEM, every page handed out is on the node and
 * present — touching never needs a page the node cannot give (the real kernel's OOM
 * kill) — and nothing is left on other nodes. @reserve: NODAL_BIND_RESERVE, or NULL for
 * the default; 0 leaves the whole check to populate-and-verify. */
static void bind_past_the_node(const char *reserve, size_t chunk, int min_chunks)
{
	if (reserve)
		setenv("NODAL_BIND_RESERVE", reserve, 1);
	nodal_policy_t *pol = fill_node1(chunk, min_chunks, 64);
	/* other policies still find memory: the process goes on */
	void *q = nodal_malloc(4 * MIB);
	cr_assert_not_null(q);
	cr_assert_neq(touched_node(q, 4 * MIB), -1);
	nodal_policy_release(pol);
}

Test(capacity, bind_past_the_node_default_reserve)
{
	/* 96 MiB minus the 16M default reserve: 20 chunks of 4 MiB */
	bind_past_the_node(NULL, 4 * MIB, 19);
}

Test(capacity, bind_past_the_node_populate_and_verify)
{
	/* no reserve: the pre-check lets the last chunk through; the populate spills it and
	 * the strict re-bind cannot move it back: ENOMEM, the spilled pages gone */
	bind_past_the_node("0", 5 * MIB, 19);
}

/* Small BIND objects (arena extents, bound PREFERRED) past the node's real memory, no
 * limit: ENOMEM once the node's free memory nears NODAL_BIND_RESERVE, every page on the
 * node (none silently from another), and small objects still come from what the arena
 * has. */
Test(capacity, bind_small_objects_past_the_node)
{
	nodal_policy_t *pol = fill_node1(MIB, 40, 200);
	/* the node is full for everyone now: PREFERRED falls back in its order */
	nodal_policy_t *pref = parse("preferred:1");
	void *q = nodal_malloc_policy(pref, MIB);
	cr_assert_not_null(q);
	cr_assert_neq(nodal_node_of(q), 1);
	nodal_policy_release(pref);
	nodal_policy_release(pol);
}

/* --- the linux backend on this machine (one node) ----------------------------------- */

Test(capacity_linux, node_reclaimable_reads_node0)
{
	const struct nodal_os_ops *L = &nodal_os_linux;
	uint64_t rec = UINT64_MAX, fr = 0, tot = 0;
	cr_assert_eq(L->node_memory(0, &fr, &tot), 0);
	cr_assert_eq(L->node_reclaimable(0, &rec), 0);
	cr_assert_lt(rec, tot, "reclaimable %llu of %llu", (unsigned long long)rec, (unsigned long long)tot);
	cr_assert_eq(L->node_reclaimable(-1, &rec), EINVAL);
	cr_assert_eq(L->node_reclaimable(NODAL_MAX_NUMNODES, &rec), EINVAL);
}

/* A BIND mapping larger than node 0 is ENOMEM at once (the room check), and one that fits
 * is resident on node 0 when malloc returns (populated, strictly bound). */
Test(capacity_linux, bind_mapping_checked_and_populated)
{
	setenv("NODAL_OS", "linux", 1);
	unsetenv("NODAL_TOPOLOGY");
	cr_assert_eq(nodal_init(), 0, "%s", nodal_strerror_detail());
	uint64_t fr = 0, tot = 0;
	cr_assert_eq(nodal_os()->node_memory(0, &fr, &tot), 0);
	nodal_policy_t *pol = parse("bind:0");
	errno = 0;
	void *big = nodal_malloc_policy(pol, (size_t)tot + (1ul << 30));
	cr_assert_null(big);
	cr_assert_eq(errno, ENOMEM);
	if (!(nodal_os()->features() & NODAL_OS_HAS_MBIND))
		cr_skip_test("mbind is refused here (seccomp?): nothing is bound, nothing to populate");
	size_t len = 8 * MIB;
	char *p = nodal_malloc_policy(pol, len);
	cr_assert_not_null(p, "%s", strerror(errno));
	for (size_t off = 0; off < len; off += 4096) {
		void *pg = p + off;
		int st = -1;
		cr_assert_eq(nodal_os()->query_pages(1, &pg, &st), 0);
		cr_assert_eq(st, 0, "page %zu: status %d (not present before any touch = not populated)", off / 4096,
		             st);
	}
	nodal_free(p);
	nodal_policy_release(pol);
}
