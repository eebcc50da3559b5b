#include "config.h"
#include "opt.h"
#include "buf.h"
#include "exit.h"
#include "jsonw.h"
#include "store.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { OPT_HELP = -100, OPT_VERSION = -101, OPT_LIST = -102 };

/*
 * The files the last oed_opt_parse found named for reading: the operands
 * (none: standard input) and the arguments of options whose metavar ends
 * in FILE, but --output.  Pointers into argv, which lives as long as the
 * process.  oed_input_open_output checks the outputs against them.
 */
static struct {
	const char **name;
	size_t n, cap;
	bool stdin_read;
} inputs;

static int
input_add(const char *name)
{
	if (inputs.n == inputs.cap) {
		size_t cap = inputs.cap ? 2 * inputs.cap : 16;
		const char **p = realloc(inputs.name, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		inputs.name = p;
		inputs.cap = cap;
	}
	inputs.name[inputs.n++] = name;
	return 0;
}

static const struct oed_option builtin[] = {
	{ "help", 'h', OED_ARG_NONE, NULL, "show this help and exit", OPT_HELP },
	{ "version", 'V', OED_ARG_NONE, NULL, "show the version and exit", OPT_VERSION },
	{ "list-options", 0, OED_ARG_NONE, NULL, NULL, OPT_LIST },
	{ NULL, 0, 0, NULL, NULL, 0 }
};

static size_t
count(const struct oed_option *o)
{
	size_t n = 0;

	while (o && o[n].name)
		n++;
	return n;
}

static const struct oed_opt_values *values;

void
oed_opt_values(const struct oed_opt_values *list)
{
	values = list;
}

static const char *
on_error_value(size_t i)
{
	static const char *const v[] = { "fail", "skip", "reject=" };

	return i < sizeof(v) / sizeof(v[0]) ? v[i] : NULL;
}

/* "--NAME=VALUE" for each value of each option that has a list. */
static void
list_values(const struct oed_option *o)
{
	for (; o && o->name; o++) {
		const char *(*value)(size_t) = o->id == OED_OPT_ON_ERROR ? on_error_value : NULL;
		const char *v;

		for (const struct oed_opt_values *l = values; l && l->value; l++)
			if (l->id == o->id)
				value = l->value;
		for (size_t i = 0; value && (v = value(i)) != NULL; i++)
			printf("--%s=%s\n", o->name, v);
	}
}

static void
help_rows(const struct oed_option *o, FILE *fp)
{
	for (; o->name; o++) {
		char left[64];
		const char *h, *nl;
		int len;

		if (o->help == NULL)
			continue;	/* hidden */
		if (o->short_name)
			len = snprintf(left, sizeof(left), "  -%c, --%s", o->short_name, o->name);
		else
			len = snprintf(left, sizeof(left), "      --%s", o->name);
		if (o->arg == OED_ARG_REQUIRED && (size_t)len < sizeof(left))
			snprintf(left + len, sizeof(left) - len, " %s", o->metavar ? o->metavar : "ARG");
		else if (o->arg == OED_ARG_OPTIONAL && (size_t)len < sizeof(left))
			snprintf(left + len, sizeof(left) - len, "[=%s]", o->metavar ? o->metavar : "ARG");
		if (strlen(left) > 28)
			fprintf(fp, "%s\n%30s", left, "");
		else
			fprintf(fp, "%-30s", left);
		for (h = o->help; (nl = strchr(h, '\n')) != NULL; h = nl + 1)
			fprintf(fp, "%.*s\n%30s", (int)(nl - h), h, "");
		fprintf(fp, "%s\n", h);
	}
}

static void
opt_help(const struct oed_tool *tool, FILE *fp)
{
	fprintf(fp, "Usage: %s %s\n%s\n\nOptions:\n", tool->name, tool->synopsis,
		tool->summary);
	help_rows(tool->options, fp);
	help_rows(builtin, fp);
	if (tool->epilog)
		fprintf(fp, "\n%s", tool->epilog);
	fprintf(fp, "\nExit status: 0 success, 1 failure, 2 usage error, 3 bad input,"
		" 4 gate tripped.\nSee %s(1) and oed(7).\n", tool->name);
}

static void
list_options(const struct oed_tool *tool)
{
	const struct oed_option *tabs[2] = { tool->options, builtin };

	for (int t = 0; t < 2; t++)
		for (const struct oed_option *o = tabs[t]; o && o->name; o++) {
			if (o->short_name)
				printf("-%c\n", o->short_name);
			printf("--%s%s\n", o->name, o->arg == OED_ARG_REQUIRED ? "=" : "");
		}
}

/* ---- near misses ---- */

#define MAX_WORD 64

/* Optimal string alignment distance of a and b (both at most MAX_WORD bytes), case folded. */
static size_t
distance(const char *a, size_t m, const char *b, size_t n)
{
	size_t rows[3][MAX_WORD + 1], *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

	for (size_t j = 0; j <= n; j++)
		prev[j] = j;
	for (size_t i = 1; i <= m; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= n; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			size_t d = prev[j - 1] + (ca != cb);

			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < d)
				d = prev2[j - 2] + 1;
			cur[j] = d;
		}
		{
			size_t *t = prev2;

			prev2 = prev;
			prev = cur;
			cur = t;
		}
	}
	return prev[n];
}

const char *
oed_did_you_mean(const char *word, const char *const *choices, size_t n)
{
	size_t m = strlen(word), best = SIZE_MAX, limit;
	const char *near = NULL;

	if (m == 0 || m > MAX_WORD)
		return NULL;
	limit = m <= 4 ? 1 : m <= 8 ? 2 : 3;
	for (size_t i = 0; i < n; i++) {
		size_t len, d;

		if (choices[i] == NULL || (len = strlen(choices[i])) > MAX_WORD)
			continue;
		/* more letters apart than the limit can never be near */
		if ((len > m ? len - m : m - len) > limit)
			continue;
		d = distance(word, m, choices[i], len);
		if (d <= limit && d < best) {
			best = d;
			near = choices[i];
		}
	}
	return near;
}

int
oed_err_unknown(struct oed_err *err, const char *what, const char *word,
		const char *const *choices, size_t n)
{
	struct oed_buf b = OED_BUF_INIT;
	const char *near = oed_did_you_mean(word, choices, n);
	const char *sep = "";
	int ok;

	ok = oed_buf_printf(&b, "unknown %s '%s'", what, oed_quote(word));
	if (near)
		ok |= oed_buf_printf(&b, "; did you mean '%s'?", near);
	ok |= oed_buf_adds(&b, near ? " choices: " : "; choices: ");
	for (size_t i = 0; i < n; i++) {
		if (choices[i] == NULL)
			continue;
		ok |= oed_buf_printf(&b, "%s%s", sep, choices[i]);
		sep = ", ";
	}
	if (ok != 0)
		oed_err_set(err, OED_EX_USAGE, "unknown %s '%s'", what, oed_quote(word));
	else
		oed_err_set(err, OED_EX_USAGE, "%s", b.data);
	oed_buf_release(&b);
	return -1;
}

/* --runs: the store's runs on stdout; 0, or OED_OPT_FAILED after saying why. */
static int
list_runs(const char *store)
{
	struct oed_writer w;
	struct oed_err err;
	int rc;

	oed_err_clear(&err);
	oed_writer_init(&w, stdout);
	rc = oed_runs_write(store, &w, &err);
	oed_writer_release(&w);
	if (rc == -1) {
		oed_report(&err);
		return OED_OPT_FAILED;
	}
	return 0;
}

int
oed_opt_exit(int parsed)
{
	return parsed == 0 ? OED_EX_OK : parsed == OED_OPT_FAILED ? OED_EX_FAIL : OED_EX_USAGE;
}

/*
 * getopt_long refused arg, a long option: say whether it is an ambiguous
 * abbreviation (and of what) or unknown (and what it may be a typo of).
 */
static void
unknown_long(const char *arg, const struct oed_option *const *opts, size_t k)
{
	const char *name = arg + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name), nmatch = 0;
	const char **names = calloc(k + 1, sizeof(*names));
	struct oed_buf list = OED_BUF_INIT;
	char word[MAX_WORD + 1];
	const char *near;

	if (names == NULL || strncmp(arg, "--", 2) != 0) {
		oed_usage_error("unknown option '%s'", oed_quote(arg));
		free(names);
		return;
	}
	for (size_t i = 0; i < k; i++) {
		names[i] = opts[i]->name;
		if (strncmp(opts[i]->name, name, len) == 0) {
			oed_buf_printf(&list, "%s--%s", nmatch ? ", " : "", opts[i]->name);
			nmatch++;
		}
	}
	if (nmatch > 1 && list.data) {
		oed_usage_error("option '--%s' is ambiguous: %s", oed_quoten(name, len), list.data);
	} else if (len <= MAX_WORD) {
		memcpy(word, name, len);
		word[len] = '\0';
		near = oed_did_you_mean(word, names, k);
		if (near)
			oed_usage_error("unknown option '--%s'; did you mean '--%s'?", oed_quote(word), near);
		else
			oed_usage_error("unknown option '--%s'", oed_quote(word));
	} else {
		oed_usage_error("unknown option '%s'", oed_quote(arg));
	}
	oed_buf_release(&list);
	free(names);
}

int
oed_opt_parse(const struct oed_tool *tool, int argc, char **argv,
	      oed_opt_handler handler, void *ctx)
{
	size_t n = count(tool->options), nb = count(builtin), k = 0, len;
	const char *name, *store;
	bool runs, record;
	struct option *longs = calloc(n + nb + 1, sizeof(*longs));
	const struct oed_option **by_index = calloc(n + nb + 1, sizeof(*by_index));
	char shorts[256];	/* ":" first: getopt reports a missing argument as ':' */
	size_t sl = 0;
	int status = -1;

	if (longs == NULL || by_index == NULL) {
		fprintf(stderr, "%s: out of memory\n", oed_progname());
		goto out;
	}
	shorts[0] = ':';
	sl = 1;
	for (int t = 0; t < 2; t++)
		for (const struct oed_option *o = t ? builtin : tool->options; o && o->name; o++) {
			longs[k].name = o->name;
			longs[k].has_arg = o->arg == OED_ARG_NONE ? no_argument :
				o->arg == OED_ARG_REQUIRED ? required_argument : optional_argument;
			longs[k].flag = NULL;
			longs[k].val = 256 + (int)k;
			by_index[k] = o;
			if (o->short_name && sl + 3 < sizeof(shorts)) {
				shorts[sl++] = (char)o->short_name;
				if (o->arg == OED_ARG_REQUIRED)
					shorts[sl++] = ':';
				else if (o->arg == OED_ARG_OPTIONAL) {
					shorts[sl++] = ':';
					shorts[sl++] = ':';
				}
			}
			k++;
		}
	shorts[sl] = '\0';

	opterr = 0;
	optind = 1;
	runs = record = false;
	name = store = NULL;
	inputs.n = 0;
	inputs.stdin_read = false;
	for (;;) {
		int li = -1, c = getopt_long(argc, argv, shorts, longs, &li);
		const struct oed_option *o = NULL;
		struct oed_err err;

		if (c == -1)
			break;
		if (c == '?') {
			/* a long option given a value it does not take (--fail-on-drift=1) */
			if (optopt >= 256 && (size_t)(optopt - 256) < k)
				oed_usage_error("option '--%s' takes no value", by_index[optopt - 256]->name);
			else if (optopt)
				oed_usage_error("unknown option '-%c'", optopt);
			else
				unknown_long(argv[optind - 1], by_index, k);
			goto out;
		}
		if (c == ':') {
			oed_usage_error("option '%s' needs an argument", oed_quote(argv[optind - 1]));
			goto out;
		}
		if (c >= 256)
			o = by_index[c - 256];
		else
			for (size_t i = 0; i < k; i++)
				if (by_index[i]->short_name == c)
					o = by_index[i];
		if (o == NULL) {
			oed_usage_error("unknown option '-%c'", c);
			goto out;
		}
		switch (o->id) {
		case OPT_HELP:
			opt_help(tool, stdout);
			status = 0;
			goto out;
		case OPT_VERSION:
			printf("%s (oed) %s\n", tool->name, PACKAGE_VERSION);
			status = 0;
			goto out;
		case OPT_LIST:
			list_options(tool);
			list_values(tool->options);
			status = 0;
			goto out;
		}
		if (o->id == OED_OPT_RUNS)
			runs = true;
		else if (o->id == OED_OPT_NAME)
			name = optarg;
		else if (o->id == OED_OPT_STORE)
			store = optarg;
		else if (strcmp(o->name, "record") == 0)
			record = true;
		oed_err_clear(&err);
		if (handler(o->id, optarg, ctx, &err) == -1) {
			oed_usage_error("%s", err.msg);
			goto out;
		}
		if (optarg && o->id != OED_OPT_OUTPUT && o->metavar &&
		    (len = strlen(o->metavar)) >= 4 && strcmp(o->metavar + len - 4, "FILE") == 0) {
			const char *eq = strchr(optarg, '=');

			/* "[NAME=]FILE": the file may be all of it or what follows the '=' */
			if (input_add(optarg) == -1 || (eq && input_add(eq + 1) == -1)) {
				fprintf(stderr, "%s: out of memory\n", oed_progname());
				goto out;
			}
		}
	}
	for (int i = optind; i < argc; i++)
		if (strcmp(argv[i], "-") == 0)
			inputs.stdin_read = true;
		else if (input_add(argv[i]) == -1) {
			fprintf(stderr, "%s: out of memory\n", oed_progname());
			goto out;
		}
	if (optind >= argc)
		inputs.stdin_read = true;
	if (name && !record) {
		oed_usage_error("--name names a recorded run: it needs --record");
		goto out;
	}
	if (runs) {
		status = list_runs(store);
		goto out;
	}
	status = optind;
out:
	free(longs);
	free(by_index);
	return status;
}

int
oed_parse_ulong(const char *opt, const char *arg, unsigned long min,
		unsigned long max, unsigned long *out, struct oed_err *err)
{
	char *end;
	unsigned long v;

	errno = 0;
	/* strtoul would take leading blanks and a sign */
	if (arg == NULL || !isdigit((unsigned char)*arg))
		goto bad;
	v = strtoul(arg, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	return oed_err_set(err, OED_EX_USAGE, "--%s: '%s' is not a whole number from %lu to %lu",
			   opt, oed_quote(arg), min, max);
}

int
oed_parse_double(const char *opt, const char *arg, double min, double max,
		 double *out, struct oed_err *err)
{
	char *end;
	double v;

	errno = 0;
	/* a decimal number only: strtod would also take blanks, hex and "inf" */
	if (arg == NULL || *arg == '\0' || isspace((unsigned char)*arg) || strpbrk(arg, "xXpP") != NULL)
		goto bad;
	v = strtod(arg, &end);
	if (errno || *end != '\0' || !isfinite(v) || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	return oed_err_set(err, OED_EX_USAGE, "--%s: '%s' is not a number from %g to %g",
			   opt, oed_quote(arg), min, max);
}

int
oed_parse_log_base(const char *arg, double *base, struct oed_err *err)
{
	double b;

	if (strcmp(arg, "2") == 0)
		b = 2;
	else if (strcmp(arg, "e") == 0)
		b = exp(1.0);
	else if (strcmp(arg, "10") == 0)
		b = 10;
	else
		return oed_err_set(err, OED_EX_USAGE, "--base: '%s' is not 2, e or 10", oed_quote(arg));
	if (base != NULL)
		*base = b;
	return 0;
}

int
oed_parse_size(const char *opt, const char *arg, size_t *out, struct oed_err *err)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	errno = 0;
	if (arg == NULL || !isdigit((unsigned char)*arg))
		goto bad;
	v = strtoull(arg, &end, 10);
	if (errno)
		goto bad;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (*end != '\0' || v == 0 || v > (~0ULL >> (shift + 1)))
		goto bad;
	*out = (size_t)(v << shift);
	return 0;
bad:
	return oed_err_set(err, OED_EX_USAGE, "--%s: '%s' is not a size such as 1048576, 512K or 64M",
			   opt, oed_quote(arg));
}

void
oed_input_opts_init(struct oed_input_opts *io)
{
	memset(io, 0, sizeof(*io));
	oed_policy_init(&io->policy);
	io->max_line = OED_DEFAULT_MAX_LINE;
}

void
oed_input_opts_release(struct oed_input_opts *io)
{
	oed_policy_release(&io->policy);
}

int
oed_input_opt(struct oed_input_opts *io, int id, const char *arg, struct oed_err *err)
{
	switch (id) {
	case OED_OPT_ON_ERROR:
		return oed_policy_parse(&io->policy, arg, err);
	case OED_OPT_MAX_LINE:
		return oed_parse_size("max-line", arg, &io->max_line, err);
	case OED_OPT_QUIET:
		io->quiet = true;
		oed_diag_quiet(true);
		return 0;
	case OED_OPT_OUTPUT:
		io->output = arg;
		return 0;
	case OED_OPT_TABLE:
		oed_writer_mode(OED_OUT_TABLE);
		return 0;
	case OED_OPT_JSON:
		oed_writer_mode(OED_OUT_JSON);
		return 0;
	case OED_OPT_STORE:
		io->store = arg;
		return 0;
	case OED_OPT_NAME:
		/* a run spec that is not a name would find another run than this */
		if (*arg == '\0' || strspn(arg, "0123456789") == strlen(arg) ||
		    strcmp(arg, "latest") == 0 || strncmp(arg, "latest:", 7) == 0)
			return oed_err_set(err, OED_EX_USAGE,
					   "--name: '%s' is not a name: give one that is not a number"
					   " or 'latest'", oed_quote(arg));
		io->name = arg;
		return 0;
	case OED_OPT_RUNS:
		return 0;	/* answered by oed_opt_parse */
	}
	return oed_err_set(err, OED_EX_USAGE, "internal error: unhandled option %d", id);
}

/*
 * Whether a and b are one regular file: the same device and inode when
 * both exist (links and ./ spellings included), else, when neither
 * exists yet, the same folder and name.  Devices (/dev/null) and pipes
 * may be named twice.
 */
static bool
same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	bool ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;

	if (ea && eb)
		return S_ISREG(sa.st_mode) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	if (!ea && !eb && errno == ENOENT) {
		char *ca = strdup(a), *cb = strdup(b), *da = strdup(a), *db = strdup(b);
		bool same = false;

		if (ca && cb && da && db && strcmp(basename(ca), basename(cb)) == 0 &&
		    stat(dirname(da), &sa) == 0 && stat(dirname(db), &sb) == 0)
			same = sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
		free(ca);
		free(cb);
		free(da);
		free(db);
		return same;
	}
	return false;
}

/* Whether standard input is the regular file at path. */
static bool
stdin_is(const char *path)
{
	struct stat si, sp;

	return fstat(STDIN_FILENO, &si) == 0 && S_ISREG(si.st_mode) && stat(path, &sp) == 0 &&
	       si.st_dev == sp.st_dev && si.st_ino == sp.st_ino;
}

/* An output named out (role: "output", "reject file") must not be an input. */
static int
check_not_input(const char *role, const char *out, struct oed_err *err)
{
	for (size_t i = 0; i < inputs.n; i++)
		if (same_file(out, inputs.name[i]))
			return oed_err_set(err, OED_EX_USAGE,
					   "the %s '%s' is the input '%s': refusing to overwrite it",
					   role, oed_quote(out), oed_quote(inputs.name[i]));
	if (inputs.stdin_read && stdin_is(out))
		return oed_err_set(err, OED_EX_USAGE,
				   "the %s '%s' is the standard input: refusing to overwrite it",
				   role, oed_quote(out));
	return 0;
}

int
oed_input_check_files(const struct oed_input_opts *io, struct oed_err *err)
{
	const char *out = io->output && strcmp(io->output, "-") != 0 ? io->output : NULL;
	const char *rej = io->policy.mode == OED_ON_ERROR_REJECT ? io->policy.reject_path : NULL;

	if (out && check_not_input("output", out, err) == -1)
		return -1;
	if (rej && check_not_input("reject file", rej, err) == -1)
		return -1;
	if (out && rej && same_file(out, rej))
		return oed_err_set(err, OED_EX_USAGE,
				   "the output '%s' and the reject file '%s' are the same file",
				   oed_quote(out), oed_quote(rej));
	return 0;
}

/*
 * --name: a name the store already has is refused now, before any input
 * is read, rather than after the whole run.  A store that cannot be read
 * here is left for the recording to report.
 */
static int
check_name_free(const struct oed_input_opts *io, struct oed_err *err)
{
	char def[4096];
	const char *path = io->store;
	struct oed_store *s;
	struct oed_err ignored;
	struct stat sb;
	int64_t id;
	int rc = 0;

	if (io->name == NULL)
		return 0;
	if (path == NULL) {
		if (oed_store_default_path(def, sizeof(def), &ignored) == -1)
			return 0;
		path = def;
	}
	if (stat(path, &sb) == -1 || (s = oed_store_open_readonly(path, &ignored)) == NULL)
		return 0;
	if (oed_store_find_run(s, NULL, io->name, &id, &ignored) == 0)
		rc = oed_err_set(err, OED_EX_USAGE, "--name: run %lld is already named '%s'",
				 (long long)id, oed_quote(io->name));
	oed_store_close(s);
	return rc;
}

int
oed_input_open_output(struct oed_input_opts *io, struct oed_err *err)
{
	if (oed_input_check_files(io, err) == -1 || check_name_free(io, err) == -1)
		return -1;
	if (oed_policy_open(&io->policy, err) == -1)
		return -1;
	if (io->output == NULL || strcmp(io->output, "-") == 0)
		return 0;
	/*
	 * Not freopen: when it fails it has closed stdout already, and the
	 * close at exit would report a second, bogus write error.
	 */
	int fd = open(io->output, O_WRONLY | O_CREAT | O_TRUNC, 0666);

	if (fd == -1)
		return oed_err_set(err, OED_EX_FAIL, "cannot open '%s': %s", oed_quote(io->output),
				   strerror(errno));
	fflush(stdout);
	if (dup2(fd, STDOUT_FILENO) == -1) {
		int e = errno;

		close(fd);
		return oed_err_set(err, OED_EX_FAIL, "cannot open '%s': %s", oed_quote(io->output),
				   strerror(e));
	}
	close(fd);
	return 0;
}
