/*
 * migrate.c — NODAL_MIGRATE: move placed pages after the allowed nodes change (see
 * migrate.h for what moves where, and the time bound).
 *
 * The job is a sweep over the chunk map (chunkmap.h) in address order: every run of
 * chunks of one arena whose node has a target is rebound with one mbind(MPOL_PREFERRED,
 * {target}, MPOL_MF_MOVE) call of at most NODAL_MIGRATE_CALL_MAX bytes. The sweep needs
 * no list of extents and sees extents created while it runs; it stops when its pass
 * budget is spent and resumes from the same chunk at the next pass.
 *
 * Why PREFERRED: the arenas' extents are bound PREFERRED to their node (extent.c) so the
 * kernel may still fall back rather than OOM-kill; the moved range keeps that property.
 * Why memory already on an allowed node stays: the point is to leave nodes the task may
 * no longer use, not to reshuffle what is legal (the kernel's do_migrate_pages also
 * skips a node that maps onto itself).
 */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "chunkmap.h"
#include "migrate.h"
#include "msg.h"
#include "os.h"

#define NCHUNKS ((size_t)1 << (CHUNK_ROOT_BITS + CHUNK_LEAF_BITS))
#define LEAF_MASK (((size_t)1 << CHUNK_LEAF_BITS) - 1)

static pthread_mutex_t mig_lock = PTHREAD_MUTEX_INITIALIZER;
static int16_t where[NODAL_MAX_NUMNODES];  /* intended location + 1 of each arena node; 0 = itself */
static int16_t target[NODAL_MAX_NUMNODES]; /* the pending job: target + 1, 0 = leave alone */
static size_t cursor;                       /* next chunk index of the sweep */
static _Atomic bool pending;
static _Atomic uint64_t budget_ns = NODAL_MIGRATE_PASS_NS;
static struct nodal_migrate_stats mst;      /* under mig_lock */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One pass of the sweep with targets @tgt from *@cur; 0 when the sweep is complete,
 * EAGAIN when @budget ran out first. Called with mig_lock held. */
static int sweep(const int16_t *tgt, size_t *cur, uint64_t budget)
{
	const struct nodal_os_ops *os = nodal_os();
	uint64_t start = now_ns();
	size_t c = *cur;
	mst.passes++;
	while (c < NCHUNKS) {
		int16_t *leaf = __atomic_load_n(&nodal_chunk_root[c >> CHUNK_LEAF_BITS], __ATOMIC_ACQUIRE);
		if (!leaf) {
			c = ((c >> CHUNK_LEAF_BITS) + 1) << CHUNK_LEAF_BITS;
			continue;
		}
		int16_t v = __atomic_load_n(&leaf[c & LEAF_MASK], __ATOMIC_RELAXED);
		int node = v > 0 ? CHUNK_NODE(v) : -1;
		if (node < 0 || node >= NODAL_MAX_NUMNODES || !tgt[node]) {
			c++;
			continue;
		}
		/* a run of chunks of the same arena value, within one leaf, up to the call cap */
		size_t n = 1;
		while (n < NODAL_MIGRATE_CALL_MAX / CHUNK_SIZE && ((c + n) & LEAF_MASK) &&
		       __atomic_load_n(&leaf[(c + n) & LEAF_MASK], __ATOMIC_RELAXED) == v)
			n++;
		nodemask_t to = NODE_MASK_NONE;
		node_set(tgt[node] - 1, &to);
		int err = os->mbind((void *)(c << CHUNK_SHIFT), n * CHUNK_SIZE, NODAL_OS_MPOL_PREFERRED, &to,
				    NODAL_OS_MPOL_MF_MOVE);
		mst.calls++;
		if (err)
			mst.failed++; /* e.g. a heap destroyed meanwhile (EFAULT): nothing to move */
		else
			mst.bytes += n * CHUNK_SIZE;
		c += n;
		if (now_ns() - start >= budget) {
			*cur = c;
			return c < NCHUNKS ? EAGAIN : 0;
		}
	}
	*cur = NCHUNKS;
	return 0;
}

/* Run one pass of the pending job (mig_lock held). */
static void pass_locked(void)
{
	if (!atomic_load_explicit(&pending, memory_order_acquire))
		return;
	if (sweep(target, &cursor, atomic_load_explicit(&budget_ns, memory_order_relaxed)) == 0) {
		memset(target, 0, sizeof(target));
		mst.jobs_done++;
		atomic_store_explicit(&pending, false, memory_order_release);
	}
}

void nodal_migrate_rebind(const nodemask_t *old, const nodemask_t *new_allowed, const nodemask_t *arena_nodes)
{
	if (nodes_empty(new_allowed))
		return;
	pthread_mutex_lock(&mig_lock);
	bool unfinished = atomic_load_explicit(&pending, memory_order_acquire);
	bool any = false;
	int n;
	for_each_node_mask(n, arena_nodes) {
		int w = where[n] ? where[n] - 1 : n;
		int want;
		if (node_isset(n, new_allowed))
			want = n; /* allowed (again): its memory belongs on it */
		else if (node_isset(w, new_allowed))
			want = w; /* already on an allowed node: stays */
		else
			want = bitmap_bitremap(w, old->bits, new_allowed->bits, NODAL_MAX_NUMNODES);
		if (want < 0 || want >= NODAL_MAX_NUMNODES || !node_isset(want, new_allowed))
			want = first_node(new_allowed); /* w was not in @old either */
		/* a job cut short may have left chunks behind: sweep its nodes again */
		if (want != w || (unfinished && target[n])) {
			target[n] = (int16_t)(want + 1);
			any = true;
		} else {
			target[n] = 0;
		}
		__atomic_store_n(&where[n], (int16_t)(want + 1), __ATOMIC_RELAXED);
	}
	if (any) {
		cursor = 0;
		atomic_store_explicit(&pending, true, memory_order_release);
		pass_locked();
	}
	pthread_mutex_unlock(&mig_lock);
}

void nodal_migrate_continue(void)
{
	if (!atomic_load_explicit(&pending, memory_order_acquire))
		return;
	if (pthread_mutex_trylock(&mig_lock))
		return; /* a pass is running on another thread */
	pass_locked();
	pthread_mutex_unlock(&mig_lock);
}

int nodal_migrate_where(int node)
{
	if (node < 0 || node >= NODAL_MAX_NUMNODES)
		return node;
	int w = __atomic_load_n(&where[node], __ATOMIC_RELAXED);
	return w ? w - 1 : node;
}

bool nodal_migrate_pending(void)
{
	return atomic_load_explicit(&pending, memory_order_acquire);
}

int nodal_migrate_node(int from, int to, uint64_t budget)
{
	if (from < 0 || from >= NODAL_MAX_NUMNODES || to < 0 || to >= NODAL_MAX_NUMNODES)
		return EINVAL;
	static int16_t one[NODAL_MAX_NUMNODES]; /* under mig_lock */
	static size_t one_cursor;
	static int one_from = -1, one_to = -1;
	pthread_mutex_lock(&mig_lock);
	if (from != one_from || to != one_to) {
		memset(one, 0, sizeof(one));
		one[from] = (int16_t)(to + 1);
		one_cursor = 0;
		one_from = from;
		one_to = to;
	}
	int err = sweep(one, &one_cursor, budget);
	if (!err) {
		one_from = one_to = -1;
		__atomic_store_n(&where[from], (int16_t)(to + 1), __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&mig_lock);
	return err;
}

void nodal_migrate_atfork_child(void)
{
	/* only the forking thread survives; a pass it did not run was mid-way elsewhere:
	 * the state is consistent enough (at worst one chunk run is swept again) */
	pthread_mutex_init(&mig_lock, NULL);
}

void nodal_migrate_get_stats(struct nodal_migrate_stats *out)
{
	pthread_mutex_lock(&mig_lock);
	*out = mst;
	pthread_mutex_unlock(&mig_lock);
}

void nodal_migrate_set_budget(uint64_t ns)
{
	atomic_store_explicit(&budget_ns, ns, memory_order_relaxed);
}
