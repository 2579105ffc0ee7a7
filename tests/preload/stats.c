/*
 * stats.c — a program with known allocations, for the NODAL_STATS report test
 * (tests/preload/stats.sh): LIVE blocks of SIZE bytes stay allocated at exit, FREED
 * more are allocated and freed, and one large array of BIG bytes stays live.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIVE 1000
#define SIZE 1000
#define FREED 3000
#define BIG (64u << 20)

static void *volatile keep[LIVE + 1];

int main(void)
{
	for (int i = 0; i < LIVE; i++)
		keep[i] = malloc(SIZE);
	for (int i = 0; i < FREED; i++)
		free(malloc(SIZE));
	keep[LIVE] = malloc(BIG);
	if (keep[LIVE])
		memset(keep[LIVE], 1, BIG);
	printf("live %d x %d + %u, freed %d x %d\n", LIVE, SIZE, BIG, FREED, SIZE);
	return 0;
}
