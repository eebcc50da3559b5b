/* oed-tokens: count tokens of text exactly as OpenAI's tiktoken does. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	{ "max-line", 0, OED_ARG_REQUIRED, "BYTES",
	  "with --lines, the longest line accepted (default 64M; suffixes K, M, G)", OED_OPT_MAX_LINE },
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
		if (oed_encoding_check("--encoding", arg, err) == -1)
			return -1;
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

/*
 * The ids of one text, kept in memory up to SPILL of them and in a
 * temporary file beyond, so --ids on a large file holds little.
 */
#define SPILL ((size_t)1 << 20)
struct idsink {
	uint32_t *ids;
	size_t n, cap;
	FILE *spill;		/* NULL until needed */
	size_t spilled;
};

/* An unnamed temporary file in $TMPDIR, else /tmp. */
static FILE *
spill_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	FILE *fp;
	int fd;

	snprintf(path, sizeof(path), "%s/oed-tokens.XXXXXX", dir && *dir ? dir : "/tmp");
	if ((fd = mkstemp(path)) == -1)
		return NULL;
	unlink(path);
	if ((fp = fdopen(fd, "w+b")) == NULL)
		close(fd);
	return fp;
}

/* Move the ids in memory to the temporary file when there are many. */
static int
sink_drain(struct idsink *k, bool force)
{
	if (k->n < SPILL && !(force && k->spill))
		return 0;
	if (k->spill == NULL && (k->spill = spill_file()) == NULL) {
		oed_error("cannot create a temporary file for the ids: %s", strerror(errno));
		return -1;
	}
	if (fwrite(k->ids, sizeof(*k->ids), k->n, k->spill) != k->n) {
		oed_error("cannot write a temporary file for the ids: %s", strerror(errno));
		return -1;
	}
	k->spilled += k->n;
	k->n = 0;
	return 0;
}

/*
 * One record for a text: its count, bytes and, with --ids, its ids.  Ids
 * spilled to the temporary file are copied after the record's other keys,
 * so the record is written in parts.  0, or -1 on a write or read error.
 */
static int
emit(struct tokens_args *a, struct oed_tokenizer *t, struct oed_writer *w, const char *source,
     long line, size_t tokens, size_t bytes, struct idsink *k)
{
	const char *rec;
	size_t len;
	char num[16];

	oed_w_begin(w);
	oed_w_str(w, "kind", "tokens");
	oed_w_str(w, "encoding", oed_tokenizer_encoding(t));
	oed_w_str(w, "source", source);
	if (line)
		oed_w_int(w, "line", line);
	oed_w_uint(w, "tokens", tokens);
	oed_w_uint(w, "bytes", bytes);
	if (a->ids && k->spill == NULL) {
		oed_w_arr_begin(w, "ids");
		for (size_t i = 0; i < k->n; i++)
			oed_w_uint(w, NULL, k->ids[i]);
		oed_w_arr_end(w);
	}
	if (!a->ids || k->spill == NULL)
		return oed_w_end(w);
	if (sink_drain(k, true) == -1)
		return -1;
	rewind(k->spill);
	oed_w_close(w, &rec, &len);
	fwrite(rec, 1, len - 2, stdout);	/* without "}\n" */
	fputs(",\"ids\":[", stdout);
	for (size_t i = 0; i < k->spilled; i++) {
		uint32_t id;

		if (fread(&id, sizeof(id), 1, k->spill) != 1) {
			oed_error("cannot read back a temporary file for the ids");
			return -1;
		}
		len = (size_t)snprintf(num, sizeof(num), i ? ",%u" : "%u", id);
		fwrite(num, 1, len, stdout);
	}
	fputs("]}\n", stdout);
	fclose(k->spill);
	k->spill = NULL;
	k->spilled = 0;
	return ferror(stdout) ? -1 : 0;
}

/* Read size and tokenizing chunk; OED_TOKENS_CHUNK sets it for tests. */
static size_t
chunk_size(void)
{
	const char *e = getenv("OED_TOKENS_CHUNK");
	unsigned long v;
	char *end;

	if (e && *e && (v = strtoul(e, &end, 10)) > 0 && *end == '\0')
		return v;
	return OED_TOKSTREAM_CHUNK;
}

/*
 * The whole text of fp, read and tokenized in chunks: what a chunk's end
 * may still change is carried to the next.  0, -1 out of memory (errno
 * set), -2 read error, -3 an error already reported.
 */
static int
count_whole(struct tokens_args *a, struct oed_tokenizer *t, struct oed_writer *w,
	    const char *source, FILE *fp, char *chunk, size_t chunksize, struct idsink *k)
{
	struct oed_tokstream *s = oed_tokstream_new(t, a->special, chunksize);
	uint32_t **ids = a->ids ? &k->ids : NULL;
	size_t bytes = 0, got;
	int rc = 0;

	if (s == NULL)
		return -1;
	while (rc == 0 && (got = fread(chunk, 1, chunksize, fp)) > 0) {
		bytes += got;
		rc = oed_tokstream_write(s, chunk, got, ids, &k->n, &k->cap);
		if (rc == 0 && sink_drain(k, false) == -1)
			rc = -3;
	}
	if (rc == 0 && ferror(fp))
		rc = -2;
	if (rc == 0)
		rc = oed_tokstream_finish(s, ids, &k->n, &k->cap);
	if (rc == 0 && emit(a, t, w, source, 0, oed_tokstream_tokens(s), bytes, k) == -1)
		rc = -3;
	oed_tokstream_free(s);
	return rc;
}

/*
 * Each line of fp on its own, lines of at most max_line bytes (newline
 * excluded).  Return codes as count_whole, and -4 for a line too long
 * (reported here).
 */
static int
count_lines(struct tokens_args *a, struct oed_tokenizer *t, struct oed_writer *w,
	    const char *source, FILE *fp, char *chunk, size_t chunksize, struct idsink *k)
{
	char *line = NULL;
	size_t len = 0, cap = 0, got, max = a->io.max_line;
	long lineno = 0;
	int rc = 0;
	bool eof = false;

	while (rc == 0 && !eof) {
		size_t i = 0;

		got = fread(chunk, 1, chunksize, fp);
		if (got == 0) {
			if (ferror(fp))
				rc = -2;
			eof = true;
		}
		while (rc == 0 && (i < got || (eof && len > 0))) {
			char *nl = i < got ? memchr(chunk + i, '\n', got - i) : NULL;
			size_t take = nl ? (size_t)(nl - chunk) - i : got - i, tokens = 0;

			if (len + take > max) {
				struct oed_err err;

				oed_err_at(&err, OED_EX_DATA, source, lineno + 1, 0,
					   "line longer than %zu bytes (see --max-line)", max);
				oed_fail(&err);
				rc = -4;
				break;
			}
			if (len + take > cap) {
				char *p = realloc(line, len + take);

				if (p == NULL) {
					rc = -1;
					break;
				}
				line = p;
				cap = len + take;
			}
			if (take)
				memcpy(line + len, chunk + i, take);
			len += take;
			i += take;
			if (nl == NULL && !eof)
				break;	/* the line goes on in the next chunk */
			i += nl != NULL;
			k->n = 0;
			if (a->ids) {
				if (oed_tokenizer_encode(t, line ? line : "", len, a->special, &k->ids, &k->n,
							 &k->cap) == -1)
					rc = -1;
				tokens = k->n;
			} else if ((tokens = oed_tokenizer_count(t, line ? line : "", len, a->special)) ==
				   (size_t)-1) {
				rc = -1;
			}
			if (rc == 0 && emit(a, t, w, source, ++lineno, tokens, len, k) == -1)
				rc = -3;
			len = 0;
		}
	}
	free(line);
	return rc;
}

static int
run(struct tokens_args *a, int nfiles, char **files)
{
	static char *dash[] = { "-" };
	struct oed_tokenizer *t;
	struct oed_writer w;
	struct oed_err err;
	struct idsink k = { NULL, 0, 0, NULL, 0 };
	size_t chunksize = chunk_size();
	char *chunk;
	int status = OED_EX_OK;

	if (oed_input_open_output(&a->io, &err) == -1)
		return oed_fail(&err);
	t = oed_tokenizer_open(a->encoding, a->vocab, &err);
	if (t == NULL)
		return oed_fail(&err);
	if ((chunk = malloc(chunksize)) == NULL) {
		oed_error("out of memory");
		oed_tokenizer_free(t);
		return OED_EX_FAIL;
	}
	if (nfiles == 0) {
		nfiles = 1;
		files = dash;
	}
	oed_writer_init(&w, stdout);
	for (int f = 0; f < nfiles && status == OED_EX_OK; f++) {
		bool is_stdin = strcmp(files[f], "-") == 0;
		const char *source = is_stdin ? "<stdin>" : files[f];
		FILE *fp = is_stdin ? stdin : fopen(files[f], "rb");
		int rc;

		if (fp == NULL) {
			oed_error("cannot open '%s': %s", files[f], strerror(errno));
			status = OED_EX_FAIL;
			break;
		}
		k.n = 0;
		rc = a->lines ? count_lines(a, t, &w, source, fp, chunk, chunksize, &k)
			      : count_whole(a, t, &w, source, fp, chunk, chunksize, &k);
		if (rc == -2) {
			oed_error("cannot read '%s': %s", source, strerror(errno));
			status = OED_EX_FAIL;
		} else if (rc == -1) {
			oed_error("%s", errno == EOVERFLOW ? "a piece of text of 4 GiB or more" : "out of memory");
			status = OED_EX_FAIL;
		} else if (rc == -3) {
			status = OED_EX_FAIL;	/* reported, or oed_close_stdout reports the write error */
		} else if (rc == -4) {
			status = OED_EX_DATA;
		}
		if (!is_stdin)
			fclose(fp);
	}
	if (k.spill)
		fclose(k.spill);
	free(k.ids);
	free(chunk);
	oed_writer_release(&w);
	oed_tokenizer_free(t);
	return status;
}

/* Option values for the shell completions (--list-options). */
static const struct oed_opt_values values[] = {
	{ OPT_ENCODING, oed_encoding_choice },
	{ 0, NULL }
};

int
main(int argc, char *argv[])
{
	struct tokens_args a = { .encoding = "o200k_base" };
	int first, status;

	oed_diag_init(argv[0]);
	oed_input_opts_init(&a.io);
	oed_opt_values(values);
	first = oed_opt_parse(&tool, argc, argv, handle, &a);
	if (first <= 0)
		status = first == 0 ? OED_EX_OK : OED_EX_USAGE;
	else
		status = run(&a, argc - first, argv + first);
	oed_input_opts_release(&a.io);
	return oed_close_stdout(status);
}
