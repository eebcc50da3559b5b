# jscan: the reader's fast path (lib/jscan.h).
lib_libcore_la_SOURCES += lib/jscan.c lib/jscan.h
