/*
 * nodemask.c — node set algebra (see nodemask.h). Pure, allocation-free, thread-safe.
 *
 * The remap/fold/onto functions reproduce lib/bitmap.c's documented semantics bit for
 * bit; tests/unit/test_nodemask.c checks them against a brute-force model and against
 * the rows of shared/conformance/rebind-vectors.tsv.
 */
#include "nodemask.h"

#include <string.h>

#define WORDS(nbits) (((nbits) + 63u) / 64u)

static inline bool bit_test(const uint64_t *b, unsigned pos)
{
	return (b[pos / 64] >> (pos % 64)) & 1;
}
static inline void bit_set(uint64_t *b, unsigned pos)
{
	b[pos / 64] |= UINT64_C(1) << (pos % 64);
}

/* Next set bit at or after @pos below @nbits, or @nbits. */
static unsigned find_next_bit(const uint64_t *b, unsigned nbits, unsigned pos)
{
	while (pos < nbits) {
		uint64_t w = b[pos / 64] >> (pos % 64);
		if (w) {
			unsigned r = pos + (unsigned)__builtin_ctzll(w);
			return r < nbits ? r : nbits;
		}
		pos = (pos / 64 + 1) * 64;
	}
	return nbits;
}

static unsigned bitmap_weight(const uint64_t *b, unsigned nbits)
{
	unsigned w = 0;
	for (unsigned i = 0; i < nbits / 64; i++)
		w += (unsigned)__builtin_popcountll(b[i]);
	if (nbits % 64)
		w += (unsigned)__builtin_popcountll(b[nbits / 64] & ((UINT64_C(1) << (nbits % 64)) - 1));
	return w;
}

/* kernel: bitmap_pos_to_ord() — how many set bits precede @pos; -1 if @pos is unset. */
int bitmap_pos_to_ord(const uint64_t *buf, unsigned pos, unsigned nbits)
{
	if (pos >= nbits || !bit_test(buf, pos))
		return -1;
	return (int)bitmap_weight(buf, pos);
}

/* kernel: bitmap_ord_to_pos() — position of the @ord-th set bit, or @nbits. */
unsigned bitmap_ord_to_pos(const uint64_t *buf, unsigned ord, unsigned nbits)
{
	for (unsigned pos = find_next_bit(buf, nbits, 0); pos < nbits; pos = find_next_bit(buf, nbits, pos + 1)) {
		if (ord-- == 0)
			return pos;
	}
	return nbits;
}

/*
 * kernel: bitmap_remap() — the n-th set bit of @old maps to the (n mod w)-th set bit of
 * @new_map (w = its weight); bits of @src outside @old, or any bit when @new_map is
 * empty, map to themselves.
 */
void bitmap_remap(uint64_t *dst, const uint64_t *src, const uint64_t *old, const uint64_t *new_map,
                  unsigned nbits)
{
	unsigned w = bitmap_weight(new_map, nbits);
	memset(dst, 0, WORDS(nbits) * sizeof(uint64_t));
	for (unsigned oldbit = find_next_bit(src, nbits, 0); oldbit < nbits;
	     oldbit = find_next_bit(src, nbits, oldbit + 1)) {
		int n = bitmap_pos_to_ord(old, oldbit, nbits);
		if (n < 0 || w == 0)
			bit_set(dst, oldbit);
		else
			bit_set(dst, bitmap_ord_to_pos(new_map, (unsigned)n % w, nbits));
	}
}

/* kernel: bitmap_bitremap() — bitmap_remap() for a single bit. */
int bitmap_bitremap(int oldbit, const uint64_t *old, const uint64_t *new_map, unsigned nbits)
{
	unsigned w = bitmap_weight(new_map, nbits);
	int n = bitmap_pos_to_ord(old, (unsigned)oldbit, nbits);
	if (n < 0 || w == 0)
		return oldbit;
	return (int)bitmap_ord_to_pos(new_map, (unsigned)n % w, nbits);
}

/* kernel: bitmap_onto() — bit m of @orig selects the m-th set bit of @relmap. */
void bitmap_onto(uint64_t *dst, const uint64_t *orig, const uint64_t *relmap, unsigned nbits)
{
	unsigned m = 0;
	memset(dst, 0, WORDS(nbits) * sizeof(uint64_t));
	for (unsigned n = find_next_bit(relmap, nbits, 0); n < nbits; n = find_next_bit(relmap, nbits, n + 1)) {
		if (m < nbits && bit_test(orig, m))
			bit_set(dst, n);
		m++;
	}
}

/*
 * kernel: bitmap_fold() — bit b of @orig sets bit b mod @sz. The kernel never calls it
 * with sz == 0 (a cpuset's mems are never empty); here that yields the empty set.
 */
void bitmap_fold(uint64_t *dst, const uint64_t *orig, unsigned sz, unsigned nbits)
{
	memset(dst, 0, WORDS(nbits) * sizeof(uint64_t));
	if (sz == 0)
		return;
	for (unsigned oldbit = find_next_bit(orig, nbits, 0); oldbit < nbits;
	     oldbit = find_next_bit(orig, nbits, oldbit + 1))
		bit_set(dst, oldbit % sz);
}

/* --- nodemask verbs ------------------------------------------------------------ */

void nodes_clear(nodemask_t *m)
{
	memset(m, 0, sizeof(*m));
}

void nodes_setall(nodemask_t *m, int nr_nodes)
{
	nodes_clear(m);
	for (int i = 0; i < nr_nodes && i < NODAL_MAX_NUMNODES; i++)
		node_set(i, m);
}

void nodes_and(nodemask_t *dst, const nodemask_t *a, const nodemask_t *b)
{
	for (int i = 0; i < NODAL_MASK_WORDS; i++)
		dst->bits[i] = a->bits[i] & b->bits[i];
}

void nodes_or(nodemask_t *dst, const nodemask_t *a, const nodemask_t *b)
{
	for (int i = 0; i < NODAL_MASK_WORDS; i++)
		dst->bits[i] = a->bits[i] | b->bits[i];
}

void nodes_andnot(nodemask_t *dst, const nodemask_t *a, const nodemask_t *b)
{
	for (int i = 0; i < NODAL_MASK_WORDS; i++)
		dst->bits[i] = a->bits[i] & ~b->bits[i];
}

void nodes_complement(nodemask_t *dst, const nodemask_t *a, int nr_nodes)
{
	nodemask_t all;
	nodes_setall(&all, nr_nodes);
	nodes_andnot(dst, &all, a);
}

bool nodes_equal(const nodemask_t *a, const nodemask_t *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

bool nodes_intersects(const nodemask_t *a, const nodemask_t *b)
{
	for (int i = 0; i < NODAL_MASK_WORDS; i++)
		if (a->bits[i] & b->bits[i])
			return true;
	return false;
}

bool nodes_subset(const nodemask_t *sub, const nodemask_t *super)
{
	for (int i = 0; i < NODAL_MASK_WORDS; i++)
		if (sub->bits[i] & ~super->bits[i])
			return false;
	return true;
}

bool nodes_empty(const nodemask_t *m)
{
	for (int i = 0; i < NODAL_MASK_WORDS; i++)
		if (m->bits[i])
			return false;
	return true;
}

int nodes_weight(const nodemask_t *m)
{
	return (int)bitmap_weight(m->bits, NODAL_MAX_NUMNODES);
}

int first_node(const nodemask_t *m)
{
	return (int)find_next_bit(m->bits, NODAL_MAX_NUMNODES, 0);
}

int next_node(int node, const nodemask_t *m)
{
	if (node + 1 >= NODAL_MAX_NUMNODES)
		return NODAL_MAX_NUMNODES;
	return (int)find_next_bit(m->bits, NODAL_MAX_NUMNODES, (unsigned)(node + 1));
}

int last_node(const nodemask_t *m)
{
	for (int i = NODAL_MASK_WORDS - 1; i >= 0; i--)
		if (m->bits[i])
			return i * 64 + 63 - __builtin_clzll(m->bits[i]);
	return NODAL_MAX_NUMNODES;
}

int next_node_in(int node, const nodemask_t *m)
{
	int n = next_node(node, m);
	if (n >= NODAL_MAX_NUMNODES)
		n = first_node(m);
	return n;
}

int node_at_ord(const nodemask_t *m, int n)
{
	if (n < 0)
		return NODAL_MAX_NUMNODES;
	return (int)bitmap_ord_to_pos(m->bits, (unsigned)n, NODAL_MAX_NUMNODES);
}

void nodes_remap(nodemask_t *dst, const nodemask_t *src, const nodemask_t *old, const nodemask_t *new_map)
{
	nodemask_t tmp;
	bitmap_remap(tmp.bits, src->bits, old->bits, new_map->bits, NODAL_MAX_NUMNODES);
	*dst = tmp;
}

void nodes_onto(nodemask_t *dst, const nodemask_t *orig, const nodemask_t *relmap)
{
	nodemask_t tmp;
	bitmap_onto(tmp.bits, orig->bits, relmap->bits, NODAL_MAX_NUMNODES);
	*dst = tmp;
}

void nodes_fold(nodemask_t *dst, const nodemask_t *orig, unsigned sz)
{
	nodemask_t tmp;
	bitmap_fold(tmp.bits, orig->bits, sz, NODAL_MAX_NUMNODES);
	*dst = tmp;
}

void nodes_relative(nodemask_t *dst, const nodemask_t *orig, const nodemask_t *rel)
{
	nodemask_t folded;
	nodes_fold(&folded, orig, (unsigned)nodes_weight(rel));
	nodes_onto(dst, &folded, rel);
}
