/*
 * arena_os.h — a recording OS backend for the arena tests: real anonymous mappings, but
 * every mbind is recorded (never applied), node free memory and the running node are
 * simulated, and query_pages answers from the recorded binds. Not thread-safe for
 * configuration (set up before starting threads); recording is lock-free.
 */
#ifndef NODAL_TEST_ARENA_OS_H
#define NODAL_TEST_ARENA_OS_H

#include <stddef.h>
#include <stdint.h>

#include "nodemask.h"
#include "os.h"
struct nodal_topology;

struct rec_bind {
	uintptr_t addr;
	size_t len;
	int mode;
	nodemask_t nodes;
};

#define REC_MAX 65536
extern struct rec_bind rec_binds[REC_MAX];
extern unsigned rec_nbinds;

extern const struct nodal_os_ops rec_os;
void rec_os_install(unsigned features);
void rec_set_free(int node, uint64_t free_bytes);
void rec_set_thread_node(int node);
/* The last recorded bind covering @p, or NULL. */
const struct rec_bind *rec_bind_of(const void *p);
/* A hand-made topology: nodes given by @mask, all with memory. */
struct nodal_topology *rec_topology(const nodemask_t *mask);

#endif
