/*
 * mpol_topo.h — test-only topologies for the policy engine, built by hand with fallback
 * lists written out in full (taken from the kernel's boot logs in
 * conformance/fallback-vectors.tsv and topologies.md, or from DESIGN.md's private-node
 * rule), so the policy tests do not depend on fallback.c being right.
 *
 * Names: "two" (T01), "rb8" (the rebind-vector guest), "four-cpuless" (T03 boot),
 * "memoryless" (T09: node 1 has a CPU, no memory), "private" (seed 001: 0,1 normal with
 * CPUs; 2,3 private CPU-less, 2 near 0 and 3 near 1), "sparse" (nodes 0,2,5 at equal
 * distance), "n64" (64 nodes in 8 sockets, lists by distance then id).
 * test_mpol_topology.c checks every list against fallback.c's build of the same machine.
 */
#ifndef NODAL_TEST_MPOL_TOPO_H
#define NODAL_TEST_MPOL_TOPO_H

#include "topology.h"

struct nodal_topology *mt_get(const char *name); /* NULL for an unknown name */
void mt_free(struct nodal_topology *t);
/* Every name above, NULL-terminated. */
extern const char *const mt_names[];
/* The hand-built machine's description for nodal_topology_from_desc() (ids, distances,
 * memory, CPUs); the caller frees nothing (static storage). */
struct nodal_topology_desc;
void mt_desc(const struct nodal_topology *t, struct nodal_topology_desc *d);

/* "3 0 1 2" style list of node ids into @out (max entries); returns the count. */
int mt_parse_order(const char *s, int *out, int max);
/* Format @n ids as "3 0 1 2" (the same style). */
void mt_format_order(const int *ids, int n, char *buf, size_t len);

#endif
