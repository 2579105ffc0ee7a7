# unit/epoch.mk: RCU-like reclamation tests (owned by the epoch component).
check_PROGRAMS += tests/unit/test_epoch
tests_unit_test_epoch_SOURCES = tests/unit/test_epoch.c
tests_unit_test_epoch_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_epoch_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_epoch
