# unit/arena.mk: build fragment (owned by its component; sources are added with +=)
check_PROGRAMS += tests/unit/test_arena
tests_unit_test_arena_SOURCES = tests/unit/test_arena.c tests/unit/arena_os.c tests/unit/arena_os.h $(UNIT_COMMON)
tests_unit_test_arena_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_arena_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_arena
