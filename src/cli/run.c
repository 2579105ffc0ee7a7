/*
 * run.c — `nodal run [OPTIONS] [--] CMD [ARGS...]`: run an unmodified program with
 * nodal's drop-in allocator and a policy, numactl-style.
 *
 *   --policy=RULES      NODAL_POLICY as written (rule list, docs/grammar.md)
 *   --interleave=NODES  NODAL_POLICY=interleave:NODES          (numactl -i)
 *   --membind=NODES     NODAL_POLICY=bind:NODES                (numactl -m)
 *   --preferred=NODE    NODAL_POLICY=preferred:NODE            (numactl -p)
 *   --private=NODES     NODAL_PRIVATE_NODES=NODES
 *   --stats[=json:PATH] NODAL_STATS=1 (report on stderr at exit) or a JSON file
 *   --preload=PATH      the library to preload (else NODAL_PRELOAD_LIB, else found next
 *                       to this binary: build tree .libs/, installed ../lib/)
 *
 * Everything is validated before the program starts, against the machine nodal sees
 * (this one, or NODAL_TOPOLOGY): node lists, the policy the way the engine will accept
 * it, the stats value, the library's existence. A bad value is exit 2 with one line
 * naming the option and the value. LD_PRELOAD gets the library prepended (what it held
 * is kept). The program runs as a child: its exit status is nodal's, a death by signal
 * is 128 + the signal like a shell, a command that cannot be found is 127 and one that
 * cannot be executed 126. SIGINT and SIGQUIT go to the program; nodal waits for it.
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "mempolicy.h"
#include "msg.h"
#include "nodelist.h"
#include "options.h"
#include "parse_err.h"
#include "policy_spec.h"
#include "topology.h"

#define PRELOAD_NAME "libnodal-preload.so"

struct run_args {
	const char *policy_opt;   /* the option that set the policy ("--interleave"), or NULL */
	const char *policy_value; /* its value as given */
	char policy[NODAL_OPT_VALUE_MAX];
	const char *private_nodes;
	const char *stats;
	const char *preload;
	char **cmd;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: nodal run [OPTIONS] [--] CMD [ARGS...]\n"
		   "  run CMD with nodal's drop-in allocator (" PRELOAD_NAME ") and a policy\n"
		   "  --policy=RULES       NODAL_POLICY, e.g. 'interleave:all@>=1M;local' (docs/grammar.md)\n"
		   "  -i, --interleave=NODES  interleave over NODES (numactl node lists: 0-3,5 all !2 +0-1)\n"
		   "  -m, --membind=NODES  bind to NODES\n"
		   "  -p, --preferred=NODE prefer NODE\n"
		   "  --private=NODES      NODAL_PRIVATE_NODES: nodes only explicit policies may use\n"
		   "  --stats[=json:PATH]  per-node report at exit: on stderr, or as JSON in PATH\n"
		   "  --preload=PATH       the library to preload (default: NODAL_PRELOAD_LIB, then the one\n"
		   "                       installed with this nodal)\n"
		   "  Exit status: CMD's; 128+N if CMD died of signal N; 127 not found; 126 not executable;\n"
		   "  2 for a bad option (nothing is run); 1 if nodal itself fails.\n");
}

/* "--name=value", "--name value" or "-x value": the value, or NULL if @arg is not @name. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, const char *shrt, bool *missing)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	*missing = false;
	if (!strncmp(a, name, n) && a[n] == '=')
		return a + n + 1;
	if (strcmp(a, name) && (!shrt || strcmp(a, shrt)))
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

static int set_policy(struct run_args *a, const char *opt, const char *mode, const char *value)
{
	if (a->policy_opt)
		return cli_usage_error("run: %s='%s' and %s='%s': give one policy (expected one of --policy, "
				       "--interleave, --membind, --preferred)",
				       a->policy_opt, a->policy_value, opt, value);
	if (!*value)
		return cli_usage_error("run: %s='': empty value (expected %s)", opt,
				       mode ? "a node list such as 0-1 or all" : "a policy rule list");
	a->policy_opt = opt;
	a->policy_value = value;
	if ((size_t)nodal_fmt(a->policy, sizeof(a->policy), "%s%s%s", mode ? mode : "", mode ? ":" : "", value) >=
	    sizeof(a->policy) - 1)
		return cli_usage_error("run: %s: value too long (expected at most %d characters)", opt,
				       NODAL_OPT_VALUE_MAX - 16);
	return 0;
}

static int parse_args(int argc, char **argv, struct run_args *a)
{
	static const struct {
		const char *name, *shrt, *mode;
	} policy_opts[] = {
		{ "--policy", NULL, NULL },
		{ "--interleave", "-i", "interleave" },
		{ "--membind", "-m", "bind" },
		{ "--preferred", "-p", "preferred" },
	};
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *v;
		bool missing, matched = false;

		if (!strcmp(arg, "--")) {
			i++;
			break;
		}
		if (arg[0] != '-' || !arg[1])
			break; /* CMD */
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			usage(stdout);
			return -1;
		}
		for (size_t k = 0; k < sizeof(policy_opts) / sizeof(policy_opts[0]) && !matched; k++) {
			v = opt_value(argc, argv, &i, policy_opts[k].name, policy_opts[k].shrt, &missing);
			if (missing)
				return cli_usage_error("run: %s needs a value", arg);
			if (v) {
				int rc = set_policy(a, policy_opts[k].name, policy_opts[k].mode, v);
				if (rc)
					return rc;
				matched = true;
			}
		}
		if (matched)
			continue;
		if ((v = opt_value(argc, argv, &i, "--private", NULL, &missing)) || missing) {
			if (missing || !*v)
				return cli_usage_error("run: --private needs a node list (e.g. --private=2-3)");
			a->private_nodes = v;
		} else if ((v = opt_value(argc, argv, &i, "--preload", NULL, &missing)) || missing) {
			if (missing || !*v)
				return cli_usage_error("run: --preload needs the path of %s", PRELOAD_NAME);
			a->preload = v;
		} else if (!strcmp(arg, "--stats")) {
			a->stats = "1"; /* a value only with '=': the next word may be CMD */
		} else if (!strncmp(arg, "--stats=", 8)) {
			a->stats = arg + 8;
		} else {
			return cli_usage_error("run: unknown option '%s' (expected --policy, --interleave, --membind, "
					       "--preferred, --private, --stats, --preload, or -- before the command)",
					       arg);
		}
	}
	if (i >= argc)
		return cli_usage_error("run: missing the command to run (usage: nodal run [OPTIONS] -- CMD [ARGS...])");
	a->cmd = argv + i;
	return 0;
}

/* The policy string, checked the way the preloaded library will check it. */
static int check_policy(const struct run_args *a, const struct nodal_topology *t)
{
	struct nodal_nodelist_ctx ctx = { .all = t->memory, .allowed = t->memory, .nr_node_ids = t->nr_node_ids };
	struct nodal_mpol_env env = { .topo = t, .allowed = t->memory, .default_weights = NULL };
	static struct nodal_policy_rules rules;
	const char *opt = a->policy_opt;

	/* A node-list option is checked alone first, so positions count in the user's text. */
	if (strcmp(opt, "--policy")) {
		nodemask_t m;

		if (nodal_nodelist_parse(a->policy_value, &ctx, &m, NULL))
			return cli_usage_error("run: %s='%s': %s (on %s)", opt, a->policy_value, nodal_parse_reason(),
					       t->source);
	}
	if (nodal_policy_rules_parse(a->policy, &ctx, &rules))
		return cli_usage_error("run: %s='%s': %s (expected %s; on %s)", opt, a->policy_value,
				       nodal_parse_reason(), nodal_options[NODAL_OPT_POLICY].expected, t->source);
	if (!strcmp(opt, "--preferred") && nodes_weight(&rules.rule[0].policy.nodes) != 1)
		return cli_usage_error("run: --preferred='%s': %d nodes (expected exactly one node)", a->policy_value,
				       nodes_weight(&rules.rule[0].policy.nodes));
	for (int r = 0; r < rules.count; r++) {
		struct nodal_mempolicy *pol = NULL;

		if (nodal_mpol_new(&rules.rule[r].policy, &env, &pol))
			return cli_usage_error("run: %s='%s': %s", opt, a->policy_value, nodal_last_error());
		nodal_mpol_free(pol);
	}
	return 0;
}

static bool readable_file(const char *path)
{
	return access(path, R_OK) == 0;
}

/*
 * The library: --preload, NODAL_PRELOAD_LIB, then relative to this binary — the build
 * tree (libtool leaves it in .libs/ beside `nodal`) and an installation (bin/../lib/).
 */
static int find_preload(const struct run_args *a, char *out, size_t len)
{
	const char *given = a->preload ? a->preload : getenv("NODAL_PRELOAD_LIB");
	const char *what = a->preload ? "--preload" : "NODAL_PRELOAD_LIB";
	static const char *const rel[] = { ".libs/" PRELOAD_NAME, PRELOAD_NAME, "../lib/" PRELOAD_NAME,
					   "../lib64/" PRELOAD_NAME };
	char self[PATH_MAX], dir[PATH_MAX], cand[PATH_MAX + 64];
	ssize_t n;

	if (given && *given) {
		if (!readable_file(given) || !realpath(given, out))
			return cli_usage_error("run: %s='%s': %s (expected the path of %s)", what, given,
					       strerror(errno), PRELOAD_NAME);
		return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		fprintf(stderr, "nodal: run: cannot find this program's directory (%s); give --preload=PATH\n",
			strerror(errno));
		return 1;
	}
	self[n] = 0;
	nodal_fmt(dir, sizeof(dir), "%s", self);
	*strrchr(dir, '/') = 0;
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		nodal_fmt(cand, sizeof(cand), "%s/%s", dir, rel[i]);
		if (readable_file(cand) && realpath(cand, out) && strlen(out) < len)
			return 0;
	}
	fprintf(stderr, "nodal: run: %s not found in %s/.libs, %s or %s/../lib (give --preload=PATH or set "
			"NODAL_PRELOAD_LIB)\n",
		PRELOAD_NAME, dir, dir, dir);
	return 1;
}

static int set_env(const char *name, const char *value)
{
	if (setenv(name, value, 1)) {
		fprintf(stderr, "nodal: run: cannot set %s: %s\n", name, strerror(errno));
		return 1;
	}
	return 0;
}

/* LD_PRELOAD = LIB[:what it held]. */
static int set_ld_preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char *v;
	int rc;

	if (!old || !*old)
		return set_env("LD_PRELOAD", lib);
	v = malloc(strlen(lib) + strlen(old) + 2);
	if (!v) {
		fprintf(stderr, "nodal: run: out of memory\n");
		return 1;
	}
	sprintf(v, "%s:%s", lib, old);
	rc = set_env("LD_PRELOAD", v);
	free(v);
	return rc;
}

static int spawn_and_wait(char **cmd)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	int status;
	pid_t pid;

	fflush(NULL);
	/* Like a shell: the terminal's ^C and ^\ are for the program; nodal reports its fate. */
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "nodal: run: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		execvp(cmd[0], cmd);
		int e = errno;
		fprintf(stderr, "nodal: run: cannot execute '%s': %s\n", cmd[0], strerror(e));
		_exit(e == ENOENT || e == ENOTDIR ? 127 : 126);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "nodal: run: waitpid: %s\n", strerror(errno));
			return 1;
		}
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

int cmd_run(int argc, char **argv)
{
	static struct run_args a;
	static struct nodal_config cfg;
	struct nodal_topology *t = NULL;
	char lib[PATH_MAX];
	int rc;

	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? 0 : rc;

	nodal_config_defaults(&cfg);
	if (a.stats && nodal_option_parse(&cfg, NODAL_OPT_STATS, a.stats, NULL))
		return cli_usage_error("run: --stats='%s': %s (expected --stats, --stats=1 or --stats=json:PATH)",
				       a.stats, nodal_parse_reason());
	if (a.private_nodes) {
		struct nodal_nodelist_ctx any;
		nodemask_t m;

		nodal_nodelist_ctx_init(&any, NODAL_MAX_NUMNODES);
		if (nodal_nodelist_parse(a.private_nodes, &any, &m, NULL))
			return cli_usage_error("run: --private='%s': %s", a.private_nodes, nodal_parse_reason());
		/* the machine check below reads it from the environment, as the library will */
		if (set_env("NODAL_PRIVATE_NODES", a.private_nodes))
			return 1;
	}
	if (a.policy_opt || a.private_nodes) {
		rc = cli_load_machine(a.private_nodes ? "run --private" : "run", &t, NULL);
		if (rc)
			return rc;
		rc = a.policy_opt ? check_policy(&a, t) : 0;
		nodal_topology_free(t);
		if (rc)
			return rc;
	}
	rc = find_preload(&a, lib, sizeof(lib));
	if (rc)
		return rc;

	if (a.policy_opt && set_env("NODAL_POLICY", a.policy))
		return 1;
	if (a.stats && set_env("NODAL_STATS", a.stats))
		return 1;
	/* NODAL_PRELOAD_LIB is nodal run's own: the library would call it unknown. */
	unsetenv("NODAL_PRELOAD_LIB");
	if (set_ld_preload(lib))
		return 1;
	return spawn_and_wait(a.cmd);
}
