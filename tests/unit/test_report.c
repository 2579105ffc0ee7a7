/*
 * test_report.c — the NODAL_STATS exit report (report.c): the header names the process
 * (pid and program) in the text and JSON forms, %p in the JSON path gives each process
 * its own file, and the report of a child differs from its parent's. Each test runs the
 * report in forked children (it runs once per process) on the sim backend.
 */
#include <config.h>

#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "nodal.h"
#include "options.h"
#include "report.h"

#define FOUR "synthetic:pack:4 numa:1 core:1 pu:1"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/nodal-report-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	setenv("NODAL_OS", "sim", 1);
	setenv("NODAL_TOPOLOGY", FOUR, 1);
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)system(cmd);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* A child that allocates @n objects, then writes the report; returns its pid. Its
 * stderr goes to @err_path when given. */
static pid_t child_report(int n, const char *err_path)
{
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		if (err_path) {
			int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			dup2(fd, 2);
			close(fd);
		}
		if (nodal_init())
			_exit(3);
		for (int i = 0; i < n; i++)
			(void)nodal_malloc(100);
		nodal_alloc_report();
		_exit(0);
	}
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
	return pid;
}

TestSuite(report, .init = setup, .fini = teardown);

Test(report, path_patterns)
{
	char out[64];
	cr_assert_eq(nodal_report_path("/tmp/n.%p.json", 4242, out, sizeof(out)), strlen("/tmp/n.4242.json"));
	cr_assert_str_eq(out, "/tmp/n.4242.json");
	nodal_report_path("a%%p-%p%p", 7, out, sizeof(out));
	cr_assert_str_eq(out, "a%p-77");
	/* truncation: snprintf-like length, always terminated */
	cr_assert_eq(nodal_report_path("%p%p%p", 12345, out, 8), 15);
	cr_assert_str_eq(out, "1234512");
	cr_assert_eq(nodal_report_path("plain", 1, out, sizeof(out)), 5);
	cr_assert_str_eq(out, "plain");
}

Test(report, option_accepts_only_known_patterns)
{
	struct nodal_config cfg;
	nodal_config_defaults(&cfg);
	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_STATS, "json:/tmp/r.%p.json", NULL), 0);
	cr_assert_str_eq(cfg.stats_path, "/tmp/r.%p.json");
	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_STATS, "json:/tmp/100%%.json", NULL), 0);
	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_STATS, "json:/tmp/r.%d.json", NULL), EINVAL);
	cr_assert_eq(cfg.stats, NODAL_STATS_OFF, "a bad value keeps the default");
	cr_assert_eq(nodal_option_parse(&cfg, NODAL_OPT_STATS, "json:/tmp/r.%", NULL), EINVAL);
}

Test(report, text_header_names_pid_and_program)
{
	setenv("NODAL_STATS", "1", 1);
	char a[128], b[128], want[128];
	snprintf(a, sizeof(a), "%s/a.err", dir);
	snprintf(b, sizeof(b), "%s/b.err", dir);
	pid_t pa = child_report(10, a), pb = child_report(20, b);
	cr_assert_neq(pa, pb);
	char *t = slurp(a);
	cr_assert_not_null(t);
	snprintf(want, sizeof(want), "nodal: per-node report of pid %d (%s) on ", (int)pa, nodal_report_program());
	cr_assert(strstr(t, want) == t, "header of a: %s (want %s)", t, want);
	/* then the column header and one row per node (4), nothing else */
	int lines = 0, rows = 0;
	for (char *l = t; *l; l = strchr(l, '\n') + 1) {
		lines++;
		int node;
		if (sscanf(l, "nodal: %d ", &node) == 1)
			cr_assert_eq(node, rows++, "row %d is node %d", rows, node);
		if (!strchr(l, '\n'))
			break;
	}
	cr_assert_eq(rows, 4, "%s", t);
	cr_assert_eq(lines, 6, "%s", t);
	t = slurp(b);
	snprintf(want, sizeof(want), "nodal: per-node report of pid %d (", (int)pb);
	cr_assert(strstr(t, want) == t, "header of b: %s", t);
	/* the program name is the basename of argv[0] (criterion runs tests in workers) */
	cr_assert_str_eq(nodal_report_program(), program_invocation_short_name);
	cr_assert_str_neq(nodal_report_program(), "?");
}

Test(report, json_per_process_files)
{
	char pat[128], path[160];
	snprintf(pat, sizeof(pat), "json:%s/s.%%p.json", dir);
	setenv("NODAL_STATS", pat, 1);
	pid_t pa = child_report(10, NULL), pb = child_report(30, NULL);
	for (int k = 0; k < 2; k++) {
		pid_t p = k ? pb : pa;
		snprintf(path, sizeof(path), "%s/s.%d.json", dir, (int)p);
		char *t = slurp(path);
		cr_assert_not_null(t, "no report at %s", path);
		char want[128];
		snprintf(want, sizeof(want), "{\"pid\":%d,\"program\":\"%s\",", (int)p, program_invocation_short_name);
		cr_assert(strstr(t, want) == t, "%s: %s", path, t);
		cr_assert_not_null(strstr(t, "\"nodes\":[{\"node\":0,"));
		cr_assert_not_null(strstr(t, "\"total\":{"));
	}
}

Test(report, json_unopenable_path_is_one_message)
{
	char pat[160], err[128];
	snprintf(pat, sizeof(pat), "json:%s/no/such/dir/%%p.json", dir);
	setenv("NODAL_STATS", pat, 1);
	snprintf(err, sizeof(err), "%s/err", dir);
	child_report(1, err);
	char *t = slurp(err);
	cr_assert_not_null(strstr(t, "nodal: NODAL_STATS='json:"), "%s", t);
	cr_assert_not_null(strstr(t, "cannot open"), "%s", t);
	cr_assert_not_null(strstr(t, "/no/such/dir/"), "%s", t);
}
