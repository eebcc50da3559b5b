# report: oed-report's model, renderers, statistics and audit chain (lib/report/).
lib_libcore_la_SOURCES += lib/report/report.h lib/report/rows.h lib/report/kinds.c \
	lib/report/render.c lib/report/html.c lib/report/runs.h lib/report/runs.c
TESTS += tests/cli/report/validate.sh tests/cli/report/chromium.sh tests/report-abandoned.sh tests/report-pairwise.sh
EXTRA_DIST += tests/report-abandoned.sh tests/report-pairwise.sh
lib_libcore_la_SOURCES += lib/report/stats.h lib/report/stats.c lib/report/compare.h lib/report/compare.c \
	lib/report/audit.h lib/report/audit.c lib/report/trust.h lib/report/trust.c
EXTRA_DIST += tests/ref/report_ref.py tests/ref/report_ref.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_report
tests_unit_check_report_SOURCES = tests/unit/check_report.c tests/ref/report_ref.h
tests_unit_check_report_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_report_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_report
endif
# stored oed-monitor runs through promtool and xmllint
TESTS += tests/report-monitor-store.sh
EXTRA_DIST += tests/report-monitor-store.sh
