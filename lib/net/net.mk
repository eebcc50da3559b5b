# net: the HTTP transport on libcurl (lib/net/net.h).
lib_libcore_la_SOURCES += lib/net/net.c lib/net/net.h
