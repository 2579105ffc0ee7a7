/*
 * plugin_cxx.cc — a C++ shared library loaded with dlopen(RTLD_LOCAL) after start-up,
 * like a Python extension or a plugin (tests/preload/plugin.c loads it). It reports
 * which library its operator new / delete resolve to and uses them.
 */
#include <config.h>

#include <cstddef>
#include <cstring>
#include <dlfcn.h>
#include <new>
#include <string>
#include <vector>

extern "C" __attribute__((visibility("default"))) const char *plugin_new_owner(void);
extern "C" __attribute__((visibility("default"))) int plugin_work(void);

static const char *owner(void *fn)
{
	Dl_info di;
	return dladdr(fn, &di) && di.dli_fname ? di.dli_fname : "?";
}

const char *plugin_new_owner(void)
{
	void *(*fn)(std::size_t) = &::operator new;
	return owner(reinterpret_cast<void *>(fn));
}

int plugin_work(void)
{
	std::vector<std::string> v;
	for (int i = 0; i < 10000; i++)
		v.push_back(std::string(static_cast<std::size_t>(i % 100), 'p'));
	std::size_t total = 0;
	for (auto &s : v)
		total += s.size();
	char *arr = new char[100000];
	std::memset(arr, 1, 100000);
	delete[] arr;
	return total == 495000 ? 0 : 1;
}
