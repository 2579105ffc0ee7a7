/*
 * parse_err.h — internal helpers shared by the text parsers (size.c, nodelist.c,
 * policy_spec.c, options.c): error lines with a token and a 1-based position, and the
 * span-level parsers that let a nested parse report positions in the user's whole input.
 *
 * Contract: every parser reports failure as EINVAL after calling nodal_parse_fail()
 * exactly once. The error line is "<kind> '<whole input>': <reason>" in
 * nodal_last_error(); nodal_parse_reason() gives the <reason> part alone (the option
 * layer prints it after the variable's name and value). Positions count characters of
 * the whole input from 1. Nothing here allocates; state is per thread.
 */
#ifndef NODAL_PARSE_ERR_H
#define NODAL_PARSE_ERR_H

#include <stddef.h>
#include <stdint.h>

#include "nodelist.h"

struct nodal_perr {
	const char *kind;  /* "node list", "policy", "policy rules", "size", ... */
	const char *whole; /* the complete user input, NUL-terminated */
};

/* Record the error (always returns EINVAL, so callers can `return nodal_parse_fail(...)`). */
int nodal_parse_fail(const struct nodal_perr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The reason part of this thread's last parse error. */
const char *nodal_parse_reason(void);

/* 1-based position of @p within the whole input. */
static inline size_t nodal_pos(const struct nodal_perr *e, const char *p)
{
	return (size_t)(p - e->whole) + 1;
}

/* Copy the token [s, end) (at most ~40 characters, non-printables as \xNN) into @buf. */
const char *nodal_tok(char *buf, size_t len, const char *s, const char *end);
/* The same with at most @max characters shown. */
const char *nodal_tok_n(char *buf, size_t len, const char *s, const char *end, int max);
/* The token starting at @s: a run of letters/digits, else the single character;
 * "end" when @s == @end. */
const char *nodal_tok_at(char *buf, size_t len, const char *s, const char *end);
#define NODAL_TOK_MAX 64
/* "unexpected 'x' at position N (expected <what>)" or "unexpected end at position N (...)". */
int nodal_parse_unexpected(const struct nodal_perr *e, const char *p, const char *end, const char *what);

/* snprintf-like output: counts the full length, writes what fits, always terminates. */
struct nodal_sb {
	char *buf;
	size_t len, pos;
};
void nodal_sb_init(struct nodal_sb *b, char *buf, size_t len);
void nodal_sb_putc(struct nodal_sb *b, char c);
void nodal_sb_puts(struct nodal_sb *b, const char *s);
void nodal_sb_putu(struct nodal_sb *b, uint64_t v);
size_t nodal_sb_end(struct nodal_sb *b); /* terminates; returns the full length */
void nodal_sb_size(struct nodal_sb *b, uint64_t v);
void nodal_sb_nodelist(struct nodal_sb *b, const nodemask_t *m);
/* "0-1*3,2*1": runs of consecutive nodes of @m with equal weights. */
void nodal_sb_weights(struct nodal_sb *b, const nodemask_t *m, const uint8_t *weights);

/* Span parsers: parse exactly [s, end). */
int nodal_size_parse_span(const struct nodal_perr *e, const char *s, const char *end, uint64_t *out);
int nodal_node_parse_span(const struct nodal_perr *e, const char *s, const char *end,
                          const struct nodal_nodelist_ctx *ctx, int *node);
int nodal_nodelist_parse_span(const struct nodal_perr *e, const char *s, const char *end,
                              const struct nodal_nodelist_ctx *ctx, nodemask_t *out, bool *relative);
int nodal_weights_parse_span(const struct nodal_perr *e, const char *s, const char *end,
                             const struct nodal_nodelist_ctx *ctx, nodemask_t *nodes,
                             uint8_t weights[NODAL_MAX_NUMNODES]);

#endif
