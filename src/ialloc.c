/*
 * ialloc.c — mmap-backed allocations for nodal's internal objects (see ialloc.h).
 * Deliberately below the OS ops layer: these mappings carry no policy of their own.
 */
#include "ialloc.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

#define IALLOC_HEADER 64 /* keeps the payload 64-byte aligned */

void *nodal_icalloc(size_t size)
{
	if (size > SIZE_MAX - IALLOC_HEADER - 4096) {
		errno = ENOMEM;
		return NULL;
	}
	size_t len = size + IALLOC_HEADER;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	*(size_t *)p = len;
	return (char *)p + IALLOC_HEADER;
}

void nodal_ifree(void *p)
{
	if (!p)
		return;
	char *base = (char *)p - IALLOC_HEADER;
	munmap(base, *(size_t *)base);
}
