/*
 * spinlock.h — a test-and-test-and-set spinlock for nodal's short internal critical
 * sections (the simulated machine, the epoch slot registry).
 *
 * Contract: never allocates, never sleeps, no system call, so it is usable inside the
 * malloc path and from extent hooks. Not fair, not recursive; keep sections short.
 * A zero-initialised int is an unlocked lock.
 */
#ifndef NODAL_SPINLOCK_H
#define NODAL_SPINLOCK_H

static inline void nodal_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static inline void nodal_spin_lock(int *lock)
{
	while (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(lock, __ATOMIC_RELAXED))
			nodal_cpu_relax();
}

static inline void nodal_spin_unlock(int *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

#endif
