/*
 * Names and labels shared by the exporters.
 *
 * A small table of interface labels in Spanish, Portuguese and English,
 * and the labels of levels and actors (from core/base/vocab.h, which also
 * names them). Any other language falls back to English.
 */
#ifndef MINGA_EXP_LABELS_H
#define MINGA_EXP_LABELS_H

#include "minga/plugin.h"
#include "vocab.h"

enum exp_label {
    EXP_L_CASES,
    EXP_L_COUNTRIES,
    EXP_L_GOALS,
    EXP_L_TARGETS,
    EXP_L_LEVELS,
    EXP_L_ACTORS,
    EXP_L_TAGS,
    EXP_L_CITY,
    EXP_L_REGION,
    EXP_L_COUNTRY,
    EXP_L_YEARS,
    EXP_L_YEAR,
    EXP_L_SOURCE,
    EXP_L_LICENSE,
    EXP_L_SUMMARY,
    EXP_L_ATTACHMENTS,
    EXP_L_QUERY,
    EXP_L_FILTERS,
    EXP_L_GENERATED,
    EXP_L_SELECTION,
    EXP_L_NO_QUERY,
    EXP_L_NO_FILTERS,
    EXP_L_PER_GOAL,
    EXP_L_PER_LEVEL,
    EXP_L_PER_COUNTRY,
    EXP_L_OTHER,
    EXP_L_ALL_CASES,
    EXP_L_TRUNCATED,
    EXP_L_OVERVIEW,
    EXP_L_LANGUAGE,
    EXP_L_TITLE,
    EXP_L_BODY,
    EXP_L_BRIEFING_TITLE,
    EXP_L_SDG_SHORT,
    EXP_L_TARGET_ONE,
    EXP_L_LEVEL_ONE,
    EXP_L_ACTOR_ONE,
    EXP_L_FROM,
    EXP_L_UNTIL,
    EXP_L_CONTENTS,
    EXP_L_PAGE,
    EXP_L_CASE_LANGUAGE,
    EXP_L_OPEN_FILE,
    EXP_L_RELATED,
    EXP_L_IN_COMMON,
    EXP_L_NOT_IN_PACK,
    EXP_L_RELATED_LIMIT,
    EXP_L_COUNT_
};

/* "es", "pt" or "en" (the fallback) for any language code. */
const char *exp_lang_norm(const char *lang);
/* The label in lang; never NULL. */
const char *exp_label(enum exp_label label, const char *lang);

/* Display label of level or actor bit index `index` in lang (any code;
 * es, pt, else en), from core/base/vocab.c; "" past the last. The names
 * themselves: vocab_level_name(), vocab_actor_name(). */
const char *exp_level_label(unsigned index, const char *lang);
const char *exp_actor_label(unsigned index, const char *lang);
/* The goal's short name in lang, or "" when the host does not know it. */
const char *exp_goal_name(const struct minga_goal_info *goal,
                          const char *lang);

/* "2024-05-06T14:30:00Z" as "2024-05-06 14:30 UTC" for display; any
 * other text is copied (truncated to fit). */
void exp_format_time(char *buf, size_t size, const char *iso);

#endif /* MINGA_EXP_LABELS_H */
