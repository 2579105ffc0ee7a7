/*
 * policy.c — `nodal policy show|rebind`: validate a policy string against the machine the
 * way the engine will (mempolicy.h), show where an allocation from a given CPU's node
 * would go, and what a cpuset change would do to the policy before making it.
 *
 *   nodal policy show POLICY [--cpu-node N] [--allowed LIST] [--json]
 *   nodal policy rebind POLICY --allowed LIST --to LIST [--to LIST ...] [--json]
 *
 * Exit codes: 0; 1 when the machine cannot be discovered; 2 for bad input, including an
 * invalid policy (the engine's validation message, prefixed with the policy string).
 */
#include <config.h>

#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mempolicy.h"
#include "msg.h"
#include "nodelist.h"
#include "policy_spec.h"
#include "topology.h"
#include "weights.h"

#include <nodal.h>

#define MAX_STEPS 64

struct args {
	const char *sub, *policy, *allowed, *to[MAX_STEPS];
	int nto, cpu_node;
	bool json;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: nodal policy show POLICY [--cpu-node N] [--allowed LIST] [--json]\n"
		   "       nodal policy rebind POLICY --allowed LIST --to LIST [--to LIST ...] [--json]\n"
		   "  POLICY: MODE[=static|=relative][:NODES or NODE*WEIGHT,...][/home=N] (docs/grammar.md)\n"
		   "  show: the validated canonical form, the effective nodes and the candidate order of an\n"
		   "        allocation from a CPU on node N (default: this CPU's node)\n"
		   "  rebind: one line per step, 'ALLOWED<TAB>effective nodes', the kernel's rebinding\n"
		   "  machine: this one, or NODAL_TOPOLOGY; NODAL_FALLBACK, NODAL_PRIVATE_NODES, NODAL_WEIGHTS apply\n");
}

static int parse_args(int argc, char **argv, struct args *a)
{
	memset(a, 0, sizeof(*a));
	a->cpu_node = -1;
	if (argc < 2)
		return cli_usage_error("policy: missing subcommand (expected show or rebind; see nodal policy --help)");
	a->sub = argv[1];
	if (strcmp(a->sub, "show") && strcmp(a->sub, "rebind"))
		return cli_usage_error("policy: unknown subcommand '%s' (expected show or rebind)", a->sub);
	for (int i = 2; i < argc; i++) {
		const char *o = argv[i];
		bool has_value = i + 1 < argc;
		if (!strcmp(o, "--json")) {
			a->json = true;
		} else if (!strcmp(o, "--allowed") || !strcmp(o, "--to") || !strcmp(o, "--cpu-node")) {
			if (!has_value)
				return cli_usage_error("policy %s: %s needs a value", a->sub, o);
			const char *v = argv[++i];
			if (!strcmp(o, "--allowed")) {
				a->allowed = v;
			} else if (!strcmp(o, "--to")) {
				if (strcmp(a->sub, "rebind"))
					return cli_usage_error("policy show: --to is for 'policy rebind'");
				if (a->nto == MAX_STEPS)
					return cli_usage_error("policy rebind: more than %d --to steps", MAX_STEPS);
				a->to[a->nto++] = v;
			} else {
				if (strcmp(a->sub, "show"))
					return cli_usage_error("policy rebind: --cpu-node is for 'policy show'");
				char *end;
				long n = strtol(v, &end, 10);
				if (!*v || *end || n < 0 || n >= NODAL_MAX_NUMNODES)
					return cli_usage_error("policy show: --cpu-node '%s' is not a node number "
							       "(expected 0-%d)",
							       v, NODAL_MAX_NUMNODES - 1);
				a->cpu_node = (int)n;
			}
		} else if (o[0] == '-' && o[1] == '-') {
			return cli_usage_error("policy %s: unknown option '%s' (expected %s)", a->sub, o,
					       strcmp(a->sub, "show") ? "--allowed, --to, --json"
								      : "--cpu-node, --allowed, --json");
		} else if (!a->policy) {
			a->policy = o;
		} else {
			return cli_usage_error("policy %s: unexpected argument '%s' (one POLICY only)", a->sub, o);
		}
	}
	if (!a->policy)
		return cli_usage_error("policy %s: missing POLICY (e.g. bind:0-1, interleave=static:all)", a->sub);
	if (!strcmp(a->sub, "rebind") && (!a->allowed || !a->nto))
		return cli_usage_error("policy rebind: needs --allowed LIST and at least one --to LIST");
	return 0;
}

/* Node lists on the command line are over the machine's memory nodes ("all", "!"). */
static int parse_list(const struct nodal_topology *t, const char *what, const char *s, nodemask_t *out)
{
	struct nodal_nodelist_ctx ctx = { .all = t->memory, .allowed = t->memory, .nr_node_ids = t->nr_node_ids };
	if (nodal_nodelist_parse(s, &ctx, out, NULL))
		return cli_usage_error("policy: %s '%s': %s", what, s, nodal_last_error());
	nodemask_t bad;
	nodes_andnot(&bad, out, &t->memory);
	if (!nodes_empty(&bad))
		return cli_usage_error("policy: %s '%s': node %d has no memory (expected memory nodes of %s)", what, s,
				       first_node(&bad), t->source);
	return 0;
}

/* This process's Mems_allowed on this machine (all memory nodes if unreadable). */
static void mems_allowed(const struct nodal_topology *t, nodemask_t *out)
{
	*out = t->memory;
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return;
	char line[8192];
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Mems_allowed_list:", 18))
			continue;
		char *v = line + 18;
		while (*v == ' ' || *v == '\t')
			v++;
		v[strcspn(v, "\n")] = 0;
		struct nodal_nodelist_ctx ctx;
		nodal_nodelist_ctx_init(&ctx, NODAL_MAX_NUMNODES);
		nodemask_t m;
		if (!nodal_nodelist_parse(v, &ctx, &m, NULL)) {
			nodes_and(&m, &m, &t->memory);
			if (!nodes_empty(&m))
				*out = m;
		}
		break;
	}
	fclose(f);
}

static void print_mask(FILE *f, const nodemask_t *m)
{
	char buf[8192];
	nodal_nodelist_format(m, buf, sizeof(buf));
	fputs(buf[0] ? buf : "-", f);
}

static void print_ids(const int *ids, int n, bool json)
{
	for (int i = 0; i < n; i++)
		printf("%s%d", i ? (json ? ", " : " ") : "", ids[i]);
	if (!n && !json)
		fputs("(none: ENOMEM)", stdout);
}

static int show(const struct args *a, const struct nodal_topology *t, bool this_machine, const nodemask_t *allowed,
		const struct nodal_mempolicy *pol)
{
	int cpu_node = a->cpu_node;
	if (cpu_node >= 0) {
		if (cpu_node >= t->nr_node_ids || !t->fallback_len[cpu_node])
			return cli_usage_error("policy show: --cpu-node %d: node %d has no CPUs and no memory on %s "
					       "(expected a node with a fallback list)",
					       cpu_node, cpu_node, t->source);
	} else {
		int cpu = this_machine ? sched_getcpu() : -1;
		if (cpu >= 0 && cpu < t->nr_cpu_ids)
			cpu_node = t->cpu_to_node[cpu];
		if (cpu_node < 0 || cpu_node >= t->nr_node_ids || !t->fallback_len[cpu_node]) {
			cpu_node = -1;
			for (int n = 0; n < t->nr_node_ids && cpu_node < 0; n++)
				if (t->fallback_len[n] && node_isset(n, &t->cpu))
					cpu_node = n;
			if (cpu_node < 0)
				cpu_node = first_node(&t->memory);
		}
	}
	struct nodal_policy_spec back;
	char canon[16384];
	nodal_mpol_to_spec(pol, &back);
	nodal_policy_spec_format(&back, canon, sizeof(canon));

	struct nodal_il_cursor il = NODAL_IL_CURSOR_INIT;
	struct nodal_mpol_ctx ctx = { .topo = t, .allowed = allowed, .local_node = cpu_node, .il = &il };
	static int cands[NODAL_MAX_NUMNODES], round[4096];
	int nc = nodal_mpol_candidates(pol, &ctx, cands, NODAL_MAX_NUMNODES);
	if (nc > NODAL_MAX_NUMNODES)
		nc = NODAL_MAX_NUMNODES;
	/* interleave modes: the start nodes of one full round from a fresh cursor */
	int nr = 0;
	bool interleaved = pol->mode == NODAL_MPOL_INTERLEAVE || pol->mode == NODAL_MPOL_WEIGHTED_INTERLEAVE;
	if (interleaved) {
		struct nodal_il_cursor c = NODAL_IL_CURSOR_INIT;
		ctx.il = &c;
		nodemask_t eff;
		nodal_mpol_effective_nodes(pol, t, allowed, &eff);
		int n;
		long total = 0;
		for_each_node_mask(n, &eff) total += pol->weights[n] ? pol->weights[n] : 1;
		for (long i = 0; i < total && nr < (int)(sizeof(round) / sizeof(round[0])); i++) {
			struct nodal_mpol_iter it;
			round[nr++] = nodal_mpol_first(pol, &ctx, &it);
		}
	}
	nodemask_t eff;
	nodal_mpol_effective_nodes(pol, t, allowed, &eff);

	if (a->json) {
		printf("{\"policy\": \"%s\", \"mode\": \"%s\", \"flags\": [", canon, nodal_mode_name(pol->mode));
		const char *sep = "";
		if (pol->flags & NODAL_F_STATIC)
			printf("%s\"static\"", sep), sep = ", ";
		if (pol->flags & NODAL_F_RELATIVE)
			printf("%s\"relative\"", sep), sep = ", ";
		if (pol->flags & NODAL_F_NUMA_BALANCING)
			printf("%s\"numa_balancing\"", sep);
		printf("], \"home_node\": ");
		if (pol->home_node >= 0)
			printf("%d", pol->home_node);
		else
			printf("null");
		printf(", \"nodes\": \"");
		print_mask(stdout, &pol->nodes);
		printf("\", \"effective\": \"");
		print_mask(stdout, &eff);
		printf("\", \"allowed\": \"");
		print_mask(stdout, allowed);
		printf("\", \"cpu_node\": %d, \"candidates\": [", cpu_node);
		print_ids(cands, nc, true);
		printf("]");
		if (interleaved) {
			printf(", \"round\": [");
			print_ids(round, nr, true);
			printf("]");
		}
		printf(", \"topology\": \"%s\"}\n", t->source);
		return 0;
	}
	printf("policy      %s\n", canon);
	printf("mode        %s\n", nodal_mode_name(pol->mode));
	printf("nodes       ");
	print_mask(stdout, &pol->nodes);
	printf("\neffective   ");
	print_mask(stdout, &eff);
	printf("\nallowed     ");
	print_mask(stdout, allowed);
	printf("\ncpu node    %d\ncandidates  ", cpu_node);
	print_ids(cands, nc, false);
	if (interleaved) {
		printf("\nround       ");
		print_ids(round, nr, false);
	}
	printf("\ntopology    %s\n", t->source);
	return 0;
}

static int rebind(const struct args *a, const struct nodal_topology *t, const nodemask_t *allowed,
		  struct nodal_mempolicy *pol)
{
	nodemask_t steps[MAX_STEPS + 1];
	steps[0] = *allowed;
	for (int i = 0; i < a->nto; i++) {
		int rc = parse_list(t, "--to", a->to[i], &steps[i + 1]);
		if (rc)
			return rc;
	}
	if (a->json) {
		struct nodal_policy_spec back;
		char canon[16384];
		nodal_mpol_to_spec(pol, &back);
		nodal_policy_spec_format(&back, canon, sizeof(canon));
		printf("{\"policy\": \"%s\", \"steps\": [", canon);
	}
	for (int s = 0; s <= a->nto; s++) {
		if (s) {
			struct nodal_mempolicy *next;
			if (nodal_mpol_rebind(pol, &steps[s], &next)) {
				fprintf(stderr, "nodal: policy rebind: %s\n", nodal_last_error());
				nodal_mpol_free(pol);
				return 1;
			}
			nodal_mpol_free(pol);
			pol = next;
		}
		nodemask_t eff;
		nodal_mpol_effective_nodes(pol, t, &steps[s], &eff);
		if (a->json) {
			printf("%s{\"allowed\": \"", s ? ", " : "");
			print_mask(stdout, &steps[s]);
			printf("\", \"effective\": \"");
			print_mask(stdout, &eff);
			printf("\", \"nodes\": \"");
			print_mask(stdout, &pol->nodes);
			printf("\"}");
		} else {
			print_mask(stdout, &steps[s]);
			putchar('\t');
			print_mask(stdout, &eff);
			putchar('\n');
		}
	}
	if (a->json)
		printf("]}\n");
	nodal_mpol_free(pol);
	return 0;
}

int cmd_policy(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
	struct args a;
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc;
	struct nodal_topology *t;
	bool this_machine;
	rc = cli_load_machine("policy", &t, &this_machine);
	if (rc)
		return rc;

	nodemask_t allowed;
	if (a.allowed)
		rc = parse_list(t, "--allowed", a.allowed, &allowed);
	else if (this_machine)
		mems_allowed(t, &allowed);
	else
		allowed = t->memory;
	if (!rc && nodes_empty(&allowed))
		rc = cli_usage_error("policy: --allowed '%s' is empty (expected some memory nodes)", a.allowed);
	uint8_t weights[NODAL_MAX_NUMNODES];
	if (!rc && nodal_default_weights(t, nodal_getenv("NODAL_WEIGHTS"), weights))
		rc = cli_usage_error("policy: %s", nodal_last_error());
	struct nodal_policy_spec spec;
	struct nodal_nodelist_ctx ctx = { .all = t->memory, .allowed = allowed, .nr_node_ids = t->nr_node_ids };
	if (!rc && nodal_policy_spec_parse(a.policy, &ctx, &spec))
		rc = cli_usage_error("%s", nodal_last_error());
	struct nodal_mempolicy *pol = NULL;
	struct nodal_mpol_env env = { .topo = t, .allowed = allowed, .default_weights = weights };
	if (!rc && nodal_mpol_new(&spec, &env, &pol))
		rc = cli_usage_error("policy '%s': %s", a.policy, nodal_last_error());
	if (!rc) {
		if (!strcmp(a.sub, "show")) {
			rc = show(&a, t, this_machine, &allowed, pol);
			nodal_mpol_free(pol);
		} else {
			rc = rebind(&a, t, &allowed, pol); /* frees pol */
		}
	}
	nodal_topology_free(t);
	return rc;
}
