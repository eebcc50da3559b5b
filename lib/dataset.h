/*
 * dataset.h: versioned datasets in the run store.
 *
 * A save streams normalised record lines into a new version inside one
 * transaction, together with the run row; at the end the content digest
 * (XXH3-128 over the exact bytes of the record lines, in order) decides:
 * a digest the dataset already has means nothing changed, and the
 * transaction is rolled back so no empty version is ever left behind.
 * A killed process leaves the store as it was.
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
/* Print the records of NAME or NAME@VERSION (latest when no version). */
int oed_dataset_load(struct oed_store *s, const char *spec, FILE *out, struct oed_err *err);

#endif
