/* Suggested goals and targets in the index (issue 21): the suggester a
 * writer is given stores them as terms, a search with want_suggested
 * matches and marks them, a search without never sees them, and an
 * index built without a suggester says it has none until rebuilt. The
 * suggester here is a stand-in (core's is the SDG packs: tests/cli/
 * test_search_suggested.py checks it on the sample catalog). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mindex.h"

#define GOAL(g) (1u << (g))

static const char *const targets_bus[] = {"11.2"};

static struct minga_case cases[] = {
    {.id = "bus",
     .title = "Bus rapid transit",
     .language = "en",
     .summary = "Dedicated bus lanes.",
     .country = "CO",
     .city = "Bogotá",
     .year_start = 2000,
     .goal_mask = GOAL(11),
     .targets = targets_bus,
     .n_targets = 1},
    {.id = "ciclovia",
     .title = "Ciclovía",
     .language = "es",
     .summary = "Calles cerradas a los autos los domingos.",
     .country = "CO",
     .city = "Bogotá",
     .year_start = 1974,
     .goal_mask = GOAL(3)},
};
#define N_CASES (sizeof cases / sizeof cases[0])

/* Suggests 11.2 and goal 11 for every case (the index keeps only the
 * untagged ones: core's suggester leaves tags out too). */
static int suggest_transport(void *arg, const struct minga_case *c,
                             struct mindex_suggested *out, char **errmsg)
{
    (void)arg, (void)c, (void)errmsg;
    out->goal_mask = GOAL(11);
    strcpy(out->targets[0], "11.2");
    out->n_targets = 1;
    return 0;
}

static char dir[64];

static void build(int with_suggester, int rebuild)
{
    struct mindex *w = NULL;
    char *err = NULL;
    assert_int_equal(mindex_open(&w, dir, MINDEX_WRITE, &err), 0);
    if (with_suggester)
        mindex_set_suggester(w, suggest_transport, NULL);
    if (rebuild)
        assert_int_equal(mindex_remove_all(w, &err), 0);
    for (size_t i = 0; i < N_CASES; i++) {
        cases[i].struct_size = sizeof cases[i];
        assert_int_equal(mindex_put_case(w, &cases[i], &err), 0);
    }
    assert_int_equal(mindex_commit(w, 1, &err), 0);
    mindex_close(w);
}

static struct mindex_results *search(int want_suggested, const char *target,
                                     int goal)
{
    struct mindex *r = NULL;
    char *err = NULL;
    assert_int_equal(mindex_open(&r, dir, MINDEX_READ, &err), 0);
    char *targets[1] = {(char *)target};
    struct minga_query q;
    memset(&q, 0, sizeof q);
    q.text = (char *)"";
    q.limit = 10;
    q.want_facets = 1;
    q.want_suggested = want_suggested;
    if (target) {
        q.targets = targets;
        q.n_targets = 1;
    }
    if (goal)
        q.goal_mask = GOAL(goal);
    struct mindex_results *res = NULL;
    assert_int_equal(mindex_search(r, &q, &res, &err), 0);
    mindex_close(r);
    return res;
}

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/minga-test-suggested-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_suggested_target_matches_only_with_the_flag(void **state)
{
    (void)state;
    build(1, 0);
    struct mindex_results *r = search(0, "11.2", 0);
    assert_int_equal(r->total, 1);
    assert_string_equal(r->hits[0].id, "bus");
    assert_int_equal(r->hits[0].n_suggested_targets, 0);
    mindex_results_free(r);

    r = search(1, "11.2", 0);
    assert_int_equal(r->is_suggested_unavailable, 0);
    assert_int_equal(r->total, 2);
    assert_string_equal(r->hits[0].id, "bus"); /* tagged first */
    assert_int_equal(r->hits[0].n_suggested_targets, 0);
    assert_int_equal(r->hits[0].suggested_goal_mask, 0);
    assert_string_equal(r->hits[1].id, "ciclovia");
    assert_int_equal(r->hits[1].n_suggested_targets, 1);
    assert_string_equal(r->hits[1].suggested_targets[0], "11.2");
    assert_int_equal(r->goal_counts[3], 1); /* facets: both */
    assert_int_equal(r->goal_counts[11], 1);
    mindex_results_free(r);

    r = search(1, NULL, 11);
    assert_int_equal(r->total, 2);
    assert_string_equal(r->hits[1].id, "ciclovia");
    assert_int_equal(r->hits[1].suggested_goal_mask, GOAL(11));
    mindex_results_free(r);
}

static void test_index_without_suggestions_says_so_until_rebuilt(void **state)
{
    (void)state;
    build(0, 0); /* as an index made before suggestions */
    struct mindex_results *r = search(1, "11.2", 0);
    assert_int_equal(r->is_suggested_unavailable, 1);
    assert_int_equal(r->total, 1);
    mindex_results_free(r);
    build(1, 0); /* a writer with a suggester: still mixed */
    r = search(1, "11.2", 0);
    assert_int_equal(r->is_suggested_unavailable, 1);
    mindex_results_free(r);
    build(1, 1); /* a reindex */
    r = search(1, "11.2", 0);
    assert_int_equal(r->is_suggested_unavailable, 0);
    assert_int_equal(r->total, 2);
    mindex_results_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_suggested_target_matches_only_with_the_flag, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_index_without_suggestions_says_so_until_rebuilt, setup,
            teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
