/*
 * topo.c — `nodal topo [--json]`: the machine nodal sees (this one, or NODAL_TOPOLOGY),
 * its distance matrix and every node's fallback list under NODAL_FALLBACK and
 * NODAL_PRIVATE_NODES. Exit 0, 1 when the machine cannot be discovered, 2 for bad input
 * (an unknown argument, a bad NODAL_* value, a missing or invalid topology file).
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fallback.h"
#include "msg.h"
#include "nodemask.h"
#include "topology.h"

static void print_list(FILE *f, const int *v, int n)
{
	/* compressed "0-3,8" */
	for (int i = 0; i < n;) {
		int j = i;
		while (j + 1 < n && v[j + 1] == v[j] + 1)
			j++;
		fprintf(f, "%s%d", i ? "," : "", v[i]);
		if (j > i)
			fprintf(f, "-%d", v[j]);
		i = j + 1;
	}
	if (!n)
		fputs("-", f);
}

static void print_bytes(uint64_t b, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 " B", b);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* A node set as "0-3,8" (the initiators column), "-" when empty. */
static void mask_str(const nodemask_t *m, char *buf, size_t len)
{
	int ids[NODAL_MAX_NUMNODES], k = 0, n;
	for_each_node_mask(n, m)
		ids[k++] = n;
	FILE *f = k ? fmemopen(buf, len, "w") : NULL;
	if (!f) {
		snprintf(buf, len, "-");
		return;
	}
	print_list(f, ids, k);
	fclose(f);
}

static void print_json(const struct nodal_topology *t)
{
	int n, first = 1;
	fputs("{\"source\": ", stdout);
	json_string(stdout, t->source);
	printf(", \"fallback_kind\": \"%s\", \"private_nodes\": [", nodal_fallback_kind_name(t->fallback_kind));
	for_each_node_mask(n, &t->private_nodes) {
		printf("%s%d", first ? "" : ", ", n);
		first = 0;
	}
	fputs("], \"nodes\": [", stdout);
	first = 1;
	for (n = 0; n < t->nr_node_ids; n++) {
		const struct nodal_node *node = &t->nodes[n];
		if (!node->present)
			continue;
		printf("%s\n  {\"id\": %d, \"cpus\": [", first ? "" : ",", n);
		first = 0;
		for (int i = 0; i < node->ncpus; i++)
			printf("%s%d", i ? ", " : "", node->cpus[i]);
		printf("], \"memory_bytes\": %" PRIu64 ", \"free_bytes\": %" PRIu64 ", \"has_memory\": %s, \"private\": %s",
		       node->memory_bytes, node->free_bytes, node->has_memory ? "true" : "false",
		       node->is_private ? "true" : "false");
		if (node->tier >= 0)
			printf(", \"tier\": %d", node->tier);
		else
			fputs(", \"tier\": null", stdout);
		fputs(", \"subtype\": ", stdout);
		if (node->subtype[0])
			json_string(stdout, node->subtype);
		else
			fputs("null", stdout);
		if (node->bandwidth_mbs)
			printf(", \"bandwidth_mbs\": %" PRIu64, node->bandwidth_mbs);
		if (node->latency_ns)
			printf(", \"latency_ns\": %" PRIu64, node->latency_ns);
		if (!nodes_empty(&node->initiators)) {
			int i, k = 0;
			fputs(", \"initiators\": [", stdout);
			for_each_node_mask(i, &node->initiators)
				printf("%s%d", k++ ? ", " : "", i);
			putchar(']');
		}
		int len;
		const uint16_t *l = nodal_fallback_list(t, n, &len);
		fputs(", \"fallback\": [", stdout);
		for (int i = 0; i < len; i++)
			printf("%s%d", i ? ", " : "", l[i]);
		fputs("], \"distances\": [", stdout);
		int col = 0;
		for (int m = 0; m < t->nr_node_ids; m++)
			if (t->nodes[m].present)
				printf("%s%d", col++ ? ", " : "", nodal_node_distance(t, n, m));
		fputs("]}", stdout);
	}
	fputs("\n]}\n", stdout);
}

static void print_text(const struct nodal_topology *t)
{
	int n, nr_present = 0;
	printf("topology: %s\nfallback: %s\nprivate nodes: ", t->source, nodal_fallback_kind_name(t->fallback_kind));
	int priv[NODAL_MAX_NUMNODES], np = 0;
	for_each_node_mask(n, &t->private_nodes)
		priv[np++] = n;
	print_list(stdout, priv, np);
	printf("\n\n%5s %11s %11s %4s %-10s %8s %6s %-8s %-7s %s\n", "node", "memory", "free", "tier", "subtype", "MB/s",
	       "ns", "from", "private", "cpus");
	for (n = 0; n < t->nr_node_ids; n++) {
		const struct nodal_node *node = &t->nodes[n];
		if (!node->present)
			continue;
		nr_present++;
		char cpus[4096], mem[32], fr[32], tier[16], bw[24], lat[24], from[64];
		FILE *f = fmemopen(cpus, sizeof(cpus), "w");
		if (f) {
			print_list(f, node->cpus, node->ncpus);
			fclose(f);
		} else {
			snprintf(cpus, sizeof(cpus), "%d", node->ncpus);
		}
		print_bytes(node->memory_bytes, mem, sizeof(mem));
		if (node->free_bytes)
			print_bytes(node->free_bytes, fr, sizeof(fr));
		else
			snprintf(fr, sizeof(fr), "-");
		if (node->tier >= 0)
			snprintf(tier, sizeof(tier), "%d", node->tier);
		else
			snprintf(tier, sizeof(tier), "-");
		/* HMAT / hwloc memory attributes from the node's local initiator, "-" unknown */
		snprintf(bw, sizeof(bw), node->bandwidth_mbs ? "%" PRIu64 : "-", node->bandwidth_mbs);
		snprintf(lat, sizeof(lat), node->latency_ns ? "%" PRIu64 : "-", node->latency_ns);
		mask_str(&node->initiators, from, sizeof(from));
		printf("%5d %11s %11s %4s %-10s %8s %6s %-8s %-7s %s\n", n, node->has_memory ? mem : "none", fr, tier,
		       node->subtype[0] ? node->subtype : "-", bw, lat, from, node->is_private ? "yes" : "no", cpus);
	}

	printf("\ndistances:\n%5s", "");
	for (n = 0; n < t->nr_node_ids; n++)
		if (t->nodes[n].present)
			printf(" %4d", n);
	putchar('\n');
	for (n = 0; n < t->nr_node_ids; n++) {
		if (!t->nodes[n].present)
			continue;
		printf("%5d", n);
		for (int m = 0; m < t->nr_node_ids; m++)
			if (t->nodes[m].present)
				printf(" %4d", nodal_node_distance(t, n, m));
		putchar('\n');
	}

	printf("\nfallback lists (%s):\n", nodal_fallback_kind_name(t->fallback_kind));
	for (n = 0; n < t->nr_node_ids; n++) {
		if (!t->nodes[n].present)
			continue;
		int len;
		const uint16_t *l = nodal_fallback_list(t, n, &len);
		printf("%5d:", n);
		if (!len)
			fputs(" (none: no memory and no CPU)", stdout);
		for (int i = 0; i < len; i++)
			printf(" %d", l[i]);
		if (t->nodes[n].is_private)
			fputs("  (private)", stdout);
		else if (!t->nodes[n].has_memory && len)
			fputs("  (CPUs without memory)", stdout);
		putchar('\n');
	}
	(void)nr_present;
}

int cmd_topo(int argc, char **argv)
{
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: nodal topo [--json]\n"
			       "  the machine (or NODAL_TOPOLOGY=<file.xml>|synthetic:<hwloc description>),\n"
			       "  distances and fallback lists (NODAL_FALLBACK, NODAL_PRIVATE_NODES)\n");
			return 0;
		} else
			return cli_usage_error("topo: unknown argument '%s' (expected --json)", argv[i]);
	}
	/* An interactive command: a bad value is an error (exit 2), never the default. */
	struct nodal_topology *t;
	int rc = cli_load_machine("topo", &t, NULL);
	if (rc)
		return rc;
	if (json)
		print_json(t);
	else
		print_text(t);
	nodal_topology_free(t);
	return 0;
}
