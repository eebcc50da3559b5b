# ingest: formats, CSV, dataset versions (lib/ingest.h, lib/csvin.h, lib/dataset.h).
lib_libcore_la_SOURCES += lib/ingest.c lib/ingest.h lib/csvin.c lib/csvin.h \
	lib/dataset.c lib/dataset.h
dist_man_MANS += man/oed-ingest.1
