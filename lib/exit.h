/*
 * exit.h: the one exit-status table shared by every oed tool (see oed(7)).
 * No other file defines an exit number.
 */
#ifndef OED_EXIT_H
#define OED_EXIT_H

#define OED_EX_OK	0	/* success */
#define OED_EX_FAIL	1	/* runtime failure: I/O, store, network, internal */
#define OED_EX_USAGE	2	/* unknown option, bad argument, invalid config */
#define OED_EX_DATA	3	/* bad input data stopped the run (--on-error=fail) */
#define OED_EX_GATE	4	/* the run worked and a gate tripped */
#define OED_EX_SIGINT	130	/* interrupted by SIGINT (oed-bench resumes when run again) */
#define OED_EX_SIGTERM	143	/* interrupted by SIGTERM (likewise) */

#endif
