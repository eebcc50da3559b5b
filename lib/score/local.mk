# score: the scorer registry (lib/score/score.h) shared by oed-bench,
# oed-monitor and `oed-bench --score`; one file per group of scorers.
lib_libcore_la_SOURCES += lib/score/score.h lib/score/internal.h \
	lib/score/registry.c lib/score/match.c lib/score/text_metrics.c \
	lib/score/stream.c
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_score
tests_unit_check_score_SOURCES = tests/unit/check_score.c
tests_unit_check_score_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_score_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_score
endif
dist_man_MANS += man/oed-scorers.7
