/*
 * opt.h: one option table per tool answers the parser (getopt_long), --help
 * and --list-options (used by the shell completions), so the three cannot
 * drift apart.
 *
 * Every tool gets -h/--help, -V/--version and --list-options for free.
 * Options shared by the tools that read records (--on-error, --max-line,
 * -q/--quiet, -o/--output) come from OED_INPUT_OPTIONS and are handled by
 * oed_input_opt(); a tool's handler forwards ids >= OED_OPT_COMMON there.
 */
#ifndef OED_OPT_H
#define OED_OPT_H

#include <stdbool.h>
#include <stddef.h>

#include <stdint.h>

#include "diag.h"
#include "jsonl.h"	/* OED_DEFAULT_MAX_LINE */
#include "reject.h"

enum oed_argtype { OED_ARG_NONE, OED_ARG_REQUIRED, OED_ARG_OPTIONAL };

struct oed_option {
	const char *name;	/* long name, no dashes; NULL ends the table */
	int short_name;		/* 0 when there is none */
	enum oed_argtype arg;
	const char *metavar;	/* "FILE", "N" ... shown in --help */
	const char *help;	/* one line; "\n" continues on the next */
	int id;			/* given to the handler */
};

struct oed_tool {
	const char *name;	/* "oed-entropy" */
	const char *synopsis;	/* "[OPTIONS] [FILE...]" */
	const char *summary;	/* what the tool does, one sentence */
	const struct oed_option *options;
	const char *epilog;	/* examples and the like, may be NULL */
};

/*
 * The values an option's argument takes, for --list-options and so for
 * the shell completions, from the tables the parser uses: value(i) is the
 * i-th, NULL after the last.  A tool hands its list (ended by a NULL
 * value) to oed_opt_values before oed_opt_parse; --list-options then
 * prints "--NAME=VALUE" lines after the options.  --on-error's values
 * come without it.
 */
struct oed_opt_values {
	int id;				/* the option's id */
	const char *(*value)(size_t i);
};
void oed_opt_values(const struct oed_opt_values *list);

/* Ids from here on are the shared options. */
#define OED_OPT_COMMON 10000
enum {
	OED_OPT_ON_ERROR = OED_OPT_COMMON,
	OED_OPT_MAX_LINE,
	OED_OPT_QUIET,
	OED_OPT_OUTPUT,
	OED_OPT_STORE,
	OED_OPT_NAME,
	OED_OPT_RUNS,
	OED_OPT_TABLE,
	OED_OPT_JSON,
};

#define OED_INPUT_OPTIONS \
	{ "on-error", 0, OED_ARG_REQUIRED, "POLICY", \
	  "bad records: fail (default), skip, or reject=FILE", OED_OPT_ON_ERROR }, \
	{ "max-line", 0, OED_ARG_REQUIRED, "BYTES", \
	  "longest input line accepted (default 64M; suffixes K, M, G)", OED_OPT_MAX_LINE }, \
	{ "output", 'o', OED_ARG_REQUIRED, "FILE", \
	  "write records to FILE instead of standard output", OED_OPT_OUTPUT }, \
	{ "quiet", 'q', OED_ARG_NONE, NULL, \
	  "no progress, summary or warnings on stderr", OED_OPT_QUIET }, \
	{ "table", 0, OED_ARG_NONE, NULL, \
	  "records as aligned tables, one per kind (default on a terminal)", OED_OPT_TABLE }, \
	{ "json", 0, OED_ARG_NONE, NULL, \
	  "records as JSON Lines even on a terminal", OED_OPT_JSON }

#define OED_STORE_OPTION \
	{ "store", 0, OED_ARG_REQUIRED, "PATH", \
	  "run store (default $OED_STORE, else $XDG_DATA_HOME/oed/oed.db)", OED_OPT_STORE }

/*
 * For the tools that record runs: --record (its id is the tool's own, so
 * its handler sets its flag), --name NAME (needs --record) and --runs.
 * oed_opt_parse answers --runs itself, as it does --help: it lists the
 * store's runs on standard output and returns 0 (see oed_runs_write).
 * oed_run_record (store.h) names the run after --name, notes "recorded
 * run N" and leaves the id in io->run_id for the summary record's "run".
 */
#define OED_RECORD_OPTIONS(record_id, record_help) \
	{ "record", 'r', OED_ARG_NONE, NULL, record_help, record_id }, \
	{ "name", 0, OED_ARG_REQUIRED, "NAME", \
	  "with --record: name the run, to find it by later (unique in the store)", OED_OPT_NAME }, \
	{ "runs", 0, OED_ARG_NONE, NULL, \
	  "list the runs in the store as JSON Lines and exit", OED_OPT_RUNS }

/* The settings the shared options fill. */
struct oed_input_opts {
	struct oed_policy policy;
	size_t max_line;
	bool quiet;
	const char *output;
	const char *store;
	const char *name;	/* --name */
	int64_t run_id;		/* the run oed_run_record stored, 0 before */
};

void oed_input_opts_init(struct oed_input_opts *io);
void oed_input_opts_release(struct oed_input_opts *io);
/* Handle a shared option; 0 done, -1 bad argument (err set). */
int oed_input_opt(struct oed_input_opts *io, int id, const char *arg, struct oed_err *err);
/*
 * Open the outputs before any input is read: stdout on io->output when
 * set, and the reject file of --on-error=reject=FILE (created or
 * truncated, so a bad path fails at once and a clean run leaves it
 * empty).  First oed_input_check_files.  0 or -1 (err set).
 */
int oed_input_open_output(struct oed_input_opts *io, struct oed_err *err);
/*
 * Refuse (OED_EX_USAGE) when --output, the reject file and any input are
 * one file: compared by device and inode, so links and other spellings
 * are caught, or by folder and name for outputs not created yet.  The
 * inputs are what the last oed_opt_parse saw: the operands (standard
 * input when there are none) and the arguments of options whose metavar
 * ends in FILE (a tool's own input options: -R FILE, --inputs [NAME=]FILE),
 * --output excepted.  0 or -1 (err set).
 */
int oed_input_check_files(const struct oed_input_opts *io, struct oed_err *err);

/* Returns 0 or -1 with err set (status OED_EX_USAGE). */
typedef int (*oed_opt_handler)(int id, const char *arg, void *ctx, struct oed_err *err);

/*
 * Parse argv against the tool's table.  Returns the index of the first
 * operand, 0 when the tool must exit with success now (--help, --version,
 * --list-options or --runs were answered), -1 after printing a usage
 * error, or OED_OPT_FAILED after printing why an answer failed (--runs on
 * a store that cannot be read).  oed_opt_exit maps the last three to the
 * exit status.
 */
int oed_opt_parse(const struct oed_tool *tool, int argc, char **argv,
		  oed_opt_handler handler, void *ctx);
#define OED_OPT_FAILED (-2)
/* The exit status for a return of oed_opt_parse <= 0. */
int oed_opt_exit(int parsed);

/* Argument converters: 0 or -1 with a usage message in err. */
int oed_parse_ulong(const char *opt, const char *arg, unsigned long min,
		    unsigned long max, unsigned long *out, struct oed_err *err);
int oed_parse_double(const char *opt, const char *arg, double min, double max,
		     double *out, struct oed_err *err);
int oed_parse_size(const char *opt, const char *arg, size_t *out, struct oed_err *err);
/* --base: "2", "e" or "10"; the base as a number in *base unless NULL. */
int oed_parse_log_base(const char *arg, double *base, struct oed_err *err);

/*
 * The choice nearest to word when word looks like a typo of it, else
 * NULL.  Nearness is the Damerau-Levenshtein distance (optimal string
 * alignment, ASCII case ignored): at most 1 for words of up to 4 bytes,
 * 2 up to 8, 3 beyond.  The first of equally near choices wins; NULL
 * entries in choices are skipped.
 */
const char *oed_did_you_mean(const char *word, const char *const *choices, size_t n);
/*
 * For every "unknown X" of a family table (estimators, tests, encodings,
 * steps): err gets "unknown WHAT 'WORD'; did you mean 'NEAR'? choices: A,
 * B, C" (no did-you-mean part when nothing is near), status OED_EX_USAGE.
 * Returns -1.
 */
int oed_err_unknown(struct oed_err *err, const char *what, const char *word,
		    const char *const *choices, size_t n);

#endif
