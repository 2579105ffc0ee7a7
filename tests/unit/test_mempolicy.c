/*
 * test_mempolicy.c — the policy engine through its API: literal candidate orders on
 * hand-built topologies (each worked out by hand from DESIGN.md's table and the
 * kernel's lists), the EINVAL table with its messages, interleave and weighted
 * distribution over full rounds, home nodes, full and pressured nodes, private nodes,
 * rebinding into new objects, and the canonical spec round trip.
 */
#include "mpol_test.h"

#include <errno.h>

#include "fallback.h"

/* ---- literal candidate orders ---------------------------------------------------- */

struct lit {
	const char *topo;
	int mode;
	unsigned flags;
	const char *nodes;
	int home;
	const char *allowed; /* at allocation (the policy is created against all memory nodes) */
	int local;
	const char *full, *pressure;
	const char *want;
};

static const struct lit lits[] = {
	/* rb8: sockets 0-3 / 4-7; the kernel's lists (topologies.md RB8) */
	{ "rb8", NODAL_MPOL_BIND, 0, "1-2", -1, "0-7", 0, NULL, NULL, "1 2" },
	{ "rb8", NODAL_MPOL_BIND, 0, "1-2", -1, "0-7", 3, NULL, NULL, "1 2" },
	{ "rb8", NODAL_MPOL_BIND, 0, "1-2", -1, "0-7", 6, NULL, NULL, "2 1" },
	{ "rb8", NODAL_MPOL_BIND, 0, "1-2", -1, "0-7", 0, "1", NULL, "2" },
	{ "rb8", NODAL_MPOL_BIND, 0, "1-2", -1, "0-7", 0, "1-2", NULL, "" },
	{ "rb8", NODAL_MPOL_BIND, 0, "1-2", 6, "0-7", 0, NULL, NULL, "2 1" },   /* home node */
	{ "rb8", NODAL_MPOL_BIND, 0, "1-2", -1, "4-7", 6, NULL, NULL, "6 7 4 5" }, /* mask ignored */
	{ "rb8", NODAL_MPOL_BIND, 0, "1-2", -1, "2,4-7", 6, NULL, NULL, "2" },
	{ "rb8", NODAL_MPOL_BIND, 0, "5", -1, "0-7", 0, NULL, NULL, "5" },
	{ "rb8", NODAL_MPOL_BIND, 0, "5", -1, "0-7", 0, "5", NULL, "" },
	{ "rb8", NODAL_MPOL_BIND, 0, "5", -1, "0-4", 1, NULL, NULL, "1 2 3 0 4" }, /* single, not allowed */
	{ "rb8", NODAL_MPOL_PREFERRED, 0, "1", -1, "0-7", 6, NULL, NULL, "1 2 3 0 5 6 7 4" },
	{ "rb8", NODAL_MPOL_PREFERRED, 0, "1", -1, "2-3", 0, NULL, NULL, "2 3" },
	{ "rb8", NODAL_MPOL_PREFERRED, 0, "1-2", -1, "0-7", 0, "1", NULL, "2 3 0 5 6 7 4" },
	{ "rb8", NODAL_MPOL_PREFERRED, 0, "", -1, "0-7", 5, NULL, NULL, "5 6 7 4 1 2 3 0" }, /* = local */
	{ "rb8", NODAL_MPOL_LOCAL, 0, "", -1, "0-7", 5, "5", NULL, "6 7 4 1 2 3 0" },
	{ "rb8", NODAL_MPOL_LOCAL, 0, "", -1, "0-3", 5, NULL, NULL, "1 2 3 0" },
	{ "rb8", NODAL_MPOL_LOCAL, 0, "", -1, "0-7", 2, "0-7", NULL, "" },
	{ "rb8", NODAL_MPOL_DEFAULT, 0, "", -1, "0-7", 7, NULL, NULL, "7 4 5 6 3 0 1 2" },
	{ "rb8", NODAL_MPOL_PREFERRED_MANY, 0, "1-2", -1, "0-7", 6, NULL, NULL, "2 1 6 7 4 5 3 0" },
	{ "rb8", NODAL_MPOL_PREFERRED_MANY, 0, "1-2", -1, "0-7", 6, NULL, "2", "1 6 7 4 5 2 3 0" },
	{ "rb8", NODAL_MPOL_PREFERRED_MANY, 0, "1-2", -1, "0-7", 6, "1", "2", "6 7 4 5 2 3 0" },
	{ "rb8", NODAL_MPOL_PREFERRED_MANY, 0, "1-2", 4, "0-7", 0, NULL, NULL, "1 2 4 5 6 7 0 3" },
	{ "rb8", NODAL_MPOL_PREFERRED_MANY, 0, "1-2", -1, "0,3", 0, NULL, NULL, "0 3" },
	{ "rb8", NODAL_MPOL_INTERLEAVE, 0, "5-6", -1, "0-7", 0, NULL, NULL, "5 6 7 4 1 2 3 0" },
	{ "rb8", NODAL_MPOL_INTERLEAVE, 0, "5-6", -1, "0-7", 0, "5", NULL, "6 7 4 1 2 3 0" },
	{ "rb8", NODAL_MPOL_INTERLEAVE, 0, "5-6", -1, "0-4,6", 0, NULL, NULL, "6 4 2 3 0 1" },
	{ "rb8", NODAL_MPOL_WEIGHTED_INTERLEAVE, 0, "3,7", -1, "0-7", 0, NULL, NULL, "3 0 1 2 7 4 5 6" },
	/* T03: CPU-less nodes 2,3 are ordinary */
	{ "four-cpuless", NODAL_MPOL_LOCAL, 0, "", -1, "0-3", 1, NULL, NULL, "1 2 3 0" },
	{ "four-cpuless", NODAL_MPOL_BIND, 0, "0,3", -1, "0-3", 1, NULL, NULL, "3 0" },
	{ "four-cpuless", NODAL_MPOL_PREFERRED, 0, "2", -1, "0-3", 0, NULL, NULL, "2 3 0 1" },
	{ "four-cpuless", NODAL_MPOL_PREFERRED_MANY, 0, "2-3", -1, "0-3", 0, "2", NULL, "3 0 1" },
	/* T09: node 1 has a CPU but no memory: its list starts elsewhere */
	{ "memoryless", NODAL_MPOL_LOCAL, 0, "", -1, "0,2-3", 1, NULL, NULL, "3 0 2" },
	{ "memoryless", NODAL_MPOL_BIND, 0, "0,2", -1, "0,2-3", 1, NULL, NULL, "0 2" },
	{ "memoryless", NODAL_MPOL_PREFERRED_MANY, 0, "2", -1, "0,2-3", 1, NULL, NULL, "2 3 0" },
	/* private nodes 2,3: in no list but their own */
	{ "private", NODAL_MPOL_LOCAL, 0, "", -1, "0-3", 0, NULL, NULL, "0 1" },
	{ "private", NODAL_MPOL_LOCAL, 0, "", -1, "0-3", 2, NULL, NULL, "0 1" }, /* a CPU on 2 never lands on 2 */
	{ "private", NODAL_MPOL_PREFERRED, STATIC, "2", -1, "0-3", 0, NULL, NULL, "2 0 1" },
	{ "private", NODAL_MPOL_PREFERRED, STATIC, "2", -1, "0-3", 0, "2", NULL, "0 1" },
	{ "private", NODAL_MPOL_BIND, STATIC, "2", -1, "0-3", 0, NULL, NULL, "2" },
	{ "private", NODAL_MPOL_BIND, STATIC, "3", -1, "0-3", 1, "3", NULL, "" },
	{ "private", NODAL_MPOL_BIND, STATIC, "0,2", -1, "0-3", 1, NULL, NULL, "2 0" },
	{ "private", NODAL_MPOL_BIND, STATIC, "0,2", 1, "0-3", 1, NULL, NULL, "0" }, /* home 1: 2 unreachable */
	{ "private", NODAL_MPOL_PREFERRED_MANY, STATIC, "3", -1, "0-3", 0, NULL, NULL, "3 1 0" },
	{ "private", NODAL_MPOL_BIND, 0, "0-1", -1, "0-3", 1, NULL, NULL, "1 0" },
	{ "private", NODAL_MPOL_INTERLEAVE, 0, "0-1", -1, "2-3", 0, NULL, NULL, "" }, /* never falls onto 2,3 */
	/* sparse ids 0,2,5 */
	{ "sparse", NODAL_MPOL_INTERLEAVE, 0, "2,5", -1, "0,2,5", 0, NULL, NULL, "2 5 0" },
	{ "sparse", NODAL_MPOL_BIND, 0, "5", -1, "0,2,5", 2, NULL, NULL, "5" },
	{ "sparse", NODAL_MPOL_PREFERRED_MANY, RELATIVE, "1", -1, "0,2,5", 0, NULL, NULL, "2 0 5" },
};

Test(mempolicy, literal_candidate_orders)
{
	for (size_t i = 0; i < sizeof(lits) / sizeof(lits[0]); i++) {
		const struct lit *l = &lits[i];
		struct nodal_topology *t = mt_get(l->topo);
		struct nodal_policy_spec s = MT_SPEC(l->mode, l->flags, l->nodes, l->home);
		struct nodal_mempolicy *p = mt_new(t, &s, NULL);
		char got[512];
		mt_cands(p, t, l->allowed, l->local, l->full, l->pressure, NULL, got, sizeof(got));
		cr_expect_str_eq(got, l->want, "row %zu (%s mode %d nodes '%s' local %d): got '%s', want '%s'", i,
				 l->topo, l->mode, l->nodes, l->local, got, l->want);
		nodal_mpol_free(p);
		mt_free(t);
	}
}

/* The iterator itself: first/next agree with the candidate list, and stop at -1. */
Test(mempolicy, iterator_protocol)
{
	struct nodal_topology *t = mt_get("rb8");
	struct nodal_policy_spec s = MT_SPEC(NODAL_MPOL_PREFERRED_MANY, 0, "1-2", -1);
	struct nodal_mempolicy *p = mt_new(t, &s, NULL);
	nodemask_t a = MT_MASK("0-7");
	struct nodal_mpol_ctx ctx = { .topo = t, .allowed = &a, .local_node = 6 };
	struct nodal_mpol_iter it;
	int want[] = { 2, 1, 6, 7, 4, 5, 3, 0 }, k = 0;
	for (int n = nodal_mpol_first(p, &ctx, &it); n >= 0; n = nodal_mpol_next(&it))
		cr_assert_eq(n, want[k++]);
	cr_assert_eq(k, 8);
	cr_assert_eq(nodal_mpol_next(&it), -1);
	cr_assert_eq(nodal_mpol_next(&it), -1);
	int buf[3];
	cr_assert_eq(nodal_mpol_candidates(p, &ctx, buf, 3), 8, "count beyond max");
	cr_assert_eq(buf[2], 6);
	nodal_mpol_free(p);
	mt_free(t);
}

/* ---- the EINVAL table ------------------------------------------------------------ */

struct bad {
	const char *topo;
	int mode;
	unsigned flags;
	const char *nodes;
	int home;
	const char *allowed;
	int err;
	const char *msg; /* substring of nodal_last_error() */
};

static const struct bad bads[] = {
	{ "rb8", 7, 0, "1", -1, NULL, EINVAL, "does not exist" },
	{ "rb8", -1, 0, "1", -1, NULL, EINVAL, "does not exist" },
	{ "rb8", NODAL_MPOL_BIND, 1u << 3, "1", -1, NULL, EINVAL, "unknown mode flags" },
	{ "rb8", NODAL_MPOL_BIND, STATIC | RELATIVE, "1", -1, NULL, EINVAL, "exclude each other" },
	{ "rb8", NODAL_MPOL_INTERLEAVE, STATIC | RELATIVE, "1", -1, NULL, EINVAL, "exclude each other" },
	{ "rb8", NODAL_MPOL_PREFERRED, STATIC | RELATIVE, "1", -1, NULL, EINVAL, "exclude each other" },
	{ "rb8", NODAL_MPOL_INTERLEAVE, NUMA_BAL, "1", -1, NULL, EINVAL, "numa_balancing" },
	{ "rb8", NODAL_MPOL_PREFERRED, NUMA_BAL, "1", -1, NULL, EINVAL, "numa_balancing" },
	{ "rb8", NODAL_MPOL_LOCAL, NUMA_BAL, "", -1, NULL, EINVAL, "numa_balancing" },
	{ "rb8", NODAL_MPOL_WEIGHTED_INTERLEAVE, NUMA_BAL, "1", -1, NULL, EINVAL, "numa_balancing" },
	{ "rb8", NODAL_MPOL_DEFAULT, NUMA_BAL, "", -1, NULL, EINVAL, "numa_balancing" },
	{ "rb8", NODAL_MPOL_DEFAULT, 0, "1", -1, NULL, EINVAL, "default: takes no node list" },
	{ "rb8", NODAL_MPOL_LOCAL, 0, "1", -1, NULL, EINVAL, "local: takes no node list" },
	{ "rb8", NODAL_MPOL_LOCAL, STATIC, "", -1, NULL, EINVAL, "local: takes no 'static'" },
	{ "rb8", NODAL_MPOL_LOCAL, RELATIVE, "", -1, NULL, EINVAL, "local: takes no 'static'" },
	{ "rb8", NODAL_MPOL_PREFERRED, STATIC, "", -1, NULL, EINVAL, "needs a node" },
	{ "rb8", NODAL_MPOL_PREFERRED, RELATIVE, "", -1, NULL, EINVAL, "needs a node" },
	{ "rb8", NODAL_MPOL_BIND, 0, "", -1, NULL, EINVAL, "bind: needs a non-empty node list" },
	{ "rb8", NODAL_MPOL_INTERLEAVE, 0, "", -1, NULL, EINVAL, "interleave: needs a non-empty node list" },
	{ "rb8", NODAL_MPOL_PREFERRED_MANY, 0, "", -1, NULL, EINVAL, "preferred-many: needs a non-empty" },
	{ "rb8", NODAL_MPOL_WEIGHTED_INTERLEAVE, 0, "", -1, NULL, EINVAL, "weighted-interleave: needs a non-empty" },
	{ "rb8", NODAL_MPOL_BIND, 0, "8", -1, NULL, EINVAL, "node 8 does not exist" },
	{ "rb8", NODAL_MPOL_PREFERRED, STATIC, "3,200", -1, NULL, EINVAL, "node 200 does not exist" },
	{ "sparse", NODAL_MPOL_BIND, 0, "1", -1, NULL, EINVAL, "node 1 does not exist" },
	{ "rb8", NODAL_MPOL_BIND, 0, "4-7", -1, "2-3", EINVAL, "allowed memory node" },
	{ "rb8", NODAL_MPOL_BIND, STATIC, "4-7", -1, "2-3", EINVAL, "allowed memory node" },
	{ "rb8", NODAL_MPOL_PREFERRED, 0, "0", -1, "2-3", EINVAL, "allowed memory node" },
	{ "rb8", NODAL_MPOL_PREFERRED_MANY, STATIC, "1", -1, "0", EINVAL, "allowed memory node" },
	{ "rb8", NODAL_MPOL_INTERLEAVE, 0, "1-7", -1, "0", EINVAL, "allowed memory node" },
	{ "memoryless", NODAL_MPOL_BIND, 0, "1", -1, NULL, EINVAL, "allowed memory node" },
	{ "memoryless", NODAL_MPOL_PREFERRED, 0, "1", -1, NULL, EINVAL, "allowed memory node" },
	{ "private", NODAL_MPOL_BIND, 0, "2", -1, NULL, EINVAL, "node 2 is private" },
	{ "private", NODAL_MPOL_PREFERRED, 0, "0,3", -1, NULL, EINVAL, "node 3 is private" },
	{ "private", NODAL_MPOL_PREFERRED_MANY, 0, "2-3", -1, NULL, EINVAL, "node 2 is private" },
	{ "private", NODAL_MPOL_INTERLEAVE, STATIC, "2", -1, NULL, EINVAL, "node 2 is private" },
	{ "private", NODAL_MPOL_WEIGHTED_INTERLEAVE, STATIC, "1-2", -1, NULL, EINVAL, "node 2 is private" },
	{ "private", NODAL_MPOL_BIND, STATIC, "0", 2, NULL, EINVAL, "home node 2 is private" },
	{ "rb8", NODAL_MPOL_INTERLEAVE, 0, "1", 1, NULL, EOPNOTSUPP, "home node is only for" },
	{ "rb8", NODAL_MPOL_PREFERRED, 0, "1", 1, NULL, EOPNOTSUPP, "home node is only for" },
	{ "rb8", NODAL_MPOL_LOCAL, 0, "", 1, NULL, EOPNOTSUPP, "home node is only for" },
	{ "rb8", NODAL_MPOL_PREFERRED, 0, "", 1, NULL, EOPNOTSUPP, "local: a home node" }, /* became local */
	{ "rb8", NODAL_MPOL_BIND, 0, "1", 8, NULL, EINVAL, "home node 8 is not an online node" },
	{ "sparse", NODAL_MPOL_BIND, 0, "0", 3, NULL, EINVAL, "home node 3 is not an online node" },
};

Test(mempolicy, einval_table)
{
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		struct nodal_topology *t = mt_get(b->topo);
		struct nodal_policy_spec s = MT_SPEC(b->mode, b->flags, b->nodes, b->home);
		struct nodal_mpol_env env = { .topo = t };
		env.allowed = b->allowed ? MT_MASK(b->allowed) : t->memory;
		struct nodal_mempolicy *p = (void *)1;
		int err = nodal_mpol_new(&s, &env, &p);
		cr_expect_eq(err, b->err, "row %zu: got %d, want %d (%s)", i, err, b->err, nodal_last_error());
		cr_expect_null(p, "row %zu: object returned on failure", i);
		cr_expect(strstr(nodal_last_error(), b->msg) != NULL, "row %zu: message '%s' lacks '%s'", i,
			  nodal_last_error(), b->msg);
		mt_free(t);
	}
	/* weights belong to weighted-interleave only */
	struct nodal_topology *t = mt_get("two");
	struct nodal_policy_spec s = MT_SPEC(NODAL_MPOL_BIND, 0, "0-1", -1);
	s.has_weights = true;
	s.weights[0] = 2;
	struct nodal_mpol_env env = { .topo = t, .allowed = t->memory };
	struct nodal_mempolicy *p;
	cr_expect_eq(nodal_mpol_new(&s, &env, &p), EINVAL);
	cr_expect(strstr(nodal_last_error(), "weights are only for weighted-interleave"));
	mt_free(t);
}

/* What the kernel accepts that looks suspicious: these must succeed, with these results. */
Test(mempolicy, kernel_accepts)
{
	struct nodal_topology *t = mt_get("rb8");
	char buf[256];
	/* numa_balancing with bind and preferred-many (6.12's sanitize_mpol_flags) */
	struct nodal_policy_spec s = MT_SPEC(NODAL_MPOL_BIND, NUMA_BAL, "1", -1);
	struct nodal_mempolicy *p = mt_new(t, &s, NULL);
	cr_expect_eq(p->flags, NUMA_BAL);
	nodal_mpol_free(p);
	s = MT_SPEC(NODAL_MPOL_PREFERRED_MANY, NUMA_BAL | STATIC, "1", -1);
	nodal_mpol_free(mt_new(t, &s, NULL));
	/* default with static: accepted, flags dropped (mpol_new returns no policy) */
	s = MT_SPEC(NODAL_MPOL_DEFAULT, STATIC, "", -1);
	p = mt_new(t, &s, NULL);
	cr_expect_eq(p->flags, 0u);
	nodal_mpol_free(p);
	/* preferred without nodes is local */
	s = MT_SPEC(NODAL_MPOL_PREFERRED, 0, "", -1);
	p = mt_new(t, &s, NULL);
	cr_expect_eq(p->mode, NODAL_MPOL_LOCAL);
	cr_expect_str_eq(p->ops->name, "local");
	nodal_mpol_free(p);
	/* partial overlap: the intersection (STATIC keeps the user's mask) */
	s = MT_SPEC(NODAL_MPOL_BIND, STATIC, "1-5", -1);
	p = mt_new(t, &s, "4-7");
	test_format_mask(&p->nodes, buf, sizeof(buf));
	cr_expect_str_eq(buf, "4-5");
	test_format_mask(&p->user_nodemask, buf, sizeof(buf));
	cr_expect_str_eq(buf, "1-5");
	nodal_mpol_free(p);
	/* relative never fails on overlap: {0} on 2-3 -> 2; {3-4} on 4-7 -> 4,7 (README) */
	s = MT_SPEC(NODAL_MPOL_INTERLEAVE, RELATIVE, "0", -1);
	p = mt_new(t, &s, "2-3");
	test_format_mask(&p->nodes, buf, sizeof(buf));
	cr_expect_str_eq(buf, "2");
	nodal_mpol_free(p);
	s = MT_SPEC(NODAL_MPOL_BIND, RELATIVE, "3-4", -1);
	p = mt_new(t, &s, "4-7");
	test_format_mask(&p->nodes, buf, sizeof(buf));
	cr_expect_str_eq(buf, "4,7");
	nodal_mpol_free(p);
	/* relative positions beyond the machine fold (no "does not exist") */
	s = MT_SPEC(NODAL_MPOL_BIND, RELATIVE, "9", -1);
	p = mt_new(t, &s, "0-7");
	test_format_mask(&p->nodes, buf, sizeof(buf));
	cr_expect_str_eq(buf, "1");
	nodal_mpol_free(p);
	/* preferred keeps the first node of the intersection */
	s = MT_SPEC(NODAL_MPOL_PREFERRED, 0, "1-3", -1);
	p = mt_new(t, &s, "2-7");
	test_format_mask(&p->nodes, buf, sizeof(buf));
	cr_expect_str_eq(buf, "2");
	nodal_mpol_free(p);
	/* a home node outside the mask is fine (the kernel only wants it online) */
	s = MT_SPEC(NODAL_MPOL_BIND, 0, "1", 7);
	p = mt_new(t, &s, NULL);
	cr_expect_eq(p->home_node, 7);
	nodal_mpol_free(p);
	mt_free(t);
}

/* ---- interleave ------------------------------------------------------------------ */

static int il_start(const struct nodal_mempolicy *p, const struct nodal_topology *t, const nodemask_t *allowed,
		    struct nodal_il_cursor *il)
{
	struct nodal_mpol_ctx ctx = { .topo = t, .allowed = allowed, .local_node = 0, .il = il };
	struct nodal_mpol_iter it;
	return nodal_mpol_first(p, &ctx, &it);
}

Test(mempolicy, interleave_order_and_rounds)
{
	struct nodal_topology *t = mt_get("sparse");
	struct nodal_policy_spec s = MT_SPEC(NODAL_MPOL_INTERLEAVE, 0, "0,2,5", -1);
	struct nodal_mempolicy *p = mt_new(t, &s, NULL);
	struct nodal_il_cursor il = NODAL_IL_CURSOR_INIT;
	nodemask_t a = t->memory;
	const int order[] = { 0, 2, 5 };
	for (int i = 0; i < 3000; i++)
		cr_assert_eq(il_start(p, t, &a, &il), order[i % 3], "allocation %d", i);
	/* kernel: a zeroed il_prev (0) starts after node 0 */
	struct nodal_il_cursor z = { 0, 0 };
	cr_assert_eq(il_start(p, t, &a, &z), 2);
	/* without a cursor: always the first node */
	cr_assert_eq(il_start(p, t, &a, NULL), 0);
	cr_assert_eq(il_start(p, t, &a, NULL), 0);
	/* a node leaves the allowed set before rebinding: skipped, not stuck */
	nodemask_t a2 = MT_MASK("0,5");
	struct nodal_il_cursor c = NODAL_IL_CURSOR_INIT;
	for (int i = 0; i < 10; i++)
		cr_assert_eq(il_start(p, t, &a2, &c), i % 2 ? 5 : 0);
	nodal_mpol_free(p);
	mt_free(t);
}

Test(mempolicy, weighted_interleave_exact_rounds)
{
	struct nodal_topology *t = mt_get("rb8");
	struct nodal_policy_spec s = MT_SPEC(NODAL_MPOL_WEIGHTED_INTERLEAVE, 0, "0,3,6", -1);
	s.has_weights = true;
	s.weights[0] = 3;
	s.weights[3] = 1;
	s.weights[6] = 250;
	struct nodal_mempolicy *p = mt_new(t, &s, NULL);
	struct nodal_il_cursor il = NODAL_IL_CURSOR_INIT;
	nodemask_t a = t->memory;
	const int round = 3 + 1 + 250;
	for (int r = 0; r < 20; r++) {
		int count[8] = { 0 };
		for (int i = 0; i < round; i++) {
			int n = il_start(p, t, &a, &il);
			cr_assert(n >= 0 && n < 8);
			count[n]++;
			/* the kernel's order within a round: 0 0 0 3 6 ... 6 */
			int want = i < 3 ? 0 : (i < 4 ? 3 : 6);
			cr_assert_eq(n, want, "round %d allocation %d: %d", r, i, n);
		}
		cr_assert(count[0] == 3 && count[3] == 1 && count[6] == 250, "round %d: %d %d %d", r, count[0],
			  count[3], count[6]);
	}
	nodal_mpol_free(p);

	/* defaults from the environment; nodes without one get 1 */
	uint8_t dw[NODAL_MAX_NUMNODES] = { 0 };
	dw[1] = 4;
	dw[2] = 2;
	struct nodal_mpol_env env = { .topo = t, .allowed = t->memory, .default_weights = dw };
	s = MT_SPEC(NODAL_MPOL_WEIGHTED_INTERLEAVE, 0, "1-3", -1);
	cr_assert_eq(nodal_mpol_new(&s, &env, &p), 0);
	cr_expect_eq(p->weights[1], 4);
	cr_expect_eq(p->weights[2], 2);
	cr_expect_eq(p->weights[3], 1);
	struct nodal_il_cursor c = NODAL_IL_CURSOR_INIT;
	char seq[128];
	size_t o = 0;
	for (int i = 0; i < 14; i++)
		o += (size_t)snprintf(seq + o, sizeof(seq) - o, "%d", il_start(p, t, &a, &c));
	cr_expect_str_eq(seq, "11112231111223");
	/* the spec's own weight wins over the default */
	nodal_mpol_free(p);
	s.has_weights = true;
	s.weights[2] = 5;
	cr_assert_eq(nodal_mpol_new(&s, &env, &p), 0);
	cr_expect_eq(p->weights[1], 4);
	cr_expect_eq(p->weights[2], 5);
	nodal_mpol_free(p);
	mt_free(t);
}

/* weighted_interleave_nodes(): a rebind that removes il_prev moves on at once. */
Test(mempolicy, weighted_interleave_across_rebind)
{
	struct nodal_topology *t = mt_get("rb8");
	struct nodal_policy_spec s = MT_SPEC(NODAL_MPOL_WEIGHTED_INTERLEAVE, STATIC, "1-3", -1);
	s.has_weights = true;
	s.weights[1] = 3;
	s.weights[2] = 2;
	s.weights[3] = 1;
	struct nodal_mempolicy *p = mt_new(t, &s, NULL), *q;
	nodemask_t a = t->memory, b = MT_MASK("2-7");
	struct nodal_il_cursor il = NODAL_IL_CURSOR_INIT;
	cr_assert_eq(il_start(p, t, &a, &il), 1);
	cr_assert_eq(il_start(p, t, &a, &il), 1); /* one unit of node 1 left */
	cr_assert_eq(nodal_mpol_rebind(p, &b, &q), 0);
	cr_assert_eq(il_start(q, t, &b, &il), 2);
	cr_assert_eq(il_start(q, t, &b, &il), 2);
	cr_assert_eq(il_start(q, t, &b, &il), 3);
	cr_assert_eq(il_start(q, t, &b, &il), 2);
	nodal_mpol_free(p);
	nodal_mpol_free(q);
	mt_free(t);
}

/* ---- rebinding produces new objects ------------------------------------------------ */

Test(mempolicy, rebind_is_a_new_object)
{
	struct nodal_topology *t = mt_get("rb8");
	struct nodal_policy_spec s = MT_SPEC(NODAL_MPOL_INTERLEAVE, 0, "1-2", -1);
	struct nodal_mempolicy *p = mt_new(t, &s, "0-3"), *q;
	struct nodal_mempolicy before;
	memcpy(&before, p, sizeof(before));
	nodemask_t nw = MT_MASK("1-3");
	cr_assert_eq(nodal_mpol_rebind(p, &nw, &q), 0);
	cr_assert_neq(p, q);
	cr_assert(memcmp(&before, p, sizeof(before)) == 0, "old object changed");
	char buf[64];
	test_format_mask(&q->nodes, buf, sizeof(buf));
	cr_expect_str_eq(buf, "2-3");
	test_format_mask(&q->cpuset_mems_allowed, buf, sizeof(buf));
	cr_expect_str_eq(buf, "1-3");
	nodal_mpol_free(p);
	nodal_mpol_free(q);
	mt_free(t);
}

/* A policy that does not name a private node never gains one by rebinding. */
Test(mempolicy, rebind_never_reaches_private_nodes)
{
	struct nodal_topology *t = mt_get("private");
	struct nodal_policy_spec s = MT_SPEC(NODAL_MPOL_INTERLEAVE, 0, "0-1", -1);
	struct nodal_mempolicy *p = mt_new(t, &s, "0-3"), *q, *r;
	char buf[64];
	test_format_mask(&p->cpuset_mems_allowed, buf, sizeof(buf));
	cr_expect_str_eq(buf, "0-1");
	nodemask_t nw = MT_MASK("1-3");
	cr_assert_eq(nodal_mpol_rebind(p, &nw, &q), 0);
	test_format_mask(&q->nodes, buf, sizeof(buf));
	cr_expect_str_eq(buf, "1");
	nodemask_t only_private = MT_MASK("2-3");
	cr_assert_eq(nodal_mpol_rebind(q, &only_private, &r), 0);
	cr_expect(nodes_empty(&r->nodes) || !nodes_intersects(&r->nodes, &t->private_nodes));
	nodal_mpol_free(r);
	/* relative: folded onto the allowed nodes minus the private ones */
	s = MT_SPEC(NODAL_MPOL_BIND, RELATIVE, "0-3", -1);
	nodal_mpol_free(p);
	p = mt_new(t, &s, "0-3");
	test_format_mask(&p->nodes, buf, sizeof(buf));
	cr_expect_str_eq(buf, "0-1");
	/* static bind naming a private node keeps it */
	nodal_mpol_free(q);
	s = MT_SPEC(NODAL_MPOL_BIND, STATIC, "1-2", -1);
	nodal_mpol_free(p);
	p = mt_new(t, &s, "0-3");
	nodemask_t nw2 = MT_MASK("0,2-3");
	cr_assert_eq(nodal_mpol_rebind(p, &nw2, &q), 0);
	test_format_mask(&q->nodes, buf, sizeof(buf));
	cr_expect_str_eq(buf, "2");
	cr_expect_eq(q->private_home, 2);
	/* ... and when it loses every named node it falls back to the allowed normal nodes */
	nodemask_t nw3 = MT_MASK("0,3");
	cr_assert_eq(nodal_mpol_rebind(q, &nw3, &r), 0);
	test_format_mask(&r->nodes, buf, sizeof(buf));
	cr_expect_str_eq(buf, "0");
	cr_expect_eq(r->private_home, -1);
	nodal_mpol_free(p);
	nodal_mpol_free(q);
	nodal_mpol_free(r);
	mt_free(t);
}

/* ---- canonical spec ---------------------------------------------------------------- */

Test(mempolicy, to_spec)
{
	struct nodal_topology *t = mt_get("rb8");
	struct nodal_policy_spec s = MT_SPEC(NODAL_MPOL_BIND, 0, "1-9", -1), back;
	s.nodes = MT_MASK("1-5");
	struct nodal_mempolicy *p = mt_new(t, &s, "3-7");
	nodal_mpol_to_spec(p, &back);
	char buf[64];
	test_format_mask(&back.nodes, buf, sizeof(buf));
	cr_expect_str_eq(buf, "3-5"); /* effective for a policy without flags */
	cr_expect_eq(back.mode, NODAL_MPOL_BIND);
	cr_expect_eq(back.home_node, -1);
	cr_expect(back.has_nodes && !back.has_weights);
	nodal_mpol_free(p);

	s = MT_SPEC(NODAL_MPOL_PREFERRED_MANY, RELATIVE, "0-1", 6);
	p = mt_new(t, &s, "3-7");
	nodal_mpol_to_spec(p, &back);
	test_format_mask(&back.nodes, buf, sizeof(buf));
	cr_expect_str_eq(buf, "0-1"); /* the user's mask for relative */
	cr_expect_eq(back.flags, RELATIVE);
	cr_expect_eq(back.home_node, 6);
	/* recreating from the canonical spec gives the same policy */
	struct nodal_mempolicy *p2 = mt_new(t, &back, "3-7");
	cr_expect(nodes_equal(&p->nodes, &p2->nodes));
	nodal_mpol_free(p2);
	nodal_mpol_free(p);

	s = MT_SPEC(NODAL_MPOL_WEIGHTED_INTERLEAVE, 0, "2,4", -1);
	s.has_weights = true;
	s.weights[4] = 7;
	p = mt_new(t, &s, NULL);
	nodal_mpol_to_spec(p, &back);
	cr_expect(back.has_weights);
	cr_expect_eq(back.weights[2], 1);
	cr_expect_eq(back.weights[4], 7);
	cr_expect_eq(back.weights[3], 0);
	nodal_mpol_free(p);

	s = MT_SPEC(NODAL_MPOL_LOCAL, 0, "", -1);
	p = mt_new(t, &s, NULL);
	nodal_mpol_to_spec(p, &back);
	cr_expect(!back.has_nodes && back.mode == NODAL_MPOL_LOCAL);
	nodal_mpol_free(p);
	mt_free(t);
}

/* The table is indexed by the kernel's mode numbers and every row is complete. */
Test(mempolicy, ops_table)
{
	const char *names[] = { "default", "preferred", "bind", "interleave", "local", "preferred-many",
				"weighted-interleave" };
	for (int m = 0; m < NODAL_MODE_COUNT; m++) {
		const struct nodal_mpol_ops *o = nodal_mpol_ops_table[m];
		cr_assert_not_null(o);
		cr_expect_str_eq(o->name, names[m]);
		cr_expect(o->create && o->rebind && o->first && o->next);
	}
	cr_expect_eq(NODAL_MPOL_WEIGHTED_INTERLEAVE, 6);
	cr_expect_eq(NODAL_F_STATIC, 1u << 15);
	cr_expect_eq(NODAL_F_RELATIVE, 1u << 14);
	cr_expect_eq(NODAL_F_NUMA_BALANCING, 1u << 13);
}

/* The hand-built machines' lists are the ones fallback.c builds for the same machine
 * (kernel kind; the private machine with its private nodes; n64 by distance). */
Test(mempolicy, hand_built_lists_match_fallback_c)
{
	for (const char *const *name = mt_names; *name; name++) {
		struct nodal_topology *h = mt_get(*name), *f;
		struct nodal_topology_desc d;
		mt_desc(h, &d);
		cr_assert_eq(nodal_topology_from_desc(&d, &f), 0, "%s: %s", *name, nodal_last_error());
		enum nodal_fallback_kind kind = strcmp(*name, "n64") ? NODAL_FALLBACK_KERNEL : NODAL_FALLBACK_DISTANCE;
		cr_assert_eq(nodal_fallback_build(f, kind, &h->private_nodes), 0, "%s: %s", *name, nodal_last_error());
		cr_assert_eq(f->nr_node_ids, h->nr_node_ids, "%s", *name);
		cr_assert(nodes_equal(&f->memory, &h->memory) && nodes_equal(&f->cpu, &h->cpu), "%s", *name);
		for (int n = 0; n < h->nr_node_ids; n++) {
			int hl[NODAL_MAX_NUMNODES], fl[NODAL_MAX_NUMNODES], fn;
			const uint16_t *l = nodal_fallback_list(f, n, &fn);
			for (int i = 0; i < fn; i++)
				fl[i] = l[i];
			for (int i = 0; i < h->fallback_len[n]; i++)
				hl[i] = h->fallback[n][i];
			char hs[512], fs[512];
			mt_format_order(hl, h->fallback_len[n], hs, sizeof(hs));
			mt_format_order(fl, fn, fs, sizeof(fs));
			cr_expect_str_eq(hs, fs, "%s node %d: hand-built '%s', fallback.c '%s'", *name, n, hs, fs);
		}
		nodal_topology_free(f);
		mt_free(h);
	}
}
