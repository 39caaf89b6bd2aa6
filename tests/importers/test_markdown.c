/*
 * The Markdown importer plugin: YAML front matter to fields, the rest to
 * `body`, and the errors a hand-written file can have.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fake_host.h"

static const struct minga_importer *md;

static int run_md(struct minga_import_sink *sink, const char *text)
{
    fake_sink_init(sink);
    return md->import_buffer(&fake_host_api, sink, "rosario.md", text,
                             strlen(text));
}

static void assert_logged(const char *log, const char *line)
{
    if (!strstr(log, line))
        fail_msg("expected \"%s\" in:\n%s", line, log);
}

static void test_md_front_matter_to_fields(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    int rc = run_md(&sink, "---\n"
                           "title: Presupuesto participativo\n"
                           "summary: \"Vecinos deciden: 11\"\n"
                           "year_start: 2002\n"
                           "region: ~\n"
                           "sdg_goals: [11, 16]\n"
                           "levels:\n"
                           "  - local\n"
                           "  - 'national'\n"
                           "source: {a: 1}\n"
                           "---\n"
                           "\n"
                           "# Historia\n"
                           "\n"
                           "Desde 2002.\n");
    assert_int_equal(rc, MINGA_OK);
    assert_string_equal(sink.errors, "");
    assert_logged(sink.log, "begin 1\n");
    assert_logged(sink.log,
                  "field title TEXT 'Presupuesto participativo' 2:8\n");
    assert_logged(sink.log,
                  "field summary STRING 'Vecinos deciden: 11' 3:10\n");
    assert_logged(sink.log, "field year_start TEXT '2002' 4:13\n");
    assert_logged(sink.log, "field region NULL 5:9\n");
    assert_logged(sink.log, "field sdg_goals ARRAY 6:12\n"
                            "item sdg_goals[0] TEXT '11' 6:13\n"
                            "item sdg_goals[1] TEXT '16' 6:17\n");
    assert_logged(sink.log, "field levels ARRAY 8:3\n"
                            "item levels[0] TEXT 'local' 8:5\n"
                            "item levels[1] STRING 'national' 9:5\n");
    assert_logged(sink.log, "field source OBJECT 10:9\n");
    assert_logged(sink.log,
                  "field body STRING '# Historia\n\nDesde 2002.' 13:1\nend\n");
    fake_sink_release(&sink);
}

static void test_md_blank_body_is_absent(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    int rc = run_md(&sink, "---\r\ntitle: A\r\n---\r\n  \r\n\r\n");
    assert_int_equal(rc, MINGA_OK);
    assert_logged(sink.log, "field title TEXT 'A' 2:8\n");
    assert_null(strstr(sink.log, "field body"));
    fake_sink_release(&sink);
}

static void test_md_reports_yaml_error_line(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    int rc = run_md(&sink, "---\ntitle: A\ncity: [Rosario\nyear_start: 1\n"
                           "---\nbody\n");
    assert_int_equal(rc, MINGA_EINVAL);
    assert_int_equal(sink.n_errors, 1);
    /* libyaml notices the unclosed flow sequence at the `:` on line 4. */
    assert_logged(sink.errors, "error 4:");
    assert_logged(sink.errors, "while parsing a flow sequence (from line "
                               "3)");
    fake_sink_release(&sink);
}

static void test_md_rejects_missing_front_matter(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    assert_int_equal(run_md(&sink, "# Just Markdown\n"), MINGA_EINVAL);
    assert_logged(sink.errors, "error 1:1 [] missing front matter");
    assert_int_equal(sink.n_cases, 0);
    fake_sink_release(&sink);

    assert_int_equal(run_md(&sink, "---\ntitle: A\n"), MINGA_EINVAL);
    assert_logged(sink.errors, "front matter is not closed");
    fake_sink_release(&sink);
}

static void test_md_rejects_front_matter_not_mapping(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    assert_int_equal(run_md(&sink, "---\n- a\n- b\n---\n"), MINGA_EINVAL);
    assert_logged(sink.errors, "error 2:1 [] front matter must be a mapping");
    fake_sink_release(&sink);
}

static void test_md_rejects_body_twice(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    int rc = run_md(&sink, "---\ntitle: A\nbody: short\n---\n\nLong text\n");
    assert_int_equal(rc, MINGA_EINVAL);
    assert_logged(sink.errors, "error 6:1 [body] the body is given twice");
    fake_sink_release(&sink);

    /* A body key alone is fine. */
    rc = run_md(&sink, "---\ntitle: A\nbody: short\n---\n");
    assert_int_equal(rc, MINGA_OK);
    assert_logged(sink.log, "field body TEXT 'short' 3:7\n");
    fake_sink_release(&sink);
}

static void test_md_rejects_duplicate_key_and_alias(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    int rc = run_md(&sink, "---\ntitle: &t A\ncity: *t\ntitle: B\n---\n");
    assert_int_equal(rc, MINGA_EINVAL);
    assert_logged(sink.errors, "error 3:7 [city] YAML aliases (*t)");
    assert_logged(sink.errors, "error 4:1 [title] field given twice");
    fake_sink_release(&sink);
}

/* Front matter whose title holds n '[' (the file ends inside them). */
static char *front_matter_of_brackets(size_t n)
{
    char *text = malloc(n + 32);
    assert_non_null(text);
    memcpy(text, "---\ntitle: ", 11);
    memset(text + 11, '[', n);
    strcpy(text + 11 + n, "\n---\n");
    return text;
}

static int run_md_limited(struct minga_import_sink *sink, const char *text,
                          uint64_t max_depth)
{
    fake_sink_init(sink);
    sink->limits.max_depth = max_depth;
    return md->import_buffer(&fake_host_api, sink, "rosario.md", text,
                             strlen(text));
}

/* The mapping is level 1, a sequence in it level 2, and so on. */
static void test_md_refuses_nesting_deeper_than_max_depth(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    assert_int_equal(run_md_limited(&sink, "---\ntags: [[a]]\n---\n", 3),
                     MINGA_OK);
    assert_null(strstr(sink.errors, "max_depth"));
    fake_sink_release(&sink);

    assert_int_equal(run_md_limited(&sink, "---\ntags: [[[a]]]\n---\n", 3),
                     MINGA_ELIMIT);
    assert_logged(sink.errors, "error 2:9 [] front matter: sequences and "
                               "mappings nested deeper than max_depth (3); "
                               "refused (raise it with minga import "
                               "--max-depth N)");
    fake_sink_release(&sink);

    assert_int_equal(run_md_limited(&sink, "---\ntags: {a: {b: c}}\n---\n", 2),
                     MINGA_ELIMIT);
    assert_logged(sink.errors, "error 2:11 [] front matter: sequences and "
                               "mappings nested deeper than max_depth (2)");
    fake_sink_release(&sink);
}

/* 100 000 nested '[' (libyaml spent 14 s on them, checking every open
 * level at each token) are refused at the one that opens level 65, as the
 * events stream: the title's first '[' is column 8 and level 2. */
static void test_md_refuses_deep_nesting_by_default(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    char *text = front_matter_of_brackets(100000);
    assert_int_equal(run_md_limited(&sink, text, 0), MINGA_ELIMIT);
    assert_logged(sink.errors, "error 2:71 [] front matter: sequences and "
                               "mappings nested deeper than max_depth (64)");
    fake_sink_release(&sink);
    free(text);
}

/* The keys seen are a set: a duplicate is found among many keys (100 000
 * took 14 s as a list, each compared with every earlier one). */
static void test_md_finds_a_duplicate_among_many_keys(void **state)
{
    (void)state;
    enum {
        N_KEYS = 20000
    };
    char *text = malloc(N_KEYS * 16 + 32);
    assert_non_null(text);
    char *p = text + sprintf(text, "---\n");
    for (int i = 0; i < N_KEYS; i++)
        p += sprintf(p, "k%d: x\n", i);
    sprintf(p, "k777: y\n---\n");
    struct minga_import_sink sink;
    assert_int_equal(run_md_limited(&sink, text, 0), MINGA_EINVAL);
    assert_int_equal(sink.n_errors, 1);
    char expected[64];
    snprintf(expected, sizeof expected, "error %d:1 [k777] field given twice",
             N_KEYS + 2);
    assert_logged(sink.errors, expected);
    fake_sink_release(&sink);
    free(text);
}

int main(void)
{
    md = fake_load_importer(MINGA_MARKDOWN_PLUGIN, "markdown");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md_front_matter_to_fields),
        cmocka_unit_test(test_md_blank_body_is_absent),
        cmocka_unit_test(test_md_reports_yaml_error_line),
        cmocka_unit_test(test_md_rejects_missing_front_matter),
        cmocka_unit_test(test_md_rejects_front_matter_not_mapping),
        cmocka_unit_test(test_md_rejects_body_twice),
        cmocka_unit_test(test_md_rejects_duplicate_key_and_alias),
        cmocka_unit_test(test_md_refuses_nesting_deeper_than_max_depth),
        cmocka_unit_test(test_md_refuses_deep_nesting_by_default),
        cmocka_unit_test(test_md_finds_a_duplicate_among_many_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
