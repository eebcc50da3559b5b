# Manual pages, written in mdoc by hand.  Tool pages whose tool has its own
# fragment are listed there.
dist_man_MANS += man/oed.7 man/oed-bench.1 man/oed-monitor.1 man/oed-report.1 man/oed-mi.1 man/oed-drift.1
# The full definitions the man pages point to, installed as documentation.
dist_doc_DATA = man/oed-estimators.txt man/oed-equivalence.txt man/oed-drift-tests.txt
dist_man_MANS += man/oed-entropy.1 man/oed-tokens.1
