/*
 * test_dlopen.c — libnodal.so can be dlopen'd (a Python ctypes binding will do this) and
 * does not interpose the process's malloc.
 *
 * Debian's libjemalloc.so.2 uses initial-exec TLS and fails dlopen with "cannot allocate
 * memory in static TLS block"; nodal links its own jemalloc (nodal_je_ prefix,
 * global-dynamic TLS, hidden) so the library loads anywhere. This program is linked
 * against nothing of nodal's: it loads $top_builddir/.libs/libnodal.so at run time.
 */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodal_dlopen.h"

Test(dlopen, libnodal_loads_and_its_symbols_work)
{
	void *h = nodal_test_dlopen();
	/* the statistics API: callable before anything was allocated */
	int (*stats_get)(void *) = (int (*)(void *))dlsym(h, "nodal_stats_get");
	cr_assert_not_null(stats_get, "nodal_stats_get not exported: %s", dlerror());
	void *st = calloc(1, 1 << 20); /* larger than struct nodal_stats */
	cr_assert_eq(stats_get(st), 0);
	cr_assert_eq(stats_get(NULL), EINVAL);
	free(st);
	/* the allocation API, when the library exports it */
	void *(*nm)(size_t) = (void *(*)(size_t))dlsym(h, "nodal_malloc");
	void (*nf)(void *) = (void (*)(void *))dlsym(h, "nodal_free");
	if (nm && nf) {
		char *p = nm(1000);
		cr_assert_not_null(p);
		memset(p, 7, 1000);
		nf(p);
	}
	cr_assert_eq(dlclose(h), 0);
}

Test(dlopen, jemalloc_is_private_and_malloc_not_interposed)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	cr_assert_not_null(libc);
	void *h = nodal_test_dlopen();
	/* nodal's jemalloc is hidden inside the library */
	cr_assert_null(dlsym(h, "nodal_je_malloc"));
	cr_assert_null(dlsym(h, "nodal_je_mallctl"));
	cr_assert_null(dlsym(h, "mallctl"));
	/* malloc is still the C library's, in the library's scope and globally */
	cr_assert_eq(dlsym(h, "malloc"), dlsym(libc, "malloc"));
	cr_assert_eq(dlsym(RTLD_DEFAULT, "malloc"), dlsym(libc, "malloc"));
	void *p = malloc(100);
	free(p);
	dlclose(h);
	dlclose(libc);
}
