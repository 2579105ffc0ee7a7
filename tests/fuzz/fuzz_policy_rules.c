/*
 * fuzz_policy_rules.c — libFuzzer target for the text parsers (not part of CI; run with
 * `make fuzz`, see tests/fuzz/README.md).
 *
 * Each input is parsed as a rule list, a policy, a node list, weights and a size, under
 * two contexts (8 nodes with allowed 2-5, and 1024 nodes). Properties checked:
 * - nothing crashes, overruns or trips a sanitizer;
 * - a failure is EINVAL with a one-line message that names a position;
 * - whatever parses, formats to text that parses back to the same value;
 * - every NODAL_* option parser fails cleanly (EINVAL, default kept) or keeps the value.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "nodelist.h"
#include "options.h"
#include "parse_err.h"
#include "policy_spec.h"

static void check_error(int err)
{
	if (err != EINVAL)
		abort();
	const char *m = nodal_last_error();
	if (strchr(m, '\n') || !strstr(m, "position"))
		abort();
}

static void one(const char *s, const struct nodal_nodelist_ctx *c)
{
	static struct nodal_policy_rules r, r2;
	static struct nodal_policy_spec p, p2;
	static uint8_t w[NODAL_MAX_NUMNODES];
	static char buf[1 << 17];
	nodemask_t m, m2;
	uint64_t v, v2;
	int err;

	if ((err = nodal_policy_rules_parse(s, c, &r))) {
		check_error(err);
	} else {
		if (nodal_policy_rules_format(&r, buf, sizeof(buf)) >= sizeof(buf))
			abort();
		if (nodal_policy_rules_parse(buf, c, &r2) || !nodal_policy_rules_equal(&r, &r2))
			abort();
	}
	if ((err = nodal_policy_spec_parse(s, c, &p))) {
		check_error(err);
	} else {
		nodal_policy_spec_format(&p, buf, sizeof(buf));
		if (nodal_policy_spec_parse(buf, c, &p2) || !nodal_policy_spec_equal(&p, &p2))
			abort();
	}
	if ((err = nodal_nodelist_parse(s, c, &m, NULL))) {
		check_error(err);
	} else {
		nodal_nodelist_format(&m, buf, sizeof(buf));
		if (nodal_nodelist_parse(buf, c, &m2, NULL) || !nodes_equal(&m, &m2))
			abort();
	}
	if ((err = nodal_weights_parse(s, c, w)))
		check_error(err);
	if ((err = nodal_size_parse(s, &v))) {
		check_error(err);
	} else {
		nodal_size_format(v, buf, sizeof(buf));
		if (nodal_size_parse(buf, &v2) || v != v2)
			abort();
	}
}

/* Every option's parser: EINVAL leaves the default, success keeps the value. */
static void options(const char *s, const struct nodal_nodelist_ctx *c)
{
	static struct nodal_config cfg;
	static int init;
	if (!init) {
		nodal_config_defaults(&cfg);
		init = 1;
	}
	for (int i = 0; i < NODAL_OPT_COUNT; i++) {
		int err = nodal_option_parse(&cfg, (enum nodal_option_id)i, s, c);
		if (err && (err != EINVAL || strchr(nodal_parse_reason(), '\n') || cfg.raw[i][0]))
			abort();
		if (!err && *s && strcmp(cfg.raw[i], s))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char s[8192];
	static struct nodal_nodelist_ctx c8, c1024;
	static int init;
	if (!init) {
		nodal_nodelist_ctx_init(&c8, 8);
		nodes_clear(&c8.allowed);
		for (int n = 2; n <= 5; n++)
			node_set(n, &c8.allowed);
		nodal_nodelist_ctx_init(&c1024, NODAL_MAX_NUMNODES);
		init = 1;
	}
	if (size >= sizeof(s))
		size = sizeof(s) - 1;
	memcpy(s, data, size);
	s[size] = '\0'; /* the parsers take C strings: an embedded NUL ends the input */
	one(s, &c8);
	one(s, &c1024);
	options(s, &c8);
	return 0;
}
