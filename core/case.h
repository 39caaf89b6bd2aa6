/*
 * The case model: struct minga_case (include/minga/plugin.h) owned by the
 * core. A case made by case_new() owns every string and array in it, and
 * case_free() frees them all; the struct's pointers are const only so that
 * exporters cannot write through them.
 */
#ifndef MINGA_CASE_H
#define MINGA_CASE_H

#include "case_json.h"
#include "minga/plugin.h"

/* Returns a zeroed case with struct_size set; NULL when out of memory. */
struct minga_case *case_new(void);
void case_free(struct minga_case *c);

/* Owned-string setters: take a copy of s (NULL clears). 0 or -1. */
int case_set(const char **slot, const char *s);
/* Appends a copy of s to an owned string array. 0 or -1. */
int case_strv_push(const char *const **items, size_t *n, const char *s);
/* Appends an attachment (copies every string). 0 or -1. */
int case_add_attachment(struct minga_case *c, const char *path,
                        const char *sha256, const char *media_type,
                        uint64_t size, const char *text);

/* The case as JSON: case_json_new() and case_json_goals() in
 * core/base/case_json.h, shared with the exporter plugins. */

/* Number of goals in a mask, and the i-th one. */
int case_goal_count(uint32_t goal_mask);

#endif
