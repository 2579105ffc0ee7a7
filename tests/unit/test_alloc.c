/*
 * test_alloc.c — the allocation path (alloc.c) and the public API (api.c) on the sim
 * backend: every mode and scope lands on the node the policy resolves (checked twice:
 * nodal_node_of() and the sim's record of the extent binds), fallback over full nodes
 * follows the candidate order, exhausted BIND is NULL + ENOMEM, scope precedence,
 * remote thread policies, rebinding on an allowed-node change, fork, and a policy swap
 * under concurrent allocation. Each criterion test runs in its own process, so each
 * starts with nodal uninitialised and sets its machine through the environment.
 */
#include <config.h>

#include <criterion/criterion.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "fallback.h"
#include "mempolicy.h"
#include "msg.h"
#include "nodal.h"
#include "os.h"
#include "os_sim.h"
#include "sim_machine.h"
#include "scope.h"


/* The node the sim recorded for the last successful bind covering @p, or -1. */
static int bound_node(const void *p)
{
	size_t n = nodal_sim_bind_count();
	for (size_t i = n; i-- > 0;) {
		struct nodal_sim_bind b;
		if (nodal_sim_bind_get(i, &b))
			break;
		if (b.op != NODAL_SIM_OP_MBIND || b.result)
			continue;
		if ((uintptr_t)p >= b.start && (uintptr_t)p < b.start + b.len)
			return first_node(&b.nodes) < NODAL_MAX_NUMNODES ? first_node(&b.nodes) : -1;
	}
	return -1;
}

static void expect_on(void *p, int node)
{
	cr_assert_not_null(p);
	cr_assert_eq(nodal_node_of(p), node, "nodal_node_of = %d, expected %d", nodal_node_of(p), node);
	int b = bound_node(p);
	cr_assert(b == -1 || b == node, "extent bound to node %d, expected %d", b, node);
}

static nodal_policy_t *parse(const char *s)
{
	nodal_policy_t *p = nodal_policy_parse(s);
	cr_assert_not_null(p, "parse '%s': %s", s, nodal_strerror_detail());
	return p;
}

/* --- modes ------------------------------------------------------------------------- */

Test(alloc, local_follows_the_cpu)
{
	sim_machine(SIM_FOUR, NULL, NULL, NULL);
	for (int cpu = 0; cpu < 4; cpu++) {
		sim_run_on(cpu);
		for (size_t sz = 16; sz <= 64 << 10; sz *= 4) {
			void *p = nodal_malloc(sz);
			expect_on(p, cpu);
			nodal_free(p);
		}
	}
}

Test(alloc, every_mode_explicit)
{
	sim_machine(SIM_FOUR, NULL, NULL, NULL);
	sim_run_on(1);
	struct {
		const char *policy;
		int node; /* -1: interleave, checked separately */
	} cases[] = {
		{ "bind:2", 2 },          { "bind:3,0", 0 },       { "preferred:3", 3 },
		{ "preferred-many:2-3", 2 }, { "local", 1 },       { "default", 1 },
		{ "bind:0-3/home=3", 3 }, { "preferred-many:0,2/home=2", 2 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		nodal_policy_t *pol = parse(cases[i].policy);
		void *p = nodal_malloc_policy(pol, 100);
		cr_assert_not_null(p, "%s", cases[i].policy);
		int want = cases[i].node;
		if (!strcmp(cases[i].policy, "bind:3,0")) {
			/* kernel: BIND starts at the local node's list: node 1's list ∩ {0,3} */
			int len;
			const uint16_t *l = nodal_fallback_list(nodal_alloc_topology(), 1, &len);
			for (int k = 0; k < len; k++)
				if (l[k] == 0 || l[k] == 3) {
					want = l[k];
					break;
				}
		}
		expect_on(p, want);
		nodal_free(p);
		nodal_policy_release(pol);
	}
}

Test(alloc, interleave_round_robin_per_policy)
{
	sim_machine(SIM_FOUR, NULL, NULL, NULL);
	nodal_policy_t *pol = parse("interleave:0,2,3");
	int seen[4] = { 0 };
	int prev = -1;
	for (int i = 0; i < 30; i++) {
		void *p = nodal_malloc_policy(pol, 64);
		int n = nodal_node_of(p);
		cr_assert(n == 0 || n == 2 || n == 3, "node %d", n);
		cr_assert_neq(n, prev, "the cursor must move");
		prev = n;
		seen[n]++;
	}
	cr_assert_eq(seen[0], 10);
	cr_assert_eq(seen[2], 10);
	cr_assert_eq(seen[3], 10);
	nodal_policy_release(pol);
}

Test(alloc, weighted_interleave_follows_weights)
{
	sim_machine(SIM_FOUR, NULL, NULL, NULL);
	nodal_policy_t *pol = parse("weighted-interleave:1*3,2*1");
	int seen[4] = { 0 };
	for (int i = 0; i < 40; i++)
		seen[nodal_node_of(nodal_malloc_policy(pol, 64))]++;
	cr_assert_eq(seen[1], 30);
	cr_assert_eq(seen[2], 10);
	nodal_policy_release(pol);
}

Test(alloc, process_policy_from_the_environment_by_size)
{
	sim_machine(SIM_FOUR, "bind:3@>=1K;bind:2", NULL, NULL);
	for (int i = 0; i < 1000; i++) {
		void *a = nodal_malloc(64), *b = nodal_malloc(4096);
		cr_assert_eq(nodal_node_of(a), 2);
		cr_assert_eq(nodal_node_of(b), 3);
		nodal_free(a);
		nodal_free(b);
	}
	expect_on(nodal_malloc(2000), 3);
	expect_on(nodal_malloc(1023), 2);
}

Test(alloc, process_interleave_through_the_fast_path)
{
	sim_machine(SIM_FOUR, "interleave:all", NULL, NULL);
	int seen[4] = { 0 };
	for (int i = 0; i < 4000; i++)
		seen[nodal_node_of(nodal_malloc(32))]++;
	for (int n = 0; n < 4; n++)
		cr_assert_eq(seen[n], 1000, "node %d got %d", n, seen[n]);
}

/* --- scopes ------------------------------------------------------------------------ */

Test(alloc, scope_precedence)
{
	sim_machine(SIM_FOUR, "bind:0", NULL, NULL);
	sim_run_on(3);
	nodal_policy_t *thr = parse("bind:1"), *exp = parse("bind:2"), *def = parse("default");
	expect_on(nodal_malloc(64), 0); /* process */
	cr_assert_eq(nodal_set_thread_policy(thr), 0);
	nodal_policy_release(thr); /* the thread keeps its own copy */
	expect_on(nodal_malloc(64), 1);                   /* thread > process */
	expect_on(nodal_malloc_policy(exp, 64), 2);       /* explicit > thread */
	expect_on(nodal_malloc_policy(def, 64), 1);       /* DEFAULT defers */
	nodal_heap_t *h = nodal_heap_create(exp);
	cr_assert_not_null(h);
	expect_on(nodal_heap_malloc(h, 64), 2);           /* heap > thread */
	void *z = nodal_heap_calloc(h, 10, 10);
	expect_on(z, 2);
	for (int i = 0; i < 100; i++)
		cr_assert_eq(((char *)z)[i], 0);
	cr_assert_eq(nodal_heap_destroy(h), 0);
	cr_assert_eq(nodal_set_thread_policy(NULL), 0);
	expect_on(nodal_malloc(64), 0);                   /* back to process */
	nodal_policy_t *proc = parse("preferred:2");
	cr_assert_eq(nodal_set_process_policy(proc), 0);
	expect_on(nodal_malloc(64), 2);
	cr_assert_eq(nodal_set_process_policy(NULL), 0); /* restores NODAL_POLICY */
	expect_on(nodal_malloc(64), 0);
	nodal_policy_release(proc);
	nodal_policy_release(exp);
	nodal_policy_release(def);
}

Test(alloc, get_thread_policy_and_format)
{
	sim_machine(SIM_FOUR, "interleave:0-1@>=1M;bind:2", NULL, NULL);
	nodal_policy_t *p = nodal_get_thread_policy(64);
	cr_assert_not_null(p);
	char buf[128];
	nodal_policy_format(p, buf, sizeof(buf));
	cr_assert_str_eq(buf, "bind:2");
	nodal_policy_release(p);
	p = nodal_get_thread_policy(2 << 20);
	nodal_policy_format(p, buf, sizeof(buf));
	cr_assert_str_eq(buf, "interleave:0-1");
	nodal_policy_release(p);
}

struct remote {
	_Atomic pid_t tid;
	_Atomic int go, done;
	int node_before, node_after;
};

static void *remote_thread(void *arg)
{
	struct remote *r = arg;
	nodal_sim_set_cpu(0);
	void *p = nodal_malloc(64);
	r->node_before = nodal_node_of(p);
	nodal_free(p);
	r->tid = gettid();
	while (!r->go)
		sched_yield();
	p = nodal_malloc(64); /* adopts the posted policy here, in its own context */
	r->node_after = nodal_node_of(p);
	nodal_free(p);
	r->done = 1;
	return NULL;
}

Test(alloc, thread_policy_posted_by_another_thread)
{
	sim_machine(SIM_FOUR, NULL, NULL, NULL);
	struct remote r = { 0 };
	pthread_t th;
	pthread_create(&th, NULL, remote_thread, &r);
	while (!r.tid)
		sched_yield();
	nodal_policy_t *pol = parse("bind:3");
	cr_assert_eq(nodal_set_thread_policy_of(r.tid, pol), 0);
	nodal_policy_release(pol);
	r.go = 1;
	pthread_join(th, NULL);
	cr_assert_eq(r.node_before, 0);
	cr_assert_eq(r.node_after, 3);
	/* the poster's own policy did not change */
	sim_run_on(1);
	expect_on(nodal_malloc(64), 1);
	/* a thread that is gone */
	pol = parse("bind:2");
	cr_assert_eq(nodal_set_thread_policy_of(r.tid, pol), ESRCH);
	cr_assert_eq(nodal_set_pthread_policy(th, pol), ESRCH);
	nodal_policy_release(pol);
}

/* --- capacity ---------------------------------------------------------------------- */

Test(alloc, fallback_on_limit_follows_the_candidate_order)
{
	/* (a limit must leave room for the arena's own metadata: a few MiB) */
	sim_machine(SIM_FOUR, "preferred:2", "NODAL_NODE_LIMIT", "2:16M");
	int len;
	const uint16_t *list = nodal_fallback_list(nodal_alloc_topology(), 2, &len);
	cr_assert_gt(len, 1);
	int next = list[1];
	int on2 = 0, elsewhere = 0;
	for (int i = 0; i < 128; i++) {
		void *p = nodal_malloc(256 << 10);
		cr_assert_not_null(p);
		int n = nodal_node_of(p);
		if (n == 2) {
			cr_assert_eq(elsewhere, 0, "back on node 2 after falling back");
			on2++;
		} else {
			cr_assert_eq(n, next, "fell back to %d, the candidate order says %d", n, next);
			elsewhere++;
		}
	}
	cr_assert_gt(on2, 0);
	cr_assert_gt(elsewhere, 0);
}

Test(alloc, exhausted_bind_is_enomem)
{
	sim_machine(SIM_FOUR, "bind:1", "NODAL_NODE_LIMIT", "1:16M");
	int ok = 0;
	void *p;
	errno = 0;
	while ((p = nodal_malloc(256 << 10)) != NULL) {
		cr_assert_eq(nodal_node_of(p), 1);
		cr_assert_lt(++ok, 64, "BIND went past the node's limit");
	}
	cr_assert_eq(errno, ENOMEM);
	cr_assert_gt(ok, 0);
	/* an explicit preferred policy still finds memory elsewhere */
	nodal_policy_t *pref = parse("preferred:1");
	p = nodal_malloc_policy(pref, 256 << 10);
	cr_assert_not_null(p);
	cr_assert_neq(nodal_node_of(p), 1);
	nodal_policy_release(pref);
}

/* --- onnode and errno -------------------------------------------------------------- */

Test(alloc, onnode)
{
	sim_machine(SIM_FOUR, "bind:0", NULL, NULL);
	for (int n = 0; n < 4; n++) {
		void *p = nodal_malloc_onnode(1000, n);
		expect_on(p, n);
		nodal_free_onnode(p, 1000);
		char *z = nodal_calloc_onnode(100, 10, n);
		expect_on(z, n);
		for (int i = 0; i < 1000; i++)
			cr_assert_eq(z[i], 0);
		nodal_free(z);
	}
	errno = 0;
	cr_assert_null(nodal_malloc_onnode(64, 4));
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_null(nodal_malloc_onnode(64, -1));
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_null(nodal_calloc_onnode(SIZE_MAX / 2, 4, 0));
	cr_assert_eq(errno, ENOMEM);
}

Test(alloc, onnode_memoryless_is_einval)
{
	sim_machine("synthetic:pack:2 [numa(memory=0)] [numa(memory=1GB)] core:1 pu:1", NULL, NULL, NULL);
	const struct nodal_topology *t = nodal_alloc_topology();
	int memless = -1;
	for (int n = 0; n < t->nr_node_ids; n++)
		if (t->nodes[n].present && !t->nodes[n].has_memory)
			memless = n;
	if (memless < 0)
		cr_skip_test("hwloc gave no memoryless node");
	errno = 0;
	cr_assert_null(nodal_malloc_onnode(64, memless));
	cr_assert_eq(errno, EINVAL);
}

Test(alloc, api_errno_cases)
{
	sim_machine(SIM_FOUR, NULL, NULL, NULL);
	errno = 0;
	cr_assert_null(nodal_aligned_alloc(24, 64));
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_null(nodal_aligned_alloc(0, 64));
	cr_assert_eq(errno, EINVAL);
	void *a = nodal_aligned_alloc(4096, 10);
	cr_assert_not_null(a);
	cr_assert_eq((uintptr_t)a % 4096, 0);
	nodal_free(a);
	errno = 0;
	cr_assert_null(nodal_calloc(SIZE_MAX / 2, 3));
	cr_assert_eq(errno, ENOMEM);
	errno = 0;
	cr_assert_null(nodal_policy_parse("bogus:1"));
	cr_assert_eq(errno, EINVAL);
	cr_assert_neq(nodal_strerror_detail()[0], 0);
	errno = 0;
	cr_assert_null(nodal_policy_parse("bind:"));
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_null(nodal_policy_parse("bind:7"));
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_null(nodal_malloc_policy(NULL, 8));
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(nodal_heap_create(NULL));
	cr_assert_eq(nodal_heap_destroy(NULL), EINVAL);
	errno = 0;
	cr_assert_eq(nodal_node_of(&errno), -1);
	cr_assert_eq(errno, EINVAL);
	/* malloc(0) is unique and freeable; realloc keeps contents */
	void *z1 = nodal_malloc(0), *z2 = nodal_malloc(0);
	cr_assert(z1 && z2 && z1 != z2);
	nodal_free(z1);
	nodal_free(z2);
	char *r = nodal_malloc(10);
	memcpy(r, "abcdefghi", 10);
	r = nodal_realloc(r, 100000);
	cr_assert_str_eq(r, "abcdefghi");
	cr_assert_geq(nodal_usable_size(r), 100000);
	r = nodal_realloc(r, 5);
	cr_assert_eq(memcmp(r, "abcde", 5), 0);
	cr_assert_null(nodal_realloc(r, 0));
	cr_assert_eq(nodal_node_count(), 4);
	cr_assert_eq(nodal_node_max(), 4);
	struct nodal_node_info info;
	cr_assert_eq(nodal_node_info(2, &info), 0);
	cr_assert_eq(info.id, 2);
	cr_assert(info.has_memory && info.allowed && !info.is_private);
	cr_assert_eq(nodal_node_info(9, &info), EINVAL);
	cr_assert_eq(nodal_distance(0, 0), 10);
	cr_assert_eq(nodal_distance(0, 9), -1);
}

/* --- rebinding ---------------------------------------------------------------------- */

Test(alloc, rebind_on_allowed_change)
{
	/* kernel: mpol_rebind_nodemask, default mode: remap(2-3, 0-3 → 0-1) = 0-1 */
	sim_machine(SIM_FOUR, "bind:2-3", "NODAL_REBIND_INTERVAL_MS", "1");
	sim_run_on(3);
	expect_on(nodal_malloc(64), 3);
	nodal_policy_t *st = parse("bind=static:3"); /* made while node 3 is allowed */
	expect_on(nodal_malloc_policy(st, 64), 3);
	nodemask_t m = NODE_MASK_NONE;
	node_set(0, &m);
	node_set(1, &m);
	cr_assert_eq(nodal_sim_set_mems_allowed(&m), 0);
	struct timespec ts = { 0, 5 * 1000000 };
	nanosleep(&ts, NULL);
	int n = -1;
	for (int i = 0; i < 2000; i++) {
		void *p = nodal_malloc(64);
		n = nodal_node_of(p);
		nodal_free(p);
	}
	cr_assert(n == 0 || n == 1, "still on node %d after the allowed nodes became 0-1", n);
	/* kernel: a static policy keeps user nodes ∩ allowed; an empty result → all allowed */
	void *p = nodal_malloc_policy(st, 64);
	cr_assert(p);
	n = nodal_node_of(p);
	cr_assert(n == 0 || n == 1, "static bind:3 with allowed 0-1 placed on %d", n);
	nodal_policy_release(st);
	/* creating one now is the kernel's EINVAL: no requested node is allowed */
	errno = 0;
	cr_assert_null(nodal_policy_parse("bind=static:3"));
	cr_assert_eq(errno, EINVAL);
}

/* --- fork and concurrency ------------------------------------------------------------ */

static void *churn(void *arg)
{
	_Atomic int *stop = arg;
	while (!*stop) {
		void *p[16];
		for (int i = 0; i < 16; i++)
			p[i] = nodal_malloc((size_t)(i + 1) * 24);
		for (int i = 0; i < 16; i++)
			nodal_free(p[i]);
	}
	return NULL;
}

Test(alloc, fork_child_allocates)
{
	sim_machine(SIM_FOUR, "bind:2", NULL, NULL);
	_Atomic int stop = 0;
	pthread_t th;
	pthread_create(&th, NULL, churn, &stop);
	for (int k = 0; k < 20; k++) {
		pid_t pid = fork();
		cr_assert_geq(pid, 0);
		if (pid == 0) {
			int bad = 0;
			for (int i = 0; i < 1000; i++) {
				void *p = nodal_malloc(100);
				bad |= !p || nodal_node_of(p) != 2;
				nodal_free(p);
			}
			nodal_policy_t *pol = nodal_policy_parse("bind:1");
			bad |= nodal_node_of(nodal_malloc_policy(pol, 64)) != 1;
			_exit(bad);
		}
		int st;
		cr_assert_eq(waitpid(pid, &st, 0), pid);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d failed", k);
	}
	stop = 1;
	pthread_join(th, NULL);
}

struct swap_arg {
	_Atomic int *stop;
	_Atomic long bad, count;
};

static void *check_churn(void *arg)
{
	struct swap_arg *a = arg;
	while (!*a->stop) {
		void *p = nodal_malloc(48);
		int n = nodal_node_of(p);
		if (n != 1 && n != 2)
			a->bad++;
		a->count++;
		nodal_free(p);
	}
	return NULL;
}

Test(alloc, policy_swap_under_concurrent_allocation)
{
	sim_machine(SIM_FOUR, "bind:1", NULL, NULL);
	_Atomic int stop = 0;
	struct swap_arg a = { .stop = &stop };
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, check_churn, &a);
	nodal_policy_t *p1 = parse("bind:1"), *p2 = parse("interleave:1-2");
	for (int i = 0; i < 2000; i++)
		cr_assert_eq(nodal_set_process_policy(i & 1 ? p1 : p2), 0);
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	cr_assert_eq(a.bad, 0);
	cr_assert_gt(a.count, 0);
	nodal_policy_release(p1);
	nodal_policy_release(p2);
}

/* --- the linux backend on this machine ---------------------------------------------- */

Test(alloc_linux, move_pages_confirms_node_0)
{
	setenv("NODAL_OS", "linux", 1);
	unsetenv("NODAL_TOPOLOGY");
	cr_assert_eq(nodal_init(), 0, "%s", nodal_strerror_detail());
	cr_assert_str_eq(nodal_os()->name, "linux");
	size_t sizes[] = { 64, 4096, 1 << 20, 8 << 20 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *p = nodal_malloc(sizes[i]);
		cr_assert_not_null(p);
		memset(p, 1, sizes[i]);
		void *page = (void *)((uintptr_t)p & ~(uintptr_t)4095);
		int status = -1;
		cr_assert_eq(nodal_os()->query_pages(1, &page, &status), 0);
		cr_assert_eq(status, 0, "move_pages says node %d for %zu bytes", status, sizes[i]);
		cr_assert_eq(nodal_node_of(p), 0);
		nodal_free(p);
	}
	char *q = nodal_malloc_onnode(100000, 0);
	memset(q, 2, 100000);
	void *page = (void *)((uintptr_t)q & ~(uintptr_t)4095);
	int status = -1;
	cr_assert_eq(nodal_os()->query_pages(1, &page, &status), 0);
	cr_assert_eq(status, 0);
	nodal_free(q);
	errno = 0;
	cr_assert_null(nodal_malloc_onnode(64, nodal_node_max()));
	cr_assert_eq(errno, EINVAL);
}
