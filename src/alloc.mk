# src/alloc.mk: build fragment of the allocation path (alloc.c) and the public API (api.c).
# alloc.c is shared by every front end (core); api.c is the libnodal.so API only.
libnodal_core_la_SOURCES += src/alloc.c
libnodal_la_SOURCES += src/api.c src/api_compat.c
noinst_HEADERS += src/alloc.h src/scope.h
# Export nothing but nodal_* from libnodal.so (private jemalloc included).
libnodal_la_LDFLAGS += -Wl,--version-script=$(srcdir)/src/libnodal.sym
EXTRA_DIST += src/libnodal.sym
# The NODAL_STATS exit report (pid, program, text/JSON, %p in the JSON path).
libnodal_core_la_SOURCES += src/report.c
noinst_HEADERS += src/report.h
# NODAL_MIGRATE: move placed pages when the allowed nodes change (bounded passes).
libnodal_core_la_SOURCES += src/migrate.c
noinst_HEADERS += src/migrate.h
