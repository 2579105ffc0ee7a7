# unit/topo.mk: build fragment (owned by its component; sources are added with +=)
# Topology and fallback lists. topo_util.c gives other components' tests described machines.
TOPO_TEST_COMMON = $(UNIT_COMMON) tests/unit/topo_util.c tests/unit/topo_util.h

check_PROGRAMS += tests/unit/test_fallback
tests_unit_test_fallback_SOURCES = tests/unit/test_fallback.c $(TOPO_TEST_COMMON)
tests_unit_test_fallback_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fallback_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_fallback

check_PROGRAMS += tests/unit/test_topology
tests_unit_test_topology_SOURCES = tests/unit/test_topology.c $(TOPO_TEST_COMMON)
tests_unit_test_topology_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_topology_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_topology

# `nodal topo --json` on every conformance XML gives the kernel's lists (TAP from python).
UNIT_TESTS += tests/unit/topo_conformance.sh
EXTRA_DIST += tests/unit/topo_conformance.sh
UNIT_TESTS += tests/unit/topo_cli.sh
EXTRA_DIST += tests/unit/topo_cli.sh
