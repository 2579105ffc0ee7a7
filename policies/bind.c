/*
 * bind.c — MPOL_BIND: only the policy's nodes, in the fallback order of the home node
 * (else the local node); nothing else, ever (ENOMEM, never an OOM kill). When none of
 * its nodes is allowed the mask is ignored and the allowed nodes are used instead
 * (kernel: cpuset_nodemask_valid_mems_allowed() in policy_nodemask()).
 *
 * Fast path: a single-node BIND is decided without walking the list — the node is in
 * the start node's list exactly when it is a memory node that is not private, or is the
 * start node itself (fallback.h: private nodes appear only in their own list).
 *
 * kernel: mpol_new_nodemask(), mpol_rebind_nodemask().
 */
#include "mpol_impl.h"

static int bind_first(struct nodal_mpol_iter *it)
{
	const struct nodal_mempolicy *pol = it->pol;
	const struct nodal_mpol_ctx *ctx = it->ctx;
	int start = walk_home_start(it);
	int n = pol->single;
	if (n >= 0 && node_isset(n, ctx->allowed)) {
		const struct nodal_topology *t = ctx->topo;
		walk_stop(it);
		if ((ctx->full && node_isset(n, ctx->full)) || !node_isset(n, &t->memory))
			return -1;
		if (node_isset(n, &t->private_nodes) && n != walk_owner(ctx, start))
			return -1;
		return n;
	}
	walk_begin(it, start, WALK_NODES);
	n = walk_scan(it);
	if (n >= 0 || nodes_intersects(&pol->nodes, ctx->allowed))
		return n;
	/* no node of the policy is allowed: the kernel ignores the mask */
	walk_restart(it, WALK_ALLOWED);
	return walk_scan(it);
}

const struct nodal_mpol_ops nodal_mpol_bind_ops = {
	.name = "bind",
	.create = nodal_mpol_create_nodemask,
	.rebind = nodal_mpol_rebind_nodemask,
	.first = bind_first,
	.next = nodal_mpol_walk_next,
	.flags_ok = NODAL_F_STATIC | NODAL_F_RELATIVE | NODAL_F_NUMA_BALANCING,
	.home_ok = true,
	.private_ok = true,
};
