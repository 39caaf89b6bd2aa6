/*
 * The cross-language thesaurus (data/thesaurus.txt) through the real
 * loader (mindex_set_thesaurus), and the file's own rules: every group
 * says its source ("why:"), names at least two languages, holds lower-case
 * valid UTF-8 terms of at most 8 words, and no term is in two groups. The
 * loader's "why:" field is checked too: read, never matched, and an
 * unknown field name is an error naming the line. A new group of city
 * practice is searched across languages.
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

static char dir[64];
static char *file_text;
static size_t file_len;

static struct minga_case cases[] = {
    {.id = "lima-ollas-comunes",
     .title = "Ollas comunes de Lima",
     .summary = "Las ollas comunes de los barrios de Lima cocinan cada "
                "día para las familias del vecindario.",
     .language = "es",
     .city = "Lima",
     .country = "PE",
     .year_start = 2020,
     .goal_mask = GOAL(2)},
    {.id = "surabaya-waste-bank",
     .title = "Surabaya's waste banks",
     .summary = "Residents deposit sorted recyclables at the waste bank "
                "and earn savings.",
     .language = "en",
     .city = "Surabaya",
     .country = "ID",
     .year_start = 2010,
     .goal_mask = GOAL(11) | GOAL(12)},
    {.id = "recife-cozinha",
     .title = "Restaurante no centro do Recife",
     .summary = "Um restaurante privado com cozinha aberta serve almoço "
                "no centro.",
     .language = "pt",
     .city = "Recife",
     .country = "BR",
     .year_start = 2015,
     .goal_mask = GOAL(8)},
};
#define N_CASES (sizeof cases / sizeof cases[0])

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    buf[size] = '\0';
    *len = (size_t)size;
    return buf;
}

static int setup(void **state)
{
    (void)state;
    struct mindex *writer = NULL;
    char *errmsg = NULL;
    file_text = read_file(MINGA_SOURCE_DIR "/data/thesaurus.txt", &file_len);
    if (!file_text)
        return -1;
    strcpy(dir, "/tmp/minga-test-thesaurus-XXXXXX");
    if (!mkdtemp(dir) || mindex_open(&writer, dir, MINDEX_WRITE, &errmsg) != 0)
        return -1;
    for (size_t i = 0; i < N_CASES; i++) {
        cases[i].struct_size = sizeof cases[i];
        if (mindex_put_case(writer, &cases[i], &errmsg) != 0)
            return -1;
    }
    if (mindex_set_thesaurus(writer, file_text, file_len, &errmsg) != 0) {
        fprintf(stderr, "data/thesaurus.txt: %s\n", errmsg);
        return -1;
    }
    if (mindex_commit(writer, 1, &errmsg) != 0)
        return -1;
    mindex_close(writer);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    free(file_text);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- the file's rules ------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
    size_t n;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xE0) == 0xC0 && s[0] >= 0xC2)
        n = 2;
    else if ((s[0] & 0xF0) == 0xE0)
        n = 3;
    else if ((s[0] & 0xF8) == 0xF0 && s[0] <= 0xF4)
        n = 4;
    else
        return 0;
    if (n > left)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* Upper-case letters of the scripts used here: ASCII A-Z and the
 * Latin-1 capitals (U+00C0-U+00DE, C3 80-C3 9E). */
static int has_upper(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 'A' && *p <= 'Z')
            return 1;
        if (p[0] == 0xC3 && p[1] >= 0x80 && p[1] <= 0x9E && p[1] != 0x97)
            return 1;
    }
    return 0;
}

static int count_words(const char *s)
{
    int n = 0, in_word = 0;
    for (; *s; s++) {
        int is_space = (*s == ' ');
        if (!is_space && !in_word)
            n++;
        in_word = !is_space;
    }
    return n;
}

struct term {
    char *text;
    int line;
};

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    size_t b = strspn(s, " \t");
    memmove(s, s + b, strlen(s + b) + 1);
}

/* Reads every group of the file and reports each broken rule with its
 * line; fails when there is any. */
static void test_every_group_follows_the_rules(void **state)
{
    (void)state;
    char *text = strdup(file_text);
    struct term *terms = NULL;
    size_t n_terms = 0, cap = 0;
    int line_no = 0, problems = 0, n_groups = 0;
    char *save_line = NULL;
    assert_non_null(text);
    /* strtok_r would skip blank lines and miscount; split by hand */
    for (char *line = text; line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        line_no++;
        char *next = nl ? nl + 1 : NULL;
        trim(line);
        if (!*line || line[0] == '#') {
            line = next;
            continue;
        }
        n_groups++;
        const unsigned char *u = (const unsigned char *)line;
        for (size_t i = 0, left = strlen(line); i < left;) {
            size_t k = utf8_len(u + i, left - i);
            if (!k) {
                fprintf(stderr, "line %d: invalid UTF-8\n", line_no);
                problems++;
                break;
            }
            i += k;
        }
        int has_why = 0, langs = 0; /* bits: es 1, pt 2, en 4 */
        char *part = strtok_r(line, "|", &save_line);
        for (; part; part = strtok_r(NULL, "|", &save_line)) {
            trim(part);
            char *colon = strchr(part, ':');
            if (!colon) {
                fprintf(stderr, "line %d: entry without field\n", line_no);
                problems++;
                continue;
            }
            *colon = '\0';
            char *term = colon + 1;
            trim(term);
            if (strcmp(part, "why") == 0) {
                has_why = *term != '\0';
                continue;
            }
            if (strcmp(part, "sdg") == 0)
                continue;
            if (strcmp(part, "es") == 0)
                langs |= 1;
            else if (strcmp(part, "pt") == 0)
                langs |= 2;
            else if (strcmp(part, "en") == 0)
                langs |= 4;
            if (has_upper(term)) {
                fprintf(stderr, "line %d: '%s' is not lower case\n", line_no,
                        term);
                problems++;
            }
            if (count_words(term) > 8) {
                fprintf(stderr, "line %d: '%s' has more than 8 words\n",
                        line_no, term);
                problems++;
            }
            /* the same term twice in one group (es and pt "brt") is
             * one term; across groups it is a conflict */
            int in_group = 0;
            for (size_t i = 0; i < n_terms; i++)
                if (strcmp(terms[i].text, term) == 0) {
                    if (terms[i].line == line_no) {
                        in_group = 1;
                        continue;
                    }
                    fprintf(stderr, "line %d: '%s' is also on line %d\n",
                            line_no, term, terms[i].line);
                    problems++;
                }
            if (in_group)
                continue;
            if (n_terms == cap) {
                cap = cap ? 2 * cap : 256;
                terms = realloc(terms, cap * sizeof *terms);
                assert_non_null(terms);
            }
            terms[n_terms].text = term;
            terms[n_terms].line = line_no;
            n_terms++;
        }
        if (!has_why) {
            fprintf(stderr, "line %d: no 'why:' (source or reasoning)\n",
                    line_no);
            problems++;
        }
        if (langs != 1 && langs != 2 && langs != 4)
            ; /* two languages or more */
        else {
            fprintf(stderr, "line %d: only one language\n", line_no);
            problems++;
        }
        line = next;
    }
    free(terms);
    free(text);
    assert_true(n_groups >= 250);
    assert_int_equal(problems, 0);
}

/* ---- the loader's "why:" field ---------------------------------------- */

static int load(const char *text, char **errmsg)
{
    struct mindex *writer = NULL;
    char tmp[64];
    strcpy(tmp, "/tmp/minga-test-thes-load-XXXXXX");
    if (!mkdtemp(tmp) || mindex_open(&writer, tmp, MINDEX_WRITE, errmsg))
        fail_msg("cannot open a scratch index");
    int rc = mindex_set_thesaurus(writer, text, strlen(text), errmsg);
    mindex_close(writer);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    assert_int_equal(system(cmd), 0);
    return rc;
}

static void expect_error(const char *text, const char *needle)
{
    char *errmsg = NULL;
    assert_int_not_equal(load(text, &errmsg), 0);
    assert_non_null(errmsg);
    if (!strstr(errmsg, needle))
        fail_msg("'%s' does not say '%s'", errmsg, needle);
    free(errmsg);
}

static void test_loader_reads_why_and_refuses_unknown_fields(void **state)
{
    (void)state;
    char *errmsg = NULL;
    assert_int_equal(
        load("es: agua | pt: água | why: reasoning: dictionary\n", &errmsg),
        0);
    /* a "why:" alone is no second entry */
    expect_error("es: agua | why: reasoning\n", "line 1: a group needs");
    expect_error("# c\nes: agua | pt: água | src: UN\n",
                 "line 2: entry 'src: UN'");
    expect_error("es: agua | pt: água | why: \n", "line 1: entry 'why:");
    expect_error("es: agua | pt: água | why: a | why: b\n",
                 "line 1: a group has one 'why:'");
    expect_error("es: agua | why: a | pt: água\n",
                 "line 1: entry 'pt: água' after 'why:'");
}

/* ---- a group of city practice, across languages ----------------------- */

static struct mindex_results *search(const char *text)
{
    struct mindex *ix = NULL;
    char *errmsg = NULL;
    if (mindex_open(&ix, dir, MINDEX_READ, &errmsg) != 0)
        fail_msg("open: %s", errmsg);
    struct minga_query q;
    memset(&q, 0, sizeof q);
    q.text = (char *)text;
    q.limit = 10;
    struct mindex_results *r = NULL;
    if (mindex_search(ix, &q, &r, &errmsg) != 0)
        fail_msg("search '%s': %s", text, errmsg);
    mindex_close(ix);
    return r;
}

static int first_is(const char *text, const char *id)
{
    struct mindex_results *r = search(text);
    int ok = r->n_hits >= 1 && strcmp(r->hits[0].id, id) == 0;
    mindex_results_free(r);
    return ok;
}

static void test_new_groups_find_cases_across_languages(void **state)
{
    (void)state;
    /* Portuguese and English find the Spanish ollas comunes, before the
     * Portuguese case that only says "cozinha" */
    assert_true(first_is("cozinhas comunitárias", "lima-ollas-comunes"));
    assert_true(first_is("community kitchens", "lima-ollas-comunes"));
    /* Spanish and Portuguese find the English waste bank */
    assert_true(first_is("banco de residuos", "surabaya-waste-bank"));
    assert_true(first_is("bancos de resíduos", "surabaya-waste-bank"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_group_follows_the_rules),
        cmocka_unit_test(test_loader_reads_why_and_refuses_unknown_fields),
        cmocka_unit_test(test_new_groups_find_cases_across_languages),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
