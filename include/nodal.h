/*
 * nodal.h — public API of libnodal: the Linux kernel's NUMA memory-policy semantics
 * for userspace heaps.
 *
 * Error convention: functions returning int return 0 or a positive errno value;
 * functions returning a pointer return NULL and set errno.
 */
#ifndef NODAL_H
#define NODAL_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NODAL_API __attribute__((visibility("default")))

/* Policy modes: the kernel's uapi MPOL_* values. */
enum nodal_mode {
	NODAL_MPOL_DEFAULT = 0,
	NODAL_MPOL_PREFERRED = 1,
	NODAL_MPOL_BIND = 2,
	NODAL_MPOL_INTERLEAVE = 3,
	NODAL_MPOL_LOCAL = 4,
	NODAL_MPOL_PREFERRED_MANY = 5,
	NODAL_MPOL_WEIGHTED_INTERLEAVE = 6,
};

/* Mode flags: the kernel's bits. */
#define NODAL_MPOL_F_STATIC_NODES (1 << 15)
#define NODAL_MPOL_F_RELATIVE_NODES (1 << 14)
#define NODAL_MPOL_F_NUMA_BALANCING (1 << 13)

/*
 * Allocation API
 * ======= * Every allocation chooses its node from the policy of the innermost scope that has
 * one: the explicit policy or heap of the call > the calling thread's policy > the
 * process policy (NODAL_POLICY, or nodal_set_process_policy) > LOCAL. Memory from any
 * function below is released with nodal_free() (or nodal_heap_free / nodal_free_onnode,
 * which are the same thing), from any thread. Results are aligned to at least 16 bytes.
 *
 * The first call initialises nodal (topology, options, arenas) lazily; nodal_init()
 * does it explicitly. Initialisation never aborts: if a step fails nodal prints one
 * `nodal:` line and degrades to LOCAL placement on whatever the OS gives.
 */

/** Initialise nodal now (idempotent, thread-safe). Called from inside nodal's own
 *  initialisation (a nested call) it returns 0 at once.
 *  @return 0; or an errno if a step failed and nodal runs degraded (ENOENT, EINVAL:
 *  NODAL_TOPOLOGY could not be loaded; ENOMEM: no memory for arenas) — allocations
 *  still work. The reason is in nodal_strerror_detail(). */
NODAL_API int nodal_init(void);

/** Allocate @size bytes under the scope's policy.
 *  @return memory, or NULL with errno = ENOMEM: no candidate node has room (a BIND
 *  policy whose nodes are all full or at their NODAL_NODE_LIMIT, or the OS refused
 *  memory). size 0 returns a unique pointer that must be freed. */
NODAL_API void *nodal_malloc(size_t size);

/** Zeroed array of @nmemb * @size bytes.
 *  @return memory, or NULL with errno = ENOMEM (also when nmemb * size overflows). */
NODAL_API void *nodal_calloc(size_t nmemb, size_t size);

/** Resize @ptr to @size bytes, keeping the contents up to the smaller size. The object
 *  stays on its node when it can grow in place; otherwise the new block is placed by the
 *  caller's current policy. @ptr NULL: nodal_malloc(@size). @size 0 with @ptr non-NULL:
 *  frees @ptr and returns NULL (errno unchanged).
 *  @return the new memory, or NULL with errno = ENOMEM and @ptr left intact. */
NODAL_API void *nodal_realloc(void *ptr, size_t size);

/** Release memory from any nodal allocation function (any thread). NULL is ignored. */
NODAL_API void nodal_free(void *ptr);

/** @size bytes aligned to @alignment.
 *  @return memory, or NULL with errno = EINVAL (@alignment not a power of two) or
 *  ENOMEM. Unlike C11 aligned_alloc, @size need not be a multiple of @alignment. */
NODAL_API void *nodal_aligned_alloc(size_t alignment, size_t size);

/** Usable bytes of a nodal allocation (>= the size asked for); 0 for NULL. */
NODAL_API size_t nodal_usable_size(void *ptr);

/** Allocate @size bytes on @node (a fast replacement for numa_alloc_onnode(); the
 *  memory is freed with nodal_free or nodal_free_onnode). Like the kernel's
 *  MPOL_PREFERRED for this one object: when @node is full nodal falls back along its
 *  fallback list (counted as a preferred miss). Any size; no page rounding.
 *  @return memory, or NULL with errno = EINVAL (@node does not exist, has no memory, is
 *  not in the allowed nodes), ENOMEM (no node has room). */
NODAL_API void *nodal_malloc_onnode(size_t size, int node);

/** Zeroed nodal_malloc_onnode() of @nmemb * @size bytes. Errors as nodal_malloc_onnode,
 *  plus ENOMEM when nmemb * size overflows. */
NODAL_API void *nodal_calloc_onnode(size_t nmemb, size_t size, int node);

/** numa_free()-compatible release: @size is accepted for source compatibility (it may
 *  be ignored). Equivalent to nodal_free(@ptr). */
NODAL_API void nodal_free_onnode(void *ptr, size_t size);

/** The node @ptr's memory was taken from (or moved to by NODAL_MIGRATE).
 *  @return a node id, or -1 with errno = EINVAL when @ptr is NULL or not nodal's (or
 *  was allocated while nodal was initialising: such memory has no node). */
NODAL_API int nodal_node_of(const void *ptr);

/** POSIX posix_memalign() over nodal_malloc (memkind_posix_memalign, UMF's aligned
 *  pool allocation): @size bytes aligned to @alignment, placed like nodal_malloc.
 *  @size 0 gives a unique pointer that must be freed.
 *  @return 0 and *@memptr set; EINVAL (@memptr NULL, @alignment not a power of two or
 *  smaller than sizeof(void *)) or ENOMEM, with *@memptr untouched and errno unchanged. */
NODAL_API int nodal_posix_memalign(void **memptr, size_t alignment, size_t size);

/** Release @ptr whose size the caller knows (C++ sized delete, memkind/UMF-style
 *  sized frees): faster than nodal_free for small objects. @size must lie between the
 *  size asked for and nodal_usable_size(@ptr); any other value is undefined behaviour
 *  (like a wrong size to sdallocx). NULL is ignored. */
NODAL_API void nodal_free_sized(void *ptr, size_t size);

/** The node CPU @cpu belongs to (libnuma's numa_node_of_cpu), in nodal's topology.
 *  @return a node id, or -1 with errno = EINVAL (no such CPU). */
NODAL_API int nodal_node_of_cpu(int cpu);

/** The node of the CPU the calling thread runs on now (what LOCAL places on; it may
 *  change at any moment unless the thread is pinned).
 *  @return a node id, or -1 with errno = ENOSYS (getcpu unavailable). */
NODAL_API int nodal_current_node(void);

/*
 * Policies
 * ========
 * A policy is parsed from the kernel's grammar (docs/grammar.md):
 *   MODE[=static|=relative][:NODES][@home=NODE], optionally a rule list matched by size:
 *   "interleave:all@>=1M;local". Validation is the kernel's (mpol_new), plus nodal's
 *   private-node rule. Modes: default, preferred, bind, interleave, local,
 *   preferred-many, weighted-interleave. A policy object is owned by the caller; the
 *   functions that install it take their own copy, so it may be released at once.
 */
typedef struct nodal_policy nodal_policy_t;

/** Parse and validate @str against this machine and the allowed nodes.
 *  @return a policy, or NULL with errno = EINVAL (syntax; unknown mode; an empty node
 *  list for bind/interleave/preferred-many/weighted-interleave; nodes that do not exist
 *  or are outside the allowed nodes; static and relative together; local with nodes;
 *  a private node in a mode other than bind/preferred/preferred-many with =static) or
 *  ENOMEM. The one-line reason is in nodal_strerror_detail(). */
NODAL_API nodal_policy_t *nodal_policy_parse(const char *str);

/** Release a policy from nodal_policy_parse / nodal_get_thread_policy. NULL ignored.
 *  Installed copies (thread, process, heap) are not affected. */
NODAL_API void nodal_policy_release(nodal_policy_t *policy);

/** Canonical text of @policy into @buf (always NUL-terminated when @len > 0).
 *  @return the length the full text needs (like snprintf). */
NODAL_API size_t nodal_policy_format(const nodal_policy_t *policy, char *buf, size_t len);

/** The calling thread's last one-line error detail (parse and validation reasons),
 *  "" if none. Valid until the thread's next nodal call. */
NODAL_API const char *nodal_strerror_detail(void);

/** Allocate @size bytes with @policy (highest precedence). A DEFAULT policy defers to
 *  the thread, process and LOCAL scopes.
 *  @return memory, or NULL with errno = EINVAL (@policy NULL) or ENOMEM (no candidate
 *  node has room; for BIND: all its nodes full — never an OOM kill). */
NODAL_API void *nodal_malloc_policy(const nodal_policy_t *policy, size_t size);

/** Install a copy of @policy as the calling thread's policy; NULL (or a DEFAULT
 *  policy) removes it so the process policy applies again.
 *  @return 0, or ENOMEM. */
NODAL_API int nodal_set_thread_policy(const nodal_policy_t *policy);

/** Install a copy of @policy as the process policy (replaces NODAL_POLICY); NULL
 *  restores NODAL_POLICY's rules (or LOCAL). Threads adopt it at their next allocation.
 *  @return 0, or ENOMEM. */
NODAL_API int nodal_set_process_policy(const nodal_policy_t *policy);

/** Set the policy of another thread of this process (by kernel thread id), the
 *  userspace form of pidfd_set_mempolicy: the policy is posted to the target and adopted
 *  by the target itself at its next allocation. NULL removes its thread policy.
 *  @return 0; ESRCH (no such thread has allocated through nodal, or it has exited);
 *  ENOMEM. */
NODAL_API int nodal_set_thread_policy_of(pid_t tid, const nodal_policy_t *policy);

/** nodal_set_thread_policy_of() by pthread_t. Errors: the same. */
NODAL_API int nodal_set_pthread_policy(pthread_t thread, const nodal_policy_t *policy);

/** A copy of the policy in force for the calling thread's allocations of @size bytes
 *  (thread policy, else the process rule matching @size, else LOCAL); release it with
 *  nodal_policy_release().
 *  @return a policy, or NULL with errno = ENOMEM. */
NODAL_API nodal_policy_t *nodal_get_thread_policy(size_t size);

/*
 * Topology
 * ========
 */
struct nodal_node_info {
	int id;                        /* the kernel's node id */
	int has_memory;                /* 1 if the node has memory (N_MEMORY) */
	int has_cpus;                  /* 1 if some CPU's nearest node is this one */
	int is_private;                /* 1 if declared in NODAL_PRIVATE_NODES */
	int allowed;                   /* 1 if in the task's allowed nodes now */
	int ncpus;                     /* CPUs local to the node */
	int tier;                      /* memory tier rank (0 fastest), -1 unknown */
	unsigned long long memory_bytes; /* total memory, 0 for memoryless nodes */
};

/** Number of memory nodes (nodes with memory), >= 1. */
NODAL_API int nodal_node_count(void);
/** Highest possible node id + 1 (the kernel's nr_node_ids). */
NODAL_API int nodal_node_max(void);
/** Facts about @node.
 *  @return 0, or EINVAL (@node out of range or not a present node; @info NULL). */
NODAL_API int nodal_node_info(int node, struct nodal_node_info *info);
/** Distance between two nodes (ACPI SLIT; 10 local, 20 remote when unknown), or -1 with
 *  errno = EINVAL for a node that does not exist. */
NODAL_API int nodal_distance(int from, int to);

/*
 * Heaps
 * =====
 * A heap is a named allocation context with its own policy (like a memkind kind or a
 * UMF pool); any thread may use it. Its memory belongs to the heap: it comes from arenas
 * of the heap's own (one per node it uses, created on first use) and its own page
 * mappings, placed by the heap's policy like any allocation. nodal_free(),
 * nodal_realloc(), nodal_usable_size() and nodal_node_of() work on it from any thread
 * (nodal_heap_free() is the same as nodal_free(); nodal_realloc() keeps an object in its
 * heap). nodal_heap_destroy() releases everything still allocated from the heap.
 */
typedef struct nodal_heap nodal_heap_t;

/** Create a heap with a copy of @policy.
 *  @return a heap, or NULL with errno = EINVAL (@policy NULL) or ENOMEM. */
NODAL_API nodal_heap_t *nodal_heap_create(const nodal_policy_t *policy);
/** Allocate from @heap. @return memory, or NULL with errno = EINVAL (@heap NULL) or
 *  ENOMEM (no candidate node of the heap's policy has room). */
NODAL_API void *nodal_heap_malloc(nodal_heap_t *heap, size_t size);
/** Zeroed array from @heap; errors as nodal_heap_malloc plus ENOMEM on overflow. */
NODAL_API void *nodal_heap_calloc(nodal_heap_t *heap, size_t nmemb, size_t size);
/** Aligned memory from @heap; errors as nodal_heap_malloc plus EINVAL for an
 *  alignment that is not a power of two. */
NODAL_API void *nodal_heap_aligned_alloc(nodal_heap_t *heap, size_t alignment, size_t size);
/** Resize @ptr into @heap: an object of @heap stays in it (in place or on its node);
 *  memory from elsewhere (another heap, nodal_malloc) is moved into @heap. @ptr NULL:
 *  nodal_heap_malloc(); @size 0: frees @ptr and returns NULL.
 *  @return the new memory, or NULL with errno = EINVAL (@heap NULL) or ENOMEM (@ptr
 *  left intact). */
NODAL_API void *nodal_heap_realloc(nodal_heap_t *heap, void *ptr, size_t size);
/** Release memory of @heap (any nodal memory is accepted). */
NODAL_API void nodal_heap_free(nodal_heap_t *heap, void *ptr);
/** The heap @ptr was allocated from (UMF's umfPoolByPtr, memkind_detect_kind).
 *  @return the heap, or NULL with errno = EINVAL (@ptr NULL, not nodal's, or ordinary
 *  memory of no heap). */
NODAL_API nodal_heap_t *nodal_heap_of(const void *ptr);
/** Destroy @heap and release everything still allocated from it: its page mappings
 *  are unmapped and its arenas destroyed, so its memory, its bytes in the statistics
 *  and its share of NODAL_NODE_LIMIT go back at once. Every pointer from @heap is
 *  invalid afterwards: using one faults or reads another owner's memory, and freeing
 *  one is a double free — nodal ignores it while the address range stays unmapped (the
 *  range is no longer nodal's), but once the range has been mapped again it is
 *  undefined. The caller must make sure no other thread uses @heap or its memory
 *  during or after the call.
 *  @return 0, or EINVAL (@heap NULL). */
NODAL_API int nodal_heap_destroy(nodal_heap_t *heap);

/*
 * Statistics (per memory node). nodal_stats_get() fills @st with one entry per node that
 * has an arena (at most NODAL_STATS_MAX_NODES; `truncated` says when there were more)
 * and their sum in `total` (node = -1). Bytes come from jemalloc's per-arena statistics
 * (one arena per node, so per-arena is per-node) plus nodal's page-policy mappings;
 * counts are nodal's own per-thread counters summed at the time of the call (a
 * concurrent allocation may or may not be included). Returns 0; EINVAL for a NULL @st.
 * Before the allocator has started, every count is zero and nr_nodes is 0.
 *
 * nodal_stats_print() writes the same as text (json = 0: one line per node) or as one
 * JSON object (json != 0). 0 or an errno (EINVAL for a NULL @f, EIO on a write error).
 */
#define NODAL_STATS_MAX_NODES 128

struct nodal_node_stats {
	int node;                 /* the kernel's node id; -1 in `total` */
	uint64_t allocated;       /* bytes in live objects, including objects held in thread caches
				   * and page-policy mappings (pages_bytes) */
	uint64_t cached;          /* of which in thread caches */
	uint64_t active;          /* bytes in pages holding live objects (pages_bytes included) */
	uint64_t mapped;          /* bytes mapped by the node's arena (including retained, purged)
				   * plus pages_bytes */
	uint64_t committed;       /* bytes counted against the node's limit (arena + page mappings) */
	uint64_t pages_bytes;     /* bytes of page-policy mappings on this node (weighted share) */
	uint64_t limit;           /* NODAL_NODE_LIMIT, 0 = none */
	int full;                 /* 1 if the node is currently full (limit or watermark) */
	uint64_t nmalloc, nfree;  /* allocations and frees made on this node (a page-policy
				   * mapping counts once, on its first node) */
	uint64_t fallback_full;   /* allocations that skipped this node because it was full */
	uint64_t fallback_limit;  /* ... because it was at its limit */
	uint64_t fallback_not_allowed; /* ... because it is outside the allowed nodes */
	uint64_t preferred_miss;  /* PREFERRED / PREFERRED_MANY allocations that missed this node */
	uint64_t bind_failure;    /* BIND allocations over this node that returned ENOMEM */
	uint64_t remote_free;     /* objects of this node freed by a thread running on another node */
};

struct nodal_stats {
	int nr_nodes;
	int truncated;
	struct nodal_node_stats node[NODAL_STATS_MAX_NODES];
	struct nodal_node_stats total;
};

NODAL_API int nodal_stats_get(struct nodal_stats *st);
NODAL_API int nodal_stats_print(FILE *f, int json);

#ifdef __cplusplus
}
#endif

#endif
