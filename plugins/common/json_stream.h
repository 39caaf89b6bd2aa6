/*
 * Cases as JSON in a stream: an array written one case at a time, JSON
 * Lines, and a case read back from the object those write (the PDF
 * exporter's spool). The object itself is case_json_new()'s
 * (core/base/case_json.h), the writer the catalog uses too: fields in
 * the contract's order, absent optional fields and empty arrays omitted.
 * What these functions write re-imports through the JSON importer to the
 * same case.
 */
#ifndef MINGA_EXP_JSON_STREAM_H
#define MINGA_EXP_JSON_STREAM_H

#include <jansson.h>
#include "case_json.h"
#include "out.h"

/* A JSON array written one element at a time, never held in memory:
 * "[\n" case ",\n" case "\n]\n" ("[]\n" when empty). */
struct exp_json_array {
    struct exp_out *out;
    uint64_t n_items;
};

void exp_json_array_begin(struct exp_json_array *arr, struct exp_out *out);
/* Appends one case, pretty-printed with two-space indentation. */
int exp_json_array_add(struct exp_json_array *arr, const struct minga_case *c);
int exp_json_array_end(struct exp_json_array *arr);

/* Writes one case as a compact object and a newline (JSON Lines). */
int exp_json_write_line(struct exp_out *out, const struct minga_case *c);

/* The inverse, for exporters that spool cases as JSON Lines and read them
 * back (the PDF draws its chart page before the cases, so it needs the
 * totals first). `holder->c` borrows the strings of `obj`, which must
 * outlive it; attachments carry only their paths. */
struct exp_case_holder {
    struct minga_case c;
    const char **targets;
    const char **tags;
    struct minga_attachment *attachments;
};

int exp_case_from_json(struct exp_case_holder *holder, const json_t *obj);
void exp_case_holder_release(struct exp_case_holder *holder);

#endif
