/*
 * alloc.h — the allocation entry points every front end uses: the preload library's
 * malloc family, the public nodal_* API and the C++ operators.
 *
 * Owns the path from a request to memory: policy scope lookup (explicit > heap >
 * thread > process > LOCAL), resolution to a node (mempolicy.h), capacity checks and
 * fallback, the per-node arena (arena.h) or a page-policy mapping for large sizes.
 *
 * Contract:
 * - Any function may be called before nodal_alloc_init() has run; the first call
 *   initialises lazily. Initialisation itself allocates (hwloc, libnuma): calls made
 *   while it runs — from the initialising thread or any other — are served from a
 *   bootstrap region and are freed correctly later (nodal_dealloc recognises them).
 * - Errors: NULL with errno = ENOMEM (or EINVAL for bad alignment), never abort.
 * - The fast path (a thread-cached small size whose policy has not changed) takes no
 *   lock, makes no atomic read-modify-write and no system call.
 * - Thread-safe; fork-safe when nodal_alloc_atfork_{prepare,parent,child} are called
 *   around fork (the preload library registers them).
 */
#ifndef NODAL_ALLOC_H
#define NODAL_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

/* Explicit initialisation (idempotent). Returns 0 or an errno; on failure nodal keeps
 * serving allocations (LOCAL on whatever the OS gives) and reports once. */
int nodal_alloc_init(void);

/* @align: 0 for the default (16), else a power of two. @zero: memory is zeroed. */
void *nodal_alloc(size_t size, size_t align, bool zero);
/* nodal_alloc(size, 0, false): malloc's fast path (one thread-state lookup, no checks of
 * alignment or zeroing). */
void *nodal_alloc_default(size_t size);
void nodal_dealloc(void *p);
/* Size-hinted free (C++ sized delete); @size may be ignored. */
void nodal_dealloc_sized(void *p, size_t size);
void *nodal_ralloc(void *p, size_t size);
size_t nodal_usize(const void *p);

/* fork handling (registered with pthread_atfork by the preload library and by init). */
void nodal_alloc_atfork_prepare(void);
void nodal_alloc_atfork_parent(void);
void nodal_alloc_atfork_child(void);

/* Called by the preload library after the program changed its CPU affinity. */
void nodal_alloc_affinity_changed(void);

/* Exit-time report (NODAL_STATS). */
void nodal_alloc_report(void);

#endif
