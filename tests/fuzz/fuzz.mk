# tests/fuzz/fuzz.mk: libFuzzer targets for the parsers. Not part of `make check` or CI.
#   make fuzz                     build and run each target for FUZZ_SECONDS (default 300)
#   make fuzz FUZZ_SECONDS=30
# Needs clang with libFuzzer (Debian: clang, libclang-rt-14-dev on newer releases).
FUZZ_CC = clang
FUZZ_SECONDS = 300
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -std=c11 -D_GNU_SOURCE
FUZZ_PARSER_SRCS = $(srcdir)/src/msg.c $(srcdir)/src/nodemask.c $(srcdir)/src/parse_err.c $(srcdir)/src/size.c \
	$(srcdir)/src/nodelist.c $(srcdir)/src/policy_spec.c $(srcdir)/src/options.c
EXTRA_DIST += tests/fuzz/fuzz_policy_rules.c tests/fuzz/README.md tests/fuzz/corpus

tests/fuzz/fuzz_policy_rules: $(srcdir)/tests/fuzz/fuzz_policy_rules.c $(FUZZ_PARSER_SRCS)
	@mkdir -p tests/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -I$(srcdir)/include -I$(srcdir)/src -I$(top_builddir) -o $@ \
		$(srcdir)/tests/fuzz/fuzz_policy_rules.c $(FUZZ_PARSER_SRCS)

fuzz: tests/fuzz/fuzz_policy_rules
	@mkdir -p tests/fuzz/work
	./tests/fuzz/fuzz_policy_rules -max_total_time=$(FUZZ_SECONDS) -max_len=512 \
		-artifact_prefix=tests/fuzz/ tests/fuzz/work $(srcdir)/tests/fuzz/corpus
CLEANFILES += tests/fuzz/fuzz_policy_rules
.PHONY: fuzz
