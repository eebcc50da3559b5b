# bench: tasks, templates, extraction, statistics, the runner (lib/bench/).
lib_libcore_la_SOURCES += lib/bench/sbuf.h \
	lib/bench/template.c lib/bench/template.h \
	lib/bench/extractor.c lib/bench/extractor.h \
	lib/bench/stats.c lib/bench/stats.h \
	lib/bench/task.c lib/bench/task.h \
	lib/bench/prices.c lib/bench/prices.h \
	lib/bench/runner.c lib/bench/runner.h \
	lib/bench/summarize.c lib/bench/summarize.h \
	lib/bench/builtin.c lib/bench/builtin.h
dist_pkgdata_DATA += data/prices.json
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_bench
tests_unit_check_bench_SOURCES = tests/unit/check_bench.c tests/ref/bench_ref.h
tests_unit_check_bench_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_bench_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_bench
endif
EXTRA_DIST += tests/ref/gen_bench_ref.py
# oed-bench against a fake model server (python3's standard library).
TESTS += tests/bench-net.sh
EXTRA_DIST += tests/bench-net.sh tests/servers
# the code tasks (humaneval, mbpp) run in the code_exec sandbox
TESTS += tests/bench-code.sh
EXTRA_DIST += tests/bench-code.sh tests/bench-code
