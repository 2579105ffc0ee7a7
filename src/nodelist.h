/*
 * nodelist.h — node lists in numactl's syntax, and their canonical printed form.
 *
 * Owns: parsing "0-3,5", "all", "!2", "+0-1", "0-7:2" (stride) into a nodemask_t, and
 * printing a mask as the canonical compressed list ("0-3,5"; "" for the empty set).
 *
 * Context: "all", "!" and "+" need to know the machine; the caller passes it. Parsing
 * never allocates and never calls the kernel, so it is safe in the malloc path.
 *
 * Errors: 0 or EINVAL; on EINVAL nodal_set_error() holds one line naming the offending
 * token and its 1-based character position, e.g.
 *   "node list '0-3x': unexpected 'x' at position 4 (expected ',' or end)".
 */
#ifndef NODAL_NODELIST_H
#define NODAL_NODELIST_H

#include <stdbool.h>
#include <stddef.h>

#include "nodemask.h"

struct nodal_nodelist_ctx {
	nodemask_t all;     /* what "all" and "!" are taken against (e.g. the memory nodes) */
	nodemask_t allowed; /* what "+" (relative) lists are mapped onto, in order */
	int nr_node_ids;    /* node ids at or above this are rejected (<= NODAL_MAX_NUMNODES) */
};

/* A context with all = allowed = nodes 0..nr-1. */
void nodal_nodelist_ctx_init(struct nodal_nodelist_ctx *ctx, int nr_node_ids);

/*
 * Parse @s into @out. Returns 0 or EINVAL. If @relative is non-NULL it is set when the
 * list was written relative ("+..."): then @out is already mapped onto ctx->allowed
 * (numactl's meaning) and *relative tells the caller the user's intent.
 */
int nodal_nodelist_parse(const char *s, const struct nodal_nodelist_ctx *ctx, nodemask_t *out, bool *relative);

/* Print @m canonically into @buf ("" for the empty set); returns the length that the
 * full text needs (like snprintf), so a result >= len means it was truncated. */
size_t nodal_nodelist_format(const nodemask_t *m, char *buf, size_t len);

#endif
