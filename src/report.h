/*
 * report.h — the NODAL_STATS exit report: which process it is, per node what nodal
 * placed there (struct nodal_stats) and where sampled pages really are (move_pages).
 *
 * Owns: the report's formats (text on stderr, JSON in a file), the header that names
 * the process (pid and program name, so the reports of a pipeline's processes can be
 * told apart), and the expansion of the JSON path's patterns: %p = the pid, %% = '%'
 * (NODAL_STATS=json:/tmp/nodal.%p.json gives every process its own file).
 *
 * Contract: runs at exit from a destructor, possibly after stdio is gone and inside the
 * preloaded malloc: no malloc, no stdio. The whole report is formatted into one buffer
 * and written with as few write(2) calls as possible (one for a report under 64 KiB),
 * so two processes reporting at the same moment on one stderr do not interleave their
 * lines (pipe writes up to PIPE_BUF are atomic; larger ones nearly always stay whole).
 *
 * Concurrency: nodal_report_write() is called once per process (alloc.c guards it).
 * Errors: 0 or a positive errno; the JSON file that cannot be opened is reported in one
 * `nodal:` line naming the variable and the path.
 */
#ifndef NODAL_REPORT_H
#define NODAL_REPORT_H

#include <stddef.h>
#include <sys/types.h>

#include "options.h"

/* What the sampled pages of one node showed. */
struct nodal_report_observed {
	int sampled;   /* pages queried */
	int on_node;   /* on the node nodal placed them on */
	int unmapped;  /* not present (never touched, or freed) */
};

/* Fill @o for @node (the samples are alloc.c's). */
typedef void (*nodal_report_observe_fn)(int node, struct nodal_report_observed *o);

/* Write the report @cfg asks for (NODAL_STATS): text to stderr, or JSON to the
 * expanded path. @topology names the machine. 0, or an errno (EINVAL: stats off). */
int nodal_report_write(const struct nodal_config *cfg, const char *topology, nodal_report_observe_fn observe);

/* Expand @pattern's %p (@pid) and %% into @out (NUL-terminated when @len > 0).
 * Returns the length the expansion needs, like snprintf. Any other '%' sequence is
 * copied as it is (the option parser rejects them, so they never reach here). */
size_t nodal_report_path(const char *pattern, pid_t pid, char *out, size_t len);

/* The calling process's program name (the basename of argv[0]) or "?"; no allocation. */
const char *nodal_report_program(void);

#endif
