/*
 * Unicode folding (textfold.h): the one normalisation shared by the index,
 * the query parser and id slugs. NFKD, marks stripped, case folded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "textfold.h"

static void expect_fold(const char *in, const char *want)
{
    char *out = text_fold(in, strlen(in));
    assert_non_null(out);
    assert_string_equal(out, want);
    free(out);
}

static void expect_slug(const char *in, size_t max_len, const char *want)
{
    char *out = text_slug(in, max_len);
    assert_non_null(out);
    assert_string_equal(out, want);
    free(out);
}

static void test_fold_strips_accents_and_case(void **state)
{
    (void)state;
    expect_fold("Participación", "participacion");
    expect_fold("PARTICIPACION", "participacion");
    expect_fold("orçamento", "orcamento");
    expect_fold("São Paulo", "sao paulo");
    expect_fold("Bogotá D.C.", "bogota d.c.");
}

static void test_fold_treats_composed_and_decomposed_alike(void **state)
{
    (void)state;
    /* "ã" as one code point and as a + combining tilde */
    expect_fold("S\xc3\xa3o", "sao");
    expect_fold("Sa\xcc\x83o", "sao");
}

static void test_fold_applies_compatibility_mappings(void **state)
{
    (void)state;
    expect_fold("\xef\xac\x81nanzas", "finanzas"); /* "fi" ligature */
    expect_fold("Stra\xc3\x9f"
                "e",
                "strasse"); /* sharp s folds */
}

static void test_fold_honours_the_length(void **state)
{
    (void)state;
    char *out = text_fold("Rosario Santa Fe", 7);
    assert_non_null(out);
    assert_string_equal(out, "rosario");
    free(out);
    out = text_fold("", 0);
    assert_non_null(out);
    assert_string_equal(out, "");
    free(out);
}

static void test_fold_refuses_invalid_utf8(void **state)
{
    (void)state;
    assert_null(text_fold("Or\xe7"
                          "amento",
                          9));
}

static void test_slug_joins_city_and_title(void **state)
{
    (void)state;
    expect_slug("São Paulo Orçamento", 100, "sao-paulo-orcamento");
    expect_slug("Medellín: Metrocable (Línea K)", 100,
                "medellin-metrocable-linea-k");
}

static void test_slug_collapses_runs_and_trims_dashes(void **state)
{
    (void)state;
    expect_slug("  --Porto   Alegre!!  ", 100, "porto-alegre");
    expect_slug("a -- b", 100, "a-b");
}

static void test_slug_of_only_punctuation_is_empty(void **state)
{
    (void)state;
    expect_slug("¡¿!?", 100, "");
}

static void test_slug_is_cut_at_a_dash_within_max_len(void **state)
{
    (void)state;
    /* "alpha-beta-gamma" cut to at most 12: at the dash, not mid-word */
    expect_slug("alpha beta gamma", 12, "alpha-beta");
}

static void test_slug_never_exceeds_max_len(void **state)
{
    (void)state;
    char *out = text_slug("Participatory budgeting in the municipality of "
                          "Porto Alegre, Rio Grande do Sul, Brazil, since "
                          "1989, with regional and thematic assemblies",
                          100);
    assert_non_null(out);
    size_t n = strlen(out);
    assert_true(n > 50 && n <= 100);
    assert_true(out[n - 1] != '-');
    free(out);
    /* one long word: cut anyway */
    out = text_slug("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 10);
    assert_non_null(out);
    assert_string_equal(out, "aaaaaaaaaa");
    free(out);
}

static void test_slug_refuses_invalid_utf8(void **state)
{
    (void)state;
    assert_null(text_slug("S\xe3o Paulo", 100));
}

static void test_error_offset_of_valid_text_is_its_length(void **state)
{
    (void)state;
    const char *s = "Orçamento Participativo";
    assert_int_equal(text_utf8_error_offset(s, strlen(s)), strlen(s));
    assert_int_equal(text_utf8_error_offset("", 0), 0);
    assert_true(text_is_valid_utf8(s, strlen(s)));
}

static void test_error_offset_points_at_the_bad_byte(void **state)
{
    (void)state;
    assert_int_equal(text_utf8_error_offset("ab\xff"
                                            "cd",
                                            5),
                     2);
    /* Latin-1 "ç" after "Or" */
    assert_int_equal(text_utf8_error_offset("Or\xe7"
                                            "amento",
                                            9),
                     2);
    assert_false(text_is_valid_utf8("Or\xe7"
                                    "amento",
                                    9));
    /* past runs of ASCII checked 8 bytes at a time */
    assert_int_equal(text_utf8_error_offset("Participativo 2030 \xe7", 20),
                     19);
    assert_int_equal(text_utf8_error_offset("Or\xc3\xa7"
                                            "amento Participa"
                                            "tivo\xff",
                                            25),
                     24);
}

static void test_nul_byte_is_an_error(void **state)
{
    (void)state;
    /* inside a run of 8 ASCII bytes, and alone */
    assert_int_equal(text_utf8_error_offset("Montevi\0deo 2030", 17), 7);
    assert_int_equal(text_utf8_error_offset("ab\0", 3), 2);
    assert_true(text_is_valid_utf8("Montevideo, Uruguay", 19));
}

static void test_error_offset_of_truncated_sequence(void **state)
{
    (void)state;
    /* "é" (2 bytes) then the first byte of another "é" */
    assert_int_equal(text_utf8_error_offset("\xc3\xa9\xc3", 3), 2);
    /* a valid sequence cut by the length given */
    assert_int_equal(text_utf8_error_offset("a\xc3\xa9", 2), 1);
}

static void test_error_offset_of_overlong_and_surrogates(void **state)
{
    (void)state;
    assert_int_equal(text_utf8_error_offset("x\xc0\xaf", 3), 1);
    assert_int_equal(text_utf8_error_offset("\xed\xa0\x80", 3), 0);
    assert_int_equal(text_utf8_error_offset("\xf4\x90\x80\x80", 4), 0);
}

static void test_nul_byte_is_not_valid_text(void **state)
{
    (void)state;
    assert_int_equal(text_utf8_error_offset("ab\0cd", 5), 2);
    assert_false(text_is_valid_utf8("ab\0cd", 5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_strips_accents_and_case),
        cmocka_unit_test(test_fold_treats_composed_and_decomposed_alike),
        cmocka_unit_test(test_fold_applies_compatibility_mappings),
        cmocka_unit_test(test_fold_honours_the_length),
        cmocka_unit_test(test_fold_refuses_invalid_utf8),
        cmocka_unit_test(test_slug_joins_city_and_title),
        cmocka_unit_test(test_slug_collapses_runs_and_trims_dashes),
        cmocka_unit_test(test_slug_of_only_punctuation_is_empty),
        cmocka_unit_test(test_slug_is_cut_at_a_dash_within_max_len),
        cmocka_unit_test(test_slug_never_exceeds_max_len),
        cmocka_unit_test(test_slug_refuses_invalid_utf8),
        cmocka_unit_test(test_error_offset_of_valid_text_is_its_length),
        cmocka_unit_test(test_error_offset_points_at_the_bad_byte),
        cmocka_unit_test(test_nul_byte_is_an_error),
        cmocka_unit_test(test_error_offset_of_truncated_sequence),
        cmocka_unit_test(test_error_offset_of_overlong_and_surrogates),
        cmocka_unit_test(test_nul_byte_is_not_valid_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
