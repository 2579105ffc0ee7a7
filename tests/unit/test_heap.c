/*
 * test_heap.c — heaps own their memory (heap.c), on the sim backend: every allocation
 * of a heap lands on the node its policy resolves and is recognised as the heap's
 * (nodal_heap_of); nodal_heap_destroy() gives everything back — the bytes and the
 * committed share in the per-node statistics, the pages the simulated kernel had
 * placed, every mapping made for the heap — and counts the discarded objects freed;
 * heap memory never leaks into thread caches (it would outlive the heap); realloc keeps
 * a heap's object in its heap; jemalloc's arena indices are recycled over many heaps;
 * fork while another thread creates and destroys heaps leaves the child's heaps usable.
 */
#include <config.h>

#include <criterion/criterion.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "nodal.h"
#include "os.h"
#include "os_sim.h"

#define FOUR "synthetic:pack:4 numa:1 core:1 pu:1"

static void machine(const char *extra_name, const char *extra_value)
{
	setenv("NODAL_OS", "sim", 1);
	setenv("NODAL_TOPOLOGY", FOUR, 1);
	if (extra_name)
		setenv(extra_name, extra_value, 1);
	cr_assert_eq(nodal_init(), 0, "nodal_init: %s", nodal_strerror_detail());
}

static nodal_heap_t *heap(const char *policy)
{
	nodal_policy_t *p = nodal_policy_parse(policy);
	cr_assert_not_null(p, "%s: %s", policy, nodal_strerror_detail());
	nodal_heap_t *h = nodal_heap_create(p);
	nodal_policy_release(p); /* the heap keeps its own copy */
	cr_assert_not_null(h);
	return h;
}

static struct nodal_stats *stats(void)
{
	struct nodal_stats *s = calloc(1, sizeof(*s));
	cr_assert_eq(nodal_stats_get(s), 0);
	return s;
}

Test(heap, destroy_gives_everything_back)
{
	machine(NULL, NULL);
	nodal_free(nodal_malloc(64)); /* the thread's own setup is not the heap's */
	struct nodal_stats *a = stats();
	uint64_t used0 = nodal_sim_node_used(2);
	uint64_t maps0 = nodal_os()->stats->maps, unmaps0 = nodal_os()->stats->unmaps;

	nodal_heap_t *h = heap("bind:2");
	enum { N = 3000 };
	static void *p[N];
	size_t bytes = 0;
	for (int i = 0; i < N; i++) {
		size_t sz = i % 500 == 0 ? (size_t)(6 << 20) /* a page-policy mapping */
			    : i % 50 == 0 ? (size_t)(300 << 10) : (size_t)(i % 700) + 1;
		p[i] = i % 7 == 0 ? nodal_heap_calloc(h, 1, sz)
		       : i % 11 == 0 ? nodal_heap_aligned_alloc(h, 256, sz) : nodal_heap_malloc(h, sz);
		cr_assert_not_null(p[i]);
		cr_assert_eq(nodal_node_of(p[i]), 2);
		cr_assert_eq(nodal_heap_of(p[i]), h, "allocation %d of %zu bytes is not the heap's", i, sz);
		cr_assert_eq(nodal_sim_touch(p[i], sz), 0);
		bytes += sz;
	}
	/* free a third of them (from this thread) before the destroy */
	for (int i = 0; i < N; i += 3)
		nodal_free(p[i]);
	struct nodal_stats *b = stats();
	cr_assert_gt(b->node[2].allocated, a->node[2].allocated + bytes / 2);
	cr_assert_gt(b->node[2].committed, a->node[2].committed);
	cr_assert_gt(nodal_sim_node_used(2), used0);
	cr_assert_eq(b->node[2].nmalloc - a->node[2].nmalloc, N);

	cr_assert_eq(nodal_heap_destroy(h), 0);
	struct nodal_stats *c = stats();
	cr_assert_eq(c->node[2].allocated, a->node[2].allocated, "allocated %llu, before %llu",
		     (unsigned long long)c->node[2].allocated, (unsigned long long)a->node[2].allocated);
	cr_assert_eq(c->node[2].active, a->node[2].active);
	cr_assert_eq(c->node[2].mapped, a->node[2].mapped);
	cr_assert_eq(c->node[2].pages_bytes, a->node[2].pages_bytes);
	cr_assert_eq(c->node[2].committed, a->node[2].committed, "committed %llu, before %llu",
		     (unsigned long long)c->node[2].committed, (unsigned long long)a->node[2].committed);
	/* the discarded objects count as freed: live objects are as before */
	cr_assert_eq(c->node[2].nmalloc - c->node[2].nfree, a->node[2].nmalloc - a->node[2].nfree);
	/* the simulated kernel forgot every page: all unmapped */
	cr_assert_eq(nodal_sim_node_used(2), used0);
	uint64_t maps = nodal_os()->stats->maps - maps0, unmaps = nodal_os()->stats->unmaps - unmaps0;
	cr_assert_gt(maps, 0);
	cr_assert_geq(unmaps, maps, "%llu mappings made for the heap, %llu unmapped", (unsigned long long)maps,
		      (unsigned long long)unmaps);
	/* a pointer of the destroyed heap is no longer nodal's: its free is ignored */
	cr_assert_eq(nodal_node_of(p[1]), -1);
	nodal_free(p[1]);
	cr_assert_null(nodal_heap_of(p[1]));
	/* ordinary allocation goes on */
	void *q = nodal_malloc_onnode(100, 2);
	cr_assert_eq(nodal_node_of(q), 2);
	nodal_free(q);
	free(a);
	free(b);
	free(c);
}

Test(heap, objects_never_reach_a_thread_cache)
{
	/* freed heap objects go straight back to the heap's arena: later ordinary
	 * allocations of the same sizes on the same node never get one */
	machine(NULL, NULL);
	cr_assert_eq(nodal_sim_set_cpu(1), 0);
	nodal_alloc_affinity_changed();
	nodal_free(nodal_malloc(16)); /* node 1 is this thread's home: its cache is live */
	nodal_heap_t *h = heap("bind:1");
	enum { N = 500 };
	void *hp[N];
	for (int i = 0; i < N; i++)
		hp[i] = nodal_heap_malloc(h, (size_t)(i % 8 + 1) * 16);
	for (int i = 0; i < N; i++)
		nodal_free(hp[i]);
	for (int i = 0; i < N; i++) {
		void *q = nodal_malloc((size_t)(i % 8 + 1) * 16);
		cr_assert_eq(nodal_node_of(q), 1);
		cr_assert_null(nodal_heap_of(q), "an ordinary allocation returned the heap's object %p", q);
		hp[i] = q;
	}
	cr_assert_eq(nodal_heap_destroy(h), 0);
	/* the ordinary objects are untouched by the destroy */
	for (int i = 0; i < N; i++) {
		memset(hp[i], 0x5a, (size_t)(i % 8 + 1) * 16);
		cr_assert_eq(nodal_node_of(hp[i]), 1);
		nodal_free(hp[i]);
	}
}

Test(heap, heap_of_and_realloc)
{
	machine(NULL, NULL);
	nodal_heap_t *h = heap("bind:3"), *g = heap("interleave:0-1");
	void *plain = nodal_malloc(100);
	errno = 0;
	cr_assert_null(nodal_heap_of(plain));
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_null(nodal_heap_of(NULL));
	cr_assert_eq(errno, EINVAL);
	/* interleave over 0-1: objects alternate, big ones get an interleaved mapping */
	int seen[4] = { 0 };
	for (int i = 0; i < 8; i++) {
		void *x = nodal_heap_malloc(g, 64);
		cr_assert_eq(nodal_heap_of(x), g);
		seen[nodal_node_of(x)]++;
	}
	cr_assert(seen[0] && seen[1] && !seen[2] && !seen[3]);
	void *big = nodal_heap_malloc(g, 8 << 20);
	cr_assert_eq(nodal_heap_of(big), g);
	/* realloc keeps a heap's object in its heap, also past NODAL_PAGE_POLICY_MIN */
	char *r = nodal_heap_malloc(h, 10);
	memcpy(r, "heap-data", 10);
	r = nodal_realloc(r, 200000);
	cr_assert_eq(nodal_heap_of(r), h);
	cr_assert_eq(nodal_node_of(r), 3);
	r = nodal_realloc(r, 6 << 20);
	cr_assert_eq(nodal_heap_of(r), h);
	cr_assert_str_eq(r, "heap-data");
	big = nodal_realloc(big, 12 << 20); /* a mapping moved stays the heap's */
	cr_assert_eq(nodal_heap_of(big), g);
	/* nodal_heap_realloc moves foreign memory into the heap */
	memcpy(plain, "plain", 6);
	void *moved = nodal_heap_realloc(h, plain, 300);
	cr_assert_eq(nodal_heap_of(moved), h);
	cr_assert_str_eq(moved, "plain");
	moved = nodal_heap_realloc(g, moved, 50); /* from heap h to heap g */
	cr_assert_eq(nodal_heap_of(moved), g);
	cr_assert_str_eq(moved, "plain");
	void *fresh = nodal_heap_realloc(h, NULL, 40);
	cr_assert_eq(nodal_heap_of(fresh), h);
	cr_assert_null(nodal_heap_realloc(h, fresh, 0));
	errno = 0;
	cr_assert_null(nodal_heap_realloc(NULL, NULL, 10));
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(nodal_heap_destroy(g), 0);
	cr_assert_eq(nodal_heap_of(r), h, "destroying one heap leaves the other alone");
	cr_assert_str_eq(r, "heap-data");
	cr_assert_eq(nodal_heap_destroy(h), 0);
}

Test(heap, many_heaps_recycle_arenas)
{
	/* 4 arenas per heap; 1100 heaps would pass jemalloc's 4095-arena limit unless the
	 * destroyed arenas' indices are reused */
	machine(NULL, NULL);
	for (int i = 0; i < 1100; i++) {
		nodal_heap_t *h = heap("interleave:all");
		for (int k = 0; k < 4; k++)
			cr_assert_not_null(nodal_heap_malloc(h, 100), "heap %d: %s", i, strerror(errno));
		cr_assert_eq(nodal_heap_destroy(h), 0);
	}
}

static void *free_from_thread(void *arg)
{
	void **v = arg;
	for (int i = 0; i < 100; i++)
		nodal_free(v[i]);
	return NULL;
}

Test(heap, other_threads_free_and_limits_count)
{
	/* a heap's memory counts against NODAL_NODE_LIMIT and is given back by destroy */
	machine("NODAL_NODE_LIMIT", "0:64M");
	nodal_heap_t *h = heap("bind:0");
	void *v[100];
	for (int i = 0; i < 100; i++)
		v[i] = nodal_heap_malloc(h, 1000);
	pthread_t th;
	pthread_create(&th, NULL, free_from_thread, v);
	pthread_join(th, NULL);
	int n = 0;
	while (nodal_heap_malloc(h, 1 << 20))
		cr_assert_lt(++n, 64, "bind past the limit");
	cr_assert_eq(errno, ENOMEM);
	struct nodal_stats *a = stats();
	cr_assert(a->node[0].full);
	cr_assert_eq(nodal_heap_destroy(h), 0);
	struct nodal_stats *b = stats();
	cr_assert(!b->node[0].full, "destroy gave the node's capacity back");
	cr_assert_lt(b->node[0].committed, a->node[0].committed - (32 << 20));
	void *p = nodal_malloc_onnode(1 << 20, 0);
	cr_assert_eq(nodal_node_of(p), 0);
	free(a);
	free(b);
}

static _Atomic int churn_stop;

static void *heap_churn(void *arg)
{
	(void)arg;
	while (!churn_stop) {
		nodal_heap_t *h = heap("interleave:all");
		for (int k = 0; k < 8; k++)
			nodal_heap_malloc(h, 64 << (k % 4));
		nodal_heap_destroy(h);
	}
	return NULL;
}

Test(heap, fork_while_another_thread_creates_and_destroys_heaps, .timeout = 60.)
{
	/* the heap lock is held across fork (heap.c's pthread_atfork handlers): every child
	 * can use heaps at once. Without them a child deadlocks (measured: the timeout fails
	 * the test) */
	machine(NULL, NULL);
	pthread_t th;
	pthread_create(&th, NULL, heap_churn, NULL);
	for (int i = 0; i < 20; i++) {
		pid_t pid = fork();
		cr_assert_neq(pid, -1);
		if (pid == 0) {
			nodal_heap_t *h = heap("bind:1");
			void *p = nodal_heap_malloc(h, 1000);
			int ok = p && nodal_node_of(p) == 1 && nodal_heap_of(p) == h && nodal_heap_destroy(h) == 0;
			_exit(ok ? 0 : 1);
		}
		int st;
		cr_assert_eq(waitpid(pid, &st, 0), pid);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d: status 0x%x", i, st);
	}
	churn_stop = 1;
	pthread_join(th, NULL);
}
