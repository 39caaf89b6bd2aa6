/*
 * The closed vocabularies of the case format (shared/docs/case-format.md):
 * the levels of government and the kinds of actor, by their bit in
 * struct minga_case's level_mask and actor_mask (bit i is 1u << i), with
 * their names in the format and their labels in es, pt and en.
 *
 * The one table the catalog (refdata.c), the index (its XL/XA terms) and
 * the exporter plugins (their JSON and CSV) all read, so a new level is
 * added in one place. No dependency: plugins link it without utf8proc.
 */
#ifndef MINGA_VOCAB_H
#define MINGA_VOCAB_H

#include <stdint.h>

#include "minga/plugin.h" /* MINGA_N_LEVELS, MINGA_N_ACTORS */

#ifdef __cplusplus
extern "C" {
#endif

/* The format's name of level or actor number i ("local", "civil_society"),
 * or NULL when i is out of range. Static strings. */
const char *vocab_level_name(unsigned i);
const char *vocab_actor_name(unsigned i);

/* The bit of the level or actor named `name` exactly, or 0 when the format
 * has no such name. */
uint32_t vocab_level_bit(const char *name);
uint32_t vocab_actor_bit(const char *name);

/* The label of level or actor number i in `lang` ("es", "pt"; anything
 * else is English), or NULL when i is out of range. Static strings. */
const char *vocab_level_label(unsigned i, const char *lang);
const char *vocab_actor_label(unsigned i, const char *lang);

#ifdef __cplusplus
}
#endif

#endif
