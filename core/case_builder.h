/*
 * Builds one case from the fields an importer reports, and validates it
 * against every rule of the case format v1 (docs/case-format.md). Errors go
 * to a diag_list in compiler style, naming the file, the line where the
 * format has lines, and the field (`sdg_goals[1]`).
 *
 * One builder serves a whole import; begin/field/item/end repeat per case.
 */
#ifndef MINGA_CASE_BUILDER_H
#define MINGA_CASE_BUILDER_H

#include <jansson.h>
#include "minga/plugin.h"
#include "diag.h"

struct case_builder;

/* A validated case and what the import still needs to know about it. */
struct built_case {
    struct minga_case *c;  /* owned; attachments have only their path */
    int line;              /* where the case starts in its file; 0 */
    int *attachment_lines; /* owned; one per c->attachments entry */
    json_t *extra;         /* unknown fields kept in lenient mode; or NULL */
};

void built_case_release(struct built_case *bc);

struct case_builder *case_builder_new(int is_lenient, struct diag_list *dl);
void case_builder_free(struct case_builder *b);

/* Starts a case from `file` (borrowed until case_builder_end). */
void case_builder_begin(struct case_builder *b, const char *file, int line);
int case_builder_field(struct case_builder *b, const char *name,
                       const struct minga_value *v);
int case_builder_item(struct case_builder *b, const char *name, size_t index,
                      const struct minga_value *v);
/* Validates the case. Returns 0 and fills *out, or MINGA_EINVAL after
 * adding the problems to the diag list. */
int case_builder_end(struct case_builder *b, struct built_case *out);
/* Whether a case is open (begin without end). */
int case_builder_is_open(const struct case_builder *b);

/* Checks an attachment path: relative, no "..", no empty component, an
 * allowed document type. Returns NULL when fine, else a static message. */
const char *case_check_attachment_path(const char *path);

#endif
