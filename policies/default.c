/*
 * default.c — MPOL_DEFAULT: no policy of its own; the allocation defers to the next
 * scope (heap → thread → process → the system default, LOCAL). Resolving a DEFAULT object
 * directly therefore walks like LOCAL.
 *
 * kernel: mpol_new() returns no policy for MPOL_DEFAULT and refuses a non-empty mask;
 * sanitize_mpol_flags() lets static/relative through and mpol_new() then ignores them.
 */
#include <errno.h>

#include "mpol_impl.h"

static int default_create(struct nodal_mempolicy *pol, const struct nodal_policy_spec *spec,
			  const struct nodal_mpol_env *env)
{
	(void)env;
	if (!nodes_empty(&spec->nodes)) {
		nodal_set_error("default: takes no node list");
		return EINVAL;
	}
	pol->flags = 0; /* the kernel keeps no policy, hence no flags */
	nodes_clear(&pol->user_nodemask);
	return 0;
}

const struct nodal_mpol_ops nodal_mpol_default_ops = {
	.name = "default",
	.create = default_create,
	.rebind = nodal_mpol_rebind_none,
	.first = nodal_mpol_local_first,
	.next = nodal_mpol_walk_next,
	.flags_ok = NODAL_F_STATIC | NODAL_F_RELATIVE,
};
