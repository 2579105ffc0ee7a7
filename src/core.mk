# Core algebra, messages and parsers.
libnodal_core_la_SOURCES += src/nodemask.c src/msg.c src/ialloc.c
noinst_HEADERS += src/nodemask.h src/msg.h src/ialloc.h src/spinlock.h
