/*
 * tsv.h — test-only helpers: read the conformance TSV files and parse their simple
 * node lists ("1-3,5", "-" for none). Deliberately independent of nodal's own parser,
 * so the conformance data is decoded by a second implementation.
 */
#ifndef NODAL_TEST_TSV_H
#define NODAL_TEST_TSV_H

#include "nodemask.h"

#define TSV_MAX_FIELDS 16

struct tsv_row {
	int nfields;
	char *f[TSV_MAX_FIELDS];
};

struct tsv {
	int nrows;
	struct tsv_row *rows; /* header excluded */
	char *header;
	char *data;
};

/* Path of a file under shared/ (NODAL_SHARED env, else the configure-time default). */
const char *shared_path(const char *rel);
/* Load a TSV; the first line is the header. Returns 0 or an errno. */
int tsv_load(struct tsv *t, const char *path);
void tsv_free(struct tsv *t);
/* Column index by header name, or -1. */
int tsv_col(const struct tsv *t, const char *name);
/* Parse "1-3,5" / "" / "-" into @m; returns 0, or -1 on a malformed list. */
int test_parse_mask(const char *s, nodemask_t *m);
/* Format as "1-3,5" into buf. */
void test_format_mask(const nodemask_t *m, char *buf, size_t len);

#endif
