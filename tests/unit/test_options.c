/*
 * test_options.c — the NODAL_* option table: every option's defaults, good and bad
 * values, the exact one-line message, defaults kept on error, unknown-variable warnings
 * with suggestions, context-less loading then node resolution, reading without malloc,
 * and the rendered tables in README.md, docs/options.md and docs/nodal.1 matching the
 * table (so the docs cannot drift).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "options.h"
#include "parse_err.h"

#ifndef NODAL_SRCDIR
#define NODAL_SRCDIR "."
#endif

static struct nodal_config cfg, cfg2;

/* ---- stderr capture ---------------------------------------------------------------- */
static int saved_fd = -1;
static char cap_path[64];

static void capture_begin(void)
{
	strcpy(cap_path, "/tmp/nodal-opt-XXXXXX");
	int fd = mkstemp(cap_path);
	cr_assert(fd >= 0);
	fflush(stderr);
	saved_fd = dup(2);
	dup2(fd, 2);
	close(fd);
}

/* Returns the captured text (static buffer). */
static const char *capture_end(void)
{
	static char buf[16384];
	fflush(stderr);
	dup2(saved_fd, 2);
	close(saved_fd);
	FILE *f = fopen(cap_path, "r");
	cr_assert(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(cap_path);
	return buf;
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- defaults ---------------------------------------------------------------------- */

Test(options, every_default_parses_and_table_is_complete)
{
	for (int i = 0; i < NODAL_OPT_COUNT; i++) {
		const struct nodal_option *o = &nodal_options[i];
		cr_assert(o->name && !strncmp(o->name, "NODAL_", 6), "option %d has no name", i);
		cr_assert(o->type && *o->type && o->def && o->expected && *o->expected && o->doc && *o->doc && o->parse,
		          "%s: incomplete row", o->name);
		cr_assert(!strchr(o->doc, '\n'), "%s: doc must be one line", o->name);
		cr_assert_eq(nodal_option_find(o->name), o);
		nodal_config_defaults(&cfg);
		if (*o->def)
			cr_assert_eq(nodal_option_parse(&cfg, (enum nodal_option_id)i, o->def, NULL), 0,
			             "%s: default '%s' does not parse: %s", o->name, o->def, nodal_parse_reason());
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(o->name, nodal_options[j].name, "duplicate option %s", o->name);
	}
	cr_assert_null(nodal_option_find("NODAL_NOPE"));
}

Test(options, default_values)
{
	char buf[256];
	nodal_config_defaults(&cfg);
	nodal_policy_rules_format(&cfg.policy, buf, sizeof(buf));
	cr_assert_str_eq(buf, "local");
	cr_assert(nodes_empty(&cfg.private_nodes));
	cr_assert(nodes_empty(&cfg.node_limit_set));
	cr_assert_eq(cfg.min_free, 0);
	cr_assert_eq(cfg.bind_reserve, 16ull << 20);
	cr_assert(!cfg.has_weights);
	cr_assert_eq(cfg.fallback, NODAL_FALLBACK_KERNEL);
	cr_assert_eq(cfg.page_policy_min, 4u << 20);
	cr_assert(!cfg.migrate);
	cr_assert_eq(cfg.rebind_interval_ms, 100);
	cr_assert_str_eq(cfg.topology, "");
	cr_assert_eq(cfg.os, NODAL_OS_LINUX);
	cr_assert_eq(cfg.stats, NODAL_STATS_OFF);
	cr_assert_eq(cfg.verbose, 0);
	cr_assert_eq(cfg.set, 0);
	cr_assert_eq(cfg.bad, 0);
}

/* ---- good values ------------------------------------------------------------------- */

Test(options, good_values)
{
	struct nodal_nodelist_ctx ctx;
	char buf[256];
	nodal_nodelist_ctx_init(&ctx, 8);
	nodal_config_defaults(&cfg);

	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_POLICY, "interleave:all@>=1M;bind:0-1@<64K;local", &ctx), 0);
	nodal_policy_rules_format(&cfg.policy, buf, sizeof(buf));
	cr_assert_str_eq(buf, "interleave:0-7@>=1M;bind:0-1@<64K;local");
	cr_assert_str_eq(cfg.raw[NODAL_OPT_POLICY], "interleave:all@>=1M;bind:0-1@<64K;local");
	cr_assert(cfg.set & (1u << NODAL_OPT_POLICY));

	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_PRIVATE_NODES, "2-3,6", &ctx), 0);
	nodal_nodelist_format(&cfg.private_nodes, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2-3,6");

	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_NODE_LIMIT, "2:4G,3:512M,4-5:1K", &ctx), 0);
	nodal_nodelist_format(&cfg.node_limit_set, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2-5");
	cr_assert_eq(cfg.node_limit[2], 4ull << 30);
	cr_assert_eq(cfg.node_limit[3], 512ull << 20);
	cr_assert_eq(cfg.node_limit[5], 1024);
	cr_assert_eq(cfg.node_limit[0], 0);

	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_MIN_FREE, "256MiB", &ctx), 0);
	cr_assert_eq(cfg.min_free, 256ull << 20);
	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_BIND_RESERVE, "0", &ctx), 0);
	cr_assert_eq(cfg.bind_reserve, 0);

	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_WEIGHTS, "0*3,1*1,2-3*2", &ctx), 0);
	cr_assert(cfg.has_weights);
	cr_assert_eq(cfg.weights[0], 3);
	cr_assert_eq(cfg.weights[1], 1);
	cr_assert_eq(cfg.weights[3], 2);
	cr_assert_eq(cfg.weights[4], 0);

	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_FALLBACK, "kernel-hotplug", &ctx), 0);
	cr_assert_eq(cfg.fallback, NODAL_FALLBACK_KERNEL_HOTPLUG);
	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_FALLBACK, "distance", &ctx), 0);
	cr_assert_eq(cfg.fallback, NODAL_FALLBACK_DISTANCE);

	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_PAGE_POLICY_MIN, "2M", &ctx), 0);
	cr_assert_eq(cfg.page_policy_min, 2u << 20);
	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_PAGE_POLICY_MIN, "0", &ctx), 0);
	cr_assert_eq(cfg.page_policy_min, 0);

	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_MIGRATE, "1", &ctx), 0);
	cr_assert(cfg.migrate);
	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_REBIND_INTERVAL_MS, "0", &ctx), 0);
	cr_assert_eq(cfg.rebind_interval_ms, 0);
	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_REBIND_INTERVAL_MS, "3600000", &ctx), 0);
	cr_assert_eq(cfg.rebind_interval_ms, 3600000);

	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_TOPOLOGY, NODAL_SRCDIR "/README.md", &ctx), 0);
	cr_assert_str_eq(cfg.topology, NODAL_SRCDIR "/README.md");
	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_TOPOLOGY, "synthetic:node:2 pu:2", &ctx), 0);
	cr_assert_str_eq(cfg.topology, "synthetic:node:2 pu:2");

	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_OS, "sim", &ctx), 0);
	cr_assert_eq(cfg.os, NODAL_OS_SIM);

	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_STATS, "1", &ctx), 0);
	cr_assert_eq(cfg.stats, NODAL_STATS_TEXT);
	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_STATS, "json:/tmp/x.json", &ctx), 0);
	cr_assert_eq(cfg.stats, NODAL_STATS_JSON);
	cr_assert_str_eq(cfg.stats_path, "/tmp/x.json");
	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_STATS, "0", &ctx), 0);
	cr_assert_eq(cfg.stats, NODAL_STATS_OFF);

	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_VERBOSE, "2", &ctx), 0);
	cr_assert_eq(cfg.verbose, 2);

	/* empty = default */
	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_VERBOSE, "", &ctx), 0);
	cr_assert_eq(cfg.verbose, 0);
	cr_assert(!(cfg.set & (1u << NODAL_OPT_VERBOSE)));
	cr_assert_eq(cfg.bad, 0);
}

/* ---- bad values: message fragment, default kept ------------------------------------ */

static const struct bad {
	enum nodal_option_id id;
	const char *value;
	const char *fragment;
} bad_values[] = {
	{ NODAL_OPT_POLICY, "intreleave:all", "unknown mode 'intreleave' at position 1" },
	{ NODAL_OPT_POLICY, "bind=static=relative:0", "flag 'relative' at position 13 conflicts" },
	{ NODAL_OPT_POLICY, "local;;bind:0", "empty rule at position 7" },
	{ NODAL_OPT_POLICY, "bind:9", "node '9' at position 6 is beyond the last possible node 7" },
	{ NODAL_OPT_POLICY, "local@4M-1M", "range '4M-1M' at position 7 is empty or reversed" },
	{ NODAL_OPT_PRIVATE_NODES, "2-x", "unexpected 'x' at position 3" },
	{ NODAL_OPT_PRIVATE_NODES, "8", "node '8' at position 1 is beyond the last possible node 7" },
	{ NODAL_OPT_PRIVATE_NODES, "3-1", "range '3-1' at position 1 is reversed" },
	{ NODAL_OPT_NODE_LIMIT, "2", "unexpected end at position 2 (expected ':SIZE' after the nodes)" },
	{ NODAL_OPT_NODE_LIMIT, "2:4X", "unexpected 'X' at position 4" },
	{ NODAL_OPT_NODE_LIMIT, "2:0", "limit 0 at position 3" },
	{ NODAL_OPT_NODE_LIMIT, "2:1G,2:2G", "node 2 at position 6 already has a limit" },
	{ NODAL_OPT_NODE_LIMIT, ":1G", "unexpected ':' at position 1 (expected a node number before ':')" },
	{ NODAL_OPT_NODE_LIMIT, "1:1G,", "unexpected end at position 6 (expected NODES:SIZE)" },
	{ NODAL_OPT_MIN_FREE, "-1", "unexpected '-' at position 1" },
	{ NODAL_OPT_MIN_FREE, "99999999999T", "does not fit in 64 bits" },
	{ NODAL_OPT_BIND_RESERVE, "16Q", "unexpected 'Q' at position 3" },
	{ NODAL_OPT_WEIGHTS, "0*0", "weight '0' at position 3 is out of range (expected 1-255)" },
	{ NODAL_OPT_WEIGHTS, "0*256", "weight '256' at position 3 is out of range" },
	{ NODAL_OPT_WEIGHTS, "0-1", "missing weight at position 4" },
	{ NODAL_OPT_WEIGHTS, "0*1,0*2", "node 0 at position 5 already has a weight" },
	{ NODAL_OPT_FALLBACK, "kernal", "unknown value 'kernal'" },
	{ NODAL_OPT_FALLBACK, "KERNEL", "unknown value 'KERNEL'" },
	{ NODAL_OPT_PAGE_POLICY_MIN, "4P", "unexpected 'P' at position 2" },
	{ NODAL_OPT_MIGRATE, "2", "'2' is out of range" },
	{ NODAL_OPT_MIGRATE, "yes", "unexpected 'yes' at position 1 (expected a decimal digit)" },
	{ NODAL_OPT_REBIND_INTERVAL_MS, "3600001", "'3600001' is out of range" },
	{ NODAL_OPT_REBIND_INTERVAL_MS, "10ms", "unexpected 'ms' at position 3" },
	{ NODAL_OPT_REBIND_INTERVAL_MS, "99999999999999999999999", "is out of range" },
	{ NODAL_OPT_TOPOLOGY, "/nonexistent/topo.xml", "the file no such file" },
	{ NODAL_OPT_TOPOLOGY, "synthetic:", "empty synthetic description" },
	{ NODAL_OPT_OS, "windows", "unknown value 'windows'" },
	{ NODAL_OPT_STATS, "2", "unknown value '2'" },
	{ NODAL_OPT_STATS, "json:", "empty path after 'json:'" },
	{ NODAL_OPT_STATS, "yaml:/x", "unknown value 'yaml:/x'" },
	{ NODAL_OPT_VERBOSE, "3", "'3' is out of range" },
	{ NODAL_OPT_VERBOSE, "-1", "unexpected '-' at position 1" },
};

Test(options, bad_values_keep_the_default)
{
	struct nodal_nodelist_ctx ctx;
	nodal_nodelist_ctx_init(&ctx, 8);
	unsigned covered = 0;
	for (size_t i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
		const struct bad *b = &bad_values[i];
		nodal_config_defaults(&cfg2);
		nodal_config_defaults(&cfg);
		cr_assert_eq(nodal_option_parse(&cfg, b->id, b->value, &ctx), EINVAL, "%s='%s' accepted",
		             nodal_options[b->id].name, b->value);
		cr_assert(strstr(nodal_parse_reason(), b->fragment), "%s='%s': got '%s', want '%s'",
		          nodal_options[b->id].name, b->value, nodal_parse_reason(), b->fragment);
		cr_assert(!memcmp(&cfg, &cfg2, sizeof(cfg)), "%s='%s': config changed after a bad value",
		          nodal_options[b->id].name, b->value);
		covered |= 1u << b->id;
	}
	cr_assert_eq(covered, (1u << NODAL_OPT_COUNT) - 1, "some option has no bad-value test");
}

Test(options, bad_value_after_good_value_restores_default)
{
	nodal_config_defaults(&cfg);
	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_VERBOSE, "2", NULL), 0);
	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_VERBOSE, "7", NULL), EINVAL);
	cr_assert_eq(cfg.verbose, 0);
	cr_assert_str_eq(cfg.raw[NODAL_OPT_VERBOSE], "");
	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_POLICY, "bind:0", NULL), 0);
	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_POLICY, "bind:", NULL), EINVAL);
	char buf[64];
	nodal_policy_rules_format(&cfg.policy, buf, sizeof(buf));
	cr_assert_str_eq(buf, "local");
}

Test(options, too_long_value)
{
	static char v[NODAL_OPT_VALUE_MAX + 10];
	memset(v, '0', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	nodal_config_defaults(&cfg);
	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_MIN_FREE, v, NULL), EINVAL);
	cr_assert(strstr(nodal_parse_reason(), "characters long (at most 2047 are read)"), "%s", nodal_parse_reason());
	cr_assert_eq(cfg.min_free, 0);
}

/* ---- exact message format ---------------------------------------------------------- */

Test(options, message_format_exact)
{
	nodal_config_defaults(&cfg);
	capture_begin();
	int err = nodal_option_set(&cfg, NODAL_OPT_FALLBACK, "kernal", NULL);
	const char *out = capture_end();
	cr_assert_eq(err, EINVAL);
	cr_assert_str_eq(out, "nodal: NODAL_FALLBACK='kernal': unknown value 'kernal' (expected kernel, kernel-hotplug "
	                      "or distance); using the default 'kernel'\n");
	cr_assert(cfg.bad & (1u << NODAL_OPT_FALLBACK));

	capture_begin();
	nodal_option_set(&cfg, NODAL_OPT_POLICY, "bind:0-3x", NULL);
	out = capture_end();
	cr_assert_str_eq(out, "nodal: NODAL_POLICY='bind:0-3x': unexpected 'x' at position 9 (expected ':' (stride) or "
	                      "',' or the end of the list) (expected a rule list POLICY[@RANGE];... such as "
	                      "interleave:all@>=1M;local (docs/grammar.md)); using the default 'local'\n");

	/* control characters cannot break the one-line promise */
	capture_begin();
	nodal_option_set(&cfg, NODAL_OPT_OS, "li\nnux", NULL);
	out = capture_end();
	cr_assert_str_eq(out, "nodal: NODAL_OS='li\\x0anux': unknown value 'li\\x0anux' (expected linux or sim); using "
	                      "the default 'linux'\n");

	/* good values print nothing */
	capture_begin();
	nodal_option_set(&cfg, NODAL_OPT_OS, "sim", NULL);
	out = capture_end();
	cr_assert_str_eq(out, "");
}

/* ---- loading from an environment --------------------------------------------------- */

Test(options, load_env_values_bad_values_and_unknown_names)
{
	char *env[] = {
		"HOME=/root",
		"NODAL_POLICY=interleave:all@>=1M;local",
		"NODAL_VERBOSE=9",
		"NODAL_POLCY=bind:0",
		"NODAL_FALBACK=distance",
		"NODAL_COMPLETELY_DIFFERENT=1",
		"NODAL_SHARED=/work/shared",
		"NODAL_OS=sim",
		"NODAL_MIGRATE=",
		NULL,
	};
	struct nodal_nodelist_ctx ctx;
	nodal_nodelist_ctx_init(&ctx, 4);
	capture_begin();
	int n = nodal_config_load_env(&cfg, env, &ctx);
	const char *out = capture_end();
	cr_assert_eq(n, 4, "messages: %d\n%s", n, out);
	cr_assert_eq(count_lines(out), 4, "%s", out);
	cr_assert(strstr(out, "nodal: NODAL_VERBOSE='9': '9' is out of range (expected 0, 1 or 2); using the default "
	                      "'0'\n"),
	          "%s", out);
	cr_assert(strstr(out, "nodal: NODAL_POLCY is not a nodal option and is ignored (did you mean NODAL_POLICY?)\n"),
	          "%s", out);
	cr_assert(strstr(out, "nodal: NODAL_FALBACK is not a nodal option and is ignored (did you mean "
	                      "NODAL_FALLBACK?)\n"),
	          "%s", out);
	cr_assert(strstr(out, "nodal: NODAL_COMPLETELY_DIFFERENT is not a nodal option and is ignored (see 'nodal "
	                      "options')\n"),
	          "%s", out);
	cr_assert(!strstr(out, "NODAL_SHARED"), "%s", out);
	char buf[128];
	nodal_policy_rules_format(&cfg.policy, buf, sizeof(buf));
	cr_assert_str_eq(buf, "interleave:0-3@>=1M;local");
	cr_assert_eq(cfg.os, NODAL_OS_SIM);
	cr_assert_eq(cfg.verbose, 0);
	cr_assert(cfg.nodes_resolved);
	cr_assert_eq(cfg.set, (1u << NODAL_OPT_POLICY) | (1u << NODAL_OPT_OS));
	cr_assert_eq(cfg.bad, 1u << NODAL_OPT_VERBOSE);
}

Test(options, suggestions)
{
	cr_assert_str_eq(nodal_option_suggest("NODAL_POLCY"), "NODAL_POLICY");
	cr_assert_str_eq(nodal_option_suggest("NODAL_policy"), "NODAL_POLICY");
	cr_assert_str_eq(nodal_option_suggest("NODAL_WEIGHT"), "NODAL_WEIGHTS");
	cr_assert_str_eq(nodal_option_suggest("NODAL_REBIND_INTERVAL"), "NODAL_REBIND_INTERVAL_MS");
	cr_assert_str_eq(nodal_option_suggest("NODAL_PRIVATE_NODE"), "NODAL_PRIVATE_NODES");
	cr_assert_str_eq(nodal_option_suggest("NODAL_VERBOES"), "NODAL_VERBOSE");
	cr_assert_null(nodal_option_suggest("NODAL_FOO"));
	cr_assert_null(nodal_option_suggest("OTHER_POLICY"));
}

Test(options, load_without_context_then_resolve)
{
	char *env[] = {
		"NODAL_POLICY=bind:+1;interleave:5-6",
		"NODAL_PRIVATE_NODES=!0",
		"NODAL_WEIGHTS=0*2,3*4",
		"NODAL_NODE_LIMIT=1:1G",
		NULL,
	};
	struct nodal_nodelist_ctx ctx;
	capture_begin();
	int n = nodal_config_load_env(&cfg, env, NULL);
	const char *out = capture_end();
	cr_assert_eq(n, 0, "%s", out);
	cr_assert(!cfg.nodes_resolved);
	cr_assert_str_eq(cfg.raw[NODAL_OPT_POLICY], "bind:+1;interleave:5-6");

	/* a 4-node machine whose allowed nodes are 2-3: '+1' is node 3, '5-6' does not exist */
	nodal_nodelist_ctx_init(&ctx, 4);
	nodes_clear(&ctx.allowed);
	node_set(2, &ctx.allowed);
	node_set(3, &ctx.allowed);
	capture_begin();
	n = nodal_config_resolve_nodes(&cfg, &ctx);
	out = capture_end();
	cr_assert_eq(n, 1, "%s", out);
	cr_assert_str_eq(out, "nodal: NODAL_POLICY='bind:+1;interleave:5-6': node '5' at position 20 is beyond the last "
	                      "possible node 3 (expected a rule list POLICY[@RANGE];... such as interleave:all@>=1M;local "
	                      "(docs/grammar.md)); using the default 'local'\n");
	char buf[64];
	nodal_policy_rules_format(&cfg.policy, buf, sizeof(buf));
	cr_assert_str_eq(buf, "local");
	nodal_nodelist_format(&cfg.private_nodes, buf, sizeof(buf));
	cr_assert_str_eq(buf, "1-3");
	cr_assert(cfg.has_weights && cfg.weights[0] == 2 && cfg.weights[3] == 4);
	cr_assert(cfg.nodes_resolved);
	cr_assert(cfg.bad & (1u << NODAL_OPT_POLICY));

	/* a good relative policy resolves onto the allowed nodes */
	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_POLICY, "bind:+1", NULL), 0);
	cr_assert_eq(nodal_config_resolve_nodes(&cfg, &ctx), 0);
	nodal_policy_rules_format(&cfg.policy, buf, sizeof(buf));
	cr_assert_str_eq(buf, "bind:3");
}

Test(options, getenv)
{
	char *env[] = { "NODAL_X=1", "NODAL_XY=2", "NODAL_EMPTY=", "NOEQ", NULL };
	cr_assert_str_eq(nodal_getenv_in(env, "NODAL_X"), "1");
	cr_assert_str_eq(nodal_getenv_in(env, "NODAL_XY"), "2");
	cr_assert_str_eq(nodal_getenv_in(env, "NODAL_EMPTY"), "");
	cr_assert_null(nodal_getenv_in(env, "NODAL"));
	cr_assert_null(nodal_getenv_in(env, "NOEQ"));
	cr_assert_null(nodal_getenv_in(NULL, "NODAL_X"));
	setenv("NODAL_TEST_GETENV", "yes", 1);
	cr_assert_str_eq(nodal_getenv("NODAL_TEST_GETENV"), "yes");
	unsetenv("NODAL_TEST_GETENV");
	cr_assert_null(nodal_getenv("NODAL_TEST_GETENV"));
}

/* ---- no malloc: count calls through the process's malloc --------------------------- */
#ifndef __SANITIZE_ADDRESS__
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
static volatile int counting, alloc_calls;

void *malloc(size_t n)
{
	if (counting)
		alloc_calls++;
	return __libc_malloc(n);
}
void *calloc(size_t n, size_t m)
{
	if (counting)
		alloc_calls++;
	return __libc_calloc(n, m);
}
void *realloc(void *p, size_t n)
{
	if (counting)
		alloc_calls++;
	return __libc_realloc(p, n);
}
void free(void *p)
{
	__libc_free(p);
}
#endif

Test(options, load_and_messages_never_malloc)
{
#ifdef __SANITIZE_ADDRESS__
	cr_skip_test("malloc counting is not possible under ASan (it owns malloc); runs in the plain build");
#else
	setenv("NODAL_POLICY", "weighted-interleave:0*3,1-2*1@>=1M;bind:+0;local", 1);
	setenv("NODAL_VERBOSE", "nine", 1);
	setenv("NODAL_POLCY", "x", 1);
	setenv("NODAL_NODE_LIMIT", "0:1G", 1);
	setenv("NODAL_STATS", "json:/tmp/s.json", 1);
	struct nodal_nodelist_ctx ctx;
	nodal_nodelist_ctx_init(&ctx, 4);
	capture_begin();
	counting = 1;
	alloc_calls = 0;
	int n = nodal_config_load(&cfg, NULL);
	n += nodal_config_resolve_nodes(&cfg, &ctx);
	const char *v = nodal_getenv("NODAL_POLICY");
	counting = 0;
	const char *out = capture_end();
	cr_assert_eq(alloc_calls, 0, "%d allocations while loading options", alloc_calls);
	/* the counter works: */
	counting = 1;
	void *p = malloc(16);
	counting = 0;
	free(p);
	cr_assert_eq(alloc_calls, 1);
	cr_assert_eq(n, 2, "%s", out);
	cr_assert_str_eq(v, "weighted-interleave:0*3,1-2*1@>=1M;bind:+0;local");
	cr_assert_eq(cfg.stats, NODAL_STATS_JSON);
	cr_assert_eq(cfg.policy.count, 3);
#endif
}

/* ---- docs match the table ---------------------------------------------------------- */

static char *between_markers(const char *path)
{
	FILE *f = fopen(path, "r");
	cr_assert(f, "cannot open %s", path);
	static char text[1 << 16];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	char *b = strstr(text, "options:begin");
	cr_assert(b, "%s: no options:begin marker", path);
	b = strchr(b, '\n');
	cr_assert(b);
	b++;
	char *e = strstr(b, "options:end");
	cr_assert(e, "%s: no options:end marker", path);
	while (e > b && e[-1] != '\n')
		e--; /* start of the marker line */
	size_t len = (size_t)(e - b);
	char *r = malloc(len + 1);
	memcpy(r, b, len);
	r[len] = '\0';
	return r;
}

static char *rendered(enum nodal_doc_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	nodal_options_render(f, fmt);
	fclose(f);
	return buf;
}

static void check_doc(const char *rel, enum nodal_doc_format fmt)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", NODAL_SRCDIR, rel);
	char *have = between_markers(path), *want = rendered(fmt);
	cr_assert_str_eq(have, want, "%s: the option table differs from `nodal options`; run scripts/options-docs.sh",
	                 rel);
	for (int i = 0; i < NODAL_OPT_COUNT; i++)
		cr_assert(strstr(have, nodal_options[i].name) || fmt == NODAL_DOC_MAN, "%s lacks %s", rel,
		          nodal_options[i].name);
	free(have);
	free(want);
}

Test(options, readme_table_matches)
{
	check_doc("README.md", NODAL_DOC_MARKDOWN);
}

Test(options, options_md_table_matches)
{
	check_doc("docs/options.md", NODAL_DOC_MARKDOWN);
}

Test(options, man_page_table_matches)
{
	check_doc("docs/nodal.1", NODAL_DOC_MAN);
	char *man = rendered(NODAL_DOC_MAN);
	for (int i = 0; i < NODAL_OPT_COUNT; i++) {
		char want[128];
		snprintf(want, sizeof(want), ".B %s\n", nodal_options[i].name);
		/* roff escapes '-' but option names have none; '_' is plain */
		cr_assert(strstr(man, want), "man page lacks %s", nodal_options[i].name);
	}
	free(man);
}
