# unit/api.mk: the public API's additions and statistics (sim backend): the NODAL_STATS
# exit report (report.c), heaps that own their memory (heap.c), NODAL_MIGRATE (migrate.c).
check_PROGRAMS += tests/unit/test_report
tests_unit_test_report_SOURCES = tests/unit/test_report.c src/api.c $(UNIT_COMMON)
tests_unit_test_report_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_report_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_report

# The public API as a whole: the functions other allocators' users look for
# (api_compat.c), every statistic through the public calls, and the audit that every
# function of nodal.h is exported by libnodal.so and documented in docs/api.md.
check_PROGRAMS += tests/unit/test_api
tests_unit_test_api_SOURCES = tests/unit/test_api.c src/api.c src/api_compat.c $(UNIT_COMMON)
tests_unit_test_api_CFLAGS = $(UNIT_CFLAGS) -DNODAL_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_api_LDADD = $(UNIT_LDADD)
EXTRA_tests_unit_test_api_DEPENDENCIES = libnodal.la
UNIT_TESTS += tests/unit/test_api

# Heaps own their memory: destroy gives every byte back (heap.c).
check_PROGRAMS += tests/unit/test_heap
tests_unit_test_heap_SOURCES = tests/unit/test_heap.c src/api.c src/api_compat.c $(UNIT_COMMON)
tests_unit_test_heap_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_heap_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_heap

# NODAL_MIGRATE: pages placed on nodes that leave the allowed set move, bounded in time
# (migrate.c); sim backend, plus the call path on this machine's linux backend.
check_PROGRAMS += tests/unit/test_migrate
tests_unit_test_migrate_SOURCES = tests/unit/test_migrate.c src/api.c src/api_compat.c $(UNIT_COMMON)
tests_unit_test_migrate_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_migrate_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_migrate
