/*
 * test_mpol_rebind.c — every row of conformance/rebind-vectors.tsv (a real kernel's
 * placement through a sequence of cpuset changes) reproduced through the policy API:
 * nodal_mpol_new() against the first allowed set, nodal_mpol_rebind() for each change,
 * then the candidate walk from every CPU's node under the allowed set of that step.
 *
 *   INTERLEAVE: the set of nodes a fresh cursor hands out equals the observed set, and
 *     8192 allocations spread as evenly as the kernel's page histogram (±1).
 *   BIND, PREFERRED, PREFERRED_MANY: for every observed "cpuK@nN:nM", the first
 *     candidate from local node N is M; the union over CPUs is the observed set.
 *   ERR:EINVAL rows: creation fails with EINVAL.
 */
#include "mpol_test.h"

#include <errno.h>
#include <stdlib.h>

static int mode_of(const char *s)
{
	if (!strcmp(s, "interleave"))
		return NODAL_MPOL_INTERLEAVE;
	if (!strcmp(s, "bind"))
		return NODAL_MPOL_BIND;
	if (!strcmp(s, "preferred"))
		return NODAL_MPOL_PREFERRED;
	if (!strcmp(s, "preferred_many"))
		return NODAL_MPOL_PREFERRED_MANY;
	if (!strcmp(s, "weighted_interleave"))
		return NODAL_MPOL_WEIGHTED_INTERLEAVE;
	cr_assert_fail("unknown mode %s", s);
	return -1;
}

static unsigned flags_of(const char *s)
{
	unsigned f = 0;
	if (strstr(s, "static"))
		f |= NODAL_F_STATIC;
	if (strstr(s, "relative"))
		f |= NODAL_F_RELATIVE;
	return f;
}

static void assert_mask_str(const nodemask_t *m, const char *want, const char *what, const char *id, int step)
{
	char buf[256];
	test_format_mask(m, buf, sizeof(buf));
	cr_assert_str_eq(buf, want, "%s step %d: %s is %s, the kernel's %s", id, step, what, buf, want);
}

/* get_mempolicy() reports the user's mask for static/relative policies, else the
 * effective nodes — exactly what nodal_mpol_to_spec() gives back. (For PREFERRED and
 * PREFERRED_MANY the kernel overwrites the stored mask on a cpuset change, a quirk
 * README.md says nodal need not copy; those rows are checked by placement only.) */
static void check_get_mempolicy(const struct nodal_mempolicy *pol, const char *want, const char *id, int step)
{
	struct nodal_policy_spec back;
	nodal_mpol_to_spec(pol, &back);
	assert_mask_str(&back.nodes, want, "get_mempolicy's nodes", id, step);
	if (!(pol->flags & (NODAL_F_STATIC | NODAL_F_RELATIVE)))
		assert_mask_str(&pol->nodes, want, "the policy's nodes", id, step);
}

Test(mpol_rebind, every_vector_row_through_the_api)
{
	struct tsv t;
	cr_assert_eq(tsv_load(&t, shared_path("conformance/rebind-vectors.tsv")), 0, "cannot read rebind-vectors.tsv");
	int c_id = tsv_col(&t, "case_id"), c_mode = tsv_col(&t, "mode"), c_flags = tsv_col(&t, "flags"),
	    c_user = tsv_col(&t, "user_mask"), c_seq = tsv_col(&t, "allowed_sequence"),
	    c_step_allowed = tsv_col(&t, "step_allowed"), c_eff = tsv_col(&t, "effective_nodes_observed"),
	    c_step = tsv_col(&t, "step_index"), c_gnodes = tsv_col(&t, "get_mempolicy_nodes"),
	    c_detail = tsv_col(&t, "observation_detail");
	cr_assert(c_id >= 0 && c_mode >= 0 && c_flags >= 0 && c_user >= 0 && c_seq >= 0 && c_step_allowed >= 0 &&
		  c_eff >= 0 && c_step >= 0 && c_gnodes >= 0 && c_detail >= 0);
	struct nodal_topology *topo = mt_get("rb8");
	int checked = 0, einval = 0, cpu_checks = 0;
	for (int i = 0; i < t.nrows; i++) {
		struct tsv_row *r = &t.rows[i];
		const char *id = r->f[c_id];
		int mode = mode_of(r->f[c_mode]), step = atoi(r->f[c_step]);
		nodemask_t seq[16];
		int nseq = 0;
		char seqbuf[256];
		snprintf(seqbuf, sizeof(seqbuf), "%s", r->f[c_seq]);
		char *save = NULL;
		for (char *s = strtok_r(seqbuf, ">", &save); s && nseq < 16; s = strtok_r(NULL, ">", &save))
			seq[nseq++] = MT_MASK(s);
		cr_assert(step < nseq, "%s: step %d beyond the sequence", id, step);
		nodemask_t step_allowed = MT_MASK(r->f[c_step_allowed]);
		cr_assert(nodes_equal(&step_allowed, &seq[step]), "%s: step_allowed disagrees with the sequence", id);

		struct nodal_policy_spec spec = MT_SPEC(mode, flags_of(r->f[c_flags]), r->f[c_user], -1);
		struct nodal_mpol_env env = { .topo = topo, .allowed = seq[0] };
		struct nodal_mempolicy *pol = NULL;
		int err = nodal_mpol_new(&spec, &env, &pol);
		checked++;
		if (!strcmp(r->f[c_eff], "ERR:EINVAL")) {
			cr_assert_eq(err, EINVAL, "%s: the kernel refused this policy, nodal accepted it", id);
			cr_assert_eq(step, 0);
			einval++;
			continue;
		}
		cr_assert_eq(err, 0, "%s: the kernel accepted this policy, nodal refused: %s", id, nodal_last_error());
		for (int s = 1; s <= step; s++) {
			struct nodal_mempolicy *next;
			cr_assert_eq(nodal_mpol_rebind(pol, &seq[s], &next), 0);
			nodal_mpol_free(pol);
			pol = next;
		}
		const nodemask_t *allowed = &seq[step];
		nodemask_t want = MT_MASK(r->f[c_eff]), got = NODE_MASK_NONE;

		if (mode == NODAL_MPOL_INTERLEAVE) {
			check_get_mempolicy(pol, r->f[c_gnodes], id, step);
			struct nodal_il_cursor il = NODAL_IL_CURSOR_INIT;
			struct nodal_mpol_ctx ctx = { .topo = topo, .allowed = allowed, .local_node = 0, .il = &il };
			int count[8] = { 0 };
			for (int k = 0; k < 8192; k++) {
				struct nodal_mpol_iter it;
				int n = nodal_mpol_first(pol, &ctx, &it);
				cr_assert(n >= 0 && n < 8, "%s: no node", id);
				count[n]++;
				node_set(n, &got);
			}
			assert_mask_str(&got, r->f[c_eff], "the interleaved set", id, step);
			int w = nodes_weight(&want), lo = 8192 / w, hi = (8192 + w - 1) / w;
			for (int n = 0; n < 8; n++)
				if (node_isset(n, &want))
					cr_assert(count[n] == lo || count[n] == hi, "%s: node %d got %d pages", id, n,
						  count[n]);
		} else {
			if (mode == NODAL_MPOL_BIND)
				check_get_mempolicy(pol, r->f[c_gnodes], id, step);
			/* "cpuK@nN:nM ..." — the page a CPU on node N allocated landed on M */
			char det[1024];
			snprintf(det, sizeof(det), "%s", r->f[c_detail]);
			int ncpu = 0;
			for (char *s = strtok_r(det, " ", &save); s; s = strtok_r(NULL, " ", &save)) {
				int cpu, from, to;
				cr_assert_eq(sscanf(s, "cpu%d@n%d:n%d", &cpu, &from, &to), 3, "%s: bad detail %s", id, s);
				struct nodal_mpol_ctx ctx = { .topo = topo, .allowed = allowed, .local_node = from };
				struct nodal_mpol_iter it;
				int n = nodal_mpol_first(pol, &ctx, &it);
				cr_assert_eq(n, to, "%s step %d: from node %d nodal picks %d, the kernel %d", id, step, from,
					     n, to);
				node_set(n, &got);
				ncpu++;
				cpu_checks++;
			}
			cr_assert_eq(ncpu, 8, "%s: expected 8 CPUs", id);
			assert_mask_str(&got, r->f[c_eff], "the union over CPUs", id, step);
		}
		/* the same through the API's summary (what `nodal policy rebind` prints) */
		nodemask_t eff;
		nodal_mpol_effective_nodes(pol, topo, allowed, &eff);
		assert_mask_str(&eff, r->f[c_eff], "nodal_mpol_effective_nodes", id, step);
		nodal_mpol_free(pol);
	}
	cr_assert_eq(checked, t.nrows);
	cr_assert_gt(checked, 2400, "only %d rows", checked);
	cr_assert_gt(einval, 100, "only %d EINVAL rows", einval);
	cr_assert_gt(cpu_checks, 10000, "only %d per-CPU checks", cpu_checks);
	cr_log_info("%d rows, %d refused, %d per-CPU placements", checked, einval, cpu_checks);
	tsv_free(&t);
	mt_free(topo);
}
