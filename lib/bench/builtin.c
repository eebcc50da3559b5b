/* builtin.c: the standard benchmarks by name (builtin.h). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "bench/builtin.h"
#include "bench/sbuf.h"
#include "exit.h"
#include "splitmix.h"

static const char gsm8k_yaml[] =
	"task: gsm8k\n"
	"version: 3\n"
	"prompt: \"Question: {{question}}\\nAnswer:\"\n"
	"target: \"{{answer}}\"\n"
	"generation: {temperature: 0, max_tokens: 256, stop: [\"Question:\", \"</s>\", \"<|im_end|>\"]}\n"
	"extract: [{regex: {pattern: \"(-?[$0-9.,]{2,})|(-?[0-9]+)\", select: -1}}]\n"
	"scorers: [{exact_match: {ignore_case: true, ignore_punctuation: false,\n"
	"  regexes_to_ignore: [\",\", \"\\\\$\", \"(?s).*#### \", \"\\\\.$\"]}}]\n";

static const char mmlu_yaml[] =
	"task: mmlu\n"
	"version: 1\n"
	"prompt: \"The following are multiple choice questions (with answers) about {{subject}}.\\n\\n"
	"{{question}}\\nA. {{A}}\\nB. {{B}}\\nC. {{C}}\\nD. {{D}}\\nAnswer:\"\n"
	"target: \"{{answer | trim}}\"\n"
	"generation: {temperature: 0, max_tokens: 16}\n"
	"extract: [{regex: \"\\\\b([ABCD])\\\\b\"}]\n"
	"scorers: [exact_match]\n";

static const char truthfulqa_yaml[] =
	"task: truthfulqa_mc\n"
	"version: 1\n"
	"prompt: \"Q: {{Question}}\\nWhich answer is true?\\n{{choices | choices}}\\nAnswer:\"\n"
	"target: \"{{gold | letter}}\"\n"
	"choices: choices\n"
	"generation: {temperature: 0, max_tokens: 16}\n"
	"extract: [{regex: \"\\\\b([A-Z])\\\\b\"}]\n"
	"scorers: [exact_match]\n";

static const char arc_yaml[] =
	"task: arc\n"
	"version: 1\n"
	"dataset: {id: id}\n"
	"prompt: \"Question: {{question.stem}}\\n{{options}}\\nAnswer:\"\n"
	"target: \"{{answerKey}}\"\n"
	"generation: {temperature: 0, max_tokens: 16}\n"
	"extract: [{regex: \"\\\\b([A-E1-5])\\\\b\"}]\n"
	"scorers: [exact_match]\n";

static const char hellaswag_yaml[] =
	"task: hellaswag\n"
	"version: 1\n"
	"dataset: {id: ind}\n"
	"prompt: \"{{activity_label}}: {{ctx}}\\nWhich ending is the most plausible?\\n"
	"{{endings | choices}}\\nAnswer:\"\n"
	"target: \"{{label | letter}}\"\n"
	"choices: endings\n"
	"generation: {temperature: 0, max_tokens: 16}\n"
	"extract: [{regex: \"\\\\b([ABCD])\\\\b\"}]\n"
	"scorers: [exact_match]\n";

/*
 * HumanEval: lm-eval's humaneval_instruct request (the chat form; the
 * completion form has no place in a chat API); the program is the code
 * block answered, after the prompt unless it restates the function, then
 * the tests and check(entry_point); 3 seconds to run, the timeout of
 * human-eval's check_correctness and of lm-eval's code_eval.
 */
static const char humaneval_yaml[] =
	"task: humaneval\n"
	"version: 1\n"
	"dataset: {id: task_id}\n"
	"prompt: \"Write a solution to the following problem and make sure that it passes the tests:\\n"
	"```python\\n{{prompt}}\\n```\\n\"\n"
	"target: \"{{tests}}\"\n"
	"generation: {temperature: 0, max_tokens: 1024}\n"
	"scorers: [{code_exec: {timeout: 3}}]\n";

/*
 * MBPP: lm-eval's prompt (the task, its three asserts, [BEGIN]) and stop
 * word [DONE]; the program is the code answered, then test_setup_code and
 * the asserts of test_list; 3 seconds to run, as for HumanEval.
 */
static const char mbpp_yaml[] =
	"task: mbpp\n"
	"version: 1\n"
	"dataset: {id: task_id}\n"
	"prompt: \"You are an expert Python programmer, and here is your task: {{text}} "
	"Your code should pass these tests:\\n\\n{{shown_tests}}\\n[BEGIN]\\n\"\n"
	"target: \"{{tests}}\"\n"
	"generation: {temperature: 0, max_tokens: 512, stop: [\"[DONE]\"]}\n"
	"scorers: [{code_exec: {timeout: 3}}]\n";

static json_t *
nomem(json_t *rec, struct oed_err *err)
{
	json_decref(rec);
	oed_err_set(err, OED_EX_FAIL, "out of memory");
	return NULL;
}

static json_t *
bad(json_t *rec, struct oed_err *err, const char *what)
{
	json_decref(rec);
	oed_err_set(err, OED_EX_DATA, "%s", what);
	return NULL;
}

/* MMLU: "high_school_physics_test.csv" -> subject "high school physics". */
static json_t *
mmlu_prepare(json_t *rec, const char *source, struct oed_err *err)
{
	const char *base = strrchr(source, '/');
	char subject[256];
	size_t n, i;

	base = base ? base + 1 : source;
	snprintf(subject, sizeof(subject), "%s", base);
	n = strlen(subject);
	if (n > 4 && strcmp(subject + n - 4, ".csv") == 0)
		subject[n -= 4] = '\0';
	for (i = 0; i < 3; i++) {
		static const char *const sfx[] = { "_test", "_dev", "_val" };
		size_t l = strlen(sfx[i]);

		if (n > l && strcmp(subject + n - l, sfx[i]) == 0) {
			subject[n -= l] = '\0';
			break;
		}
	}
	for (i = 0; i < n; i++)
		if (subject[i] == '_')
			subject[i] = ' ';
	if (json_object_set_new(rec, "subject", json_string(subject)) == -1)
		return nomem(rec, err);
	return rec;
}

/* TruthfulQA.csv: choices = the best answer and the incorrect ones, shuffled by the question. */
static json_t *
truthfulqa_prepare(json_t *rec, const char *source, struct oed_err *err)
{
	const char *q = json_string_value(json_object_get(rec, "Question"));
	const char *best = json_string_value(json_object_get(rec, "Best Answer"));
	const char *wrong = json_string_value(json_object_get(rec, "Incorrect Answers"));
	json_t *choices = json_array();
	uint64_t state;
	size_t n, i, gold = 0;
	const char *p;

	(void)source;
	if (q == NULL || best == NULL || wrong == NULL)
		return bad(rec, err, "TruthfulQA.csv needs the columns Question, Best Answer and Incorrect Answers");
	if (choices == NULL)
		return nomem(rec, err);
	json_array_append_new(choices, json_string(best));
	for (p = wrong; *p;) {
		const char *end = strstr(p, "; ");
		size_t len = end ? (size_t)(end - p) : strlen(p);

		while (len && isspace((unsigned char)p[len - 1]))
			len--;
		if (len)
			json_array_append_new(choices, json_stringn(p, len));
		p = end ? end + 2 : p + strlen(p);
	}
	n = json_array_size(choices);
	if (n > 26) {
		json_decref(choices);
		return bad(rec, err, "more than 26 answers to choose from");
	}
	/* Fisher-Yates with a seed from the question: the same order on every run */
	state = XXH3_64bits(q, strlen(q));
	for (i = n - 1; i > 0; i--) {
		size_t j = (size_t)(oed_splitmix64(&state) % (i + 1));
		json_t *a = json_incref(json_array_get(choices, i));
		json_t *b = json_incref(json_array_get(choices, j));

		json_array_set_new(choices, i, b);
		json_array_set_new(choices, j, a);
		if (gold == i)
			gold = j;
		else if (gold == j)
			gold = i;
	}
	json_object_set_new(rec, "choices", choices);
	json_object_set_new(rec, "gold", json_integer((json_int_t)gold));
	return rec;
}

/* ARC: the choices as "A. text" lines under their own labels. */
static json_t *
arc_prepare(json_t *rec, const char *source, struct oed_err *err)
{
	json_t *choices = json_object_get(json_object_get(rec, "question"), "choices"), *c;
	struct sbuf b = { 0 };
	size_t i;
	char *text;

	(void)source;
	if (!json_is_array(choices) || json_array_size(choices) == 0)
		return bad(rec, err, "an ARC record needs question.choices");
	json_array_foreach(choices, i, c) {
		const char *label = json_string_value(json_object_get(c, "label"));
		const char *t = json_string_value(json_object_get(c, "text"));

		if (label == NULL || t == NULL) {
			sbuf_release(&b);
			return bad(rec, err, "an ARC choice needs a label and a text");
		}
		if (i)
			sbuf_addc(&b, '\n');
		sbuf_adds(&b, label);
		sbuf_adds(&b, ". ");
		sbuf_adds(&b, t);
	}
	text = sbuf_take(&b, NULL);
	if (text == NULL)
		return nomem(rec, err);
	json_object_set_new(rec, "options", json_string(text));
	free(text);
	return rec;
}

/*
 * lm-eval's hellaswag preprocess, step by step as Python does it:
 * strip, " [title]" -> ". ", drop every [tag], then "  " -> " " (each
 * pair of spaces once, left to right, like str.replace).
 */
static char *
hs_clean(const char *s)
{
	struct sbuf b = { 0 }, c = { 0 };
	const char *p;
	size_t n = strlen(s);

	while (isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	for (p = s; p < s + n;) {
		if ((size_t)(s + n - p) >= 8 && strncmp(p, " [title]", 8) == 0) {
			sbuf_adds(&b, ". ");
			p += 8;
		} else {
			sbuf_addc(&b, *p++);
		}
	}
	for (p = b.s ? b.s : ""; *p;) {
		const char *close = *p == '[' ? strchr(p, ']') : NULL;

		if (close)
			p = close + 1;
		else
			sbuf_addc(&c, *p++);
	}
	b.len = 0;
	for (p = c.s ? c.s : ""; *p;) {
		if (p[0] == ' ' && p[1] == ' ') {
			sbuf_addc(&b, ' ');
			p += 2;
		} else {
			sbuf_addc(&b, *p++);
		}
	}
	sbuf_release(&c);
	if (b.s == NULL)
		sbuf_adds(&b, "");
	return sbuf_take(&b, NULL);
}

static json_t *
hellaswag_prepare(json_t *rec, const char *source, struct oed_err *err)
{
	json_t *endings = json_object_get(rec, "endings"), *label = json_object_get(rec, "label"), *e;
	json_t *clean;
	const char *ctx = json_string_value(json_object_get(rec, "ctx"));
	char *s;
	size_t i;

	(void)source;
	if (ctx == NULL || !json_is_array(endings))
		return bad(rec, err, "a HellaSwag record needs ctx and endings");
	if (json_is_string(label))	/* the Hugging Face copy writes the label as text */
		json_object_set_new(rec, "label", json_integer(atoi(json_string_value(label))));
	if ((s = hs_clean(ctx)) == NULL)
		return nomem(rec, err);
	json_object_set_new(rec, "ctx", json_string(s));
	free(s);
	clean = json_array();
	json_array_foreach(endings, i, e) {
		if ((s = hs_clean(json_is_string(e) ? json_string_value(e) : "")) == NULL) {
			json_decref(clean);
			return nomem(rec, err);
		}
		json_array_append_new(clean, json_string(s));
		free(s);
	}
	json_object_set_new(rec, "endings", clean);
	return rec;
}

/* HumanEval: tests = test + check(entry_point); the prompt before a completion. */
static json_t *
humaneval_prepare(json_t *rec, const char *source, struct oed_err *err)
{
	const char *prompt = json_string_value(json_object_get(rec, "prompt"));
	const char *test = json_string_value(json_object_get(rec, "test"));
	const char *entry = json_string_value(json_object_get(rec, "entry_point"));
	struct sbuf b = { 0 };
	char *text;

	(void)source;
	if (prompt == NULL || test == NULL || entry == NULL)
		return bad(rec, err, "a HumanEval record needs prompt, test and entry_point");
	sbuf_adds(&b, test);
	sbuf_adds(&b, "\n\ncheck(");
	sbuf_adds(&b, entry);
	sbuf_adds(&b, ")\n");
	if ((text = sbuf_take(&b, NULL)) == NULL)
		return nomem(rec, err);
	json_object_set_new(rec, "tests", json_string(text));
	free(text);
	sbuf_adds(&b, "def ");
	sbuf_adds(&b, entry);
	sbuf_addc(&b, '(');
	if ((text = sbuf_take(&b, NULL)) == NULL)
		return nomem(rec, err);
	json_object_set_new(rec, "code_def", json_string(text));
	free(text);
	json_object_set(rec, "code_prefix", json_object_get(rec, "prompt"));
	return rec;
}

/* MBPP: shown_tests = the asserts; tests = test_setup_code and the asserts. */
static json_t *
mbpp_prepare(json_t *rec, const char *source, struct oed_err *err)
{
	json_t *list = json_object_get(rec, "test_list"), *v;
	const char *setup = json_string_value(json_object_get(rec, "test_setup_code"));
	struct sbuf shown = { 0 }, b = { 0 };
	char *text;
	size_t i;

	(void)source;
	if (!json_is_string(json_object_get(rec, "text")) || !json_is_array(list) ||
	    json_array_size(list) == 0)
		return bad(rec, err, "an MBPP record needs text and test_list");
	json_array_foreach(list, i, v) {
		if (!json_is_string(v)) {
			sbuf_release(&shown);
			return bad(rec, err, "MBPP's test_list holds assert lines");
		}
		if (i)
			sbuf_addc(&shown, '\n');
		sbuf_adds(&shown, json_string_value(v));
	}
	if (setup != NULL && setup[0] != '\0') {
		sbuf_adds(&b, setup);
		sbuf_addc(&b, '\n');
	}
	sbuf_add(&b, shown.s ? shown.s : "", shown.len);
	sbuf_addc(&b, '\n');
	if ((text = sbuf_take(&shown, NULL)) == NULL) {
		sbuf_release(&b);
		return nomem(rec, err);
	}
	json_object_set_new(rec, "shown_tests", json_string(text));
	free(text);
	if ((text = sbuf_take(&b, NULL)) == NULL)
		return nomem(rec, err);
	json_object_set_new(rec, "tests", json_string(text));
	free(text);
	return rec;
}

static const struct oed_builtin table[] = {
	{ "gsm8k", "grade-school maths, the last number of the answer (lm-eval's flexible match)",
	  "GSM8K JSON Lines (question, answer)", gsm8k_yaml, NULL, NULL },
	{ "mmlu", "MMLU, one subject: four options, the letter answered",
	  "one MMLU subject CSV (no header: question,A,B,C,D,answer)", mmlu_yaml,
	  "question,A,B,C,D,answer", mmlu_prepare },
	{ "truthfulqa_mc", "TruthfulQA as multiple choice: the best answer among the incorrect ones",
	  "TruthfulQA.csv", truthfulqa_yaml, NULL, truthfulqa_prepare },
	{ "arc", "AI2 ARC (Easy or Challenge): the label answered",
	  "ARC JSON Lines (id, question.stem, question.choices, answerKey)", arc_yaml, NULL, arc_prepare },
	{ "hellaswag", "HellaSwag asked generatively: the letter of the most plausible ending",
	  "HellaSwag JSON Lines (ctx, endings, label, activity_label)", hellaswag_yaml, NULL,
	  hellaswag_prepare },
	{ "humaneval", "HumanEval: the function completed, run with its tests (code_exec)",
	  "HumanEval JSON Lines (task_id, prompt, test, entry_point)", humaneval_yaml, NULL,
	  humaneval_prepare },
	{ "mbpp", "MBPP: a Python function written, run with its asserts (code_exec)",
	  "MBPP JSON Lines (task_id, text, test_list, test_setup_code)", mbpp_yaml, NULL,
	  mbpp_prepare },
};

const struct oed_builtin *
oed_builtin_table(size_t *n)
{
	*n = sizeof(table) / sizeof(table[0]);
	return table;
}

const struct oed_builtin *
oed_builtin_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

int
oed_builtin_load(const struct oed_builtin *b, struct oed_task *t, struct oed_err *err)
{
	char name[64];

	snprintf(name, sizeof(name), "<%s>", b->name);
	if (oed_task_load_text(name, b->yaml, ".", t, err) == -1)
		return -1;
	t->csv_header = b->csv_header;
	t->prepare = b->prepare;
	t->code_answer = b->prepare == humaneval_prepare || b->prepare == mbpp_prepare;
	return 0;
}
