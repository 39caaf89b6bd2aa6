/*
 * SDG suggestions for a case: which goals and targets its text speaks of,
 * each with a score and the reasons (the phrases that triggered it, the
 * similar cases of the catalog that were tagged with it), for a city
 * tagging a case for the first time.
 *
 * Two signals are combined:
 *   - the query packs (suggest_packs.h): each target's terms and phrases
 *     are matched on folded word boundaries against the case's title,
 *     tags, summary and body; a term adds its weight, more for a phrase
 *     than for one word, more in the title or tags, with diminishing
 *     returns for repeats, and half when it is written in another
 *     language than the case's;
 *   - the nearest neighbours: the cases of the catalog most like this one
 *     (the search's "cases like this text" mode) add the targets and
 *     goals they were tagged with, in proportion to their similarity.
 * A goal is scored from its targets' scores (the best in full, the next
 * ones less and less) and its neighbours' votes. Goals and targets the
 * case is tagged with already are not hidden: a tagged goal raises its
 * targets, so that a case tagged only with goals gets its targets.
 *
 * suggest_score is pure (packs, case and neighbours in, ranking out);
 * minga_suggest finds the neighbours through the facade (minga.h).
 */
#ifndef MINGA_SUGGEST_H
#define MINGA_SUGGEST_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "minga/plugin.h"
#include "diag.h"
#include "suggest_packs.h"

struct minga;

#define SUGGEST_DEFAULT_LIMIT 10
#define SUGGEST_MAX_LIMIT 169
#define SUGGEST_DEFAULT_NEIGHBOURS 5
#define SUGGEST_MAX_NEIGHBOURS 20

/* A case like the one suggested for, and what it was tagged with. */
struct suggest_neighbour {
    const char *id;
    double similarity; /* (0, 1]: 1 for the nearest */
    uint32_t goal_mask;
    const char *const *targets;
    size_t n_targets;
};

enum suggest_reason_kind {
    SUGGEST_REASON_PHRASE = 0,  /* a term of the target's pack */
    SUGGEST_REASON_SIMILAR,     /* a similar case tagged with it */
    SUGGEST_REASON_TAGGED_GOAL, /* the case is tagged with the goal */
    SUGGEST_REASON_TARGET       /* a goal's suggested target */
};

struct suggest_reason {
    int kind;           /* enum suggest_reason_kind */
    const char *phrase; /* PHRASE: the term as written (borrowed
                                    from the packs) */
    unsigned lang_mask; /* PHRASE: the term's languages */
    int count;          /* PHRASE: times found */
    char *case_id;      /* SIMILAR: owned */
    char tagged[8];     /* SIMILAR, TARGET: "11.2" or "11" */
    double score;       /* what the reason added */
};

struct suggest_item {
    char id[8]; /* "11.2" for a target, "11" for a goal */
    int goal;
    const char *label; /* borrowed: the packs or refdata */
    double score;
    struct suggest_reason *reasons; /* strongest first */
    size_t n_reasons;
};

struct suggest_result {
    int lang;                   /* labels' language: SUGGEST_LANG_xx */
    struct suggest_item *goals; /* best first, score > 0 */
    size_t n_goals;
    struct suggest_item *targets;
    size_t n_targets;
};

/* At most max_goals goals and max_targets targets (0: the default). */
struct suggest_options {
    size_t max_goals;
    size_t max_targets;
};

/* Scores case `c` (its title, summary, body and tags; its goal mask
 * raises the targets of the goals it is tagged with) against the packs
 * and the neighbours (may be none). Returns 0 with *out (free with
 * suggest_result_free) or MINGA_ENOMEM, or MINGA_EINVAL when a text is
 * not UTF-8. */
int suggest_score(const struct suggest_packs *packs,
                  const struct minga_case *c,
                  const struct suggest_neighbour *neighbours,
                  size_t n_neighbours, const struct suggest_options *opt,
                  struct suggest_result **out, char **errmsg);
void suggest_result_free(struct suggest_result *r);

/* {"goals": [{"goal", "name", "score", "reasons"}], "targets":
 *  [{"target", "goal", "label", "score", "reasons"}]} where a reason is
 * {"kind": "phrase", "phrase", "lang": [...], "count"}, {"kind":
 * "similar", "case", "tagged"}, {"kind": "tagged_goal", "goal"} or
 * {"kind": "target", "target", "score"}. A new reference. */
json_t *suggest_result_json(const struct suggest_result *r);

/* -- through the catalog (suggest_catalog.c) ---------------------------- */

struct minga_suggest_options {
    size_t limit;        /* goals and targets each; 0: default */
    size_t n_neighbours; /* 0: SUGGEST_DEFAULT_NEIGHBOURS */
    int is_text_only;    /* no neighbours: the packs alone */
    /* A case never taken as a neighbour (the case itself, when it is in
     * the catalog); the case's own id is left out too. May be NULL. */
    const char *exclude_id;
};

/* Suggests goals and targets for `c` (which need not be in the catalog)
 * with the neighbours found in `m`'s index. *out is the JSON of
 * suggest_result_json (new reference). */
int minga_suggest(struct minga *m, const struct minga_case *c,
                  const struct minga_suggest_options *opt, json_t **out,
                  char **errmsg);

/* -- suggestions stored in the index (suggest_catalog.c) --------------- */

/* A goal or target the index stores as suggested for a case (issue 21:
 * `minga search --suggested`) scores at least this by the packs alone.
 * Chosen on the sample catalog (data/sample, 38 cases) with the packs
 * alone, each case's targets hidden (its goals kept, as at import) and
 * every suggestion compared with the case's tags: at 10 the targets
 * suggested are tags in 84% of cases (precision; 69% of the tags are
 * found), the goals, with both hidden, in 91% (70% found); at 5, 72% and
 * 86%; at 20, 95% and 100% but half the tags are missed. The untagged
 * ones above 10 are the stored suggestions: 20 targets and 8 goals over
 * the sample (Bogotá's Ciclovía for 11.2, Sobral's literacy programme
 * for 4.6). One threshold for both keeps them consistent: a goal scores
 * at least its best target, so a suggested target's goal is suggested
 * too unless tagged. docs/search.md, "Suggested goals and targets". */
#define SUGGEST_INDEX_MIN_SCORE 10.0

/* The mindex_suggest_fn that core gives every index writer
 * (minga_open_writer): the goals and targets of case c, by the packs
 * alone (text only: neighbours depend on the catalog's state, and the
 * index would then depend on the order cases came in), scoring at least
 * SUGGEST_INDEX_MIN_SCORE and not tagged, the best targets first, at
 * most MINDEX_SUGGESTED_MAX. arg: the packs (const struct suggest_packs
 * *, borrowed). */
struct mindex_suggested;
int suggest_for_index(void *arg, const struct minga_case *c,
                      struct mindex_suggested *out, char **errmsg);

/* -- reading the case to suggest for (suggest_input.c) ------------------ */

/* A case from a JSON object in the case format, leniently: only its text
 * matters here, so a case being written (no goals yet, no city) is
 * accepted; a field of the wrong type is not. Reads id, title, summary,
 * body, language, tags, sdg_goals and sdg_targets; unknown fields are
 * ignored. Returns 0 with *out (free with case_free), or MINGA_EINVAL
 * with *errmsg (caller frees) and *bad_field (static, may be NULL) naming
 * the field. At least one of title, summary and body must have text. */
int suggest_case_from_json(json_t *obj, struct minga_case **out,
                           const char **bad_field, char **errmsg);

/* The cases of a file in any format `minga import` reads. A JSON file
 * (one case, or an array of them) is read as suggest_case_from_json
 * reads; any other file goes through the importers into a temporary data
 * folder, removed before returning, so nothing is written to a catalog.
 * Returns 0 with *cases (free each with case_free, then the array) and
 * *n, or MINGA_EINVAL with the problems in *diags. */
int minga_suggest_read_file(const char *path, struct minga_case ***cases,
                            size_t *n, struct diag_list *diags);

#endif
