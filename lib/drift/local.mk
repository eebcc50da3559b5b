# lib/drift: the oed-drift engine and its statistics.  drift.c reads the
# records and compares samples; drifttest.c is the table of two-sample
# tests, specfun.c the distributions behind their p-values, sortpack.c
# the packing of a baseline's sorted values.  tests/ref/gen_drift_ref.py
# and gen_drifttool_ref.py make the scipy references of the unit tests.
lib_libcore_la_SOURCES += \
	lib/drift/drift.c lib/drift/drift.h lib/drift/internal.h lib/drift/baseline.c \
	lib/drift/drifttest.c lib/drift/drifttest.h \
	lib/drift/specfun.c lib/drift/specfun.h \
	lib/drift/sortpack.c lib/drift/sortpack.h
EXTRA_DIST += tests/ref/gen_drift_ref.py tests/ref/drift_ref.h \
	tests/ref/gen_drifttool_ref.py tests/ref/drifttool_ref.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_specfun tests/unit/check_drifttest tests/unit/check_drift \
	tests/unit/check_sortpack
tests_unit_check_specfun_SOURCES = tests/unit/check_specfun.c tests/ref/drift_ref.h
tests_unit_check_specfun_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_specfun_LDADD = $(UNIT_LIBS)
tests_unit_check_drifttest_SOURCES = tests/unit/check_drifttest.c tests/ref/drift_ref.h
tests_unit_check_drifttest_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_drifttest_LDADD = $(UNIT_LIBS)
tests_unit_check_drift_SOURCES = tests/unit/check_drift.c tests/ref/drifttool_ref.h
tests_unit_check_drift_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_drift_LDADD = $(UNIT_LIBS)
tests_unit_check_sortpack_SOURCES = tests/unit/check_sortpack.c
tests_unit_check_sortpack_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_sortpack_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_specfun tests/unit/check_drifttest tests/unit/check_drift \
	tests/unit/check_sortpack
endif
