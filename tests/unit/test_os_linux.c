/*
 * test_os_linux.c — the linux OS backend against the real kernel of this machine
 * (one NUMA node, node 0). Expectations are read from the kernel's own files
 * (/proc/self/status, sysfs) where they could differ between machines.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "os.h"

static const struct nodal_os_ops *L = &nodal_os_linux;

/* Mems_allowed_list from /proc/self/status, e.g. "0" or "0-1,3". */
static nodemask_t proc_mems_allowed(void)
{
	nodemask_t m = NODE_MASK_NONE;
	FILE *f = fopen("/proc/self/status", "r");
	char line[4096];
	cr_assert(f);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Mems_allowed_list:", 18) != 0)
			continue;
		char *p = line + 18;
		while (*p) {
			while (*p == ' ' || *p == '\t' || *p == ',')
				p++;
			if (*p < '0' || *p > '9')
				break;
			long a = strtol(p, &p, 10), b = a;
			if (*p == '-')
				b = strtol(p + 1, &p, 10);
			for (long i = a; i <= b; i++)
				node_set((int)i, &m);
		}
	}
	fclose(f);
	return m;
}

static bool kernel_at_least(int maj, int min)
{
	struct utsname u;
	uname(&u);
	int a = 0, b = 0;
	sscanf(u.release, "%d.%d", &a, &b);
	return a > maj || (a == maj && b >= min);
}

Test(os_linux, features_probed_once_and_match_kernel)
{
	unsigned f = L->features();
	cr_assert(f & NODAL_OS_HAS_MBIND, "mbind works on this machine");
	if (kernel_at_least(5, 15))
		cr_assert(f & NODAL_OS_HAS_PREFERRED_MANY);
	if (kernel_at_least(5, 17))
		cr_assert(f & NODAL_OS_HAS_HOME_NODE);
	if (kernel_at_least(6, 9))
		cr_assert(f & NODAL_OS_HAS_WEIGHTED_INTERLEAVE);
	cr_assert_eq(L->features(), f, "cached");
}

Test(os_linux, mbind_node0_then_query_pages_says_node0)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), len = 8 * pg;
	int err = 0;
	char *p = L->map(len, pg, &err);
	cr_assert_not_null(p, "map: %d", err);
	nodemask_t m = NODE_MASK_NONE;
	node_set(0, &m);
	uint64_t calls = L->stats->mbind_calls;
	cr_assert_eq(L->mbind(p, len, NODAL_OS_MPOL_BIND, &m, 0), 0);
	cr_assert_eq(L->stats->mbind_calls, calls + 1);
	memset(p, 1, len);
	void *pages[8];
	int status[8];
	for (int i = 0; i < 8; i++)
		pages[i] = p + (size_t)i * pg;
	cr_assert_eq(L->query_pages(8, pages, status), 0);
	for (int i = 0; i < 8; i++)
		cr_assert_eq(status[i], 0, "page %d on node %d", i, status[i]);
	int mode = -1;
	nodemask_t got;
	cr_assert_eq(L->get_mempolicy(&mode, &got, p, NODAL_OS_MPOL_F_ADDR), 0);
	cr_assert_eq(mode, NODAL_OS_MPOL_BIND);
	cr_assert(nodes_equal(&got, &m));
	cr_assert_eq(L->get_mempolicy(&mode, NULL, p, NODAL_OS_MPOL_F_ADDR | NODAL_OS_MPOL_F_NODE), 0);
	cr_assert_eq(mode, 0);
	cr_assert_eq(L->set_home_node(p, len, 0), 0);
	cr_assert_eq(L->unmap(p, len), 0);
}

Test(os_linux, untouched_page_query_is_enoent)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	int err;
	char *p = L->map(pg, pg, &err);
	void *pages[1] = { p };
	int status[1] = { 99 };
	cr_assert_eq(L->query_pages(1, pages, status), 0);
	cr_assert_eq(status[0], -ENOENT);
	L->unmap(p, pg);
}

Test(os_linux, mems_allowed_matches_proc_status)
{
	nodemask_t m, want = proc_mems_allowed();
	int mode = -1;
	cr_assert_eq(L->get_mempolicy(&mode, &m, NULL, NODAL_OS_MPOL_F_MEMS_ALLOWED), 0);
	cr_assert(nodes_equal(&m, &want));
	cr_assert(node_isset(0, &m));
	cr_assert_eq(L->get_mempolicy(&mode, &m, NULL, NODAL_OS_MPOL_F_MEMS_ALLOWED | NODAL_OS_MPOL_F_ADDR), EINVAL);
}

Test(os_linux, getcpu_matches_sched_getcpu_and_sysfs_node)
{
	int cpu = -1, node = -1;
	cr_assert_eq(L->getcpu(&cpu, &node), 0);
	cr_assert(cpu >= 0 && cpu < sysconf(_SC_NPROCESSORS_CONF));
	char path[128];
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/node%d", cpu, node);
	cr_assert_eq(access(path, F_OK), 0, "%s exists", path);
}

Test(os_linux, affinity_matches_libc)
{
	cpu_set_t set;
	cr_assert_eq(sched_getaffinity(0, sizeof(set), &set), 0);
	uint64_t mask[16];
	cr_assert_eq(L->getaffinity(mask, 1024), 0);
	for (int c = 0; c < 1024; c++)
		cr_assert_eq((int)(mask[c / 64] >> (c % 64) & 1), CPU_ISSET(c, &set) ? 1 : 0, "cpu %d", c);
	cr_assert_eq(L->getaffinity(mask, 0), EINVAL);
}

Test(os_linux, node_memory_of_node0_and_bad_nodes)
{
	uint64_t fr = 0, tot = 0;
	cr_assert_eq(L->node_memory(0, &fr, &tot), 0);
	cr_assert_gt(tot, 0);
	cr_assert_leq(fr, tot);
	cr_assert_gt(fr, 0);
	/* compare with the machine total: node 0 holds all of it on a one-node machine */
	long pages = sysconf(_SC_PHYS_PAGES);
	uint64_t phys = (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
	cr_assert_leq(tot, phys + (phys / 10));
	int maxnode = 0;
	while (access("/sys/devices/system/node/node1", F_OK) == 0 && maxnode < 1)
		maxnode++;
	if (maxnode == 0)
		cr_assert_eq(L->node_memory(1, &fr, &tot), EINVAL);
	cr_assert_eq(L->node_memory(1023, &fr, &tot), EINVAL);
	cr_assert_eq(L->node_memory(1024, &fr, &tot), EINVAL);
	cr_assert_eq(L->node_memory(-1, &fr, &tot), EINVAL);
}

Test(os_linux, mbind_to_nonexistent_node_is_einval)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	int err;
	char *p = L->map(pg, pg, &err);
	nodemask_t m = NODE_MASK_NONE;
	node_set(1000, &m);
	cr_assert_eq(L->mbind(p, pg, NODAL_OS_MPOL_BIND, &m, 0), EINVAL);
	cr_assert_eq(L->set_home_node(p, pg, 1000), EINVAL);
	cr_assert(L->features() & NODAL_OS_HAS_MBIND, "EINVAL does not disable binding");
	L->unmap(p, pg);
}

/* Address-space size of this process in pages (/proc/self/statm, first field). */
static long vm_pages(void)
{
	long size = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	cr_assert(f);
	cr_assert_eq(fscanf(f, "%ld", &size), 1);
	fclose(f);
	return size;
}

Test(os_linux, map_honours_alignment)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t aligns[] = { pg, 64 * 1024, 2 << 20, 1 << 30 };
	for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
		int err = 0;
		size_t len = 3 * pg + 1;
		char *p = L->map(len, aligns[i], &err);
		cr_assert_not_null(p, "align %zu: %d", aligns[i], err);
		cr_assert_eq((uintptr_t)p % aligns[i], 0, "align %zu: %p", aligns[i], (void *)p);
		memset(p, 7, len);
		cr_assert_eq(L->unmap(p, len), 0);
	}
	/* The over-mapped slack is given back: 1 GiB alignment costs no 1 GiB of address space. */
	long before = vm_pages();
	int err = 0;
	char *big = L->map(pg, 1 << 30, &err);
	cr_assert_not_null(big);
	cr_assert_lt((vm_pages() - before) * (long)pg, 1 << 20, "grew by %ld pages", vm_pages() - before);
	L->unmap(big, pg);
	cr_assert_null(L->map(pg, 3 * pg, &err));
	cr_assert_eq(err, EINVAL);
	cr_assert_null(L->map(0, pg, &err));
	cr_assert_eq(err, EINVAL);
	cr_assert_null(L->map(SIZE_MAX - pg, pg, &err));
	cr_assert_eq(err, ENOMEM);
}

Test(os_linux, madvise_passes_through)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	int err;
	char *p = L->map(2 * pg, pg, &err);
	p[0] = 5;
	cr_assert_eq(L->madvise(p, 2 * pg, MADV_DONTNEED), 0);
	cr_assert_eq(p[0], 0, "DONTNEED dropped the page");
	cr_assert_eq(L->madvise(p + 1, pg, MADV_DONTNEED), EINVAL);
	L->unmap(p, 2 * pg);
}

Test(os_linux, membarrier_private_expedited)
{
	cr_assert_eq(L->membarrier_register(), 0);
	uint64_t before = L->stats->membarriers;
	cr_assert_eq(L->membarrier(), 0);
	cr_assert_eq(L->stats->membarriers, before + 1);
}

Test(os_linux, membarrier_unregistered_is_eperm)
{
	/* criterion runs each test in a fresh process: nothing registered yet */
	cr_assert_eq(L->membarrier(), EPERM);
}

/* Install a seccomp filter that makes mbind fail with EPERM, as container runtimes do. */
static void deny_mbind(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mbind, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	cr_assert_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	cr_assert_eq(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog), 0);
}

Test(os_linux, seccomp_eperm_means_binding_unavailable)
{
	deny_mbind();
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	int err;
	char *p = L->map(pg, pg, &err);
	cr_assert_not_null(p);
	nodemask_t m = NODE_MASK_NONE;
	node_set(0, &m);
	uint64_t eperm = L->stats->mbind_eperm;
	cr_assert_eq(L->mbind(p, pg, NODAL_OS_MPOL_BIND, &m, 0), EPERM);
	cr_assert_geq(L->stats->mbind_eperm, eperm + 1);
	cr_assert_eq(L->features() & NODAL_OS_HAS_MBIND, 0u, "binding unavailable");
	cr_assert_eq(L->mbind(p, pg, NODAL_OS_MPOL_BIND, &m, 0), EPERM);
	p[0] = 1; /* memory is still usable */
	L->unmap(p, pg);
}

Test(os_linux, seccomp_eperm_seen_by_probe)
{
	deny_mbind();
	cr_assert_eq(L->features() & NODAL_OS_HAS_MBIND, 0u);
	cr_assert_eq(L->features() & NODAL_OS_HAS_PREFERRED_MANY, 0u);
	cr_assert_geq(L->stats->mbind_eperm, 1);
}

Test(os_linux, backend_selection_from_environment)
{
	nodal_os_select(NULL);
	setenv("NODAL_OS", "sim", 1);
	cr_assert_eq(nodal_os(), &nodal_os_sim);
	nodal_os_select(NULL);
	setenv("NODAL_OS", "linux", 1);
	cr_assert_eq(nodal_os(), &nodal_os_linux);
	nodal_os_select(NULL);
	unsetenv("NODAL_OS");
	cr_assert_eq(nodal_os(), &nodal_os_linux);
	nodal_os_select(&nodal_os_sim);
	cr_assert_eq(nodal_os(), &nodal_os_sim);
	cr_assert_eq(nodal_os_by_name("sim"), &nodal_os_sim);
	cr_assert_null(nodal_os_by_name("windows"));
}

Test(os_linux, bad_backend_name_warns_and_keeps_linux)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	int saved = dup(2);
	dup2(fds[1], 2);
	nodal_os_select(NULL);
	setenv("NODAL_OS", "bsd", 1);
	const struct nodal_os_ops *ops = nodal_os();
	dup2(saved, 2);
	close(fds[1]);
	char buf[512] = { 0 };
	ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
	cr_assert_eq(ops, &nodal_os_linux);
	cr_assert_gt(n, 0);
	cr_assert(strstr(buf, "nodal: NODAL_OS='bsd': unknown OS backend (expected linux or sim)"), "got: %s", buf);
}
