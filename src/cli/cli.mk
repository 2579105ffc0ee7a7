# The `nodal` command.
nodal_SOURCES += src/cli/main.c
noinst_HEADERS += src/cli/cli.h
nodal_SOURCES += src/cli/options.c
nodal_SOURCES += src/cli/topo.c
nodal_SOURCES += src/cli/machine.c src/cli/policy.c
