# tokenizer: tiktoken-exact BPE (lib/tokenizer.h) and its vocabularies.
lib_libcore_la_SOURCES += lib/tokenizer.c lib/tokenizer.h
dist_pkgdata_DATA += data/cl100k_base.tiktoken data/o200k_base.tiktoken \
	data/p50k_base.tiktoken data/r50k_base.tiktoken data/LICENSE.tiktoken
EXTRA_DIST += tests/tokenizer/fixtures.tsv tests/tokenizer/gen_fixtures.js \
	tests/tokenizer/convert_vocab.js tests/tokenizer/long.tsv tests/tokenizer/gen_long.js
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_tokenizer
tests_unit_check_tokenizer_SOURCES = tests/unit/check_tokenizer.c
tests_unit_check_tokenizer_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_tokenizer_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_tokenizer
endif
bin_PROGRAMS += oed-tokens
oed_tokens_SOURCES = cmd/oed-tokens.c
oed_tokens_LDADD = $(CORE_LIBS)
dist_man_MANS += man/oed-tokens.1
