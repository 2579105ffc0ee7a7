/*
 * epoch.h — RCU-like reclamation of retired objects (policy objects and anything else a
 * reader on the malloc fast path may still be looking at).
 *
 * Owns: the global epoch, the per-thread reader slots, the retire list and grace
 * periods (DESIGN.md, "Concurrency contract").
 *
 * Readers (the allocation fast path) bracket every access to a published object:
 *     nodal_epoch_enter();  p = __atomic_load_n(&published, __ATOMIC_ACQUIRE); ... use p ...;  nodal_epoch_exit();
 * enter is an acquire load of the global epoch and a plain store of it into the thread's
 * own slot followed by a compiler barrier; exit is a release store (a plain store on
 * x86). No atomic read-modify-write, no lock, no system call, no fence — in membarrier
 * mode. Sections nest (signal handlers included): the slot word holds the nesting depth
 * in its low 16 bits and the epoch above them; only the outermost enter records an epoch.
 *
 * Writers publish a new object with a release store, then either
 *  - nodal_epoch_retire(old, free_fn): non-blocking; old is freed later, once safe, by
 *    the next retire/poll/synchronize or by the optional reclaimer thread; or
 *  - nodal_epoch_synchronize(): blocks for one grace period and frees everything retired
 *    before the call.
 * A grace period bumps the global epoch to T, issues one membarrier(PRIVATE_EXPEDITED)
 * through the OS layer (a full barrier on every CPU running a thread of this process:
 * a reader's slot store can no longer hide in a store buffer while it reads the old
 * pointer), then waits until every slot is quiescent (depth 0) or holds an epoch >= T.
 *
 * Mode, chosen once at init: NODAL_EPOCH_MEMBARRIER when the kernel registers private
 * expedited membarrier; otherwise NODAL_EPOCH_FENCE, where each enter adds a seq_cst
 * fence (an mfence/locked instruction, ~5-20 ns on x86, measured by bench/bench_epoch)
 * and the writer a matching fence instead of the membarrier. Never neither: without both
 * a reader can be freed under (DESIGN.md measured 5 of 7 runs).
 *
 * Slots come from nodal_icalloc() chunks (never malloc), one per thread, claimed on its
 * first enter and recycled at thread exit (a pthread key destructor, or an explicit
 * nodal_epoch_thread_exit()). A thread outside a read section is quiescent, so a thread
 * that never allocates again never delays reclamation. A thread that allocates after its
 * destructor ran claims a slot again (glibc re-runs destructors up to 4 rounds).
 *
 * fork(): the child has only the forking thread. The allocator's atfork handlers call
 * nodal_epoch_atfork_prepare/parent/child; child releases every other slot, resets the
 * locks, re-registers membarrier (falling back to fence mode if that fails: safe, the
 * child is single-threaded) and forgets the reclaimer thread.
 *
 * Concurrency: everything may be called from any thread. Writers (retire, synchronize,
 * poll) serialise on internal locks; synchronize must not be called inside a read section
 * (EDEADLK). Background threads block all signals.
 *
 * Errors: 0 or a positive errno.
 */
#ifndef NODAL_EPOCH_H
#define NODAL_EPOCH_H

#include <stddef.h>
#include <stdint.h>

struct nodal_os_ops;

enum nodal_epoch_mode {
	NODAL_EPOCH_AUTO = 0,   /* membarrier if the kernel has it, else fence */
	NODAL_EPOCH_MEMBARRIER, /* readers: plain stores; writer: membarrier */
	NODAL_EPOCH_FENCE,      /* readers: a seq_cst fence per enter; writer: fence */
};

#define NODAL_EPOCH_NEST_BITS 16
#define NODAL_EPOCH_NEST_MASK ((UINT64_C(1) << NODAL_EPOCH_NEST_BITS) - 1)

struct nodal_epoch_slot {
	uint64_t ctr; /* epoch << 16 | nesting depth; written only by the owner thread */
	int in_use;   /* claimed by a live thread */
	int tid;      /* owner's kernel thread id (diagnostics) */
	char pad[64 - sizeof(uint64_t) - 2 * sizeof(int)];
} __attribute__((aligned(64)));

/* Internal state the inline reader needs; not for callers. */
extern __thread struct nodal_epoch_slot *nodal_epoch_tls; /* global-dynamic: libnodal must dlopen */
extern uint64_t nodal_epoch_global;
extern int nodal_epoch_fence_mode;
struct nodal_epoch_slot *nodal_epoch_register(void);

/*
 * Choose the OS ops (NULL: nodal_os()) and the mode. Optional: the first reader or
 * writer initialises with (nodal_os(), AUTO). EBUSY when already initialised with a
 * different mode; ENOSYS/EINVAL/EPERM when MEMBARRIER is forced and unavailable.
 */
int nodal_epoch_init(const struct nodal_os_ops *os, enum nodal_epoch_mode mode);
/* The mode in force (initialising with defaults if needed): MEMBARRIER or FENCE. */
enum nodal_epoch_mode nodal_epoch_mode(void);

/* Enter a read section: objects loaded after this stay valid until the matching exit. */
static inline void nodal_epoch_enter(void)
{
	struct nodal_epoch_slot *s = nodal_epoch_tls;
	if (__builtin_expect(s == NULL, 0))
		s = nodal_epoch_register();
	uint64_t v = __atomic_load_n(&s->ctr, __ATOMIC_RELAXED);
	if (v & NODAL_EPOCH_NEST_MASK) { /* nested: the outer section already protects */
		__atomic_store_n(&s->ctr, v + 1, __ATOMIC_RELAXED);
		return;
	}
	/* acquire: seeing epoch T implies seeing every pointer published before T */
	uint64_t e = __atomic_load_n(&nodal_epoch_global, __ATOMIC_ACQUIRE);
	__atomic_store_n(&s->ctr, (e << NODAL_EPOCH_NEST_BITS) | 1, __ATOMIC_RELAXED);
	if (__builtin_expect(nodal_epoch_fence_mode, 0))
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	else
		__atomic_signal_fence(__ATOMIC_SEQ_CST); /* compiler barrier; membarrier does the rest */
}

/* Leave a read section: objects loaded inside must not be used afterwards. */
static inline void nodal_epoch_exit(void)
{
	struct nodal_epoch_slot *s = nodal_epoch_tls;
	uint64_t v = __atomic_load_n(&s->ctr, __ATOMIC_RELAXED);
	__atomic_store_n(&s->ctr, v - 1, __ATOMIC_RELEASE);
}

/*
 * Hand @ptr to @free_fn once no reader can hold it. Call after unpublishing @ptr. Never
 * waits for readers: bumps the epoch, issues one membarrier and frees whatever is
 * already safe. Returns 0; ENOMEM only if no retire record could be mapped, in which
 * case it falls back to a blocking synchronize and frees @ptr before returning.
 */
int nodal_epoch_retire(void *ptr, void (*free_fn)(void *));
/* Wait for a grace period, then free everything retired before the call. EDEADLK when
 * called inside a read section (it would wait for itself). */
int nodal_epoch_synchronize(void);
/* Free what is already safe without waiting; returns how many objects were freed. */
size_t nodal_epoch_poll(void);

/* Release the calling thread's slot now (also done by its pthread key destructor). */
void nodal_epoch_thread_exit(void);

void nodal_epoch_atfork_prepare(void);
void nodal_epoch_atfork_parent(void);
void nodal_epoch_atfork_child(void);

/* Optional background reclaimer (all signals blocked): frees retired objects within a
 * few milliseconds even if nobody polls. start is idempotent; stop joins it. */
int nodal_epoch_reclaimer_start(void);
void nodal_epoch_reclaimer_stop(void);
/* Kernel thread id of the reclaimer, 0 when not running (tests). */
int nodal_epoch_reclaimer_tid(void);

struct nodal_epoch_stats {
	uint64_t epoch;         /* current global epoch */
	uint64_t grace_periods; /* epoch bumps */
	uint64_t membarriers;   /* membarrier calls that succeeded */
	uint64_t retired, freed, pending;
	uint64_t slots, slots_in_use;
	int mode;               /* enum nodal_epoch_mode */
};
void nodal_epoch_get_stats(struct nodal_epoch_stats *out);

#endif
