/*
 * preload_cxx.cc — libnodal-preload.so: the replaceable C++ allocation functions
 * ([new.delete]): every operator new / operator delete form, plain and array, sized,
 * aligned (std::align_val_t) and nothrow.
 *
 * Why here: a C++ program's operator new does not go through malloc when another
 * library in the process exports its own (Debian's libjemalloc does). Code loaded
 * later — Python extensions, dlopen'd plugins — would then bypass nodal. Exporting the
 * whole family from the preloaded library makes every C++ allocation nodal's.
 *
 * Contract: the standard's. The throwing forms loop over std::get_new_handler() and
 * throw std::bad_alloc when there is none; the nothrow forms return nullptr instead of
 * throwing. new(0) returns a unique pointer. Deleting nullptr does nothing. Sized
 * deletes pass the size to alloc.h as a hint
 * (unaligned forms only). Thread-safe (alloc.h is).
 */
#include <config.h>

#include <cstddef>
#include <new>

extern "C" {
#include "alloc.h"
}

#define NODAL_CXX_API __attribute__((visibility("default")))

namespace {

void *cxx_alloc(std::size_t size, std::size_t align, bool nothrow)
{
	if (size == 0)
		size = 1;
	if (align <= 16)
		align = 0;
	for (;;) {
		void *p = nodal_alloc(size, align, false);
		if (p)
			return p;
		std::new_handler handler = std::get_new_handler();
		if (!handler) {
			if (nothrow)
				return nullptr;
			throw std::bad_alloc();
		}
		if (!nothrow) {
			handler();
			continue;
		}
		try {
			handler();
		} catch (...) {
			return nullptr;
		}
	}
}

inline void cxx_free(void *p)
{
	if (p)
		nodal_dealloc(p);
}

inline void cxx_free_sized(void *p, std::size_t size)
{
	if (p)
		nodal_dealloc_sized(p, size ? size : 1); /* new(0) allocated one byte */
}

} // namespace

NODAL_CXX_API void *operator new(std::size_t size)
{
	return cxx_alloc(size, 0, false);
}

NODAL_CXX_API void *operator new[](std::size_t size)
{
	return cxx_alloc(size, 0, false);
}

NODAL_CXX_API void *operator new(std::size_t size, const std::nothrow_t &) noexcept
{
	return cxx_alloc(size, 0, true);
}

NODAL_CXX_API void *operator new[](std::size_t size, const std::nothrow_t &) noexcept
{
	return cxx_alloc(size, 0, true);
}

NODAL_CXX_API void *operator new(std::size_t size, std::align_val_t align)
{
	return cxx_alloc(size, static_cast<std::size_t>(align), false);
}

NODAL_CXX_API void *operator new[](std::size_t size, std::align_val_t align)
{
	return cxx_alloc(size, static_cast<std::size_t>(align), false);
}

NODAL_CXX_API void *operator new(std::size_t size, std::align_val_t align, const std::nothrow_t &) noexcept
{
	return cxx_alloc(size, static_cast<std::size_t>(align), true);
}

NODAL_CXX_API void *operator new[](std::size_t size, std::align_val_t align, const std::nothrow_t &) noexcept
{
	return cxx_alloc(size, static_cast<std::size_t>(align), true);
}

NODAL_CXX_API void operator delete(void *p) noexcept
{
	cxx_free(p);
}

NODAL_CXX_API void operator delete[](void *p) noexcept
{
	cxx_free(p);
}

NODAL_CXX_API void operator delete(void *p, const std::nothrow_t &) noexcept
{
	cxx_free(p);
}

NODAL_CXX_API void operator delete[](void *p, const std::nothrow_t &) noexcept
{
	cxx_free(p);
}

NODAL_CXX_API void operator delete(void *p, std::size_t size) noexcept
{
	cxx_free_sized(p, size);
}

NODAL_CXX_API void operator delete[](void *p, std::size_t size) noexcept
{
	cxx_free_sized(p, size);
}

NODAL_CXX_API void operator delete(void *p, std::align_val_t) noexcept
{
	cxx_free(p);
}

NODAL_CXX_API void operator delete[](void *p, std::align_val_t) noexcept
{
	cxx_free(p);
}

NODAL_CXX_API void operator delete(void *p, std::align_val_t, const std::nothrow_t &) noexcept
{
	cxx_free(p);
}

NODAL_CXX_API void operator delete[](void *p, std::align_val_t, const std::nothrow_t &) noexcept
{
	cxx_free(p);
}

/*
 * Sized and aligned: the size alone is not a safe hint (an over-aligned object may sit in
 * a larger size class than its size), and alloc.h's hint carries no alignment.
 */
NODAL_CXX_API void operator delete(void *p, std::size_t, std::align_val_t) noexcept
{
	cxx_free(p);
}

NODAL_CXX_API void operator delete[](void *p, std::size_t, std::align_val_t) noexcept
{
	cxx_free(p);
}
