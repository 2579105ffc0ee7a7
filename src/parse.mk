# src/parse.mk: build fragment (owned by its component; sources are added with +=)
# Text parsers (sizes, node lists, policy strings, rule lists) and the option table.
libnodal_core_la_SOURCES += src/parse_err.c src/size.c src/nodelist.c src/policy_spec.c src/options.c src/options_doc.c
noinst_HEADERS += src/parse_err.h src/options.h
# The man page (hand-written; its ENVIRONMENT table is generated, see scripts/options-docs.sh).
dist_man_MANS = docs/nodal.1
