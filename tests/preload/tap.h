/*
 * tap.h — a minimal TAP producer for the preload tier's C test programs (which must not
 * link criterion: they run with LD_PRELOAD of the library under test and everything
 * they print goes through its malloc). The plan is printed at the end; a crash or a
 * non-zero exit makes automake's TAP driver report an error.
 */
#ifndef NODAL_TEST_TAP_H
#define NODAL_TEST_TAP_H

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

__attribute__((format(printf, 4, 5))) static inline int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("# failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return 0;
}

/* True when the function at @fn comes from libnodal-preload.so (interposition works). */
static inline int from_nodal(void *fn)
{
	Dl_info di;

	return dladdr(fn, &di) && di.dli_fname && strstr(di.dli_fname, "libnodal-preload");
}

#endif
