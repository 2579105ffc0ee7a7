/*
 * arena_int.h — state shared by the arena layer's files (arena.c, extent.c, capacity.c,
 * pages.c, stats.c). Not for use outside them: everything else goes through arena.h.
 *
 * Concurrency: nodal_ag is written once by nodal_arena_boot() under its lock before
 * `ready` is published (release); readers load `ready` (acquire) first. The mapped and
 * capacity counters are relaxed atomics touched on slow paths only (extent hooks, page
 * mappings). Errors: 0 or a positive errno.
 */
#ifndef NODAL_ARENA_INT_H
#define NODAL_ARENA_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "je.h"
#include "nodemask.h"

struct nodal_arena_global {
	bool ready;                              /* published with release */
	int nr_node_ids;
	nodemask_t nodes;                        /* nodes that have an arena */
	unsigned arena_ind[NODAL_MAX_NUMNODES];  /* jemalloc arena index of each node */
	struct nodal_arena_config cfg;
};
extern struct nodal_arena_global nodal_ag;

/* extent.c: the hooks of node @node's arena (fixed at creation; they know their node). */
extent_hooks_t *nodal_extent_hooks(int node);
/* Hooks for another arena on @node: @owned = a heap's arena (heap.c), whose chunks are
 * CHUNK_HEAP(node) and which unmaps its memory when destroyed once @dying is set. The
 * object must outlive its arena. */
struct nodal_extent_hooks {
	extent_hooks_t hooks; /* first: jemalloc passes &hooks back */
	int node;
	int16_t value;        /* chunk map value of its memory */
	bool owned;
	bool dying;           /* set (release) before the arena is destroyed */
};
extent_hooks_t *nodal_extent_hooks_init(struct nodal_extent_hooks *h, int node, bool owned);
/* Committed bytes per node (arena extents that may hold pages, and page mappings):
 * what NODAL_NODE_LIMIT caps. Relaxed atomics, kept by capacity.c. */
extern uint64_t nodal_committed_bytes[NODAL_MAX_NUMNODES];

/* capacity.c: may @len more bytes be committed on @node? Counts them on success (true).
 * Checks the node's limit and, rate-limited, its free-memory watermark; a refusal marks
 * the node full. Slow paths only (extent hooks, page mappings). */
bool nodal_capacity_reserve(int node, size_t len);
void nodal_capacity_release(int node, size_t len);
/* May a BIND page mapping of @len bytes go on @node? Reads the node's free and
 * reclaimable memory now (not rate-limited: page mappings are rare and costly anyway)
 * and refuses when less than @len + NODAL_BIND_RESERVE would be left; true when the OS
 * cannot tell. The caller still verifies where the pages went (pages.c). */
bool nodal_capacity_bind_room(int node, size_t len);
void nodal_capacity_init(void);
/* The nodes currently full (what nodal_arena_full_nodes() returns; relaxed atomic words,
 * read without locks by arena_fast.h). */
extern nodemask_t nodal_arena_full_mask;
uint64_t nodal_arena_get_limit(int node);

/* stats.c: per-thread counters, per node NODAL_STATS_NCTR of them at [node * NCTR + k].
 * The owning thread updates them with relaxed load + store (no RMW); readers sum every
 * live thread's block and the totals of exited threads. nodal_stats_thread() creates the
 * calling thread's block (ialloc) and never returns NULL: without one (no memory, or
 * after the thread's exit) it returns a shared sink whose counts are approximate. */
enum {
	NODAL_STATS_ALLOC,
	NODAL_STATS_FREE,
	NODAL_STATS_EV0, /* + enum nodal_stat_event */
	NODAL_STATS_NCTR = NODAL_STATS_EV0 + NODAL_STAT_EVENT_COUNT,
};
uint64_t *nodal_stats_thread(void);
/* Count @n allocations (@is_free false) or frees of @node on a slow path (page mappings,
 * heaps). */
void nodal_stats_count_op(int node, bool is_free, uint64_t n);
/* The fast path counts its home node's operations in the thread's arena TLS (no pointer
 * chase); the stats block points at them and readers add them to @node's counters.
 * The owner folds them into its block when its home changes (a reader racing with that
 * may count them twice, once). */
struct nodal_home_ctr {
	int node; /* -1: none */
	uint64_t alloc, free, remote;
};
void nodal_stats_thread_home(struct nodal_home_ctr *hc);
void nodal_stats_thread_exit(void);
void nodal_stats_atfork_prepare(void);
void nodal_stats_atfork_parent(void);
void nodal_stats_atfork_child(void);

/* pages.c: bytes of page mappings per node (weighted share), relaxed atomics. */
extern uint64_t nodal_pages_bytes[NODAL_MAX_NUMNODES];
/* pages.c: free / size / resize of a page-policy mapping (chunk entry < 0). */
void nodal_pages_free(void *p);
size_t nodal_pages_usize(const void *p);
void *nodal_pages_realloc(void *p, size_t size);
/* pages.c: the heap link kept in a page mapping's header (heap.c owns its meaning):
 * the owning heap and the neighbouring mappings of that heap (user pointers). NULL when
 * @p is not the user pointer of a page mapping. */
struct nodal_pages_link {
	void *owner;
	void *prev, *next;
};
struct nodal_pages_link *nodal_pages_link(void *p);

#endif
