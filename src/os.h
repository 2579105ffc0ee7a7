/*
 * os.h — the one door to the kernel.
 *
 * Everything nodal asks of the operating system goes through struct nodal_os_ops; only
 * os_linux.c includes <sys/syscall.h>. Policy, fallback, arena and preload code call
 * these pointers and nothing else, so unit tests run the whole stack on the simulated
 * machine of os_sim.c.
 *
 * Contract for every op:
 * - returns 0 or a positive errno (map() returns NULL and sets *err);
 * - never allocates with malloc and takes no lock the allocator could hold: ops are
 *   called from jemalloc extent hooks with jemalloc's locks held;
 * - async-signal-safe where the kernel call is;
 * - nodemasks are nodal's fixed-size nodemask_t; the linux backend passes
 *   maxnode = bits + 1 as the raw syscalls require.
 *
 * Feature probing: features() reports what this kernel supports (probed once, cached);
 * callers degrade gracefully (e.g. WEIGHTED_INTERLEAVE → per-node runs) when a bit is
 * absent. An mbind refused with EPERM (seccomp in containers) is "binding unavailable":
 * the backend warns once, counts it (stats->mbind_eperm), clears NODAL_OS_HAS_MBIND and
 * returns EPERM; the caller keeps allocating, unbound.
 *
 * Backend selection: nodal_os() reads NODAL_OS (linux|sim, default linux) from environ
 * once, without allocating (nodal_getenv); a bad value is reported in one `nodal:` line and linux is
 * kept. nodal_os_select() overrides it (tests, the CLI); nodal_os_select(NULL) forgets
 * the choice so the next nodal_os() reads the environment again. The sim backend's
 * machine is set up with nodal_sim_init() (os_sim.h); until then it simulates one node.
 *
 * Concurrency: every op may be called from any thread at any time. The linux backend
 * keeps no state beyond the cached feature bits; the sim backend serialises its machine
 * with a spinlock (never held across a real system call that could block for long).
 */
#ifndef NODAL_OS_H
#define NODAL_OS_H

#include <stddef.h>
#include <stdint.h>

#include "nodemask.h"

/* Debian 12's headers lack the newer values; these are the kernel's uapi numbers. */
#define NODAL_OS_MPOL_DEFAULT 0
#define NODAL_OS_MPOL_PREFERRED 1
#define NODAL_OS_MPOL_BIND 2
#define NODAL_OS_MPOL_INTERLEAVE 3
#define NODAL_OS_MPOL_LOCAL 4
#define NODAL_OS_MPOL_PREFERRED_MANY 5
#define NODAL_OS_MPOL_WEIGHTED_INTERLEAVE 6
#define NODAL_OS_MPOL_F_NUMA_BALANCING (1 << 13)
#define NODAL_OS_MPOL_F_RELATIVE_NODES (1 << 14)
#define NODAL_OS_MPOL_F_STATIC_NODES (1 << 15)
#define NODAL_OS_MPOL_MODE_FLAGS                                                                      \
	(NODAL_OS_MPOL_F_STATIC_NODES | NODAL_OS_MPOL_F_RELATIVE_NODES | NODAL_OS_MPOL_F_NUMA_BALANCING)
#define NODAL_OS_MPOL_MF_STRICT (1 << 0)
#define NODAL_OS_MPOL_MF_MOVE (1 << 1)
#define NODAL_OS_MPOL_MF_MOVE_ALL (1 << 2)
#define NODAL_OS_MPOL_F_NODE (1 << 0)
#define NODAL_OS_MPOL_F_ADDR (1 << 1)
#define NODAL_OS_MPOL_F_MEMS_ALLOWED (1 << 2)

enum nodal_os_feature {
	NODAL_OS_HAS_PREFERRED_MANY = 1u << 0,
	NODAL_OS_HAS_WEIGHTED_INTERLEAVE = 1u << 1,
	NODAL_OS_HAS_HOME_NODE = 1u << 2,
	NODAL_OS_HAS_MBIND = 1u << 3, /* cleared after EPERM: binding unavailable */
};

/* Counters, incremented with relaxed atomics: exact totals, no ordering. */
struct nodal_os_stats {
	uint64_t mbind_calls, mbind_failures, mbind_eperm;
	uint64_t maps, unmaps;
	uint64_t membarriers; /* successful membarrier() calls */
};

struct nodal_os_ops {
	const char *name; /* "linux" or "sim" */
	/* Anonymous private read-write mapping of @len bytes aligned to @align (a power of
	 * two >= page size); NULL with *err set on failure. */
	void *(*map)(size_t len, size_t align, int *err);
	int (*unmap)(void *addr, size_t len);
	int (*madvise)(void *addr, size_t len, int advice);
	/* mbind(2): @mode is a NODAL_OS_MPOL_* value (optionally | F_NUMA_BALANCING),
	 * @flags MPOL_MF_*. */
	int (*mbind)(void *addr, size_t len, int mode, const nodemask_t *nodes, unsigned flags);
	/* set_mempolicy_home_node(2) on a range. */
	int (*set_home_node)(void *addr, size_t len, int node);
	/* get_mempolicy(2). With NODAL_OS_MPOL_F_MEMS_ALLOWED: the allowed nodes. */
	int (*get_mempolicy)(int *mode, nodemask_t *nodes, void *addr, unsigned flags);
	/* move_pages(2) as a query (nodes == NULL): status[i] = node of pages[i] or -errno. */
	int (*query_pages)(size_t count, void *const *pages, int *status);
	/* getcpu(2): the CPU and node the calling thread runs on now. */
	int (*getcpu)(int *cpu, int *node);
	/* sched_getaffinity(2) of the calling thread, as a mask of CPU ids (up to @ncpus). */
	int (*getaffinity)(uint64_t *cpus, int ncpus);
	/* Free and total bytes of a node (sysfs meminfo on linux). */
	int (*node_memory)(int node, uint64_t *free_bytes, uint64_t *total_bytes);
	/* Bytes of a node the kernel could reclaim without swap: file pages on the LRU
	 * lists and reclaimable slab (linux: Active(file) + Inactive(file) + SReclaimable of
	 * the node's sysfs meminfo; sim: 0). May be NULL in a test's ops (then 0). */
	int (*node_reclaimable)(int node, uint64_t *bytes);
	/* Kernel features, probed once. */
	unsigned (*features)(void);
	/* membarrier(2) MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED: must succeed once per
	 * process (again in a fork child) before membarrier(). ENOSYS or EINVAL when the
	 * kernel lacks private expedited membarrier, EPERM when a sandbox refuses it. */
	int (*membarrier_register)(void);
	/* membarrier(2) MEMBARRIER_CMD_PRIVATE_EXPEDITED: a full memory barrier executed on
	 * every CPU running a thread of this process before the call returns. Same errors;
	 * EPERM also when the process has not registered. Used by epoch.c's writers. */
	int (*membarrier)(void);
	/* Counters (read without synchronisation; approximate under concurrency). */
	struct nodal_os_stats *stats;
};

/* Read a small text file of this machine (sysfs, procfs) into @buf, NUL-terminated and
 * truncated to @len - 1 bytes: 0 or an errno. open/read only: no malloc, no stdio. Used
 * by topology discovery and the weights chain, which read the real machine whatever the
 * selected backend. */
int nodal_os_read_text(const char *path, char *buf, size_t len);

extern const struct nodal_os_ops nodal_os_linux;
extern const struct nodal_os_ops nodal_os_sim;

/* The backend in use: NODAL_OS=linux|sim selects it (default linux; unit tests: sim). */
const struct nodal_os_ops *nodal_os(void);
void nodal_os_select(const struct nodal_os_ops *ops);
/* The backend named @name ("linux" or "sim"), or NULL. */
const struct nodal_os_ops *nodal_os_by_name(const char *name);

/* Helpers shared by the backends (os.c). */
/* Map @len bytes aligned to @align with mmap(2): over-map by align - page, trim both
 * ends. EINVAL for len 0 or an alignment that is not a power of two; ENOMEM. */
void *nodal_os_map_aligned(size_t len, size_t align, int *err);
/* Record an mbind refused with EPERM: count it in @stats, set *@unavailable to 1 (the
 * backend then clears NODAL_OS_HAS_MBIND), warn once per process naming @backend. */
void nodal_os_note_eperm(struct nodal_os_stats *stats, int *unavailable, const char *backend);
/* Relaxed counter increment (exact totals, no ordering). */
static inline void nodal_os_count(uint64_t *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

#endif
