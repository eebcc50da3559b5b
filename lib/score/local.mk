# score: the scorer registry (lib/score/score.h) shared by oed-bench,
# oed-monitor and `oed-bench --score`; one file per group of scorers.
lib_libcore_la_SOURCES += lib/score/score.h lib/score/internal.h \
	lib/score/registry.c lib/score/match.c lib/score/text_metrics.c \
	lib/score/stream.c lib/score/structure.c lib/score/ops.c \
	lib/score/samples.c lib/score/code_exec.c lib/score/judge.c
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_score
tests_unit_check_score_SOURCES = tests/unit/check_score.c
tests_unit_check_score_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_score_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_score
endif
dist_man_MANS += man/oed-scorers.7
EXTRA_DIST += tests/ref/gen_score_ref.py tests/ref/score_ref.h tests/ref/gen_f1_ref.py
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_score_metrics
tests_unit_check_score_metrics_SOURCES = tests/unit/check_score_metrics.c tests/ref/score_ref.h \
	tests/ref/f1_ref.h
tests_unit_check_score_metrics_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_score_metrics_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_score_metrics
endif
# The refusal phrase list is data/refusal-phrases, built in as a C string.
nodist_lib_libcore_la_SOURCES = lib/score/refusal_phrases.h
BUILT_SOURCES += lib/score/refusal_phrases.h
CLEANFILES += lib/score/refusal_phrases.h
dist_pkgdata_DATA += data/refusal-phrases
lib/score/refusal_phrases.h: $(srcdir)/data/refusal-phrases
	$(AM_V_GEN)$(MKDIR_P) lib/score && \
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' \
	    $(srcdir)/data/refusal-phrases > $@-t && mv $@-t $@
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_score_ops
tests_unit_check_score_ops_SOURCES = tests/unit/check_score_ops.c
tests_unit_check_score_ops_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_score_ops_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_score_ops
endif
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_score_samples
tests_unit_check_score_samples_SOURCES = tests/unit/check_score_samples.c
tests_unit_check_score_samples_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_score_samples_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_score_samples
endif
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_score_exec
tests_unit_check_score_exec_SOURCES = tests/unit/check_score_exec.c
tests_unit_check_score_exec_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_score_exec_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_score_exec
endif
# The judges' prompts (data/judge/*.v1.txt), built in as C strings and installed.
judgedir = $(pkgdatadir)/judge
dist_judge_DATA = data/judge/llm_judge.v1.txt data/judge/semantic_equivalence.v1.txt \
	data/judge/pairwise.v1.txt
nodist_lib_libcore_la_SOURCES += lib/score/judge_prompts.h
BUILT_SOURCES += lib/score/judge_prompts.h
CLEANFILES += lib/score/judge_prompts.h
lib/score/judge_prompts.h: $(dist_judge_DATA:%=$(srcdir)/%)
	$(AM_V_GEN)$(MKDIR_P) lib/score && : >$@-t && \
	for f in llm_judge semantic_equivalence pairwise; do \
	  echo "static const char oed_judge_prompt_$$f[] =" >>$@-t && \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' \
	      $(srcdir)/data/judge/$$f.v1.txt >>$@-t && echo ";" >>$@-t || exit 1; \
	done && mv $@-t $@
# The judges against the fake model server (python3's standard library).
TESTS += tests/judge-net.sh
EXTRA_DIST += tests/judge-net.sh
# Red-team mutators (lib/bench/mutate.h), with their reference outputs.
lib_libcore_la_SOURCES += lib/bench/mutate.c lib/bench/mutate.h
EXTRA_DIST += tests/ref/gen_mutate_ref.py tests/ref/mutate_ref.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_mutate
tests_unit_check_mutate_SOURCES = tests/unit/check_mutate.c tests/ref/mutate_ref.h
tests_unit_check_mutate_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_mutate_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_mutate
endif
