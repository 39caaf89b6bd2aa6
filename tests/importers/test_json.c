/*
 * The JSON importer plugin's budgets: a JSON text (a .json file, one line
 * of JSON Lines) is refused before jansson builds it when it holds more
 * values than max_json_values or nests deeper than max_depth. The shapes
 * are those of issue 18, made small: `[{},{},...]` costs jansson about
 * 230 bytes a value, so 20 million of them (a 58 KB zip) took 4.8 GB.
 */
#define _GNU_SOURCE   /* memfd_create */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake_host.h"

static const struct minga_importer *json;

static void assert_logged(const char *log, const char *line) {
    if (!strstr(log, line))
        fail_msg("expected \"%s\" in:\n%s", line, log);
}

/* Imports text as `name` under the budgets given (0: the default) and
 * checks the result: with `error`, the one error reported holds it.
 * The caller releases the sink after any further checks. */
static void import_with(struct minga_import_sink *sink, const char *name,
                        const char *text, uint64_t max_values,
                        uint64_t max_depth, int expected_rc,
                        const char *error) {
    fake_sink_init(sink);
    sink->limits.max_json_values = max_values;
    sink->limits.max_depth = max_depth;
    assert_int_equal(json->import_buffer(&fake_host_api, sink, name, text,
                                         strlen(text)),
                     expected_rc);
    if (error) {
        assert_int_equal(sink->n_errors, 1);
        assert_logged(sink->errors, error);
    }
}

/* "[{},{},...]" of n empty objects: n + 1 values. Caller frees. */
static char *empty_objects(size_t n) {
    char *text = malloc(3 * n + 2);
    assert_non_null(text);
    char *p = text;
    *p++ = '[';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        *p++ = '{';
        *p++ = '}';
    }
    *p++ = ']';
    *p = '\0';
    return text;
}

/* n '[' then n ']'. Caller frees. */
static char *nested_arrays(size_t n) {
    char *text = malloc(2 * n + 1);
    assert_non_null(text);
    memset(text, '[', n);
    memset(text + n, ']', n);
    text[2 * n] = '\0';
    return text;
}

static void test_json_refuses_more_values_than_max_json_values(void **s) {
    (void)s;
    struct minga_import_sink sink;
    char *text = empty_objects(10);     /* 11 values: the 11th is over */
    /* the 10th '{' is at byte 29 */
    import_with(&sink, "cases.json", text, 10, 0, MINGA_ELIMIT,
                "error 1:29 [] more than max_json_values (10) values in one "
                "JSON text; refused (raise it with minga import "
                "--max-json-values N)");
    /* refused before parsing: not one case was read */
    assert_int_equal(sink.n_cases, 0);
    fake_sink_release(&sink);
    free(text);

    text = empty_objects(9);            /* exactly 10 values */
    import_with(&sink, "cases.json", text, 10, 0, MINGA_OK, NULL);
    assert_int_equal(sink.n_cases, 9);
    assert_null(strstr(sink.errors, "max_json_values"));
    fake_sink_release(&sink);
    free(text);
}

/* The bomb of the issue at a twentieth of its size, under the default
 * budget of 500 000 values. */
static void test_json_refuses_the_empty_object_bomb_by_default(void **s) {
    (void)s;
    struct minga_import_sink sink;
    char *text = empty_objects(1000000);
    import_with(&sink, "cases.json", text, 0, 0, MINGA_ELIMIT,
                "more than max_json_values (500000) values");
    assert_int_equal(sink.n_cases, 0);
    fake_sink_release(&sink);
    free(text);
}

static void test_json_refuses_nesting_deeper_than_max_depth(void **s) {
    (void)s;
    struct minga_import_sink sink;
    import_with(&sink, "cases.json", "{\"tags\": [[[[\"x\"]]]]}", 0, 4,
                MINGA_ELIMIT,
                "error 1:13 [] arrays and objects nested deeper than "
                "max_depth (4); refused (raise it with minga import "
                "--max-depth N)");
    assert_int_equal(sink.n_cases, 0);
    fake_sink_release(&sink);

    /* four levels are within the budget (the host rejects the value) */
    import_with(&sink, "cases.json", "{\"tags\": [[[\"x\"]]]}", 0, 4,
                MINGA_OK, NULL);
    assert_int_equal(sink.n_errors, 0);
    assert_logged(sink.log, "item tags[0] ARRAY 1:11\n");
    fake_sink_release(&sink);
}

/* 10 000 nested arrays (jansson alone would go to 2048) stop at the 65th
 * '[' under the default budget. */
static void test_json_refuses_deep_nesting_by_default(void **s) {
    (void)s;
    struct minga_import_sink sink;
    char *text = nested_arrays(10000);
    import_with(&sink, "cases.json", text, 0, 0, MINGA_ELIMIT,
                "error 1:65 [] arrays and objects nested deeper than "
                "max_depth (64)");
    fake_sink_release(&sink);
    free(text);
}

/* Imports text with a host built before the budgets: its struct ends
 * before max_json_values, so whatever lies there must not be read. */
static int import_from_older_host(struct minga_import_sink *sink,
                                  const char *text) {
    fake_sink_init(sink);
    sink->limits.struct_size = offsetof(struct minga_limits,
                                        max_json_values);
    sink->limits.max_json_values = 1;
    sink->limits.max_depth = 1000;
    return json->import_buffer(&fake_host_api, sink, "cases.json", text,
                               strlen(text));
}

static void test_json_budgets_of_an_older_host_are_the_defaults(void **s) {
    (void)s;
    struct minga_import_sink sink;
    char *text = nested_arrays(64);
    assert_int_equal(import_from_older_host(&sink, text), MINGA_OK);
    assert_int_equal(sink.n_errors, 1);
    assert_logged(sink.errors, "error 1:2 [] item 0 of the case list is not "
                               "an object");
    fake_sink_release(&sink);
    free(text);

    text = nested_arrays(65);
    assert_int_equal(import_from_older_host(&sink, text), MINGA_ELIMIT);
    assert_logged(sink.errors, "error 1:65 [] arrays and objects nested "
                               "deeper than max_depth (64)");
    fake_sink_release(&sink);
    free(text);
}

/* JSON Lines are parsed a line at a time, so the budget is a line's: a
 * file of many cases is fine, one line over it is refused with its line
 * number, and nothing after it is read. */
static void test_jsonl_budget_counts_each_line(void **s) {
    (void)s;
    static const char line[] =
        "{\"title\": \"Ciclovía\", \"city\": \"Bogotá\", "
        "\"sdg_goals\": [3, 11]}\n";          /* 6 values */
    struct minga_import_sink sink;
    char text[4 * sizeof line];
    snprintf(text, sizeof text, "%s%s%s", line, line, line);
    import_with(&sink, "cases.jsonl", text, 6, 0, MINGA_OK, NULL);
    assert_int_equal(sink.n_cases, 3);
    fake_sink_release(&sink);

    snprintf(text, sizeof text, "%s%s%s", line,
             "{\"sdg_goals\": [1, 2, 3, 4, 5, 6]}\n", line);
    /* the 7th value of line 2 is its "5" */
    import_with(&sink, "cases.jsonl", text, 6, 0, MINGA_ELIMIT,
                "error 2:28 [] more than max_json_values (6)");
    assert_int_equal(sink.n_cases, 1);
    fake_sink_release(&sink);
}

/* A .json file is held whole, and jansson copies its strings: it may be
 * at most max_entry_size bytes. JSON Lines read from a descriptor are
 * held a line at a time, so there the bound is a line's, checked as the
 * line is read. */
static void test_json_text_over_max_entry_size_is_refused(void **s) {
    (void)s;
    static const char text[] = "{\"title\": \"Ciclovía de Bogotá\"}";
    struct minga_import_sink sink;
    fake_sink_init(&sink);
    sink.limits.max_entry_size = strlen(text) - 1;
    assert_int_equal(json->import_buffer(&fake_host_api, &sink, "case.json",
                                         text, strlen(text)), MINGA_ELIMIT);
    assert_logged(sink.errors, "error 0:0 [] the file is larger than "
                               "max_entry_size (32 bytes); refused (raise "
                               "it with minga import --max-entry-size N)");
    assert_int_equal(sink.n_cases, 0);
    fake_sink_release(&sink);

    char lines[256];
    snprintf(lines, sizeof lines, "%s\n%s\n{\"title\": \"%040d\"}\n%s\n",
             text, text, 0, text);
    int fd = memfd_create("cases.jsonl", MFD_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, lines, strlen(lines)), (ssize_t)strlen(lines));
    fake_sink_init(&sink);
    sink.limits.max_entry_size = 40;   /* the first two lines fit */
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    assert_int_equal(json->import_fd(&fake_host_api, &sink, "cases.jsonl",
                                     fd), MINGA_ELIMIT);
    assert_logged(sink.errors, "error 3:0 [] the line is larger than "
                               "max_entry_size (40 bytes)");
    assert_int_equal(sink.n_cases, 2);
    fake_sink_release(&sink);
    close(fd);
}

int main(void) {
    json = fake_load_importer(MINGA_JSON_PLUGIN, "json");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_refuses_more_values_than_max_json_values),
        cmocka_unit_test(test_json_refuses_the_empty_object_bomb_by_default),
        cmocka_unit_test(test_json_refuses_nesting_deeper_than_max_depth),
        cmocka_unit_test(test_json_refuses_deep_nesting_by_default),
        cmocka_unit_test(test_json_budgets_of_an_older_host_are_the_defaults),
        cmocka_unit_test(test_jsonl_budget_counts_each_line),
        cmocka_unit_test(test_json_text_over_max_entry_size_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
