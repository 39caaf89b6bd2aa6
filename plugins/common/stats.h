/*
 * Summary figures of an export, gathered case by case in constant memory:
 * cases per goal, per level of government and per country (ISO 3166-1
 * alpha-2 codes index a fixed 26x26 table). Both the briefing's SVG charts
 * and the PDF's cairo charts draw from these.
 */
#ifndef MINGA_EXP_STATS_H
#define MINGA_EXP_STATS_H

#include "minga/plugin.h"

#define EXP_TOP_COUNTRIES 15

struct exp_country_count {
    char code[3];
    uint64_t n_cases;
};

struct exp_stats {
    uint64_t n_cases;
    uint64_t per_goal[18];              /* index 1..17 */
    uint64_t per_level[MINGA_N_LEVELS]; /* bit index */
    uint64_t per_country[26 * 26];
    uint64_t n_unknown_country; /* not two letters A-Z */
};

void exp_stats_init(struct exp_stats *stats);
void exp_stats_add(struct exp_stats *stats, const struct minga_case *c);
/* How many distinct goals and countries the cases touch. */
unsigned exp_stats_n_goals(const struct exp_stats *stats);
unsigned exp_stats_n_countries(const struct exp_stats *stats);
/* Fills top[] with up to max_top countries, most cases first (ties by
 * code), and *n_other with the cases of all the rest. Returns how many. */
size_t exp_stats_top_countries(const struct exp_stats *stats,
                               struct exp_country_count *top, size_t max_top,
                               uint64_t *n_other);

#endif /* MINGA_EXP_STATS_H */
