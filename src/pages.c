/*
 * pages.c — large allocations with a kernel page policy over their own mapping.
 *
 * Each allocation is one OS mapping, 2 MiB aligned and registered in the chunk map as
 * CHUNK_PAGES(first node), so free/usize/realloc find it from the pointer. The page
 * before the user pointer holds a header (mapping, size, policy); the user range is
 * bound with mbind:
 * - BIND / PREFERRED / PREFERRED_MANY: the mode and nodes as given;
 * - INTERLEAVE: the kernel's interleave over the nodes;
 * - WEIGHTED_INTERLEAVE without explicit weights: the kernel's weighted interleave (its
 *   weights are the system's, /sys/kernel/mm/mempolicy/weighted_interleave) when the
 *   kernel has it, else plain interleave;
 * - WEIGHTED_INTERLEAVE with explicit weights (or INTERLEAVE with weights): one run per
 *   node, sized in proportion to its weight (page granular), each bound PREFERRED to its
 *   node — the kernel's weighted interleave cannot take per-call weights, and one run
 *   per node keeps the mapping count at (number of nodes) instead of one VMA per page.
 *
 * Capacity: each node's share (the node itself; an even split for interleave; the run
 * sizes for runs) is reserved through capacity.c and released on free; a full node makes
 * the allocation fail with ENOMEM, for the caller to fall back.
 *
 * BIND is the one strict mode: a page the kernel cannot place under MPOL_BIND invokes the
 * OOM killer (measured in the VM tier: the process is SIGKILLed at the first touch past
 * the node's memory). A BIND mapping is therefore made so that running out is an ENOMEM
 * here, never a kill later (bind_populate):
 * 1. capacity.c's bind_room: the node's free plus reclaimable memory must exceed the
 *    size plus NODAL_BIND_RESERVE, else ENOMEM before anything is touched;
 * 2. the range is bound PREFERRED to the nodes and populated now (MADV_POPULATE_WRITE,
 *    else a write per page): pages the node cannot give spill to other nodes instead of
 *    waking the OOM killer;
 * 3. mbind(BIND, MPOL_MF_MOVE | MPOL_MF_STRICT) makes the binding strict and migrates the
 *    spilled pages to the nodes — the kernel allocates migration targets with
 *    __GFP_RETRY_MAYFAIL (reclaims, never OOM-kills) — and fails with EIO when a page
 *    stays elsewhere: then the mapping is dropped and the result is ENOMEM.
 * The pages are all present from then on, so the program's own accesses never fault
 * under the strict policy (except after swap-out, or a MADV_DONTNEED of its own).
 *
 * Concurrency: no shared state besides capacity counters and the chunk map; a mapping is
 * registered before its pointer is returned and unregistered before it is unmapped.
 * Errors: NULL with errno EINVAL (bad mode, nodes or alignment; not booted) or ENOMEM.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "arena_int.h"
#include "chunkmap.h"
#include "heap.h"
#include "os.h"

#define PAGE 4096ul
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif
#define PAGES_MAGIC 0x6e6f64616c706753ull

struct pages_hdr {
	uint64_t magic;
	void *base;
	size_t maplen;
	size_t size;  /* page-rounded user size */
	size_t off;   /* user pointer - base */
	size_t align;
	int mode;
	bool runs;    /* per-node runs in weight proportion */
	bool has_weights;
	nodemask_t nodes;
	uint8_t weights[NODAL_MAX_NUMNODES];
	struct nodal_pages_link link; /* the heap that owns the mapping (heap.c), if any */
};
_Static_assert(sizeof(struct pages_hdr) <= PAGE, "pages header must fit its page");

uint64_t nodal_pages_bytes[NODAL_MAX_NUMNODES];

static size_t ceil_to(size_t n, size_t a)
{
	return (n + a - 1) & ~(a - 1);
}

/* Bytes of @h's user range that belong to @node (the capacity share). Runs: the
 * weighted page split; interleave: an even page split (remainder to the first nodes);
 * single-node modes: all of it on the first node. */
static size_t share_of(const struct pages_hdr *h, int node, size_t *run_start)
{
	size_t pages = h->size / PAGE;
	int n, k = 0, nr = nodes_weight(&h->nodes);
	size_t pos = 0;
	if (h->mode != NODAL_OS_MPOL_INTERLEAVE && h->mode != NODAL_OS_MPOL_WEIGHTED_INTERLEAVE && !h->runs)
		return node == first_node(&h->nodes) ? h->size : 0;
	uint64_t wsum = 0;
	if (h->runs)
		for_each_node_mask(n, &h->nodes)
			wsum += h->weights[n] ? h->weights[n] : 1;
	size_t done_w = 0;
	for_each_node_mask(n, &h->nodes) {
		size_t cnt;
		if (h->runs) {
			/* cumulative rounding: the runs add up to exactly `pages` */
			size_t w = h->weights[n] ? h->weights[n] : 1;
			size_t a = (size_t)((unsigned __int128)pages * done_w / wsum);
			done_w += w;
			size_t b = (size_t)((unsigned __int128)pages * done_w / wsum);
			cnt = b - a;
		} else {
			cnt = pages / (size_t)nr + ((size_t)k < pages % (size_t)nr);
		}
		if (n == node) {
			if (run_start)
				*run_start = pos * PAGE;
			return cnt * PAGE;
		}
		pos += cnt;
		k++;
	}
	return 0;
}

static void release_shares(const struct pages_hdr *h, int upto)
{
	int n;
	for_each_node_mask(n, &h->nodes) {
		if (upto >= 0 && n >= upto)
			break;
		size_t s = share_of(h, n, NULL);
		if (s) {
			nodal_capacity_release(n, s);
			__atomic_fetch_sub(&nodal_pages_bytes[n], s, __ATOMIC_RELAXED);
		}
	}
}

/* Steps 2 and 3 above for [p, p + len): 0, or ENOMEM when the nodes could not hold it. */
static int bind_populate(char *p, size_t len, int mode, const nodemask_t *nodes)
{
	const struct nodal_os_ops *os = nodal_os();
	nodemask_t one = NODE_MASK_NONE;
	node_set(first_node(nodes), &one);
	bool many = nodes_weight(nodes) > 1 && (os->features() & NODAL_OS_HAS_PREFERRED_MANY);
	int err = os->mbind(p, len, many ? NODAL_OS_MPOL_PREFERRED_MANY : NODAL_OS_MPOL_PREFERRED, many ? nodes : &one,
			    0);
	if (err) {
		/* binding unavailable (EPERM under seccomp): nothing can be strict, nothing
		 * can OOM-kill for the policy either; the memory is usable, unbound */
		return 0;
	}
	err = os->madvise(p, len, MADV_POPULATE_WRITE);
	if (err == EINVAL) {
		/* kernels before 5.14: fault each page in by hand (fresh memory: writing a
		 * zero changes nothing) */
		for (size_t off = 0; off < len; off += PAGE)
			((volatile char *)p)[off] = 0;
		err = 0;
	}
	if (err)
		return ENOMEM;
	err = os->mbind(p, len, mode, nodes, NODAL_OS_MPOL_MF_MOVE | NODAL_OS_MPOL_MF_STRICT);
	return err == EIO || err == ENOMEM ? ENOMEM : 0;
}

static void *pages_map(size_t size, size_t align, int mode, const nodemask_t *nodes, const uint8_t *weights,
		       bool force_runs)
{
	if (!nodal_arena_ready() || !nodes || nodes_empty(nodes) || !nodes_subset(nodes, &nodal_ag.nodes) ||
	    (align & (align - 1))) {
		errno = EINVAL;
		return NULL;
	}
	int base_mode = mode & ~NODAL_OS_MPOL_F_NUMA_BALANCING;
	switch (base_mode) {
	case NODAL_OS_MPOL_BIND:
	case NODAL_OS_MPOL_PREFERRED:
	case NODAL_OS_MPOL_PREFERRED_MANY:
	case NODAL_OS_MPOL_INTERLEAVE:
	case NODAL_OS_MPOL_WEIGHTED_INTERLEAVE:
		break;
	default:
		errno = EINVAL;
		return NULL;
	}
	if (size == 0)
		size = 1;
	size_t usize = ceil_to(size, PAGE);
	size_t off = align > PAGE ? align : PAGE;
	if (usize < size || usize > ((size_t)1 << 46)) {
		errno = ENOMEM;
		return NULL;
	}
	size_t maplen = ceil_to(off + usize, CHUNK_SIZE);
	struct pages_hdr h = { .magic = PAGES_MAGIC, .maplen = maplen, .size = usize, .off = off,
			       .align = align, .mode = mode, .nodes = *nodes };
	if (weights) {
		h.has_weights = true;
		memcpy(h.weights, weights, sizeof(h.weights));
	}
	bool interleave = base_mode == NODAL_OS_MPOL_INTERLEAVE || base_mode == NODAL_OS_MPOL_WEIGHTED_INTERLEAVE;
	h.runs = interleave && (force_runs || (weights && base_mode == NODAL_OS_MPOL_WEIGHTED_INTERLEAVE));

	/* Capacity first: every node's share, or nothing. */
	int n;
	if (base_mode == NODAL_OS_MPOL_BIND) {
		bool room = false;
		for_each_node_mask(n, nodes)
			room = room || nodal_capacity_bind_room(n, usize);
		if (!room) {
			errno = ENOMEM;
			return NULL;
		}
	}
	for_each_node_mask(n, nodes) {
		size_t s = share_of(&h, n, NULL);
		if (s && !nodal_capacity_reserve(n, s)) {
			release_shares(&h, n);
			errno = ENOMEM;
			return NULL;
		}
		if (s)
			__atomic_fetch_add(&nodal_pages_bytes[n], s, __ATOMIC_RELAXED);
	}
	int err = 0;
	char *base = nodal_os()->map(maplen, align > CHUNK_SIZE ? align : CHUNK_SIZE, &err);
	if (!base) {
		release_shares(&h, -1);
		errno = ENOMEM;
		return NULL;
	}
	h.base = base;
	char *p = base + off;
	const struct nodal_os_ops *os = nodal_os();
	if (h.runs) {
		for_each_node_mask(n, nodes) {
			size_t start = 0, s = share_of(&h, n, &start);
			if (!s)
				continue;
			nodemask_t one = NODE_MASK_NONE;
			node_set(n, &one);
			(void)os->mbind(p + start, s, NODAL_OS_MPOL_PREFERRED, &one, 0);
		}
	} else {
		int m = mode;
		if (base_mode == NODAL_OS_MPOL_WEIGHTED_INTERLEAVE && !(os->features() & NODAL_OS_HAS_WEIGHTED_INTERLEAVE))
			m = NODAL_OS_MPOL_INTERLEAVE | (mode & NODAL_OS_MPOL_F_NUMA_BALANCING);
		if (base_mode == NODAL_OS_MPOL_PREFERRED_MANY && !(os->features() & NODAL_OS_HAS_PREFERRED_MANY)) {
			/* PREFERRED on the first node: still never an OOM kill */
			nodemask_t one = NODE_MASK_NONE;
			node_set(first_node(nodes), &one);
			(void)os->mbind(p, usize, NODAL_OS_MPOL_PREFERRED, &one, 0);
		} else if (base_mode == NODAL_OS_MPOL_BIND) {
			if (bind_populate(p, usize, m, nodes)) {
				os->unmap(base, maplen);
				release_shares(&h, -1);
				errno = ENOMEM;
				return NULL;
			}
		} else {
			(void)os->mbind(p, usize, m, nodes, 0);
		}
	}
	memcpy(p - PAGE, &h, sizeof(h));
	if (chunkmap_set(base, maplen, CHUNK_PAGES(first_node(nodes)))) {
		os->unmap(base, maplen);
		release_shares(&h, -1);
		errno = ENOMEM;
		return NULL;
	}
	nodal_stats_count_op(first_node(nodes), false, 1);
	return p;
}

void *nodal_pages_alloc(size_t size, size_t align, int mode, const nodemask_t *nodes, const uint8_t *weights,
			bool zero)
{
	(void)zero; /* fresh mappings are zeroed */
	return pages_map(size, align, mode, nodes, weights, false);
}

static const struct pages_hdr *hdr_of(const void *p)
{
	const struct pages_hdr *h = (const struct pages_hdr *)((const char *)p - PAGE);
	if (((uintptr_t)p & (PAGE - 1)) || h->magic != PAGES_MAGIC)
		return NULL;
	return h;
}

struct nodal_pages_link *nodal_pages_link(void *p)
{
	const struct pages_hdr *h = hdr_of(p);
	return h ? &((struct pages_hdr *)h)->link : NULL;
}

void nodal_pages_free(void *p)
{
	const struct pages_hdr *hp = hdr_of(p);
	if (!hp)
		return;
	if (hp->link.owner)
		nodal_heap_pages_unlink(hp->link.owner, p);
	struct pages_hdr h;
	memcpy(&h, hp, sizeof(h));
	chunkmap_set(h.base, h.maplen, 0);
	nodal_os()->unmap(h.base, h.maplen);
	release_shares(&h, -1);
	nodal_stats_count_op(first_node(&h.nodes), true, 1);
}

size_t nodal_pages_usize(const void *p)
{
	const struct pages_hdr *h = hdr_of(p);
	return h ? h->size : 0;
}

void *nodal_pages_realloc(void *p, size_t size)
{
	const struct pages_hdr *h = hdr_of(p);
	if (!h) {
		errno = EINVAL;
		return NULL;
	}
	if (size <= h->size)
		return p;
	void *q = pages_map(size, h->align, h->mode, &h->nodes, h->has_weights ? h->weights : NULL, h->runs);
	if (!q)
		return NULL;
	if (h->link.owner) /* a heap's mapping stays the heap's */
		nodal_heap_pages_adopt(h->link.owner, q);
	memcpy(q, p, h->size);
	nodal_pages_free(p);
	return q;
}
