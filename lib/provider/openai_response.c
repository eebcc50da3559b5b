/* Parsers for the bodies of LLM API responses (openai_response.h). */
#include "config.h"
#include "provider/openai_response.h"
#include "exit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
oed_llm_response_init(struct oed_llm_response *out)
{
	memset(out, 0, sizeof(*out));
	out->prompt_tokens = out->completion_tokens = out->cached_tokens = -1;
	out->reasoning_tokens = out->total_tokens = -1;
	out->created = out->choice_index = -1;
}

void
oed_llm_response_release(struct oed_llm_response *out)
{
	free(out->text);
	free(out->model);
	free(out->finish_reason);
	free(out->system_fingerprint);
	free(out->response_id);
	for (size_t i = 0; i < out->n_tool_calls; i++) {
		free(out->tool_calls[i].id);
		free(out->tool_calls[i].name);
		free(out->tool_calls[i].arguments);
	}
	free(out->tool_calls);
	free(out->error_type);
	free(out->error_code);
	free(out->error_message);
	free(out->custom_id);
	oed_llm_response_init(out);
}

bool
oed_llm_response_failed(const struct oed_llm_response *r)
{
	return r->error_message || r->error_type || r->error_code ||
	       (r->http_status != 0 && r->http_status != 200);
}

/* ---------------------------------------------------------------------------
 * Helpers.  Each returns 0 or -1 (out of memory, err set).
 */
static int
nomem(struct oed_err *err)
{
	return oed_err_set(err, OED_EX_FAIL, "out of memory");
}

static int
bad(struct oed_err *err, const char *what)
{
	return oed_err_set(err, OED_EX_DATA, "%s", what);
}

/* *dst = copy of v's text when v is a string (NUL bytes kept), else left NULL. */
static int
copy_str(char **dst, const json_t *v, struct oed_err *err)
{
	size_t n;

	if (!json_is_string(v))
		return 0;
	n = json_string_length(v);
	*dst = malloc(n + 1);
	if (*dst == NULL)
		return nomem(err);
	memcpy(*dst, json_string_value(v), n + 1);
	return 0;
}

/* A number field as an int64_t count: -1 unless a non-negative integer. */
static int64_t
count(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
}

/* The error code may be a string or a number ("code": 429 in some servers). */
static int
copy_code(char **dst, const json_t *v, struct oed_err *err)
{
	char buf[32];

	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		*dst = strdup(buf);
		return *dst ? 0 : nomem(err);
	}
	return copy_str(dst, v, err);
}

/*
 * An error object: {"message", "type", "code"} (OpenAI) or {"type",
 * "message"} (Anthropic).  A bare string is taken as the message.
 */
static int
take_error(struct oed_llm_response *out, const json_t *e, struct oed_err *err)
{
	if (json_is_string(e))
		return copy_str(&out->error_message, e, err);
	if (copy_str(&out->error_message, json_object_get(e, "message"), err) == -1 ||
	    copy_str(&out->error_type, json_object_get(e, "type"), err) == -1 ||
	    copy_code(&out->error_code, json_object_get(e, "code"), err) == -1)
		return -1;
	/* an error object with none of them still says the request failed */
	if (!out->error_message && !out->error_type && !out->error_code)
		out->error_message = strdup("error without a message");
	return out->error_message || out->error_type || out->error_code ? 0 : nomem(err);
}

/* Growable text for joined parts. */
struct text {
	char *s;
	size_t len, cap;
	bool any;
};

static int
text_add(struct text *t, const char *s, size_t n, struct oed_err *err)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 64;
		char *p;

		while (cap < t->len + n + 1)
			cap *= 2;
		p = realloc(t->s, cap);
		if (p == NULL)
			return nomem(err);
		t->s = p;
		t->cap = cap;
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
	t->any = true;
	return 0;
}

static void
text_give(struct text *t, struct oed_llm_response *out)
{
	if (t->any) {
		out->text = t->s;
		out->text_len = t->len;
	} else {
		free(t->s);
	}
	memset(t, 0, sizeof(*t));
}

static int
add_tool_call(struct oed_llm_response *out, const json_t *id, const json_t *name,
	      const json_t *args, struct oed_err *err)
{
	struct oed_llm_tool_call *tc, *p;

	p = realloc(out->tool_calls, (out->n_tool_calls + 1) * sizeof(*p));
	if (p == NULL)
		return nomem(err);
	out->tool_calls = p;
	tc = &p[out->n_tool_calls++];
	memset(tc, 0, sizeof(*tc));
	if (copy_str(&tc->id, id, err) == -1 || copy_str(&tc->name, name, err) == -1)
		return -1;
	if (json_is_string(args))
		return copy_str(&tc->arguments, args, err);
	if (args && !json_is_null(args)) {
		tc->arguments = json_dumps(args, JSON_COMPACT | JSON_ENCODE_ANY);
		if (tc->arguments == NULL)
			return nomem(err);
	}
	return 0;
}

/* The fields every shape shares the names of. */
static int
common(const json_t *body, struct oed_llm_response *out, struct oed_err *err)
{
	const json_t *created = json_object_get(body, "created");

	if (created == NULL)
		created = json_object_get(body, "created_at");
	if (json_is_integer(created))
		out->created = json_integer_value(created);
	return copy_str(&out->response_id, json_object_get(body, "id"), err) == -1 ||
	       copy_str(&out->model, json_object_get(body, "model"), err) == -1 ||
	       copy_str(&out->system_fingerprint, json_object_get(body, "system_fingerprint"), err) == -1
		       ? -1 : 0;
}

/* A top-level {"error": {...}} body (OpenAI) or {"type": "error", "error": {...}} (Anthropic). */
static bool
is_error_body(const json_t *body)
{
	const json_t *e = json_object_get(body, "error");

	return e && !json_is_null(e);
}

/* ---------------------------------------------------------------------------
 * Chat Completions
 */
static int
chat_usage(const json_t *usage, struct oed_llm_response *out)
{
	if (!json_is_object(usage))
		return 0;
	out->usage_present = true;
	out->prompt_tokens = count(usage, "prompt_tokens");
	out->completion_tokens = count(usage, "completion_tokens");
	out->total_tokens = count(usage, "total_tokens");
	out->cached_tokens = count(json_object_get(usage, "prompt_tokens_details"), "cached_tokens");
	out->reasoning_tokens =
		count(json_object_get(usage, "completion_tokens_details"), "reasoning_tokens");
	return 0;
}

/* message.content: a string, null, or (some compatible servers) an array of text parts. */
static int
chat_content(const json_t *content, struct oed_llm_response *out, struct oed_err *err)
{
	struct text t = { 0 };
	const json_t *part;
	size_t i;

	if (json_is_string(content)) {
		out->text_len = json_string_length(content);
		return copy_str(&out->text, content, err);
	}
	if (!json_is_array(content))
		return 0;
	json_array_foreach(content, i, part) {
		const json_t *s = json_is_string(part) ? part : json_object_get(part, "text");

		if (json_is_string(s) && text_add(&t, json_string_value(s), json_string_length(s), err) == -1) {
			free(t.s);
			return -1;
		}
	}
	text_give(&t, out);
	return 0;
}

int
oed_openai_parse_chat_choice(const json_t *body, size_t i, struct oed_llm_response *out,
			     struct oed_err *err)
{
	const json_t *choices = json_object_get(body, "choices"), *choice, *msg, *tc;
	size_t k;

	oed_llm_response_init(out);
	if (!json_is_object(body))
		return bad(err, "the response is not a JSON object");
	if (common(body, out, err) == -1)
		goto fail;
	if (is_error_body(body) && !choices) {
		if (take_error(out, json_object_get(body, "error"), err) == -1)
			goto fail;
		return 0;
	}
	if (!json_is_array(choices)) {
		bad(err, "no 'choices' array in the response");
		goto fail;
	}
	out->n_choices = json_array_size(choices);
	if (out->n_choices == 0) {
		bad(err, "the response has no choices");
		goto fail;
	}
	if (i >= out->n_choices) {
		oed_err_set(err, OED_EX_FAIL, "internal error: choice %zu of %zu", i, out->n_choices);
		goto fail;
	}
	choice = json_array_get(choices, i);
	if (!json_is_object(choice)) {
		oed_err_set(err, OED_EX_DATA, "choices.%zu is not an object", i);
		goto fail;
	}
	if (json_is_integer(json_object_get(choice, "index")))
		out->choice_index = json_integer_value(json_object_get(choice, "index"));
	if (copy_str(&out->finish_reason, json_object_get(choice, "finish_reason"), err) == -1)
		goto fail;
	msg = json_object_get(choice, "message");
	if (!json_is_object(msg)) {
		oed_err_set(err, OED_EX_DATA, "choices.%zu has no 'message' object", i);
		goto fail;
	}
	if (chat_content(json_object_get(msg, "content"), out, err) == -1)
		goto fail;
	json_array_foreach(json_object_get(msg, "tool_calls"), k, tc) {
		const json_t *fn = json_object_get(tc, "function");

		if (add_tool_call(out, json_object_get(tc, "id"), json_object_get(fn, "name"),
				  json_object_get(fn, "arguments"), err) == -1)
			goto fail;
	}
	/* the older single function_call */
	if (json_is_object(json_object_get(msg, "function_call"))) {
		const json_t *fn = json_object_get(msg, "function_call");

		if (add_tool_call(out, NULL, json_object_get(fn, "name"),
				  json_object_get(fn, "arguments"), err) == -1)
			goto fail;
	}
	chat_usage(json_object_get(body, "usage"), out);
	return 0;
fail:
	oed_llm_response_release(out);
	return -1;
}

int
oed_openai_parse_chat(const json_t *body, struct oed_llm_response *out, struct oed_err *err)
{
	return oed_openai_parse_chat_choice(body, 0, out, err);
}

/* ---------------------------------------------------------------------------
 * Responses API
 */
int
oed_openai_parse_responses(const json_t *body, struct oed_llm_response *out, struct oed_err *err)
{
	const json_t *output = json_object_get(body, "output"), *item, *usage, *e;
	const json_t *incomplete = json_object_get(body, "incomplete_details");
	struct text t = { 0 };
	size_t i, k;

	oed_llm_response_init(out);
	if (!json_is_object(body))
		return bad(err, "the response is not a JSON object");
	out->n_choices = 1;
	if (common(body, out, err) == -1)
		goto fail;
	e = json_object_get(body, "error");
	if (e && !json_is_null(e) && take_error(out, e, err) == -1)
		goto fail;
	if (!json_is_array(output)) {
		if (out->error_message || out->error_type || out->error_code)
			return 0;
		bad(err, "no 'output' array in the response");
		goto fail;
	}
	json_array_foreach(output, i, item) {
		const char *type = json_string_value(json_object_get(item, "type"));
		const json_t *part;

		if (type && strcmp(type, "function_call") == 0) {
			const json_t *id = json_object_get(item, "call_id");

			if (add_tool_call(out, id ? id : json_object_get(item, "id"),
					  json_object_get(item, "name"),
					  json_object_get(item, "arguments"), err) == -1)
				goto fail;
			continue;
		}
		if (type && strcmp(type, "message") != 0)
			continue;	/* reasoning, web_search_call, ... */
		json_array_foreach(json_object_get(item, "content"), k, part) {
			const char *pt = json_string_value(json_object_get(part, "type"));
			const json_t *s = json_object_get(part, "text");

			if (pt && strcmp(pt, "output_text") != 0 && strcmp(pt, "text") != 0)
				continue;	/* refusal, ... */
			if (json_is_string(s) &&
			    text_add(&t, json_string_value(s), json_string_length(s), err) == -1)
				goto fail;
		}
	}
	text_give(&t, out);
	/* why it stopped: the incomplete reason when there is one, else the status */
	if (json_is_string(json_object_get(incomplete, "reason"))) {
		if (copy_str(&out->finish_reason, json_object_get(incomplete, "reason"), err) == -1)
			goto fail;
	} else if (copy_str(&out->finish_reason, json_object_get(body, "status"), err) == -1) {
		goto fail;
	}
	usage = json_object_get(body, "usage");
	if (json_is_object(usage)) {
		out->usage_present = true;
		out->prompt_tokens = count(usage, "input_tokens");
		out->completion_tokens = count(usage, "output_tokens");
		out->total_tokens = count(usage, "total_tokens");
		out->cached_tokens = count(json_object_get(usage, "input_tokens_details"), "cached_tokens");
		out->reasoning_tokens =
			count(json_object_get(usage, "output_tokens_details"), "reasoning_tokens");
	}
	return 0;
fail:
	free(t.s);
	oed_llm_response_release(out);
	return -1;
}

/* ---------------------------------------------------------------------------
 * Anthropic Messages
 */
int
oed_anthropic_parse_messages(const json_t *body, struct oed_llm_response *out, struct oed_err *err)
{
	const json_t *content = json_object_get(body, "content"), *block, *usage;
	struct text t = { 0 };
	size_t i;

	oed_llm_response_init(out);
	if (!json_is_object(body))
		return bad(err, "the response is not a JSON object");
	out->n_choices = 1;
	if (common(body, out, err) == -1)
		goto fail;
	if (is_error_body(body)) {
		if (take_error(out, json_object_get(body, "error"), err) == -1)
			goto fail;
		return 0;
	}
	if (!json_is_array(content)) {
		bad(err, "no 'content' array in the response");
		goto fail;
	}
	json_array_foreach(content, i, block) {
		const char *type = json_string_value(json_object_get(block, "type"));
		const json_t *s = json_object_get(block, "text");

		if (type && strcmp(type, "tool_use") == 0) {
			if (add_tool_call(out, json_object_get(block, "id"), json_object_get(block, "name"),
					  json_object_get(block, "input"), err) == -1)
				goto fail;
			continue;
		}
		if (type && strcmp(type, "text") != 0)
			continue;	/* thinking, ... */
		if (json_is_string(s) && text_add(&t, json_string_value(s), json_string_length(s), err) == -1)
			goto fail;
	}
	text_give(&t, out);
	if (copy_str(&out->finish_reason, json_object_get(body, "stop_reason"), err) == -1)
		goto fail;
	usage = json_object_get(body, "usage");
	if (json_is_object(usage)) {
		int64_t cache_write = count(usage, "cache_creation_input_tokens");

		out->usage_present = true;
		out->prompt_tokens = count(usage, "input_tokens");
		out->completion_tokens = count(usage, "output_tokens");
		out->cached_tokens = count(usage, "cache_read_input_tokens");
		/* input_tokens excludes the cached ones: the total counts them all */
		if (out->prompt_tokens >= 0 && out->completion_tokens >= 0)
			out->total_tokens = out->prompt_tokens + out->completion_tokens +
					    (out->cached_tokens > 0 ? out->cached_tokens : 0) +
					    (cache_write > 0 ? cache_write : 0);
	}
	return 0;
fail:
	free(t.s);
	oed_llm_response_release(out);
	return -1;
}

/* ---------------------------------------------------------------------------
 * Batch API output lines
 */
int
oed_openai_parse_batch_line(const json_t *line, struct oed_llm_response *out, struct oed_err *err)
{
	const json_t *cid = json_object_get(line, "custom_id");
	const json_t *resp = json_object_get(line, "response"), *body, *e;
	const json_t *status;
	char *custom_id = NULL;
	int rc;

	oed_llm_response_init(out);
	if (!json_is_object(line))
		return bad(err, "the line is not a JSON object");
	if (!json_is_string(cid))
		return bad(err, cid ? "'custom_id' is not a string" : "no 'custom_id' in the line");
	if (copy_str(&custom_id, cid, err) == -1)
		return -1;
	e = json_object_get(line, "error");
	status = json_object_get(resp, "status_code");
	body = json_object_get(resp, "body");
	if (e && !json_is_null(e)) {
		/* the request never got an answer (expired, failed validation) */
		if (json_is_integer(status))
			out->http_status = (int)json_integer_value(status);
		rc = take_error(out, e, err);
	} else if (!json_is_object(resp)) {
		rc = bad(err, "the batch line has no 'response' object");
	} else if (!json_is_object(body)) {
		rc = bad(err, "the batch line has no response body");
	} else {
		if (json_object_get(body, "output") && !json_object_get(body, "choices"))
			rc = oed_openai_parse_responses(body, out, err);
		else
			rc = oed_openai_parse_chat(body, out, err);
		/* an error status whose body is not a response is still a failed request */
		if (rc == -1 && json_is_integer(status) && json_integer_value(status) != 200) {
			oed_llm_response_init(out);
			out->error_message = strdup("error without a message");
			rc = out->error_message ? 0 : nomem(err);
		}
		if (rc == 0 && json_is_integer(status))
			out->http_status = (int)json_integer_value(status);
	}
	if (rc == -1) {
		free(custom_id);
		oed_llm_response_release(out);
		return -1;
	}
	out->custom_id = custom_id;
	return 0;
}
