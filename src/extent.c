/*
 * extent.c — jemalloc extent hooks for the per-node arenas.
 *
 * Every extent an arena asks for is a fresh OS mapping (nodal_os()->map), 2 MiB aligned
 * and rounded up to 2 MiB so the chunk map (chunkmap.h) can own whole chunks, bound to
 * the arena's node with a PREFERRED policy: the pages come from that node, yet the kernel
 * may still fall back instead of OOM-killing (the safety net of DESIGN.md; capacity.c
 * keeps nodal itself from overfilling a node).
 *
 * The node: jemalloc calls the alloc hook during `arenas.create` (for the arena's
 * metadata) before the creator knows the arena's index. Each node therefore gets its own
 * hooks object embedding the node number; jemalloc hands that pointer back to every hook
 * call, so the hook knows its node without any lookup or thread-local state.
 *
 * Lifetime: dalloc is refused (jemalloc keeps the range as retained virtual memory and
 * reuses it); memory goes back to the kernel through decommit/purge (madvise), and
 * commit/decommit keep capacity.c's committed bytes (what limits cap). Ranges are
 * never unmapped while the process runs, so the chunk map never loses an entry under a
 * live pointer. destroy (arena destruction) purges only — except for a heap's own
 * arenas (heap.c, hooks made with owned = true): their memory is marked CHUNK_HEAP in the
 * chunk map, and when the heap is destroyed (dying set) destroy and dalloc unmap it and
 * clear the chunk map, so a destroyed heap gives everything back.
 *
 * Nothing here allocates: the OS ops and the chunk map use mmap directly.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/mman.h>

#include "arena_int.h"
#include "chunkmap.h"
#include "os.h"

#ifndef MADV_FREE
#define MADV_FREE 8
#endif

static struct nodal_extent_hooks node_hooks[NODAL_MAX_NUMNODES];

static inline int hooks_node(extent_hooks_t *h)
{
	return ((struct nodal_extent_hooks *)h)->node;
}

static inline struct nodal_extent_hooks *hooks_of(extent_hooks_t *h)
{
	return (struct nodal_extent_hooks *)h;
}

static size_t chunk_floor(uintptr_t a)
{
	return a & ~(CHUNK_SIZE - 1);
}

static size_t chunk_ceil(size_t n)
{
	return (n + CHUNK_SIZE - 1) & ~(CHUNK_SIZE - 1);
}

static void *hook_alloc(extent_hooks_t *h, void *new_addr, size_t size, size_t alignment, bool *zero,
			bool *commit, unsigned arena_ind)
{
	int node = hooks_node(h);
	(void)arena_ind;
	/* A fixed address cannot be promised (it would not be 2 MiB aligned anyway). */
	if (new_addr || size == 0 || size > ((size_t)1 << 46))
		return NULL;
	size_t len = chunk_ceil(size);
	size_t align = alignment > CHUNK_SIZE ? alignment : CHUNK_SIZE;
	/* Only @size counts: the rounding tail is never handed out, so never touched. */
	if (!nodal_capacity_reserve(node, size))
		return NULL;
	int err = 0;
	void *addr = nodal_os()->map(len, align, &err);
	if (!addr) {
		nodal_capacity_release(node, size);
		return NULL;
	}
	nodemask_t m = NODE_MASK_NONE;
	node_set(node, &m);
	/* A failure (EPERM under seccomp, no such node on a smaller real machine) is
	 * counted by the OS layer; the memory is still usable. */
	(void)nodal_os()->mbind(addr, len, NODAL_OS_MPOL_PREFERRED, &m, 0);
	if (chunkmap_set(addr, len, hooks_of(h)->value)) {
		nodal_os()->unmap(addr, len);
		nodal_capacity_release(node, size);
		return NULL;
	}
	*zero = true; /* fresh anonymous memory */
	*commit = true;
	return addr;
}

/* A heap's arena being destroyed gives its memory back for good: every extent and
 * metadata block of the arena dies together, so the whole chunks around [addr, addr +
 * size) (the mapping's rounding tail, split siblings) go at once; a second unmap of a
 * sibling's range is harmless. */
static void owned_release(extent_hooks_t *h, void *addr, size_t size, bool committed)
{
	uintptr_t a = (uintptr_t)addr;
	uintptr_t lo = chunk_floor(a), hi = chunk_ceil(a + size);
	chunkmap_set((void *)lo, hi - lo, 0);
	nodal_os()->unmap(addr, hi - a);
	if (committed)
		nodal_capacity_release(hooks_node(h), size);
}

static bool hook_dalloc(extent_hooks_t *h, void *addr, size_t size, bool committed, unsigned arena_ind)
{
	/* A node's arena keeps everything (retained and reused by the same arena). A heap's
	 * arena while it is destroyed: jemalloc gives its metadata blocks back here. */
	if (!hooks_of(h)->owned || !__atomic_load_n(&hooks_of(h)->dying, __ATOMIC_ACQUIRE))
		return true;
	owned_release(h, addr, size, committed);
	return false;
}

static void hook_destroy(extent_hooks_t *h, void *addr, size_t size, bool committed, unsigned arena_ind)
{
	if (hooks_of(h)->owned)
		owned_release(h, addr, size, committed);
	else
		nodal_os()->madvise(addr, size, MADV_DONTNEED);
}

static bool hook_commit(extent_hooks_t *h, void *addr, size_t size, size_t offset, size_t length,
			unsigned arena_ind)
{
	/* The mapping is always read-write (decommitted pages refault zeroed); committing
	 * is where capacity is taken back, so a full node refuses. */
	return !nodal_capacity_reserve(hooks_node(h), length);
}

static bool hook_decommit(extent_hooks_t *h, void *addr, size_t size, size_t offset, size_t length,
			  unsigned arena_ind)
{
	if (nodal_os()->madvise((char *)addr + offset, length, MADV_DONTNEED))
		return true;
	nodal_capacity_release(hooks_node(h), length);
	return false;
}

static bool hook_purge_lazy(extent_hooks_t *h, void *addr, size_t size, size_t offset, size_t length,
			    unsigned arena_ind)
{
	return nodal_os()->madvise((char *)addr + offset, length, MADV_FREE) != 0;
}

static bool hook_purge_forced(extent_hooks_t *h, void *addr, size_t size, size_t offset, size_t length,
			      unsigned arena_ind)
{
	return nodal_os()->madvise((char *)addr + offset, length, MADV_DONTNEED) != 0;
}

static bool hook_split(extent_hooks_t *h, void *addr, size_t size, size_t size_a, size_t size_b, bool committed,
		       unsigned arena_ind)
{
	return false; /* one arena, one node: any split is fine */
}

static bool hook_merge(extent_hooks_t *h, void *addr_a, size_t size_a, void *addr_b, size_t size_b,
		       bool committed, unsigned arena_ind)
{
	return false; /* both halves belong to this arena's node */
}

extent_hooks_t *nodal_extent_hooks(int node)
{
	return nodal_extent_hooks_init(&node_hooks[node], node, false);
}

extent_hooks_t *nodal_extent_hooks_init(struct nodal_extent_hooks *nh, int node, bool owned)
{
	nh->hooks = (extent_hooks_t){
		.alloc = hook_alloc,
		.dalloc = hook_dalloc,
		.destroy = hook_destroy,
		.commit = hook_commit,
		.decommit = hook_decommit,
		.purge_lazy = hook_purge_lazy,
		.purge_forced = hook_purge_forced,
		.split = hook_split,
		.merge = hook_merge,
	};
	nh->node = node;
	nh->owned = owned;
	nh->value = owned ? CHUNK_HEAP(node) : CHUNK_ARENA(node);
	__atomic_store_n(&nh->dying, false, __ATOMIC_RELAXED);
	return &nh->hooks;
}
