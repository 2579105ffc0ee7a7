/*
 * interleave.c — MPOL_INTERLEAVE: each allocation starts on the next node of the
 * policy's nodes (those currently allowed) after the thread's cursor, then falls back
 * along that node's list filtered by the allowed nodes.
 *
 * kernel: interleave_nodes() — nid = next_node_in(il_prev, nodes); il_prev = nid.
 * When no node of the policy is allowed (a cpuset change not yet rebound) the allowed
 * nodes themselves are interleaved, which is what rebinding would produce.
 */
#include "mpol_impl.h"

/* next_node_in() over nodes ∩ allowed (or the allowed nodes when that is empty). */
int nodal_il_next(const struct nodal_mempolicy *pol, const nodemask_t *allowed, int prev)
{
	int n = prev, first = -1;
	for (;;) {
		n = next_node_in(n, &pol->nodes);
		if (n >= NODAL_MAX_NUMNODES || n == first)
			break;
		if (node_isset(n, allowed))
			return n;
		if (first < 0)
			first = n;
	}
	nodemask_t eff;
	nodes_andnot(&eff, allowed, &pol->forbidden);
	n = next_node_in(prev, &eff);
	return n < NODAL_MAX_NUMNODES ? n : -1;
}

/* Is @n in the set nodal_il_next() walks? */
bool nodal_il_contains(const struct nodal_mempolicy *pol, const nodemask_t *allowed, int n)
{
	if (!node_isset(n, allowed))
		return false;
	if (node_isset(n, &pol->nodes))
		return true;
	return !nodes_intersects(&pol->nodes, allowed) && !node_isset(n, &pol->forbidden);
}

static int interleave_first(struct nodal_mpol_iter *it)
{
	struct nodal_il_cursor *il = it->ctx->il;
	int n = nodal_il_next(it->pol, it->ctx->allowed, il ? il->il_prev : -1);
	if (n < 0)
		return walk_stop(it);
	if (il)
		il->il_prev = n;
	walk_begin(it, n, WALK_ALLOWED);
	return walk_scan(it);
}

const struct nodal_mpol_ops nodal_mpol_interleave_ops = {
	.name = "interleave",
	.create = nodal_mpol_create_nodemask,
	.rebind = nodal_mpol_rebind_nodemask,
	.first = interleave_first,
	.next = nodal_mpol_walk_next,
	.flags_ok = NODAL_F_STATIC | NODAL_F_RELATIVE,
};
