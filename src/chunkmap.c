/*
 * chunkmap.c — the two-level radix of 2 MiB chunks (see chunkmap.h).
 */
#include "chunkmap.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/mman.h>

int16_t *nodal_chunk_root[1 << CHUNK_ROOT_BITS];

static int16_t *leaf_get(size_t root, int create)
{
	int16_t *leaf = __atomic_load_n(&nodal_chunk_root[root], __ATOMIC_ACQUIRE);
	if (leaf || !create)
		return leaf;
	/* Leaves come straight from mmap: we may be inside an extent hook. */
	size_t len = sizeof(int16_t) << CHUNK_LEAF_BITS;
	int16_t *fresh = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fresh == MAP_FAILED)
		return NULL;
	int16_t *expected = NULL;
	if (__atomic_compare_exchange_n(&nodal_chunk_root[root], &expected, fresh, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return fresh;
	munmap(fresh, len);
	return expected;
}

int chunkmap_set(void *addr, size_t len, int16_t value)
{
	uintptr_t a = (uintptr_t)addr, end = a + len;
	if (end >> (CHUNK_SHIFT + CHUNK_LEAF_BITS + CHUNK_ROOT_BITS))
		return ENOMEM;
	for (; a < end; a += CHUNK_SIZE) {
		int16_t *leaf = leaf_get(a >> (CHUNK_SHIFT + CHUNK_LEAF_BITS), value != 0);
		if (!leaf) {
			if (value == 0)
				continue;
			return ENOMEM;
		}
		__atomic_store_n(&leaf[(a >> CHUNK_SHIFT) & ((1u << CHUNK_LEAF_BITS) - 1)], value, __ATOMIC_RELEASE);
	}
	return 0;
}
