/*
 * weighted_interleave.c — MPOL_WEIGHTED_INTERLEAVE: like INTERLEAVE, but the cursor
 * stays on node n for weight[n] allocations, so every full round of sum(weights)
 * allocations from a fresh cursor puts exactly weight[n] on each node n.
 *
 * Weights are per policy (the kernel has one global table): the spec's own, else the
 * caller's defaults (env->default_weights: NODAL_WEIGHTS, sysfs, hwloc bandwidth — see
 * weights.h), else 1. They are indexed by node id and survive rebinding unchanged, as
 * the kernel's global table does.
 *
 * kernel: weighted_interleave_nodes() — if il_weight is 0 or il_prev left the nodes,
 * move to next_node_in(il_prev) and load its weight; then use one unit of it.
 */
#include "mpol_impl.h"

static int wi_create(struct nodal_mempolicy *pol, const struct nodal_policy_spec *spec,
		     const struct nodal_mpol_env *env)
{
	int err = nodal_mpol_create_nodemask(pol, spec, env);
	if (err)
		return err;
	for (int n = 0; n < NODAL_MAX_NUMNODES; n++) {
		uint8_t w = spec->has_weights ? spec->weights[n] : 0;
		if (!w && env->default_weights)
			w = env->default_weights[n];
		pol->weights[n] = w ? w : 1;
	}
	return 0;
}

static int wi_first(struct nodal_mpol_iter *it)
{
	const struct nodal_mempolicy *pol = it->pol;
	const nodemask_t *allowed = it->ctx->allowed;
	struct nodal_il_cursor *il = it->ctx->il;
	int n;
	if (!il) {
		n = nodal_il_next(pol, it->ctx, -1);
	} else {
		n = il->il_prev;
		if (!il->il_weight || n < 0 || n >= NODAL_MAX_NUMNODES || !nodal_il_contains(pol, allowed, n)) {
			n = nodal_il_next(pol, it->ctx, n < NODAL_MAX_NUMNODES ? n : -1);
			if (n >= 0) {
				il->il_prev = n;
				il->il_weight = pol->weights[n] ? pol->weights[n] : 1;
			}
		}
		if (n >= 0)
			il->il_weight--;
	}
	if (n < 0)
		return walk_stop(it);
	walk_begin(it, n, WALK_ALLOWED);
	return walk_scan(it);
}

const struct nodal_mpol_ops nodal_mpol_weighted_interleave_ops = {
	.name = "weighted-interleave",
	.create = wi_create,
	.rebind = nodal_mpol_rebind_nodemask,
	.first = wi_first,
	.next = nodal_mpol_walk_next,
	.flags_ok = NODAL_F_STATIC | NODAL_F_RELATIVE,
	.weights_ok = true,
};
