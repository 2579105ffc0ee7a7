/*
 * api_compat.c — the public functions users of other NUMA allocators look for, beside
 * api.c's core set: posix_memalign and sized free (memkind_posix_memalign, UMF's
 * umfPoolAlignedMalloc, C++ sized delete), the node of a CPU (libnuma's
 * numa_node_of_cpu) and the node the calling thread runs on now.
 *
 * Owns argument checks and errno for these functions only; placement is alloc.c's.
 * Thread-safe; each may be the process's first nodal call (initialisation is lazy).
 */
#include <config.h>

#include <errno.h>
#include <stdint.h>

#include "alloc.h"
#include "nodal.h"
#include "os.h"
#include "scope.h"

NODAL_API int nodal_posix_memalign(void **memptr, size_t alignment, size_t size)
{
	/* POSIX: a power of two and a multiple of sizeof(void *); *memptr untouched on
	 * failure; the error is returned, errno is left as it was */
	if (!memptr || alignment < sizeof(void *) || (alignment & (alignment - 1)))
		return EINVAL;
	int saved = errno;
	void *p = nodal_alloc(size, alignment, false);
	int err = p ? 0 : (errno ? errno : ENOMEM);
	errno = saved;
	if (p)
		*memptr = p;
	return err;
}

NODAL_API void nodal_free_sized(void *ptr, size_t size)
{
	nodal_dealloc_sized(ptr, size);
}

NODAL_API int nodal_node_of_cpu(int cpu)
{
	const struct nodal_topology *t = nodal_alloc_topology();
	int n = t ? nodal_cpu_to_node(t, cpu) : -1;
	if (n < 0)
		errno = EINVAL;
	return n;
}

NODAL_API int nodal_current_node(void)
{
	const struct nodal_topology *t = nodal_alloc_topology();
	int cpu = -1, node = -1;
	if (!t || nodal_os()->getcpu(&cpu, &node)) {
		errno = ENOSYS;
		return -1;
	}
	/* the topology's view wins (NODAL_TOPOLOGY may describe another machine), as for
	 * LOCAL placement */
	int n = nodal_cpu_to_node(t, cpu);
	return n >= 0 ? n : node;
}
