/*
 * machine.c — the machine a CLI command works on: NODAL_TOPOLOGY (an hwloc XML file or
 * "synthetic:..."; unset = this machine), with the fallback lists NODAL_FALLBACK and
 * NODAL_PRIVATE_NODES ask for. The CLI is interactive, so a bad value is an error
 * (exit 2), never the option table's silent default.
 */
#include <config.h>

#include <stdio.h>

#include "cli.h"
#include "fallback.h"
#include "msg.h"
#include "nodelist.h"
#include "options.h"
#include "parse_err.h"

int cli_load_machine(const char *cmd, struct nodal_topology **out, bool *this_machine)
{
	static struct nodal_config cfg;
	*out = NULL;
	nodal_config_defaults(&cfg);
	static const enum nodal_option_id early[] = { NODAL_OPT_TOPOLOGY, NODAL_OPT_FALLBACK };
	for (unsigned i = 0; i < sizeof(early) / sizeof(*early); i++) {
		const char *v = nodal_getenv(nodal_options[early[i]].name);
		if (v && nodal_option_parse(&cfg, early[i], v, NULL))
			return cli_usage_error("%s: %s (expected %s)", cmd, nodal_last_error(),
					       nodal_options[early[i]].expected);
	}
	struct nodal_topology *t;
	int err = nodal_topology_load(cfg.topology, &t);
	if (err) {
		if (cfg.topology[0])
			return cli_usage_error("%s: NODAL_TOPOLOGY: %s", cmd, nodal_last_error());
		fprintf(stderr, "nodal: %s: %s\n", cmd, nodal_last_error());
		return 1;
	}
	const char *pv = nodal_getenv("NODAL_PRIVATE_NODES");
	if (pv && *pv) {
		struct nodal_nodelist_ctx ctx = { .all = t->memory, .allowed = t->memory, .nr_node_ids = t->nr_node_ids };
		if (nodal_option_parse(&cfg, NODAL_OPT_PRIVATE_NODES, pv, &ctx)) {
			int rc = cli_usage_error("%s: NODAL_PRIVATE_NODES='%s': %s (expected %s of %s)", cmd, pv,
						 nodal_parse_reason(), nodal_options[NODAL_OPT_PRIVATE_NODES].expected,
						 t->source);
			nodal_topology_free(t);
			return rc;
		}
	}
	if (cfg.fallback != NODAL_FALLBACK_KERNEL || !nodes_empty(&cfg.private_nodes)) {
		err = nodal_fallback_build(t, (enum nodal_fallback_kind)cfg.fallback, &cfg.private_nodes);
		if (err) {
			nodal_topology_free(t);
			return cli_usage_error("%s: %s", cmd, nodal_last_error());
		}
	}
	if (this_machine)
		*this_machine = cfg.topology[0] == 0;
	*out = t;
	return 0;
}
