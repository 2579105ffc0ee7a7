/*
 * arena_fast.h — the arena layer's per-thread state and its inline fast paths (home-node
 * allocation, home-node free), for the allocation entry points in alloc.c.
 *
 * Why inline: libnodal.so must stay dlopen-able, so its thread-local data is reached
 * through TLS descriptors, and when the library is dlopen'd glibc resolves them to its
 * dynamic handler: one call of ~17 instructions per lookup (the library's TLS block,
 * mostly jemalloc's, is far larger than glibc's optional static TLS reserve). A malloc
 * that looked up alloc.c's thread state, then the arena's, then jemalloc's made three
 * such calls. With the arena's state declared here and these paths inlined into alloc.c,
 * the compiler computes the module's TLS base once for both (local-dynamic model): one
 * lookup of nodal's, one of jemalloc's.
 *
 * Owns: struct nodal_arena_tls, defined in arena.c and maintained there (home node,
 * caches, counters); these functions only read it and bump the owner's counters.
 *
 * Contract: nodal_arena_alloc_home() is for node == t->home with the default alignment
 * and no zeroing; nodal_arena_free_home() for a chunk value == t->fast_free_v (the home
 * node's objects while the thread runs on that node; otherwise fast_free_v is INT_MIN,
 * never a chunk value, and frees go through nodal_arena_free(), which also counts the
 * remote free). Everything else goes through arena.h.
 *
 * Concurrency: thread-local state only; counters by relaxed load + store (stats.c sums
 * them from other threads); no lock, no atomic read-modify-write, no system call.
 * Errors: nodal_arena_alloc_home() returns NULL when jemalloc does (errno untouched:
 * the caller falls back to its slow path).
 */
#ifndef NODAL_ARENA_FAST_H
#define NODAL_ARENA_FAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena_int.h"

struct nodal_arena_mag;

struct nodal_arena_tls {
	int home;        /* home node; INT_MIN (never a node a caller passes) until set */
	int home_v;      /* CHUNK_ARENA(home), INT_MIN when none (never a chunk value) */
	int fast_free_v; /* home_v while cpu_node == home, else INT_MIN */
	int cpu_node;    /* node the thread last ran on (refreshed on slow paths) */
	int streak_node; /* rehoming: the node of the current run of non-home allocations */
	unsigned streak;
	uint64_t streak_mark; /* hc.alloc when the run was last extended: a home allocation
	                       * in between (hc.alloc moved) breaks the run */
	unsigned slow_ops;
	bool init, dead;
	unsigned *tc;                  /* per node: explicit tcache id + 1, 0 = none, TC_FAILED */
	struct nodal_arena_mag **mags; /* per node: magazines of non-home nodes (NULL until used) */
	uint64_t *ctr;                 /* stats counters (stats.c), other nodes than home */
	struct nodal_home_ctr hc;      /* the home node's counters (fast path) */
};

extern __thread struct nodal_arena_tls nodal_arena_tls
    __attribute__((visibility("hidden"), tls_model("local-dynamic")));

static inline void nodal_ctr_inc(uint64_t *c)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

/* Is @node full (capacity.c's set, without nodal_arena_full_nodes()' watermark sweep,
 * which the slow paths run: a fast path that meets a full node takes one)? */
static inline bool nodal_arena_node_full(int node)
{
	return (__atomic_load_n(&nodal_arena_full_mask.bits[node / 64], __ATOMIC_RELAXED) >> (node % 64)) & 1;
}

/* Allocate @size (>= 1) bytes on the thread's home node through jemalloc's own cache. */
static inline void *nodal_arena_alloc_home(struct nodal_arena_tls *t, size_t size)
{
	/* counted before the call (a failed allocation, ENOMEM from jemalloc, is counted
	 * too, as in nodal_arena_alloc) */
	nodal_ctr_inc(&t->hc.alloc);
	return je_malloc(size);
}

/* Free @p, whose chunk value is t->fast_free_v. */
static inline void nodal_arena_free_home(struct nodal_arena_tls *t, void *p)
{
	nodal_ctr_inc(&t->hc.free);
	je_free(p);
}

#endif
