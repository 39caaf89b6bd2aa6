/*
 * make_snippet (index/mindex_snippet.cc) on its own: the tokens it finds
 * and marks wherever they fall against the 16-byte blocks its scan reads
 * at once, in ASCII and accented text, and that the words it passes over
 * by their first bytes are still marked when they stem to a highlighted
 * stem.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
extern "C" {
#include <cmocka.h>
}

#include <string>

#include "mindex_snippet.h"
#include "mindex_text.h"

using namespace mindex_impl;

static std::string snippet(const std::string &text, const char *lang,
                           const Highlight &hl)
{
    StemMemo stem;
    stem.stem = make_stem(lang);
    SnippetCache cache;
    return make_snippet(text, lang, stem, hl, cache);
}

static void assert_snippet(const std::string &got, const std::string &want)
{
    if (got != want)
        fail_msg("snippet\n  got:  %s\n  want: %s", got.c_str(), want.c_str());
}

/* A short text comes back whole, its matches marked, whatever the offset
 * of each word in the text: `text` after 0 to 40 bytes of `pad_byte`,
 * so each word starts, ends and straddles a block boundary somewhere. */
static void assert_marked_at_every_offset(char pad_byte, const char *lang,
                                          const Highlight &hl,
                                          const std::string &text,
                                          const std::string &want)
{
    for (size_t k = 0; k <= 40; k++) {
        std::string pad(k, pad_byte);
        assert_snippet(snippet(pad + text, lang, hl), pad + want);
    }
}

static void test_marks_at_every_offset(void **state)
{
    (void)state;
    Highlight hl;
    hl.words = {"agua"};
    hl.stems = {"agu", "potabl"};
    assert_marked_at_every_offset(
        'x', "es", hl, " Aguas limpias y agua POTABLE en 2024.",
        " <mark>Aguas</mark> limpias y <mark>agua</mark> "
        "<mark>POTABLE</mark> en 2024.");
}

/* Accented letters (two-byte UTF-8) inside and around the words, at
 * every offset: "Água" folds to agua, "ÁGUAS" to aguas; "aguapé" begins
 * like them but stems to none of the highlighted stems. */
static void test_marks_accented_words_at_every_offset(void **state)
{
    (void)state;
    Highlight hl;
    hl.words = {"agua"};
    hl.stems = {"agu", "saneament"};
    assert_marked_at_every_offset(
        'a', "pt", hl, " Água e saneamento: ÁGUAS do aguapé, ação já.",
        " <mark>Água</mark> e <mark>saneamento</mark>: <mark>ÁGUAS</mark> "
        "do aguapé, ação já.");
}

/* Tokens are runs of letters and digits: a word glued to punctuation, a
 * word of one letter, digits, and a token that runs across the blocks
 * of a long run of letters with no space. */
static void test_token_boundaries(void **state)
{
    (void)state;
    Highlight hl;
    hl.words = {"x", "2030", "objetivo"};
    hl.stems = {};
    std::string longword(37, 'z');
    std::string text =
        "(objetivo)x-2030," + longword + "objetivo " + longword + " objetivo";
    std::string want = "(<mark>objetivo</mark>)<mark>x</mark>-"
                       "<mark>2030</mark>," +
                       longword + "objetivo " + longword +
                       " <mark>objetivo</mark>";
    assert_snippet(snippet(text, "es", hl), want);
}

/* A stopword is never marked, even when the highlight holds it or a
 * stem of it ("las", "de", "estados" stemming as "estado" would). */
static void test_never_marks_a_stopword(void **state)
{
    (void)state;
    Highlight hl;
    hl.words = {"las", "de", "huertas"};
    hl.stems = {"estad", "huert"};
    assert_snippet(
        snippet("Las huertas de los estados y la huerta.", "es", hl),
        "Las <mark>huertas</mark> de los estados y la "
        "<mark>huerta</mark>.");
}

/* A long text: the fragment starts at the sentence that holds the match
 * and ends at a sentence end, without "…" at either side; a block break
 * (a new paragraph) reads as a space. */
static void test_cuts_at_sentence_boundaries(void **state)
{
    (void)state;
    Highlight hl;
    hl.words = {"compost"};
    std::string filler;
    for (int i = 0; i < 12; i++)
        filler += "Otra frase sin nada que ver con el tema. ";
    std::string text = filler +
                       "La ciudad reparte compost a las "
                       "huertas.\nEl programa sigue hoy en cada barrio "
                       "con apoyo municipal y de las escuelas. " +
                       filler;
    std::string got = snippet(text, "es", hl);
    assert_snippet(got, "La ciudad reparte <mark>compost</mark> a las "
                        "huertas. El programa sigue hoy en cada barrio "
                        "con apoyo municipal y de las escuelas. Otra frase "
                        "sin nada que ver con el tema. Otra frase sin nada "
                        "que ver con el tema.");
}

/* The attachments' snippet text has its own value slot; document data
 * that still carries it (as written before) decodes the same. */
static void test_snippet_sources_round_trip(void **state)
{
    (void)state;
    SnippetSources sources = {{"anexos/informe.txt", "El taller formó"},
                              {"plan.pdf", "Plano diretor"}};
    SnippetSources back;
    assert_true(
        snippet_sources_decode(snippet_sources_encode(sources), &back));
    assert_true(back == sources);
    assert_true(snippet_sources_decode("", &back));
    assert_int_equal(back.size(), 0);
    std::string bad = snippet_sources_encode(sources);
    assert_false(snippet_sources_decode(bad.substr(0, bad.size() - 1), &back));
    assert_false(snippet_sources_decode(bad + "x", &back));

    DocData old;
    old.id = "rosario-x";
    old.title = "Presupuesto participativo";
    old.language = "es";
    old.text = "Resumen";
    old.year_start = 2002;
    old.attachments = sources; /* the layout written before */
    DocData got;
    assert_true(docdata_decode(docdata_encode(old), &got));
    assert_true(got.attachments == sources);
    assert_string_equal(got.text.c_str(), "Resumen");
    old.attachments.clear(); /* the layout written now */
    assert_true(docdata_decode(docdata_encode(old), &got));
    assert_int_equal(got.attachments.size(), 0);
    assert_int_equal(got.year_start, 2002);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_marks_at_every_offset),
        cmocka_unit_test(test_marks_accented_words_at_every_offset),
        cmocka_unit_test(test_token_boundaries),
        cmocka_unit_test(test_never_marks_a_stopword),
        cmocka_unit_test(test_cuts_at_sentence_boundaries),
        cmocka_unit_test(test_snippet_sources_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
