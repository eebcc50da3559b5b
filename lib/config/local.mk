# config: YAML config files with positions (lib/config/cfg.h).
lib_libcore_la_SOURCES += lib/config/cfg.c lib/config/cfg.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_config
tests_unit_check_config_SOURCES = tests/unit/check_config.c
tests_unit_check_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_config_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_config
endif
