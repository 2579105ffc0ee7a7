/*
 * heap.h — the arena layer's side of heaps (heap.c): what alloc.c, arena.c, pages.c and
 * stats.c call so that a heap's memory comes from, returns to and is counted in the
 * heap's own arenas and page mappings. The public functions are in nodal.h.
 *
 * Contract: a heap's objects carry CHUNK_HEAP(node) in the chunk map (chunkmap.h) and
 * never enter a thread cache; its page mappings are linked to it through their headers.
 * Concurrency: thread-safe; slow paths only (one mutex, never held inside jemalloc).
 * Errors: NULL + errno (ENOMEM, EINVAL), as documented per function.
 */
#ifndef NODAL_HEAP_H
#define NODAL_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nodal_heap;

/* Allocate on @node from @h's arena for that node (created on first use). NULL + ENOMEM
 * when the node has no room or the arena cannot be created. */
void *nodal_heap_arena_alloc(struct nodal_heap *h, int node, size_t size, size_t align, bool zero);
/* Resize a heap arena object within its arena (same heap, same node). NULL + ENOMEM
 * leaves @p intact; EINVAL when @p is not a heap arena object. */
void *nodal_heap_arena_realloc(void *p, size_t size);

/* Link the page mapping @p to @h (so destroying @h unmaps it) / unlink it (its free). */
void nodal_heap_pages_adopt(struct nodal_heap *h, void *p);
void nodal_heap_pages_unlink(struct nodal_heap *h, void *p);

/* Whether @p is memory of some live heap (arena object or page mapping). */
bool nodal_heap_owns(const void *p);

/* Add the bytes of every heap's arena on @node (jemalloc's statistics, refreshed by the
 * caller's "epoch" write) to the three sums. */
void nodal_heap_stats_add(int node, uint64_t *allocated, uint64_t *active, uint64_t *mapped);

#endif
