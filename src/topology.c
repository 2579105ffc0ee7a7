/*
 * topology.c — the machine from hwloc (this machine, an XML file, a synthetic string)
 * or from a C description (contract in topology.h; the Linux reading rules are there
 * and in docs/topology.md).
 */
#include "topology.h"

#include <errno.h>
#include <fcntl.h>
#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fallback.h"
#include "ialloc.h"
#include "msg.h"
#include "os.h"

#define GIB (UINT64_C(1) << 30)

/* --- the object -------------------------------------------------------------- */

static struct nodal_topology *topo_alloc(int nr_node_ids, int nr_cpu_ids)
{
	struct nodal_topology *t = nodal_icalloc(sizeof(*t));
	if (!t)
		return NULL;
	t->nr_node_ids = nr_node_ids;
	t->nr_cpu_ids = nr_cpu_ids;
	t->nodes = nodal_icalloc(sizeof(*t->nodes) * (size_t)nr_node_ids);
	t->distance = nodal_icalloc((size_t)nr_node_ids * (size_t)nr_node_ids);
	t->cpu_to_node = nodal_icalloc(sizeof(*t->cpu_to_node) * (size_t)(nr_cpu_ids ? nr_cpu_ids : 1));
	t->cpus_storage = nodal_icalloc(sizeof(*t->cpus_storage) * (size_t)(nr_cpu_ids ? nr_cpu_ids : 1));
	if (!t->nodes || !t->distance || !t->cpu_to_node || !t->cpus_storage) {
		nodal_topology_free(t);
		return NULL;
	}
	for (int n = 0; n < nr_node_ids; n++) {
		t->nodes[n].id = n;
		t->nodes[n].tier = -1;
		for (int m = 0; m < nr_node_ids; m++)
			t->distance[n * nr_node_ids + m] = n == m ? NODAL_DISTANCE_LOCAL : NODAL_DISTANCE_REMOTE;
	}
	for (int c = 0; c < nr_cpu_ids; c++)
		t->cpu_to_node[c] = -1;
	return t;
}

void nodal_topology_free(struct nodal_topology *t)
{
	if (!t)
		return;
	nodal_ifree(t->nodes);
	nodal_ifree(t->distance);
	nodal_ifree(t->cpu_to_node);
	nodal_ifree(t->cpus_storage);
	nodal_ifree(t->fallback_storage);
	nodal_ifree(t->fallback);
	nodal_ifree(t->fallback_len);
	nodal_ifree(t);
}

static void set_source(struct nodal_topology *t, const char *s)
{
	size_t n = strlen(s);
	if (n >= sizeof(t->source))
		n = sizeof(t->source) - 1;
	memcpy(t->source, s, n);
	t->source[n] = 0;
}

static void set_subtype(struct nodal_node *node, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n >= sizeof(node->subtype))
		n = sizeof(node->subtype) - 1;
	memcpy(node->subtype, s ? s : "", n);
	node->subtype[n] = 0;
}

/*
 * Common ending: per-node CPU lists from cpu_to_node, the node masks, and the default
 * fallback lists. Expects nodes[].present/has_memory and the possible mask set.
 */
static int topo_finish(struct nodal_topology *t)
{
	int off = 0;
	for (int n = 0; n < t->nr_node_ids; n++) {
		struct nodal_node *node = &t->nodes[n];
		node->cpus = t->cpus_storage + off;
		node->ncpus = 0;
		for (int c = 0; c < t->nr_cpu_ids; c++)
			if (t->cpu_to_node[c] == n)
				node->cpus[node->ncpus++] = c;
		off += node->ncpus;
		node->has_cpus = node->ncpus > 0;
		if (!node->ncpus)
			node->cpus = NULL;
		if (!node->present)
			continue;
		node_set(n, &t->possible);
		node_set(n, &t->online);
		if (node->has_memory)
			node_set(n, &t->memory);
		if (node->has_cpus)
			node_set(n, &t->cpu);
	}
	return nodal_fallback_build(t, NODAL_FALLBACK_KERNEL, NULL);
}

/* --- from a description -------------------------------------------------------- */

int nodal_topology_from_desc(const struct nodal_topology_desc *d, struct nodal_topology **out)
{
	*out = NULL;
	int nr = d->nr_nodes, noff = d->nr_offline > 0 ? d->nr_offline : 0;
	if (nr < 1 || nr + noff > NODAL_MAX_NUMNODES) {
		nodal_set_error("topology description: %d online + %d offline nodes (expected 1 to %d in all)", nr,
		                noff, NODAL_MAX_NUMNODES);
		return EINVAL;
	}
	int all = nr + noff, max_id = -1, ncpu = 0;
	int ids[NODAL_MAX_NUMNODES];
	for (int i = 0; i < all; i++) {
		int id = i < nr ? (d->ids ? d->ids[i] : i) : (d->offline_ids ? d->offline_ids[i - nr] : -1);
		if (id < 0 || id >= NODAL_MAX_NUMNODES) {
			nodal_set_error("topology description: node id %d out of range (expected 0 to %d)", id,
			                NODAL_MAX_NUMNODES - 1);
			return EINVAL;
		}
		for (int j = 0; j < i; j++)
			if (ids[j] == id) {
				nodal_set_error("topology description: node id %d given twice", id);
				return EINVAL;
			}
		ids[i] = id;
		if (id > max_id)
			max_id = id;
		if (i < nr)
			ncpu += d->ncpus ? (d->ncpus[i] > 0 ? d->ncpus[i] : 0) : 1;
	}
	const uint8_t *dist = noff && d->offline_distance ? d->offline_distance : d->distance;
	int dist_n = noff && d->offline_distance ? all : nr;
	if (dist) {
		for (int i = 0; i < dist_n; i++)
			for (int j = 0; j < dist_n; j++)
				if (!dist[i * dist_n + j]) {
					nodal_set_error("topology description: distance %d -> %d is 0", ids[i], ids[j]);
					return EINVAL;
				}
	}

	struct nodal_topology *t = topo_alloc(max_id + 1, ncpu);
	if (!t) {
		nodal_set_error("out of memory for a topology of %d nodes", max_id + 1);
		return ENOMEM;
	}
	int cpu = 0;
	for (int i = 0; i < nr; i++) {
		struct nodal_node *node = &t->nodes[ids[i]];
		node->present = true;
		node->memory_bytes = d->memory_bytes ? d->memory_bytes[i] : GIB;
		node->has_memory = node->memory_bytes > 0;
		node->tier = d->tier ? d->tier[i] : -1;
		set_subtype(node, d->subtype ? d->subtype[i] : "");
		int k = d->ncpus ? d->ncpus[i] : 1;
		for (int c = 0; c < k; c++)
			t->cpu_to_node[cpu++] = (int16_t)ids[i];
	}
	if (dist)
		for (int i = 0; i < dist_n; i++)
			for (int j = 0; j < dist_n; j++)
				t->distance[ids[i] * t->nr_node_ids + ids[j]] = dist[i * dist_n + j];
	int err = topo_finish(t);
	if (!err)
		for (int i = nr; i < all; i++)
			node_set(ids[i], &t->possible);
	/* The offline nodes take part in the kernel's builds: rebuild with them possible. */
	if (!err && noff)
		err = nodal_fallback_build(t, NODAL_FALLBACK_KERNEL, NULL);
	if (err) {
		nodal_topology_free(t);
		return err;
	}
	set_source(t, d->name ? d->name : "description");
	*out = t;
	return 0;
}

/* --- from hwloc ---------------------------------------------------------------- */

/* hwloc v3 <memtier kinds=... nodeset=...> elements (read before the 2.x parser, which
 * ignores them): the tier rank is the element's position, kinds names the subtype. */
#define MAX_MEMTIERS 16
struct v3_extras {
	int nr_tiers;
	unsigned kinds[MAX_MEMTIERS];
	hwloc_bitmap_t nodeset[MAX_MEMTIERS];
};

static void v3_extras_free(struct v3_extras *x)
{
	for (int i = 0; i < x->nr_tiers; i++)
		hwloc_bitmap_free(x->nodeset[i]);
	x->nr_tiers = 0;
}

/* hwloc 3's enum hwloc_memory_tier_type_e, bit by bit. */
static const char *const tier_kind_names[] = { "HBM", "DRAM", "GPUMemory", "SPM", "NVM", "CXL-DRAM", "CXL-NVM" };

/* The value of attribute @name inside the tag starting at @tag (up to '>'), or NULL. */
static const char *tag_attr(const char *tag, const char *name, size_t *len)
{
	const char *end = strchr(tag, '>');
	size_t nl = strlen(name);
	for (const char *p = tag + 1; end && p < end; p++) {
		if (p[-1] == ' ' && !strncmp(p, name, nl) && p[nl] == '=' && p[nl + 1] == '"') {
			const char *v = p + nl + 2, *q = strchr(v, '"');
			if (!q || q > end)
				return NULL;
			*len = (size_t)(q - v);
			return v;
		}
	}
	return NULL;
}

/*
 * hwloc 2.x refuses any XML whose <topology version> is above 2. The v3 format keeps
 * the v2 object, distances2 and memattr elements; what it adds (topology-level <info>,
 * <memtier>, cache_inclusive) the 2.x parser skips as unknown. So a v3 file is read by
 * rewriting its version to 2.0 in memory, after taking the memory tiers out of it.
 * Returns 0, or EINVAL with the reason for a file that is not an hwloc XML topology.
 */
static int xml_prepare(const char *path, char *buf, struct v3_extras *x)
{
	char *top = strstr(buf, "<topology");
	if (!top) {
		nodal_set_error("topology file '%s': not an hwloc XML topology (no <topology> element)", path);
		return EINVAL;
	}
	size_t vlen = 0;
	const char *ver = tag_attr(top, "version", &vlen);
	int major = ver ? atoi(ver) : 1; /* hwloc v1 files carry no version attribute */
	if (major > 3) {
		char v[16];
		nodal_fmt(v, sizeof(v) < vlen + 1 ? sizeof(v) : vlen + 1, "%s", ver);
		nodal_set_error("topology file '%s': hwloc XML version %s is newer than nodal can read (1 to 3)", path, v);
		return EINVAL;
	}
	if (major < 3)
		return 0;
	*(char *)ver = '2';
	for (const char *p = strstr(top, "<memtier "); p && x->nr_tiers < MAX_MEMTIERS; p = strstr(p + 1, "<memtier ")) {
		size_t kl = 0, nl = 0;
		const char *k = tag_attr(p, "kinds", &kl), *ns = tag_attr(p, "nodeset", &nl);
		char tmp[1024];
		if (!ns || nl >= sizeof(tmp))
			continue;
		memcpy(tmp, ns, nl);
		tmp[nl] = 0;
		hwloc_bitmap_t set = hwloc_bitmap_alloc();
		if (!set || hwloc_bitmap_sscanf(set, tmp) < 0) {
			hwloc_bitmap_free(set);
			continue;
		}
		x->kinds[x->nr_tiers] = k ? (unsigned)strtoul(k, NULL, 0) : 0;
		x->nodeset[x->nr_tiers++] = set;
	}
	return 0;
}

/* The whole file, NUL-terminated, in an nodal_icalloc() buffer. */
static int read_file(const char *path, char **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		nodal_set_error("topology file '%s': cannot open: %s", path, strerror(err));
		return err;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		nodal_set_error("topology file '%s': not a regular file", path);
		close(fd);
		return EINVAL;
	}
	if (st.st_size == 0) {
		nodal_set_error("topology file '%s': empty file (expected an hwloc XML topology)", path);
		close(fd);
		return EINVAL;
	}
	char *buf = nodal_icalloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		nodal_set_error("topology file '%s': out of memory reading %lld bytes", path, (long long)st.st_size);
		return ENOMEM;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int err = r < 0 ? errno : EIO;
			nodal_set_error("topology file '%s': read failed: %s", path, strerror(err));
			close(fd);
			nodal_ifree(buf);
			return err;
		}
		got += (size_t)r;
	}
	close(fd);
	*out = buf;
	return 0;
}

/* Rank of a NUMANode as "the CPUs' own" memory among siblings: DRAM or untyped first. */
static int node_rank(hwloc_obj_t n)
{
	return (!n->subtype || !*n->subtype || !strcmp(n->subtype, "DRAM")) ? 0 : 1;
}

static hwloc_obj_t best_numa_in(hwloc_obj_t obj, hwloc_obj_t best)
{
	for (hwloc_obj_t c = obj->memory_first_child; c; c = c->next_sibling) {
		if (c->type == HWLOC_OBJ_NUMANODE) {
			if (!best || node_rank(c) < node_rank(best) ||
			    (node_rank(c) == node_rank(best) && c->os_index < best->os_index))
				best = c;
		} else {
			best = best_numa_in(c, best); /* MemCache in front of the node */
		}
	}
	return best;
}

/* The Linux node of a PU: the memory child of its closest ancestor that has any. */
static hwloc_obj_t pu_node(hwloc_obj_t pu)
{
	for (hwloc_obj_t o = pu->parent; o; o = o->parent)
		if (o->memory_arity)
			return best_numa_in(o, NULL);
	return NULL;
}

static void read_distances(hwloc_topology_t topo, struct nodal_topology *t)
{
	struct hwloc_distances_s *d[1];
	unsigned nr = 1;
	if (hwloc_distances_get_by_name(topo, "NUMALatency", &nr, d, 0) < 0 || !nr) {
		nr = 1;
		if (hwloc_distances_get_by_type(topo, HWLOC_OBJ_NUMANODE, &nr, d, HWLOC_DISTANCES_KIND_MEANS_LATENCY, 0) <
		            0 ||
		    !nr)
			return; /* 10 / 20 */
	}
	for (unsigned i = 0; i < d[0]->nbobjs; i++) {
		for (unsigned j = 0; j < d[0]->nbobjs; j++) {
			hwloc_obj_t a = d[0]->objs[i], b = d[0]->objs[j];
			if (!a || !b || a->os_index >= (unsigned)t->nr_node_ids || b->os_index >= (unsigned)t->nr_node_ids)
				continue;
			hwloc_uint64_t v = d[0]->values[i * d[0]->nbobjs + j];
			if (v > 255)
				v = 255; /* the kernel's distances are u8 (ACPI SLIT) */
			if (v == 0)
				continue;
			t->distance[a->os_index * (unsigned)t->nr_node_ids + b->os_index] = (uint8_t)v;
		}
	}
	hwloc_distances_release(topo, d[0]);
}

/* The nodes of the CPUs in @cpus (each PU's Linux node), added to @out. */
static void cpuset_nodes(hwloc_topology_t topo, hwloc_const_bitmap_t cpus, nodemask_t *out)
{
	int cpu;
	if (!cpus)
		return;
	for (cpu = hwloc_bitmap_first(cpus); cpu >= 0; cpu = hwloc_bitmap_next(cpus, cpu)) {
		hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(topo, (unsigned)cpu);
		hwloc_obj_t n = pu ? pu_node(pu) : NULL;
		if (n && n->os_index < NODAL_MAX_NUMNODES)
			node_set((int)n->os_index, out);
	}
}

/* A memory attribute of @node from its local initiator (its own CPUs), else from hwloc's
 * best initiator; 0 when unknown. @from receives the nodes of the initiator's CPUs. */
static uint64_t memattr(hwloc_topology_t topo, hwloc_memattr_id_t id, hwloc_obj_t node, nodemask_t *from)
{
	hwloc_uint64_t v = 0;
	struct hwloc_location loc = { .type = HWLOC_LOCATION_TYPE_CPUSET };
	nodes_clear(from);
	loc.location.cpuset = node->cpuset;
	if (node->cpuset && !hwloc_bitmap_iszero(node->cpuset) && hwloc_memattr_get_value(topo, id, node, &loc, 0, &v) == 0) {
		cpuset_nodes(topo, node->cpuset, from);
		return v;
	}
	if (hwloc_memattr_get_best_initiator(topo, id, node, 0, &loc, &v) == 0) {
		if (loc.type == HWLOC_LOCATION_TYPE_CPUSET)
			cpuset_nodes(topo, loc.location.cpuset, from);
		else if (loc.type == HWLOC_LOCATION_TYPE_OBJECT && loc.location.object)
			cpuset_nodes(topo, loc.location.object->cpuset, from);
		return v;
	}
	return 0;
}

/* Free memory of a node of this machine (sysfs meminfo), 0 when unknown. */
static uint64_t sysfs_free_bytes(int node)
{
	uint64_t free_b = 0;
	return nodal_os_linux.node_memory(node, &free_b, NULL) ? 0 : free_b;
}

static int topo_from_hwloc(hwloc_topology_t topo, const struct v3_extras *x, const char *source, bool thissystem,
                           struct nodal_topology **out)
{
	int max_id = -1, max_cpu = -1;
	hwloc_obj_t o = NULL;
	while ((o = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, o))) {
		if (o->os_index >= NODAL_MAX_NUMNODES) {
			nodal_set_error("topology %s: node id %u is above the maximum %d", source, o->os_index,
			                NODAL_MAX_NUMNODES - 1);
			return EINVAL;
		}
		if ((int)o->os_index > max_id)
			max_id = (int)o->os_index;
	}
	if (max_id < 0) {
		nodal_set_error("topology %s: no NUMA node", source);
		return EINVAL;
	}
	o = NULL;
	while ((o = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_PU, o)))
		if ((int)o->os_index > max_cpu)
			max_cpu = (int)o->os_index;

	struct nodal_topology *t = topo_alloc(max_id + 1, max_cpu + 1);
	if (!t) {
		nodal_set_error("out of memory for a topology of %d nodes", max_id + 1);
		return ENOMEM;
	}
	o = NULL;
	while ((o = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, o))) {
		struct nodal_node *node = &t->nodes[o->os_index];
		node->present = true;
		node->memory_bytes = o->attr ? o->attr->numanode.local_memory : 0;
		node->has_memory = node->memory_bytes > 0;
		set_subtype(node, o->subtype);
		const char *tier = hwloc_obj_get_info_by_name(o, "MemoryTier");
		if (tier)
			node->tier = atoi(tier);
		for (int i = 0; x && i < x->nr_tiers; i++) {
			if (!hwloc_bitmap_isset(x->nodeset[i], o->os_index))
				continue;
			if (!tier)
				node->tier = i;
			for (unsigned b = 0; !node->subtype[0] && b < sizeof(tier_kind_names) / sizeof(*tier_kind_names); b++)
				if (x->kinds[i] & (1u << b))
					set_subtype(node, tier_kind_names[b]);
		}
		nodemask_t lat_from;
		node->bandwidth_mbs = memattr(topo, HWLOC_MEMATTR_ID_BANDWIDTH, o, &node->initiators);
		node->latency_ns = memattr(topo, HWLOC_MEMATTR_ID_LATENCY, o, &lat_from);
		if (!node->bandwidth_mbs)
			node->initiators = lat_from;
		if (thissystem)
			node->free_bytes = sysfs_free_bytes((int)o->os_index);
	}
	o = NULL;
	while ((o = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_PU, o))) {
		hwloc_obj_t n = pu_node(o);
		if (n)
			t->cpu_to_node[o->os_index] = (int16_t)n->os_index;
	}
	read_distances(topo, t);
	int err = topo_finish(t);
	if (err) {
		nodal_topology_free(t);
		return err;
	}
	set_source(t, source);
	*out = t;
	return 0;
}

int nodal_topology_load(const char *spec, struct nodal_topology **out)
{
	*out = NULL;
	hwloc_topology_t topo;
	struct v3_extras x = { 0 };
	char *buf = NULL;
	bool thissystem = !spec || !*spec;
	const char *source = thissystem ? "this machine" : spec;
	int err = 0;

	if (hwloc_topology_init(&topo) < 0) {
		nodal_set_error("hwloc_topology_init failed: %s", strerror(errno));
		return ENOMEM;
	}
	/* The kernel's lists ignore cpusets: keep disallowed nodes and CPUs. */
	hwloc_topology_set_flags(topo, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED);
	if (thissystem) {
		/* hwloc's own HWLOC_XMLFILE / HWLOC_SYNTHETIC / HWLOC_FSROOT still apply to
		 * discovery (hwloc offers no way to refuse them); the source then says so. */
	} else if (!strncmp(spec, "synthetic:", 10)) {
		if (hwloc_topology_set_synthetic(topo, spec + 10) < 0) {
			nodal_set_error("topology '%s': hwloc rejected the synthetic description (e.g. \"pack:2 node:2 pu:2\")",
			                spec);
			err = EINVAL;
			goto out;
		}
	} else {
		/* Explicitly, from a buffer we read ourselves: hwloc's HWLOC_XMLFILE silently
		 * falls back to this machine on a bad file, and a missing file must be an error. */
		err = read_file(spec, &buf);
		if (!err)
			err = xml_prepare(spec, buf, &x);
		if (err)
			goto out;
		if (hwloc_topology_set_xmlbuffer(topo, buf, (int)strlen(buf) + 1) < 0) {
			nodal_set_error("topology file '%s': hwloc cannot read it as an XML topology: %s", spec,
			                strerror(errno));
			err = EINVAL;
			goto out;
		}
	}
	if (hwloc_topology_load(topo) < 0) {
		int e = errno;
		if (thissystem)
			nodal_set_error("hwloc could not discover this machine: %s", strerror(e));
		else
			nodal_set_error("topology %s%s%s: hwloc could not load it (malformed XML or inconsistent objects: %s)",
			                buf ? "file '" : "'", spec, "'", strerror(e));
		err = EINVAL;
		goto out;
	}
	char label[256];
	if (thissystem && !hwloc_topology_is_thissystem(topo)) {
		static const char *const vars[] = { "HWLOC_XMLFILE", "HWLOC_SYNTHETIC", "HWLOC_FSROOT" };
		const char *var = "hwloc environment", *val = "";
		for (unsigned i = 0; i < sizeof(vars) / sizeof(*vars); i++)
			if (getenv(vars[i])) {
				var = vars[i];
				val = getenv(vars[i]);
				break;
			}
		nodal_fmt(label, sizeof(label), "%s=%s (not this machine)", var, val);
		source = label;
		thissystem = false;
	}
	err = topo_from_hwloc(topo, &x, source, thissystem, out);
out:
	v3_extras_free(&x);
	nodal_ifree(buf);
	hwloc_topology_destroy(topo);
	return err;
}
