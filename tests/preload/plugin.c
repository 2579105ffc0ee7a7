/*
 * plugin.c — a C program that dlopens a C++ library late (RTLD_LOCAL, as Python loads
 * extensions). The library's operator new must be nodal's even when another library in
 * the process exports one too (Debian's libjemalloc does: plugin.sh preloads it after
 * nodal). Usage: plugin PATH-TO-libplugin_cxx.so
 */
#include <config.h>

#include <dlfcn.h>
#include <string.h>

#include "tap.h"

int main(int argc, char **argv)
{
	void *h = argc > 1 ? dlopen(argv[1], RTLD_NOW | RTLD_LOCAL) : NULL;
	const char *(*new_owner)(void);
	int (*work)(void);

	ok(h != NULL, "dlopen of a C++ library after start-up (%s)", h ? "ok" : dlerror());
	if (!h)
		return tap_done();
	*(void **)&new_owner = dlsym(h, "plugin_new_owner");
	*(void **)&work = dlsym(h, "plugin_work");
	ok(new_owner && strstr(new_owner(), "libnodal-preload"), "its operator new is nodal's (%s)",
	   new_owner ? new_owner() : "?");
	ok(work && work() == 0, "it allocates with new/delete and std containers");
	dlclose(h);
	return tap_done();
}
