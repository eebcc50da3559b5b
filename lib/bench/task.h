/*
 * task.h: a benchmark task, read from its YAML file (config/cfg.h) into plain
 * fields, every template compiled and every extraction step checked, so
 * that a task that loads is one that can run.
 *
 *   task: NAME            version: N
 *   dataset: {path: FILE, id: FIELD, format: jsonl|csv}   or {store: NAME@V}
 *   system: TEMPLATE      prompt: TEMPLATE  |  messages: [{role, content}]
 *   target: TEMPLATE      choices: FIELD    (a list, for multiple choice)
 *   few_shot: {n, path, seed, as: messages|text, separator}
 *   generation: {temperature, top_p, max_tokens, stop, samples, seed}
 *   extract: [STEP...]    (extractor.h)
 *   scorers: [NAME | {NAME: {KEY: VALUE...}}...]
 *
 * Files named in a task are relative to the task file's folder.  The
 * lm-evaluation-harness form (doc_to_text, doc_to_target, ...) loads into
 * the same struct (oed_task_load tells them apart by their keys).
 *
 * The task owns everything in it; oed_task_release frees it.
 */
#ifndef OED_BENCH_TASK_H
#define OED_BENCH_TASK_H

#include <stdbool.h>
#include <jansson.h>
#include <stddef.h>

#include "diag.h"
#include "extractor.h"
#include "template.h"

struct oed_task_message {
	char *role;
	struct oed_tmpl *content;
};

/* One scorer as the task names it: the name and its parameters as text. */
struct oed_task_scorer {
	char *name;
	size_t nparams;
	char **keys, **values;		/* a list value repeats its key, one pair per item */
	long line;
	int col;
};

struct oed_gen {
	double temperature, top_p;	/* NAN: not sent */
	long max_tokens;		/* 0: not sent (anthropic: 1024) */
	char **stop;
	size_t nstop;
	unsigned samples;		/* >= 1 */
	long long seed;
	bool has_seed;
};

struct oed_task {
	char *path;			/* the task file */
	char *name;
	long version;
	bool lm_eval;			/* read from an lm-eval task file */
	char *data_path;		/* resolved; NULL with data_store */
	char *data_store;		/* NAME@V in the run store */
	bool data_csv;
	char *id_field;			/* NULL: the record's position from 0 */
	char *choices_field;		/* NULL: no choices */
	char *mutate;			/* red-team mutators, comma-separated; NULL: none */
	struct oed_tmpl *system, *prompt, *target;
	struct oed_task_message *messages;
	size_t nmessages;
	/* few-shot */
	unsigned shots;
	char *shots_path;
	unsigned long long shots_seed;
	bool shots_as_text;
	char *shots_separator;
	struct oed_gen gen;
	struct oed_extractor *extract;
	struct oed_task_scorer *scorers;
	size_t nscorers;
	char digest[33];		/* XXH3-128 of the task file's bytes */
	/* built-in tasks (builtin.h): the header of a CSV that has none, and a
	 * rewrite of each dataset record into the fields the templates name */
	const char *csv_header;
	json_t *(*prepare)(json_t *rec, const char *source, struct oed_err *err);
	/* code tasks: the answer is the output's code (oed_code_answer), after
	 * the record's code_prefix unless it contains the record's code_def */
	bool code_answer;
};

/* 0 or -1 with err (OED_EX_USAGE with FILE:LINE:COL for a bad task). */
int oed_task_load(const char *path, struct oed_task *t, struct oed_err *err);
/* The same from text; name is used in messages and dir for relative paths. */
int oed_task_load_text(const char *name, const char *text, const char *dir, struct oed_task *t,
		       struct oed_err *err);
void oed_task_release(struct oed_task *t);
/* Fill a task with the defaults every loader starts from. */
void oed_task_init(struct oed_task *t);
/* Free the generation settings' strings. */
void oed_gen_release(struct oed_gen *g);

#endif
