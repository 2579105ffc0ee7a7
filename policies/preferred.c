/*
 * preferred.c — MPOL_PREFERRED: one node first, then that node's fallback list filtered
 * by the allowed nodes (so a preferred node outside the allowed set lands on the first
 * allowed node of *its* list, as the real kernel does in rebind-vectors.tsv).
 *
 * kernel: mpol_new() turns PREFERRED with an empty mask into LOCAL (EINVAL if static or
 * relative was asked); mpol_new_preferred() keeps only the first node of the mask;
 * mpol_rebind_preferred() never remaps it.
 */
#include <errno.h>

#include "mpol_impl.h"

static int preferred_create(struct nodal_mempolicy *pol, const struct nodal_policy_spec *spec,
			    const struct nodal_mpol_env *env)
{
	if (nodes_empty(&spec->nodes)) {
		if (spec->flags & (NODAL_F_STATIC | NODAL_F_RELATIVE)) {
			nodal_set_error("preferred: 'static' or 'relative' needs a node");
			return EINVAL;
		}
		pol->mode = NODAL_MPOL_LOCAL;
		pol->ops = &nodal_mpol_local_ops;
		return 0;
	}
	nodemask_t mask;
	nodal_mpol_set_nodemask(pol, spec, env, &mask);
	if (nodes_empty(&mask))
		return nodal_mpol_none_allowed(pol, spec);
	nodes_clear(&pol->nodes);
	node_set(first_node(&mask), &pol->nodes);
	return 0;
}

static int preferred_first(struct nodal_mpol_iter *it)
{
	walk_begin(it, first_node(&it->pol->nodes), WALK_ALLOWED);
	return walk_scan(it);
}

const struct nodal_mpol_ops nodal_mpol_preferred_ops = {
	.name = "preferred",
	.create = preferred_create,
	.rebind = nodal_mpol_rebind_preferred,
	.first = preferred_first,
	.next = nodal_mpol_walk_next,
	.flags_ok = NODAL_F_STATIC | NODAL_F_RELATIVE,
	.private_ok = true,
};
