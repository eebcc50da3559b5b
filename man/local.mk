# Manual pages, written in mdoc by hand.  Tool pages whose tool has its own
# fragment are listed there.
dist_man_MANS += man/oed.7 man/oed-bench.1 man/oed-monitor.1 man/oed-report.1 man/oed-mi.1 man/oed-drift.1
