/*
 * preferred_many.c — MPOL_PREFERRED_MANY: from the home node (else the local node), first
 * the policy's nodes in that node's fallback order, skipping nodes under pressure; then
 * every other allowed node in the same order (the pressured nodes included). Never
 * remapped by a cpuset change: the allowed nodes filter it at allocation time, and when
 * none of its nodes is allowed, pass 2 alone remains (what the real kernel does).
 *
 * kernel: mpol_new_nodemask(), mpol_rebind_preferred(), alloc_pages_preferred_many().
 */
#include "mpol_impl.h"

static int pm_first(struct nodal_mpol_iter *it)
{
	walk_begin(it, walk_home_start(it), WALK_PM_PASS1);
	int n = walk_scan(it);
	if (n >= 0)
		return n;
	walk_restart(it, WALK_PM_PASS2);
	return walk_scan(it);
}

static int pm_next(struct nodal_mpol_iter *it)
{
	int n = walk_scan(it);
	if (n >= 0 || it->pass != WALK_PM_PASS1)
		return n;
	walk_restart(it, WALK_PM_PASS2);
	return walk_scan(it);
}

const struct nodal_mpol_ops nodal_mpol_preferred_many_ops = {
	.name = "preferred-many",
	.create = nodal_mpol_create_nodemask,
	.rebind = nodal_mpol_rebind_preferred,
	.first = pm_first,
	.next = pm_next,
	.flags_ok = NODAL_F_STATIC | NODAL_F_RELATIVE | NODAL_F_NUMA_BALANCING,
	.home_ok = true,
	.private_ok = true,
};
