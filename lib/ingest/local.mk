# ingest: the formats oed-ingest reads (ingest.h), CSV (csvin.h), dataset
# versions in the run store (dataset.h).
lib_libcore_la_SOURCES += \
	lib/ingest/ingest.c lib/ingest/ingest.h \
	lib/ingest/csvin.c lib/ingest/csvin.h \
	lib/ingest/dataset.c lib/ingest/dataset.h
dist_man_MANS += man/oed-ingest.1
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_ingest
tests_unit_check_ingest_SOURCES = tests/unit/check_ingest.c tests/ref/ingest_ref.h
tests_unit_check_ingest_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_ingest_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_ingest
endif
EXTRA_DIST += tests/ref/gen_ingest_ref.py
