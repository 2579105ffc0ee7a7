# src/preload.mk: libnodal-preload.so, the drop-in malloc (LD_PRELOAD / `nodal run`).
# Installed as lib/libnodal-preload.so (no version suffix: users name it in LD_PRELOAD).
lib_LTLIBRARIES += libnodal-preload.la
libnodal_preload_la_SOURCES = src/preload.c src/preload_cxx.cc
libnodal_preload_la_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS)
libnodal_preload_la_CXXFLAGS = $(NODAL_CXXFLAGS) $(DEP_CFLAGS)
libnodal_preload_la_LIBADD = libnodal_core.la -ldl
libnodal_preload_la_LDFLAGS = $(AM_LDFLAGS) -avoid-version -shared \
	-Wl,--version-script=$(srcdir)/src/preload.sym -Wl,-z,nodelete
EXTRA_libnodal_preload_la_DEPENDENCIES = $(srcdir)/src/preload.sym
EXTRA_DIST += src/preload.sym
# `nodal run` (registered in src/cli/main.c).
nodal_SOURCES += src/cli/run.c
