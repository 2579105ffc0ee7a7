/*
 * bench_alloc.c — nodal against other allocators: ns per malloc+free pair, sizes 16 B ..
 * 1 MiB, 1 and 2 threads, every allocator in its own process, side by side in one run.
 *
 * Driver (no arguments): runs itself as a child once per (repetition, allocator), the
 * allocators interleaved within every repetition so that load elsewhere on the machine
 * falls on all of them alike; prints medians over the repetitions and ratios against
 * jemalloc's malloc, checks the targets of issue 5, and writes bench/results/latest.json
 * and latest.md (directory from BENCH_RESULTS, default: none written).
 *
 * Peers:
 *   malloc replacements, through LD_PRELOAD of the peer's .so on the child (no preload:
 *   glibc): jemalloc (libjemalloc.so.2; jemalloc-tcache1M, reference only, with
 *   MALLOC_CONF=tcache_max:1048576 like nodal's private jemalloc), mimalloc (libmimalloc.so.2), tcmalloc
 *   (libtcmalloc_minimal.so.4); nodal-preload (libnodal-preload.so, NODAL_POLICY=local)
 *   once libnodal has its allocation path;
 *   APIs, dlopen'd in a child with glibc's malloc: nodal (nodal_set_thread_policy then
 *   nodal_malloc/nodal_free for LOCAL, BIND to node 0 and INTERLEAVE over all nodes;
 *   nodal_malloc_onnode(size, 0)/nodal_free; nodal-local-linked: the same as LOCAL with
 *   libnodal.so preloaded, i.e. loaded at start-up like a program linked with -lnodal),
 *   libnuma (numa_alloc_onnode(size, 0) /
 *   numa_free), memkind (MEMKIND_REGULAR: bound to the regular nodes; MEMKIND_DEFAULT).
 *   A peer whose library or symbols are missing is reported as n/a with the reason.
 *
 * A measurement: each thread (1 or 2 threads, started together) repeats malloc(size) +
 * free in batches until its own CPU time (CLOCK_THREAD_CPUTIME_ID: user + kernel, so the
 * mmap/munmap of numa_alloc_onnode counts) reaches the budget; ns per pair is CPU time /
 * pairs, averaged over the threads. The memory is not touched.
 *
 *   usage: bench_alloc [--quick]                 driver
 *          bench_alloc --child PEER              one run of every size and thread count
 *   env:   BENCH_REPS (default 7, quick 5), BENCH_BUDGET_MS per measurement (default 25,
 *          quick 10), BENCH_LIBNODAL, BENCH_LIBNODAL_PRELOAD (paths), BENCH_LIBDIR
 *          (where peer libraries live), BENCH_RESULTS (directory for latest.json/.md).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef BENCH_LIBNODAL
#define BENCH_LIBNODAL "libnodal.so"
#endif
#ifndef BENCH_LIBNODAL_PRELOAD
#define BENCH_LIBNODAL_PRELOAD "libnodal-preload.so"
#endif
#define DEFAULT_LIBDIR "/usr/lib/x86_64-linux-gnu"

static const size_t sizes[] = { 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))
#define MAXTHREADS 2
#define MAXREPS 31

/* ---------------------------------------------------------------- the child ---- */

enum api { API_MALLOC, API_NODAL, API_NODAL_ONNODE, API_NUMA, API_MEMKIND };

struct peer {
	const char *name;
	enum api api;
	const char *preload; /* library file name under BENCH_LIBDIR, or NULL */
	const char *arg;     /* nodal: policy string; memkind: kind symbol */
	const char *env;     /* extra NAME=VALUE for the child, or NULL */
};

static const struct peer peers[] = {
	{ "jemalloc", API_MALLOC, "libjemalloc.so.2", NULL, NULL },
	/* reference only: jemalloc caching up to 1 MiB, as nodal's private jemalloc does */
	{ "jemalloc-tcache1M", API_MALLOC, "libjemalloc.so.2", NULL, "MALLOC_CONF=tcache_max:1048576" },
	{ "glibc", API_MALLOC, NULL, NULL, NULL },
	{ "mimalloc", API_MALLOC, "libmimalloc.so.2", NULL, NULL },
	{ "tcmalloc", API_MALLOC, "libtcmalloc_minimal.so.4", NULL, NULL },
	{ "nodal-local", API_NODAL, NULL, "local", NULL },
	{ "nodal-bind0", API_NODAL, NULL, "bind:0", NULL },
	{ "nodal-interleave", API_NODAL, NULL, "interleave:all", NULL },
	{ "nodal-onnode", API_NODAL_ONNODE, NULL, NULL, NULL },
	/* libnodal loaded at start-up, as a program linked with -lnodal has it (its TLS is
	 * then static: no TLS-descriptor calls); the rows above dlopen it (ctypes) */
	{ "nodal-local-linked", API_NODAL, "@libnodal", "local", NULL },
	{ "nodal-preload", API_MALLOC, "@nodal-preload", NULL, "NODAL_POLICY=local" },
	{ "numa_alloc_onnode", API_NUMA, NULL, NULL, NULL },
	{ "memkind-regular", API_MEMKIND, NULL, "MEMKIND_REGULAR", NULL },
	{ "memkind-default", API_MEMKIND, NULL, "MEMKIND_DEFAULT", NULL },
};
#define NPEERS (sizeof(peers) / sizeof(peers[0]))

/* The functions one child measures, resolved with dlsym. */
static void *(*f_nodal_malloc)(size_t);
static void (*f_nodal_free)(void *);
static void *(*f_nodal_onnode)(size_t, int);
static void *(*f_nodal_policy_parse)(const char *);
static int (*f_nodal_set_thread_policy)(const void *);
static void *nodal_policy;
static void *(*f_numa_alloc_onnode)(size_t, int);
static void (*f_numa_free)(void *, size_t);
static int (*f_numa_available)(void);
static void *(*f_memkind_malloc)(void *, size_t);
static void (*f_memkind_free)(void *, void *);
static void *memkind_kind;

static const struct peer *cur;
static long budget_ns;

static uint64_t thread_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define KEEP(p) __asm__ volatile("" : : "r"(p) : "memory")
#define BATCH 256

/* @n pairs of the current peer's allocate + free of @size bytes; 0, or -1 on NULL. */
static int pairs(size_t size, long n)
{
	switch (cur->api) {
	case API_MALLOC:
		for (long i = 0; i < n; i++) {
			void *p = malloc(size);
			if (!p)
				return -1;
			KEEP(p);
			free(p);
		}
		break;
	case API_NODAL:
		for (long i = 0; i < n; i++) {
			void *p = f_nodal_malloc(size);
			if (!p)
				return -1;
			KEEP(p);
			f_nodal_free(p);
		}
		break;
	case API_NODAL_ONNODE:
		for (long i = 0; i < n; i++) {
			void *p = f_nodal_onnode(size, 0);
			if (!p)
				return -1;
			KEEP(p);
			f_nodal_free(p);
		}
		break;
	case API_NUMA:
		for (long i = 0; i < n; i++) {
			void *p = f_numa_alloc_onnode(size, 0);
			if (!p)
				return -1;
			KEEP(p);
			f_numa_free(p, size);
		}
		break;
	case API_MEMKIND:
		for (long i = 0; i < n; i++) {
			void *p = f_memkind_malloc(memkind_kind, size);
			if (!p)
				return -1;
			KEEP(p);
			f_memkind_free(memkind_kind, p);
		}
		break;
	}
	return 0;
}

struct worker {
	pthread_t tid;
	size_t size;
	pthread_barrier_t *start;
	double ns;
	int err;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	if (cur->api == API_NODAL && f_nodal_set_thread_policy(nodal_policy)) {
		w->err = 1;
		pthread_barrier_wait(w->start);
		return NULL;
	}
	/* warm up: caches, the thread's arena state, the kernel's VMA cache */
	uint64_t w0 = thread_ns();
	while (thread_ns() - w0 < (uint64_t)budget_ns / 4)
		if (pairs(w->size, BATCH)) {
			w->err = 2;
			break;
		}
	pthread_barrier_wait(w->start);
	if (w->err)
		return NULL;
	long n = 0;
	uint64_t t0 = thread_ns(), t;
	do {
		if (pairs(w->size, BATCH)) {
			w->err = 2;
			return NULL;
		}
		n += BATCH;
	} while ((t = thread_ns()) - t0 < (uint64_t)budget_ns);
	w->ns = (double)(t - t0) / (double)n;
	return NULL;
}

static int child_resolve(void)
{
	void *h;
	const char *lib;

	switch (cur->api) {
	case API_MALLOC:
		return 0;
	case API_NODAL:
	case API_NODAL_ONNODE:
		lib = getenv("BENCH_LIBNODAL") ? getenv("BENCH_LIBNODAL") : BENCH_LIBNODAL;
		h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			printf("na %s\n", dlerror());
			return -1;
		}
		f_nodal_malloc = (void *(*)(size_t))dlsym(h, "nodal_malloc");
		f_nodal_free = (void (*)(void *))dlsym(h, "nodal_free");
		f_nodal_onnode = (void *(*)(size_t, int))dlsym(h, "nodal_malloc_onnode");
		f_nodal_policy_parse = (void *(*)(const char *))dlsym(h, "nodal_policy_parse");
		f_nodal_set_thread_policy = (int (*)(const void *))dlsym(h, "nodal_set_thread_policy");
		if (!f_nodal_malloc || !f_nodal_free || !f_nodal_onnode || !f_nodal_policy_parse ||
		    !f_nodal_set_thread_policy) {
			printf("na libnodal has no allocation API yet (nodal_malloc/nodal_malloc_onnode/"
			       "nodal_set_thread_policy not exported)\n");
			return -1;
		}
		if (cur->api == API_NODAL) {
			nodal_policy = f_nodal_policy_parse(cur->arg);
			if (!nodal_policy) {
				printf("na nodal_policy_parse(\"%s\"): %s\n", cur->arg, strerror(errno));
				return -1;
			}
		}
		return 0;
	case API_NUMA:
		h = dlopen("libnuma.so.1", RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			printf("na %s\n", dlerror());
			return -1;
		}
		f_numa_available = (int (*)(void))dlsym(h, "numa_available");
		f_numa_alloc_onnode = (void *(*)(size_t, int))dlsym(h, "numa_alloc_onnode");
		f_numa_free = (void (*)(void *, size_t))dlsym(h, "numa_free");
		if (!f_numa_available || !f_numa_alloc_onnode || !f_numa_free || f_numa_available() < 0) {
			printf("na libnuma unusable (numa_available() < 0 or symbols missing)\n");
			return -1;
		}
		return 0;
	case API_MEMKIND:
		h = dlopen("libmemkind.so.0", RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			printf("na %s (Debian: libmemkind0)\n", dlerror());
			return -1;
		}
		f_memkind_malloc = (void *(*)(void *, size_t))dlsym(h, "memkind_malloc");
		f_memkind_free = (void (*)(void *, void *))dlsym(h, "memkind_free");
		void **kind = dlsym(h, cur->arg);
		if (!f_memkind_malloc || !f_memkind_free || !kind) {
			printf("na libmemkind lacks %s\n", cur->arg);
			return -1;
		}
		memkind_kind = *kind;
		return 0;
	}
	return -1;
}

/* Prints "r SIZE THREADS NS" per measurement, or one "na REASON" line. */
static int child(const char *name)
{
	for (size_t i = 0; i < NPEERS; i++)
		if (!strcmp(peers[i].name, name))
			cur = &peers[i];
	if (!cur) {
		fprintf(stderr, "bench_alloc: unknown peer '%s'\n", name);
		return 2;
	}
	const char *b = getenv("BENCH_BUDGET_MS");
	budget_ns = (b ? atol(b) : 40) * 1000000L;
	if (budget_ns <= 0)
		budget_ns = 40000000L;
	if (child_resolve())
		return 0;
	for (size_t s = 0; s < NSIZES; s++) {
		for (int nt = 1; nt <= MAXTHREADS; nt++) {
			struct worker w[MAXTHREADS];
			pthread_barrier_t start;
			pthread_barrier_init(&start, NULL, (unsigned)nt);
			for (int t = 0; t < nt; t++) {
				w[t] = (struct worker){ .size = sizes[s], .start = &start };
				if (pthread_create(&w[t].tid, NULL, worker_main, &w[t])) {
					printf("na pthread_create failed\n");
					return 0;
				}
			}
			double sum = 0;
			int err = 0;
			for (int t = 0; t < nt; t++) {
				pthread_join(w[t].tid, NULL);
				sum += w[t].ns;
				err |= w[t].err;
			}
			pthread_barrier_destroy(&start);
			if (err) {
				printf("na %s at %zu bytes, %d threads\n",
				       err & 1 ? "nodal_set_thread_policy failed" : "allocation returned NULL", sizes[s],
				       nt);
				return 0;
			}
			printf("r %zu %d %.3f\n", sizes[s], nt, sum / nt);
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- the driver ---- */

struct result {
	int available;	   /* 1: measured; 0: n/a (reason) */
	char reason[4200];
	int nreps;
	double ns[NSIZES][MAXTHREADS][MAXREPS];
	double med[NSIZES][MAXTHREADS];
};

static struct result res[NPEERS];
static char self[4096];

static const char *libdir(void)
{
	return getenv("BENCH_LIBDIR") ? getenv("BENCH_LIBDIR") : DEFAULT_LIBDIR;
}

/* The preload path for peer @p into @buf ("" when none); -1 when the file is missing. */
static int preload_path(const struct peer *p, char *buf, size_t len)
{
	buf[0] = 0;
	if (!p->preload)
		return 0;
	if (!strcmp(p->preload, "@nodal-preload"))
		snprintf(buf, len, "%s",
			 getenv("BENCH_LIBNODAL_PRELOAD") ? getenv("BENCH_LIBNODAL_PRELOAD") : BENCH_LIBNODAL_PRELOAD);
	else if (!strcmp(p->preload, "@libnodal"))
		snprintf(buf, len, "%s", getenv("BENCH_LIBNODAL") ? getenv("BENCH_LIBNODAL") : BENCH_LIBNODAL);
	else
		snprintf(buf, len, "%s/%s", libdir(), p->preload);
	return access(buf, R_OK) ? -1 : 0;
}

/* Whether libnodal has its allocation path (so the preload library is nodal, not the
 * temporary glibc backend): libnodal exports nodal_malloc. */
static int nodal_has_api(void)
{
	const char *lib = getenv("BENCH_LIBNODAL") ? getenv("BENCH_LIBNODAL") : BENCH_LIBNODAL;
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	return h && dlsym(h, "nodal_malloc");
}

/* One child run of peer @i; parses its output into res[i], repetition @rep. */
static void run_child(size_t i, int rep)
{
	char pre[4096];
	int fd[2];

	if (pipe(fd))
		return;
	preload_path(&peers[i], pre, sizeof(pre));
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		if (pre[0])
			setenv("LD_PRELOAD", pre, 1);
		else
			unsetenv("LD_PRELOAD");
		if (peers[i].env)
			putenv((char *)peers[i].env);
		execl(self, self, "--child", peers[i].name, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	FILE *f = fdopen(fd[0], "r");
	char line[512];
	while (f && fgets(line, sizeof(line), f)) {
		size_t size;
		int nt;
		double ns;
		if (!strncmp(line, "na ", 3)) {
			res[i].available = 0;
			line[strcspn(line, "\n")] = 0;
			snprintf(res[i].reason, sizeof(res[i].reason), "%s", line + 3);
		} else if (sscanf(line, "r %zu %d %lf", &size, &nt, &ns) == 3) {
			for (size_t s = 0; s < NSIZES; s++)
				if (sizes[s] == size && nt >= 1 && nt <= MAXTHREADS)
					res[i].ns[s][nt - 1][rep] = ns;
		}
	}
	if (f)
		fclose(f);
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		res[i].available = 0;
		snprintf(res[i].reason, sizeof(res[i].reason), "child failed (status %d)", st);
	}
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void size_label(size_t s, char *buf, size_t len)
{
	if (s >= 1048576)
		snprintf(buf, len, "%zuM", s / 1048576);
	else if (s >= 1024)
		snprintf(buf, len, "%zuK", s / 1024);
	else
		snprintf(buf, len, "%zu", s);
}

/* Tables: one of medians and one of ratios against jemalloc, per thread count; @md: as
 * markdown tables. */
static void tables(FILE *f, int md)
{
	char lab[16];
	for (int t = 0; t < MAXTHREADS; t++) {
		for (int ratio = 0; ratio < 2; ratio++) {
			if (ratio && !res[0].available)
				continue;
			fprintf(f, "\n%s%s, %d thread%s (%s)\n\n", md ? "### " : "",
				ratio ? "ratio to jemalloc's malloc" : "ns per malloc+free pair", t + 1, t ? "s" : "",
				ratio ? "lower is better" : "median");
			fprintf(f, md ? "| %s |" : "%-18s", "allocator");
			for (size_t s = 0; s < NSIZES; s++) {
				size_label(sizes[s], lab, sizeof(lab));
				fprintf(f, md ? " %s |" : " %8s", lab);
			}
			fprintf(f, "\n");
			if (md) {
				fprintf(f, "|---|");
				for (size_t s = 0; s < NSIZES; s++)
					fprintf(f, "---:|");
				fprintf(f, "\n");
			}
			for (size_t i = 0; i < NPEERS; i++) {
				if (!res[i].available)
					continue;
				fprintf(f, md ? "| %s |" : "%-18s", peers[i].name);
				for (size_t s = 0; s < NSIZES; s++) {
					double v = res[i].med[s][t];
					if (ratio)
						v /= res[0].med[s][t];
					if (ratio)
						fprintf(f, md ? " %.2f |" : " %8.2f", v);
					else
						fprintf(f, md ? " %.1f |" : " %8.1f", v);
				}
				fprintf(f, "\n");
			}
		}
	}
	int na = 0;
	for (size_t i = 0; i < NPEERS; i++)
		if (!res[i].available) {
			if (!na++)
				fprintf(f, "\n%snot measured:\n\n", md ? "" : "");
			fprintf(f, "%s%s: %s\n", md ? "- " : "  ", peers[i].name, res[i].reason);
		}
}

static int peer_index(const char *name)
{
	for (size_t i = 0; i < NPEERS; i++)
		if (!strcmp(peers[i].name, name))
			return (int)i;
	return -1;
}

/* The targets of issue 5; one line each, PASS / MISS (worst case) / n/a. */
static void targets(FILE *f, int md)
{
	const char *li = md ? "- " : "  ";
	int je = peer_index("jemalloc");
	fprintf(f, "\n%stargets\n\n", md ? "### " : "");
	static const struct {
		const char *peer;
		double max;
	} le[] = { { "nodal-local", 1.2 }, { "nodal-bind0", 1.2 }, { "nodal-interleave", 2.0 } };
	for (size_t k = 0; k < sizeof(le) / sizeof(le[0]); k++) {
		int i = peer_index(le[k].peer);
		if (!res[je].available || !res[i].available) {
			fprintf(f, "%s%s <= %.1fx jemalloc at every size: n/a (%s)\n", li, le[k].peer, le[k].max,
				res[i].available ? "jemalloc not measured" : res[i].reason);
			continue;
		}
		double worst = 0;
		size_t ws = 0;
		int wt = 0, miss = 0;
		for (size_t s = 0; s < NSIZES; s++)
			for (int t = 0; t < MAXTHREADS; t++) {
				double r = res[i].med[s][t] / res[je].med[s][t];
				miss += r > le[k].max;
				if (r > worst)
					worst = r, ws = s, wt = t;
			}
		fprintf(f, "%s%s <= %.1fx jemalloc at every size: %s (worst %.2fx at %zu B, %d thread%s; %d of %zu cells over)\n",
			li, le[k].peer, le[k].max, miss ? "MISS" : "PASS", worst, sizes[ws], wt + 1, wt ? "s" : "", miss,
			NSIZES * MAXTHREADS);
	}
	int on = peer_index("nodal-onnode"), nu = peer_index("numa_alloc_onnode");
	if (res[on].available && res[nu].available) {
		double worst = 1e30;
		size_t ws = 0;
		int wt = 0;
		for (size_t s = 0; s < NSIZES && sizes[s] <= 4096; s++)
			for (int t = 0; t < MAXTHREADS; t++) {
				double r = res[nu].med[s][t] / res[on].med[s][t];
				if (r < worst)
					worst = r, ws = s, wt = t;
			}
		fprintf(f, "%snodal-onnode >= 100x faster than numa_alloc_onnode up to 4 KiB: %s (least %.0fx at %zu B, %d thread%s)\n",
			li, worst >= 100 ? "PASS" : "MISS", worst, sizes[ws], wt + 1, wt ? "s" : "");
	} else {
		fprintf(f, "%snodal-onnode >= 100x faster than numa_alloc_onnode up to 4 KiB: n/a (%s)\n", li,
			res[on].available ? res[nu].reason : res[on].reason);
	}
	for (size_t m = 0; m < NPEERS; m++) {
		if (peers[m].api != API_MEMKIND)
			continue;
		if (!res[on].available || !res[m].available) {
			fprintf(f, "%snodal-onnode faster than %s at every size: n/a (%s)\n", li, peers[m].name,
				res[on].available ? res[m].reason : res[on].reason);
			continue;
		}
		double worst = 1e30;
		size_t ws = 0;
		int wt = 0;
		for (size_t s = 0; s < NSIZES; s++)
			for (int t = 0; t < MAXTHREADS; t++) {
				double r = res[m].med[s][t] / res[on].med[s][t];
				if (r < worst)
					worst = r, ws = s, wt = t;
			}
		/* the target is the node-bound kind; MEMKIND_DEFAULT binds nothing: for reference */
		int bound = !strcmp(peers[m].arg, "MEMKIND_REGULAR");
		fprintf(f, "%snodal-onnode faster than %s at every size%s: %s (least speed-up %.2fx at %zu B, %d thread%s)\n",
			li, peers[m].name, bound ? "" : " (reference: an unbound kind, not a target)",
			worst > 1 ? "PASS" : "MISS", worst, sizes[ws], wt + 1, wt ? "s" : "");
	}
}

static void write_json(FILE *f, int reps, long budget_ms)
{
	fprintf(f, "{\n  \"unit\": \"ns per malloc+free pair (thread CPU time), median of repetitions\",\n");
	fprintf(f, "  \"repetitions\": %d,\n  \"budget_ms\": %ld,\n  \"sizes\": [", reps, budget_ms);
	for (size_t s = 0; s < NSIZES; s++)
		fprintf(f, "%s%zu", s ? ", " : "", sizes[s]);
	fprintf(f, "],\n  \"allocators\": {\n");
	for (size_t i = 0; i < NPEERS; i++) {
		fprintf(f, "    \"%s\": ", peers[i].name);
		if (!res[i].available) {
			fprintf(f, "{ \"available\": false, \"reason\": \"");
			for (const char *c = res[i].reason; *c; c++)
				if (*c == '"' || *c == '\\')
					fprintf(f, "\\%c", *c);
				else if ((unsigned char)*c >= 0x20)
					fputc(*c, f);
			fprintf(f, "\" }");
		} else {
			fprintf(f, "{ \"available\": true");
			for (int t = 0; t < MAXTHREADS; t++) {
				fprintf(f, ", \"threads_%d\": [", t + 1);
				for (size_t s = 0; s < NSIZES; s++)
					fprintf(f, "%s%.2f", s ? ", " : "", res[i].med[s][t]);
				fprintf(f, "]");
			}
			fprintf(f, " }");
		}
		fprintf(f, "%s\n", i + 1 < NPEERS ? "," : "");
	}
	fprintf(f, "  }\n}\n");
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--child"))
		return child(argv[2]);
	int quick = argc > 1 && !strcmp(argv[1], "--quick");
	if (argc > 1 && !quick) {
		fprintf(stderr, "usage: bench_alloc [--quick] | --child PEER\n");
		return 2;
	}
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		fprintf(stderr, "bench_alloc: cannot find its own executable\n");
		return 1;
	}
	self[n] = 0;
	int reps = getenv("BENCH_REPS") ? atoi(getenv("BENCH_REPS")) : quick ? 5 : 7;
	if (reps < 1 || reps > MAXREPS) {
		fprintf(stderr, "bench_alloc: BENCH_REPS=%d: expected 1..%d\n", reps, MAXREPS);
		return 2;
	}
	long budget_ms = getenv("BENCH_BUDGET_MS") ? atol(getenv("BENCH_BUDGET_MS")) : quick ? 10 : 25;
	char bstr[32];
	snprintf(bstr, sizeof(bstr), "%ld", budget_ms);
	setenv("BENCH_BUDGET_MS", bstr, 1);
	int has_api = nodal_has_api();
	char pre[4096];
	for (size_t i = 0; i < NPEERS; i++) {
		res[i].available = 1;
		if (preload_path(&peers[i], pre, sizeof(pre))) {
			res[i].available = 0;
			snprintf(res[i].reason, sizeof(res[i].reason), "%s not installed", pre);
		} else if (!strcmp(peers[i].name, "nodal-preload") && !has_api) {
			res[i].available = 0;
			snprintf(res[i].reason, sizeof(res[i].reason),
				 "libnodal has no allocation path yet (the preload library would be glibc's malloc)");
		}
	}
	fprintf(stderr, "bench_alloc: %d repetitions, %ld ms per measurement, allocators interleaved\n", reps,
		budget_ms);
	for (int r = 0; r < reps; r++) {
		fprintf(stderr, "  repetition %d/%d\n", r + 1, reps);
		for (size_t i = 0; i < NPEERS; i++)
			if (res[i].available)
				run_child(i, r);
	}
	for (size_t i = 0; i < NPEERS; i++) {
		if (!res[i].available)
			continue;
		for (size_t s = 0; s < NSIZES; s++)
			for (int t = 0; t < MAXTHREADS; t++) {
				qsort(res[i].ns[s][t], (size_t)reps, sizeof(double), cmp_d);
				res[i].med[s][t] = res[i].ns[s][t][reps / 2];
			}
	}
	printf("malloc+free: ns per pair (thread CPU time), median of %d interleaved repetitions, %ld ms each\n",
	       reps, budget_ms);
	tables(stdout, 0);
	targets(stdout, 0);
	const char *dir = getenv("BENCH_RESULTS");
	if (dir && *dir) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/latest.json", dir);
		FILE *f = fopen(path, "w");
		if (f) {
			write_json(f, reps, budget_ms);
			fclose(f);
		}
		snprintf(path, sizeof(path), "%s/latest.md", dir);
		f = fopen(path, "w");
		if (f) {
			time_t now = time(NULL);
			char when[64];
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&now));
			fprintf(f, "## bench_alloc, %s\n\nns per malloc+free pair (thread CPU time), median of %d "
				   "interleaved repetitions, %ld ms per measurement.\n", when, reps, budget_ms);
			tables(f, 1);
			targets(f, 1);
			fclose(f);
		}
		if (!f)
			fprintf(stderr, "bench_alloc: cannot write %s: %s\n", path, strerror(errno));
	}
	return 0;
}
