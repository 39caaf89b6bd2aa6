/*
 * The SDG target query packs (data/sdg_targets.json, built into the
 * binary): for each of the 169 targets a short label in es, pt and en and
 * the terms and phrases that signal it, each with a weight 1-3.
 *
 * Loading folds every term (core/textfold.h) and splits it into words, so
 * that matching is a comparison of folded words: "participación" and
 * "PARTICIPACION" are one word. A term written with a trailing '*' is a
 * prefix on its last word ("recicla*"); a term written in several
 * languages is kept once, with the languages it was written in.
 *
 * Loaded packs are read-only: one copy serves every thread
 * (suggest_packs_builtin).
 */
#ifndef MINGA_SUGGEST_PACKS_H
#define MINGA_SUGGEST_PACKS_H

#include <stddef.h>
#include <stdint.h>

#include "suggest_lookup.h"

#define SUGGEST_N_TARGETS 169
#define SUGGEST_MIN_WEIGHT 1
#define SUGGEST_MAX_WEIGHT 3
/* A shorter prefix ("ag*") would match too many unrelated words. */
#define SUGGEST_MIN_PREFIX 4

/* The pack languages, as bits of pack_term.lang_mask, in this order. */
enum {
    SUGGEST_LANG_ES = 0,
    SUGGEST_LANG_PT = 1,
    SUGGEST_LANG_EN = 2,
    SUGGEST_N_LANGS = 3
};

struct pack_term {
    char *text; /* as written in the data, without the '*' */
    /* the same term as written in each language it was written in (one
     * of them is text), NULL in the others: "violencia doméstica" (es)
     * and "violência doméstica" (pt) fold alike and are one term */
    char *lang_text[SUGGEST_N_LANGS];
    char **words; /* folded words, pointing into buf */
    char *buf;    /* the folded term, cut into words */
    size_t n_words;
    int is_prefix;      /* the last word is a prefix */
    int weight;         /* SUGGEST_MIN_WEIGHT..SUGGEST_MAX_WEIGHT */
    unsigned lang_mask; /* 1 << SUGGEST_LANG_xx for each language */
    unsigned seq;       /* 0 .. n-1 over all targets' terms */
};

struct pack_target {
    char id[8]; /* "11.2" */
    int goal;   /* 11 */
    char *labels[SUGGEST_N_LANGS];
    struct pack_term *terms;
    size_t n_terms;
};

struct suggest_packs {
    struct pack_target *targets; /* in data/sdg.json's order */
    size_t n_targets;
    struct suggest_lookup *lookup; /* the terms by first word, owned */
};

/* Parses and checks packs from JSON text: every official target once,
 * labels in the three languages, a non-empty pack in each, weights in
 * range, no term that folds to no word, prefixes of at least
 * SUGGEST_MIN_PREFIX bytes. Returns 0 with *out (free with
 * suggest_packs_free), or MINGA_EINVAL with *errmsg naming the target and
 * the term (caller frees). */
int suggest_packs_parse(struct suggest_packs **out, const char *json,
                        size_t len, char **errmsg);
void suggest_packs_free(struct suggest_packs *p);

/* The built-in packs, parsed once per process (thread-safe); NULL with
 * *errmsg (caller frees) when they do not load. Never freed. */
const struct suggest_packs *suggest_packs_builtin(char **errmsg);

/* The index of a language code ("es") or -1. */
int suggest_lang_index(const char *lang);

/* Splits folded text in place into words: runs of ASCII letters and
 * digits and of non-ASCII bytes; every other byte ends a word and is
 * overwritten with NUL. Appends pointers into `folded` to *words (grown
 * with realloc). Returns 0 or MINGA_ENOMEM. */
int suggest_split_words(char *folded, char ***words, size_t *n_words,
                        size_t *cap);

/* Whether a text word is a term word: equal, or the same but for a
 * plural ending (s, es; Portuguese -ão/-ões, -al/-ais, -el/-eis, -m/-ns),
 * or, when is_prefix, starting with it. */
int suggest_word_matches(const char *text_word, const char *term_word,
                         int is_prefix);

#endif
