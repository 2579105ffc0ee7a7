/*
 * nodemask.h — sets of NUMA node ids, with the kernel's verbs and lib/bitmap.c's
 * remap/fold/onto arithmetic.
 *
 * Owns: the nodemask_t value type and every operation on it. Pure functions of their
 * arguments: no allocation, no locks, no global state, safe in the malloc path and
 * from any thread.
 *
 * Storage is fixed at the kernel's MAX_NUMNODES for NODES_SHIFT=10 (1024 bits, 128 bytes)
 * so a mask is a plain value that can be copied, compared and embedded in immutable
 * policy objects. Whole-mask verbs touch 16 words; set-bit walks skip empty words, so
 * masks over the few nodes of a real machine cost a handful of word operations.
 *
 * Naming mirrors include/linux/nodemask.h; the bitmap_* layer mirrors lib/bitmap.c and
 * takes an explicit width, like the kernel's. Source and destination must not alias in
 * remap, fold and onto (the kernel has the same rule); the nodes_* wrappers take care
 * of that by working on a copy.
 */
#ifndef NODAL_NODEMASK_H
#define NODAL_NODEMASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NODAL_MAX_NUMNODES 1024
#define NODAL_MASK_WORDS (NODAL_MAX_NUMNODES / 64)

typedef struct nodemask {
	uint64_t bits[NODAL_MASK_WORDS];
} nodemask_t;

#define NODE_MASK_NONE ((nodemask_t){ { 0 } })

/* --- bitmap layer (kernel: lib/bitmap.c), nbits <= NODAL_MAX_NUMNODES --------- */
void bitmap_remap(uint64_t *dst, const uint64_t *src, const uint64_t *old, const uint64_t *new_map,
                  unsigned nbits);
int bitmap_bitremap(int oldbit, const uint64_t *old, const uint64_t *new_map, unsigned nbits);
void bitmap_onto(uint64_t *dst, const uint64_t *orig, const uint64_t *relmap, unsigned nbits);
void bitmap_fold(uint64_t *dst, const uint64_t *orig, unsigned sz, unsigned nbits);
int bitmap_pos_to_ord(const uint64_t *buf, unsigned pos, unsigned nbits);
unsigned bitmap_ord_to_pos(const uint64_t *buf, unsigned ord, unsigned nbits);

/* --- single nodes --------------------------------------------------------------- */
static inline void node_set(int node, nodemask_t *m)
{
	m->bits[(unsigned)node / 64] |= UINT64_C(1) << ((unsigned)node % 64);
}
static inline void node_clear(int node, nodemask_t *m)
{
	m->bits[(unsigned)node / 64] &= ~(UINT64_C(1) << ((unsigned)node % 64));
}
static inline bool node_isset(int node, const nodemask_t *m)
{
	if (node < 0 || node >= NODAL_MAX_NUMNODES)
		return false;
	return (m->bits[(unsigned)node / 64] >> ((unsigned)node % 64)) & 1;
}

/* --- whole masks ---------------------------------------------------------------- */
void nodes_clear(nodemask_t *m);
void nodes_setall(nodemask_t *m, int nr_nodes); /* nodes 0 .. nr_nodes-1 */
void nodes_and(nodemask_t *dst, const nodemask_t *a, const nodemask_t *b);
void nodes_or(nodemask_t *dst, const nodemask_t *a, const nodemask_t *b);
void nodes_andnot(nodemask_t *dst, const nodemask_t *a, const nodemask_t *b);
void nodes_complement(nodemask_t *dst, const nodemask_t *a, int nr_nodes);
bool nodes_equal(const nodemask_t *a, const nodemask_t *b);
bool nodes_intersects(const nodemask_t *a, const nodemask_t *b);
bool nodes_subset(const nodemask_t *sub, const nodemask_t *super);
bool nodes_empty(const nodemask_t *m);
int nodes_weight(const nodemask_t *m);

/* first_node / next_node return NODAL_MAX_NUMNODES when there is none, like the kernel. */
int first_node(const nodemask_t *m);
int next_node(int node, const nodemask_t *m);
int last_node(const nodemask_t *m);
/* kernel: next_node_in() — the next set node after @node, wrapping; MAX if empty. */
int next_node_in(int node, const nodemask_t *m);
/* The @n-th (0-based) set node, or NODAL_MAX_NUMNODES. */
int node_at_ord(const nodemask_t *m, int n);

#define for_each_node_mask(node, mask)                                                       \
	for ((node) = first_node(mask); (node) < NODAL_MAX_NUMNODES; (node) = next_node((node), (mask)))

/* kernel: nodes_remap / nodes_onto / nodes_fold (MAX_NUMNODES wide); dst may alias. */
void nodes_remap(nodemask_t *dst, const nodemask_t *src, const nodemask_t *old, const nodemask_t *new_map);
void nodes_onto(nodemask_t *dst, const nodemask_t *orig, const nodemask_t *relmap);
void nodes_fold(nodemask_t *dst, const nodemask_t *orig, unsigned sz);
/* kernel: mempolicy.c mpol_relative_nodemask() = onto(fold(orig, |rel|), rel). */
void nodes_relative(nodemask_t *dst, const nodemask_t *orig, const nodemask_t *rel);

#endif
