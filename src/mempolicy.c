/*
 * mempolicy.c — the generic half of the policy engine: the kernel's sanitize_mpol_flags()
 * and the mode-independent parts of mpol_new() / mpol_set_nodemask(), the private-node
 * rule, set_mempolicy_home_node()'s checks, rebinding into a new object, and the
 * candidate walk's entry points. Everything that depends on the mode goes through the
 * row of nodal_mpol_ops_table (policies/<mode>.c); this file never switches on it.
 *
 * Objects come from ialloc (never malloc: this runs inside the preloaded allocator).
 * Creation and rebinding are slow paths; the walk (nodal_mpol_first/next) is the
 * allocation path and only reads the policy, the topology and the caller's context.
 */
#include "mempolicy.h"

#include <errno.h>
#include <string.h>

#include "../policies/mpol_impl.h"
#include "ialloc.h"
#include "msg.h"

const struct nodal_mpol_ops *const nodal_mpol_ops_table[NODAL_MODE_COUNT] = {
	[NODAL_MPOL_DEFAULT] = &nodal_mpol_default_ops,
	[NODAL_MPOL_PREFERRED] = &nodal_mpol_preferred_ops,
	[NODAL_MPOL_BIND] = &nodal_mpol_bind_ops,
	[NODAL_MPOL_INTERLEAVE] = &nodal_mpol_interleave_ops,
	[NODAL_MPOL_LOCAL] = &nodal_mpol_local_ops,
	[NODAL_MPOL_PREFERRED_MANY] = &nodal_mpol_preferred_many_ops,
	[NODAL_MPOL_WEIGHTED_INTERLEAVE] = &nodal_mpol_weighted_interleave_ops,
};

/* kernel: mpol_set_nodemask() — mask1 = allowed ∩ N_MEMORY, then relative or and. */
void nodal_mpol_set_nodemask(const struct nodal_mempolicy *pol, const struct nodal_policy_spec *spec,
			     const struct nodal_mpol_env *env, nodemask_t *out)
{
	nodemask_t mems;
	nodes_and(&mems, &pol->cpuset_mems_allowed, &env->topo->memory);
	if (pol->flags & NODAL_F_RELATIVE)
		nodes_relative(out, &spec->nodes, &mems);
	else
		nodes_and(out, &spec->nodes, &mems);
}

int nodal_mpol_need_nodes(const struct nodal_mempolicy *pol, const struct nodal_policy_spec *spec)
{
	if (nodes_empty(&spec->nodes)) {
		nodal_set_error("%s: needs a non-empty node list", pol->ops->name);
		return EINVAL;
	}
	return 0;
}

int nodal_mpol_none_allowed(const struct nodal_mempolicy *pol, const struct nodal_policy_spec *spec)
{
	(void)spec;
	nodal_set_error("%s: none of the requested nodes is an allowed memory node (Mems_allowed)", pol->ops->name);
	return EINVAL;
}

/* kernel: mpol_new() (non-empty check) + mpol_set_nodemask() + mpol_new_nodemask(). */
int nodal_mpol_create_nodemask(struct nodal_mempolicy *pol, const struct nodal_policy_spec *spec,
			       const struct nodal_mpol_env *env)
{
	int err = nodal_mpol_need_nodes(pol, spec);
	if (err)
		return err;
	nodemask_t mask;
	nodal_mpol_set_nodemask(pol, spec, env, &mask);
	if (nodes_empty(&mask))
		return nodal_mpol_none_allowed(pol, spec);
	pol->nodes = mask;
	return 0;
}

/* kernel: mpol_rebind_nodemask(). */
void nodal_mpol_rebind_nodemask(struct nodal_mempolicy *pol, const nodemask_t *new_allowed)
{
	nodemask_t tmp;
	if (pol->flags & NODAL_F_STATIC) {
		nodes_and(&tmp, &pol->user_nodemask, new_allowed);
	} else if (pol->flags & NODAL_F_RELATIVE) {
		nodes_relative(&tmp, &pol->user_nodemask, new_allowed);
	} else {
		nodes_remap(&tmp, &pol->nodes, &pol->cpuset_mems_allowed, new_allowed);
		pol->cpuset_mems_allowed = *new_allowed;
	}
	if (nodes_empty(&tmp))
		tmp = *new_allowed;
	pol->nodes = tmp;
}

/* kernel: mpol_rebind_preferred() — never remapped since 2021, only recorded. */
void nodal_mpol_rebind_preferred(struct nodal_mempolicy *pol, const nodemask_t *new_allowed)
{
	pol->cpuset_mems_allowed = *new_allowed;
}

/* kernel: mpol_rebind_default() (DEFAULT, LOCAL). */
void nodal_mpol_rebind_none(struct nodal_mempolicy *pol, const nodemask_t *new_allowed)
{
	(void)pol;
	(void)new_allowed;
}

/* The system default: LOCAL — the fallback list of the thread's node, filtered. */
int nodal_mpol_local_first(struct nodal_mpol_iter *it)
{
	walk_begin(it, it->ctx->local_node, WALK_ALLOWED);
	return walk_scan(it);
}

int nodal_mpol_walk_next(struct nodal_mpol_iter *it)
{
	return walk_scan(it);
}

/* What the walk needs that follows from the nodes: the single node, the private start. */
static void mpol_derive(struct nodal_mempolicy *pol)
{
	pol->single = nodes_weight(&pol->nodes) == 1 ? first_node(&pol->nodes) : -1;
	pol->private_home = -1;
	if (pol->ops->home_ok && pol->home_node < 0) {
		nodemask_t named;
		nodes_and(&named, &pol->nodes, &pol->named_private);
		if (!nodes_empty(&named))
			pol->private_home = first_node(&named);
	}
}

/* kernel: sanitize_mpol_flags(), get_nodes(), and the private-node rule. */
static int mpol_check_spec(const struct nodal_mpol_ops *ops, const struct nodal_policy_spec *spec,
			   const struct nodal_topology *t)
{
	unsigned fl = spec->flags;
	if (fl & ~NODAL_F_ALL) {
		nodal_set_error("%s: unknown mode flags 0x%x (expected static, relative, numa_balancing)", ops->name,
				fl & ~NODAL_F_ALL);
		return EINVAL;
	}
	if ((fl & NODAL_F_STATIC) && (fl & NODAL_F_RELATIVE)) {
		nodal_set_error("%s: 'static' and 'relative' exclude each other", ops->name);
		return EINVAL;
	}
	if ((fl & NODAL_F_NUMA_BALANCING) && !(ops->flags_ok & NODAL_F_NUMA_BALANCING)) {
		nodal_set_error("%s: numa_balancing is only valid with bind or preferred-many", ops->name);
		return EINVAL;
	}
	if (spec->has_weights && !ops->weights_ok) {
		nodal_set_error("%s: node weights are only for weighted-interleave", ops->name);
		return EINVAL;
	}
	if (!(fl & NODAL_F_RELATIVE)) {
		/* a relative mask holds positions, not nodes: any position is valid */
		nodemask_t bad;
		nodes_andnot(&bad, &spec->nodes, &t->possible);
		if (!nodes_empty(&bad)) {
			nodal_set_error("%s: node %d does not exist (possible nodes end at %d)", ops->name,
					first_node(&bad), last_node(&t->possible));
			return EINVAL;
		}
		nodemask_t priv;
		nodes_and(&priv, &spec->nodes, &t->private_nodes);
		if (!nodes_empty(&priv) && !(ops->private_ok && (fl & NODAL_F_STATIC))) {
			nodal_set_error("%s: node %d is private (NODAL_PRIVATE_NODES): only bind, preferred or "
					"preferred-many with =static may name it",
					ops->name, first_node(&priv));
			return EINVAL;
		}
	}
	return 0;
}

int nodal_mpol_new(const struct nodal_policy_spec *spec, const struct nodal_mpol_env *env,
		   struct nodal_mempolicy **out)
{
	*out = NULL;
	if (!spec || !env || !env->topo) {
		nodal_set_error("policy: no specification or no topology");
		return EINVAL;
	}
	if (spec->mode < 0 || spec->mode >= NODAL_MODE_COUNT) {
		nodal_set_error("policy mode %d does not exist (expected 0-%d, the kernel's MPOL_*)", spec->mode,
				NODAL_MODE_COUNT - 1);
		return EINVAL;
	}
	const struct nodal_topology *t = env->topo;
	const struct nodal_mpol_ops *ops = nodal_mpol_ops_table[spec->mode];
	int err = mpol_check_spec(ops, spec, t);
	if (err)
		return err;

	struct nodal_mempolicy *pol = nodal_icalloc(sizeof(*pol));
	if (!pol) {
		nodal_set_error("%s: out of memory for a policy object", ops->name);
		return ENOMEM;
	}
	pol->mode = spec->mode;
	pol->flags = spec->flags;
	pol->ops = ops;
	pol->home_node = -1;
	pol->user_nodemask = spec->nodes;
	nodes_clear(&pol->named_private);
	if (ops->private_ok && (spec->flags & NODAL_F_STATIC))
		nodes_and(&pol->named_private, &spec->nodes, &t->private_nodes);
	nodes_andnot(&pol->forbidden, &t->private_nodes, &pol->named_private);
	nodes_andnot(&pol->cpuset_mems_allowed, &env->allowed, &pol->forbidden);

	err = ops->create(pol, spec, env); /* may turn PREFERRED without nodes into LOCAL */
	if (err)
		goto fail;

	if (spec->home_node >= 0) { /* kernel: set_mempolicy_home_node() */
		if (spec->home_node >= t->nr_node_ids || !node_isset(spec->home_node, &t->online)) {
			nodal_set_error("%s: home node %d is not an online node", pol->ops->name, spec->home_node);
			err = EINVAL;
			goto fail;
		}
		if (!pol->ops->home_ok) {
			nodal_set_error("%s: a home node is only for bind and preferred-many", pol->ops->name);
			err = EOPNOTSUPP;
			goto fail;
		}
		if (node_isset(spec->home_node, &pol->forbidden)) {
			nodal_set_error("%s: home node %d is private and not named by this policy", pol->ops->name,
					spec->home_node);
			err = EINVAL;
			goto fail;
		}
		pol->home_node = spec->home_node;
	}
	mpol_derive(pol);
	*out = pol;
	return 0;
fail:
	nodal_ifree(pol);
	return err;
}

void nodal_mpol_free(struct nodal_mempolicy *pol)
{
	nodal_ifree(pol);
}

int nodal_mpol_rebind(const struct nodal_mempolicy *old, const nodemask_t *new_allowed,
		      struct nodal_mempolicy **out)
{
	*out = NULL;
	struct nodal_mempolicy *pol = nodal_icalloc(sizeof(*pol));
	if (!pol) {
		nodal_set_error("%s: out of memory for a rebound policy object", old->ops->name);
		return ENOMEM;
	}
	memcpy(pol, old, sizeof(*pol));
	/* a policy never learns about private nodes it does not name, whatever cpuset says */
	nodemask_t allowed;
	nodes_andnot(&allowed, new_allowed, &pol->forbidden);
	pol->ops->rebind(pol, &allowed);
	mpol_derive(pol);
	*out = pol;
	return 0;
}

int nodal_mpol_first(const struct nodal_mempolicy *pol, const struct nodal_mpol_ctx *ctx,
		     struct nodal_mpol_iter *it)
{
	it->pol = pol;
	it->ctx = ctx;
	return pol->ops->first(it);
}

int nodal_mpol_next(struct nodal_mpol_iter *it)
{
	return it->pol->ops->next(it);
}

int nodal_mpol_candidates(const struct nodal_mempolicy *pol, const struct nodal_mpol_ctx *ctx,
			  int *out, int max)
{
	struct nodal_mpol_iter it;
	int n = 0;
	for (int node = nodal_mpol_first(pol, ctx, &it); node >= 0; node = nodal_mpol_next(&it)) {
		if (n < max)
			out[n] = node;
		n++;
		if (n > NODAL_MAX_NUMNODES) /* a list never repeats a node; defend anyway */
			break;
	}
	return n;
}

void nodal_mpol_effective_nodes(const struct nodal_mempolicy *pol, const struct nodal_topology *t,
				const nodemask_t *allowed, nodemask_t *out)
{
	long round = 0;
	int n;
	nodes_clear(out);
	for_each_node_mask(n, allowed) round += pol->weights[n] ? pol->weights[n] : 1;
	bool any_cpu = false;
	for (n = 0; n < t->nr_node_ids; n++)
		any_cpu |= t->fallback_len[n] && node_isset(n, &t->cpu);
	for (int local = 0; local < t->nr_node_ids; local++) {
		if (!t->fallback_len[local] || (any_cpu && !node_isset(local, &t->cpu)))
			continue;
		struct nodal_il_cursor il = NODAL_IL_CURSOR_INIT;
		struct nodal_mpol_ctx ctx = { .topo = t, .allowed = allowed, .local_node = local, .il = &il };
		for (long i = 0; i < round; i++) {
			struct nodal_mpol_iter it;
			int node = nodal_mpol_first(pol, &ctx, &it);
			if (node >= 0)
				node_set(node, out);
		}
	}
}

void nodal_mpol_to_spec(const struct nodal_mempolicy *pol, struct nodal_policy_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->mode = pol->mode;
	spec->flags = pol->flags;
	spec->home_node = pol->home_node;
	spec->nodes = (pol->flags & (NODAL_F_STATIC | NODAL_F_RELATIVE)) ? pol->user_nodemask : pol->nodes;
	spec->has_nodes = !nodes_empty(&spec->nodes);
	if (pol->ops->weights_ok) {
		int n;
		spec->has_weights = true;
		for_each_node_mask(n, &spec->nodes) spec->weights[n] = pol->weights[n] ? pol->weights[n] : 1;
	}
}
