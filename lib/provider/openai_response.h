/*
 * openai_response.h: what a language-model API answered, from its JSON body.
 *
 * Pure parsers, no I/O: each takes a decoded response body (jansson) and
 * fills one struct oed_llm_response with the answer text, the model as
 * returned, why generation stopped, token usage and any tool calls.  They
 * know three shapes:
 *
 *	OpenAI Chat Completions	choices[].message.{content,tool_calls}, usage
 *	OpenAI Responses	output[].content[].text, usage input/output_tokens
 *	Anthropic Messages	content[] text blocks, stop_reason, usage
 *
 * and the error bodies of each ({"error": {...}}, {"type": "error", ...}),
 * which parse successfully with error_message set and text NULL: the caller
 * decides whether an error answer is bad data or a counted failure.  A body
 * of none of these shapes is -1 with err set (status OED_EX_DATA, message
 * naming what is missing, no file or line: the caller knows where the body
 * came from).
 *
 * Ownership: every string and the tool_calls array are heap copies owned by
 * the struct; oed_llm_response_release frees them and zeroes the struct
 * (safe on a zeroed or released struct).  The parsers never keep a
 * reference to body.  On -1 the struct is left released.
 */
#ifndef OED_PROVIDER_OPENAI_RESPONSE_H
#define OED_PROVIDER_OPENAI_RESPONSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

struct oed_llm_tool_call {
	char *id;
	char *name;
	char *arguments;	/* JSON text, as the API gave it (Anthropic: input dumped compactly) */
};

struct oed_llm_response {
	char *text;		/* NULL: no text (an error, or only tool calls) */
	size_t text_len;	/* text may hold NUL bytes (\u0000 is valid JSON) */
	char *model;
	char *finish_reason;	/* chat finish_reason, Responses status or
				 * incomplete reason, Anthropic stop_reason */
	char *system_fingerprint;
	char *response_id;
	/* -1 = absent */
	int64_t prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, total_tokens;
	bool usage_present;
	struct oed_llm_tool_call *tool_calls;
	size_t n_tool_calls;
	int http_status;	/* 0 when unknown; set from a Batch line's status_code */
	/* for error bodies and Batch error lines; NULL when absent */
	char *error_type, *error_code, *error_message;
	/* Extras that are in the body */
	int64_t created;	/* epoch seconds (created / created_at), -1 absent */
	size_t n_choices;	/* chat: size of choices[]; 1 for the other shapes */
	int64_t choice_index;	/* chat: choices[i].index, -1 absent */
	char *custom_id;	/* Batch lines only */
};

/* A zeroed struct with every count at -1 (absent). */
void oed_llm_response_init(struct oed_llm_response *out);
void oed_llm_response_release(struct oed_llm_response *out);

/* Chat Completions: the first choice (see oed_openai_parse_chat_choice). */
int oed_openai_parse_chat(const json_t *body, struct oed_llm_response *out, struct oed_err *err);
/*
 * Chat Completions, choice i of choices[] (0 <= i < out->n_choices after a
 * parse of choice 0).  Usage is the whole response's: completion tokens
 * cover all choices together.
 */
int oed_openai_parse_chat_choice(const json_t *body, size_t i, struct oed_llm_response *out,
				 struct oed_err *err);
/* Responses API: output_text parts joined, function_call items as tool calls. */
int oed_openai_parse_responses(const json_t *body, struct oed_llm_response *out,
			       struct oed_err *err);
/* Anthropic Messages: text blocks joined, tool_use blocks as tool calls. */
int oed_anthropic_parse_messages(const json_t *body, struct oed_llm_response *out,
				 struct oed_err *err);
/*
 * One line of OpenAI Batch API output ({custom_id, response: {status_code,
 * body}, error}): custom_id and http_status set, then the body parsed as
 * Chat Completions or Responses by its shape.  A failed request (error set,
 * a status other than 200, or an error body) parses successfully with the
 * error fields set; -1 only when the line is not a Batch output line.
 */
int oed_openai_parse_batch_line(const json_t *line, struct oed_llm_response *out,
				struct oed_err *err);

/* Whether a parsed response is an error answer (error_message or error_type set). */
bool oed_llm_response_failed(const struct oed_llm_response *r);

#endif
