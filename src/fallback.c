/*
 * fallback.c — the kernel's fallback lists, the fallback kinds and private nodes
 * (contract in fallback.h).
 */
#include "fallback.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ialloc.h"
#include "msg.h"

static const char *const kind_names[] = {
	[NODAL_FALLBACK_KERNEL] = "kernel",
	[NODAL_FALLBACK_KERNEL_HOTPLUG] = "kernel-hotplug",
	[NODAL_FALLBACK_DISTANCE] = "distance",
};

const char *nodal_fallback_kind_name(enum nodal_fallback_kind kind)
{
	if ((unsigned)kind < sizeof(kind_names) / sizeof(kind_names[0]))
		return kind_names[kind];
	return "?";
}

/*
 * A candidate's key in the high bits, its id in the low 16: sorting the words sorts by
 * (key, id), which is find_next_best_node()'s order (strict '<' while scanning ids
 * upwards keeps the lowest id among equals). Insertion sort for short lists, heapsort
 * for medium ones, an LSD radix sort (11-bit digits, as many passes as the largest key
 * needs) from 512 candidates on; never qsort: glibc's may call malloc, and under
 * LD_PRELOAD malloc is nodal itself.
 */
#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)

static void sift_down(uint64_t *a, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && a[child + 1] > a[child])
			child++;
		if (a[root] >= a[child])
			return;
		uint64_t x = a[root];
		a[root] = a[child];
		a[child] = x;
		root = child;
	}
}

static void sort_keys(uint64_t *a, uint64_t *tmp, size_t n)
{
	if (n >= 32 && n < 512) {
		for (size_t i = n / 2; i-- > 0;)
			sift_down(a, i, n);
		for (size_t end = n - 1; end > 0; end--) {
			uint64_t x = a[0];
			a[0] = a[end];
			a[end] = x;
			sift_down(a, 0, end);
		}
		return;
	}
	if (n < 32) {
		for (size_t i = 1; i < n; i++) {
			uint64_t v = a[i];
			size_t j = i;
			for (; j > 0 && a[j - 1] > v; j--)
				a[j] = a[j - 1];
			a[j] = v;
		}
		return;
	}
	uint64_t max = 0;
	for (size_t i = 0; i < n; i++)
		max |= a[i];
	uint64_t *src = a, *dst = tmp;
	for (unsigned shift = 0; shift < 64 && (max >> shift); shift += RADIX_BITS) {
		unsigned count[RADIX_SIZE + 1] = { 0 };
		for (size_t i = 0; i < n; i++)
			count[((src[i] >> shift) & (RADIX_SIZE - 1)) + 1]++;
		for (unsigned d = 0; d < RADIX_SIZE; d++)
			count[d + 1] += count[d];
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & (RADIX_SIZE - 1)]++] = src[i];
		uint64_t *x = src;
		src = dst;
		dst = x;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

/* Scratch of one full build: the memory nodes in ascending order, the shared node_load,
 * and the sort buffers (on the stack: 28 KiB). */
struct build_ctx {
	int node_load[NODAL_MAX_NUMNODES];
	uint16_t mem[NODAL_MAX_NUMNODES];
	int nr_mem;
	uint64_t keys[NODAL_MAX_NUMNODES], tmp[NODAL_MAX_NUMNODES];
};

/* kernel: build_zonelists() for @local, sharing node_load with the other builds. */
static int build_one(const struct nodal_zonelist_input *in, int local, struct build_ctx *c, uint16_t *order)
{
	const uint8_t *row = in->distance + (size_t)local * in->nr_node_ids;
	int count = 0, m = 0;

	/* kernel: find_next_best_node() — the local node first if it has memory (6.12; any
	 * node before that) */
	bool local_first = node_isset(local, &in->memory) || in->memoryless_local_first;
	if (local_first)
		order[count++] = (uint16_t)local;

	for (int i = 0; i < c->nr_mem; i++) {
		int n = c->mem[i];
		if (local_first && n == local)
			continue;
		uint64_t val = (uint64_t)row[n] + (n < local) + node_isset(n, &in->penalty);
		val = val * NODAL_MAX_NUMNODES + (uint64_t)c->node_load[n];
		c->keys[m++] = val << 16 | (uint64_t)n;
	}
	sort_keys(c->keys, c->tmp, (size_t)m);

	/* The first node of each new distance group gets node_load += 1 (round-robin). */
	int prev = local;
	for (int i = 0; i < m; i++) {
		int node = (int)(c->keys[i] & 0xffff);
		if (row[node] != row[prev])
			c->node_load[node] += 1;
		order[count++] = (uint16_t)node;
		prev = node;
	}
	return count;
}

void nodal_build_zonelists(const struct nodal_zonelist_input *in, int only, uint16_t *order, int *len)
{
	const int nr = in->nr_node_ids;
	struct build_ctx c; /* node_load: zeroed once per full build (kernel) */
	int n;

	memset(c.node_load, 0, sizeof(c.node_load));
	c.nr_mem = 0;
	for_each_node_mask(n, &in->memory) {
		if (n >= nr)
			break;
		c.mem[c.nr_mem++] = (uint16_t)n;
	}
	memset(len, 0, sizeof(*len) * (size_t)nr);
	if (only >= 0) {
		if (only < nr)
			len[only] = build_one(in, only, &c, order + (size_t)only * nr);
		return;
	}
	for_each_node_mask(n, &in->possible) {
		if (n >= nr)
			break;
		len[n] = build_one(in, n, &c, order + (size_t)n * nr);
	}
}

/* NODAL_FALLBACK_DISTANCE: memory nodes by distance from @local, ties by id. */
static int build_by_distance(const struct nodal_topology *t, int local, uint64_t *keys, uint64_t *tmp,
                             uint16_t *order)
{
	int n, count = 0, m = 0;
	bool local_first = node_isset(local, &t->memory);
	if (local_first)
		order[count++] = (uint16_t)local;
	for_each_node_mask(n, &t->memory) {
		if (n == local)
			continue;
		keys[m++] = (uint64_t)nodal_node_distance(t, local, n) << 16 | (uint64_t)n;
	}
	sort_keys(keys, tmp, (size_t)m);
	for (int i = 0; i < m; i++)
		order[count++] = (uint16_t)(keys[i] & 0xffff);
	return count;
}

static int check_private(const struct nodal_topology *t, const nodemask_t *private_nodes)
{
	int n;
	for_each_node_mask(n, private_nodes) {
		if (n >= t->nr_node_ids || !t->nodes[n].present) {
			nodal_set_error("NODAL_PRIVATE_NODES: node %d does not exist on %s", n, t->source);
			return EINVAL;
		}
		if (!t->nodes[n].has_memory) {
			nodal_set_error("NODAL_PRIVATE_NODES: node %d has no memory (a private node must have memory)", n);
			return EINVAL;
		}
	}
	return 0;
}

int nodal_fallback_build(struct nodal_topology *t, enum nodal_fallback_kind kind, const nodemask_t *private_nodes)
{
	const int nr = t->nr_node_ids;
	nodemask_t priv = private_nodes ? *private_nodes : NODE_MASK_NONE;
	int err = check_private(t, &priv);
	if (err)
		return err;
	if ((unsigned)kind > NODAL_FALLBACK_DISTANCE) {
		nodal_set_error("fallback kind %d is not one of kernel, kernel-hotplug, distance", (int)kind);
		return EINVAL;
	}

	uint16_t *order = nodal_icalloc(sizeof(*order) * (size_t)nr * (size_t)nr);
	int *len = nodal_icalloc(sizeof(*len) * (size_t)nr);
	uint16_t **lists = nodal_icalloc(sizeof(*lists) * (size_t)nr);
	int *final_len = nodal_icalloc(sizeof(*final_len) * (size_t)nr);
	uint16_t *block = NULL;
	if (!order || !len || !lists || !final_len)
		goto nomem;

	if (kind == NODAL_FALLBACK_DISTANCE) {
		uint64_t keys[NODAL_MAX_NUMNODES], tmp[NODAL_MAX_NUMNODES];
		for (int n = 0; n < nr; n++)
			if (t->nodes[n].present)
				len[n] = build_by_distance(t, n, keys, tmp, order + (size_t)n * nr);
	} else {
		struct nodal_zonelist_input in = {
			.nr_node_ids = nr,
			.distance = t->distance,
			.possible = t->possible,
			.memory = t->memory,
			/* On x86 the boot-time build sees no CPUs at all (conformance/README.md). */
			.penalty = kind == NODAL_FALLBACK_KERNEL_HOTPLUG ? t->cpu : NODE_MASK_NONE,
		};
		nodal_build_zonelists(&in, -1, order, len);
	}

	/* Keep the lists of memory nodes and of CPU nodes without memory; drop private
	 * nodes from every list but their own (whose head is the node itself). */
	size_t total = 0;
	for (int n = 0; n < nr; n++) {
		bool wanted = t->nodes[n].present && (t->nodes[n].has_memory || t->nodes[n].has_cpus);
		if (!wanted) {
			len[n] = 0;
			continue;
		}
		uint16_t *row = order + (size_t)n * nr;
		int k = 0;
		for (int i = 0; i < len[n]; i++) {
			int m = row[i];
			if (node_isset(m, &priv) && m != n)
				continue;
			row[k++] = (uint16_t)m;
		}
		len[n] = k;
		total += (size_t)k;
	}
	block = nodal_icalloc(sizeof(*block) * (total ? total : 1));
	if (!block)
		goto nomem;
	size_t off = 0;
	for (int n = 0; n < nr; n++) {
		if (!len[n])
			continue;
		lists[n] = block + off;
		memcpy(lists[n], order + (size_t)n * nr, sizeof(*block) * (size_t)len[n]);
		final_len[n] = len[n];
		off += (size_t)len[n];
	}
	nodal_ifree(order);
	nodal_ifree(len);

	/* Replace the previous lists (the object is not published yet: see topology.h). */
	nodal_ifree(t->fallback_storage);
	nodal_ifree(t->fallback);
	nodal_ifree(t->fallback_len);
	t->fallback_storage = block;
	t->fallback = lists;
	t->fallback_len = final_len;
	t->fallback_kind = kind;
	t->private_nodes = priv;
	for (int n = 0; n < nr; n++)
		t->nodes[n].is_private = node_isset(n, &priv);
	return 0;

nomem:
	nodal_ifree(order);
	nodal_ifree(len);
	nodal_ifree(lists);
	nodal_ifree(final_len);
	nodal_ifree(block);
	nodal_set_error("out of memory building the fallback lists of %d nodes", nr);
	return ENOMEM;
}
