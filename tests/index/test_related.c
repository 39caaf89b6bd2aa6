/*
 * mindex_related_cases on a small index built here: five cases (es, pt,
 * en) and a thesaurus of two groups. A Spanish case on participatory
 * budgeting must find its Portuguese and English kin through the
 * thesaurus (they share no word with it), never itself, and say why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mindex.h"

#define GOAL(g) (1u << (g))

static const char *const targets_pb[] = {"16.7"};

static struct minga_case cases[] = {
    {.id = "montevideo-presupuesto-participativo",
     .title = "Presupuesto participativo de Montevideo",
     .summary = "Montevideo aplica el presupuesto participativo en sus "
                "municipios: los vecinos deciden obras e inversiones.",
     .language = "es",
     .city = "Montevideo",
     .country = "UY",
     .year_start = 1990,
     .goal_mask = GOAL(11) | GOAL(16),
     .targets = targets_pb,
     .n_targets = 1},
    {.id = "porto-alegre-orcamento-participativo",
     .title = "Orçamento Participativo de Porto Alegre",
     .summary = "Desde 1989, a população de Porto Alegre decide em "
                "assembleias abertas as prioridades de investimento.",
     .language = "pt",
     .city = "Porto Alegre",
     .country = "BR",
     .year_start = 1989,
     .goal_mask = GOAL(16),
     .targets = targets_pb,
     .n_targets = 1},
    {.id = "new-york-participatory-budgeting",
     .title = "Participatory budgeting in New York City",
     .summary = "Residents decide how to spend part of the council "
                "budget through participatory budgeting assemblies.",
     .language = "en",
     .city = "New York",
     .country = "US",
     .year_start = 2011,
     .goal_mask = GOAL(11) | GOAL(16)},
    {.id = "rosario-agricultura-urbana",
     .title = "Programa de Agricultura Urbana de Rosario",
     .summary = "La municipalidad de Rosario apoya huertas comunitarias "
                "con participación de organizaciones sociales.",
     .language = "es",
     .city = "Rosario",
     .country = "AR",
     .year_start = 2002,
     .goal_mask = GOAL(2) | GOAL(11)},
    {.id = "detroit-community-gardens",
     .title = "Urban farming in Detroit",
     .summary = "Each community garden turns a vacant lot into food "
                "production run by neighbours.",
     .language = "en",
     .city = "Detroit",
     .country = "US",
     .year_start = 2008,
     .goal_mask = GOAL(2) | GOAL(11)},
};
#define N_CASES (sizeof cases / sizeof cases[0])

static const char thesaurus[] =
    "es: presupuesto participativo | pt: orçamento participativo | "
    "en: participatory budgeting\n"
    "es: agricultura urbana | pt: agricultura urbana | "
    "en: urban agriculture | en: urban farming\n";

struct fixture {
    char dir[64];
    struct mindex *reader;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    struct mindex *writer = NULL;
    char *errmsg = NULL;
    if (!fx)
        return -1;
    strcpy(fx->dir, "/tmp/minga-test-related-XXXXXX");
    if (!mkdtemp(fx->dir) ||
        mindex_open(&writer, fx->dir, MINDEX_WRITE, &errmsg) != 0)
        return -1;
    for (size_t i = 0; i < N_CASES; i++) {
        cases[i].struct_size = sizeof cases[i];
        if (mindex_put_case(writer, &cases[i], &errmsg) != 0)
            return -1;
    }
    if (mindex_set_thesaurus(writer, thesaurus, strlen(thesaurus), &errmsg) !=
            0 ||
        mindex_commit(writer, 1, &errmsg) != 0)
        return -1;
    mindex_close(writer);
    if (mindex_open(&fx->reader, fx->dir, MINDEX_READ, &errmsg) != 0)
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    char cmd[128];
    mindex_close(fx->reader);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

static const struct mindex_related *find(const struct mindex_related_list *r,
                                         const char *id, size_t *rank)
{
    for (size_t i = 0; i < r->n_items; i++)
        if (strcmp(r->items[i].id, id) == 0) {
            if (rank)
                *rank = i;
            return &r->items[i];
        }
    return NULL;
}

static int has_term(const struct mindex_related *item, const char *term)
{
    for (size_t i = 0; i < item->n_shared_terms; i++)
        if (strcmp(item->shared_terms[i], term) == 0)
            return 1;
    return 0;
}

static void test_related_finds_kin_through_the_thesaurus(void **state)
{
    struct fixture *fx = *state;
    struct mindex_related_list *r = NULL;
    char *errmsg = NULL;
    assert_int_equal(
        mindex_related_cases(fx->reader, cases[0].id, 5, &r, &errmsg), 0);
    assert_null(find(r, cases[0].id, NULL));
    size_t rank_pt = 99, rank_en = 99, rank_farm = 99;
    const struct mindex_related *pt = find(r, cases[1].id, &rank_pt);
    const struct mindex_related *en = find(r, cases[2].id, &rank_en);
    assert_non_null(pt);
    assert_non_null(en);
    /* they rank above the cases on another topic, if those come at all */
    if (find(r, cases[3].id, &rank_farm)) {
        assert_true(rank_pt < rank_farm);
        assert_true(rank_en < rank_farm);
    }
    /* why: the goals and target both have, the phrase and its
     * translation as each case writes it */
    assert_int_equal(pt->shared_goal_mask, GOAL(16));
    assert_int_equal(en->shared_goal_mask, GOAL(11) | GOAL(16));
    assert_int_equal(pt->n_shared_targets, 1);
    assert_string_equal(pt->shared_targets[0], "16.7");
    assert_int_equal(en->n_shared_targets, 0);
    assert_true(has_term(pt, "presupuesto participativo = "
                             "Orçamento Participativo"));
    assert_true(has_term(en, "presupuesto participativo = "
                             "Participatory budgeting") ||
                has_term(en, "presupuesto participativo = "
                             "participatory budgeting"));
    assert_false(pt->is_same_city);
    mindex_related_free(r);
}

static void test_related_refuses_unknown_id_and_bad_limit(void **state)
{
    struct fixture *fx = *state;
    struct mindex_related_list *r = NULL;
    char *errmsg = NULL;
    assert_int_equal(
        mindex_related_cases(fx->reader, "no-such-case", 5, &r, &errmsg),
        MINGA_ENOTFOUND);
    assert_null(r);
    free(errmsg);
    errmsg = NULL;
    assert_int_equal(
        mindex_related_cases(fx->reader, cases[0].id, 0, &r, &errmsg),
        MINGA_EINVAL);
    free(errmsg);
    errmsg = NULL;
    assert_int_equal(mindex_related_cases(fx->reader, cases[0].id,
                                          MINDEX_RELATED_MAX + 1, &r, &errmsg),
                     MINGA_EINVAL);
    free(errmsg);
    assert_null(r);
}

static void test_related_limit_cuts_the_list(void **state)
{
    struct fixture *fx = *state;
    struct mindex_related_list *one = NULL, *all = NULL;
    assert_int_equal(
        mindex_related_cases(fx->reader, cases[0].id, 1, &one, NULL), 0);
    assert_int_equal(mindex_related_cases(fx->reader, cases[0].id,
                                          MINDEX_RELATED_MAX, &all, NULL),
                     0);
    assert_int_equal(one->n_items, 1);
    assert_true(all->n_items >= 2 && all->n_items <= N_CASES - 1);
    assert_string_equal(one->items[0].id, all->items[0].id);
    for (size_t i = 1; i < all->n_items; i++)
        assert_true(all->items[i - 1].score >= all->items[i].score);
    mindex_related_free(one);
    mindex_related_free(all);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_related_finds_kin_through_the_thesaurus),
        T(test_related_refuses_unknown_id_and_bad_limit),
        T(test_related_limit_cuts_the_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
