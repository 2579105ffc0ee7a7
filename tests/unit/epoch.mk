# unit/epoch.mk: RCU-like reclamation tests (owned by the epoch component).
check_PROGRAMS += tests/unit/test_epoch
tests_unit_test_epoch_SOURCES = tests/unit/test_epoch.c
tests_unit_test_epoch_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_epoch_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_epoch

# The same stress without criterion, for ThreadSanitizer builds (built, not run, by check).
check_PROGRAMS += tests/unit/stress_epoch
tests_unit_stress_epoch_SOURCES = tests/unit/stress_epoch.c
tests_unit_stress_epoch_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS)
tests_unit_stress_epoch_LDADD = libnodal_core.la $(DEP_LIBS)
