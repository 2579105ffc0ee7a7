/*
 * os_sim.h — the simulated machine behind the sim OS backend (nodal_os_sim).
 *
 * Owns: a NUMA machine built from a struct nodal_topology — nodes with a capacity,
 * distances, CPUs — and the kernel state nodal can observe on it: VMA policies set by
 * mbind / set_mempolicy_home_node, the node of every page, each thread's CPU and
 * affinity, the process's allowed nodes (Mems_allowed), kernel features. Memory is real
 * (mmap); only placement is simulated.
 *
 * Model (kernel counterparts in comments of os_sim.c):
 * - map() creates a VMA with the default policy; mbind() splits VMAs and sets a policy,
 *   validated like the kernel's (sanitize_mpol_flags, mpol_new, mpol_set_nodemask);
 *   EFAULT for a range with an unmapped hole (one not mapped through the sim).
 * - A page gets its node when it is "faulted": by nodal_sim_touch(), by a query_pages()
 *   (a queried page is assumed touched — the real kernel answers -ENOENT for a page
 *   never touched) or by get_mempolicy(MPOL_F_NODE|MPOL_F_ADDR) (which faults it in,
 *   as the kernel does). Placement per policy: DEFAULT/LOCAL → the thread's node;
 *   PREFERRED → the node; BIND → home node or local node, then the nearest node of the
 *   mask; PREFERRED_MANY → the mask first, then any node; INTERLEAVE → node number
 *   (page address / page size) mod weight of the mask, as the kernel's interleave_nid()
 *   for anonymous VMAs; WEIGHTED_INTERLEAVE → the same walk with per-node weights.
 *   Every choice is restricted to the allowed nodes and to nodes with room (capacity
 *   minus placed pages, not marked full); when the chosen node has no room the nearest
 *   allowed node with room is taken (distance, ties by lowest id — a simplification of
 *   the kernel's zonelist), except BIND, which stays in its mask and fails with ENOMEM.
 * - unmap() and madvise(MADV_DONTNEED/MADV_FREE/MADV_REMOVE) forget pages' nodes;
 *   madvise(MADV_POPULATE_READ/WRITE) faults every page of the range (ENOMEM where the
 *   real kernel would OOM-kill: a BIND page with no room). node_reclaimable() is 0 (no
 *   page cache).
 * - Each thread has a simulated CPU (default: the first CPU of its affinity) and an
 *   affinity (default: every CPU of the machine); getcpu()/getaffinity() answer them.
 * - Capacity: a node's total is its topology memory_bytes (or nodal_sim_set_capacity);
 *   node_memory() reports total - placed as free, 0 free when the node is marked full.
 *
 * Limits (fixed storage, nothing is ever malloc'd): NODAL_SIM_MAX_VMAS VMAs,
 * NODAL_SIM_MAX_PAGES placed pages at once, NODAL_SIM_MAX_CPUS CPUs, the last
 * NODAL_SIM_LOG binds. Exceeding the VMA or page limit fails the op with ENOMEM.
 *
 * Concurrency: the machine is guarded by one spinlock; per-thread CPU and affinity are
 * thread-local. Setters may be called from any thread at any time.
 *
 * Errors: 0 or a positive errno, like the ops.
 */
#ifndef NODAL_OS_SIM_H
#define NODAL_OS_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nodemask.h"
#include "os.h"

struct nodal_topology;

#define NODAL_SIM_MAX_CPUS 2048
#define NODAL_SIM_MAX_VMAS 8192
#define NODAL_SIM_MAX_PAGES (1u << 18)
#define NODAL_SIM_LOG 1024

enum nodal_sim_op {
	NODAL_SIM_OP_MBIND = 1,
	NODAL_SIM_OP_HOME_NODE = 2,
};

/* One recorded call (failed ones included, with their errno in @result). */
struct nodal_sim_bind {
	enum nodal_sim_op op;
	uintptr_t start;
	size_t len;
	int mode;        /* as passed, mode flags included (MBIND) */
	unsigned flags;  /* MPOL_MF_* (MBIND) */
	int home_node;   /* HOME_NODE */
	nodemask_t nodes; /* as passed (MBIND) */
	int result;      /* 0 or errno */
};

/*
 * Build the machine from @t (copied: @t may be freed afterwards) and forget all state:
 * VMAs, pages, the bind log, injected faults, full marks, features (all present),
 * allowed nodes (= memory nodes). EINVAL for a topology beyond the sim's limits or
 * without memory nodes. Without any init the sim is one node (0, 4 GiB, CPUs 0-1).
 */
int nodal_sim_init(const struct nodal_topology *t);
/* Back to the default one-node machine. */
void nodal_sim_reset(void);

/* The calling thread runs on @cpu from now on: EINVAL if the CPU does not exist or is
 * outside the thread's affinity. */
int nodal_sim_set_cpu(int cpu);
/* The calling thread's affinity (@ncpus bits of @cpus); an empty set or one without a
 * CPU of the machine is EINVAL. A thread outside its new affinity moves to its first CPU. */
int nodal_sim_set_affinity(const uint64_t *cpus, int ncpus);
/* The process's allowed nodes (cpuset mems): EINVAL unless @m holds a memory node. */
int nodal_sim_set_mems_allowed(const nodemask_t *m);
/* Number of changes made with nodal_sim_set_mems_allowed since init. */
uint64_t nodal_sim_mems_generation(void);
/* Mark a node full (node_memory reports 0 free; placement skips it) or not. */
int nodal_sim_set_node_full(int node, bool full);
/* Override a node's capacity in bytes. */
int nodal_sim_set_capacity(int node, uint64_t bytes);
/* Weight of a node for simulated MPOL_WEIGHTED_INTERLEAVE (default 1; 1..255). */
int nodal_sim_set_weight(int node, unsigned weight);
/* Kernel features the sim claims (NODAL_OS_HAS_*): modes not claimed are EINVAL in
 * mbind, set_home_node without HAS_HOME_NODE is ENOSYS, without HAS_MBIND EPERM. */
void nodal_sim_set_features(unsigned features);
/* Whether membarrier is available (default: forwarded to the real kernel); when not,
 * membarrier_register/membarrier return ENOSYS. */
void nodal_sim_set_membarrier(bool available);
/* The next @count mbind calls fail with @err (EPERM is handled as binding unavailable). */
void nodal_sim_inject_mbind_failure(int count, int err);

/* Fault every page of [addr, addr+len) that has no node yet. ENOMEM if a page finds no
 * node with room (BIND) or the page table is full; EFAULT for memory the sim did not map. */
int nodal_sim_touch(void *addr, size_t len);
/* Bytes placed on @node. */
uint64_t nodal_sim_node_used(int node);

/* Binds recorded since init (including those no longer in the log). */
size_t nodal_sim_bind_count(void);
/* Copy record @i (0-based, counting from init): ENOENT when it has rotated out of the
 * NODAL_SIM_LOG most recent or does not exist yet. */
int nodal_sim_bind_get(size_t i, struct nodal_sim_bind *out);
void nodal_sim_bind_log_clear(void);

#endif
