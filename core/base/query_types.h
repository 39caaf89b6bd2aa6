/*
 * A parsed search request as the index reads it: the one type the index
 * layer (index/) shares with the core above it, kept here, below both,
 * so that index/ depends on nothing of core/ (core/query.h parses and
 * describes requests).
 */
#ifndef MINGA_QUERY_TYPES_H
#define MINGA_QUERY_TYPES_H

#include <stddef.h>
#include <stdint.h>

#define QUERY_MAX_LIMIT 1000
#define QUERY_DEFAULT_LIMIT 10

struct minga_query {
    char *text;          /* free text with inline filters removed; "" */
    uint32_t goal_mask;  /* bit g for goal g */
    uint32_t level_mask; /* enum minga_level bits */
    uint32_t actor_mask; /* enum minga_actor bits */
    char **countries;    /* upper-case alpha-2 codes */
    size_t n_countries;
    char **languages; /* ISO 639-1 codes */
    size_t n_languages;
    char **targets; /* official ids, "11.2" */
    size_t n_targets;
    int year_from;   /* 0: open */
    int year_to;     /* 0: open */
    unsigned offset; /* results to skip */
    unsigned limit;  /* results to return */
    int want_facets; /* count facets over the whole match set */
    int want_snippets;
    int want_spelling;
    /* The goal and target filters also match the cases whose text
     * speaks of them without tagging them (the suggestions stored in the
     * index at import: mindex.h); tagged cases rank first and the others
     * are marked (mindex_hit.suggested_*). Off by default. */
    int want_suggested;
};

#endif
