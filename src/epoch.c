/*
 * epoch.c — grace periods, reader slots and the retire list (contract in epoch.h).
 *
 * Why this is safe (membarrier mode). A reader stores its epoch into its slot, then
 * loads the published pointer; a compiler barrier keeps that order in the code, but the
 * CPU may still let the load pass the store (store buffer). The writer unpublishes,
 * bumps the epoch to T, then membarrier() runs a full barrier on every CPU that runs one
 * of our threads (a thread that is not running passes one when it is scheduled). For any
 * reader that barrier falls somewhere in its instruction stream:
 *  - before its pointer load: the load sees the new pointer, the old object is not used;
 *  - after its pointer load: its slot store, earlier in program order, is visible to the
 *    writer's scan, which therefore waits for the reader (its epoch is < T).
 * A reader that read the epoch before the bump but stores it only after the scan read
 * its slot as quiescent loads the pointer after the barrier too: it sees the new pointer.
 * Readers load the epoch with acquire so that seeing epoch T implies seeing everything
 * unpublished before T (free on x86). Exit is a release store: the reader's last use of
 * the object happens before the writer's scan observes it quiescent.
 *
 * Fence mode is the classic Dekker pairing: reader store slot / seq_cst fence / load
 * pointer; writer store pointer / seq_cst fence / load slots.
 *
 * The retire list is scanned only after a snapshot of it is taken: every record in a
 * snapshot was appended after its own membarrier, so a fresh scan of the slots that
 * follows the snapshot proves which records no reader can still hold.
 */
#define _GNU_SOURCE
#include "epoch.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ialloc.h"
#include "msg.h"
#include "os.h"
#include "spinlock.h"

__thread struct nodal_epoch_slot *nodal_epoch_tls;
uint64_t nodal_epoch_global = 1; /* 0 never appears as an epoch */
int nodal_epoch_fence_mode;

#define SLOTS_PER_CHUNK 62 /* 64-byte header + 62 slots + ialloc's header = one 4 KiB page */
struct slot_chunk {
	struct slot_chunk *next;
	char pad[64 - sizeof(void *)];
	struct nodal_epoch_slot slots[SLOTS_PER_CHUNK];
};

struct retired {
	void *ptr;
	void (*fn)(void *);
	uint64_t target; /* freeable once no reader holds an epoch < target */
	struct retired *next;
};
#define RECS_PER_CHUNK ((4096 - 64 - 64) / sizeof(struct retired))
struct rec_chunk {
	struct rec_chunk *next;
	struct retired recs[RECS_PER_CHUNK];
};

static struct {
	int state; /* 0 none, 1 initialising, 2 ready */
	const struct nodal_os_ops *os;
	pthread_key_t key;
	int key_ok;
	struct slot_chunk *chunks; /* push-only list (atomic head) */
	/* retire list and record pool, under rlock */
	int rlock;
	struct retired *pending, *free_recs;
	struct rec_chunk *rec_chunks;
	/* counters */
	uint64_t grace_periods, membarriers, retired, freed, npending, slots, slots_in_use;
	int mb_warned;
	/* reclaimer */
	pthread_mutex_t rc_mutex;
	pthread_cond_t rc_cond;
	pthread_t rc_thread;
	int rc_running, rc_stop, rc_tid;
} E = { .rc_mutex = PTHREAD_MUTEX_INITIALIZER, .rc_cond = PTHREAD_COND_INITIALIZER };

static void rlock(void)
{
	nodal_spin_lock(&E.rlock);
}

static void runlock(void)
{
	nodal_spin_unlock(&E.rlock);
}

static void count(uint64_t *c, int64_t d)
{
	__atomic_fetch_add(c, (uint64_t)d, __ATOMIC_RELAXED);
}

/* ---- initialisation -------------------------------------------------------------- */

static void slot_destructor(void *p);

static int do_init(const struct nodal_os_ops *os, enum nodal_epoch_mode mode)
{
	E.os = os ? os : nodal_os();
	int err = 0;
	if (mode != NODAL_EPOCH_FENCE)
		err = E.os->membarrier_register();
	if (mode == NODAL_EPOCH_MEMBARRIER && err)
		return err;
	__atomic_store_n(&nodal_epoch_fence_mode, mode == NODAL_EPOCH_FENCE || err ? 1 : 0, __ATOMIC_RELAXED);
	E.key_ok = pthread_key_create(&E.key, slot_destructor) == 0;
	return 0;
}

static int init(const struct nodal_os_ops *os, enum nodal_epoch_mode mode, bool explicit_call)
{
	int s = __atomic_load_n(&E.state, __ATOMIC_ACQUIRE);
	if (s == 2) {
		if (!explicit_call || mode == NODAL_EPOCH_AUTO || (os && os != E.os))
			return explicit_call && os && os != E.os ? EBUSY : 0;
		return (mode == NODAL_EPOCH_FENCE) == (nodal_epoch_fence_mode != 0) ? 0 : EBUSY;
	}
	int zero = 0;
	if (__atomic_compare_exchange_n(&E.state, &zero, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		int err = do_init(os, mode);
		__atomic_store_n(&E.state, err ? 0 : 2, __ATOMIC_RELEASE);
		return err;
	}
	while (__atomic_load_n(&E.state, __ATOMIC_ACQUIRE) == 1)
		sched_yield();
	return init(os, mode, explicit_call);
}

static void ensure_init(void)
{
	if (__builtin_expect(__atomic_load_n(&E.state, __ATOMIC_ACQUIRE) != 2, 0))
		init(NULL, NODAL_EPOCH_AUTO, false);
}

int nodal_epoch_init(const struct nodal_os_ops *os, enum nodal_epoch_mode mode)
{
	return init(os, mode, true);
}

enum nodal_epoch_mode nodal_epoch_mode(void)
{
	ensure_init();
	return nodal_epoch_fence_mode ? NODAL_EPOCH_FENCE : NODAL_EPOCH_MEMBARRIER;
}

/* ---- slots ---------------------------------------------------------------------------- */

static struct nodal_epoch_slot *claim(void)
{
	for (struct slot_chunk *c = __atomic_load_n(&E.chunks, __ATOMIC_ACQUIRE); c; c = c->next)
		for (int i = 0; i < SLOTS_PER_CHUNK; i++) {
			struct nodal_epoch_slot *s = &c->slots[i];
			int zero = 0;
			if (!__atomic_load_n(&s->in_use, __ATOMIC_RELAXED) &&
			    __atomic_compare_exchange_n(&s->in_use, &zero, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
				return s;
		}
	return NULL;
}

static struct nodal_epoch_slot *claim_new_chunk(void)
{
	struct slot_chunk *c = nodal_icalloc(sizeof(*c));
	if (!c)
		return NULL;
	c->slots[0].in_use = 1; /* ours before anyone can see the chunk */
	struct slot_chunk *head = __atomic_load_n(&E.chunks, __ATOMIC_RELAXED);
	do
		c->next = head;
	while (!__atomic_compare_exchange_n(&E.chunks, &head, c, true, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	count(&E.slots, SLOTS_PER_CHUNK);
	return &c->slots[0];
}

struct nodal_epoch_slot *nodal_epoch_register(void)
{
	ensure_init();
	struct nodal_epoch_slot *s = claim();
	while (!s) {
		s = claim_new_chunk();
		if (!s) { /* out of memory: wait for another thread to give a slot back */
			sched_yield();
			s = claim();
		}
	}
	s->tid = (int)gettid();
	__atomic_store_n(&s->ctr, 0, __ATOMIC_RELAXED);
	nodal_epoch_tls = s;
	if (E.key_ok)
		pthread_setspecific(E.key, s);
	count(&E.slots_in_use, 1);
	return s;
}

static void release_slot(struct nodal_epoch_slot *s)
{
	__atomic_store_n(&s->ctr, 0, __ATOMIC_RELEASE); /* quiescent, even if it died inside */
	s->tid = 0;
	__atomic_store_n(&s->in_use, 0, __ATOMIC_RELEASE);
	count(&E.slots_in_use, -1);
}

static void slot_destructor(void *p)
{
	struct nodal_epoch_slot *s = p;
	if (nodal_epoch_tls == s)
		nodal_epoch_tls = NULL;
	release_slot(s);
}

void nodal_epoch_thread_exit(void)
{
	struct nodal_epoch_slot *s = nodal_epoch_tls;
	if (!s)
		return;
	nodal_epoch_tls = NULL;
	if (E.key_ok)
		pthread_setspecific(E.key, NULL);
	release_slot(s);
}

/* Smallest epoch held by a reader inside a section, UINT64_MAX if none. */
static uint64_t min_active(void)
{
	uint64_t m = UINT64_MAX;
	for (struct slot_chunk *c = __atomic_load_n(&E.chunks, __ATOMIC_ACQUIRE); c; c = c->next)
		for (int i = 0; i < SLOTS_PER_CHUNK; i++) {
			uint64_t v = __atomic_load_n(&c->slots[i].ctr, __ATOMIC_ACQUIRE);
			if ((v & NODAL_EPOCH_NEST_MASK) && (v >> NODAL_EPOCH_NEST_BITS) < m)
				m = v >> NODAL_EPOCH_NEST_BITS;
		}
	return m;
}

/* ---- grace periods ---------------------------------------------------------------- */

static void barrier_all(void)
{
	if (__atomic_load_n(&nodal_epoch_fence_mode, __ATOMIC_RELAXED)) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		return;
	}
	int err = E.os->membarrier();
	if (!err) {
		count(&E.membarriers, 1);
		return;
	}
	/* Registered but refused now (never seen; a sandbox changing its mind). Switch the
	 * readers to fence mode; readers that have not seen the switch yet are covered on a
	 * best-effort basis by draining time (store buffers empty in nanoseconds). */
	if (!__atomic_exchange_n(&E.mb_warned, 1, __ATOMIC_RELAXED))
		nodal_msg("membarrier failed (errno %d) after registration: readers switch to fences", err);
	__atomic_store_n(&nodal_epoch_fence_mode, 1, __ATOMIC_SEQ_CST);
	struct timespec ts = { 0, 1000000 };
	nanosleep(&ts, NULL);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Bump the epoch (after the caller unpublished) and make every reader's slot visible. */
static uint64_t advance(void)
{
	uint64_t t = __atomic_add_fetch(&nodal_epoch_global, 1, __ATOMIC_SEQ_CST);
	count(&E.grace_periods, 1);
	barrier_all();
	return t;
}

static void wait_for_readers(uint64_t t)
{
	unsigned spins = 0;
	while (min_active() < t) {
		if (++spins < 64) {
			nodal_cpu_relax();
		} else if (spins < 256) {
			sched_yield();
		} else {
			struct timespec ts = { 0, spins < 1024 ? 10000 : 100000 };
			nanosleep(&ts, NULL);
		}
	}
}

/* ---- retire list --------------------------------------------------------------------- */

static struct retired *rec_alloc(void)
{
	rlock();
	if (!E.free_recs) {
		struct rec_chunk *c = nodal_icalloc(sizeof(*c));
		if (!c) {
			runlock();
			return NULL;
		}
		c->next = E.rec_chunks;
		E.rec_chunks = c;
		for (size_t i = 0; i < RECS_PER_CHUNK; i++) {
			c->recs[i].next = E.free_recs;
			E.free_recs = &c->recs[i];
		}
	}
	struct retired *r = E.free_recs;
	E.free_recs = r->next;
	runlock();
	return r;
}

/*
 * Free every pending record with target <= @known_safe (a grace period the caller has
 * completed) or <= the smallest epoch of the readers now inside a section.
 */
static size_t reclaim(uint64_t known_safe)
{
	rlock();
	struct retired *list = E.pending;
	E.pending = NULL;
	runlock();
	if (!list)
		return 0;
	uint64_t safe = min_active(); /* scanned after the snapshot: see the top comment */
	if (known_safe > safe)
		safe = known_safe;
	struct retired *keep = NULL, *done = NULL, *next;
	for (struct retired *r = list; r; r = next) {
		next = r->next;
		if (r->target <= safe) {
			r->next = done;
			done = r;
		} else {
			r->next = keep;
			keep = r;
		}
	}
	size_t n = 0;
	for (struct retired *r = done; r; r = r->next, n++)
		r->fn(r->ptr);
	rlock();
	while (keep) {
		next = keep->next;
		keep->next = E.pending;
		E.pending = keep;
		keep = next;
	}
	while (done) {
		next = done->next;
		done->next = E.free_recs;
		E.free_recs = done;
		done = next;
	}
	runlock();
	count(&E.freed, (int64_t)n);
	count(&E.npending, -(int64_t)n);
	return n;
}

int nodal_epoch_retire(void *ptr, void (*free_fn)(void *))
{
	ensure_init();
	struct retired *r = rec_alloc();
	if (!r) {
		if (nodal_epoch_synchronize() == 0)
			free_fn(ptr);
		return ENOMEM;
	}
	r->ptr = ptr;
	r->fn = free_fn;
	r->target = advance();
	rlock();
	r->next = E.pending;
	E.pending = r;
	runlock();
	count(&E.retired, 1);
	count(&E.npending, 1);
	if (__atomic_load_n(&E.rc_running, __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&E.rc_mutex);
		pthread_cond_signal(&E.rc_cond);
		pthread_mutex_unlock(&E.rc_mutex);
	}
	reclaim(0);
	return 0;
}

int nodal_epoch_synchronize(void)
{
	ensure_init();
	struct nodal_epoch_slot *s = nodal_epoch_tls;
	if (s && (__atomic_load_n(&s->ctr, __ATOMIC_RELAXED) & NODAL_EPOCH_NEST_MASK))
		return EDEADLK;
	uint64_t t = advance();
	wait_for_readers(t);
	reclaim(t);
	return 0;
}

size_t nodal_epoch_poll(void)
{
	ensure_init();
	return reclaim(0);
}

/* ---- fork ------------------------------------------------------------------------------- */

void nodal_epoch_atfork_prepare(void)
{
	pthread_mutex_lock(&E.rc_mutex);
	rlock();
}

void nodal_epoch_atfork_parent(void)
{
	runlock();
	pthread_mutex_unlock(&E.rc_mutex);
}

void nodal_epoch_atfork_child(void)
{
	struct nodal_epoch_slot *self = nodal_epoch_tls;
	uint64_t in_use = 0;
	for (struct slot_chunk *c = E.chunks; c; c = c->next)
		for (int i = 0; i < SLOTS_PER_CHUNK; i++) {
			struct nodal_epoch_slot *s = &c->slots[i];
			if (s == self) {
				s->tid = (int)gettid();
				in_use++;
				continue;
			}
			s->ctr = 0;
			s->tid = 0;
			s->in_use = 0;
		}
	E.slots_in_use = in_use;
	E.rlock = 0;
	pthread_mutex_init(&E.rc_mutex, NULL);
	pthread_cond_init(&E.rc_cond, NULL);
	E.rc_running = 0;
	E.rc_stop = 0;
	E.rc_tid = 0;
	/* membarrier registration is per process: make sure the child has one, else fall
	 * back to fences (safe to switch: no other thread exists). */
	if (E.state == 2 && !nodal_epoch_fence_mode && E.os->membarrier_register() != 0)
		nodal_epoch_fence_mode = 1;
}

/* ---- reclaimer thread ---------------------------------------------------------------- */

static void *reclaimer_main(void *arg)
{
	(void)arg;
	__atomic_store_n(&E.rc_tid, (int)gettid(), __ATOMIC_RELEASE);
	pthread_mutex_lock(&E.rc_mutex);
	while (!E.rc_stop) {
		if (!__atomic_load_n(&E.npending, __ATOMIC_RELAXED)) {
			pthread_cond_wait(&E.rc_cond, &E.rc_mutex);
			continue;
		}
		pthread_mutex_unlock(&E.rc_mutex);
		nodal_epoch_synchronize(); /* this thread never reads: it cannot deadlock itself */
		struct timespec ts = { 0, 1000000 }; /* batch what arrives meanwhile */
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&E.rc_mutex);
	}
	pthread_mutex_unlock(&E.rc_mutex);
	return NULL;
}

int nodal_epoch_reclaimer_start(void)
{
	ensure_init();
	pthread_mutex_lock(&E.rc_mutex);
	if (E.rc_running) {
		pthread_mutex_unlock(&E.rc_mutex);
		return 0;
	}
	E.rc_stop = 0;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* the thread inherits: every signal blocked */
	int err = pthread_create(&E.rc_thread, NULL, reclaimer_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!err)
		__atomic_store_n(&E.rc_running, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&E.rc_mutex);
	return err;
}

void nodal_epoch_reclaimer_stop(void)
{
	pthread_mutex_lock(&E.rc_mutex);
	if (!E.rc_running) {
		pthread_mutex_unlock(&E.rc_mutex);
		return;
	}
	E.rc_stop = 1;
	pthread_cond_signal(&E.rc_cond);
	pthread_mutex_unlock(&E.rc_mutex);
	pthread_join(E.rc_thread, NULL);
	pthread_mutex_lock(&E.rc_mutex);
	E.rc_running = 0;
	E.rc_tid = 0;
	pthread_mutex_unlock(&E.rc_mutex);
}

int nodal_epoch_reclaimer_tid(void)
{
	return __atomic_load_n(&E.rc_tid, __ATOMIC_ACQUIRE);
}

void nodal_epoch_get_stats(struct nodal_epoch_stats *out)
{
	ensure_init();
	memset(out, 0, sizeof(*out));
	out->epoch = __atomic_load_n(&nodal_epoch_global, __ATOMIC_RELAXED);
	out->grace_periods = __atomic_load_n(&E.grace_periods, __ATOMIC_RELAXED);
	out->membarriers = __atomic_load_n(&E.membarriers, __ATOMIC_RELAXED);
	out->retired = __atomic_load_n(&E.retired, __ATOMIC_RELAXED);
	out->freed = __atomic_load_n(&E.freed, __ATOMIC_RELAXED);
	out->pending = __atomic_load_n(&E.npending, __ATOMIC_RELAXED);
	out->slots = __atomic_load_n(&E.slots, __ATOMIC_RELAXED);
	out->slots_in_use = __atomic_load_n(&E.slots_in_use, __ATOMIC_RELAXED);
	out->mode = nodal_epoch_fence_mode ? NODAL_EPOCH_FENCE : NODAL_EPOCH_MEMBARRIER;
}
