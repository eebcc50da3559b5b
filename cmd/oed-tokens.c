/* oed-tokens: count tokens of text exactly as OpenAI's tiktoken does. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "exit.h"
#include "jsonw.h"
#include "opt.h"
#include "tokenizer.h"

enum { OPT_ENCODING = 1, OPT_IDS, OPT_SPECIAL, OPT_VOCAB, OPT_LINES };

static const struct oed_option options[] = {
	{ "encoding", 'e', OED_ARG_REQUIRED, "NAME",
	  "encoding or model: o200k_base (default), cl100k_base, gpt-4o, gpt-4 ...", OPT_ENCODING },
	{ "ids", 0, OED_ARG_NONE, NULL, "also print the token ids", OPT_IDS },
	{ "allow-special", 0, OED_ARG_NONE, NULL,
	  "encode special tokens such as <|endoftext|> as their ids", OPT_SPECIAL },
	{ "vocab", 0, OED_ARG_REQUIRED, "FILE", "the .tiktoken vocabulary to use", OPT_VOCAB },
	{ "lines", 'l', OED_ARG_NONE, NULL, "count each line of the text on its own", OPT_LINES },
	{ "output", 'o', OED_ARG_REQUIRED, "FILE", "write records to FILE", OED_OPT_OUTPUT },
	{ "quiet", 'q', OED_ARG_NONE, NULL, "no warnings on stderr", OED_OPT_QUIET },
	{ NULL, 0, 0, NULL, NULL, 0 }
};

static const struct oed_tool tool = {
	"oed-tokens", "[OPTIONS] [FILE...]",
	"Count the tokens of text (files or standard input) as OpenAI's tiktoken does.",
	options,
	"Examples:\n"
	"  oed-tokens -e gpt-4o prompt.txt\n"
	"  printf 'hello world' | oed-tokens --ids -e cl100k_base\n"
};

struct tokens_args {
	struct oed_input_opts io;
	const char *encoding, *vocab;
	bool ids, special, lines;
};

static int
handle(int id, const char *arg, void *ctx, struct oed_err *err)
{
	struct tokens_args *a = ctx;

	switch (id) {
	case OPT_ENCODING:
		if (oed_encoding_for(arg) == NULL)
			return oed_err_set(err, OED_EX_USAGE,
					   "--encoding: '%s' is not an encoding or a known model", arg);
		a->encoding = arg;
		return 0;
	case OPT_IDS:
		a->ids = true;
		return 0;
	case OPT_SPECIAL:
		a->special = true;
		return 0;
	case OPT_VOCAB:
		a->vocab = arg;
		return 0;
	case OPT_LINES:
		a->lines = true;
		return 0;
	}
	return oed_input_opt(&a->io, id, arg, err);
}

static int
emit(struct tokens_args *a, struct oed_tokenizer *t, struct oed_writer *w, const char *source,
     long line, const char *text, size_t len, uint32_t **ids, size_t *cap)
{
	size_t n = 0;

	if (oed_tokenizer_encode(t, text, len, a->special, ids, &n, cap) == -1)
		return -1;
	oed_w_begin(w);
	oed_w_str(w, "kind", "tokens");
	oed_w_str(w, "encoding", oed_tokenizer_encoding(t));
	oed_w_str(w, "source", source);
	if (line)
		oed_w_int(w, "line", line);
	oed_w_uint(w, "tokens", n);
	oed_w_uint(w, "bytes", len);
	if (a->ids) {
		oed_w_arr_begin(w, "ids");
		for (size_t i = 0; i < n; i++)
			oed_w_uint(w, NULL, (*ids)[i]);
		oed_w_arr_end(w);
	}
	return oed_w_end(w) == -1 ? -2 : 0;
}

static int
run(struct tokens_args *a, int nfiles, char **files)
{
	static char *dash[] = { "-" };
	struct oed_tokenizer *t;
	struct oed_writer w;
	struct oed_err err;
	uint32_t *ids = NULL;
	size_t cap = 0;
	int status = OED_EX_OK;

	if (oed_input_open_output(&a->io, &err) == -1)
		return oed_fail(&err);
	t = oed_tokenizer_open(a->encoding, a->vocab, &err);
	if (t == NULL)
		return oed_fail(&err);
	if (nfiles == 0) {
		nfiles = 1;
		files = dash;
	}
	oed_writer_init(&w, stdout);
	for (int f = 0; f < nfiles && status == OED_EX_OK; f++) {
		bool is_stdin = strcmp(files[f], "-") == 0;
		const char *source = is_stdin ? "<stdin>" : files[f];
		FILE *fp = is_stdin ? stdin : fopen(files[f], "rb");
		char *buf = NULL;
		size_t len = 0, bcap = 0;
		long line = 0;
		ssize_t got;
		int rc = 0;

		if (fp == NULL) {
			oed_error("cannot open '%s': %s", files[f], strerror(errno));
			status = OED_EX_FAIL;
			break;
		}
		if (a->lines) {
			while (rc == 0 && (got = getline(&buf, &bcap, fp)) > 0) {
				size_t n = (size_t)got;

				if (buf[n - 1] == '\n')
					n--;
				rc = emit(a, t, &w, source, ++line, buf, n, &ids, &cap);
			}
		} else {
			char chunk[65536];
			size_t k;

			/* the whole text at once: a piece may span any boundary */
			while ((k = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
				char *p = realloc(buf, len + k);

				if (p == NULL) {
					rc = -1;
					break;
				}
				buf = p;
				memcpy(buf + len, chunk, k);
				len += k;
			}
			if (rc == 0 && !ferror(fp))
				rc = emit(a, t, &w, source, 0, buf ? buf : "", len, &ids, &cap);
		}
		if (ferror(fp)) {
			oed_error("cannot read '%s': %s", source, strerror(errno));
			status = OED_EX_FAIL;
		} else if (rc == -1) {
			oed_error("out of memory");
			status = OED_EX_FAIL;
		} else if (rc == -2) {
			status = OED_EX_FAIL;	/* oed_close_stdout reports the write error */
		}
		free(buf);
		if (!is_stdin)
			fclose(fp);
	}
	free(ids);
	oed_writer_release(&w);
	oed_tokenizer_free(t);
	return status;
}

int
main(int argc, char *argv[])
{
	struct tokens_args a = { .encoding = "o200k_base" };
	int first, status;

	oed_diag_init(argv[0]);
	oed_input_opts_init(&a.io);
	first = oed_opt_parse(&tool, argc, argv, handle, &a);
	if (first <= 0)
		status = first == 0 ? OED_EX_OK : OED_EX_USAGE;
	else
		status = run(&a, argc - first, argv + first);
	oed_input_opts_release(&a.io);
	return oed_close_stdout(status);
}
