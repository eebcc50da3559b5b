# jscan: the reader's fast path (lib/jscan.h), checked against jansson.
lib_libcore_la_SOURCES += lib/jscan.c lib/jscan.h
EXTRA_DIST += tests/fuzz/fuzz_jscan.c tests/fuzz/jscan.dict tests/fuzz/README \
	tests/unit/jscan_diff.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_jscan
tests_unit_check_jscan_SOURCES = tests/unit/check_jscan.c tests/unit/jscan_diff.h
tests_unit_check_jscan_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_jscan_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_jscan
endif
