/*
 * dataset.h: versioned datasets in the run store.
 *
 * A save stages normalised record lines in a temporary table of its own
 * connection, which locks nothing in the store, so input may arrive as
 * slowly as it likes while other tools write.  At the end one short write
 * transaction copies them into a new version with the run row; the
 * content digest (XXH3-128 over the exact bytes of the record lines, in
 * order) decides first: a digest the dataset already has, for a version
 * whose stored records really give it, means nothing changed and only the
 * run is recorded.  A killed process leaves the store as it was.
 *
 * Every read of a version (a load, the "unchanged" check) computes the
 * digest of the records really stored and compares it, and the count, with
 * the version's; a mismatch is an error naming the dataset and version.
 */
#ifndef OED_DATASET_H
#define OED_DATASET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "jsonw.h"
#include "store.h"

struct oed_dataset_save;

struct oed_dataset_save *oed_dataset_save_begin(struct oed_store *s, const char *name,
						int argc, char *const *argv, struct oed_err *err);
/* One record line (without its newline). */
int oed_dataset_save_add(struct oed_dataset_save *d, const char *line, size_t len,
			 struct oed_err *err);
/*
 * Commit (or roll back when unchanged).  *version is the new version, or the
 * existing one with the same content when *unchanged is set.
 */
int oed_dataset_save_end(struct oed_dataset_save *d, long long *version, bool *unchanged,
			 char digest[33], struct oed_err *err);
/* Roll back and free (after a failure, or on interruption). */
void oed_dataset_save_abort(struct oed_dataset_save *d);

/* One {"kind":"dataset",...} record per version, by name then version. */
int oed_dataset_list(struct oed_store *s, struct oed_writer *w, struct oed_err *err);
/*
 * Split NAME or NAME@VERSION into name (truncated to size) and *version
 * (0: the latest).  0, or -1 with a usage error, which a tool can check
 * before it opens the store.
 */
int oed_dataset_spec_parse(const char *spec, char *name, size_t size, long long *version,
			   struct oed_err *err);
/*
 * Print the records of NAME or NAME@VERSION (latest when no version),
 * after checking them against the version's digest, in one read
 * transaction.  A write to stdout that fails stops it (oed_stdout_failed).
 */
int oed_dataset_load(struct oed_store *s, const char *spec, FILE *out, struct oed_err *err);

#endif
