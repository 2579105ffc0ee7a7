# unit/capacity.mk: capacity (limits, watermarks, BIND past a node) on the sim backend.
check_PROGRAMS += tests/unit/test_capacity
tests_unit_test_capacity_SOURCES = tests/unit/test_capacity.c src/api.c $(UNIT_COMMON)
tests_unit_test_capacity_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_capacity_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_capacity
