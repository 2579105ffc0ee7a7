/*
 * mpol_test.h — small helpers shared by the policy-engine tests: build specs without the
 * parser, create policies against a hand-built topology, print candidate orders.
 */
#ifndef NODAL_TEST_MPOL_TEST_H
#define NODAL_TEST_MPOL_TEST_H

#include <criterion/criterion.h>
#include <nodal.h>
#include <stdio.h>
#include <string.h>

#include "mempolicy.h"
#include "mpol_topo.h"
#include "msg.h"
#include "tsv.h"

#define STATIC NODAL_F_STATIC
#define RELATIVE NODAL_F_RELATIVE
#define NUMA_BAL NODAL_F_NUMA_BALANCING

static inline nodemask_t MT_MASK(const char *s)
{
	nodemask_t m;
	cr_assert_eq(test_parse_mask(s, &m), 0, "bad test mask '%s'", s);
	return m;
}

static inline struct nodal_policy_spec MT_SPEC(int mode, unsigned flags, const char *nodes, int home)
{
	struct nodal_policy_spec s;
	memset(&s, 0, sizeof(s));
	s.mode = mode;
	s.flags = flags;
	s.nodes = MT_MASK(nodes);
	s.has_nodes = *nodes != 0;
	s.home_node = home;
	return s;
}

/* Create or fail the test; @allowed NULL = the topology's memory nodes. */
static inline struct nodal_mempolicy *mt_new(const struct nodal_topology *t, const struct nodal_policy_spec *s,
					     const char *allowed)
{
	struct nodal_mpol_env env = { .topo = t, .default_weights = NULL };
	env.allowed = allowed ? MT_MASK(allowed) : t->memory;
	struct nodal_mempolicy *p = NULL;
	int err = nodal_mpol_new(s, &env, &p);
	cr_assert_eq(err, 0, "nodal_mpol_new failed: %d (%s)", err, nodal_last_error());
	cr_assert_not_null(p);
	return p;
}

/* The candidate order as "a b c" ("" for none). */
static inline void mt_cands(const struct nodal_mempolicy *p, const struct nodal_topology *t, const char *allowed,
			    int local, const char *full, const char *pressure, struct nodal_il_cursor *il, char *buf,
			    size_t len)
{
	nodemask_t a = MT_MASK(allowed), f = MT_MASK(full ? full : ""), pr = MT_MASK(pressure ? pressure : "");
	struct nodal_mpol_ctx ctx = { .topo = t,
				      .allowed = &a,
				      .full = full ? &f : NULL,
				      .pressure = pressure ? &pr : NULL,
				      .local_node = local,
				      .il = il };
	int out[NODAL_MAX_NUMNODES];
	int n = nodal_mpol_candidates(p, &ctx, out, NODAL_MAX_NUMNODES);
	cr_assert(n >= 0 && n <= NODAL_MAX_NUMNODES);
	mt_format_order(out, n, buf, len);
}

#endif
