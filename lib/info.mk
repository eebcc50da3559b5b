# info module: the information-theoretic math.  lib/estimators.c and
# lib/mi.c are built into libcore by lib/engine.mk (the engine needs them
# there), as is tests/unit/check_mi; this fragment adds the rest.
lib_libcore_la_SOURCES += lib/capacity.c lib/capacity.h
EXTRA_DIST += tests/ref/gen_info_ref.py tests/ref/info_ref.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_estimators
tests_unit_check_estimators_SOURCES = tests/unit/check_estimators.c tests/ref/info_ref.h
tests_unit_check_estimators_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_estimators_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_estimators
endif
