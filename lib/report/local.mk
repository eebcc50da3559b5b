# report: oed-report's model, renderers, statistics and audit chain (lib/report/).
lib_libcore_la_SOURCES += lib/report/report.h lib/report/rows.h lib/report/kinds.c \
	lib/report/render.c lib/report/html.c lib/report/runs.h lib/report/runs.c
TESTS += tests/cli/report/validate.sh tests/cli/report/chromium.sh
