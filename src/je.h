/*
 * je.h — nodal's private jemalloc: the prefixed API (nodal_je_mallocx, nodal_je_mallctl, ...).
 *
 * Owns: nothing but the names. scripts/build-jemalloc.sh builds jemalloc 5.3 from Debian's
 * source package with --with-jemalloc-prefix=nodal_je_, hidden visibility and
 * global-dynamic TLS, linked statically (PIC) into everything nodal builds. So:
 * - it never interposes the process's malloc (with a prefix jemalloc defines no malloc,
 *   free or __libc_* hooks), and a program that also links Debian's jemalloc keeps both;
 * - libnodal.so can be dlopen'd (no initial-exec TLS);
 * - the names below are nodal's alone. Only the arena layer (arena.c, extent.c, pages.c,
 *   stats.c) includes this header; everything else goes through arena.h.
 *
 * The header maps je_<name> to nodal_je_<name> (jemalloc's own je_ macros), so code reads
 * je_mallocx(), je_mallctl(), je_sdallocx().
 *
 * Concurrency and errors: jemalloc's (thread-safe; mallctl returns 0 or an errno).
 */
#ifndef NODAL_JE_H
#define NODAL_JE_H

/* Keep jemalloc's je_<name> → nodal_je_<name> macros after the header. */
#define JEMALLOC_NO_DEMANGLE
#include <jemalloc/jemalloc.h>

#ifndef MALLOCX_ARENA
#error "nodal's jemalloc header not found (run scripts/build-jemalloc.sh)"
#endif

#endif
