/*
 * options_doc.c — the option table rendered as text (`nodal options`), Markdown
 * (README.md, docs/options.md) and roff (docs/nodal.1). The checked-in documents hold
 * this output between "options:begin" and "options:end" markers; test_options fails
 * when they drift. Uses stdio: for the CLI and tests, never the malloc path.
 */
#include <string.h>

#include "options.h"

static void md_escaped(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '*' || *s == '_' || *s == '\\' || *s == '<' || *s == '>')
			fputc('\\', out);
		fputc(*s, out);
	}
}

static void roff_escaped(FILE *out, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
	}
}

void nodal_options_render(FILE *out, enum nodal_doc_format fmt)
{
	switch (fmt) {
	case NODAL_DOC_MARKDOWN:
		fputs("| Variable | Type | Default | Accepted values | What it does |\n", out);
		fputs("|---|---|---|---|---|\n", out);
		for (int i = 0; i < NODAL_OPT_COUNT; i++) {
			const struct nodal_option *o = &nodal_options[i];
			fprintf(out, "| `%s` | ", o->name);
			md_escaped(out, o->type);
			fputs(" | ", out);
			if (*o->def)
				fprintf(out, "`%s`", o->def);
			else
				fputs("(empty)", out);
			fputs(" | ", out);
			md_escaped(out, o->expected);
			fputs(" | ", out);
			md_escaped(out, o->doc);
			fputs(" |\n", out);
		}
		break;
	case NODAL_DOC_MAN:
		for (int i = 0; i < NODAL_OPT_COUNT; i++) {
			const struct nodal_option *o = &nodal_options[i];
			fputs(".TP\n.B ", out);
			roff_escaped(out, o->name);
			fputs("\n", out);
			roff_escaped(out, o->doc);
			fputs(".\n.br\nType: ", out);
			roff_escaped(out, o->type);
			fputs("; default: ", out);
			roff_escaped(out, *o->def ? o->def : "(empty)");
			fputs("; accepted: ", out);
			roff_escaped(out, o->expected);
			fputs(".\n", out);
		}
		break;
	case NODAL_DOC_TEXT:
	default:
		for (int i = 0; i < NODAL_OPT_COUNT; i++) {
			const struct nodal_option *o = &nodal_options[i];
			fprintf(out, "%-26s %-13s default: %s\n", o->name, o->type, *o->def ? o->def : "(empty)");
			fprintf(out, "    %s\n    accepted: %s\n", o->doc, o->expected);
		}
		fputs("\nAn empty value is the same as unset. A bad value prints one 'nodal:' line and the default"
		      " is kept.\n",
		      out);
		break;
	}
}
