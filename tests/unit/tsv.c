/* tsv.c — see tsv.h. Test code: allocates freely, aborts on nothing. */
#include "tsv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef NODAL_SHARED_DIR
#define NODAL_SHARED_DIR "tests/shared"
#endif

const char *shared_path(const char *rel)
{
	static __thread char buf[4096];
	const char *base = getenv("NODAL_SHARED");
	snprintf(buf, sizeof(buf), "%s/%s", base && *base ? base : NODAL_SHARED_DIR, rel);
	return buf;
}

int tsv_load(struct tsv *t, const char *path)
{
	memset(t, 0, sizeof(*t));
	FILE *f = fopen(path, "r");
	if (!f)
		return errno;
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	t->data = malloc((size_t)sz + 1);
	if (fread(t->data, 1, (size_t)sz, f) != (size_t)sz) {
		fclose(f);
		return EIO;
	}
	fclose(f);
	t->data[sz] = 0;
	int lines = 0;
	for (char *p = t->data; *p; p++)
		lines += *p == '\n';
	t->rows = calloc((size_t)lines + 1, sizeof(*t->rows));
	char *save = NULL;
	for (char *line = strtok_r(t->data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!t->header) {
			t->header = line;
			continue;
		}
		struct tsv_row *r = &t->rows[t->nrows++];
		char *p = line;
		while (r->nfields < TSV_MAX_FIELDS) {
			r->f[r->nfields++] = p;
			char *tab = strchr(p, '\t');
			if (!tab)
				break;
			*tab = 0;
			p = tab + 1;
		}
	}
	return 0;
}

void tsv_free(struct tsv *t)
{
	free(t->rows);
	free(t->data);
	memset(t, 0, sizeof(*t));
}

int tsv_col(const struct tsv *t, const char *name)
{
	const char *h = t->header;
	size_t n = strlen(name);
	for (int i = 0; h && *h; i++) {
		const char *end = strchr(h, '\t');
		size_t len = end ? (size_t)(end - h) : strlen(h);
		if (len == n && strncmp(h, name, n) == 0)
			return i;
		if (len > n && strncmp(h, name, n) == 0 && h[n] == '(')
			return i; /* "mems_allowed(MPOL_F_MEMS_ALLOWED)" */
		h = end ? end + 1 : NULL;
	}
	return -1;
}

int test_parse_mask(const char *s, nodemask_t *m)
{
	nodes_clear(m);
	if (!*s || strcmp(s, "-") == 0)
		return 0;
	const char *p = s;
	for (;;) {
		char *end;
		long a = strtol(p, &end, 10), b;
		if (end == p || a < 0 || a >= NODAL_MAX_NUMNODES)
			return -1;
		b = a;
		p = end;
		if (*p == '-') {
			b = strtol(p + 1, &end, 10);
			if (end == p + 1 || b < a || b >= NODAL_MAX_NUMNODES)
				return -1;
			p = end;
		}
		for (long i = a; i <= b; i++)
			node_set((int)i, m);
		if (*p == 0)
			return 0;
		if (*p != ',')
			return -1;
		p++;
	}
}

void test_format_mask(const nodemask_t *m, char *buf, size_t len)
{
	size_t pos = 0;
	buf[0] = 0;
	int n = first_node(m);
	while (n < NODAL_MAX_NUMNODES) {
		int end = n;
		while (end + 1 < NODAL_MAX_NUMNODES && node_isset(end + 1, m))
			end++;
		pos += (size_t)snprintf(buf + pos, len - pos, pos ? ",%d" : "%d", n);
		if (end > n)
			pos += (size_t)snprintf(buf + pos, len - pos, "-%d", end);
		n = next_node(end, m);
	}
}
