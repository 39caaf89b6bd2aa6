/*
 * A case in the interchange format v1 (shared/docs/case-format.md) as
 * JSON: the one writer behind the catalog's answers (`minga show`, the
 * API, the history's versions) and the exporter plugins' JSON, JSON Lines
 * and archive files, so every output spells a case the same way.
 */
#ifndef MINGA_CASE_JSON_H
#define MINGA_CASE_JSON_H

#include <jansson.h>

#include "minga/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* case_json_new flags. */
#define CASE_JSON_TIMES 1u /* add created_at and updated_at when set */

/* The case's fields in the contract's order; absent optional fields and
 * empty arrays are left out. Attachments are read through
 * minga_case_attachment(), so the case may come from any ABI minor.
 * Returns a new reference, or NULL when a string is not valid UTF-8 or
 * memory ran out. */
json_t *case_json_new(const struct minga_case *c, unsigned flags);

/* [1, 11, ...]: the goals of a goal mask (bit g is goal g), ascending.
 * A new reference, or NULL when out of memory. */
json_t *case_json_goals(uint32_t goal_mask);

#ifdef __cplusplus
}
#endif

#endif
