# Unit tests (criterion, sim backend). Each binary is one TAP test script.
# Component fragments (tests/unit/*.mk) add:  check_PROGRAMS += tests/unit/test_x
#                                              UNIT_TESTS += tests/unit/test_x
# and per-binary _SOURCES/_CFLAGS/_LDADD using UNIT_CFLAGS / UNIT_LDADD / UNIT_COMMON.
UNIT_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS) $(CRITERION_CFLAGS) -DNODAL_SHARED_DIR='"$(abs_top_srcdir)/tests/shared"'
UNIT_LDADD = libnodal_core.la $(DEP_LIBS) $(CRITERION_LIBS)
UNIT_COMMON = tests/unit/tsv.c tests/unit/tsv.h
EXTRA_DIST += tests/unit/sim_machine.h

check_PROGRAMS += tests/unit/test_nodemask
tests_unit_test_nodemask_SOURCES = tests/unit/test_nodemask.c $(UNIT_COMMON)
tests_unit_test_nodemask_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_nodemask_LDADD = $(UNIT_LDADD)

UNIT_TESTS = tests/unit/test_nodemask
TESTS += $(UNIT_TESTS)
