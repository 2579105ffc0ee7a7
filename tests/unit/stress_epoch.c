/*
 * stress_epoch.c — the epoch stress without criterion, for ThreadSanitizer (criterion's
 * fork arena cannot be mapped under TSan's memory layout). Built with the unit tests,
 * not run by them (test_epoch.c runs the same scenarios under ASan):
 *     make -C build-tsan tests/unit/stress_epoch && build-tsan/tests/unit/stress_epoch
 * where build-tsan was configured with --enable-sanitizers=thread. Each mode runs in a
 * child process: readers (also from a signal handler) race a writer that swaps, retires
 * and synchronizes; one reader thread dies inside a section. Exit 0 when clean.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "epoch.h"
#include "os.h"

struct obj {
	unsigned magic;
	unsigned long a, b;
};

static struct obj *published;
static int stop, started;
static unsigned long freed;

static struct obj *obj_new(unsigned long a)
{
	struct obj *o = malloc(sizeof(*o));
	o->magic = 0x600d;
	o->a = a;
	o->b = a * 2;
	return o;
}

static void obj_free(void *p)
{
	struct obj *o = p;
	o->magic = 0xdead;
	__atomic_fetch_add(&freed, 1, __ATOMIC_RELAXED);
	free(o);
}

static void read_once(void)
{
	nodal_epoch_enter();
	struct obj *o = __atomic_load_n(&published, __ATOMIC_ACQUIRE);
	if (o->magic != 0x600d || o->b != 2 * o->a) {
		fprintf(stderr, "stress_epoch: reader saw a freed object\n");
		abort();
	}
	nodal_epoch_exit();
}

static void on_sig(int sig)
{
	(void)sig;
	read_once();
}

static void *reader(void *arg)
{
	int die_inside = arg != NULL;
	__atomic_fetch_add(&started, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED))
		read_once();
	if (die_inside) {
		nodal_epoch_enter();
		pthread_exit(NULL);
	}
	return NULL;
}

static int run(enum nodal_epoch_mode mode, int swaps)
{
	if (nodal_epoch_init(&nodal_os_linux, mode))
		return 1;
	struct sigaction sa = { .sa_handler = on_sig };
	sigaction(SIGUSR1, &sa, NULL);
	published = obj_new(0);
	pthread_t th[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, reader, i == 2 ? (void *)1 : NULL);
	while (__atomic_load_n(&started, __ATOMIC_ACQUIRE) < 3)
		sched_yield();
	for (int i = 1; i <= swaps; i++) {
		struct obj *old = __atomic_exchange_n(&published, obj_new((unsigned long)i), __ATOMIC_ACQ_REL);
		if (i % 2) {
			nodal_epoch_retire(old, obj_free);
		} else {
			nodal_epoch_synchronize();
			obj_free(old);
		}
		if (i % 16 == 0)
			pthread_kill(th[i / 16 % 2], SIGUSR1);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	nodal_epoch_synchronize(); /* must not wait for the thread that died inside */
	obj_free(published);
	return freed == (unsigned long)swaps + 1 ? 0 : 2;
}

int main(int argc, char **argv)
{
	int swaps = argc > 1 ? atoi(argv[1]) : 2000;
	enum nodal_epoch_mode modes[] = { NODAL_EPOCH_MEMBARRIER, NODAL_EPOCH_FENCE };
	const char *names[] = { "membarrier", "fence" };
	int bad = 0;
	for (int m = 0; m < 2; m++) {
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0)
			_exit(run(modes[m], swaps));
		int st = 0;
		waitpid(pid, &st, 0);
		int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
		printf("stress_epoch %-10s %d swaps: %s\n", names[m], swaps, ok ? "ok" : "FAILED");
		bad |= !ok;
	}
	return bad;
}
