# The information engine: count tables, length statistics, the bootstrap
# and the streaming engine behind oed-entropy and oed-mi.  The math it
# calls, lib/estimators.c and lib/mi.c (the info module's, see
# lib/info.mk), is built into libcore here, where the engine needs it.
lib_libcore_la_SOURCES += lib/counts.c lib/counts.h lib/lenstats.c lib/lenstats.h \
	lib/bootstrap.c lib/bootstrap.h lib/infoengine.c lib/infoengine.h \
	lib/estimators.c lib/estimators.h lib/mi.c lib/mi.h
dist_man_MANS += man/oed-entropy.1
EXTRA_DIST += tests/ref/gen_mi_ref.py tests/ref/mi_ref.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_mi
tests_unit_check_mi_SOURCES = tests/unit/check_mi.c tests/ref/mi_ref.h
tests_unit_check_mi_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_mi_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_mi
endif
EXTRA_DIST += tests/ref/gen_counts_ref.py tests/ref/counts_ref.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_counts
tests_unit_check_counts_SOURCES = tests/unit/check_counts.c tests/ref/counts_ref.h
tests_unit_check_counts_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_counts_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_counts
endif
EXTRA_DIST += tests/ref/gen_engine_ref.py tests/ref/engine_ref.h \
	tests/ref/engine_records.jsonl tests/ref/engine_traces.jsonl \
	tests/ref/gen_weighted_ref.py tests/ref/weighted_ref.h tests/ref/weighted_channel.jsonl
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_engine
tests_unit_check_engine_SOURCES = tests/unit/check_engine.c tests/ref/engine_ref.h tests/ref/weighted_ref.h
tests_unit_check_engine_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_engine_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_engine
endif
