/* stop.c: SIGINT and SIGTERM noted for a clean stop (stop.h). */
#include "config.h"

#include "stop.h"

#include <string.h>

volatile sig_atomic_t oed_stop_signal;

static void
on_signal(int sig)
{
	oed_stop_signal = sig;
}

void
oed_catch_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}
