# The preload tier: test programs and real programs run with LD_PRELOAD of the built
# libnodal-preload.so. Each tests/preload/*.sh is one TAP test script (docs/preload.md).
PRELOAD_TEST_CFLAGS = $(AM_CFLAGS) -fno-builtin -I$(srcdir)/tests/preload
PRELOAD_TEST_LDADD = -lpthread -ldl

check_PROGRAMS += tests/preload/malloc_conformance
tests_preload_malloc_conformance_SOURCES = tests/preload/malloc_conformance.c tests/preload/tap.h
tests_preload_malloc_conformance_CFLAGS = $(PRELOAD_TEST_CFLAGS)
tests_preload_malloc_conformance_LDADD = $(PRELOAD_TEST_LDADD)

PRELOAD_TESTS = tests/preload/conformance.sh
TESTS += $(PRELOAD_TESTS)
EXTRA_DIST += $(PRELOAD_TESTS) tests/preload/lib.sh

check_PROGRAMS += tests/preload/fork_stdio
tests_preload_fork_stdio_SOURCES = tests/preload/fork_stdio.c tests/preload/tap.h
tests_preload_fork_stdio_CFLAGS = $(PRELOAD_TEST_CFLAGS)
tests_preload_fork_stdio_LDADD = $(PRELOAD_TEST_LDADD)
PRELOAD_TESTS += tests/preload/fork.sh

check_PROGRAMS += tests/preload/thread_exit
tests_preload_thread_exit_SOURCES = tests/preload/thread_exit.c tests/preload/tap.h
tests_preload_thread_exit_CFLAGS = $(PRELOAD_TEST_CFLAGS)
tests_preload_thread_exit_LDADD = $(PRELOAD_TEST_LDADD)
PRELOAD_TESTS += tests/preload/threads.sh

# A shared library whose constructor allocates before the preload library's runs.
check_LTLIBRARIES = tests/preload/libearly.la
tests_preload_libearly_la_SOURCES = tests/preload/early_lib.c tests/preload/tap.h
tests_preload_libearly_la_CFLAGS = $(PRELOAD_TEST_CFLAGS)
tests_preload_libearly_la_LIBADD = -ldl
tests_preload_libearly_la_LDFLAGS = -rpath $(abs_builddir)/tests/preload -avoid-version -shared
check_PROGRAMS += tests/preload/early
tests_preload_early_SOURCES = tests/preload/early.c tests/preload/tap.h
tests_preload_early_CFLAGS = $(PRELOAD_TEST_CFLAGS)
tests_preload_early_LDADD = tests/preload/libearly.la $(PRELOAD_TEST_LDADD)
tests_preload_early_LDFLAGS = -no-install
PRELOAD_TESTS += tests/preload/early.sh

check_PROGRAMS += tests/preload/cxx_threads
tests_preload_cxx_threads_SOURCES = tests/preload/cxx_threads.cc
tests_preload_cxx_threads_CXXFLAGS = $(NODAL_CXXFLAGS) -std=gnu++17 -fno-builtin
tests_preload_cxx_threads_LDADD = $(PRELOAD_TEST_LDADD)
PRELOAD_TESTS += tests/preload/cxx.sh

PRELOAD_TESTS += tests/preload/programs.sh
EXTRA_DIST += tests/preload/programs

PRELOAD_TESTS += tests/preload/env.sh
check_PROGRAMS += tests/preload/stats
tests_preload_stats_SOURCES = tests/preload/stats.c
tests_preload_stats_CFLAGS = $(PRELOAD_TEST_CFLAGS)
PRELOAD_TESTS += tests/preload/stats.sh
PRELOAD_TESTS += tests/preload/run.sh
PRELOAD_TESTS += tests/preload/demo.sh

check_PROGRAMS += tests/preload/affinity
tests_preload_affinity_SOURCES = tests/preload/affinity.c tests/preload/tap.h
tests_preload_affinity_CFLAGS = $(PRELOAD_TEST_CFLAGS)
tests_preload_affinity_LDADD = $(PRELOAD_TEST_LDADD)
PRELOAD_TESTS += tests/preload/affinity.sh

# A C++ library dlopen'd late, like a Python extension.
check_LTLIBRARIES += tests/preload/libplugin_cxx.la
tests_preload_libplugin_cxx_la_SOURCES = tests/preload/plugin_cxx.cc
tests_preload_libplugin_cxx_la_CXXFLAGS = $(NODAL_CXXFLAGS) -std=gnu++17
tests_preload_libplugin_cxx_la_LIBADD = -ldl
tests_preload_libplugin_cxx_la_LDFLAGS = -rpath $(abs_builddir)/tests/preload -avoid-version -module -shared
check_PROGRAMS += tests/preload/plugin
tests_preload_plugin_SOURCES = tests/preload/plugin.c tests/preload/tap.h
tests_preload_plugin_CFLAGS = $(PRELOAD_TEST_CFLAGS)
tests_preload_plugin_LDADD = $(PRELOAD_TEST_LDADD)
PRELOAD_TESTS += tests/preload/plugin.sh
