# libcore: the shared library every tool links.  This fragment builds the
# flat core (the modules directly in lib/) and its unit tests, one block
# per test; the folders under lib/ add their own with +=.
noinst_LTLIBRARIES += lib/libcore.la
lib_libcore_la_SOURCES = \
	lib/exit.h \
	lib/diag.c lib/diag.h \
	lib/opt.c lib/opt.h \
	lib/reject.c lib/reject.h \
	lib/field.c lib/field.h \
	lib/jsonl.c lib/jsonl.h \
	lib/jsonw.c lib/jsonw.h \
	lib/progress.c lib/progress.h \
	lib/zstream.c lib/zstream.h \
	lib/utf8.c lib/utf8.h \
	lib/base64.c lib/base64.h \
	lib/jscan.c lib/jscan.h \
	lib/store.c lib/store.h \
	lib/time.c lib/time.h \
	lib/map.c lib/map.h \
	lib/buf.c lib/buf.h \
	lib/stop.c lib/stop.h \
	lib/splitmix.h
# time: RFC 3339, durations and windows (lib/time.h), against Python's datetime.
EXTRA_DIST += tests/ref/gen_time_ref.py tests/ref/time_ref.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_time
tests_unit_check_time_SOURCES = tests/unit/check_time.c tests/ref/time_ref.h
tests_unit_check_time_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_time_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_time
endif
# map and buf: the shared containers (lib/map.h, lib/buf.h).
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_map
tests_unit_check_map_SOURCES = tests/unit/check_map.c
tests_unit_check_map_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_map_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_map
endif
# store: the SQLite run store (lib/store.h).
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_store
tests_unit_check_store_SOURCES = tests/unit/check_store.c
tests_unit_check_store_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_store_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_store
endif
# jscan: the reader's fast path (lib/jscan.h), checked against jansson.
EXTRA_DIST += tests/fuzz/fuzz_jscan.c tests/fuzz/jscan.dict tests/fuzz/README \
	tests/unit/jscan_diff.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_jscan
tests_unit_check_jscan_SOURCES = tests/unit/check_jscan.c tests/unit/jscan_diff.h
tests_unit_check_jscan_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_jscan_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_jscan
endif
# strings to ids, and the word splitter: the category counts and words of
# oed-drift's text features, for any tool that counts by category
lib_libcore_la_SOURCES += lib/strdict.c lib/strdict.h lib/words.c lib/words.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_strdict
tests_unit_check_strdict_SOURCES = tests/unit/check_strdict.c
tests_unit_check_strdict_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_strdict_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_strdict
endif
lib_libcore_la_SOURCES += lib/record.c lib/record.h

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
