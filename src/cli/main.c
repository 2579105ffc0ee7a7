/*
 * main.c — `nodal` entry point: dispatch to the subcommands in the table below.
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("nodal %s\n", PACKAGE_VERSION);
	return 0;
}

static const struct cli_command commands[] = {
	{ "version", "print the version", cmd_version },
	{ "options", "list the NODAL_* environment options (--markdown, --man)", cmd_options },
	{ "topo", "show the nodes, distances and fallback lists", cmd_topo },
	{ "run", "run a program with nodal's drop-in allocator and a policy", cmd_run },
	{ "policy", "validate a policy, show its candidate nodes and what rebinding does", cmd_policy },
};

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("nodal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

static void usage(FILE *to)
{
	fprintf(to, "usage: nodal <command> [args]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(to, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(0, NULL);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	return cli_usage_error("unknown command '%s' (expected one of: see 'nodal --help')", argv[1]);
}
