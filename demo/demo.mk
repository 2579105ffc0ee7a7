# demo/demo.mk: nodal-demo, the workload of the README's first command (scripts/demo.sh).
noinst_PROGRAMS = nodal-demo
nodal_demo_SOURCES = demo/demo.c
nodal_demo_CFLAGS = $(AM_CFLAGS) $(NUMA_CFLAGS)
nodal_demo_LDADD = $(NUMA_LIBS) -lpthread -ldl
