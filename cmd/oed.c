/* oed: run 'oed NAME ARGS...' as 'oed-NAME ARGS...', the way git runs its commands. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "exit.h"

static const char *const commands[][2] = {
	{ "ingest", "turn datasets into validated, normalised records" },
	{ "entropy", "input and response entropy, consistency per input, lengths" },
	{ "mi", "mutual information, NMI, AMI, conditional MI, empowerment" },
	{ "drift", "statistical drift tests between reference and current data" },
	{ "tokens", "count tokens of text exactly as OpenAI's tiktoken does" },
	{ "bench", "run a model over a benchmark task and score it" },
	{ "monitor", "scheduled, dedup-aware online monitoring" },
	{ "report", "reports from the run store" },
};

static void
usage(FILE *fp)
{
	fprintf(fp, "Usage: oed COMMAND [ARGS...]\n"
		"Run oed-COMMAND; 'oed COMMAND --help' describes each.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %-10s %s\n", commands[i][0], commands[i][1]);
	fprintf(fp, "\nSee oed(7) for records, conventions and exit status.\n");
}

int
main(int argc, char *argv[])
{
	char path[PATH_MAX], self[PATH_MAX], name[128];
	ssize_t n;

	oed_diag_init(argv[0]);
	if (argc < 2)
		return usage(stderr), OED_EX_USAGE;
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return usage(stdout), oed_close_stdout(OED_EX_OK);
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("oed %s\n", PACKAGE_VERSION);
		return oed_close_stdout(OED_EX_OK);
	}
	if (argv[1][0] == '-' || strchr(argv[1], '/') ||
	    snprintf(name, sizeof(name), "oed-%s", argv[1]) >= (int)sizeof(name))
		return oed_usage_error("'%s' is not an oed command", argv[1]);

	argv[1] = name;
	/* a sibling of this binary first, so a build tree runs its own tools */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if (snprintf(path, sizeof(path), "%s/%s", self, name) < (int)sizeof(path))
				execv(path, argv + 1);
		}
	}
	execvp(name, argv + 1);
	if (errno == ENOENT)
		return oed_usage_error("'%s' is not an oed command", argv[1] + 4);
	oed_error("cannot run '%s': %s", name, strerror(errno));
	return OED_EX_FAIL;
}
