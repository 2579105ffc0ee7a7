/*
 * test_api.c — the public API as a whole, on the sim backend:
 * - the functions users of memkind, UMF and libnuma look for (api_compat.c):
 *   nodal_posix_memalign, nodal_free_sized, nodal_node_of_cpu, nodal_current_node;
 * - every per-node statistic of issue 5 moved by the event it counts, through the
 *   public calls only: bytes allocated/active/mapped (page-policy mappings included),
 *   allocation and free counts, fallbacks by reason (full, limit, not allowed),
 *   preferred misses, bind failures, remote frees;
 * - the audit: every function declared in include/nodal.h is exported by libnodal.so
 *   and appears in docs/api.md's table.
 * Each criterion test runs in its own process: nodal starts uninitialised each time.
 */
#include <config.h>

#include <criterion/criterion.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "nodal.h"
#include "os.h"
#include "os_sim.h"
#include "sim_machine.h"


static struct nodal_stats *stats(void)
{
	struct nodal_stats *s = calloc(1, sizeof(*s));
	cr_assert_eq(nodal_stats_get(s), 0);
	cr_assert_eq(s->nr_nodes, 4);
	return s;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

/* --- compat functions ---------------------------------------------------------------- */

Test(api, posix_memalign)
{
	sim_machine(NULL, "bind:2", NULL, NULL);
	void *p = (void *)1;
	for (size_t a = sizeof(void *); a <= 1 << 16; a <<= 1) {
		cr_assert_eq(nodal_posix_memalign(&p, a, 100), 0);
		cr_assert_eq((uintptr_t)p % a, 0);
		cr_assert_eq(nodal_node_of(p), 2);
		nodal_free(p);
	}
	void *q = NULL, *r = NULL;
	cr_assert_eq(nodal_posix_memalign(&q, 64, 0), 0);
	cr_assert_eq(nodal_posix_memalign(&r, 64, 0), 0);
	cr_assert(q && r && q != r, "size 0 gives unique pointers");
	nodal_free(q);
	nodal_free(r);
	/* errors: returned, *memptr untouched, errno unchanged */
	p = (void *)1;
	errno = 1234;
	cr_assert_eq(nodal_posix_memalign(&p, 24, 8), EINVAL);
	cr_assert_eq(nodal_posix_memalign(&p, 4, 8), EINVAL); /* below sizeof(void *) */
	cr_assert_eq(nodal_posix_memalign(&p, 0, 8), EINVAL);
	cr_assert_eq(nodal_posix_memalign(NULL, 64, 8), EINVAL);
	cr_assert_eq(p, (void *)1);
	cr_assert_eq(errno, 1234);
}

Test(api, posix_memalign_enomem)
{
	sim_machine(NULL, "bind:1", "NODAL_NODE_LIMIT", "1:16M");
	void *p = (void *)1;
	int err = 0;
	for (int i = 0; i < 64 && !err; i++)
		err = nodal_posix_memalign(&p, 4096, 1 << 20);
	cr_assert_eq(err, ENOMEM, "bind past the node's limit");
}

Test(api, free_sized_returns_everything)
{
	sim_machine(NULL, "bind:3", NULL, NULL);
	struct nodal_stats *a = stats();
	enum { N = 64 };
	void *p[N];
	for (int i = 0; i < N; i++)
		p[i] = nodal_malloc((size_t)(i + 1) * 40);
	for (int i = 0; i < N; i++)
		nodal_free_sized(p[i], (size_t)(i + 1) * 40);
	nodal_free_sized(NULL, 10);
	struct nodal_stats *b = stats();
	cr_assert_eq(b->node[3].nmalloc - a->node[3].nmalloc, N);
	cr_assert_eq(b->node[3].nfree - a->node[3].nfree, N);
	/* freed objects may wait in the thread cache, where jemalloc still counts them */
	cr_assert_eq(b->node[3].allocated - b->node[3].cached, a->node[3].allocated - a->node[3].cached,
		     "%llu -> %llu", (unsigned long long)(a->node[3].allocated - a->node[3].cached),
		     (unsigned long long)(b->node[3].allocated - b->node[3].cached));
	free(a);
	free(b);
}

Test(api, node_of_cpu_and_current_node)
{
	sim_machine(NULL, NULL, NULL, NULL);
	for (int cpu = 0; cpu < 4; cpu++)
		cr_assert_eq(nodal_node_of_cpu(cpu), cpu);
	errno = 0;
	cr_assert_eq(nodal_node_of_cpu(4), -1);
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_eq(nodal_node_of_cpu(-1), -1);
	cr_assert_eq(errno, EINVAL);
	for (int cpu = 3; cpu >= 0; cpu--) {
		cr_assert_eq(nodal_sim_set_cpu(cpu), 0);
		cr_assert_eq(nodal_current_node(), cpu);
	}
}

/* --- statistics, each moved by its own event ------------------------------------------ */

Test(api_stats, page_policy_mappings_are_counted)
{
	/* 8 MiB is above NODAL_PAGE_POLICY_MIN (4M): its own mapping, not jemalloc's */
	sim_machine(NULL, "bind:1", NULL, NULL);
	struct nodal_stats *a = stats();
	void *p = nodal_malloc(8 << 20);
	cr_assert_not_null(p);
	cr_assert_eq(nodal_node_of(p), 1);
	struct nodal_stats *b = stats();
	cr_assert_eq(b->node[1].nmalloc - a->node[1].nmalloc, 1);
	cr_assert_eq(b->node[1].pages_bytes - a->node[1].pages_bytes, 8 << 20);
	cr_assert_eq(b->node[1].allocated - a->node[1].allocated, 8 << 20);
	cr_assert_geq(b->node[1].active - a->node[1].active, 8 << 20);
	cr_assert_geq(b->node[1].mapped - a->node[1].mapped, 8 << 20);
	cr_assert_eq(b->total.allocated - a->total.allocated, 8 << 20);
	nodal_free(p);
	struct nodal_stats *c = stats();
	cr_assert_eq(c->node[1].nfree - a->node[1].nfree, 1);
	cr_assert_eq(c->node[1].allocated, a->node[1].allocated);
	free(a);
	free(b);
	free(c);
}

Test(api_stats, limit_fallback_and_preferred_miss)
{
	sim_machine(NULL, "preferred:2", "NODAL_NODE_LIMIT", "2:16M");
	struct nodal_stats *a = stats();
	int elsewhere = 0;
	for (int i = 0; i < 128; i++) {
		void *p = nodal_malloc(256 << 10);
		cr_assert_not_null(p);
		elsewhere += nodal_node_of(p) != 2;
	}
	cr_assert_gt(elsewhere, 0);
	struct nodal_stats *b = stats();
	cr_assert_gt(b->node[2].fallback_limit, a->node[2].fallback_limit);
	cr_assert_eq(b->node[2].fallback_full, a->node[2].fallback_full, "a limit is not a watermark");
	cr_assert_gt(b->node[2].preferred_miss, a->node[2].preferred_miss);
	cr_assert_eq(b->node[2].bind_failure, 0);
	cr_assert(b->node[2].full, "node 2 is at its limit");
	cr_assert_eq(b->node[2].limit, 16 << 20);
	free(a);
	free(b);
}

Test(api_stats, watermark_fallback_is_full)
{
	sim_machine(NULL, "preferred:2", "NODAL_MIN_FREE", "1M");
	struct nodal_stats *a = stats();
	cr_assert_eq(nodal_sim_set_node_full(2, true), 0);
	sleep_ms(150); /* the watermark is read at most every 100 ms */
	int elsewhere = 0;
	for (int i = 0; i < 64; i++)
		elsewhere += nodal_node_of(nodal_malloc(256 << 10)) != 2;
	cr_assert_gt(elsewhere, 0);
	struct nodal_stats *b = stats();
	cr_assert_gt(b->node[2].fallback_full, a->node[2].fallback_full);
	cr_assert_eq(b->node[2].fallback_limit, a->node[2].fallback_limit, "no limit was set");
	cr_assert_gt(b->node[2].preferred_miss, a->node[2].preferred_miss);
	free(a);
	free(b);
}

Test(api_stats, preferred_on_a_node_no_longer_allowed)
{
	/* kernel: mpol_rebind_preferred() keeps the node; it is no longer allowed, so the
	 * allocation falls back and counts "not allowed" on it */
	sim_machine(NULL, "preferred:3", "NODAL_REBIND_INTERVAL_MS", "1");
	nodal_free(nodal_malloc(64)); /* the thread's clock starts: the change is seen 1 ms on */
	struct nodal_stats *a = stats();
	nodemask_t m = NODE_MASK_NONE;
	node_set(0, &m);
	node_set(1, &m);
	cr_assert_eq(nodal_sim_set_mems_allowed(&m), 0);
	sleep_ms(5);
	int n = -1;
	for (int i = 0; i < 2000; i++) {
		void *p = nodal_malloc(64);
		n = nodal_node_of(p);
		nodal_free(p);
	}
	cr_assert(n == 0 || n == 1, "placed on %d", n);
	struct nodal_stats *b = stats();
	cr_assert_gt(b->node[3].fallback_not_allowed, a->node[3].fallback_not_allowed);
	free(a);
	free(b);
}

Test(api_stats, bind_failure)
{
	sim_machine(NULL, "bind:1", "NODAL_NODE_LIMIT", "1:16M");
	struct nodal_stats *a = stats();
	int fails = 0;
	for (int i = 0; i < 80; i++)
		fails += nodal_malloc(256 << 10) == NULL;
	cr_assert_gt(fails, 0);
	struct nodal_stats *b = stats();
	cr_assert_eq(b->node[1].bind_failure - a->node[1].bind_failure, (uint64_t)fails);
	cr_assert_eq(b->total.bind_failure - a->total.bind_failure, (uint64_t)fails);
	free(a);
	free(b);
}

Test(api_stats, remote_free)
{
	/* this thread runs on CPU 0 (node 0); objects of node 1 freed here are remote */
	sim_machine(NULL, NULL, NULL, NULL);
	cr_assert_eq(nodal_sim_set_cpu(0), 0);
	struct nodal_stats *a = stats();
	enum { N = 50 };
	void *p[N];
	for (int i = 0; i < N; i++)
		p[i] = nodal_malloc_onnode(100, 1);
	for (int i = 0; i < N; i++)
		nodal_free(p[i]);
	void *own = nodal_malloc_onnode(100, 0);
	nodal_free(own);
	struct nodal_stats *b = stats();
	cr_assert_eq(b->node[1].remote_free - a->node[1].remote_free, N);
	cr_assert_eq(b->node[0].remote_free, a->node[0].remote_free, "a local free is not remote");
	free(a);
	free(b);
}

/* --- audit: every function of nodal.h is exported and documented ---------------------- */

/* The nodal_* function names declared with NODAL_API in the header. */
static int header_functions(char names[][64], int max)
{
	FILE *f = fopen(NODAL_SRCDIR "/include/nodal.h", "r");
	cr_assert_not_null(f);
	char line[512];
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "NODAL_API ", 10))
			continue;
		char *open = strchr(line, '(');
		cr_assert_not_null(open, "%s", line);
		char *s = open;
		while (s > line && (s[-1] == '_' || (s[-1] >= 'a' && s[-1] <= 'z') || (s[-1] >= '0' && s[-1] <= '9')))
			s--;
		cr_assert(n < max);
		snprintf(names[n], 64, "%.*s", (int)(open - s), s);
		cr_assert(!strncmp(names[n], "nodal_", 6), "%s", line);
		n++;
	}
	fclose(f);
	return n;
}

Test(api_audit, every_function_is_exported_and_documented)
{
	static char names[128][64];
	int n = header_functions(names, 128);
	cr_assert_gt(n, 35);
	const char *top = getenv("top_builddir");
	char path[4096];
	snprintf(path, sizeof(path), "%s/.libs/libnodal.so", top ? top : ".");
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	cr_assert_not_null(h, "dlopen %s: %s", path, dlerror());
	FILE *f = fopen(NODAL_SRCDIR "/docs/api.md", "r");
	cr_assert_not_null(f);
	static char doc[1 << 17];
	size_t len = fread(doc, 1, sizeof(doc) - 1, f);
	doc[len] = 0;
	fclose(f);
	for (int i = 0; i < n; i++) {
		cr_expect_not_null(dlsym(h, names[i]), "%s is declared but not exported", names[i]);
		char tick[96];
		snprintf(tick, sizeof(tick), "`%.64s(", names[i]);
		cr_expect_not_null(strstr(doc, tick), "%s is not in docs/api.md's table", names[i]);
	}
	dlclose(h);
}
