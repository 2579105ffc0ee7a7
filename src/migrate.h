/*
 * migrate.h — NODAL_MIGRATE=1: when the allowed nodes change, move the pages nodal
 * already placed on nodes that are no longer allowed (and back when they are allowed
 * again), as the kernel's cpuset.memory_migrate does for a task's memory.
 *
 * Owns: where each node's arena memory is meant to be now, the pending move job and its
 * progress, the time bound, and the counters the tests read.
 *
 * What moves: the extents of the per-node arenas and of heaps' arenas (chunk map values
 * CHUNK_ARENA(n) / CHUNK_HEAP(n)). The memory of node n's arenas goes to
 *   n                          when n is allowed,
 *   node_remap(where, old, new) otherwise (kernel: cpuset_migrate_mm → do_migrate_pages,
 *                              node_remap() = bitmap_bitremap: the i-th allowed node of
 *                              the old set maps to the (i mod weight)-th of the new one),
 * with mbind(range, MPOL_PREFERRED, {target}, MPOL_MF_MOVE) through the OS layer: the
 * range's policy becomes the target (so new faults land there too) and the pages the
 * process placed there move. Page-policy mappings (pages.c) are not moved by nodal: on
 * a real cpuset change the kernel rebinds their VMA policies itself (mpol_rebind_mm) and
 * moves their pages when cpuset.memory_migrate is set.
 *
 * Bound: a pass (run by the allocating thread that notices the change, then by the next
 * periodic check of any thread, every NODAL_REBIND_INTERVAL_MS) spends at most
 * NODAL_MIGRATE_PASS_NS (10 ms) moving; one mbind call covers at most
 * NODAL_MIGRATE_CALL_MAX (8 MiB), so a pass overshoots by at most one call. The job
 * resumes where it stopped; a new change restarts it with the new targets.
 *
 * Concurrency: one mutex (trylock: a thread that finds a pass running goes on
 * allocating); never taken inside jemalloc or the OS layer. Errors: mbind failures are
 * counted and skipped (the memory stays where it is, still valid).
 */
#ifndef NODAL_MIGRATE_H
#define NODAL_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>

#include "nodemask.h"

#define NODAL_MIGRATE_PASS_NS 10000000ull /* 10 ms */
#define NODAL_MIGRATE_CALL_MAX ((size_t)8 << 20)

/* The allowed nodes changed from @old to @new: compute the targets and run a first pass.
 * @arena_nodes: the nodes that have arenas. */
void nodal_migrate_rebind(const nodemask_t *old, const nodemask_t *new_allowed, const nodemask_t *arena_nodes);
/* Continue a pending job for one pass (cheap when none is pending). */
void nodal_migrate_continue(void);
/* Where the arena memory of @node is meant to be now: @node itself unless a move
 * took it elsewhere (nodal_node_of reports this). Lock-free. */
int nodal_migrate_where(int node);
/* Whether a job is pending. */
bool nodal_migrate_pending(void);

/* Move the arena memory of node @from to @to now, within @budget_ns (0 = one mbind
 * call). Returns 0, or EAGAIN when the budget ran out first (call again to go on). */
int nodal_migrate_node(int from, int to, uint64_t budget_ns);

/* fork: the child re-initialises the lock (alloc.c's child handler calls it). */
void nodal_migrate_atfork_child(void);

struct nodal_migrate_stats {
	uint64_t passes;  /* passes run */
	uint64_t calls;   /* mbind calls made */
	uint64_t failed;  /* of which failed */
	uint64_t bytes;   /* bytes of ranges moved (mapped range, not only present pages) */
	uint64_t jobs_done;
};
void nodal_migrate_get_stats(struct nodal_migrate_stats *out);
/* Tests: the per-pass budget in ns (default NODAL_MIGRATE_PASS_NS; 0 = one call). */
void nodal_migrate_set_budget(uint64_t ns);

#endif
