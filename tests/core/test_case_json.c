/*
 * The case format's vocabularies (vocab.h) and its one JSON writer
 * (case_json.h), shared by the catalog, the index and the exporters.
 * Names and field order from shared/docs/case-format.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "case.h"
#include "case_json.h"
#include "vocab.h"

/* The contract's lists, in its order: bit i is the i-th name. */
static const char *const format_levels[] = {"local", "regional", "national",
                                            "multilateral"};
static const char *const format_actors[] = {
    "public_sector", "civil_society", "private_sector",
    "academia",      "community",     "international_organization"};

static void test_names_are_the_contracts_and_round_trip(void **state)
{
    (void)state;
    assert_int_equal(MINGA_N_LEVELS, 4);
    assert_int_equal(MINGA_N_ACTORS, 6);
    for (unsigned i = 0; i < MINGA_N_LEVELS; i++) {
        assert_string_equal(vocab_level_name(i), format_levels[i]);
        assert_int_equal(vocab_level_bit(format_levels[i]), 1u << i);
    }
    for (unsigned i = 0; i < MINGA_N_ACTORS; i++) {
        assert_string_equal(vocab_actor_name(i), format_actors[i]);
        assert_int_equal(vocab_actor_bit(format_actors[i]), 1u << i);
    }
    assert_null(vocab_level_name(MINGA_N_LEVELS));
    assert_null(vocab_actor_name(MINGA_N_ACTORS));
    /* exact names only: no case folding, no level among the actors */
    assert_int_equal(vocab_level_bit("Local"), 0);
    assert_int_equal(vocab_level_bit("academia"), 0);
    assert_int_equal(vocab_actor_bit("local"), 0);
    assert_int_equal(vocab_actor_bit(NULL), 0);
}

static void test_labels_by_language(void **state)
{
    (void)state;
    /* civil_society and national differ in all three languages */
    assert_string_equal(vocab_actor_label(1, "es"), "Sociedad civil");
    assert_string_equal(vocab_actor_label(1, "pt"), "Sociedade civil");
    assert_string_equal(vocab_actor_label(1, "en"), "Civil society");
    assert_string_equal(vocab_level_label(2, "es"), "Nacional");
    assert_string_equal(vocab_level_label(2, "en"), "National");
    /* anything else is English */
    assert_string_equal(vocab_actor_label(1, "fr"), "Civil society");
    assert_string_equal(vocab_actor_label(1, NULL), "Civil society");
    assert_null(vocab_level_label(MINGA_N_LEVELS, "es"));
    /* every label exists in every language */
    const char *langs[] = {"es", "pt", "en"};
    for (int l = 0; l < 3; l++) {
        for (unsigned i = 0; i < MINGA_N_LEVELS; i++)
            assert_true(strlen(vocab_level_label(i, langs[l])) > 0);
        for (unsigned i = 0; i < MINGA_N_ACTORS; i++)
            assert_true(strlen(vocab_actor_label(i, langs[l])) > 0);
    }
}

/* Montevideo's urban sanitation plan, as in data/sample. */
static struct minga_case *sample_case(void)
{
    struct minga_case *c = case_new();
    assert_non_null(c);
    assert_int_equal(case_set(&c->id, "montevideo-plan-saneamiento-urbano"),
                     0);
    assert_int_equal(case_set(&c->title, "Plan de Saneamiento Urbano"), 0);
    assert_int_equal(case_set(&c->summary, "Saneamiento de la ciudad."), 0);
    assert_int_equal(case_set(&c->language, "es"), 0);
    assert_int_equal(case_set(&c->city, "Montevideo"), 0);
    assert_int_equal(case_set(&c->country, "UY"), 0);
    c->year_start = 1983;
    c->goal_mask = (1u << 6) | (1u << 11);
    c->level_mask = (1u << 0) | (1u << 3); /* local, multilateral */
    return c;
}

static void test_fields_in_the_contracts_order(void **state)
{
    (void)state;
    struct minga_case *c = sample_case();
    assert_int_equal(case_strv_push(&c->targets, &c->n_targets, "6.2"), 0);
    c->actor_mask = 1u << 5; /* international_organization */
    assert_int_equal(case_set(&c->license, "CC-BY-4.0"), 0);
    assert_int_equal(case_add_attachment(c, "docs/plan.pdf", "", "", 1, ""),
                     0);
    assert_int_equal(case_set(&c->created_at, "2026-01-02T03:04:05Z"), 0);
    json_t *o = case_json_new(c, 0);
    assert_non_null(o);
    const char *want[] = {"id",          "title",   "summary",    "language",
                          "city",        "country", "year_start", "sdg_goals",
                          "sdg_targets", "levels",  "actors",     "license",
                          "attachments"};
    size_t n = 0;
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        assert_true(n < sizeof want / sizeof want[0]);
        assert_string_equal(key, want[n]);
        n++;
    }
    assert_int_equal(n, sizeof want / sizeof want[0]);
    char *text = json_dumps(json_object_get(o, "sdg_goals"), JSON_COMPACT);
    assert_string_equal(text, "[6,11]");
    free(text);
    text = json_dumps(json_object_get(o, "levels"), JSON_COMPACT);
    assert_string_equal(text, "[\"local\",\"multilateral\"]");
    free(text);
    text = json_dumps(json_object_get(o, "attachments"), JSON_COMPACT);
    assert_string_equal(text, "[\"docs/plan.pdf\"]");
    free(text);
    json_decref(o);

    /* the times only when asked for, after everything else */
    o = case_json_new(c, CASE_JSON_TIMES);
    assert_string_equal(json_string_value(json_object_get(o, "created_at")),
                        "2026-01-02T03:04:05Z");
    assert_null(json_object_get(o, "updated_at")); /* not set: left out */
    json_decref(o);
    case_free(c);
}

static void test_empty_optional_fields_left_out(void **state)
{
    (void)state;
    struct minga_case *c = sample_case();
    c->level_mask = 0;
    json_t *o = case_json_new(c, 0);
    assert_non_null(o);
    const char *absent[] = {"body",    "region",     "year_end", "sdg_targets",
                            "levels",  "actors",     "tags",     "source_url",
                            "license", "attachments"};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
        assert_null(json_object_get(o, absent[i]));
    json_decref(o);
    case_free(c);
}

static void test_invalid_utf8_is_refused_not_dropped(void **state)
{
    (void)state;
    struct minga_case *c = sample_case();
    assert_int_equal(case_set(&c->city, "Montevid\xc3"), 0);
    assert_null(case_json_new(c, 0));
    case_free(c);
    c = sample_case();
    assert_int_equal(case_strv_push(&c->tags, &c->n_tags, "agua\xff"), 0);
    assert_null(case_json_new(c, 0));
    case_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_are_the_contracts_and_round_trip),
        cmocka_unit_test(test_labels_by_language),
        cmocka_unit_test(test_fields_in_the_contracts_order),
        cmocka_unit_test(test_empty_optional_fields_left_out),
        cmocka_unit_test(test_invalid_utf8_is_refused_not_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
