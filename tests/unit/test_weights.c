/*
 * test_weights.c — the default weight chain for weighted-interleave: NODAL_WEIGHTS, then
 * the kernel's sysfs files (a fake directory here), then hwloc bandwidth reduced the
 * kernel's way, then 1; and that the result feeds a policy.
 */
#include "mpol_test.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "weights.h"

static char dir[] = "/tmp/nodal-wi-XXXXXX";

static void write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(weights, .init = setup, .fini = teardown);

Test(weights, env_wins)
{
	struct nodal_topology *t = mt_get("four-cpuless");
	write_file("node0", "9\n");
	uint8_t w[NODAL_MAX_NUMNODES];
	enum nodal_weights_source src;
	cr_assert_eq(nodal_default_weights_from(t, "0*3,2-3*2", dir, w, &src), 0, "%s", nodal_last_error());
	cr_expect_eq(src, NODAL_WEIGHTS_FROM_ENV);
	cr_expect(w[0] == 3 && w[1] == 1 && w[2] == 2 && w[3] == 2, "%d %d %d %d", w[0], w[1], w[2], w[3]);
	cr_expect_eq(w[100], 1);
	mt_free(t);
}

Test(weights, bad_env_falls_through_with_a_message)
{
	struct nodal_topology *t = mt_get("two");
	write_file("node0", "4\n");
	write_file("node1", "255");
	uint8_t w[NODAL_MAX_NUMNODES];
	enum nodal_weights_source src;
	cr_expect_eq(nodal_default_weights_from(t, "0*0", dir, w, &src), EINVAL);
	cr_expect(strstr(nodal_last_error(), "NODAL_WEIGHTS=0*0") != NULL, "%s", nodal_last_error());
	cr_expect(strstr(nodal_last_error(), "1-255") != NULL, "%s", nodal_last_error());
	cr_expect_eq(src, NODAL_WEIGHTS_FROM_SYSFS);
	cr_expect(w[0] == 4 && w[1] == 255);
	mt_free(t);
}

Test(weights, sysfs_then_missing_files_are_one)
{
	struct nodal_topology *t = mt_get("four-cpuless");
	write_file("node1", "7\n");
	write_file("node2", "garbage\n");
	write_file("node3", "0\n");
	uint8_t w[NODAL_MAX_NUMNODES];
	enum nodal_weights_source src;
	cr_assert_eq(nodal_default_weights_from(t, "", dir, w, &src), 0);
	cr_expect_eq(src, NODAL_WEIGHTS_FROM_SYSFS);
	cr_expect(w[0] == 1 && w[1] == 7 && w[2] == 1 && w[3] == 1, "%d %d %d %d", w[0], w[1], w[2], w[3]);
	mt_free(t);
}

Test(weights, bandwidth_the_kernels_way)
{
	struct nodal_topology *t = mt_get("four-cpuless");
	/* 32*bw/sum: 200,100,100,0 of 400 -> 16,8,8,1 -> gcd 1 */
	t->nodes[0].bandwidth_mbs = 200;
	t->nodes[1].bandwidth_mbs = 100;
	t->nodes[2].bandwidth_mbs = 100;
	uint8_t w[NODAL_MAX_NUMNODES];
	enum nodal_weights_source src;
	cr_assert_eq(nodal_default_weights_from(t, NULL, dir, w, &src), 0); /* empty sysfs dir */
	cr_expect_eq(src, NODAL_WEIGHTS_FROM_BANDWIDTH);
	cr_expect(w[0] == 16 && w[1] == 8 && w[2] == 8 && w[3] == 1, "%d %d %d %d", w[0], w[1], w[2], w[3]);
	/* 1:2 beats 16:32 — reduced by the GCD */
	t->nodes[0].bandwidth_mbs = 100;
	t->nodes[1].bandwidth_mbs = 200;
	t->nodes[2].bandwidth_mbs = 0;
	t->nodes[3].bandwidth_mbs = 0;
	cr_assert_eq(nodal_default_weights_from(t, NULL, NULL, w, &src), 0);
	cr_expect_eq(src, NODAL_WEIGHTS_FROM_BANDWIDTH);
	/* 3200/300=10, 6400/300=21, 1, 1 -> gcd 1 */
	cr_expect(w[0] == 10 && w[1] == 21 && w[2] == 1 && w[3] == 1, "%d %d %d %d", w[0], w[1], w[2], w[3]);
	t->nodes[2].bandwidth_mbs = 100;
	t->nodes[3].bandwidth_mbs = 100;
	t->nodes[0].bandwidth_mbs = 100;
	t->nodes[1].bandwidth_mbs = 100;
	cr_assert_eq(nodal_default_weights_from(t, NULL, NULL, w, &src), 0);
	cr_expect(w[0] == 1 && w[1] == 1 && w[2] == 1 && w[3] == 1, "8:8:8:8 reduces to 1s");
	mt_free(t);
}

Test(weights, nothing_known_is_one)
{
	struct nodal_topology *t = mt_get("rb8");
	uint8_t w[NODAL_MAX_NUMNODES];
	enum nodal_weights_source src;
	cr_assert_eq(nodal_default_weights_from(t, NULL, "/nonexistent/nodal", w, &src), 0);
	cr_expect_eq(src, NODAL_WEIGHTS_FROM_DEFAULT);
	for (int i = 0; i < NODAL_MAX_NUMNODES; i++)
		cr_assert_eq(w[i], 1);
	/* this machine's own chain: whatever it finds, every weight is usable */
	cr_assert_eq(nodal_default_weights(t, NULL, w), 0);
	for (int i = 0; i < NODAL_MAX_NUMNODES; i++)
		cr_assert(w[i] >= 1);
	mt_free(t);
}

Test(weights, feed_a_policy)
{
	struct nodal_topology *t = mt_get("two");
	uint8_t w[NODAL_MAX_NUMNODES];
	cr_assert_eq(nodal_default_weights_from(t, "0*2,1*1", NULL, w, NULL), 0);
	struct nodal_mpol_env env = { .topo = t, .allowed = t->memory, .default_weights = w };
	struct nodal_policy_spec s = MT_SPEC(NODAL_MPOL_WEIGHTED_INTERLEAVE, 0, "0-1", -1);
	struct nodal_mempolicy *p;
	cr_assert_eq(nodal_mpol_new(&s, &env, &p), 0);
	struct nodal_il_cursor il = NODAL_IL_CURSOR_INIT;
	struct nodal_mpol_ctx ctx = { .topo = t, .allowed = &t->memory, .il = &il };
	struct nodal_mpol_iter it;
	int seq[6];
	for (int i = 0; i < 6; i++)
		seq[i] = nodal_mpol_first(p, &ctx, &it);
	cr_expect(seq[0] == 0 && seq[1] == 0 && seq[2] == 1 && seq[3] == 0 && seq[4] == 0 && seq[5] == 1);
	nodal_mpol_free(p);
	mt_free(t);
}
