/* Summary figures for charts, in constant memory. */
#include "stats.h"

#include <string.h>

void exp_stats_init(struct exp_stats *stats)
{
    memset(stats, 0, sizeof *stats);
}

static int country_index(const char *code)
{
    if (!code || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' ||
        code[1] > 'Z' || code[2] != '\0')
        return -1;
    return (code[0] - 'A') * 26 + (code[1] - 'A');
}

void exp_stats_add(struct exp_stats *stats, const struct minga_case *c)
{
    stats->n_cases++;
    for (int g = 1; g <= 17; g++)
        if (c->goal_mask & (1u << g))
            stats->per_goal[g]++;
    for (unsigned i = 0; i < MINGA_N_LEVELS; i++)
        if (c->level_mask & (1u << i))
            stats->per_level[i]++;
    int index = country_index(c->country);
    if (index >= 0)
        stats->per_country[index]++;
    else
        stats->n_unknown_country++;
}

unsigned exp_stats_n_goals(const struct exp_stats *stats)
{
    unsigned n_goals = 0;
    for (int g = 1; g <= 17; g++)
        n_goals += stats->per_goal[g] > 0;
    return n_goals;
}

unsigned exp_stats_n_countries(const struct exp_stats *stats)
{
    unsigned n_countries = 0;
    for (int i = 0; i < 26 * 26; i++)
        n_countries += stats->per_country[i] > 0;
    return n_countries;
}

size_t exp_stats_top_countries(const struct exp_stats *stats,
                               struct exp_country_count *top, size_t max_top,
                               uint64_t *n_other)
{
    size_t n_top = 0;
    uint64_t other = stats->n_unknown_country;
    for (int i = 0; i < 26 * 26; i++) {
        uint64_t count = stats->per_country[i];
        if (count == 0)
            continue;
        /* Insertion into a sorted list of at most max_top entries; scanning
         * codes in order makes ties come out alphabetically. */
        size_t pos = n_top;
        while (pos > 0 && top[pos - 1].n_cases < count)
            pos--;
        if (pos >= max_top) {
            other += count;
            continue;
        }
        if (n_top == max_top)
            other += top[--n_top].n_cases;
        memmove(&top[pos + 1], &top[pos], (n_top - pos) * sizeof *top);
        top[pos].code[0] = (char)('A' + i / 26);
        top[pos].code[1] = (char)('A' + i % 26);
        top[pos].code[2] = '\0';
        top[pos].n_cases = count;
        n_top++;
    }
    if (n_other)
        *n_other = other;
    return n_top;
}
