/*
 * nodelist.c — numactl node lists ("0-3,5", "all", "!2", "+0-1", "0-7:2") and the
 * canonical compressed printed form ("0-3,5"). See nodelist.h for the contract and
 * docs/grammar.md for the grammar. No allocation, no system calls.
 *
 * Meanings follow numactl/libnuma (numa_parse_nodestring): "all" is ctx->all; a leading
 * '!' takes the complement within ctx->all; a leading '+' makes every number an index
 * into ctx->allowed (the n-th allowed node, counting from 0). Deliberate differences from
 * libnuma (docs/differences.md): numbers are decimal only and may not have leading zeros
 * (strtoul's base 0 reads "010" as 8), reversed ranges are errors (libnuma silently
 * keeps the first node), and ids need only be below ctx->nr_node_ids, not online.
 */
#include <errno.h>
#include <string.h>

#include "msg.h"
#include "nodelist.h"
#include "parse_err.h"
#include "policy_spec.h"

void nodal_nodelist_ctx_init(struct nodal_nodelist_ctx *ctx, int nr_node_ids)
{
	if (nr_node_ids < 1)
		nr_node_ids = 1;
	if (nr_node_ids > NODAL_MAX_NUMNODES)
		nr_node_ids = NODAL_MAX_NUMNODES;
	ctx->nr_node_ids = nr_node_ids;
	nodes_setall(&ctx->all, nr_node_ids);
	ctx->allowed = ctx->all;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A decimal number at *pp (advanced past it). Values that cannot be node ids become
 * INT32_MAX so the caller reports them as out of range with the text as written. */
static int parse_num(const struct nodal_perr *e, const char **pp, const char *end, const char *what, long *val)
{
	const char *p = *pp, *s = p;
	char t[NODAL_TOK_MAX];
	if (p >= end || !is_digit(*p))
		return nodal_parse_unexpected(e, p, end, what);
	long v = 0;
	for (; p < end && is_digit(*p); p++)
		v = v > 100000000 ? v : v * 10 + (*p - '0');
	if (*s == '0' && p - s > 1)
		return nodal_parse_fail(e, "number '%s' at position %zu has a leading zero (expected a decimal number)",
		                        nodal_tok(t, sizeof(t), s, p), nodal_pos(e, s));
	*pp = p;
	*val = v;
	return 0;
}

/* Check one number (node id, or index into allowed when relative) written at [s, p). */
static int check_node(const struct nodal_perr *e, const char *s, const char *p, long v,
                      const struct nodal_nodelist_ctx *ctx, bool relative)
{
	char t[NODAL_TOK_MAX];
	if (relative) {
		int w = nodes_weight(&ctx->allowed);
		if (v >= w)
			return nodal_parse_fail(e,
			                        "relative node '%s' at position %zu is beyond the %d allowed node%s "
			                        "(expected 0 to %d after '+')",
			                        nodal_tok(t, sizeof(t), s, p), nodal_pos(e, s), w, w == 1 ? "" : "s", w - 1);
	} else if (v >= ctx->nr_node_ids) {
		return nodal_parse_fail(e, "node '%s' at position %zu is beyond the last possible node %d",
		                        nodal_tok(t, sizeof(t), s, p), nodal_pos(e, s), ctx->nr_node_ids - 1);
	}
	return 0;
}

/* ITEM = NUM [ '-' NUM [ ':' STRIDE ] ], exactly [s, end). Adds its nodes to @out.
 * @follow names what may come after the item, for messages. */
static int parse_item(const struct nodal_perr *e, const char *s, const char *end, const struct nodal_nodelist_ctx *ctx,
                      bool relative, const char *follow, nodemask_t *out)
{
	const char *p = s;
	long lo = 0, hi = 0, stride = 1;
	char expect[96];
	int err;

	if ((err = parse_num(e, &p, end, "a node number", &lo)))
		return err;
	if ((err = check_node(e, s, p, lo, ctx, relative)))
		return err;
	hi = lo;
	if (p < end && *p == '-') {
		const char *h = ++p;
		if ((err = parse_num(e, &p, end, "a node number after '-'", &hi)))
			return err;
		if ((err = check_node(e, h, p, hi, ctx, relative)))
			return err;
		if (hi < lo) {
			char t[NODAL_TOK_MAX];
			return nodal_parse_fail(e, "range '%s' at position %zu is reversed (expected the lower node first)",
			                        nodal_tok(t, sizeof(t), s, p), nodal_pos(e, s));
		}
		if (p < end && *p == ':') {
			const char *st = ++p;
			if ((err = parse_num(e, &p, end, "a stride after ':'", &stride)))
				return err;
			if (stride == 0)
				return nodal_parse_fail(e, "stride 0 at position %zu (expected a stride of 1 or more)",
				                        nodal_pos(e, st));
		}
		nodal_fmt(expect, sizeof(expect), "':' (stride) or %s", follow);
	} else {
		if (p < end && *p == ':')
			return nodal_parse_fail(e, "stride at position %zu without a range (expected a range such as 0-7:2)",
			                        nodal_pos(e, p));
		nodal_fmt(expect, sizeof(expect), "'-' (range) or %s", follow);
	}
	if (p < end)
		return nodal_parse_unexpected(e, p, end, expect);
	for (long i = lo; i <= hi; i += stride)
		node_set(relative ? node_at_ord(&ctx->allowed, (int)i) : (int)i, out);
	return 0;
}

static const char *find(const char *s, const char *end, char c)
{
	const char *q = memchr(s, c, (size_t)(end - s));
	return q ? q : end;
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int nodal_nodelist_parse_span(const struct nodal_perr *e, const char *s, const char *end,
                              const struct nodal_nodelist_ctx *ctx, nodemask_t *out, bool *relative)
{
	const char *p = s;
	bool inv = false, rel = false;
	nodemask_t m = NODE_MASK_NONE;
	int err;

	if (p < end && *p == '!') {
		inv = true;
		p++;
	}
	if (p < end && *p == '+') {
		rel = true;
		p++;
	}
	if (p == s && p == end)
		goto done; /* "" is the empty set, as in libnuma */
	if (p == end)
		return nodal_parse_unexpected(e, p, end, inv && !rel ? "a node list after '!'" : "a node list after '+'");
	if (is_alpha(*p)) {
		const char *w = p;
		char t[NODAL_TOK_MAX];
		while (w < end && (is_alpha(*w) || is_digit(*w)))
			w++;
		if (w - p == 3 && !memcmp(p, "all", 3)) {
			if (w != end)
				return nodal_parse_fail(e, "'all' at position %zu must be the whole list (expected nothing after it)",
				                        nodal_pos(e, p));
			m = rel ? ctx->allowed : ctx->all;
			goto done;
		}
		return nodal_parse_fail(e, "unknown word '%s' at position %zu (expected a node number or 'all')",
		                        nodal_tok(t, sizeof(t), p, w), nodal_pos(e, p));
	}
	for (;;) {
		const char *ie = find(p, end, ',');
		if (ie == p)
			return nodal_parse_unexpected(e, p, end, "a node number");
		if ((err = parse_item(e, p, ie, ctx, rel, "',' or the end of the list", &m)))
			return err;
		if (ie == end)
			break;
		p = ie + 1;
	}
done:
	if (inv)
		nodes_andnot(&m, &ctx->all, &m);
	*out = m;
	if (relative)
		*relative = rel;
	return 0;
}

int nodal_nodelist_parse(const char *s, const struct nodal_nodelist_ctx *ctx, nodemask_t *out, bool *relative)
{
	struct nodal_perr e = { "node list", s };
	return nodal_nodelist_parse_span(&e, s, s + strlen(s), ctx, out, relative);
}

int nodal_node_parse_span(const struct nodal_perr *e, const char *s, const char *end,
                          const struct nodal_nodelist_ctx *ctx, int *node)
{
	const char *p = s;
	long v = 0;
	int err;
	if ((err = parse_num(e, &p, end, "a node number", &v)))
		return err;
	if ((err = check_node(e, s, p, v, ctx, false)))
		return err;
	if (p < end)
		return nodal_parse_unexpected(e, p, end, "the end of the node number");
	*node = (int)v;
	return 0;
}

/*
 * WEIGHTS = WITEM { ',' WITEM },  WITEM = ( 'all' | ITEM ) '*' WEIGHT,  WEIGHT = 1..255.
 * Every item carries a weight; a node may be named once.
 */
int nodal_weights_parse_span(const struct nodal_perr *e, const char *s, const char *end,
                             const struct nodal_nodelist_ctx *ctx, nodemask_t *nodes,
                             uint8_t weights[NODAL_MAX_NUMNODES])
{
	const char *p = s;
	nodemask_t all = NODE_MASK_NONE;
	int err, n;
	char t[NODAL_TOK_MAX];

	memset(weights, 0, NODAL_MAX_NUMNODES);
	if (p == end)
		return nodal_parse_unexpected(e, p, end, "weights such as 0*3,1*1");
	for (;;) {
		const char *ie = find(p, end, ',');
		const char *star = find(p, ie, '*');
		nodemask_t m = NODE_MASK_NONE;
		long w = 0;
		if (ie == p)
			return nodal_parse_unexpected(e, p, end, "a node number");
		if (*p == '!' || *p == '+')
			return nodal_parse_fail(e, "'%c' at position %zu is not allowed in a weight list (expected NODES*WEIGHT)",
			                        *p, nodal_pos(e, p));
		if (star - p == 3 && !memcmp(p, "all", 3)) {
			m = ctx->all;
		} else if (is_alpha(*p)) {
			const char *w2 = p;
			while (w2 < star && (is_alpha(*w2) || is_digit(*w2)))
				w2++;
			return nodal_parse_fail(e, "unknown word '%s' at position %zu (expected a node number or 'all')",
			                        nodal_tok(t, sizeof(t), p, w2), nodal_pos(e, p));
		} else if ((err = parse_item(e, p, star, ctx, false, "'*WEIGHT'", &m))) {
			return err;
		}
		if (star == ie)
			return nodal_parse_fail(e, "missing weight at position %zu (expected '*' and a weight 1-255 after the nodes)",
			                        nodal_pos(e, star));
		const char *ws = star + 1, *wp = ws;
		if ((err = parse_num(e, &wp, ie, "a weight 1-255 after '*'", &w)))
			return err;
		if (wp < ie)
			return nodal_parse_unexpected(e, wp, ie, "',' or the end of the weights");
		if (w < 1 || w > 255)
			return nodal_parse_fail(e, "weight '%s' at position %zu is out of range (expected 1-255)",
			                        nodal_tok(t, sizeof(t), ws, wp), nodal_pos(e, ws));
		if (nodes_intersects(&m, &all)) {
			nodemask_t both;
			nodes_and(&both, &m, &all);
			return nodal_parse_fail(e, "node %d at position %zu already has a weight (expected each node once)",
			                        first_node(&both), nodal_pos(e, p));
		}
		for_each_node_mask(n, &m)
			weights[n] = (uint8_t)w;
		nodes_or(&all, &all, &m);
		if (ie == end)
			break;
		p = ie + 1;
	}
	if (nodes)
		*nodes = all;
	return 0;
}

int nodal_weights_parse(const char *s, const struct nodal_nodelist_ctx *ctx, uint8_t weights[NODAL_MAX_NUMNODES])
{
	struct nodal_perr e = { "weights", s };
	return nodal_weights_parse_span(&e, s, s + strlen(s), ctx, NULL, weights);
}

/* Runs of consecutive nodes (with equal weights when @weights is given). */
static void sb_runs(struct nodal_sb *b, const nodemask_t *m, const uint8_t *weights)
{
	int n = first_node(m);
	bool first = true;
	while (n < NODAL_MAX_NUMNODES) {
		int last = n;
		while (last + 1 < NODAL_MAX_NUMNODES && node_isset(last + 1, m) &&
		       (!weights || weights[last + 1] == weights[n]))
			last++;
		if (!first)
			nodal_sb_putc(b, ',');
		first = false;
		nodal_sb_putu(b, (uint64_t)n);
		if (last > n) {
			nodal_sb_putc(b, '-');
			nodal_sb_putu(b, (uint64_t)last);
		}
		if (weights) {
			nodal_sb_putc(b, '*');
			nodal_sb_putu(b, weights[n]);
		}
		n = last + 1 < NODAL_MAX_NUMNODES ? next_node(last, m) : NODAL_MAX_NUMNODES;
	}
}

void nodal_sb_nodelist(struct nodal_sb *b, const nodemask_t *m)
{
	sb_runs(b, m, NULL);
}

void nodal_sb_weights(struct nodal_sb *b, const nodemask_t *m, const uint8_t *weights)
{
	sb_runs(b, m, weights);
}

size_t nodal_nodelist_format(const nodemask_t *m, char *buf, size_t len)
{
	struct nodal_sb b;
	nodal_sb_init(&b, buf, len);
	nodal_sb_nodelist(&b, m);
	return nodal_sb_end(&b);
}
