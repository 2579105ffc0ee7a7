/*
 * policy_spec.c — policy strings (the kernel's tmpfs grammar with numactl node lists,
 * weights and a home node) and size-ranged rule lists; their canonical printed forms.
 * See policy_spec.h for the contract and docs/grammar.md for the grammar.
 *
 * One name table (nodal_mode_names, and flag_names below) serves both the parser and the
 * printer, so they cannot disagree (kernel: mm/mempolicy.c policy_modes[]).
 * Pure functions, no allocation: safe in the malloc path.
 */
#include <errno.h>
#include <string.h>

#include "msg.h"
#include "nodal.h"
#include "parse_err.h"
#include "policy_spec.h"

const struct nodal_mode_name nodal_mode_names[] = {
	{ NODAL_MPOL_DEFAULT, "default", NULL },
	{ NODAL_MPOL_PREFERRED, "preferred", "prefer" },
	{ NODAL_MPOL_BIND, "bind", NULL },
	{ NODAL_MPOL_INTERLEAVE, "interleave", NULL },
	{ NODAL_MPOL_LOCAL, "local", NULL },
	{ NODAL_MPOL_PREFERRED_MANY, "preferred-many", NULL },
	{ NODAL_MPOL_WEIGHTED_INTERLEAVE, "weighted-interleave", NULL },
};
const size_t nodal_mode_names_count = sizeof(nodal_mode_names) / sizeof(nodal_mode_names[0]);

static const struct {
	unsigned flag;
	const char *name;
} flag_names[] = {
	{ NODAL_F_STATIC, "static" },
	{ NODAL_F_RELATIVE, "relative" },
};
#define NR_FLAG_NAMES (sizeof(flag_names) / sizeof(flag_names[0]))

#define MODE_LIST "default, local, preferred, preferred-many, bind, interleave, weighted-interleave"

const char *nodal_mode_name(int mode)
{
	for (size_t i = 0; i < nodal_mode_names_count; i++)
		if (nodal_mode_names[i].mode == mode)
			return nodal_mode_names[i].name;
	return NULL;
}

static int mode_lookup(const char *s, const char *end)
{
	size_t n = (size_t)(end - s);
	for (size_t i = 0; i < nodal_mode_names_count; i++) {
		const char *a = nodal_mode_names[i].name, *b = nodal_mode_names[i].alias;
		if ((strlen(a) == n && !memcmp(a, s, n)) || (b && strlen(b) == n && !memcmp(b, s, n)))
			return nodal_mode_names[i].mode;
	}
	return -1;
}

int nodal_mode_from_name(const char *name)
{
	return mode_lookup(name, name + strlen(name));
}

static bool is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

static const char *find(const char *s, const char *end, char c)
{
	const char *q = memchr(s, c, (size_t)(end - s));
	return q ? q : end;
}

static int policy_parse_span(const struct nodal_perr *e, const char *s, const char *end,
                             const struct nodal_nodelist_ctx *ctx, struct nodal_policy_spec *out)
{
	const char *p = s, *w;
	char t[NODAL_TOK_MAX];
	int err;

	memset(out, 0, sizeof(*out));
	out->home_node = -1;

	for (w = p; w < end && is_word(*w); w++)
		;
	if (w == p)
		return nodal_parse_unexpected(e, p, end, "a mode: " MODE_LIST);
	out->mode = mode_lookup(p, w);
	if (out->mode < 0)
		return nodal_parse_fail(e, "unknown mode '%s' at position %zu (expected one of " MODE_LIST ")",
		                        nodal_tok(t, sizeof(t), p, w), nodal_pos(e, p));
	p = w;

	while (p < end && *p == '=') {
		const char *f = ++p;
		unsigned flag = 0;
		for (w = p; w < end && is_word(*w); w++)
			;
		for (size_t i = 0; i < NR_FLAG_NAMES; i++)
			if (strlen(flag_names[i].name) == (size_t)(w - f) && !memcmp(flag_names[i].name, f, (size_t)(w - f)))
				flag = flag_names[i].flag;
		if (w == f)
			return nodal_parse_unexpected(e, f, end, "a flag after '=': static or relative");
		if (!flag)
			return nodal_parse_fail(e, "unknown flag '%s' at position %zu (expected static or relative)",
			                        nodal_tok(t, sizeof(t), f, w), nodal_pos(e, f));
		if (out->flags & flag)
			return nodal_parse_fail(e, "flag '%s' at position %zu is written twice (expected it once)",
			                        nodal_tok(t, sizeof(t), f, w), nodal_pos(e, f));
		out->flags |= flag;
		if ((out->flags & NODAL_F_STATIC) && (out->flags & NODAL_F_RELATIVE))
			return nodal_parse_fail(e,
			                        "flag '%s' at position %zu conflicts with the other flag: static and relative "
			                        "exclude each other (expected one of them)",
			                        nodal_tok(t, sizeof(t), f, w), nodal_pos(e, f));
		p = w;
	}
	if (p == end)
		return 0;
	if (*p != ':')
		return nodal_parse_unexpected(e, p, end, "'=static', '=relative', ':NODES' or the end of the policy");

	const char *args = ++p, *slash = find(args, end, '/');
	if (args == slash)
		return nodal_parse_fail(e, "empty node list at position %zu (expected nodes after ':')", nodal_pos(e, args));
	const char *star = find(args, slash, '*');
	out->has_nodes = true;
	if (star < slash) {
		if (out->mode != NODAL_MPOL_WEIGHTED_INTERLEAVE)
			return nodal_parse_fail(e,
			                        "weight '*' at position %zu is only for weighted-interleave "
			                        "(expected a node list for %s)",
			                        nodal_pos(e, star), nodal_mode_name(out->mode));
		out->has_weights = true;
		if ((err = nodal_weights_parse_span(e, args, slash, ctx, &out->nodes, out->weights)))
			return err;
	} else if ((err = nodal_nodelist_parse_span(e, args, slash, ctx, &out->nodes, NULL))) {
		return err;
	}
	if (slash < end) {
		static const char home[] = "/home=";
		size_t hl = sizeof(home) - 1;
		if ((size_t)(end - slash) < hl || memcmp(slash, home, hl) != 0) {
			const char *q = slash + 1;
			while (q < end && is_word(*q))
				q++;
			return nodal_parse_fail(e, "unexpected '%s' at position %zu (expected '/home=NODE')",
			                        nodal_tok(t, sizeof(t), slash, q < end && *q == '=' ? q + 1 : q),
			                        nodal_pos(e, slash));
		}
		if (out->mode != NODAL_MPOL_BIND && out->mode != NODAL_MPOL_PREFERRED_MANY)
			return nodal_parse_fail(e, "'/home=' at position %zu is only for bind and preferred-many (not %s)",
			                        nodal_pos(e, slash), nodal_mode_name(out->mode));
		if ((err = nodal_node_parse_span(e, slash + hl, end, ctx, &out->home_node)))
			return err;
	}
	return 0;
}

int nodal_policy_spec_parse(const char *s, const struct nodal_nodelist_ctx *ctx, struct nodal_policy_spec *out)
{
	struct nodal_perr e = { "policy", s };
	return policy_parse_span(&e, s, s + strlen(s), ctx, out);
}

static void sb_policy(struct nodal_sb *b, const struct nodal_policy_spec *p)
{
	const char *name = nodal_mode_name(p->mode);
	nodal_sb_puts(b, name ? name : "?");
	for (size_t i = 0; i < NR_FLAG_NAMES; i++)
		if (p->flags & flag_names[i].flag) {
			nodal_sb_putc(b, '=');
			nodal_sb_puts(b, flag_names[i].name);
		}
	if (!p->has_nodes)
		return;
	nodal_sb_putc(b, ':');
	if (p->has_weights)
		nodal_sb_weights(b, &p->nodes, p->weights);
	else if (nodes_empty(&p->nodes))
		nodal_sb_puts(b, "!all"); /* an empty list written as one ("bind:!all"); "bind:" is invalid */
	else
		nodal_sb_nodelist(b, &p->nodes);
	if (p->home_node >= 0) {
		nodal_sb_puts(b, "/home=");
		nodal_sb_putu(b, (uint64_t)p->home_node);
	}
}

size_t nodal_policy_spec_format(const struct nodal_policy_spec *p, char *buf, size_t len)
{
	struct nodal_sb b;
	nodal_sb_init(&b, buf, len);
	sb_policy(&b, p);
	return nodal_sb_end(&b);
}

/* RANGE = '>=' SIZE | '<' SIZE | SIZE '-' SIZE, exactly [s, end). */
static int range_parse_span(const struct nodal_perr *e, const char *s, const char *end, struct nodal_policy_rule *r)
{
	char t[NODAL_TOK_MAX];
	int err;
	if (s == end)
		return nodal_parse_unexpected(e, s, end, "a size range after '@': >=SIZE, <SIZE or SIZE-SIZE");
	if (*s == '>') {
		if (s + 1 >= end || s[1] != '=')
			return nodal_parse_unexpected(e, s, end, "'>=SIZE', '<SIZE' or 'SIZE-SIZE'");
		return nodal_size_parse_span(e, s + 2, end, &r->min_size);
	}
	if (*s == '<') {
		if ((err = nodal_size_parse_span(e, s + 1, end, &r->max_size)))
			return err;
		if (r->max_size == 0)
			return nodal_parse_fail(e, "range '%s' at position %zu matches no size (expected a bound above 0)",
			                        nodal_tok(t, sizeof(t), s, end), nodal_pos(e, s));
		return 0;
	}
	const char *dash = find(s, end, '-');
	if (dash == end) {
		if ((err = nodal_size_parse_span(e, s, end, &r->min_size)))
			return err;
		return nodal_parse_fail(e, "range '%s' at position %zu has no bound (expected '>=SIZE', '<SIZE' or "
		                           "'SIZE-SIZE')",
		                        nodal_tok(t, sizeof(t), s, end), nodal_pos(e, s));
	}
	if ((err = nodal_size_parse_span(e, s, dash, &r->min_size)) ||
	    (err = nodal_size_parse_span(e, dash + 1, end, &r->max_size)))
		return err;
	if (r->min_size >= r->max_size)
		return nodal_parse_fail(e, "range '%s' at position %zu is empty or reversed (expected LOW-HIGH with LOW < HIGH)",
		                        nodal_tok(t, sizeof(t), s, end), nodal_pos(e, s));
	return 0;
}

int nodal_policy_rules_parse(const char *s, const struct nodal_nodelist_ctx *ctx, struct nodal_policy_rules *out)
{
	struct nodal_perr e = { "policy rules", s };
	const char *p = s, *end = s + strlen(s);
	int err;

	out->count = 0;
	if (p == end)
		return nodal_parse_fail(&e, "empty rule list at position 1 (expected a policy such as 'local' or "
		                            "'interleave:all@>=1M;local')");
	for (;;) {
		const char *re = find(p, end, ';'), *at = find(p, re, '@');
		if (re == p)
			return nodal_parse_fail(&e, "empty rule at position %zu (expected a policy%s)", nodal_pos(&e, p),
			                        p == end ? " after ';'" : " before ';'");
		if (out->count == NODAL_MAX_RULES)
			return nodal_parse_fail(&e, "rule %d at position %zu is one too many (expected at most %d rules)",
			                        NODAL_MAX_RULES + 1, nodal_pos(&e, p), NODAL_MAX_RULES);
		struct nodal_policy_rule *r = &out->rule[out->count];
		if (at == p)
			return nodal_parse_fail(&e, "empty policy at position %zu (expected a policy before '@')",
			                        nodal_pos(&e, p));
		if ((err = policy_parse_span(&e, p, at, ctx, &r->policy)))
			return err;
		r->min_size = 0;
		r->max_size = NODAL_SIZE_ANY;
		if (at < re && (err = range_parse_span(&e, at + 1, re, r)))
			return err;
		out->count++;
		if (re == end)
			break;
		p = re + 1;
	}
	/* Unused slots are zeroed so whole structs compare equal. */
	memset(&out->rule[out->count], 0, sizeof(out->rule[0]) * (size_t)(NODAL_MAX_RULES - out->count));
	return 0;
}

size_t nodal_policy_rules_format(const struct nodal_policy_rules *r, char *buf, size_t len)
{
	struct nodal_sb b;
	nodal_sb_init(&b, buf, len);
	for (int i = 0; i < r->count; i++) {
		const struct nodal_policy_rule *x = &r->rule[i];
		if (i)
			nodal_sb_putc(&b, ';');
		sb_policy(&b, &x->policy);
		if (x->min_size == 0 && x->max_size == NODAL_SIZE_ANY)
			continue;
		nodal_sb_putc(&b, '@');
		if (x->max_size == NODAL_SIZE_ANY) {
			nodal_sb_puts(&b, ">=");
			nodal_sb_size(&b, x->min_size);
		} else if (x->min_size == 0) {
			nodal_sb_putc(&b, '<');
			nodal_sb_size(&b, x->max_size);
		} else {
			nodal_sb_size(&b, x->min_size);
			nodal_sb_putc(&b, '-');
			nodal_sb_size(&b, x->max_size);
		}
	}
	return nodal_sb_end(&b);
}

const struct nodal_policy_rule *nodal_policy_rules_match(const struct nodal_policy_rules *r, uint64_t size)
{
	for (int i = 0; i < r->count; i++) {
		const struct nodal_policy_rule *x = &r->rule[i];
		if (size >= x->min_size && (x->max_size == NODAL_SIZE_ANY || size < x->max_size))
			return x;
	}
	return NULL;
}

bool nodal_policy_spec_equal(const struct nodal_policy_spec *a, const struct nodal_policy_spec *b)
{
	return a->mode == b->mode && a->flags == b->flags && a->has_nodes == b->has_nodes &&
	       nodes_equal(&a->nodes, &b->nodes) && a->has_weights == b->has_weights &&
	       !memcmp(a->weights, b->weights, sizeof(a->weights)) && a->home_node == b->home_node;
}

bool nodal_policy_rules_equal(const struct nodal_policy_rules *a, const struct nodal_policy_rules *b)
{
	if (a->count != b->count)
		return false;
	for (int i = 0; i < a->count; i++)
		if (!nodal_policy_spec_equal(&a->rule[i].policy, &b->rule[i].policy) ||
		    a->rule[i].min_size != b->rule[i].min_size || a->rule[i].max_size != b->rule[i].max_size)
			return false;
	return true;
}
