/*
 * test_fallback.c — the kernel's fallback lists: every row of the real kernel's
 * conformance vectors (both phases, 6.1 and 6.12, the hot-add of a new node), the sort
 * against a literal transcription of find_next_best_node(), the fallback kinds, private
 * nodes and memoryless nodes on synthetic machines of 2 to 1024 nodes.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fallback.h"
#include "msg.h"
#include "options.h"
#include "topology.h"
#include "tsv.h"
#include "topo_util.h"

/* --- conformance vectors ---------------------------------------------------- */

struct vec_machine {
	int nr;
	uint8_t dist[64 * 64];
};

static void parse_matrix(const char *s, struct vec_machine *m)
{
	int i = 0, j = 0, n = 0;
	const char *p = s;
	m->nr = 0;
	while (*p) {
		char *end;
		long v = strtol(p, &end, 10);
		cr_assert(end != p, "bad matrix %s", s);
		m->dist[i * 64 + j] = (uint8_t)v;
		n++;
		p = end;
		if (*p == ',') {
			j++;
			p++;
		} else if (*p == ';') {
			i++;
			if (!m->nr)
				m->nr = j + 1;
			j = 0;
			p++;
		} else {
			cr_assert(*p == 0, "bad matrix %s", s);
		}
	}
	if (!m->nr)
		m->nr = j + 1;
	cr_assert_eq(n, m->nr * m->nr, "matrix not square: %s", s);
	/* compact to nr x nr */
	for (int a = 0; a < m->nr; a++)
		for (int b = 0; b < m->nr; b++)
			m->dist[a * m->nr + b] = m->dist[a * 64 + b];
}

static void format_list(const uint16_t *l, int len, char *buf, size_t size)
{
	size_t off = 0;
	buf[0] = 0;
	for (int i = 0; i < len && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%d", i ? " " : "", l[i]);
}

struct vec_row {
	const char *id, *matrix, *order, *version, *phase, *penalty, *memory, *cpus;
	int node;
};

static int load_rows(struct tsv *t, struct vec_row **rows)
{
	cr_assert_eq(tsv_load(t, shared_path("conformance/fallback-vectors.tsv")), 0, "cannot read fallback-vectors.tsv");
	int c_id = tsv_col(t, "topology_id"), c_cpu = tsv_col(t, "nodes_with_cpus"),
	    c_m = tsv_col(t, "distance_matrix"), c_node = tsv_col(t, "node"), c_o = tsv_col(t, "kernel_fallback_order"),
	    c_v = tsv_col(t, "kernel_version"), c_ph = tsv_col(t, "phase"), c_pen = tsv_col(t, "cpu_penalty_nodes"),
	    c_mem = tsv_col(t, "memory_nodes");
	cr_assert(c_id >= 0 && c_cpu >= 0 && c_m >= 0 && c_node >= 0 && c_o >= 0 && c_v >= 0 && c_ph >= 0 &&
	          c_pen >= 0 && c_mem >= 0);
	*rows = calloc((size_t)t->nrows, sizeof(**rows));
	for (int i = 0; i < t->nrows; i++) {
		struct tsv_row *r = &t->rows[i];
		(*rows)[i] = (struct vec_row){ r->f[c_id], r->f[c_m], r->f[c_o], r->f[c_v], r->f[c_ph],
			                       r->f[c_pen], r->f[c_mem], r->f[c_cpu], atoi(r->f[c_node]) };
	}
	return t->nrows;
}

/* Every row through the kernel model, with the row's own phase and kernel version. */
Test(fallback, conformance_every_row_model)
{
	struct tsv t;
	struct vec_row *rows;
	int n = load_rows(&t, &rows), checked = 0;
	cr_assert_geq(n, 230, "expected the 230 rows of fallback-vectors.tsv, got %d", n);
	for (int i = 0; i < n; i++) {
		struct vec_row *r = &rows[i];
		static struct vec_machine m;
		parse_matrix(r->matrix, &m);
		struct nodal_zonelist_input in = { .nr_node_ids = m.nr, .distance = m.dist };
		nodes_setall(&in.possible, m.nr);
		cr_assert_eq(test_parse_mask(r->memory, &in.memory), 0);
		cr_assert_eq(test_parse_mask(r->penalty, &in.penalty), 0);
		in.memoryless_local_first = !strncmp(r->version, "6.1.", 4);
		static uint16_t order[64 * 64];
		int len[64];
		bool hotadd = !strcmp(r->phase, "hotadd-new-node");
		cr_assert(hotadd || !strcmp(r->phase, "boot") || !strcmp(r->phase, "memory-online-rebuild"), "phase %s",
		          r->phase);
		nodal_build_zonelists(&in, hotadd ? r->node : -1, order, len);
		char got[512];
		format_list(order + r->node * m.nr, len[r->node], got, sizeof(got));
		cr_expect_str_eq(got, r->order, "%s node %d %s %s: got '%s', kernel '%s'", r->id, r->node, r->version,
		                 r->phase, got, r->order);
		checked++;
	}
	cr_assert_eq(checked, n);
	free(rows);
	tsv_free(&t);
}

/* The 6.12 boot and memory-online-rebuild rows through the topology API: a described
 * machine with the row's CPU nodes and memory nodes, NODAL_FALLBACK=kernel / -hotplug. */
Test(fallback, conformance_6_12_rows_through_topology)
{
	struct tsv t;
	struct vec_row *rows;
	int n = load_rows(&t, &rows), checked = 0;
	for (int i = 0; i < n; i++) {
		struct vec_row *r = &rows[i];
		if (strncmp(r->version, "6.12", 4) || !strcmp(r->phase, "hotadd-new-node"))
			continue;
		static struct vec_machine m;
		parse_matrix(r->matrix, &m);
		nodemask_t mem, cpus;
		cr_assert_eq(test_parse_mask(r->memory, &mem), 0);
		cr_assert_eq(test_parse_mask(r->cpus, &cpus), 0);
		/* Online nodes: those with memory or CPUs; the rest are possible but offline. */
		int ids[64], off[64], nr = 0, noff = 0, ncpus[64];
		uint64_t bytes[64];
		for (int k = 0; k < m.nr; k++) {
			if (node_isset(k, &mem) || node_isset(k, &cpus)) {
				bytes[nr] = node_isset(k, &mem) ? (UINT64_C(1) << 30) : 0;
				ncpus[nr] = node_isset(k, &cpus);
				ids[nr++] = k;
			} else {
				off[noff++] = k;
			}
		}
		uint8_t dist[64 * 64];
		int all[64];
		memcpy(all, ids, sizeof(int) * (size_t)nr);
		memcpy(all + nr, off, sizeof(int) * (size_t)noff);
		for (int a = 0; a < nr + noff; a++)
			for (int b = 0; b < nr + noff; b++)
				dist[a * (nr + noff) + b] = m.dist[all[a] * m.nr + all[b]];
		struct nodal_topology_desc d = { .nr_nodes = nr, .ids = ids, .memory_bytes = bytes, .ncpus = ncpus };
		if (noff) {
			d.nr_offline = noff;
			d.offline_ids = off;
			d.offline_distance = dist;
		} else {
			d.distance = dist;
		}
		struct nodal_topology *topo;
		cr_assert_eq(nodal_topology_from_desc(&d, &topo), 0, "%s: %s", r->id, nodal_last_error());
		bool rebuild = !strcmp(r->phase, "memory-online-rebuild");
		cr_assert_eq(nodal_fallback_build(topo, rebuild ? NODAL_FALLBACK_KERNEL_HOTPLUG : NODAL_FALLBACK_KERNEL,
		                                  NULL),
		             0);
		int len;
		const uint16_t *l = nodal_fallback_list(topo, r->node, &len);
		char got[512] = "";
		if (l)
			format_list(l, len, got, sizeof(got));
		if (!node_isset(r->node, &mem) && !node_isset(r->node, &cpus)) {
			/* an offline node has no list of its own in nodal */
			cr_expect_eq(len, 0, "%s offline node %d has a list", r->id, r->node);
		} else {
			cr_expect_str_eq(got, r->order, "%s node %d %s: got '%s', kernel '%s'", r->id, r->node, r->phase,
			                 got, r->order);
		}
		nodal_topology_free(topo);
		checked++;
	}
	cr_assert_geq(checked, 110);
	free(rows);
	tsv_free(&t);
}

/* --- the sort against the kernel's literal scan -------------------------------- */

static int literal_next_best(const struct nodal_zonelist_input *in, int node, nodemask_t *used, const int *load)
{
	int min_val = INT_MAX, best = -1;
	if (!node_isset(node, used) && (in->memoryless_local_first || node_isset(node, &in->memory))) {
		node_set(node, used);
		return node;
	}
	for (int n = 0; n < in->nr_node_ids; n++) {
		if (!node_isset(n, &in->memory) || node_isset(n, used))
			continue;
		int val = in->distance[node * in->nr_node_ids + n];
		val += n < node;
		if (node_isset(n, &in->penalty))
			val += 1;
		val *= NODAL_MAX_NUMNODES;
		val += load[n];
		if (val < min_val) {
			min_val = val;
			best = n;
		}
	}
	if (best >= 0)
		node_set(best, used);
	return best;
}

static void literal_build_all(const struct nodal_zonelist_input *in, uint16_t *order, int *len)
{
	static int load[NODAL_MAX_NUMNODES];
	memset(load, 0, sizeof(load));
	for (int local = 0; local < in->nr_node_ids; local++) {
		len[local] = 0;
		if (!node_isset(local, &in->possible))
			continue;
		nodemask_t used = NODE_MASK_NONE;
		int prev = local, node;
		while ((node = literal_next_best(in, local, &used, load)) >= 0) {
			if (in->distance[local * in->nr_node_ids + node] != in->distance[local * in->nr_node_ids + prev])
				load[node] += 1;
			order[local * in->nr_node_ids + len[local]++] = (uint16_t)node;
			prev = node;
		}
	}
}

Test(fallback, sort_equals_literal_kernel_scan)
{
	/* up to 96 nodes: the insertion and heap sorts; the last machine has 600 nodes (over
	 * 512 candidates: the radix sort) */
	static uint8_t dist[600 * 600];
	static uint16_t a[600 * 600], b[600 * 600];
	static int la[600], lb[600];
	srand(12345);
	for (int iter = 0; iter < 301; iter++) {
		int nr = iter == 300 ? 600 : 2 + rand() % 95;
		static const uint8_t values[] = { 11, 12, 16, 20, 21, 28, 32, 40 };
		for (int i = 0; i < nr; i++)
			for (int j = 0; j <= i; j++) {
				uint8_t v = i == j ? 10 : values[rand() % (iter % 3 ? 3 : 8)];
				dist[i * nr + j] = v;
				dist[j * nr + i] = (iter % 5 == 0 && i != j) ? values[rand() % 8] : v; /* some asymmetric */
			}
		struct nodal_zonelist_input in = { .nr_node_ids = nr, .distance = dist };
		in.memoryless_local_first = iter & 1;
		for (int n = 0; n < nr; n++) {
			if (rand() % 10)
				node_set(n, &in.possible);
			if (node_isset(n, &in.possible) && (nr == 600 || rand() % 4))
				node_set(n, &in.memory);
			if (rand() % 2)
				node_set(n, &in.penalty);
		}
		nodal_build_zonelists(&in, -1, a, la);
		literal_build_all(&in, b, lb);
		for (int n = 0; n < nr; n++) {
			cr_assert_eq(la[n], lb[n], "iter %d node %d: length %d vs literal %d", iter, n, la[n], lb[n]);
			cr_assert(!memcmp(a + n * nr, b + n * nr, sizeof(uint16_t) * (size_t)la[n]),
			          "iter %d node %d: order differs from the literal scan", iter, n);
		}
	}
}

/* --- synthetic machines ------------------------------------------------------------ */

static void check_invariants(const struct nodal_topology *t, const char *what)
{
	for (int n = 0; n < t->nr_node_ids; n++) {
		const struct nodal_node *node = &t->nodes[n];
		int len;
		const uint16_t *l = nodal_fallback_list(t, n, &len);
		bool wanted = node->present && (node->has_memory || node->has_cpus);
		if (!wanted) {
			cr_assert_eq(len, 0, "%s: node %d (no memory, no CPU) has a list", what, n);
			continue;
		}
		nodemask_t seen = NODE_MASK_NONE, expect = t->memory;
		if (!node->is_private)
			nodes_andnot(&expect, &expect, &t->private_nodes);
		else {
			nodes_andnot(&expect, &expect, &t->private_nodes);
			node_set(n, &expect);
		}
		if (node->has_memory)
			cr_assert_eq(l[0], n, "%s: node %d is not first in its own list", what, n);
		for (int i = 0; i < len; i++) {
			cr_assert(node_isset(l[i], &t->memory), "%s: node %d's list has memoryless node %d", what, n, l[i]);
			cr_assert(!node_isset(l[i], &seen), "%s: node %d's list repeats %d", what, n, l[i]);
			cr_assert(!node_isset(l[i], &t->private_nodes) || l[i] == n,
			          "%s: private node %d leaks into node %d's list", what, l[i], n);
			node_set(l[i], &seen);
		}
		cr_assert(nodes_equal(&seen, &expect), "%s: node %d's list is not a permutation of the memory nodes", what,
		          n);
	}
}

static const int sizes[] = { 2, 4, 8, 64, 1024 };

Test(fallback, synthetic_machines_all_kinds)
{
	for (unsigned s = 0; s < sizeof(sizes) / sizeof(*sizes); s++) {
		struct nodal_topology *t = test_machine(sizes[s], 0);
		for (int k = NODAL_FALLBACK_KERNEL; k <= NODAL_FALLBACK_DISTANCE; k++) {
			cr_assert_eq(nodal_fallback_build(t, (enum nodal_fallback_kind)k, NULL), 0);
			char what[64];
			snprintf(what, sizeof(what), "%d nodes, %s", sizes[s], nodal_fallback_kind_name(k));
			check_invariants(t, what);
		}
		nodal_topology_free(t);
	}
}

Test(fallback, private_nodes_never_leak)
{
	for (unsigned s = 0; s < sizeof(sizes) / sizeof(*sizes); s++) {
		int nr = sizes[s];
		struct nodal_topology *t = test_machine(nr, 0);
		nodemask_t priv = NODE_MASK_NONE;
		node_set(nr - 1, &priv);
		if (nr >= 4)
			node_set(1, &priv);
		for (int k = NODAL_FALLBACK_KERNEL; k <= NODAL_FALLBACK_DISTANCE; k++) {
			/* the list before, to check a private node's own list keeps the kernel order */
			cr_assert_eq(nodal_fallback_build(t, (enum nodal_fallback_kind)k, NULL), 0);
			int blen;
			const uint16_t *b = nodal_fallback_list(t, nr - 1, &blen);
			uint16_t *before = malloc(sizeof(uint16_t) * (size_t)blen);
			memcpy(before, b, sizeof(uint16_t) * (size_t)blen);
			cr_assert_eq(nodal_fallback_build(t, (enum nodal_fallback_kind)k, &priv), 0, "%s", nodal_last_error());
			char what[64];
			snprintf(what, sizeof(what), "%d nodes, %s, private", nr, nodal_fallback_kind_name(k));
			check_invariants(t, what);
			cr_assert(t->nodes[nr - 1].is_private);
			int len;
			const uint16_t *l = nodal_fallback_list(t, nr - 1, &len);
			cr_assert_eq(len, nr - nodes_weight(&priv) + 1);
			for (int i = 0, j = 0; i < blen; i++) /* same relative order, other private ones out */
				if (before[i] == nr - 1 || !node_isset(before[i], &priv))
					cr_assert_eq(l[j++], before[i], "%s: private list order changed", what);
			free(before);
		}
		nodal_topology_free(t);
	}
}

/* The seed's example: A, B normal, C private → Fallbacks C: C A B. */
Test(fallback, private_seed_example)
{
	uint8_t dist[] = { 10, 20, 30, 20, 10, 30, 30, 30, 10 };
	struct nodal_topology_desc d = { .nr_nodes = 3, .distance = dist };
	struct nodal_topology *t;
	cr_assert_eq(nodal_topology_from_desc(&d, &t), 0);
	nodemask_t priv = NODE_MASK_NONE;
	node_set(2, &priv);
	cr_assert_eq(nodal_fallback_build(t, NODAL_FALLBACK_KERNEL, &priv), 0);
	char buf[64];
	int len;
	const uint16_t *l = nodal_fallback_list(t, 2, &len);
	format_list(l, len, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2 0 1");
	l = nodal_fallback_list(t, 0, &len);
	format_list(l, len, buf, sizeof(buf));
	cr_assert_str_eq(buf, "0 1");
	l = nodal_fallback_list(t, 1, &len);
	format_list(l, len, buf, sizeof(buf));
	cr_assert_str_eq(buf, "1 0");
	nodal_topology_free(t);
}

Test(fallback, private_errors_name_the_node)
{
	/* node 1 has CPUs but no memory; node ids 0,1,5 */
	int ids[] = { 0, 1, 5 };
	uint64_t mem[] = { UINT64_C(1) << 30, 0, UINT64_C(1) << 30 };
	struct nodal_topology_desc d = { .nr_nodes = 3, .ids = ids, .memory_bytes = mem };
	struct nodal_topology *t;
	cr_assert_eq(nodal_topology_from_desc(&d, &t), 0);
	nodemask_t priv = NODE_MASK_NONE;
	node_set(1, &priv);
	cr_assert_eq(nodal_fallback_build(t, NODAL_FALLBACK_KERNEL, &priv), EINVAL);
	cr_assert(strstr(nodal_last_error(), "node 1 has no memory"), "%s", nodal_last_error());
	priv = NODE_MASK_NONE;
	node_set(3, &priv);
	cr_assert_eq(nodal_fallback_build(t, NODAL_FALLBACK_KERNEL, &priv), EINVAL);
	cr_assert(strstr(nodal_last_error(), "node 3 does not exist"), "%s", nodal_last_error());
	node_clear(3, &priv);
	node_set(1000, &priv);
	cr_assert_eq(nodal_fallback_build(t, NODAL_FALLBACK_KERNEL, &priv), EINVAL);
	cr_assert(strstr(nodal_last_error(), "node 1000 does not exist"), "%s", nodal_last_error());
	/* the failed builds left the previous lists in place */
	check_invariants(t, "after failed private builds");
	cr_assert(nodes_empty(&t->private_nodes));
	nodal_topology_free(t);
}

Test(fallback, memoryless_nodes)
{
	/* 0: memory+CPU, 1: CPU only, 2: memory only, 3: neither (e.g. a generic initiator) */
	int ncpus[] = { 1, 1, 0, 0 };
	uint64_t mem[] = { UINT64_C(1) << 30, 0, UINT64_C(1) << 30, 0 };
	uint8_t dist[] = { 10, 20, 20, 20, 20, 10, 20, 20, 20, 20, 10, 20, 20, 20, 20, 10 };
	struct nodal_topology_desc d = { .nr_nodes = 4, .memory_bytes = mem, .ncpus = ncpus, .distance = dist };
	struct nodal_topology *t;
	cr_assert_eq(nodal_topology_from_desc(&d, &t), 0);
	for (int k = NODAL_FALLBACK_KERNEL; k <= NODAL_FALLBACK_DISTANCE; k++) {
		cr_assert_eq(nodal_fallback_build(t, (enum nodal_fallback_kind)k, NULL), 0);
		int len;
		const uint16_t *l = nodal_fallback_list(t, 1, &len);
		cr_assert_eq(len, 2, "a CPU node without memory still has a list");
		cr_assert(l[0] != 1 && l[1] != 1, "a memoryless node never appears in a list");
		nodal_fallback_list(t, 3, &len);
		cr_assert_eq(len, 0, "a node without memory and CPUs has no list");
		check_invariants(t, nodal_fallback_kind_name(k));
	}
	nodal_topology_free(t);
}

/* hotplug prefers CPU-less nodes at equal distance; boot does not; distance by id */
Test(fallback, kinds_differ_as_documented)
{
	int ncpus[] = { 1, 1, 0, 0 };
	struct nodal_topology_desc d = { .nr_nodes = 4, .ncpus = ncpus };
	struct nodal_topology *t;
	char buf[64];
	int len;
	cr_assert_eq(nodal_topology_from_desc(&d, &t), 0);
	const char *want[] = { "0 1 2 3", "0 2 3 1", "0 1 2 3" };
	for (int k = NODAL_FALLBACK_KERNEL; k <= NODAL_FALLBACK_DISTANCE; k++) {
		cr_assert_eq(nodal_fallback_build(t, (enum nodal_fallback_kind)k, NULL), 0);
		cr_assert_eq(t->fallback_kind, (enum nodal_fallback_kind)k);
		const uint16_t *l = nodal_fallback_list(t, 0, &len);
		format_list(l, len, buf, sizeof(buf));
		cr_assert_str_eq(buf, want[k], "%s: %s", nodal_fallback_kind_name(k), buf);
	}
	/* distance: node 3's list by distance then id, no round-robin */
	const uint16_t *l = nodal_fallback_list(t, 3, &len);
	format_list(l, len, buf, sizeof(buf));
	cr_assert_str_eq(buf, "3 0 1 2");
	nodal_topology_free(t);
}

/* The printed names are the option table's words: parsing a name gives its kind. */
Test(fallback, kind_names_match_the_option_table)
{
	for (int k = NODAL_FALLBACK_KERNEL; k <= NODAL_FALLBACK_DISTANCE; k++) {
		static struct nodal_config cfg;
		nodal_config_defaults(&cfg);
		cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_FALLBACK, nodal_fallback_kind_name(k), NULL), 0);
		cr_assert_eq(cfg.fallback, k, "%s parses as %d", nodal_fallback_kind_name(k), cfg.fallback);
	}
	cr_assert_str_eq(nodal_fallback_kind_name((enum nodal_fallback_kind)7), "?");
}
