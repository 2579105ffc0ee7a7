# src/os.mk: build fragment (owned by its component; sources are added with +=)
libnodal_core_la_SOURCES += src/os.c src/os_linux.c src/os_sim.c
noinst_HEADERS += src/os_sim.h
