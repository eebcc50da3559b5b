# net: the HTTP transport on libcurl (lib/net/net.h).
lib_libcore_la_SOURCES += lib/net/net.c lib/net/net.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_net
tests_unit_check_net_SOURCES = tests/unit/check_net.c
tests_unit_check_net_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_net_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_net
endif
