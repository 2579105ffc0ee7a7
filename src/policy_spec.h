/*
 * policy_spec.h — a policy as the user wrote it, before validation: the result of
 * parsing a policy string and the input to the policy engine (mempolicy.c), which
 * validates it the kernel's way and builds an immutable policy object.
 *
 * Grammar (docs/grammar.md has it in full):
 *   POLICY = MODE [ '=' ('static'|'relative') ] [ ':' NODELIST-or-WEIGHTS ] [ '@home=' NODE ]?
 *   RULES  = RULE { ';' RULE },  RULE = POLICY [ '@' RANGE ]
 *   RANGE  = '>=' SIZE | '<' SIZE | SIZE '-' SIZE
 * One name table (nodal_mode_names) serves the parser and the printer.
 *
 * Errors: parse functions return 0 or EINVAL and leave a one-line reason (token and
 * position) in nodal_set_error(). They never allocate.
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

#endif
