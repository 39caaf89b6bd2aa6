/*
 * The query parser: filters from options (query_add_filter) and inline in
 * the text (query_parse_inline), with comma lists for OR, year ranges and
 * messages that name the parameter for a bad value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "minga/plugin.h"
#include "query.h"
#include "refdata.h"

static struct minga_query q;

static int setup(void **state)
{
    (void)state;
    char *err = NULL;
    if (refdata_load(&err)) {
        print_error("refdata: %s\n", err ? err : "?");
        return -1;
    }
    query_init(&q);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    query_release(&q);
    return 0;
}

/* Adds a filter expecting failure; the message must start with the
 * parameter's name and quote the value. */
static void expect_bad(const char *name, const char *value)
{
    char *err = NULL;
    int rc = query_add_filter(&q, name, value, &err);
    assert_int_equal(rc, -1);
    assert_non_null(err);
    if (strncmp(err, name, strlen(name)) != 0)
        print_error("message \"%s\" does not name %s\n", err, name);
    assert_int_equal(strncmp(err, name, strlen(name)), 0);
    free(err);
}

static void add_ok(const char *name, const char *value)
{
    char *err = NULL;
    int rc = query_add_filter(&q, name, value, &err);
    if (rc)
        print_error("%s=%s: %s\n", name, value, err ? err : "?");
    assert_int_equal(rc, 0);
    free(err);
}

static void test_query_init_is_empty_with_default_limit(void **state)
{
    (void)state;
    assert_non_null(q.text);
    assert_string_equal(q.text, "");
    assert_int_equal(q.limit, QUERY_DEFAULT_LIMIT);
    assert_true(query_is_empty(&q));
}

static void test_inline_filters_are_taken_out_of_the_text(void **state)
{
    (void)state;
    char *err = NULL;
    int rc = query_parse_inline(
        &q, "sdg:11 level:local country:br \"bus rapid transit\"", &err);
    assert_int_equal(rc, 0);
    assert_null(err);
    assert_int_equal(q.goal_mask, 1u << 11);
    assert_int_equal(q.level_mask, MINGA_LEVEL_LOCAL);
    assert_int_equal(q.n_countries, 1);
    assert_string_equal(q.countries[0], "BR");
    /* the quoted phrase stays in the text, quotes included */
    assert_string_equal(q.text, "\"bus rapid transit\"");
    assert_false(query_is_empty(&q));
}

static void
test_inline_words_that_are_not_filters_stay_in_the_text(void **state)
{
    (void)state;
    char *err = NULL;
    assert_int_equal(query_parse_inline(&q,
                                        "orçamento http://x.org "
                                        "participativo",
                                        &err),
                     0);
    assert_string_equal(q.text, "orçamento http://x.org participativo");
    assert_int_equal(q.goal_mask, 0);
}

static void test_inline_filter_inside_quotes_stays_text(void **state)
{
    (void)state;
    char *err = NULL;
    assert_int_equal(query_parse_inline(&q, "\"sdg:11 cities\"", &err), 0);
    assert_int_equal(q.goal_mask, 0);
    assert_string_equal(q.text, "\"sdg:11 cities\"");
}

static void test_inline_bad_goal_names_the_parameter(void **state)
{
    (void)state;
    char *err = NULL;
    assert_int_equal(query_parse_inline(&q, "water sdg:18", &err), -1);
    assert_non_null(err);
    assert_int_equal(strncmp(err, "sdg", 3), 0);
    assert_non_null(strstr(err, "18"));
    free(err);
}

static void test_inline_parse_appends_to_existing_text(void **state)
{
    (void)state;
    char *err = NULL;
    assert_int_equal(query_parse_inline(&q, "huertas", &err), 0);
    assert_int_equal(query_parse_inline(&q, "lang:es urbanas", &err), 0);
    assert_string_equal(q.text, "huertas urbanas");
    assert_int_equal(q.n_languages, 1);
    assert_string_equal(q.languages[0], "es");
}

static void test_goal_filter_accepts_1_to_17(void **state)
{
    (void)state;
    add_ok("sdg", "1");
    add_ok("sdg", "17");
    assert_int_equal(q.goal_mask, (1u << 1) | (1u << 17));
}

static void test_goal_filter_rejects_0_18_and_words(void **state)
{
    (void)state;
    expect_bad("sdg", "0");
    expect_bad("sdg", "18");
    expect_bad("sdg", "eleven");
    expect_bad("sdg", "11x");
    assert_int_equal(q.goal_mask, 0);
}

static void test_comma_list_means_or_within_a_filter(void **state)
{
    (void)state;
    add_ok("sdg", "2,11");
    add_ok("country", "br, uy");
    add_ok("level", "local,regional");
    assert_int_equal(q.goal_mask, (1u << 2) | (1u << 11));
    assert_int_equal(q.n_countries, 2);
    assert_string_equal(q.countries[0], "BR");
    assert_string_equal(q.countries[1], "UY");
    assert_int_equal(q.level_mask, MINGA_LEVEL_LOCAL | MINGA_LEVEL_REGIONAL);
}

static void test_comma_list_with_one_bad_value_is_an_error(void **state)
{
    (void)state;
    expect_bad("sdg", "11,19");
}

static void test_repeated_country_is_kept_once(void **state)
{
    (void)state;
    add_ok("country", "AR");
    add_ok("country", "ar");
    assert_int_equal(q.n_countries, 1);
}

static void test_target_filter_accepts_official_ids_only(void **state)
{
    (void)state;
    add_ok("target", "6.a");
    add_ok("target", "17.19");
    assert_int_equal(q.n_targets, 2);
    expect_bad("target", "11.8");
    expect_bad("target", "6.c");
    assert_int_equal(q.n_targets, 2);
}

static void test_level_filter_rejects_unknown_level(void **state)
{
    (void)state;
    expect_bad("level", "municipal");
}

static void test_actor_filter_sets_bits_and_rejects_unknown(void **state)
{
    (void)state;
    add_ok("actor", "civil_society,academia");
    assert_int_equal(q.actor_mask,
                     MINGA_ACTOR_CIVIL_SOCIETY | MINGA_ACTOR_ACADEMIA);
    expect_bad("actor", "government");
}

static void test_country_filter_rejects_unknown_code(void **state)
{
    (void)state;
    expect_bad("country", "XX");
    expect_bad("country", "BRA");
    assert_int_equal(q.n_countries, 0);
}

static void test_lang_filter_folds_case_and_rejects_unknown(void **state)
{
    (void)state;
    add_ok("lang", "PT");
    assert_string_equal(q.languages[0], "pt");
    expect_bad("lang", "xx");
}

static void test_year_range_sets_both_ends(void **state)
{
    (void)state;
    add_ok("year", "2010..2020");
    assert_int_equal(q.year_from, 2010);
    assert_int_equal(q.year_to, 2020);
}

static void test_open_year_range_up_to(void **state)
{
    (void)state;
    add_ok("year", "..2015");
    assert_int_equal(q.year_from, 0);
    assert_int_equal(q.year_to, 2015);
}

static void test_open_year_range_from(void **state)
{
    (void)state;
    add_ok("year", "2002..");
    assert_int_equal(q.year_from, 2002);
    assert_int_equal(q.year_to, 0);
}

static void test_single_year_is_a_range_of_one(void **state)
{
    (void)state;
    add_ok("year", "1989");
    assert_int_equal(q.year_from, 1989);
    assert_int_equal(q.year_to, 1989);
}

static void test_bad_years_are_rejected(void **state)
{
    (void)state;
    expect_bad("year", "2020..2010");
    expect_bad("year", "..");
    expect_bad("year", "1800");
    expect_bad("year", "2010..2200");
    expect_bad("year", "last year");
}

static void test_inline_year_range(void **state)
{
    (void)state;
    char *err = NULL;
    assert_int_equal(
        query_parse_inline(&q, "year:2010..2020 transporte", &err), 0);
    assert_int_equal(q.year_from, 2010);
    assert_int_equal(q.year_to, 2020);
    assert_string_equal(q.text, "transporte");
}

static void test_year_from_after_year_to_is_rejected(void **state)
{
    (void)state;
    add_ok("year_to", "2000");
    expect_bad("year_from", "2010");
}

static void test_unknown_filter_name_is_rejected(void **state)
{
    (void)state;
    expect_bad("city", "Rosario");
}

/* The one list of filter names: each name it knows takes a valid value
 * through query_add_filter, and a name it does not know is refused there
 * too, so the CLI, the API and inline filters cannot drift apart. */
static void test_filter_names_are_one_list(void **state)
{
    (void)state;
    static const struct {
        const char *name, *value;
    } known[] = {
        {"sdg", "11"},         {"goal", "6"},         {"target", "11.2"},
        {"level", "local"},    {"actor", "academia"}, {"country", "br"},
        {"lang", "pt"},        {"language", "es"},    {"year", "2010..2020"},
        {"year_from", "2001"}, {"year_to", "2030"}};
    for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
        struct minga_query q;
        query_init(&q);
        char *err = NULL;
        assert_true(query_is_filter(known[i].name, strlen(known[i].name)));
        if (query_add_filter(&q, known[i].name, known[i].value, &err))
            fail_msg("%s=%s: %s", known[i].name, known[i].value, err);
        assert_false(query_is_empty(&q));
        query_release(&q);
    }
    static const char *const unknown[] = {
        "page", "q", "sdgs", "targets", "lan", "suggested", ""};
    for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++) {
        struct minga_query q;
        query_init(&q);
        char *err = NULL;
        assert_false(query_is_filter(unknown[i], strlen(unknown[i])));
        assert_int_equal(query_add_filter(&q, unknown[i], "1", &err), -1);
        free(err);
        query_release(&q);
    }
    /* len counts: "sdg" inside "sdgx" is not a name */
    assert_true(query_is_filter("sdgx", 3));
    assert_false(query_is_filter("sdgx", 4));
}

static void test_empty_value_is_rejected(void **state)
{
    (void)state;
    expect_bad("sdg", "");
    expect_bad("country", " , ");
}

static void test_describe_filters_lists_them_in_query_syntax(void **state)
{
    (void)state;
    add_ok("sdg", "11");
    add_ok("level", "local");
    add_ok("country", "br");
    add_ok("year", "2010..2020");
    char *text = query_describe_filters(&q);
    assert_non_null(text);
    assert_string_equal(text, "sdg:11 level:local country:BR year:2010..2020");
    free(text);
}

/* Issue 21: goals and targets as people type them become filters and
 * leave the text. */
static void test_goal_and_target_phrases_become_filters(void **state)
{
    (void)state;
    char *err = NULL;
    assert_int_equal(query_parse_inline(&q, "agua ODS 6 SDG11 meta 5.2", &err),
                     0);
    assert_string_equal(q.text, "agua");
    assert_int_equal(q.goal_mask, (1u << 6) | (1u << 11));
    assert_int_equal(q.n_targets, 1);
    assert_string_equal(q.targets[0], "5.2");
    query_release(&q);
    query_init(&q);
    assert_int_equal(query_parse_inline(&q,
                                        "objetivo 2, target 11.2 "
                                        "ods-16 goal 13",
                                        &err),
                     0);
    assert_string_equal(q.text, "");
    assert_int_equal(q.goal_mask, (1u << 2) | (1u << 16) | (1u << 13));
    assert_int_equal(q.n_targets, 1);
    assert_string_equal(q.targets[0], "11.2");
}

/* A phrase split over command-line arguments ("ODS" "6") is read once
 * the number arrives. */
static void test_goal_phrase_across_two_arguments(void **state)
{
    (void)state;
    char *err = NULL;
    assert_int_equal(query_parse_inline(&q, "ODS", &err), 0);
    assert_string_equal(q.text, "ODS");
    assert_int_equal(query_parse_inline(&q, "6", &err), 0);
    assert_string_equal(q.text, "");
    assert_int_equal(q.goal_mask, 1u << 6);
}

/* Numbers that are no goal or target, and phrases in quotes, stay
 * text: "meta 2030", "ODS 18", "meta 11" (a goal is no target). */
static void test_non_sdg_numbers_stay_text(void **state)
{
    (void)state;
    char *err = NULL;
    assert_int_equal(query_parse_inline(&q,
                                        "meta 2030 ODS 18 meta 11 "
                                        "\"ODS 6\"",
                                        &err),
                     0);
    assert_string_equal(q.text, "meta 2030 ODS 18 meta 11 \"ODS 6\"");
    assert_int_equal(q.goal_mask, 0);
    assert_int_equal(q.n_targets, 0);
}

/* A closing quote that touches the next word gets a space after it, so
 * the text grows (fuzz_params found the overflow). */
static void test_quotes_touching_words_are_spaced(void **state)
{
    (void)state;
    char *err = NULL;
    assert_int_equal(query_parse_inline(&q, "\"a\"b\"c\"d\"e\"f", &err), 0);
    assert_string_equal(q.text, "\"a\" b\"c\"d\"e\"f");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_query_init_is_empty_with_default_limit),
        T(test_inline_filters_are_taken_out_of_the_text),
        T(test_inline_words_that_are_not_filters_stay_in_the_text),
        T(test_inline_filter_inside_quotes_stays_text),
        T(test_inline_bad_goal_names_the_parameter),
        T(test_inline_parse_appends_to_existing_text),
        T(test_goal_filter_accepts_1_to_17),
        T(test_goal_filter_rejects_0_18_and_words),
        T(test_comma_list_means_or_within_a_filter),
        T(test_comma_list_with_one_bad_value_is_an_error),
        T(test_repeated_country_is_kept_once),
        T(test_target_filter_accepts_official_ids_only),
        T(test_level_filter_rejects_unknown_level),
        T(test_actor_filter_sets_bits_and_rejects_unknown),
        T(test_country_filter_rejects_unknown_code),
        T(test_lang_filter_folds_case_and_rejects_unknown),
        T(test_year_range_sets_both_ends),
        T(test_open_year_range_up_to),
        T(test_open_year_range_from),
        T(test_single_year_is_a_range_of_one),
        T(test_bad_years_are_rejected),
        T(test_inline_year_range),
        T(test_year_from_after_year_to_is_rejected),
        T(test_unknown_filter_name_is_rejected),
        T(test_filter_names_are_one_list),
        T(test_empty_value_is_rejected),
        T(test_describe_filters_lists_them_in_query_syntax),
        T(test_goal_and_target_phrases_become_filters),
        T(test_goal_phrase_across_two_arguments),
        T(test_non_sdg_numbers_stay_text),
        T(test_quotes_touching_words_are_spaced),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
