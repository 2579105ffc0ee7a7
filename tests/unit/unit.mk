# Unit tests (criterion, sim backend). Each binary is one TAP test script.
UNIT_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS) $(CRITERION_CFLAGS) -DNODAL_SHARED_DIR='"$(abs_top_srcdir)/../shared"'
UNIT_LDADD = libnodal_core.la $(DEP_LIBS) $(CRITERION_LIBS)

check_PROGRAMS += tests/unit/test_nodemask
tests_unit_test_nodemask_SOURCES = tests/unit/test_nodemask.c tests/unit/tsv.c tests/unit/tsv.h
tests_unit_test_nodemask_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_nodemask_LDADD = $(UNIT_LDADD)

UNIT_TESTS = tests/unit/test_nodemask
TESTS += $(UNIT_TESTS)
