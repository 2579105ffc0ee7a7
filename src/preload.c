/*
 * preload.c — libnodal-preload.so: the C malloc family for unmodified programs
 * (LD_PRELOAD, or `nodal run`). C++ operators are in preload_cxx.cc; the exported
 * symbol list is src/preload.sym.
 *
 * Owns: the C library's allocation contract on top of alloc.h — argument checks,
 * overflow checks, alignment rules and errno — plus the hooks an allocator needs from
 * the process: fork handlers, the exit-time report and the CPU-affinity calls, which
 * are passed through to glibc and then reported to the allocator.
 *
 * Contract (docs/preload.md has the user-visible rules):
 * - malloc may run before any constructor (ld.so, libstdc++ and other libraries'
 *   constructors allocate first). Nothing here needs initialising for the malloc
 *   family: alloc.h initialises lazily and re-entrantly. Only the fork handlers, the
 *   affinity look-ups and the exit report are set up in this library's constructor.
 * - Every failure returns NULL (or an error code) with errno set; nothing aborts.
 * - Fork: the handlers registered here are alloc.h's. glibc's fork() runs prepare
 *   handlers *before* it takes the stdio list lock, so an allocator that simply locks
 *   itself there deadlocks against getline() (FILE lock held, reallocating) and
 *   fflush(NULL) (list lock held, waiting for that FILE) — Debian's jemalloc does.
 *   nodal_alloc_atfork_prepare() takes the list lock first (alloc.c explains the order);
 *   tests/preload/fork_stdio.c proves it under this library.
 * - No function here allocates through malloc, except the one-time dlsym() look-ups
 *   of the affinity calls, which happen outside the malloc path.
 */
#include <config.h>

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "alloc.h"

#define NODAL_PRELOAD_API __attribute__((visibility("default")))

/* The minimum alignment of every result: what glibc guarantees on 64-bit targets. */
#define PRELOAD_MIN_ALIGN 16

/* Prototypes of what we export (the C library declares some of them, not all). */
NODAL_PRELOAD_API void *malloc(size_t size);
NODAL_PRELOAD_API void free(void *p);
NODAL_PRELOAD_API void cfree(void *p);
NODAL_PRELOAD_API void *calloc(size_t n, size_t size);
NODAL_PRELOAD_API void *realloc(void *p, size_t size);
NODAL_PRELOAD_API void *reallocarray(void *p, size_t n, size_t size);
NODAL_PRELOAD_API int posix_memalign(void **out, size_t align, size_t size);
NODAL_PRELOAD_API void *aligned_alloc(size_t align, size_t size);
NODAL_PRELOAD_API void *memalign(size_t align, size_t size);
NODAL_PRELOAD_API void *valloc(size_t size);
NODAL_PRELOAD_API void *pvalloc(size_t size);
NODAL_PRELOAD_API size_t malloc_usable_size(void *p);
NODAL_PRELOAD_API int sched_setaffinity(pid_t pid, size_t size, const cpu_set_t *set);
NODAL_PRELOAD_API int pthread_setaffinity_np(pthread_t thread, size_t size, const cpu_set_t *set);

static inline bool is_pow2(size_t x)
{
	return x && !(x & (x - 1));
}

static size_t page_size(void)
{
	static size_t cached;
	size_t ps = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (!ps) {
		long v = sysconf(_SC_PAGESIZE); /* glibc reads it from the auxv: no allocation */
		ps = v > 0 ? (size_t)v : 4096;
		__atomic_store_n(&cached, ps, __ATOMIC_RELAXED);
	}
	return ps;
}

/* malloc(0) must return a unique pointer that free() accepts: ask for one byte. */
static inline size_t nonzero(size_t size)
{
	return size ? size : 1;
}

static void *alloc_aligned(size_t align, size_t size)
{
	return nodal_alloc(nonzero(size), align <= PRELOAD_MIN_ALIGN ? 0 : align, false);
}

void *malloc(size_t size)
{
	return nodal_alloc_default(nonzero(size));
}

void free(void *p)
{
	nodal_dealloc(p); /* NULL is ignored there */
}

/* Removed from glibc's API in 2.26 but still linked by old binaries. */
void cfree(void *p)
{
	free(p);
}

void *calloc(size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return nodal_alloc(nonzero(total), 0, true);
}

/*
 * realloc(NULL, n) is malloc(n). realloc(p, 0) frees p and returns NULL, as glibc does
 * (programs written against glibc rely on it). On failure p is left untouched.
 */
void *realloc(void *p, size_t size)
{
	if (!p)
		return malloc(size);
	if (!size) {
		nodal_dealloc(p);
		return NULL;
	}
	return nodal_ralloc(p, size);
}

void *reallocarray(void *p, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, total);
}

/*
 * POSIX: the alignment must be a power of two multiple of sizeof(void *), else EINVAL.
 * The error is returned, *out is left alone, and errno is set too (so that every failure
 * of the family sets errno).
 */
int posix_memalign(void **out, size_t align, size_t size)
{
	void *p;

	if (!is_pow2(align) || align % sizeof(void *)) {
		errno = EINVAL;
		return EINVAL;
	}
	p = alloc_aligned(align, size);
	if (!p) {
		errno = ENOMEM;
		return ENOMEM;
	}
	*out = p;
	return 0;
}

/*
 * C17 (DR 460): any size; the alignment must be one the implementation supports — here
 * every power of two (glibc >= 2.38 and jemalloc reject the others the same way).
 */
void *aligned_alloc(size_t align, size_t size)
{
	if (!is_pow2(align)) {
		errno = EINVAL;
		return NULL;
	}
	return alloc_aligned(align, size);
}

/*
 * The obsolete memalign keeps glibc's leniency: an alignment that is not a power of two
 * is rounded up to the next one; only one that cannot be rounded is EINVAL.
 */
void *memalign(size_t align, size_t size)
{
	if (align > SIZE_MAX / 2 + 1) {
		errno = EINVAL;
		return NULL;
	}
	if (align > 1 && !is_pow2(align))
		align = (size_t)1 << (sizeof(size_t) * 8 - (size_t)__builtin_clzl(align));
	return alloc_aligned(align, size);
}

void *valloc(size_t size)
{
	return alloc_aligned(page_size(), size);
}

/* Page-aligned, and the size rounded up to whole pages (at least one). */
void *pvalloc(size_t size)
{
	size_t ps = page_size();

	if (size > SIZE_MAX - (ps - 1)) {
		errno = ENOMEM;
		return NULL;
	}
	size = (size + ps - 1) & ~(ps - 1);
	return alloc_aligned(ps, size ? size : ps);
}

size_t malloc_usable_size(void *p)
{
	return p ? nodal_usize(p) : 0;
}

/* ---- CPU affinity: pass through to glibc, then tell the allocator ---------------- */

typedef int (*sched_setaffinity_fn)(pid_t, size_t, const cpu_set_t *);
typedef int (*pthread_setaffinity_fn)(pthread_t, size_t, const cpu_set_t *);

static sched_setaffinity_fn real_sched_setaffinity;
static pthread_setaffinity_fn real_pthread_setaffinity;

/*
 * dlsym(RTLD_NEXT) finds glibc's default versions. It may call malloc (our malloc), so
 * it runs in the constructor or, if a constructor of another library changes affinity
 * first, in the wrapper — never inside the allocator.
 */
static void *next_symbol(void **slot, const char *name)
{
	void *fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (!fn) {
		fn = dlsym(RTLD_NEXT, name);
		__atomic_store_n(slot, fn, __ATOMIC_RELEASE);
	}
	return fn;
}

int sched_setaffinity(pid_t pid, size_t size, const cpu_set_t *set)
{
	sched_setaffinity_fn fn;
	int rc;

	*(void **)&fn = next_symbol((void **)&real_sched_setaffinity, "sched_setaffinity");
	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	rc = fn(pid, size, set);
	if (rc == 0)
		nodal_alloc_affinity_changed();
	return rc;
}

int pthread_setaffinity_np(pthread_t thread, size_t size, const cpu_set_t *set)
{
	pthread_setaffinity_fn fn;
	int rc;

	*(void **)&fn = next_symbol((void **)&real_pthread_setaffinity, "pthread_setaffinity_np");
	if (!fn)
		return ENOSYS;
	rc = fn(thread, size, set);
	if (rc == 0)
		nodal_alloc_affinity_changed();
	return rc;
}

/* ---- fork, exit ------------------------------------------------------------------ */

__attribute__((constructor)) static void preload_init(void)
{
	/*
	 * Registered as early as we can: prepare handlers run in reverse order of
	 * registration, so libraries that register later run theirs (and may allocate)
	 * before ours takes the allocator's locks. alloc.c may register the same handlers
	 * at initialisation too; they nest (alloc.h: fork-safe when called around fork).
	 */
	pthread_atfork(nodal_alloc_atfork_prepare, nodal_alloc_atfork_parent, nodal_alloc_atfork_child);
	next_symbol((void **)&real_sched_setaffinity, "sched_setaffinity");
	next_symbol((void **)&real_pthread_setaffinity, "pthread_setaffinity_np");
}

/*
 * The exit report runs from the destructor, after every atexit handler. Destructors of
 * libraries loaded before us, and the C library's own exit-time frees, run later still:
 * alloc.h keeps serving them after the report.
 */
__attribute__((destructor)) static void preload_fini(void)
{
	nodal_alloc_report();
}
