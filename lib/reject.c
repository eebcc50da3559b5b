#include "config.h"
#include "reject.h"
#include "exit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void
oed_policy_init(struct oed_policy *p)
{
	memset(p, 0, sizeof(*p));
}

void
oed_policy_release(struct oed_policy *p)
{
	if (p->reject)
		fclose(p->reject);
	free(p->reject_path);
	memset(p, 0, sizeof(*p));
}

int
oed_policy_parse(struct oed_policy *p, const char *arg, struct oed_err *err)
{
	if (strcmp(arg, "fail") == 0) {
		p->mode = OED_ON_ERROR_FAIL;
	} else if (strcmp(arg, "skip") == 0) {
		p->mode = OED_ON_ERROR_SKIP;
	} else if (strncmp(arg, "reject=", 7) == 0 && arg[7] != '\0') {
		free(p->reject_path);
		p->reject_path = strdup(arg + 7);
		if (p->reject_path == NULL)
			return oed_err_set(err, OED_EX_FAIL, "out of memory");
		p->mode = OED_ON_ERROR_REJECT;
	} else {
		return oed_err_set(err, OED_EX_USAGE,
				   "--on-error: '%s' is not fail, skip or reject=FILE", oed_quote(arg));
	}
	return 0;
}

int
oed_policy_open(struct oed_policy *p, struct oed_err *err)
{
	if (p->mode != OED_ON_ERROR_REJECT || p->reject != NULL)
		return 0;
	p->reject = fopen(p->reject_path, "w");
	if (p->reject == NULL)
		return oed_err_set(err, OED_EX_FAIL, "cannot open reject file '%s': %s",
				   oed_quote(p->reject_path), strerror(errno));
	return 0;
}

/* The reject file failed before and that was reported: stop, quietly. */
static int
already_told(struct oed_policy *p, struct oed_err *err)
{
	oed_err_set(err, OED_EX_FAIL, "cannot write reject file '%s'", oed_quote(p->reject_path));
	err->reported = true;
	return -1;
}

static int
write_reject(struct oed_policy *p, const char *bytes, size_t len, struct oed_err *err)
{
	/* a caller that did not open it first still gets its rejects */
	if (oed_policy_open(p, err) == -1)
		return -1;
	if (p->failed)
		return already_told(p, err);
	if (len && fwrite(bytes, 1, len, p->reject) != len) {
		p->failed = true;
		return oed_err_set(err, OED_EX_FAIL, "cannot write reject file '%s': %s",
				   oed_quote(p->reject_path), strerror(errno));
	}
	return 0;
}

/* Push the copy of a bad record out now: the first failure is the one told. */
static int
flush_reject(struct oed_policy *p, struct oed_err *err)
{
	if (p->failed)
		return already_told(p, err);
	if (fflush(p->reject) != 0) {
		p->failed = true;
		return oed_err_set(err, OED_EX_FAIL, "cannot write reject file '%s': %s",
				   oed_quote(p->reject_path), strerror(errno));
	}
	return 0;
}

int
oed_policy_bad_line(struct oed_policy *p, struct oed_err *err, const char *line, size_t len,
		    bool newline)
{
	p->bad++;
	err->status = OED_EX_DATA;
	oed_report(err);
	if (p->mode == OED_ON_ERROR_FAIL)
		return -1;
	if (p->mode == OED_ON_ERROR_REJECT && line != NULL) {
		struct oed_err werr;

		if (write_reject(p, line, len, &werr) == -1 ||
		    (newline && write_reject(p, "\n", 1, &werr) == -1) ||
		    flush_reject(p, &werr) == -1) {
			*err = werr;
			oed_report(err);
			return -1;
		}
	}
	return 0;
}

int
oed_policy_bad(struct oed_policy *p, struct oed_err *err, const char *line, size_t len)
{
	return oed_policy_bad_line(p, err, line, len, true);
}

int
oed_policy_more(struct oed_policy *p, const char *bytes, size_t len, struct oed_err *err)
{
	if (p->mode != OED_ON_ERROR_REJECT)
		return 0;
	return write_reject(p, bytes, len, err);
}

int
oed_policy_close(struct oed_policy *p, struct oed_err *err)
{
	FILE *fp = p->reject;

	p->reject = NULL;
	if (fp && p->failed) {
		fclose(fp);
		return 0;
	}
	if (fp && (fflush(fp) != 0 || ferror(fp) || fclose(fp) != 0)) {
		p->failed = true;
		return oed_err_set(err, OED_EX_FAIL, "cannot write reject file '%s': %s",
				   oed_quote(p->reject_path), strerror(errno));
	}
	return 0;
}

void
oed_policy_summary(const struct oed_policy *p)
{
	if (p->bad == 0 || p->failed)
		return;
	if (p->mode == OED_ON_ERROR_REJECT)
		oed_note("%lu bad record%s written to '%s'", p->bad,
			 p->bad == 1 ? "" : "s", oed_quote(p->reject_path));
	else if (p->mode == OED_ON_ERROR_SKIP)
		oed_note("%lu bad record%s skipped", p->bad, p->bad == 1 ? "" : "s");
}
