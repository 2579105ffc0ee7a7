/*
 * capacity.c — when is a node full? Per-node limits (NODAL_NODE_LIMIT) and the
 * free-memory watermark (NODAL_MIN_FREE).
 *
 * Owns: the bytes each node has committed for nodal (arena extents while committed —
 * extent.c adds on alloc/commit and subtracts on decommit, so memory jemalloc retains
 * but has returned to the kernel does not count — and page mappings), the per-node
 * limits, and the set of full nodes that callers (alloc.c) skip.
 *
 * A node is full when committing more would pass its limit, or when the kernel reports less
 * than min_free bytes free on it. Both are checked on slow paths only: when an arena
 * needs a new extent (extent.c hook) or a page mapping is made — never per allocation.
 * Nodes a BIND policy allocates on (nodal_arena_bind_node(), called by alloc.c's walk) get
 * one more check on every new commit: the room check of BIND page mappings
 * (nodal_capacity_bind_room: free plus reclaimable memory, NODAL_BIND_RESERVE), read
 * fresh each time (commits are extent-sized and rare); a refusal marks the node full
 * until a sweep finds room again.
 *
 * The watermark reads node_memory() (a sysfs read on linux), so it is rate-limited to
 * once per node per WATERMARK_NS; a node marked full by the watermark is re-examined at
 * most that often (from any slow path and from nodal_arena_full_nodes()), so it becomes
 * usable again once memory is freed.
 *
 * Concurrency: counters are relaxed atomics; the full mask is a word array updated with
 * atomic or/and and read without locks (a reader may see a stale bit for a moment).
 * Nothing here allocates (called from extent hooks with jemalloc's locks held).
 */
#include <errno.h>
#include <time.h>

#include "arena_int.h"
#include "msg.h"
#include "os.h"

#define WATERMARK_NS 100000000ull /* 100 ms */

uint64_t nodal_committed_bytes[NODAL_MAX_NUMNODES];
static uint64_t node_limit[NODAL_MAX_NUMNODES];
static uint64_t last_check_ns[NODAL_MAX_NUMNODES];
nodemask_t nodal_arena_full_mask; /* arena_int.h */
static nodemask_t watermark_full; /* full because of the watermark (re-examined) */
static nodemask_t bind_nodes;     /* nodes a BIND policy allocates on (nodal_arena_bind_node) */
static nodemask_t room_full;      /* bind_nodes refused for want of room (re-examined) */
static uint64_t last_sweep_ns;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void mask_set(nodemask_t *m, int node, bool on)
{
	uint64_t bit = UINT64_C(1) << (node % 64);
	if (on)
		__atomic_fetch_or(&m->bits[node / 64], bit, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&m->bits[node / 64], ~bit, __ATOMIC_RELAXED);
}

static bool mask_test(const nodemask_t *m, int node)
{
	return (__atomic_load_n(&m->bits[node / 64], __ATOMIC_RELAXED) >> (node % 64)) & 1;
}

/* Is the node below its watermark? Rate-limited; @force skips the rate limit. */
static bool below_watermark(int node, bool force)
{
	uint64_t min_free = nodal_ag.cfg.min_free;
	if (!min_free)
		return false;
	uint64_t now = now_ns();
	uint64_t last = __atomic_load_n(&last_check_ns[node], __ATOMIC_RELAXED);
	if (!force && last && now - last < WATERMARK_NS)
		return mask_test(&watermark_full, node);
	__atomic_store_n(&last_check_ns[node], now, __ATOMIC_RELAXED);
	uint64_t free_b = 0, total_b = 0;
	if (nodal_os()->node_memory(node, &free_b, &total_b))
		return false; /* unknown: do not block the node */
	bool low = free_b < min_free;
	mask_set(&watermark_full, node, low);
	return low;
}

static void update_full(int node)
{
	uint64_t lim = __atomic_load_n(&node_limit[node], __ATOMIC_RELAXED);
	uint64_t mapped = __atomic_load_n(&nodal_committed_bytes[node], __ATOMIC_RELAXED);
	bool full = (lim && mapped >= lim) || mask_test(&watermark_full, node) || mask_test(&room_full, node);
	mask_set(&nodal_arena_full_mask, node, full);
}

/* Re-examine nodes marked full by the watermark or for want of room, at most every
 * WATERMARK_NS. */
static void sweep(void)
{
	bool wm = nodal_ag.cfg.min_free && !nodes_empty(&watermark_full);
	if (!wm && nodes_empty(&room_full))
		return;
	uint64_t now = now_ns(), last = __atomic_load_n(&last_sweep_ns, __ATOMIC_RELAXED);
	if (now - last < WATERMARK_NS ||
	    !__atomic_compare_exchange_n(&last_sweep_ns, &last, now, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	int n;
	nodemask_t m = watermark_full;
	if (wm)
		for_each_node_mask(n, &m) {
			below_watermark(n, true);
			update_full(n);
		}
	m = room_full;
	for_each_node_mask(n, &m) {
		if (nodal_capacity_bind_room(n, 0)) {
			mask_set(&room_full, n, false);
			update_full(n);
		}
	}
}

void nodal_arena_bind_node(int node)
{
	if (node >= 0 && node < NODAL_MAX_NUMNODES && !mask_test(&bind_nodes, node))
		mask_set(&bind_nodes, node, true);
}

void nodal_capacity_init(void)
{
	for (int n = 0; n < NODAL_MAX_NUMNODES; n++)
		node_limit[n] = nodal_ag.cfg.limit[n];
}

bool nodal_capacity_reserve(int node, size_t len)
{
	sweep();
	uint64_t lim = __atomic_load_n(&node_limit[node], __ATOMIC_RELAXED);
	uint64_t before = __atomic_fetch_add(&nodal_committed_bytes[node], len, __ATOMIC_RELAXED);
	if ((lim && before + len > lim) || below_watermark(node, false)) {
		__atomic_fetch_sub(&nodal_committed_bytes[node], len, __ATOMIC_RELAXED);
		mask_set(&nodal_arena_full_mask, node, true);
		return false;
	}
	/* a node BIND allocates on: new memory only while the node has it (arena extents are
	 * bound PREFERRED: past this point their pages would silently come from elsewhere) */
	if (mask_test(&bind_nodes, node) && !nodal_capacity_bind_room(node, len)) {
		__atomic_fetch_sub(&nodal_committed_bytes[node], len, __ATOMIC_RELAXED);
		mask_set(&room_full, node, true);
		mask_set(&nodal_arena_full_mask, node, true);
		return false;
	}
	if (lim && before + len >= lim)
		mask_set(&nodal_arena_full_mask, node, true);
	return true;
}

bool nodal_capacity_bind_room(int node, size_t len)
{
	const struct nodal_os_ops *os = nodal_os();
	uint64_t free_b = 0, total_b = 0, reclaim = 0;
	if (os->node_memory(node, &free_b, &total_b))
		return true;
	if (os->node_reclaimable && os->node_reclaimable(node, &reclaim))
		reclaim = 0;
	uint64_t reserve = nodal_ag.cfg.bind_reserve;
	return free_b + reclaim >= (uint64_t)len + reserve;
}

void nodal_capacity_release(int node, size_t len)
{
	__atomic_fetch_sub(&nodal_committed_bytes[node], len, __ATOMIC_RELAXED);
	update_full(node);
}

const nodemask_t *nodal_arena_full_nodes(void)
{
	sweep();
	return &nodal_arena_full_mask;
}

int nodal_arena_set_limit(int node, uint64_t bytes)
{
	if (node < 0 || node >= NODAL_MAX_NUMNODES) {
		nodal_set_error("node %d out of range (0-%d)", node, NODAL_MAX_NUMNODES - 1);
		return EINVAL;
	}
	__atomic_store_n(&node_limit[node], bytes, __ATOMIC_RELAXED);
	update_full(node);
	return 0;
}

uint64_t nodal_arena_get_limit(int node)
{
	return __atomic_load_n(&node_limit[node], __ATOMIC_RELAXED);
}
