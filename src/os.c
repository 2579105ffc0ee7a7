/*
 * os.c — backend selection (NODAL_OS) and the helpers both backends share: aligned
 * mappings and the "binding unavailable" bookkeeping after an EPERM from mbind.
 *
 * Concurrency: the selected backend is one atomic pointer. Two threads racing through
 * the first nodal_os() both read the same environment and store the same pointer.
 * Nothing here allocates: NODAL_OS is found with nodal_getenv() (options.h), which scans
 * environ directly.
 */
#include "os.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "msg.h"
#include "options.h"

static const struct nodal_os_ops *selected; /* accessed with __atomic builtins */

const struct nodal_os_ops *nodal_os_by_name(const char *name)
{
	if (!name)
		return NULL;
	if (strcmp(name, "linux") == 0)
		return &nodal_os_linux;
	if (strcmp(name, "sim") == 0)
		return &nodal_os_sim;
	return NULL;
}

static const struct nodal_os_ops *os_from_env(void)
{
	const char *v = nodal_getenv("NODAL_OS"); /* scans environ, never allocates */
	if (!v || !*v)
		return &nodal_os_linux;
	const struct nodal_os_ops *ops = nodal_os_by_name(v);
	if (!ops) {
		static int warned;
		if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
			nodal_msg("NODAL_OS='%s': unknown OS backend (expected linux or sim); using the default 'linux'", v);
		ops = &nodal_os_linux;
	}
	return ops;
}

const struct nodal_os_ops *nodal_os(void)
{
	const struct nodal_os_ops *ops = __atomic_load_n(&selected, __ATOMIC_ACQUIRE);
	if (__builtin_expect(ops != NULL, 1))
		return ops;
	ops = os_from_env();
	__atomic_store_n(&selected, ops, __ATOMIC_RELEASE);
	return ops;
}

void nodal_os_select(const struct nodal_os_ops *ops)
{
	__atomic_store_n(&selected, ops, __ATOMIC_RELEASE);
}

void *nodal_os_map_aligned(size_t len, size_t align, int *err)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	if (len == 0 || align == 0 || (align & (align - 1)) != 0) {
		*err = EINVAL;
		return NULL;
	}
	if (align < page)
		align = page;
	if (len > SIZE_MAX - align) {
		*err = ENOMEM;
		return NULL;
	}
	len = (len + page - 1) & ~(page - 1);
	/* Over-map by align - page: some page-aligned address in the mapping is then
	 * @align-aligned with @len bytes after it; give the slack at both ends back. */
	size_t span = align == page ? len : len + align - page;
	char *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		*err = errno ? errno : ENOMEM;
		return NULL;
	}
	char *a = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	size_t head = (size_t)(a - p), tail = span - head - len;
	if (head)
		munmap(p, head);
	if (tail)
		munmap(a + len, tail);
	return a;
}

void nodal_os_note_eperm(struct nodal_os_stats *stats, int *unavailable, const char *backend)
{
	static int warned;
	nodal_os_count(&stats->mbind_eperm);
	__atomic_store_n(unavailable, 1, __ATOMIC_RELAXED);
	if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		nodal_msg("mbind is not permitted here (%s backend; a seccomp filter?): NUMA placement is "
		          "unavailable, memory is allocated without binding",
		          backend);
}
