/*
 * stop.h: SIGINT and SIGTERM for the tools that finish the record in hand
 * and then stop (exiting 130 or 143, lib/exit.h).  The handler only notes
 * the signal in oed_stop_signal; it is installed without SA_RESTART, so a
 * read blocked on a terminal or a pipe returns at once.
 */
#ifndef OED_STOP_H
#define OED_STOP_H

#include <signal.h>

/* The signal caught (SIGINT or SIGTERM), 0 while none has come. */
extern volatile sig_atomic_t oed_stop_signal;

/* Catch SIGINT and SIGTERM into oed_stop_signal. */
void oed_catch_stop_signals(void);

#endif
