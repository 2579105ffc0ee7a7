/*
 * heap.c — heaps (nodal_heap_t): named allocation contexts with their own policy whose
 * memory belongs to the heap, so nodal_heap_destroy() gives all of it back.
 *
 * Owns: struct nodal_heap, its own jemalloc arena per node (created on the heap's first
 * allocation on that node, with extent hooks from extent.c that mark the memory
 * CHUNK_HEAP(node) in the chunk map and unmap it when the arena is destroyed), the list
 * of its page-policy mappings (linked through their headers, pages.c), the arena index →
 * heap table behind nodal_heap_of(), and the public nodal_heap_* functions.
 *
 * Placement is the ordinary path's: a heap's allocation resolves its policy (alloc.c,
 * through the container's ->heap) and walks the candidate nodes as any allocation does;
 * only the last step differs — the chosen node's memory comes from the heap's arena for
 * that node, or a page mapping linked to the heap. Objects of a heap arena never enter
 * a thread cache (MALLOCX_TCACHE_NONE on allocation and free): a cached object could be
 * handed out again as ordinary memory and die with the heap.
 *
 * Destroy: the heap's page mappings are unmapped, then each arena is destroyed
 * (jemalloc's arena.<i>.destroy discards every object, then hands its extents and
 * metadata blocks to the hooks, which unmap them and clear the chunk map). Every
 * pointer from the heap is invalid afterwards. A free() of one is a double free: while
 * its address range is unmapped nodal recognises it as not nodal's and ignores it, but
 * once a later mapping reuses the range it is undefined, like any double free.
 *
 * Concurrency: one mutex guards arena creation, the page-mapping lists, the registry
 * and the index table (all slow paths: arenas.create, mmap/munmap); it is taken before
 * jemalloc's locks and never inside them, and is handled across fork. A heap may be used
 * by many threads at once; destroying it while another thread uses it is the caller's
 * bug (as for free()). Nothing here calls the interposed malloc (ialloc.h).
 * Errors: NULL + errno or an errno, as the public API documents.
 */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "alloc.h"
#include "arena_int.h"
#include "chunkmap.h"
#include "heap.h"
#include "ialloc.h"
#include "msg.h"
#include "nodal.h"
#include "scope.h"

#define ARENA_LIMIT 4096 /* jemalloc's MALLOCX_ARENA_LIMIT is 4095 */

struct nodal_heap {
	struct nodal_policy *policy;     /* ->heap points back here */
	struct nodal_heap *next, *prev;  /* registry (statistics) */
	unsigned ind[NODAL_MAX_NUMNODES]; /* jemalloc arena index + 1; 0 = none yet */
	struct nodal_extent_hooks *hooks[NODAL_MAX_NUMNODES];
	void *pages;                      /* first page mapping (user pointer) or NULL */
};

static pthread_mutex_t heap_lock = PTHREAD_MUTEX_INITIALIZER;
static struct nodal_heap *heaps;
static struct nodal_heap *by_arena[ARENA_LIMIT];
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void fork_prepare(void)
{
	pthread_mutex_lock(&heap_lock);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&heap_lock);
}

static void fork_child(void)
{
	pthread_mutex_init(&heap_lock, NULL);
}

/* Registered after nodal's own handlers: glibc runs prepare handlers in reverse order,
 * so the heap lock is taken before nodal's and jemalloc's locks, its order elsewhere. */
static void register_fork(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* The jemalloc arena of @h on @node, created on first use; -1 when it cannot be (the
 * node has no room for the arena's metadata, or jemalloc's arena limit). */
static int heap_arena(struct nodal_heap *h, int node)
{
	unsigned ind = __atomic_load_n(&h->ind[node], __ATOMIC_ACQUIRE);
	if (ind)
		return (int)ind - 1;
	int ret = -1;
	pthread_mutex_lock(&heap_lock);
	ind = h->ind[node];
	if (ind) {
		ret = (int)ind - 1;
		goto out;
	}
	struct nodal_extent_hooks *hk = h->hooks[node];
	if (!hk && !(hk = nodal_icalloc(sizeof(*hk))))
		goto out;
	h->hooks[node] = hk; /* kept until the heap dies, even if creation fails */
	extent_hooks_t *eh = nodal_extent_hooks_init(hk, node, true);
	unsigned a;
	size_t sz = sizeof(a);
	if (je_mallctl("arenas.create", &a, &sz, &eh, sizeof(eh)) || a >= ARENA_LIMIT)
		goto out;
	by_arena[a] = h;
	__atomic_store_n(&h->ind[node], a + 1, __ATOMIC_RELEASE);
	ret = (int)a;
out:
	pthread_mutex_unlock(&heap_lock);
	return ret;
}

void *nodal_heap_arena_alloc(struct nodal_heap *h, int node, size_t size, size_t align, bool zero)
{
	int a = heap_arena(h, node);
	if (a < 0) {
		errno = ENOMEM;
		return NULL;
	}
	int flags = MALLOCX_ARENA((unsigned)a) | MALLOCX_TCACHE_NONE | (zero ? MALLOCX_ZERO : 0);
	if (align > 16)
		flags |= MALLOCX_ALIGN(align);
	void *p = je_mallocx(size ? size : 1, flags);
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	nodal_stats_count_op(node, false, 1);
	return p;
}

/* The heap arena index of a CHUNK_HEAP pointer, or -1. */
static int arena_of(const void *p)
{
	unsigned a;
	size_t sz = sizeof(a);
	if (je_mallctl("arenas.lookup", &a, &sz, (void *)&p, sizeof(p)) || a >= ARENA_LIMIT)
		return -1;
	return (int)a;
}

void *nodal_heap_arena_realloc(void *p, size_t size)
{
	int a = arena_of(p);
	if (a < 0) {
		errno = EINVAL;
		return NULL;
	}
	/* in place when it can, else a new object of the same arena (node and heap) */
	void *q = je_rallocx(p, size ? size : 1, MALLOCX_ARENA((unsigned)a) | MALLOCX_TCACHE_NONE);
	if (!q)
		errno = ENOMEM;
	return q;
}

/* --- page mappings: a doubly linked list through their headers ------------------------ */

void nodal_heap_pages_adopt(struct nodal_heap *h, void *p)
{
	struct nodal_pages_link *l = nodal_pages_link(p);
	if (!l)
		return;
	pthread_mutex_lock(&heap_lock);
	l->owner = h;
	l->prev = NULL;
	l->next = h->pages;
	if (h->pages)
		nodal_pages_link(h->pages)->prev = p;
	h->pages = p;
	pthread_mutex_unlock(&heap_lock);
}

void nodal_heap_pages_unlink(struct nodal_heap *h, void *p)
{
	struct nodal_pages_link *l = nodal_pages_link(p);
	if (!l)
		return;
	pthread_mutex_lock(&heap_lock);
	if (l->prev)
		nodal_pages_link(l->prev)->next = l->next;
	else
		h->pages = l->next;
	if (l->next)
		nodal_pages_link(l->next)->prev = l->prev;
	l->owner = l->prev = l->next = NULL;
	pthread_mutex_unlock(&heap_lock);
}

/* --- queries and statistics --------------------------------------------------------- */

bool nodal_heap_owns(const void *p)
{
	int v = chunkmap_get(p);
	if (CHUNK_IS_HEAP(v))
		return true;
	if (v < 0) {
		struct nodal_pages_link *l = nodal_pages_link((void *)p);
		return l && l->owner;
	}
	return false;
}

static struct nodal_heap *heap_of(const void *p)
{
	int v = chunkmap_get(p);
	if (CHUNK_IS_HEAP(v)) {
		int a = arena_of(p);
		return a < 0 ? NULL : __atomic_load_n(&by_arena[a], __ATOMIC_ACQUIRE);
	}
	if (v < 0) {
		struct nodal_pages_link *l = nodal_pages_link((void *)p);
		return l ? l->owner : NULL;
	}
	return NULL;
}

static uint64_t je_stat(unsigned a, const char *leaf)
{
	char name[96];
	size_t v = 0, sz = sizeof(v);
	nodal_fmt(name, sizeof(name), "stats.arenas.%u.%s", a, leaf);
	return je_mallctl(name, &v, &sz, NULL, 0) ? 0 : v;
}

void nodal_heap_stats_add(int node, uint64_t *allocated, uint64_t *active, uint64_t *mapped)
{
	pthread_mutex_lock(&heap_lock);
	for (struct nodal_heap *h = heaps; h; h = h->next) {
		unsigned ind = h->ind[node];
		if (!ind)
			continue;
		*allocated += je_stat(ind - 1, "small.allocated") + je_stat(ind - 1, "large.allocated");
		*active += je_stat(ind - 1, "pactive") << 12;
		*mapped += je_stat(ind - 1, "mapped");
	}
	pthread_mutex_unlock(&heap_lock);
}

/* --- the public functions ------------------------------------------------------------- */

static bool mul_overflows(size_t a, size_t b, size_t *out)
{
	return __builtin_mul_overflow(a, b, out);
}

NODAL_API nodal_heap_t *nodal_heap_create(const nodal_policy_t *policy)
{
	if (!policy) {
		errno = EINVAL;
		return NULL;
	}
	nodal_alloc_init();
	pthread_once(&fork_once, register_fork);
	nodal_heap_t *h = nodal_icalloc(sizeof(*h));
	if (!h) {
		errno = ENOMEM;
		return NULL;
	}
	int err = nodal_scope_dup(policy, &h->policy);
	if (err) {
		nodal_ifree(h);
		errno = err;
		return NULL;
	}
	h->policy->heap = h;
	pthread_mutex_lock(&heap_lock);
	h->next = heaps;
	if (heaps)
		heaps->prev = h;
	heaps = h;
	pthread_mutex_unlock(&heap_lock);
	return h;
}

NODAL_API void *nodal_heap_malloc(nodal_heap_t *heap, size_t size)
{
	if (!heap) {
		errno = EINVAL;
		return NULL;
	}
	return nodal_alloc_scoped(heap->policy, size, 0, false);
}

NODAL_API void *nodal_heap_calloc(nodal_heap_t *heap, size_t nmemb, size_t size)
{
	size_t total;
	if (!heap) {
		errno = EINVAL;
		return NULL;
	}
	if (mul_overflows(nmemb, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return nodal_alloc_scoped(heap->policy, total, 0, true);
}

NODAL_API void *nodal_heap_aligned_alloc(nodal_heap_t *heap, size_t alignment, size_t size)
{
	if (!heap || !alignment || (alignment & (alignment - 1))) {
		errno = EINVAL;
		return NULL;
	}
	return nodal_alloc_scoped(heap->policy, size, alignment, false);
}

NODAL_API void *nodal_heap_realloc(nodal_heap_t *heap, void *ptr, size_t size)
{
	if (!heap) {
		errno = EINVAL;
		return NULL;
	}
	if (!ptr)
		return nodal_heap_malloc(heap, size);
	if (!size) {
		nodal_dealloc(ptr);
		return NULL;
	}
	if (heap_of(ptr) == heap)
		return nodal_ralloc(ptr, size); /* stays in its arena (node) or mapping */
	/* memory of another heap or none: move it into this one */
	void *q = nodal_heap_malloc(heap, size);
	if (!q)
		return NULL;
	size_t old = nodal_usize(ptr);
	memcpy(q, ptr, old < size ? old : size);
	nodal_dealloc(ptr);
	return q;
}

NODAL_API void nodal_heap_free(nodal_heap_t *heap, void *ptr)
{
	(void)heap;
	nodal_dealloc(ptr);
}

NODAL_API nodal_heap_t *nodal_heap_of(const void *ptr)
{
	nodal_heap_t *h = ptr ? heap_of(ptr) : NULL;
	if (!h)
		errno = EINVAL;
	return h;
}

NODAL_API int nodal_heap_destroy(nodal_heap_t *heap)
{
	if (!heap)
		return EINVAL;
	pthread_mutex_lock(&heap_lock);
	if (heap->prev)
		heap->prev->next = heap->next;
	else
		heaps = heap->next;
	if (heap->next)
		heap->next->prev = heap->prev;
	pthread_mutex_unlock(&heap_lock);
	/* page mappings: freeing one unlinks it (taking the lock itself) */
	for (;;) {
		pthread_mutex_lock(&heap_lock);
		void *p = heap->pages;
		pthread_mutex_unlock(&heap_lock);
		if (!p)
			break;
		nodal_dealloc(p);
	}
	for (int n = 0; n < NODAL_MAX_NUMNODES; n++) {
		struct nodal_extent_hooks *hk = heap->hooks[n];
		if (!hk)
			continue;
		unsigned ind = heap->ind[n];
		if (ind) {
			char name[64];
			/* the objects still live die with the arena: count them freed, so each
			 * node's nmalloc - nfree is its live objects again */
			uint64_t epoch = 1;
			size_t esz = sizeof(epoch);
			je_mallctl("epoch", &epoch, &esz, &epoch, sizeof(epoch));
			uint64_t live = je_stat(ind - 1, "small.nmalloc") - je_stat(ind - 1, "small.ndalloc") +
					je_stat(ind - 1, "large.nmalloc") - je_stat(ind - 1, "large.ndalloc");
			nodal_stats_count_op(n, true, live);
			nodal_fmt(name, sizeof(name), "arena.%u.destroy", ind - 1);
			__atomic_store_n(&hk->dying, true, __ATOMIC_RELEASE);
			int err = je_mallctl(name, NULL, NULL, NULL, 0);
			pthread_mutex_lock(&heap_lock);
			by_arena[ind - 1] = NULL;
			pthread_mutex_unlock(&heap_lock);
			if (err) {
				/* jemalloc refused (a thread bound to it: never done by nodal): the
				 * arena and its memory stay, the hooks must outlive it */
				nodal_msg("heap destroy: arena %u of node %d could not be destroyed (errno %d); its "
					  "memory stays mapped",
					  ind - 1, n, err);
				continue;
			}
		}
		nodal_ifree(hk);
	}
	nodal_scope_free(heap->policy);
	nodal_ifree(heap);
	return 0;
}
