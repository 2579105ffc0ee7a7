/*
 * stats.c — a program with known allocations, for the NODAL_STATS report test
 * (tests/preload/stats.sh). Usage: stats LIVE FREED SIZE BIG
 *   LIVE blocks of SIZE bytes stay allocated at exit, FREED more are allocated and freed,
 *   and one array of BIG bytes (0 = none) stays live, touched.
 * Prints "usable U" (malloc_usable_size of a SIZE block) so the test can check bytes.
 */
#include <config.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LIVE 100000

static void *volatile sink;
static void *keep[MAX_LIVE + 1]; /* not malloc'd: only the blocks under test count */

int main(int argc, char **argv)
{
	long live, freed;
	size_t size, big;

	if (argc != 5)
		return 2;
	live = atol(argv[1]);
	freed = atol(argv[2]);
	size = (size_t)atol(argv[3]);
	big = (size_t)atol(argv[4]);
	if (live < 1 || live > MAX_LIVE)
		return 2;
	for (long i = 0; i < live; i++)
		keep[i] = malloc(size);
	for (long i = 0; i < freed; i++) {
		sink = malloc(size);
		free(sink);
	}
	keep[live] = big ? malloc(big) : NULL;
	if (keep[live])
		memset(keep[live], 1, big);
	printf("usable %zu\n", malloc_usable_size(keep[0]));
	return 0;
}
