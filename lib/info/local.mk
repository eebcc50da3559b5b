# lib/info: the information engine behind oed-entropy and oed-mi.  Count
# tables, length statistics, the estimators, MI, channel capacity and the
# bootstrap (the math), and the engine that counts records into them
# (engine.c), writes and merges states (state.c) and turns counts into
# result records (results.c).
lib_libcore_la_SOURCES += \
	lib/info/counts.c lib/info/counts.h \
	lib/info/lenstats.c lib/info/lenstats.h \
	lib/info/estimators.c lib/info/estimators.h \
	lib/info/mi.c lib/info/mi.h \
	lib/info/capacity.c lib/info/capacity.h \
	lib/info/bootstrap.c lib/info/bootstrap.h \
	lib/info/engine.c lib/info/engine.h lib/info/engine_priv.h \
	lib/info/waste.c lib/info/waste.h \
	lib/info/state.c lib/info/results.c lib/info/run.c
EXTRA_DIST += tests/ref/gen_info_ref.py tests/ref/info_ref.h \
	tests/ref/gen_mi_ref.py tests/ref/mi_ref.h \
	tests/ref/gen_counts_ref.py tests/ref/counts_ref.h \
	tests/ref/gen_engine_ref.py tests/ref/engine_ref.h \
	tests/ref/engine_records.jsonl tests/ref/engine_traces.jsonl \
	tests/ref/gen_weighted_ref.py tests/ref/weighted_ref.h tests/ref/weighted_channel.jsonl
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_counts tests/unit/check_estimators tests/unit/check_mi \
	tests/unit/check_engine
TESTS += tests/unit/check_counts tests/unit/check_estimators tests/unit/check_mi \
	tests/unit/check_engine
tests_unit_check_counts_SOURCES = tests/unit/check_counts.c tests/ref/counts_ref.h
tests_unit_check_counts_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_counts_LDADD = $(UNIT_LIBS)
tests_unit_check_estimators_SOURCES = tests/unit/check_estimators.c tests/ref/info_ref.h \
	tests/unit/man_lists.h
tests_unit_check_estimators_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_estimators_LDADD = $(UNIT_LIBS)
tests_unit_check_mi_SOURCES = tests/unit/check_mi.c tests/ref/mi_ref.h
tests_unit_check_mi_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_mi_LDADD = $(UNIT_LIBS)
tests_unit_check_engine_SOURCES = tests/unit/check_engine.c tests/ref/engine_ref.h \
	tests/ref/weighted_ref.h
tests_unit_check_engine_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_engine_LDADD = $(UNIT_LIBS)
endif
