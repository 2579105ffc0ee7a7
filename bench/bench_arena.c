/*
 * bench_arena.c — the arena fast path: ns per alloc+free pair, sizes 16 B .. 1 MiB, side
 * by side in one process:
 *   jemalloc  Debian's libjemalloc malloc/free (this program links it: it IS malloc here)
 *   glibc     __libc_malloc/__libc_free
 *   home      nodal_arena_alloc/free on the thread's home node (jemalloc's own cache)
 *   sized     the same with nodal_arena_free_sized
 *   alt2      alternating two nodes per pair (explicit per-node caches; INTERLEAVE-like)
 * Medians of 11 runs of thread CPU time and of user-space instructions per pair
 * (perf_event_open, when permitted: load elsewhere cannot disturb it), the allocators interleaved run by run (so other processes on a busy machine do not
 * count); ratios against jemalloc. Linux backend; the topology claims nodes 0
 * and 1 (on a one-node machine the node 1 binds fail harmlessly: the path is the same).
 *   usage: bench_arena [iterations-per-run]   (default 200000)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "os.h"
#include "topology.h"

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define RUNS 11

/* User-space instructions retired by this thread (perf_event_open), -1 if unavailable:
 * a figure other processes on a busy machine cannot disturb. */
static int instr_fd = -1;

static void instr_open(void)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_HARDWARE;
	a.config = PERF_COUNT_HW_INSTRUCTIONS;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	instr_fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static uint64_t instr_now(void)
{
	uint64_t v = 0;
	if (instr_fd < 0 || read(instr_fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static double last_instr;
#define KEEP(p) __asm__ volatile("" : : "r"(p) : "memory")

enum kind { K_JE, K_GLIBC, K_HOME, K_SIZED, K_ALT, K_N };
static const char *kind_name[K_N] = { "jemalloc", "glibc", "home", "sized", "alt2" };

static double run(enum kind k, size_t size, long iters)
{
	uint64_t i0 = instr_now();
	uint64_t t0 = now_ns();
	switch (k) {
	case K_JE:
		for (long i = 0; i < iters; i++) {
			void *p = malloc(size);
			KEEP(p);
			free(p);
		}
		break;
	case K_GLIBC:
		for (long i = 0; i < iters; i++) {
			void *p = __libc_malloc(size);
			KEEP(p);
			__libc_free(p);
		}
		break;
	case K_HOME:
		for (long i = 0; i < iters; i++) {
			void *p = nodal_arena_alloc(0, size, 0, false);
			KEEP(p);
			nodal_arena_free(p);
		}
		break;
	case K_SIZED:
		for (long i = 0; i < iters; i++) {
			void *p = nodal_arena_alloc(0, size, 0, false);
			KEEP(p);
			nodal_arena_free_sized(p, size);
		}
		break;
	case K_ALT:
		for (long i = 0; i < iters; i++) {
			void *p = nodal_arena_alloc((int)(i & 1), size, 0, false);
			KEEP(p);
			nodal_arena_free(p);
		}
		break;
	default:
		break;
	}
	double ns = (double)(now_ns() - t0) / (double)iters;
	last_instr = (double)(instr_now() - i0) / (double)iters;
	return ns;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 200000;
	instr_open();
	static struct nodal_node nodes[2];
	struct nodal_topology t = { .nr_node_ids = 2, .nodes = nodes };
	for (int n = 0; n < 2; n++) {
		node_set(n, &t.memory);
		node_set(n, &t.online);
		node_set(n, &t.possible);
		nodes[n] = (struct nodal_node){ .id = n, .present = true, .has_memory = true };
	}
	nodal_os_select(&nodal_os_linux);
	struct nodal_arena_config cfg = { .limit = { 0 } };
	if (nodal_arena_boot(&t, &cfg)) {
		fprintf(stderr, "bench_arena: arena boot failed\n");
		return 1;
	}
	static const size_t sizes[] = { 16, 64, 256, 1024, 4096, 16384, 32768, 65536, 262144, 1048576 };
	printf("ns per malloc+free pair, median of %d interleaved runs of %ld (ratio to jemalloc's malloc)\n", RUNS, iters);
	printf("%8s", "size");
	for (int k = 0; k < K_N; k++)
		printf(" %16s", kind_name[k]);
	printf("\n");
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		double med[K_N], imed[K_N];
		long it = sizes[s] > 32768 ? iters / 10 : iters;
		double r[K_N][RUNS], ins[K_N][RUNS];
		for (int k = 0; k < K_N; k++)
			run((enum kind)k, sizes[s], it / 10 + 1); /* warm up */
		/* rounds interleave the allocators, so a burst of load elsewhere hits all */
		for (int i = 0; i < RUNS; i++)
			for (int k = 0; k < K_N; k++)
			{
				r[k][i] = run((enum kind)k, sizes[s], it);
				ins[k][i] = last_instr;
			}
		for (int k = 0; k < K_N; k++) {
			qsort(r[k], RUNS, sizeof(r[k][0]), cmp_d);
			qsort(ins[k], RUNS, sizeof(ins[k][0]), cmp_d);
			med[k] = r[k][RUNS / 2];
			imed[k] = ins[k][RUNS / 2];
		}
		printf("%8zu", sizes[s]);
		for (int k = 0; k < K_N; k++)
			printf(" %8.1f (%4.2fx)", med[k], med[k] / med[K_JE]);
		printf("\n");
		if (instr_fd >= 0) {
			printf("%8s", "instr");
			for (int k = 0; k < K_N; k++)
				printf(" %8.0f (%4.2fx)", imed[k], imed[k] / imed[K_JE]);
			printf("\n");
		}
	}
	return 0;
}
