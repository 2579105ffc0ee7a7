/*
 * guest.h — helpers shared by the programs that run inside the VM tier's guests
 * (tests/vm/guest/probe.c, tests/vm/guest/place.c).
 *
 * Owns: raw mempolicy syscalls (Debian's headers lack MPOL_WEIGHTED_INTERLEAVE and
 * set_mempolicy_home_node), the guest's topology read from sysfs and from the kernel's
 * own "Fallback order for Node N" boot-log lines, page-by-page placement queries with
 * move_pages(2), and the result protocol the host harness (tests/vm/vm.py) parses:
 *   @@TAP ok - <description>            a passing test
 *   @@TAP not ok - <description>        a failing test (followed by "# ..." diagnostics)
 *   @@TAP ok - <description> # SKIP <reason>
 *   @@TAP not ok - <description> # TODO <reason>   a known gap (see g_todo)
 *   @@DIAG <text>                       a diagnostic line kept in the test log
 * Contract: these programs run in a throw-away guest as root; they are test code, not
 * library code, so they may call malloc and exit on unrecoverable setup errors.
 * Concurrency: the topology is read once by the main thread before any test thread runs.
 * Errors: syscall wrappers return -1 and set errno like the libc wrappers would.
 */
#ifndef NODAL_VM_GUEST_H
#define NODAL_VM_GUEST_H

#include <stdbool.h>
#include <stddef.h>

/* The kernel's uapi values, defined here because Debian's headers are incomplete. */
#define G_MPOL_DEFAULT 0
#define G_MPOL_PREFERRED 1
#define G_MPOL_BIND 2
#define G_MPOL_INTERLEAVE 3
#define G_MPOL_LOCAL 4
#define G_MPOL_PREFERRED_MANY 5
#define G_MPOL_WEIGHTED_INTERLEAVE 6
#define G_MPOL_F_STATIC_NODES (1 << 15)
#define G_MPOL_F_RELATIVE_NODES (1 << 14)
#define G_MPOL_F_MEMS_ALLOWED (1 << 2)
#define G_MPOL_MF_MOVE (1 << 1)

#define G_MAXNODES 64    /* the guests have at most a handful of nodes */
#define G_MASK_BITS 1024 /* the Debian kernels' MAX_NUMNODES */
#define G_MASK_LONGS (G_MASK_BITS / (8 * sizeof(unsigned long)))
#define G_PAGE 4096UL
#define G_MIB (1024UL * 1024UL)

struct gmask {
	unsigned long bits[G_MASK_LONGS];
};

static inline void gmask_set(struct gmask *m, int n)
{
	m->bits[n / (8 * sizeof(unsigned long))] |= 1UL << (n % (8 * sizeof(unsigned long)));
}

static inline bool gmask_isset(const struct gmask *m, int n)
{
	return m->bits[n / (8 * sizeof(unsigned long))] >> (n % (8 * sizeof(unsigned long))) & 1;
}

long g_mbind(void *addr, size_t len, int mode, const struct gmask *nodes, unsigned flags);
long g_set_mempolicy(int mode, const struct gmask *nodes);
long g_get_mempolicy(int *mode, struct gmask *nodes, void *addr, unsigned long flags);
long g_set_mempolicy_home_node(void *addr, size_t len, int home, unsigned long flags);

/* The guest's topology: node sets, per-node CPUs and memory, distances, fallback lists. */
struct gtopo {
	int nr; /* highest possible node id + 1 */
	bool has_memory[G_MAXNODES];
	bool has_cpu[G_MAXNODES];
	int first_cpu[G_MAXNODES];           /* -1 when the node has no CPU */
	unsigned long mem_total[G_MAXNODES]; /* bytes, from nodeN/meminfo */
	int distance[G_MAXNODES][G_MAXNODES];
	int fallback[G_MAXNODES][G_MAXNODES]; /* the kernel's boot-log lists */
	int fallback_len[G_MAXNODES];
	int kernel_major, kernel_minor;
};

/* Read sysfs and the saved dmesg (for the fallback lists; NULL to skip). Exits on error. */
void gtopo_read(struct gtopo *t, const char *dmesg_path);
unsigned long g_node_mem_free(int node);
/* A field of nodeN/meminfo ("MemFree", "AnonHugePages", ...) in bytes; 0 if absent. */
unsigned long g_node_meminfo(int node, const char *field);
/* Set the kernel's weighted-interleave weight of a node (6.9+ sysfs); 0 or -1. */
int g_write_weight(int node, int w);
/* The memory node with the smallest MemTotal (lowest id on ties): the one to fill. */
int gtopo_smallest(const struct gtopo *t);
/* The first node of the kernel's fallback list of @from that is in @nodes, or -1. */
int gtopo_first_in_fallback(const struct gtopo *t, int from, const bool *nodes);
int g_parse_nodelist(const char *s, bool *out, int max); /* 0, or -1 on a syntax error */
int g_parse_size(const char *s, unsigned long *out);     /* K/M/G suffixes; 0 or -1 */
/* Position of node n in list[0..len), or -1. */
int g_list_index(const int *list, int len, int n);

/* Where the pages of [addr, addr+len) are: status[i] is the node of page i (or -errno;
 * pages that read as missing are asked again for up to 0.2 s: migration in progress). */
int g_page_nodes(void *addr, size_t len, int *status);
/* The node of the page holding @p (or -1), asked again for up to 0.2 s while it reads as
 * missing (migration). Calls no malloc: safe between objects placed by the preload library. */
int g_page_node(const void *p);
/* Write @s to the file @path (sysfs, cgroupfs); 0 or -1 with errno. */
int g_write_file(const char *path, const char *s);
/* Histogram of the pages of [addr, addr+len) per node; returns the number of pages whose
 * node could not be read (not present, error). */
long g_histogram(void *addr, size_t len, long *count /* [G_MAXNODES] */);
void g_touch(void *addr, size_t len);
void *g_map(size_t len, bool nohuge); /* anonymous private mapping, exits on failure */
/* Pin the calling thread to one CPU; 0 or -1. */
int g_pin_cpu(int cpu);
/* Run fn(arg) in a new thread pinned to cpu and wait for it. */
void g_run_on_cpu(int cpu, void (*fn)(void *), void *arg);

/* Result protocol (see the top of this file). */
void g_ok(bool pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* While set, every g_ok line carries "# TODO <reason>": a known gap in nodal, reported as
 * XFAIL (and XPASS once fixed, so the marker is then removed). From $PLACE_TODO. */
extern const char *g_todo;
void g_skip(const char *reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void g_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void g_diag_histogram(const char *what, const long *count, int nr);
int g_failures(void);

/* Make qemu exit with status 2*v+1 through isa-debug-exit (port 0xf4). */
void g_qemu_exit(int v);

#endif
