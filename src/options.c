/*
 * options.c — the NODAL_* option table, environment reading without allocation, and
 * the messages for bad values and unknown names (see options.h for the contract).
 *
 * Why no getenv(): under LD_PRELOAD this runs inside the first malloc call, possibly
 * before libc has finished starting; scanning `environ` and copying into fixed buffers
 * needs nothing but the strings themselves.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "options.h"
#include "parse_err.h"

extern char **environ;

/* ---- value parsers (one per option; "" is each option's empty value) ------------ */

static int parse_policy(struct nodal_config *cfg, const char *v, const struct nodal_nodelist_ctx *ctx)
{
	return nodal_policy_rules_parse(v, ctx, &cfg->policy);
}

static int parse_private(struct nodal_config *cfg, const char *v, const struct nodal_nodelist_ctx *ctx)
{
	return nodal_nodelist_parse(v, ctx, &cfg->private_nodes, NULL);
}

static const char *find(const char *s, const char *end, char c)
{
	const char *q = memchr(s, c, (size_t)(end - s));
	return q ? q : end;
}

/* NODES ':' SIZE { ',' NODES ':' SIZE }, e.g. "2:4G,3:512M" or "0-1:1G". */
static int parse_node_limit(struct nodal_config *cfg, const char *v, const struct nodal_nodelist_ctx *ctx)
{
	struct nodal_perr e = { "NODAL_NODE_LIMIT", v };
	const char *p = v, *end = v + strlen(v);
	int err, n;

	nodes_clear(&cfg->node_limit_set);
	memset(cfg->node_limit, 0, sizeof(cfg->node_limit));
	if (p == end)
		return 0;
	for (;;) {
		const char *ie = find(p, end, ','), *colon = find(p, ie, ':');
		nodemask_t m;
		uint64_t size = 0;
		if (ie == p)
			return nodal_parse_unexpected(&e, p, end, "NODES:SIZE");
		if (colon == p)
			return nodal_parse_unexpected(&e, p, end, "a node number before ':'");
		if ((err = nodal_nodelist_parse_span(&e, p, colon, ctx, &m, NULL)))
			return err;
		if (colon == ie)
			return nodal_parse_unexpected(&e, colon, ie, "':SIZE' after the nodes");
		if ((err = nodal_size_parse_span(&e, colon + 1, ie, &size)))
			return err;
		if (size == 0)
			return nodal_parse_fail(&e, "limit 0 at position %zu would make the node unusable "
			                            "(expected a size above 0)",
			                        nodal_pos(&e, colon + 1));
		if (nodes_intersects(&m, &cfg->node_limit_set)) {
			nodemask_t both;
			nodes_and(&both, &m, &cfg->node_limit_set);
			return nodal_parse_fail(&e, "node %d at position %zu already has a limit (expected each node once)",
			                        first_node(&both), nodal_pos(&e, p));
		}
		for_each_node_mask(n, &m)
			cfg->node_limit[n] = size;
		nodes_or(&cfg->node_limit_set, &cfg->node_limit_set, &m);
		if (ie == end)
			return 0;
		p = ie + 1;
	}
}

static int parse_size_into(uint64_t *dst, const char *v)
{
	uint64_t x = 0;
	int err = nodal_size_parse(v, &x);
	if (!err)
		*dst = x;
	return err;
}

static int parse_min_free(struct nodal_config *cfg, const char *v, const struct nodal_nodelist_ctx *ctx)
{
	return parse_size_into(&cfg->min_free, v);
}

static int parse_bind_reserve(struct nodal_config *cfg, const char *v, const struct nodal_nodelist_ctx *ctx)
{
	return parse_size_into(&cfg->bind_reserve, v);
}

static int parse_page_policy_min(struct nodal_config *cfg, const char *v, const struct nodal_nodelist_ctx *ctx)
{
	return parse_size_into(&cfg->page_policy_min, v);
}

static int parse_weights(struct nodal_config *cfg, const char *v, const struct nodal_nodelist_ctx *ctx)
{
	cfg->has_weights = false;
	memset(cfg->weights, 0, sizeof(cfg->weights));
	if (!*v)
		return 0;
	int err = nodal_weights_parse(v, ctx, cfg->weights);
	cfg->has_weights = !err;
	return err;
}

/* A word from a fixed list; @out gets its index. */
static int parse_word(const char *opt, const char *v, const char *const *words, int nwords, int *out)
{
	struct nodal_perr e = { opt, v };
	char t[NODAL_TOK_MAX];
	for (int i = 0; i < nwords; i++)
		if (!strcmp(v, words[i])) {
			*out = i;
			return 0;
		}
	return nodal_parse_fail(&e, "unknown value '%s'", nodal_tok(t, sizeof(t), v, v + strlen(v)));
}

/* A decimal integer in [lo, hi]. */
static int parse_uint(const char *opt, const char *v, unsigned long lo, unsigned long hi, unsigned long *out)
{
	struct nodal_perr e = { opt, v };
	const char *p = v;
	unsigned long x = 0;
	char t[NODAL_TOK_MAX];
	if (!*p)
		return nodal_parse_unexpected(&e, p, p, "a number");
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return nodal_parse_unexpected(&e, p, p + strlen(p), "a decimal digit");
		x = x > hi ? x : x * 10 + (unsigned long)(*p - '0');
	}
	if (x < lo || x > hi)
		return nodal_parse_fail(&e, "'%s' is out of range", nodal_tok(t, sizeof(t), v, p));
	*out = x;
	return 0;
}

static const char *const fallback_words[] = { "kernel", "kernel-hotplug", "distance" };
static const char *const os_words[] = { "linux", "sim" };

static int parse_fallback(struct nodal_config *cfg, const char *v, const struct nodal_nodelist_ctx *ctx)
{
	return parse_word("NODAL_FALLBACK", v, fallback_words, 3, &cfg->fallback);
}

static int parse_os(struct nodal_config *cfg, const char *v, const struct nodal_nodelist_ctx *ctx)
{
	return parse_word("NODAL_OS", v, os_words, 2, &cfg->os);
}

static int parse_migrate(struct nodal_config *cfg, const char *v, const struct nodal_nodelist_ctx *ctx)
{
	unsigned long x = 0;
	int err = parse_uint("NODAL_MIGRATE", v, 0, 1, &x);
	if (!err)
		cfg->migrate = x;
	return err;
}

static int parse_rebind_interval(struct nodal_config *cfg, const char *v, const struct nodal_nodelist_ctx *ctx)
{
	unsigned long x = 0;
	int err = parse_uint("NODAL_REBIND_INTERVAL_MS", v, 0, 3600000, &x);
	if (!err)
		cfg->rebind_interval_ms = (unsigned)x;
	return err;
}

static int parse_verbose(struct nodal_config *cfg, const char *v, const struct nodal_nodelist_ctx *ctx)
{
	unsigned long x = 0;
	int err = parse_uint("NODAL_VERBOSE", v, 0, 2, &x);
	if (!err)
		cfg->verbose = (int)x;
	return err;
}

static const char *errno_text(int e)
{
	switch (e) {
	case ENOENT: return "no such file";
	case EACCES: return "permission denied";
	case ENOTDIR: return "a path component is not a directory";
	case ENAMETOOLONG: return "name too long";
	default: return "cannot be read";
	}
}

static int parse_topology(struct nodal_config *cfg, const char *v, const struct nodal_nodelist_ctx *ctx)
{
	static const char syn[] = "synthetic:";
	struct nodal_perr e = { "NODAL_TOPOLOGY", v };
	cfg->topology[0] = '\0';
	if (!*v)
		return 0;
	if (!strncmp(v, syn, sizeof(syn) - 1)) {
		if (!v[sizeof(syn) - 1])
			return nodal_parse_fail(&e, "empty synthetic description after 'synthetic:'");
	} else if (access(v, R_OK) != 0) {
		return nodal_parse_fail(&e, "the file %s", errno_text(errno));
	}
	nodal_fmt(cfg->topology, sizeof(cfg->topology), "%s", v);
	return 0;
}

static int parse_stats(struct nodal_config *cfg, const char *v, const struct nodal_nodelist_ctx *ctx)
{
	static const char json[] = "json:";
	struct nodal_perr e = { "NODAL_STATS", v };
	char t[NODAL_TOK_MAX];
	cfg->stats_path[0] = '\0';
	if (!strcmp(v, "0")) {
		cfg->stats = NODAL_STATS_OFF;
	} else if (!strcmp(v, "1")) {
		cfg->stats = NODAL_STATS_TEXT;
	} else if (!strncmp(v, json, sizeof(json) - 1)) {
		if (!v[sizeof(json) - 1])
			return nodal_parse_fail(&e, "empty path after 'json:'");
		/* the path's patterns (report.c): %p = the process id, %% = '%' */
		for (const char *q = v + sizeof(json) - 1; *q; q++) {
			if (*q != '%')
				continue;
			if (q[1] != 'p' && q[1] != '%')
				return nodal_parse_fail(&e, "'%%%s' at position %zu is not a path pattern (expected %%p for "
							"the pid or %%%% for a '%%')",
							nodal_tok_at(t, sizeof(t), q + 1, v + strlen(v)), nodal_pos(&e, q));
			q++;
		}
		cfg->stats = NODAL_STATS_JSON;
		nodal_fmt(cfg->stats_path, sizeof(cfg->stats_path), "%s", v + sizeof(json) - 1);
	} else {
		return nodal_parse_fail(&e, "unknown value '%s'", nodal_tok(t, sizeof(t), v, v + strlen(v)));
	}
	return 0;
}

/* ---- the table ----------------------------------------------------------------- */

const struct nodal_option nodal_options[NODAL_OPT_COUNT] = {
	[NODAL_OPT_POLICY] = { "NODAL_POLICY", "rule list", "local",
		"a rule list POLICY[@RANGE];... such as interleave:all@>=1M;local (docs/grammar.md)",
		"process policy: the first rule whose size range holds the allocation's size applies",
		true, parse_policy },
	[NODAL_OPT_PRIVATE_NODES] = { "NODAL_PRIVATE_NODES", "node list", "",
		"a node list such as 2 or 2-3,6",
		"private nodes: left out of every other node's fallback list; only =static policies may name them",
		true, parse_private },
	[NODAL_OPT_NODE_LIMIT] = { "NODAL_NODE_LIMIT", "node sizes", "",
		"NODES:SIZE items such as 2:4G,3:512M",
		"per-node capacity limit: a node at its limit counts as full and is skipped",
		true, parse_node_limit },
	[NODAL_OPT_MIN_FREE] = { "NODAL_MIN_FREE", "size", "0",
		"a size such as 0, 64M or 1G",
		"free-memory watermark: a node with less free memory counts as full (0 = off)",
		false, parse_min_free },
	[NODAL_OPT_BIND_RESERVE] = { "NODAL_BIND_RESERVE", "size", "16M",
		"a size such as 0, 16M or 256M",
		"memory BIND allocations leave on their node (free plus reclaimable): new memory past it is ENOMEM",
		false, parse_bind_reserve },
	[NODAL_OPT_WEIGHTS] = { "NODAL_WEIGHTS", "weights", "",
		"NODES*WEIGHT items with weights 1-255 such as 0*3,1*1,2-3*2",
		"weighted-interleave weights for policies that give none (before sysfs and hwloc)",
		true, parse_weights },
	[NODAL_OPT_FALLBACK] = { "NODAL_FALLBACK", "word", "kernel",
		"kernel, kernel-hotplug or distance",
		"fallback lists: the kernel's boot-time order, its run-time (hotplug) order, or by distance",
		false, parse_fallback },
	[NODAL_OPT_PAGE_POLICY_MIN] = { "NODAL_PAGE_POLICY_MIN", "size", "4M",
		"a size such as 2M or 4M, or 0",
		"allocations this large get their own mapping with the policy applied to its pages (0 = off)",
		false, parse_page_policy_min },
	[NODAL_OPT_MIGRATE] = { "NODAL_MIGRATE", "0 or 1", "0",
		"0 or 1",
		"when the allowed nodes change, move the pages already placed on nodes no longer allowed "
		"(mbind MPOL_MF_MOVE), at most 10 ms per pass",
		false, parse_migrate },
	[NODAL_OPT_REBIND_INTERVAL_MS] = { "NODAL_REBIND_INTERVAL_MS", "milliseconds", "100",
		"a number of milliseconds from 0 to 3600000",
		"how often the allowed nodes and CPU affinity are checked for changes (0 = slow paths only)",
		false, parse_rebind_interval },
	[NODAL_OPT_TOPOLOGY] = { "NODAL_TOPOLOGY", "path", "",
		"the path of a readable hwloc XML file, or synthetic:DESCRIPTION",
		"replace topology discovery with an hwloc XML export or an hwloc synthetic description",
		false, parse_topology },
	[NODAL_OPT_OS] = { "NODAL_OS", "word", "linux",
		"linux or sim",
		"OS backend: the real kernel, or the simulated machine built from the topology",
		false, parse_os },
	[NODAL_OPT_STATS] = { "NODAL_STATS", "stats", "0",
		"0, 1 or json:PATH (in PATH %p is the pid, %% a '%')",
		"at exit: 1 = per-node report on stderr, json:PATH = the same as JSON in PATH, 0 = off; "
		"each report names its pid and program",
		false, parse_stats },
	[NODAL_OPT_VERBOSE] = { "NODAL_VERBOSE", "0 to 2", "0",
		"0, 1 or 2",
		"diagnostics on stderr: 0 = problems only, 1 = decisions, 2 = debugging detail",
		false, parse_verbose },
};

const char *const nodal_known_variables[] = {
	"NODAL_SHARED",         /* the test harness: where ../shared is */
	"NODAL_SETUP_NO_BUILD", /* scripts/setup.sh: packages only */
	"NODAL_PRELOAD_LIB",    /* `nodal run`: the preload library to use */
	"NODAL_VM_CACHE",       /* the VM tier (tests/vm): kernel cache */
	"NODAL_VM_QEMU",        /* the VM tier: qemu binary */
	"NODAL_VM_TIMEOUT",     /* the VM tier: boot timeout */
	NULL,
};

/* ---- environment ----------------------------------------------------------------- */

const char *nodal_getenv_in(char *const *envp, const char *name)
{
	size_t n = strlen(name);
	if (!envp)
		return NULL;
	for (char *const *e = envp; *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

const char *nodal_getenv(const char *name)
{
	return nodal_getenv_in(environ, name);
}

const struct nodal_option *nodal_option_find(const char *name)
{
	for (int i = 0; i < NODAL_OPT_COUNT; i++)
		if (!strcmp(nodal_options[i].name, name))
			return &nodal_options[i];
	return NULL;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Case-insensitive edit distance of short strings (longer ones count as far apart). */
static int distance(const char *a, const char *b)
{
	enum { M = 48 };
	int prev[M + 1], cur[M + 1];
	size_t la = strlen(a), lb = strlen(b);
	if (la > M || lb > M)
		return 1000;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int sub = prev[j - 1] + (lower(a[i - 1]) != lower(b[j - 1]));
			int del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(int) * (lb + 1));
	}
	return prev[lb];
}

const char *nodal_option_suggest(const char *name)
{
	static const char prefix[] = "NODAL_";
	size_t pl = sizeof(prefix) - 1;
	if (strncmp(name, prefix, pl) != 0)
		return NULL;
	const char *best = NULL;
	int best_d = 1000;
	int limit = (int)strlen(name + pl) / 3;
	limit = limit < 1 ? 1 : limit > 3 ? 3 : limit;
	for (int i = 0; i < NODAL_OPT_COUNT; i++) {
		int d = distance(name + pl, nodal_options[i].name + pl);
		if (d < best_d) {
			best_d = d;
			best = nodal_options[i].name;
		}
	}
	return best_d <= limit ? best : NULL;
}

/* ---- loading --------------------------------------------------------------------- */

static void permissive_ctx(struct nodal_nodelist_ctx *ctx)
{
	nodal_nodelist_ctx_init(ctx, NODAL_MAX_NUMNODES);
}

/* The default of option @id (always valid: a unit test parses every default). */
static void set_default(struct nodal_config *cfg, enum nodal_option_id id)
{
	struct nodal_nodelist_ctx ctx;
	permissive_ctx(&ctx);
	(void)nodal_options[id].parse(cfg, nodal_options[id].def, &ctx);
	cfg->raw[id][0] = '\0';
	cfg->set &= ~(1u << id);
}

void nodal_config_defaults(struct nodal_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (int i = 0; i < NODAL_OPT_COUNT; i++)
		set_default(cfg, (enum nodal_option_id)i);
	cfg->nodes_resolved = false;
}

int nodal_option_parse(struct nodal_config *cfg, enum nodal_option_id id, const char *value,
                       const struct nodal_nodelist_ctx *ctx)
{
	struct nodal_nodelist_ctx perm;
	if ((unsigned)id >= NODAL_OPT_COUNT)
		return EINVAL;
	if (!value || !*value) {
		set_default(cfg, id);
		return 0;
	}
	size_t n = strlen(value);
	if (n >= NODAL_OPT_VALUE_MAX) {
		struct nodal_perr e = { nodal_options[id].name, value };
		set_default(cfg, id);
		return nodal_parse_fail(&e, "the value is %zu characters long (at most %d are read)", n,
		                        NODAL_OPT_VALUE_MAX - 1);
	}
	if (!ctx) {
		permissive_ctx(&perm);
		ctx = &perm;
	}
	int err = nodal_options[id].parse(cfg, value, ctx);
	if (err) {
		set_default(cfg, id);
		return err;
	}
	memcpy(cfg->raw[id], value, n + 1);
	cfg->set |= 1u << id;
	return 0;
}

/* The value for a message: one line (non-printables as \xNN), at most 160 bytes. */
static const char *printable(char *buf, size_t len, const char *v)
{
	return nodal_tok_n(buf, len, v, v + strlen(v), 150);
}

static void report(enum nodal_option_id id, const char *value)
{
	char v[160];
	const struct nodal_option *o = &nodal_options[id];
	nodal_msg("%s='%s': %s (expected %s); using the default '%s'", o->name, printable(v, sizeof(v), value),
	          nodal_parse_reason(), o->expected, o->def);
}

int nodal_option_set(struct nodal_config *cfg, enum nodal_option_id id, const char *value,
                     const struct nodal_nodelist_ctx *ctx)
{
	int err = nodal_option_parse(cfg, id, value, ctx);
	if (err) {
		report(id, value);
		cfg->bad |= 1u << id;
	}
	return err;
}

int nodal_config_load_env(struct nodal_config *cfg, char *const *envp, const struct nodal_nodelist_ctx *ctx)
{
	static const char prefix[] = "NODAL_";
	int messages = 0;

	nodal_config_defaults(cfg);
	for (int i = 0; i < NODAL_OPT_COUNT; i++) {
		const char *v = nodal_getenv_in(envp, nodal_options[i].name);
		if (v && *v && nodal_option_set(cfg, (enum nodal_option_id)i, v, ctx))
			messages++;
	}
	for (char *const *e = envp; e && *e; e++) {
		char name[64];
		const char *eq = strchr(*e, '=');
		size_t n = eq ? (size_t)(eq - *e) : strlen(*e);
		if (strncmp(*e, prefix, sizeof(prefix) - 1) != 0)
			continue;
		nodal_tok(name, sizeof(name), *e, *e + n);
		bool known = false;
		for (int i = 0; i < NODAL_OPT_COUNT && !known; i++)
			known = strlen(nodal_options[i].name) == n && !strncmp(nodal_options[i].name, *e, n);
		for (int i = 0; nodal_known_variables[i] && !known; i++)
			known = strlen(nodal_known_variables[i]) == n && !strncmp(nodal_known_variables[i], *e, n);
		if (known)
			continue;
		const char *s = nodal_option_suggest(name);
		if (s)
			nodal_msg("%s is not a nodal option and is ignored (did you mean %s?)", name, s);
		else
			nodal_msg("%s is not a nodal option and is ignored (see 'nodal options')", name);
		messages++;
	}
	cfg->nodes_resolved = ctx != NULL;
	return messages;
}

int nodal_config_load(struct nodal_config *cfg, const struct nodal_nodelist_ctx *ctx)
{
	return nodal_config_load_env(cfg, environ, ctx);
}

int nodal_config_resolve_nodes(struct nodal_config *cfg, const struct nodal_nodelist_ctx *ctx)
{
	int messages = 0;
	for (int i = 0; i < NODAL_OPT_COUNT; i++) {
		if (!nodal_options[i].needs_nodes || !cfg->raw[i][0])
			continue;
		if (nodal_options[i].parse(cfg, cfg->raw[i], ctx)) {
			report((enum nodal_option_id)i, cfg->raw[i]);
			set_default(cfg, (enum nodal_option_id)i);
			cfg->bad |= 1u << i;
			messages++;
		}
	}
	cfg->nodes_resolved = true;
	return messages;
}
