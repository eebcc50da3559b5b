# libcore: the shared library every tool links.  Each module's own
# fragment (lib/*.mk) adds its sources with +=.
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
	lib/utf8.c lib/utf8.h \
	lib/base64.c lib/base64.h \
	lib/splitmix.h
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
