/*
 * Tests of the index shim. Each test builds a fresh index in a temporary
 * folder from five hand-written cases (pt, es, en) and a small thesaurus,
 * then checks one behaviour of mindex.h.
 */
#include <pthread.h>
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

static const char *const tags_poa[] = {"orçamento participativo",
                                       "democracia"};
static const char *const targets_poa[] = {"16.7"};
static const char *const tags_rosario[] = {"agricultura urbana"};

/* Five cases; their facts are what the assertions below count on. */
static struct minga_case cases[] = {
    {.id = "porto-alegre-orcamento-participativo",
     .title = "Orçamento Participativo de Porto Alegre",
     .summary = "Desde 1989, a população de Porto Alegre decide em "
                "assembleias abertas as prioridades de investimento.",
     .body = "A participação cidadã chegou a <50% dos bairros no "
             "primeiro ano & cresceu depois.",
     .language = "pt",
     .city = "Porto Alegre",
     .country = "BR",
     .year_start = 1989,
     .year_end = 0,
     .goal_mask = GOAL(11) | GOAL(16),
     .targets = targets_poa,
     .n_targets = 1,
     .level_mask = MINGA_LEVEL_LOCAL,
     .actor_mask = MINGA_ACTOR_PUBLIC_SECTOR | MINGA_ACTOR_CIVIL_SOCIETY,
     .tags = tags_poa,
     .n_tags = 2},
    {.id = "rosario-agricultura-urbana",
     .title = "Programa de Agricultura Urbana de Rosario",
     .summary = "Desde 2002 la municipalidad de Rosario apoya huertas "
                "comunitarias con participación de organizaciones "
                "sociales.",
     .body = "Los huerteros venden verduras agroecológicas en una feria "
             "semanal.",
     .language = "es",
     .city = "Rosario",
     .country = "AR",
     .year_start = 2002,
     .year_end = 0,
     .goal_mask = GOAL(2) | GOAL(11),
     .level_mask = MINGA_LEVEL_LOCAL,
     .actor_mask = MINGA_ACTOR_PUBLIC_SECTOR | MINGA_ACTOR_COMMUNITY,
     .tags = tags_rosario,
     .n_tags = 1},
    {.id = "montevideo-presupuesto-participativo",
     .title = "Presupuesto participativo de Montevideo",
     .summary = "Montevideo aplica el presupuesto participativo en sus "
                "municipios: los vecinos deciden obras e inversiones.",
     .language = "es",
     .city = "Montevideo",
     .country = "UY",
     .year_start = 1990,
     .year_end = 2005,
     .goal_mask = GOAL(16),
     .level_mask = MINGA_LEVEL_LOCAL | MINGA_LEVEL_REGIONAL,
     .actor_mask = MINGA_ACTOR_CIVIL_SOCIETY},
    {.id = "new-york-participatory-budgeting",
     .title = "Participatory budgeting in New York City",
     .summary = "Residents decide how to spend part of the council "
                "budget through participatory budgeting assemblies.",
     .language = "en",
     .city = "New York",
     .country = "US",
     .year_start = 2011,
     .year_end = 2020,
     .goal_mask = GOAL(11) | GOAL(16),
     .level_mask = MINGA_LEVEL_LOCAL,
     .actor_mask = MINGA_ACTOR_CIVIL_SOCIETY},
    {.id = "detroit-community-gardens",
     .title = "Urban farming in Detroit",
     .summary = "Each community garden turns a vacant lot into food "
                "production run by neighbours.",
     .language = "en",
     .city = "Detroit",
     .country = "US",
     .year_start = 2008,
     .year_end = 0,
     .goal_mask = GOAL(2) | GOAL(11),
     .level_mask = MINGA_LEVEL_LOCAL | MINGA_LEVEL_REGIONAL,
     .actor_mask = MINGA_ACTOR_COMMUNITY | MINGA_ACTOR_PRIVATE_SECTOR},
};
#define N_CASES (sizeof cases / sizeof cases[0])

static const char thesaurus[] =
    "# cross-language groups for the tests\n"
    "es: presupuesto participativo | pt: orçamento participativo | "
    "en: participatory budgeting\n"
    "\n"
    "es: agricultura urbana | pt: agricultura urbana | "
    "en: urban agriculture  # one group per line\n";

struct fixture {
    char dir[64];
    struct mindex *writer;
};

static int remove_tree(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    char *errmsg = NULL;
    if (!fx)
        return -1;
    strcpy(fx->dir, "/tmp/minga-test-index-XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    if (mindex_open(&fx->writer, fx->dir, MINDEX_WRITE, &errmsg) != 0) {
        fprintf(stderr, "%s\n", errmsg);
        return -1;
    }
    for (size_t i = 0; i < N_CASES; i++) {
        cases[i].struct_size = sizeof cases[i];
        if (mindex_put_case(fx->writer, &cases[i], &errmsg) != 0) {
            fprintf(stderr, "%s\n", errmsg);
            return -1;
        }
    }
    if (mindex_set_thesaurus(fx->writer, thesaurus, strlen(thesaurus),
                             &errmsg) != 0 ||
        mindex_commit(fx->writer, 7, &errmsg) != 0) {
        fprintf(stderr, "%s\n", errmsg);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    mindex_close(fx->writer);
    remove_tree(fx->dir);
    free(fx);
    return 0;
}

static struct mindex *open_reader(struct fixture *fx)
{
    struct mindex *reader = NULL;
    char *errmsg = NULL;
    int rc = mindex_open(&reader, fx->dir, MINDEX_READ, &errmsg);
    if (rc != 0)
        fail_msg("open reader: %s", errmsg);
    return reader;
}

static void query_for(struct minga_query *q, const char *text)
{
    memset(q, 0, sizeof *q);
    q->text = (char *)text;
    q->limit = 10;
}

static struct mindex_results *search(struct mindex *ix,
                                     const struct minga_query *q)
{
    struct mindex_results *r = NULL;
    char *errmsg = NULL;
    int rc = mindex_search(ix, q, &r, &errmsg);
    if (rc != 0)
        fail_msg("search '%s': %s", q->text, errmsg);
    return r;
}

static struct mindex_results *search_text(struct mindex *ix, const char *t)
{
    struct minga_query q;
    query_for(&q, t);
    return search(ix, &q);
}

static int has_hit(const struct mindex_results *r, const char *id)
{
    for (size_t i = 0; i < r->n_hits; i++)
        if (strcmp(r->hits[i].id, id) == 0)
            return (int)i + 1;
    return 0;
}

static void assert_text_finds(struct mindex *ix, const char *text,
                              const char *id)
{
    struct mindex_results *r = search_text(ix, text);
    if (!has_hit(r, id))
        fail_msg("'%s' did not find %s", text, id);
    mindex_results_free(r);
}

/* -- tests ------------------------------------------------------------- */

static void test_search_folds_accents_both_ways(void **state)
{
    struct fixture *fx = *state;
    struct mindex *ix = open_reader(fx);
    /* unaccented query, accented text */
    assert_text_finds(ix, "participacion", "rosario-agricultura-urbana");
    assert_text_finds(ix, "orcamento", "porto-alegre-orcamento-participativo");
    /* accented and upper-case query, unaccented text */
    assert_text_finds(ix, "ROSÁRIO", "rosario-agricultura-urbana");
    assert_text_finds(ix, "Détroit", "detroit-community-gardens");
    mindex_close(ix);
}

static void test_search_stems_plural_to_singular(void **state)
{
    struct fixture *fx = *state;
    struct mindex *ix = open_reader(fx);
    assert_text_finds(ix, "gardens", "detroit-community-gardens");
    assert_text_finds(ix, "ferias", "rosario-agricultura-urbana");
    mindex_close(ix);
}

static void test_search_quoted_phrase_needs_word_order(void **state)
{
    struct fixture *fx = *state;
    struct mindex *ix = open_reader(fx);
    struct mindex_results *r = search_text(ix, "\"community garden\"");
    assert_int_equal(r->total, 1);
    assert_string_equal(r->hits[0].id, "detroit-community-gardens");
    mindex_results_free(r);

    r = search_text(ix, "\"garden community\"");
    assert_int_equal(r->n_hits, 0);
    mindex_results_free(r);
    r = search_text(ix, "garden community");
    assert_int_equal(r->n_hits, 1);
    mindex_results_free(r);
    mindex_close(ix);
}

static void test_search_minus_excludes_word(void **state)
{
    struct fixture *fx = *state;
    struct mindex *ix = open_reader(fx);
    struct mindex_results *r = search_text(ix, "decide");
    assert_true(has_hit(r, "new-york-participatory-budgeting"));
    assert_true(has_hit(r, "porto-alegre-orcamento-participativo"));
    mindex_results_free(r);
    r = search_text(ix, "decide -residents");
    assert_false(has_hit(r, "new-york-participatory-budgeting"));
    assert_true(has_hit(r, "porto-alegre-orcamento-participativo"));
    mindex_results_free(r);
    mindex_close(ix);
}

static void test_search_relaxes_to_or_when_and_finds_nothing(void **state)
{
    struct fixture *fx = *state;
    struct mindex *ix = open_reader(fx);
    struct mindex_results *r = search_text(ix, "rosario zanzibar");
    assert_int_equal(r->n_hits, 1);
    assert_string_equal(r->hits[0].id, "rosario-agricultura-urbana");
    mindex_results_free(r);
    mindex_close(ix);
}

/* Issue 18: a query's words are a budget. Repeats are one word (a
 * query of 800 "rosario*" is the query "rosario"); past 64 different
 * phrases and negated words the search is refused, not run. A long
 * text of plain words (issue 21) is searched by its most discriminating
 * words, however many different ones it has. */
static void test_search_budget_counts_different_words(void **state)
{
    struct fixture *fx = *state;
    struct mindex *ix = open_reader(fx);
    char text[8192] = "";
    for (int i = 0; i < 800; i++)
        strcat(text, "rosario* ");
    struct mindex_results *r = search_text(ix, text);
    assert_int_equal(r->n_hits, 1);
    assert_string_equal(r->hits[0].id, "rosario-agricultura-urbana");
    mindex_results_free(r);

    text[0] = '\0';
    for (int i = 0; i < 64; i++)
        sprintf(text + strlen(text), "\"w%dx y\" ", i);
    strcat(text, "-rosario"); /* the 65th */
    struct minga_query q;
    query_for(&q, text);
    char *errmsg = NULL;
    r = NULL;
    assert_int_equal(mindex_search(ix, &q, &r, &errmsg), MINGA_EINVAL);
    assert_null(r);
    assert_non_null(strstr(errmsg, "64"));
    free(errmsg);

    /* 65 different plain words: a long text, searched as one */
    text[0] = '\0';
    for (int i = 0; i < 64; i++)
        sprintf(text + strlen(text), "w%dx ", i);
    strcat(text, "rosario");
    r = search_text(ix, text);
    assert_int_equal(r->is_similar, 1);
    assert_int_equal(r->n_hits, 1);
    assert_string_equal(r->hits[0].id, "rosario-agricultura-urbana");
    mindex_results_free(r);
    mindex_close(ix);
}

/* A writer committing back to back (uploads one after another) while a
 * reader searches: each search reopens and reads revisions the commits
 * overwrite. Every search must answer, with retries if it needs them,
 * never fail with Xapian's DatabaseModifiedError (issue 18: searches
 * under rapid uploads got 500s). */
struct committer {
    struct mindex *writer;
    volatile int stop;
    volatile int n_commits, failed;
};

static void *commit_loop(void *arg)
{
    struct committer *c = arg;
    char *errmsg = NULL;
    for (uint64_t gen = 100; !c->stop && c->n_commits < 2000; gen++) {
        struct minga_case k = cases[gen % N_CASES];
        if (mindex_put_case(c->writer, &k, &errmsg) != 0 ||
            mindex_commit(c->writer, gen, &errmsg) != 0) {
            fprintf(stderr, "commit: %s\n", errmsg);
            free(errmsg);
            c->failed = 1;
            break;
        }
        c->n_commits++;
    }
    return NULL;
}

static void test_search_during_rapid_commits(void **state)
{
    struct fixture *fx = *state;
    char *errmsg = NULL;
    /* enough cases that a search with facets outlasts a commit */
    for (int i = 0; i < 3000; i++) {
        struct minga_case k = cases[i % N_CASES];
        char id[32];
        snprintf(id, sizeof id, "copy-%d", i);
        k.id = id;
        if (mindex_put_case(fx->writer, &k, &errmsg) != 0)
            fail_msg("put: %s", errmsg);
    }
    if (mindex_commit(fx->writer, 99, &errmsg) != 0)
        fail_msg("commit: %s", errmsg);
    struct mindex *ix = open_reader(fx);
    struct committer c = {.writer = fx->writer};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, commit_loop, &c), 0);
    int n_failed = 0;
    /* until the writer has made 600 commits */
    for (int i = 0; i < 1000000 && c.n_commits < 600 && !c.failed; i++) {
        char *errmsg = NULL;
        struct mindex_results *r = NULL;
        struct minga_query q;
        query_for(&q, i % 2 ? "decide" : "participatory budgeting");
        q.limit = 100;
        q.want_facets = q.want_snippets = q.want_spelling = 1;
        int rc = mindex_reopen(ix, &errmsg);
        if (rc == 0)
            rc = mindex_search(ix, &q, &r, &errmsg);
        if (rc != 0) {
            fprintf(stderr, "search %d after %d commits: %s\n", i, c.n_commits,
                    errmsg);
            n_failed++;
        }
        free(errmsg);
        mindex_results_free(r);
    }
    c.stop = 1;
    pthread_join(thread, NULL);
    assert_false(c.failed);
    assert_true(c.n_commits >= 600);
    assert_int_equal(n_failed, 0);
    mindex_close(ix);
}

/* A case indexes at most 1 MiB of attachment text (issue 18: every case
 * naming one large file indexed all of it again): a word at the start of
 * a 2 MiB text is found, one past the first megabyte is not. */
static void test_attachment_text_indexed_up_to_a_megabyte(void **state)
{
    struct fixture *fx = *state;
    char *errmsg = NULL;
    size_t len = 2u << 20;
    char *text = malloc(len + 1);
    assert_non_null(text);
    for (size_t i = 0; i < len; i += 6)
        memcpy(text + i, "texto ", len - i < 6 ? len - i : 6);
    memcpy(text, "zqxfirstword ", 13);
    memcpy(text + (1536u << 10), "zqxlateword ", 12);
    text[len] = '\0';
    struct minga_attachment att = {.path = "informe.txt",
                                   .sha256 = "ab",
                                   .media_type = "text/plain",
                                   .size = len,
                                   .text = text};
    struct minga_case k = cases[1];
    k.id = "big-report";
    k.attachments = &att;
    k.n_attachments = 1;
    if (mindex_put_case(fx->writer, &k, &errmsg) != 0 ||
        mindex_commit(fx->writer, 8, &errmsg) != 0)
        fail_msg("%s", errmsg);
    struct mindex *ix = open_reader(fx);
    assert_text_finds(ix, "zqxfirstword", "big-report");
    struct mindex_results *r = search_text(ix, "zqxlateword");
    assert_int_equal(r->n_hits, 0);
    mindex_results_free(r);
    mindex_close(ix);
    free(text);
}

/* A case whose report holds a word its summary and body do not. */
static void put_case_with_report(struct fixture *fx)
{
    char *errmsg = NULL;
    static struct minga_attachment atts[2] = {
        {.path = "anexos/fotos.txt",
         .sha256 = "cd",
         .media_type = "text/plain",
         .size = 10,
         .text = "Fotos de la feria."},
        {.path = "anexos/informe final.txt",
         .sha256 = "ab",
         .media_type = "text/plain",
         .size = 120,
         .text = "# Informe\n\nLa lombricultura en doce escuelas redujo "
                 "los desechos de los comedores. Otra frase."},
    };
    struct minga_case k = cases[1];
    k.id = "rosario-lombrices";
    k.attachments = atts;
    k.n_attachments = 2;
    if (mindex_put_case(fx->writer, &k, &errmsg) != 0 ||
        mindex_commit(fx->writer, 8, &errmsg) != 0)
        fail_msg("%s", errmsg);
}

static const struct mindex_hit *
snippet_hit(struct mindex *ix, const char *text, struct mindex_results **r)
{
    struct minga_query q;
    query_for(&q, text);
    q.want_snippets = 1;
    *r = search(ix, &q);
    int at = has_hit(*r, "rosario-lombrices");
    if (!at)
        fail_msg("'%s' did not find rosario-lombrices", text);
    return &(*r)->hits[at - 1];
}

static void test_snippet_from_attachment_where_the_match_is(void **state)
{
    struct fixture *fx = *state;
    put_case_with_report(fx);
    struct mindex *ix = open_reader(fx);
    struct mindex_results *r = NULL;
    /* only the report says it: the snippet is the report's, named */
    const struct mindex_hit *h = snippet_hit(ix, "lombricultura", &r);
    assert_non_null(h->snippet_from);
    assert_string_equal(h->snippet_from, "anexos/informe final.txt");
    assert_non_null(strstr(h->snippet, "<mark>lombricultura</mark>"));
    assert_null(strstr(h->snippet, "Informe")); /* the heading dropped */
    mindex_results_free(r);
    /* the summary says it: the summary's snippet, no attachment named */
    h = snippet_hit(ix, "huertas", &r);
    assert_null(h->snippet_from);
    assert_non_null(strstr(h->snippet, "<mark>huertas</mark>"));
    mindex_results_free(r);
    /* the summary shows one of the words (huertas), the report two
     * (lombricultura, escuelas): the report, where the match is
     * strongest */
    h = snippet_hit(ix, "huertas lombricultura escuelas", &r);
    assert_string_equal(h->snippet_from, "anexos/informe final.txt");
    assert_non_null(strstr(h->snippet, "<mark>escuelas</mark>"));
    mindex_results_free(r);
    mindex_close(ix);
}

static void test_filters_or_within_and_across_fields(void **state)
{
    struct fixture *fx = *state;
    struct mindex *ix = open_reader(fx);
    struct minga_query q;
    struct mindex_results *r;
    char *uy_us[] = {"UY", "US"};

    query_for(&q, "");
    q.goal_mask = GOAL(2) | GOAL(16);    /* all five cases */
    q.level_mask = MINGA_LEVEL_REGIONAL; /* Montevideo, Detroit */
    r = search(ix, &q);
    assert_int_equal(r->n_hits, 2);
    assert_true(has_hit(r, "montevideo-presupuesto-participativo"));
    assert_true(has_hit(r, "detroit-community-gardens"));
    mindex_results_free(r);

    q.countries = uy_us;
    q.n_countries = 1; /* and UY */
    r = search(ix, &q);
    assert_int_equal(r->n_hits, 1);
    assert_string_equal(r->hits[0].id, "montevideo-presupuesto-participativo");
    mindex_results_free(r);

    q.goal_mask = GOAL(16); /* Detroit is not 16 */
    q.n_countries = 2;
    r = search(ix, &q);
    assert_int_equal(r->n_hits, 1);
    assert_string_equal(r->hits[0].id, "montevideo-presupuesto-participativo");
    mindex_results_free(r);

    /* filters also apply to a text query */
    query_for(&q, "participativo");
    q.countries = uy_us;
    q.n_countries = 1;
    r = search(ix, &q);
    assert_int_equal(r->n_hits, 1);
    assert_string_equal(r->hits[0].id, "montevideo-presupuesto-participativo");
    mindex_results_free(r);
    mindex_close(ix);
}

static void test_filter_year_range_overlaps(void **state)
{
    struct fixture *fx = *state;
    struct mindex *ix = open_reader(fx);
    struct minga_query q;
    struct mindex_results *r;

    query_for(&q, "");
    q.year_from = 2000;
    q.year_to = 2005; /* Montevideo 1990-2005, Rosario 2002 */
    r = search(ix, &q);
    assert_int_equal(r->n_hits, 2);
    assert_string_equal(r->hits[0].id, "rosario-agricultura-urbana");
    assert_string_equal(r->hits[1].id, "montevideo-presupuesto-participativo");
    mindex_results_free(r);

    q.year_from = 2015;
    q.year_to = 2016; /* inside New York's 2011-2020 */
    r = search(ix, &q);
    assert_int_equal(r->n_hits, 1);
    assert_string_equal(r->hits[0].id, "new-york-participatory-budgeting");
    mindex_results_free(r);

    q.year_from = 0;
    q.year_to = 1989; /* open start */
    r = search(ix, &q);
    assert_int_equal(r->n_hits, 1);
    assert_string_equal(r->hits[0].id, "porto-alegre-orcamento-participativo");
    mindex_results_free(r);
    mindex_close(ix);
}

static void test_empty_query_lists_newest_first_and_pages(void **state)
{
    struct fixture *fx = *state;
    struct mindex *ix = open_reader(fx);
    struct minga_query q;
    struct mindex_results *r;

    query_for(&q, "");
    r = search(ix, &q);
    assert_int_equal(r->n_hits, 5);
    assert_string_equal(r->hits[0].id, "new-york-participatory-budgeting");
    assert_string_equal(r->hits[1].id, "detroit-community-gardens");
    assert_string_equal(r->hits[4].id, "porto-alegre-orcamento-participativo");
    assert_int_equal(r->hits[4].year_start, 1989);
    assert_int_equal(r->hits[4].year_end, 0);
    assert_string_equal(r->hits[4].city, "Porto Alegre");
    assert_int_equal(r->hits[4].goal_mask, GOAL(11) | GOAL(16));
    mindex_results_free(r);

    q.offset = 1;
    q.limit = 2;
    r = search(ix, &q);
    assert_int_equal(r->n_hits, 2);
    assert_string_equal(r->hits[0].id, "detroit-community-gardens");
    assert_string_equal(r->hits[1].id, "rosario-agricultura-urbana");
    mindex_results_free(r);
    mindex_close(ix);
}

static void test_facets_count_whole_match_set(void **state)
{
    struct fixture *fx = *state;
    struct mindex *ix = open_reader(fx);
    struct minga_query q;
    struct mindex_results *r;

    query_for(&q, "");
    q.limit = 2;
    q.want_facets = 1;
    r = search(ix, &q);
    assert_int_equal(r->n_hits, 2);
    assert_int_equal(r->total, 5);
    assert_int_equal(r->goal_counts[2], 2);
    assert_int_equal(r->goal_counts[11], 4);
    assert_int_equal(r->goal_counts[16], 3);
    assert_int_equal(r->goal_counts[1], 0);
    assert_int_equal(r->level_counts[0], 5); /* local */
    assert_int_equal(r->level_counts[1], 2); /* regional */
    assert_int_equal(r->actor_counts[1], 3); /* civil_society */
    assert_int_equal(r->actor_counts[4], 2); /* community */
    assert_int_equal(r->n_countries, 4);
    assert_string_equal(r->countries[0].key, "US");
    assert_int_equal(r->countries[0].count, 2);
    assert_string_equal(r->countries[1].key, "AR");
    assert_string_equal(r->countries[3].key, "UY");
    assert_int_equal(r->n_languages, 3);
    assert_string_equal(r->languages[0].key, "en");
    assert_string_equal(r->languages[1].key, "es");
    assert_string_equal(r->languages[2].key, "pt");
    assert_int_equal(r->languages[2].count, 1);
    mindex_results_free(r);

    /* with text: counts follow the matches, not the index */
    query_for(&q, "participatory budgeting");
    q.limit = 1;
    q.want_facets = 1;
    r = search(ix, &q);
    assert_int_equal(r->total, 3); /* en, plus es and pt via thesaurus */
    assert_int_equal(r->goal_counts[16], 3);
    assert_int_equal(r->goal_counts[2], 0);
    mindex_results_free(r);
    mindex_close(ix);
}

static void test_spelling_suggests_corrected_query(void **state)
{
    struct fixture *fx = *state;
    struct mindex *ix = open_reader(fx);
    struct minga_query q;
    struct mindex_results *r;

    query_for(&q, "agricultra urbana");
    q.want_spelling = 1;
    r = search(ix, &q);
    assert_non_null(r->suggestion);
    assert_string_equal(r->suggestion, "agricultura urbana");
    mindex_results_free(r);

    query_for(&q, "agricultura urbana");
    q.want_spelling = 1;
    r = search(ix, &q);
    assert_null(r->suggestion);
    mindex_results_free(r);
    mindex_close(ix);
}

static void test_snippet_marks_matches_and_escapes_html(void **state)
{
    struct fixture *fx = *state;
    struct mindex *ix = open_reader(fx);
    struct minga_query q;
    struct mindex_results *r;

    query_for(&q, "participacao bairro");
    q.want_snippets = 1;
    r = search(ix, &q);
    assert_int_equal(r->n_hits, 1);
    const char *snippet = r->hits[0].snippet;
    assert_non_null(snippet);
    assert_non_null(strstr(snippet, "<mark>participação</mark>"));
    assert_non_null(strstr(snippet, "<mark>bairros</mark>"));
    assert_non_null(strstr(snippet, "&lt;50%"));
    assert_non_null(strstr(snippet, "&amp; cresceu"));
    /* the only '<' left open a <mark> or close one */
    for (const char *p = strchr(snippet, '<'); p; p = strchr(p + 1, '<'))
        assert_true(strncmp(p, "<mark>", 6) == 0 ||
                    strncmp(p, "</mark>", 7) == 0);
    mindex_results_free(r);
    mindex_close(ix);
}

/* Adds one case to the writer, commits, and searches the writer for
 * `text` with snippets on; the case must be the only hit. */
static struct mindex_results *
put_and_search_snippet(struct fixture *fx, const struct minga_case *c,
                       const char *text)
{
    char *errmsg = NULL;
    assert_int_equal(mindex_put_case(fx->writer, c, &errmsg), 0);
    assert_int_equal(mindex_commit(fx->writer, 8, &errmsg), 0);
    struct minga_query q;
    query_for(&q, text);
    q.want_snippets = 1;
    struct mindex_results *r = search(fx->writer, &q);
    assert_int_equal(r->n_hits, 1);
    assert_non_null(r->hits[0].snippet);
    return r;
}

static void test_snippet_cuts_long_text_on_word_boundaries(void **state)
{
    struct fixture *fx = *state;
    static char body[4000];
    struct minga_case c = cases[1];
    c.id = "long-text";
    body[0] = '\0';
    for (int i = 0; i < 60; i++)
        strcat(body, "Años de trabajo ");
    strcat(body, "con compostaje municipal ");
    for (int i = 0; i < 60; i++)
        strcat(body, "más ñandúes ");
    c.body = body;
    struct mindex_results *r = put_and_search_snippet(fx, &c, "compostaje");
    const char *snippet = r->hits[0].snippet;
    assert_non_null(strstr(snippet, "<mark>compostaje</mark>"));
    assert_memory_equal(snippet, "\xE2\x80\xA6", 3); /* … */
    assert_memory_equal(snippet + strlen(snippet) - 3, "\xE2\x80\xA6", 3);
    assert_true(strlen(snippet) < 400);
    /* starts and ends with whole words */
    assert_true(strncmp(snippet + 3, "Años", 5) == 0 ||
                strncmp(snippet + 3, "de", 2) == 0 ||
                strncmp(snippet + 3, "trabajo", 7) == 0);
    mindex_results_free(r);
}

/* Marks are decided on folded, stemmed words whatever their case or
 * first letter: upper case, an accented capital, an inflected form; a
 * word that merely begins like one is left alone. */
static void test_snippet_marks_inflected_and_capitalised_words(void **state)
{
    struct fixture *fx = *state;
    struct minga_case c = cases[1];
    c.id = "medellin-corredores-verdes";
    c.title = "Corredores Verdes de Medellín";
    c.summary = NULL;
    c.body = "ÁRBOLES y jardines en 30 vías: Medellín sembró árboles "
             "que bajaron la temperatura unos 2 grados y ahorran Energía; "
             "el arbitraje de la obra fue público.";
    struct mindex_results *r =
        put_and_search_snippet(fx, &c, "árbol energías");
    const char *snippet = r->hits[0].snippet;
    assert_non_null(strstr(snippet, "<mark>ÁRBOLES</mark>"));
    assert_non_null(strstr(snippet, "<mark>árboles</mark>"));
    assert_non_null(strstr(snippet, "<mark>Energía</mark>"));
    assert_non_null(strstr(snippet, " arbitraje "));
    assert_null(strstr(snippet, "<mark>Medellín"));
    mindex_results_free(r);
}

/* English snippets pass over most words by their first two bytes; the
 * stemmer's three exceptions that change the second byte (dying, lying,
 * tying: die, lie, tie) are still marked, as is a "y" it turns into "i"
 * past the second letter (plenty: plenti). */
static void test_snippet_marks_english_exceptions(void **state)
{
    struct fixture *fx = *state;
    struct minga_case c = cases[4];
    c.id = "detroit-vacant-lots";
    c.summary = NULL;
    c.body = "Vacant lots lying empty since Detroit lost more than half "
             "of its people after 1950 became community gardens backed "
             "by Keep Growing Detroit; neighbours tying up tomatoes sell "
             "plenty of them at Eastern Market.";
    struct mindex_results *r =
        put_and_search_snippet(fx, &c, "lies ties plenties");
    const char *snippet = r->hits[0].snippet;
    assert_non_null(strstr(snippet, "<mark>lying</mark>"));
    assert_non_null(strstr(snippet, "<mark>tying</mark>"));
    assert_non_null(strstr(snippet, "<mark>plenty</mark>"));
    assert_non_null(strstr(snippet, " lots "));
    mindex_results_free(r);
}

/* BM25's length normalisation, applied when cases are indexed: of two
 * cases naming a word once, the short one ranks first, though the long
 * one was indexed first (and would win a tie). */
static void test_long_case_ranks_below_short_one(void **state)
{
    struct fixture *fx = *state;
    char *errmsg = NULL;
    static char body[40000];
    body[0] = '\0';
    strcat(body, "Planta desalinizadora para el agua potable del barrio. ");
    for (int i = 0; i < 400; i++)
        strcat(body, "Reuniones de vecinos con el municipio. ");
    struct minga_case long_case = cases[1];
    long_case.id = "long-case";
    long_case.body = body;
    struct minga_case short_case = cases[1];
    short_case.id = "short-case";
    short_case.body = "Planta desalinizadora para el agua potable del barrio.";
    assert_int_equal(mindex_put_case(fx->writer, &long_case, &errmsg), 0);
    assert_int_equal(mindex_put_case(fx->writer, &short_case, &errmsg), 0);
    assert_int_equal(mindex_commit(fx->writer, 8, &errmsg), 0);
    struct mindex *ix = open_reader(fx);
    struct mindex_results *r = search_text(ix, "desalinizadora");
    assert_int_equal(r->n_hits, 2);
    assert_string_equal(r->hits[0].id, "short-case");
    assert_string_equal(r->hits[1].id, "long-case");
    assert_true(r->hits[0].score > r->hits[1].score);
    mindex_results_free(r);
    mindex_close(ix);
}

static void test_thesaurus_match_ranks_below_same_language(void **state)
{
    struct fixture *fx = *state;
    struct mindex *ix = open_reader(fx);
    struct mindex_results *r = search_text(ix, "presupuesto participativo");
    assert_true(r->n_hits >= 3);
    assert_string_equal(r->hits[0].id, "montevideo-presupuesto-participativo");
    int pt = has_hit(r, "porto-alegre-orcamento-participativo");
    int en = has_hit(r, "new-york-participatory-budgeting");
    assert_true(pt > 1);
    assert_true(en > 1);
    assert_true(r->hits[pt - 1].score < r->hits[0].score);
    mindex_results_free(r);

    /* inflected input still hits the thesaurus key */
    r = search_text(ix, "urban agriculture");
    assert_true(has_hit(r, "rosario-agricultura-urbana"));
    mindex_results_free(r);
    mindex_close(ix);
}

static void test_thesaurus_rejects_bad_line(void **state)
{
    struct fixture *fx = *state;
    char *errmsg = NULL;
    const char bad[] = "es: huerta | pt: horta\nes huerta | en: garden\n";
    assert_int_equal(
        mindex_set_thesaurus(fx->writer, bad, strlen(bad), &errmsg),
        MINGA_EINVAL);
    assert_non_null(errmsg);
    assert_non_null(strstr(errmsg, "line 2"));
    free(errmsg);
}

static void test_rollback_drops_uncommitted_cases(void **state)
{
    struct fixture *fx = *state;
    char *errmsg = NULL;
    struct minga_case c = cases[3];
    c.id = "uncommitted";
    c.title = "Xylophone orchestras";
    assert_int_equal(mindex_put_case(fx->writer, &c, &errmsg), 0);
    assert_int_equal(mindex_remove_case(fx->writer, cases[0].id, &errmsg), 0);
    assert_int_equal(mindex_doccount(fx->writer), 5);
    /* the writer sees its own spelling data before the commit */
    struct minga_query q;
    query_for(&q, "xilophone");
    q.want_spelling = 1;
    struct mindex_results *r = search(fx->writer, &q);
    assert_non_null(r->suggestion);
    assert_string_equal(r->suggestion, "xylophone");
    mindex_results_free(r);
    mindex_rollback(fx->writer);
    assert_int_equal(mindex_doccount(fx->writer), 5);

    r = search_text(fx->writer, "xylophone");
    assert_int_equal(r->n_hits, 0);
    mindex_results_free(r);
    r = search_text(fx->writer, "orcamento");
    assert_true(has_hit(r, cases[0].id));
    mindex_results_free(r);
    /* the spelling data went with it */
    query_for(&q, "xylophon");
    q.want_spelling = 1;
    r = search(fx->writer, &q);
    assert_null(r->suggestion);
    mindex_results_free(r);
    query_for(&q, "xilophone");
    q.want_spelling = 1;
    r = search(fx->writer, &q);
    assert_null(r->suggestion);
    mindex_results_free(r);
}

static void test_writes_invisible_to_readers_before_commit(void **state)
{
    struct fixture *fx = *state;
    char *errmsg = NULL;
    struct mindex *ix = open_reader(fx);
    struct minga_case c = cases[3];
    c.id = "pending";
    assert_int_equal(mindex_put_case(fx->writer, &c, &errmsg), 0);
    assert_int_equal(mindex_reopen(ix, &errmsg), 0);
    assert_int_equal(mindex_doccount(ix), 5);

    assert_int_equal(mindex_commit(fx->writer, 9, &errmsg), 0);
    assert_int_equal(mindex_doccount(ix), 5); /* old snapshot */
    assert_int_equal(mindex_reopen(ix, &errmsg), 0);
    assert_int_equal(mindex_doccount(ix), 6);
    assert_int_equal(mindex_generation(ix), 9);
    struct mindex_results *r = search_text(ix, "residents");
    assert_true(has_hit(r, "pending"));
    mindex_results_free(r);

    /* reopening with nothing new keeps the snapshot; each later commit
     * is seen at the next reopen (the reader watches the version files
     * and must take the new ones each time) */
    assert_int_equal(mindex_reopen(ix, &errmsg), 0);
    assert_int_equal(mindex_doccount(ix), 6);
    for (int i = 0; i < 3; i++) {
        char id[32];
        snprintf(id, sizeof id, "pending-%d", i);
        c.id = id;
        assert_int_equal(mindex_put_case(fx->writer, &c, &errmsg), 0);
        assert_int_equal(mindex_commit(fx->writer, 10 + (uint64_t)i, &errmsg),
                         0);
        assert_int_equal(mindex_reopen(ix, &errmsg), 0);
        assert_int_equal(mindex_doccount(ix), 7 + (unsigned)i);
        assert_int_equal(mindex_generation(ix), 10 + (uint64_t)i);
    }
    mindex_close(ix);
}

static void test_generation_persists_across_reopen(void **state)
{
    struct fixture *fx = *state;
    char *errmsg = NULL;
    assert_int_equal(mindex_generation(fx->writer), 7);
    assert_int_equal(mindex_commit(fx->writer, 12345678901ULL, &errmsg), 0);
    mindex_close(fx->writer);
    fx->writer = NULL;

    struct mindex *ix = open_reader(fx);
    assert_true(mindex_generation(ix) == 12345678901ULL);
    mindex_close(ix);
    assert_int_equal(mindex_open(&fx->writer, fx->dir, MINDEX_WRITE, &errmsg),
                     0);
    assert_true(mindex_generation(fx->writer) == 12345678901ULL);
}

static void test_remove_case_removes(void **state)
{
    struct fixture *fx = *state;
    char *errmsg = NULL;
    assert_int_equal(
        mindex_remove_case(fx->writer, "rosario-agricultura-urbana", &errmsg),
        0);
    assert_int_equal(mindex_commit(fx->writer, 8, &errmsg), 0);
    struct mindex *ix = open_reader(fx);
    assert_int_equal(mindex_doccount(ix), 4);
    struct mindex_results *r = search_text(ix, "rosario");
    assert_int_equal(r->n_hits, 0);
    mindex_results_free(r);
    mindex_close(ix);

    assert_int_equal(mindex_remove_case(fx->writer, "no-such-case", &errmsg),
                     MINGA_ENOTFOUND);
    free(errmsg);
}

static void test_put_case_replaces_same_id(void **state)
{
    struct fixture *fx = *state;
    char *errmsg = NULL;
    struct minga_case c = cases[4];
    c.title = "Urban beekeeping in Detroit";
    assert_int_equal(mindex_put_case(fx->writer, &c, &errmsg), 0);
    assert_int_equal(mindex_commit(fx->writer, 8, &errmsg), 0);
    assert_int_equal(mindex_doccount(fx->writer), 5);
    struct mindex_results *r = search_text(fx->writer, "beekeeping");
    assert_int_equal(r->n_hits, 1);
    assert_string_equal(r->hits[0].title, "Urban beekeeping in Detroit");
    mindex_results_free(r);
    r = search_text(fx->writer, "farming");
    assert_int_equal(r->n_hits, 0);
    mindex_results_free(r);
}

static void test_replace_keeps_spelling_data_in_step(void **state)
{
    struct fixture *fx = *state;
    char *errmsg = NULL;
    struct minga_query q;
    struct mindex_results *r;
    struct minga_case detroit = cases[4], new_york = cases[3];
    detroit.title = "Urban beekeeping in Detroit";
    new_york.summary = "Residents choose projects for the council budget.";
    assert_int_equal(mindex_put_case(fx->writer, &detroit, &errmsg), 0);
    assert_int_equal(mindex_put_case(fx->writer, &new_york, &errmsg), 0);
    assert_int_equal(mindex_commit(fx->writer, 8, &errmsg), 0);

    /* "farming" left with the old Detroit text */
    query_for(&q, "farmng");
    q.want_spelling = 1;
    r = search(fx->writer, &q);
    assert_null(r->suggestion);
    mindex_results_free(r);
    /* "decide" left New York but Porto Alegre still has it */
    query_for(&q, "decyde");
    q.want_spelling = 1;
    r = search(fx->writer, &q);
    assert_non_null(r->suggestion);
    assert_string_equal(r->suggestion, "decide");
    mindex_results_free(r);
}

/* A case put twice in one transaction (an upload that names it twice):
 * the words only its first version had leave the spelling data, although
 * both versions' counts are still pending when the second is written. */
static void
test_case_put_twice_in_one_batch_keeps_spelling_in_step(void **state)
{
    struct fixture *fx = *state;
    char *errmsg = NULL;
    struct minga_query q;
    struct mindex_results *r;
    struct minga_case detroit = cases[4];
    detroit.summary = "Beekeepers keep hives on vacant lots.";
    assert_int_equal(mindex_put_case(fx->writer, &detroit, &errmsg), 0);
    detroit.summary = "Each community garden turns a vacant lot into food.";
    assert_int_equal(mindex_put_case(fx->writer, &detroit, &errmsg), 0);
    assert_int_equal(mindex_commit(fx->writer, 9, &errmsg), 0);

    query_for(&q, "beekepers");
    q.want_spelling = 1;
    r = search(fx->writer, &q);
    assert_null(r->suggestion);
    mindex_results_free(r);
    /* the second version's words are there */
    query_for(&q, "gardn");
    q.want_spelling = 1;
    r = search(fx->writer, &q);
    assert_non_null(r->suggestion);
    assert_string_equal(r->suggestion, "garden");
    mindex_results_free(r);
}

static int count_id(void *arg, const char *id)
{
    (void)id;
    (*(int *)arg)++;
    return 0;
}

static void test_foreach_id_visits_every_case(void **state)
{
    struct fixture *fx = *state;
    char *errmsg = NULL;
    int n = 0;
    assert_int_equal(mindex_foreach_id(fx->writer, count_id, &n, &errmsg), 0);
    assert_int_equal(n, 5);
}

static void test_remove_all_empties_index(void **state)
{
    struct fixture *fx = *state;
    char *errmsg = NULL;
    assert_int_equal(mindex_remove_all(fx->writer, &errmsg), 0);
    assert_int_equal(mindex_commit(fx->writer, 10, &errmsg), 0);
    assert_int_equal(mindex_doccount(fx->writer), 0);
    struct mindex_results *r = search_text(fx->writer, "");
    assert_int_equal(r->n_hits, 0);
    mindex_results_free(r);
}

static void test_open_missing_index_read_only_returns_error(void **state)
{
    (void)state;
    struct mindex *ix = (struct mindex *)0x1;
    char *errmsg = NULL;
    int rc = mindex_open(&ix, "/tmp/minga-no-such-index-dir/x", MINDEX_READ,
                         &errmsg);
    assert_int_equal(rc, MINGA_ENOTFOUND);
    assert_ptr_equal(ix, (struct mindex *)0x1);
    assert_non_null(errmsg);
    free(errmsg);

    /* a folder that is not an index: Xapian's error, as a code */
    errmsg = NULL;
    rc = mindex_open(&ix, "/tmp", MINDEX_READ, &errmsg);
    assert_true(rc < 0);
    assert_non_null(errmsg);
    free(errmsg);
}

static void test_read_only_handle_refuses_writes(void **state)
{
    struct fixture *fx = *state;
    struct mindex *ix = open_reader(fx);
    char *errmsg = NULL;
    assert_int_equal(mindex_put_case(ix, &cases[0], &errmsg), MINGA_EINVAL);
    assert_non_null(errmsg);
    free(errmsg);
    mindex_close(ix);
}

static void test_second_writer_is_refused_busy(void **state)
{
    struct fixture *fx = *state;
    struct mindex *other = NULL;
    char *errmsg = NULL;
    assert_int_equal(mindex_open(&other, fx->dir, MINDEX_WRITE, &errmsg),
                     MINGA_EBUSY);
    assert_null(other);
    assert_non_null(errmsg);
    free(errmsg);
}

static void test_put_case_refuses_invalid_utf8(void **state)
{
    struct fixture *fx = *state;
    char *errmsg = NULL;
    struct minga_case c = cases[3];
    c.id = "bad-utf8";
    c.body = "Valid start, then \xC3\x28 broken";
    assert_int_equal(mindex_put_case(fx->writer, &c, &errmsg), MINGA_EINVAL);
    assert_non_null(strstr(errmsg, "bad-utf8"));
    free(errmsg);
    errmsg = NULL;
    assert_int_equal(mindex_commit(fx->writer, 8, &errmsg), 0);
    assert_int_equal(mindex_doccount(fx->writer), 5);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_search_folds_accents_both_ways),
        T(test_search_stems_plural_to_singular),
        T(test_search_quoted_phrase_needs_word_order),
        T(test_search_minus_excludes_word),
        T(test_search_relaxes_to_or_when_and_finds_nothing),
        T(test_search_budget_counts_different_words),
        T(test_search_during_rapid_commits),
        T(test_attachment_text_indexed_up_to_a_megabyte),
        T(test_snippet_from_attachment_where_the_match_is),
        T(test_filters_or_within_and_across_fields),
        T(test_filter_year_range_overlaps),
        T(test_empty_query_lists_newest_first_and_pages),
        T(test_facets_count_whole_match_set),
        T(test_spelling_suggests_corrected_query),
        T(test_snippet_marks_matches_and_escapes_html),
        T(test_snippet_cuts_long_text_on_word_boundaries),
        T(test_snippet_marks_inflected_and_capitalised_words),
        T(test_snippet_marks_english_exceptions),
        T(test_long_case_ranks_below_short_one),
        T(test_thesaurus_match_ranks_below_same_language),
        T(test_thesaurus_rejects_bad_line),
        T(test_rollback_drops_uncommitted_cases),
        T(test_writes_invisible_to_readers_before_commit),
        T(test_generation_persists_across_reopen),
        T(test_remove_case_removes),
        T(test_put_case_replaces_same_id),
        T(test_replace_keeps_spelling_data_in_step),
        T(test_case_put_twice_in_one_batch_keeps_spelling_in_step),
        T(test_foreach_id_visits_every_case),
        T(test_remove_all_empties_index),
        cmocka_unit_test(test_open_missing_index_read_only_returns_error),
        T(test_read_only_handle_refuses_writes),
        T(test_second_writer_is_refused_busy),
        T(test_put_case_refuses_invalid_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
