/*
 * mpol_impl.h — what the per-mode rows in policies/<mode>.c share with the generic code
 * in src/mempolicy.c: the kernel's creation helpers and the candidate-walk primitives.
 * Internal to the policy engine (not for callers of mempolicy.h).
 *
 * The walk primitives are inline because they are the allocation path: a candidate is
 * a node of the current fallback list that is allowed, not full and not forbidden (a
 * private node the policy does not name); a mode adds its own filter (its nodes, the
 * pressure set). Nothing here allocates, locks or calls the kernel.
 */
#ifndef NODAL_MPOL_IMPL_H
#define NODAL_MPOL_IMPL_H

#include <nodal.h>

#include "mempolicy.h"
#include "msg.h"

extern const struct nodal_mpol_ops nodal_mpol_default_ops;
extern const struct nodal_mpol_ops nodal_mpol_local_ops;
extern const struct nodal_mpol_ops nodal_mpol_preferred_ops;
extern const struct nodal_mpol_ops nodal_mpol_preferred_many_ops;
extern const struct nodal_mpol_ops nodal_mpol_bind_ops;
extern const struct nodal_mpol_ops nodal_mpol_interleave_ops;
extern const struct nodal_mpol_ops nodal_mpol_weighted_interleave_ops;

#define NODAL_F_ALL (NODAL_F_STATIC | NODAL_F_RELATIVE | NODAL_F_NUMA_BALANCING)

/* --- creation (src/mempolicy.c) ----------------------------------------------------- */

/*
 * kernel: mpol_set_nodemask() — the mask the mode's create step receives: the user's mask
 * folded onto the allowed memory nodes (RELATIVE) or intersected with them; "allowed"
 * excludes the private nodes this policy may not use. The caller has already stored
 * user_nodemask and cpuset_mems_allowed in @pol.
 */
void nodal_mpol_set_nodemask(const struct nodal_mempolicy *pol, const struct nodal_policy_spec *spec,
			     const struct nodal_mpol_env *env, nodemask_t *out);
/* kernel: mpol_new() for the modes that need a non-empty mask; EINVAL with a message. */
int nodal_mpol_need_nodes(const struct nodal_mempolicy *pol, const struct nodal_policy_spec *spec);
/* The message for "no requested node is allowed" (mpol_set_nodemask's EINVAL). */
int nodal_mpol_none_allowed(const struct nodal_mempolicy *pol, const struct nodal_policy_spec *spec);

/* kernel: mpol_new_nodemask() (BIND, INTERLEAVE, PREFERRED_MANY, WEIGHTED_INTERLEAVE). */
int nodal_mpol_create_nodemask(struct nodal_mempolicy *pol, const struct nodal_policy_spec *spec,
			       const struct nodal_mpol_env *env);
/* kernel: mpol_rebind_nodemask() and mpol_rebind_preferred(). */
void nodal_mpol_rebind_nodemask(struct nodal_mempolicy *pol, const nodemask_t *new_allowed);
void nodal_mpol_rebind_preferred(struct nodal_mempolicy *pol, const nodemask_t *new_allowed);
void nodal_mpol_rebind_none(struct nodal_mempolicy *pol, const nodemask_t *new_allowed);
/* LOCAL-style walk (also what DEFAULT resolves to when asked directly). */
int nodal_mpol_local_first(struct nodal_mpol_iter *it);
int nodal_mpol_walk_next(struct nodal_mpol_iter *it);
/* interleave.c: next_node_in() over the nodes an interleave currently uses, and whether
 * @n is one of them (shared by INTERLEAVE and WEIGHTED_INTERLEAVE); -1 when none. */
int nodal_il_next(const struct nodal_mempolicy *pol, const struct nodal_mpol_ctx *ctx, int prev);
bool nodal_il_contains(const struct nodal_mempolicy *pol, const nodemask_t *allowed, int n);

/* --- the walk ----------------------------------------------------------------------- */

/* Walk filters, kept in it->pass. */
enum {
	WALK_ALLOWED = 0, /* allowed, not full, not forbidden */
	WALK_NODES,       /* ... and in pol->nodes */
	WALK_PM_PASS1,    /* ... in pol->nodes and not under pressure (PREFERRED_MANY) */
	WALK_PM_PASS2,    /* ... not already offered by pass 1 (PREFERRED_MANY) */
	WALK_DONE,        /* nothing more */
};

/* The node whose fallback list a walk from @start uses: @start itself, or — for a node
 * without a list, which a well-formed topology only has for CPU-less memoryless nodes —
 * the local node's, then the first memory node's; -1 if there is no list at all. */
static inline int walk_owner(const struct nodal_mpol_ctx *ctx, int start)
{
	const struct nodal_topology *t = ctx->topo;
	if (start >= 0 && start < t->nr_node_ids && t->fallback_len[start])
		return start;
	start = ctx->local_node;
	if (start >= 0 && start < t->nr_node_ids && t->fallback_len[start])
		return start;
	start = first_node(&t->memory);
	return start < t->nr_node_ids && t->fallback_len[start] ? start : -1;
}

/*
 * The acceptable nodes of pass @pass: allowed, not full, not forbidden, and the pass's
 * own condition. Computed once per pass over the words that hold node ids of this
 * topology (one word up to 64 nodes), so the list walk is one bit test per entry.
 */
static inline void walk_filter(struct nodal_mpol_iter *it, int pass)
{
	const struct nodal_mpol_ctx *c = it->ctx;
	const struct nodal_mempolicy *pol = it->pol;
	int words = (c->topo->nr_node_ids + 63) / 64;
	it->pass = pass;
	for (int w = 0; w < words; w++) {
		uint64_t f = c->allowed->bits[w] & ~pol->forbidden.bits[w];
		uint64_t press = c->pressure ? c->pressure->bits[w] : 0;
		if (c->full)
			f &= ~c->full->bits[w];
		if (pass == WALK_NODES)
			f &= pol->nodes.bits[w];
		else if (pass == WALK_PM_PASS1)
			f &= pol->nodes.bits[w] & ~press;
		else if (pass == WALK_PM_PASS2)
			f &= ~(pol->nodes.bits[w] & ~press);
		else if (pass == WALK_DONE)
			f = 0;
		it->filter.bits[w] = f;
	}
}

/* Position the walk at the start of @start's fallback list with filter @pass. */
static inline void walk_begin(struct nodal_mpol_iter *it, int start, int pass)
{
	const struct nodal_topology *t = it->ctx->topo;
	start = walk_owner(it->ctx, start);
	it->pos = 0;
	walk_filter(it, pass);
	if (start < 0) {
		it->list = NULL;
		it->len = 0;
		return;
	}
	it->list = t->fallback[start];
	it->len = t->fallback_len[start];
}

/* Restart the same list with another filter (the next pass). */
static inline void walk_restart(struct nodal_mpol_iter *it, int pass)
{
	it->pos = 0;
	walk_filter(it, pass);
}

/* End the walk: no (more) candidates. */
static inline int walk_stop(struct nodal_mpol_iter *it)
{
	it->list = NULL;
	it->len = it->pos = 0;
	it->pass = WALK_DONE;
	return -1;
}

/* The next acceptable node of the current list, or -1 at its end. */
static inline int walk_scan(struct nodal_mpol_iter *it)
{
	while (it->pos < it->len) {
		unsigned n = it->list[it->pos++];
		if ((it->filter.bits[n / 64] >> (n % 64)) & 1)
			return (int)n;
	}
	return -1;
}

/* BIND / PREFERRED_MANY: home node, else the policy's own private node, else local. */
static inline int walk_home_start(const struct nodal_mpol_iter *it)
{
	const struct nodal_mempolicy *pol = it->pol;
	if (pol->home_node >= 0)
		return pol->home_node;
	if (pol->private_home >= 0)
		return pol->private_home;
	return it->ctx->local_node;
}

#endif
