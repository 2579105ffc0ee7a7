/*
 * place.c — nodal's placement in the guest, checked page by page with move_pages(2).
 *
 *   place all                 run every scenario below, each in a child process with
 *                             its own environment (NODAL_NODE_LIMIT, NODAL_PRIVATE_NODES)
 *   place check --name DESC [--cpu C] [--large SIZE] [--small N] --expect SPEC
 *                             allocate with plain malloc (so through the preloaded
 *                             library under `nodal run`) and check where it landed;
 *                             --cpu: in a new thread pinned to CPU C
 *   place check --name DESC --each-cpu-node
 *                             the same from a new thread pinned to each CPU node in
 *                             turn, expecting everything on that node (LOCAL)
 *   place fill --name DESC --order LIST [--cpu C]
 *                             40 x 1 MiB mallocs with LIST's first node limited to 16M:
 *                             they fill it, then fall back in LIST's order
 *   place enomem --name DESC --only NODE
 *                             malloc 1 MiB chunks until NULL: ENOMEM, all on NODE, alive
 *
 * The library is reached with dlopen("libnodal.so.0") and dlsym, so this program builds
 * before the API exists and its tests SKIP (with the reason) until libnodal exports it.
 * Unmodified programs are tested twice, under LD_PRELOAD=libnodal-preload.so with the
 * NODAL_* variables and under `nodal run` with the equivalent flags; both SKIP until
 * `nodal run -- /bin/true` works. SPEC is one of only:LIST,
 * none:LIST, spread:LIST (every node of LIST used evenly, nothing elsewhere),
 * weights:N*W,... (proportions). Results use the protocol in guest.h.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

static struct gtopo topo;

/* ---- what an allocation source produced ----------------------------------------- */

#define LARGE_DEFAULT (16 * G_MIB)
#define SMALL_DEFAULT 800 /* a multiple of every weight sum used here */
#define SMALL_SIZE 256

struct meas {
	long large[G_MAXNODES]; /* pages of the large allocation per node */
	long large_bad;         /* pages whose node could not be read */
	long small[G_MAXNODES]; /* small objects per node (node of the object's page) */
	long small_bad;
	int failed; /* allocations that returned NULL */
	int nsmall;
	bool nohuge; /* the large allocation was faulted in 4 KiB pages (MADV_NOHUGEPAGE) */
};

typedef void *(*alloc_fn)(void *ctx, size_t size);
typedef void (*free_fn)(void *p);

/* The node of the page holding p. No malloc here: under the preload library every malloc
 * is a placement (it would advance an interleave cursor between the measured objects). */
static int node_of_addr(void *p)
{
	*(volatile char *)p = 1;
	return g_page_node(p);
}

static void measure(alloc_fn fn, void *ctx, free_fn fr, size_t large, int nsmall, struct meas *m)
{
	memset(m, 0, sizeof(*m));
	m->nsmall = nsmall;
	if (large) {
		char *p = fn(ctx, large);
		if (!p) {
			m->failed++;
		} else {
			/* measure the whole pages inside the allocation */
			char *a = (char *)(((unsigned long)p + G_PAGE - 1) & ~(G_PAGE - 1));
			size_t len = (size_t)((p + large) - a) & ~(G_PAGE - 1);
			/* 4 KiB faults, so an interleave is page by page and its counts exact (with
			 * THP the kernel interleaves 2 MiB units); fails only on a kernel without THP */
			m->nohuge = madvise(a, len, MADV_NOHUGEPAGE) == 0;
			g_touch(a, len);
			m->large_bad = g_histogram(a, len, m->large);
			fr(p);
		}
	}
	void **objs = calloc((size_t)nsmall, sizeof(*objs));
	for (int i = 0; objs && i < nsmall; i++) {
		objs[i] = fn(ctx, SMALL_SIZE);
		if (!objs[i]) {
			m->failed++;
			continue;
		}
		int n = node_of_addr(objs[i]);
		if (n >= 0 && n < G_MAXNODES)
			m->small[n]++;
		else
			m->small_bad++;
	}
	for (int i = 0; objs && i < nsmall; i++)
		if (objs[i])
			fr(objs[i]);
	free(objs);
}

static void hist_str(const long *c, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (int n = 0; n < topo.nr && o < len; n++)
		o += (size_t)snprintf(buf + o, len - o, "%s%d:%ld", n ? " " : "", n, c[n]);
}

/* ---- expectations ------------------------------------------------------------------ */

enum expect_kind { E_ONLY, E_NONE, E_SPREAD, E_WEIGHTS };

struct expect {
	enum expect_kind kind;
	bool nodes[G_MAXNODES];
	int weight[G_MAXNODES];
};

static int parse_expect(const char *s, struct expect *e)
{
	memset(e, 0, sizeof(*e));
	const char *arg = strchr(s, ':');
	if (!arg)
		return -1;
	arg++;
	if (!strncmp(s, "only:", 5))
		e->kind = E_ONLY;
	else if (!strncmp(s, "none:", 5))
		e->kind = E_NONE;
	else if (!strncmp(s, "spread:", 7))
		e->kind = E_SPREAD;
	else if (!strncmp(s, "weights:", 8))
		e->kind = E_WEIGHTS;
	else
		return -1;
	if (e->kind != E_WEIGHTS)
		return g_parse_nodelist(arg, e->nodes, G_MAXNODES);
	while (*arg) {
		char *end;
		long n = strtol(arg, &end, 10), w;
		if (end == arg || *end != '*' || n < 0 || n >= G_MAXNODES)
			return -1;
		w = strtol(end + 1, &end, 10);
		if (w <= 0)
			return -1;
		e->nodes[n] = true;
		e->weight[n] = (int)w;
		arg = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return 0;
}

/* Does one histogram (pages or objects) meet the expectation? exact: object counts,
 * where an interleave over whole rounds is exact, and pages faulted with
 * MADV_NOHUGEPAGE, where a page interleave is exact up to the remainder of the last
 * round (one page per node); else THP-sized slack. */
static bool meets(const struct expect *e, const long *c, long total, bool exact, long round_slack)
{
	long k = 0, wsum = 0;
	for (int n = 0; n < topo.nr; n++) {
		k += e->nodes[n];
		wsum += e->weight[n];
	}
	if (total == 0)
		return false;
	for (int n = 0; n < topo.nr; n++) {
		switch (e->kind) {
		case E_ONLY:
			if (!e->nodes[n] && c[n])
				return false;
			break;
		case E_NONE:
			if (e->nodes[n] && c[n])
				return false;
			break;
		case E_SPREAD:
		case E_WEIGHTS: {
			if (!e->nodes[n]) {
				if (c[n])
					return false;
				break;
			}
			long want = e->kind == E_SPREAD ? total / k : total * e->weight[n] / wsum;
			long slack = exact ? round_slack : 512 + total / 50;
			if (labs(c[n] - want) > slack)
				return false;
			break;
		}
		}
	}
	return true;
}

static int weight_sum(const struct expect *e)
{
	int sum = 0;
	for (int n = 0; n < G_MAXNODES; n++)
		sum += e->weight[n];
	return sum ? sum : 1;
}

/* Report one test from a measurement. */
static bool report(const char *desc, const struct meas *m, const struct expect *e, size_t large)
{
	long pages = 0;
	for (int n = 0; n < topo.nr; n++)
		pages += m->large[n];
	bool ok = m->failed == 0 && m->large_bad == 0 && m->small_bad == 0;
	if (large)
		ok = ok && meets(e, m->large, pages, m->nohuge, 1);
	if (m->nsmall)
		ok = ok && meets(e, m->small, m->nsmall, e->kind != E_WEIGHTS || m->nsmall % weight_sum(e) == 0, 0);
	g_ok(ok, "%s", desc);
	if (!ok) {
		char a[256], b[256];
		hist_str(m->large, a, sizeof(a));
		hist_str(m->small, b, sizeof(b));
		g_diag("large pages per node {%s} (unreadable %ld, %s); small objects per node {%s} (unreadable %ld); "
		       "failed allocations %d",
		       a, m->large_bad, m->nohuge ? "4 KiB pages: exact" : "THP possible: slack", b, m->small_bad,
		       m->failed);
	}
	return ok;
}

/* ---- topology-derived parameters --------------------------------------------------- */

static void nodelist_str(const bool *set, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (int n = 0; n < topo.nr && o < len; n++)
		if (set[n])
			o += (size_t)snprintf(buf + o, len - o, "%s%d", o ? "," : "", n);
}

static void memory_only(bool *out)
{
	for (int n = 0; n < G_MAXNODES; n++)
		out[n] = n < topo.nr && topo.has_memory[n] && !topo.has_cpu[n];
}

static int last_memory_only(void)
{
	int last = -1;
	for (int n = 0; n < topo.nr; n++)
		if (topo.has_memory[n] && !topo.has_cpu[n])
			last = n;
	return last;
}

/* Weights 3,1,2,2,1,1,3,3 over the memory nodes, as a policy suffix and an expectation. */
static const int wi_pattern[] = {3, 1, 2, 2, 1, 1, 3, 3};

/* The weights nodal must default to on a kernel without sysfs weights and no
 * NODAL_WEIGHTS: the memory nodes' HMAT bandwidth (access0) reduced the way the kernel's
 * reduce_interleave_weights() (6.16) does, all 1 without HMAT; as "N*W,..." for
 * parse_expect. Returns the weights' sum. */
static int bandwidth_weights_str(char *buf, size_t len)
{
	unsigned long bw[G_MAXNODES] = {0}, sum = 0;
	int w[G_MAXNODES] = {0}, g = 0, total = 0;
	for (int n = 0; n < topo.nr; n++) {
		char path[128];
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/access0/initiators/read_bandwidth", n);
		FILE *f = topo.has_memory[n] ? fopen(path, "r") : NULL;
		if (f) {
			if (fscanf(f, "%lu", &bw[n]) != 1)
				bw[n] = 0;
			fclose(f);
		}
		sum += bw[n];
	}
	for (int n = 0; n < topo.nr; n++) {
		if (!topo.has_memory[n])
			continue;
		w[n] = sum && bw[n] && sum < 32 * bw[n] ? (int)(32 * bw[n] / sum) : 1;
		int a = g ? g : w[n], b = w[n];
		while (b) {
			int t = a % b;
			a = b;
			b = t;
		}
		g = a;
	}
	size_t o = 0;
	buf[0] = '\0';
	for (int n = 0; n < topo.nr && o < len; n++)
		if (topo.has_memory[n]) {
			total += w[n] / g;
			o += (size_t)snprintf(buf + o, len - o, "%s%d*%d", o ? "," : "", n, w[n] / g);
		}
	return total;
}

static void weights_str(char *buf, size_t len)
{
	size_t o = 0;
	int i = 0;
	buf[0] = '\0';
	for (int n = 0; n < topo.nr && o < len && i < 8; n++)
		if (topo.has_memory[n])
			o += (size_t)snprintf(buf + o, len - o, "%s%d*%d", o ? "," : "", n, wi_pattern[i++]);
}

/* ---- the library API through dlopen -------------------------------------------------- */

struct api {
	void *(*malloc_)(size_t);
	void (*free_)(void *);
	void *(*malloc_onnode)(size_t, int);
	int (*node_of)(const void *);
	void *(*policy_parse)(const char *);
	void (*policy_release)(void *);
	void *(*malloc_policy)(const void *, size_t);
	int (*set_thread_policy)(const void *);
	const char *(*strerror_detail)(void);
	void *(*heap_create)(const void *);
	void *(*heap_malloc)(void *, size_t);
	int (*heap_destroy)(void *);
};

static struct api api;

/* NULL when the API is usable, else why not (for SKIP or a failure). *fatal is set when
 * the library exists but cannot be loaded: that is a failure, not a skip. */
static const char *load_api(bool *fatal)
{
	static char why[512];
	*fatal = false;
	if (access("/usr/local/lib/libnodal.so.0", F_OK))
		return "libnodal.so.0 is not in the build";
	void *h = dlopen("libnodal.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		*fatal = true;
		snprintf(why, sizeof(why), "dlopen(libnodal.so.0): %s", dlerror());
		return why;
	}
	struct {
		const char *name;
		void **slot;
	} syms[] = {
	    {"nodal_malloc", (void **)&api.malloc_},
	    {"nodal_free", (void **)&api.free_},
	    {"nodal_malloc_onnode", (void **)&api.malloc_onnode},
	    {"nodal_node_of", (void **)&api.node_of},
	    {"nodal_policy_parse", (void **)&api.policy_parse},
	    {"nodal_policy_release", (void **)&api.policy_release},
	    {"nodal_malloc_policy", (void **)&api.malloc_policy},
	    {"nodal_set_thread_policy", (void **)&api.set_thread_policy},
	    {"nodal_strerror_detail", (void **)&api.strerror_detail},
	    {"nodal_heap_create", (void **)&api.heap_create},
	    {"nodal_heap_malloc", (void **)&api.heap_malloc},
	    {"nodal_heap_destroy", (void **)&api.heap_destroy},
	};
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		*syms[i].slot = dlsym(h, syms[i].name);
		if (!*syms[i].slot) {
			snprintf(why, sizeof(why), "libnodal does not export %s yet", syms[i].name);
			return why;
		}
	}
	return NULL;
}

static void *a_onnode(void *ctx, size_t size)
{
	return api.malloc_onnode(size, *(int *)ctx);
}

static void *a_policy(void *ctx, size_t size)
{
	return api.malloc_policy(ctx, size);
}

static void *a_malloc(void *ctx, size_t size)
{
	(void)ctx;
	return api.malloc_(size);
}

static void *a_heap(void *ctx, size_t size)
{
	return api.heap_malloc(ctx, size);
}

static void api_free(void *p)
{
	api.free_(p);
}

static void *parse_or_diag(const char *str)
{
	void *p = api.policy_parse(str);
	if (!p)
		g_diag("nodal_policy_parse(\"%s\"): %s (%s)", str, strerror(errno), api.strerror_detail());
	return p;
}

/* One policy through nodal_malloc_policy, optionally from a thread pinned to a CPU. */
struct policy_case {
	const char *policy;
	const char *expect;
	int cpu;
	int nsmall;
	char desc[600];
};

static void policy_case_run(void *arg)
{
	struct policy_case *pc = arg;
	struct expect e;
	struct meas m;
	void *pol = parse_or_diag(pc->policy);
	if (!pol || parse_expect(pc->expect, &e)) {
		g_ok(false, "%s", pc->desc);
		return;
	}
	measure(a_policy, pol, api_free, LARGE_DEFAULT, pc->nsmall, &m);
	report(pc->desc, &m, &e, LARGE_DEFAULT);
	api.policy_release(pol);
}

static void policy_case_n(const char *policy, const char *expect, int cpu, int nsmall, const char *what)
{
	struct policy_case pc = {policy, expect, cpu, nsmall, ""};
	char from[32] = "", objs[48] = "";
	if (cpu >= 0)
		snprintf(from, sizeof(from), " from CPU %d", cpu);
	if (nsmall)
		snprintf(objs, sizeof(objs), " + %d small objects", nsmall);
	snprintf(pc.desc, sizeof(pc.desc), "api: nodal_malloc_policy(\"%s\")%s: 16 MiB%s %s", policy, from, objs, what);
	if (cpu >= 0)
		g_run_on_cpu(cpu, policy_case_run, &pc);
	else
		policy_case_run(&pc);
}

static void policy_case(const char *policy, const char *expect, int cpu, const char *what)
{
	policy_case_n(policy, expect, cpu, SMALL_DEFAULT, what);
}

struct default_case {
	int node;
};

static void default_case_run(void *arg)
{
	struct default_case *dc = arg;
	struct expect e = {.kind = E_ONLY};
	struct meas m;
	e.nodes[dc->node] = true;
	measure(a_malloc, NULL, api_free, LARGE_DEFAULT, SMALL_DEFAULT, &m);
	char desc[200];
	snprintf(desc, sizeof(desc), "api: nodal_malloc with no policy (LOCAL) from CPU %d: everything on its node %d",
	         topo.first_cpu[dc->node], dc->node);
	report(desc, &m, &e, LARGE_DEFAULT);
}

static void scenario_api_modes(void)
{
	char buf[256], exp[256], desc[512];
	bool memonly[G_MAXNODES], mem[G_MAXNODES];
	struct meas m;
	struct expect e;

	for (int n = 0; n < topo.nr; n++) {
		if (!topo.has_memory[n])
			continue;
		memset(&e, 0, sizeof(e));
		e.kind = E_ONLY;
		e.nodes[n] = true;
		measure(a_onnode, &n, api_free, LARGE_DEFAULT, SMALL_DEFAULT, &m);
		snprintf(desc, sizeof(desc), "api: nodal_malloc_onnode(%d): 16 MiB + %d small objects all on node %d",
		         n, SMALL_DEFAULT, n);
		report(desc, &m, &e, LARGE_DEFAULT);
	}
	/* nodal_node_of agrees with the kernel */
	int agree = 0, total = 0;
	for (int n = 0; n < topo.nr; n++) {
		if (!topo.has_memory[n])
			continue;
		for (int i = 0; i < 16; i++) {
			void *p = api.malloc_onnode(SMALL_SIZE, n);
			if (!p)
				continue;
			total++;
			agree += api.node_of(p) == n && node_of_addr(p) == n;
			api.free_(p);
		}
	}
	g_ok(total > 0 && agree == total,
	     "api: nodal_node_of() and move_pages agree on %d objects from nodal_malloc_onnode", total);
	errno = 0;
	void *bad = api.malloc_onnode(64, topo.nr + 3);
	g_ok(bad == NULL && errno == EINVAL, "api: nodal_malloc_onnode(node %d, which does not exist): NULL, EINVAL",
	     topo.nr + 3);

	for (int n = 0; n < topo.nr; n++) {
		if (!topo.has_memory[n])
			continue;
		snprintf(buf, sizeof(buf), "bind:%d", n);
		snprintf(exp, sizeof(exp), "only:%d", n);
		policy_case(buf, exp, -1, "all on that node");
		snprintf(buf, sizeof(buf), "preferred:%d", n);
		policy_case(buf, exp, -1, "all on that node (room)");
	}
	for (int n = 0; n < G_MAXNODES; n++)
		mem[n] = n < topo.nr && topo.has_memory[n];
	char list[64];
	nodelist_str(mem, list, sizeof(list));
	snprintf(buf, sizeof(buf), "interleave:%s", list);
	snprintf(exp, sizeof(exp), "spread:%s", list);
	policy_case(buf, exp, -1, "evenly over the nodes (objects exactly)");

	char w[128];
	weights_str(w, sizeof(w));
	snprintf(buf, sizeof(buf), "weighted-interleave:%s", w);
	snprintf(exp, sizeof(exp), "weights:%s", w);
	policy_case(buf, exp, -1,
	            topo.kernel_major > 6 || (topo.kernel_major == 6 && topo.kernel_minor >= 9)
	                ? "in weight proportion (kernel has weighted interleave)"
	                : "in weight proportion (kernel lacks it: nodal's fallback)");
	/* No weights in the policy: nodal's default weights (NODAL_WEIGHTS unset: the kernel's
	 * sysfs weights where it has weighted interleave, else HMAT bandwidth, else 1) — the
	 * feature probe's graceful fallback on 6.1, never a failure. */
	snprintf(buf, sizeof(buf), "weighted-interleave:%s", list);
	if (!access("/sys/kernel/mm/mempolicy/weighted_interleave", F_OK)) {
		/* the system's weights set to the same pattern (cmd_all); small objects take
		 * them too (nodal's default weights: sysfs) */
		snprintf(exp, sizeof(exp), "weights:%s", w);
		policy_case(buf, exp, -1, "in the sysfs weights' proportion (the kernel's weighted interleave)");
	} else {
		/* no sysfs weights: nodal's default weights come from HMAT bandwidth (1 each
		 * without), placed by nodal itself (page runs, an object cursor) */
		char bw[128];
		int wsum = bandwidth_weights_str(bw, sizeof(bw));
		snprintf(exp, sizeof(exp), "weights:%s", bw);
		snprintf(desc, sizeof(desc),
		         "in the HMAT-bandwidth weights' proportion %s (this kernel has no weighted interleave: "
		         "nodal's own)",
		         bw);
		policy_case_n(buf, exp, -1, wsum * (SMALL_DEFAULT / wsum), desc);
	}

	memory_only(memonly);
	char mo[64];
	nodelist_str(memonly, mo, sizeof(mo));
	for (int c = 0; c < topo.nr; c++) {
		if (!topo.has_cpu[c])
			continue;
		snprintf(exp, sizeof(exp), "only:%d", c);
		policy_case("local", exp, topo.first_cpu[c], "all on the CPU's node");
		struct default_case dc = {c};
		g_run_on_cpu(topo.first_cpu[c], default_case_run, &dc);
		int want = gtopo_first_in_fallback(&topo, c, memonly);
		if (want >= 0 && mo[0]) {
			snprintf(buf, sizeof(buf), "preferred-many:%s", mo);
			snprintf(exp, sizeof(exp), "only:%d", want);
			policy_case(buf, exp, topo.first_cpu[c],
			            "on the first of the nodes in the local fallback list");
		}
	}

	/* thread policy and heaps */
	int last = last_memory_only() >= 0 ? last_memory_only() : gtopo_smallest(&topo);
	snprintf(buf, sizeof(buf), "bind:%d", last);
	void *pol = parse_or_diag(buf);
	memset(&e, 0, sizeof(e));
	e.kind = E_ONLY;
	e.nodes[last] = true;
	if (pol && api.set_thread_policy(pol) == 0) {
		measure(a_malloc, NULL, api_free, LARGE_DEFAULT, SMALL_DEFAULT, &m);
		api.set_thread_policy(NULL);
		snprintf(desc, sizeof(desc), "api: nodal_set_thread_policy(bind:%d) then nodal_malloc: all on node %d",
		         last, last);
		report(desc, &m, &e, LARGE_DEFAULT);
	} else {
		g_ok(false, "api: nodal_set_thread_policy(bind:%d)", last);
	}
	void *heap = pol ? api.heap_create(pol) : NULL;
	if (heap) {
		measure(a_heap, heap, api_free, LARGE_DEFAULT, SMALL_DEFAULT, &m);
		snprintf(desc, sizeof(desc), "api: nodal_heap_create(bind:%d) + nodal_heap_malloc: all on node %d",
		         last, last);
		report(desc, &m, &e, LARGE_DEFAULT);
		api.heap_destroy(heap);
	} else {
		g_ok(false, "api: nodal_heap_create(bind:%d): %s", last, strerror(errno));
	}
	if (pol)
		api.policy_release(pol);
}

/* Allocate @n chunks of @chunk bytes with @pol; record each chunk's node (-1: NULL). */
static int chunks(void *pol, int n, size_t chunk, int *node, int *err)
{
	int got = 0;
	*err = 0;
	for (int i = 0; i < n; i++) {
		errno = 0;
		char *p = api.malloc_policy(pol, chunk);
		if (!p) {
			node[i] = -1;
			*err = errno;
			return got;
		}
		g_touch(p, chunk);
		node[i] = node_of_addr(p + chunk / 2);
		got++;
	}
	return got;
}

/* The chunk nodes follow @order: non-decreasing position in it, never a node outside. */
static bool follows(const int *node, int n, const int *order, int len, char *seq, size_t seqlen)
{
	int pos = 0;
	bool ok = true;
	size_t o = 0;
	seq[0] = '\0';
	for (int i = 0; i < n; i++) {
		int at = g_list_index(order, len, node[i]);
		if (at < pos)
			ok = false;
		else
			pos = at;
		if (o < seqlen)
			o += (size_t)snprintf(seq + o, seqlen - o, "%d ", node[i]);
	}
	return ok;
}

/* NODAL_NODE_LIMIT=<small>:16M is set: PREFERRED and PREFERRED_MANY fall back in
 * candidate order once the small node is full; BIND gets ENOMEM, and the process lives. */
struct fill_arg {
	int small;
	int cpu_node;
};

static void scenario_fill_on_cpu(void *arg)
{
	struct fill_arg *fa = arg;
	int small = fa->small, err = 0;
	int node[64] = {0};
	char buf[256], seq[400];

	snprintf(buf, sizeof(buf), "preferred:%d", small);
	void *pol = parse_or_diag(buf);
	int got = pol ? chunks(pol, 40, G_MIB, node, &err) : 0;
	int on_small = 0;
	for (int i = 0; i < got; i++)
		on_small += node[i] == small;
	bool ok = got == 40 && on_small >= 8 && on_small <= 16 &&
	          follows(node, got, topo.fallback[small], topo.fallback_len[small], seq, sizeof(seq)) &&
	          node[39] == topo.fallback[small][1];
	g_ok(ok,
	     "api: preferred:%d with NODAL_NODE_LIMIT=%d:16M, 40 x 1 MiB: fills node %d, then falls back in its "
	     "fallback order (next %d), no failure",
	     small, small, small, topo.fallback[small][1]);
	if (!ok)
		g_diag("chunks %d (errno %d), on node %d: %d; sequence %s", got, err, small, on_small, seq);
	if (pol)
		api.policy_release(pol);

	snprintf(buf, sizeof(buf), "bind:%d", small);
	pol = parse_or_diag(buf);
	got = pol ? chunks(pol, 64, G_MIB, node, &err) : 0;
	ok = pol && got < 64 && err == ENOMEM && got <= 16;
	for (int i = 0; i < got; i++)
		ok = ok && node[i] == small;
	void *after = api.malloc_(4096);
	g_ok(ok && after,
	     "api: bind:%d with NODAL_NODE_LIMIT=%d:16M, 1 MiB chunks: NULL with ENOMEM after %d, all on node %d, the "
	     "process goes on",
	     small, small, got, small);
	if (!ok)
		g_diag("chunks %d, errno %d (%s)", got, err, strerror(err));
	api.free_(after);
	if (pol)
		api.policy_release(pol);
}

/* PREFERRED_MANY over the small node (limited to 16M) and the other memory-only nodes, in
 * a process of its own: the small node must be empty at the start (in the fill scenario
 * the PREFERRED chunks, never freed, leave it full, and PREFERRED_MANY then rightly
 * starts on the next node). */
static void scenario_fill_many_on_cpu(void *arg)
{
	struct fill_arg *fa = arg;
	int small = fa->small, err = 0, got;
	int node[64] = {0};
	char buf[256], seq[400];
	bool memonly[G_MAXNODES], ok;
	void *pol;

	memory_only(memonly);
	memonly[small] = true;
	int order[G_MAXNODES], k = 0;
	for (int i = 0; i < topo.fallback_len[fa->cpu_node]; i++)
		if (memonly[topo.fallback[fa->cpu_node][i]])
			order[k++] = topo.fallback[fa->cpu_node][i];
	char mo[64];
	nodelist_str(memonly, mo, sizeof(mo));
	if (k >= 2 && order[0] == small) {
		snprintf(buf, sizeof(buf), "preferred-many:%s", mo);
		pol = parse_or_diag(buf);
		got = pol ? chunks(pol, 40, G_MIB, node, &err) : 0;
		ok = follows(node, got, order, k, seq, sizeof(seq));
		ok = ok && got == 40 && node[0] == small && node[39] == order[1];
		g_ok(ok,
		     "api: preferred-many:%s from CPU %d with node %d limited to 16M, 40 x 1 MiB: node %d first, then "
		     "%d (candidate order)",
		     mo, topo.first_cpu[fa->cpu_node], small, small, order[1]);
		if (!ok)
			g_diag("chunks %d (errno %d); sequence %s", got, err, seq);
		if (pol)
			api.policy_release(pol);
	} else {
		g_skip("the small node is not first among the memory-only nodes from this CPU",
		       "api: preferred-many fill from CPU %d", topo.first_cpu[fa->cpu_node]);
	}
}

/* The small node and a CPU node whose fallback list reaches it first among the
 * memory-only nodes. */
static struct fill_arg fill_where(void)
{
	struct fill_arg fa = {gtopo_smallest(&topo), -1};
	bool memonly[G_MAXNODES];
	memory_only(memonly);
	/* a CPU node whose fallback list reaches the small node first among memory-only ones */
	for (int c = 0; c < topo.nr && fa.cpu_node < 0; c++) {
		memonly[fa.small] = true;
		if (topo.has_cpu[c] && gtopo_first_in_fallback(&topo, c, memonly) == fa.small)
			fa.cpu_node = c;
	}
	if (fa.cpu_node < 0)
		fa.cpu_node = 0;
	return fa;
}

static void scenario_api_fill(void)
{
	struct fill_arg fa = fill_where();
	g_run_on_cpu(topo.first_cpu[fa.cpu_node], scenario_fill_on_cpu, &fa);
}

static void scenario_api_fill_many(void)
{
	struct fill_arg fa = fill_where();
	g_run_on_cpu(topo.first_cpu[fa.cpu_node], scenario_fill_many_on_cpu, &fa);
}

/* The real small node, no limit: BIND past its size must end in ENOMEM, never a kill, and
 * never a page from another node. 4 MiB chunks are page-policy mappings (pages.c), 1 MiB
 * chunks arena objects (extents bound PREFERRED, capacity.c's room check for BIND nodes). */
static void bind_real(size_t chunk)
{
	int small = gtopo_smallest(&topo), node[256], err;
	char buf[64];
	snprintf(buf, sizeof(buf), "bind:%d", small);
	void *pol = parse_or_diag(buf);
	int max = (int)(topo.mem_total[small] / chunk) + 16;
	if (max > 256)
		max = 256;
	int got = pol ? chunks(pol, max, chunk, node, &err) : 0;
	bool ok = pol && got < max && err == ENOMEM;
	for (int i = 0; i < got; i++)
		ok = ok && node[i] == small;
	void *after = api.malloc_(4096);
	g_ok(ok && after,
	     "api: bind:%d (a %lu MiB node, no limit set), %zu MiB chunks: NULL with ENOMEM after %d chunks, all on "
	     "node %d, no OOM kill, the process goes on",
	     small, topo.mem_total[small] / G_MIB, chunk / G_MIB, got, small);
	if (!ok) {
		char seq[1200];
		follows(node, got, &small, 1, seq, sizeof(seq));
		g_diag("chunks %d of %d, errno %d; nodes %s", got, max, err, seq);
	}
	/* where the node's memory is when BIND stops (docs/arenas.md quotes these) */
	g_diag("node %d at ENOMEM: MemFree %lu KiB, AnonPages %lu KiB (AnonHugePages %lu), FilePages %lu, Slab %lu, "
	       "PageTables %lu",
	       small, g_node_meminfo(small, "MemFree") >> 10, g_node_meminfo(small, "AnonPages") >> 10,
	       g_node_meminfo(small, "AnonHugePages") >> 10, g_node_meminfo(small, "FilePages") >> 10,
	       g_node_meminfo(small, "Slab") >> 10, g_node_meminfo(small, "PageTables") >> 10);
	api.free_(after);
}

static void scenario_api_bind_real(void)
{
	bind_real(4 * G_MIB);
}

static void scenario_api_bind_real_small(void)
{
	bind_real(G_MIB);
}

static void scenario_api_preferred_real(void)
{
	int small = gtopo_smallest(&topo), err;
	int node[256] = {0};
	char buf[64], seq[1200];
	snprintf(buf, sizeof(buf), "preferred:%d", small);
	void *pol = parse_or_diag(buf);
	int n = (int)(topo.mem_total[small] / (4 * G_MIB)) + 8;
	int got = pol ? chunks(pol, n, 4 * G_MIB, node, &err) : 0;
	/* The kernel places these pages (nodal only sets MPOL_PREFERRED), and a node that
	 * regains free memory while the test runs — memory an earlier scenario's process freed
	 * becoming free late, seen on 6.1 and 6.12 after the bind-real scenarios — takes pages
	 * again: so each node's FIRST use must follow the fallback order, and a later chunk
	 * may go back to a node already used. */
	int firsts[G_MAXNODES], nf = 0, spilled = 0;
	for (int i = 0; i < got; i++) {
		bool seen = false;
		for (int k = 0; k < nf; k++)
			seen = seen || firsts[k] == node[i];
		if (!seen && nf < G_MAXNODES)
			firsts[nf++] = node[i];
		spilled += node[i] != small;
	}
	bool ok = follows(firsts, nf, topo.fallback[small], topo.fallback_len[small], seq, sizeof(seq));
	ok = ok && got == n && node[0] == small && spilled > 0;
	follows(node, got, topo.fallback[small], topo.fallback_len[small], seq, sizeof(seq));
	g_ok(ok,
	     "api: preferred:%d (no limit) for %d x 4 MiB, more than the node holds: fills it, falls back in its "
	     "fallback order, no failure, no kill",
	     small, n);
	if (!ok)
		g_diag("chunks %d of %d (errno %d); sequence %s", got, n, err, seq);
}

/* NODAL_PRIVATE_NODES=<p>: ordinary allocations never land on p; explicit ones do. */
static void scenario_api_private(void)
{
	int p = last_memory_only();
	char buf[256], exp[64], list[64];
	bool mem[G_MAXNODES];
	for (int n = 0; n < G_MAXNODES; n++)
		mem[n] = n < topo.nr && topo.has_memory[n] && n != p;
	nodelist_str(mem, list, sizeof(list));
	snprintf(exp, sizeof(exp), "none:%d", p);
	for (int c = 0; c < topo.nr; c++)
		if (topo.has_cpu[c])
			policy_case("local", exp, topo.first_cpu[c], "never on the private node");
	snprintf(buf, sizeof(buf), "interleave:%s", list);
	policy_case(buf, exp, -1, "never on the private node");
	snprintf(buf, sizeof(buf), "preferred-many:%s", list);
	policy_case(buf, exp, -1, "never on the private node");
	snprintf(buf, sizeof(buf), "bind=static:%d", p);
	snprintf(exp, sizeof(exp), "only:%d", p);
	policy_case(buf, exp, -1, "all on the private node (explicitly bound)");
	snprintf(buf, sizeof(buf), "interleave:%d", p);
	errno = 0;
	void *pol = api.policy_parse(buf);
	g_ok(!pol && errno == EINVAL, "api: \"%s\" naming private node %d is refused with EINVAL (%s)", buf, p,
	     pol ? "accepted" : api.strerror_detail());
	if (pol)
		api.policy_release(pol);
}

/* ---- `nodal run`: the preloaded library, the program unchanged ----------------------- */

/* Run argv with up to 4 extra environment strings; its exit status (128+signal). */
static int run_cmd(char *const argv[], char *const env[5])
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 5; i++)
			if (env[i])
				putenv(env[i]);
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The launcher under test: `nodal run FLAGS -- PROGRAM`, or the preload library set
 * directly (LD_PRELOAD plus the variables nodal run would set for FLAGS). */
static bool via_env;

static void flag_to_env(const char *flag, char *out, size_t len)
{
	static const struct {
		const char *flag, *var, *prefix;
	} map[] = {
	    {"--membind=", "NODAL_POLICY", "bind:"},          {"--preferred=", "NODAL_POLICY", "preferred:"},
	    {"--interleave=", "NODAL_POLICY", "interleave:"}, {"--policy=", "NODAL_POLICY", ""},
	    {"--private=", "NODAL_PRIVATE_NODES", ""},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		size_t l = strlen(map[i].flag);
		if (!strncmp(flag, map[i].flag, l)) {
			snprintf(out, len, "%s=%s%s", map[i].var, map[i].prefix, flag + l);
			return;
		}
	}
	snprintf(out, len, "NODAL_UNKNOWN_FLAG=%s", flag);
}

/* Launch PROGRAM ARGS... under FLAGS (and an optional extra variable); @name is the
 * test's description, completed with how it was launched. */
static void launch(const char *flag1, const char *flag2, const char *var, char **prog, char *name, size_t namelen,
                   const char *desc)
{
	char e1[256] = "", e2[256] = "", pre[] = "LD_PRELOAD=/usr/local/lib/libnodal-preload.so";
	char *argv[24], *env[5] = {(char *)var, NULL, NULL, NULL, NULL};
	int a = 0;
	if (via_env) {
		if (flag1)
			flag_to_env(flag1, e1, sizeof(e1));
		if (flag2)
			flag_to_env(flag2, e2, sizeof(e2));
		snprintf(name, namelen, "preload %s%s%s%s%s: %s", e1[0] || var ? e1 : "(LD_PRELOAD only)",
		         e2[0] ? " " : "", e2, var ? " " : "", var ? var : "", desc);
		env[1] = e1[0] ? e1 : NULL;
		env[2] = e2[0] ? e2 : NULL;
		env[3] = pre;
	} else {
		snprintf(name, namelen, "nodal run %s%s%s%s%s: %s",
		         flag1 ? flag1
		         : var ? ""
		               : "(no flags)",
		         flag2 ? " " : "", flag2 ? flag2 : "", var ? " with " : "", var ? var : "", desc);
		argv[a++] = "/usr/local/bin/nodal";
		argv[a++] = "run";
		if (flag1)
			argv[a++] = (char *)flag1;
		if (flag2)
			argv[a++] = (char *)flag2;
		argv[a++] = "--";
	}
	for (int i = 0; prog[i] && a < 23; i++)
		argv[a++] = prog[i];
	argv[a] = NULL;
	int rc = run_cmd(argv, env);
	if (rc != 0 && rc != 1)
		g_ok(false, "%s (the program ended with status %d)", name, rc);
}

static const char *nodal_run_missing(void)
{
	static char why[256];
	if (access("/usr/local/bin/nodal", X_OK))
		return "the nodal CLI is not in the build";
	if (access("/usr/local/lib/libnodal-preload.so", F_OK))
		return "libnodal-preload.so is not in the build";
	int fd = open("/tmp/run.err", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		execl("/usr/local/bin/nodal", "nodal", "run", "--", "/bin/true", (char *)NULL);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	close(fd);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return NULL;
	FILE *f = fopen("/tmp/run.err", "r");
	char line[200] = "";
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
	}
	line[strcspn(line, "\n")] = '\0';
	snprintf(why, sizeof(why), "`nodal run -- /bin/true` does not work yet (status 0x%x: %s)", st, line);
	return why;
}

/* nodal run FLAGS -- /vm/place check --name DESC [--cpu C] --expect SPEC */
/* place check --name NAME [--cpu C] --expect SPEC, launched under FLAGS */
static void run_case(const char *flag1, const char *flag2, int cpu, const char *expect, const char *desc)
{
	char cpubuf[16], name[512];
	char *prog[10] = {"/vm/place", "check", "--name", name, "--expect", (char *)expect, NULL};
	if (cpu >= 0) {
		snprintf(cpubuf, sizeof(cpubuf), "%d", cpu);
		prog[6] = "--cpu";
		prog[7] = cpubuf;
		prog[8] = NULL;
	}
	launch(flag1, flag2, NULL, prog, name, sizeof(name), desc);
}

/* A representative subset per launcher (every launch initialises nodal under TCG, which
 * is slow): BIND and PREFERRED to the last memory node, INTERLEAVE, WEIGHTED_INTERLEAVE,
 * LOCAL and no policy from each CPU node, PREFERRED_MANY from the last CPU node, private
 * nodes, ENOMEM. */
static void scenario_run(void)
{
	char f1[256], f2[256], exp[256], list[64], mo[64], w[128], name[512];
	bool mem[G_MAXNODES], memonly[G_MAXNODES];
	int last = -1, c = -1;

	for (int n = 0; n < topo.nr; n++) {
		if (topo.has_memory[n])
			last = n;
		if (topo.has_cpu[n])
			c = n;
	}
	snprintf(f1, sizeof(f1), "--membind=%d", last);
	snprintf(exp, sizeof(exp), "only:%d", last);
	run_case(f1, NULL, -1, exp, "malloc'd memory all on that node");
	snprintf(f1, sizeof(f1), "--preferred=%d", last);
	run_case(f1, NULL, -1, exp, "malloc'd memory all on that node");
	for (int n = 0; n < G_MAXNODES; n++)
		mem[n] = n < topo.nr && topo.has_memory[n];
	nodelist_str(mem, list, sizeof(list));
	snprintf(f1, sizeof(f1), "--interleave=%s", list);
	snprintf(exp, sizeof(exp), "spread:%s", list);
	run_case(f1, NULL, -1, exp, "evenly over the nodes");
	weights_str(w, sizeof(w));
	snprintf(f1, sizeof(f1), "--policy=weighted-interleave:%s", w);
	snprintf(exp, sizeof(exp), "weights:%s", w);
	run_case(f1, NULL, -1, exp, "in weight proportion");
	memory_only(memonly);
	nodelist_str(memonly, mo, sizeof(mo));
	if (c >= 0) {
		/* LOCAL (explicit, and no policy at all), from a fresh thread pinned to each
		 * CPU node in turn, one launch: objects cached by a thread before it was moved
		 * would come from its old node, so the check never pins an existing thread. */
		char each[] = "--each-cpu-node", *prog[] = {"/vm/place", "check", "--name", name, each, NULL};
		launch("--policy=local", NULL, NULL, prog, name, sizeof(name), "malloc'd memory");
		launch(NULL, NULL, NULL, prog, name, sizeof(name), "no policy (LOCAL), malloc'd memory");
		int want = gtopo_first_in_fallback(&topo, c, memonly);
		if (want >= 0 && mo[0]) {
			snprintf(f1, sizeof(f1), "--policy=preferred-many:%s", mo);
			snprintf(exp, sizeof(exp), "only:%d", want);
			run_case(f1, NULL, topo.first_cpu[c], exp,
			         "on the first of the nodes in the local fallback list");
		}
	}
	int p = last_memory_only();
	if (p >= 0) {
		snprintf(f1, sizeof(f1), "--private=%d", p);
		snprintf(exp, sizeof(exp), "none:%d", p);
		for (int n = 0; n < G_MAXNODES; n++)
			mem[n] = mem[n] && n != p;
		nodelist_str(mem, list, sizeof(list));
		snprintf(f2, sizeof(f2), "--interleave=%s", list);
		run_case(f1, f2, -1, exp, "never on the private node");
		snprintf(f2, sizeof(f2), "--policy=bind=static:%d", p);
		snprintf(exp, sizeof(exp), "only:%d", p);
		run_case(f1, f2, -1, exp, "all on the private node (explicitly bound)");
	}
	int small = gtopo_smallest(&topo);
	char limit[64], only[16];
	snprintf(limit, sizeof(limit), "NODAL_NODE_LIMIT=%d:16M", small);
	snprintf(f1, sizeof(f1), "--membind=%d", small);
	snprintf(only, sizeof(only), "%d", small);
	char *prog[] = {"/vm/place", "enomem", "--name", name, "--only", only, NULL};
	launch(f1, NULL, limit, prog, name, sizeof(name),
	       "1 MiB mallocs end in NULL/ENOMEM, all on the node, the program lives");
	/* no limit: the real node runs out (the kernel's own BIND would OOM-kill here) */
	char what[200];
	snprintf(what, sizeof(what),
	         "no limit, 1 MiB mallocs past the real %lu MiB node end in NULL/ENOMEM, all on it, the program lives",
	         topo.mem_total[small] / G_MIB);
	launch(f1, NULL, NULL, prog, name, sizeof(name), what);
}

static void list_str(const int *v, int n, int skip, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (int i = 0; i < n && o < len; i++)
		if (v[i] != skip)
			o += (size_t)snprintf(buf + o, len - o, "%s%d", o ? "," : "", v[i]);
}

/* An unmodified program filling the small node (NODAL_NODE_LIMIT=<small>:16M): PREFERRED
 * falls back in the node's fallback order; with the node it spills to first private,
 * that node is skipped; PREFERRED_MANY over the memory-only nodes, from a CPU node whose
 * list reaches the small one first, goes on in that list's order. */
static void scenario_run_fill(void)
{
	int small = gtopo_smallest(&topo);
	char limit[64], f1[128], f2[64], order[128], name[512], cpubuf[16], what[400];
	char *prog[] = {"/vm/place", "fill", "--name", name, "--order", order, NULL, NULL, NULL};
	snprintf(limit, sizeof(limit), "NODAL_NODE_LIMIT=%d:16M", small);
	snprintf(f1, sizeof(f1), "--preferred=%d", small);
	list_str(topo.fallback[small], topo.fallback_len[small], -1, order, sizeof(order));
	snprintf(what, sizeof(what), "40 x 1 MiB fill node %d, then fall back in its fallback order %s", small, order);
	launch(f1, NULL, limit, prog, name, sizeof(name), what);
	if (topo.fallback_len[small] >= 3) {
		int q = topo.fallback[small][1];
		snprintf(f1, sizeof(f1), "--private=%d", q);
		snprintf(f2, sizeof(f2), "--preferred=%d", small);
		list_str(topo.fallback[small], topo.fallback_len[small], q, order, sizeof(order));
		snprintf(what, sizeof(what),
		         "40 x 1 MiB fill node %d, then fall back in order %s, never on private node %d", small, order,
		         q);
		launch(f1, f2, limit, prog, name, sizeof(name), what);
	}
	bool memonly[G_MAXNODES];
	memory_only(memonly);
	memonly[small] = true;
	for (int c = 0; c < topo.nr; c++) {
		if (!topo.has_cpu[c] || gtopo_first_in_fallback(&topo, c, memonly) != small)
			continue;
		int ord[G_MAXNODES], k = 0;
		for (int i = 0; i < topo.fallback_len[c]; i++)
			if (memonly[topo.fallback[c][i]])
				ord[k++] = topo.fallback[c][i];
		char mo[64];
		nodelist_str(memonly, mo, sizeof(mo));
		snprintf(f1, sizeof(f1), "--policy=preferred-many:%s", mo);
		list_str(ord, k, -1, order, sizeof(order));
		snprintf(cpubuf, sizeof(cpubuf), "%d", topo.first_cpu[c]);
		prog[6] = "--cpu";
		prog[7] = cpubuf;
		snprintf(what, sizeof(what), "40 x 1 MiB from CPU %d fill node %d, then go on in candidate order %s",
		         topo.first_cpu[c], small, order);
		launch(f1, NULL, limit, prog, name, sizeof(name), what);
		break;
	}
}

/* ---- entry points -------------------------------------------------------------------- */

static void *libc_malloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

/* One `place check` measurement with plain malloc, in a thread of its own pinned to a CPU
 * (a fresh thread: nothing it allocates was cached before the pinning) or in the caller. */
struct check_case {
	const char *name;
	const struct expect *e;
	unsigned long large;
	int nsmall;
	bool ok;
};

static void check_case_run(void *arg)
{
	struct check_case *cc = arg;
	struct meas m;
	measure(libc_malloc, NULL, free, cc->large, cc->nsmall, &m);
	cc->ok = report(cc->name, &m, cc->e, cc->large);
}

static int cmd_check(int argc, char **argv)
{
	const char *name = "check", *spec = NULL;
	unsigned long large = LARGE_DEFAULT;
	int cpu = -1, nsmall = SMALL_DEFAULT;
	bool each = false;
	static const struct option opts[] = {
	    {"name", 1, NULL, 'n'},   {"cpu", 1, NULL, 'c'},           {"large", 1, NULL, 'l'}, {"small", 1, NULL, 's'},
	    {"expect", 1, NULL, 'e'}, {"each-cpu-node", 0, NULL, 'E'}, {NULL, 0, NULL, 0}};
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'n':
			name = optarg;
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'l':
			if (g_parse_size(optarg, &large))
				return 2;
			break;
		case 's':
			nsmall = atoi(optarg);
			break;
		case 'e':
			spec = optarg;
			break;
		case 'E':
			each = true;
			break;
		default:
			return 2;
		}
	}
	struct expect e;
	if (each) {
		/* LOCAL: from a thread pinned to the first CPU of each CPU node, all on that node */
		bool all = true;
		for (int c = 0; c < topo.nr; c++) {
			if (!topo.has_cpu[c])
				continue;
			char desc[600];
			memset(&e, 0, sizeof(e));
			e.kind = E_ONLY;
			e.nodes[c] = true;
			snprintf(desc, sizeof(desc), "%s, from a thread pinned to CPU %d: all on its node %d", name,
			         topo.first_cpu[c], c);
			struct check_case cc = {desc, &e, large, nsmall, false};
			g_run_on_cpu(topo.first_cpu[c], check_case_run, &cc);
			all = all && cc.ok;
		}
		return all ? 0 : 1;
	}
	if (!spec || parse_expect(spec, &e)) {
		fprintf(stderr, "place: --expect only:LIST|none:LIST|spread:LIST|weights:N*W,... or --each-cpu-node "
		                "required\n");
		return 2;
	}
	struct check_case cc = {name, &e, large, nsmall, false};
	if (cpu >= 0)
		g_run_on_cpu(cpu, check_case_run, &cc);
	else
		check_case_run(&cc);
	return cc.ok ? 0 : 1;
}

/* place fill --name DESC --order LIST [--cpu C]: 40 x 1 MiB mallocs (from a new thread
 * pinned to C) while the first node of LIST is limited to 16M (NODAL_NODE_LIMIT, set by
 * the launcher): every chunk succeeds, the first lands on LIST's first node, the sequence
 * never goes back in LIST, never leaves it, and ends on LIST's second node. */
struct fill_case {
	const char *name;
	int order[G_MAXNODES], len;
	bool ok;
};

/* Plain malloc of up to @max 1 MiB chunks, each touched, until one is NULL (*err: its
 * errno); node[i] is chunk i's node. Returns the number of chunks. Never freed. */
static int malloc_chunks(int max, int *node, int *err)
{
	int got = 0;
	*err = 0;
	for (; got < max; got++) {
		errno = 0;
		char *p = malloc(G_MIB);
		if (!p) {
			*err = errno;
			break;
		}
		g_touch(p, G_MIB);
		node[got] = node_of_addr(p + G_MIB / 2);
	}
	return got;
}

static void fill_case_run(void *arg)
{
	struct fill_case *fc = arg;
	int node[40], err, on_first = 0;
	char seq[400];
	int got = malloc_chunks(40, node, &err);
	for (int i = 0; i < got; i++)
		on_first += node[i] == fc->order[0];
	bool in_order = follows(node, got, fc->order, fc->len, seq, sizeof(seq));
	fc->ok = got == 40 && in_order && node[0] == fc->order[0] && fc->len >= 2 && node[39] == fc->order[1] &&
	         on_first >= 8 && on_first <= 16;
	g_ok(fc->ok, "%s", fc->name);
	if (!fc->ok)
		g_diag("chunks %d (errno %d), on node %d: %d; sequence %s", got, err, fc->order[0], on_first, seq);
}

static int cmd_fill(int argc, char **argv)
{
	struct fill_case fc = {"fill", {0}, 0, false};
	int cpu = -1, o;
	static const struct option opts[] = {
	    {"name", 1, NULL, 'n'}, {"order", 1, NULL, 'o'}, {"cpu", 1, NULL, 'c'}, {NULL, 0, NULL, 0}};
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'n') {
			fc.name = optarg;
		} else if (o == 'c') {
			cpu = atoi(optarg);
		} else if (o == 'o') {
			/* in the given order, not sorted: "2,0,1,3" */
			for (char *t = strtok(optarg, ","); t && fc.len < G_MAXNODES; t = strtok(NULL, ","))
				fc.order[fc.len++] = atoi(t);
		} else {
			return 2;
		}
	}
	if (fc.len < 2) {
		fprintf(stderr, "place fill: --order N,M,... (at least two nodes) required\n");
		return 2;
	}
	if (cpu >= 0)
		g_run_on_cpu(cpu, fill_case_run, &fc);
	else
		fill_case_run(&fc);
	return fc.ok ? 0 : 1;
}

static int cmd_enomem(int argc, char **argv)
{
	const char *name = argc > 2 ? argv[2] : "enomem";
	int only = argc > 4 ? atoi(argv[4]) : -1, node[256], err;
	int got = malloc_chunks(256, node, &err);
	bool all_on = true;
	for (int i = 0; i < got; i++)
		all_on = all_on && node[i] == only;
	void *after = malloc(64);
	bool ok = got < 256 && err == ENOMEM && all_on && after;
	g_ok(ok, "%s", name);
	if (!ok) {
		char seq[400];
		size_t o = 0;
		seq[0] = '\0';
		for (int i = 0, j; i < got && o < sizeof(seq); i = j) { /* runs: "node x count" */
			for (j = i; j < got && node[j] == node[i]; j++)
				;
			o += (size_t)snprintf(seq + o, sizeof(seq) - o, "%s%dx%d", i ? " " : "", node[i], j - i);
		}
		g_diag("%d chunks, errno %d, all on node %d: %s; chunk nodes (node x run) %s", got, err, only,
		       all_on ? "yes" : "no", seq);
	}
	free(after);
	return ok ? 0 : 1;
}

struct scenario {
	const char *name;
	const char *env; /* NULL, or a variable set to "<node>" plus env_suffix */
	const char *env_suffix;
	bool env_private; /* the node is the last memory-only one, else the smallest */
	void (*run)(void);
	bool needs_memory_only;
};

static void run_scenario(const struct scenario *s)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char env[128];
		if (s->env) {
			int node = s->env_private ? last_memory_only() : gtopo_smallest(&topo);
			snprintf(env, sizeof(env), "%s=%d%s", s->env, node, s->env_suffix);
			putenv(env);
			g_diag("scenario %s: %s", s->name, env);
		}
		bool fatal;
		const char *why = load_api(&fatal);
		if (why) {
			if (fatal)
				g_ok(false, "api: libnodal loads with dlopen (%s)", why);
			else
				g_skip(why, "api: %s scenario", s->name);
			_exit(0);
		}
		s->run();
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		g_ok(false, "api: the %s scenario's process ended normally (status 0x%x%s)", s->name, st,
		     WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? ": killed, OOM?" : "");
	}
}

static int cmd_all(void)
{
	static const struct scenario scenarios[] = {
	    {"modes", NULL, "", false, scenario_api_modes, false},
	    {"bind-real-small", NULL, "", false, scenario_api_bind_real_small, false},
	    {"fill", "NODAL_NODE_LIMIT", ":16M", false, scenario_api_fill, false},
	    {"fill-many", "NODAL_NODE_LIMIT", ":16M", false, scenario_api_fill_many, false},
	    {"preferred-real", NULL, "", false, scenario_api_preferred_real, false},
	    {"bind-real", NULL, "", false, scenario_api_bind_real, false},
	    {"private", "NODAL_PRIVATE_NODES", "", true, scenario_api_private, true},
	};
	/* the system's weighted-interleave weights (6.9+): the pattern of weights_str() */
	for (int n = 0, i = 0; n < topo.nr && i < 8; n++)
		if (topo.has_memory[n] && !access("/sys/kernel/mm/mempolicy/weighted_interleave", F_OK) &&
		    g_write_weight(n, wi_pattern[i++]))
			g_diag("cannot set the weighted-interleave weight of node %d", n);
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		if (scenarios[i].needs_memory_only && last_memory_only() < 0)
			continue;
		run_scenario(&scenarios[i]);
	}
	for (int n = 0; n < topo.nr; n++) /* back to the kernel's default */
		if (topo.has_memory[n] && !access("/sys/kernel/mm/mempolicy/weighted_interleave", F_OK))
			g_write_weight(n, 1);
	/* The preload library's environment (NODAL_POLICY, ...) and `nodal run` are one
	 * piece of work: both are tested once `nodal run` works. */
	const char *why = nodal_run_missing();
	if (why) {
		g_skip(why, "preload: placement of an unmodified program under NODAL_POLICY (LD_PRELOAD)");
		g_skip(why, "nodal run: placement of an unmodified program under every policy");
		return 0;
	}
	via_env = true;
	scenario_run();
	scenario_run_fill();
	via_env = false;
	scenario_run();
	scenario_run_fill();
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	gtopo_read(&topo, "/tmp/dmesg");
	g_todo = getenv("PLACE_TODO");
	if (argc >= 2 && !strcmp(argv[1], "all"))
		return cmd_all();
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return cmd_check(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "fill"))
		return cmd_fill(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "enomem"))
		return cmd_enomem(argc - 1, argv + 1);
	fprintf(stderr, "usage: place all | place check --name DESC [--cpu C] --expect SPEC | place check --name DESC "
	                "--each-cpu-node "
	                "| place fill --name DESC --order LIST [--cpu C] | place enomem --name DESC --only N\n");
	return 2;
}
