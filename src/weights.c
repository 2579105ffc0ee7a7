/*
 * weights.c — the default weight chain for WEIGHTED_INTERLEAVE (see weights.h).
 */
#include "weights.h"

#include <errno.h>
#include <string.h>

#include "msg.h"
#include "nodelist.h"
#include "os.h"
#include "policy_spec.h"

/* One sysfs weight file: 1..255, or 0 when missing or unreadable. */
static uint8_t read_weight_file(const char *dir, int node)
{
	char path[512], buf[16];
	nodal_fmt(path, sizeof(path), "%s/node%d", dir, node);
	if (nodal_os_read_text(path, buf, sizeof(buf)))
		return 0;
	ssize_t n = (ssize_t)strlen(buf);
	if (n <= 0)
		return 0;
	unsigned v = 0;
	int digits = 0;
	for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++, digits++)
		v = v * 10 + (unsigned)(buf[i] - '0');
	if (!digits || v < 1 || v > 255)
		return 0;
	return (uint8_t)v;
}

static unsigned gcd(unsigned a, unsigned b)
{
	while (b) {
		unsigned r = a % b;
		a = b;
		b = r;
	}
	return a;
}

/* kernel: reduce_interleave_weights() (6.16) over the memory nodes. */
static bool bandwidth_weights(const struct nodal_topology *t, uint8_t *out)
{
	const unsigned weightiness = 32;
	uint64_t sum = 0;
	int n;
	for_each_node_mask(n, &t->memory) sum += t->nodes[n].bandwidth_mbs;
	if (!sum)
		return false;
	unsigned g = 0;
	for_each_node_mask(n, &t->memory) {
		uint64_t bw = t->nodes[n].bandwidth_mbs, scaled = weightiness * bw;
		unsigned w = (bw && sum < scaled) ? (unsigned)(scaled / sum) : 1;
		out[n] = (uint8_t)w;
		g = g ? gcd(g, w) : w;
	}
	for_each_node_mask(n, &t->memory) out[n] = (uint8_t)(out[n] / g);
	return true;
}

int nodal_default_weights_from(const struct nodal_topology *t, const char *env, const char *sysfs_dir,
			       uint8_t out[NODAL_MAX_NUMNODES], enum nodal_weights_source *source)
{
	int err = 0, n;
	enum nodal_weights_source src = NODAL_WEIGHTS_FROM_DEFAULT;
	uint8_t w[NODAL_MAX_NUMNODES];
	memset(w, 0, sizeof(w));

	if (env && *env) {
		struct nodal_nodelist_ctx ctx;
		nodal_nodelist_ctx_init(&ctx, t->nr_node_ids);
		ctx.all = t->memory;
		ctx.allowed = t->memory;
		err = nodal_weights_parse(env, &ctx, w);
		if (!err) {
			src = NODAL_WEIGHTS_FROM_ENV;
		} else {
			char why[NODAL_MSG_MAX];
			nodal_fmt(why, sizeof(why), "%s", nodal_last_error());
			nodal_set_error("NODAL_WEIGHTS=%s: %s", env, why);
			memset(w, 0, sizeof(w));
		}
	}
	if (src == NODAL_WEIGHTS_FROM_DEFAULT && sysfs_dir) {
		bool any = false;
		for_each_node_mask(n, &t->memory) {
			if (n >= t->nr_node_ids)
				break;
			w[n] = read_weight_file(sysfs_dir, n);
			any |= w[n] != 0;
		}
		if (any)
			src = NODAL_WEIGHTS_FROM_SYSFS;
		else
			memset(w, 0, sizeof(w));
	}
	if (src == NODAL_WEIGHTS_FROM_DEFAULT && bandwidth_weights(t, w))
		src = NODAL_WEIGHTS_FROM_BANDWIDTH;

	for (int i = 0; i < NODAL_MAX_NUMNODES; i++)
		out[i] = w[i] ? w[i] : 1;
	if (source)
		*source = src;
	return err;
}

int nodal_default_weights(const struct nodal_topology *t, const char *env, uint8_t out[NODAL_MAX_NUMNODES])
{
	return nodal_default_weights_from(t, env, NODAL_WEIGHTS_SYSFS, out, NULL);
}
