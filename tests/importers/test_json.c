/*
 * The JSON importer plugin's budgets: a case (an element of a .json case
 * list, a .json file of one case, one line of JSON Lines) is refused
 * before jansson builds it when it holds more values than max_json_values
 * or nests deeper than max_depth. A case list is parsed one case at a
 * time, so the budget is a case's, and a list of any length is held one
 * case at a time. The shapes are those of issue 18, made small:
 * `[{},{},...]` costs jansson about 230 bytes a value, so 20 million of
 * them (a 58 KB zip) took 4.8 GB held whole.
 */
#define _GNU_SOURCE /* memfd_create */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dlfcn.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "fake_host.h"

static const struct minga_importer *json;

/* jansson, the copy the plugin loaded (this test does not link it): the
 * tests compare the importer's errors with jansson's for the whole text,
 * and count the bytes jansson holds. */
static struct {
    json_t *(*loadb)(const char *, size_t, size_t, json_error_t *);
    void (*set_alloc_funcs)(json_malloc_t, json_free_t);
} jansson;

static void load_jansson(void)
{
    void *lib = dlopen("libjansson.so.4", RTLD_NOW | RTLD_NOLOAD);
    assert_non_null(lib);
    jansson.loadb =
        (json_t * (*)(const char *, size_t, size_t, json_error_t *))
            dlsym(lib, "json_loadb");
    jansson.set_alloc_funcs = (void (*)(json_malloc_t, json_free_t))dlsym(
        lib, "json_set_alloc_funcs");
    assert_non_null(jansson.loadb);
    assert_non_null(jansson.set_alloc_funcs);
}

static long long jansson_live, jansson_peak; /* bytes */

static void *counting_malloc(size_t size)
{
    void *p = malloc(size);
    if (p) {
        jansson_live += (long long)malloc_usable_size(p);
        if (jansson_live > jansson_peak)
            jansson_peak = jansson_live;
    }
    return p;
}

static void counting_free(void *p)
{
    if (p)
        jansson_live -= (long long)malloc_usable_size(p);
    free(p);
}

static void assert_logged(const char *log, const char *line)
{
    if (!strstr(log, line))
        fail_msg("expected \"%s\" in:\n%s", line, log);
}

/* Imports text as `name` under the budgets given (0: the default) and
 * checks the result: with `error`, the one error reported holds it.
 * The caller releases the sink after any further checks. */
static void import_with(struct minga_import_sink *sink, const char *name,
                        const char *text, uint64_t max_values,
                        uint64_t max_depth, int expected_rc, const char *error)
{
    fake_sink_init(sink);
    sink->limits.max_json_values = max_values;
    sink->limits.max_depth = max_depth;
    assert_int_equal(
        json->import_buffer(&fake_host_api, sink, name, text, strlen(text)),
        expected_rc);
    if (error) {
        assert_int_equal(sink->n_errors, 1);
        assert_logged(sink->errors, error);
    }
}

/* "[{},{},...]" of n empty objects: n + 1 values. Caller frees. */
static char *empty_objects(size_t n)
{
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
static char *nested_arrays(size_t n)
{
    char *text = malloc(2 * n + 1);
    assert_non_null(text);
    memset(text, '[', n);
    memset(text + n, ']', n);
    text[2 * n] = '\0';
    return text;
}

/* A case of 6 values: the object, two strings, the array and its two
 * numbers. */
#define CASE                                                                  \
    "{\"title\": \"Ciclovía\", \"city\": \"Bogotá\", "                      \
    "\"sdg_goals\": [3, 11]}"
/* A case of 10 values: the 7th is the goal 3. */
#define CASE_OF_10                                                            \
    "{\"title\": \"Ciclovía\", \"city\": \"Bogotá\", "                      \
    "\"sdg_goals\": [1, 2, 3, 4, 5, 6]}"

/* n cases, one a line after "[" (or `{"cases": [`), CASE_OF_10 at index
 * big (none when big >= n). Caller frees. */
static char *case_list(size_t n, size_t big, int is_cases_object)
{
    size_t cap = 32 + n * (sizeof CASE_OF_10 + 4);
    char *text = malloc(cap), *p = text;
    assert_non_null(text);
    p += sprintf(p, "%s\n", is_cases_object ? "{\"cases\": [" : "[");
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "  %s%s\n", i == big ? CASE_OF_10 : CASE,
                     i + 1 < n ? "," : "");
    sprintf(p, "%s", is_cases_object ? "]}" : "]");
    return text;
}

/* 50 cases of 6 values are 301 values with the list: under a budget of
 * 6 they all import, in either form of list, each value at its place in
 * the whole file (case i on line i + 2). */
static void test_json_budget_counts_each_case_not_the_file(void **s)
{
    (void)s;
    struct minga_import_sink sink;
    for (int is_cases_object = 0; is_cases_object <= 1; is_cases_object++) {
        char *text = case_list(50, 50, is_cases_object);
        import_with(&sink, "cases.json", text, 6, 0, MINGA_OK, NULL);
        assert_int_equal(sink.n_cases, 50);
        assert_int_equal(sink.n_errors, 0);
        assert_logged(sink.log, "begin 2\n");
        assert_logged(sink.log, "begin 51\nfield title STRING 'Ciclovía' "
                                "51:13\n");
        assert_logged(sink.log, "item sdg_goals[1] INTEGER 51:62\nend\n");
        fake_sink_release(&sink);
        free(text);
    }
}

/* One case over the budget refuses the file, at that case's value in the
 * whole file, before any case is reported; at the budget it imports. */
static void test_json_case_over_max_json_values_is_refused(void **s)
{
    (void)s;
    struct minga_import_sink sink;
    for (int is_cases_object = 0; is_cases_object <= 1; is_cases_object++) {
        char *text = case_list(5, 2, is_cases_object); /* on line 4 */
        import_with(&sink, "cases.json", text, 6, 0, MINGA_ELIMIT,
                    "error 4:65 [] more than max_json_values (6) values in "
                    "one case; refused (raise it with minga import "
                    "--max-json-values N)\n");
        assert_int_equal(sink.n_cases, 0);
        fake_sink_release(&sink);

        import_with(&sink, "cases.json", text, 10, 0, MINGA_OK, NULL);
        assert_int_equal(sink.n_cases, 5);
        fake_sink_release(&sink);
        free(text);
    }

    /* a file of one case: the budget is the file's; its 10th value is
     * the goal 6 */
    import_with(&sink, "case.json", CASE_OF_10, 9, 0, MINGA_ELIMIT,
                "error 1:72 [] more than max_json_values (9) values in one "
                "case");
    fake_sink_release(&sink);
}

/* The bomb of the issue, made a list of 5 000 cases (5 001 values with
 * the list) under a budget of 10 values: read one case at a time, jansson
 * never holds more than a few hundred bytes (whole, it took 230 bytes a
 * {}; the list is kept short because the fake host logs every case, which
 * costs quadratic time under AddressSanitizer).
 * A million of them wrapped in one more array are one case, refused by
 * the default budget at its 500 001st value. */
static void test_json_empty_object_bomb_is_read_case_by_case(void **s)
{
    (void)s;
    struct minga_import_sink sink;
    char *text = empty_objects(5000);
    jansson_live = jansson_peak = 0;
    jansson.set_alloc_funcs(counting_malloc, counting_free);
    import_with(&sink, "cases.json", text, 10, 0, MINGA_OK, NULL);
    jansson.set_alloc_funcs(malloc, free);
    assert_int_equal(sink.n_cases, 5000);
    assert_int_equal(sink.n_errors, 0);
    if (jansson_peak > 16 * 1024)
        fail_msg("jansson held %lld bytes at once", jansson_peak);
    fake_sink_release(&sink);
    free(text);

    text = empty_objects(1000000);
    size_t len = strlen(text);
    char *wrapped = malloc(len + 3);
    assert_non_null(wrapped);
    sprintf(wrapped, "[%s]", text);
    /* the 500 000th {} of the one case, at byte 3 + 3 * 499 999 */
    import_with(&sink, "cases.json", wrapped, 0, 0, MINGA_ELIMIT,
                "error 1:1500000 [] more than max_json_values (500000) "
                "values in one case");
    assert_int_equal(sink.n_cases, 0);
    fake_sink_release(&sink);
    free(wrapped);
    free(text);
}

/* A case list jansson refuses gets the one error jansson gives for the
 * whole text, at the same line and column (columns in characters, as
 * jansson counts them), whether the fault lies in a case or between
 * them; and no case is reported. */
static void test_json_list_errors_are_those_of_the_whole_text(void **s)
{
    (void)s;
    static const char *const broken[] = {
        /* a comma missing between cases */
        "[\n  " CASE ",\n  " CASE "\n  " CASE "\n]",
        /* a trailing comma */
        "[\n  " CASE ",\n  " CASE ",\n]",
        /* a truncated file: inside a case, after one, after a comma */
        "[\n  " CASE ",\n  " CASE ",\n  {\"title\": \"Ciclo",
        "[\n  " CASE ",\n  " CASE,
        "[\n  " CASE ",\n  ",
        "[",
        /* bytes after the list */
        "[\n  " CASE ",\n  " CASE "\n] x",
        "[\n  " CASE "\n]\n\n{}",
        /* faults inside a later case, after accents on its line */
        "[\n  " CASE ", {\"city\": \"Bogotá\", \"city\": \"Bogotá\"}\n]",
        "[\n  " CASE ", {\"title\": \"Ciclov\\ía\"}\n]",
        "[\n  " CASE ", {\"title\": \"Ciclovía\xff\"}\n]",
        "[\n  " CASE ", {\"title\": \"Ciclovía\" \"city\": 1}\n]",
        "[\n  " CASE ",\n  " CASE_OF_10 "}\n]",
        /* a scalar item followed by more */
        "[\n  " CASE ", 1x]",
        "[\n  " CASE ", tru]",
        "[,]",
        /* the same in {"cases": [...]} */
        "{\"cases\": [\n  " CASE ",\n  " CASE "\n  " CASE "\n]}",
        "{\"cases\": [\n  " CASE ",\n]}",
        "{\"cases\": [\n  " CASE "\n] x}",
        "{\"cases\": [\n  " CASE "\n]} []",
        "{\"cases\": [\n  " CASE "\n]",
    };
    for (size_t i = 0; i < sizeof broken / sizeof *broken; i++) {
        json_error_t err;
        assert_null(jansson.loadb(broken[i], strlen(broken[i]),
                                  JSON_REJECT_DUPLICATES, &err));
        char expected[256];
        snprintf(expected, sizeof expected,
                 "error %d:%d [] invalid JSON: "
                 "%s\n",
                 err.line, err.column, err.text);
        struct minga_import_sink sink;
        fake_sink_init(&sink);
        int rc = json->import_buffer(&fake_host_api, &sink, "cases.json",
                                     broken[i], strlen(broken[i]));
        if (rc != MINGA_EINVAL || sink.n_errors != 1 ||
            strcmp(sink.errors, expected) != 0 || sink.n_cases != 0)
            fail_msg("%s\nexpected rc %d and %sgot rc %d, %zu cases and %s",
                     broken[i], MINGA_EINVAL, expected, rc, sink.n_cases,
                     sink.errors);
        fake_sink_release(&sink);
    }
}

static void test_json_refuses_nesting_deeper_than_max_depth(void **s)
{
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
    import_with(&sink, "cases.json", "{\"tags\": [[[\"x\"]]]}", 0, 4, MINGA_OK,
                NULL);
    assert_int_equal(sink.n_errors, 0);
    assert_logged(sink.log, "item tags[0] ARRAY 1:11\n");
    fake_sink_release(&sink);
}

/* 10 000 nested arrays (jansson alone would go to 2048) stop at the 65th
 * '[' under the default budget. */
static void test_json_refuses_deep_nesting_by_default(void **s)
{
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
                                  const char *text)
{
    fake_sink_init(sink);
    sink->limits.struct_size = offsetof(struct minga_limits, max_json_values);
    sink->limits.max_json_values = 1;
    sink->limits.max_depth = 1000;
    return json->import_buffer(&fake_host_api, sink, "cases.json", text,
                               strlen(text));
}

static void test_json_budgets_of_an_older_host_are_the_defaults(void **s)
{
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
static void test_jsonl_budget_counts_each_line(void **s)
{
    (void)s;
    static const char line[] =
        "{\"title\": \"Ciclovía\", \"city\": \"Bogotá\", "
        "\"sdg_goals\": [3, 11]}\n"; /* 6 values */
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
static void test_json_text_over_max_entry_size_is_refused(void **s)
{
    (void)s;
    static const char text[] = "{\"title\": \"Ciclovía de Bogotá\"}";
    struct minga_import_sink sink;
    fake_sink_init(&sink);
    sink.limits.max_entry_size = strlen(text) - 1;
    assert_int_equal(json->import_buffer(&fake_host_api, &sink, "case.json",
                                         text, strlen(text)),
                     MINGA_ELIMIT);
    assert_logged(sink.errors, "error 0:0 [] the file is larger than "
                               "max_entry_size (32 bytes); refused (raise "
                               "it with minga import --max-entry-size N)");
    assert_int_equal(sink.n_cases, 0);
    fake_sink_release(&sink);

    char lines[256];
    snprintf(lines, sizeof lines, "%s\n%s\n{\"title\": \"%040d\"}\n%s\n", text,
             text, 0, text);
    int fd = memfd_create("cases.jsonl", MFD_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, lines, strlen(lines)), (ssize_t)strlen(lines));
    fake_sink_init(&sink);
    sink.limits.max_entry_size = 40; /* the first two lines fit */
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    assert_int_equal(json->import_fd(&fake_host_api, &sink, "cases.jsonl", fd),
                     MINGA_ELIMIT);
    assert_logged(sink.errors, "error 3:0 [] the line is larger than "
                               "max_entry_size (40 bytes)");
    assert_int_equal(sink.n_cases, 2);
    fake_sink_release(&sink);
    close(fd);
}

int main(void)
{
    json = fake_load_importer(MINGA_JSON_PLUGIN, "json");
    load_jansson();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_budget_counts_each_case_not_the_file),
        cmocka_unit_test(test_json_case_over_max_json_values_is_refused),
        cmocka_unit_test(test_json_empty_object_bomb_is_read_case_by_case),
        cmocka_unit_test(test_json_list_errors_are_those_of_the_whole_text),
        cmocka_unit_test(test_json_refuses_nesting_deeper_than_max_depth),
        cmocka_unit_test(test_json_refuses_deep_nesting_by_default),
        cmocka_unit_test(test_json_budgets_of_an_older_host_are_the_defaults),
        cmocka_unit_test(test_jsonl_budget_counts_each_line),
        cmocka_unit_test(test_json_text_over_max_entry_size_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
