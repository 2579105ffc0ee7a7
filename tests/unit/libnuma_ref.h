/*
 * libnuma_ref.h — libnuma as a reference for the parser tests. A separate file because
 * <numa.h> has its own nodemask_t that clashes with nodal's.
 */
#ifndef NODAL_TEST_LIBNUMA_REF_H
#define NODAL_TEST_LIBNUMA_REF_H

#include <stdbool.h>

/* numa_available() >= 0 */
bool ref_numa_available(void);
/* numa_max_node() */
int ref_numa_max_node(void);
/* Whether @node is in numa_all_nodes_ptr. */
bool ref_numa_all_has(int node);
/* numa_parse_nodestring(@s): -1 if rejected, else the number of nodes written to @nodes
 * (at most @max, ascending). */
int ref_numa_parse(const char *s, int *nodes, int max);

#endif
