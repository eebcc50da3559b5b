# store: the SQLite run store (lib/store.h).
lib_libcore_la_SOURCES += lib/store.c lib/store.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_store
tests_unit_check_store_SOURCES = tests/unit/check_store.c
tests_unit_check_store_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_store_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_store
endif
