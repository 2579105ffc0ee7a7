/*
 * cli.h — the `nodal` command's subcommands. Each lives in src/cli/<name>.c and is
 * registered in the table in main.c. Exit codes: 0 ok, 1 runtime failure, 2 usage or
 * invalid input (the message names the argument, the value and what was expected).
 */
#ifndef NODAL_CLI_H
#define NODAL_CLI_H

struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
};

/* Subcommands (src/cli/<name>.c). */
int cmd_options(int argc, char **argv);
int cmd_topo(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_run(int argc, char **argv);

int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct nodal_topology;
/* machine.c: load NODAL_TOPOLOGY (or this machine) with NODAL_FALLBACK and
 * NODAL_PRIVATE_NODES applied. Returns 0, or the exit code (1, or 2 for a bad value)
 * after printing "nodal: @cmd: ...". *this_machine tells whether it was discovered. */
int cli_load_machine(const char *cmd, struct nodal_topology **out, _Bool *this_machine);

#endif
