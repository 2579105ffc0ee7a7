/*
 * test_arena.c — per-node arenas on the recording OS backend (arena_os.c): extent binds
 * land on the arena's node, node_of for small/large/page allocations, cross-thread frees
 * return objects to their own arena, strict placement with no cross-arena object from a
 * cache, limits and watermarks make a node full, realloc keeps the node, page-policy
 * layouts, and statistics that match what the test allocated.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena.h"
#include "arena_os.h"
#include "nodal.h"
#include "os.h"

static struct nodal_arena_config cfg;

static void boot_mask(const char *nodes_csv)
{
	nodemask_t m = NODE_MASK_NONE;
	char buf[128];
	strcpy(buf, nodes_csv);
	for (char *s = strtok(buf, ","); s; s = strtok(NULL, ","))
		node_set(atoi(s), &m);
	cr_assert_eq(nodal_arena_boot(rec_topology(&m), &cfg), 0);
	cr_assert(nodal_arena_ready());
}

static void boot4(void)
{
	rec_os_install(0);
	boot_mask("0,1,2,3");
}

static const size_t sizes[] = { 1,	8,     16,    24,     48,     100,     128,     500,     1024,    3000,
				4096,	8192,  12000, 32768,  40000,  65536,   100000,  262144,  500000,  1048576,
				2 << 20, 5 << 20 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

/* The recorded bind covering p must be a PREFERRED bind to exactly @node. */
static void assert_bound(const void *p, int node)
{
	const struct rec_bind *b = rec_bind_of(p);
	cr_assert_not_null(b, "no bind covers %p", p);
	cr_assert_eq(b->mode, NODAL_OS_MPOL_PREFERRED, "bind mode %d", b->mode);
	cr_assert_eq(nodes_weight(&b->nodes), 1);
	cr_assert_eq(first_node(&b->nodes), node, "%p bound to %d, want %d", p, first_node(&b->nodes), node);
}

Test(arena, every_extent_bind_is_on_its_node)
{
	boot4();
	/* boot itself mapped metadata for each arena: all of those binds are single-node PREFERRED */
	cr_assert_geq(rec_nbinds, 4);
	void *ptrs[4][NSIZES];
	for (int node = 0; node < 4; node++)
		for (size_t i = 0; i < NSIZES; i++) {
			ptrs[node][i] = nodal_arena_alloc(node, sizes[i], 0, false);
			cr_assert_not_null(ptrs[node][i]);
			memset(ptrs[node][i], 0xab, sizes[i]);
			assert_bound(ptrs[node][i], node);
			assert_bound((char *)ptrs[node][i] + sizes[i] - 1, node);
			cr_assert_eq(nodal_arena_node_of(ptrs[node][i]), node);
			cr_assert_geq(nodal_arena_usize(ptrs[node][i]), sizes[i]);
		}
	for (unsigned i = 0; i < rec_nbinds; i++) {
		cr_assert_eq(rec_binds[i].mode, NODAL_OS_MPOL_PREFERRED);
		cr_assert_eq(nodes_weight(&rec_binds[i].nodes), 1);
		cr_assert_eq(rec_binds[i].addr % (2u << 20), 0, "extents are 2 MiB aligned");
	}
	for (int node = 0; node < 4; node++)
		for (size_t i = 0; i < NSIZES; i++)
			nodal_arena_free(ptrs[node][i]);
}

Test(arena, node_of_small_large_pages_and_foreign)
{
	boot4();
	void *s = nodal_arena_alloc(2, 24, 0, false);
	void *l = nodal_arena_alloc(3, 3 << 20, 0, false);
	nodemask_t two = NODE_MASK_NONE;
	node_set(1, &two);
	void *pg = nodal_pages_alloc(5 << 20, 0, NODAL_OS_MPOL_BIND, &two, NULL, false);
	cr_assert(s && l && pg);
	cr_assert_eq(nodal_arena_node_of(s), 2);
	cr_assert_eq(nodal_arena_node_of(l), 3);
	cr_assert_eq(nodal_arena_node_of(pg), 1);
	cr_assert_eq(nodal_arena_node_of((char *)pg + (5 << 20) - 1), 1);
	cr_assert_eq(nodal_arena_usize(pg), 5 << 20);
	int on_stack;
	void *foreign = malloc(64);
	cr_assert_eq(nodal_arena_node_of(&on_stack), -1);
	cr_assert_eq(nodal_arena_node_of(foreign), -1);
	cr_assert_eq(nodal_arena_node_of(NULL), -1);
	cr_assert_eq(nodal_arena_usize(foreign), 0);
	free(foreign);
	nodal_arena_free(s);
	nodal_arena_free(l);
	nodal_arena_free(pg);
	cr_assert_eq(nodal_arena_node_of(pg), -1, "a freed page mapping leaves the map");
}

Test(arena, bad_arguments)
{
	boot4();
	errno = 0;
	cr_assert_null(nodal_arena_alloc(7, 16, 0, false));
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(nodal_arena_alloc(-1, 16, 0, false));
	cr_assert_null(nodal_arena_alloc(1024, 16, 0, false));
	cr_assert_null(nodal_arena_alloc(100000, 16, 0, false));
	cr_assert_null(nodal_arena_alloc(0, 16, 24, false));
	cr_assert_eq(errno, EINVAL);
	void *p = nodal_arena_alloc(1, 100, 4096, true);
	cr_assert_not_null(p);
	cr_assert_eq((uintptr_t)p % 4096, 0);
	for (int i = 0; i < 100; i++)
		cr_assert_eq(((char *)p)[i], 0);
	nodal_arena_free(p);
	nodal_arena_free(NULL);
	int x;
	nodal_arena_free(&x); /* foreign: ignored */
	nodemask_t bad = NODE_MASK_NONE;
	node_set(9, &bad);
	cr_assert_null(nodal_pages_alloc(1 << 20, 0, NODAL_OS_MPOL_BIND, &bad, NULL, false));
	cr_assert_eq(errno, EINVAL);
}

/* Strict placement: one thread alternating nodes and sizes, freeing in shuffled order
 * and reallocating: every object must come from the requested node's arena. */
Test(arena, strict_placement_no_cross_arena_object)
{
	boot4();
	enum { N = 4000 };
	static void *p[N];
	static int want[N];
	srand(7);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < N; i++) {
			want[i] = rand() % 4;
			size_t sz = sizes[rand() % (NSIZES - 2)];
			p[i] = nodal_arena_alloc(want[i], sz, 0, false);
			cr_assert_not_null(p[i]);
			cr_assert_eq(nodal_arena_node_of(p[i]), want[i], "round %d obj %d size %zu", round, i, sz);
			cr_assert_geq(nodal_arena_usize(p[i]), sz);
			assert_bound(p[i], want[i]);
			memset(p[i], 0x5a, sz);
		}
		for (int i = N - 1; i > 0; i--) {
			int j = rand() % (i + 1);
			void *t = p[i];
			p[i] = p[j];
			p[j] = t;
		}
		for (int i = 0; i < N; i++)
			nodal_arena_free(p[i]);
	}
}

/* Rehoming: a long run on another node moves the thread's home; placement stays strict. */
Test(arena, rehome_keeps_placement)
{
	boot4();
	for (int node = 0; node < 4; node++)
		for (int i = 0; i < 2000; i++) {
			void *a = nodal_arena_alloc(node, 64, 0, false);
			cr_assert_eq(nodal_arena_node_of(a), node);
			nodal_arena_free(a);
			void *b = nodal_arena_alloc(node, 64, 0, false);
			cr_assert_eq(nodal_arena_node_of(b), node);
			nodal_arena_free(b);
		}
}

struct xfer {
	void **ptrs;
	int n;
	int node;
};

static void *free_all(void *arg)
{
	struct xfer *x = arg;
	rec_set_thread_node(0);
	/* this thread's home is node 0 */
	void *mine = nodal_arena_alloc(0, 64, 0, false);
	for (int i = 0; i < x->n; i++)
		nodal_arena_free(x->ptrs[i]);
	/* objects of node x->node now sit in this thread's cache for that node: the
	 * default cache must still give node 0 objects only */
	for (int i = 0; i < x->n; i++) {
		void *q = nodal_arena_alloc(0, 64, 0, false);
		if (nodal_arena_node_of(q) != 0)
			return (void *)1;
		nodal_arena_free(q);
	}
	nodal_arena_free(mine);
	return NULL;
}

Test(arena, cross_thread_free_returns_to_owner)
{
	boot4();
	enum { N = 5000 };
	static void *p[N];
	struct nodal_stats *before = calloc(1, sizeof(*before)), *after = calloc(1, sizeof(*after));
	nodal_stats_get(before);
	for (int i = 0; i < N; i++) {
		p[i] = nodal_arena_alloc(1, 64, 0, false);
		cr_assert_eq(nodal_arena_node_of(p[i]), 1);
	}
	struct xfer x = { p, N, 1 };
	pthread_t th;
	void *ret;
	pthread_create(&th, NULL, free_all, &x);
	pthread_join(th, &ret);
	cr_assert_null(ret, "the default cache handed out a foreign object");
	nodal_stats_get(after);
	/* node 1: the freeing thread exited, its cache for node 1 went back to arena 1 */
	cr_assert_eq(after->node[1].nfree - before->node[1].nfree, N);
	cr_assert_eq(after->node[1].remote_free - before->node[1].remote_free, N,
		     "frees on a thread running on node 0 are remote");
	cr_assert_leq(after->node[1].allocated - after->node[1].cached, before->node[1].allocated + 64 * 100);
	/* and this thread can reuse them: all node 1 */
	for (int i = 0; i < N; i++) {
		p[i] = nodal_arena_alloc(1, 64, 0, false);
		cr_assert_eq(nodal_arena_node_of(p[i]), 1);
	}
	for (int i = 0; i < N; i++)
		nodal_arena_free_sized(p[i], 64);
	free(before);
	free(after);
}

Test(arena, limit_makes_node_full)
{
	rec_os_install(0);
	cfg.limit[1] = 16 << 20;
	boot_mask("0,1");
	void *p[64];
	int got = 0;
	for (got = 0; got < 64; got++) {
		p[got] = nodal_arena_alloc(1, 1 << 20, 0, false);
		if (!p[got])
			break;
		cr_assert_eq(nodal_arena_node_of(p[got]), 1);
	}
	cr_assert_lt(got, 16, "a 16 MiB limit stops 1 MiB allocations before 16");
	cr_assert_gt(got, 2);
	cr_assert_eq(errno, ENOMEM);
	cr_assert(node_isset(1, nodal_arena_full_nodes()));
	cr_assert_not(node_isset(0, nodal_arena_full_nodes()));
	void *other = nodal_arena_alloc(0, 1 << 20, 0, false);
	cr_assert_not_null(other, "other nodes are not affected");
	/* pages too */
	nodemask_t one = NODE_MASK_NONE;
	node_set(1, &one);
	cr_assert_null(nodal_pages_alloc(32 << 20, 0, NODAL_OS_MPOL_BIND, &one, NULL, false));
	cr_assert_eq(errno, ENOMEM);
	/* raising the limit clears the full state */
	cr_assert_eq(nodal_arena_set_limit(1, 0), 0);
	cr_assert_not(node_isset(1, nodal_arena_full_nodes()));
	void *more = nodal_arena_alloc(1, 1 << 20, 0, false);
	cr_assert_not_null(more);
	struct nodal_stats st;
	nodal_stats_get(&st);
	cr_assert_eq(st.node[1].limit, 0);
	for (int i = 0; i < got; i++)
		nodal_arena_free(p[i]);
	nodal_arena_free(more);
	nodal_arena_free(other);
}

Test(arena, watermark_makes_node_full_until_memory_returns)
{
	rec_os_install(0);
	cfg.min_free = 1 << 30;
	boot_mask("0,1");
	rec_set_free(1, 100 << 20); /* below 1 GiB */
	usleep(150000);            /* the watermark is read at most every 100 ms */
	cr_assert_null(nodal_arena_alloc(1, 8 << 20, 0, false));
	cr_assert_eq(errno, ENOMEM);
	cr_assert(node_isset(1, nodal_arena_full_nodes()));
	rec_set_free(1, 8ull << 30);
	usleep(250000); /* past the 100 ms re-check interval */
	cr_assert_not(node_isset(1, nodal_arena_full_nodes()));
	void *p = nodal_arena_alloc(1, 8 << 20, 0, false);
	cr_assert_not_null(p);
	cr_assert_eq(nodal_arena_node_of(p), 1);
	nodal_arena_free(p);
}

Test(arena, realloc_keeps_node)
{
	boot4();
	for (int node = 0; node < 4; node++) {
		char *p = nodal_arena_alloc(node, 10, 0, false);
		strcpy(p, "123456789");
		for (size_t sz = 16; sz <= (8u << 20); sz *= 3) {
			p = nodal_arena_realloc(p, sz);
			cr_assert_not_null(p);
			cr_assert_str_eq(p, "123456789");
			cr_assert_eq(nodal_arena_node_of(p), node, "size %zu", sz);
			assert_bound(p, node);
		}
		/* a large object grows in place when the next pages are free */
		char *q = nodal_arena_alloc(node, 1 << 20, 0, false);
		char *q2 = nodal_arena_realloc(q, (1 << 20) + 4096);
		cr_assert_eq(nodal_arena_node_of(q2), node);
		p = nodal_arena_realloc(p, 5);
		cr_assert_eq(nodal_arena_node_of(p), node);
		nodal_arena_free(p);
		nodal_arena_free(q2);
	}
	cr_assert_null(nodal_arena_realloc((void *)sizes, 10));
	cr_assert_eq(errno, EINVAL);
}

static const struct rec_bind *binds_from(unsigned start, int idx)
{
	return &rec_binds[start + (unsigned)idx];
}

Test(pages, interleave_and_weighted_layouts)
{
	boot4();
	nodemask_t m = NODE_MASK_NONE;
	node_set(0, &m);
	node_set(1, &m);
	node_set(3, &m);
	unsigned start = rec_nbinds;
	char *p = nodal_pages_alloc(6 << 20, 0, NODAL_OS_MPOL_INTERLEAVE, &m, NULL, false);
	cr_assert_not_null(p);
	cr_assert_eq(rec_nbinds - start, 1);
	cr_assert_eq(binds_from(start, 0)->mode, NODAL_OS_MPOL_INTERLEAVE);
	cr_assert(nodes_equal(&binds_from(start, 0)->nodes, &m));
	cr_assert_eq(binds_from(start, 0)->addr, (uintptr_t)p);
	cr_assert_eq(binds_from(start, 0)->len, 6u << 20);
	memset(p, 1, 6 << 20);
	struct nodal_stats st;
	nodal_stats_get(&st);
	cr_assert_eq(st.node[0].pages_bytes, 2 << 20, "even interleave share");
	cr_assert_eq(st.node[3].pages_bytes, 2 << 20);
	cr_assert_eq(st.node[2].pages_bytes, 0);
	nodal_arena_free(p);
	nodal_stats_get(&st);
	cr_assert_eq(st.total.pages_bytes, 0);

	/* explicit weights 3:1 over nodes 0,1: two runs, 3/4 then 1/4, each PREFERRED */
	nodemask_t w2 = NODE_MASK_NONE;
	node_set(0, &w2);
	node_set(1, &w2);
	uint8_t weights[NODAL_MAX_NUMNODES] = { 0 };
	weights[0] = 3;
	weights[1] = 1;
	start = rec_nbinds;
	p = nodal_pages_alloc(8 << 20, 1 << 21, NODAL_OS_MPOL_WEIGHTED_INTERLEAVE, &w2, weights, false);
	cr_assert_not_null(p);
	cr_assert_eq((uintptr_t)p % (1 << 21), 0);
	cr_assert_eq(rec_nbinds - start, 2);
	cr_assert_eq(binds_from(start, 0)->mode, NODAL_OS_MPOL_PREFERRED);
	cr_assert_eq(first_node(&binds_from(start, 0)->nodes), 0);
	cr_assert_eq(binds_from(start, 0)->addr, (uintptr_t)p);
	cr_assert_eq(binds_from(start, 0)->len, 6u << 20);
	cr_assert_eq(first_node(&binds_from(start, 1)->nodes), 1);
	cr_assert_eq(binds_from(start, 1)->addr, (uintptr_t)p + (6u << 20));
	cr_assert_eq(binds_from(start, 1)->len, 2u << 20);
	/* realloc keeps the layout kind */
	start = rec_nbinds;
	p = nodal_arena_realloc(p, 16 << 20);
	cr_assert_not_null(p);
	cr_assert_eq(rec_nbinds - start, 2);
	cr_assert_eq(binds_from(start, 0)->len, 12u << 20);
	nodal_arena_free(p);
}

Test(pages, weighted_uses_kernel_when_present)
{
	rec_os_install(NODAL_OS_HAS_WEIGHTED_INTERLEAVE);
	boot_mask("0,1");
	nodemask_t m = NODE_MASK_NONE;
	node_set(0, &m);
	node_set(1, &m);
	unsigned start = rec_nbinds;
	void *p = nodal_pages_alloc(4 << 20, 0, NODAL_OS_MPOL_WEIGHTED_INTERLEAVE, &m, NULL, false);
	cr_assert_eq(rec_nbinds - start, 1);
	cr_assert_eq(binds_from(start, 0)->mode, NODAL_OS_MPOL_WEIGHTED_INTERLEAVE);
	nodal_arena_free(p);
}

Test(pages, weighted_without_kernel_support_interleaves)
{
	boot4();
	nodemask_t m = NODE_MASK_NONE;
	node_set(2, &m);
	node_set(3, &m);
	unsigned start = rec_nbinds;
	void *p = nodal_pages_alloc(4 << 20, 0, NODAL_OS_MPOL_WEIGHTED_INTERLEAVE, &m, NULL, false);
	cr_assert_eq(rec_nbinds - start, 1);
	cr_assert_eq(binds_from(start, 0)->mode, NODAL_OS_MPOL_INTERLEAVE);
	cr_assert_eq(nodal_arena_node_of(p), 2, "an interleaved mapping reports its first node");
	nodal_arena_free(p);
}

Test(stats, bytes_and_counts_match_what_was_allocated)
{
	boot4();
	struct nodal_stats a, b, c;
	nodal_stats_get(&a);
	cr_assert_eq(a.nr_nodes, 4);
	enum { N = 10 };
	void *p[N];
	size_t sum = 0;
	for (int i = 0; i < N; i++) {
		p[i] = nodal_arena_alloc(2, (4 << 20) + 4096 * (size_t)i, 0, false);
		sum += nodal_arena_usize(p[i]);
	}
	nodal_stats_get(&b);
	cr_assert_eq(b.node[2].allocated - a.node[2].allocated, sum);
	cr_assert_eq(b.node[2].nmalloc - a.node[2].nmalloc, N);
	cr_assert_eq(b.node[1].allocated, a.node[1].allocated);
	cr_assert_geq(b.node[2].active, b.node[2].allocated);
	cr_assert_geq(b.node[2].mapped, b.node[2].active);
	cr_assert_geq(b.node[2].committed, sum);
	cr_assert_eq(b.total.nmalloc, a.total.nmalloc + N);
	for (int i = 0; i < N; i++)
		nodal_arena_free(p[i]);
	nodal_stats_get(&c);
	cr_assert_eq(c.node[2].allocated, a.node[2].allocated);
	cr_assert_eq(c.node[2].nfree - a.node[2].nfree, N);
	/* events recorded by callers */
	nodal_stat_count(3, NODAL_STAT_FALLBACK_FULL);
	nodal_stat_count(3, NODAL_STAT_BIND_FAILURE);
	nodal_stat_count(3, NODAL_STAT_BIND_FAILURE);
	nodal_stats_get(&c);
	cr_assert_eq(c.node[3].fallback_full, 1);
	cr_assert_eq(c.node[3].bind_failure, 2);
	cr_assert_eq(c.total.bind_failure, 2);
}

Test(stats, print_text_and_json)
{
	boot4();
	void *p = nodal_arena_alloc(1, 1000, 0, false);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_eq(nodal_stats_print(f, 1), 0);
	fclose(f);
	cr_assert(strstr(buf, "{\"nodes\": [{\"node\": 0,") == buf, "%s", buf);
	cr_assert_not_null(strstr(buf, "\"nmalloc\": 1"));
	cr_assert_not_null(strstr(buf, "\"total\": {\"node\": -1"));
	free(buf);
	f = open_memstream(&buf, &len);
	cr_assert_eq(nodal_stats_print(f, 0), 0);
	fclose(f);
	cr_assert_not_null(strstr(buf, "node 1  allocated="));
	cr_assert_not_null(strstr(buf, "total   allocated="));
	free(buf);
	cr_assert_eq(nodal_stats_print(NULL, 0), EINVAL);
	cr_assert_eq(nodal_stats_get(NULL), EINVAL);
	nodal_arena_free(p);
}

Test(stats, before_boot_is_empty)
{
	struct nodal_stats st;
	cr_assert_eq(nodal_stats_get(&st), 0);
	cr_assert_eq(st.nr_nodes, 0);
	cr_assert_eq(st.total.node, -1);
}

Test(arena, sparse_node_ids)
{
	rec_os_install(0);
	boot_mask("0,5,130");
	void *p = nodal_arena_alloc(130, 100, 0, false);
	cr_assert_eq(nodal_arena_node_of(p), 130);
	assert_bound(p, 130);
	void *q = nodal_arena_alloc(5, 100, 0, false);
	cr_assert_eq(nodal_arena_node_of(q), 5);
	cr_assert_null(nodal_arena_alloc(4, 100, 0, false));
	struct nodal_stats st;
	nodal_stats_get(&st);
	cr_assert_eq(st.nr_nodes, 3);
	cr_assert_eq(st.node[2].node, 130);
	cr_assert_eq(st.node[2].nmalloc, 1);
	nodal_arena_free(p);
	nodal_arena_free(q);
}

static void *spin_alloc(void *arg)
{
	volatile int *stop = arg;
	while (!*stop) {
		void *p = nodal_arena_alloc(1, 200, 0, false);
		void *q = nodal_arena_alloc(2, 200, 0, false);
		nodal_arena_free(p);
		nodal_arena_free(q);
	}
	return NULL;
}

/* fork while another thread allocates: the child allocates, frees and reads stats */
Test(arena, fork_child_keeps_working)
{
	boot4();
	volatile int stop = 0;
	pthread_t th;
	pthread_create(&th, NULL, spin_alloc, (void *)&stop);
	for (int i = 0; i < 20; i++) {
		nodal_arena_atfork_prepare();
		pid_t pid = fork();
		if (pid == 0) {
			nodal_arena_atfork_child();
			int bad = 0;
			for (int k = 0; k < 1000; k++) {
				void *p = nodal_arena_alloc(k % 4, 100 + k, 0, false);
				bad |= !p || nodal_arena_node_of(p) != k % 4;
				nodal_arena_free(p);
			}
			struct nodal_stats st;
			bad |= nodal_stats_get(&st) != 0 || st.nr_nodes != 4;
			_exit(bad);
		}
		nodal_arena_atfork_parent();
		int status;
		cr_assert_eq(waitpid(pid, &status, 0), pid);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d failed (status %x)", i, status);
	}
	stop = 1;
	pthread_join(th, NULL);
}

/* Objects of other nodes freed by this thread (sized or not) are reused for the next
 * allocations on their node only, with a usable size that covers every request. */
Test(arena, other_node_reuse_is_per_node_and_size)
{
	boot4();
	(void)nodal_arena_alloc(0, 8, 0, false); /* home: node 0 */
	for (size_t sz = 1; sz <= 1100; sz += 7) {
		void *a[3][40];
		for (int node = 1; node < 4; node++)
			for (int i = 0; i < 40; i++) {
				a[node - 1][i] = nodal_arena_alloc(node, sz, 0, false);
				cr_assert_eq(nodal_arena_node_of(a[node - 1][i]), node);
			}
		for (int node = 1; node < 4; node++)
			for (int i = 0; i < 40; i++) {
				if (i & 1)
					nodal_arena_free_sized(a[node - 1][i], sz);
				else
					nodal_arena_free(a[node - 1][i]);
			}
		for (int k = 0; k < 120; k++) {
			int node = 1 + k % 3;
			size_t want = 1 + (sz * (size_t)(k + 1)) % 1100;
			char *p = nodal_arena_alloc(node, want, 0, false);
			cr_assert_eq(nodal_arena_node_of(p), node, "size %zu", want);
			cr_assert_geq(nodal_arena_usize(p), want);
			memset(p, 1, want);
			nodal_arena_free(p);
		}
	}
}

/* Threads allocate on every node and free each other's objects through a shared pool:
 * placement stays exact, and once every thread has exited all counts balance. */
#define POOL 4096
static void *pool[POOL];
static int pool_node[POOL];
static size_t pool_size[POOL];
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;

static void *stress(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	rec_set_thread_node((int)(seed % 4));
	for (int i = 0; i < 20000; i++) {
		int node = (int)(rand_r(&seed) % 4);
		size_t sz = sizes[rand_r(&seed) % (NSIZES - 4)];
		void *p = nodal_arena_alloc(node, sz, 0, false);
		if (!p || nodal_arena_node_of(p) != node)
			return (void *)1;
		unsigned slot = rand_r(&seed) % POOL;
		pthread_mutex_lock(&pool_lock);
		void *old = pool[slot];
		int old_node = pool_node[slot];
		size_t old_size = pool_size[slot];
		pool[slot] = p;
		pool_node[slot] = node;
		pool_size[slot] = sz;
		pthread_mutex_unlock(&pool_lock);
		if (old) {
			if (nodal_arena_node_of(old) != old_node)
				return (void *)2;
			if (i & 1)
				nodal_arena_free(old);
			else
				nodal_arena_free_sized(old, old_size);
		}
	}
	return NULL;
}

Test(arena, threads_exchange_objects)
{
	boot4();
	struct nodal_stats *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	nodal_stats_get(a);
	pthread_t th[4];
	for (uintptr_t i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, stress, (void *)(i + 1));
	for (int i = 0; i < 4; i++) {
		void *ret;
		pthread_join(th[i], &ret);
		cr_assert_null(ret, "thread %d: wrong node (%p)", i, ret);
	}
	for (int i = 0; i < POOL; i++)
		if (pool[i])
			nodal_arena_free(pool[i]);
	nodal_stats_get(b);
	cr_assert_eq(b->total.nmalloc - a->total.nmalloc, 80000);
	cr_assert_eq(b->total.nfree - a->total.nfree, 80000);
	for (int n = 0; n < 4; n++)
		cr_assert_eq(b->node[n].nmalloc - a->node[n].nmalloc, b->node[n].nfree - a->node[n].nfree, "node %d", n);
	free(a);
	free(b);
}
