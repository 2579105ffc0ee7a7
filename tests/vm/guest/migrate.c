/*
 * migrate.c — NODAL_MIGRATE in the guest: real pages moved across real (emulated) nodes.
 *
 *   migrate run     both cases below, each in a child process
 *
 * A child joins a cgroup v2 cpuset whose mems are every memory node, loads libnodal with
 * dlopen, places objects on every memory node with nodal_malloc_onnode and checks them
 * with move_pages(2). Then it shrinks its cpuset's mems to the first half of the memory
 * nodes, and later gives them back, allocating meanwhile (nodal notices a change within
 * NODAL_REBIND_INTERVAL_MS). cgroup v2 always migrates a task's pages when its mems
 * shrink (CS_MEMORY_MIGRATE is forced on), to the same node_remap() image nodal uses, so
 * the two directions prove different things:
 * - shrink: every object of a node no longer allowed ends on node_remap() of its node
 *   (i-th old allowed node → (i mod n)-th new one) either way; with NODAL_MIGRATE=1 its
 *   range's VMA policy (get_mempolicy MPOL_F_ADDR) is PREFERRED on that image — nodal's
 *   mbind(MPOL_MF_MOVE) ran — while without it the policy still names the old node;
 * - grow back: the kernel's remap is the identity, it moves nothing; with
 *   NODAL_MIGRATE=1 every object comes home (nodal's work alone), without it (the
 *   control) every object stays where it was.
 * Results use the protocol in guest.h; SKIP (with the reason) without libnodal, with
 * fewer than 3 memory nodes, or without a cgroup v2 cpuset controller.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define CS_ROOT "/sys/fs/cgroup"
#define CS_DIR CS_ROOT "/nodal-migrate"
#define G_MPOL_F_ADDR (1 << 1)
#define PER_NODE 16
#define OBJ_SIZE (256 * 1024)

static struct gtopo topo;
static int mem[G_MAXNODES], nmem; /* the memory nodes, ascending */
static int keep;                  /* the first @keep memory nodes stay allowed */

static struct {
	void *(*malloc_)(size_t);
	void (*free_)(void *);
	void *(*malloc_onnode)(size_t, int);
	int (*node_of)(const void *);
} api;

static void list_str(int upto, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (int i = 0; i < upto && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%d", i ? "," : "", mem[i]);
}

/* kernel: node_remap(n, old = every memory node, new = the first @keep) */
static int remap(int n)
{
	int i = g_list_index(mem, nmem, n);
	return i < keep ? n : mem[i % keep];
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* Allocate a little (nodal looks at the allowed nodes from its slow paths) and count the
 * objects whose page is not where @expect says; 0 = all in place. */
static int misplaced(void *obj[][PER_NODE], int (*expect)(int), char *first_bad, size_t len)
{
	for (int k = 0; k < 200; k++)
		api.free_(api.malloc_(64));
	int bad = 0;
	first_bad[0] = '\0';
	for (int i = 0; i < nmem; i++)
		for (int j = 0; j < PER_NODE; j++) {
			int n = g_page_node(obj[i][j]);
			if (n != expect(mem[i])) {
				if (!bad++)
					snprintf(first_bad, len, "an object of node %d is on %d, expected %d", mem[i],
					         n, expect(mem[i]));
			}
		}
	return bad;
}

static int same(int n)
{
	return n;
}

/* Wait up to @ms for every object to be where @expect says; the count left misplaced. */
static int settle(void *obj[][PER_NODE], int (*expect)(int), int ms, char *why, size_t len)
{
	int bad = 0;
	for (int t = 0; t < ms; t += 20) {
		sleep_ms(20);
		bad = misplaced(obj, expect, why, len);
		if (!bad)
			break;
	}
	return bad;
}

/* The number of objects whose range's policy is not PREFERRED on the node expected. */
static int policy_wrong(void *obj[][PER_NODE], int migrate, char *why, size_t len)
{
	int wrong = 0;
	for (int i = 0; i < nmem; i++) {
		int want = migrate ? remap(mem[i]) : mem[i];
		for (int j = 0; j < PER_NODE; j++) {
			int mode = -1;
			struct gmask m;
			memset(&m, 0, sizeof(m));
			if (g_get_mempolicy(&mode, &m, obj[i][j], G_MPOL_F_ADDR) || mode != G_MPOL_PREFERRED ||
			    !gmask_isset(&m, want)) {
				if (!wrong++)
					snprintf(why, len, "an object of node %d: mode %d, node %d %s", mem[i], mode,
					         want, gmask_isset(&m, want) ? "set" : "not set");
			}
		}
	}
	return wrong;
}

static void run_case(int migrate)
{
	char env[64], all[128], some[128], why[160];
	snprintf(env, sizeof(env), "NODAL_MIGRATE=%d", migrate);
	putenv(env);
	putenv("NODAL_REBIND_INTERVAL_MS=1");
	char pid[32];
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	list_str(nmem, all, sizeof(all));
	list_str(keep, some, sizeof(some));
	if (g_write_file(CS_DIR "/cpuset.mems", all) || g_write_file(CS_DIR "/cgroup.procs", pid)) {
		g_ok(false, "migrate: join the cgroup v1 cpuset with mems %s (%s)", all, strerror(errno));
		return;
	}
	void *h = dlopen("libnodal.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		g_ok(false, "migrate: dlopen(libnodal.so.0): %s", dlerror());
		return;
	}
	api.malloc_ = (void *(*)(size_t))dlsym(h, "nodal_malloc");
	api.free_ = (void (*)(void *))dlsym(h, "nodal_free");
	api.malloc_onnode = (void *(*)(size_t, int))dlsym(h, "nodal_malloc_onnode");
	api.node_of = (int (*)(const void *))dlsym(h, "nodal_node_of");
	if (!api.malloc_ || !api.free_ || !api.malloc_onnode || !api.node_of) {
		g_ok(false, "migrate: libnodal exports the API");
		return;
	}
	static void *obj[G_MAXNODES][PER_NODE];
	for (int i = 0; i < nmem; i++)
		for (int j = 0; j < PER_NODE; j++) {
			obj[i][j] = api.malloc_onnode(OBJ_SIZE, mem[i]);
			if (!obj[i][j]) {
				g_ok(false, "migrate: nodal_malloc_onnode(%d, %d)", OBJ_SIZE, mem[i]);
				return;
			}
			g_touch(obj[i][j], OBJ_SIZE);
		}
	int bad = misplaced(obj, same, why, sizeof(why));
	g_ok(!bad, "migrate (NODAL_MIGRATE=%d): %d objects of 256 KiB on each memory node %s (%s)", migrate, PER_NODE,
	     all, bad ? why : "move_pages agrees");
	if (g_write_file(CS_DIR "/cpuset.mems", some)) {
		g_ok(false, "migrate: cpuset.mems %s (%s)", some, strerror(errno));
		return;
	}
	bad = settle(obj, remap, 20000, why, sizeof(why));
	g_ok(!bad,
	     "migrate (NODAL_MIGRATE=%d): mems %s -> %s: every object of a node no longer allowed is on its "
	     "node_remap() image, the others stayed (%s)",
	     migrate, all, some, bad ? why : "every object checked");
	/* whose move was it: nodal's mbind leaves the range PREFERRED on the target (the
	 * kernel moved the pages during the write already: wait for nodal's pass) */
	int wrong = 0;
	char pol[160] = "";
	for (int t = 0; !migrate && t < 500; t += 20) {
		sleep_ms(20);
		for (int k = 0; k < 200; k++)
			api.free_(api.malloc_(64));
	}
	for (int t = 0; migrate && t < 20000 && policy_wrong(obj, migrate, pol, sizeof(pol)); t += 20) {
		sleep_ms(20);
		for (int k = 0; k < 200; k++)
			api.free_(api.malloc_(64));
	}
	wrong = policy_wrong(obj, migrate, pol, sizeof(pol));
	g_ok(!wrong, "migrate (NODAL_MIGRATE=%d): the objects' ranges are PREFERRED on %s (%s)", migrate,
	     migrate ? "the node nodal moved them to" : "their own node: nodal did not rebind them",
	     wrong ? pol : "get_mempolicy MPOL_F_ADDR of every object");
	if (migrate) {
		wrong = 0;
		for (int i = 0; i < nmem; i++)
			wrong += api.node_of(obj[i][0]) != remap(mem[i]);
		g_ok(!wrong, "migrate (NODAL_MIGRATE=1): nodal_node_of reports where the memory went (%d wrong)",
		     wrong);
	}
	if (g_write_file(CS_DIR "/cpuset.mems", all)) {
		g_ok(false, "migrate: cpuset.mems %s (%s)", all, strerror(errno));
		return;
	}
	if (migrate) {
		bad = settle(obj, same, 20000, why, sizeof(why));
		g_ok(!bad,
		     "migrate (NODAL_MIGRATE=1): mems back to %s: nodal moved every object home (the kernel's remap "
		     "is the identity here) (%s)",
		     all, bad ? why : "every object checked");
	} else {
		sleep_ms(500); /* give a move every chance to happen */
		bad = misplaced(obj, remap, why, sizeof(why));
		g_ok(!bad,
		     "migrate (NODAL_MIGRATE=0): mems back to %s: no object moved home (the control: the "
		     "homecoming above is nodal's) (%s)",
		     all, bad ? why : "every object checked");
	}
}

static int cmd_run(void)
{
	for (int n = 0; n < topo.nr; n++)
		if (topo.has_memory[n])
			mem[nmem++] = n;
	if (nmem < 3) {
		g_skip("fewer than 3 memory nodes", "migrate: NODAL_MIGRATE moves pages across nodes");
		return 0;
	}
	keep = (nmem + 1) / 2;
	if (access("/usr/local/lib/libnodal.so.0", F_OK)) {
		g_skip("libnodal.so.0 is not in the build", "migrate: NODAL_MIGRATE moves pages across nodes");
		return 0;
	}
	if (access(CS_ROOT "/cgroup.controllers", F_OK)) {
		mkdir(CS_ROOT, 0755);
		if (mount("none", CS_ROOT, "cgroup2", 0, NULL))
			g_diag("migrate: mount cgroup2: %s", strerror(errno));
	}
	if (g_write_file(CS_ROOT "/cgroup.subtree_control", "+cpuset") || (mkdir(CS_DIR, 0755) && errno != EEXIST) ||
	    access(CS_DIR "/cpuset.mems", F_OK)) {
		char why[128];
		snprintf(why, sizeof(why), "no cgroup v2 cpuset (%s)", strerror(errno));
		g_skip(why, "migrate: NODAL_MIGRATE moves pages across nodes");
		return 0;
	}
	for (int m = 1; m >= 0; m--) {
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			run_case(m);
			fflush(stdout);
			_exit(0);
		}
		int st;
		waitpid(pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			g_ok(false, "migrate: the NODAL_MIGRATE=%d process ended normally (status 0x%x)", m, st);
		/* the next case starts from every memory node again */
	}
	rmdir(CS_DIR);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	gtopo_read(&topo, NULL);
	if (argc == 2 && !strcmp(argv[1], "run"))
		return cmd_run();
	fprintf(stderr, "usage: migrate run\n");
	return 2;
}
