# unit/parse.mk: build fragment (owned by its component; sources are added with +=)
# Parsers (sizes, node lists, policy strings, rule lists) and the option table.
PARSE_TEST_CFLAGS = $(UNIT_CFLAGS) -DNODAL_SRCDIR='"$(abs_top_srcdir)"'

check_PROGRAMS += tests/unit/test_options
tests_unit_test_options_SOURCES = tests/unit/test_options.c
tests_unit_test_options_CFLAGS = $(PARSE_TEST_CFLAGS)
tests_unit_test_options_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_options

check_PROGRAMS += tests/unit/test_parse
tests_unit_test_parse_SOURCES = tests/unit/test_parse.c tests/unit/libnuma_ref.c tests/unit/libnuma_ref.h
tests_unit_test_parse_CFLAGS = $(PARSE_TEST_CFLAGS)
tests_unit_test_parse_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_parse

# `nodal options` end to end (a TAP shell script).
UNIT_TESTS += tests/unit/cli_options.sh
EXTRA_DIST += tests/unit/cli_options.sh
