/*
 * Unit tests for lib/provider/openai_response.c: bodies shaped as the APIs
 * document and return them (OpenAI Chat Completions, Responses, Batch
 * output lines, Anthropic Messages), their error bodies, and bodies with
 * parts missing.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "exit.h"
#include "provider/openai_response.h"

static json_t *
parse(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_ALLOW_NUL, &je);

	ck_assert_msg(j != NULL, "bad test JSON: %s", je.text);
	return j;
}

/* ---- Chat Completions ---- */

START_TEST(chat_plain)
{
	json_t *b = parse("{\"id\":\"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG\",\"object\":\"chat.completion\","
			  "\"created\":1741570283,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,"
			  "\"message\":{\"role\":\"assistant\",\"content\":\"The image shows a wooden boardwalk.\","
			  "\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
			  "\"usage\":{\"prompt_tokens\":1117,\"completion_tokens\":46,\"total_tokens\":1163,"
			  "\"prompt_tokens_details\":{\"cached_tokens\":1024,\"audio_tokens\":0},"
			  "\"completion_tokens_details\":{\"reasoning_tokens\":7,\"audio_tokens\":0,"
			  "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}},"
			  "\"service_tier\":\"default\",\"system_fingerprint\":\"fp_fc9f1d7035\"}");
	struct oed_llm_response r;
	struct oed_err err = { 0 };

	ck_assert_int_eq(oed_openai_parse_chat(b, &r, &err), 0);
	ck_assert_str_eq(r.text, "The image shows a wooden boardwalk.");
	ck_assert_uint_eq(r.text_len, strlen(r.text));
	ck_assert_str_eq(r.model, "gpt-4o-2024-08-06");
	ck_assert_str_eq(r.finish_reason, "stop");
	ck_assert_str_eq(r.system_fingerprint, "fp_fc9f1d7035");
	ck_assert_str_eq(r.response_id, "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG");
	ck_assert(r.usage_present);
	ck_assert_int_eq(r.prompt_tokens, 1117);
	ck_assert_int_eq(r.completion_tokens, 46);
	ck_assert_int_eq(r.total_tokens, 1163);
	ck_assert_int_eq(r.cached_tokens, 1024);
	ck_assert_int_eq(r.reasoning_tokens, 7);
	ck_assert_int_eq(r.created, 1741570283);
	ck_assert_uint_eq(r.n_choices, 1);
	ck_assert_int_eq(r.choice_index, 0);
	ck_assert_uint_eq(r.n_tool_calls, 0);
	ck_assert_int_eq(r.http_status, 0);
	ck_assert(!oed_llm_response_failed(&r));
	oed_llm_response_release(&r);
	ck_assert_ptr_null(r.text);
	oed_llm_response_release(&r);	/* twice is safe */
	json_decref(b);
}
END_TEST

START_TEST(chat_tool_calls_content_null)
{
	json_t *b = parse("{\"id\":\"chatcmpl-abc123\",\"object\":\"chat.completion\",\"created\":1699896916,"
			  "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
			  "\"content\":null,\"tool_calls\":[{\"id\":\"call_abc123\",\"type\":\"function\","
			  "\"function\":{\"name\":\"get_current_weather\",\"arguments\":"
			  "\"{\\n\\\"location\\\": \\\"Boston, MA\\\"\\n}\"}},{\"id\":\"call_def456\",\"type\":\"function\","
			  "\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]},"
			  "\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],"
			  "\"usage\":{\"prompt_tokens\":82,\"completion_tokens\":17,\"total_tokens\":99}}");
	struct oed_llm_response r;
	struct oed_err err = { 0 };

	ck_assert_int_eq(oed_openai_parse_chat(b, &r, &err), 0);
	ck_assert_ptr_null(r.text);
	ck_assert_str_eq(r.finish_reason, "tool_calls");
	ck_assert_uint_eq(r.n_tool_calls, 2);
	ck_assert_str_eq(r.tool_calls[0].id, "call_abc123");
	ck_assert_str_eq(r.tool_calls[0].name, "get_current_weather");
	ck_assert_str_eq(r.tool_calls[0].arguments, "{\n\"location\": \"Boston, MA\"\n}");
	ck_assert_str_eq(r.tool_calls[1].name, "get_time");
	ck_assert_str_eq(r.tool_calls[1].arguments, "{}");
	ck_assert_int_eq(r.cached_tokens, -1);
	ck_assert_int_eq(r.reasoning_tokens, -1);
	ck_assert(!oed_llm_response_failed(&r));
	oed_llm_response_release(&r);
	json_decref(b);
}
END_TEST

START_TEST(chat_choices)
{
	json_t *b = parse("{\"id\":\"c\",\"model\":\"m\",\"choices\":["
			  "{\"index\":0,\"message\":{\"content\":\"a\\u0000b\"},\"finish_reason\":\"stop\"},"
			  "{\"index\":1,\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"x\"},"
			  "{\"type\":\"text\",\"text\":\"y\"}]},\"finish_reason\":\"length\"}]}");
	struct oed_llm_response r;
	struct oed_err err = { 0 };

	ck_assert_int_eq(oed_openai_parse_chat(b, &r, &err), 0);
	ck_assert_uint_eq(r.n_choices, 2);
	ck_assert_uint_eq(r.text_len, 3);
	ck_assert_mem_eq(r.text, "a\0b", 4);
	ck_assert(!r.usage_present);	/* a server that sends no usage */
	ck_assert_int_eq(r.prompt_tokens, -1);
	ck_assert_int_eq(r.completion_tokens, -1);
	ck_assert_int_eq(r.total_tokens, -1);
	ck_assert_int_eq(r.created, -1);
	ck_assert_ptr_null(r.system_fingerprint);
	oed_llm_response_release(&r);
	ck_assert_int_eq(oed_openai_parse_chat_choice(b, 1, &r, &err), 0);
	ck_assert_str_eq(r.text, "xy");
	ck_assert_str_eq(r.finish_reason, "length");
	ck_assert_int_eq(r.choice_index, 1);
	oed_llm_response_release(&r);
	json_decref(b);
}
END_TEST

START_TEST(chat_error_body)
{
	json_t *b = parse("{\"error\":{\"message\":\"Rate limit reached for gpt-4o in organization org-x on "
			  "requests per min (RPM): Limit 500, Used 500, Requested 1.\",\"type\":\"requests\","
			  "\"param\":null,\"code\":\"rate_limit_exceeded\"}}");
	struct oed_llm_response r;
	struct oed_err err = { 0 };

	ck_assert_int_eq(oed_openai_parse_chat(b, &r, &err), 0);
	ck_assert(oed_llm_response_failed(&r));
	ck_assert_ptr_null(r.text);
	ck_assert_str_eq(r.error_type, "requests");
	ck_assert_str_eq(r.error_code, "rate_limit_exceeded");
	ck_assert(strncmp(r.error_message, "Rate limit reached", 18) == 0);
	oed_llm_response_release(&r);
	json_decref(b);

	/* some compatible servers put a number in code */
	b = parse("{\"error\":{\"message\":\"model not found\",\"code\":404}}");
	ck_assert_int_eq(oed_openai_parse_chat(b, &r, &err), 0);
	ck_assert_str_eq(r.error_code, "404");
	ck_assert_ptr_null(r.error_type);
	oed_llm_response_release(&r);
	json_decref(b);
}
END_TEST

START_TEST(chat_not_a_response)
{
	struct oed_llm_response r;
	struct oed_err err = { 0 };
	json_t *b = parse("{\"id\":\"x\",\"object\":\"list\"}");

	ck_assert_int_eq(oed_openai_parse_chat(b, &r, &err), -1);
	ck_assert_int_eq(err.status, OED_EX_DATA);
	ck_assert_str_eq(err.msg, "no 'choices' array in the response");
	ck_assert_ptr_null(r.model);	/* left released */
	json_decref(b);
	b = parse("{\"choices\":[]}");
	ck_assert_int_eq(oed_openai_parse_chat(b, &r, &err), -1);
	ck_assert_str_eq(err.msg, "the response has no choices");
	json_decref(b);
	b = parse("{\"choices\":[{\"index\":0}]}");
	ck_assert_int_eq(oed_openai_parse_chat(b, &r, &err), -1);
	ck_assert_str_eq(err.msg, "choices.0 has no 'message' object");
	json_decref(b);
	b = parse("[1]");
	ck_assert_int_eq(oed_openai_parse_chat(b, &r, &err), -1);
	ck_assert_str_eq(err.msg, "the response is not a JSON object");
	json_decref(b);
}
END_TEST

/* ---- Responses API ---- */

START_TEST(responses_text)
{
	json_t *b = parse("{\"id\":\"resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b\",\"object\":\"response\","
			  "\"created_at\":1741476542,\"status\":\"completed\",\"error\":null,"
			  "\"incomplete_details\":null,\"instructions\":null,\"max_output_tokens\":null,"
			  "\"model\":\"gpt-4.1-2025-04-14\",\"output\":["
			  "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[]},"
			  "{\"type\":\"message\",\"id\":\"msg_67ccd2bf17f0819081ff3bb2cf6508e6\","
			  "\"status\":\"completed\",\"role\":\"assistant\",\"content\":["
			  "{\"type\":\"output_text\",\"text\":\"In a peaceful grove, \",\"annotations\":[]},"
			  "{\"type\":\"output_text\",\"text\":\"a unicorn slept.\",\"annotations\":[]}]}],"
			  "\"parallel_tool_calls\":true,\"usage\":{\"input_tokens\":36,\"input_tokens_details\":"
			  "{\"cached_tokens\":4},\"output_tokens\":87,\"output_tokens_details\":"
			  "{\"reasoning_tokens\":12},\"total_tokens\":123},\"user\":null,\"metadata\":{}}");
	struct oed_llm_response r;
	struct oed_err err = { 0 };

	ck_assert_int_eq(oed_openai_parse_responses(b, &r, &err), 0);
	ck_assert_str_eq(r.text, "In a peaceful grove, a unicorn slept.");
	ck_assert_str_eq(r.model, "gpt-4.1-2025-04-14");
	ck_assert_str_eq(r.finish_reason, "completed");
	ck_assert_str_eq(r.response_id, "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b");
	ck_assert_int_eq(r.created, 1741476542);
	ck_assert(r.usage_present);
	ck_assert_int_eq(r.prompt_tokens, 36);
	ck_assert_int_eq(r.completion_tokens, 87);
	ck_assert_int_eq(r.total_tokens, 123);
	ck_assert_int_eq(r.cached_tokens, 4);
	ck_assert_int_eq(r.reasoning_tokens, 12);
	ck_assert(!oed_llm_response_failed(&r));
	oed_llm_response_release(&r);
	json_decref(b);
}
END_TEST

START_TEST(responses_incomplete_and_tools)
{
	json_t *b = parse("{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"incomplete\","
			  "\"incomplete_details\":{\"reason\":\"max_output_tokens\"},\"model\":\"o4-mini\","
			  "\"output\":[{\"type\":\"function_call\",\"id\":\"fc_12345xyz\",\"call_id\":\"call_12345xyz\","
			  "\"name\":\"get_weather\",\"arguments\":\"{\\\"location\\\":\\\"Paris, France\\\"}\"}]}");
	struct oed_llm_response r;
	struct oed_err err = { 0 };

	ck_assert_int_eq(oed_openai_parse_responses(b, &r, &err), 0);
	ck_assert_ptr_null(r.text);
	ck_assert_str_eq(r.finish_reason, "max_output_tokens");
	ck_assert_uint_eq(r.n_tool_calls, 1);
	ck_assert_str_eq(r.tool_calls[0].id, "call_12345xyz");
	ck_assert_str_eq(r.tool_calls[0].name, "get_weather");
	ck_assert_str_eq(r.tool_calls[0].arguments, "{\"location\":\"Paris, France\"}");
	ck_assert(!r.usage_present);
	ck_assert_int_eq(r.prompt_tokens, -1);
	oed_llm_response_release(&r);
	json_decref(b);
}
END_TEST

START_TEST(responses_failed)
{
	json_t *b = parse("{\"id\":\"resp_2\",\"object\":\"response\",\"status\":\"failed\","
			  "\"error\":{\"code\":\"server_error\",\"message\":\"The model failed to generate a response.\"},"
			  "\"output\":[]}");
	struct oed_llm_response r;
	struct oed_err err = { 0 };

	ck_assert_int_eq(oed_openai_parse_responses(b, &r, &err), 0);
	ck_assert(oed_llm_response_failed(&r));
	ck_assert_str_eq(r.error_code, "server_error");
	ck_assert_str_eq(r.error_message, "The model failed to generate a response.");
	ck_assert_str_eq(r.finish_reason, "failed");
	oed_llm_response_release(&r);
	json_decref(b);
	b = parse("{\"error\":{\"message\":\"Invalid 'input'\",\"type\":\"invalid_request_error\","
		  "\"param\":\"input\",\"code\":null}}");
	ck_assert_int_eq(oed_openai_parse_responses(b, &r, &err), 0);
	ck_assert_str_eq(r.error_type, "invalid_request_error");
	ck_assert_ptr_null(r.error_code);
	oed_llm_response_release(&r);
	json_decref(b);
	b = parse("{\"id\":\"resp_3\"}");
	ck_assert_int_eq(oed_openai_parse_responses(b, &r, &err), -1);
	ck_assert_str_eq(err.msg, "no 'output' array in the response");
	json_decref(b);
}
END_TEST

/* ---- Anthropic Messages ---- */

START_TEST(anthropic_text)
{
	json_t *b = parse("{\"id\":\"msg_013Zva2CMHLNnXjNJJKqJ2EF\",\"type\":\"message\",\"role\":\"assistant\","
			  "\"model\":\"claude-sonnet-4-20250514\",\"content\":["
			  "{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"x\"},"
			  "{\"type\":\"text\",\"text\":\"Hi! \"},{\"type\":\"text\",\"text\":\"My name is Claude.\"}],"
			  "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":2095,"
			  "\"cache_creation_input_tokens\":10,\"cache_read_input_tokens\":1000,\"output_tokens\":503}}");
	struct oed_llm_response r;
	struct oed_err err = { 0 };

	ck_assert_int_eq(oed_anthropic_parse_messages(b, &r, &err), 0);
	ck_assert_str_eq(r.text, "Hi! My name is Claude.");
	ck_assert_str_eq(r.model, "claude-sonnet-4-20250514");
	ck_assert_str_eq(r.finish_reason, "end_turn");
	ck_assert_str_eq(r.response_id, "msg_013Zva2CMHLNnXjNJJKqJ2EF");
	ck_assert(r.usage_present);
	ck_assert_int_eq(r.prompt_tokens, 2095);
	ck_assert_int_eq(r.completion_tokens, 503);
	ck_assert_int_eq(r.cached_tokens, 1000);
	ck_assert_int_eq(r.reasoning_tokens, -1);
	ck_assert_int_eq(r.total_tokens, 2095 + 503 + 1000 + 10);
	ck_assert(!oed_llm_response_failed(&r));
	oed_llm_response_release(&r);
	json_decref(b);
}
END_TEST

START_TEST(anthropic_tool_use)
{
	json_t *b = parse("{\"id\":\"msg_01Aq9w938a90dw8q\",\"type\":\"message\",\"role\":\"assistant\","
			  "\"model\":\"claude-opus-4-1-20250805\",\"stop_reason\":\"tool_use\",\"content\":["
			  "{\"type\":\"text\",\"text\":\"I'll check the weather.\"},"
			  "{\"type\":\"tool_use\",\"id\":\"toolu_01A09q90qw90lq917835lq9\",\"name\":\"get_weather\","
			  "\"input\":{\"location\":\"San Francisco, CA\",\"unit\":\"celsius\"}}]}");
	struct oed_llm_response r;
	struct oed_err err = { 0 };

	ck_assert_int_eq(oed_anthropic_parse_messages(b, &r, &err), 0);
	ck_assert_str_eq(r.text, "I'll check the weather.");
	ck_assert_str_eq(r.finish_reason, "tool_use");
	ck_assert_uint_eq(r.n_tool_calls, 1);
	ck_assert_str_eq(r.tool_calls[0].id, "toolu_01A09q90qw90lq917835lq9");
	ck_assert_str_eq(r.tool_calls[0].arguments, "{\"location\":\"San Francisco, CA\",\"unit\":\"celsius\"}");
	ck_assert(!r.usage_present);
	oed_llm_response_release(&r);
	json_decref(b);
}
END_TEST

START_TEST(anthropic_error)
{
	json_t *b = parse("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"},"
			  "\"request_id\":\"req_011CSHoEeqs5C35K2UUqR7Fy\"}");
	struct oed_llm_response r;
	struct oed_err err = { 0 };

	ck_assert_int_eq(oed_anthropic_parse_messages(b, &r, &err), 0);
	ck_assert(oed_llm_response_failed(&r));
	ck_assert_str_eq(r.error_type, "overloaded_error");
	ck_assert_str_eq(r.error_message, "Overloaded");
	ck_assert_ptr_null(r.text);
	oed_llm_response_release(&r);
	json_decref(b);
	b = parse("{\"type\":\"message\",\"content\":\"text\"}");
	ck_assert_int_eq(oed_anthropic_parse_messages(b, &r, &err), -1);
	ck_assert_str_eq(err.msg, "no 'content' array in the response");
	json_decref(b);
}
END_TEST

/* ---- Batch API output lines ---- */

START_TEST(batch_lines)
{
	json_t *b = parse("{\"id\":\"batch_req_123\",\"custom_id\":\"request-2\",\"response\":{\"status_code\":200,"
			  "\"request_id\":\"req_123\",\"body\":{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion\","
			  "\"created\":1711652795,\"model\":\"gpt-3.5-turbo-0125\",\"choices\":[{\"index\":0,"
			  "\"message\":{\"role\":\"assistant\",\"content\":\"Hello.\"},\"logprobs\":null,"
			  "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":22,\"completion_tokens\":2,"
			  "\"total_tokens\":24},\"system_fingerprint\":\"fp_123\"}},\"error\":null}");
	struct oed_llm_response r;
	struct oed_err err = { 0 };

	ck_assert_int_eq(oed_openai_parse_batch_line(b, &r, &err), 0);
	ck_assert_str_eq(r.custom_id, "request-2");
	ck_assert_int_eq(r.http_status, 200);
	ck_assert_str_eq(r.text, "Hello.");
	ck_assert_int_eq(r.total_tokens, 24);
	ck_assert(!oed_llm_response_failed(&r));
	oed_llm_response_release(&r);
	json_decref(b);

	b = parse("{\"id\":\"batch_req_456\",\"custom_id\":\"request-3\",\"response\":{\"status_code\":429,"
		  "\"request_id\":\"req_456\",\"body\":{\"error\":{\"message\":\"Rate limit reached\","
		  "\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}},\"error\":null}");
	ck_assert_int_eq(oed_openai_parse_batch_line(b, &r, &err), 0);
	ck_assert(oed_llm_response_failed(&r));
	ck_assert_int_eq(r.http_status, 429);
	ck_assert_str_eq(r.error_code, "rate_limit_exceeded");
	ck_assert_str_eq(r.error_message, "Rate limit reached");
	ck_assert_str_eq(r.custom_id, "request-3");
	oed_llm_response_release(&r);
	json_decref(b);

	b = parse("{\"id\":\"batch_req_789\",\"custom_id\":\"request-4\",\"response\":null,"
		  "\"error\":{\"code\":\"batch_expired\",\"message\":\"This request could not be executed "
		  "before the completion window expired.\"}}");
	ck_assert_int_eq(oed_openai_parse_batch_line(b, &r, &err), 0);
	ck_assert(oed_llm_response_failed(&r));
	ck_assert_str_eq(r.error_code, "batch_expired");
	ck_assert_int_eq(r.http_status, 0);
	oed_llm_response_release(&r);
	json_decref(b);

	/* a 500 whose body is not JSON-shaped as an error still failed */
	b = parse("{\"custom_id\":\"r5\",\"response\":{\"status_code\":500,\"body\":{}},\"error\":null}");
	ck_assert_int_eq(oed_openai_parse_batch_line(b, &r, &err), 0);
	ck_assert(oed_llm_response_failed(&r));
	ck_assert_int_eq(r.http_status, 500);
	oed_llm_response_release(&r);
	json_decref(b);

	/* /v1/responses batches */
	b = parse("{\"custom_id\":\"r6\",\"response\":{\"status_code\":200,\"body\":{\"object\":\"response\","
		  "\"status\":\"completed\",\"output\":[{\"type\":\"message\",\"content\":[{\"type\":"
		  "\"output_text\",\"text\":\"ok\"}]}]}},\"error\":null}");
	ck_assert_int_eq(oed_openai_parse_batch_line(b, &r, &err), 0);
	ck_assert_str_eq(r.text, "ok");
	ck_assert_str_eq(r.custom_id, "r6");
	oed_llm_response_release(&r);
	json_decref(b);

	b = parse("{\"custom_id\":7,\"response\":null}");
	ck_assert_int_eq(oed_openai_parse_batch_line(b, &r, &err), -1);
	ck_assert_str_eq(err.msg, "'custom_id' is not a string");
	json_decref(b);
	b = parse("{\"custom_id\":\"r8\",\"response\":{\"status_code\":200}}");
	ck_assert_int_eq(oed_openai_parse_batch_line(b, &r, &err), -1);
	ck_assert_str_eq(err.msg, "the batch line has no response body");
	ck_assert_ptr_null(r.custom_id);
	json_decref(b);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("openai_response");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, chat_plain);
	tcase_add_test(tc, chat_tool_calls_content_null);
	tcase_add_test(tc, chat_choices);
	tcase_add_test(tc, chat_error_body);
	tcase_add_test(tc, chat_not_a_response);
	tcase_add_test(tc, responses_text);
	tcase_add_test(tc, responses_incomplete_and_tools);
	tcase_add_test(tc, responses_failed);
	tcase_add_test(tc, anthropic_text);
	tcase_add_test(tc, anthropic_tool_use);
	tcase_add_test(tc, anthropic_error);
	tcase_add_test(tc, batch_lines);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
