# unit/alloc.mk: the allocation path and the public API (sim backend; one linux test).
check_PROGRAMS += tests/unit/test_alloc
tests_unit_test_alloc_SOURCES = tests/unit/test_alloc.c src/api.c $(UNIT_COMMON)
tests_unit_test_alloc_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_alloc_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_alloc

# The public API through dlopen/dlsym, and libnodal.so's exported symbols (like
# tests/dlopen: loaded at run time, not linked; not part of the ASan unit tier).
check_PROGRAMS += tests/unit/test_dlopen_api
tests_unit_test_dlopen_api_SOURCES = tests/unit/test_dlopen_api.c tests/dlopen/nodal_dlopen.h
tests_unit_test_dlopen_api_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_dlopen_api_LDADD = $(CRITERION_LIBS) -ldl
EXTRA_tests_unit_test_dlopen_api_DEPENDENCIES = libnodal.la
TESTS += tests/unit/test_dlopen_api

# nodal as the test binary's own malloc (bootstrap during init). Sanitizers interpose
# malloc themselves, so this one runs in the plain build only.
if !SANITIZED
check_PROGRAMS += tests/unit/test_alloc_boot
tests_unit_test_alloc_boot_SOURCES = tests/unit/test_alloc_boot.c src/api.c
tests_unit_test_alloc_boot_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_alloc_boot_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_alloc_boot
endif

# The fast paths of the allocation entry points (cached decision, interleave ring,
# onnode cache, free) — placement and counters through nodal_malloc/nodal_free.
check_PROGRAMS += tests/unit/test_fastpath
tests_unit_test_fastpath_SOURCES = tests/unit/test_fastpath.c src/api.c
tests_unit_test_fastpath_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fastpath_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_fastpath
