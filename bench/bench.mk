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

bench:
	$(MAKE) $(AM_MAKEFLAGS) $(NODAL_BENCHES)
	@for b in $(NODAL_BENCHES); do echo "== $$b"; ./$$b || exit 1; done
.PHONY: bench
