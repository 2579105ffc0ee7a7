/*
 * os_linux.c — the linux backend of the OS door: raw system calls, no libnuma.
 *
 * Owns: the only <sys/syscall.h> in nodal, the kernel feature probe and the
 * "binding unavailable" state after mbind is refused with EPERM.
 *
 * Nothing here allocates or locks: ops run inside jemalloc extent hooks (its locks
 * held) and inside the interposed malloc. sysfs is read with open/read into a stack
 * buffer. Nodemasks are passed with maxnode = NODAL_MAX_NUMNODES + 1: the kernel's
 * get_nodes() reads maxnode - 1 bits (a historical off-by-one every caller honours).
 *
 * Concurrency: the probed feature bits and the EPERM flag are written once with atomic
 * stores; racing first callers probe twice and store the same result.
 */
#include "os.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "msg.h"

#ifndef SYS_set_mempolicy_home_node
#define SYS_set_mempolicy_home_node 450 /* same number on every architecture since 5.17 */
#endif

/* <linux/membarrier.h> values (uapi, stable). */
#define MEMBARRIER_QUERY 0
#define MEMBARRIER_PRIVATE_EXPEDITED (1 << 3)
#define MEMBARRIER_REGISTER_PRIVATE_EXPEDITED (1 << 4)

#define MAXNODE ((unsigned long)NODAL_MAX_NUMNODES + 1)
#define PROBED (1u << 31)

static struct nodal_os_stats linux_stats;
static unsigned linux_features; /* PROBED | NODAL_OS_HAS_* once probed */
static int linux_mbind_denied;  /* EPERM seen: binding unavailable for the process */

static int sys_ret(long r)
{
	return r < 0 ? (errno ? errno : EIO) : 0;
}

static long sys_mbind(void *addr, size_t len, int mode, const nodemask_t *nodes, unsigned flags)
{
	return syscall(SYS_mbind, addr, len, mode, nodes ? nodes->bits : NULL, nodes ? MAXNODE : 0UL, flags);
}

static long sys_get_mempolicy(int *mode, nodemask_t *nodes, void *addr, unsigned flags)
{
	return syscall(SYS_get_mempolicy, mode, nodes ? nodes->bits : NULL, nodes ? MAXNODE : 0UL, addr,
	               (unsigned long)flags);
}

static void *linux_map(size_t len, size_t align, int *err)
{
	void *p = nodal_os_map_aligned(len, align, err);
	if (p)
		nodal_os_count(&linux_stats.maps);
	return p;
}

static int linux_unmap(void *addr, size_t len)
{
	if (munmap(addr, len) != 0)
		return errno;
	nodal_os_count(&linux_stats.unmaps);
	return 0;
}

static int linux_madvise(void *addr, size_t len, int advice)
{
	return madvise(addr, len, advice) ? errno : 0;
}

/*
 * The probe, run once on a scratch page of our own (never on caller memory):
 *  - mbind(MPOL_DEFAULT) succeeds wherever mbind works at all: HAS_MBIND. EPERM here is
 *    a seccomp filter (binding unavailable, warned once); ENOSYS a kernel without NUMA.
 *  - mbind(MPOL_PREFERRED_MANY, allowed nodes): kernels before 5.15 reject mode 5 with
 *    EINVAL (mode >= MPOL_MAX), newer ones accept it: HAS_PREFERRED_MANY.
 *  - mbind(MPOL_WEIGHTED_INTERLEAVE = 6, allowed): accepted from 6.9 on, EINVAL before.
 *  - set_mempolicy_home_node() on the page, bound with MPOL_BIND: 0 from 5.17 on,
 *    ENOSYS before (and EPERM under a filter that does not know the call).
 * The allowed nodes come from get_mempolicy(MPOL_F_MEMS_ALLOWED), so a cpuset never
 * makes a supported mode look unsupported. Without mbind the mode bits stay clear: no
 * mode can be applied anyway.
 */
static unsigned linux_probe(void)
{
	unsigned f = 0;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return PROBED;
	nodemask_t allowed = NODE_MASK_NONE;
	int mode = 0;
	if (sys_get_mempolicy(&mode, &allowed, NULL, NODAL_OS_MPOL_F_MEMS_ALLOWED) != 0 || nodes_empty(&allowed))
		node_set(0, &allowed);
	if (sys_mbind(p, page, NODAL_OS_MPOL_DEFAULT, NULL, 0) == 0) {
		f |= NODAL_OS_HAS_MBIND;
		if (sys_mbind(p, page, NODAL_OS_MPOL_PREFERRED_MANY, &allowed, 0) == 0)
			f |= NODAL_OS_HAS_PREFERRED_MANY;
		if (sys_mbind(p, page, NODAL_OS_MPOL_WEIGHTED_INTERLEAVE, &allowed, 0) == 0)
			f |= NODAL_OS_HAS_WEIGHTED_INTERLEAVE;
		if (sys_mbind(p, page, NODAL_OS_MPOL_BIND, &allowed, 0) == 0 &&
		    syscall(SYS_set_mempolicy_home_node, p, page, (unsigned long)first_node(&allowed), 0UL) == 0)
			f |= NODAL_OS_HAS_HOME_NODE;
	} else if (errno == EPERM) {
		nodal_os_note_eperm(&linux_stats, &linux_mbind_denied, "linux");
	}
	munmap(p, page);
	return f | PROBED;
}

static unsigned linux_features_get(void)
{
	unsigned f = __atomic_load_n(&linux_features, __ATOMIC_ACQUIRE);
	if (!(f & PROBED)) {
		f = linux_probe();
		__atomic_store_n(&linux_features, f, __ATOMIC_RELEASE);
	}
	if (__atomic_load_n(&linux_mbind_denied, __ATOMIC_RELAXED))
		f &= ~(unsigned)NODAL_OS_HAS_MBIND;
	return f & ~PROBED;
}

static int linux_mbind(void *addr, size_t len, int mode, const nodemask_t *nodes, unsigned flags)
{
	nodal_os_count(&linux_stats.mbind_calls);
	if (__atomic_load_n(&linux_mbind_denied, __ATOMIC_RELAXED)) {
		/* Known refused: do not knock on the filter again, report it the same way. */
		nodal_os_count(&linux_stats.mbind_failures);
		nodal_os_count(&linux_stats.mbind_eperm);
		return EPERM;
	}
	int err = sys_ret(sys_mbind(addr, len, mode, nodes, flags));
	if (err) {
		nodal_os_count(&linux_stats.mbind_failures);
		if (err == EPERM && !(flags & NODAL_OS_MPOL_MF_MOVE_ALL)) /* MOVE_ALL needs CAP_SYS_NICE */
			nodal_os_note_eperm(&linux_stats, &linux_mbind_denied, "linux");
	}
	return err;
}

static int linux_set_home_node(void *addr, size_t len, int node)
{
	if (node < 0)
		return EINVAL;
	return sys_ret(syscall(SYS_set_mempolicy_home_node, addr, len, (unsigned long)node, 0UL));
}

static int linux_get_mempolicy(int *mode, nodemask_t *nodes, void *addr, unsigned flags)
{
	if (nodes)
		nodes_clear(nodes);
	return sys_ret(sys_get_mempolicy(mode, nodes, addr, flags));
}

static int linux_query_pages(size_t count, void *const *pages, int *status)
{
	/* move_pages(pid 0 = self, nodes NULL = query only): per-page node or -errno. */
	return sys_ret(syscall(SYS_move_pages, 0, (unsigned long)count, pages, NULL, status, 0));
}

static int linux_getcpu(int *cpu, int *node)
{
	unsigned c = 0, n = 0;
	int err = sys_ret(syscall(SYS_getcpu, &c, &n, NULL));
	if (err)
		return err;
	if (cpu)
		*cpu = (int)c;
	if (node)
		*node = (int)n;
	return 0;
}

static int linux_getaffinity(uint64_t *cpus, int ncpus)
{
	if (ncpus <= 0)
		return EINVAL;
	size_t bytes = (size_t)(ncpus + 63) / 64 * 8;
	memset(cpus, 0, bytes);
	/* The raw call returns the number of bytes it wrote (the kernel's cpumask size). */
	long r = syscall(SYS_sched_getaffinity, 0, bytes, cpus);
	if (r < 0)
		return errno;
	/* Clear bits beyond @ncpus that the word granularity let through. */
	if (ncpus % 64)
		cpus[ncpus / 64] &= (UINT64_C(1) << (ncpus % 64)) - 1;
	return 0;
}

/* "Node 0 MemTotal:  3761992 kB" → bytes, for @key ("MemTotal:"). */
static int meminfo_field(const char *buf, const char *key, uint64_t *out)
{
	const char *p = strstr(buf, key);
	if (!p)
		return ENOENT;
	p += strlen(key);
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p < '0' || *p > '9')
		return EINVAL;
	uint64_t v = 0;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (uint64_t)(*p++ - '0');
	while (*p == ' ')
		p++;
	if (*p == 'k')
		v *= 1024;
	*out = v;
	return 0;
}

int nodal_os_read_text(const char *path, char *buf, size_t len)
{
	if (!len)
		return EINVAL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	size_t n = 0;
	while (n < len - 1) {
		ssize_t r = read(fd, buf + n, len - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return 0;
}

/* The text of /sys/devices/system/node/node@node/meminfo; EINVAL for a node that is not there. */
static int node_meminfo(int node, char *buf, size_t len)
{
	if (node < 0 || node >= NODAL_MAX_NUMNODES)
		return EINVAL;
	char path[64];
	nodal_fmt(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", node);
	int err = nodal_os_read_text(path, buf, len);
	return err == ENOENT ? EINVAL : err;
}

static int linux_node_memory(int node, uint64_t *free_bytes, uint64_t *total_bytes)
{
	char buf[4096];
	int rerr = node_meminfo(node, buf, sizeof(buf));
	if (rerr)
		return rerr;
	uint64_t fr = 0, tot = 0;
	int err = meminfo_field(buf, "MemTotal:", &tot);
	if (!err)
		err = meminfo_field(buf, "MemFree:", &fr);
	if (err)
		return EIO;
	if (free_bytes)
		*free_bytes = fr;
	if (total_bytes)
		*total_bytes = tot;
	return 0;
}

static int linux_node_reclaimable(int node, uint64_t *bytes)
{
	char buf[4096];
	int rerr = node_meminfo(node, buf, sizeof(buf));
	if (rerr)
		return rerr;
	uint64_t active = 0, inactive = 0, slab = 0;
	int err = meminfo_field(buf, "Active(file):", &active);
	if (!err)
		err = meminfo_field(buf, "Inactive(file):", &inactive);
	if (!err && meminfo_field(buf, "SReclaimable:", &slab))
		slab = 0; /* old kernels: no reclaimable slab line */
	if (err)
		return EIO;
	*bytes = active + inactive + slab;
	return 0;
}

static int linux_membarrier_register(void)
{
	long mask = syscall(SYS_membarrier, MEMBARRIER_QUERY, 0, 0);
	if (mask < 0)
		return errno;
	if (!(mask & MEMBARRIER_PRIVATE_EXPEDITED))
		return EINVAL;
	return sys_ret(syscall(SYS_membarrier, MEMBARRIER_REGISTER_PRIVATE_EXPEDITED, 0, 0));
}

static int linux_membarrier(void)
{
	int err = sys_ret(syscall(SYS_membarrier, MEMBARRIER_PRIVATE_EXPEDITED, 0, 0));
	if (!err)
		nodal_os_count(&linux_stats.membarriers);
	return err;
}

const struct nodal_os_ops nodal_os_linux = {
    .name = "linux",
    .map = linux_map,
    .unmap = linux_unmap,
    .madvise = linux_madvise,
    .mbind = linux_mbind,
    .set_home_node = linux_set_home_node,
    .get_mempolicy = linux_get_mempolicy,
    .query_pages = linux_query_pages,
    .getcpu = linux_getcpu,
    .getaffinity = linux_getaffinity,
    .node_memory = linux_node_memory,
    .node_reclaimable = linux_node_reclaimable,
    .features = linux_features_get,
    .membarrier_register = linux_membarrier_register,
    .membarrier = linux_membarrier,
    .stats = &linux_stats,
};
