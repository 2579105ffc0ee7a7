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
 * the backend warns once, counts it, and the caller keeps allocating.
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
#define NODAL_OS_MPOL_MF_STRICT (1 << 0)
#define NODAL_OS_MPOL_MF_MOVE (1 << 1)
#define NODAL_OS_MPOL_F_NODE (1 << 0)
#define NODAL_OS_MPOL_F_ADDR (1 << 1)
#define NODAL_OS_MPOL_F_MEMS_ALLOWED (1 << 2)

enum nodal_os_feature {
	NODAL_OS_HAS_PREFERRED_MANY = 1u << 0,
	NODAL_OS_HAS_WEIGHTED_INTERLEAVE = 1u << 1,
	NODAL_OS_HAS_HOME_NODE = 1u << 2,
	NODAL_OS_HAS_MBIND = 1u << 3, /* cleared after EPERM: binding unavailable */
};

struct nodal_os_stats {
	uint64_t mbind_calls, mbind_failures, mbind_eperm;
	uint64_t maps, unmaps;
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
	/* Kernel features, probed once. */
	unsigned (*features)(void);
	/* Counters (read without synchronisation; approximate under concurrency). */
	struct nodal_os_stats *stats;
};

extern const struct nodal_os_ops nodal_os_linux;
extern const struct nodal_os_ops nodal_os_sim;

/* The backend in use: NODAL_OS=linux|sim selects it (default linux; unit tests: sim). */
const struct nodal_os_ops *nodal_os(void);
void nodal_os_select(const struct nodal_os_ops *ops);

#endif
