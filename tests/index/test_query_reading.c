/*
 * How the index reads queries as people type them (issue 21), against a
 * small index built here: stopwords optional outside quotes, the cases
 * matching most words after those matching all (marked partial), a long
 * text searched by its discriminating words, a misspelt text that
 * matches nothing searched as corrected; and the snippets: no stopword
 * marked, Markdown headings kept out of the flow, a stem match marking
 * the word that matched.
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

static struct minga_case cases[] = {
    {.id = "campo-grande-casa-da-mulher",
     .title = "Casa da Mulher Brasileira",
     .summary = "A Casa reúne serviços para mulheres em situação de "
                "violência.",
     .body = "## Importância\n\nO caso é uma referência nacional. Atende "
             "24 horas por dia.\n\n## Serviços\n\n- acolhimento "
             "psicossocial;\n- delegacia especializada.",
     .language = "pt",
     .city = "Campo Grande",
     .country = "BR",
     .year_start = 2015},
    {.id = "quito-ciudad-segura",
     .title = "Ciudad segura para mujeres",
     .summary = "Programa contra la violencia hacia las mujeres en el "
                "transporte público.",
     .language = "es",
     .city = "Quito",
     .country = "EC",
     .year_start = 2011},
    {.id = "rosario-presupuesto-participativo",
     .title = "Presupuesto de Rosario",
     .summary = "Los vecinos eligen proyectos en consejos participativos "
                "de distrito.",
     .body = "## Importancia\n\nEl caso es un ejemplo de las ciudades de "
             "la región. Los jóvenes votan desde 2004.",
     .language = "es",
     .city = "Rosario",
     .country = "AR",
     .year_start = 2002},
    {.id = "curitiba-transporte",
     .title = "Rede Integrada de Transporte",
     .summary = "Ônibus expressos em canaletas exclusivas de transporte "
                "coletivo.",
     .language = "pt",
     .city = "Curitiba",
     .country = "BR",
     .year_start = 1974},
    {.id = "detroit-community-gardens",
     .title = "Urban farming in Detroit",
     .summary = "Community gardens turn vacant lots into food production "
                "run by neighbours.",
     .language = "en",
     .city = "Detroit",
     .country = "US",
     .year_start = 2008},
};
#define N_CASES (sizeof cases / sizeof cases[0])

static char dir[64];

static int setup(void **state)
{
    (void)state;
    struct mindex *writer = NULL;
    char *errmsg = NULL;
    strcpy(dir, "/tmp/minga-test-reading-XXXXXX");
    if (!mkdtemp(dir) || mindex_open(&writer, dir, MINDEX_WRITE, &errmsg) != 0)
        return -1;
    for (size_t i = 0; i < N_CASES; i++) {
        cases[i].struct_size = sizeof cases[i];
        if (mindex_put_case(writer, &cases[i], &errmsg) != 0)
            return -1;
    }
    int rc = mindex_commit(writer, 1, &errmsg);
    mindex_close(writer);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static struct mindex_results *search(const char *text, int spelling)
{
    struct mindex *ix = NULL;
    char *errmsg = NULL;
    if (mindex_open(&ix, dir, MINDEX_READ, &errmsg) != 0)
        fail_msg("open: %s", errmsg);
    struct minga_query q;
    memset(&q, 0, sizeof q);
    q.text = (char *)text;
    q.limit = 10;
    q.want_snippets = 1;
    q.want_spelling = spelling;
    struct mindex_results *r = NULL;
    if (mindex_search(ix, &q, &r, &errmsg) != 0)
        fail_msg("search '%s': %s", text, errmsg);
    mindex_close(ix);
    return r;
}

static const struct mindex_hit *hit_of(const struct mindex_results *r,
                                       const char *id)
{
    for (size_t i = 0; i < r->n_hits; i++)
        if (strcmp(r->hits[i].id, id) == 0)
            return &r->hits[i];
    fail_msg("%s not among the %zu hits", id, r->n_hits);
    return NULL;
}

/* "contra" and "a" are stopwords: the case that says "violência" and
 * "mulheres" but not "contra" matches every word that counts. */
static void test_stopwords_are_optional(void **state)
{
    (void)state;
    struct mindex_results *r = search("violência contra a mulher", 0);
    assert_true(r->n_hits >= 1);
    assert_string_equal(r->hits[0].id, "campo-grande-casa-da-mulher");
    assert_int_equal(r->hits[0].is_partial, 0);
    /* Quito's case says "violencia" only (no thesaurus here): after */
    for (size_t i = 1; i < r->n_hits; i++)
        assert_int_equal(r->hits[i].is_partial, 1);
    mindex_results_free(r);
}

/* Inside quotes they count: the phrase is in no case. */
static void test_stopwords_count_inside_a_phrase(void **state)
{
    (void)state;
    struct mindex_results *r = search("\"violência contra a mulher\"", 0);
    assert_int_equal(r->total, 0);
    mindex_results_free(r);
}

/* A text of stopwords only still finds what holds them. */
static void test_text_of_stopwords_only_requires_them(void **state)
{
    (void)state;
    struct mindex_results *r = search("contra la", 0);
    assert_int_equal(r->n_hits, 1);
    assert_string_equal(r->hits[0].id, "quito-ciudad-segura");
    mindex_results_free(r);
}

/* All the words match one case: it comes first, whole; the cases
 * matching one of them follow, marked partial, and so is the answer. */
static void test_partial_matches_follow_whole_ones(void **state)
{
    (void)state;
    struct mindex_results *r = search("violencia transporte", 0);
    assert_int_equal(r->n_hits, 3);
    assert_string_equal(r->hits[0].id, "quito-ciudad-segura");
    assert_int_equal(r->hits[0].is_partial, 0);
    assert_int_equal(r->is_partial, 1);
    assert_int_equal(hit_of(r, "curitiba-transporte")->is_partial, 1);
    assert_int_equal(hit_of(r, "campo-grande-casa-da-mulher")->is_partial, 1);
    /* the scores are BM25 weights again, not the quorum's steps */
    assert_true(r->hits[0].score < 1000.0);
    mindex_results_free(r);
}

/* A misspelt word that matches nothing: the suggestion is searched, and
 * the answer says what was typed. */
static void test_misspelt_text_is_searched_corrected(void **state)
{
    (void)state;
    struct mindex_results *r = search("transprote", 1);
    assert_non_null(r->corrected_from);
    assert_string_equal(r->corrected_from, "transprote");
    assert_string_equal(r->query_used, "transporte");
    assert_string_equal(r->suggestion, "transporte");
    assert_true(r->n_hits >= 1);
    assert_string_equal(r->hits[0].id, "curitiba-transporte");
    mindex_results_free(r);
    /* without spelling asked for, nothing is corrected */
    r = search("transprote", 0);
    assert_null(r->corrected_from);
    assert_int_equal(r->total, 0);
    mindex_results_free(r);
    /* quotes ask for the words as typed: suggested, not corrected */
    r = search("\"transprote\"", 1);
    assert_null(r->corrected_from);
    assert_int_equal(r->total, 0);
    assert_non_null(r->suggestion);
    mindex_results_free(r);
}

/* A pasted paragraph is searched by its discriminating words, any of
 * them, not as an AND of all its words. */
static void test_long_text_is_searched_as_similar(void **state)
{
    (void)state;
    struct mindex_results *r =
        search("We are looking for examples of cities where neighbours turned "
               "vacant lots into community gardens for local food production "
               "and training",
               0);
    assert_int_equal(r->is_similar, 1);
    assert_true(r->n_hits >= 1);
    assert_string_equal(r->hits[0].id, "detroit-community-gardens");
    mindex_results_free(r);
}

/* No stopword is marked: not "a", "de", "las", "contra". */
static void test_snippet_marks_no_stopword(void **state)
{
    (void)state;
    static const char *const texts[] = {"violência contra a mulher",
                                        "casa de las mujeres",
                                        "el caso de las ciudades", NULL};
    static const char *const stops[] = {
        "<mark>a</mark>",   "<mark>A</mark>",      "<mark>de</mark>",
        "<mark>las</mark>", "<mark>contra</mark>", "<mark>El</mark>",
        "<mark>el</mark>",  "<mark>em</mark>",     NULL};
    for (int t = 0; texts[t]; t++) {
        struct mindex_results *r = search(texts[t], 0);
        for (size_t i = 0; i < r->n_hits; i++)
            for (int s = 0; stops[s]; s++)
                if (strstr(r->hits[i].snippet, stops[s]))
                    fail_msg("'%s': %s marks a stopword: %s", texts[t],
                             r->hits[i].id, r->hits[i].snippet);
        mindex_results_free(r);
    }
}

/* Headings are out of the flow, and the fragment starts at a sentence:
 * not "Importancia El caso es". */
static void test_snippet_drops_headings(void **state)
{
    (void)state;
    struct mindex_results *r = search("ejemplo jóvenes", 0);
    const char *snippet =
        hit_of(r, "rosario-presupuesto-participativo")->snippet;
    assert_null(strstr(snippet, "Importancia"));
    assert_non_null(strstr(snippet, "El caso es un "
                                    "<mark>ejemplo</mark>"));
    mindex_results_free(r);
    r = search("referência acolhimento", 0);
    snippet = hit_of(r, "campo-grande-casa-da-mulher")->snippet;
    assert_null(strstr(snippet, "Importância"));
    assert_null(strstr(snippet, "Serviços"));
    assert_null(strstr(snippet, "- ")); /* no list markers either */
    mindex_results_free(r);
}

/* "participacion" matches "participativos" through a stem of its
 * plural: the snippet marks that word. */
static void test_snippet_marks_the_word_a_stem_matched(void **state)
{
    (void)state;
    struct mindex_results *r = search("participacion", 0);
    const char *snippet =
        hit_of(r, "rosario-presupuesto-participativo")->snippet;
    if (!strstr(snippet, "<mark>participativos</mark>"))
        fail_msg("no mark on the word that matched: %s", snippet);
    mindex_results_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stopwords_are_optional),
        cmocka_unit_test(test_stopwords_count_inside_a_phrase),
        cmocka_unit_test(test_text_of_stopwords_only_requires_them),
        cmocka_unit_test(test_partial_matches_follow_whole_ones),
        cmocka_unit_test(test_misspelt_text_is_searched_corrected),
        cmocka_unit_test(test_long_text_is_searched_as_similar),
        cmocka_unit_test(test_snippet_marks_no_stopword),
        cmocka_unit_test(test_snippet_drops_headings),
        cmocka_unit_test(test_snippet_marks_the_word_a_stem_matched),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
