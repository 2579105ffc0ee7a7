# unit/os.mk: build fragment (owned by its component; sources are added with +=)
check_PROGRAMS += tests/unit/test_os_linux
tests_unit_test_os_linux_SOURCES = tests/unit/test_os_linux.c
tests_unit_test_os_linux_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_os_linux_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_os_linux
