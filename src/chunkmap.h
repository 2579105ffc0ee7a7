/*
 * chunkmap.h — the pointer → node map: which node (or page-policy mapping) owns an address.
 *
 * Owns: a two-level radix tree over 2 MiB chunks of the 47-bit user address space
 * (8192 root slots × 8192 leaf entries). Every mapping the arena layer makes (extents
 * in extent.c, page-policy mappings in pages.c) is 2 MiB aligned and its length rounded
 * up to 2 MiB, so a chunk never holds memory of two owners and a lookup is two loads.
 *
 * Entry values: 0 = not nodal's; CHUNK_ARENA(n) = arena memory of node n;
 * CHUNK_PAGES(n) = a page-policy mapping whose first node is n (pages.c has the rest);
 * CHUNK_HEAP(n) = memory of a heap's own arena on node n (heap.c: freed without a
 * thread cache, unmapped when the heap is destroyed).
 *
 * Concurrency: lookups take no lock and no atomic RMW (relaxed loads). Leaves are
 * created with mmap (never malloc: this runs inside jemalloc's extent hooks with its
 * locks held) and published with a release CAS; they are never freed. Writers of one
 * range are serialised by their owner (a mapping is set before its memory is handed out
 * and cleared before it is unmapped).
 *
 * Errors: chunkmap_set() returns 0 or ENOMEM (no memory for a leaf).
 */
#ifndef NODAL_CHUNKMAP_H
#define NODAL_CHUNKMAP_H

#include <stddef.h>
#include <stdint.h>

#define CHUNK_SHIFT 21
#define CHUNK_SIZE ((size_t)1 << CHUNK_SHIFT)
#define CHUNK_LEAF_BITS 13
#define CHUNK_ROOT_BITS 13 /* 13 + 13 + 21 = 47 bits */

#define CHUNK_ARENA(n) ((int16_t)((n) + 1))
#define CHUNK_PAGES(n) ((int16_t)(-(n)-1))
#define CHUNK_HEAP_BASE 4096 /* above every CHUNK_ARENA value (nodes < 1024) */
#define CHUNK_HEAP(n) ((int16_t)(CHUNK_HEAP_BASE + (n) + 1))
#define CHUNK_IS_HEAP(v) ((v) > CHUNK_HEAP_BASE)
#define CHUNK_NODE(v) ((v) > 0 ? ((v) & (CHUNK_HEAP_BASE - 1)) - 1 : (v) < 0 ? -(v)-1 : -1)

extern int16_t *nodal_chunk_root[1 << CHUNK_ROOT_BITS];

/* The raw entry for @p (0 when not nodal's). */
static inline int16_t chunkmap_get(const void *p)
{
	uintptr_t a = (uintptr_t)p;
	if (a >> (CHUNK_SHIFT + CHUNK_LEAF_BITS + CHUNK_ROOT_BITS))
		return 0;
	int16_t *leaf = __atomic_load_n(&nodal_chunk_root[a >> (CHUNK_SHIFT + CHUNK_LEAF_BITS)], __ATOMIC_ACQUIRE);
	if (!leaf)
		return 0;
	return __atomic_load_n(&leaf[(a >> CHUNK_SHIFT) & ((1u << CHUNK_LEAF_BITS) - 1)], __ATOMIC_RELAXED);
}

/* Set every chunk of [@addr, @addr + @len) (2 MiB aligned) to @value (0 clears). */
int chunkmap_set(void *addr, size_t len, int16_t value);

#endif
