/*
 * nodal_dlopen.h — dlopen the just-built libnodal.so ($top_builddir/.libs, as `make check`
 * sets it) for the tests that load nodal at run time instead of linking it; fails the
 * running criterion test with dlerror()'s reason. Header-only.
 */
#ifndef NODAL_TEST_DLOPEN_H
#define NODAL_TEST_DLOPEN_H

#include <criterion/criterion.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static inline void *nodal_test_dlopen(void)
{
	const char *top = getenv("top_builddir");
	char path[4096];
	snprintf(path, sizeof(path), "%s/.libs/libnodal.so", top ? top : ".");
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	cr_assert_not_null(h, "dlopen %s: %s", path, dlerror());
	return h;
}

#endif
