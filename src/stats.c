/*
 * stats.c — per-node statistics: jemalloc's per-arena numbers (one arena per node) and
 * nodal's own counters (allocations, frees, fallback reasons, remote frees).
 *
 * Counters are per thread: each thread owns a block of NODAL_STATS_NCTR counters per
 * node (ialloc memory, created on the thread's first slow path) that only it writes,
 * with a relaxed load + store (no atomic read-modify-write on the fast path); the counts
 * of the thread's home node live in its arena TLS (struct nodal_home_ctr). Blocks are
 * linked in a registry; a reader sums every live block plus the totals folded in by
 * exited threads. Registration, exit and reading take the registry mutex; counting
 * never does.
 *
 * Concurrency: a read racing with counting sees each counter either before or after an
 * increment. Fork: the child keeps only the forking thread's block.
 * Errors: 0 or a positive errno.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "arena_int.h"
#include "heap.h"
#include "ialloc.h"
#include "msg.h"
#include "nodal.h"
#include "os.h"

struct thread_block {
	struct thread_block *next, *prev;
	pthread_t owner;
	struct nodal_home_ctr *home; /* in the owner's TLS, or NULL */
	uint64_t ctr[]; /* nr_node_ids * NODAL_STATS_NCTR */
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct thread_block *reg_head;
static uint64_t exited[NODAL_MAX_NUMNODES * NODAL_STATS_NCTR]; /* under reg_lock */
static uint64_t sink[NODAL_MAX_NUMNODES * NODAL_STATS_NCTR];   /* no block: approximate */
static __thread struct thread_block *my_block;
static __thread bool my_exited;

uint64_t *nodal_stats_thread(void)
{
	if (my_block)
		return my_block->ctr;
	if (my_exited || !nodal_arena_ready())
		return sink;
	size_t n = (size_t)nodal_ag.nr_node_ids * NODAL_STATS_NCTR;
	struct thread_block *b = nodal_icalloc(sizeof(*b) + n * sizeof(uint64_t));
	if (!b)
		return sink;
	b->owner = pthread_self();
	pthread_mutex_lock(&reg_lock);
	b->next = reg_head;
	if (reg_head)
		reg_head->prev = b;
	reg_head = b;
	pthread_mutex_unlock(&reg_lock);
	my_block = b;
	return b->ctr;
}

void nodal_stats_thread_home(struct nodal_home_ctr *hc)
{
	if (my_block)
		__atomic_store_n(&my_block->home, hc, __ATOMIC_RELEASE);
}

static void add_home(uint64_t *sum, const struct thread_block *b)
{
	const struct nodal_home_ctr *hc = __atomic_load_n(&b->home, __ATOMIC_ACQUIRE);
	if (!hc)
		return;
	int node = __atomic_load_n(&hc->node, __ATOMIC_RELAXED);
	if (node < 0 || node >= nodal_ag.nr_node_ids)
		return;
	uint64_t *c = &sum[node * NODAL_STATS_NCTR];
	c[NODAL_STATS_ALLOC] += __atomic_load_n(&hc->alloc, __ATOMIC_RELAXED);
	c[NODAL_STATS_FREE] += __atomic_load_n(&hc->free, __ATOMIC_RELAXED);
	c[NODAL_STATS_EV0 + NODAL_STAT_REMOTE_FREE] += __atomic_load_n(&hc->remote, __ATOMIC_RELAXED);
}

void nodal_stats_thread_exit(void)
{
	struct thread_block *b = my_block;
	my_exited = true;
	if (!b)
		return;
	size_t n = (size_t)nodal_ag.nr_node_ids * NODAL_STATS_NCTR;
	pthread_mutex_lock(&reg_lock);
	for (size_t i = 0; i < n; i++)
		exited[i] += __atomic_load_n(&b->ctr[i], __ATOMIC_RELAXED);
	add_home(exited, b);
	b->home = NULL;
	if (b->prev)
		b->prev->next = b->next;
	else
		reg_head = b->next;
	if (b->next)
		b->next->prev = b->prev;
	pthread_mutex_unlock(&reg_lock);
	my_block = NULL;
	nodal_ifree(b);
}

void nodal_stats_count_op(int node, bool is_free, uint64_t n)
{
	if (node < 0 || node >= nodal_ag.nr_node_ids)
		return;
	uint64_t *c = &nodal_stats_thread()[node * NODAL_STATS_NCTR + (is_free ? NODAL_STATS_FREE : NODAL_STATS_ALLOC)];
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

void nodal_stat_count(int node, enum nodal_stat_event ev)
{
	if (node < 0 || node >= nodal_ag.nr_node_ids || (unsigned)ev >= NODAL_STAT_EVENT_COUNT)
		return;
	uint64_t *c = &nodal_stats_thread()[node * NODAL_STATS_NCTR + NODAL_STATS_EV0 + ev];
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

void nodal_stats_atfork_prepare(void)
{
	pthread_mutex_lock(&reg_lock);
}

void nodal_stats_atfork_parent(void)
{
	pthread_mutex_unlock(&reg_lock);
}

void nodal_stats_atfork_child(void)
{
	/* Only this thread survives: fold the others' counts (their memory stays with
	 * the other threads' blocks, which are leaked — ialloc pages, a few per thread). */
	size_t n = (size_t)nodal_ag.nr_node_ids * NODAL_STATS_NCTR;
	struct thread_block *b = reg_head;
	for (; b; b = b->next) {
		if (b == my_block)
			continue;
		for (size_t i = 0; i < n; i++)
			exited[i] += b->ctr[i];
		add_home(exited, b);
	}
	reg_head = my_block;
	if (my_block)
		my_block->next = my_block->prev = NULL;
	pthread_mutex_init(&reg_lock, NULL);
}

static uint64_t je_u64(unsigned ind, const char *leaf, bool pages)
{
	char name[128];
	nodal_fmt(name, sizeof(name), "stats.arenas.%u.%s", ind, leaf);
	if (pages) {
		size_t v = 0, sz = sizeof(v);
		if (je_mallctl(name, &v, &sz, NULL, 0))
			return 0;
		return (uint64_t)v << 12;
	}
	size_t v = 0, sz = sizeof(v);
	if (je_mallctl(name, &v, &sz, NULL, 0))
		return 0;
	return v;
}

static void add_stats(struct nodal_node_stats *to, const struct nodal_node_stats *s)
{
	to->allocated += s->allocated;
	to->cached += s->cached;
	to->active += s->active;
	to->mapped += s->mapped;
	to->committed += s->committed;
	to->pages_bytes += s->pages_bytes;
	to->limit += s->limit;
	to->full += s->full;
	to->nmalloc += s->nmalloc;
	to->nfree += s->nfree;
	to->fallback_full += s->fallback_full;
	to->fallback_limit += s->fallback_limit;
	to->fallback_not_allowed += s->fallback_not_allowed;
	to->preferred_miss += s->preferred_miss;
	to->bind_failure += s->bind_failure;
	to->remote_free += s->remote_free;
}

int nodal_stats_get(struct nodal_stats *st)
{
	if (!st)
		return EINVAL;
	memset(st, 0, sizeof(*st));
	st->total.node = -1;
	if (!nodal_arena_ready())
		return 0;
	uint64_t epoch = 1;
	size_t esz = sizeof(epoch);
	je_mallctl("epoch", &epoch, &esz, &epoch, sizeof(epoch));
	const nodemask_t *full = nodal_arena_full_nodes();
	int node;
	for_each_node_mask(node, &nodal_ag.nodes) {
		if (st->nr_nodes == NODAL_STATS_MAX_NODES) {
			st->truncated = 1;
			break;
		}
		struct nodal_node_stats *s = &st->node[st->nr_nodes++];
		unsigned a = nodal_ag.arena_ind[node];
		s->node = node;
		s->allocated = je_u64(a, "small.allocated", false) +
			       je_u64(a, "large.allocated", false);
		s->cached = je_u64(a, "tcache_bytes", false);
		s->active = je_u64(a, "pactive", true);
		s->mapped = je_u64(a, "mapped", false);
		s->committed = __atomic_load_n(&nodal_committed_bytes[node], __ATOMIC_RELAXED);
		s->pages_bytes = __atomic_load_n(&nodal_pages_bytes[node], __ATOMIC_RELAXED);
		/* heaps' own arenas on the node */
		nodal_heap_stats_add(node, &s->allocated, &s->active, &s->mapped);
		/* page-policy mappings are live objects too (jemalloc does not see them) */
		s->allocated += s->pages_bytes;
		s->active += s->pages_bytes;
		s->mapped += s->pages_bytes;
		s->limit = nodal_arena_get_limit(node);
		s->full = node_isset(node, full);
	}
	/* The counters: exited threads + every live block. */
	uint64_t *sum = nodal_icalloc(sizeof(uint64_t) * NODAL_MAX_NUMNODES * NODAL_STATS_NCTR);
	if (!sum)
		return ENOMEM;
	size_t n = (size_t)nodal_ag.nr_node_ids * NODAL_STATS_NCTR;
	pthread_mutex_lock(&reg_lock);
	for (size_t i = 0; i < n; i++)
		sum[i] = exited[i] + __atomic_load_n(&sink[i], __ATOMIC_RELAXED);
	for (struct thread_block *b = reg_head; b; b = b->next) {
		for (size_t i = 0; i < n; i++)
			sum[i] += __atomic_load_n(&b->ctr[i], __ATOMIC_RELAXED);
		add_home(sum, b);
	}
	pthread_mutex_unlock(&reg_lock);
	for (int i = 0; i < st->nr_nodes; i++) {
		struct nodal_node_stats *s = &st->node[i];
		const uint64_t *c = &sum[s->node * NODAL_STATS_NCTR];
		s->nmalloc = c[NODAL_STATS_ALLOC];
		s->nfree = c[NODAL_STATS_FREE];
		s->fallback_full = c[NODAL_STATS_EV0 + NODAL_STAT_FALLBACK_FULL];
		s->fallback_limit = c[NODAL_STATS_EV0 + NODAL_STAT_FALLBACK_LIMIT];
		s->fallback_not_allowed = c[NODAL_STATS_EV0 + NODAL_STAT_FALLBACK_NOT_ALLOWED];
		s->preferred_miss = c[NODAL_STATS_EV0 + NODAL_STAT_PREFERRED_MISS];
		s->bind_failure = c[NODAL_STATS_EV0 + NODAL_STAT_BIND_FAILURE];
		s->remote_free = c[NODAL_STATS_EV0 + NODAL_STAT_REMOTE_FREE];
		add_stats(&st->total, s);
	}
	nodal_ifree(sum);
	return 0;
}

#define FIELDS(X)                                                                                            \
	X(allocated) X(cached) X(active) X(mapped) X(committed) X(pages_bytes) X(limit) X(nmalloc) X(nfree) \
	X(fallback_full) X(fallback_limit) X(fallback_not_allowed) X(preferred_miss) X(bind_failure)      \
	X(remote_free)

static void print_json_node(FILE *f, const struct nodal_node_stats *s)
{
	fprintf(f, "{\"node\": %d, \"full\": %s", s->node, s->full ? "true" : "false");
#define X(name) fprintf(f, ", \"" #name "\": %llu", (unsigned long long)s->name);
	FIELDS(X)
#undef X
	fprintf(f, "}");
}

static void print_text_node(FILE *f, const struct nodal_node_stats *s)
{
	if (s->node < 0)
		fprintf(f, "total  ");
	else
		fprintf(f, "node %-2d", s->node);
	fprintf(f, "%s", s->full ? " FULL" : "");
#define X(name) fprintf(f, " " #name "=%llu", (unsigned long long)s->name);
	FIELDS(X)
#undef X
	fprintf(f, "\n");
}

int nodal_stats_print(FILE *f, int json)
{
	if (!f)
		return EINVAL;
	struct nodal_stats *st = nodal_icalloc(sizeof(*st));
	if (!st)
		return ENOMEM;
	int err = nodal_stats_get(st);
	if (!err) {
		if (json) {
			fprintf(f, "{\"nodes\": [");
			for (int i = 0; i < st->nr_nodes; i++) {
				fputs(i ? ", " : "", f);
				print_json_node(f, &st->node[i]);
			}
			fprintf(f, "], \"truncated\": %s, \"total\": ", st->truncated ? "true" : "false");
			print_json_node(f, &st->total);
			fprintf(f, "}\n");
		} else {
			for (int i = 0; i < st->nr_nodes; i++)
				print_text_node(f, &st->node[i]);
			print_text_node(f, &st->total);
		}
		if (fflush(f) || ferror(f))
			err = EIO;
	}
	nodal_ifree(st);
	return err;
}
