/*
 * test_epoch.c — RCU-like reclamation: readers racing a writer that swaps and frees a
 * published object (ASan turns any use after free into a crash; a poisoned magic number
 * catches it without ASan), in membarrier mode, in fence mode (forced, and chosen
 * because the OS layer reports no membarrier), nested and signal-handler sections,
 * blocking and non-blocking reclamation, thread exit, slot recycling, fork, and the
 * background reclaimer's signal mask.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "epoch.h"
#include "os.h"
#include "os_sim.h"

#define MAGIC 0x600dcafe
#define DEAD 0xdeaddead

struct obj {
	unsigned magic;
	uint64_t a, b, sum;
};

static struct obj *published;
static int stop;
static uint64_t reads, freed_objs;
static int started;

static struct obj *obj_new(uint64_t a)
{
	struct obj *o = malloc(sizeof(*o));
	o->magic = MAGIC;
	o->a = a;
	o->b = 3 * a + 1;
	o->sum = o->a + o->b;
	return o;
}

static void obj_free(void *p)
{
	struct obj *o = p;
	o->magic = DEAD; /* a reader that still sees it trips its check (and ASan on free) */
	__atomic_fetch_add(&freed_objs, 1, __ATOMIC_RELAXED);
	free(o);
}

static void read_once(void)
{
	nodal_epoch_enter();
	struct obj *o = __atomic_load_n(&published, __ATOMIC_ACQUIRE);
	unsigned m = __atomic_load_n(&o->magic, __ATOMIC_RELAXED);
	uint64_t a = o->a, b = o->b, s = o->sum;
	for (volatile int spin = 0; spin < 20; spin++) /* widen the window */
		;
	unsigned m2 = __atomic_load_n(&o->magic, __ATOMIC_RELAXED);
	nodal_epoch_exit();
	if (m != MAGIC || m2 != MAGIC || a + b != s) {
		fprintf(stderr, "reader saw a freed object: magic %x/%x\n", m, m2);
		abort();
	}
}

static void *reader(void *arg)
{
	(void)arg;
	uint64_t n = 0;
	__atomic_fetch_add(&started, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		read_once();
		n++;
	}
	__atomic_fetch_add(&reads, n, __ATOMIC_RELAXED);
	nodal_epoch_thread_exit();
	return NULL;
}

/* @swaps swaps by a writer against @nreaders readers; even swaps retire, odd ones
 * synchronize and free. */
static void stress(int nreaders, int swaps)
{
	published = obj_new(0);
	stop = 0;
	pthread_t th[8];
	for (int i = 0; i < nreaders; i++)
		pthread_create(&th[i], NULL, reader, NULL);
	while (__atomic_load_n(&started, __ATOMIC_ACQUIRE) < nreaders)
		sched_yield();
	for (int i = 1; i <= swaps; i++) {
		struct obj *old = __atomic_exchange_n(&published, obj_new((uint64_t)i), __ATOMIC_ACQ_REL);
		if (i % 2) {
			cr_assert_eq(nodal_epoch_retire(old, obj_free), 0);
		} else {
			cr_assert_eq(nodal_epoch_synchronize(), 0);
			obj_free(old);
		}
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < nreaders; i++)
		pthread_join(th[i], NULL);
	cr_assert_eq(nodal_epoch_synchronize(), 0);
	struct nodal_epoch_stats st;
	nodal_epoch_get_stats(&st);
	cr_assert_eq(st.pending, 0);
	cr_assert_eq(st.freed, st.retired);
	cr_assert_eq(freed_objs, (uint64_t)swaps);
	cr_assert_gt(reads, 0);
	obj_free(published);
}

Test(epoch, stress_membarrier)
{
	cr_assert_eq(nodal_epoch_init(&nodal_os_linux, NODAL_EPOCH_MEMBARRIER), 0);
	cr_assert_eq(nodal_epoch_mode(), NODAL_EPOCH_MEMBARRIER);
	stress(2, 3000);
	struct nodal_epoch_stats st;
	nodal_epoch_get_stats(&st);
	cr_assert_geq(st.membarriers, 3000, "one membarrier per grace period");
}

Test(epoch, stress_fence_forced)
{
	cr_assert_eq(nodal_epoch_init(&nodal_os_linux, NODAL_EPOCH_FENCE), 0);
	cr_assert_eq(nodal_epoch_mode(), NODAL_EPOCH_FENCE);
	stress(2, 3000);
	struct nodal_epoch_stats st;
	nodal_epoch_get_stats(&st);
	cr_assert_eq(st.membarriers, 0);
}

Test(epoch, fence_chosen_when_os_has_no_membarrier)
{
	nodal_sim_set_membarrier(false);
	cr_assert_eq(nodal_epoch_init(&nodal_os_sim, NODAL_EPOCH_MEMBARRIER), ENOSYS);
	cr_assert_eq(nodal_epoch_init(&nodal_os_sim, NODAL_EPOCH_AUTO), 0);
	cr_assert_eq(nodal_epoch_mode(), NODAL_EPOCH_FENCE);
	stress(2, 3000);
}

Test(epoch, auto_picks_membarrier_here)
{
	cr_assert_eq(nodal_epoch_init(NULL, NODAL_EPOCH_AUTO), 0);
	cr_assert_eq(nodal_epoch_mode(), NODAL_EPOCH_MEMBARRIER);
	cr_assert_eq(nodal_epoch_init(NULL, NODAL_EPOCH_FENCE), EBUSY, "the mode is fixed once chosen");
	cr_assert_eq(nodal_epoch_init(NULL, NODAL_EPOCH_MEMBARRIER), 0);
}

/* ---- a reader holding a section ----------------------------------------------------- */

struct holder {
	pthread_t th;
	int entered, release, exit_inside;
};

static void *hold(void *arg)
{
	struct holder *h = arg;
	nodal_epoch_enter();
	__atomic_store_n(&h->entered, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&h->release, __ATOMIC_ACQUIRE))
		usleep(1000);
	if (h->exit_inside)
		pthread_exit(NULL); /* dies inside the section: the slot destructor releases it */
	nodal_epoch_exit();
	return NULL;
}

static void holder_start(struct holder *h)
{
	memset(h, 0, sizeof(*h));
	pthread_create(&h->th, NULL, hold, h);
	while (!__atomic_load_n(&h->entered, __ATOMIC_ACQUIRE))
		usleep(100);
}

static int sync_done;
static void *do_sync(void *arg)
{
	(void)arg;
	cr_assert_eq(nodal_epoch_synchronize(), 0);
	__atomic_store_n(&sync_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int flag_freed;
static void mark_freed(void *p)
{
	*(int *)p = 1;
}

Test(epoch, synchronize_waits_for_a_reader)
{
	struct holder h;
	holder_start(&h);
	pthread_t w;
	sync_done = 0;
	pthread_create(&w, NULL, do_sync, NULL);
	usleep(50000);
	cr_assert_eq(__atomic_load_n(&sync_done, __ATOMIC_ACQUIRE), 0, "the reader is still inside");
	__atomic_store_n(&h.release, 1, __ATOMIC_RELEASE);
	pthread_join(w, NULL);
	pthread_join(h.th, NULL);
	cr_assert_eq(sync_done, 1);
}

Test(epoch, thread_exit_inside_a_section_while_a_writer_waits)
{
	struct holder h;
	holder_start(&h);
	h.exit_inside = 1;
	pthread_t w;
	sync_done = 0;
	pthread_create(&w, NULL, do_sync, NULL);
	usleep(20000);
	cr_assert_eq(__atomic_load_n(&sync_done, __ATOMIC_ACQUIRE), 0);
	__atomic_store_n(&h.release, 1, __ATOMIC_RELEASE);
	pthread_join(h.th, NULL);
	pthread_join(w, NULL);
	cr_assert_eq(sync_done, 1);
	struct nodal_epoch_stats st;
	nodal_epoch_get_stats(&st);
	cr_assert_eq(st.slots_in_use, 0, "the dead thread's slot was recycled");
}

Test(epoch, retire_never_blocks_and_frees_later)
{
	struct holder h;
	holder_start(&h);
	flag_freed = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(nodal_epoch_retire(&flag_freed, mark_freed), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_lt((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec), 20000000L, "returned at once");
	cr_assert_eq(flag_freed, 0, "a reader may hold it");
	cr_assert_eq(nodal_epoch_poll(), 0);
	struct nodal_epoch_stats st;
	nodal_epoch_get_stats(&st);
	cr_assert_eq(st.pending, 1);
	__atomic_store_n(&h.release, 1, __ATOMIC_RELEASE);
	pthread_join(h.th, NULL);
	cr_assert_eq(nodal_epoch_poll(), 1);
	cr_assert_eq(flag_freed, 1);
}

Test(epoch, a_reader_entering_after_retire_does_not_delay_it)
{
	flag_freed = 0;
	nodal_epoch_enter(); /* own section: started before the retire */
	cr_assert_eq(nodal_epoch_retire(&flag_freed, mark_freed), 0);
	cr_assert_eq(flag_freed, 0);
	cr_assert_eq(nodal_epoch_synchronize(), EDEADLK, "would wait for itself");
	nodal_epoch_exit();
	struct holder h;
	holder_start(&h); /* entered after the retire: holds a newer epoch */
	cr_assert_eq(nodal_epoch_poll(), 1);
	cr_assert_eq(flag_freed, 1);
	__atomic_store_n(&h.release, 1, __ATOMIC_RELEASE);
	pthread_join(h.th, NULL);
}

Test(epoch, nested_sections)
{
	flag_freed = 0;
	nodal_epoch_enter();
	nodal_epoch_enter();
	cr_assert_eq(nodal_epoch_retire(&flag_freed, mark_freed), 0);
	nodal_epoch_exit(); /* inner exit: still inside the outer section */
	cr_assert_eq(nodal_epoch_poll(), 0);
	cr_assert_eq(flag_freed, 0);
	nodal_epoch_exit();
	cr_assert_eq(nodal_epoch_poll(), 1);
	cr_assert_eq(flag_freed, 1);
}

static pthread_mutex_t idle_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cv = PTHREAD_COND_INITIALIZER;
static int idle_ready, idle_go;

static void *idle_thread(void *arg)
{
	(void)arg;
	read_once(); /* allocated once ... */
	pthread_mutex_lock(&idle_mu);
	idle_ready = 1;
	pthread_cond_broadcast(&idle_cv);
	while (!idle_go) /* ... and then never again, blocked outside any section */
		pthread_cond_wait(&idle_cv, &idle_mu);
	pthread_mutex_unlock(&idle_mu);
	return NULL;
}

Test(epoch, an_idle_thread_never_blocks_reclamation)
{
	published = obj_new(1);
	pthread_t t;
	pthread_create(&t, NULL, idle_thread, NULL);
	pthread_mutex_lock(&idle_mu);
	while (!idle_ready)
		pthread_cond_wait(&idle_cv, &idle_mu);
	pthread_mutex_unlock(&idle_mu);
	for (int i = 0; i < 100; i++) {
		struct obj *old = __atomic_exchange_n(&published, obj_new(2), __ATOMIC_ACQ_REL);
		cr_assert_eq(nodal_epoch_synchronize(), 0);
		obj_free(old);
	}
	pthread_mutex_lock(&idle_mu);
	idle_go = 1;
	pthread_cond_broadcast(&idle_cv);
	pthread_mutex_unlock(&idle_mu);
	pthread_join(t, NULL);
}

static void *enter_exit_once(void *arg)
{
	(void)arg;
	nodal_epoch_enter();
	nodal_epoch_exit();
	return NULL;
}

Test(epoch, slots_are_recycled_at_thread_exit)
{
	for (int i = 0; i < 300; i++) {
		pthread_t t;
		pthread_create(&t, NULL, enter_exit_once, NULL);
		pthread_join(t, NULL);
	}
	struct nodal_epoch_stats st;
	nodal_epoch_get_stats(&st);
	cr_assert_eq(st.slots_in_use, 0);
	cr_assert_leq(st.slots, 62, "one chunk served 300 threads");
}

#define MANY 150
static pthread_barrier_t many_bar;
static void *many_hold(void *arg)
{
	(void)arg;
	nodal_epoch_enter();
	pthread_barrier_wait(&many_bar);
	pthread_barrier_wait(&many_bar);
	nodal_epoch_exit();
	return NULL;
}

Test(epoch, more_threads_than_a_chunk)
{
	pthread_barrier_init(&many_bar, NULL, MANY + 1);
	pthread_t th[MANY];
	for (int i = 0; i < MANY; i++)
		pthread_create(&th[i], NULL, many_hold, NULL);
	pthread_barrier_wait(&many_bar);
	struct nodal_epoch_stats st;
	nodal_epoch_get_stats(&st);
	cr_assert_eq(st.slots_in_use, MANY);
	cr_assert_geq(st.slots, MANY);
	flag_freed = 0;
	nodal_epoch_retire(&flag_freed, mark_freed);
	cr_assert_eq(flag_freed, 0, "%d readers inside", MANY);
	pthread_barrier_wait(&many_bar);
	for (int i = 0; i < MANY; i++)
		pthread_join(th[i], NULL);
	cr_assert_eq(nodal_epoch_synchronize(), 0);
	cr_assert_eq(flag_freed, 1);
}

Test(epoch, fork_child_is_not_blocked_by_threads_it_lost)
{
	pthread_atfork(nodal_epoch_atfork_prepare, nodal_epoch_atfork_parent, nodal_epoch_atfork_child);
	struct holder h[3];
	for (int i = 0; i < 3; i++)
		holder_start(&h[i]); /* three readers inside sections at fork time */
	flag_freed = 0;
	cr_assert_eq(nodal_epoch_retire(&flag_freed, mark_freed), 0);
	pid_t pid = fork();
	if (pid == 0) {
		alarm(10);
		/* only this thread exists here: its lost siblings must not block anything */
		int r = nodal_epoch_synchronize();
		if (r != 0 || flag_freed != 1)
			_exit(1);
		published = obj_new(5);
		read_once();
		struct obj *old = __atomic_exchange_n(&published, obj_new(6), __ATOMIC_ACQ_REL);
		nodal_epoch_retire(old, obj_free);
		struct nodal_epoch_stats st;
		nodal_epoch_get_stats(&st);
		_exit(st.slots_in_use == 1 && st.pending == 0 ? 0 : 2); /* 1: this thread's own */
	}
	int status = 0;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "child died (signal %d)", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	cr_assert_eq(WEXITSTATUS(status), 0, "child exit %d", WEXITSTATUS(status));
	cr_assert_eq(flag_freed, 0, "the parent's readers still hold it");
	for (int i = 0; i < 3; i++) {
		__atomic_store_n(&h[i].release, 1, __ATOMIC_RELEASE);
		pthread_join(h[i].th, NULL);
	}
	cr_assert_eq(nodal_epoch_synchronize(), 0);
	cr_assert_eq(flag_freed, 1);
}

static uint64_t sigblk_of(int tid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	uint64_t v = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SigBlk: %lx", &v) == 1)
			break;
	fclose(f);
	return v;
}

Test(epoch, reclaimer_frees_in_the_background_with_signals_blocked)
{
	cr_assert_eq(nodal_epoch_reclaimer_start(), 0);
	cr_assert_eq(nodal_epoch_reclaimer_start(), 0, "idempotent");
	while (!nodal_epoch_reclaimer_tid())
		usleep(100);
	uint64_t blk = sigblk_of(nodal_epoch_reclaimer_tid());
	/* every signal the kernel lets a thread block (SIGKILL/SIGSTOP never are; glibc
	 * keeps its two internal ones out of sigfillset) */
	cr_assert_eq(blk | (1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)) | (1ull << 31) | (1ull << 32),
	             UINT64_MAX, "SigBlk %lx", (unsigned long)blk);
	struct holder h;
	holder_start(&h);
	flag_freed = 0;
	nodal_epoch_retire(&flag_freed, mark_freed);
	cr_assert_eq(flag_freed, 0);
	__atomic_store_n(&h.release, 1, __ATOMIC_RELEASE);
	pthread_join(h.th, NULL);
	for (int i = 0; i < 2000 && !__atomic_load_n(&flag_freed, __ATOMIC_ACQUIRE); i++)
		usleep(1000); /* nobody polls: the reclaimer must do it */
	cr_assert_eq(flag_freed, 1);
	nodal_epoch_reclaimer_stop();
	cr_assert_eq(nodal_epoch_reclaimer_tid(), 0);
}

/* Readers interrupted by a signal handler that reads too: sections nest correctly. */
static void on_sig(int sig)
{
	(void)sig;
	read_once();
}

static void *sig_reader(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED))
		read_once();
	return NULL;
}

Test(epoch, signal_handlers_nest_inside_sections)
{
	struct sigaction sa = { .sa_handler = on_sig };
	sigaction(SIGUSR1, &sa, NULL);
	published = obj_new(0);
	stop = 0;
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, sig_reader, NULL);
	for (int i = 1; i <= 5000; i++) {
		struct obj *old = __atomic_exchange_n(&published, obj_new((uint64_t)i), __ATOMIC_ACQ_REL);
		nodal_epoch_retire(old, obj_free);
		if (i % 8 == 0)
			pthread_kill(th[i / 8 % 2], SIGUSR1);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	cr_assert_eq(nodal_epoch_synchronize(), 0);
	cr_assert_eq(freed_objs, 5000);
	obj_free(published);
}
