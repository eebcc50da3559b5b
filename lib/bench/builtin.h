/*
 * builtin.h: standard benchmarks by name (`oed-bench gsm8k --data
 * test.jsonl`), each a task definition kept here as YAML text plus, where
 * the dataset's published file is not in the shape the templates want, a
 * rewrite of each record.  oed ships no data: the user points --data at
 * their copy of the official file.
 *
 *   gsm8k          GSM8K JSON Lines {question, answer "... #### N"}; the
 *                  prompt, stop words, flexible extraction (the last
 *                  number) and exact_match options of lm-evaluation-harness
 *   mmlu           one of MMLU's per-subject CSVs (no header: question,
 *                  A, B, C, D, answer); the subject from the file name
 *   truthfulqa_mc  TruthfulQA.csv: the best answer among the incorrect
 *                  ones, in an order fixed by the question's hash
 *   arc            ARC JSON Lines {id, question: {stem, choices: [{text,
 *                  label}]}, answerKey}
 *   hellaswag      HellaSwag JSON Lines {ctx, endings, label,
 *                  activity_label}, the context cleaned as lm-eval does
 *   humaneval      HumanEval JSON Lines {task_id, prompt, test,
 *                  entry_point}: code_exec runs the answer's code (after
 *                  the prompt unless it restates the function), the tests
 *                  and check(entry_point)
 *   mbpp           MBPP JSON Lines {task_id, text, test_list,
 *                  test_setup_code}: code_exec runs the answer's code,
 *                  the setup and the asserts
 *
 * The multiple-choice tasks are asked generatively: the options as
 * lettered lines, the first standalone letter of the answer taken.
 */
#ifndef OED_BENCH_BUILTIN_H
#define OED_BENCH_BUILTIN_H

#include <stddef.h>

#include "bench/task.h"
#include "diag.h"

struct oed_builtin {
	const char *name;
	const char *summary;		/* one line for --list-tasks */
	const char *data;		/* what --data must be */
	const char *yaml;
	const char *csv_header;
	json_t *(*prepare)(json_t *rec, const char *source, struct oed_err *err);
};

const struct oed_builtin *oed_builtin_table(size_t *n);
const struct oed_builtin *oed_builtin_find(const char *name);
int oed_builtin_load(const struct oed_builtin *b, struct oed_task *t, struct oed_err *err);

#endif
