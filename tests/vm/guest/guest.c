/*
 * guest.c — helpers for the VM tier's guest programs (contract in guest.h).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "guest.h"

#ifndef SYS_set_mempolicy_home_node
#define SYS_set_mempolicy_home_node 450
#endif

long g_mbind(void *addr, size_t len, int mode, const struct gmask *nodes, unsigned flags)
{
	return syscall(SYS_mbind, addr, len, mode, nodes ? nodes->bits : NULL, nodes ? G_MASK_BITS + 1 : 0, flags);
}

long g_set_mempolicy(int mode, const struct gmask *nodes)
{
	return syscall(SYS_set_mempolicy, mode, nodes ? nodes->bits : NULL, nodes ? G_MASK_BITS + 1 : 0);
}

long g_get_mempolicy(int *mode, struct gmask *nodes, void *addr, unsigned long flags)
{
	return syscall(SYS_get_mempolicy, mode, nodes ? nodes->bits : NULL, nodes ? G_MASK_BITS + 1 : 0, addr, flags);
}

long g_set_mempolicy_home_node(void *addr, size_t len, int home, unsigned long flags)
{
	return syscall(SYS_set_mempolicy_home_node, addr, len, home, flags);
}

static int read_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

int g_parse_nodelist(const char *s, bool *out, int max)
{
	memset(out, 0, sizeof(*out) * max);
	while (*s && *s != '\n') {
		char *end;
		long a = strtol(s, &end, 10), b = a;
		if (end == s)
			return -1;
		s = end;
		if (*s == '-') {
			b = strtol(s + 1, &end, 10);
			if (end == s + 1)
				return -1;
			s = end;
		}
		if (a < 0 || b < a || b >= max)
			return -1;
		for (long i = a; i <= b; i++)
			out[i] = true;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -1;
	}
	return 0;
}

int g_parse_size(const char *s, unsigned long *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (end == s)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case 'G':
		v *= 1024;
		/* fall through */
	case 'M':
		v *= 1024;
		/* fall through */
	case 'K':
		v *= 1024;
		end++;
		break;
	case '\0':
		break;
	default:
		return -1;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static unsigned long node_meminfo(int node, const char *field)
{
	char path[128], buf[4096], key[64];
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", node);
	if (read_file(path, buf, sizeof(buf)))
		return 0;
	snprintf(key, sizeof(key), " %s:", field);
	char *p = strstr(buf, key);
	if (!p)
		return 0;
	return strtoul(p + strlen(key), NULL, 10) * 1024;
}

unsigned long g_node_meminfo(int node, const char *field)
{
	return node_meminfo(node, field);
}

unsigned long g_node_mem_free(int node)
{
	return node_meminfo(node, "MemFree");
}

int g_write_weight(int node, int w)
{
	char path[128];
	snprintf(path, sizeof(path), "/sys/kernel/mm/mempolicy/weighted_interleave/node%d", node);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int r = fprintf(f, "%d\n", w) < 0;
	return fclose(f) || r ? -1 : 0;
}

static void read_nodeset(const char *name, bool *out)
{
	char path[128], buf[256];
	snprintf(path, sizeof(path), "/sys/devices/system/node/%s", name);
	if (read_file(path, buf, sizeof(buf)) || g_parse_nodelist(buf, out, G_MAXNODES)) {
		fprintf(stderr, "probe: cannot read %s\n", path);
		exit(2);
	}
}

static void read_fallback(struct gtopo *t, const char *dmesg_path)
{
	FILE *f = fopen(dmesg_path, "r");
	char line[1024];
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "Fallback order for Node ");
		if (!p)
			continue;
		p += strlen("Fallback order for Node ");
		int node = (int)strtol(p, &p, 10);
		if (node < 0 || node >= G_MAXNODES || *p != ':')
			continue;
		p++;
		int len = 0;
		for (;;) {
			char *end;
			long n = strtol(p, &end, 10);
			if (end == p || len >= G_MAXNODES)
				break;
			t->fallback[node][len++] = (int)n;
			p = end;
		}
		t->fallback_len[node] = len; /* the last build wins */
	}
	fclose(f);
}

void gtopo_read(struct gtopo *t, const char *dmesg_path)
{
	bool possible[G_MAXNODES];
	char path[128], buf[1024];
	struct utsname u;

	memset(t, 0, sizeof(*t));
	read_nodeset("possible", possible);
	read_nodeset("has_memory", t->has_memory);
	read_nodeset("has_cpu", t->has_cpu);
	for (int n = 0; n < G_MAXNODES; n++)
		if (possible[n])
			t->nr = n + 1;
	for (int n = 0; n < t->nr; n++) {
		t->first_cpu[n] = -1;
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", n);
		if (!read_file(path, buf, sizeof(buf)) && isdigit((unsigned char)buf[0]))
			t->first_cpu[n] = atoi(buf);
		t->mem_total[n] = node_meminfo(n, "MemTotal");
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/distance", n);
		if (!read_file(path, buf, sizeof(buf))) {
			char *p = buf;
			for (int m = 0; m < t->nr; m++)
				t->distance[n][m] = (int)strtol(p, &p, 10);
		}
	}
	if (dmesg_path)
		read_fallback(t, dmesg_path);
	uname(&u);
	sscanf(u.release, "%d.%d", &t->kernel_major, &t->kernel_minor);
}

int gtopo_smallest(const struct gtopo *t)
{
	int best = -1;
	for (int n = 0; n < t->nr; n++)
		if (t->has_memory[n] && (best < 0 || t->mem_total[n] < t->mem_total[best]))
			best = n;
	return best;
}

int gtopo_first_in_fallback(const struct gtopo *t, int from, const bool *nodes)
{
	for (int i = 0; i < t->fallback_len[from]; i++)
		if (nodes[t->fallback[from][i]])
			return t->fallback[from][i];
	return -1;
}

int g_list_index(const int *list, int len, int n)
{
	for (int i = 0; i < len; i++)
		if (list[i] == n)
			return i;
	return -1;
}

int g_page_node(const void *p)
{
	int st = -1;
	void *page = (void *)((unsigned long)p & ~(G_PAGE - 1));
	for (int retry = 0; retry < 20; retry++) {
		if (syscall(SYS_move_pages, 0, 1UL, &page, NULL, &st, 0) < 0)
			return -1;
		if (st >= 0)
			break;
		usleep(10000); /* under migration: ask again */
	}
	return st;
}

int g_write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int r = fputs(s, f) < 0;
	return fclose(f) || r ? -1 : 0;
}

int g_page_nodes(void *addr, size_t len, int *status)
{
	size_t pages = len / G_PAGE;
	void **p = malloc(pages * sizeof(*p));
	if (!p)
		return -1;
	for (size_t i = 0; i < pages; i++)
		p[i] = (char *)addr + i * G_PAGE;
	long r = syscall(SYS_move_pages, 0, pages, p, NULL, status, 0);
	/* A page under migration (compaction runs when a node fills) has a migration entry
	 * and reads as -ENOENT for a moment: ask again for those pages only. */
	for (int retry = 0; r >= 0 && retry < 20; retry++) {
		size_t k = 0;
		for (size_t i = 0; i < pages; i++)
			if (status[i] < 0)
				p[k++] = (char *)addr + i * G_PAGE;
		if (!k)
			break;
		usleep(10000);
		int *st = malloc(k * sizeof(*st));
		if (!st || syscall(SYS_move_pages, 0, k, p, NULL, st, 0) < 0) {
			free(st);
			break;
		}
		for (size_t i = 0, j = 0; i < pages && j < k; i++)
			if (status[i] < 0)
				status[i] = st[j++];
		free(st);
	}
	free(p);
	return r < 0 ? -1 : 0;
}

long g_histogram(void *addr, size_t len, long *count)
{
	size_t pages = len / G_PAGE;
	int *status = malloc(pages * sizeof(*status));
	long bad = 0;
	memset(count, 0, sizeof(*count) * G_MAXNODES);
	if (!status || g_page_nodes(addr, len, status)) {
		free(status);
		return (long)pages;
	}
	for (size_t i = 0; i < pages; i++) {
		if (status[i] >= 0 && status[i] < G_MAXNODES)
			count[status[i]]++;
		else
			bad++;
	}
	free(status);
	return bad;
}

void g_touch(void *addr, size_t len)
{
	for (size_t off = 0; off < len; off += G_PAGE)
		((volatile char *)addr)[off] = 1;
}

void *g_map(size_t len, bool nohuge)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "probe: mmap %zu: %s\n", len, strerror(errno));
		exit(2);
	}
	if (nohuge)
		madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

int g_pin_cpu(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

struct pinned {
	int cpu;
	void (*fn)(void *);
	void *arg;
};

static void *pinned_main(void *p)
{
	struct pinned *pn = p;
	if (g_pin_cpu(pn->cpu))
		g_diag("cannot pin to CPU %d: %s", pn->cpu, strerror(errno));
	pn->fn(pn->arg);
	return NULL;
}

void g_run_on_cpu(int cpu, void (*fn)(void *), void *arg)
{
	struct pinned pn = {cpu, fn, arg};
	pthread_t th;
	if (pthread_create(&th, NULL, pinned_main, &pn)) {
		fprintf(stderr, "probe: pthread_create failed\n");
		exit(2);
	}
	pthread_join(th, NULL);
}

static int failures;

static void out(const char *status, const char *fmt, va_list ap, const char *skip, const char *todo)
{
	char desc[512];
	vsnprintf(desc, sizeof(desc), fmt, ap);
	for (char *c = desc; *c; c++)
		if (*c == '\n' || *c == '#')
			*c = ' ';
	if (skip)
		printf("@@TAP %s - %s # SKIP %s\n", status, desc, skip);
	else if (todo)
		printf("@@TAP %s - %s # TODO %s\n", status, desc, todo);
	else
		printf("@@TAP %s - %s\n", status, desc);
	fflush(stdout);
}

const char *g_todo;

void g_ok(bool pass, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	out(pass ? "ok" : "not ok", fmt, ap, NULL, g_todo);
	va_end(ap);
	if (!pass && !g_todo)
		failures++;
}

void g_skip(const char *reason, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	out("ok", fmt, ap, reason, NULL);
	va_end(ap);
}

void g_diag(const char *fmt, ...)
{
	va_list ap;
	printf("@@DIAG ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void g_diag_histogram(const char *what, const long *count, int nr)
{
	char buf[512];
	int len = 0;
	for (int n = 0; n < nr && len < (int)sizeof(buf) - 32; n++)
		len += snprintf(buf + len, sizeof(buf) - len, " n%d=%ld", n, count[n]);
	g_diag("%s pages per node:%s", what, buf);
}

int g_failures(void)
{
	return failures;
}

void g_qemu_exit(int v)
{
	fflush(NULL);
	if (ioperm(0xf4, 4, 1) == 0)
		outl((unsigned)v, 0xf4);
	fprintf(stderr, "probe: isa-debug-exit unavailable: %s\n", strerror(errno));
}
