/*
 * mempolicy.h — policy objects: validation the kernel's way, rebinding, and resolution
 * of a policy to the ordered candidate nodes of one allocation.
 *
 * Owns: struct nodal_mempolicy and the per-mode ops table (policies/<mode>.c, one row
 * each: create/validate, rebind, resolve — generic code never switches on the mode).
 * Semantics: ../shared/DESIGN.md "Policy modes", "Rebinding", and the kernel's
 * mm/mempolicy.c (sanitize_mpol_flags, mpol_new, mpol_set_nodemask,
 * mpol_rebind_nodemask, mpol_rebind_preferred, interleave_nodes, weighted_interleave_nodes).
 *
 * Objects: a policy is IMMUTABLE once nodal_mpol_new() returns it (lock-free swapping
 * relies on this). Rebinding builds a new object. Objects live in ialloc memory (never
 * malloc); nodal_mpol_free() releases one — callers that publish policies retire them
 * through epoch.h so no reader still holds them.
 *
 * Resolution never allocates, never calls the kernel and takes no lock: it reads the
 * immutable topology (fallback lists), the policy and a caller-owned context. The only
 * mutable state is the caller's interleave cursor (per thread, per policy).
 *
 * Errors: 0 or the kernel's errno (EINVAL mostly), with a one-line reason recorded by
 * nodal_set_error() (msg.h), e.g. "policy 'bind:': bind needs a non-empty node list".
 */
#ifndef NODAL_MEMPOLICY_H
#define NODAL_MEMPOLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "nodemask.h"
#include "policy_spec.h"
#include "topology.h"

struct nodal_mpol_ops;

struct nodal_mempolicy {
	int mode;             /* NODAL_MPOL_* (kernel uapi values, include/nodal.h) */
	unsigned flags;       /* NODAL_F_STATIC / NODAL_F_RELATIVE / NODAL_F_NUMA_BALANCING */
	nodemask_t nodes;     /* effective nodes (kernel pol->nodes) */
	nodemask_t user_nodemask;       /* as given, for STATIC / RELATIVE rebinding */
	nodemask_t cpuset_mems_allowed; /* allowed set this object was made against */
	int home_node;        /* -1 none (BIND, PREFERRED_MANY only) */
	uint8_t weights[NODAL_MAX_NUMNODES]; /* effective weights (WEIGHTED_INTERLEAVE), >= 1 */
	const struct nodal_mpol_ops *ops;
};

/* What creation and rebinding validate against. */
struct nodal_mpol_env {
	const struct nodal_topology *topo; /* possible/memory nodes, private nodes, fallback */
	nodemask_t allowed;                /* the task's allowed nodes (Mems_allowed) */
	/* default weights for WEIGHTED_INTERLEAVE when the spec has none: NODAL_WEIGHTS,
	 * then sysfs, then hwloc bandwidth, then 1 — filled by the caller; NULL = all 1 */
	const uint8_t *default_weights;
};

/* Per-thread interleave cursor (kernel task->il_prev / il_weight). Zero-initialise. */
struct nodal_il_cursor {
	int il_prev;     /* last node handed out, -1 at start */
	int il_weight;   /* remaining allocations on il_prev (weighted) */
};

/* The context of one allocation. */
struct nodal_mpol_ctx {
	const struct nodal_topology *topo;
	const nodemask_t *allowed;  /* the task's allowed nodes now */
	const nodemask_t *full;     /* nodes to skip (capacity); NULL = none full */
	const nodemask_t *pressure; /* PREFERRED_MANY pass 1 skips these; NULL = none */
	int local_node;             /* node of the CPU the thread runs on now */
	struct nodal_il_cursor *il; /* interleave cursor; NULL = always start at first node */
};

/* Iterator over the ordered candidates; opaque to callers. */
struct nodal_mpol_iter {
	const struct nodal_mempolicy *pol;
	const struct nodal_mpol_ctx *ctx;
	const uint16_t *list; /* fallback list being walked */
	int len, pos;
	int pass;             /* PREFERRED_MANY: 1 then 2 */
	nodemask_t filter;    /* nodes ∩ allowed (or allowed) for the current pass */
};

struct nodal_mpol_ops {
	const char *name;
	/* mpol_new + mpol_set_nodemask for this mode: fill @pol from @spec or fail. */
	int (*create)(struct nodal_mempolicy *pol, const struct nodal_policy_spec *spec,
		      const struct nodal_mpol_env *env);
	/* mpol_rebind_*: @pol is a fresh copy of the old object, edit it for @new_allowed. */
	void (*rebind)(struct nodal_mempolicy *pol, const nodemask_t *new_allowed);
	/* Start a candidate walk: returns the first candidate node or -1 (none: ENOMEM). */
	int (*first)(struct nodal_mpol_iter *it);
	/* Next candidate or -1. */
	int (*next)(struct nodal_mpol_iter *it);
};

extern const struct nodal_mpol_ops *const nodal_mpol_ops_table[]; /* indexed by mode */

/* Validate @spec the kernel's way (plus the private-node rule) and build an object. */
int nodal_mpol_new(const struct nodal_policy_spec *spec, const struct nodal_mpol_env *env,
		   struct nodal_mempolicy **out);
void nodal_mpol_free(struct nodal_mempolicy *pol);

/* A new object for @new_allowed (the kernel's rebind arithmetic); @old is untouched. */
int nodal_mpol_rebind(const struct nodal_mempolicy *old, const nodemask_t *new_allowed,
		      struct nodal_mempolicy **out);

/* Candidate walk: first node (or -1), then nodal_mpol_next() until -1. */
int nodal_mpol_first(const struct nodal_mempolicy *pol, const struct nodal_mpol_ctx *ctx,
		     struct nodal_mpol_iter *it);
int nodal_mpol_next(struct nodal_mpol_iter *it);
/* The whole ordered candidate list (for the CLI and tests); returns the count. */
int nodal_mpol_candidates(const struct nodal_mempolicy *pol, const struct nodal_mpol_ctx *ctx,
			  int *out, int max);

/* Back to a spec (for printing the canonical form with policy_spec.h). */
void nodal_mpol_to_spec(const struct nodal_mempolicy *pol, struct nodal_policy_spec *spec);

#endif
