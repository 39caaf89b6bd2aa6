/*
 * Totals and facet counts of searches (index/mindex_query.cc,
 * mindex_matchset.cc, mindex_facets.cc), checked against what the cases
 * were made with: each test case holds words, goals, levels, actors,
 * years and targets by a rule on its number, so the test knows which
 * cases every query must find. A reader counts a whole match set read
 * from posting lists, or (phrases) through the matcher; a writer always
 * through the matcher. Both must give the counts the rules give.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern "C" {
#include <cmocka.h>
}

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "mindex.h"

namespace
{

const int N_CASES = 600;
const char *const LANGS[] = {"es", "pt", "en"};
const char *const COUNTRIES[] = {"AR", "BR", "CL", "UY", "PE"};

/* Case i holds `word` when i is a multiple of `every`. */
const struct {
    int every;
    const char *word;
} WORDS[] = {{2, "alpha"},  {3, "beta"},    {5, "gamma"},
             {7, "huerta"}, {11, "garden"}, {25, "delta"}};

/* The facts case i is made with. */
struct Facts {
    std::string id, body, target, country;
    const char *language;
    uint32_t goal_mask, level_mask, actor_mask;
    int year_start, year_end; /* year_end: 0 when none */
};

Facts facts_of(int i)
{
    Facts f;
    f.id = "c" + std::to_string(i);
    /* in this order, so "alpha beta" is a phrase where both are */
    for (const auto &w : WORDS)
        if (i % w.every == 0)
            f.body += std::string(w.word) + " ";
    f.body += "report";
    int goal = 1 + i % 17;
    f.goal_mask = (1u << goal) | (1u << (1 + (i * 5) % 17));
    f.target = std::to_string(goal) + ".1";
    f.language = LANGS[i % 3];
    f.country = COUNTRIES[i % 5];
    f.level_mask = 1u << (i % 4);
    f.actor_mask = (1u << (i % 6)) | (1u << ((i / 6) % 6));
    f.year_start = 1990 + i % 30;
    f.year_end = i % 4 == 0 ? f.year_start + 6 : 0;
    return f;
}

/* What a search must count: totals and every facet. */
struct Counts {
    uint64_t total = 0;
    uint64_t goals[18] = {}, levels[MINGA_N_LEVELS] = {},
             actors[MINGA_N_ACTORS] = {};
    std::map<std::string, uint64_t> countries, languages;

    void add(const Facts &f)
    {
        total++;
        for (int g = 1; g <= 17; g++)
            goals[g] += (f.goal_mask >> g) & 1;
        for (int b = 0; b < MINGA_N_LEVELS; b++)
            levels[b] += (f.level_mask >> b) & 1;
        for (int b = 0; b < MINGA_N_ACTORS; b++)
            actors[b] += (f.actor_mask >> b) & 1;
        countries[f.country]++;
        languages[f.language]++;
    }
    std::string describe() const
    {
        std::string s = "total " + std::to_string(total) + " goals";
        for (int g = 1; g <= 17; g++)
            s += " " + std::to_string(goals[g]);
        s += " levels";
        for (uint64_t n : levels)
            s += " " + std::to_string(n);
        s += " actors";
        for (uint64_t n : actors)
            s += " " + std::to_string(n);
        for (const auto &kv : countries)
            s += " " + kv.first + "=" + std::to_string(kv.second);
        for (const auto &kv : languages)
            s += " " + kv.first + "=" + std::to_string(kv.second);
        return s;
    }
};

Counts counts_of(const struct mindex_results *r)
{
    Counts c;
    c.total = r->total;
    memcpy(c.goals, r->goal_counts, sizeof c.goals);
    memcpy(c.levels, r->level_counts, sizeof c.levels);
    memcpy(c.actors, r->actor_counts, sizeof c.actors);
    for (size_t i = 0; i < r->n_countries; i++)
        c.countries[r->countries[i].key] = r->countries[i].count;
    for (size_t i = 0; i < r->n_languages; i++)
        c.languages[r->languages[i].key] = r->languages[i].count;
    return c;
}

struct Fixture {
    char dir[64];
    struct mindex *writer = nullptr, *reader = nullptr;
};

/* The index of N_CASES, one shard, with a thesaurus that links "huerta"
 * to "garden" and to goal 2. */
int setup(void **state)
{
    Fixture *fx = new Fixture();
    char *errmsg = nullptr;
    strcpy(fx->dir, "/tmp/minga-test-counts-XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    setenv("MINGA_INDEX_SHARDS", "1", 1);
    if (mindex_open(&fx->writer, fx->dir, MINDEX_WRITE, &errmsg) != 0) {
        fprintf(stderr, "%s\n", errmsg);
        return -1;
    }
    const char th[] = "es: huerta | en: garden | sdg: 2\n";
    if (mindex_set_thesaurus(fx->writer, th, strlen(th), &errmsg) != 0)
        return -1;
    for (int i = 0; i < N_CASES; i++) {
        Facts f = facts_of(i);
        const char *targets[] = {f.target.c_str()};
        struct minga_case c;
        memset(&c, 0, sizeof c);
        c.struct_size = sizeof c;
        c.id = f.id.c_str();
        c.title = "Case";
        c.summary = "";
        c.body = f.body.c_str();
        c.language = f.language;
        c.country = f.country.c_str();
        c.city = "Somewhere";
        c.year_start = f.year_start;
        c.year_end = f.year_end;
        c.goal_mask = f.goal_mask;
        c.targets = targets;
        c.n_targets = 1;
        c.level_mask = f.level_mask;
        c.actor_mask = f.actor_mask;
        if (mindex_put_case(fx->writer, &c, &errmsg) != 0) {
            fprintf(stderr, "%s\n", errmsg);
            return -1;
        }
    }
    /* a deleted case must not be counted, though its docid is in range */
    if (mindex_remove_case(fx->writer, "c0", &errmsg) != 0 ||
        mindex_commit(fx->writer, 1, &errmsg) != 0 ||
        mindex_open(&fx->reader, fx->dir, MINDEX_READ, &errmsg) != 0) {
        fprintf(stderr, "%s\n", errmsg);
        return -1;
    }
    *state = fx;
    return 0;
}

int teardown(void **state)
{
    Fixture *fx = (Fixture *)*state;
    mindex_close(fx->reader);
    mindex_close(fx->writer);
    std::string cmd = std::string("rm -rf '") + fx->dir + "'";
    if (system(cmd.c_str()) != 0)
        fprintf(stderr, "cannot remove %s\n", fx->dir);
    delete fx;
    return 0;
}

/* A search's filters, and whether a case passes them. */
struct Filter {
    const char *name;
    std::function<void(struct minga_query *)> apply;
    std::function<bool(const Facts &)> passes;
};

const char *const TARGET_2_1[] = {"2.1"};
const char *const COUNTRY_BR_UY[] = {"BR", "UY"};
const char *const LANG_PT[] = {"pt"};

const std::vector<Filter> &filters()
{
    static const std::vector<Filter> all = {
        {"none", [](struct minga_query *) {},
         [](const Facts &) { return true; }},
        {"goal 2 or 11",
         [](struct minga_query *q) { q->goal_mask = (1u << 2) | (1u << 11); },
         [](const Facts &f) {
             return (f.goal_mask & ((1u << 2) | (1u << 11))) != 0;
         }},
        {"target 2.1",
         [](struct minga_query *q) {
             q->targets = (char **)TARGET_2_1;
             q->n_targets = 1;
         },
         [](const Facts &f) { return f.target == "2.1"; }},
        {"level 1 and actor 2",
         [](struct minga_query *q) {
             q->level_mask = 1u << 1;
             q->actor_mask = 1u << 2;
         },
         [](const Facts &f) {
             return (f.level_mask & 2) && (f.actor_mask & 4);
         }},
        {"BR or UY, in pt",
         [](struct minga_query *q) {
             q->countries = (char **)COUNTRY_BR_UY;
             q->n_countries = 2;
             q->languages = (char **)LANG_PT;
             q->n_languages = 1;
         },
         [](const Facts &f) {
             return (f.country == "BR" || f.country == "UY") &&
                    !strcmp(f.language, "pt");
         }},
        {"years 2000..2005",
         [](struct minga_query *q) {
             q->year_from = 2000;
             q->year_to = 2005;
         },
         [](const Facts &f) {
             int end = f.year_end ? f.year_end : f.year_start;
             return f.year_start <= 2005 && end >= 2000;
         }},
        {"from 2010, goal 5",
         [](struct minga_query *q) {
             q->year_from = 2010;
             q->goal_mask = 1u << 5;
         },
         [](const Facts &f) {
             int end = f.year_end ? f.year_end : f.year_start;
             return end >= 2010 && (f.goal_mask & (1u << 5));
         }},
    };
    return all;
}

/* Queries, which cases each must find, and which when that and the
 * filters leave none (several words are then OR-ed). */
struct Text {
    const char *text;
    std::function<bool(int i, const Facts &)> finds;
    std::function<bool(int i, const Facts &)> finds_relaxed;
};

bool holds_huerta(int i, const Facts &f)
{
    /* its translation, and the cases of goal 2 */
    return i % 7 == 0 || i % 11 == 0 || (f.goal_mask & (1u << 2));
}

const std::vector<Text> &texts()
{
    static const std::vector<Text> all = {
        {"", [](int, const Facts &) { return true; }, nullptr},
        {"alpha", [](int i, const Facts &) { return i % 2 == 0; }, nullptr},
        {"alpha beta", [](int i, const Facts &) { return i % 6 == 0; },
         [](int i, const Facts &) { return i % 2 == 0 || i % 3 == 0; }},
        {"alpha -gamma",
         [](int i, const Facts &) { return i % 2 == 0 && i % 5 != 0; },
         nullptr},
        {"beta zzzqx", [](int, const Facts &) { return false; },
         [](int i, const Facts &) { return i % 3 == 0; }},
        {"\"alpha beta\"", [](int i, const Facts &) { return i % 6 == 0; },
         nullptr},
        {"huerta", holds_huerta, nullptr},
        /* a rare word with a common one: the common one is looked up for
         * the rare one's cases only */
        {"delta alpha", [](int i, const Facts &) { return i % 50 == 0; },
         [](int i, const Facts &) { return i % 25 == 0 || i % 2 == 0; }},
        {"delta -alpha",
         [](int i, const Facts &) { return i % 25 == 0 && i % 2 == 1; },
         nullptr},
        {"gamma huerta",
         [](int i, const Facts &f) {
             return i % 5 == 0 && holds_huerta(i, f);
         },
         [](int i, const Facts &f) {
             return i % 5 == 0 || holds_huerta(i, f);
         }},
    };
    return all;
}

void check_counts(struct mindex *ix, const char *who)
{
    for (const Text &t : texts()) {
        for (const Filter &filter : filters()) {
            Counts want;
            /* all the words; when they match fewer than
             * MINDEX_FEW_MATCHES cases, the cases matching any of them
             * (ranked by how many: see mindex_query.cc) */
            for (int relaxed = 0;
                 relaxed <= 1 && want.total < MINDEX_FEW_MATCHES; relaxed++) {
                if (relaxed && !t.finds_relaxed)
                    break;
                want = Counts();
                for (int i = 1; i < N_CASES; i++) { /* c0 is deleted */
                    Facts f = facts_of(i);
                    if (filter.passes(f) &&
                        (relaxed ? t.finds_relaxed : t.finds)(i, f))
                        want.add(f);
                }
            }
            struct minga_query q;
            memset(&q, 0, sizeof q);
            q.text = (char *)t.text;
            q.limit = 10;
            q.want_facets = 1;
            filter.apply(&q);
            struct mindex_results *r = nullptr;
            char *errmsg = nullptr;
            if (mindex_search(ix, &q, &r, &errmsg) != 0)
                fail_msg("%s: search '%s': %s", who, t.text, errmsg);
            Counts have = counts_of(r);
            int is_estimate = r->is_estimate;
            size_t n_hits = r->n_hits;
            mindex_results_free(r);
            if (is_estimate)
                fail_msg("%s: '%s' (%s): counts estimated", who, t.text,
                         filter.name);
            if (have.describe() != want.describe())
                fail_msg("%s: '%s' (%s):\nhave %s\nwant %s", who, t.text,
                         filter.name, have.describe().c_str(),
                         want.describe().c_str());
            assert_int_equal(n_hits, want.total < 10 ? want.total : 10);
        }
    }
}

void test_reader_counts_every_match(void **state)
{
    Fixture *fx = (Fixture *)*state;
    check_counts(fx->reader, "reader");
}

void test_writer_counts_every_match(void **state)
{
    Fixture *fx = (Fixture *)*state;
    check_counts(fx->writer, "writer");
}

} /* namespace */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_counts_every_match),
        cmocka_unit_test(test_writer_counts_every_match),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
