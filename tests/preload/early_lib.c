/*
 * early_lib.c — a shared library whose constructor allocates. The test program links
 * it, so ld.so runs this constructor before libnodal-preload.so's own (early.sh checks
 * the order with LD_DEBUG): allocation before nodal's constructors must work, and the
 * blocks must stay valid, reallocatable and freeable later. Its destructor frees after
 * nodal's exit report has run.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "tap.h"

#define EARLY_API __attribute__((visibility("default")))

EARLY_API void *early_block[4];
EARLY_API int early_from_nodal;
static void *late_block;

__attribute__((constructor)) static void early_ctor(void)
{
	void *p = NULL;

	early_from_nodal = from_nodal((void *)malloc);
	early_block[0] = malloc(100);
	early_block[1] = calloc(1000, 3);
	early_block[2] = posix_memalign(&p, 4096, 5000) ? NULL : p;
	early_block[3] = realloc(malloc(10), 200000);
	if (early_block[0])
		memset(early_block[0], 0x11, 100);
	if (early_block[2])
		memset(early_block[2], 0x22, 5000);
	if (early_block[3])
		memset(early_block[3], 0x33, 200000);
	late_block = malloc(12345);
}

__attribute__((destructor)) static void early_dtor(void)
{
	free(late_block); /* after libnodal-preload.so's destructor (its exit report) */
	late_block = malloc(77);
	free(late_block);
}
