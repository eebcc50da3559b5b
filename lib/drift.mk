# drift module: sources and unit tests (see Makefile.am).
# The statistical tests behind oed-drift: special functions and the
# two-sample tests; tests/ref/gen_drift_ref.py makes their scipy references.
lib_libcore_la_SOURCES += lib/specfun.c lib/specfun.h lib/drifttest.c lib/drifttest.h
EXTRA_DIST += tests/ref/gen_drift_ref.py tests/ref/drift_ref.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_specfun tests/unit/check_drifttest
tests_unit_check_specfun_SOURCES = tests/unit/check_specfun.c tests/ref/drift_ref.h
tests_unit_check_specfun_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_specfun_LDADD = $(UNIT_LIBS)
tests_unit_check_drifttest_SOURCES = tests/unit/check_drifttest.c tests/ref/drift_ref.h
tests_unit_check_drifttest_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_drifttest_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_specfun tests/unit/check_drifttest
endif
