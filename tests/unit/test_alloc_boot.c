/*
 * test_alloc_boot.c — nodal as this program's malloc (the preload situation, built into
 * the test binary): the allocations hwloc and libc make while nodal initialises are
 * served from the bootstrap region and can be freed, resized and measured later; the
 * criterion runner itself (threads, fork per test) runs on nodal.
 */
#include <config.h>

#include <criterion/criterion.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "nodal.h"
#include "scope.h"

void *memalign(size_t align, size_t n);
size_t malloc_usable_size(void *p);

static void *_Atomic first_boot; /* first block handed out during initialisation */
static _Atomic long boot_blocks;

static void *note(void *p)
{
	if (p && nodal_alloc_is_bootstrap(p)) {
		void *expected = NULL;
		atomic_compare_exchange_strong(&first_boot, &expected, p);
		boot_blocks++;
	}
	return p;
}

/* The malloc family of this binary: every caller (libc, hwloc, criterion) gets nodal. */
__attribute__((visibility("default"))) void *malloc(size_t n)
{
	return note(nodal_alloc(n, 0, false));
}

__attribute__((visibility("default"))) void *calloc(size_t a, size_t b)
{
	size_t n;
	if (__builtin_mul_overflow(a, b, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	return note(nodal_alloc(n, 0, true));
}

__attribute__((visibility("default"))) void *realloc(void *p, size_t n)
{
	return note(nodal_ralloc(p, n));
}

__attribute__((visibility("default"))) void free(void *p)
{
	nodal_dealloc(p);
}

__attribute__((visibility("default"))) int posix_memalign(void **out, size_t align, size_t n)
{
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	void *p = nodal_alloc(n, align, false);
	if (!p)
		return ENOMEM;
	*out = note(p);
	return 0;
}

__attribute__((visibility("default"))) void *aligned_alloc(size_t align, size_t n)
{
	return note(nodal_alloc(n, align, false));
}

__attribute__((visibility("default"))) void *memalign(size_t align, size_t n)
{
	return note(nodal_alloc(n, align, false));
}

__attribute__((visibility("default"))) size_t malloc_usable_size(void *p)
{
	return nodal_usize(p);
}

Test(alloc_boot, init_allocations_come_from_the_bootstrap_region)
{
	/* whoever called malloc first initialised nodal; hwloc allocated meanwhile */
	cr_assert_eq(nodal_init(), 0, "%s", nodal_strerror_detail());
	cr_assert_gt(nodal_alloc_bootstrap_used(), 0, "nothing was allocated during initialisation");
	cr_assert_gt(boot_blocks, 0);
	void *b = first_boot;
	cr_assert_not_null(b);
	cr_assert_eq(nodal_node_of(b), -1);
	size_t us = nodal_usize(b);
	/* resize a bootstrap block: contents move to real memory; then free both ways */
	unsigned char *copy = malloc(us);
	memcpy(copy, b, us);
	unsigned char *r = realloc(b, us + 4096);
	cr_assert_not_null(r);
	cr_assert_not(nodal_alloc_is_bootstrap(r));
	cr_assert_eq(memcmp(r, copy, us), 0);
	cr_assert_geq(nodal_node_of(r), 0);
	free(r);
	free(copy);
	/* after initialisation nothing new comes from the region */
	size_t used = nodal_alloc_bootstrap_used();
	for (int i = 0; i < 1000; i++)
		free(malloc((size_t)i * 8));
	cr_assert_eq(nodal_alloc_bootstrap_used(), used);
}

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10000; i++) {
		char *p = malloc(64);
		p[0] = 1;
		free(p);
	}
	return NULL;
}

Test(alloc_boot, threads_and_fork_on_nodal)
{
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, worker, NULL), 0);
	pid_t pid = fork();
	if (pid == 0) {
		char *s = strdup("child");
		_exit(s && !strcmp(s, "child") ? 0 : 1);
	}
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
}
