/*
 * policy_spec.h — a policy as the user wrote it, before validation: the result of
 * parsing a policy string and the input to the policy engine (mempolicy.c), which
 * validates it the kernel's way and builds an immutable policy object.
 *
 * Grammar (docs/grammar.md has it in full):
 *   POLICY = MODE [ '=' ('static'|'relative') ] [ ':' (NODELIST | WEIGHTS) [ '/home=' NODE ] ]
 *   WEIGHTS = ITEM '*' WEIGHT { ',' ITEM '*' WEIGHT }     (weighted-interleave only)
 *   RULES  = RULE { ';' RULE },  RULE = POLICY [ '@' RANGE ]
 *   RANGE  = '>=' SIZE | '<' SIZE | SIZE '-' SIZE        (min inclusive, max exclusive)
 * '/home=' is accepted for bind and preferred-many (the kernel's set_mempolicy_home_node).
 * One name table (nodal_mode_names) serves the parser and the printer.
 *
 * Validation here is syntactic only: unknown modes or flags, both 'static' and
 * 'relative', weights on a mode other than weighted-interleave, '/home=' on other modes,
 * bad numbers and ranges, empty lists or rules, more than NODAL_MAX_RULES rules. What
 * the kernel would reject for semantic reasons (an empty mask for bind, a mask with
 * local, a home node outside the nodes...) is the policy engine's job.
 *
 * Errors: parse functions return 0 or EINVAL and leave a one-line reason (token and
 * 1-based position) in nodal_set_error(). They never allocate. Outputs are fully
 * written on success (unused fields zero, home_node -1) so structs compare with
 * nodal_policy_spec_equal(); on failure *out is unspecified.
 */
#ifndef NODAL_POLICY_SPEC_H
#define NODAL_POLICY_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nodelist.h"
#include "nodemask.h"

/* Mode values and flag bits are the kernel's uapi ones (see include/nodal.h). */
#define NODAL_MODE_COUNT 7
#define NODAL_F_STATIC (1u << 15)
#define NODAL_F_RELATIVE (1u << 14)
#define NODAL_F_NUMA_BALANCING (1u << 13)

struct nodal_mode_name {
	int mode;
	const char *name;  /* canonical, printed */
	const char *alias; /* also accepted by the parser, or NULL (kernel: "prefer") */
};
extern const struct nodal_mode_name nodal_mode_names[];
extern const size_t nodal_mode_names_count;
const char *nodal_mode_name(int mode);

struct nodal_policy_spec {
	int mode;            /* NODAL_MPOL_* */
	unsigned flags;      /* NODAL_F_* */
	nodemask_t nodes;    /* as written (for '+' lists: already mapped, see nodelist.h) */
	bool has_nodes;      /* a ':' part was given */
	bool has_weights;    /* weighted-interleave with explicit node*weight items */
	uint8_t weights[NODAL_MAX_NUMNODES]; /* 1..255 where has_weights; 0 = not given */
	int home_node;       /* -1 = none */
};

#define NODAL_SIZE_ANY UINT64_MAX

struct nodal_policy_rule {
	struct nodal_policy_spec policy;
	uint64_t min_size;   /* inclusive */
	uint64_t max_size;   /* exclusive; NODAL_SIZE_ANY = no upper bound */
};

#define NODAL_MAX_RULES 16

struct nodal_policy_rules {
	int count;
	struct nodal_policy_rule rule[NODAL_MAX_RULES];
};

int nodal_policy_spec_parse(const char *s, const struct nodal_nodelist_ctx *ctx, struct nodal_policy_spec *out);
/* Canonical text; returns the needed length like snprintf. parse(format(p)) == p. */
size_t nodal_policy_spec_format(const struct nodal_policy_spec *p, char *buf, size_t len);

int nodal_policy_rules_parse(const char *s, const struct nodal_nodelist_ctx *ctx, struct nodal_policy_rules *out);
size_t nodal_policy_rules_format(const struct nodal_policy_rules *r, char *buf, size_t len);
/* The first rule whose range holds @size, or NULL. */
const struct nodal_policy_rule *nodal_policy_rules_match(const struct nodal_policy_rules *r, uint64_t size);

/* Sizes: decimal with optional K/M/G/T suffix (binary units, case-insensitive, optional
 * 'B'/'iB'); overflow is EINVAL. */
int nodal_size_parse(const char *s, uint64_t *out);
/* Shortest exact text for @v ("4M", "1536K", "0", "100"); returns the needed length like
 * snprintf. nodal_size_parse(format(v)) == v. */
size_t nodal_size_format(uint64_t v, char *buf, size_t len);

/* Weights for NODAL_WEIGHTS: "0*3,1*1,2-3*2" (also "all*2", strides). Every item has a
 * weight 1..255; a node may be named once. @weights gets the weight per node, 0 where
 * none was given. Returns 0 or EINVAL (see above). */
int nodal_weights_parse(const char *s, const struct nodal_nodelist_ctx *ctx, uint8_t weights[NODAL_MAX_NUMNODES]);

/* Field-wise equality (what parse(format(p)) == p means). */
bool nodal_policy_spec_equal(const struct nodal_policy_spec *a, const struct nodal_policy_spec *b);
bool nodal_policy_rules_equal(const struct nodal_policy_rules *a, const struct nodal_policy_rules *b);

/* The mode's value for a canonical name or alias, or -1. */
int nodal_mode_from_name(const char *name);

#endif
