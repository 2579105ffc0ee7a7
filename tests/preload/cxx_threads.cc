/*
 * cxx_threads.cc — the C++ allocation functions under LD_PRELOAD: every form resolves
 * to libnodal-preload.so, objects made with every form of new in one thread are deleted
 * in another, standard containers churn, and failure follows the standard (new-handler
 * loop, std::bad_alloc, nullptr for nothrow). tests/preload/cxx.sh runs it.
 */
#include <config.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <dlfcn.h>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <vector>

static int count, failed;

static void ok(bool cond, const char *what)
{
	count++;
	std::printf("%s %d - %s\n", cond ? "ok" : "not ok", count, what);
	if (!cond)
		failed++;
}

static bool from_nodal(void *fn)
{
	Dl_info di;
	return dladdr(fn, &di) && di.dli_fname && std::string(di.dli_fname).find("libnodal-preload") != std::string::npos;
}

struct alignas(128) Wide {
	unsigned char bytes[200];
};

struct Obj {
	enum Kind { PLAIN, ARRAY, WIDE, WIDE_ARRAY, NOTHROW, NOTHROW_ARRAY, WIDE_NOTHROW } kind;
	void *p;
	std::size_t n;
};

static std::mutex mu;
static std::vector<Obj> shared_objs;
static std::atomic<int> misaligned, corrupt;

static void producer(unsigned seed)
{
	std::vector<Obj> mine;
	for (unsigned i = 0; i < 20000; i++) {
		std::size_t n = (i * 31 + seed) % 700 + 1;
		Obj o{ static_cast<Obj::Kind>((i + seed) % 7), nullptr, n };
		switch (o.kind) {
		case Obj::PLAIN: o.p = new std::string(n, 'x'); break;
		case Obj::ARRAY: o.p = new unsigned char[n](); break;
		case Obj::WIDE: o.p = new Wide(); break;
		case Obj::WIDE_ARRAY: o.p = new Wide[n % 9 + 1]; break;
		case Obj::NOTHROW: o.p = new (std::nothrow) std::uint64_t(n); break;
		case Obj::NOTHROW_ARRAY: o.p = new (std::nothrow) char[n]; break;
		case Obj::WIDE_NOTHROW: o.p = new (std::nothrow) Wide(); break;
		}
		if (reinterpret_cast<std::uintptr_t>(o.p) % 16 ||
		    ((o.kind == Obj::WIDE || o.kind == Obj::WIDE_ARRAY || o.kind == Obj::WIDE_NOTHROW) &&
		     reinterpret_cast<std::uintptr_t>(o.p) % alignof(Wide)))
			misaligned++;
		mine.push_back(o);
	}
	std::lock_guard<std::mutex> g(mu);
	shared_objs.insert(shared_objs.end(), mine.begin(), mine.end());
}

static void destroy(const Obj &o)
{
	switch (o.kind) {
	case Obj::PLAIN: {
		auto *s = static_cast<std::string *>(o.p);
		if (s->size() != o.n || (*s)[o.n - 1] != 'x')
			corrupt++;
		delete s;
		break;
	}
	case Obj::ARRAY: delete[] static_cast<unsigned char *>(o.p); break;
	case Obj::WIDE: delete static_cast<Wide *>(o.p); break;
	case Obj::WIDE_ARRAY: delete[] static_cast<Wide *>(o.p); break;
	case Obj::NOTHROW: {
		auto *v = static_cast<std::uint64_t *>(o.p);
		if (*v != o.n)
			corrupt++;
		delete v;
		break;
	}
	case Obj::NOTHROW_ARRAY: ::operator delete[](o.p, std::nothrow); break;
	case Obj::WIDE_NOTHROW: ::operator delete(o.p, std::align_val_t(alignof(Wide)), std::nothrow); break;
	}
}

static void consumer(std::size_t from, std::size_t to)
{
	for (std::size_t i = from; i < to; i++)
		destroy(shared_objs[i]);
}

static void containers(unsigned seed, std::atomic<long> *sum)
{
	std::map<int, std::string> m;
	long s = 0;
	for (int i = 0; i < 30000; i++) {
		m[(i * 7 + seed) % 5000] = std::to_string(i) + std::string(i % 50, 'y');
		if (i % 3 == 0)
			m.erase((i * 11) % 5000);
	}
	for (auto &kv : m)
		s += kv.first + (long)kv.second.size();
	*sum += s;
}

static int handler_calls;
static void handler()
{
	if (++handler_calls >= 3)
		std::set_new_handler(nullptr); /* give up: the next failure throws */
}

int main()
{
	typedef void *(*new_fn)(std::size_t);
	typedef void *(*new_nt_fn)(std::size_t, const std::nothrow_t &);
	typedef void *(*new_al_fn)(std::size_t, std::align_val_t);
	typedef void *(*new_al_nt_fn)(std::size_t, std::align_val_t, const std::nothrow_t &);
	typedef void (*del_fn)(void *);
	typedef void (*del_sz_fn)(void *, std::size_t);
	typedef void (*del_al_fn)(void *, std::align_val_t);
	typedef void (*del_sz_al_fn)(void *, std::size_t, std::align_val_t);
	typedef void (*del_nt_fn)(void *, const std::nothrow_t &);
	typedef void (*del_al_nt_fn)(void *, std::align_val_t, const std::nothrow_t &);
	void *forms[] = {
		(void *)static_cast<new_fn>(&::operator new), (void *)static_cast<new_fn>(&::operator new[]),
		(void *)static_cast<new_nt_fn>(&::operator new), (void *)static_cast<new_nt_fn>(&::operator new[]),
		(void *)static_cast<new_al_fn>(&::operator new), (void *)static_cast<new_al_fn>(&::operator new[]),
		(void *)static_cast<new_al_nt_fn>(&::operator new),
		(void *)static_cast<new_al_nt_fn>(&::operator new[]),
		(void *)static_cast<del_fn>(&::operator delete), (void *)static_cast<del_fn>(&::operator delete[]),
		(void *)static_cast<del_sz_fn>(&::operator delete),
		(void *)static_cast<del_sz_fn>(&::operator delete[]),
		(void *)static_cast<del_al_fn>(&::operator delete),
		(void *)static_cast<del_al_fn>(&::operator delete[]),
		(void *)static_cast<del_sz_al_fn>(&::operator delete),
		(void *)static_cast<del_sz_al_fn>(&::operator delete[]),
		(void *)static_cast<del_nt_fn>(&::operator delete),
		(void *)static_cast<del_nt_fn>(&::operator delete[]),
		(void *)static_cast<del_al_nt_fn>(&::operator delete),
		(void *)static_cast<del_al_nt_fn>(&::operator delete[]),
	};
	int nodal_forms = 0;
	for (void *f : forms)
		nodal_forms += from_nodal(f);
	ok(nodal_forms == 20, "all 20 forms of operator new/delete come from libnodal-preload.so");

	std::vector<std::thread> th;
	for (unsigned t = 0; t < 4; t++)
		th.emplace_back(producer, t);
	for (auto &t : th)
		t.join();
	th.clear();
	std::size_t n = shared_objs.size(), quarter = n / 4;
	for (unsigned t = 0; t < 4; t++) /* each consumer deletes objects other threads made */
		th.emplace_back(consumer, t * quarter, t == 3 ? n : (t + 1) * quarter);
	for (auto &t : th)
		t.join();
	th.clear();
	ok(n == 80000, "4 threads made 80000 objects with every form of new");
	ok(misaligned == 0, "every object is 16-byte aligned, alignas(128) types 128-byte aligned");
	ok(corrupt == 0, "objects deleted by other threads held their values");

	std::atomic<long> sum1{ 0 }, sum2{ 0 };
	for (unsigned t = 0; t < 2; t++)
		th.emplace_back(containers, t, &sum1);
	for (auto &t : th)
		t.join();
	th.clear();
	containers(0, &sum2);
	containers(1, &sum2);
	ok(sum1 == sum2, "std::map<int, std::string> churn in threads gives the single-threaded result");

	volatile std::size_t huge = std::size_t(1) << 50;
	bool threw = false;
	std::set_new_handler(handler);
	try {
		char *p = new char[huge];
		delete[] p;
	} catch (const std::bad_alloc &) {
		threw = true;
	}
	ok(threw && handler_calls == 3, "new char[1 PiB]: the new-handler runs until it gives up, then std::bad_alloc");
	threw = false;
	try {
		void *p = ::operator new(huge, std::align_val_t(64));
		::operator delete(p, std::align_val_t(64));
	} catch (const std::bad_alloc &) {
		threw = true;
	}
	ok(threw, "aligned operator new(1 PiB) throws std::bad_alloc");
	ok(new (std::nothrow) char[huge] == nullptr, "new (std::nothrow) char[1 PiB] returns nullptr");
	ok(::operator new(huge, std::align_val_t(256), std::nothrow) == nullptr,
	   "aligned nothrow operator new(1 PiB) returns nullptr");
	void *z1 = ::operator new(0), *z2 = ::operator new(0);
	ok(z1 && z2 && z1 != z2, "operator new(0) returns unique pointers");
	::operator delete(z1, std::size_t(0));
	::operator delete(z2);
	void *a = ::operator new(1, std::align_val_t(4096));
	ok(a && reinterpret_cast<std::uintptr_t>(a) % 4096 == 0, "operator new(1, align_val_t(4096)) is page-aligned");
	::operator delete(a, 1, std::align_val_t(4096));
	delete static_cast<int *>(nullptr);
	::operator delete(nullptr, std::align_val_t(64));
	ok(true, "deleting nullptr does nothing");
	std::printf("1..%d\n", count);
	return 0;
}
