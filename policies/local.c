/*
 * local.c — MPOL_LOCAL: the node of the CPU the thread runs on now, then that node's
 * fallback list, filtered by the allowed nodes. The system default policy.
 *
 * kernel: mpol_new() refuses LOCAL with a mask or with static/relative; no rebinding.
 */
#include <errno.h>

#include "mpol_impl.h"

static int local_create(struct nodal_mempolicy *pol, const struct nodal_policy_spec *spec,
			const struct nodal_mpol_env *env)
{
	(void)pol;
	(void)env;
	if (!nodes_empty(&spec->nodes)) {
		nodal_set_error("local: takes no node list");
		return EINVAL;
	}
	if (spec->flags & (NODAL_F_STATIC | NODAL_F_RELATIVE)) {
		nodal_set_error("local: takes no 'static' or 'relative' flag");
		return EINVAL;
	}
	return 0;
}

const struct nodal_mpol_ops nodal_mpol_local_ops = {
	.name = "local",
	.create = local_create,
	.rebind = nodal_mpol_rebind_none,
	.first = nodal_mpol_local_first,
	.next = nodal_mpol_walk_next,
	.flags_ok = 0,
};
