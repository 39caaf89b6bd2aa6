/*
 * case_builder: every rule of the case format v1 (shared/docs/
 * case-format.md), fed field by field as an importer would, with the
 * diagnostics checked for the field name ("sdg_goals[1]"), the line of the
 * offending value and the message.
 *
 * The valid case is Porto Alegre's participatory budgeting (1989); each
 * test replaces or removes one field of it. Field lines mimic a JSON file
 * with one field per line, starting at line 2 (the object opens at 1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "case.h"
#include "case_builder.h"
#include "diag.h"
#include "refdata.h"

#define FILE_NAME "case.json"
#define CASE_LINE 1
#define LINE_FREE 40 /* replacement fields start here */

static struct diag_list dl;
static struct case_builder *b;
static struct built_case bc;

/* ---- values --------------------------------------------------------- */

static struct minga_value sv(const char *s, int line)
{
    struct minga_value v = {.type = MINGA_VALUE_STRING,
                            .str = s,
                            .len = strlen(s),
                            .line = line,
                            .column = 3};
    return v;
}

static struct minga_value svn(const char *s, size_t len, int line)
{
    struct minga_value v = {.type = MINGA_VALUE_STRING,
                            .str = s,
                            .len = len,
                            .line = line,
                            .column = 3};
    return v;
}

static struct minga_value tv(const char *s, int line)
{
    struct minga_value v = sv(s, line);
    v.type = MINGA_VALUE_TEXT;
    return v;
}

static struct minga_value iv(long long n, int line)
{
    struct minga_value v = {
        .type = MINGA_VALUE_INTEGER, .integer = n, .line = line, .column = 3};
    return v;
}

static struct minga_value av(int line)
{
    struct minga_value v = {
        .type = MINGA_VALUE_ARRAY, .line = line, .column = 3};
    return v;
}

static void put(const char *name, struct minga_value v)
{
    case_builder_field(b, name, &v);
}

static void item(const char *name, size_t index, struct minga_value v)
{
    case_builder_item(b, name, index, &v);
}

/* An array of strings at `line`, item i on line + 1 + i. */
static void put_strs(const char *name, int line, const char *const *items)
{
    put(name, av(line));
    for (size_t i = 0; items[i]; i++)
        item(name, i, sv(items[i], line + 1 + (int)i));
}

/* An array of integers at `line`, item i on line + 1 + i. */
static void put_ints(const char *name, int line, size_t n,
                     const long long *items)
{
    put(name, av(line));
    for (size_t i = 0; i < n; i++)
        item(name, i, iv(items[i], line + 1 + (int)i));
}

/* ---- the valid case ------------------------------------------------- */

static int is_skipped(const char *skip, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = skip; p && *p;) {
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p += len + (end ? 1 : 0);
    }
    return 0;
}

/* Feeds Porto Alegre's case, leaving out the fields named in `skip`
 * (space-separated). */
static void feed_valid_except(const char *skip)
{
    static const char *const targets[] = {"16.7", "11.3", NULL};
    static const char *const levels[] = {"local", NULL};
    static const char *const actors[] = {"community", "public_sector", NULL};
    static const char *const tags[] = {"orçamento participativo",
                                       "democracia participativa", NULL};
    static const long long goals[] = {16, 11, 10};
    case_builder_begin(b, FILE_NAME, CASE_LINE);
    if (!is_skipped(skip, "id"))
        put("id", sv("porto-alegre-orcamento-participativo", 2));
    if (!is_skipped(skip, "title"))
        put("title", sv("Orçamento Participativo de Porto Alegre", 3));
    if (!is_skipped(skip, "summary"))
        put("summary", sv("Criado em 1989, o Orçamento Participativo permite "
                          "que a população defina em assembleias as "
                          "prioridades de investimento da prefeitura.",
                          4));
    if (!is_skipped(skip, "language"))
        put("language", sv("pt", 5));
    if (!is_skipped(skip, "city"))
        put("city", sv("Porto Alegre", 6));
    if (!is_skipped(skip, "country"))
        put("country", sv("BR", 7));
    if (!is_skipped(skip, "region"))
        put("region", sv("Rio Grande do Sul", 8));
    if (!is_skipped(skip, "year_start"))
        put("year_start", iv(1989, 9));
    if (!is_skipped(skip, "sdg_goals"))
        put_ints("sdg_goals", 10, 3, goals); /* lines 10-13 */
    if (!is_skipped(skip, "sdg_targets"))
        put_strs("sdg_targets", 14, targets); /* lines 14-16 */
    if (!is_skipped(skip, "levels"))
        put_strs("levels", 17, levels); /* lines 17-18 */
    if (!is_skipped(skip, "actors"))
        put_strs("actors", 19, actors); /* lines 19-21 */
    if (!is_skipped(skip, "tags"))
        put_strs("tags", 22, tags); /* lines 22-24 */
    if (!is_skipped(skip, "source_url"))
        put("source_url",
            sv("https://pt.wikipedia.org/wiki/Or%C3%A7amento_participativo",
               25));
    if (!is_skipped(skip, "license"))
        put("license", sv("CC-BY-4.0", 26));
}

/* ---- checking ------------------------------------------------------- */

static int end_case(void)
{
    return case_builder_end(b, &bc);
}

static void expect_ok(void)
{
    int rc = end_case();
    for (size_t i = 0; i < dl.n_items; i++) {
        char *text = diag_format(&dl.items[i]);
        print_error("unexpected diagnostic: %s\n", text ? text : "?");
        free(text);
    }
    assert_int_equal(rc, MINGA_OK);
    assert_int_equal(dl.n_errors, 0);
    assert_non_null(bc.c);
}

static const struct diag *find_diag(const char *field)
{
    for (size_t i = 0; i < dl.n_items; i++)
        if (dl.items[i].field && strcmp(dl.items[i].field, field) == 0)
            return &dl.items[i];
    return NULL;
}

/* Ends the case, expecting it refused with exactly `n_errors` errors, one
 * of them on `field` at `line` (line < 0: any line) whose message holds
 * `text`. */
static void expect_error_n(size_t n_errors, const char *field, int line,
                           const char *text)
{
    int rc = end_case();
    assert_int_equal(rc, MINGA_EINVAL);
    assert_null(bc.c);
    const struct diag *d = find_diag(field);
    if (!d || (n_errors && dl.n_errors != n_errors)) {
        for (size_t i = 0; i < dl.n_items; i++) {
            char *t = diag_format(&dl.items[i]);
            print_error("diagnostic: %s\n", t ? t : "?");
            free(t);
        }
        print_error("expected an error on field %s\n", field);
    }
    assert_non_null(d);
    if (n_errors)
        assert_int_equal(dl.n_errors, n_errors);
    assert_int_equal(d->severity, DIAG_ERROR);
    assert_non_null(d->file);
    assert_string_equal(d->file, FILE_NAME);
    if (line >= 0)
        assert_int_equal(d->line, line);
    if (!strstr(d->message, text))
        print_error("message \"%s\" lacks \"%s\"\n", d->message, text);
    assert_non_null(strstr(d->message, text));
}

static void expect_error(const char *field, int line, const char *text)
{
    expect_error_n(1, field, line, text);
}

static char *repeat(const char *unit, size_t n)
{
    size_t len = strlen(unit);
    char *s = malloc(len * n + 1);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * len, unit, len);
    s[len * n] = '\0';
    return s;
}

static int setup(void **state)
{
    (void)state;
    char *err = NULL;
    if (refdata_load(&err)) {
        print_error("refdata: %s\n", err ? err : "?");
        return -1;
    }
    diag_list_init(&dl);
    b = case_builder_new(0, &dl);
    memset(&bc, 0, sizeof bc);
    return b ? 0 : -1;
}

static int setup_lenient(void **state)
{
    setup(state);
    case_builder_free(b);
    b = case_builder_new(1, &dl);
    return b ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    built_case_release(&bc);
    case_builder_free(b);
    diag_list_release(&dl);
    return 0;
}

/* ---- a valid case --------------------------------------------------- */

static void test_valid_case_builds_with_canonical_arrays(void **state)
{
    (void)state;
    feed_valid_except("");
    expect_ok();
    const struct minga_case *c = bc.c;
    assert_string_equal(c->id, "porto-alegre-orcamento-participativo");
    assert_string_equal(c->title, "Orçamento Participativo de Porto Alegre");
    assert_string_equal(c->language, "pt");
    assert_string_equal(c->city, "Porto Alegre");
    assert_string_equal(c->country, "BR");
    assert_string_equal(c->region, "Rio Grande do Sul");
    assert_int_equal(c->year_start, 1989);
    assert_int_equal(c->year_end, 0);
    assert_null(c->body);
    assert_int_equal(c->goal_mask, (1u << 10) | (1u << 11) | (1u << 16));
    /* targets by goal: 11.3 before 16.7 */
    assert_int_equal(c->n_targets, 2);
    assert_string_equal(c->targets[0], "11.3");
    assert_string_equal(c->targets[1], "16.7");
    assert_int_equal(c->level_mask, MINGA_LEVEL_LOCAL);
    assert_int_equal(c->actor_mask,
                     MINGA_ACTOR_PUBLIC_SECTOR | MINGA_ACTOR_COMMUNITY);
    assert_int_equal(c->n_tags, 2);
    assert_string_equal(c->tags[0], "orçamento participativo");
    assert_string_equal(
        c->source_url,
        "https://pt.wikipedia.org/wiki/Or%C3%A7amento_participativo");
    assert_string_equal(c->license, "CC-BY-4.0");
    assert_int_equal(c->n_attachments, 0);
    assert_int_equal(bc.line, CASE_LINE);
    assert_null(bc.extra);
}

static void test_builder_starts_each_case_fresh_after_a_bad_one(void **state)
{
    (void)state;
    feed_valid_except("year_start");
    put("year_start", iv(1800, LINE_FREE));
    expect_error("year_start", LINE_FREE, "1900-2100");
    diag_list_release(&dl);
    diag_list_init(&dl);
    feed_valid_except("");
    expect_ok();
    assert_int_equal(bc.c->year_start, 1989);
}

/* ---- id --------------------------------------------------------------- */

static void test_id_of_100_allowed_chars_is_accepted(void **state)
{
    (void)state;
    char *id = repeat("a-9", 34); /* 102 chars */
    id[100] = '\0';
    feed_valid_except("id");
    put("id", sv(id, LINE_FREE));
    expect_ok();
    assert_string_equal(bc.c->id, id);
    free(id);
}

static void test_id_of_101_chars_is_rejected(void **state)
{
    (void)state;
    char *id = repeat("a", 101);
    feed_valid_except("id");
    put("id", sv(id, LINE_FREE));
    expect_error("id", LINE_FREE, "");
    free(id);
}

static void test_id_with_upper_case_or_underscore_is_rejected(void **state)
{
    (void)state;
    feed_valid_except("id");
    put("id", sv("Porto_Alegre", LINE_FREE));
    expect_error("id", LINE_FREE, "Porto_Alegre");
}

static void test_id_with_accent_is_rejected(void **state)
{
    (void)state;
    feed_valid_except("id");
    put("id", sv("orçamento", LINE_FREE));
    expect_error("id", LINE_FREE, "");
}

static void test_empty_id_is_rejected(void **state)
{
    (void)state;
    feed_valid_except("id");
    put("id", sv("", LINE_FREE));
    expect_error("id", LINE_FREE, "");
}

static void
test_id_is_derived_from_city_and_title_with_accents_folded(void **state)
{
    (void)state;
    feed_valid_except("id city title");
    put("city", sv("São Paulo", LINE_FREE));
    put("title", sv("Orçamento", LINE_FREE + 1));
    expect_ok();
    assert_string_equal(bc.c->id, "sao-paulo-orcamento");
}

static void
test_derived_id_of_a_long_title_stays_within_100_chars(void **state)
{
    (void)state;
    char *title = repeat("Participação cidadã ", 14); /* 280 chars */
    feed_valid_except("id title");
    put("title", sv(title, LINE_FREE));
    expect_ok();
    size_t n = strlen(bc.c->id);
    assert_true(n >= 1 && n <= 100);
    assert_int_equal(strspn(bc.c->id, "abcdefghijklmnopqrstuvwxyz0123456789-"),
                     n);
    assert_true(strncmp(bc.c->id, "porto-alegre-participacao-cidada", 32) ==
                0);
    free(title);
}

/* ---- title, summary, body --------------------------------------------- */

static void test_missing_title_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("title");
    expect_error("title", CASE_LINE, "required");
}

static void test_blank_title_is_an_error_after_trimming(void **state)
{
    (void)state;
    feed_valid_except("title");
    put("title", sv("   \t ", LINE_FREE));
    expect_error("title", LINE_FREE, "");
}

static void test_title_of_300_multibyte_chars_is_accepted(void **state)
{
    (void)state;
    char *t = repeat("ã", 300); /* 600 bytes, 300 characters */
    char *padded = NULL;
    assert_true(asprintf(&padded, "  %s  ", t) > 0);
    feed_valid_except("title");
    put("title", sv(padded, LINE_FREE));
    expect_ok();
    assert_string_equal(bc.c->title, t); /* trimmed */
    free(t);
    free(padded);
}

static void test_title_of_301_chars_is_rejected(void **state)
{
    (void)state;
    char *t = repeat("ã", 301);
    feed_valid_except("title");
    put("title", sv(t, LINE_FREE));
    expect_error("title", LINE_FREE, "300");
    free(t);
}

static void test_missing_summary_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("summary");
    expect_error("summary", CASE_LINE, "required");
}

static void test_empty_summary_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("summary");
    put("summary", sv("", LINE_FREE));
    expect_error("summary", LINE_FREE, "");
}

static void test_summary_of_4000_chars_is_accepted(void **state)
{
    (void)state;
    char *s = repeat("é", 4000);
    feed_valid_except("summary");
    put("summary", sv(s, LINE_FREE));
    expect_ok();
    free(s);
}

static void test_summary_of_4001_chars_is_rejected(void **state)
{
    (void)state;
    char *s = repeat("é", 4001);
    feed_valid_except("summary");
    put("summary", sv(s, LINE_FREE));
    expect_error("summary", LINE_FREE, "4000");
    free(s);
}

static void test_body_of_1_mib_is_accepted(void **state)
{
    (void)state;
    char *body = repeat("a", 1024 * 1024);
    feed_valid_except("");
    put("body", sv(body, LINE_FREE));
    expect_ok();
    assert_non_null(bc.c->body);
    assert_int_equal(strlen(bc.c->body), 1024 * 1024);
    free(body);
}

static void test_body_over_1_mib_is_rejected(void **state)
{
    (void)state;
    char *body = repeat("a", 1024 * 1024 + 1);
    feed_valid_except("");
    put("body", sv(body, LINE_FREE));
    expect_error("body", LINE_FREE, "MiB");
    free(body);
}

/* ---- language, city, country, region ---------------------------------- */

static void test_language_es_is_accepted(void **state)
{
    (void)state;
    feed_valid_except("language");
    put("language", sv("es", LINE_FREE));
    expect_ok();
    assert_string_equal(bc.c->language, "es");
}

static void
test_language_in_upper_case_is_an_error_naming_lower_case(void **state)
{
    (void)state;
    feed_valid_except("language");
    put("language", sv("ES", LINE_FREE));
    expect_error("language", LINE_FREE, "lower case");
}

static void test_unknown_language_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("language");
    put("language", sv("xx", LINE_FREE));
    expect_error("language", LINE_FREE, "xx");
}

static void test_missing_language_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("language");
    expect_error("language", CASE_LINE, "required");
}

static void test_missing_city_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("city");
    expect_error("city", CASE_LINE, "required");
}

static void test_country_br_is_accepted(void **state)
{
    (void)state;
    feed_valid_except("");
    expect_ok();
    assert_string_equal(bc.c->country, "BR");
}

static void
test_country_in_lower_case_is_an_error_naming_upper_case(void **state)
{
    (void)state;
    feed_valid_except("country");
    put("country", sv("br", LINE_FREE));
    expect_error("country", LINE_FREE, "upper case");
}

static void test_country_code_that_does_not_exist_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("country");
    put("country", sv("XX", LINE_FREE));
    expect_error("country", LINE_FREE, "XX");
}

static void test_country_name_instead_of_code_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("country");
    put("country", sv("Brasil", LINE_FREE));
    expect_error("country", LINE_FREE, "Brasil");
}

static void test_missing_country_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("country");
    expect_error("country", CASE_LINE, "required");
}

static void test_region_is_optional(void **state)
{
    (void)state;
    feed_valid_except("region");
    expect_ok();
    assert_null(bc.c->region);
}

static void test_region_given_as_an_object_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("region");
    struct minga_value v = {.type = MINGA_VALUE_OBJECT, .line = LINE_FREE};
    put("region", v);
    expect_error("region", LINE_FREE, "");
}

/* ---- years ------------------------------------------------------------ */

static void test_missing_year_start_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("year_start");
    expect_error("year_start", CASE_LINE, "required");
}

static void test_year_start_1900_and_year_end_2100_are_accepted(void **state)
{
    (void)state;
    feed_valid_except("year_start");
    put("year_start", iv(1900, LINE_FREE));
    put("year_end", iv(2100, LINE_FREE + 1));
    expect_ok();
    assert_int_equal(bc.c->year_start, 1900);
    assert_int_equal(bc.c->year_end, 2100);
}

static void test_year_start_1899_is_rejected(void **state)
{
    (void)state;
    feed_valid_except("year_start");
    put("year_start", iv(1899, LINE_FREE));
    expect_error("year_start", LINE_FREE, "1899");
}

static void test_year_start_2101_is_rejected(void **state)
{
    (void)state;
    feed_valid_except("year_start");
    put("year_start", iv(2101, LINE_FREE));
    expect_error("year_start", LINE_FREE, "2101");
}

static void test_year_start_as_typed_string_is_rejected(void **state)
{
    (void)state;
    feed_valid_except("year_start");
    put("year_start", sv("1989", LINE_FREE));
    expect_error("year_start", LINE_FREE, "integer");
}

static void test_year_start_as_real_number_is_rejected(void **state)
{
    (void)state;
    feed_valid_except("year_start");
    struct minga_value v = {
        .type = MINGA_VALUE_REAL, .real = 1989.5, .line = LINE_FREE};
    put("year_start", v);
    expect_error("year_start", LINE_FREE, "integer");
}

static void test_year_start_as_text_is_converted(void **state)
{
    (void)state;
    feed_valid_except("year_start");
    put("year_start", tv(" 1989 ", LINE_FREE));
    expect_ok();
    assert_int_equal(bc.c->year_start, 1989);
}

static void test_year_start_text_that_is_not_a_number_is_rejected(void **state)
{
    (void)state;
    feed_valid_except("year_start");
    put("year_start", tv("1989a", LINE_FREE));
    expect_error("year_start", LINE_FREE, "integer");
}

static void test_year_end_before_year_start_is_rejected(void **state)
{
    (void)state;
    feed_valid_except("");
    put("year_end", iv(1988, LINE_FREE));
    expect_error("year_end", LINE_FREE, "1988");
}

static void test_year_end_equal_to_year_start_is_accepted(void **state)
{
    (void)state;
    feed_valid_except("");
    put("year_end", iv(1989, LINE_FREE));
    expect_ok();
    assert_int_equal(bc.c->year_end, 1989);
}

/* ---- goals and targets ------------------------------------------------ */

static void test_missing_sdg_goals_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("sdg_goals sdg_targets");
    expect_error("sdg_goals", -1, "required");
}

static void test_empty_sdg_goals_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("sdg_goals sdg_targets");
    put("sdg_goals", av(LINE_FREE));
    expect_error("sdg_goals", LINE_FREE, "");
}

static void test_goal_18_is_an_error_naming_its_index(void **state)
{
    (void)state;
    static const long long goals[] = {11, 18};
    feed_valid_except("sdg_goals");
    put_ints("sdg_goals", LINE_FREE, 2, goals);
    expect_error("sdg_goals[1]", LINE_FREE + 2, "");
    const struct diag *d = find_diag("sdg_goals[1]");
    assert_string_equal(d->message, "18 is not an SDG goal (1-17)");
}

static void test_goal_0_is_an_error(void **state)
{
    (void)state;
    static const long long goals[] = {0};
    feed_valid_except("sdg_goals");
    put_ints("sdg_goals", LINE_FREE, 1, goals);
    expect_error("sdg_goals[0]", LINE_FREE + 1, "1-17");
}

static void test_goal_listed_twice_is_an_error(void **state)
{
    (void)state;
    static const long long goals[] = {11, 16, 11};
    feed_valid_except("sdg_goals");
    put_ints("sdg_goals", LINE_FREE, 3, goals);
    expect_error("sdg_goals[2]", LINE_FREE + 3, "");
}

static void test_goal_as_typed_string_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("sdg_goals");
    put("sdg_goals", av(LINE_FREE));
    item("sdg_goals", 0, iv(11, LINE_FREE + 1));
    item("sdg_goals", 1, sv("16", LINE_FREE + 2));
    expect_error("sdg_goals[1]", LINE_FREE + 2, "integer");
}

static void test_sdg_goals_given_as_a_string_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("sdg_goals");
    put("sdg_goals", sv("11", LINE_FREE));
    expect_error("sdg_goals", LINE_FREE, "array");
}

static void test_sdg_goals_text_is_split_on_semicolons(void **state)
{
    (void)state;
    feed_valid_except("sdg_goals sdg_targets");
    put("sdg_goals", tv("11;16", LINE_FREE));
    expect_ok();
    assert_int_equal(bc.c->goal_mask, (1u << 11) | (1u << 16));
}

static void test_sdg_goals_text_with_a_bad_part_names_its_index(void **state)
{
    (void)state;
    feed_valid_except("sdg_goals sdg_targets");
    put("sdg_goals", tv("11; 18", LINE_FREE));
    expect_error("sdg_goals[1]", LINE_FREE, "18 is not an SDG goal (1-17)");
}

static void test_sdg_goals_text_with_a_word_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("sdg_goals sdg_targets");
    put("sdg_goals", tv("11;cities", LINE_FREE));
    expect_error("sdg_goals[1]", LINE_FREE, "integer");
}

static void test_target_11_8_does_not_exist(void **state)
{
    (void)state;
    static const char *const targets[] = {"11.3", "11.8", NULL};
    feed_valid_except("sdg_targets");
    put_strs("sdg_targets", LINE_FREE, targets);
    expect_error("sdg_targets[1]", LINE_FREE + 2, "11.8");
}

static void test_target_6_c_does_not_exist(void **state)
{
    (void)state;
    static const char *const targets[] = {"6.c", NULL};
    feed_valid_except("sdg_targets");
    put_strs("sdg_targets", LINE_FREE, targets);
    expect_error("sdg_targets[0]", LINE_FREE + 1, "6.c");
}

static void test_target_that_is_not_an_id_is_rejected(void **state)
{
    (void)state;
    static const char *const targets[] = {"11", NULL};
    feed_valid_except("sdg_targets");
    put_strs("sdg_targets", LINE_FREE, targets);
    expect_error("sdg_targets[0]", LINE_FREE + 1, "");
}

static void test_targets_6_a_and_17_19_exist_and_add_their_goals(void **state)
{
    (void)state;
    static const char *const targets[] = {"17.19", "6.a", NULL};
    feed_valid_except("sdg_targets");
    put_strs("sdg_targets", LINE_FREE, targets);
    expect_ok();
    /* 10, 11, 16 given; 6 and 17 implied by the targets */
    assert_int_equal(bc.c->goal_mask, (1u << 6) | (1u << 10) | (1u << 11) |
                                          (1u << 16) | (1u << 17));
    assert_int_equal(bc.c->n_targets, 2);
    assert_string_equal(bc.c->targets[0], "6.a");
    assert_string_equal(bc.c->targets[1], "17.19");
}

static void test_targets_are_ordered_numbers_before_letters(void **state)
{
    (void)state;
    static const char *const targets[] = {"11.b", "17.19", "11.a", "11.7",
                                          "17.2", "11.1",  NULL};
    feed_valid_except("sdg_targets");
    put_strs("sdg_targets", LINE_FREE, targets);
    expect_ok();
    static const char *const want[] = {"11.1", "11.7", "11.a",
                                       "11.b", "17.2", "17.19"};
    assert_int_equal(bc.c->n_targets, 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(bc.c->targets[i], want[i]);
}

static void test_target_alone_supplies_a_missing_goal(void **state)
{
    (void)state;
    static const long long goals[] = {16};
    static const char *const targets[] = {"11.3", NULL};
    feed_valid_except("sdg_goals sdg_targets");
    put_ints("sdg_goals", LINE_FREE, 1, goals);
    put_strs("sdg_targets", LINE_FREE + 3, targets);
    expect_ok();
    assert_int_equal(bc.c->goal_mask, (1u << 11) | (1u << 16));
}

/* ---- levels, actors, tags --------------------------------------------- */

static void test_missing_levels_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("levels");
    expect_error("levels", -1, "required");
}

static void test_empty_levels_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("levels");
    put("levels", av(LINE_FREE));
    expect_error("levels", LINE_FREE, "");
}

static void test_level_outside_the_list_is_an_error(void **state)
{
    (void)state;
    static const char *const levels[] = {"local", "municipal", NULL};
    feed_valid_except("levels");
    put_strs("levels", LINE_FREE, levels);
    expect_error("levels[1]", LINE_FREE + 2, "municipal");
}

static void test_levels_are_a_subset_in_canonical_order(void **state)
{
    (void)state;
    static const char *const levels[] = {"multilateral", "national", "local",
                                         NULL};
    feed_valid_except("levels");
    put_strs("levels", LINE_FREE, levels);
    expect_ok();
    assert_int_equal(bc.c->level_mask, MINGA_LEVEL_LOCAL |
                                           MINGA_LEVEL_NATIONAL |
                                           MINGA_LEVEL_MULTILATERAL);
}

static void test_levels_text_is_split_on_semicolons(void **state)
{
    (void)state;
    feed_valid_except("levels");
    put("levels", tv("local;regional", LINE_FREE));
    expect_ok();
    assert_int_equal(bc.c->level_mask,
                     MINGA_LEVEL_LOCAL | MINGA_LEVEL_REGIONAL);
}

static void test_actors_are_optional(void **state)
{
    (void)state;
    feed_valid_except("actors");
    expect_ok();
    assert_int_equal(bc.c->actor_mask, 0);
}

static void test_actor_outside_the_list_is_an_error(void **state)
{
    (void)state;
    static const char *const actors[] = {"public_sector", "government", NULL};
    feed_valid_except("actors");
    put_strs("actors", LINE_FREE, actors);
    expect_error("actors[1]", LINE_FREE + 2, "government");
}

static void test_all_six_actors_are_accepted(void **state)
{
    (void)state;
    static const char *const actors[] = {"international_organization",
                                         "community",
                                         "academia",
                                         "private_sector",
                                         "civil_society",
                                         "public_sector",
                                         NULL};
    feed_valid_except("actors");
    put_strs("actors", LINE_FREE, actors);
    expect_ok();
    assert_int_equal(bc.c->actor_mask, 0x3f);
}

static void test_tags_are_optional_free_keywords(void **state)
{
    (void)state;
    static const char *const tags[] = {"huertas", "agroecología", NULL};
    feed_valid_except("tags");
    put_strs("tags", LINE_FREE, tags);
    expect_ok();
    assert_int_equal(bc.c->n_tags, 2);
    assert_string_equal(bc.c->tags[0], "huertas");
    assert_string_equal(bc.c->tags[1], "agroecología");
}

static void test_tag_that_is_not_a_string_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("tags");
    put("tags", av(LINE_FREE));
    item("tags", 0, sv("huertas", LINE_FREE + 1));
    item("tags", 1, iv(2002, LINE_FREE + 2));
    expect_error("tags[1]", LINE_FREE + 2, "string");
}

static void test_tags_text_is_split_on_semicolons(void **state)
{
    (void)state;
    feed_valid_except("tags");
    put("tags", tv("huertas; agroecología", LINE_FREE));
    expect_ok();
    assert_int_equal(bc.c->n_tags, 2);
    assert_string_equal(bc.c->tags[1], "agroecología");
}

/* ---- source_url, license ---------------------------------------------- */

static void test_http_source_url_is_accepted(void **state)
{
    (void)state;
    feed_valid_except("source_url");
    put("source_url", sv("http://www2.portoalegre.rs.gov.br/op/", LINE_FREE));
    expect_ok();
    assert_string_equal(bc.c->source_url,
                        "http://www2.portoalegre.rs.gov.br/op/");
}

static void test_ftp_source_url_is_rejected(void **state)
{
    (void)state;
    feed_valid_except("source_url");
    put("source_url",
        sv("ftp://ftp.rosario.gob.ar/agricultura.pdf", LINE_FREE));
    expect_error("source_url", LINE_FREE, "http");
}

static void test_relative_source_url_is_rejected(void **state)
{
    (void)state;
    feed_valid_except("source_url");
    put("source_url",
        sv("pt.wikipedia.org/wiki/Orcamento_participativo", LINE_FREE));
    expect_error("source_url", LINE_FREE, "");
}

static void test_source_url_without_host_is_rejected(void **state)
{
    (void)state;
    feed_valid_except("source_url");
    put("source_url", sv("https://", LINE_FREE));
    expect_error("source_url", LINE_FREE, "");
}

static void test_license_that_is_not_spdx_is_rejected(void **state)
{
    (void)state;
    feed_valid_except("license");
    put("license", sv("CC BY 4.0", LINE_FREE));
    expect_error("license", LINE_FREE, "SPDX");
}

static void test_license_is_optional(void **state)
{
    (void)state;
    feed_valid_except("license source_url");
    expect_ok();
    assert_null(bc.c->license);
    assert_null(bc.c->source_url);
}

/* ---- attachments ------------------------------------------------------ */

static void
test_relative_attachment_of_each_allowed_type_is_accepted(void **state)
{
    (void)state;
    static const char *const paths[] = {"attachments/report.pdf",
                                        "ata.docx",
                                        "docs/plano.odt",
                                        "page.html",
                                        "attachments/report.txt",
                                        "notes/readme.md",
                                        NULL};
    feed_valid_except("");
    put_strs("attachments", LINE_FREE, paths);
    expect_ok();
    assert_int_equal(bc.c->n_attachments, 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(bc.c->attachments[i].path, paths[i]);
    assert_non_null(bc.attachment_lines);
    assert_int_equal(bc.attachment_lines[0], LINE_FREE + 1);
}

static void test_attachment_with_dotdot_is_rejected(void **state)
{
    (void)state;
    static const char *const paths[] = {"../secret.txt", NULL};
    feed_valid_except("");
    put_strs("attachments", LINE_FREE, paths);
    expect_error("attachments[0]", LINE_FREE + 1, "..");
}

static void test_attachment_with_inner_dotdot_is_rejected(void **state)
{
    (void)state;
    static const char *const paths[] = {"report.txt", "docs/../../x.pdf",
                                        NULL};
    feed_valid_except("");
    put_strs("attachments", LINE_FREE, paths);
    expect_error("attachments[1]", LINE_FREE + 2, "..");
}

static void test_absolute_attachment_is_rejected(void **state)
{
    (void)state;
    static const char *const paths[] = {"/etc/report.txt", NULL};
    feed_valid_except("");
    put_strs("attachments", LINE_FREE, paths);
    expect_error("attachments[0]", LINE_FREE + 1, "absolute");
}

static void test_attachment_of_another_type_is_rejected(void **state)
{
    (void)state;
    static const char *const paths[] = {"tools/setup.exe", NULL};
    feed_valid_except("");
    put_strs("attachments", LINE_FREE, paths);
    expect_error("attachments[0]", LINE_FREE + 1, "");
}

static void test_check_attachment_path_rules(void **state)
{
    (void)state;
    assert_null(case_check_attachment_path("attachments/report.txt"));
    assert_null(case_check_attachment_path("report.PDF"));
    assert_non_null(case_check_attachment_path("../report.txt"));
    assert_non_null(case_check_attachment_path("a/../report.txt"));
    assert_non_null(case_check_attachment_path("/report.txt"));
    assert_non_null(case_check_attachment_path("report.exe"));
    assert_non_null(case_check_attachment_path(""));
    assert_non_null(case_check_attachment_path("report"));
}

/* ---- UTF-8 ------------------------------------------------------------ */

static void test_invalid_utf8_in_title_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("title");
    put("title", sv("Or\xe7"
                    "amento Participativo",
                    LINE_FREE)); /* Latin-1 */
    expect_error("title", LINE_FREE, "UTF-8");
}

static void test_invalid_utf8_in_city_text_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("city");
    put("city", tv("S\xc3", LINE_FREE)); /* truncated sequence */
    expect_error("city", LINE_FREE, "UTF-8");
}

static void test_invalid_utf8_in_a_tag_names_the_item(void **state)
{
    (void)state;
    feed_valid_except("tags");
    put("tags", av(LINE_FREE));
    item("tags", 0, sv("huertas", LINE_FREE + 1));
    item("tags", 1,
         sv("agroecolog\xed"
            "a",
            LINE_FREE + 2));
    expect_error("tags[1]", LINE_FREE + 2, "UTF-8");
}

static void test_nul_byte_in_summary_is_an_error(void **state)
{
    (void)state;
    static const char s[] = "Criado em 1989\0 escondido";
    feed_valid_except("summary");
    put("summary", svn(s, sizeof s - 1, LINE_FREE));
    expect_error("summary", LINE_FREE, "");
}

static void test_overlong_utf8_in_body_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("");
    put("body", sv("## Origem\n\xc0\xaf", LINE_FREE));
    expect_error("body", LINE_FREE, "UTF-8");
}

/* ---- unknown and duplicated fields ------------------------------------ */

static void test_unknown_field_is_an_error_in_strict_mode(void **state)
{
    (void)state;
    static const long long goals[] = {11};
    feed_valid_except("");
    put_ints("sdg_goal", LINE_FREE, 1, goals);
    expect_error("sdg_goal", LINE_FREE, "unknown field");
}

static void test_unknown_field_is_kept_in_lenient_mode(void **state)
{
    (void)state;
    static const char *const notes[] = {"primeiro ciclo", "Habitat II", NULL};
    feed_valid_except("");
    put("prefeito", sv("Olívio Dutra", LINE_FREE));
    put_strs("notes", LINE_FREE + 1, notes);
    expect_ok();
    assert_non_null(bc.extra);
    assert_string_equal(
        json_string_value(json_object_get(bc.extra, "prefeito")),
        "Olívio Dutra");
    json_t *kept = json_object_get(bc.extra, "notes");
    assert_true(json_is_array(kept));
    assert_int_equal(json_array_size(kept), 2);
    assert_string_equal(json_string_value(json_array_get(kept, 1)),
                        "Habitat II");
}

static void test_lenient_mode_still_applies_the_rules(void **state)
{
    (void)state;
    static const long long goals[] = {18};
    feed_valid_except("sdg_goals");
    put_ints("sdg_goals", LINE_FREE, 1, goals);
    expect_error("sdg_goals[0]", LINE_FREE + 1, "1-17");
}

static void test_field_given_twice_is_an_error(void **state)
{
    (void)state;
    feed_valid_except("");
    put("title", sv("Orçamento Participativo", LINE_FREE));
    expect_error("title", LINE_FREE, "twice");
}

static void test_every_problem_of_a_case_is_reported(void **state)
{
    (void)state;
    static const long long goals[] = {18};
    feed_valid_except("sdg_goals sdg_targets country language");
    put_ints("sdg_goals", LINE_FREE, 1, goals);
    put("country", sv("br", LINE_FREE + 2));
    put("language", sv("PT", LINE_FREE + 3));
    expect_error_n(3, "sdg_goals[0]", LINE_FREE + 1, "1-17");
    assert_non_null(find_diag("country"));
    assert_non_null(find_diag("language"));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TL(fn) cmocka_unit_test_setup_teardown(fn, setup_lenient, teardown)
    const struct CMUnitTest tests[] = {
        T(test_valid_case_builds_with_canonical_arrays),
        T(test_builder_starts_each_case_fresh_after_a_bad_one),
        T(test_id_of_100_allowed_chars_is_accepted),
        T(test_id_of_101_chars_is_rejected),
        T(test_id_with_upper_case_or_underscore_is_rejected),
        T(test_id_with_accent_is_rejected),
        T(test_empty_id_is_rejected),
        T(test_id_is_derived_from_city_and_title_with_accents_folded),
        T(test_derived_id_of_a_long_title_stays_within_100_chars),
        T(test_missing_title_is_an_error),
        T(test_blank_title_is_an_error_after_trimming),
        T(test_title_of_300_multibyte_chars_is_accepted),
        T(test_title_of_301_chars_is_rejected),
        T(test_missing_summary_is_an_error),
        T(test_empty_summary_is_an_error),
        T(test_summary_of_4000_chars_is_accepted),
        T(test_summary_of_4001_chars_is_rejected),
        T(test_body_of_1_mib_is_accepted),
        T(test_body_over_1_mib_is_rejected),
        T(test_language_es_is_accepted),
        T(test_language_in_upper_case_is_an_error_naming_lower_case),
        T(test_unknown_language_is_an_error),
        T(test_missing_language_is_an_error),
        T(test_missing_city_is_an_error),
        T(test_country_br_is_accepted),
        T(test_country_in_lower_case_is_an_error_naming_upper_case),
        T(test_country_code_that_does_not_exist_is_an_error),
        T(test_country_name_instead_of_code_is_an_error),
        T(test_missing_country_is_an_error),
        T(test_region_is_optional),
        T(test_region_given_as_an_object_is_an_error),
        T(test_missing_year_start_is_an_error),
        T(test_year_start_1900_and_year_end_2100_are_accepted),
        T(test_year_start_1899_is_rejected),
        T(test_year_start_2101_is_rejected),
        T(test_year_start_as_typed_string_is_rejected),
        T(test_year_start_as_real_number_is_rejected),
        T(test_year_start_as_text_is_converted),
        T(test_year_start_text_that_is_not_a_number_is_rejected),
        T(test_year_end_before_year_start_is_rejected),
        T(test_year_end_equal_to_year_start_is_accepted),
        T(test_missing_sdg_goals_is_an_error),
        T(test_empty_sdg_goals_is_an_error),
        T(test_goal_18_is_an_error_naming_its_index),
        T(test_goal_0_is_an_error),
        T(test_goal_listed_twice_is_an_error),
        T(test_goal_as_typed_string_is_an_error),
        T(test_sdg_goals_given_as_a_string_is_an_error),
        T(test_sdg_goals_text_is_split_on_semicolons),
        T(test_sdg_goals_text_with_a_bad_part_names_its_index),
        T(test_sdg_goals_text_with_a_word_is_an_error),
        T(test_target_11_8_does_not_exist),
        T(test_target_6_c_does_not_exist),
        T(test_target_that_is_not_an_id_is_rejected),
        T(test_targets_6_a_and_17_19_exist_and_add_their_goals),
        T(test_targets_are_ordered_numbers_before_letters),
        T(test_target_alone_supplies_a_missing_goal),
        T(test_missing_levels_is_an_error),
        T(test_empty_levels_is_an_error),
        T(test_level_outside_the_list_is_an_error),
        T(test_levels_are_a_subset_in_canonical_order),
        T(test_levels_text_is_split_on_semicolons),
        T(test_actors_are_optional),
        T(test_actor_outside_the_list_is_an_error),
        T(test_all_six_actors_are_accepted),
        T(test_tags_are_optional_free_keywords),
        T(test_tag_that_is_not_a_string_is_an_error),
        T(test_tags_text_is_split_on_semicolons),
        T(test_http_source_url_is_accepted),
        T(test_ftp_source_url_is_rejected),
        T(test_relative_source_url_is_rejected),
        T(test_source_url_without_host_is_rejected),
        T(test_license_that_is_not_spdx_is_rejected),
        T(test_license_is_optional),
        T(test_relative_attachment_of_each_allowed_type_is_accepted),
        T(test_attachment_with_dotdot_is_rejected),
        T(test_attachment_with_inner_dotdot_is_rejected),
        T(test_absolute_attachment_is_rejected),
        T(test_attachment_of_another_type_is_rejected),
        T(test_check_attachment_path_rules),
        T(test_invalid_utf8_in_title_is_an_error),
        T(test_invalid_utf8_in_city_text_is_an_error),
        T(test_invalid_utf8_in_a_tag_names_the_item),
        T(test_nul_byte_in_summary_is_an_error),
        T(test_overlong_utf8_in_body_is_an_error),
        T(test_unknown_field_is_an_error_in_strict_mode),
        TL(test_unknown_field_is_kept_in_lenient_mode),
        TL(test_lenient_mode_still_applies_the_rules),
        T(test_field_given_twice_is_an_error),
        T(test_every_problem_of_a_case_is_reported),
    };
#undef T
#undef TL
    return cmocka_run_group_tests(tests, NULL, NULL);
}
