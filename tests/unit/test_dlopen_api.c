/*
 * test_dlopen_api.c — libnodal.so loaded at run time (as Python's ctypes does): dlopen
 * succeeds (no static-TLS exhaustion, unlike Debian's libjemalloc.so.2), the public
 * functions are found with dlsym and work, and the library exports nothing but nodal_*.
 */
#include <config.h>

#include <criterion/criterion.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dlopen/nodal_dlopen.h"

#define SYM(h, type, name) ((type)dlsym((h), (name)))

Test(dlopen, load_and_use)
{
	void *h = nodal_test_dlopen();
	void *(*onnode)(size_t, int) = SYM(h, void *(*)(size_t, int), "nodal_malloc_onnode");
	void *(*mal)(size_t) = SYM(h, void *(*)(size_t), "nodal_malloc");
	void (*fre)(void *) = SYM(h, void (*)(void *), "nodal_free");
	int (*node_of)(const void *) = SYM(h, int (*)(const void *), "nodal_node_of");
	int (*count)(void) = SYM(h, int (*)(void), "nodal_node_count");
	void *(*parse)(const char *) = SYM(h, void *(*)(const char *), "nodal_policy_parse");
	void *(*mpol)(const void *, size_t) = SYM(h, void *(*)(const void *, size_t), "nodal_malloc_policy");
	void (*release)(void *) = SYM(h, void (*)(void *), "nodal_policy_release");
	cr_assert(onnode && mal && fre && node_of && count && parse && mpol && release);
	cr_assert_geq(count(), 1);
	for (int i = 0; i < 1000; i++) {
		char *p = onnode(4096, 0);
		cr_assert_not_null(p);
		memset(p, 7, 4096);
		cr_assert_eq(node_of(p), 0);
		fre(p);
	}
	void *pol = parse("bind:0");
	cr_assert_not_null(pol);
	void *q = mpol(pol, 100);
	cr_assert_eq(node_of(q), 0);
	fre(q);
	release(pol);
	errno = 0;
	cr_assert_null(onnode(64, 4095));
	cr_assert_eq(errno, EINVAL);
	free(mal(10) ? NULL : NULL); /* the program's own malloc is untouched */
}

Test(dlopen, exports_only_the_api)
{
	const char *top = getenv("top_builddir");
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "nm -D --defined-only '%s/.libs/libnodal.so'", top ? top : ".");
	FILE *f = popen(cmd, "r");
	cr_assert_not_null(f);
	char line[512];
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		char addr[64], type[8], name[400];
		if (sscanf(line, "%63s %7s %399s", addr, type, name) != 3)
			continue;
		if (!strcmp(type, "A")) /* version nodes */
			continue;
		cr_expect(!strncmp(name, "nodal_", 6), "libnodal.so exports '%s'", name);
		n++;
	}
	cr_assert_eq(pclose(f), 0);
	cr_assert_gt(n, 20);
}
