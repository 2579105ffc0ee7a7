# bench/bench.mk: the bench tier. Programs are compiled by `make check` (so they keep
# building) and run by `make bench`; components add their own with +=.
NODAL_BENCHES =
BENCH_CFLAGS = $(AM_CFLAGS) $(DEP_CFLAGS)
BENCH_LDADD = libnodal_core.la $(DEP_LIBS)

# Fallback lists: time to build every list for 64 and 1024 nodes (docs/topology.md).
check_PROGRAMS += bench/bench_fallback
NODAL_BENCHES += bench/bench_fallback
bench_bench_fallback_SOURCES = bench/bench_fallback.c
bench_bench_fallback_CFLAGS = $(BENCH_CFLAGS)
bench_bench_fallback_LDADD = $(BENCH_LDADD)

# Epoch reclamation: reader enter/exit cost per mode, grace-period and retire cost
# (docs/reclamation.md).
check_PROGRAMS += bench/bench_epoch
NODAL_BENCHES += bench/bench_epoch
bench_bench_epoch_SOURCES = bench/bench_epoch.c
bench_bench_epoch_CFLAGS = $(BENCH_CFLAGS)
bench_bench_epoch_LDADD = $(BENCH_LDADD)

bench:
	$(MAKE) $(AM_MAKEFLAGS) $(NODAL_BENCHES)
	@for b in $(NODAL_BENCHES); do echo "== $$b"; ./$$b || exit 1; done
.PHONY: bench

# Policy resolution: ns per first candidate and per walk, every mode, 2/8/64 nodes
# (docs/policies.md). Uses the policy tests' hand-built topologies.
check_PROGRAMS += bench/bench_resolve
NODAL_BENCHES += bench/bench_resolve
bench_bench_resolve_SOURCES = bench/bench_resolve.c tests/unit/mpol_topo.c tests/unit/mpol_topo.h \
	tests/unit/tsv.c tests/unit/tsv.h
bench_bench_resolve_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/tests/unit
bench_bench_resolve_CFLAGS = $(BENCH_CFLAGS) -O2
bench_bench_resolve_LDADD = $(BENCH_LDADD)

# Arena fast path: nodal_arena_alloc/free vs Debian's jemalloc malloc and glibc
# (docs/arenas.md). Links Debian's libjemalloc, so malloc in this program is jemalloc's.
check_PROGRAMS += bench/bench_arena
NODAL_BENCHES += bench/bench_arena
bench_bench_arena_SOURCES = bench/bench_arena.c
bench_bench_arena_CFLAGS = $(BENCH_CFLAGS)
bench_bench_arena_LDADD = $(BENCH_LDADD) -ljemalloc

# Allocators side by side: nodal's API (LOCAL, BIND, INTERLEAVE, nodal_malloc_onnode)
# against jemalloc, glibc, mimalloc, tcmalloc (LD_PRELOAD on a child run), libnuma's
# numa_alloc_onnode and memkind (dlopen). Not in NODAL_BENCHES: scripts/bench.sh runs it
# (docs/benchmarks.md). Links no allocator, so each child's malloc is the preloaded one.
check_PROGRAMS += bench/bench_alloc
bench_bench_alloc_SOURCES = bench/bench_alloc.c
bench_bench_alloc_CPPFLAGS = -DBENCH_LIBNODAL='"$(abs_top_builddir)/.libs/libnodal.so"' \
	-DBENCH_LIBNODAL_PRELOAD='"$(abs_top_builddir)/.libs/libnodal-preload.so"'
bench_bench_alloc_CFLAGS = $(AM_CFLAGS) -O2
bench_bench_alloc_LDADD = -ldl -lpthread

# A bare malloc+free pair loop for scripts/bench-instructions.sh (callgrind instruction
# counts per pair, docs/benchmarks.md). Links no allocator, like bench_alloc.
check_PROGRAMS += bench/bench_pairs
bench_bench_pairs_SOURCES = bench/bench_pairs.c
bench_bench_pairs_CPPFLAGS = -DBENCH_LIBNODAL='"$(abs_top_builddir)/.libs/libnodal.so"'
bench_bench_pairs_CFLAGS = $(AM_CFLAGS) -O2
bench_bench_pairs_LDADD = -ldl
