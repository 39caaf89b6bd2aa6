/*
 * The case model: struct minga_case (include/minga/plugin.h) owned by the
 * core. A case made by case_new() owns every string and array in it, and
 * case_free() frees them all; the struct's pointers are const only so that
 * exporters cannot write through them.
 */
#ifndef MINGA_CASE_H
#define MINGA_CASE_H

#include <jansson.h>
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

/* The case in interchange format v1 (fields in the contract's order,
 * absent optional fields omitted); with_times adds created_at and
 * updated_at. Returns a new reference. */
json_t *case_to_json(const struct minga_case *c, int with_times);

/* [1, 11, ...] from a goal mask; ["local", ...] from a level or actor
 * mask, with `name` mapping one bit to its name. New references. */
json_t *case_goals_json(uint32_t goal_mask);
json_t *case_mask_json(uint32_t mask, int n_bits,
                       const char *(*name)(uint32_t));

/* Number of goals in a mask, and the i-th one. */
int case_goal_count(uint32_t goal_mask);

#endif
