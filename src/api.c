/*
 * api.c — the public nodal_* functions of include/nodal.h, over alloc.h and scope.h.
 *
 * Owns: argument checks, overflow checks and errno for the library API; nothing here
 * places memory itself. Linked into libnodal.so only (the preload library exports the
 * malloc family instead). Every function is thread-safe and may be the first nodal
 * call of the process (initialisation is lazy).
 */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "ialloc.h"
#include "msg.h"
#include "nodal.h"
#include "scope.h"

static bool mul_overflows(size_t a, size_t b, size_t *out)
{
	return __builtin_mul_overflow(a, b, out);
}

NODAL_API int nodal_init(void)
{
	return nodal_alloc_init();
}

NODAL_API void *nodal_malloc(size_t size)
{
	return nodal_alloc_default(size);
}

NODAL_API void *nodal_calloc(size_t nmemb, size_t size)
{
	size_t total;
	if (mul_overflows(nmemb, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return nodal_alloc(total, 0, true);
}

NODAL_API void *nodal_realloc(void *ptr, size_t size)
{
	return nodal_ralloc(ptr, size);
}

NODAL_API void nodal_free(void *ptr)
{
	nodal_dealloc(ptr);
}

NODAL_API void *nodal_aligned_alloc(size_t alignment, size_t size)
{
	if (!alignment || (alignment & (alignment - 1))) {
		errno = EINVAL;
		return NULL;
	}
	return nodal_alloc(size, alignment, false);
}

NODAL_API size_t nodal_usable_size(void *ptr)
{
	return nodal_usize(ptr);
}

NODAL_API void *nodal_malloc_onnode(size_t size, int node)
{
	return nodal_alloc_onnode(node, size, 0, false);
}

NODAL_API void *nodal_calloc_onnode(size_t nmemb, size_t size, int node)
{
	size_t total;
	if (mul_overflows(nmemb, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return nodal_alloc_onnode(node, total, 0, true);
}

NODAL_API void nodal_free_onnode(void *ptr, size_t size)
{
	(void)size;
	nodal_dealloc(ptr);
}

NODAL_API int nodal_node_of(const void *ptr)
{
	int n = ptr ? nodal_alloc_node_of(ptr) : -1;
	if (n < 0)
		errno = EINVAL;
	return n;
}

/* --- policies ----------------------------------------------------------------------- */

NODAL_API nodal_policy_t *nodal_policy_parse(const char *str)
{
	struct nodal_policy *c = NULL;
	int err = nodal_scope_parse(str, &c);
	if (err) {
		errno = err;
		return NULL;
	}
	return c;
}

NODAL_API void nodal_policy_release(nodal_policy_t *policy)
{
	nodal_scope_free(policy);
}

NODAL_API size_t nodal_policy_format(const nodal_policy_t *policy, char *buf, size_t len)
{
	if (!policy) {
		if (len)
			buf[0] = 0;
		return 0;
	}
	return nodal_scope_format(policy, buf, len);
}

NODAL_API const char *nodal_strerror_detail(void)
{
	return nodal_last_error();
}

NODAL_API void *nodal_malloc_policy(const nodal_policy_t *policy, size_t size)
{
	if (!policy) {
		errno = EINVAL;
		return NULL;
	}
	return nodal_alloc_scoped(policy, size, 0, false);
}

NODAL_API int nodal_set_thread_policy(const nodal_policy_t *policy)
{
	return nodal_scope_set_thread(policy);
}

NODAL_API int nodal_set_process_policy(const nodal_policy_t *policy)
{
	return nodal_scope_set_process(policy);
}

NODAL_API int nodal_set_thread_policy_of(pid_t tid, const nodal_policy_t *policy)
{
	return nodal_scope_post(tid, policy);
}

NODAL_API int nodal_set_pthread_policy(pthread_t thread, const nodal_policy_t *policy)
{
	return nodal_scope_post_pthread(thread, policy);
}

NODAL_API nodal_policy_t *nodal_get_thread_policy(size_t size)
{
	struct nodal_policy *c = NULL;
	int err = nodal_scope_get_thread(size, &c);
	if (err) {
		errno = err;
		return NULL;
	}
	return c;
}

/* --- topology ----------------------------------------------------------------------- */

NODAL_API int nodal_node_count(void)
{
	const struct nodal_topology *t = nodal_alloc_topology();
	int n = t ? nodes_weight(&t->memory) : 1;
	return n > 0 ? n : 1;
}

NODAL_API int nodal_node_max(void)
{
	const struct nodal_topology *t = nodal_alloc_topology();
	return t ? t->nr_node_ids : 1;
}

NODAL_API int nodal_node_info(int node, struct nodal_node_info *info)
{
	const struct nodal_topology *t = nodal_alloc_topology();
	if (!info || !t || node < 0 || node >= t->nr_node_ids || !t->nodes[node].present)
		return EINVAL;
	const struct nodal_node *n = &t->nodes[node];
	nodemask_t allowed;
	nodal_alloc_allowed(&allowed);
	memset(info, 0, sizeof(*info));
	info->id = n->id;
	info->has_memory = n->has_memory;
	info->has_cpus = n->has_cpus;
	info->is_private = node_isset(node, &t->private_nodes);
	info->allowed = node_isset(node, &allowed);
	info->ncpus = n->ncpus;
	info->tier = n->tier;
	info->memory_bytes = n->memory_bytes;
	return 0;
}

NODAL_API int nodal_distance(int from, int to)
{
	const struct nodal_topology *t = nodal_alloc_topology();
	if (!t || from < 0 || to < 0 || from >= t->nr_node_ids || to >= t->nr_node_ids || !t->nodes[from].present ||
	    !t->nodes[to].present) {
		errno = EINVAL;
		return -1;
	}
	return t->distance[from * t->nr_node_ids + to];
}

/* Heaps (nodal_heap_*) are in heap.c: they own arenas of their own. */

/* NODAL_STATS for programs linked with -lnodal (the preload library has its own). */
__attribute__((destructor)) static void api_fini(void)
{
	nodal_alloc_report();
}
