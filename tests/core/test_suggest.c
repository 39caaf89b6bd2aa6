/*
 * SDG suggestions (core/suggest.h, core/suggest_packs.h): the query packs
 * of data/sdg_targets.json (syntax and coverage of the 169 targets), the
 * matching rules (folded words, phrases on word boundaries, plurals,
 * prefixes), and the scoring on real passages of sample cases.
 *
 * Expectations come from the SDG targets and the issue (a bus rapid
 * transit case speaks of target 11.2, "public transport"), not from
 * running the code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "case.h"
#include "refdata.h"
#include "suggest.h"
#include "suggest_lookup.h"
#include "suggest_packs.h"
#include "textfold.h"

#ifndef MINGA_SOURCE_DIR
#error "MINGA_SOURCE_DIR must be defined"
#endif
#define TARGETS_JSON MINGA_SOURCE_DIR "/data/sdg_targets.json"

static const struct suggest_packs *packs(void)
{
    char *err = NULL;
    const struct suggest_packs *p = suggest_packs_builtin(&err);
    if (!p)
        fail_msg("built-in packs: %s", err ? err : "?");
    return p;
}

/* -- the data file ----------------------------------------------------- */

/* Read as plain JSON, apart from the loader: the rules a contributor
 * editing the file must keep. */
static void test_data_file_covers_every_target_with_valid_packs(void **state)
{
    (void)state;
    char *err = NULL;
    assert_int_equal(refdata_load(&err), 0);
    json_error_t jerr;
    json_t *root = json_load_file(TARGETS_JSON, 0, &jerr);
    if (!root)
        fail_msg("%s:%d: %s", TARGETS_JSON, jerr.line, jerr.text);
    json_t *items = json_object_get(root, "targets");
    assert_int_equal(json_array_size(items), 169);
    /* in the order of data/sdg.json, each once */
    size_t next = 0;
    for (int g = 1; g <= 17; g++) {
        for (const char *const *id = refdata_goal_targets(g); *id; id++) {
            json_t *item = json_array_get(items, next++);
            assert_string_equal(
                json_string_value(json_object_get(item, "target")), *id);
        }
    }
    assert_int_equal(next, 169);
    static const char *const langs[] = {"es", "pt", "en"};
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        const char *id = json_string_value(json_object_get(item, "target"));
        for (int l = 0; l < 3; l++) {
            const char *label = json_string_value(
                json_object_get(json_object_get(item, "labels"), langs[l]));
            if (!label || strlen(label) < 3 || strlen(label) > 80)
                fail_msg("%s: label in %s missing or not a few words", id,
                         langs[l]);
            json_t *pack =
                json_object_get(json_object_get(item, "terms"), langs[l]);
            if (!json_is_object(pack) || json_object_size(pack) == 0)
                fail_msg("%s: empty pack in %s", id, langs[l]);
            const char *term;
            json_t *weight;
            json_object_foreach(pack, term, weight)
            {
                if (!json_is_integer(weight) ||
                    json_integer_value(weight) < 1 ||
                    json_integer_value(weight) > 3)
                    fail_msg("%s: \"%s\": weight out of 1-3", id, term);
                char *star = strchr(term, '*');
                if (star && star[1])
                    fail_msg("%s: \"%s\": '*' inside a term", id, term);
                char *folded = text_fold(term, strlen(term));
                assert_non_null(folded);
                int has_letter = 0;
                for (char *p = folded; *p; p++)
                    if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
                        has_letter = 1;
                if (!has_letter)
                    fail_msg("%s: \"%s\" folds to no word", id, term);
                free(folded);
            }
        }
    }
    json_decref(root);
}

static void test_builtin_packs_load_with_every_target(void **state)
{
    (void)state;
    const struct suggest_packs *p = packs();
    assert_int_equal(p->n_targets, SUGGEST_N_TARGETS);
    for (size_t i = 0; i < p->n_targets; i++) {
        const struct pack_target *t = &p->targets[i];
        int goal = 0;
        assert_true(refdata_is_target(t->id, &goal));
        assert_int_equal(goal, t->goal);
        unsigned langs = 0;
        assert_true(t->n_terms > 0);
        for (size_t j = 0; j < t->n_terms; j++) {
            const struct pack_term *term = &t->terms[j];
            langs |= term->lang_mask;
            assert_true(term->n_words > 0);
            for (size_t k = 0; k < term->n_words; k++)
                assert_true(term->words[k][0] != '\0');
            assert_in_range(term->weight, SUGGEST_MIN_WEIGHT,
                            SUGGEST_MAX_WEIGHT);
        }
        if (langs != 7)
            fail_msg("%s: terms missing in a language", t->id);
        for (int l = 0; l < SUGGEST_N_LANGS; l++)
            assert_true(t->labels[l] && t->labels[l][0]);
    }
}

/* The file's text with one term's entry replaced, parsed. */
static int parse_edited(const char *from, const char *to, char **err)
{
    FILE *f = fopen(TARGETS_JSON, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)len + 1);
    assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
    text[len] = '\0';
    fclose(f);
    char *at = strstr(text, from);
    assert_non_null(at);
    size_t n_from = strlen(from), n_to = strlen(to);
    char *edited = malloc((size_t)len + n_to + 1);
    memcpy(edited, text, (size_t)(at - text));
    memcpy(edited + (at - text), to, n_to);
    strcpy(edited + (at - text) + n_to, at + n_from);
    struct suggest_packs *p = NULL;
    int rc = suggest_packs_parse(&p, edited, strlen(edited), err);
    suggest_packs_free(p);
    free(text);
    free(edited);
    return rc;
}

static void test_parse_refuses_bad_packs(void **state)
{
    (void)state;
    static const struct {
        const char *to, *says;
    } cases[] = {
        {"\"pobreza extrema\": 4", "weight"},
        {"\"pobreza extrema\": \"3\"", "weight"},
        {"\"?!\": 3", "folds to no word"},
        {"\"pob*\": 3", "prefix"},
        {"\"pobreza* extrema\": 3", "'*'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *err = NULL;
        assert_int_equal(
            parse_edited("\"pobreza extrema\": 3", cases[i].to, &err),
            MINGA_EINVAL);
        assert_non_null(err);
        if (!strstr(err, "1.1") || !strstr(err, cases[i].says))
            fail_msg("\"%s\": message \"%s\"", cases[i].to, err);
        free(err);
    }
    char *err = NULL;
    assert_int_equal(
        parse_edited("\"target\": \"1.2\"", "\"target\": \"1.1\"", &err),
        MINGA_EINVAL);
    assert_non_null(strstr(err, "twice"));
    free(err);
    err = NULL;
    assert_int_equal(
        parse_edited("\"target\": \"1.2\"", "\"target\": \"1.8\"", &err),
        MINGA_EINVAL);
    assert_non_null(strstr(err, "1.8"));
    free(err);
}

/* -- matching ---------------------------------------------------------- */

static void test_words_match_plurals_and_prefixes(void **state)
{
    (void)state;
    assert_true(suggest_word_matches("buses", "bus", 0));
    assert_true(suggest_word_matches("bus", "buses", 0));
    assert_true(suggest_word_matches("redes", "rede", 0));
    assert_true(suggest_word_matches("acoes", "acao", 0));
    assert_true(suggest_word_matches("informais", "informal", 0));
    assert_true(suggest_word_matches("huertos", "huerto", 0));
    assert_true(suggest_word_matches("reciclaje", "recicla", 1));
    assert_false(suggest_word_matches("transportation", "transport", 0));
    assert_false(suggest_word_matches("transit", "transito", 0));
    assert_false(suggest_word_matches("rec", "recicla", 1));
    assert_false(suggest_word_matches("", "bus", 0));
}

static struct minga_case *make_case(const char *lang, const char *title,
                                    const char *summary, const char *body)
{
    struct minga_case *c = case_new();
    assert_non_null(c);
    case_set(&c->language, lang);
    case_set(&c->title, title);
    case_set(&c->summary, summary);
    case_set(&c->body, body);
    return c;
}

static const struct suggest_item *find(const struct suggest_item *items,
                                       size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i].id, id) == 0)
            return &items[i];
    return NULL;
}

static int has_phrase(const struct suggest_item *it, const char *phrase)
{
    for (size_t i = 0; it && i < it->n_reasons; i++)
        if (it->reasons[i].kind == SUGGEST_REASON_PHRASE &&
            strcmp(it->reasons[i].phrase, phrase) == 0)
            return 1;
    return 0;
}

static struct suggest_result *score(const struct minga_case *c,
                                    const struct suggest_neighbour *nb,
                                    size_t n_nb)
{
    struct suggest_options opt = {.max_goals = 17, .max_targets = 169};
    struct suggest_result *r = NULL;
    char *err = NULL;
    assert_int_equal(suggest_score(packs(), c, nb, n_nb, &opt, &r, &err), 0);
    return r;
}

static void test_folded_text_matches_accented_term(void **state)
{
    (void)state;
    struct minga_case *c = make_case(
        "es", "Presupuesto en los barrios", NULL,
        "La PARTICIPACION CIUDADANA decide las obras de cada barrio.");
    struct suggest_result *r = score(c, NULL, 0);
    const struct suggest_item *t = find(r->targets, r->n_targets, "16.7");
    assert_non_null(t);
    assert_true(has_phrase(t, "participación ciudadana"));
    suggest_result_free(r);
    case_free(c);
}

static void test_phrases_match_on_word_boundaries_only(void **state)
{
    (void)state;
    /* "public transportation" is no "public transport"; words out of
     * order or split across fields are no phrase */
    struct minga_case *c = make_case(
        "en", "Notes on public", "transport was discussed.",
        "Public transportation and transport public were words here.");
    struct suggest_result *r = score(c, NULL, 0);
    const struct suggest_item *t = find(r->targets, r->n_targets, "11.2");
    assert_false(has_phrase(t, "public transport"));
    suggest_result_free(r);
    case_free(c);
}

/* The opening of data/sample/bogota-transmilenio-bus-rapid-transit.json,
 * its goals and targets not given. */
static const char BRT_SUMMARY[] =
    "TransMilenio, Bogotá's bus rapid transit (BRT) system, began operating "
    "on 18 December 2000 under Mayor Enrique Peñalosa, with articulated "
    "buses on dedicated lanes along Avenida Caracas and Calle 80. A public "
    "company, TransMilenio S.A., plans and manages the system, while "
    "private companies operate the buses under concession. Inspired by "
    "Curitiba, it became a reference for BRT worldwide.";
static const char BRT_BODY[] =
    "## Expansion\n\nLater phases added more trunk corridors and the system "
    "became the backbone of public transport in the city, later integrated "
    "with zonal buses and, from 2019 onwards, with large numbers of "
    "electric buses.";

static void test_brt_case_suggests_11_2_first_among_goal_11(void **state)
{
    (void)state;
    struct minga_case *c = make_case("en",
                                     "TransMilenio bus rapid transit in "
                                     "Bogotá",
                                     BRT_SUMMARY, BRT_BODY);
    struct suggest_result *r = score(c, NULL, 0);
    const struct suggest_item *first_11 = NULL;
    for (size_t i = 0; i < r->n_targets && !first_11; i++)
        if (r->targets[i].goal == 11)
            first_11 = &r->targets[i];
    assert_non_null(first_11);
    assert_string_equal(first_11->id, "11.2");
    assert_true(has_phrase(first_11, "bus rapid transit"));
    /* goal 11 ranks first, scored at least as its best target */
    assert_true(r->n_goals > 0);
    assert_int_equal(r->goals[0].goal, 11);
    assert_true(r->goals[0].score >= first_11->score);
    for (size_t i = 1; i < r->n_goals; i++)
        assert_true(r->goals[i - 1].score >= r->goals[i].score);
    suggest_result_free(r);
    case_free(c);
}

/* From data/sample/campo-grande-casa-da-mulher-brasileira.json. */
static void test_portuguese_case_on_domestic_violence_suggests_5_2(void **s)
{
    (void)s;
    struct minga_case *c = make_case(
        "pt", "Casa da Mulher Brasileira em Campo Grande",
        "A Casa da Mulher Brasileira reúne no mesmo lugar os serviços de "
        "atendimento às mulheres em situação de violência doméstica: "
        "acolhimento, delegacia especializada, juizado, defensoria pública "
        "e ministério público, conforme a Lei Maria da Penha.",
        NULL);
    struct suggest_result *r = score(c, NULL, 0);
    const struct suggest_item *first_5 = NULL;
    for (size_t i = 0; i < r->n_targets && !first_5; i++)
        if (r->targets[i].goal == 5)
            first_5 = &r->targets[i];
    assert_non_null(first_5);
    assert_string_equal(first_5->id, "5.2");
    assert_true(has_phrase(first_5, "violência doméstica"));
    assert_non_null(find(r->targets, r->n_targets, "16.3"));
    suggest_result_free(r);
    case_free(c);
}

static void test_term_in_another_language_counts_less(void **state)
{
    (void)state;
    struct minga_case *es = make_case("es", "Transporte público", NULL, NULL);
    struct minga_case *en = make_case("en", "Transporte público", NULL, NULL);
    struct suggest_result *r_es = score(es, NULL, 0);
    struct suggest_result *r_en = score(en, NULL, 0);
    const struct suggest_item *t_es =
        find(r_es->targets, r_es->n_targets, "11.2");
    const struct suggest_item *t_en =
        find(r_en->targets, r_en->n_targets, "11.2");
    assert_non_null(t_es);
    assert_non_null(t_en);
    assert_true(t_en->score < t_es->score);
    suggest_result_free(r_es);
    suggest_result_free(r_en);
    case_free(es);
    case_free(en);
}

static void test_neighbours_add_their_targets_with_reasons(void **state)
{
    (void)state;
    /* no pack term in this text: only the neighbours speak */
    struct minga_case *c =
        make_case("en", "Zorblat", "Quux frobnication.", NULL);
    static const char *const t_near[] = {"6.1", "6.4"};
    static const char *const t_far[] = {"6.1"};
    struct suggest_neighbour nb[] = {
        {"cape-town-day-zero-water-crisis", 1.0, 1u << 6, t_near, 2},
        {"montevideo-plan-saneamiento-urbano", 0.5, 1u << 6 | 1u << 14, t_far,
         1},
    };
    struct suggest_result *r = score(c, nb, 2);
    assert_true(r->n_targets >= 2);
    assert_string_equal(r->targets[0].id, "6.1");
    assert_string_equal(r->targets[1].id, "6.4");
    int n_similar = 0;
    for (size_t i = 0; i < r->targets[0].n_reasons; i++) {
        const struct suggest_reason *why = &r->targets[0].reasons[i];
        if (why->kind == SUGGEST_REASON_SIMILAR) {
            assert_string_equal(why->tagged, "6.1");
            n_similar++;
        }
    }
    assert_int_equal(n_similar, 2);
    assert_int_equal(r->goals[0].goal, 6);
    assert_int_equal(r->goals[1].goal, 14);
    suggest_result_free(r);
    case_free(c);
}

static void test_tagged_goal_raises_its_targets(void **state)
{
    (void)state;
    const char *text = "Drinking water and public transport for all.";
    struct minga_case *c = make_case("en", "Two services", text, NULL);
    struct suggest_result *plain = score(c, NULL, 0);
    c->goal_mask = 1u << 11;
    struct suggest_result *tagged = score(c, NULL, 0);
    double plain_11_2 = find(plain->targets, plain->n_targets, "11.2")->score;
    double plain_6_1 = find(plain->targets, plain->n_targets, "6.1")->score;
    double tagged_11_2 =
        find(tagged->targets, tagged->n_targets, "11.2")->score;
    double tagged_6_1 = find(tagged->targets, tagged->n_targets, "6.1")->score;
    assert_true(tagged_11_2 > plain_11_2);
    assert_true(tagged_6_1 == plain_6_1);
    suggest_result_free(plain);
    suggest_result_free(tagged);
    case_free(c);
}

static void test_result_json_has_the_documented_shape(void **state)
{
    (void)state;
    struct minga_case *c = make_case("en", "Bus rapid transit", NULL, NULL);
    struct suggest_result *r = score(c, NULL, 0);
    json_t *j = suggest_result_json(r);
    json_t *t0 = json_array_get(json_object_get(j, "targets"), 0);
    assert_string_equal(json_string_value(json_object_get(t0, "target")),
                        "11.2");
    assert_true(json_is_number(json_object_get(t0, "score")));
    /* the label in the case's language, as data/sdg_targets.json has it */
    assert_string_equal(json_string_value(json_object_get(t0, "label")),
                        "Safe, affordable public transport");
    json_t *why = json_array_get(json_object_get(t0, "reasons"), 0);
    assert_string_equal(json_string_value(json_object_get(why, "kind")),
                        "phrase");
    assert_string_equal(json_string_value(json_object_get(why, "phrase")),
                        "bus rapid transit");
    json_t *g0 = json_array_get(json_object_get(j, "goals"), 0);
    assert_int_equal(json_integer_value(json_object_get(g0, "goal")), 11);
    json_decref(j);
    suggest_result_free(r);
    case_free(c);
}

static void test_invalid_utf8_is_refused(void **state)
{
    (void)state;
    struct minga_case *c = make_case("en", "ok", NULL, NULL);
    case_set(&c->summary, "bad \xff byte");
    struct suggest_result *r = NULL;
    char *err = NULL;
    assert_int_equal(suggest_score(packs(), c, NULL, 0, NULL, &r, &err),
                     MINGA_EINVAL);
    assert_null(r);
    free(err);
    case_free(c);
}

/* -- the lookup by first word (suggest_lookup.h) ------------------------ */

struct found {
    unsigned char *seen; /* by term seq */
    int n_twice;
};

static void note_found(void *arg, const struct pack_term *t)
{
    struct found *f = arg;
    if (f->seen[t->seq])
        f->n_twice++;
    f->seen[t->seq] = 1;
}

/* For a word, the lookup must find exactly the terms whose first word
 * matches it by suggest_word_matches, the rule itself, checked against
 * every term: each term's first word, its plurals and singulars written
 * by hand here, words longer and shorter by a byte, and words of cases. */
static void check_lookup_for(const struct suggest_packs *p, size_t n_terms,
                             const char *word)
{
    struct found f = {calloc(n_terms, 1), 0};
    assert_non_null(f.seen);
    suggest_lookup_each(p->lookup, word, note_found, &f);
    assert_int_equal(f.n_twice, 0);
    for (size_t i = 0; i < p->n_targets; i++) {
        const struct pack_target *tg = &p->targets[i];
        for (size_t j = 0; j < tg->n_terms; j++) {
            const struct pack_term *t = &tg->terms[j];
            int want = suggest_word_matches(word, t->words[0],
                                            t->is_prefix && t->n_words == 1);
            if (want != f.seen[t->seq])
                fail_msg("\"%s\" and term \"%s\" (target %s): the rule says "
                         "%d, the lookup %d",
                         word, t->text, tg->id, want, f.seen[t->seq]);
        }
    }
    free(f.seen);
}

static void test_lookup_finds_exactly_the_matching_terms(void **state)
{
    (void)state;
    const struct suggest_packs *p = packs();
    size_t n_terms = suggest_lookup_n_terms(p->lookup);
    size_t n = 0;
    for (size_t i = 0; i < p->n_targets; i++)
        n += p->targets[i].n_terms;
    assert_int_equal(n_terms, n);
    assert_true(n_terms > 1000);
    static const char *const endings[] = {"s",   "es",  "oes", "aes", "ais",
                                          "eis", "ois", "ns",  "ao",  "al",
                                          "el",  "ol",  "m",   "x"};
    size_t n_checked = 0;
    for (size_t i = 0; i < p->n_targets; i += 29) { /* a spread sample */
        const struct pack_target *tg = &p->targets[i];
        for (size_t j = 0; j < tg->n_terms; j++) {
            const char *w = tg->terms[j].words[0];
            size_t len = strlen(w);
            char buf[300];
            check_lookup_for(p, n_terms, w);
            for (size_t k = 0; k < sizeof endings / sizeof *endings; k++) {
                snprintf(buf, sizeof buf, "%s%s", w, endings[k]);
                check_lookup_for(p, n_terms, buf);
                for (size_t cut = 1; cut <= 3 && cut < len; cut++) {
                    snprintf(buf, sizeof buf, "%.*s%s", (int)(len - cut), w,
                             endings[k]);
                    check_lookup_for(p, n_terms, buf);
                }
            }
            n_checked++;
        }
    }
    assert_true(n_checked > 80);
    /* words of real text, accents folded as the case's words are */
    static const char *const text[] = {
        "onibus", "acoes",     "acao",          "informais",
        "bens",   "reciclaje", "reciclagem",    "recicladores",
        "a",      "de",        "participativo", "x"};
    for (size_t i = 0; i < sizeof text / sizeof *text; i++)
        check_lookup_for(p, n_terms, text[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_file_covers_every_target_with_valid_packs),
        cmocka_unit_test(test_builtin_packs_load_with_every_target),
        cmocka_unit_test(test_parse_refuses_bad_packs),
        cmocka_unit_test(test_words_match_plurals_and_prefixes),
        cmocka_unit_test(test_lookup_finds_exactly_the_matching_terms),
        cmocka_unit_test(test_folded_text_matches_accented_term),
        cmocka_unit_test(test_phrases_match_on_word_boundaries_only),
        cmocka_unit_test(test_brt_case_suggests_11_2_first_among_goal_11),
        cmocka_unit_test(
            test_portuguese_case_on_domestic_violence_suggests_5_2),
        cmocka_unit_test(test_term_in_another_language_counts_less),
        cmocka_unit_test(test_neighbours_add_their_targets_with_reasons),
        cmocka_unit_test(test_tagged_goal_raises_its_targets),
        cmocka_unit_test(test_result_json_has_the_documented_shape),
        cmocka_unit_test(test_invalid_utf8_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
