/*
 * thread_exit.c — threads that allocate and exit: memory they leave behind is freed by
 * other threads after they are gone, thread-specific-data destructors allocate and free
 * while the thread is being torn down, and threads exit through pthread_exit from deep
 * inside allocation-heavy code. Run under LD_PRELOAD (tests/preload/threads.sh).
 */
#include <config.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#define ROUNDS 50
#define WIDTH 8
#define LEFT 500

static pthread_key_t key;
static atomic_int dtor_ok, dtor_runs, exits;

/* Runs during thread exit, possibly after the allocator's own per-thread teardown. */
static void tsd_dtor(void *v)
{
	char *p = v, *q;

	atomic_fetch_add(&dtor_runs, 1);
	if (!p || strcmp(p, "tsd"))
		return;
	q = malloc(3000);
	if (!q)
		return;
	memset(q, 1, 3000);
	free(q);
	q = realloc(p, 100000);
	if (!q)
		return;
	free(q);
	atomic_fetch_add(&dtor_ok, 1);
}

static void *worker(void *arg)
{
	void **left = arg;
	char *t = malloc(4);

	if (t)
		strcpy(t, "tsd");
	pthread_setspecific(key, t);
	for (int i = 0; i < 2000; i++)
		free(malloc((size_t)(i % 300) * 16 + 1));
	for (int i = 0; i < LEFT; i++) {
		size_t n = (size_t)(i % 40) * 32 + (i % 100 == 0 ? 200000 : 8);
		left[i] = malloc(n);
		if (left[i])
			memset(left[i], 0x33, n);
	}
	if (atomic_fetch_add(&exits, 1) & 1)
		pthread_exit(left); /* every other thread leaves through pthread_exit */
	return left;
}

int main(void)
{
	static void *left[ROUNDS][WIDTH][LEFT];
	int failed = 0, nulls = 0, created = 0;

	pthread_key_create(&key, tsd_dtor);
	for (int r = 0; r < ROUNDS; r++) {
		pthread_t th[WIDTH];
		for (int w = 0; w < WIDTH; w++)
			created += !pthread_create(&th[w], NULL, worker, left[r][w]);
		for (int w = 0; w < WIDTH; w++)
			failed += pthread_join(th[w], NULL) != 0;
		/* The threads are gone: free what they left, in another order than allocated. */
		if (r > 0)
			for (int w = 0; w < WIDTH; w++)
				for (int i = LEFT - 1; i >= 0; i--) {
					nulls += !left[r - 1][w][i];
					free(left[r - 1][w][i]);
				}
	}
	for (int w = 0; w < WIDTH; w++)
		for (int i = 0; i < LEFT; i++)
			free(left[ROUNDS - 1][w][i]);
	ok(created == ROUNDS * WIDTH && failed == 0, "%d threads created and joined", ROUNDS * WIDTH);
	ok(nulls == 0, "memory left by exited threads was valid and freed by the main thread");
	ok(atomic_load(&dtor_runs) == ROUNDS * WIDTH && atomic_load(&dtor_ok) == ROUNDS * WIDTH,
	   "thread-specific destructors allocated, reallocated and freed during thread exit (%d/%d)",
	   atomic_load(&dtor_ok), ROUNDS * WIDTH);
	return tap_done();
}
