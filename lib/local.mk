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
	lib/time.c lib/time.h \
	lib/map.c lib/map.h \
	lib/buf.c lib/buf.h \
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
