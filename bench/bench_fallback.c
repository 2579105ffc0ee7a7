/*
 * bench_fallback.c — time to build every fallback list of a machine (the bench tier).
 *
 *   make -C build bench/bench_fallback && build/bench/bench_fallback [repeats]
 *
 * For 64 and 1024 nodes (groups of four: 10 / 16 / 32, every fourth node CPU-less), per
 * kind: the kernel model alone (nodal_build_zonelists, every possible node's build) and
 * the whole nodal_fallback_build() (model + compaction into the topology), plus a
 * literal transcription of the kernel's O(M^2) find_next_best_node() scan for scale.
 * Prints the median and the minimum of @repeats runs, in microseconds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fallback.h"
#include "msg.h"
#include "topology.h"

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static struct nodal_topology *machine(int nr)
{
	int *ncpus = calloc((size_t)nr, sizeof(int));
	uint8_t *dist = malloc((size_t)nr * (size_t)nr);
	for (int i = 0; i < nr; i++) {
		ncpus[i] = i % 4 == 3 ? 0 : 2;
		for (int j = 0; j < nr; j++)
			dist[i * nr + j] = i == j ? 10 : i / 4 == j / 4 ? 16 : 32;
	}
	struct nodal_topology_desc d = { .nr_nodes = nr, .ncpus = ncpus, .distance = dist };
	struct nodal_topology *t = NULL;
	if (nodal_topology_from_desc(&d, &t)) {
		fprintf(stderr, "bench_fallback: %s\n", nodal_last_error());
		exit(1);
	}
	free(ncpus);
	free(dist);
	return t;
}

/* kernel: find_next_best_node() as written, every step scanning every memory node. */
static void literal_build(const struct nodal_zonelist_input *in, uint16_t *order, int *len)
{
	static int load[NODAL_MAX_NUMNODES];
	static uint8_t used[NODAL_MAX_NUMNODES];
	const int nr = in->nr_node_ids;
	memset(load, 0, sizeof(load));
	for (int local = 0; local < nr; local++) {
		memset(used, 0, (size_t)nr);
		int count = 0, prev = local;
		if (node_isset(local, &in->memory)) {
			used[local] = 1;
			order[local * nr + count++] = (uint16_t)local;
		}
		for (;;) {
			int best = -1, min_val = 1 << 30;
			for (int n = 0; n < nr; n++) {
				if (used[n] || !node_isset(n, &in->memory))
					continue;
				int val = (in->distance[local * nr + n] + (n < local) + node_isset(n, &in->penalty)) *
				                  NODAL_MAX_NUMNODES +
				          load[n];
				if (val < min_val) {
					min_val = val;
					best = n;
				}
			}
			if (best < 0)
				break;
			used[best] = 1;
			if (in->distance[local * nr + best] != in->distance[local * nr + prev])
				load[best] += 1;
			order[local * nr + count++] = (uint16_t)best;
			prev = best;
		}
		len[local] = count;
	}
}

enum what { MODEL, FULL, LITERAL };

static void bench(struct nodal_topology *t, enum nodal_fallback_kind kind, enum what what, int repeats)
{
	const int nr = t->nr_node_ids;
	double *us = malloc(sizeof(double) * (size_t)repeats);
	uint16_t *order = malloc(sizeof(uint16_t) * (size_t)nr * (size_t)nr);
	int *len = malloc(sizeof(int) * (size_t)nr);
	struct nodal_zonelist_input in = { .nr_node_ids = nr, .distance = t->distance, .possible = t->possible,
		                           .memory = t->memory };
	if (kind == NODAL_FALLBACK_KERNEL_HOTPLUG)
		in.penalty = t->cpu;
	for (int r = 0; r < repeats; r++) {
		double t0 = now_us();
		if (what == MODEL)
			nodal_build_zonelists(&in, -1, order, len);
		else if (what == LITERAL)
			literal_build(&in, order, len);
		else if (nodal_fallback_build(t, kind, NULL)) {
			fprintf(stderr, "bench_fallback: %s\n", nodal_last_error());
			exit(1);
		}
		us[r] = now_us() - t0;
	}
	qsort(us, (size_t)repeats, sizeof(double), cmp_double);
	static const char *const names[] = { "model (sorted)", "nodal_fallback_build", "literal kernel scan" };
	printf("%5d nodes  %-15s %-21s median %10.1f us   min %10.1f us   (%d runs)\n", nr,
	       nodal_fallback_kind_name(kind), names[what], us[repeats / 2], us[0], repeats);
	free(us);
	free(order);
	free(len);
}

int main(int argc, char **argv)
{
	int repeats = argc > 1 ? atoi(argv[1]) : 21;
	if (repeats < 1)
		repeats = 1;
	static const int sizes[] = { 64, 1024 };
	for (unsigned s = 0; s < sizeof(sizes) / sizeof(*sizes); s++) {
		struct nodal_topology *t = machine(sizes[s]);
		for (int k = NODAL_FALLBACK_KERNEL; k <= NODAL_FALLBACK_DISTANCE; k++) {
			if (k != NODAL_FALLBACK_DISTANCE)
				bench(t, (enum nodal_fallback_kind)k, MODEL, repeats);
			bench(t, (enum nodal_fallback_kind)k, FULL, repeats);
		}
		bench(t, NODAL_FALLBACK_KERNEL, LITERAL, sizes[s] > 256 ? 3 : repeats);
		nodal_topology_free(t);
	}
	return 0;
}
