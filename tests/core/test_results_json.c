/*
 * The search answer's JSON text (core/results_json.c), the body of every
 * GET /api/search and `minga search --json`: read back with jansson and
 * checked field by field against docs/openapi.json's SearchResults, with
 * texts that need escaping and one that is not UTF-8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "minga.h"
#include "query.h"
#include "refdata.h"

/* Bogotá's TransMilenio (bus rapid transit, opened in December 2000),
 * as a hit of a search for "transporte" filtered to goal 11. */
static char snippet[] =
    "…el sistema <mark>TransMilenio</mark> \"troncal\" \\ C:\\buses\t"
    "reemplazó rutas…";
static struct mindex_hit hit = {
    .id = "bogota-transmilenio",
    .score = 12.0,
    .percent = 87,
    .title = "TransMilenio: bus de tránsito rápido en Bogotá",
    .city = "Bogotá",
    .country = "CO",
    .language = "es",
    .year_start = 2000,
    .year_end = 0,
    .goal_mask = (1u << 9) | (1u << 11),
    .level_mask = MINGA_LEVEL_LOCAL | MINGA_LEVEL_NATIONAL,
    .actor_mask = MINGA_ACTOR_PUBLIC_SECTOR | MINGA_ACTOR_PRIVATE_SECTOR,
    .snippet = snippet,
};
static struct mindex_count countries[] = {{"CO", 3}, {"BR", 1}};
static struct mindex_count languages[] = {{"es", 3}, {"pt", 1}};

static struct minga_query q;
static struct mindex_results r;

static int setup(void **state)
{
    (void)state;
    char *err = NULL;
    if (refdata_load(&err)) {
        print_error("refdata: %s\n", err ? err : "?");
        return -1;
    }
    query_init(&q);
    if (query_parse_inline(&q, "transporte", &err) ||
        query_add_filter(&q, "sdg", "11", &err)) {
        print_error("query: %s\n", err ? err : "?");
        return -1;
    }
    q.offset = 20;
    q.limit = 10;
    memset(&r, 0, sizeof r);
    r.total = 4;
    r.hits = &hit;
    r.n_hits = 1;
    r.goal_counts[11] = 4;
    r.goal_counts[9] = 1;
    r.level_counts[0] = 4; /* local */
    r.actor_counts[5] = 2; /* international_organization */
    r.countries = countries;
    r.n_countries = 2;
    r.languages = languages;
    r.n_languages = 2;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    query_release(&q);
    return 0;
}

static json_t *answer(void)
{
    size_t n = 0;
    char *text = minga_results_json(&q, &r, &n);
    assert_non_null(text);
    assert_int_equal(n, strlen(text));
    json_error_t jerr;
    json_t *o = json_loads(text, 0, &jerr);
    if (!o)
        print_error("not JSON (%s at %d): %s\n", jerr.text, jerr.position,
                    text);
    assert_non_null(o);
    free(text);
    return o;
}

static void assert_str(json_t *o, const char *key, const char *want)
{
    json_t *v = json_object_get(o, key);
    assert_true(json_is_string(v));
    assert_string_equal(json_string_value(v), want);
}

static void assert_int(json_t *o, const char *key, json_int_t want)
{
    json_t *v = json_object_get(o, key);
    assert_true(json_is_integer(v));
    assert_int_equal(json_integer_value(v), want);
}

static void test_top_level(void **state)
{
    (void)state;
    json_t *o = answer();
    assert_int(o, "total", 4);
    assert_true(json_is_false(json_object_get(o, "estimated")));
    assert_int(o, "page", 3); /* offset 20, 10 a page */
    assert_int(o, "per_page", 10);
    assert_str(o, "query", "transporte");
    assert_str(o, "filters", "sdg:11");
    assert_true(json_is_null(json_object_get(o, "suggestion")));
    assert_int_equal(json_array_size(json_object_get(o, "results")), 1);
    json_decref(o);
}

static void test_hit(void **state)
{
    (void)state;
    json_t *o = answer();
    json_t *h = json_array_get(json_object_get(o, "results"), 0);
    assert_str(h, "id", "bogota-transmilenio");
    assert_str(h, "title", "TransMilenio: bus de tránsito rápido en Bogotá");
    assert_str(h, "city", "Bogotá");
    assert_str(h, "country", "CO");
    assert_str(h, "country_name", "Colombia");
    assert_str(h, "language", "es");
    assert_int(h, "year_start", 2000);
    assert_true(json_is_null(json_object_get(h, "year_end")));
    /* quotes, backslashes and a tab come back as they were */
    assert_str(h, "snippet", snippet);
    json_t *score = json_object_get(h, "score");
    assert_true(json_is_real(score)); /* 12.0 stays a real */
    assert_true(json_real_value(score) == 12.0);
    assert_int(h, "percent", 87);
    json_t *goals = json_object_get(h, "goals");
    assert_int_equal(json_array_size(goals), 2);
    assert_int_equal(json_integer_value(json_array_get(goals, 0)), 9);
    assert_int_equal(json_integer_value(json_array_get(goals, 1)), 11);
    json_t *levels = json_object_get(h, "levels");
    assert_int_equal(json_array_size(levels), 2);
    assert_string_equal(json_string_value(json_array_get(levels, 0)), "local");
    assert_string_equal(json_string_value(json_array_get(levels, 1)),
                        "national");
    json_t *actors = json_object_get(h, "actors");
    assert_int_equal(json_array_size(actors), 2);
    assert_string_equal(json_string_value(json_array_get(actors, 0)),
                        "public_sector");
    assert_string_equal(json_string_value(json_array_get(actors, 1)),
                        "private_sector");
    json_decref(o);
}

static void test_facets(void **state)
{
    (void)state;
    json_t *o = answer();
    json_t *f = json_object_get(o, "facets");
    json_t *goals = json_object_get(f, "goals");
    /* only goals with cases, in goal order */
    assert_int_equal(json_array_size(goals), 2);
    assert_int(json_array_get(goals, 0), "value", 9);
    assert_int(json_array_get(goals, 0), "count", 1);
    assert_int(json_array_get(goals, 1), "value", 11);
    assert_int(json_array_get(goals, 1), "count", 4);
    json_t *levels = json_object_get(f, "levels");
    assert_int_equal(json_array_size(levels), 1);
    assert_str(json_array_get(levels, 0), "value", "local");
    json_t *actors = json_object_get(f, "actors");
    assert_int_equal(json_array_size(actors), 1);
    assert_str(json_array_get(actors, 0), "value",
               "international_organization");
    assert_int(json_array_get(actors, 0), "count", 2);
    json_t *c = json_object_get(f, "countries");
    assert_int_equal(json_array_size(c), 2);
    assert_str(json_array_get(c, 0), "value", "CO");
    assert_int(json_array_get(c, 0), "count", 3);
    assert_str(json_array_get(c, 1), "value", "BR");
    json_t *l = json_object_get(f, "languages");
    assert_int_equal(json_array_size(l), 2);
    assert_str(json_array_get(l, 1), "value", "pt");
    assert_int(json_array_get(l, 1), "count", 1);
    json_decref(o);
}

static void test_suggestion(void **state)
{
    (void)state;
    r.suggestion = "transportes";
    json_t *o = answer();
    r.suggestion = NULL;
    assert_str(o, "suggestion", "transportes");
    json_decref(o);
}

/* The score's text: rounded to 6 decimal places, always a fraction. */
static void test_score_text(void **state)
{
    (void)state;
    static const struct {
        double score;
        const char *text;
    } cases[] = {
        {12.0, "\"score\":12.0,"},
        {2.123456789, "\"score\":2.123457,"},
        {0.5, "\"score\":0.5,"},
        {0.0000004, "\"score\":0.0,"},
        {9.9999996, "\"score\":10.0,"},
        {1234567.25, "\"score\":1234567.25,"},
        {-3.5, "\"score\":-3.5,"},
        {3.05, "\"score\":3.05,"}, /* zeros inside the fraction */
        {7.000001, "\"score\":7.000001,"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hit.score = cases[i].score;
        char *text = minga_results_json(&q, &r, NULL);
        assert_non_null(text);
        if (!strstr(text, cases[i].text))
            print_error("score %.9g: want %s in %s\n", cases[i].score,
                        cases[i].text, text);
        assert_non_null(strstr(text, cases[i].text));
        free(text);
    }
    hit.score = 12.0;
}

/* A page far larger than the writer's first buffer comes out whole: 500
 * hits (about 400 KB), each read back. */
static void test_long_answer(void **state)
{
    (void)state;
    enum {
        N = 500
    };
    struct mindex_hit *hits = calloc(N, sizeof *hits);
    assert_non_null(hits);
    for (size_t i = 0; i < N; i++) {
        hits[i] = hit;
        hits[i].percent = (int)(i % 100);
    }
    r.hits = hits;
    r.n_hits = N;
    size_t n = 0;
    char *text = minga_results_json(&q, &r, &n);
    r.hits = &hit;
    r.n_hits = 1;
    free(hits);
    assert_non_null(text);
    assert_true(n > 16384 * 8);
    assert_int_equal(n, strlen(text));
    json_error_t jerr;
    json_t *o = json_loads(text, 0, &jerr);
    free(text);
    assert_non_null(o);
    json_t *results = json_object_get(o, "results");
    assert_int_equal(json_array_size(results), N);
    for (size_t i = 0; i < N; i++) {
        json_t *h = json_array_get(results, i);
        assert_int(h, "percent", (json_int_t)(i % 100));
        assert_str(h, "snippet", snippet);
    }
    json_decref(o);
}

static void test_text_not_utf8_fails(void **state)
{
    (void)state;
    char bad[] = "Bogot\xe1"; /* Latin-1, not UTF-8 */
    hit.city = bad;
    size_t n = 7;
    char *text = minga_results_json(&q, &r, &n);
    hit.city = "Bogotá";
    assert_null(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_top_level),
        cmocka_unit_test(test_hit),
        cmocka_unit_test(test_facets),
        cmocka_unit_test(test_suggestion),
        cmocka_unit_test(test_score_text),
        cmocka_unit_test(test_long_answer),
        cmocka_unit_test(test_text_not_utf8_fails),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
