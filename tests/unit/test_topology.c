/*
 * test_topology.c — loading machines: every hwloc XML of shared/topologies (v2 and the
 * v3 files Debian's hwloc 2.9 refuses by version), the conformance XMLs against the
 * kernel's own inputs, synthetic strings, this machine, described machines (2 to 1024
 * nodes, sparse ids), and the error messages for bad inputs.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fallback.h"
#include "msg.h"
#include "topo_util.h"
#include "topology.h"
#include "tsv.h"

static void format_nodes(const struct nodal_topology *t, const nodemask_t *m, char *buf, size_t len)
{
	(void)t;
	test_format_mask(m, buf, len);
}

/* Lists of every kind are permutations of the memory nodes, the node first. */
static void check_lists(const struct nodal_topology *t, const char *what)
{
	for (int k = NODAL_FALLBACK_KERNEL; k <= NODAL_FALLBACK_DISTANCE; k++) {
		cr_assert_eq(nodal_fallback_build((struct nodal_topology *)t, (enum nodal_fallback_kind)k, NULL), 0, "%s",
		             nodal_last_error());
		for (int n = 0; n < t->nr_node_ids; n++) {
			int len;
			const uint16_t *l = nodal_fallback_list(t, n, &len);
			if (!t->nodes[n].present || (!t->nodes[n].has_memory && !t->nodes[n].has_cpus)) {
				cr_assert_eq(len, 0, "%s: node %d has a list", what, n);
				continue;
			}
			nodemask_t seen = NODE_MASK_NONE;
			if (t->nodes[n].has_memory)
				cr_assert_eq(l[0], n, "%s (%s): node %d not first in its list", what,
				             nodal_fallback_kind_name(k), n);
			for (int i = 0; i < len; i++) {
				cr_assert(!node_isset(l[i], &seen), "%s: node %d repeats %d", what, n, l[i]);
				node_set(l[i], &seen);
			}
			cr_assert(nodes_equal(&seen, &t->memory), "%s (%s): node %d's list is not the memory nodes", what,
			          nodal_fallback_kind_name(k), n);
		}
	}
	cr_assert_eq(nodal_fallback_build((struct nodal_topology *)t, NODAL_FALLBACK_KERNEL, NULL), 0);
}

/*
 * Private nodes on a real machine: its CPU-less nodes (else its highest node) made
 * private, under every kind — in no list but their own, whose head they are, followed by
 * exactly the normal memory nodes.
 */
static void check_private(struct nodal_topology *t, const char *what)
{
	nodemask_t priv;
	nodes_andnot(&priv, &t->memory, &t->cpu);
	if (nodes_empty(&priv) || nodes_equal(&priv, &t->memory)) {
		nodes_clear(&priv);
		node_set(last_node(&t->memory), &priv);
	}
	if (nodes_equal(&priv, &t->memory))
		return; /* a one-node machine: nothing stays normal */
	nodemask_t normal;
	nodes_andnot(&normal, &t->memory, &priv);
	for (int k = NODAL_FALLBACK_KERNEL; k <= NODAL_FALLBACK_DISTANCE; k++) {
		cr_assert_eq(nodal_fallback_build(t, (enum nodal_fallback_kind)k, &priv), 0, "%s: %s", what,
		             nodal_last_error());
		for (int n = 0; n < t->nr_node_ids; n++) {
			int len;
			const uint16_t *l = nodal_fallback_list(t, n, &len);
			nodemask_t seen = NODE_MASK_NONE, want = normal;
			if (node_isset(n, &priv)) {
				cr_assert(len > 0 && l[0] == n, "%s: private node %d does not head its own list", what, n);
				node_set(n, &want);
			}
			for (int i = 0; i < len; i++) {
				cr_assert(!node_isset(l[i], &priv) || l[i] == n, "%s (%s): private node %d in node %d's list",
				          what, nodal_fallback_kind_name(k), l[i], n);
				node_set(l[i], &seen);
			}
			if (len)
				cr_assert(nodes_equal(&seen, &want), "%s: node %d's list is not the normal nodes", what, n);
		}
	}
	cr_assert_eq(nodal_fallback_build(t, NODAL_FALLBACK_KERNEL, NULL), 0);
}

/* shared/topologies/README.md: node ids and the Linux view of CPU-less nodes ("?" where
 * the XML cannot tell: fakememinitiators hides the CPU-only memoryless nodes 0-4). */
static const struct {
	const char *file, *nodes, *cpuless;
	bool v3;
} machines[] = {
	{ "16amd64-4distances.xml", "0-7", "", true },
	{ "16amd64-8n2c-cpusets.xml", "1-5", "4-5", true }, /* CPUs of 4-5 outside the exported cpuset */
	{ "192em64t-24n8c2t.xml", "0-23", "", true },
	{ "64intel64-fakeKNL-SNC4-hybrid.xml", "0-7", "4-7", false },
	{ "64intel64-heteromem.xml", "0-7", "4-7", true },
	{ "8ia64-2n2s2c+1n.v1tov2.xml", "0,2,16", "16", false },
	{ "8intel64-4n2t-memattrs.xml", "0-3", "", true },
	{ "8intel64-fakeKNL-A2A-hybrid.rootattachednumas.xml", "0-1", "1", false },
	{ "cxlmem+dax.v3.xml", "0", "", true },
	{ "fakeheterodistances.xml", "0-7", "", true },
	{ "fs-128ia64-17n4s2c.xml", "0-16", "16", false },
	{ "fs-256ia64-64n2s2c.xml", "0-63", "", false },
	{ "fs-48amd64-4pa2n6c-sparse.xml", "0-2,33-34,45,72-73", "", false },
	{ "fs-64intel64-fakeKNL-SNC4-hybrid.xml", "0-7", "4-7", false },
	{ "fs-fakeheteromemtiers.xml", "0-2,4,6,8-9", "4,6,8-9", false },
	{ "fs-fakememinitiators-1np2c+1npp+gi.xml", "5-10", "?", false },
	{ "fs-nvidiagpunumanodes.xml", "0,8,250-255", "250-255", false },
	{ "fs-offline-cpu0-node0.xml", "1", "", false },
	{ "memorysidecaches.xml", "0-3", "", true },
	{ "power8gpudistances.xml", "0-1", "", true },
};

static bool file_is_v3(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[512] = "";
	cr_assert(f, "cannot open %s", path);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return strstr(buf, "<topology version=\"3.") != NULL;
}

Test(topology, every_shared_xml_loads)
{
	int v3 = 0;
	for (unsigned i = 0; i < sizeof(machines) / sizeof(*machines); i++) {
		char rel[256];
		snprintf(rel, sizeof(rel), "topologies/xml/%s", machines[i].file);
		const char *path = shared_path(rel);
		bool is_v3 = file_is_v3(path);
		cr_assert_eq(is_v3, machines[i].v3, "%s: v3=%d, table says %d", machines[i].file, is_v3, machines[i].v3);
		v3 += is_v3;
		struct nodal_topology *t;
		int err = nodal_topology_load(path, &t);
		cr_assert_eq(err, 0, "%s (%s XML) does not load: %s", machines[i].file, is_v3 ? "v3" : "v2",
		             nodal_last_error());
		char got[512];
		format_nodes(t, &t->online, got, sizeof(got));
		cr_assert_str_eq(got, machines[i].nodes, "%s: nodes %s, want %s", machines[i].file, got, machines[i].nodes);
		if (strcmp(machines[i].cpuless, "?")) {
			nodemask_t cpuless;
			nodes_andnot(&cpuless, &t->online, &t->cpu);
			format_nodes(t, &cpuless, got, sizeof(got));
			cr_assert_str_eq(got, machines[i].cpuless, "%s: CPU-less %s, want %s", machines[i].file, got,
			                 machines[i].cpuless);
		}
		cr_assert(nodes_equal(&t->memory, &t->online), "%s: every node has memory", machines[i].file);
		/* hwloc's v1-to-v2 converted 8ia64 file carries a matrix that is not a SLIT (its
		 * diagonal is 17, 17, 14): loaded as written, only checked to be non-zero. */
		bool slit = !strstr(machines[i].file, "v1tov2");
		for (int n = 0; n < t->nr_node_ids; n++)
			for (int m = 0; m < t->nr_node_ids; m++)
				if (t->nodes[n].present && t->nodes[m].present) {
					int dnm = nodal_node_distance(t, n, m);
					cr_assert_gt(dnm, 0);
					if (slit)
						cr_assert_eq(dnm == 10, n == m, "%s: distance %d->%d = %d", machines[i].file,
						             n, m, dnm);
				}
		check_lists(t, machines[i].file);
		check_private(t, machines[i].file);
		cr_assert_str_eq(t->source, path);
		nodal_topology_free(t);
	}
	cr_log_info("%d of %zu shared topologies are hwloc v3 XML, loaded through the in-memory conversion", v3,
	            sizeof(machines) / sizeof(*machines));
	cr_assert_eq(v3, 9);
}

static struct nodal_topology *load_shared(const char *file)
{
	char rel[256];
	snprintf(rel, sizeof(rel), "topologies/xml/%s", file);
	struct nodal_topology *t;
	cr_assert_eq(nodal_topology_load(shared_path(rel), &t), 0, "%s: %s", file, nodal_last_error());
	return t;
}

Test(topology, tiers_subtypes_bandwidth_distances)
{
	/* v2 with hwloc's MemoryTier info attributes */
	struct nodal_topology *t = load_shared("64intel64-fakeKNL-SNC4-hybrid.xml");
	cr_assert_str_eq(t->nodes[0].subtype, "DRAM");
	cr_assert_str_eq(t->nodes[4].subtype, "MCDRAM");
	cr_assert_eq(t->nodes[0].tier, 1);
	cr_assert_eq(t->nodes[4].tier, 0);
	cr_assert_gt(t->nodes[4].bandwidth_mbs, t->nodes[0].bandwidth_mbs);
	nodal_topology_free(t);

	/* v3: tiers from <memtier>, in file order; HMAT bandwidth from the local initiator */
	t = load_shared("64intel64-heteromem.xml");
	cr_assert_str_eq(t->nodes[7].subtype, "HBM");
	cr_assert_eq(t->nodes[7].tier, 0);
	cr_assert_eq(t->nodes[0].tier, 1);
	cr_assert_eq(t->nodes[0].bandwidth_mbs, 22500);
	cr_assert_eq(t->nodes[7].bandwidth_mbs, 90000);
	/* the HBM node's figures are from node 0's CPUs (its initiator cpuset) */
	cr_assert_eq(nodes_weight(&t->nodes[7].initiators), 1);
	cr_assert(node_isset(0, &t->nodes[7].initiators));
	cr_assert(node_isset(0, &t->nodes[0].initiators));
	nodal_topology_free(t);

	/* latency and bandwidth memattrs; NVM subtype */
	t = load_shared("fs-fakememinitiators-1np2c+1npp+gi.xml");
	cr_assert_str_eq(t->nodes[7].subtype, "NVM");
	cr_assert_gt(t->nodes[7].latency_ns, t->nodes[5].latency_ns);
	/* an initiator spanning two CPU nodes: both are node 7's initiators */
	cr_assert_eq(nodes_weight(&t->nodes[7].initiators), 2);
	cr_assert(node_isset(5, &t->nodes[7].initiators) && node_isset(6, &t->nodes[7].initiators));
	cr_assert_eq(nodes_weight(&t->nodes[5].initiators), 1);
	cr_assert(node_isset(5, &t->nodes[5].initiators));
	nodal_topology_free(t);

	/* sparse ids and a real NUMALatency matrix */
	t = load_shared("fs-48amd64-4pa2n6c-sparse.xml");
	cr_assert_eq(t->nr_node_ids, 74);
	cr_assert(!t->nodes[3].present && t->nodes[73].present);
	cr_assert_gt(nodal_node_distance(t, 0, 73), 10);
	nodal_topology_free(t);

	t = load_shared("fs-nvidiagpunumanodes.xml");
	cr_assert_eq(t->nr_node_ids, 256);
	cr_assert_str_eq(t->nodes[255].subtype, "GPUMemory");
	cr_assert_eq(nodal_node_distance(t, 0, 8), 40);
	cr_assert_eq(nodal_node_distance(t, 0, 250), 80);
	nodal_topology_free(t);

	/* no NUMALatency but an unnamed NUMANode latency matrix */
	t = load_shared("fakeheterodistances.xml");
	cr_assert_eq(nodal_node_distance(t, 0, 1), 16);
	cr_assert_eq(nodal_node_distance(t, 0, 3), 22);
	nodal_topology_free(t);

	/* no distances at all: 10 / 20 */
	t = load_shared("8intel64-4n2t-memattrs.xml");
	cr_assert_eq(nodal_node_distance(t, 0, 1), 20);
	cr_assert_eq(nodal_node_distance(t, 2, 2), 10);
	nodal_topology_free(t);
}

/* The conformance XMLs hold exactly the inputs of fallback-vectors.tsv's rows. */
Test(topology, conformance_xml_matches_vectors)
{
	struct tsv v;
	cr_assert_eq(tsv_load(&v, shared_path("conformance/fallback-vectors.tsv")), 0);
	int c_id = tsv_col(&v, "topology_id"), c_cpu = tsv_col(&v, "nodes_with_cpus"),
	    c_m = tsv_col(&v, "distance_matrix"), c_mem = tsv_col(&v, "memory_nodes"), c_ph = tsv_col(&v, "phase");
	const char *ids[] = { "T01-two-node", "T02-four-equal-allcpu", "T03-four-equal-2cpuless",
		              "T04-line-cpu-on-pxm2", "T05-8n-2socket-16-32", "T06-8n-2socket-snc-12-32",
		              "T07-asymmetric-4", "T08-cpuless-plus1", "T09-memoryless-cpu-node",
		              "T11-8n-equal-1cpu", "T13-3n-triangle" };
	for (unsigned i = 0; i < sizeof(ids) / sizeof(*ids); i++) {
		char rel[256];
		snprintf(rel, sizeof(rel), "conformance/xml/%s.xml", ids[i]);
		struct nodal_topology *t;
		cr_assert_eq(nodal_topology_load(shared_path(rel), &t), 0, "%s", nodal_last_error());
		struct tsv_row *r = NULL;
		for (int k = 0; k < v.nrows && !r; k++)
			if (!strcmp(v.rows[k].f[c_id], ids[i]) && !strcmp(v.rows[k].f[c_ph], "boot"))
				r = &v.rows[k];
		cr_assert(r, "%s not in the vectors", ids[i]);
		char got[256];
		test_format_mask(&t->cpu, got, sizeof(got));
		cr_assert_str_eq(got, r->f[c_cpu], "%s: CPU nodes %s, vectors %s", ids[i], got, r->f[c_cpu]);
		test_format_mask(&t->memory, got, sizeof(got));
		cr_assert_str_eq(got, r->f[c_mem], "%s: memory nodes %s, vectors %s", ids[i], got, r->f[c_mem]);
		char mat[1024];
		size_t off = 0;
		for (int a = 0; a < t->nr_node_ids; a++)
			for (int b = 0; b < t->nr_node_ids; b++)
				off += (size_t)snprintf(mat + off, sizeof(mat) - off, "%d%s", nodal_node_distance(t, a, b),
				                        b + 1 < t->nr_node_ids ? "," : a + 1 < t->nr_node_ids ? ";" : "");
		cr_assert_str_eq(mat, r->f[c_m], "%s: matrix %s, vectors %s", ids[i], mat, r->f[c_m]);
		nodal_topology_free(t);
	}
	tsv_free(&v);
}

static void list_str(const struct nodal_topology *t, int node, char *buf, size_t len)
{
	int n;
	const uint16_t *l = nodal_fallback_list(t, node, &n);
	size_t off = 0;
	buf[0] = 0;
	for (int i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%d", i ? " " : "", l[i]);
}

/* conformance/xml/variants: the two shapes a real machine's hwloc gives T09's CPU node
 * without memory. Disallowed nodes are kept, so the cpuset-restricted export is the
 * whole machine with the kernel's lists; the package-only export has lost node 1. */
Test(topology, t09_variants)
{
	struct nodal_topology *t;
	char buf[64];
	cr_assert_eq(nodal_topology_load(shared_path("conformance/xml/variants/T09-memoryless-cpu-node.disallowed.xml"), &t),
	             0, "%s", nodal_last_error());
	const char *want[] = { "0 2 3", "3 0 2", "2 3 0", "3 2 0" };
	cr_assert(t->nodes[1].present && t->nodes[1].has_cpus && !t->nodes[1].has_memory);
	for (int n = 0; n < 4; n++) {
		list_str(t, n, buf, sizeof(buf));
		cr_assert_str_eq(buf, want[n], "disallowed variant, node %d: %s, kernel %s", n, buf, want[n]);
	}
	nodal_topology_free(t);

	cr_assert_eq(
		nodal_topology_load(shared_path("conformance/xml/variants/T09-memoryless-cpu-node.package-only.xml"), &t),
		0, "%s", nodal_last_error());
	cr_assert(!t->nodes[1].present);
	cr_assert_eq(nodal_cpu_to_node(t, 1), 2, "PU 1 goes to the lowest of the Machine-level nodes 2, 3");
	nodal_topology_free(t);
}

Test(topology, synthetic_strings)
{
	struct nodal_topology *t;
	cr_assert_eq(nodal_topology_load("synthetic:pack:2 node:2 core:2 pu:2", &t), 0, "%s", nodal_last_error());
	cr_assert_eq(nodes_weight(&t->memory), 4);
	cr_assert_eq(nodes_weight(&t->cpu), 4);
	cr_assert_eq(t->nr_cpu_ids, 16);
	cr_assert_eq(t->nodes[1].ncpus, 4);
	cr_assert_eq(nodal_cpu_to_node(t, 5), 1);
	cr_assert_eq(nodal_cpu_to_node(t, 99), -1);
	cr_assert_eq(nodal_node_distance(t, 0, 3), 20);
	cr_assert_str_eq(t->source, "synthetic:pack:2 node:2 core:2 pu:2");
	check_lists(t, "synthetic");
	nodal_topology_free(t);

	/* the kernel's maximum, 1024 nodes, through hwloc; one more is refused */
	cr_assert_eq(nodal_topology_load("synthetic:node:1024 pu:1", &t), 0, "%s", nodal_last_error());
	cr_assert_eq(nodes_weight(&t->memory), 1024);
	cr_assert_eq(nodal_cpu_to_node(t, 1023), 1023);
	int len;
	nodal_fallback_list(t, 1023, &len);
	cr_assert_eq(len, 1024);
	nodal_topology_free(t);
	t = (struct nodal_topology *)1;
	cr_assert_eq(nodal_topology_load("synthetic:node:1025 pu:1", &t), EINVAL);
	cr_assert_null(t);
	cr_assert(strstr(nodal_last_error(), "node id 1024 is above the maximum 1023"), "%s", nodal_last_error());

	/* CPU-less memory at the package level, like HBM next to DRAM */
	cr_assert_eq(nodal_topology_load("synthetic:pack:2 [numa(memory=2GB)] [numa(memory=1GB)] core:2 pu:1", &t), 0, "%s",
	             nodal_last_error());
	cr_assert_eq(nodes_weight(&t->memory), 4);
	cr_assert_eq(nodes_weight(&t->cpu), 2, "one node per package has the CPUs");
	nodal_topology_free(t);
}

Test(topology, this_machine)
{
	struct nodal_topology *t;
	cr_assert_eq(nodal_topology_load(NULL, &t), 0, "%s", nodal_last_error());
	cr_assert_str_eq(t->source, "this machine");
	cr_assert_geq(nodes_weight(&t->memory), 1);
	int cpus = 0;
	for (int n = 0; n < t->nr_node_ids; n++)
		cpus += t->nodes[n].ncpus;
	cr_assert_eq(cpus, (int)sysconf(_SC_NPROCESSORS_CONF), "every CPU of this machine belongs to a node");
	int first = first_node(&t->memory);
	cr_assert_gt(t->nodes[first].free_bytes, 0, "free memory is read on this machine");
	cr_assert_leq(t->nodes[first].free_bytes, t->nodes[first].memory_bytes);
	check_lists(t, "this machine");
	nodal_topology_free(t);
}

/* hwloc's own environment can redirect discovery (hwloc has no way to refuse it):
 * the source then names it instead of claiming this machine, and free memory is not
 * read from this machine's sysfs. */
Test(topology, hwloc_environment_is_named)
{
	struct nodal_topology *t;
	const char *xml = shared_path("topologies/xml/fs-256ia64-64n2s2c.xml");
	setenv("HWLOC_XMLFILE", xml, 1);
	int err = nodal_topology_load(NULL, &t);
	unsetenv("HWLOC_XMLFILE");
	cr_assert_eq(err, 0, "%s", nodal_last_error());
	cr_assert(strstr(t->source, "HWLOC_XMLFILE="), "source '%s'", t->source);
	cr_assert(strstr(t->source, "not this machine"), "source '%s'", t->source);
	cr_assert_eq(nodes_weight(&t->online), 64);
	cr_assert_eq(t->nodes[0].free_bytes, 0);
	nodal_topology_free(t);
	/* NODAL_TOPOLOGY wins over hwloc's environment */
	setenv("HWLOC_XMLFILE", xml, 1);
	err = nodal_topology_load("synthetic:node:3 pu:1", &t);
	unsetenv("HWLOC_XMLFILE");
	cr_assert_eq(err, 0, "%s", nodal_last_error());
	cr_assert_eq(nodes_weight(&t->online), 3);
	nodal_topology_free(t);
}

static void expect_error(const char *spec, const char *a, const char *b)
{
	struct nodal_topology *t = (struct nodal_topology *)1;
	int err = nodal_topology_load(spec, &t);
	cr_assert_neq(err, 0, "'%s' loaded", spec);
	cr_assert_null(t);
	const char *msg = nodal_last_error();
	cr_assert(strstr(msg, a), "'%s': message '%s' lacks '%s'", spec, msg, a);
	cr_assert(strstr(msg, b), "'%s': message '%s' lacks '%s'", spec, msg, b);
	cr_assert_null(strchr(msg, '\n'), "one line");
}

static const char *write_tmp(const char *name, const char *content)
{
	static char path[256];
	snprintf(path, sizeof(path), "/tmp/nodal-test-topo-%d-%s", (int)getpid(), name);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs(content, f);
	fclose(f);
	return path;
}

Test(topology, errors_name_the_file_and_reason)
{
	expect_error("/nonexistent/machine.xml", "'/nonexistent/machine.xml'", "No such file or directory");
	expect_error("/tmp", "'/tmp'", "not a regular file");
	const char *p = write_tmp("empty.xml", "");
	expect_error(p, p, "empty file");
	unlink(p);
	p = write_tmp("text.xml", "hello, world\n");
	expect_error(p, p, "not an hwloc XML topology");
	unlink(p);
	p = write_tmp("v9.xml", "<?xml version=\"1.0\"?>\n<topology version=\"9.0\">\n</topology>\n");
	expect_error(p, p, "version 9.0 is newer");
	unlink(p);
	p = write_tmp("broken.xml", "<?xml version=\"1.0\"?>\n<topology version=\"2.0\">\n<object type=\"Machine\"\n");
	expect_error(p, p, "hwloc could not load it");
	unlink(p);
	expect_error("synthetic:bogus:3", "'synthetic:bogus:3'", "rejected the synthetic description");
}

Test(topology, described_machines)
{
	static const int sizes[] = { 2, 4, 8, 64, 1024 };
	for (unsigned s = 0; s < sizeof(sizes) / sizeof(*sizes); s++) {
		for (int sparse = 0; sparse <= (sizes[s] < 300); sparse++) {
			struct nodal_topology *t = test_machine(sizes[s], sparse);
			cr_assert_eq(nodes_weight(&t->memory), sizes[s]);
			cr_assert_eq(t->nr_node_ids, sparse ? 3 * (sizes[s] - 1) + 2 : sizes[s]);
			if (sparse)
				cr_assert(!t->nodes[0].present && t->nodes[1].present && !t->nodes[2].present);
			int id = sparse ? 4 : 1; /* the second node: 2 CPUs, numbered after the first's */
			cr_assert_eq(t->nodes[id].ncpus, 2);
			cr_assert_eq(t->nodes[id].cpus[0], 2);
			cr_assert_eq(nodal_cpu_to_node(t, 3), id);
			if (sizes[s] >= 4) {
				int cpuless = sparse ? 10 : 3;
				cr_assert(!t->nodes[cpuless].has_cpus && t->nodes[cpuless].has_memory);
			}
			check_lists(t, sparse ? "sparse" : "dense");
			nodal_topology_free(t);
		}
	}
}

Test(topology, description_errors)
{
	struct nodal_topology *t;
	int ids[] = { 3, 3 };
	struct nodal_topology_desc d = { .nr_nodes = 2, .ids = ids };
	cr_assert_eq(nodal_topology_from_desc(&d, &t), EINVAL);
	cr_assert(strstr(nodal_last_error(), "node id 3 given twice"), "%s", nodal_last_error());
	int big[] = { 0, 1024 };
	d.ids = big;
	cr_assert_eq(nodal_topology_from_desc(&d, &t), EINVAL);
	cr_assert(strstr(nodal_last_error(), "node id 1024 out of range"), "%s", nodal_last_error());
	d = (struct nodal_topology_desc){ .nr_nodes = 0 };
	cr_assert_eq(nodal_topology_from_desc(&d, &t), EINVAL);
	uint8_t dist[] = { 10, 0, 20, 10 };
	d = (struct nodal_topology_desc){ .nr_nodes = 2, .distance = dist };
	cr_assert_eq(nodal_topology_from_desc(&d, &t), EINVAL);
	cr_assert(strstr(nodal_last_error(), "distance 0 -> 1 is 0"), "%s", nodal_last_error());
}
