# src/epoch.mk: RCU-like reclamation (epoch.c), owned by the epoch component.
libnodal_core_la_SOURCES += src/epoch.c
noinst_HEADERS += src/epoch.h
