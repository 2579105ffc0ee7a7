# src/topo.mk: build fragment (owned by its component; sources are added with +=)
# Topology discovery (hwloc) and the kernel's fallback lists.
libnodal_core_la_SOURCES += src/topology.c src/fallback.c
noinst_HEADERS += src/fallback.h
