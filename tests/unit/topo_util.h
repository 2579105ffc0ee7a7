/*
 * topo_util.h — test-only machines built with nodal_topology_from_desc(), for any unit
 * test that needs a topology without XML.
 */
#ifndef NODAL_TEST_TOPO_UTIL_H
#define NODAL_TEST_TOPO_UTIL_H

#include "topology.h"

/*
 * A machine of @nr nodes (1 .. 1024, or fewer than 342 when @sparse): groups of four
 * nodes ("sockets": 10 local, 16 inside a group, 32 across), every fourth node of a
 * group CPU-less (a CXL-like memory node), the others with 2 CPUs each. @sparse spreads
 * the ids as 3 * i + 1. Aborts the test on failure.
 */
struct nodal_topology *test_machine(int nr, int sparse);

#endif
