/*
 * report.c — the NODAL_STATS exit report (see report.h for the contract).
 *
 * Why a pid in the header: under LD_PRELOAD every process of a pipeline
 * (`nodal run --stats -- sh -c 'a | b'`) reports on the same stderr; without the pid and
 * the program's name the reports cannot be told apart. Why one buffer: the same
 * processes exit at the same moment, and line-by-line writes would interleave.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "nodal.h"
#include "report.h"

extern char *program_invocation_short_name; /* glibc: basename of argv[0] */

#define BUF_SIZE ((size_t)64 << 10)
#define LINE_MAX_LEN 4096

struct out {
	int fd;
	size_t used;
	int err;
	char buf[BUF_SIZE];
};

/* Static: the report runs once, at exit, and may be inside malloc (no stack giant). */
static struct out out;
static struct nodal_stats st;

static void out_flush(struct out *o)
{
	const char *s = o->buf;
	size_t len = o->used;
	while (len && !o->err) {
		ssize_t w = write(o->fd, s, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			o->err = w < 0 ? errno : EIO;
			break;
		}
		s += w;
		len -= (size_t)w;
	}
	o->used = 0;
}

static void out_line(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_line(struct out *o, const char *fmt, ...)
{
	if (BUF_SIZE - o->used < LINE_MAX_LEN)
		out_flush(o);
	va_list ap;
	va_start(ap, fmt);
	o->used += nodal_vfmt(o->buf + o->used, LINE_MAX_LEN, fmt, ap);
	va_end(ap);
}

const char *nodal_report_program(void)
{
	const char *p = program_invocation_short_name;
	return p && *p ? p : "?";
}

size_t nodal_report_path(const char *pattern, pid_t pid, char *outp, size_t len)
{
	size_t n = 0;
	char num[24];
	for (const char *p = pattern; *p; p++) {
		const char *piece = p;
		size_t plen = 1;
		if (p[0] == '%' && p[1] == 'p') {
			plen = nodal_fmt(num, sizeof(num), "%d", (int)pid);
			piece = num;
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			p++;
		}
		for (size_t i = 0; i < plen; i++, n++)
			if (n + 1 < len)
				outp[n] = piece[i];
	}
	if (len)
		outp[n < len ? n : len - 1] = '\0';
	return n;
}

static unsigned long long u(uint64_t v)
{
	return (unsigned long long)v;
}

/* JSON string body: the program name may hold anything; keep it printable ASCII. */
static void json_safe(char *dst, size_t len, const char *src)
{
	size_t n = 0;
	for (; *src && n + 1 < len; src++)
		dst[n++] = (*src >= 0x20 && *src < 0x7f && *src != '"' && *src != '\\') ? *src : '?';
	dst[n] = '\0';
}

static void write_json(struct out *o, const char *topology, nodal_report_observe_fn observe)
{
	char prog[256], topo[512];
	json_safe(prog, sizeof(prog), nodal_report_program());
	json_safe(topo, sizeof(topo), topology);
	out_line(o, "{\"pid\":%d,\"program\":\"%s\",\"topology\":\"%s\",\"nodes\":[", (int)getpid(), prog, topo);
	for (int i = 0; i < st.nr_nodes; i++) {
		const struct nodal_node_stats *s = &st.node[i];
		struct nodal_report_observed ob = { 0 };
		observe(s->node, &ob);
		out_line(o,
			 "%s{\"node\":%d,\"allocated\":%llu,\"cached\":%llu,\"active\":%llu,\"mapped\":%llu,\"nmalloc\":%llu,"
			 "\"nfree\":%llu,\"fallback_full\":%llu,\"fallback_limit\":%llu,"
			 "\"fallback_not_allowed\":%llu,\"preferred_miss\":%llu,\"bind_failure\":%llu,"
			 "\"remote_free\":%llu,\"observed\":{\"sampled\":%d,\"on_node\":%d,\"elsewhere\":%d,"
			 "\"not_present\":%d}}",
			 i ? "," : "", s->node, u(s->allocated), u(s->cached), u(s->active), u(s->mapped), u(s->nmalloc),
			 u(s->nfree), u(s->fallback_full), u(s->fallback_limit), u(s->fallback_not_allowed), u(s->preferred_miss),
			 u(s->bind_failure), u(s->remote_free), ob.sampled, ob.on_node,
			 ob.sampled - ob.on_node - ob.unmapped, ob.unmapped);
	}
	out_line(o, "],\"total\":{\"allocated\":%llu,\"cached\":%llu,\"nmalloc\":%llu,\"nfree\":%llu}}\n",
		 u(st.total.allocated), u(st.total.cached), u(st.total.nmalloc), u(st.total.nfree));
}

static void write_text(struct out *o, const char *topology, nodal_report_observe_fn observe)
{
	out_line(o, "nodal: per-node report of pid %d (%s) on %s: intended = what nodal placed on the node; "
		    "observed = node of sampled pages (move_pages)\n",
		 (int)getpid(), nodal_report_program(), topology);
	out_line(o, "nodal: %4s %12s %10s %10s %8s %8s %8s %8s %8s %8s  %s\n", "node", "allocated", "nmalloc",
		 "nfree", "fb-full", "fb-limit", "fb-!allw", "pref-miss", "bind-fail", "rem-free", "observed");
	for (int i = 0; i < st.nr_nodes; i++) {
		const struct nodal_node_stats *s = &st.node[i];
		struct nodal_report_observed ob = { 0 };
		observe(s->node, &ob);
		out_line(o,
			 "nodal: %4d %12llu %10llu %10llu %8llu %8llu %8llu %8llu %8llu %8llu  %d/%d sampled pages on "
			 "node %d, %d elsewhere, %d not present\n",
			 s->node, u(s->allocated), u(s->nmalloc), u(s->nfree), u(s->fallback_full), u(s->fallback_limit),
			 u(s->fallback_not_allowed), u(s->preferred_miss), u(s->bind_failure), u(s->remote_free),
			 ob.on_node, ob.sampled, s->node, ob.sampled - ob.on_node - ob.unmapped, ob.unmapped);
	}
}

int nodal_report_write(const struct nodal_config *cfg, const char *topology, nodal_report_observe_fn observe)
{
	if (cfg->stats == NODAL_STATS_OFF)
		return EINVAL;
	bool json = cfg->stats == NODAL_STATS_JSON;
	out.used = 0;
	out.err = 0;
	out.fd = 2;
	if (json) {
		static char path[NODAL_OPT_VALUE_MAX + 64];
		size_t need = nodal_report_path(cfg->stats_path, getpid(), path, sizeof(path));
		if (need >= sizeof(path)) {
			nodal_msg("NODAL_STATS='json:%s': the path is too long once expanded", cfg->stats_path);
			return ENAMETOOLONG;
		}
		out.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out.fd < 0) {
			int err = errno;
			nodal_msg("NODAL_STATS='json:%s': cannot open %s (%s)", cfg->stats_path, path, strerror(err));
			return err;
		}
	}
	nodal_stats_get(&st);
	if (json)
		write_json(&out, topology, observe);
	else
		write_text(&out, topology, observe);
	out_flush(&out);
	if (json)
		close(out.fd);
	return out.err;
}
