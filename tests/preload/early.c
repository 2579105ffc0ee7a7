/*
 * early.c — checks the blocks early_lib.c allocated in its constructor, before
 * libnodal-preload.so was initialised (tests/preload/early.sh).
 */
#include <config.h>

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

extern void *early_block[4];
extern int early_from_nodal;

static int all(const void *p, int c, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != c)
			return 0;
	return 1;
}

static void *at_exit_block;

static void free_at_exit(void)
{
	free(at_exit_block);
}

int main(void)
{
	void *p;

	ok(early_from_nodal, "a library constructor that runs before nodal's sees nodal's malloc");
	ok(early_block[0] && all(early_block[0], 0x11, 100), "malloc from that constructor holds its contents");
	ok(early_block[1] && all(early_block[1], 0, 3000), "calloc from that constructor is zeroed");
	ok(early_block[2] && !((uintptr_t)early_block[2] & 4095) && all(early_block[2], 0x22, 5000),
	   "posix_memalign from that constructor is aligned and holds its contents");
	ok(early_block[3] && all(early_block[3], 0x33, 200000), "realloc from that constructor holds its contents");
	ok(malloc_usable_size(early_block[3]) >= 200000, "malloc_usable_size of an early block");
	p = realloc(early_block[0], 100000);
	ok(p && all(p, 0x11, 100), "an early block can be reallocated now");
	free(p);
	for (int i = 1; i < 4; i++)
		free(early_block[i]);
	ok(1, "early blocks freed");
	at_exit_block = malloc(1000);
	atexit(free_at_exit);
	return tap_done();
}
