# monitor: oed-monitor's model and engine (lib/monitor/monitor.h).
lib_libcore_la_SOURCES += lib/monitor/monitor.h lib/monitor/internal.h \
	lib/monitor/config.c lib/monitor/source.c lib/monitor/run.c lib/monitor/keys.c \
	lib/monitor/publish.c lib/monitor/status.c \
	lib/monitor/source_api.c lib/monitor/source_http.c lib/monitor/source_slack.c \
	lib/monitor/source_langfuse.c lib/monitor/backfill.c
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_monitor
tests_unit_check_monitor_SOURCES = tests/unit/check_monitor.c
tests_unit_check_monitor_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_monitor_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_monitor
check_PROGRAMS += tests/unit/check_monitor_keys
tests_unit_check_monitor_keys_SOURCES = tests/unit/check_monitor_keys.c
tests_unit_check_monitor_keys_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_monitor_keys_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_monitor_keys
endif
dist_man_MANS += man/oed-monitor.yaml.5
# publishers against a fake webhook / Slack sink, the langfuse source against a fake API
TESTS += tests/monitor-net.sh tests/monitor-langfuse.sh
# LLM judges in monitor files against the fake model server
TESTS += tests/monitor-judge.sh
EXTRA_DIST += tests/monitor-judge.sh
EXTRA_DIST += tests/monitor-net.sh tests/monitor-langfuse.sh
# the drift section: oed-drift's engine on a run's items
lib_libcore_la_SOURCES += lib/monitor/drift.c
# the http and slack sources and --backfill against fake APIs
TESTS += tests/monitor-sources.sh
EXTRA_DIST += tests/monitor-sources.sh
# the figures a run keeps as metrics, for oed-report
lib_libcore_la_SOURCES += lib/monitor/metrics.c
