/*
 * alloc_bootstrap_glibc.c — TEMPORARY alloc.h backend that forwards to glibc's malloc.
 *
 * !!! Temporary. It exists only so the preload library (src/preload.c, preload_cxx.cc)
 * !!! and its test tier can be built and tested before src/alloc.c lands. It is linked
 * !!! into libnodal-preload.so only (src/preload.mk) and must be deleted, with its line
 * !!! in src/preload.mk, the moment src/alloc.c provides these symbols.
 *
 * What it does: every nodal_* entry point of alloc.h forwards to glibc's own allocator
 * through the __libc_* aliases, which stay reachable while malloc itself is interposed.
 * No policy, no placement, no statistics: NODAL_STATS prints one line saying so.
 * Errors follow alloc.h: NULL with errno = ENOMEM (glibc sets it).
 */
#include <config.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "msg.h"

/* glibc's allocator under names that LD_PRELOAD does not take over. */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void __libc_free(void *p);

#define BOOTSTRAP_MIN_ALIGN 16

int nodal_alloc_init(void)
{
	return 0;
}

void *nodal_alloc(size_t size, size_t align, bool zero)
{
	void *p;

	if (align <= BOOTSTRAP_MIN_ALIGN)
		return zero ? __libc_calloc(1, size) : __libc_malloc(size);
	p = __libc_memalign(align, size);
	if (p && zero)
		memset(p, 0, size);
	return p;
}

void nodal_dealloc(void *p)
{
	__libc_free(p);
}

void nodal_dealloc_sized(void *p, size_t size)
{
	(void)size;
	__libc_free(p);
}

void *nodal_ralloc(void *p, size_t size)
{
	return __libc_realloc(p, size);
}

/* glibc's malloc_usable_size is shadowed by the preload library's: look past it. The
 * lookup may allocate, which lands in __libc_malloc above — no recursion hazard. */
size_t nodal_usize(const void *p)
{
	static size_t (*libc_usable_size)(void *);
	size_t (*fn)(void *) = __atomic_load_n(&libc_usable_size, __ATOMIC_ACQUIRE);

	if (!fn) {
		*(void **)&fn = dlsym(RTLD_NEXT, "malloc_usable_size");
		if (!fn)
			return 0;
		__atomic_store_n(&libc_usable_size, fn, __ATOMIC_RELEASE);
	}
	return fn((void *)p);
}

/* glibc's malloc takes its own locks in fork(), after the stdio list lock. */
void nodal_alloc_atfork_prepare(void)
{
}

void nodal_alloc_atfork_parent(void)
{
}

void nodal_alloc_atfork_child(void)
{
}

void nodal_alloc_affinity_changed(void)
{
}

void nodal_alloc_report(void)
{
	const char *s = getenv("NODAL_STATS");

	if (s && *s && strcmp(s, "0"))
		nodal_msg("NODAL_STATS: no report: this build uses the temporary glibc backend (src/alloc.c not built)");
}
