/*
 * arena.h — per-node jemalloc arenas: the memory of node N comes from arena N only.
 *
 * Owns: one jemalloc arena per memory node, created at nodal_arena_boot() with extent
 * hooks fixed at creation; the hooks map memory through the OS layer (os.h) and bind it
 * to the arena's node (a preferred-mode binding, so the kernel may still fall back and
 * a non-BIND policy never causes an OOM kill); per-(thread, node) thread caches;
 * pointer → node lookup without locks; per-node capacity (limits, free-memory
 * watermarks) and the page-policy mappings used for large allocations (pages.c).
 *
 * The node is chosen by the caller (alloc.c, from the policy) BEFORE the arena: these
 * functions never choose a node themselves and never fall back to another node — a
 * full node returns NULL/ENOMEM and the caller walks its candidate list.
 *
 * Concurrency: all functions are thread-safe; alloc/free on a thread-cached size take no
 * lock and make no system call. Nothing here calls the interposed malloc.
 */
#ifndef NODAL_ARENA_H
#define NODAL_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nodemask.h"

struct nodal_topology; /* topology.h (not included: its names clash with nodal.h's) */

struct nodal_arena_config {
	uint64_t limit[NODAL_MAX_NUMNODES]; /* NODAL_NODE_LIMIT per node, 0 = none */
	uint64_t min_free;                  /* NODAL_MIN_FREE watermark, 0 = off */
	uint64_t bind_reserve;              /* NODAL_BIND_RESERVE: what BIND mappings leave */
	size_t page_policy_min;             /* NODAL_PAGE_POLICY_MIN */
};

/* Create the arenas for every memory node of @topo. Idempotent; 0 or errno. */
int nodal_arena_boot(const struct nodal_topology *topo, const struct nodal_arena_config *cfg);
bool nodal_arena_ready(void);

/* Allocate on @node (must be a memory node). NULL + ENOMEM when the node is full or at
 * its limit. @align 0 = default (16). Sizes >= page_policy_min are the caller's
 * business (nodal_pages_*), but work here too. */
void *nodal_arena_alloc(int node, size_t size, size_t align, bool zero);
void nodal_arena_free(void *p); /* NULL and pointers that are not nodal's are ignored */
/* @size must lie between the size asked for and nodal_arena_usize(p) (sized delete). */
void nodal_arena_free_sized(void *p, size_t size);
/* Resize keeping the node when possible (in place or on the same node); NULL + ENOMEM
 * leaves @p intact. */
void *nodal_arena_realloc(void *p, size_t size);
size_t nodal_arena_usize(const void *p);
/* The node @p's memory was taken from, or -1 if @p is not nodal's. Lock-free. For an
 * interleaved page-policy mapping: its first node. */
int nodal_arena_node_of(const void *p);

/* Capacity: the set of nodes currently full (limit reached or below the watermark).
 * Read without locks; updated by the arena layer. */
const nodemask_t *nodal_arena_full_nodes(void);
int nodal_arena_set_limit(int node, uint64_t bytes);
/* A BIND policy allocates on @node: from now on every new commit there must pass the room
 * check of BIND page mappings (NODAL_BIND_RESERVE), so BIND objects past the node's real
 * memory are ENOMEM rather than pages from another node. Cheap when already marked. */
void nodal_arena_bind_node(int node);

/* Large allocations with a kernel page policy over their own mapping (pages.c).
 * @mode/@nodes: the kernel policy to apply (NODAL_OS_MPOL_*); weights for weighted
 * interleave when the kernel lacks it (split into per-node runs). */
void *nodal_pages_alloc(size_t size, size_t align, int mode, const nodemask_t *nodes,
			const uint8_t *weights, bool zero);

/* Thread exit (flush this thread's caches) and fork handling. */
void nodal_arena_thread_exit(void);
void nodal_arena_atfork_prepare(void);
void nodal_arena_atfork_parent(void);
void nodal_arena_atfork_child(void);

/* Statistics recorded by callers (alloc.c) next to the arena's own counters. */
enum nodal_stat_event {
	NODAL_STAT_FALLBACK_FULL,        /* skipped a full node */
	NODAL_STAT_FALLBACK_LIMIT,       /* skipped a node at its NODAL_NODE_LIMIT */
	NODAL_STAT_FALLBACK_NOT_ALLOWED, /* policy node outside the allowed nodes */
	NODAL_STAT_PREFERRED_MISS,       /* PREFERRED/PREFERRED_MANY did not get its first node */
	NODAL_STAT_BIND_FAILURE,         /* BIND returned ENOMEM */
	NODAL_STAT_REMOTE_FREE,          /* freed by a thread running on another node */
	NODAL_STAT_EVENT_COUNT
};
void nodal_stat_count(int node, enum nodal_stat_event ev);

#endif
