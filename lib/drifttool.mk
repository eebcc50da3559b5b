# drift tool: the oed-drift engine (lib/drift.*), its unit tests, examples
# and man page.  The tests themselves are in lib/drift.mk (drifttest.*).
lib_libcore_la_SOURCES += lib/drift.c lib/drift.h lib/sortpack.c lib/sortpack.h
EXTRA_DIST += tests/ref/gen_drifttool_ref.py tests/ref/drifttool_ref.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_drift
tests_unit_check_drift_SOURCES = tests/unit/check_drift.c tests/ref/drifttool_ref.h
tests_unit_check_drift_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_drift_LDADD = $(UNIT_LIBS)
check_PROGRAMS += tests/unit/check_sortpack
tests_unit_check_sortpack_SOURCES = tests/unit/check_sortpack.c
tests_unit_check_sortpack_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_sortpack_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_drift tests/unit/check_sortpack
endif
