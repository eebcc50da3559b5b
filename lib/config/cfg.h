/*
 * cfg.h: YAML config files (oed-bench tasks, oed-monitor monitors) read
 * with libyaml into a plain tree whose every node keeps its position, so
 * any later check can say `FILE:LINE:COL: what is wrong`.
 *
 * The tree holds three kinds of node: scalars (text as written, and
 * whether it was quoted, so "1" stays a string where a number is wanted),
 * sequences and mappings.  Anchors, aliases and tags other than the core
 * schema are refused, as are duplicate keys in a mapping: a config file
 * says each thing once.
 *
 * Typed accessors check a node and fill an oed_err with the node's
 * position (status OED_EX_USAGE, as a bad config is a usage error).
 * oed_cfg_check_keys refuses a key a mapping may not hold, naming the
 * closest allowed one ("did you mean").
 *
 * Ownership: struct oed_cfg owns every node and string in it; pointers
 * handed out are valid until oed_cfg_free.
 */
#ifndef OED_CONFIG_H
#define OED_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

enum oed_cfg_type { OED_CFG_SCALAR, OED_CFG_SEQ, OED_CFG_MAP };

struct oed_cfg_node {
	enum oed_cfg_type type;
	long line;			/* 1-based */
	int col;			/* 1-based */
	char *str;			/* SCALAR: NUL-terminated (may hold NULs: see len) */
	size_t len;
	bool quoted;			/* SCALAR written in quotes or as a block */
	size_t n;			/* SEQ items, MAP pairs */
	struct oed_cfg_node **items;	/* SEQ items, MAP values */
	struct oed_cfg_node **keys;	/* MAP keys (scalars) */
};

struct oed_cfg {
	char *path;			/* as given, for messages */
	char *dir;			/* folder relative paths are resolved from */
	struct oed_cfg_node *root;	/* NULL for an empty document */
	struct oed_cfg_node **all;	/* every node, for freeing */
	size_t nall, capall;
};

/* Read and parse a file.  NULL with err set (OED_EX_USAGE for bad YAML). */
struct oed_cfg *oed_cfg_load(const char *path, struct oed_err *err);
/* Parse text; name is used in messages and dir for relative paths. */
struct oed_cfg *oed_cfg_parse(const char *text, size_t len, const char *name,
			      const char *dir, struct oed_err *err);
void oed_cfg_free(struct oed_cfg *c);

/* Fill err (OED_EX_USAGE) at node n's position; returns -1. */
int oed_cfg_error(const struct oed_cfg *c, const struct oed_cfg_node *n, struct oed_err *err,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The value of key in a mapping, NULL when absent (or n not a mapping). */
struct oed_cfg_node *oed_cfg_get(const struct oed_cfg_node *map, const char *key);
/*
 * Every key of map must be in allowed (NULL-terminated).  what names the
 * mapping in the message: "unknown key 'promt' in a task (did you mean
 * 'prompt'?)".
 */
int oed_cfg_check_keys(const struct oed_cfg *c, const struct oed_cfg_node *map,
		       const char *const *allowed, const char *what, struct oed_err *err);
/* n must be of this type; what names the value: "'dataset' must be a mapping". */
int oed_cfg_expect(const struct oed_cfg *c, const struct oed_cfg_node *n,
		   enum oed_cfg_type type, const char *what, struct oed_err *err);

/* Scalar accessors; what names the value for messages.  0 or -1 (err set). */
int oed_cfg_string(const struct oed_cfg *c, const struct oed_cfg_node *n, const char *what,
		   const char **out, struct oed_err *err);
int oed_cfg_number(const struct oed_cfg *c, const struct oed_cfg_node *n, const char *what,
		   double min, double max, double *out, struct oed_err *err);
int oed_cfg_long(const struct oed_cfg *c, const struct oed_cfg_node *n, const char *what,
		 long min, long max, long *out, struct oed_err *err);
int oed_cfg_bool(const struct oed_cfg *c, const struct oed_cfg_node *n, const char *what,
		 bool *out, struct oed_err *err);
/*
 * A malloc'd copy of string scalar n into *out, freeing what *out held;
 * with nonempty, "" is refused ("WHAT must not be empty").  0 or -1.
 */
int oed_cfg_strdup(const struct oed_cfg *c, const struct oed_cfg_node *n, const char *what,
		   bool nonempty, char **out, struct oed_err *err);
/* Set err to "out of memory" (OED_EX_FAIL); returns -1. */
int oed_cfg_nomem(struct oed_err *err);
/*
 * Walk a 'scorers' value: a name, or a list of names and one-key maps
 * {NAME: {PARAM: VALUE}}; calls add(c, at, name, params, arg, err) for each
 * (params NULL for a bare name), stopping at the first -1.
 */
typedef int oed_cfg_scorer_fn(const struct oed_cfg *c, const struct oed_cfg_node *at,
			      const char *name, const struct oed_cfg_node *params, void *arg,
			      struct oed_err *err);
int oed_cfg_scorers(const struct oed_cfg *c, const struct oed_cfg_node *n,
		    oed_cfg_scorer_fn *add, void *arg, struct oed_err *err);
/* Whether a plain scalar is YAML's null (~, null, empty). */
bool oed_cfg_is_null(const struct oed_cfg_node *n);

/* A path from the config, resolved against its folder (malloc'd; NULL: no memory). */
char *oed_cfg_resolve(const struct oed_cfg *c, const char *rel);


#endif
