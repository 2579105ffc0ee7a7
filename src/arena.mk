# src/arena.mk: build fragment (owned by its component; sources are added with +=)
# Per-node arenas on nodal's private jemalloc, page-policy mappings, capacity, statistics.
libnodal_core_la_SOURCES += src/arena.c src/extent.c src/chunkmap.c src/capacity.c src/pages.c src/stats.c
noinst_HEADERS += src/arena.h src/arena_fast.h src/arena_int.h src/chunkmap.h src/je.h
# Heaps that own their memory: an arena per (heap, node), destroyed with the heap.
libnodal_core_la_SOURCES += src/heap.c
noinst_HEADERS += src/heap.h
