/*
 * ialloc.h — nodal's own allocations (policy objects, heaps, control state).
 *
 * Why not malloc: under LD_PRELOAD malloc *is* nodal, and these objects are created
 * while the allocator is initialising or changing policy. They are rare and long-lived,
 * so each comes straight from the OS with mmap (a header records the length).
 * Thread-safe (no shared state). Returns NULL with errno = ENOMEM on failure.
 */
#ifndef NODAL_IALLOC_H
#define NODAL_IALLOC_H

#include <stddef.h>

void *nodal_icalloc(size_t size); /* zeroed */
void nodal_ifree(void *p);

#endif
