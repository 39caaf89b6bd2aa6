/*
 * The query packs' terms by their first word, so that a case is matched
 * against all 169 packs in one pass over its distinct words instead of a
 * search of its words for each of the packs' thousands of terms (the
 * import suggests targets for every case it indexes).
 *
 * A term's first word matches a text word that is equal to it or the
 * same in the singular or plural (suggest_word_matches). Those forms are
 * few and can be written out, so every form of every term's first word
 * is a key of a hash table whose value is the terms it begins. A term
 * that is one prefix word ("recicla*") is found by its first
 * SUGGEST_MIN_PREFIX bytes instead, then checked whole.
 *
 * Built once with the packs (suggest_packs_parse), then read-only: one
 * lookup serves every thread.
 */
#ifndef MINGA_SUGGEST_LOOKUP_H
#define MINGA_SUGGEST_LOOKUP_H

#include <stddef.h>

struct pack_term;
struct pack_target;
struct suggest_lookup;

/* Numbers every term of the targets (pack_term.seq, 0 .. n-1, in target
 * and term order) and indexes them. Returns 0 with *out (free with
 * suggest_lookup_free) or MINGA_ENOMEM. */
int suggest_lookup_build(struct suggest_lookup **out,
                         struct pack_target *targets, size_t n_targets);
void suggest_lookup_free(struct suggest_lookup *l);

/* The number of terms, the size of a per-term count array. */
size_t suggest_lookup_n_terms(const struct suggest_lookup *l);

/* Calls fn(arg, term) for each term whose first word matches `word`
 * (folded, NUL-terminated), each term once. */
typedef void suggest_lookup_fn(void *arg, const struct pack_term *t);
void suggest_lookup_each(const struct suggest_lookup *l, const char *word,
                         suggest_lookup_fn *fn, void *arg);

#endif
