/*
 * malloc_conformance.c — the C malloc family's contract, checked under LD_PRELOAD of
 * libnodal-preload.so (tests/preload/conformance.sh runs it).
 *
 * Every call goes through a volatile function pointer so the compiler can neither fold
 * it (it knows malloc's semantics) nor warn about the deliberately absurd sizes.
 */
#include <config.h>

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

static void *(*volatile p_malloc)(size_t) = malloc;
static void (*volatile p_free)(void *) = free;
static void *(*volatile p_calloc)(size_t, size_t) = calloc;
static void *(*volatile p_realloc)(void *, size_t) = realloc;
static void *(*volatile p_reallocarray)(void *, size_t, size_t) = reallocarray;
static int (*volatile p_posix_memalign)(void **, size_t, size_t) = posix_memalign;
static void *(*volatile p_aligned_alloc)(size_t, size_t) = aligned_alloc;
static void *(*volatile p_memalign)(size_t, size_t) = memalign;
static void *(*volatile p_valloc)(size_t) = valloc;
static void *(*volatile p_pvalloc)(size_t) = pvalloc;
static size_t (*volatile p_usable)(void *) = malloc_usable_size;

/* Larger than any user address space (47/48-bit): fails whatever the overcommit mode. */
#define HUGE_SIZE ((size_t)1 << 50)

static int aligned(const void *p, size_t a)
{
	return ((uintptr_t)p & (a - 1)) == 0;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 7);
}

static int check_fill(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed + i * 7))
			return 0;
	return 1;
}

static const size_t sizes[] = { 0, 1, 7, 8, 15, 16, 17, 24, 31, 32, 33, 48, 63, 64, 65, 100, 127, 128, 200, 255,
				256, 511, 512, 1000, 1024, 2047, 4095, 4096, 4097, 8192, 10000, 16385, 65536,
				100000, 262145, 1 << 20, (1 << 21) + 3, 5 << 20, 17 << 20 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

static void test_interposed(void)
{
	ok(from_nodal((void *)p_malloc), "malloc comes from libnodal-preload.so");
	ok(from_nodal((void *)p_free), "free comes from libnodal-preload.so");
	ok(from_nodal((void *)p_calloc), "calloc comes from libnodal-preload.so");
	ok(from_nodal((void *)p_realloc), "realloc comes from libnodal-preload.so");
	ok(from_nodal((void *)p_reallocarray), "reallocarray comes from libnodal-preload.so");
	ok(from_nodal((void *)p_posix_memalign), "posix_memalign comes from libnodal-preload.so");
	ok(from_nodal((void *)p_aligned_alloc), "aligned_alloc comes from libnodal-preload.so");
	ok(from_nodal((void *)p_memalign), "memalign comes from libnodal-preload.so");
	ok(from_nodal((void *)p_valloc), "valloc comes from libnodal-preload.so");
	ok(from_nodal((void *)p_pvalloc), "pvalloc comes from libnodal-preload.so");
	ok(from_nodal((void *)p_usable), "malloc_usable_size comes from libnodal-preload.so");
	ok(from_nodal(dlsym(RTLD_DEFAULT, "cfree")), "cfree comes from libnodal-preload.so");
}

static void test_malloc_sizes(void)
{
	int bad_align = 0, bad_usable = 0, null = 0;
	void *ptrs[NSIZES];

	for (size_t i = 0; i < NSIZES; i++) {
		ptrs[i] = p_malloc(sizes[i]);
		if (!ptrs[i]) {
			null++;
			continue;
		}
		bad_align += !aligned(ptrs[i], 16);
		bad_usable += p_usable(ptrs[i]) < sizes[i];
		memset(ptrs[i], 0x5a, p_usable(ptrs[i])); /* the whole usable size is ours */
	}
	for (size_t i = 0; i < NSIZES; i++)
		p_free(ptrs[i]);
	ok(null == 0, "malloc succeeds for %zu sizes from 0 to 17 MiB (%d NULL)", NSIZES, null);
	ok(bad_align == 0, "every malloc result is 16-byte aligned (%d not)", bad_align);
	ok(bad_usable == 0, "malloc_usable_size >= requested for every size (%d short)", bad_usable);
}

static void test_malloc_zero(void)
{
	void *a = p_malloc(0), *b = p_malloc(0);

	ok(a && b && a != b, "malloc(0) returns unique non-NULL pointers (%p, %p)", a, b);
	ok(aligned(a, 16) && aligned(b, 16), "malloc(0) results are aligned");
	p_free(a);
	p_free(b);
	p_free(NULL);
	ok(1, "malloc(0) results and NULL can be freed");
	ok(p_usable(NULL) == 0, "malloc_usable_size(NULL) == 0");
}

static void test_malloc_fail(void)
{
	void *p;

	errno = 0;
	p = p_malloc(SIZE_MAX);
	ok(!p && errno == ENOMEM, "malloc(SIZE_MAX) = NULL, errno ENOMEM (got %p, %d)", p, errno);
	errno = 0;
	p = p_malloc((size_t)PTRDIFF_MAX + 1);
	ok(!p && errno == ENOMEM, "malloc(PTRDIFF_MAX + 1) = NULL, errno ENOMEM (got %p, %d)", p, errno);
	errno = 0;
	p = p_malloc(HUGE_SIZE);
	ok(!p && errno == ENOMEM, "malloc(1 PiB) = NULL, errno ENOMEM (got %p, %d)", p, errno);
	p = p_malloc(100);
	ok(p != NULL, "malloc works again after failures");
	p_free(p);
}

static void test_calloc(void)
{
	int dirty = 0, bad_align = 0;
	void *p;

	for (size_t i = 0; i < NSIZES; i++) {
		size_t n = sizes[i];
		unsigned char *d = p_malloc(n);
		unsigned char *c;

		if (d)
			memset(d, 0xa5, n); /* leave garbage for the next calloc of this size */
		p_free(d);
		c = p_calloc(1, n);
		if (!c) {
			dirty++;
			continue;
		}
		bad_align += !aligned(c, 16);
		for (size_t j = 0; j < n; j++)
			if (c[j]) {
				dirty++;
				break;
			}
		p_free(c);
	}
	ok(dirty == 0, "calloc memory is zeroed for every size, also right after a dirty free (%d not)", dirty);
	ok(bad_align == 0, "every calloc result is 16-byte aligned");
	p = p_calloc(1000, 1000);
	ok(p && p_usable(p) >= 1000000, "calloc(1000, 1000) gives 1 MB");
	p_free(p);
	errno = 0;
	p = p_calloc(SIZE_MAX / 2 + 2, 2);
	ok(!p && errno == ENOMEM, "calloc with n*size overflowing = NULL, errno ENOMEM (got %p, %d)", p, errno);
	errno = 0;
	p = p_calloc((size_t)1 << 33, (size_t)1 << 33);
	ok(!p && errno == ENOMEM, "calloc(2^33, 2^33) overflows: NULL, errno ENOMEM (got %p, %d)", p, errno);
	errno = 0;
	p = p_calloc(1, HUGE_SIZE);
	ok(!p && errno == ENOMEM, "calloc(1, 1 PiB) = NULL, errno ENOMEM (got %p, %d)", p, errno);
	p = p_calloc(0, 0);
	ok(p != NULL, "calloc(0, 0) returns a freeable pointer");
	p_free(p);
}

static void test_realloc(void)
{
	static const size_t steps[] = { 1, 16, 100, 5000, 1 << 20, 9 << 20, 300, 24, 1, 70000, 3 };
	unsigned char *p = p_realloc(NULL, 10);
	size_t have = 10;
	int lost = 0, bad_align = 0;
	void *q;

	ok(p != NULL && p_usable(p) >= 10, "realloc(NULL, 10) behaves as malloc(10)");
	fill(p, have, 3);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		size_t n = steps[i], keep = n < have ? n : have;
		unsigned char *np = p_realloc(p, n);

		if (!np) {
			lost++;
			break;
		}
		lost += !check_fill(np, keep, 3);
		bad_align += !aligned(np, 16);
		p = np;
		fill(p, n, 3);
		have = n;
	}
	ok(lost == 0, "realloc grows and shrinks across size classes preserving contents");
	ok(bad_align == 0, "every realloc result is 16-byte aligned");

	p = p_realloc(p, 4096);
	fill(p, 4096, 9);
	errno = 0;
	q = p_realloc(p, HUGE_SIZE);
	ok(!q && errno == ENOMEM, "realloc to 1 PiB = NULL, errno ENOMEM (got %p, %d)", q, errno);
	ok(check_fill(p, 4096, 9), "after a failed realloc the old block is intact");
	errno = 0;
	q = p_realloc(p, SIZE_MAX);
	ok(!q && errno == ENOMEM && check_fill(p, 4096, 9), "realloc(p, SIZE_MAX) = NULL, ENOMEM, old block intact");
	q = p_realloc(p, 0);
	ok(q == NULL, "realloc(p, 0) frees p and returns NULL (glibc's behaviour)");
}

static void test_reallocarray(void)
{
	unsigned char *p = p_reallocarray(NULL, 10, 10), *q;

	ok(p && p_usable(p) >= 100, "reallocarray(NULL, 10, 10) allocates 100 bytes");
	fill(p, 100, 5);
	q = p_reallocarray(p, 100, 100);
	ok(q && check_fill(q, 100, 5), "reallocarray grows preserving contents");
	p = q;
	errno = 0;
	q = p_reallocarray(p, SIZE_MAX / 4, 8);
	ok(!q && errno == ENOMEM, "reallocarray overflow = NULL, errno ENOMEM (got %p, %d)", q, errno);
	ok(check_fill(p, 100, 5), "after a reallocarray overflow the old block is intact");
	p_free(p);
}

static void test_posix_memalign(void)
{
	static const size_t bad[] = { 0, 1, 2, 4, 3, 12, 24, 48, 100, 4097, SIZE_MAX };
	int wrong = 0, untouched = 1, bad_result = 0;
	void *sentinel = (void *)0x1234, *p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = sentinel;
		errno = 0;
		int rc = p_posix_memalign(&p, bad[i], 64);
		wrong += rc != EINVAL || errno != EINVAL;
		untouched &= p == sentinel;
	}
	ok(wrong == 0, "posix_memalign: alignments not a power-of-two multiple of sizeof(void *) are EINVAL (errno too)");
	ok(untouched, "posix_memalign leaves *memptr alone on EINVAL");
	for (size_t a = sizeof(void *); a <= ((size_t)1 << 22); a <<= 1) {
		for (size_t i = 0; i < NSIZES; i += 3) {
			p = NULL;
			if (p_posix_memalign(&p, a, sizes[i]) || !p) {
				bad_result++;
				continue;
			}
			bad_result += !aligned(p, a) || !aligned(p, 16) || p_usable(p) < sizes[i];
			memset(p, 1, sizes[i]);
			p_free(p);
		}
	}
	ok(bad_result == 0, "posix_memalign 8 B..4 MiB alignments x sizes: aligned, usable >= size (%d bad)",
	   bad_result);
	p = sentinel;
	errno = 0;
	int rc = p_posix_memalign(&p, 64, HUGE_SIZE);
	ok(rc == ENOMEM && p == sentinel && errno == ENOMEM, "posix_memalign(1 PiB) = ENOMEM, *memptr untouched");
	rc = p_posix_memalign(&p, 64, SIZE_MAX);
	ok(rc == ENOMEM && p == sentinel, "posix_memalign(SIZE_MAX) = ENOMEM");
	p = NULL;
	rc = p_posix_memalign(&p, 256, 0);
	ok(rc == 0 && p && aligned(p, 256), "posix_memalign(256, 0) gives a freeable aligned pointer");
	p_free(p);
}

static void test_aligned_alloc(void)
{
	int bad_result = 0;
	void *p;

	for (size_t a = 1; a <= ((size_t)1 << 21); a <<= 1) {
		for (size_t i = 0; i < NSIZES; i += 2) {
			p = p_aligned_alloc(a, sizes[i]);
			if (!p) {
				bad_result++;
				continue;
			}
			bad_result += !aligned(p, a) || !aligned(p, 16) || p_usable(p) < sizes[i];
			p_free(p);
		}
	}
	ok(bad_result == 0, "aligned_alloc 1 B..2 MiB alignments, sizes not multiples of them: aligned (%d bad)",
	   bad_result);
	errno = 0;
	p = p_aligned_alloc(0, 64);
	ok(!p && errno == EINVAL, "aligned_alloc(0, 64) = NULL, EINVAL");
	errno = 0;
	p = p_aligned_alloc(24, 64);
	ok(!p && errno == EINVAL, "aligned_alloc(24, 64) = NULL, EINVAL (not a power of two)");
	errno = 0;
	p = p_aligned_alloc(64, HUGE_SIZE);
	ok(!p && errno == ENOMEM, "aligned_alloc(64, 1 PiB) = NULL, ENOMEM");
}

static void test_memalign_valloc(void)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	void *p, *q;
	int bad = 0;

	for (size_t a = 1; a <= ((size_t)1 << 20); a <<= 1) {
		p = p_memalign(a, 1000);
		bad += !p || !aligned(p, a) || !aligned(p, 16) || p_usable(p) < 1000;
		p_free(p);
	}
	ok(bad == 0, "memalign with power-of-two alignments");
	p = p_memalign(24, 10);
	q = p_memalign(100, 10);
	ok(p && aligned(p, 32) && q && aligned(q, 128), "memalign rounds other alignments up (24 -> 32, 100 -> 128)");
	p_free(p);
	p_free(q);
	errno = 0;
	p = p_memalign(SIZE_MAX, 10);
	ok(!p && errno == EINVAL, "memalign(SIZE_MAX, 10) = NULL, EINVAL");
	errno = 0;
	p = p_memalign(64, HUGE_SIZE);
	ok(!p && errno == ENOMEM, "memalign(64, 1 PiB) = NULL, ENOMEM");

	p = p_valloc(10);
	ok(p && aligned(p, ps) && p_usable(p) >= 10, "valloc is page-aligned");
	p_free(p);
	p = p_valloc(0);
	ok(p && aligned(p, ps), "valloc(0) gives a freeable page-aligned pointer");
	p_free(p);
	errno = 0;
	p = p_valloc(HUGE_SIZE);
	ok(!p && errno == ENOMEM, "valloc(1 PiB) = NULL, ENOMEM");

	p = p_pvalloc(10);
	ok(p && aligned(p, ps) && p_usable(p) >= ps, "pvalloc(10) is page-aligned with a whole page usable");
	if (p)
		memset(p, 7, ps);
	p_free(p);
	p = p_pvalloc(ps + 1);
	ok(p && aligned(p, ps) && p_usable(p) >= 2 * ps, "pvalloc(page + 1) rounds up to two pages");
	p_free(p);
	p = p_pvalloc(0);
	ok(p && aligned(p, ps) && p_usable(p) >= ps, "pvalloc(0) gives one page");
	p_free(p);
	errno = 0;
	p = p_pvalloc(SIZE_MAX - 10);
	ok(!p && errno == ENOMEM, "pvalloc(SIZE_MAX - 10) = NULL, ENOMEM (rounding overflows)");
}

/* Objects allocated in one thread and freed in another, many threads at once. */
#define XT_THREADS 4
#define XT_OBJS 20000
static void *xt_objs[XT_THREADS][XT_OBJS];

static void *xt_alloc(void *arg)
{
	long t = (long)arg;

	for (int i = 0; i < XT_OBJS; i++) {
		size_t n = (size_t)(i % 61) * 24 + (i % 997 == 0 ? 300000 : 0);
		unsigned char *p = p_malloc(n);
		if (p && n)
			p[0] = p[n - 1] = (unsigned char)t;
		xt_objs[t][i] = p;
	}
	return NULL;
}

static void *xt_free(void *arg)
{
	long t = (long)arg;
	long from = (t + 1) % XT_THREADS;

	for (int i = 0; i < XT_OBJS; i++)
		p_free(xt_objs[from][i]);
	return NULL;
}

static void test_threads(void)
{
	pthread_t th[XT_THREADS];
	int created = 1;

	for (long t = 0; t < XT_THREADS; t++)
		created &= !pthread_create(&th[t], NULL, xt_alloc, (void *)t);
	for (long t = 0; t < XT_THREADS; t++)
		pthread_join(th[t], NULL);
	int nulls = 0;
	for (long t = 0; t < XT_THREADS; t++)
		for (int i = 0; i < XT_OBJS; i++)
			nulls += !xt_objs[t][i];
	for (long t = 0; t < XT_THREADS; t++)
		created &= !pthread_create(&th[t], NULL, xt_free, (void *)t);
	for (long t = 0; t < XT_THREADS; t++)
		pthread_join(th[t], NULL);
	ok(created && nulls == 0, "4 threads allocate 80000 objects, other threads free them");
}

int main(void)
{
	test_interposed();
	test_malloc_sizes();
	test_malloc_zero();
	test_malloc_fail();
	test_calloc();
	test_realloc();
	test_reallocarray();
	test_posix_memalign();
	test_aligned_alloc();
	test_memalign_valloc();
	test_threads();
	return tap_done();
}
