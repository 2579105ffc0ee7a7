/*
 * probe.c — the kernel's own mempolicy behaviour in the guest, checked page by page.
 *
 *   probe kernel [DMESG]   run every kernel-level test; DMESG is the saved boot log
 *                          holding the kernel's "Fallback order for Node N" lines
 *   probe rebind CASES     task INTERLEAVE policies through cgroup v2 cpuset.mems
 *                          changes: prints where fresh pages go at every step
 *   probe exit V           make qemu exit with status 2*V+1 (isa-debug-exit)
 *
 * Raw syscalls only (no libnuma, no nodal): this is the ground truth nodal is compared
 * against. Each test prints one @@TAP line (protocol in guest.h). Placement is read with
 * move_pages(2) on every page; MADV_NOHUGEPAGE wherever exact page counts are checked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

static struct gtopo topo;

static bool kernel_has_weighted_interleave(void)
{
	return topo.kernel_major > 6 || (topo.kernel_major == 6 && topo.kernel_minor >= 9);
}

static void mask_of(struct gmask *m, const bool *nodes)
{
	memset(m, 0, sizeof(*m));
	for (int n = 0; n < topo.nr; n++)
		if (nodes[n])
			gmask_set(m, n);
}

static void mask_one(struct gmask *m, int n)
{
	memset(m, 0, sizeof(*m));
	gmask_set(m, n);
}

static int nr_memory_nodes(void)
{
	int k = 0;
	for (int n = 0; n < topo.nr; n++)
		k += topo.has_memory[n];
	return k;
}

/* Map, apply a VMA policy, touch, histogram. Returns the mbind result (0 or -errno). */
static long vma_policy_histogram(size_t len, int mode, const struct gmask *m, long *count)
{
	void *p = g_map(len, true);
	long r = g_mbind(p, len, mode, m, 0) ? -errno : 0;
	if (r == 0) {
		g_touch(p, len);
		g_histogram(p, len, count);
	}
	munmap(p, len);
	return r;
}

static void test_mems_allowed(void)
{
	struct gmask m = {{0}};
	bool same = g_get_mempolicy(NULL, &m, NULL, G_MPOL_F_MEMS_ALLOWED) == 0;
	for (int n = 0; same && n < topo.nr; n++)
		same = gmask_isset(&m, n) == topo.has_memory[n];
	g_ok(same, "kernel: get_mempolicy(MPOL_F_MEMS_ALLOWED) equals has_memory");
}

/* BIND or PREFERRED to one node with room: every page of 8 MiB lands there. */
static void test_single_node_each(int mode, const char *name)
{
	long count[G_MAXNODES];
	struct gmask m;
	for (int n = 0; n < topo.nr; n++) {
		if (!topo.has_memory[n])
			continue;
		mask_one(&m, n);
		long r = vma_policy_histogram(8 * G_MIB, mode, &m, count);
		bool pass = r == 0 && count[n] == (long)(8 * G_MIB / G_PAGE);
		g_ok(pass, "kernel: %s {%d} with room: all 2048 pages on node %d", name, n, n);
		if (!pass)
			g_diag_histogram(name, count, topo.nr);
	}
}

struct local_arg {
	int node;
	bool pass;
	long count[G_MAXNODES];
	int mode;
	struct gmask mask;
	int expect;
};

/* Runs in a thread pinned to a CPU: set the thread's policy, fault pages in, histogram. */
static void task_policy_thread(void *p)
{
	struct local_arg *a = p;
	size_t len = 8 * G_MIB;
	if (g_set_mempolicy(a->mode, a->mode == G_MPOL_LOCAL ? NULL : &a->mask)) {
		g_diag("set_mempolicy(%d): %s", a->mode, strerror(errno));
		a->pass = false;
		return;
	}
	void *buf = g_map(len, true);
	g_touch(buf, len);
	g_histogram(buf, len, a->count);
	munmap(buf, len);
	g_set_mempolicy(G_MPOL_DEFAULT, NULL);
	a->pass = a->count[a->expect] == (long)(len / G_PAGE);
}

static void test_local_each_cpu_node(void)
{
	for (int n = 0; n < topo.nr; n++) {
		if (!topo.has_cpu[n] || !topo.has_memory[n])
			continue;
		struct local_arg a = {.node = n, .mode = G_MPOL_LOCAL, .expect = n};
		g_run_on_cpu(topo.first_cpu[n], task_policy_thread, &a);
		g_ok(a.pass, "kernel: MPOL_LOCAL from a thread pinned to CPU %d: all pages on its node %d",
		     topo.first_cpu[n], n);
		if (!a.pass)
			g_diag_histogram("local", a.count, topo.nr);
	}
}

static void test_preferred_many(void)
{
	bool cpuless[G_MAXNODES] = {false};
	int k = 0;
	for (int n = 0; n < topo.nr; n++)
		if (topo.has_memory[n] && !topo.has_cpu[n]) {
			cpuless[n] = true;
			k++;
		}
	if (k < 2) {
		g_skip("needs two memory-only nodes", "kernel: MPOL_PREFERRED_MANY over the memory-only nodes");
		return;
	}
	for (int n = 0; n < topo.nr; n++) {
		if (!topo.has_cpu[n])
			continue;
		struct local_arg a = {.node = n, .mode = G_MPOL_PREFERRED_MANY};
		mask_of(&a.mask, cpuless);
		a.expect = gtopo_first_in_fallback(&topo, n, cpuless);
		if (a.expect < 0) {
			g_skip("no fallback list for the node in the boot log",
			       "kernel: MPOL_PREFERRED_MANY from node %d", n);
			continue;
		}
		g_run_on_cpu(topo.first_cpu[n], task_policy_thread, &a);
		g_ok(a.pass,
		     "kernel: MPOL_PREFERRED_MANY (memory-only nodes) from CPU %d (node %d): all pages on %d, the "
		     "first of them in node %d's fallback list",
		     topo.first_cpu[n], n, a.expect, n);
		if (!a.pass)
			g_diag_histogram("preferred-many", a.count, topo.nr);
	}
}

struct home_arg {
	struct gmask mask;
	int home;
	long r;
	long count[G_MAXNODES];
};

static void home_thread(void *p)
{
	struct home_arg *a = p;
	size_t len = 8 * G_MIB;
	void *buf = g_map(len, true);
	a->r = g_mbind(buf, len, G_MPOL_BIND, &a->mask, 0) ? -errno : 0;
	if (!a->r)
		a->r = g_set_mempolicy_home_node(buf, len, a->home, 0) ? -errno : 0;
	if (!a->r) {
		g_touch(buf, len);
		g_histogram(buf, len, a->count);
	}
	munmap(buf, len);
}

static void test_home_node(void)
{
	bool cpuless[G_MAXNODES] = {false};
	int last = -1, cpu_node = -1;
	for (int n = 0; n < topo.nr; n++) {
		if (topo.has_memory[n] && !topo.has_cpu[n]) {
			cpuless[n] = true;
			last = n;
		}
		if (topo.has_cpu[n] && cpu_node < 0)
			cpu_node = n;
	}
	if (last < 0 || cpu_node < 0) {
		g_skip("needs a memory-only node", "kernel: set_mempolicy_home_node");
		return;
	}
	struct home_arg a = {.home = last};
	mask_of(&a.mask, cpuless);
	g_run_on_cpu(topo.first_cpu[cpu_node], home_thread, &a);
	bool pass = a.r == 0 && a.count[last] == (long)(8 * G_MIB / G_PAGE);
	g_ok(pass, "kernel: MPOL_BIND (memory-only nodes) with home node %d, from node %d: all pages on the home node",
	     last, cpu_node);
	if (!pass) {
		g_diag("result %ld", a.r);
		g_diag_histogram("home", a.count, topo.nr);
	}
}

/* VMA interleave is index based: exact counts, and page i on the expected node. */
static void test_interleave_vma(void)
{
	bool mem[G_MAXNODES] = {false};
	int order[G_MAXNODES], k = 0;
	struct gmask m;
	size_t len = 64 * G_MIB, pages = len / G_PAGE;
	for (int n = 0; n < topo.nr; n++) {
		mem[n] = topo.has_memory[n];
		if (mem[n])
			order[k++] = n;
	}
	mask_of(&m, mem);
	char *p = g_map(len, true);
	int *status = malloc(pages * sizeof(*status));
	bool pass = status && g_mbind(p, len, G_MPOL_INTERLEAVE, &m, 0) == 0;
	long count[G_MAXNODES] = {0};
	size_t misplaced = 0;
	if (pass) {
		g_touch(p, len);
		pass = g_page_nodes(p, len, status) == 0;
	}
	for (size_t i = 0; pass && i < pages; i++) {
		/* anonymous VMA: vm_pgoff is the page index of the address */
		unsigned long idx = ((unsigned long)p / G_PAGE + i) % (unsigned long)k;
		if (status[i] >= 0 && status[i] < G_MAXNODES)
			count[status[i]]++;
		if (status[i] != order[idx])
			misplaced++;
	}
	for (int i = 0; pass && i < k; i++)
		pass = count[order[i]] == (long)(pages / k);
	g_ok(pass && misplaced == 0,
	     "kernel: MPOL_INTERLEAVE (mbind) over %d nodes, 64 MiB, no THP: exactly %zu pages each, page i on node (i "
	     "mod %d)",
	     k, pages / k, k);
	if (!pass || misplaced) {
		g_diag("misplaced %zu", misplaced);
		g_diag_histogram("interleave", count, topo.nr);
	}
	free(status);
	munmap(p, len);
}

static void test_interleave_task(void)
{
	bool mem[G_MAXNODES] = {false};
	int k = 0;
	struct gmask m;
	size_t len = 32 * G_MIB, pages = len / G_PAGE;
	long count[G_MAXNODES];
	for (int n = 0; n < topo.nr; n++) {
		mem[n] = topo.has_memory[n];
		k += mem[n];
	}
	mask_of(&m, mem);
	char *p = g_map(len, true);
	bool pass = g_set_mempolicy(G_MPOL_INTERLEAVE, &m) == 0;
	if (pass) {
		g_touch(p, len);
		g_set_mempolicy(G_MPOL_DEFAULT, NULL);
		g_histogram(p, len, count);
		/* the task cursor also serves page-table pages: allow 1% */
		for (int n = 0; pass && n < topo.nr; n++)
			if (mem[n])
				pass = labs(count[n] - (long)(pages / k)) <= (long)(pages / k / 100 + 1);
	}
	g_ok(pass, "kernel: MPOL_INTERLEAVE (set_mempolicy) over %d nodes, 32 MiB: each node within 1%% of %zu pages",
	     k, pages / k);
	if (!pass)
		g_diag_histogram("task interleave", count, topo.nr);
	munmap(p, len);
}

static void test_weighted_interleave(void)
{
	static const int pattern[] = {3, 1, 2, 2, 1, 1, 3, 3}; /* sums 8 (4 nodes), 16 (8 nodes) */
	bool mem[G_MAXNODES] = {false};
	int order[G_MAXNODES], k = 0, sum = 0;
	struct gmask m;
	size_t len = 64 * G_MIB, pages = len / G_PAGE;
	long count[G_MAXNODES] = {0};
	for (int n = 0; n < topo.nr; n++) {
		mem[n] = topo.has_memory[n];
		if (mem[n])
			order[k++] = n;
	}
	mask_of(&m, mem);
	if (!kernel_has_weighted_interleave()) {
		void *p = g_map(G_MIB, true);
		errno = 0;
		long r1 = g_mbind(p, G_MIB, G_MPOL_WEIGHTED_INTERLEAVE, &m, 0);
		int e1 = errno;
		errno = 0;
		long r2 = g_set_mempolicy(G_MPOL_WEIGHTED_INTERLEAVE, &m);
		int e2 = errno;
		munmap(p, G_MIB);
		g_ok(r1 == -1 && e1 == EINVAL && r2 == -1 && e2 == EINVAL,
		     "kernel %d.%d: MPOL_WEIGHTED_INTERLEAVE refused with EINVAL by mbind and set_mempolicy (feature "
		     "probe)",
		     topo.kernel_major, topo.kernel_minor);
		return;
	}
	if (k > 8) {
		g_skip("more than 8 memory nodes", "kernel: MPOL_WEIGHTED_INTERLEAVE proportions");
		return;
	}
	bool set = true;
	for (int i = 0; i < k; i++) {
		sum += pattern[i];
		set = set && g_write_weight(order[i], pattern[i]) == 0;
	}
	long r = set ? vma_policy_histogram(len, G_MPOL_WEIGHTED_INTERLEAVE, &m, count) : -1;
	bool pass = r == 0;
	for (int i = 0; pass && i < k; i++)
		pass = count[order[i]] == (long)(pages / sum * pattern[i]);
	for (int i = 0; i < k; i++)
		g_write_weight(order[i], 1);
	g_ok(pass,
	     "kernel %d.%d: MPOL_WEIGHTED_INTERLEAVE over %d nodes, sysfs weights %d:%d:%d:%d..., 64 MiB: exact "
	     "proportions",
	     topo.kernel_major, topo.kernel_minor, k, pattern[0], pattern[1], pattern[2], pattern[3]);
	if (!pass) {
		g_diag("sysfs weights written: %s, mbind: %ld", set ? "yes" : "no", r);
		g_diag_histogram("weighted", count, topo.nr);
	}
}

/* PREFERRED on the small node, asking for more than it holds: the kernel spills over to
 * the next node of the small node's fallback list; nothing is killed. */
static void test_preferred_overflow(void)
{
	int s = gtopo_smallest(&topo);
	if (s < 0 || topo.fallback_len[s] < 2) {
		g_skip("no fallback list for the small node", "kernel: MPOL_PREFERRED past the small node");
		return;
	}
	size_t len = (topo.mem_total[s] + 32 * G_MIB) & ~(G_MIB - 1);
	struct gmask m;
	long count[G_MAXNODES];
	mask_one(&m, s);
	long r = vma_policy_histogram(len, G_MPOL_PREFERRED, &m, count);
	int next = topo.fallback[s][1];
	long total = (long)(len / G_PAGE), other = total - count[s] - count[next];
	bool pass = r == 0 && count[s] >= (long)(topo.mem_total[s] / G_PAGE / 2) && count[next] > 0 && other == 0;
	g_ok(pass,
	     "kernel: MPOL_PREFERRED %d for %zu MiB (node holds %lu MiB): fills node %d, spills only to node %d (next "
	     "in its fallback list)",
	     s, len / G_MIB, topo.mem_total[s] / G_MIB, s, next);
	g_diag_histogram("preferred overflow", count, topo.nr);
	if (other)
		g_diag("%ld pages elsewhere or unreadable", other);
}

/* A strict BIND past the node's size: the kernel OOM-kills the task (no mmap failure, no
 * fallback). Done in a child so the probe survives; the kill is the observed behaviour. */
static void test_bind_overflow_kills(void)
{
	int s = gtopo_smallest(&topo);
	size_t len = (topo.mem_total[s] + 64 * G_MIB) & ~(G_MIB - 1);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct gmask m;
		mask_one(&m, s);
		void *p = g_map(len, true);
		if (g_mbind(p, len, G_MPOL_BIND, &m, 0))
			_exit(3);
		g_touch(p, len);
		_exit(0);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	bool killed = WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
	g_ok(killed,
	     "kernel: MPOL_BIND %d for %zu MiB (node holds %lu MiB): the task is OOM-killed (SIGKILL), no fallback", s,
	     len / G_MIB, topo.mem_total[s] / G_MIB);
	if (!killed)
		g_diag("child status 0x%x", st);
}

static int run_kernel(const char *dmesg)
{
	gtopo_read(&topo, dmesg);
	g_diag("kernel %d.%d, %d possible nodes, %d with memory, smallest %d", topo.kernel_major, topo.kernel_minor,
	       topo.nr, nr_memory_nodes(), gtopo_smallest(&topo));
	test_mems_allowed();
	test_single_node_each(G_MPOL_BIND, "MPOL_BIND");
	test_single_node_each(G_MPOL_PREFERRED, "MPOL_PREFERRED");
	test_local_each_cpu_node();
	test_preferred_many();
	test_home_node();
	test_interleave_vma();
	test_interleave_task();
	test_weighted_interleave();
	test_preferred_overflow();
	test_bind_overflow_kills();
	return g_failures() ? 1 : 0;
}

/* ---- cpuset rebinding: what the kernel does to a task's policy when cpuset.mems changes
 * (compared by the host with the recorded vectors and with `nodal policy rebind`). */

#define RB_CGROUP "/sys/fs/cgroup/nodal-rebind"

static void print_set(const long *count)
{
	bool set[G_MAXNODES] = {false};
	char buf[256];
	int o = 0;
	for (int n = 0; n < topo.nr; n++)
		set[n] = count[n] > 0;
	for (int n = 0; n < topo.nr; n++) {
		if (!set[n] || (n > 0 && set[n - 1]))
			continue;
		int e = n;
		while (e + 1 < topo.nr && set[e + 1])
			e++;
		o += snprintf(buf + o, sizeof(buf) - (size_t)o, "%s%d", o ? "," : "", n);
		if (e > n)
			o += snprintf(buf + o, sizeof(buf) - (size_t)o, "-%d", e);
	}
	printf("%s", o ? buf : "-");
}

/* One case in a child: join the cgroup with mems = step 0, set the task policy, then for
 * every step write cpuset.mems and see where 256 fresh pages go. */
static void rebind_case(const char *id, int flags, const char *mask, char *seq)
{
	char *steps[16];
	int k = 0;
	for (char *t = strtok(seq, ">"); t && k < 16; t = strtok(NULL, ">"))
		steps[k++] = t;
	bool nodes[G_MAXNODES];
	struct gmask m;
	if (k == 0 || g_parse_nodelist(mask, nodes, G_MAXNODES))
		return;
	mask_of(&m, nodes);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char pidbuf[32];
		snprintf(pidbuf, sizeof(pidbuf), "%d\n", getpid());
		if (g_write_file(RB_CGROUP "/cpuset.mems", steps[0]) ||
		    g_write_file(RB_CGROUP "/cgroup.procs", pidbuf)) {
			printf("%s\t0\t%s\tERR:cgroup:%s\n", id, steps[0], strerror(errno));
			_exit(1);
		}
		int err = g_set_mempolicy(G_MPOL_INTERLEAVE | flags, &m) ? errno : 0;
		for (int i = 0; i < k; i++) {
			if (i && g_write_file(RB_CGROUP "/cpuset.mems", steps[i])) {
				printf("%s\t%d\t%s\tERR:cpuset.mems:%s\n", id, i, steps[i], strerror(errno));
				_exit(1);
			}
			printf("%s\t%d\t%s\t", id, i, steps[i]);
			if (err) {
				printf("ERR:%s\n", err == EINVAL ? "EINVAL" : strerror(err));
				continue;
			}
			long count[G_MAXNODES];
			size_t len = 256 * G_PAGE;
			void *p = g_map(len, true);
			g_touch(p, len);
			g_histogram(p, len, count);
			munmap(p, len);
			print_set(count);
			printf("\n");
		}
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}

/* FILE: lines "case<TAB>flags<TAB>user_mask<TAB>step>step>..." for task INTERLEAVE. */
static int run_rebind(const char *file)
{
	char line[512];
	FILE *f = fopen(file, "r");
	gtopo_read(&topo, NULL);
	if (!f)
		return 2;
	mkdir(RB_CGROUP, 0755);
	char cpus[64];
	snprintf(cpus, sizeof(cpus), "0-%ld", sysconf(_SC_NPROCESSORS_ONLN) - 1);
	g_write_file(RB_CGROUP "/cpuset.cpus", cpus);
	printf("@@FILE rebind-kernel\n");
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *id = strtok(line, "\t"), *fl = strtok(NULL, "\t"), *mask = strtok(NULL, "\t"),
		     *seq = strtok(NULL, "\t");
		if (!id || !fl || !mask || !seq)
			continue;
		int flags = 0;
		if (strstr(fl, "static"))
			flags |= G_MPOL_F_STATIC_NODES;
		if (strstr(fl, "relative"))
			flags |= G_MPOL_F_RELATIVE_NODES;
		rebind_case(id, flags, mask, seq);
	}
	printf("@@EOF\n");
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "kernel"))
		return run_kernel(argc >= 3 ? argv[2] : "/tmp/dmesg");
	if (argc == 3 && !strcmp(argv[1], "rebind"))
		return run_rebind(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "exit")) {
		g_qemu_exit(atoi(argv[2]));
		return 1;
	}
	fprintf(stderr, "usage: probe kernel [DMESG] | probe rebind CASES | probe exit V\n");
	return 2;
}
