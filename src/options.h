/*
 * options.h — the ONE table of NODAL_* environment options, and the parsed configuration.
 *
 * Owns: nodal_options[] (name, type, default, what is expected, one-line doc, parser for
 * every option; docs/options.md, README.md and docs/nodal.1 are rendered from it and a
 * unit test keeps them equal), struct nodal_config (the parsed values), reading the
 * environment without allocating, and the messages for bad values and unknown names.
 *
 * Contract:
 * - Reading never allocates and makes no library call that may allocate: it scans
 *   `environ` directly and keeps copies in fixed buffers, so it works inside the
 *   interposed malloc before libc or nodal are initialised.
 * - An unset or empty variable means the default. A bad value prints exactly one line
 *     nodal: NODAL_X='value': <why> (expected <what>); using the default '<d>'
 *   through nodal_msg() and the default is kept: a preloaded program is never stopped by
 *   a typo. A NODAL_* name that is not an option prints one line naming it, with
 *   "did you mean" when a known name is close.
 * - Node lists need the machine (ids, "all", "!", "+"). nodal_config_load() with a NULL
 *   context checks their syntax only (against 1024 possible nodes) and keeps the raw
 *   text; nodal_config_resolve_nodes() parses them for real once the topology is known
 *   (and reports values the machine rejects, keeping the default). With a context,
 *   load resolves at once.
 *
 * Concurrency: a config is a plain value; load/resolve it on one thread, then publish.
 * Errors: see each function; parsers return 0 or EINVAL with nodal_parse_reason().
 */
#ifndef NODAL_OPTIONS_H
#define NODAL_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "nodelist.h"
#include "nodemask.h"
#include "policy_spec.h"

enum nodal_option_id {
	NODAL_OPT_POLICY,
	NODAL_OPT_PRIVATE_NODES,
	NODAL_OPT_NODE_LIMIT,
	NODAL_OPT_MIN_FREE,
	NODAL_OPT_BIND_RESERVE,
	NODAL_OPT_WEIGHTS,
	NODAL_OPT_FALLBACK,
	NODAL_OPT_PAGE_POLICY_MIN,
	NODAL_OPT_MIGRATE,
	NODAL_OPT_REBIND_INTERVAL_MS,
	NODAL_OPT_TOPOLOGY,
	NODAL_OPT_OS,
	NODAL_OPT_STATS,
	NODAL_OPT_VERBOSE,
	NODAL_OPT_COUNT
};

enum nodal_fallback_kind { NODAL_FALLBACK_KERNEL, NODAL_FALLBACK_KERNEL_HOTPLUG, NODAL_FALLBACK_DISTANCE };
enum nodal_os_kind { NODAL_OS_LINUX, NODAL_OS_SIM };
enum nodal_stats_kind { NODAL_STATS_OFF, NODAL_STATS_TEXT, NODAL_STATS_JSON };

/* Longest value kept (raw text, paths); longer values are rejected with a message. */
#define NODAL_OPT_VALUE_MAX 2048

struct nodal_config {
	struct nodal_policy_rules policy;     /* NODAL_POLICY */
	nodemask_t private_nodes;             /* NODAL_PRIVATE_NODES */
	nodemask_t node_limit_set;            /* NODAL_NODE_LIMIT: nodes that have a limit */
	uint64_t node_limit[NODAL_MAX_NUMNODES]; /* bytes; meaningful where node_limit_set */
	uint64_t min_free;                    /* NODAL_MIN_FREE: bytes, 0 = off */
	uint64_t bind_reserve;                /* NODAL_BIND_RESERVE: bytes */
	bool has_weights;                     /* NODAL_WEIGHTS given */
	uint8_t weights[NODAL_MAX_NUMNODES];  /* 1..255 where given, 0 elsewhere */
	int fallback;                         /* enum nodal_fallback_kind */
	uint64_t page_policy_min;             /* NODAL_PAGE_POLICY_MIN: bytes, 0 = off */
	bool migrate;                         /* NODAL_MIGRATE */
	unsigned rebind_interval_ms;          /* NODAL_REBIND_INTERVAL_MS, 0 = no periodic check */
	char topology[NODAL_OPT_VALUE_MAX];   /* NODAL_TOPOLOGY: "" = discover, a path, or "synthetic:..." */
	int os;                               /* enum nodal_os_kind */
	int stats;                            /* enum nodal_stats_kind */
	char stats_path[NODAL_OPT_VALUE_MAX]; /* for NODAL_STATS_JSON */
	int verbose;                          /* 0..2 */

	/* Bookkeeping. Bit i refers to option id i. */
	unsigned set;                         /* a valid value came from the environment */
	unsigned bad;                         /* a bad value was reported and the default kept */
	bool nodes_resolved;                  /* node lists parsed against a real machine */
	char raw[NODAL_OPT_COUNT][NODAL_OPT_VALUE_MAX]; /* accepted text, "" if default */
};

struct nodal_option {
	const char *name;     /* "NODAL_POLICY" */
	const char *type;     /* short type name for the docs: "rule list", "size", ... */
	const char *def;      /* the default, as text; parsed by @parse like a user's value */
	const char *expected; /* what a valid value looks like (messages and docs) */
	const char *doc;      /* one line */
	bool needs_nodes;     /* names nodes: the final parse needs the machine */
	/* Parse @value into @cfg. 0 or EINVAL (reason: nodal_parse_reason()). @ctx non-NULL. */
	int (*parse)(struct nodal_config *cfg, const char *value, const struct nodal_nodelist_ctx *ctx);
};

extern const struct nodal_option nodal_options[NODAL_OPT_COUNT];

/* Names that start with NODAL_ and are not options but are known (test harness etc.):
 * no "unknown variable" warning for them. NULL-terminated. */
extern const char *const nodal_known_variables[];

/* The option with this name, or NULL. */
const struct nodal_option *nodal_option_find(const char *name);

/* Value of @name in `environ` (or @envp), or NULL. Never allocates. */
const char *nodal_getenv(const char *name);
const char *nodal_getenv_in(char *const *envp, const char *name);

/* Every option at its default (always succeeds; the defaults are valid by test). */
void nodal_config_defaults(struct nodal_config *cfg);

/*
 * Parse one option value into @cfg, quietly: 0, or EINVAL leaving @cfg's field at its
 * default and the reason in nodal_parse_reason(). @ctx may be NULL (syntax check of node
 * lists against 1024 possible nodes). An empty @value sets the default.
 */
int nodal_option_parse(struct nodal_config *cfg, enum nodal_option_id id, const char *value,
                       const struct nodal_nodelist_ctx *ctx);
/* Like nodal_option_parse() but a bad value prints the one-line message. */
int nodal_option_set(struct nodal_config *cfg, enum nodal_option_id id, const char *value,
                     const struct nodal_nodelist_ctx *ctx);

/*
 * Fill @cfg from the environment: defaults, then every NODAL_* variable that is set;
 * one message per bad value and per unknown NODAL_* name. Returns the number of such
 * messages (0 = clean). @ctx as described at the top; @envp NULL means `environ`.
 */
int nodal_config_load(struct nodal_config *cfg, const struct nodal_nodelist_ctx *ctx);
int nodal_config_load_env(struct nodal_config *cfg, char *const *envp, const struct nodal_nodelist_ctx *ctx);

/* Parse the node-dependent values kept by a context-less load against @ctx; a value
 * the machine rejects prints its message and falls back to the default. Returns the
 * number of messages. Idempotent for a given @ctx. */
int nodal_config_resolve_nodes(struct nodal_config *cfg, const struct nodal_nodelist_ctx *ctx);

/* The closest option name to @name (for "did you mean"), or NULL if none is close. */
const char *nodal_option_suggest(const char *name);

/* --- documentation (options_doc.c; uses stdio, not for the malloc path) ---------- */
#include <stdio.h>
enum nodal_doc_format { NODAL_DOC_TEXT, NODAL_DOC_MARKDOWN, NODAL_DOC_MAN };
/* Render the table; README.md, docs/options.md and docs/nodal.1 hold this output
 * between the markers "options:begin" and "options:end". */
void nodal_options_render(FILE *out, enum nodal_doc_format fmt);

#endif
