/* mpol_topo.c — see mpol_topo.h. Test code: allocates with calloc, aborts on misuse. */
#include "mpol_topo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsv.h"

const char *const mt_names[] = { "two", "rb8", "four-cpuless", "memoryless", "private", "sparse", "n64", NULL };

int mt_parse_order(const char *s, int *out, int max)
{
	int n = 0;
	while (*s) {
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s)
			break;
		if (n < max)
			out[n] = (int)v;
		n++;
		s = end;
		while (*s == ' ')
			s++;
	}
	return n;
}

void mt_format_order(const int *ids, int n, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = 0;
	for (int i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%d", i ? " " : "", ids[i]);
}

static void mask(const char *s, nodemask_t *m)
{
	if (test_parse_mask(s, m)) {
		fprintf(stderr, "mpol_topo: bad mask %s\n", s);
		abort();
	}
}

/* @lists: one "a b c" string per node id ("" = no list). Distances: 10 local, @remote. */
static struct nodal_topology *make(int nr, const char *possible, const char *cpus, const char *memory,
				   const char *priv, const char *const *lists, const uint8_t *dist)
{
	struct nodal_topology *t = calloc(1, sizeof(*t));
	t->nr_node_ids = nr;
	mask(possible, &t->possible);
	t->online = t->possible;
	mask(cpus, &t->cpu);
	mask(memory, &t->memory);
	mask(priv, &t->private_nodes);
	t->nodes = calloc((size_t)nr, sizeof(*t->nodes));
	t->distance = calloc((size_t)nr * (size_t)nr, 1);
	t->fallback = calloc((size_t)nr, sizeof(*t->fallback));
	t->fallback_len = calloc((size_t)nr, sizeof(*t->fallback_len));
	t->nr_cpu_ids = 0;
	for (int n = 0; n < nr; n++) {
		struct nodal_node *nd = &t->nodes[n];
		nd->id = n;
		nd->present = node_isset(n, &t->possible);
		nd->has_cpus = node_isset(n, &t->cpu);
		nd->has_memory = node_isset(n, &t->memory);
		nd->is_private = node_isset(n, &t->private_nodes);
		nd->tier = -1;
		for (int m = 0; m < nr; m++)
			t->distance[n * nr + m] = dist ? dist[n * nr + m] : (n == m ? 10 : 20);
		int ids[NODAL_MAX_NUMNODES];
		int len = lists ? mt_parse_order(lists[n], ids, NODAL_MAX_NUMNODES) : 0;
		t->fallback[n] = calloc((size_t)len + 1, sizeof(uint16_t));
		for (int i = 0; i < len; i++)
			t->fallback[n][i] = (uint16_t)ids[i];
		t->fallback_len[n] = len;
	}
	t->fallback_kind = NODAL_FALLBACK_KERNEL;
	snprintf(t->source, sizeof(t->source), "test");
	return t;
}

/* 64 nodes, 8 sockets of 8: 10 local, 16 in a socket, 32 across; lists by distance, id. */
static struct nodal_topology *make_n64(void)
{
	enum { N = 64 };
	static uint8_t dist[N * N];
	static char bufs[N][N * 4];
	const char *lists[N];
	for (int a = 0; a < N; a++)
		for (int b = 0; b < N; b++)
			dist[a * N + b] = a == b ? 10 : (a / 8 == b / 8 ? 16 : 32);
	for (int a = 0; a < N; a++) {
		size_t o = 0;
		for (int d = 10; d <= 32; d++)
			for (int b = 0; b < N; b++)
				if (dist[a * N + b] == d)
					o += (size_t)snprintf(bufs[a] + o, sizeof(bufs[a]) - o, "%s%d", o ? " " : "", b);
		lists[a] = bufs[a];
	}
	return make(N, "0-63", "0-63", "0-63", "", lists, dist);
}

struct nodal_topology *mt_get(const char *name)
{
	if (!strcmp(name, "two")) {
		static const char *const l[] = { "0 1", "1 0" };
		return make(2, "0-1", "0-1", "0-1", "", l, NULL);
	}
	if (!strcmp(name, "rb8")) {
		static const char *const l[] = { "0 1 2 3 4 5 6 7", "1 2 3 0 5 6 7 4", "2 3 0 1 6 7 4 5",
						 "3 0 1 2 7 4 5 6", "4 5 6 7 0 1 2 3", "5 6 7 4 1 2 3 0",
						 "6 7 4 5 2 3 0 1", "7 4 5 6 3 0 1 2" };
		static uint8_t d[64];
		for (int a = 0; a < 8; a++)
			for (int b = 0; b < 8; b++)
				d[a * 8 + b] = a == b ? 10 : (a / 4 == b / 4 ? 16 : 32);
		return make(8, "0-7", "0-7", "0-7", "", l, d);
	}
	if (!strcmp(name, "four-cpuless")) {
		static const char *const l[] = { "0 1 2 3", "1 2 3 0", "2 3 0 1", "3 0 1 2" };
		return make(4, "0-3", "0-1", "0-3", "", l, NULL);
	}
	if (!strcmp(name, "memoryless")) {
		static const char *const l[] = { "0 2 3", "3 0 2", "2 3 0", "3 2 0" };
		static const uint8_t d[] = { 10, 20, 20, 30, 20, 10, 30, 20, 20, 30, 10, 20, 30, 20, 20, 10 };
		return make(4, "0-3", "0-1", "0,2-3", "", l, d);
	}
	if (!strcmp(name, "private")) {
		/* 2 is near 0, 3 near 1: the kernel's lists minus the private nodes */
		static const char *const l[] = { "0 1", "1 0", "2 0 1", "3 1 0" };
		static const uint8_t d[] = { 10, 20, 15, 25, 20, 10, 25, 15, 15, 25, 10, 20, 25, 15, 20, 10 };
		return make(4, "0-3", "0-1", "0-3", "2-3", l, d);
	}
	if (!strcmp(name, "sparse")) {
		/* equal distances: the kernel's (n < N) tie-break puts higher ids first */
		static const char *const l[] = { "0 2 5", "", "2 5 0", "", "", "5 0 2" };
		return make(6, "0,2,5", "0,2", "0,2,5", "", l, NULL);
	}
	if (!strcmp(name, "n64"))
		return make_n64();
	return NULL;
}

void mt_free(struct nodal_topology *t)
{
	if (!t)
		return;
	for (int n = 0; n < t->nr_node_ids; n++)
		free(t->fallback[n]);
	free(t->fallback);
	free(t->fallback_len);
	free(t->distance);
	free(t->nodes);
	free(t);
}

void mt_desc(const struct nodal_topology *t, struct nodal_topology_desc *d)
{
	static int ids[NODAL_MAX_NUMNODES], ncpus[NODAL_MAX_NUMNODES];
	static uint64_t mem[NODAL_MAX_NUMNODES];
	static uint8_t dist[64 * 64];
	int k = 0, n;
	memset(d, 0, sizeof(*d));
	for_each_node_mask(n, &t->possible)
	{
		ids[k] = n;
		ncpus[k] = node_isset(n, &t->cpu) ? 1 : 0;
		mem[k] = node_isset(n, &t->memory) ? (UINT64_C(1) << 30) : 0;
		k++;
	}
	for (int a = 0; a < k; a++)
		for (int b = 0; b < k; b++)
			dist[a * k + b] = (uint8_t)nodal_node_distance(t, ids[a], ids[b]);
	d->nr_nodes = k;
	d->ids = ids;
	d->distance = dist;
	d->memory_bytes = mem;
	d->ncpus = ncpus;
	d->name = t->source;
}
