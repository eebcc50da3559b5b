# provider: request building and response parsing for LLM APIs.
lib_libcore_la_SOURCES += lib/provider/openai_response.c lib/provider/openai_response.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/check_openai_response
tests_unit_check_openai_response_SOURCES = tests/unit/check_openai_response.c
tests_unit_check_openai_response_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_openai_response_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/check_openai_response
endif
# provider: openai, anthropic, command and replay providers (lib/provider/provider.h).
lib_libcore_la_SOURCES += lib/provider/provider.c lib/provider/provider.h \
	lib/provider/provider_impl.h lib/provider/command.c lib/provider/http.c
