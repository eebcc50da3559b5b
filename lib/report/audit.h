/*
 * audit.h: the run store's hash chain.
 *
 * Every finished run is sealed once, in the order runs finish: it gets the
 * next place in the chain (runs.chain_seq) and
 *
 *     hash = SHA-256(previous hash || canonical JSON of the run)
 *
 * as 64 lowercase hex digits, the previous hash being the hex of the run
 * before it in the chain ("" for the first, or the boundary hash kept by
 * a prune).  The canonical JSON is the run's row (id, chain_seq, tool,
 * argv and params as their stored text, input digest, version, times,
 * status) with its metrics, drift baselines and oed-bench items (their
 * stored lines, where the store has the table): jansson's dump with keys
 * sorted, compact, UTF-8 (a control character as \uXXXX, upper-case hex),
 * reals with 17 significant digits and a decimal point, so any
 * change to a run, to one of its results, to its place, or a run deleted
 * from the middle, breaks the chain from there.  SHA-256 is OpenSSL's.
 *
 * oed_audit_seal runs inside the store's current transaction when there
 * is one (oed_run_finish's), else in its own; oed_store_open seals what
 * an older oed or an interrupted run left unsealed.
 *
 * NEEDSWORK: a run is sealed once.  A tool that finishes the same run row
 * again (a resumed run) changes what its hash covers and --verify names
 * it; such a tool should record the resumed run as a new run, or the
 * chain should move to an append-only table of seals.
 */
#ifndef OED_REPORT_AUDIT_H
#define OED_REPORT_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "diag.h"

struct oed_store;

/* Seal every finished run not yet in the chain, oldest id first.  0 or -1. */
int oed_audit_seal(struct oed_store *s, struct oed_err *err);

/* The run's canonical object (new reference); NULL when absent (err set). */
json_t *oed_audit_canonical(struct oed_store *s, int64_t id, struct oed_err *err);
/* hex = SHA-256(prev || canonical dump of run); 0 or -1 (err set). */
int oed_audit_hash(const char *prev, const json_t *run, char hex[65], struct oed_err *err);

/*
 * Walk the chain and recompute every hash.  0 when it holds (*nruns
 * sealed runs checked); -1 with err naming the first run that does not
 * match (status OED_EX_GATE) or why the store could not be read.
 */
int oed_audit_verify(struct oed_store *s, size_t *nruns, struct oed_err *err);

/* Write the runs ids[0..n) with their canonical JSON, previous and own hash, as JSON Lines. */
int oed_audit_evidence(struct oed_store *s, const int64_t *ids, size_t n, FILE *fp,
		       struct oed_err *err);
/* Check a file written by oed_audit_evidence; as oed_audit_verify. */
int oed_audit_verify_file(const char *path, size_t *nruns, struct oed_err *err);

/*
 * Delete the sealed runs before cutoff (RFC 3339, by start) that begin the
 * chain, keeping the hash of the last one deleted as the chain's boundary.
 * *deleted gets how many.  0 or -1 (err set).
 */
int oed_audit_prune(struct oed_store *s, const char *cutoff, size_t *deleted, struct oed_err *err);

#endif
