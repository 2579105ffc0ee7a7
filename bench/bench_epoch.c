/*
 * bench_epoch.c — what the RCU-like reclamation costs (src/epoch.h).
 *
 * Prints, for each reader mode (membarrier, fence), in a child process of its own
 * because the mode is fixed once per process:
 *  - ns per nodal_epoch_enter()/nodal_epoch_exit() pair around an acquire load of a
 *    published pointer, minus the same loop without the pair (the reader's overhead);
 *  - ns per nodal_epoch_synchronize() with no reader inside (one grace period: epoch bump,
 *    membarrier or fence, slot scan);
 *  - ns per nodal_epoch_retire() + free when nobody reads.
 * Usage: bench_epoch [iterations]   (default 50,000,000 reader pairs)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "epoch.h"
#include "os.h"

static int value = 42;
static int *published = &value;

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void noop(void *p)
{
	(void)p;
}

/* Best of @rounds runs of @n iterations, in ns per iteration. */
static double reader_pairs(long n, int with_epoch)
{
	double best = 1e30;
	for (int r = 0; r < 5; r++) {
		long sum = 0;
		double t0 = now_ns();
		if (with_epoch) {
			for (long i = 0; i < n; i++) {
				nodal_epoch_enter();
				sum += *__atomic_load_n(&published, __ATOMIC_ACQUIRE);
				nodal_epoch_exit();
			}
		} else {
			for (long i = 0; i < n; i++) {
				sum += *__atomic_load_n(&published, __ATOMIC_ACQUIRE);
				__atomic_signal_fence(__ATOMIC_SEQ_CST);
			}
		}
		double dt = (now_ns() - t0) / (double)n;
		if (sum != 42L * n)
			abort();
		if (dt < best)
			best = dt;
	}
	return best;
}

static int run(enum nodal_epoch_mode mode, const char *name, long n)
{
	int err = nodal_epoch_init(&nodal_os_linux, mode);
	if (err) {
		printf("%-10s unavailable (errno %d)\n", name, err);
		return 0;
	}
	double base = reader_pairs(n, 0), pair = reader_pairs(n, 1);
	int gp = 20000;
	double t0 = now_ns();
	for (int i = 0; i < gp; i++)
		nodal_epoch_synchronize();
	double sync = (now_ns() - t0) / gp;
	t0 = now_ns();
	for (int i = 0; i < gp; i++)
		nodal_epoch_retire(&value, noop);
	double retire = (now_ns() - t0) / gp;
	printf("%-10s reader pair %6.2f ns (loop %5.2f ns, overhead %+.2f ns)  synchronize %8.0f ns  retire %8.0f ns\n",
	       name, pair, base, pair - base, sync, retire);
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 50000000L;
	struct {
		enum nodal_epoch_mode mode;
		const char *name;
	} modes[] = { { NODAL_EPOCH_MEMBARRIER, "membarrier" }, { NODAL_EPOCH_FENCE, "fence" } };
	printf("bench_epoch: %ld reader pairs per run, best of 5, %ld CPUs online\n", n, sysconf(_SC_NPROCESSORS_ONLN));
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			int rc = run(modes[i].mode, modes[i].name, n);
			fflush(stdout);
			_exit(rc);
		}
		int st;
		waitpid(pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			return 1;
	}
	return 0;
}
