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
 * Errors: 0 or the kernel's errno (EINVAL mostly; EOPNOTSUPP for a home node on a mode
 * that has none, like set_mempolicy_home_node; ENOMEM when ialloc fails), with a one-line
 * reason recorded by nodal_set_error() (msg.h) that starts with the mode, e.g.
 * "bind: needs a non-empty node list" — callers that know the policy text prefix it.
 *
 * Private nodes (topology.h private_nodes): only BIND, PREFERRED and PREFERRED_MANY with
 * NODAL_F_STATIC may name them. Every other policy is created and rebound against the
 * allowed nodes minus the private ones (pol->forbidden), so no arithmetic can move it
 * onto a private node; a walk never yields a forbidden node.
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
	/* what the walk reads first, together (the weights, 1 KiB, come last) */
	int mode;             /* NODAL_MPOL_* (kernel uapi values, include/nodal.h) */
	unsigned flags;       /* NODAL_F_STATIC / NODAL_F_RELATIVE / NODAL_F_NUMA_BALANCING */
	const struct nodal_mpol_ops *ops;
	int home_node;        /* -1 none (BIND, PREFERRED_MANY only) */
	/* Derived at creation / rebinding (read by the walk, never by users): */
	int private_home;     /* BIND/PREFERRED_MANY naming private nodes without a home node:
	                       * the lowest named private node, where the walk starts (a private
	                       * node is in no fallback list but its own); -1 otherwise */
	int single;           /* the only node of @nodes, or -1 (single-node fast path) */
	nodemask_t nodes;     /* effective nodes (kernel pol->nodes) */
	nodemask_t forbidden; /* private nodes this policy does not name: never used */
	nodemask_t named_private; /* private nodes it names (STATIC BIND/PREFERRED/PREFERRED_MANY) */
	nodemask_t user_nodemask;       /* as given, for STATIC / RELATIVE rebinding */
	nodemask_t cpuset_mems_allowed; /* allowed set this object was made against */
	uint8_t weights[NODAL_MAX_NUMNODES]; /* effective weights (WEIGHTED_INTERLEAVE), >= 1 */
};

/* What creation and rebinding validate against. */
struct nodal_mpol_env {
	const struct nodal_topology *topo; /* possible/memory nodes, private nodes, fallback */
	nodemask_t allowed;                /* the task's allowed nodes (Mems_allowed) */
	/* default weights for WEIGHTED_INTERLEAVE when the spec has none: NODAL_WEIGHTS,
	 * then sysfs, then hwloc bandwidth, then 1 — filled by the caller; NULL = all 1 */
	const uint8_t *default_weights;
};

/*
 * Per-thread interleave cursor (kernel task->il_prev / il_weight). Initialise with
 * NODAL_IL_CURSOR_INIT so the first allocation goes to the first node (the kernel sets
 * il_prev = MAX_NUMNODES-1 on set_mempolicy, which wraps the same way). A zeroed cursor
 * is valid too; its walk simply starts after node 0.
 */
struct nodal_il_cursor {
	int il_prev;     /* last node handed out, -1 at start */
	int il_weight;   /* remaining allocations on il_prev (weighted) */
};
#define NODAL_IL_CURSOR_INIT { .il_prev = -1, .il_weight = 0 }

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
	int pass;             /* which filter (policies/mpol_impl.h WALK_*) */
	nodemask_t filter;    /* the acceptable nodes for the current pass; only the words
	                       * below the topology's nr_node_ids are written */
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
	/* Data for the generic checks (sanitize_mpol_flags, set_mempolicy_home_node): */
	unsigned flags_ok; /* NODAL_F_* this mode accepts at all */
	bool home_ok;      /* a home node is allowed (BIND, PREFERRED_MANY) */
	bool private_ok;   /* may name private nodes (with NODAL_F_STATIC) */
	bool weights_ok;   /* takes node weights (WEIGHTED_INTERLEAVE) */
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
/* The whole ordered candidate list (for the CLI and tests): stores at most @max nodes in
 * @out and returns how many candidates there are (which may exceed @max). */
int nodal_mpol_candidates(const struct nodal_mempolicy *pol, const struct nodal_mpol_ctx *ctx,
			  int *out, int max);

/*
 * The nodes allocations under @pol start on when @allowed are the allowed nodes and no
 * node is full: the union, over every node with CPUs (every node with a list if none
 * has CPUs), of the first candidates of as many consecutive allocations as one full
 * interleave round takes. For INTERLEAVE that is the interleave set, for PREFERRED the
 * landing node, for BIND and PREFERRED_MANY the per-CPU landing nodes — what
 * conformance/rebind-vectors.tsv observed on a real kernel. CLI and tests only (it
 * walks a lot; it does not allocate).
 */
void nodal_mpol_effective_nodes(const struct nodal_mempolicy *pol, const struct nodal_topology *t,
				const nodemask_t *allowed, nodemask_t *out);

/*
 * Back to a spec (for printing the canonical form with policy_spec.h): the mode, flags and
 * home node; the user's mask for STATIC / RELATIVE, else the effective nodes; for
 * WEIGHTED_INTERLEAVE the effective weight of every node in the mask.
 */
void nodal_mpol_to_spec(const struct nodal_mempolicy *pol, struct nodal_policy_spec *spec);

#endif
