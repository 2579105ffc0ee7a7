/*
 * os_sim.c — the sim backend: a simulated NUMA machine (see os_sim.h for the model).
 *
 * Storage is static and fixed (nothing is malloc'd): a sorted VMA table, an
 * open-addressing page table (linear probing, backward-shift deletion), the bind log
 * ring. One spinlock guards all of it; real mmap/munmap happen outside it (an address
 * is carved out of the table before it is given back to the kernel, so no other thread
 * can be handed the same address while the table still describes it).
 */
#include "os_sim.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "msg.h"
#include "spinlock.h"
#include "topology.h"

struct sim_vma {
	uintptr_t start, end;
	int mode;   /* NODAL_OS_MPOL_*, DEFAULT = no VMA policy */
	int mflags; /* STATIC / RELATIVE / NUMA_BALANCING */
	int home;   /* -1 none */
	nodemask_t nodes;      /* effective nodes (PREFERRED: the one node) */
	nodemask_t user_nodes; /* as given, for STATIC/RELATIVE (what get_mempolicy returns) */
};

struct sim_page {
	uintptr_t page; /* page address, 0 = empty */
	int node;
};

#define PAGE_MASK_BITS 18
_Static_assert((1u << PAGE_MASK_BITS) == NODAL_SIM_MAX_PAGES, "page table size");

static struct sim {
	int lock;
	int inited;
	size_t page;
	int nr_node_ids, nr_cpu_ids;
	nodemask_t possible, online, memory, allowed;
	uint64_t mems_gen;
	uint64_t capacity[NODAL_MAX_NUMNODES], used[NODAL_MAX_NUMNODES];
	uint8_t full[NODAL_MAX_NUMNODES], weight[NODAL_MAX_NUMNODES], present[NODAL_MAX_NUMNODES];
	uint8_t distance[NODAL_MAX_NUMNODES * NODAL_MAX_NUMNODES];
	int16_t cpu_to_node[NODAL_SIM_MAX_CPUS];
	int first_cpu;
	unsigned features;
	int mbind_denied;
	int membarrier_off;
	int inject_count, inject_err;
	size_t nvmas;
	struct sim_vma vmas[NODAL_SIM_MAX_VMAS];
	size_t npages;
	struct sim_page pages[NODAL_SIM_MAX_PAGES];
	size_t log_total;
	struct nodal_sim_bind log[NODAL_SIM_LOG];
} S;

static struct nodal_os_stats sim_stats;

/* Per-thread CPU and affinity; the generation ties them to one init of the machine. */
static __thread int t_cpu = -1;
static __thread int t_aff_set;
static __thread uint64_t t_gen;
static __thread uint64_t t_aff[NODAL_SIM_MAX_CPUS / 64];
static uint64_t sim_gen = 1;

#define ALL_FEATURES                                                                                  \
	(NODAL_OS_HAS_PREFERRED_MANY | NODAL_OS_HAS_WEIGHTED_INTERLEAVE | NODAL_OS_HAS_HOME_NODE |        \
	 NODAL_OS_HAS_MBIND)

static void lock(void)
{
	nodal_spin_lock(&S.lock);
}

static void unlock(void)
{
	nodal_spin_unlock(&S.lock);
}

/* ---- machine set-up ------------------------------------------------------------ */

static int dist(int a, int b)
{
	return S.distance[a * S.nr_node_ids + b];
}

static void reset_state(void)
{
	S.allowed = S.memory;
	S.mems_gen = 0;
	memset(S.used, 0, sizeof(S.used));
	memset(S.full, 0, sizeof(S.full));
	memset(S.weight, 1, sizeof(S.weight));
	S.features = ALL_FEATURES;
	S.mbind_denied = 0;
	S.membarrier_off = 0;
	S.inject_count = 0;
	S.nvmas = 0;
	S.npages = 0;
	memset(S.pages, 0, sizeof(S.pages));
	S.log_total = 0;
	__atomic_store_n(&sim_gen, sim_gen + 1, __ATOMIC_RELAXED);
}

static void setup_default(void)
{
	S.page = (size_t)sysconf(_SC_PAGESIZE);
	S.nr_node_ids = 1;
	S.nr_cpu_ids = 2;
	nodes_clear(&S.possible);
	node_set(0, &S.possible);
	S.online = S.memory = S.possible;
	memset(S.present, 0, sizeof(S.present));
	memset(S.capacity, 0, sizeof(S.capacity));
	S.present[0] = 1;
	S.capacity[0] = UINT64_C(4) << 30;
	S.distance[0] = NODAL_DISTANCE_LOCAL;
	S.cpu_to_node[0] = S.cpu_to_node[1] = 0;
	S.first_cpu = 0;
	reset_state();
	__atomic_store_n(&S.inited, 1, __ATOMIC_RELEASE);
}

static void ensure_init(void)
{
	if (__builtin_expect(__atomic_load_n(&S.inited, __ATOMIC_ACQUIRE), 1))
		return;
	lock();
	if (!S.inited)
		setup_default();
	unlock();
}

int nodal_sim_init(const struct nodal_topology *t)
{
	if (!t || t->nr_node_ids <= 0 || t->nr_node_ids > NODAL_MAX_NUMNODES || t->nr_cpu_ids < 0 ||
	    t->nr_cpu_ids > NODAL_SIM_MAX_CPUS || !t->nodes) {
		nodal_set_error("sim: topology outside the simulator's limits (%d nodes, %d CPUs)",
		                t ? t->nr_node_ids : 0, t ? t->nr_cpu_ids : 0);
		return EINVAL;
	}
	nodemask_t memory = NODE_MASK_NONE;
	for (int n = 0; n < t->nr_node_ids; n++)
		if (t->nodes[n].present && t->nodes[n].has_memory)
			node_set(n, &memory);
	if (nodes_empty(&memory)) {
		nodal_set_error("sim: the topology has no memory node");
		return EINVAL;
	}
	lock();
	S.page = (size_t)sysconf(_SC_PAGESIZE);
	S.nr_node_ids = t->nr_node_ids;
	S.nr_cpu_ids = t->nr_cpu_ids;
	nodes_clear(&S.possible);
	memset(S.present, 0, sizeof(S.present));
	memset(S.capacity, 0, sizeof(S.capacity));
	for (int n = 0; n < t->nr_node_ids; n++) {
		if (!t->nodes[n].present)
			continue;
		S.present[n] = 1;
		node_set(n, &S.possible);
		S.capacity[n] = t->nodes[n].has_memory ? t->nodes[n].memory_bytes : 0;
	}
	S.online = S.possible;
	S.memory = memory;
	for (int a = 0; a < t->nr_node_ids; a++)
		for (int b = 0; b < t->nr_node_ids; b++)
			S.distance[a * t->nr_node_ids + b] =
				t->distance ? (uint8_t)nodal_node_distance(t, a, b)
				            : (a == b ? NODAL_DISTANCE_LOCAL : NODAL_DISTANCE_REMOTE);
	S.first_cpu = -1;
	for (int c = 0; c < NODAL_SIM_MAX_CPUS; c++) {
		S.cpu_to_node[c] = c < t->nr_cpu_ids && t->cpu_to_node ? t->cpu_to_node[c] : -1;
		if (S.cpu_to_node[c] >= 0 && S.first_cpu < 0)
			S.first_cpu = c;
	}
	if (S.first_cpu < 0) { /* a topology without CPUs: give node 0's first memory node one */
		S.first_cpu = 0;
		S.cpu_to_node[0] = (int16_t)first_node(&memory);
		if (S.nr_cpu_ids < 1)
			S.nr_cpu_ids = 1;
	}
	reset_state();
	__atomic_store_n(&S.inited, 1, __ATOMIC_RELEASE);
	unlock();
	return 0;
}

void nodal_sim_reset(void)
{
	lock();
	setup_default();
	unlock();
}

/* ---- threads --------------------------------------------------------------------- */

static bool cpu_exists(int c)
{
	return c >= 0 && c < S.nr_cpu_ids && c < NODAL_SIM_MAX_CPUS && S.cpu_to_node[c] >= 0;
}

static void thread_sync(void)
{
	uint64_t g = __atomic_load_n(&sim_gen, __ATOMIC_RELAXED);
	if (t_gen != g) { /* a new machine: forget this thread's CPU and affinity */
		t_gen = g;
		t_cpu = -1;
		t_aff_set = 0;
	}
}

static bool in_affinity(int c)
{
	if (!t_aff_set)
		return cpu_exists(c);
	return cpu_exists(c) && (t_aff[c / 64] >> (c % 64) & 1);
}

static int thread_cpu(void)
{
	thread_sync();
	if (t_cpu >= 0 && in_affinity(t_cpu))
		return t_cpu;
	for (int c = 0; c < S.nr_cpu_ids; c++)
		if (in_affinity(c))
			return t_cpu = c;
	return t_cpu = S.first_cpu;
}

int nodal_sim_set_cpu(int cpu)
{
	ensure_init();
	thread_sync();
	if (!in_affinity(cpu))
		return EINVAL;
	t_cpu = cpu;
	return 0;
}

int nodal_sim_set_affinity(const uint64_t *cpus, int ncpus)
{
	ensure_init();
	thread_sync();
	uint64_t m[NODAL_SIM_MAX_CPUS / 64] = { 0 };
	bool any = false;
	for (int c = 0; c < ncpus && c < NODAL_SIM_MAX_CPUS; c++)
		if ((cpus[c / 64] >> (c % 64) & 1) && cpu_exists(c)) {
			m[c / 64] |= UINT64_C(1) << (c % 64);
			any = true;
		}
	if (!any)
		return EINVAL;
	memcpy(t_aff, m, sizeof(m));
	t_aff_set = 1;
	(void)thread_cpu(); /* migrate if the current CPU left the set */
	return 0;
}

static int thread_node(void)
{
	return S.cpu_to_node[thread_cpu()];
}

static int sim_getcpu(int *cpu, int *node)
{
	ensure_init();
	int c = thread_cpu();
	if (cpu)
		*cpu = c;
	if (node)
		*node = S.cpu_to_node[c];
	return 0;
}

static int sim_getaffinity(uint64_t *cpus, int ncpus)
{
	if (ncpus <= 0)
		return EINVAL;
	ensure_init();
	thread_sync();
	if (ncpus < S.nr_cpu_ids) /* the kernel: a mask shorter than nr_cpu_ids is EINVAL */
		return EINVAL;
	memset(cpus, 0, (size_t)(ncpus + 63) / 64 * 8);
	for (int c = 0; c < S.nr_cpu_ids; c++)
		if (in_affinity(c))
			cpus[c / 64] |= UINT64_C(1) << (c % 64);
	return 0;
}

/* ---- simple setters ------------------------------------------------------------- */

static bool node_ok(int node)
{
	return node >= 0 && node < S.nr_node_ids && S.present[node];
}

int nodal_sim_set_mems_allowed(const nodemask_t *m)
{
	ensure_init();
	nodemask_t a;
	nodes_and(&a, m, &S.memory);
	if (nodes_empty(&a))
		return EINVAL;
	lock();
	S.allowed = a;
	S.mems_gen++;
	unlock();
	return 0;
}

uint64_t nodal_sim_mems_generation(void)
{
	return __atomic_load_n(&S.mems_gen, __ATOMIC_RELAXED);
}

int nodal_sim_set_node_full(int node, bool full)
{
	ensure_init();
	if (!node_ok(node))
		return EINVAL;
	__atomic_store_n(&S.full[node], full ? 1 : 0, __ATOMIC_RELAXED);
	return 0;
}

int nodal_sim_set_capacity(int node, uint64_t bytes)
{
	ensure_init();
	if (!node_ok(node) || !node_isset(node, &S.memory))
		return EINVAL;
	lock();
	S.capacity[node] = bytes;
	unlock();
	return 0;
}

int nodal_sim_set_weight(int node, unsigned weight)
{
	ensure_init();
	if (!node_ok(node) || weight < 1 || weight > 255)
		return EINVAL;
	lock();
	S.weight[node] = (uint8_t)weight;
	unlock();
	return 0;
}

void nodal_sim_set_features(unsigned features)
{
	ensure_init();
	lock();
	S.features = features & ALL_FEATURES;
	S.mbind_denied = 0;
	unlock();
}

void nodal_sim_set_membarrier(bool available)
{
	ensure_init();
	__atomic_store_n(&S.membarrier_off, available ? 0 : 1, __ATOMIC_RELAXED);
}

void nodal_sim_inject_mbind_failure(int count, int err)
{
	ensure_init();
	lock();
	S.inject_count = count;
	S.inject_err = err;
	unlock();
}

/* ---- page table ------------------------------------------------------------------- */

static size_t page_hash(uintptr_t pg)
{
	return (size_t)(((uint64_t)pg * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - PAGE_MASK_BITS));
}

static struct sim_page *page_find(uintptr_t pg)
{
	for (size_t i = page_hash(pg);; i = (i + 1) & (NODAL_SIM_MAX_PAGES - 1)) {
		if (S.pages[i].page == pg)
			return &S.pages[i];
		if (!S.pages[i].page)
			return NULL;
	}
}

static int page_insert(uintptr_t pg, int node)
{
	if (S.npages >= NODAL_SIM_MAX_PAGES / 8 * 7)
		return ENOMEM;
	size_t i = page_hash(pg);
	while (S.pages[i].page)
		i = (i + 1) & (NODAL_SIM_MAX_PAGES - 1);
	S.pages[i].page = pg;
	S.pages[i].node = node;
	S.npages++;
	S.used[node] += S.page;
	return 0;
}

/* Backward-shift deletion: keeps every probe chain unbroken without tombstones. */
static void page_delete(struct sim_page *e)
{
	const size_t mask = NODAL_SIM_MAX_PAGES - 1;
	size_t i = (size_t)(e - S.pages), j = i;
	S.used[e->node] -= S.page;
	S.npages--;
	for (;;) {
		S.pages[i].page = 0;
		for (;;) {
			j = (j + 1) & mask;
			if (!S.pages[j].page)
				return;
			size_t k = page_hash(S.pages[j].page);
			/* entry j may move to i unless its home k lies cyclically in (i, j] */
			bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
			if (!stays)
				break;
		}
		S.pages[i] = S.pages[j];
		i = j;
	}
}

static void pages_forget(uintptr_t start, uintptr_t end)
{
	size_t n = (end - start) / S.page;
	if (n <= 2 * NODAL_SIM_MAX_PAGES) {
		for (uintptr_t a = start; a < end; a += S.page) {
			struct sim_page *e = page_find(a);
			if (e)
				page_delete(e);
		}
		return;
	}
	for (size_t i = 0; i < NODAL_SIM_MAX_PAGES;) {
		uintptr_t pg = S.pages[i].page;
		if (pg && pg >= start && pg < end)
			page_delete(&S.pages[i]); /* another entry may have moved into i: look again */
		else
			i++;
	}
}

/* ---- VMA table ---------------------------------------------------------------------- */

/* Index of the first VMA whose end > @addr. */
static size_t vma_search(uintptr_t addr)
{
	size_t lo = 0, hi = S.nvmas;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (S.vmas[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct sim_vma *vma_find(uintptr_t addr)
{
	size_t i = vma_search(addr);
	return i < S.nvmas && S.vmas[i].start <= addr ? &S.vmas[i] : NULL;
}

static bool vma_insert_at(size_t i, const struct sim_vma *v)
{
	if (S.nvmas >= NODAL_SIM_MAX_VMAS)
		return false;
	memmove(&S.vmas[i + 1], &S.vmas[i], (S.nvmas - i) * sizeof(S.vmas[0]));
	S.vmas[i] = *v;
	S.nvmas++;
	return true;
}

static void vma_remove_at(size_t i)
{
	memmove(&S.vmas[i], &S.vmas[i + 1], (S.nvmas - i - 1) * sizeof(S.vmas[0]));
	S.nvmas--;
}

/* Make @addr a VMA boundary (kernel: split_vma). False when the table is full. */
static bool vma_split(uintptr_t addr)
{
	size_t i = vma_search(addr);
	if (i >= S.nvmas || S.vmas[i].start >= addr)
		return true;
	struct sim_vma tail = S.vmas[i];
	tail.start = addr;
	if (!vma_insert_at(i + 1, &tail))
		return false;
	S.vmas[i].end = addr;
	return true;
}

/* Is [start, end) covered by VMAs without a hole? */
static bool vma_covered(uintptr_t start, uintptr_t end)
{
	size_t i = vma_search(start);
	uintptr_t at = start;
	for (; i < S.nvmas && at < end; i++) {
		if (S.vmas[i].start > at)
			return false;
		at = S.vmas[i].end;
	}
	return at >= end;
}

static bool same_policy(const struct sim_vma *a, const struct sim_vma *b)
{
	return a->mode == b->mode && a->mflags == b->mflags && a->home == b->home && nodes_equal(&a->nodes, &b->nodes) &&
	       nodes_equal(&a->user_nodes, &b->user_nodes);
}

/* Merge adjacent VMAs with equal policies around [start, end) (kernel: vma_merge). */
static void vma_merge_around(uintptr_t start, uintptr_t end)
{
	size_t i = vma_search(start);
	if (i > 0)
		i--;
	while (i + 1 < S.nvmas && S.vmas[i].start < end + 1) {
		struct sim_vma *a = &S.vmas[i], *b = &S.vmas[i + 1];
		if (a->end == b->start && same_policy(a, b)) {
			a->end = b->end;
			vma_remove_at(i + 1);
		} else {
			i++;
		}
	}
}

/* Remove [start, end) from the table. */
static bool vma_carve(uintptr_t start, uintptr_t end)
{
	if (!vma_split(start) || !vma_split(end))
		return false;
	size_t i = vma_search(start);
	while (i < S.nvmas && S.vmas[i].start < end)
		vma_remove_at(i);
	return true;
}

/* ---- placement ------------------------------------------------------------------------ */

static bool has_room(int n)
{
	return node_isset(n, &S.memory) && !__atomic_load_n(&S.full[n], __ATOMIC_RELAXED) &&
	       S.capacity[n] >= S.used[n] + S.page;
}

/* The node of @cand with room nearest to @from (ties: lowest id), or -1. */
static int nearest_with_room(int from, const nodemask_t *cand)
{
	int best = -1, bd = 1 << 30, n;
	for_each_node_mask(n, cand) {
		if (!has_room(n))
			continue;
		int d = from >= 0 ? dist(from, n) : 0;
		if (d < bd) {
			bd = d;
			best = n;
		}
	}
	return best;
}

/* kernel: interleave_nid() / offset_il_node(): anonymous VMAs use the page number. */
static int interleave_target(const struct sim_vma *v, const nodemask_t *eff, uintptr_t pg)
{
	uint64_t off = pg / S.page;
	int n;
	if (v->mode == NODAL_OS_MPOL_WEIGHTED_INTERLEAVE) {
		uint64_t total = 0;
		for_each_node_mask(n, eff)
			total += S.weight[n];
		uint64_t t = off % total;
		for_each_node_mask(n, eff) {
			if (t < S.weight[n])
				return n;
			t -= S.weight[n];
		}
		return first_node(eff);
	}
	return node_at_ord(eff, (int)(off % (uint64_t)nodes_weight(eff)));
}

/* Choose the node of page @pg (lock held). Returns the node or -ENOMEM. */
static int place(uintptr_t pg)
{
	const struct sim_vma *v = vma_find(pg);
	int local = thread_node();
	nodemask_t eff;
	int n = -1;
	int mode = v ? v->mode : NODAL_OS_MPOL_DEFAULT;
	int start = local;
	if (v && v->home >= 0)
		start = v->home;
	switch (mode) {
	case NODAL_OS_MPOL_PREFERRED: {
		int p = first_node(&v->nodes);
		if (node_isset(p, &S.allowed) && has_room(p))
			n = p;
		else
			n = nearest_with_room(p, &S.allowed);
		break;
	}
	case NODAL_OS_MPOL_BIND:
		nodes_and(&eff, &v->nodes, &S.allowed);
		if (nodes_empty(&eff)) /* kernel: cpuset_nodemask_valid_mems_allowed() */
			eff = S.allowed;
		n = nearest_with_room(start, &eff);
		break;
	case NODAL_OS_MPOL_PREFERRED_MANY:
		nodes_and(&eff, &v->nodes, &S.allowed);
		n = nearest_with_room(start, &eff);
		if (n < 0)
			n = nearest_with_room(start, &S.allowed);
		break;
	case NODAL_OS_MPOL_INTERLEAVE:
	case NODAL_OS_MPOL_WEIGHTED_INTERLEAVE: {
		nodes_and(&eff, &v->nodes, &S.allowed);
		if (nodes_empty(&eff))
			eff = S.allowed;
		int t = interleave_target(v, &eff, pg);
		n = has_room(t) ? t : nearest_with_room(t, &S.allowed);
		break;
	}
	default: /* DEFAULT, LOCAL */
		n = node_isset(local, &S.allowed) && has_room(local) ? local : nearest_with_room(local, &S.allowed);
		break;
	}
	return n < 0 ? -ENOMEM : n;
}

/* Node of page @pg, faulting it in if needed (lock held). -EFAULT, -ENOMEM. */
static int fault(uintptr_t pg)
{
	if (!vma_find(pg))
		return -EFAULT;
	struct sim_page *e = page_find(pg);
	if (e)
		return e->node;
	int n = place(pg);
	if (n < 0)
		return n;
	if (page_insert(pg, n))
		return -ENOMEM;
	return n;
}

int nodal_sim_touch(void *addr, size_t len)
{
	ensure_init();
	uintptr_t start = (uintptr_t)addr & ~(uintptr_t)(S.page - 1);
	uintptr_t end = (uintptr_t)addr + len;
	int err = 0;
	lock();
	for (uintptr_t a = start; a < end && !err; a += S.page) {
		int n = fault(a);
		if (n < 0)
			err = -n;
	}
	unlock();
	return err;
}

uint64_t nodal_sim_node_used(int node)
{
	ensure_init();
	if (!node_ok(node))
		return 0;
	lock();
	uint64_t u = S.used[node];
	unlock();
	return u;
}

/* ---- ops ---------------------------------------------------------------------------------- */

static void *sim_map(size_t len, size_t align, int *err)
{
	ensure_init();
	void *p = nodal_os_map_aligned(len, align, err);
	if (!p)
		return NULL;
	len = (len + S.page - 1) & ~(S.page - 1);
	struct sim_vma v = { .start = (uintptr_t)p, .end = (uintptr_t)p + len, .mode = NODAL_OS_MPOL_DEFAULT, .home = -1 };
	lock();
	bool ok = vma_carve(v.start, v.end) && vma_insert_at(vma_search(v.start), &v);
	if (ok)
		vma_merge_around(v.start, v.end);
	unlock();
	if (!ok) {
		munmap(p, len);
		*err = ENOMEM;
		return NULL;
	}
	nodal_os_count(&sim_stats.maps);
	return p;
}

static int sim_unmap(void *addr, size_t len)
{
	ensure_init();
	uintptr_t start = (uintptr_t)addr, end = start + ((len + S.page - 1) & ~(S.page - 1));
	if (start & (S.page - 1) || len == 0)
		return EINVAL;
	lock();
	bool ok = vma_carve(start, end);
	if (ok)
		pages_forget(start, end);
	unlock();
	if (!ok)
		return ENOMEM; /* kernel: splitting needs a VMA beyond the map count */
	if (munmap(addr, len) != 0)
		return errno;
	nodal_os_count(&sim_stats.unmaps);
	return 0;
}

static int sim_madvise(void *addr, size_t len, int advice)
{
	ensure_init();
	if (madvise(addr, len, advice) != 0)
		return errno;
	if (advice == MADV_DONTNEED || advice == MADV_FREE || advice == MADV_REMOVE) {
		uintptr_t start = (uintptr_t)addr, end = start + ((len + S.page - 1) & ~(S.page - 1));
		lock();
		pages_forget(start, end);
		unlock();
	}
	/* kernel: madvise_populate() faults every page in under the VMA's policy; a page
	 * no node can take is ENOMEM here (the real kernel's OOM killer under BIND) */
	if (advice == MADV_POPULATE_READ || advice == MADV_POPULATE_WRITE)
		return nodal_sim_touch(addr, len);
	return 0;
}

static void log_bind(enum nodal_sim_op op, void *addr, size_t len, int mode, const nodemask_t *nodes, unsigned flags,
                     int home, int result)
{
	struct nodal_sim_bind *b = &S.log[S.log_total % NODAL_SIM_LOG];
	memset(b, 0, sizeof(*b));
	b->op = op;
	b->start = (uintptr_t)addr;
	b->len = len;
	b->mode = mode;
	b->flags = flags;
	b->home_node = home;
	if (nodes)
		b->nodes = *nodes;
	b->result = result;
	S.log_total++;
}

/* Does page node @n comply with the policy of @v (for MPOL_MF_STRICT / MOVE)? */
static bool complies(const struct sim_vma *v, int n)
{
	switch (v->mode) {
	case NODAL_OS_MPOL_BIND:
	case NODAL_OS_MPOL_INTERLEAVE:
	case NODAL_OS_MPOL_WEIGHTED_INTERLEAVE:
	case NODAL_OS_MPOL_PREFERRED_MANY:
	case NODAL_OS_MPOL_PREFERRED:
		return node_isset(n, &v->nodes);
	default:
		return true;
	}
}

/*
 * The kernel's checks, in its order: do_mbind() flags and range, sanitize_mpol_flags(),
 * mpol_new(), mpol_set_nodemask(). Fills @v's policy on success.
 */
static int mbind_validate(void *addr, size_t len, int mode, const nodemask_t *nodes, unsigned flags,
                          struct sim_vma *v)
{
	int mflags = mode & NODAL_OS_MPOL_MODE_FLAGS;
	int m = mode & ~NODAL_OS_MPOL_MODE_FLAGS;
	nodemask_t in = nodes ? *nodes : NODE_MASK_NONE;
	if (flags & ~(unsigned)(NODAL_OS_MPOL_MF_STRICT | NODAL_OS_MPOL_MF_MOVE | NODAL_OS_MPOL_MF_MOVE_ALL))
		return EINVAL;
	if ((uintptr_t)addr & (S.page - 1))
		return EINVAL;
	if (m < 0 || m > NODAL_OS_MPOL_WEIGHTED_INTERLEAVE)
		return EINVAL;
	if (m == NODAL_OS_MPOL_PREFERRED_MANY && !(S.features & NODAL_OS_HAS_PREFERRED_MANY))
		return EINVAL;
	if (m == NODAL_OS_MPOL_WEIGHTED_INTERLEAVE && !(S.features & NODAL_OS_HAS_WEIGHTED_INTERLEAVE))
		return EINVAL;
	if ((mflags & NODAL_OS_MPOL_F_STATIC_NODES) && (mflags & NODAL_OS_MPOL_F_RELATIVE_NODES))
		return EINVAL;
	if ((mflags & NODAL_OS_MPOL_F_NUMA_BALANCING) && m != NODAL_OS_MPOL_BIND && m != NODAL_OS_MPOL_PREFERRED_MANY)
		return EINVAL;
	int sr = mflags & (NODAL_OS_MPOL_F_STATIC_NODES | NODAL_OS_MPOL_F_RELATIVE_NODES);
	if (m == NODAL_OS_MPOL_DEFAULT) {
		if (!nodes_empty(&in))
			return EINVAL;
	} else if (m == NODAL_OS_MPOL_PREFERRED && nodes_empty(&in)) {
		if (sr)
			return EINVAL;
		m = NODAL_OS_MPOL_LOCAL;
	} else if (m == NODAL_OS_MPOL_LOCAL) {
		if (!nodes_empty(&in) || sr)
			return EINVAL;
	} else if (nodes_empty(&in)) {
		return EINVAL;
	}
	v->mode = m;
	v->mflags = mflags;
	v->home = -1;
	nodes_clear(&v->nodes);
	nodes_clear(&v->user_nodes);
	if (m == NODAL_OS_MPOL_DEFAULT || m == NODAL_OS_MPOL_LOCAL)
		return 0;
	/* kernel: mpol_set_nodemask() against cpuset mems ∩ N_MEMORY */
	nodemask_t use;
	if (mflags & NODAL_OS_MPOL_F_RELATIVE_NODES)
		nodes_relative(&use, &in, &S.allowed);
	else
		nodes_and(&use, &in, &S.allowed);
	if (nodes_empty(&use))
		return EINVAL;
	if (sr)
		v->user_nodes = in;
	if (m == NODAL_OS_MPOL_PREFERRED)
		node_set(first_node(&use), &v->nodes);
	else
		v->nodes = use;
	return 0;
}

static int sim_mbind_locked(void *addr, size_t len, int mode, const nodemask_t *nodes, unsigned flags)
{
	if (S.inject_count > 0) {
		S.inject_count--;
		return S.inject_err;
	}
	if (!(S.features & NODAL_OS_HAS_MBIND))
		return EPERM;
	struct sim_vma pol;
	int err = mbind_validate(addr, len, mode, nodes, flags, &pol);
	if (err)
		return err;
	uintptr_t start = (uintptr_t)addr, end = start + ((len + S.page - 1) & ~(S.page - 1));
	if (end < start)
		return EINVAL;
	if (end == start)
		return 0;
	if (!vma_covered(start, end))
		return EFAULT;
	if (!vma_split(start) || !vma_split(end))
		return ENOMEM;
	for (size_t i = vma_search(start); i < S.nvmas && S.vmas[i].start < end; i++) {
		struct sim_vma *v = &S.vmas[i];
		pol.start = v->start;
		pol.end = v->end;
		*v = pol;
	}
	/* MPOL_MF_MOVE: re-place pages that break the new policy; MPOL_MF_STRICT: EIO for
	 * pages left misplaced (kernel: do_mbind() → queue_pages_range()). */
	bool misplaced = false;
	if (flags & (NODAL_OS_MPOL_MF_STRICT | NODAL_OS_MPOL_MF_MOVE | NODAL_OS_MPOL_MF_MOVE_ALL)) {
		for (uintptr_t a = start; a < end; a += S.page) {
			struct sim_page *e = page_find(a);
			if (!e || complies(&pol, e->node))
				continue;
			if (flags & (NODAL_OS_MPOL_MF_MOVE | NODAL_OS_MPOL_MF_MOVE_ALL)) {
				int n = place(a);
				if (n >= 0 && complies(&pol, n)) {
					S.used[e->node] -= S.page;
					S.used[n] += S.page;
					e->node = n;
					continue;
				}
			}
			misplaced = true;
		}
	}
	vma_merge_around(start, end);
	return misplaced && (flags & NODAL_OS_MPOL_MF_STRICT) ? EIO : 0;
}

static int sim_mbind(void *addr, size_t len, int mode, const nodemask_t *nodes, unsigned flags)
{
	ensure_init();
	nodal_os_count(&sim_stats.mbind_calls);
	lock();
	int err = S.mbind_denied ? EPERM : sim_mbind_locked(addr, len, mode, nodes, flags);
	log_bind(NODAL_SIM_OP_MBIND, addr, len, mode, nodes, flags, -1, err);
	unlock();
	if (err) {
		nodal_os_count(&sim_stats.mbind_failures);
		if (err == EPERM && !(flags & NODAL_OS_MPOL_MF_MOVE_ALL))
			nodal_os_note_eperm(&sim_stats, &S.mbind_denied, "sim");
	}
	return err;
}

/* kernel: set_mempolicy_home_node(): only BIND and PREFERRED_MANY ranges take one. */
static int sim_set_home_node(void *addr, size_t len, int node)
{
	ensure_init();
	uintptr_t start = (uintptr_t)addr, end = start + ((len + S.page - 1) & ~(S.page - 1));
	int err = 0;
	lock();
	if (!(S.features & NODAL_OS_HAS_HOME_NODE))
		err = ENOSYS;
	else if (start & (S.page - 1) || node < 0 || node >= NODAL_MAX_NUMNODES || !node_isset(node, &S.online))
		err = EINVAL;
	else if (end > start) {
		for (size_t i = vma_search(start); i < S.nvmas && S.vmas[i].start < end && !err; i++)
			if (S.vmas[i].mode != NODAL_OS_MPOL_BIND && S.vmas[i].mode != NODAL_OS_MPOL_PREFERRED_MANY)
				err = EOPNOTSUPP;
		if (!err && (!vma_split(start) || !vma_split(end)))
			err = ENOMEM;
		for (size_t i = vma_search(start); !err && i < S.nvmas && S.vmas[i].start < end; i++)
			S.vmas[i].home = node;
		if (!err)
			vma_merge_around(start, end);
	}
	log_bind(NODAL_SIM_OP_HOME_NODE, addr, len, 0, NULL, 0, node, err);
	unlock();
	return err;
}

static int sim_get_mempolicy(int *mode, nodemask_t *nodes, void *addr, unsigned flags)
{
	ensure_init();
	if (flags & ~(unsigned)(NODAL_OS_MPOL_F_NODE | NODAL_OS_MPOL_F_ADDR | NODAL_OS_MPOL_F_MEMS_ALLOWED))
		return EINVAL;
	if (nodes)
		nodes_clear(nodes);
	int err = 0, m = 0;
	lock();
	if (flags & NODAL_OS_MPOL_F_MEMS_ALLOWED) {
		if (flags & (NODAL_OS_MPOL_F_NODE | NODAL_OS_MPOL_F_ADDR))
			err = EINVAL;
		else if (nodes)
			*nodes = S.allowed;
	} else if (flags & NODAL_OS_MPOL_F_ADDR) {
		uintptr_t pg = (uintptr_t)addr & ~(uintptr_t)(S.page - 1);
		const struct sim_vma *v = vma_find(pg);
		if (!v) {
			err = EFAULT;
		} else if (flags & NODAL_OS_MPOL_F_NODE) {
			int n = fault(pg); /* kernel: lookup_node() faults the page in */
			if (n < 0)
				err = -n;
			else
				m = n;
		} else {
			m = v->mode | v->mflags;
			if (nodes && v->mode != NODAL_OS_MPOL_DEFAULT && v->mode != NODAL_OS_MPOL_LOCAL)
				*nodes = v->mflags & (NODAL_OS_MPOL_F_STATIC_NODES | NODAL_OS_MPOL_F_RELATIVE_NODES)
				                 ? v->user_nodes
				                 : v->nodes;
		}
	} else if (flags & NODAL_OS_MPOL_F_NODE) {
		err = EINVAL; /* the task policy is DEFAULT: no interleave node to report */
	}
	unlock();
	if (!err && mode)
		*mode = m;
	return err;
}

static int sim_query_pages(size_t count, void *const *pages, int *status)
{
	ensure_init();
	lock();
	for (size_t i = 0; i < count; i++)
		status[i] = fault((uintptr_t)pages[i] & ~(uintptr_t)(S.page - 1));
	unlock();
	return 0;
}

static int sim_node_memory(int node, uint64_t *free_bytes, uint64_t *total_bytes)
{
	ensure_init();
	if (!node_ok(node))
		return EINVAL;
	lock();
	uint64_t tot = S.capacity[node], used = S.used[node];
	bool full = S.full[node];
	unlock();
	if (total_bytes)
		*total_bytes = tot;
	if (free_bytes)
		*free_bytes = full || used >= tot ? 0 : tot - used;
	return 0;
}

/* The simulated machine has no page cache: nothing to reclaim. */
static int sim_node_reclaimable(int node, uint64_t *bytes)
{
	ensure_init();
	if (!node_ok(node))
		return EINVAL;
	*bytes = 0;
	return 0;
}

static unsigned sim_features(void)
{
	ensure_init();
	unsigned f = __atomic_load_n(&S.features, __ATOMIC_RELAXED);
	if (__atomic_load_n(&S.mbind_denied, __ATOMIC_RELAXED))
		f &= ~(unsigned)NODAL_OS_HAS_MBIND;
	return f;
}

static int sim_membarrier_register(void)
{
	if (__atomic_load_n(&S.membarrier_off, __ATOMIC_RELAXED))
		return ENOSYS;
	return nodal_os_linux.membarrier_register();
}

static int sim_membarrier(void)
{
	if (__atomic_load_n(&S.membarrier_off, __ATOMIC_RELAXED))
		return ENOSYS;
	int err = nodal_os_linux.membarrier();
	if (!err)
		nodal_os_count(&sim_stats.membarriers);
	return err;
}

size_t nodal_sim_bind_count(void)
{
	lock();
	size_t n = S.log_total;
	unlock();
	return n;
}

int nodal_sim_bind_get(size_t i, struct nodal_sim_bind *out)
{
	int err = 0;
	lock();
	if (i >= S.log_total || S.log_total - i > NODAL_SIM_LOG)
		err = ENOENT;
	else
		*out = S.log[i % NODAL_SIM_LOG];
	unlock();
	return err;
}

void nodal_sim_bind_log_clear(void)
{
	lock();
	S.log_total = 0;
	unlock();
}

const struct nodal_os_ops nodal_os_sim = {
	.name = "sim",
	.map = sim_map,
	.unmap = sim_unmap,
	.madvise = sim_madvise,
	.mbind = sim_mbind,
	.set_home_node = sim_set_home_node,
	.get_mempolicy = sim_get_mempolicy,
	.query_pages = sim_query_pages,
	.getcpu = sim_getcpu,
	.getaffinity = sim_getaffinity,
	.node_memory = sim_node_memory,
	.node_reclaimable = sim_node_reclaimable,
	.features = sim_features,
	.membarrier_register = sim_membarrier_register,
	.membarrier = sim_membarrier,
	.stats = &sim_stats,
};
