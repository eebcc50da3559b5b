# provider: openai, anthropic, command and replay providers (lib/provider/provider.h).
lib_libcore_la_SOURCES += lib/provider/provider.c lib/provider/provider.h \
	lib/provider/provider_impl.h lib/provider/command.c lib/provider/http.c
