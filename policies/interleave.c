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

/* kernel next_node_in(prev, a & b & ~c) over the first @words words; -1 if that is empty.
 * Bounded by the topology's node ids, so a 2-node machine scans one word, not 16. */
static int next_in_words(int prev, const uint64_t *a, const uint64_t *b, const uint64_t *c, int words)
{
	unsigned start = (unsigned)(prev + 1);
	for (int wrapped = 0; wrapped < 2; wrapped++) {
		unsigned from = wrapped ? 0 : start;
		for (unsigned w = from / 64; w < (unsigned)words; w++) {
			uint64_t v = a[w] & b[w] & ~(c ? c[w] : 0);
			if (w == from / 64 && from % 64)
				v &= ~UINT64_C(0) << (from % 64);
			if (v)
				return (int)(w * 64 + (unsigned)__builtin_ctzll(v));
		}
	}
	return -1;
}

/* next_node_in() over nodes ∩ allowed (or the allowed nodes when that is empty). */
int nodal_il_next(const struct nodal_mempolicy *pol, const struct nodal_mpol_ctx *ctx, int prev)
{
	int words = (ctx->topo->nr_node_ids + 63) / 64;
	const uint64_t *allowed = ctx->allowed->bits;
	int n = next_in_words(prev, pol->nodes.bits, allowed, NULL, words);
	if (n >= 0)
		return n;
	return next_in_words(prev, allowed, allowed, pol->forbidden.bits, words);
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
	int n = nodal_il_next(it->pol, it->ctx, il ? il->il_prev : -1);
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
