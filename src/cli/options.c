/*
 * options.c — `nodal options [--markdown|--man]`: print the NODAL_* option table (the
 * same table the library parses with; README.md, docs/options.md and docs/nodal.1
 * contain its rendered form).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "options.h"

int cmd_options(int argc, char **argv)
{
	enum nodal_doc_format fmt = NODAL_DOC_TEXT;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--markdown"))
			fmt = NODAL_DOC_MARKDOWN;
		else if (!strcmp(argv[i], "--man"))
			fmt = NODAL_DOC_MAN;
		else if (!strcmp(argv[i], "--text"))
			fmt = NODAL_DOC_TEXT;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: nodal options [--text|--markdown|--man]\n");
			return 0;
		} else
			return cli_usage_error("options: unknown argument '%s' (expected --text, --markdown or --man)",
			                       argv[i]);
	}
	nodal_options_render(stdout, fmt);
	return fflush(stdout) ? 1 : 0;
}
