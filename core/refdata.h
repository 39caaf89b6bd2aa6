/*
 * Reference data: the 17 SDGs with their names and official colours and the
 * 169 target ids (data/sdg.json, built into the binary), the ISO 3166-1
 * countries (read at run time from Debian's iso-codes JSON, so the list
 * stays current with the system package), the languages that have a
 * stemmer, and the levels and actors of the case format.
 *
 * refdata_load() runs once per process (thread-safe); the lookups after it
 * never allocate and are safe from any thread.
 */
#ifndef MINGA_REFDATA_H
#define MINGA_REFDATA_H

#include <stdint.h>
#include "minga/plugin.h"

#define REFDATA_N_GOALS 17

/* Loads everything; returns 0, or -1 with *errmsg (caller frees). */
int refdata_load(char **errmsg);

const struct minga_goal_info *refdata_goal(int number);
/* The target ids of a goal, NULL-terminated. */
const char *const *refdata_goal_targets(int number);
/* Whether `id` ("11.3", "6.a") is an official target; sets *goal. */
int refdata_is_target(const char *id, int *goal);
/* Orders targets by goal, then numbers before letters. */
int refdata_target_cmp(const char *a, const char *b);

int refdata_is_country(const char *alpha2);
const char *refdata_country_name(const char *alpha2);

/* Whether an ISO 639-1 code has a stemmer; its Xapian stemmer name. */
int refdata_is_language(const char *code);
const char *refdata_language_name(const char *code);

/* The languages minga has labels in (goal names, levels, the page and
 * the packs): es, pt, en. Returns the code as a string literal that
 * outlives any request, or NULL for any other value. */
const char *refdata_label_lang(const char *code);

/* Names in the case format ("local", "civil_society") and back. */
const char *refdata_level_name(uint32_t bit);
uint32_t refdata_level_bit(const char *name);
const char *refdata_actor_name(uint32_t bit);
uint32_t refdata_actor_bit(const char *name);
const char *refdata_level_label(uint32_t bit, const char *lang);
const char *refdata_actor_label(uint32_t bit, const char *lang);

/* The thesaurus text (data/thesaurus.txt), built into the binary. */
const char *refdata_thesaurus(size_t *len);

#endif
