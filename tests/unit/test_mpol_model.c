/*
 * test_mpol_model.c — every mode × flags × topology against a brute-force model of
 * DESIGN.md's rules, written independently of the engine (no fast paths, no shared
 * helpers): creation (errno, effective nodes) and the exact candidate order for many
 * contexts (local node incl. memoryless and private CPU nodes, allowed sets the policy
 * was not made against, full nodes, pressured nodes, home nodes, fresh interleave).
 */
#include "mpol_test.h"

#include "fallback.h"

#include <errno.h>

struct model {
	int err;
	int mode;
	nodemask_t nodes, forbidden, named_private;
};

static bool may_name_private(int mode, unsigned flags)
{
	return (mode == NODAL_MPOL_BIND || mode == NODAL_MPOL_PREFERRED || mode == NODAL_MPOL_PREFERRED_MANY) &&
	       (flags & STATIC);
}

/* DESIGN.md "Validation mirrors the kernel" + the private-node rule. */
static struct model model_new(const struct nodal_topology *t, int mode, unsigned flags, const nodemask_t *user,
                              const nodemask_t *allowed, int home)
{
	struct model m = {.err = 0, .mode = mode};
	nodemask_t bad, priv;
	bool nb_ok = mode == NODAL_MPOL_BIND || mode == NODAL_MPOL_PREFERRED_MANY;
	if ((flags & STATIC) && (flags & RELATIVE))
		return (struct model){.err = EINVAL};
	if ((flags & NUMA_BAL) && !nb_ok)
		return (struct model){.err = EINVAL};
	if (!(flags & RELATIVE)) {
		nodes_andnot(&bad, user, &t->possible);
		if (!nodes_empty(&bad))
			return (struct model){.err = EINVAL};
		nodes_and(&priv, user, &t->private_nodes);
		if (!nodes_empty(&priv) && !may_name_private(mode, flags))
			return (struct model){.err = EINVAL};
	}
	nodes_clear(&m.named_private);
	if (may_name_private(mode, flags))
		nodes_and(&m.named_private, user, &t->private_nodes);
	nodes_andnot(&m.forbidden, &t->private_nodes, &m.named_private);
	bool empty = nodes_empty(user);
	if (mode == NODAL_MPOL_DEFAULT) {
		if (!empty)
			return (struct model){.err = EINVAL};
	} else if (mode == NODAL_MPOL_LOCAL || (mode == NODAL_MPOL_PREFERRED && empty)) {
		if (!empty || (flags & (STATIC | RELATIVE)))
			return (struct model){.err = EINVAL};
		m.mode = NODAL_MPOL_LOCAL;
	} else {
		if (empty)
			return (struct model){.err = EINVAL};
		nodemask_t mems, eff;
		nodes_andnot(&mems, allowed, &m.forbidden);
		nodes_and(&mems, &mems, &t->memory);
		if (flags & RELATIVE)
			nodes_relative(&eff, user, &mems);
		else
			nodes_and(&eff, user, &mems);
		if (nodes_empty(&eff))
			return (struct model){.err = EINVAL};
		if (mode == NODAL_MPOL_PREFERRED) {
			nodes_clear(&m.nodes);
			node_set(first_node(&eff), &m.nodes);
		} else {
			m.nodes = eff;
		}
	}
	if (home >= 0) {
		if (home >= t->nr_node_ids || !node_isset(home, &t->online))
			return (struct model){.err = EINVAL};
		if (m.mode != NODAL_MPOL_BIND && m.mode != NODAL_MPOL_PREFERRED_MANY)
			return (struct model){.err = EOPNOTSUPP};
		if (node_isset(home, &m.forbidden))
			return (struct model){.err = EINVAL};
	}
	return m;
}

/* The list a walk from @start uses (the local node's, then the first memory node's,
 * when @start has none). */
static int list_owner(const struct nodal_topology *t, int start, int local)
{
	if (start >= 0 && start < t->nr_node_ids && t->fallback_len[start])
		return start;
	if (local >= 0 && local < t->nr_node_ids && t->fallback_len[local])
		return local;
	return first_node(&t->memory);
}

/* DESIGN.md's resolution table, for a fresh interleave cursor. */
static int model_cands(const struct nodal_topology *t, const struct model *m, int home, const nodemask_t *allowed,
                       int local, const nodemask_t *full, const nodemask_t *pressure, int *out)
{
	int n = 0, start;
	nodemask_t usable, in;
	nodes_andnot(&usable, allowed, full);
	nodes_andnot(&usable, &usable, &m->forbidden);
	nodes_and(&in, &m->nodes, allowed);
	bool overlap = !nodes_empty(&in);
	switch (m->mode) {
	case NODAL_MPOL_PREFERRED:
		start = first_node(&m->nodes);
		break;
	case NODAL_MPOL_BIND:
	case NODAL_MPOL_PREFERRED_MANY: {
		nodemask_t np;
		nodes_and(&np, &m->nodes, &m->named_private);
		start = home >= 0 ? home : (!nodes_empty(&np) ? first_node(&np) : local);
		break;
	}
	case NODAL_MPOL_INTERLEAVE:
	case NODAL_MPOL_WEIGHTED_INTERLEAVE: {
		nodemask_t pool = in;
		if (!overlap)
			nodes_andnot(&pool, allowed, &m->forbidden);
		if (nodes_empty(&pool))
			return 0;
		start = first_node(&pool);
		break;
	}
	default:
		start = local;
	}
	int owner = list_owner(t, start, local);
	const uint16_t *l = t->fallback[owner];
	int len = t->fallback_len[owner];
	if (m->mode == NODAL_MPOL_PREFERRED_MANY) {
		for (int pass = 1; pass <= 2; pass++)
			for (int i = 0; i < len; i++) {
				int x = l[i];
				bool first_pass = node_isset(x, &m->nodes) && !node_isset(x, pressure);
				if (node_isset(x, &usable) && (pass == 1) == first_pass)
					out[n++] = x;
			}
		return n;
	}
	for (int i = 0; i < len; i++) {
		int x = l[i];
		if (!node_isset(x, &usable))
			continue;
		if (m->mode == NODAL_MPOL_BIND && overlap && !node_isset(x, &m->nodes))
			continue;
		out[n++] = x;
	}
	return n;
}

/* Masks worth trying on @t: singles, pairs, triples, all memory, one past the end. */
static int masks_for(const struct nodal_topology *t, nodemask_t *out)
{
	int k = 0, a, b;
	nodes_clear(&out[k++]);
	for_each_node_mask(a, &t->possible)
	{
		nodes_clear(&out[k]);
		node_set(a, &out[k++]);
		b = next_node(a, &t->possible);
		if (b < NODAL_MAX_NUMNODES) {
			nodes_clear(&out[k]);
			node_set(a, &out[k]);
			node_set(b, &out[k++]);
			int c = next_node(b, &t->possible);
			if (c < NODAL_MAX_NUMNODES) {
				out[k] = out[k - 1];
				node_set(c, &out[k++]);
			}
		}
		if (k > 40)
			break;
	}
	out[k++] = t->memory;
	nodes_clear(&out[k]);
	node_set(t->nr_node_ids, &out[k++]);
	return k;
}

/* Allowed sets: all memory, all but the first memory node, the last two memory nodes. */
static int allowed_for(const struct nodal_topology *t, nodemask_t *out)
{
	int k = 0;
	out[k++] = t->memory;
	out[k] = t->memory;
	node_clear(first_node(&t->memory), &out[k]);
	if (!nodes_empty(&out[k]))
		k++;
	nodes_clear(&out[k]);
	int last = last_node(&t->memory);
	node_set(last, &out[k]);
	int prev = -1, n;
	for_each_node_mask(n, &t->memory) if (n < last) prev = n;
	if (prev >= 0)
		node_set(prev, &out[k]);
	k++;
	return k;
}

struct tally {
	long policies, refusals, walks;
};

static void sweep_one(const struct nodal_topology *t, const char *name, int mode, unsigned fl, const nodemask_t *mask,
                      const nodemask_t *allowed, int nallowed, int ai, int home, struct tally *tally)
{
	struct nodal_policy_spec s = MT_SPEC(mode, fl, "", home);
	s.nodes = (*mask);
	s.has_nodes = !nodes_empty(mask);
	struct nodal_mpol_env env = {.topo = t, .allowed = allowed[ai]};
	struct nodal_mempolicy *p = NULL;
	int err = nodal_mpol_new(&s, &env, &p);
	struct model m = model_new(t, mode, fl, mask, &allowed[ai], home);
	char mb[64];
	test_format_mask(mask, mb, sizeof(mb));
	if (err != m.err)
		cr_assert_fail("%s mode %d flags %#x mask %s allowed#%d home %d: "
		               "errno %d, model %d (%s)",
		               name, mode, fl, mb, ai, home, err, m.err, nodal_last_error());
	if (err) {
		tally->refusals++;
		return;
	}
	tally->policies++;
	if (p->mode != m.mode || !nodes_equal(&p->nodes, &m.nodes))
		cr_assert_fail("%s mode %d mask %s: effective nodes differ", name, mode, mb);
	/* contexts */
	for (int local = 0; local < t->nr_node_ids; local++) {
		if (!t->fallback_len[local])
			continue;
		for (int ci = 0; ci < nallowed; ci++)
			for (int fu = 0; fu < 3; fu++)
				for (int pr = 0; pr < 2; pr++) {
					nodemask_t full = NODE_MASK_NONE, press = NODE_MASK_NONE;
					if (fu == 1)
						node_set(local, &full);
					if (fu == 2 && !nodes_empty(&m.nodes))
						node_set(first_node(&m.nodes), &full);
					if (pr)
						press = m.nodes;
					struct nodal_mpol_ctx ctx = {.topo = t,
					                             .allowed = &allowed[ci],
					                             .full = &full,
					                             .pressure = &press,
					                             .local_node = local};
					int got[NODAL_MAX_NUMNODES], want[NODAL_MAX_NUMNODES];
					int ng = nodal_mpol_candidates(p, &ctx, got, NODAL_MAX_NUMNODES);
					int nw =
					    model_cands(t, &m, p->home_node, &allowed[ci], local, &full, &press, want);
					char gs[256], ws[256];
					mt_format_order(got, ng, gs, sizeof(gs));
					mt_format_order(want, nw, ws, sizeof(ws));
					if (strcmp(gs, ws))
						cr_assert_fail("%s mode %d flags %#x mask %s "
						               "home %d local %d allowed#%d "
						               "full %d pressure %d: '%s' vs "
						               "model '%s'",
						               name, mode, fl, mb, p->home_node, local, ci, fu, pr, gs,
						               ws);
					tally->walks++;
				}
	}
	nodal_mpol_free(p);
}

static void sweep(const struct nodal_topology *t, const char *name, struct tally *tally)
{
	static const unsigned flagsets[] = {
	    0, STATIC, RELATIVE, NUMA_BAL, STATIC | NUMA_BAL, RELATIVE | NUMA_BAL, STATIC | RELATIVE};
	nodemask_t masks[64], allowed[4];
	int nmask = masks_for(t, masks), nallowed = allowed_for(t, allowed);
	int homes[] = {-1, first_node(&t->possible), last_node(&t->possible)};
	for (int mode = 0; mode < NODAL_MODE_COUNT; mode++)
		for (size_t fi = 0; fi < sizeof(flagsets) / sizeof(flagsets[0]); fi++)
			for (int mi = 0; mi < nmask; mi++)
				for (int ai = 0; ai < nallowed; ai++)
					for (int hi = 0; hi < 3; hi++)
						sweep_one(t, name, mode, flagsets[fi], &masks[mi], allowed, nallowed,
						          ai, homes[hi], tally);
}

Test(mpol_model, every_mode_flags_hand_built_topology)
{
	struct tally tally = {0};
	for (const char *const *name = mt_names; *name; name++) {
		if (!strcmp(*name, "n64"))
			continue; /* the bench's machine; its masks add nothing here */
		struct nodal_topology *t = mt_get(*name);
		sweep(t, *name, &tally);
		mt_free(t);
	}
	cr_log_info("%ld policies, %ld refusals, %ld candidate orders compared", tally.policies, tally.refusals,
	            tally.walks);
	cr_assert_gt(tally.policies, 1000);
	cr_assert_gt(tally.refusals, 1000);
	cr_assert_gt(tally.walks, 100000);
}

/* The same on the conformance machines as nodal_topology_load() reads them (hwloc XML,
 * fallback.c's boot lists), and rebuilt for hotplug with their last memory node private. */
Test(mpol_model, every_mode_flags_conformance_xml)
{
	static const char *const xmls[] = {
	    "T01-two-node",     "T03-four-equal-2cpuless", "T04-line-cpu-on-pxm2",    "T05-8n-2socket-16-32",
	    "T07-asymmetric-4", "T08-cpuless-plus1",       "T09-memoryless-cpu-node", "T10-possible-offline-node",
	    "T13-3n-triangle"};
	struct tally tally = {0};
	int machines = 0;
	for (size_t i = 0; i < sizeof(xmls) / sizeof(xmls[0]); i++) {
		char rel[128];
		snprintf(rel, sizeof(rel), "conformance/xml/%s.xml", xmls[i]);
		struct nodal_topology *t;
		cr_assert_eq(nodal_topology_load(shared_path(rel), &t), 0, "%s: %s", rel, nodal_last_error());
		/* the boot lists as loaded; then the run-time rebuild with a private node */
		for (int variant = 0; variant < 2; variant++) {
			if (variant) {
				nodemask_t p = NODE_MASK_NONE;
				node_set(last_node(&t->memory), &p);
				cr_assert_eq(nodal_fallback_build(t, NODAL_FALLBACK_KERNEL_HOTPLUG, &p), 0, "%s",
				             nodal_last_error());
			}
			sweep(t, xmls[i], &tally);
			machines++;
		}
		nodal_topology_free(t);
	}
	cr_log_info("%d machines: %ld policies, %ld refusals, %ld candidate orders compared", machines, tally.policies,
	            tally.refusals, tally.walks);
	cr_assert_gt(tally.walks, 100000);
}
