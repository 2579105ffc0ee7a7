/*
 * scope.h — policy containers and scopes, shared by alloc.c (which owns them) and api.c
 * (the public nodal_* functions).
 *
 * Owns: struct nodal_policy — the public nodal_policy_t: a rule list (policies matched
 * by allocation size, first match wins) whose policy objects (mempolicy.h, immutable)
 * are replaced, never edited, when the allowed nodes change. Installed policies (thread,
 * process, heap) are private copies, so callers may release theirs at once.
 *
 * Scopes, highest first: explicit (a call's policy or heap) > thread > process
 * (NODAL_POLICY or nodal_set_process_policy) > LOCAL. A DEFAULT rule, or no rule matching
 * the size, defers to the next scope.
 *
 * Concurrency: a container may be used by many threads at once (process policy, heaps,
 * a user's policy in nodal_malloc_policy); rebinding publishes new objects with release
 * stores under one lock and retires the old ones through epoch.h. A container itself is
 * freed only by its owner (nodal_policy_release, heap destroy) or, for the process
 * policy, after a grace period. Nothing here calls malloc (ialloc.h).
 *
 * Errors: 0 or a positive errno; parse reasons via nodal_set_error() (msg.h).
 */
#ifndef NODAL_SCOPE_H
#define NODAL_SCOPE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/types.h>

#include "mempolicy.h"
#include "policy_spec.h"
#include "topology.h"

struct nodal_policy {
	uint64_t id;                       /* unique per container: keys interleave cursors */
	struct nodal_policy_rules rules;   /* as given (the canonical text comes from here) */
	/* current object per rule; NULL for a DEFAULT rule (defer to the next scope) */
	struct nodal_mempolicy *_Atomic pol[NODAL_MAX_RULES];
	_Atomic uint64_t allowed_gen;      /* allowed-node generation the objects are for */
	struct nodal_heap *heap;           /* a heap's container: its memory comes from the
					    * heap's arenas and mappings (heap.c); else NULL */
};

/* Parse a rule list (or one policy) and validate every rule against this machine. */
int nodal_scope_parse(const char *str, struct nodal_policy **out);
/* A private copy of @src (same objects' values, new identity). */
int nodal_scope_dup(const struct nodal_policy *src, struct nodal_policy **out);
void nodal_scope_free(struct nodal_policy *c);
/* Canonical text of the rule list, like snprintf. */
size_t nodal_scope_format(const struct nodal_policy *c, char *buf, size_t len);

/* Allocation with an explicit container (nodal_malloc_policy, heaps). */
void *nodal_alloc_scoped(const struct nodal_policy *c, size_t size, size_t align, bool zero);
/* Allocation aimed at one node (MPOL_PREFERRED for this object). EINVAL for a node that
 * does not exist, has no memory or is not allowed. */
void *nodal_alloc_onnode(int node, size_t size, size_t align, bool zero);

/* Scopes. @c is copied; NULL clears (thread) or restores NODAL_POLICY (process). */
int nodal_scope_set_thread(const struct nodal_policy *c);
int nodal_scope_set_process(const struct nodal_policy *c);
/* Post @c to the thread with kernel id @tid (adopted at its next allocation); ESRCH. */
int nodal_scope_post(pid_t tid, const struct nodal_policy *c);
/* The same, by pthread_t. */
int nodal_scope_post_pthread(pthread_t thread, const struct nodal_policy *c);
/* A copy of the policy in force for this thread's allocations of @size bytes. */
int nodal_scope_get_thread(size_t size, struct nodal_policy **out);

/* Initialised state (initialises lazily): NULL topology only if nodal runs degraded
 * without one. */
const struct nodal_topology *nodal_alloc_topology(void);
/* Copy of the allowed nodes now. */
void nodal_alloc_allowed(nodemask_t *out);
/* The node of @p, or -1 (bootstrap memory, degraded mode, not nodal's). */
int nodal_alloc_node_of(const void *p);

/* For tests: whether @p came from the bootstrap region, and how many bytes it used. */
bool nodal_alloc_is_bootstrap(const void *p);
size_t nodal_alloc_bootstrap_used(void);

#endif
