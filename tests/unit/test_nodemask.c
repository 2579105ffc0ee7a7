/*
 * test_nodemask.c — the node set algebra: kernel verbs, lib/bitmap.c's documented
 * examples, the kernel-doc rebind examples, property tests against a brute-force
 * model, and every INTERLEAVE/BIND row of the real kernel's rebind vectors.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodemask.h"
#include "tsv.h"

static nodemask_t M(const char *s)
{
	nodemask_t m;
	cr_assert_eq(test_parse_mask(s, &m), 0, "bad test mask %s", s);
	return m;
}

static void assert_mask(const nodemask_t *got, const char *want, const char *what)
{
	char buf[4096];
	test_format_mask(got, buf, sizeof(buf));
	cr_assert_str_eq(buf, want, "%s: got %s, want %s", what, buf, want);
}

Test(nodemask, verbs)
{
	nodemask_t a = M("0-3,9"), b = M("2-5"), r;
	nodes_and(&r, &a, &b);
	assert_mask(&r, "2-3", "and");
	nodes_or(&r, &a, &b);
	assert_mask(&r, "0-5,9", "or");
	nodes_andnot(&r, &a, &b);
	assert_mask(&r, "0-1,9", "andnot");
	cr_assert_eq(nodes_weight(&a), 5);
	cr_assert_eq(first_node(&a), 0);
	cr_assert_eq(last_node(&a), 9);
	cr_assert_eq(next_node(3, &a), 9);
	cr_assert_eq(next_node(9, &a), NODAL_MAX_NUMNODES);
	cr_assert_eq(next_node_in(9, &a), 0);
	cr_assert_eq(next_node_in(3, &a), 9);
	cr_assert_eq(node_at_ord(&a, 4), 9);
	cr_assert_eq(node_at_ord(&a, 5), NODAL_MAX_NUMNODES);
	cr_assert(nodes_intersects(&a, &b));
	cr_assert(nodes_subset(&r, &a));
	cr_assert(!nodes_subset(&a, &b));
	nodemask_t e = NODE_MASK_NONE;
	cr_assert(nodes_empty(&e));
	cr_assert_eq(first_node(&e), NODAL_MAX_NUMNODES);
	cr_assert_eq(next_node_in(0, &e), NODAL_MAX_NUMNODES);
	cr_assert_eq(last_node(&e), NODAL_MAX_NUMNODES);
	nodes_complement(&r, &a, 12);
	assert_mask(&r, "4-8,10-11", "complement");
	node_set(1023, &e);
	cr_assert(node_isset(1023, &e));
	cr_assert(!node_isset(1024, &e));
	cr_assert(!node_isset(-1, &e));
	cr_assert_eq(first_node(&e), 1023);
	node_clear(1023, &e);
	cr_assert(nodes_empty(&e));
	int n, count = 0;
	for_each_node_mask(n, &a) count++;
	cr_assert_eq(count, 5);
}

/* The examples in lib/bitmap.c's comment for bitmap_onto()/bitmap_fold(). */
Test(nodemask, bitmap_c_examples)
{
	nodemask_t rel = M("40-43,45,48,53,61,74,95"), r, f;
	struct {
		const char *orig, *want;
	} onto[] = { { "0", "40" }, { "1", "41" }, { "9", "95" }, { "1,3,5,7", "41,43,48,61" },
		     { "0-9", "40-43,45,48,53,61,74,95" }, { "10", "" } };
	for (size_t i = 0; i < sizeof(onto) / sizeof(onto[0]); i++) {
		nodemask_t o = M(onto[i].orig);
		nodes_onto(&r, &o, &rel);
		assert_mask(&r, onto[i].want, onto[i].orig);
	}
	struct {
		const char *orig, *want;
	} fold[] = { { "10", "40" }, { "0,9,18,27", "40,61,74,95" }, { "0,12,24,36", "40,42,45,53" },
		     { "78,102,211", "41-42,74" } };
	for (size_t i = 0; i < sizeof(fold) / sizeof(fold[0]); i++) {
		nodemask_t o = M(fold[i].orig);
		nodes_fold(&f, &o, 10);
		nodes_onto(&r, &f, &rel);
		assert_mask(&r, fold[i].want, fold[i].orig);
		nodes_relative(&r, &o, &rel); /* same thing through mpol_relative_nodemask */
		assert_mask(&r, fold[i].want, fold[i].orig);
	}
	/* bitmap_remap's own example: old 4-7, new 12-13,15-16; src 1,5,7 -> 1,13,16 */
	nodemask_t src = M("1,5,7"), old = M("4-7"), nw = M("12-13,15-16");
	nodes_remap(&r, &src, &old, &nw);
	assert_mask(&r, "1,13,16", "remap");
	cr_assert_eq(bitmap_bitremap(5, old.bits, nw.bits, 1024), 13);
	cr_assert_eq(bitmap_bitremap(1, old.bits, nw.bits, 1024), 1);
	/* an empty new map leaves bits where they are */
	nodemask_t none = NODE_MASK_NONE;
	nodes_remap(&r, &src, &old, &none);
	assert_mask(&r, "1,5,7", "remap onto empty");
	/* aliasing through the nodes_* wrappers is allowed */
	r = src;
	nodes_remap(&r, &r, &old, &nw);
	assert_mask(&r, "1,13,16", "remap aliased");
}

/* The worked examples of Documentation/admin-guide/mm/numa_memory_policy.rst. */
Test(nodemask, kernel_doc_rebind_examples)
{
	struct {
		const char *flags, *user, *old_allowed, *new_allowed, *want;
	} ex[] = {
		{ "relative", "1-3", "4-7", "1-3", "1-3" },   { "relative", "1-3", "4-7", "1-7", "2-4" },
		{ "relative", "1-3", "4-7", "1,5-6", "1,5-6" }, { "relative", "1-3", "4-7", "1,5-7", "5-7" },
		{ "relative", "2-5", "2-5", "3-7", "3,5-7" }, { "relative", "2-5", "3-7", "0,2-3,5", "0,2-3,5" },
		{ "static", "1-3", "1-3", "3-5", "3" },       { "none", "1-3", "1-3", "3-5", "3-5" },
		{ "static", "1-3", "1-3", "4-5", "4-5" },
	};
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		nodemask_t user = M(ex[i].user), old = M(ex[i].old_allowed), nw = M(ex[i].new_allowed), r;
		if (!strcmp(ex[i].flags, "relative"))
			nodes_relative(&r, &user, &nw);
		else if (!strcmp(ex[i].flags, "static"))
			nodes_and(&r, &user, &nw);
		else
			nodes_remap(&r, &user, &old, &nw);
		if (nodes_empty(&r))
			r = nw;
		assert_mask(&r, ex[i].want, ex[i].flags);
	}
}

/* ---- property tests against a brute-force model --------------------------------- */

static unsigned long long rng_state = 0x9e3779b97f4a7c15ull;
static unsigned long long rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void random_mask(uint64_t *m, unsigned nbits)
{
	memset(m, 0, NODAL_MASK_WORDS * 8);
	unsigned density = (unsigned)(rnd() % 5); /* 0: sparse .. 4: dense */
	for (unsigned i = 0; i < nbits; i++) {
		unsigned r = (unsigned)(rnd() % 8);
		if (r < density * 2 - (density > 0))
			m[i / 64] |= 1ull << (i % 64);
	}
}

static int model_set_positions(const uint64_t *m, unsigned nbits, int *pos)
{
	int n = 0;
	for (unsigned i = 0; i < nbits; i++)
		if ((m[i / 64] >> (i % 64)) & 1)
			pos[n++] = (int)i;
	return n;
}

static void model_remap(uint64_t *dst, const uint64_t *src, const uint64_t *old, const uint64_t *nw, unsigned nbits)
{
	int oldpos[1024], newpos[1024];
	int no = model_set_positions(old, nbits, oldpos), nn = model_set_positions(nw, nbits, newpos);
	memset(dst, 0, NODAL_MASK_WORDS * 8);
	for (unsigned b = 0; b < nbits; b++) {
		if (!((src[b / 64] >> (b % 64)) & 1))
			continue;
		int ord = -1;
		for (int k = 0; k < no; k++)
			if (oldpos[k] == (int)b)
				ord = k;
		unsigned to = (ord < 0 || nn == 0) ? b : (unsigned)newpos[ord % nn];
		dst[to / 64] |= 1ull << (to % 64);
	}
}

static void model_onto(uint64_t *dst, const uint64_t *orig, const uint64_t *rel, unsigned nbits)
{
	int relpos[1024];
	int nr = model_set_positions(rel, nbits, relpos);
	memset(dst, 0, NODAL_MASK_WORDS * 8);
	for (int m = 0; m < nr; m++)
		if ((orig[m / 64] >> (m % 64)) & 1)
			dst[relpos[m] / 64] |= 1ull << (relpos[m] % 64);
}

static void model_fold(uint64_t *dst, const uint64_t *orig, unsigned sz, unsigned nbits)
{
	memset(dst, 0, NODAL_MASK_WORDS * 8);
	if (!sz)
		return;
	for (unsigned b = 0; b < nbits; b++)
		if ((orig[b / 64] >> (b % 64)) & 1)
			dst[(b % sz) / 64] |= 1ull << ((b % sz) % 64);
}

Test(nodemask, property_remap_fold_onto_100k)
{
	uint64_t src[NODAL_MASK_WORDS], old[NODAL_MASK_WORDS], nw[NODAL_MASK_WORDS];
	uint64_t got[NODAL_MASK_WORDS], want[NODAL_MASK_WORDS];
	const unsigned widths[] = { 1, 2, 7, 63, 64, 65, 128, 200, 511, 1000, 1024 };
	for (int iter = 0; iter < 100000; iter++) {
		/* mostly small widths (cheap model), a steady share of wide ones */
		unsigned nbits = (iter % 10 == 0) ? widths[rnd() % 11] : 1 + (unsigned)(rnd() % 160);
		random_mask(src, nbits);
		random_mask(old, nbits);
		random_mask(nw, nbits);
		memset(got, 0xa5, sizeof(got));

		bitmap_remap(got, src, old, nw, nbits);
		model_remap(want, src, old, nw, nbits);
		cr_assert_arr_eq(got, want, (nbits + 63) / 64 * 8, "remap mismatch at iter %d width %u", iter, nbits);

		bitmap_onto(got, src, nw, nbits);
		model_onto(want, src, nw, nbits);
		cr_assert_arr_eq(got, want, (nbits + 63) / 64 * 8, "onto mismatch at iter %d width %u", iter, nbits);

		unsigned sz = (unsigned)(rnd() % (nbits + 1));
		bitmap_fold(got, src, sz, nbits);
		model_fold(want, src, sz, nbits);
		cr_assert_arr_eq(got, want, (nbits + 63) / 64 * 8, "fold mismatch at iter %d width %u sz %u", iter,
		                 nbits, sz);
	}
}

/* ---- the real kernel's rebind vectors (INTERLEAVE and BIND: mpol_rebind_nodemask) ---- */

/*
 * A reference walk of the kernel's arithmetic over one case: creation per
 * mpol_set_nodemask (EINVAL where the kernel refuses), then mpol_rebind_nodemask per
 * step. Returns the effective mask at @step, or false for EINVAL.
 */
static bool kernel_walk(const char *flags, const nodemask_t *user, const nodemask_t *seq, int step, nodemask_t *out)
{
	bool stat = strstr(flags, "static") != NULL, rel = strstr(flags, "relative") != NULL;
	if (stat && rel)
		return false;
	nodemask_t nodes, remembered = seq[0];
	if (rel)
		nodes_relative(&nodes, user, &seq[0]);
	else
		nodes_and(&nodes, user, &seq[0]);
	if (nodes_empty(&nodes))
		return false;
	for (int s = 1; s <= step; s++) {
		nodemask_t tmp;
		if (stat)
			nodes_and(&tmp, user, &seq[s]);
		else if (rel)
			nodes_relative(&tmp, user, &seq[s]);
		else {
			nodes_remap(&tmp, &nodes, &remembered, &seq[s]);
			remembered = seq[s];
		}
		if (nodes_empty(&tmp))
			tmp = seq[s];
		nodes = tmp;
	}
	*out = nodes;
	return true;
}

Test(nodemask, rebind_vectors_interleave_bind)
{
	struct tsv t;
	cr_assert_eq(tsv_load(&t, shared_path("conformance/rebind-vectors.tsv")), 0, "cannot read rebind-vectors.tsv");
	int c_mode = tsv_col(&t, "mode"), c_flags = tsv_col(&t, "flags"), c_user = tsv_col(&t, "user_mask"),
	    c_seq = tsv_col(&t, "allowed_sequence"), c_eff = tsv_col(&t, "effective_nodes_observed"),
	    c_step = tsv_col(&t, "step_index"), c_id = tsv_col(&t, "case_id");
	cr_assert(c_mode >= 0 && c_flags >= 0 && c_user >= 0 && c_seq >= 0 && c_eff >= 0 && c_step >= 0);
	int checked = 0;
	for (int i = 0; i < t.nrows; i++) {
		struct tsv_row *r = &t.rows[i];
		if (strcmp(r->f[c_mode], "interleave") && strcmp(r->f[c_mode], "bind"))
			continue;
		nodemask_t seq[16], user = M(r->f[c_user]), got;
		int nseq = 0;
		char seqbuf[256];
		snprintf(seqbuf, sizeof(seqbuf), "%s", r->f[c_seq]);
		char *save = NULL;
		for (char *s = strtok_r(seqbuf, ">", &save); s && nseq < 16; s = strtok_r(NULL, ">", &save))
			seq[nseq++] = M(s);
		int step = atoi(r->f[c_step]);
		cr_assert(step < nseq);
		bool ok = kernel_walk(r->f[c_flags], &user, seq, step, &got);
		if (!strcmp(r->f[c_eff], "ERR:EINVAL")) {
			cr_assert(!ok, "%s step %d: kernel refused, model accepted", r->f[c_id], step);
		} else {
			cr_assert(ok, "%s step %d: model refused, kernel accepted", r->f[c_id], step);
			assert_mask(&got, r->f[c_eff], r->f[c_id]);
		}
		checked++;
	}
	cr_assert_gt(checked, 1000, "only %d rows checked", checked);
	tsv_free(&t);
}

/* Every node list in the fallback vectors survives the test decoder and the verbs. */
Test(nodemask, fallback_vector_masks)
{
	struct tsv t;
	cr_assert_eq(tsv_load(&t, shared_path("conformance/fallback-vectors.tsv")), 0);
	int c_cpu = tsv_col(&t, "nodes_with_cpus"), c_mem = tsv_col(&t, "memory_nodes"),
	    c_order = tsv_col(&t, "kernel_fallback_order"), c_node = tsv_col(&t, "node");
	for (int i = 0; i < t.nrows; i++) {
		nodemask_t mem = M(t.rows[i].f[c_mem]), cpus = M(t.rows[i].f[c_cpu]), order = NODE_MASK_NONE;
		char buf[64];
		test_format_mask(&mem, buf, sizeof(buf));
		cr_assert_str_eq(buf, t.rows[i].f[c_mem]);
		(void)cpus;
		/* the kernel's list is a permutation of the memory nodes (6.1 may add a memoryless head) */
		char ob[256];
		snprintf(ob, sizeof(ob), "%s", t.rows[i].f[c_order]);
		char *save = NULL;
		for (char *s = strtok_r(ob, " ", &save); s; s = strtok_r(NULL, " ", &save))
			node_set(atoi(s), &order);
		node_clear(atoi(t.rows[i].f[c_node]), &order);
		nodemask_t rest;
		nodes_andnot(&rest, &order, &mem);
		cr_assert(nodes_empty(&rest), "row %d: list has a node outside memory_nodes", i);
	}
	tsv_free(&t);
}
