/*
 * bench_pairs.c — a minimal malloc+free pair loop for instruction counts
 * (scripts/bench-instructions.sh runs it under callgrind twice with different counts, so
 * that start-up and initialisation cancel; docs/benchmarks.md).
 *
 *   usage: bench_pairs MODE SIZE PAIRS
 *     MODE malloc      plain malloc/free (whatever LD_PRELOAD provides: jemalloc,
 *                      libnodal-preload.so, or glibc)
 *     MODE onnode      libnodal dlopen'd: nodal_malloc_onnode(SIZE, 0)/nodal_free
 *     MODE <policy>    libnodal dlopen'd: nodal_set_thread_policy(<policy>), then
 *                      nodal_malloc/nodal_free (e.g. local, bind:0, interleave:all)
 *   env:  BENCH_LIBNODAL  path of libnodal.so (default: the build tree's)
 * PAIRS / 10 warm-up pairs run first. Exit status 1 when something is missing.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BENCH_LIBNODAL
#define BENCH_LIBNODAL "libnodal.so"
#endif

#define KEEP(p) __asm__ volatile("" : : "r"(p) : "memory")

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: bench_pairs MODE SIZE PAIRS\n");
		return 2;
	}
	const char *mode = argv[1];
	size_t size = strtoul(argv[2], NULL, 0);
	long n = atol(argv[3]);
	void *(*m)(size_t) = malloc;
	void (*f)(void *) = free;
	void *(*on)(size_t, int) = NULL;
	if (strcmp(mode, "malloc")) {
		const char *lib = getenv("BENCH_LIBNODAL") ? getenv("BENCH_LIBNODAL") : BENCH_LIBNODAL;
		void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			fprintf(stderr, "bench_pairs: %s\n", dlerror());
			return 1;
		}
		m = (void *(*)(size_t))dlsym(h, "nodal_malloc");
		f = (void (*)(void *))dlsym(h, "nodal_free");
		on = (void *(*)(size_t, int))dlsym(h, "nodal_malloc_onnode");
		void *(*parse)(const char *) = (void *(*)(const char *))dlsym(h, "nodal_policy_parse");
		int (*set)(const void *) = (int (*)(const void *))dlsym(h, "nodal_set_thread_policy");
		if (!m || !f || !on || !parse || !set) {
			fprintf(stderr, "bench_pairs: libnodal lacks the allocation API\n");
			return 1;
		}
		if (strcmp(mode, "onnode")) {
			void *pol = parse(mode);
			if (!pol || set(pol)) {
				fprintf(stderr, "bench_pairs: policy '%s' rejected\n", mode);
				return 1;
			}
			on = NULL;
		}
	}
	for (int pass = 0; pass < 2; pass++) {
		long count = pass ? n : n / 10;
		if (on) {
			for (long i = 0; i < count; i++) {
				void *p = on(size, 0);
				KEEP(p);
				f(p);
			}
		} else {
			for (long i = 0; i < count; i++) {
				void *p = m(size);
				KEEP(p);
				f(p);
			}
		}
	}
	return 0;
}
