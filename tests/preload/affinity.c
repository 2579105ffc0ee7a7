/*
 * affinity.c — sched_setaffinity and pthread_setaffinity_np under the preload library:
 * both are nodal's (so nodal hears about affinity changes), both really change the
 * affinity (glibc's versions run underneath), errors pass through unchanged, and the
 * allocator keeps working across the changes. tests/preload/affinity.sh runs it.
 */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static int (*volatile p_sched_setaffinity)(pid_t, size_t, const cpu_set_t *) = sched_setaffinity;
static int (*volatile p_pthread_setaffinity)(pthread_t, size_t, const cpu_set_t *) = pthread_setaffinity_np;

static int churn(void)
{
	int ok_all = 1;

	for (int i = 0; i < 1000; i++) {
		char *p = malloc((size_t)(i % 100) * 40 + 1);
		ok_all &= p != NULL;
		free(p);
	}
	return ok_all;
}

static void *thread_main(void *arg)
{
	cpu_set_t *want = arg, got;
	long good;

	good = p_pthread_setaffinity(pthread_self(), sizeof(*want), want) == 0 &&
	       pthread_getaffinity_np(pthread_self(), sizeof(got), &got) == 0 && CPU_EQUAL(&got, want) && churn();
	return (void *)good;
}

int main(void)
{
	cpu_set_t orig, one, got, empty;
	int cpu = -1, rc;
	pthread_t th;
	void *res = NULL;

	ok(from_nodal((void *)p_sched_setaffinity), "sched_setaffinity comes from libnodal-preload.so");
	ok(from_nodal((void *)p_pthread_setaffinity), "pthread_setaffinity_np comes from libnodal-preload.so");
	sched_getaffinity(0, sizeof(orig), &orig);
	for (int c = CPU_SETSIZE - 1; c >= 0; c--)
		if (CPU_ISSET(c, &orig))
			cpu = c; /* the lowest allowed CPU */
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);

	rc = p_sched_setaffinity(0, sizeof(one), &one);
	sched_getaffinity(0, sizeof(got), &got);
	ok(rc == 0 && CPU_EQUAL(&got, &one) && sched_getcpu() == cpu,
	   "sched_setaffinity(0, {cpu %d}) takes effect; now running on CPU %d", cpu, sched_getcpu());
	ok(churn(), "allocation after the affinity change works");
	rc = p_sched_setaffinity(0, sizeof(orig), &orig);
	sched_getaffinity(0, sizeof(got), &got);
	ok(rc == 0 && CPU_EQUAL(&got, &orig), "the original affinity is restored");

	CPU_ZERO(&empty);
	errno = 0;
	rc = p_sched_setaffinity(0, sizeof(empty), &empty);
	ok(rc == -1 && errno == EINVAL, "an empty CPU set is -1/EINVAL, as from glibc (rc %d, errno %d)", rc, errno);
	errno = 0;
	rc = p_sched_setaffinity(-5, sizeof(one), &one);
	ok(rc == -1 && errno == ESRCH, "a bad pid is -1/ESRCH (rc %d, errno %d)", rc, errno);
	rc = p_pthread_setaffinity(pthread_self(), sizeof(empty), &empty);
	ok(rc == EINVAL, "pthread_setaffinity_np with an empty set returns EINVAL (%d)", rc);

	ok(pthread_create(&th, NULL, thread_main, &one) == 0 && pthread_join(th, &res) == 0 && res,
	   "a thread pins itself with pthread_setaffinity_np; it takes effect and the thread allocates");
	rc = p_pthread_setaffinity(pthread_self(), sizeof(orig), &orig);
	ok(rc == 0, "pthread_setaffinity_np on the main thread with its original set");
	return tap_done();
}
