/* topo_util.c — see topo_util.h. Test code. */
#include "topo_util.h"

#include <criterion/criterion.h>
#include <stdlib.h>

#include "msg.h"

struct nodal_topology *test_machine(int nr, int sparse)
{
	int *ids = malloc(sizeof(int) * (size_t)nr), *ncpus = malloc(sizeof(int) * (size_t)nr);
	uint8_t *dist = malloc((size_t)nr * (size_t)nr);
	cr_assert(ids && ncpus && dist);
	for (int i = 0; i < nr; i++) {
		ids[i] = sparse ? 3 * i + 1 : i;
		ncpus[i] = i % 4 == 3 ? 0 : 2;
		for (int j = 0; j < nr; j++)
			dist[i * nr + j] = i == j ? 10 : i / 4 == j / 4 ? 16 : 32;
	}
	struct nodal_topology_desc d = { .nr_nodes = nr, .ids = ids, .ncpus = ncpus, .distance = dist,
		                         .name = sparse ? "test machine (sparse)" : "test machine" };
	struct nodal_topology *t = NULL;
	cr_assert_eq(nodal_topology_from_desc(&d, &t), 0, "test_machine(%d): %s", nr, nodal_last_error());
	free(ids);
	free(ncpus);
	free(dist);
	return t;
}
