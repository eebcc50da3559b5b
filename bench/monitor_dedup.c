/*
 * oed-monitor's dedup check alone: the ids of a JSON Lines file are read
 * first (untimed), then handed to oed_mon_dedup() in batches of 8,192 as
 * the jsonl source hands them, against a store's scored ids; only the
 * dedup calls are timed, in wall and CPU time (the machine may be
 * shared).  Prints items, new, seconds and microseconds per item.  Build from a configured tree (bench/monitor.sh does):
 *   cc -O2 -iquote lib -iquote lib/monitor -I. bench/monitor_dedup.c \
 *     lib/.libs/libcore.a $(pkg-config --libs ...) -o monitor_dedup
 * Usage: monitor_dedup STORE SOURCE_ID FILE
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "jscan.h"

enum { BATCH = 8192 };

static double
now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct oed_monitor m;
	struct oed_mon_ctx cx;
	struct oed_mon_items it;
	struct oed_err err;
	struct oed_path path;
	struct oed_jscan *scan;
	struct oed_value v;
	char **ids = NULL, *line = NULL;
	size_t nids = 0, cap = 0, lcap = 0;
	ssize_t len;
	double spent = 0, cpu = 0;
	FILE *fp;

	if (argc != 4) {
		fprintf(stderr, "usage: monitor_dedup STORE SOURCE_ID FILE\n");
		return 2;
	}
	if (oed_path_parse(&path, "id", &err) == -1 || (scan = oed_jscan_new(&path, 1)) == NULL ||
	    (fp = fopen(argv[3], "r")) == NULL) {
		perror(argv[3]);
		return 1;
	}
	while ((len = getline(&line, &lcap, fp)) > 0) {
		if (oed_jscan_line(scan, line, (size_t)len - (line[len - 1] == '\n'), &v) != 1 ||
		    v.type != OED_V_STRING)
			continue;
		if (nids == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((ids = realloc(ids, cap * sizeof(*ids))) == NULL)
				return 1;
		}
		if ((ids[nids++] = strndup(v.str, v.len)) == NULL)
			return 1;
	}
	fclose(fp);
	free(line);
	oed_jscan_free(scan);

	memset(&m, 0, sizeof(m));
	memset(&cx, 0, sizeof(cx));
	memset(&it, 0, sizeof(it));
	cx.m = &m;
	cx.source_id = atoll(argv[2]);
	if ((cx.store = oed_store_open_readonly(argv[1], &err)) == NULL) {
		fprintf(stderr, "monitor_dedup: %s\n", err.msg);
		return 1;
	}
	/* one file, as the jsonl source has: a held item marks it */
	it.files = calloc(1, sizeof(*it.files));
	it.nfiles = 1;
	for (size_t i = 0; i < nids; i++) {
		struct oed_mon_item *x;
		double t0, c0;

		if (it.n == it.cap) {
			it.cap = it.cap ? it.cap * 2 : BATCH;
			if ((it.v = realloc(it.v, it.cap * sizeof(*it.v))) == NULL)
				return 1;
		}
		x = &it.v[it.n++];
		memset(x, 0, sizeof(*x));
		x->id = ids[i];
		x->idlen = strlen(ids[i]);
		if (it.n - it.checked < BATCH && i + 1 < nids)
			continue;
		t0 = now(CLOCK_MONOTONIC);
		c0 = now(CLOCK_PROCESS_CPUTIME_ID);
		if (oed_mon_dedup(&cx, &it, &err) == -1) {
			fprintf(stderr, "monitor_dedup: %s\n", err.msg);
			return 1;
		}
		spent += now(CLOCK_MONOTONIC) - t0;
		cpu += now(CLOCK_PROCESS_CPUTIME_ID) - c0;
	}
	printf("items %zu new %llu dedup wall %.3f s cpu %.3f s: %.2f us/item wall, %.2f cpu\n",
	       nids, (unsigned long long)it.fresh, spent, cpu,
	       nids ? spent / (double)nids * 1e6 : 0.0, nids ? cpu / (double)nids * 1e6 : 0.0);
	free(ids);
	oed_mon_items_release(&it);
	oed_store_close(cx.store);
	oed_path_release(&path);
	return 0;
}
