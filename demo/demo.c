/*
 * demo.c — nodal-demo: a small multi-threaded workload for `nodal run`.
 *
 * Each of -t threads builds its share of -m MiB of large arrays (4 MiB each) and a
 * churn of small objects (a linked structure of 16..512-byte nodes, half freed and
 * rebuilt), then sums everything. The program knows nothing about nodal: it is the
 * unmodified application of the README's first command. It prints a summary of its own
 * — including where the kernel actually put the pages of its large arrays (move_pages
 * query through libnuma) — and leaves its data allocated at exit, so that nodal's exit
 * report (NODAL_STATS, `nodal run --stats`) has live memory to sample.
 *
 *   nodal-demo [-t THREADS] [-m MIB] [-s SMALL_OBJECTS_PER_THREAD]
 * Exit 0, or 1 if memory runs out, 2 for bad arguments.
 */
#include <config.h>

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <numa.h>
#include <numaif.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_BYTES (4u << 20)
#define MAX_THREADS 256
#define MAX_NODES 1024

struct small {
	struct small *next;
	uint32_t len;
	uint32_t tag;
	unsigned char data[];
};

struct worker {
	pthread_t th;
	int id;
	size_t bytes;      /* large-array share */
	long nsmall;
	double **arrays;   /* kept allocated at exit */
	size_t narrays;
	struct small *list; /* kept allocated at exit */
	size_t small_bytes;
	uint64_t sum;
	int failed;
};

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static struct small *new_small(uint32_t *seed, size_t *bytes)
{
	uint32_t len = 16 + xorshift(seed) % 497;
	struct small *o = malloc(sizeof(*o) + len);

	if (!o)
		return NULL;
	o->len = len;
	o->tag = *seed;
	memset(o->data, (int)(o->tag & 0xff), len);
	*bytes += sizeof(*o) + len;
	return o;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	uint32_t seed = 2463534242u + (uint32_t)w->id * 7919u;
	size_t left = w->bytes;

	w->narrays = (w->bytes + ARRAY_BYTES - 1) / ARRAY_BYTES;
	w->arrays = calloc(w->narrays ? w->narrays : 1, sizeof(*w->arrays));
	if (!w->arrays) {
		w->failed = 1;
		return NULL;
	}
	for (size_t i = 0; i < w->narrays; i++, left -= left < ARRAY_BYTES ? left : ARRAY_BYTES) {
		size_t n = (left < ARRAY_BYTES ? left : ARRAY_BYTES) / sizeof(double);
		double *a = malloc(n * sizeof(double));
		if (!a) {
			w->failed = 1;
			return NULL;
		}
		for (size_t j = 0; j < n; j++) /* first touch places the pages */
			a[j] = (double)(j % 1000) * 0.5;
		w->arrays[i] = a;
	}
	/* Small objects: build, free every other one, rebuild: the allocator's fast path. */
	for (int round = 0; round < 2; round++) {
		for (long i = 0; i < w->nsmall / 2; i++) {
			struct small *o = new_small(&seed, &w->small_bytes);
			if (!o) {
				w->failed = 1;
				return NULL;
			}
			o->next = w->list;
			w->list = o;
		}
		for (struct small *o = w->list; o && o->next; o = o->next) {
			struct small *dead = o->next;
			o->next = dead->next;
			w->small_bytes -= sizeof(*dead) + dead->len;
			free(dead);
		}
	}
	for (size_t i = 0; i < w->narrays; i++) {
		size_t n = (i + 1 < w->narrays || w->bytes % ARRAY_BYTES == 0 ? ARRAY_BYTES : w->bytes % ARRAY_BYTES) /
			   sizeof(double);
		for (size_t j = 0; j < n; j += 8)
			w->sum += (uint64_t)w->arrays[i][j];
	}
	for (struct small *o = w->list; o; o = o->next)
		w->sum += o->data[o->len - 1] + o->len;
	return NULL;
}

static int parse_num(const char *opt, const char *v, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(v, &end, 10);
	if (errno || !*v || *end || *out < lo || *out > hi) {
		fprintf(stderr, "nodal-demo: %s '%s': expected a number from %ld to %ld\n", opt, v, lo, hi);
		return 2;
	}
	return 0;
}

static const char *allocator_name(void)
{
	Dl_info di;
	void *fn = dlsym(RTLD_DEFAULT, "malloc");

	if (fn && dladdr(fn, &di) && di.dli_fname && strstr(di.dli_fname, "libnodal-preload"))
		return "nodal (libnodal-preload.so)";
	return fn && dladdr(fn, &di) && di.dli_fname ? di.dli_fname : "unknown";
}

/* Where the kernel put the pages of the large arrays (sampling one page in 16). */
enum { BATCH = 4096 };
static void *pages[BATCH];
static int status[BATCH];
static long count[MAX_NODES], sampled, unknown;

static void query(int nb)
{
	if (numa_move_pages(0, (unsigned long)nb, pages, NULL, status, 0)) {
		unknown += nb;
		return;
	}
	for (int k = 0; k < nb; k++) {
		if (status[k] >= 0 && status[k] < MAX_NODES)
			count[status[k]]++, sampled++;
		else
			unknown++;
	}
}

static void report_pages(struct worker *ws, int nthreads)
{
	size_t step = (size_t)sysconf(_SC_PAGESIZE) * 16;
	int nb = 0;

	if (numa_available() < 0) {
		printf("pages: not available (no NUMA support in this kernel)\n");
		return;
	}
	for (int t = 0; t < nthreads; t++) {
		size_t left = ws[t].bytes;
		for (size_t i = 0; i < ws[t].narrays; i++) {
			size_t len = left < ARRAY_BYTES ? left : ARRAY_BYTES;
			left -= len;
			for (size_t off = 0; off < len; off += step) {
				pages[nb++] = (char *)ws[t].arrays[i] + off;
				if (nb == BATCH) {
					query(nb);
					nb = 0;
				}
			}
		}
	}
	if (nb)
		query(nb);
	printf("pages of the large arrays by node (move_pages, 1 in 16 sampled):");
	for (int n = 0; n < MAX_NODES; n++)
		if (count[n])
			printf(" node %d: %ld (%.0f%%)", n, count[n], 100.0 * (double)count[n] / (double)sampled);
	if (unknown)
		printf(" not placed: %ld", unknown);
	printf("\n");
}

int main(int argc, char **argv)
{
	long threads = 4, mib = 64, nsmall = 100000;
	static struct worker ws[MAX_THREADS];
	struct timespec t0, t1;
	uint64_t sum = 0;
	size_t small_bytes = 0, narrays = 0;
	long small_live = 0;
	int opt, failed = 0;

	while ((opt = getopt(argc, argv, "t:m:s:h")) != -1) {
		int rc = 0;
		switch (opt) {
		case 't': rc = parse_num("-t", optarg, 1, MAX_THREADS, &threads); break;
		case 'm': rc = parse_num("-m", optarg, 0, 1 << 20, &mib); break;
		case 's': rc = parse_num("-s", optarg, 0, 100000000, &nsmall); break;
		case 'h':
			printf("usage: nodal-demo [-t THREADS] [-m MIB] [-s SMALL_OBJECTS_PER_THREAD]\n");
			return 0;
		default: return 2;
		}
		if (rc)
			return rc;
	}
	if (optind < argc) {
		fprintf(stderr, "nodal-demo: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	size_t total = (size_t)mib << 20, share = total / (size_t)threads / 4096 * 4096;
	for (int t = 0; t < threads; t++) {
		ws[t].id = t;
		ws[t].bytes = t + 1 == threads ? total - share * (size_t)(threads - 1) : share;
		ws[t].nsmall = nsmall;
		if (pthread_create(&ws[t].th, NULL, work, &ws[t])) {
			fprintf(stderr, "nodal-demo: cannot create thread %d\n", t);
			return 1;
		}
	}
	for (int t = 0; t < threads; t++) {
		pthread_join(ws[t].th, NULL);
		failed |= ws[t].failed;
		sum += ws[t].sum;
		small_bytes += ws[t].small_bytes;
		narrays += ws[t].narrays;
		for (struct small *o = ws[t].list; o; o = o->next)
			small_live++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (failed) {
		fprintf(stderr, "nodal-demo: out of memory\n");
		return 1;
	}
	printf("nodal-demo: %ld threads, %ld MiB of large arrays (%zu arrays of up to 4 MiB), %ld small objects "
	       "live (%.1f MiB), checksum %" PRIx64 ", %.2f s\n",
	       threads, mib, narrays, small_live,
	       (double)small_bytes / (1 << 20), sum,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	printf("allocator: %s; NODAL_POLICY=%s\n", allocator_name(),
	       getenv("NODAL_POLICY") ? getenv("NODAL_POLICY") : "(unset)");
	report_pages(ws, (int)threads);
	fflush(stdout);
	return 0; /* the data stays allocated: nodal's exit report samples it */
}
