# unit/policy.mk: the policy engine's tests (hand-built topologies in mpol_topo.c).
MPOL_TEST_COMMON = tests/unit/mpol_topo.c tests/unit/mpol_topo.h tests/unit/mpol_test.h $(UNIT_COMMON)

check_PROGRAMS += tests/unit/test_mempolicy
tests_unit_test_mempolicy_SOURCES = tests/unit/test_mempolicy.c $(MPOL_TEST_COMMON)
tests_unit_test_mempolicy_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_mempolicy_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_mempolicy

check_PROGRAMS += tests/unit/test_mpol_rebind
tests_unit_test_mpol_rebind_SOURCES = tests/unit/test_mpol_rebind.c $(MPOL_TEST_COMMON)
tests_unit_test_mpol_rebind_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_mpol_rebind_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_mpol_rebind

check_PROGRAMS += tests/unit/test_weights
tests_unit_test_weights_SOURCES = tests/unit/test_weights.c $(MPOL_TEST_COMMON)
tests_unit_test_weights_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_weights_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_weights

check_PROGRAMS += tests/unit/test_mpol_model
tests_unit_test_mpol_model_SOURCES = tests/unit/test_mpol_model.c $(MPOL_TEST_COMMON)
tests_unit_test_mpol_model_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_mpol_model_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_mpol_model

# `nodal policy` (the CLI), replaying the rebind vectors through it.
UNIT_TESTS += tests/unit/policy_cli.sh
EXTRA_DIST += tests/unit/policy_cli.sh
