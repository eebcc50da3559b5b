/*
 * rows.h: helpers the renderers share (render.c, html.c).
 */
#ifndef OED_REPORT_ROWS_H
#define OED_REPORT_ROWS_H

#include <jansson.h>
#include <stddef.h>

#include "report/report.h"

/* The table rows of rec (a new array): one per scorer for bench.summary, else rec itself. */
json_t *oed_rep_rows(const json_t *rec, const char *kind);
/* Records of kind, or of kinds oed-report does not know when kind is NULL. */
size_t oed_rep_count(const struct oed_report *rep, const char *kind);

#endif
