# unit/api.mk: the public API's additions and statistics (sim backend): the NODAL_STATS
# exit report (report.c), heaps that own their memory (heap.c), NODAL_MIGRATE (migrate.c).
check_PROGRAMS += tests/unit/test_report
tests_unit_test_report_SOURCES = tests/unit/test_report.c src/api.c $(UNIT_COMMON)
tests_unit_test_report_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_report_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_report
