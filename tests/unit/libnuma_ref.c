/*
 * libnuma_ref.c — see libnuma_ref.h.
 */
#include "libnuma_ref.h"

#include <numa.h>

bool ref_numa_available(void)
{
	return numa_available() >= 0;
}

int ref_numa_max_node(void)
{
	return numa_max_node();
}

bool ref_numa_all_has(int node)
{
	return numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned)node);
}

int ref_numa_parse(const char *s, int *nodes, int max)
{
	struct bitmask *b = numa_parse_nodestring(s);
	int n = 0;
	if (!b)
		return -1;
	for (unsigned i = 0; i < b->size && n < max; i++)
		if (numa_bitmask_isbitset(b, i))
			nodes[n++] = (int)i;
	numa_bitmask_free(b);
	return n;
}
