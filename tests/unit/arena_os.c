/*
 * arena_os.c — the recording OS backend of the arena tests (see arena_os.h).
 */
#include "arena_os.h"

#include "topology.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct rec_bind rec_binds[REC_MAX];
unsigned rec_nbinds;
static struct nodal_os_stats rec_stats;
static uint64_t free_mem[NODAL_MAX_NUMNODES];
static unsigned rec_features;
static __thread int thread_node;

static void *r_map(size_t len, size_t align, int *err)
{
	size_t total = len + align;
	char *p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		*err = errno;
		return NULL;
	}
	uintptr_t a = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
	if (a > (uintptr_t)p)
		munmap(p, a - (uintptr_t)p);
	size_t tail = (uintptr_t)p + total - (a + len);
	if (tail)
		munmap((char *)a + len, tail);
	__atomic_fetch_add(&rec_stats.maps, 1, __ATOMIC_RELAXED);
	return (void *)a;
}

static int r_unmap(void *a, size_t len)
{
	__atomic_fetch_add(&rec_stats.unmaps, 1, __ATOMIC_RELAXED);
	return munmap(a, len) ? errno : 0;
}

static int r_madvise(void *a, size_t len, int adv)
{
	return madvise(a, len, adv) ? errno : 0;
}

static int r_mbind(void *a, size_t len, int mode, const nodemask_t *nodes, unsigned flags)
{
	unsigned i = __atomic_fetch_add(&rec_nbinds, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&rec_stats.mbind_calls, 1, __ATOMIC_RELAXED);
	if (i >= REC_MAX)
		return 0;
	rec_binds[i] = (struct rec_bind){ .addr = (uintptr_t)a, .len = len, .mode = mode, .nodes = *nodes };
	return 0;
}

static int r_home(void *a, size_t len, int node)
{
	return ENOSYS;
}

static int r_getpol(int *mode, nodemask_t *nodes, void *addr, unsigned flags)
{
	return ENOSYS;
}

const struct rec_bind *rec_bind_of(const void *p)
{
	uintptr_t a = (uintptr_t)p;
	unsigned n = __atomic_load_n(&rec_nbinds, __ATOMIC_RELAXED);
	if (n > REC_MAX)
		n = REC_MAX;
	for (unsigned i = n; i-- > 0;)
		if (a >= rec_binds[i].addr && a < rec_binds[i].addr + rec_binds[i].len)
			return &rec_binds[i];
	return NULL;
}

static int r_query(size_t count, void *const *pages, int *status)
{
	for (size_t i = 0; i < count; i++) {
		const struct rec_bind *b = rec_bind_of(pages[i]);
		status[i] = b ? first_node(&b->nodes) : -ENOENT;
	}
	return 0;
}

static int r_getcpu(int *cpu, int *node)
{
	*cpu = 0;
	*node = thread_node;
	return 0;
}

static int r_aff(uint64_t *cpus, int ncpus)
{
	return ENOSYS;
}

static int r_mem(int node, uint64_t *free_b, uint64_t *total_b)
{
	*free_b = __atomic_load_n(&free_mem[node], __ATOMIC_RELAXED);
	*total_b = UINT64_C(64) << 30;
	return 0;
}

static unsigned r_features(void)
{
	return rec_features;
}

const struct nodal_os_ops rec_os = {
	.name = "rec",
	.map = r_map,
	.unmap = r_unmap,
	.madvise = r_madvise,
	.mbind = r_mbind,
	.set_home_node = r_home,
	.get_mempolicy = r_getpol,
	.query_pages = r_query,
	.getcpu = r_getcpu,
	.getaffinity = r_aff,
	.node_memory = r_mem,
	.features = r_features,
	.stats = &rec_stats,
};

void rec_os_install(unsigned features)
{
	rec_features = features | NODAL_OS_HAS_MBIND;
	for (int n = 0; n < NODAL_MAX_NUMNODES; n++)
		free_mem[n] = UINT64_C(32) << 30;
	nodal_os_select(&rec_os);
}

void rec_set_free(int node, uint64_t free_bytes)
{
	__atomic_store_n(&free_mem[node], free_bytes, __ATOMIC_RELAXED);
}

void rec_set_thread_node(int node)
{
	thread_node = node;
}

struct nodal_topology *rec_topology(const nodemask_t *mask)
{
	struct nodal_topology *t = calloc(1, sizeof(*t));
	t->nr_node_ids = last_node(mask) + 1;
	t->possible = t->online = t->memory = t->cpu = *mask;
	t->nodes = calloc((size_t)t->nr_node_ids, sizeof(*t->nodes));
	int n;
	for_each_node_mask(n, mask) {
		t->nodes[n].id = n;
		t->nodes[n].present = t->nodes[n].has_memory = t->nodes[n].has_cpus = true;
		t->nodes[n].memory_bytes = UINT64_C(64) << 30;
	}
	return t;
}
