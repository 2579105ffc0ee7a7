/*
 * arena.c — per-node jemalloc arenas: boot, the allocation fast path, thread caches.
 *
 * Placement is strict: an object allocated "on node N" comes from arena N, whose extents
 * are all bound to N (extent.c). jemalloc's thread caches hand out cached objects of any
 * arena, so each thread keeps caches per node:
 *
 * - the thread's *home* node uses jemalloc's own thread cache with `thread.arena` set to
 *   the home arena: plain je_malloc()/je_free() — jemalloc's fastest path (~5 ns a pair);
 * - every other node N gets an explicit cache (`tcache.create`), used with
 *   MALLOCX_TCACHE(tc) | MALLOCX_ARENA(N) (~12 ns a pair), created on first use and
 *   destroyed at thread exit;
 * - in front of those, per-(thread, node, size class) magazines (objects up to 1 KiB)
 *   recycle the thread's own frees of another node's objects without a jemalloc call;
 * - free() looks the pointer's node up in the chunk map (two loads) and hands the object
 *   to the cache (or magazine) of *that* node, so no cache ever holds another node's
 *   objects, whichever thread frees.
 *
 * The home node is the first node the thread allocates on; a thread that makes
 * REHOME_STREAK consecutive allocations on one other node moves its home there (one
 * flush of the default cache), so a thread that switches policy regains the fast path.
 *
 * Concurrency: the fast paths touch only thread-local state, the immutable boot tables
 * and the chunk map (plain loads); no lock, no atomic RMW, no system call. Boot is
 * serialised by a mutex and published with a release store.
 *
 * Thread exit: a pthread key created before jemalloc's own (so its destructor runs
 * first) calls nodal_arena_thread_exit(), which destroys the thread's explicit caches
 * (their objects go back to their arenas) and folds the thread's counters. Allocation
 * after that still works, uncached.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>

#include "arena_fast.h"
#include "arena_int.h"
#include "chunkmap.h"
#include "heap.h"
#include "migrate.h"
#include "ialloc.h"
#include "msg.h"
#include "os.h"
#include "topology.h"

#define REHOME_STREAK 256
#define MAG_MAX_SIZE 1024 /* objects up to this size use the per-node magazines */
#define MAG_SLOTS 32
#define MAG_IDX(size) (((size) + 7) >> 3)
#define CPU_REFRESH 1024 /* slow-path operations between getcpu() refreshes */
#define TC_FAILED UINT_MAX

/* jemalloc options (the prefixed build reads nodal_je_malloc_conf, and then the
 * environment variable NODAL_JE_MALLOC_CONF). retain: extents are reused, never unmapped
 * (extent.c relies on it); one automatic arena: nodal never allocates from those.
 * tcache_max: thread caches keep objects up to 1 MiB (jemalloc's default stops at
 * 32 KiB, above which every malloc/free pair takes the arena's large path: 300-500 ns
 * measured here, against tens of ns from a cache); tcache_nslots_large bounds what a
 * thread may keep per large size class (jemalloc's default 20 would let one thread hold
 * 20 MiB of 1 MiB objects per node) — the cache's periodic GC returns unused objects. */
const char *je_malloc_conf = "retain:true,narenas:1,tcache_max:1048576,tcache_nslots_large:4";

struct nodal_arena_global nodal_ag;

/* A magazine: a LIFO of freed objects of one size class of one node, in front of that
 * node's explicit jemalloc cache (whose mallocx/dallocx cost ~12 ns each, against ~3 ns
 * for jemalloc's default-cache malloc/free): objects of a non-home node freed by this
 * thread are reused by its next allocations on that node (INTERLEAVE). */
struct nodal_arena_mag {
	unsigned n;
	void *p[MAG_SLOTS];
};

/* Size classes of jemalloc up to MAG_MAX_SIZE, filled at boot: mag_cls[MAG_IDX(s)] is the
 * class serving a request of s bytes (and the class of an object whose usable size is
 * s); mag_ncls classes. */
static uint8_t mag_cls[MAG_IDX(MAG_MAX_SIZE) + 1];
static unsigned mag_ncls;

__thread struct nodal_arena_tls nodal_arena_tls = { .home = INT_MIN,
						  .home_v = INT_MIN,
						  .fast_free_v = INT_MIN,
						  .cpu_node = -1,
						  .streak_node = -1,
						  .hc = { .node = -1 } };
static pthread_mutex_t boot_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t exit_key;

static void thread_dtor(void *arg)
{
	(void)arg;
	nodal_arena_thread_exit();
}

bool nodal_arena_ready(void)
{
	return __atomic_load_n(&nodal_ag.ready, __ATOMIC_ACQUIRE);
}

int nodal_arena_boot(const struct nodal_topology *topo, const struct nodal_arena_config *cfg)
{
	int err = 0;
	if (nodal_arena_ready())
		return 0;
	pthread_mutex_lock(&boot_lock);
	if (nodal_ag.ready)
		goto out;
	if (!topo || nodes_empty(&topo->memory)) {
		nodal_set_error("arena boot: no memory node in the topology");
		err = EINVAL;
		goto out;
	}
	/* Before jemalloc's first use: this key's destructor then runs before jemalloc's. */
	err = pthread_key_create(&exit_key, thread_dtor);
	if (err) {
		nodal_set_error("arena boot: pthread_key_create failed (errno %d)", err);
		goto out;
	}
	if (cfg)
		nodal_ag.cfg = *cfg;
	nodal_ag.nr_node_ids = topo->nr_node_ids;
	nodal_capacity_init();
	int n;
	for_each_node_mask(n, &topo->memory) {
		extent_hooks_t *hooks = nodal_extent_hooks(n);
		unsigned ind;
		size_t sz = sizeof(ind);
		err = je_mallctl("arenas.create", &ind, &sz, &hooks, sizeof(hooks));
		if (err) {
			nodal_set_error("arena boot: arenas.create for node %d failed (errno %d)", n, err);
			goto out;
		}
		nodal_ag.arena_ind[n] = ind;
		node_set(n, &nodal_ag.nodes);
	}
	size_t prev = 0;
	mag_ncls = 0;
	for (size_t i = 0; i <= MAG_IDX(MAG_MAX_SIZE); i++) {
		size_t u = je_nallocx(i ? i << 3 : 1, 0);
		if (u != prev) {
			mag_ncls++;
			prev = u;
		}
		mag_cls[i] = (uint8_t)(mag_ncls - 1);
	}
	__atomic_store_n(&nodal_ag.ready, true, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&boot_lock);
	return err;
}

static inline void count(struct nodal_arena_tls *t, int node, int k)
{
	nodal_ctr_inc(&t->ctr[node * NODAL_STATS_NCTR + k]);
}

/* Move the home counters into the thread's block (the owner only). */
static void fold_home(struct nodal_arena_tls *t)
{
	int n = t->hc.node;
	if (n < 0)
		return;
	uint64_t *c = &t->ctr[n * NODAL_STATS_NCTR];
	__atomic_store_n(&t->hc.node, -1, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&c[NODAL_STATS_ALLOC], c[NODAL_STATS_ALLOC] + t->hc.alloc, __ATOMIC_RELAXED);
	__atomic_store_n(&c[NODAL_STATS_FREE], c[NODAL_STATS_FREE] + t->hc.free, __ATOMIC_RELAXED);
	__atomic_store_n(&c[NODAL_STATS_EV0 + NODAL_STAT_REMOTE_FREE],
			 c[NODAL_STATS_EV0 + NODAL_STAT_REMOTE_FREE] + t->hc.remote, __ATOMIC_RELAXED);
	t->hc.alloc = t->hc.free = t->hc.remote = 0;
}

/* The free fast path (arena_fast.h) takes home objects freed on the home node only, so
 * that it never needs to count a remote free. */
static void update_fast_free(struct nodal_arena_tls *t)
{
	t->fast_free_v = t->home == t->cpu_node ? t->home_v : INT_MIN;
}

static void refresh_cpu(struct nodal_arena_tls *t)
{
	int cpu, node;
	if (nodal_os()->getcpu(&cpu, &node) == 0) {
		t->cpu_node = node;
		update_fast_free(t);
	}
}

static void thread_init(struct nodal_arena_tls *t)
{
	t->ctr = nodal_stats_thread();
	nodal_stats_thread_home(&t->hc);
	refresh_cpu(t);
	t->init = true;
	pthread_setspecific(exit_key, (void *)1);
}

/* Make @node the thread's home: its objects go through jemalloc's default cache. */
static void set_home(struct nodal_arena_tls *t, int node)
{
	unsigned ind = nodal_ag.arena_ind[node];
	/* Empty the default cache first: it must only ever hold the home arena's objects. */
	je_mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
	if (je_mallctl("thread.arena", NULL, NULL, &ind, sizeof(ind)) == 0) {
		fold_home(t);
		t->home = node;
		t->home_v = CHUNK_ARENA(node);
		update_fast_free(t);
		__atomic_store_n(&t->hc.node, node, __ATOMIC_RELAXED);
	}
}

/* The cache flag for an object of @node (not the home node). */
static int tcache_flag(struct nodal_arena_tls *t, int node)
{
	if (t->dead)
		return MALLOCX_TCACHE_NONE;
	if (!t->tc) {
		t->tc = nodal_icalloc(sizeof(unsigned) * (size_t)nodal_ag.nr_node_ids);
		if (!t->tc)
			return MALLOCX_TCACHE_NONE;
	}
	unsigned id = t->tc[node];
	if (id == 0) {
		unsigned ind;
		size_t sz = sizeof(ind);
		/* Limited to 4096 caches process-wide: past that, uncached (correct, slower). */
		id = je_mallctl("tcache.create", &ind, &sz, NULL, 0) ? TC_FAILED : ind + 1;
		t->tc[node] = id;
	}
	return id == TC_FAILED ? MALLOCX_TCACHE_NONE : MALLOCX_TCACHE(id - 1);
}

static bool valid_node(int node)
{
	return node >= 0 && node < NODAL_MAX_NUMNODES && nodal_arena_ready() && node_isset(node, &nodal_ag.nodes);
}

/* Count a non-home allocation on @node toward rehoming; true when the thread should
 * move its home there (REHOME_STREAK allocations in a row on @node, none on home). */
static inline bool streak(struct nodal_arena_tls *t, int node)
{
	if (node != t->streak_node || t->hc.alloc != t->streak_mark) {
		t->streak_node = node;
		t->streak_mark = t->hc.alloc;
		t->streak = 1;
		return false;
	}
	return ++t->streak >= REHOME_STREAK;
}

/* Everything but the home node's default case: other nodes (their explicit caches),
 * alignment, zeroing, the thread's first allocation, rehoming, bad arguments. */
static __attribute__((noinline)) void *alloc_slow(struct nodal_arena_tls *t, int node, size_t size, size_t align,
						  bool zero)
{
	if (!valid_node(node) || (align & (align - 1))) {
		errno = EINVAL;
		return NULL;
	}
	if (__builtin_expect(!t->init, 0))
		thread_init(t);
	if (++t->slow_ops % CPU_REFRESH == 0)
		refresh_cpu(t);
	if (!t->dead && (t->home == INT_MIN || (node != t->home && streak(t, node)))) {
		set_home(t, node);
		t->streak = 0;
	}
	if (node != t->home && t->mags && t->mags[node] && size <= MAG_MAX_SIZE && align <= 16 && !zero) {
		struct nodal_arena_mag *m = &t->mags[node][mag_cls[MAG_IDX(size)]];
		if (m->n) {
			count(t, node, NODAL_STATS_ALLOC);
			return m->p[--m->n];
		}
	}
	int flags = zero ? MALLOCX_ZERO : 0;
	if (align > 16)
		flags |= MALLOCX_ALIGN(align);
	if (size == 0)
		size = 1; /* mallocx(0) is undefined */
	void *p;
	if (node == t->home) {
		p = je_mallocx(size, flags);
		if (p)
			nodal_ctr_inc(&t->hc.alloc);
	} else {
		p = je_mallocx(size, flags | MALLOCX_ARENA(nodal_ag.arena_ind[node]) | tcache_flag(t, node));
		if (p)
			count(t, node, NODAL_STATS_ALLOC);
	}
	if (!p)
		errno = ENOMEM;
	return p;
}

void *nodal_arena_alloc(int node, size_t size, size_t align, bool zero)
{
	struct nodal_arena_tls *t = &nodal_arena_tls;
	if (__builtin_expect(node == t->home && align <= 16 && !zero, 1)) {
		/* counted before the call so the call is a tail call (a failed allocation,
		 * ENOMEM from jemalloc, is counted too) */
		nodal_ctr_inc(&t->hc.alloc);
		return je_malloc(size);
	}
	return alloc_slow(t, node, size, align, zero);
}

/* The magazine of @node for objects of @usize bytes, created on first use. */
static struct nodal_arena_mag *mag_get(struct nodal_arena_tls *t, int node, size_t usize)
{
	if (!t->mags) {
		t->mags = nodal_icalloc(sizeof(struct nodal_arena_mag *) * (size_t)nodal_ag.nr_node_ids);
		if (!t->mags)
			return NULL;
	}
	if (!t->mags[node]) {
		t->mags[node] = nodal_icalloc(sizeof(struct nodal_arena_mag) * mag_ncls);
		if (!t->mags[node])
			return NULL;
	}
	return &t->mags[node][mag_cls[MAG_IDX(usize)]];
}

/* Give every magazined object back to its arena (thread exit). */
static void mags_drain(struct nodal_arena_tls *t)
{
	if (!t->mags)
		return;
	for (int n = 0; n < nodal_ag.nr_node_ids; n++) {
		struct nodal_arena_mag *ms = t->mags[n];
		if (!ms)
			continue;
		for (unsigned c = 0; c < mag_ncls; c++)
			while (ms[c].n)
				je_dallocx(ms[c].p[--ms[c].n], MALLOCX_TCACHE_NONE);
		nodal_ifree(ms);
	}
	nodal_ifree(t->mags);
	t->mags = NULL;
}

static __attribute__((noinline)) void free_slow(struct nodal_arena_tls *t, void *p, int v, size_t size)
{
	if (v == 0)
		return; /* not nodal's: ignored (the caller decides what foreign pointers mean) */
	if (v < 0) {
		nodal_pages_free(p);
		return;
	}
	int node = CHUNK_NODE(v);
	if (!t->init)
		thread_init(t);
	count(t, node, NODAL_STATS_FREE);
	if (node != t->cpu_node)
		count(t, node, NODAL_STATS_EV0 + NODAL_STAT_REMOTE_FREE);
	if (CHUNK_IS_HEAP(v)) { /* a heap's object: to its arena, never via a cache (heap.c) */
		if (size)
			je_sdallocx(p, size, MALLOCX_TCACHE_NONE);
		else
			je_dallocx(p, MALLOCX_TCACHE_NONE);
		return;
	}
	if (node != t->home && !t->dead) {
		size_t u = size ? size : je_sallocx(p, 0);
		struct nodal_arena_mag *m = u <= MAG_MAX_SIZE ? mag_get(t, node, u) : NULL;
		if (m && m->n < MAG_SLOTS) {
			m->p[m->n++] = p;
			return;
		}
	}
	int flags = node == t->home ? 0 : tcache_flag(t, node);
	if (size)
		je_sdallocx(p, size, flags);
	else
		je_dallocx(p, flags);
}

void nodal_arena_free(void *p)
{
	struct nodal_arena_tls *t = &nodal_arena_tls;
	int v = chunkmap_get(p);
	if (__builtin_expect(v == t->home_v, 1)) {
		nodal_ctr_inc(&t->hc.free);
		if (__builtin_expect(t->home != t->cpu_node, 0))
			nodal_ctr_inc(&t->hc.remote);
		je_free(p);
		return;
	}
	free_slow(t, p, v, 0);
}

void nodal_arena_free_sized(void *p, size_t size)
{
	struct nodal_arena_tls *t = &nodal_arena_tls;
	int v = chunkmap_get(p);
	if (__builtin_expect(v == t->home_v, 1)) {
		nodal_ctr_inc(&t->hc.free);
		if (__builtin_expect(t->home != t->cpu_node, 0))
			nodal_ctr_inc(&t->hc.remote);
		je_sdallocx(p, size ? size : 1, 0);
		return;
	}
	free_slow(t, p, v, size ? size : 1);
}

void *nodal_arena_realloc(void *p, size_t size)
{
	struct nodal_arena_tls *t = &nodal_arena_tls;
	int v = chunkmap_get(p);
	if (v == 0) {
		errno = EINVAL;
		return NULL;
	}
	if (v < 0)
		return nodal_pages_realloc(p, size);
	if (CHUNK_IS_HEAP(v))
		return nodal_heap_arena_realloc(p, size);
	int node = v - 1;
	if (!t->init)
		thread_init(t);
	if (size == 0)
		size = 1;
	/* rallocx grows in place when it can; otherwise it moves within the given arena
	 * and frees the old object into the cache of its own node. */
	int flags = node == t->home ? 0 : MALLOCX_ARENA(nodal_ag.arena_ind[node]) | tcache_flag(t, node);
	void *q = je_rallocx(p, size, flags);
	if (!q) {
		errno = ENOMEM;
		return NULL;
	}
	return q;
}

size_t nodal_arena_usize(const void *p)
{
	int v = chunkmap_get(p);
	if (v > 0)
		return je_sallocx(p, 0);
	if (v < 0)
		return nodal_pages_usize(p);
	return 0;
}

int nodal_arena_node_of(const void *p)
{
	int v = chunkmap_get(p);
	/* arena memory moved by NODAL_MIGRATE reports where it went (migrate.c) */
	return v > 0 ? nodal_migrate_where(CHUNK_NODE(v)) : CHUNK_NODE(v);
}

void nodal_arena_thread_exit(void)
{
	struct nodal_arena_tls *t = &nodal_arena_tls;
	if (t->dead)
		return;
	t->dead = true;
	mags_drain(t);
	if (t->tc) {
		for (int n = 0; n < nodal_ag.nr_node_ids; n++) {
			unsigned id = t->tc[n];
			if (id && id != TC_FAILED) {
				id--;
				je_mallctl("tcache.destroy", NULL, NULL, &id, sizeof(id));
			}
		}
		nodal_ifree(t->tc);
		t->tc = NULL;
	}
	if (t->init) {
		fold_home(t);
		nodal_stats_thread_exit();
	}
	t->ctr = nodal_stats_thread(); /* the shared sink from now on */
}

void nodal_arena_atfork_prepare(void)
{
	pthread_mutex_lock(&boot_lock);
	nodal_stats_atfork_prepare();
}

void nodal_arena_atfork_parent(void)
{
	nodal_stats_atfork_parent();
	pthread_mutex_unlock(&boot_lock);
}

void nodal_arena_atfork_child(void)
{
	nodal_stats_atfork_child();
	pthread_mutex_unlock(&boot_lock);
}
