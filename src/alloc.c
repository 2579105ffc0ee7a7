/*
 * alloc.c — the allocation path every front end uses (alloc.h): lazy re-entrant
 * initialisation with a bootstrap region, scopes and policy containers (scope.h), the
 * per-thread cached placement decision, fallback over full nodes, rebinding when the
 * allowed nodes change, remote thread policies, fork and the exit report.
 *
 * Initialisation. malloc is called before constructors run, and hwloc/libnuma allocate
 * while nodal initialises, so pthread_once (which deadlocks on a nested call) cannot be
 * used. One atomic state word: the first caller moves it UNINIT → BUSY with a CAS and
 * runs the steps; every allocation seen while it is BUSY — nested in the initialising
 * thread or from any other thread — is served by a bump allocator over one mmap'd
 * region. Bootstrap blocks are recognised by address, never reused and never written
 * after they are handed out, so freeing or resizing them later is safe.
 * nodal_alloc_init() called by another thread waits (spins with sched_yield) for the
 * state to leave BUSY; nested in the initialising thread it returns at once.
 * A failing step prints one `nodal:` line and nodal degrades (LOCAL over whatever
 * topology could be had; without arenas, plain mmap per allocation): never an abort.
 *
 * Fast path. Each thread caches its last decision: the node for sizes in [lo, lo+span),
 * valid while the global generation is unchanged. malloc (nodal_alloc_default) costs one
 * lookup of the thread's state — alloc.c's and the arena layer's (arena_fast.h) share
 * the module's TLS base, which matters because libnodal.so is dlopen-able and each
 * lookup is a TLS-descriptor call there — the span test, a countdown decrement, a
 * compare with the arena's home node, one acquire load of the generation, and
 * jemalloc's own cache: no lock, no atomic read-modify-write, no system call. free
 * (nodal_dealloc) is the chunk map's two loads and jemalloc's free when the object is
 * the home node's and the thread runs there. The generation is bumped (by writers) when
 * the process policy changes, a thread policy is posted, the allowed nodes change or
 * the affinity changes. The countdown sends every 256th allocation to the slow path,
 * which re-reads the CPU's node and the allowed nodes once per NODAL_REBIND_INTERVAL_MS.
 * Interleave modes step a copy of the interleave set kept in the decision with the
 * thread's cursor (alloc_interleave); nodal_malloc_onnode caches the last node it
 * validated per generation.
 *
 * Reclamation. Policy objects and the allowed-node snapshot are read inside epoch
 * sections (epoch.h) on slow paths; replaced ones are retired and freed after a grace
 * period. The fast path dereferences nothing that can be retired (only the cached node).
 *
 * fork: see nodal_alloc_atfork_prepare() for the lock order and why it cannot deadlock
 * against glibc's stdio list lock.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "arena.h"
#include "arena_fast.h"
#include "chunkmap.h"
#include "epoch.h"
#include "fallback.h"
#include "heap.h"
#include "ialloc.h"
#include "mempolicy.h"
#include "migrate.h"
#include "msg.h"
#include "nodal.h"
#include "nodelist.h"
#include "options.h"
#include "os.h"
#include "os_sim.h"
#include "policy_spec.h"
#include "report.h"
#include "scope.h"
#include "topology.h"
#include "weights.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define MIN_ALIGN 16
#define COUNTDOWN 256         /* allocations between two looks at the clock */
#define IL_SLOTS 4            /* interleave cursors kept per thread */
#define IL_RING 64            /* interleave sets up to this many nodes take the fast path */

/* ---------------------------------------------------------------------------------
 * Bootstrap region: allocations made while nodal initialises.
 */
#define BOOT_SIZE ((size_t)64 << 20)

static char *_Atomic boot_base;
static _Atomic size_t boot_used;

static bool boot_owns(const void *p)
{
	char *base = atomic_load_explicit(&boot_base, memory_order_acquire);
	return base && (const char *)p >= base && (const char *)p < base + BOOT_SIZE;
}

static void *boot_alloc(size_t size, size_t align)
{
	char *base = atomic_load_explicit(&boot_base, memory_order_acquire);
	if (!base) {
		void *m = mmap(NULL, BOOT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			       -1, 0);
		if (m == MAP_FAILED) {
			errno = ENOMEM;
			return NULL;
		}
		char *expected = NULL;
		if (atomic_compare_exchange_strong_explicit(&boot_base, &expected, (char *)m, memory_order_acq_rel,
							    memory_order_acquire)) {
			base = m;
		} else {
			munmap(m, BOOT_SIZE);
			base = expected;
		}
	}
	if (align < MIN_ALIGN)
		align = MIN_ALIGN;
	if (size > BOOT_SIZE || align > BOOT_SIZE / 2) {
		errno = ENOMEM;
		return NULL;
	}
	/* header (the size) just below the block; the block aligned to @align */
	size_t need = (size + MIN_ALIGN - 1) / MIN_ALIGN * MIN_ALIGN + align + MIN_ALIGN;
	size_t off = atomic_fetch_add_explicit(&boot_used, need, memory_order_relaxed);
	if (off > BOOT_SIZE - need) {
		errno = ENOMEM;
		return NULL;
	}
	uintptr_t p = ((uintptr_t)base + off + MIN_ALIGN + align - 1) & ~(uintptr_t)(align - 1);
	((size_t *)p)[-1] = size;
	return (void *)p; /* fresh mmap memory: already zero */
}

static size_t boot_usize(const void *p)
{
	return ((const size_t *)p)[-1];
}

/* ---------------------------------------------------------------------------------
 * Degraded allocator (no arenas): one mapping per allocation, header below the block.
 */
#define DEG_HEADER 64

static void *deg_alloc(size_t size, size_t align)
{
	if (align < DEG_HEADER)
		align = DEG_HEADER;
	if (size > SIZE_MAX / 2 || align > SIZE_MAX / 4) {
		errno = ENOMEM;
		return NULL;
	}
	size_t len = size + align + DEG_HEADER;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	uintptr_t p = ((uintptr_t)m + DEG_HEADER + align - 1) & ~(uintptr_t)(align - 1);
	((size_t *)p)[-1] = size;
	((size_t *)p)[-2] = len;
	((char **)p)[-3] = m;
	return (void *)p;
}

static void deg_free(void *p)
{
	munmap(((char **)p)[-3], ((size_t *)p)[-2]);
}

/* ---------------------------------------------------------------------------------
 * Global state, written once by the initialising thread (published by the release
 * store of init_state) or replaced as immutable objects.
 */
enum { ST_UNINIT, ST_BUSY, ST_READY, ST_DEGRADED };

static _Atomic int init_state;
static pthread_t init_thread;
static int init_err;

static struct nodal_config cfg; /* large: never on a stack */
static struct nodal_topology *topo;
static struct nodal_arena_config arena_cfg;
static uint8_t default_weights[NODAL_MAX_NUMNODES];
static size_t page_min = SIZE_MAX;
static uint64_t interval_ns;

struct allowed_snap {
	nodemask_t mask;
	uint64_t gen;
};
static struct allowed_snap *_Atomic allowed_cur;

static struct nodal_mempolicy *local_pol;       /* LOCAL, never rebound */
static struct nodal_policy *env_policy;          /* NODAL_POLICY, kept for restore */
static struct nodal_policy *_Atomic process_policy;

static _Atomic uint64_t alloc_gen = 1;           /* bumped on every scope change */
static _Atomic uint64_t affinity_gen;
static _Atomic uint64_t last_allowed_check;
static _Atomic uint64_t next_policy_id = 1;

static pthread_mutex_t rebind_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t thread_key;
static bool thread_key_ok;

/* Placement samples for the exit report: the last few addresses placed per node. */
#define SAMPLES 16
static void *_Atomic samples[NODAL_MAX_NUMNODES][SAMPLES];
static _Atomic uint64_t placed_count[NODAL_MAX_NUMNODES];

/* ---------------------------------------------------------------------------------
 * Per-thread state.
 */
struct il_slot {
	uint64_t key; /* container id << 5 | rule index, 0 = free */
	struct nodal_il_cursor cur;
};

struct decision {
	uint64_t gen;
	size_t lo, span;  /* valid for sizes in [lo, lo + span) */
	int node;         /* >= 0: place here; -1: resolve per allocation with @pol */
	const struct nodal_mempolicy *pol;
	const struct allowed_snap *al;
	struct nodal_il_cursor *il;
	/* Interleave (node == -1): the set the cursor walks (kernel next_node_in over
	 * nodes ∩ allowed, else allowed minus forbidden) in ascending order with each node's
	 * weight, copied so the fast path dereferences no policy object; il_len 0 = none
	 * (more than IL_RING nodes: resolved by place()). il_pos: index of il->il_prev in
	 * the ring when it is there (a hint, checked on use). */
	int il_len, il_pos;
	bool weighted;
	uint16_t ring[IL_RING];
	uint8_t ring_w[IL_RING];
};

#define POST_CLEAR ((struct nodal_policy *)1)

struct tstate {
	struct decision dec;
	unsigned countdown;
	int on_node;               /* nodal_alloc_onnode fast path: validated node ... */
	uint64_t on_gen;           /* ... in this generation (0: none) */
	int local_node;
	int registered;            /* 0 no, 1 in the registry, 2 exited */
	int in_slow;
	uint64_t affinity_seen;
	uint64_t last_check;
	struct nodal_policy *policy;              /* thread scope, owned by this thread */
	struct nodal_policy *_Atomic posted;      /* set by another thread */
	pid_t tid;
	pthread_t self;
	struct tstate *next, *prev;
	struct il_slot il[IL_SLOTS];
	unsigned il_next;
	int fork_depth;
};

/* local-dynamic like nodal_arena_tls (arena_fast.h): a function using both computes the
 * module's TLS base once */
static __thread struct tstate tls __attribute__((tls_model("local-dynamic")));

/*
 * The thread's states for a fast path. The empty asm makes the pointers opaque: without
 * it GCC propagates the constant &tls into callee clones and recomputes the address —
 * a TLS descriptor call when libnodal.so is dlopen'd — after every call instead of
 * keeping it in a register.
 */
#define THREAD_STATES(t, a)                                   \
	struct tstate *t = &tls;                              \
	struct nodal_arena_tls *a = &nodal_arena_tls;         \
	__asm__("" : "+r"(t), "+r"(a))
static struct tstate *reg_head;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void bump_gen(void)
{
	atomic_fetch_add_explicit(&alloc_gen, 1, memory_order_release);
}

/* ---------------------------------------------------------------------------------
 * Retirement: objects replaced while readers may hold them.
 */
static void free_mpol_cb(void *p)
{
	nodal_mpol_free(p);
}

static void free_snap_cb(void *p)
{
	nodal_ifree(p);
}

static void free_scope_cb(void *p)
{
	nodal_scope_free(p);
}

/* ---------------------------------------------------------------------------------
 * Local node and allowed nodes.
 */
static int first_memory_node(void)
{
	nodemask_t m;
	nodes_andnot(&m, &topo->memory, &topo->private_nodes);
	int n = first_node(&m);
	return n < NODAL_MAX_NUMNODES ? n : first_node(&topo->memory);
}

static int current_node(void)
{
	int cpu = -1, node = -1;
	if (nodal_os()->getcpu(&cpu, &node) == 0) {
		/* the topology's view wins (NODAL_TOPOLOGY may describe another machine) */
		int n = nodal_cpu_to_node(topo, cpu);
		if (n >= 0)
			return n;
		if (node >= 0 && node < topo->nr_node_ids && topo->fallback_len[node])
			return node;
	}
	return first_memory_node();
}

static int read_allowed(nodemask_t *out)
{
	int mode = 0;
	nodemask_t m = NODE_MASK_NONE;
	int err = nodal_os()->get_mempolicy(&mode, &m, NULL, NODAL_OS_MPOL_F_MEMS_ALLOWED);
	if (err)
		return err;
	nodemask_t mem;
	nodes_and(&mem, &m, &topo->memory);
	if (nodes_empty(&mem)) /* an OS view that does not match NODAL_TOPOLOGY */
		mem = topo->memory;
	*out = mem;
	return 0;
}

/* Compare the allowed nodes with the snapshot; publish a new one if they changed. */
static void check_allowed(void)
{
	nodemask_t m;
	if (cfg.migrate)
		nodal_migrate_continue(); /* a move cut short by its time bound goes on */
	if (read_allowed(&m))
		return;
	struct allowed_snap *cur = atomic_load_explicit(&allowed_cur, memory_order_acquire);
	if (nodes_equal(&m, &cur->mask))
		return;
	struct allowed_snap *snap = nodal_icalloc(sizeof(*snap));
	if (!snap)
		return;
	pthread_mutex_lock(&rebind_lock);
	cur = atomic_load_explicit(&allowed_cur, memory_order_acquire);
	if (nodes_equal(&m, &cur->mask)) {
		pthread_mutex_unlock(&rebind_lock);
		nodal_ifree(snap);
		return;
	}
	snap->mask = m;
	snap->gen = cur->gen + 1;
	nodemask_t old_mask = cur->mask;
	atomic_store_explicit(&allowed_cur, snap, memory_order_release);
	pthread_mutex_unlock(&rebind_lock);
	bump_gen();
	if (cfg.migrate) /* NODAL_MIGRATE: move what is placed on nodes no longer allowed */
		nodal_migrate_rebind(&old_mask, &m, &topo->memory);
	nodal_epoch_retire(cur, free_snap_cb);
}

/* ---------------------------------------------------------------------------------
 * Containers (scope.h).
 */
static void mpol_env(struct nodal_mpol_env *env, const nodemask_t *allowed)
{
	env->topo = topo;
	env->allowed = *allowed;
	env->default_weights = default_weights;
}

static void nodelist_ctx(struct nodal_nodelist_ctx *ctx, const nodemask_t *allowed)
{
	memset(ctx, 0, sizeof(*ctx));
	nodes_andnot(&ctx->all, &topo->memory, &topo->private_nodes);
	ctx->allowed = *allowed;
	ctx->nr_node_ids = topo->nr_node_ids;
}

static struct nodal_policy *scope_new(void)
{
	struct nodal_policy *c = nodal_icalloc(sizeof(*c));
	if (c)
		c->id = atomic_fetch_add_explicit(&next_policy_id, 1, memory_order_relaxed);
	return c;
}

void nodal_scope_free(struct nodal_policy *c)
{
	if (!c || c == POST_CLEAR)
		return;
	for (int i = 0; i < NODAL_MAX_RULES; i++) {
		struct nodal_mempolicy *p = atomic_load_explicit(&c->pol[i], memory_order_relaxed);
		if (p)
			nodal_mpol_free(p);
	}
	nodal_ifree(c);
}

/* Build the objects of @c's rules against @al. */
static int scope_build(struct nodal_policy *c, const struct allowed_snap *al)
{
	struct nodal_mpol_env env;
	mpol_env(&env, &al->mask);
	for (int i = 0; i < c->rules.count; i++) {
		const struct nodal_policy_spec *spec = &c->rules.rule[i].policy;
		if (spec->mode == NODAL_MPOL_DEFAULT)
			continue;
		struct nodal_mempolicy *p = NULL;
		int err = nodal_mpol_new(spec, &env, &p);
		if (err)
			return err;
		atomic_store_explicit(&c->pol[i], p, memory_order_relaxed);
	}
	atomic_store_explicit(&c->allowed_gen, al->gen, memory_order_release);
	return 0;
}

static int scope_from_rules(const struct nodal_policy_rules *rules, struct nodal_policy **out)
{
	struct nodal_policy *c = scope_new();
	if (!c)
		return ENOMEM;
	c->rules = *rules;
	nodal_epoch_enter();
	int err = scope_build(c, atomic_load_explicit(&allowed_cur, memory_order_acquire));
	nodal_epoch_exit();
	if (err) {
		nodal_scope_free(c);
		return err;
	}
	*out = c;
	return 0;
}

int nodal_scope_parse(const char *str, struct nodal_policy **out)
{
	int err = nodal_alloc_init();
	if (!topo)
		return err ? err : ENODEV;
	if (!str) {
		nodal_set_error("policy: NULL string");
		return EINVAL;
	}
	struct nodal_policy_rules *rules = nodal_icalloc(sizeof(*rules));
	if (!rules)
		return ENOMEM;
	struct nodal_nodelist_ctx ctx;
	nodemask_t allowed;
	nodal_alloc_allowed(&allowed);
	nodelist_ctx(&ctx, &allowed);
	err = nodal_policy_rules_parse(str, &ctx, rules);
	if (!err)
		err = scope_from_rules(rules, out);
	nodal_ifree(rules);
	return err;
}

/* kernel: the objects are values; a copy is a rebind onto the same allowed nodes. */
int nodal_scope_dup(const struct nodal_policy *src, struct nodal_policy **out)
{
	struct nodal_policy *c = scope_new();
	if (!c)
		return ENOMEM;
	c->rules = src->rules;
	pthread_mutex_lock(&rebind_lock);
	for (int i = 0; i < src->rules.count; i++) {
		struct nodal_mempolicy *p = atomic_load_explicit(&src->pol[i], memory_order_acquire), *np = NULL;
		if (!p)
			continue;
		int err = nodal_mpol_rebind(p, &p->cpuset_mems_allowed, &np);
		if (err) {
			pthread_mutex_unlock(&rebind_lock);
			nodal_scope_free(c);
			return err;
		}
		atomic_store_explicit(&c->pol[i], np, memory_order_relaxed);
	}
	atomic_store_explicit(&c->allowed_gen, atomic_load_explicit(&src->allowed_gen, memory_order_acquire),
			      memory_order_relaxed);
	pthread_mutex_unlock(&rebind_lock);
	*out = c;
	return 0;
}

size_t nodal_scope_format(const struct nodal_policy *c, char *buf, size_t len)
{
	return nodal_policy_rules_format(&c->rules, buf, len);
}

/* kernel: mpol_rebind_policy() for each object, as a swap. Called inside an epoch
 * section; the old objects are retired, not freed. */
static void scope_rebind(struct nodal_policy *c, const struct allowed_snap *al)
{
	pthread_mutex_lock(&rebind_lock);
	if (atomic_load_explicit(&c->allowed_gen, memory_order_acquire) != al->gen) {
		for (int i = 0; i < c->rules.count; i++) {
			struct nodal_mempolicy *old = atomic_load_explicit(&c->pol[i], memory_order_acquire), *np;
			if (!old)
				continue;
			if (nodal_mpol_rebind(old, &al->mask, &np))
				continue; /* keep the old object: placement is still valid */
			atomic_store_explicit(&c->pol[i], np, memory_order_release);
			nodal_epoch_retire(old, free_mpol_cb);
		}
		atomic_store_explicit(&c->allowed_gen, al->gen, memory_order_release);
	}
	pthread_mutex_unlock(&rebind_lock);
}

/* The first rule of @c matching @size: its object (NULL = defer), narrowing [*lo, *hi)
 * to the sizes for which the same rule matches. Returns the rule index or -1. */
static int scope_match(const struct nodal_policy *c, size_t size, size_t *lo, size_t *hi)
{
	for (int i = 0; i < c->rules.count; i++) {
		const struct nodal_policy_rule *r = &c->rules.rule[i];
		uint64_t max = r->max_size;
		if (size >= r->min_size && size < max) {
			if (r->min_size > *lo)
				*lo = r->min_size;
			if (max < *hi)
				*hi = max;
			return i;
		}
		if (max <= size) {
			if (max > *lo)
				*lo = max;
		} else if (r->min_size < *hi) {
			*hi = r->min_size;
		}
	}
	return -1;
}

static const struct nodal_mempolicy *scope_pick(struct nodal_policy *c, size_t size, const struct allowed_snap *al,
						size_t *lo, size_t *hi, uint64_t *key)
{
	int i = scope_match(c, size, lo, hi);
	if (i < 0)
		return NULL;
	if (atomic_load_explicit(&c->allowed_gen, memory_order_acquire) != al->gen)
		scope_rebind(c, al);
	*key = c->id << 5 | (uint64_t)i;
	return atomic_load_explicit(&c->pol[i], memory_order_acquire);
}

/* ---------------------------------------------------------------------------------
 * Threads: registry (remote posting), exit.
 */
static void thread_exit(void *arg)
{
	struct tstate *t = arg;
	pthread_mutex_lock(&reg_lock);
	if (t->registered == 1) {
		if (t->prev)
			t->prev->next = t->next;
		else
			reg_head = t->next;
		if (t->next)
			t->next->prev = t->prev;
	}
	t->registered = 2;
	pthread_mutex_unlock(&reg_lock);
	nodal_scope_free(atomic_exchange(&t->posted, NULL));
	nodal_scope_free(t->policy);
	t->policy = NULL;
	t->dec.span = 0;
	t->on_gen = 0;
	nodal_arena_thread_exit();
}

static void thread_register(struct tstate *t)
{
	t->tid = gettid();
	t->self = pthread_self();
	t->local_node = current_node();
	t->affinity_seen = atomic_load_explicit(&affinity_gen, memory_order_acquire);
	t->last_check = now_ns();
	pthread_mutex_lock(&reg_lock);
	t->prev = NULL;
	t->next = reg_head;
	if (reg_head)
		reg_head->prev = t;
	reg_head = t;
	t->registered = 1;
	pthread_mutex_unlock(&reg_lock);
	/* may allocate (keys beyond the first block): nested calls see registered == 1 */
	if (thread_key_ok)
		pthread_setspecific(thread_key, t);
}

/* Slow-path chores: adopt a posted policy, refresh the local node and allowed nodes. */
static void housekeeping(struct tstate *t)
{
	if (unlikely(atomic_load_explicit(&t->posted, memory_order_acquire) != NULL)) {
		struct nodal_policy *p = atomic_exchange_explicit(&t->posted, NULL, memory_order_acq_rel);
		if (p) {
			nodal_scope_free(t->policy);
			t->policy = p == POST_CLEAR ? NULL : p;
		}
	}
	uint64_t ag = atomic_load_explicit(&affinity_gen, memory_order_acquire);
	bool refresh = ag != t->affinity_seen;
	if (t->countdown == 0 || refresh) {
		t->countdown = COUNTDOWN;
		uint64_t now = now_ns();
		if (refresh || (interval_ns && now - t->last_check >= interval_ns)) {
			t->affinity_seen = ag;
			t->last_check = now;
			t->local_node = current_node();
			uint64_t last = atomic_load_explicit(&last_allowed_check, memory_order_relaxed);
			if (refresh || (now - last >= interval_ns &&
					atomic_compare_exchange_strong(&last_allowed_check, &last, now)))
				check_allowed();
		}
	}
}

/* ---------------------------------------------------------------------------------
 * Placement.
 */
static struct nodal_il_cursor *il_cursor(struct tstate *t, uint64_t key)
{
	for (int i = 0; i < IL_SLOTS; i++)
		if (t->il[i].key == key)
			return &t->il[i].cur;
	struct il_slot *s = &t->il[t->il_next++ % IL_SLOTS];
	s->key = key;
	s->cur.il_prev = -1;
	s->cur.il_weight = 0;
	return &s->cur;
}

static bool is_interleave(int mode)
{
	return mode == NODAL_MPOL_INTERLEAVE || mode == NODAL_MPOL_WEIGHTED_INTERLEAVE;
}

/* The interleave set of @pol under @al for the fast path (see alloc_interleave). */
static void il_ring_build(struct decision *d, const struct nodal_mempolicy *pol, const struct allowed_snap *al)
{
	nodemask_t set;
	nodes_and(&set, &pol->nodes, &al->mask);
	if (nodes_empty(&set))
		nodes_andnot(&set, &al->mask, &pol->forbidden);
	d->il_len = 0;
	d->il_pos = 0;
	d->weighted = pol->mode == NODAL_MPOL_WEIGHTED_INTERLEAVE;
	if (nodes_weight(&set) > IL_RING)
		return;
	int n, len = 0;
	for_each_node_mask(n, &set) {
		d->ring[len] = (uint16_t)n;
		d->ring_w[len] = pol->weights[n] ? pol->weights[n] : 1;
		len++;
	}
	d->il_len = len;
}

static bool is_preferred(int mode)
{
	return mode == NODAL_MPOL_PREFERRED || mode == NODAL_MPOL_PREFERRED_MANY;
}

static void count_skip(int node)
{
	bool limited = node_isset(node, &cfg.node_limit_set);
	nodal_stat_count(node, limited ? NODAL_STAT_FALLBACK_LIMIT : NODAL_STAT_FALLBACK_FULL);
}

static void sample(int node, void *p)
{
	uint64_t n = atomic_fetch_add_explicit(&placed_count[node], 1, memory_order_relaxed);
	atomic_store_explicit(&samples[node][n % SAMPLES], p, memory_order_relaxed);
}

/* The kernel's page policy for a large allocation of @pol, or -1 when the node is to
 * be chosen by the candidate walk (then BIND or PREFERRED on that node). */
static void *place_pages(const struct nodal_mempolicy *pol, const struct allowed_snap *al, size_t size,
			 size_t align, bool zero, int *out)
{
	nodemask_t nodes;
	nodes_and(&nodes, &pol->nodes, &al->mask);
	if (nodes_empty(&nodes))
		nodes = al->mask;
	int mode = pol->mode == NODAL_MPOL_WEIGHTED_INTERLEAVE ? NODAL_OS_MPOL_WEIGHTED_INTERLEAVE
							       : NODAL_OS_MPOL_INTERLEAVE;
	void *p = nodal_pages_alloc(size, align, mode, &nodes, pol->weights, zero);
	*out = p ? first_node(&nodes) : -1;
	return p;
}

/*
 * Walk @pol's candidates (fallback(start) ∩ nodes ∩ allowed, mempolicy.h), skipping full
 * nodes, and allocate on the first that has room. *@node_out: the node used; *@fell_back:
 * it was not the policy's first choice.
 */
static void *place(const struct nodal_mempolicy *pol, const struct allowed_snap *al, struct tstate *t,
		   struct nodal_il_cursor *il, size_t size, size_t align, bool zero, int *node_out, bool *fell_back,
		   struct nodal_heap *heap)
{
	*fell_back = false;
	if (size >= page_min && is_interleave(pol->mode)) {
		void *p = place_pages(pol, al, size, align, zero, node_out);
		if (p && heap)
			nodal_heap_pages_adopt(heap, p);
		return p;
	}

	struct nodal_mpol_ctx ctx = {
		.topo = topo,
		.allowed = &al->mask,
		.full = NULL, /* skipped here, so every skip is counted */
		.pressure = nodal_arena_full_nodes(),
		.local_node = t->local_node,
		.il = il,
	};
	struct nodal_mpol_iter it;
	const nodemask_t *full = nodal_arena_full_nodes();
	int first = nodal_mpol_first(pol, &ctx, &it);
	if (first >= 0 && is_preferred(pol->mode) && !nodes_empty(&pol->nodes)) {
		int want = first_node(&pol->nodes);
		if (pol->mode == NODAL_MPOL_PREFERRED && !node_isset(want, &al->mask))
			nodal_stat_count(want, NODAL_STAT_FALLBACK_NOT_ALLOWED);
	}
	for (int node = first; node >= 0; node = nodal_mpol_next(&it)) {
		if (full && node_isset(node, full)) {
			count_skip(node);
			*fell_back = true;
			continue;
		}
		void *p;
		if (pol->mode == NODAL_MPOL_BIND)
			nodal_arena_bind_node(node);
		if (size >= page_min) {
			nodemask_t one = NODE_MASK_NONE;
			node_set(node, &one);
			int mode = pol->mode == NODAL_MPOL_BIND ? NODAL_OS_MPOL_BIND : NODAL_OS_MPOL_PREFERRED;
			p = nodal_pages_alloc(size, align, mode, &one, NULL, zero);
			if (p && heap)
				nodal_heap_pages_adopt(heap, p);
		} else {
			p = heap ? nodal_heap_arena_alloc(heap, node, size, align, zero)
				 : nodal_arena_alloc(node, size, align, zero);
		}
		if (p) {
			if (node != first && is_preferred(pol->mode))
				nodal_stat_count(first, NODAL_STAT_PREFERRED_MISS);
			*node_out = node;
			return p;
		}
		count_skip(node);
		*fell_back = true;
	}
	/* Last resort: the candidates skipped as full. "Full" means no new extent may be
	 * committed there, yet the arena may still hold free room in what it has (a small
	 * object after a large one failed): its extent hook refuses anything new, so this
	 * never passes a limit. Page mappings always need new memory: not retried. */
	if (size < page_min && full && first >= 0) {
		for (int node = nodal_mpol_first(pol, &ctx, &it); node >= 0; node = nodal_mpol_next(&it)) {
			if (!node_isset(node, full))
				continue;
			void *p = nodal_arena_alloc(node, size, align, zero);
			if (p) {
				if (node != first && is_preferred(pol->mode))
					nodal_stat_count(first, NODAL_STAT_PREFERRED_MISS);
				*node_out = node;
				return p;
			}
		}
	}
	if (pol->mode == NODAL_MPOL_BIND)
		nodal_stat_count(first >= 0 ? first : first_node(&pol->nodes), NODAL_STAT_BIND_FAILURE);
	errno = ENOMEM;
	return NULL;
}

/* ---------------------------------------------------------------------------------
 * Initialisation.
 */
static void compute_default_weights(void)
{
	/* the chain of weights.h; the sim machine has no sysfs */
	const char *sysfs = nodal_os() == &nodal_os_sim ? NULL : NODAL_WEIGHTS_SYSFS;
	if (nodal_default_weights_from(topo, cfg.raw[NODAL_OPT_WEIGHTS], sysfs, default_weights, NULL))
		nodal_msg("NODAL_WEIGHTS='%s': %s", cfg.raw[NODAL_OPT_WEIGHTS], nodal_last_error());
}

static int boot_topology(void)
{
	int err = nodal_topology_load(cfg.topology[0] ? cfg.topology : NULL, &topo);
	if (err) {
		nodal_msg("NODAL_TOPOLOGY='%s': %s; using this machine's topology", cfg.topology,
			  nodal_last_error());
		topo = NULL;
		if (!cfg.topology[0] || nodal_topology_load(NULL, &topo)) {
			static const int one_cpu = 1;
			struct nodal_topology_desc d = { .nr_nodes = 1, .ncpus = &one_cpu, .name = "degraded" };
			topo = NULL;
			int e2 = nodal_topology_from_desc(&d, &topo);
			if (e2) {
				topo = NULL;
				return e2;
			}
			nodal_msg("topology discovery failed: running as one node (%s)", nodal_last_error());
		}
	}
	return err;
}

static int do_init(void)
{
	int ret = 0, err;

	/* 1. options (never allocates; node lists are resolved once the machine is known) */
	nodal_config_load(&cfg, NULL);
	interval_ns = (uint64_t)cfg.rebind_interval_ms * 1000000u;
	page_min = cfg.page_policy_min ? (size_t)cfg.page_policy_min : SIZE_MAX;

	/* 2. topology */
	err = boot_topology();
	if (!topo)
		return err ? err : ENODEV;
	if (err)
		ret = err;

	/* the simulated machine (NODAL_OS=sim: tests, the CLI) is the loaded topology */
	if (nodal_os() == &nodal_os_sim && (err = nodal_sim_init(topo)) != 0)
		nodal_msg("NODAL_OS=sim: cannot simulate %s (%s)", topo->source, nodal_last_error());

	/* 3. allowed nodes */
	struct allowed_snap *snap = nodal_icalloc(sizeof(*snap));
	if (!snap)
		return ENOMEM;
	snap->gen = 1;
	if (read_allowed(&snap->mask)) {
		nodal_msg("cannot read the allowed nodes (get_mempolicy): using every memory node");
		snap->mask = topo->memory;
	}
	atomic_store_explicit(&allowed_cur, snap, memory_order_release);

	/* node lists in options, then fallback lists with NODAL_FALLBACK / private nodes */
	struct nodal_nodelist_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.all = topo->memory;
	ctx.allowed = snap->mask;
	ctx.nr_node_ids = topo->nr_node_ids;
	nodal_config_resolve_nodes(&cfg, &ctx);
	if (cfg.fallback != NODAL_FALLBACK_KERNEL || !nodes_empty(&cfg.private_nodes)) {
		err = nodal_fallback_build(topo, (enum nodal_fallback_kind)cfg.fallback, &cfg.private_nodes);
		if (err) {
			nodal_msg("NODAL_FALLBACK/NODAL_PRIVATE_NODES: %s; using the kernel's lists", nodal_last_error());
			ret = ret ? ret : err;
		}
	}
	/* private nodes are never reached by default: not in the allowed snapshot's
	 * default candidates (they are in their own lists only) */

	/* 4. default weights */
	compute_default_weights();

	/* 5. LOCAL and the process policy */
	struct nodal_policy_spec local = { .mode = NODAL_MPOL_LOCAL, .home_node = -1 };
	struct nodal_mpol_env env;
	mpol_env(&env, &snap->mask);
	err = nodal_mpol_new(&local, &env, &local_pol);
	if (err) {
		nodal_msg("cannot create the LOCAL policy: %s", nodal_last_error());
		return err;
	}
	if (cfg.policy.count) {
		err = scope_from_rules(&cfg.policy, &env_policy);
		if (err) {
			nodal_msg("NODAL_POLICY='%s': %s; using local", cfg.raw[NODAL_OPT_POLICY], nodal_last_error());
			env_policy = NULL;
			ret = ret ? ret : err;
		}
	}
	atomic_store_explicit(&process_policy, env_policy, memory_order_release);

	/* 6. arenas */
	for (int n = 0; n < NODAL_MAX_NUMNODES; n++)
		arena_cfg.limit[n] = node_isset(n, &cfg.node_limit_set) ? cfg.node_limit[n] : 0;
	arena_cfg.min_free = cfg.min_free;
	arena_cfg.bind_reserve = cfg.bind_reserve;
	arena_cfg.page_policy_min = page_min;
	err = nodal_arena_boot(topo, &arena_cfg);
	if (err) {
		nodal_msg("cannot create the per-node arenas (%s): allocating without placement",
			  nodal_last_error());
		return err;
	}

	/* threads and fork */
	thread_key_ok = pthread_key_create(&thread_key, thread_exit) == 0;
	pthread_atfork(nodal_alloc_atfork_prepare, nodal_alloc_atfork_parent, nodal_alloc_atfork_child);
	atomic_store_explicit(&last_allowed_check, now_ns(), memory_order_relaxed);
	return ret;
}

/* Run the initialisation if nobody has started it; never waits. */
static void try_init(void)
{
	int expected = ST_UNINIT;
	if (!atomic_compare_exchange_strong_explicit(&init_state, &expected, ST_BUSY, memory_order_acq_rel,
						     memory_order_acquire))
		return;
	init_thread = pthread_self();
	int err = do_init();
	init_err = err;
	bool ok = topo && local_pol && nodal_arena_ready();
	atomic_store_explicit(&init_state, ok ? ST_READY : ST_DEGRADED, memory_order_release);
}

int nodal_alloc_init(void)
{
	int st = atomic_load_explicit(&init_state, memory_order_acquire);
	if (likely(st >= ST_READY))
		return init_err;
	if (st == ST_UNINIT) {
		try_init();
		st = atomic_load_explicit(&init_state, memory_order_acquire);
		if (st >= ST_READY)
			return init_err;
	}
	/* BUSY: nested in the initialising thread → return; another thread → wait */
	if (pthread_equal(init_thread, pthread_self()))
		return 0;
	while (atomic_load_explicit(&init_state, memory_order_acquire) == ST_BUSY)
		sched_yield();
	return init_err;
}

/* ---------------------------------------------------------------------------------
 * Allocation.
 */

/* Resolve the scopes for @size; returns the object and narrows [lo, hi). */
static const struct nodal_mempolicy *resolve(struct tstate *t, struct nodal_policy *explicit_c, size_t size,
					     const struct allowed_snap *al, size_t *lo, size_t *hi, uint64_t *key)
{
	const struct nodal_mempolicy *pol = NULL;
	if (explicit_c)
		pol = scope_pick(explicit_c, size, al, lo, hi, key);
	if (!pol && t->policy)
		pol = scope_pick(t->policy, size, al, lo, hi, key);
	if (!pol) {
		struct nodal_policy *pp = atomic_load_explicit(&process_policy, memory_order_acquire);
		if (pp)
			pol = scope_pick(pp, size, al, lo, hi, key);
	}
	if (!pol) {
		pol = local_pol;
		*key = 1;
	}
	return pol;
}

static void *alloc_slow(struct tstate *t, struct nodal_policy *explicit_c, size_t size, size_t align, bool zero)
{
	int st = atomic_load_explicit(&init_state, memory_order_acquire);
	if (unlikely(st != ST_READY)) {
		if (st == ST_UNINIT)
			try_init(); /* losing the race means: bootstrap memory, no waiting */
		st = atomic_load_explicit(&init_state, memory_order_acquire);
		if (st == ST_BUSY || st == ST_UNINIT)
			return boot_alloc(size, align);
		if (st == ST_DEGRADED)
			return deg_alloc(size, align);
	}
	if (t->registered == 0 && !t->in_slow)
		thread_register(t);

	bool nested = t->in_slow;
	t->in_slow = 1;
	nodal_epoch_enter();
	if (!nested)
		housekeeping(t);
	uint64_t gen = atomic_load_explicit(&alloc_gen, memory_order_acquire);
	const struct allowed_snap *al = atomic_load_explicit(&allowed_cur, memory_order_acquire);
	size_t lo = 0, hi = page_min;
	uint64_t key = 0;
	if (size >= page_min)
		hi = SIZE_MAX;
	const struct nodal_mempolicy *pol = resolve(t, explicit_c, size, al, &lo, &hi, &key);
	struct nodal_il_cursor *il = is_interleave(pol->mode) ? il_cursor(t, key) : NULL;
	int node = -1;
	bool fell_back;
	void *p = place(pol, al, t, il, size, align, zero, &node, &fell_back, explicit_c ? explicit_c->heap : NULL);
	if (p && node >= 0)
		sample(node, p);
	if (!explicit_c && !nested && t->registered == 1 && size < page_min) {
		/* cache the decision: fixed node unless the policy spreads per allocation */
		t->dec.gen = gen;
		t->dec.lo = lo;
		t->dec.span = hi - lo;
		t->dec.pol = pol;
		t->dec.al = al;
		t->dec.il = il;
		t->dec.node = is_interleave(pol->mode) ? -1 : node;
		if (is_interleave(pol->mode))
			il_ring_build(&t->dec, pol, al);
		if ((fell_back && !is_interleave(pol->mode)) || !p)
			t->dec.span = 0;
	}
	nodal_epoch_exit();
	t->in_slow = nested;
	return p;
}

/* Interleave with a valid cached decision: resolve with the cursor, no scope lookup. */
static __attribute__((noinline)) void *alloc_spread(struct tstate *t, size_t size, size_t align, bool zero)
{
	nodal_epoch_enter();
	void *p = NULL;
	if (likely(t->dec.gen == atomic_load_explicit(&alloc_gen, memory_order_acquire))) {
		int node;
		bool fell_back;
		p = place(t->dec.pol, t->dec.al, t, t->dec.il, size, align, zero, &node, &fell_back, NULL);
		nodal_epoch_exit();
		return p;
	}
	nodal_epoch_exit();
	return alloc_slow(t, NULL, size, align, zero);
}

/*
 * The interleave fast path. The decision carries the set the cursor walks (built once
 * per decision by il_ring_build, inside the slow path's epoch section); a step is the
 * kernel's interleave_nodes() / weighted_interleave_nodes() on that ring — the same
 * cursor the walk in policies/ uses, moved the same way — so one allocation costs a few
 * loads and stores instead of an epoch section and a candidate walk. When the node is
 * full or its arena fails, the cursor is put back and place() does the whole walk (it
 * moves the cursor to the same node and falls back along that node's list).
 */
/* Index of the ring's first node after @prev (kernel next_node_in), wrapping. */
static int il_ring_after(const struct decision *d, int prev)
{
	for (int i = 0; i < d->il_len; i++)
		if (d->ring[i] > prev)
			return i;
	return 0;
}

/* Move @il one allocation forward over the ring; the node to allocate on. */
static inline int il_ring_step(struct decision *d, struct nodal_il_cursor *il)
{
	int prev = il->il_prev, pos = d->il_pos;
	bool at = pos < d->il_len && d->ring[pos] == prev; /* il_prev is in the set, at @pos */
	if (!at) {
		pos = il_ring_after(d, prev);
		at = d->ring[pos] == prev;
		if (!at && pos == 0 && prev >= 0) /* prev outside the set: next_node_in after it */
			pos = il_ring_after(d, prev);
	}
	if (d->weighted) {
		if (!at || il->il_weight <= 0) {
			if (at)
				pos = pos + 1 == d->il_len ? 0 : pos + 1;
			il->il_prev = d->ring[pos];
			il->il_weight = d->ring_w[pos];
		}
		il->il_weight--;
	} else {
		if (at)
			pos = pos + 1 == d->il_len ? 0 : pos + 1;
		il->il_prev = d->ring[pos];
	}
	d->il_pos = pos;
	return d->ring[pos];
}

static void *alloc_interleave(struct tstate *t, struct nodal_arena_tls *a, size_t size, size_t align, bool zero)
{
	struct decision *d = &t->dec;
	if (unlikely(!d->il_len || d->gen != atomic_load_explicit(&alloc_gen, memory_order_acquire)))
		return alloc_spread(t, size, align, zero);
	struct nodal_il_cursor *il = d->il, saved = *il;
	int pos = d->il_pos;
	int node = il_ring_step(d, il);
	void *p = NULL;
	if (likely(!nodal_arena_node_full(node))) {
		if (node == a->home && !align && !zero)
			p = nodal_arena_alloc_home(a, size);
		else
			p = nodal_arena_alloc(node, size, align, zero);
	}
	if (likely(p != NULL))
		return p;
	*il = saved;
	d->il_pos = pos;
	return alloc_spread(t, size, align, zero);
}

/* The general case of nodal_alloc() and nodal_alloc_default(); the caller has counted
 * the allocation down when its size is within the decision's span. */
static __attribute__((noinline)) void *alloc_general(struct tstate *t, struct nodal_arena_tls *a, size_t size,
						      size_t align, bool zero)
{
	if (likely(size - t->dec.lo < t->dec.span && t->countdown != 0)) {
		if (likely(t->dec.node >= 0)) {
			if (likely(t->dec.gen == atomic_load_explicit(&alloc_gen, memory_order_acquire))) {
				void *p = nodal_arena_alloc(t->dec.node, size, align, zero);
				if (likely(p != NULL))
					return p;
			}
		} else {
			return alloc_interleave(t, a, size, align, zero);
		}
	}
	return alloc_slow(t, NULL, size, align, zero);
}

void *nodal_alloc(size_t size, size_t align, bool zero)
{
	THREAD_STATES(t, a);
	if (unlikely(align & (align - 1))) {
		errno = EINVAL;
		return NULL;
	}
	if (unlikely(size < MIN_ALIGN)) /* jemalloc's 8-byte class is only 8-aligned */
		size = MIN_ALIGN;
	if (likely(size - t->dec.lo < t->dec.span))
		--t->countdown;
	return alloc_general(t, a, size, align, zero);
}

/*
 * malloc(): the fast path. One lookup of the thread's state (alloc.c's and the arena
 * layer's share the module's TLS base, arena_fast.h), the cached decision checked
 * against the generation with one acquire load, jemalloc's own cache on the home node.
 */
void *nodal_alloc_default(size_t size)
{
	THREAD_STATES(t, a);
	if (unlikely(size < MIN_ALIGN)) /* jemalloc's 8-byte class is only 8-aligned */
		size = MIN_ALIGN;
	if (likely(size - t->dec.lo < t->dec.span && --t->countdown != 0)) {
		if (likely(t->dec.node == a->home &&
			   t->dec.gen == atomic_load_explicit(&alloc_gen, memory_order_acquire))) {
			void *p = nodal_arena_alloc_home(a, size);
			if (likely(p != NULL))
				return p;
		} else if (t->dec.node < 0) {
			return alloc_interleave(t, a, size, 0, false);
		}
	}
	return alloc_general(t, a, size, 0, false);
}

void *nodal_alloc_scoped(const struct nodal_policy *c, size_t size, size_t align, bool zero)
{
	if (align & (align - 1)) {
		errno = EINVAL;
		return NULL;
	}
	if (size < MIN_ALIGN)
		size = MIN_ALIGN;
	/* containers are logically const: rebinding swaps their objects internally */
	return alloc_slow(&tls, (struct nodal_policy *)c, size, align, zero);
}

/* nodal_alloc_onnode() without a valid cached node: checks, then the kernel's
 * MPOL_PREFERRED walk for this object. Caches @node for the fast path when it served the
 * allocation from its arena. */
static __attribute__((noinline)) void *onnode_slow(struct tstate *t, int node, size_t size, size_t align,
						   bool zero)
{
	if (align & (align - 1)) {
		errno = EINVAL;
		return NULL;
	}
	nodal_alloc_init();
	int st = atomic_load_explicit(&init_state, memory_order_acquire);
	if (st == ST_BUSY)
		return boot_alloc(size, align);
	if (!topo || node < 0 || node >= topo->nr_node_ids || !topo->nodes[node].has_memory) {
		errno = EINVAL;
		return NULL;
	}
	if (st == ST_DEGRADED)
		return deg_alloc(size, align);
	nodal_epoch_enter();
	/* the generation first: a change of the allowed nodes after this load bumps it */
	uint64_t gen = atomic_load_explicit(&alloc_gen, memory_order_acquire);
	const struct allowed_snap *al = atomic_load_explicit(&allowed_cur, memory_order_acquire);
	void *p = NULL;
	if (!node_isset(node, &al->mask)) {
		errno = EINVAL;
		goto out;
	}
	/* kernel: MPOL_PREFERRED for this object — the node, then its fallback list */
	int len;
	const uint16_t *list = nodal_fallback_list(topo, node, &len);
	const nodemask_t *full = nodal_arena_full_nodes();
	for (int i = -1; i < len; i++) {
		int n = i < 0 ? node : list[i];
		if (i >= 0 && (n == node || !node_isset(n, &al->mask)))
			continue;
		if (full && node_isset(n, full)) {
			count_skip(n);
			continue;
		}
		if (size >= page_min) {
			nodemask_t one = NODE_MASK_NONE;
			node_set(n, &one);
			p = nodal_pages_alloc(size, align, NODAL_OS_MPOL_PREFERRED, &one, NULL, zero);
		} else {
			p = nodal_arena_alloc(n, size, align, zero);
		}
		if (p) {
			if (n != node)
				nodal_stat_count(node, NODAL_STAT_PREFERRED_MISS);
			else if (size < page_min && t->registered != 2)
				t->on_node = node, t->on_gen = gen;
			sample(n, p);
			goto out;
		}
		count_skip(n);
	}
	errno = ENOMEM;
out:
	nodal_epoch_exit();
	return p;
}

/*
 * The fast path: the node validated by the last slow call (exists, has memory, allowed)
 * in the current generation, the thread's home node, default alignment: jemalloc's own
 * cache. Like the LOCAL fast path it does not look at the full-node set: objects already
 * in the thread's cache are served even when the node has since become full; the first
 * allocation the cache cannot serve fails in the arena and takes the slow path, which
 * skips full nodes and falls back.
 */
void *nodal_alloc_onnode(int node, size_t size, size_t align, bool zero)
{
	THREAD_STATES(t, a);
	if (unlikely(size < MIN_ALIGN))
		size = MIN_ALIGN;
	if (likely(node == t->on_node && node == a->home && !align && !zero && size < page_min &&
		   t->on_gen == atomic_load_explicit(&alloc_gen, memory_order_acquire))) {
		void *p = nodal_arena_alloc_home(a, size);
		if (likely(p != NULL))
			return p;
	}
	return onnode_slow(t, node, size, align, zero);
}

static __attribute__((noinline)) void dealloc_slow(void *p)
{
	if (!p || boot_owns(p))
		return;
	if (unlikely(atomic_load_explicit(&init_state, memory_order_relaxed) == ST_DEGRADED)) {
		deg_free(p);
		return;
	}
	nodal_arena_free(p);
}

/* free(): a home-node object freed on the home node costs the chunk map's two loads and
 * jemalloc's free (arena_fast.h); bootstrap blocks, degraded-mode mappings and foreign
 * pointers are in no chunk, so they never match and take the slow path. */
void nodal_dealloc(void *p)
{
	struct nodal_arena_tls *a = &nodal_arena_tls;
	if (likely(chunkmap_get(p) == a->fast_free_v)) {
		nodal_arena_free_home(a, p);
		return;
	}
	dealloc_slow(p);
}

void nodal_dealloc_sized(void *p, size_t size)
{
	if (!p || boot_owns(p))
		return;
	if (unlikely(atomic_load_explicit(&init_state, memory_order_relaxed) == ST_DEGRADED)) {
		deg_free(p);
		return;
	}
	if (size < MIN_ALIGN) /* allocated as MIN_ALIGN bytes (nodal_alloc) */
		size = MIN_ALIGN;
	nodal_arena_free_sized(p, size);
}

size_t nodal_usize(const void *p)
{
	if (!p)
		return 0;
	if (boot_owns(p))
		return boot_usize(p);
	if (atomic_load_explicit(&init_state, memory_order_relaxed) == ST_DEGRADED)
		return ((const size_t *)p)[-1];
	return nodal_arena_usize(p);
}

void *nodal_ralloc(void *p, size_t size)
{
	if (!p)
		return nodal_alloc(size, 0, false);
	if (!size) {
		nodal_dealloc(p);
		return NULL;
	}
	size_t old = nodal_usize(p);
	bool boot = boot_owns(p), degraded = atomic_load_explicit(&init_state, memory_order_relaxed) == ST_DEGRADED;
	if (!boot && !degraded && (!(size >= page_min && old < page_min) || nodal_heap_owns(p))) {
		/* keep the node: in place or on the same node (a heap's object: in its heap) */
		void *q = nodal_arena_realloc(p, size);
		if (q)
			return q;
	}
	void *q = nodal_alloc(size, 0, false);
	if (!q)
		return NULL;
	memcpy(q, p, old < size ? old : size);
	nodal_dealloc(p);
	return q;
}

/* ---------------------------------------------------------------------------------
 * Scopes (scope.h).
 */
int nodal_scope_set_thread(const struct nodal_policy *c)
{
	nodal_alloc_init();
	struct nodal_policy *copy = NULL;
	if (c) {
		int err = nodal_scope_dup(c, &copy);
		if (err)
			return err;
	}
	struct tstate *t = &tls;
	nodal_scope_free(t->policy);
	t->policy = copy;
	t->dec.span = 0;
	return 0;
}

int nodal_scope_set_process(const struct nodal_policy *c)
{
	nodal_alloc_init();
	struct nodal_policy *copy = NULL;
	if (c) {
		int err = nodal_scope_dup(c, &copy);
		if (err)
			return err;
	} else {
		copy = env_policy; /* restore NODAL_POLICY (never freed) */
	}
	struct nodal_policy *old = atomic_exchange_explicit(&process_policy, copy, memory_order_acq_rel);
	bump_gen();
	if (old && old != env_policy)
		nodal_epoch_retire(old, free_scope_cb);
	return 0;
}

static int post_to(struct tstate *target, struct nodal_policy *copy)
{
	struct nodal_policy *old = atomic_exchange_explicit(&target->posted, copy ? copy : POST_CLEAR,
							    memory_order_acq_rel);
	nodal_scope_free(old);
	bump_gen();
	return 0;
}

static int post(bool by_tid, pid_t tid, pthread_t th, const struct nodal_policy *c)
{
	nodal_alloc_init();
	struct nodal_policy *copy = NULL;
	if (c) {
		int err = nodal_scope_dup(c, &copy);
		if (err)
			return err;
	}
	pthread_mutex_lock(&reg_lock);
	struct tstate *t;
	for (t = reg_head; t; t = t->next)
		if (by_tid ? t->tid == tid : pthread_equal(t->self, th))
			break;
	int err = t ? post_to(t, copy) : ESRCH;
	pthread_mutex_unlock(&reg_lock);
	if (err)
		nodal_scope_free(copy);
	return err;
}

int nodal_scope_post(pid_t tid, const struct nodal_policy *c)
{
	return post(true, tid, pthread_self(), c);
}

int nodal_scope_post_pthread(pthread_t thread, const struct nodal_policy *c)
{
	return post(false, 0, thread, c);
}

int nodal_scope_get_thread(size_t size, struct nodal_policy **out)
{
	nodal_alloc_init();
	if (!topo)
		return ENODEV;
	struct tstate *t = &tls;
	struct nodal_policy *c = scope_new();
	if (!c)
		return ENOMEM;
	nodal_epoch_enter();
	const struct allowed_snap *al = atomic_load_explicit(&allowed_cur, memory_order_acquire);
	size_t lo = 0, hi = SIZE_MAX;
	uint64_t key;
	const struct nodal_mempolicy *pol = resolve(t, NULL, size ? size : 1, al, &lo, &hi, &key);
	struct nodal_mempolicy *np = NULL;
	int err = nodal_mpol_rebind(pol, &pol->cpuset_mems_allowed, &np);
	if (!err) {
		c->rules.count = 1;
		nodal_mpol_to_spec(pol, &c->rules.rule[0].policy);
		c->rules.rule[0].min_size = 0;
		c->rules.rule[0].max_size = NODAL_SIZE_ANY;
		atomic_store_explicit(&c->pol[0], np, memory_order_relaxed);
		atomic_store_explicit(&c->allowed_gen, al->gen, memory_order_relaxed);
	}
	nodal_epoch_exit();
	if (err) {
		nodal_scope_free(c);
		return err;
	}
	*out = c;
	return 0;
}

const struct nodal_topology *nodal_alloc_topology(void)
{
	nodal_alloc_init();
	return atomic_load_explicit(&init_state, memory_order_acquire) == ST_BUSY ? NULL : topo;
}

void nodal_alloc_allowed(nodemask_t *out)
{
	nodal_epoch_enter();
	const struct allowed_snap *al = atomic_load_explicit(&allowed_cur, memory_order_acquire);
	if (al)
		*out = al->mask;
	else
		nodes_clear(out);
	nodal_epoch_exit();
}

int nodal_alloc_node_of(const void *p)
{
	if (!p || boot_owns(p) || atomic_load_explicit(&init_state, memory_order_acquire) != ST_READY)
		return -1;
	return nodal_arena_node_of(p);
}

bool nodal_alloc_is_bootstrap(const void *p)
{
	return p && boot_owns(p);
}

size_t nodal_alloc_bootstrap_used(void)
{
	return atomic_load_explicit(&boot_used, memory_order_relaxed);
}

void nodal_alloc_affinity_changed(void)
{
	atomic_fetch_add_explicit(&affinity_gen, 1, memory_order_release);
	bump_gen();
}

/* ---------------------------------------------------------------------------------
 * fork.
 *
 * Lock order, and why fork cannot deadlock against stdio (the failure measured with
 * Debian's jemalloc): glibc's fork() runs the prepare handlers FIRST and only then takes
 * the stdio list lock (_IO_list_lock). A thread in fflush(NULL) holds the list lock and
 * waits for each FILE's lock; a thread in getline() holds its FILE's lock and calls
 * realloc. If the prepare handler has taken the allocator's locks, getline's realloc
 * waits for the forking thread, which waits for the list lock: a cycle. nodal's prepare
 * takes the list lock itself first (it is recursive, so glibc's own acquisition later
 * in fork() nests), then its own locks, then the epoch's and the arenas': the global
 * order is  stdio list lock → FILE locks → nodal locks, the order getline and fflush
 * already use. In the parent glibc releases its acquisition before running the parent
 * handlers and ours releases the other; in the child glibc resets the list lock (only
 * when multi-threaded), so the child handler resets it too, which is correct in a
 * single-threaded child either way.
 */
extern void _IO_list_lock(void) __attribute__((weak));
extern void _IO_list_unlock(void) __attribute__((weak));
extern void _IO_list_resetlock(void) __attribute__((weak));

void nodal_alloc_atfork_prepare(void)
{
	if (tls.fork_depth++ > 0) /* registered twice (init and the preload library) */
		return;
	if (_IO_list_lock)
		_IO_list_lock();
	pthread_mutex_lock(&reg_lock);
	pthread_mutex_lock(&rebind_lock);
	nodal_epoch_atfork_prepare();
	if (atomic_load_explicit(&init_state, memory_order_acquire) == ST_READY)
		nodal_arena_atfork_prepare();
}

void nodal_alloc_atfork_parent(void)
{
	if (--tls.fork_depth > 0)
		return;
	if (atomic_load_explicit(&init_state, memory_order_acquire) == ST_READY)
		nodal_arena_atfork_parent();
	nodal_epoch_atfork_parent();
	pthread_mutex_unlock(&rebind_lock);
	pthread_mutex_unlock(&reg_lock);
	if (_IO_list_unlock)
		_IO_list_unlock();
}

void nodal_alloc_atfork_child(void)
{
	if (--tls.fork_depth > 0)
		return;
	if (atomic_load_explicit(&init_state, memory_order_acquire) == ST_READY)
		nodal_arena_atfork_child();
	nodal_epoch_atfork_child();
	nodal_migrate_atfork_child();
	pthread_mutex_init(&rebind_lock, NULL);
	pthread_mutex_init(&reg_lock, NULL);
	/* only the forking thread exists in the child */
	struct tstate *t = &tls;
	reg_head = NULL;
	if (t->registered == 1) {
		t->tid = gettid();
		t->prev = t->next = NULL;
		reg_head = t;
	}
	if (_IO_list_resetlock)
		_IO_list_resetlock();
}

/* ---------------------------------------------------------------------------------
 * Exit report: per node, allocations placed there (intended) and where the kernel
 * actually put sampled pages (observed, move_pages query through the OS layer).
 */
static void observe(int node, struct nodal_report_observed *o)
{
	void *pages[SAMPLES];
	int status[SAMPLES];
	int cnt = 0;
	long pg = sysconf(_SC_PAGESIZE);
	for (int i = 0; i < SAMPLES; i++) {
		void *p = atomic_load_explicit(&samples[node][i], memory_order_relaxed);
		if (p)
			pages[cnt++] = (void *)((uintptr_t)p & ~(uintptr_t)(pg - 1));
	}
	memset(o, 0, sizeof(*o));
	if (!cnt || nodal_os()->query_pages((size_t)cnt, pages, status))
		return;
	for (int i = 0; i < cnt; i++) {
		o->sampled++;
		if (status[i] == node)
			o->on_node++;
		else if (status[i] < 0 || status[i] >= NODAL_MAX_NUMNODES)
			o->unmapped++;
	}
}

void nodal_alloc_report(void)
{
	static _Atomic int done;
	if (atomic_load(&init_state) != ST_READY || cfg.stats == NODAL_STATS_OFF || atomic_exchange(&done, 1))
		return;
	nodal_report_write(&cfg, topo->source, observe);
}
