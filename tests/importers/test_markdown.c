/*
 * The Markdown importer plugin: YAML front matter to fields, the rest to
 * `body`, and the errors a hand-written file can have.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake_host.h"

static const struct minga_importer *md;

static int run_md(struct minga_import_sink *sink, const char *text) {
    fake_sink_init(sink);
    return md->import_buffer(&fake_host_api, sink, "rosario.md", text,
                             strlen(text));
}

static void assert_logged(const char *log, const char *line) {
    if (!strstr(log, line))
        fail_msg("expected \"%s\" in:\n%s", line, log);
}

static void test_md_front_matter_to_fields(void **state) {
    (void)state;
    struct minga_import_sink sink;
    int rc = run_md(&sink,
                    "---\n"
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

static void test_md_blank_body_is_absent(void **state) {
    (void)state;
    struct minga_import_sink sink;
    int rc = run_md(&sink, "---\r\ntitle: A\r\n---\r\n  \r\n\r\n");
    assert_int_equal(rc, MINGA_OK);
    assert_logged(sink.log, "field title TEXT 'A' 2:8\n");
    assert_null(strstr(sink.log, "field body"));
    fake_sink_release(&sink);
}

static void test_md_reports_yaml_error_line(void **state) {
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

static void test_md_rejects_missing_front_matter(void **state) {
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

static void test_md_rejects_front_matter_not_mapping(void **state) {
    (void)state;
    struct minga_import_sink sink;
    assert_int_equal(run_md(&sink, "---\n- a\n- b\n---\n"), MINGA_EINVAL);
    assert_logged(sink.errors, "error 2:1 [] front matter must be a mapping");
    fake_sink_release(&sink);
}

static void test_md_rejects_body_twice(void **state) {
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

static void test_md_rejects_duplicate_key_and_alias(void **state) {
    (void)state;
    struct minga_import_sink sink;
    int rc = run_md(&sink, "---\ntitle: &t A\ncity: *t\ntitle: B\n---\n");
    assert_int_equal(rc, MINGA_EINVAL);
    assert_logged(sink.errors, "error 3:7 [city] YAML aliases (*t)");
    assert_logged(sink.errors, "error 4:1 [title] field given twice");
    fake_sink_release(&sink);
}

int main(void) {
    md = fake_load_importer(MINGA_MARKDOWN_PLUGIN, "markdown");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md_front_matter_to_fields),
        cmocka_unit_test(test_md_blank_body_is_absent),
        cmocka_unit_test(test_md_reports_yaml_error_line),
        cmocka_unit_test(test_md_rejects_missing_front_matter),
        cmocka_unit_test(test_md_rejects_front_matter_not_mapping),
        cmocka_unit_test(test_md_rejects_body_twice),
        cmocka_unit_test(test_md_rejects_duplicate_key_and_alias),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
