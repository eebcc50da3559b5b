# The tools: option tables and wiring only; their logic lives in lib/.
bin_PROGRAMS += oed oed-ingest oed-entropy oed-mi oed-drift oed-bench oed-monitor oed-report
oed_SOURCES = cmd/oed.c
oed_LDADD = $(CORE_LIBS)
oed_ingest_SOURCES = cmd/oed-ingest.c
oed_ingest_LDADD = $(CORE_LIBS)
oed_entropy_SOURCES = cmd/oed-entropy.c
oed_entropy_LDADD = $(CORE_LIBS)
oed_mi_SOURCES = cmd/oed-mi.c
oed_mi_LDADD = $(CORE_LIBS)
oed_drift_SOURCES = cmd/oed-drift.c
oed_drift_LDADD = $(CORE_LIBS)
oed_bench_SOURCES = cmd/oed-bench.c
oed_bench_LDADD = $(CORE_LIBS)
oed_monitor_SOURCES = cmd/oed-monitor.c
oed_monitor_LDADD = $(CORE_LIBS)
oed_report_SOURCES = cmd/oed-report.c
oed_report_LDADD = $(CORE_LIBS)
