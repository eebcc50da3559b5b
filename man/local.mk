# Manual pages, written in mdoc by hand.
dist_man_MANS += man/oed.7
