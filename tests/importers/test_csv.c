/*
 * The CSV importer plugin, loaded as the host loads it, fed files that a
 * spreadsheet or a hand-written script could produce.
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

static const struct minga_importer *csv;

static int run_csv(struct minga_import_sink *sink, const char *text)
{
    fake_sink_init(sink);
    return csv->import_buffer(&fake_host_api, sink, "cases.csv", text,
                              strlen(text));
}

static void assert_logged(const char *log, const char *line)
{
    if (!strstr(log, line))
        fail_msg("expected \"%s\" in:\n%s", line, log);
}

static void test_csv_reports_fields_with_positions(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    int rc = run_csv(&sink, "title,city,sdg_goals,region\n"
                            "Orçamento participativo,Porto Alegre,11;16,\n"
                            "Plan de movilidad,Rosario,11,Santa Fe\n");
    assert_int_equal(rc, MINGA_OK);
    assert_int_equal(sink.n_errors, 0);
    assert_int_equal(sink.n_cases, 2);
    assert_logged(sink.log, "begin 2\n"
                            "field title TEXT 'Orçamento participativo' 2:1\n"
                            "field city TEXT 'Porto Alegre' 2:25\n"
                            "field sdg_goals TEXT '11;16' 2:38\n"
                            "end\n");
    assert_logged(sink.log, "begin 3\n");
    assert_logged(sink.log, "field region TEXT 'Santa Fe' 3:30\n");
    /* The empty region of line 2 is an absent field. */
    assert_null(strstr(sink.log, "field region TEXT '' "));
    fake_sink_release(&sink);
}

static void test_csv_quoted_cell_spans_lines(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    int rc =
        run_csv(&sink, "title,summary,city\r\n"
                       "\"Huertas, urbanas\",\"Line one\r\nline \"\"two\"\"\","
                       "Rosario\r\n"
                       "Agua,Tanques,Montevideo\r\n");
    assert_int_equal(rc, MINGA_OK);
    assert_int_equal(sink.n_cases, 2);
    assert_logged(sink.log, "field title TEXT 'Huertas, urbanas' 2:1\n");
    assert_logged(sink.log,
                  "field summary TEXT 'Line one\r\nline \"two\"' 2:20\n");
    assert_logged(sink.log, "field city TEXT 'Rosario' 3:15\n");
    /* Physical lines: the record after the two-line one is on line 4. */
    assert_logged(sink.log, "begin 4\n");
    assert_logged(sink.log, "field city TEXT 'Montevideo' 4:14\n");
    fake_sink_release(&sink);
}

static void test_csv_skips_bom_and_blank_lines(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    int rc = run_csv(&sink, "\xEF\xBB\xBFtitle,city\nA,B\n\n,\n\n");
    assert_int_equal(rc, MINGA_OK);
    assert_int_equal(sink.n_cases, 1);
    assert_logged(sink.log, "field title TEXT 'A' 2:1\n");
    assert_string_equal(sink.errors, "");
    fake_sink_release(&sink);
}

static void test_csv_last_record_without_newline(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    int rc = run_csv(&sink, "title,city\nA,B");
    assert_int_equal(rc, MINGA_OK);
    assert_logged(sink.log, "field city TEXT 'B' 2:3\nend\n");
    fake_sink_release(&sink);
}

static void test_csv_rejects_extra_cells(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    int rc = run_csv(&sink, "title,city\nA,B\nC,D,E\n");
    assert_int_equal(rc, MINGA_EINVAL);
    assert_int_equal(sink.n_errors, 1);
    assert_logged(sink.errors,
                  "error 3:5 [] record has more cells than the header");
    fake_sink_release(&sink);
}

static void test_csv_rejects_unterminated_quote(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    int rc = run_csv(&sink, "title,city\nA,\"B\nC,D\n");
    assert_int_equal(rc, MINGA_EINVAL);
    assert_logged(sink.errors, "error 2:3 [] unterminated quoted cell");
    fake_sink_release(&sink);
}

static void test_csv_rejects_misplaced_quote(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    int rc = run_csv(&sink, "title,city\n\"A\"x,B\n");
    assert_int_equal(rc, MINGA_EINVAL);
    assert_logged(sink.errors, "error 2:4 [] misplaced '\"'");
    fake_sink_release(&sink);
}

static void test_csv_rejects_bad_header(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    int rc = run_csv(&sink, "title,city,title,,x\nA,B,C,D,E\n");
    assert_int_equal(rc, MINGA_EINVAL);
    assert_logged(sink.errors, "error 1:12 [title] duplicate field name");
    assert_logged(sink.errors, "error 1:18 [] empty field name in header "
                               "column 4");
    assert_int_equal(sink.n_cases, 0);
    fake_sink_release(&sink);
}

/* A file a spreadsheet wrote with ';' (or tabs) between fields: one
 * error that says so, on the header, and nothing read past it. */
static void test_csv_rejects_other_separators(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    int rc = run_csv(&sink, "title;city;sdg_goals\n"
                            "Presupuesto participativo;Rosario;11;16\n");
    assert_int_equal(rc, MINGA_EINVAL);
    assert_int_equal(sink.n_errors, 1);
    assert_logged(sink.errors, "error 1:1 [] the header's field names are "
                               "separated by ';', not ','");
    assert_int_equal(sink.n_cases, 0);
    fake_sink_release(&sink);

    rc = run_csv(&sink, "title\tcity\nOrçamento participativo\tPorto "
                        "Alegre\n");
    assert_int_equal(rc, MINGA_EINVAL);
    assert_int_equal(sink.n_errors, 1);
    assert_logged(sink.errors, "separated by a tab, not ','");
    fake_sink_release(&sink);
}

static void test_csv_rejects_empty_file(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    assert_int_equal(run_csv(&sink, ""), MINGA_EINVAL);
    assert_logged(sink.errors, "empty file");
    fake_sink_release(&sink);
}

/* A header of n columns c0,c1,... and one record of n cells. Caller
 * frees. */
static char *wide_csv(size_t n)
{
    char *text = malloc(n * 16 + 2);
    assert_non_null(text);
    char *p = text;
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, i ? ",c%zu" : "c%zu", i);
    *p++ = '\n';
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, i ? ",x" : "x");
    strcpy(p, "\n");
    return text;
}

static int run_csv_columns(struct minga_import_sink *sink, const char *text,
                           uint64_t max_columns)
{
    fake_sink_init(sink);
    sink->limits.max_csv_columns = max_columns;
    return csv->import_buffer(&fake_host_api, sink, "cases.csv", text,
                              strlen(text));
}

static void test_csv_refuses_header_wider_than_max_csv_columns(void **s)
{
    (void)s;
    struct minga_import_sink sink;
    char *text = wide_csv(5);
    assert_int_equal(run_csv_columns(&sink, text, 5), MINGA_OK);
    assert_int_equal(sink.n_errors, 0);
    assert_int_equal(sink.n_cases, 1);
    fake_sink_release(&sink);
    free(text);

    text = wide_csv(6);
    assert_int_equal(run_csv_columns(&sink, text, 5), MINGA_ELIMIT);
    assert_int_equal(sink.n_errors, 1);
    assert_logged(sink.errors, "error 1:16 [] the header has more than "
                               "max_csv_columns (5) columns; refused (raise "
                               "it with minga import --max-csv-columns N)");
    assert_int_equal(sink.n_cases, 0);
    fake_sink_release(&sink);
    free(text);
}

/* 100 000 columns (11.7 s: each name was compared with every earlier one)
 * are refused at the 1001st as the header is read. */
static void test_csv_refuses_wide_header_by_default(void **s)
{
    (void)s;
    struct minga_import_sink sink;
    char *text = wide_csv(100000);
    assert_int_equal(run_csv_columns(&sink, text, 0), MINGA_ELIMIT);
    assert_int_equal(sink.n_errors, 1);
    /* c0..c9 take 3 columns each, c10..c99 4, c100..c999 5 */
    assert_logged(sink.errors, "error 1:4891 [] the header has more than "
                               "max_csv_columns (1000) columns");
    assert_int_equal(sink.n_cases, 0);
    fake_sink_release(&sink);
    free(text);
}

/* minga's CSV writers put a `'` before a cell that a spreadsheet would
 * run as a formula, and before `'`s followed by such a character; the
 * importer takes exactly one off those cells and leaves others alone. */
static void test_csv_strips_the_formula_guard(void **s)
{
    (void)s;
    struct minga_import_sink sink;
    int rc =
        run_csv(&sink, "title,city,region,summary,tags,body\n"
                       "\"'=HYPERLINK(\"\"http://x\"\")\",'=2+2,''=x,'-30 %,"
                       "'@a;b,\"'\tindented\"\n"
                       "-5,'plain,'',''',+1,\"'\r\"\n");
    assert_int_equal(rc, MINGA_OK);
    assert_logged(sink.log, "begin 2\n"
                            "field title TEXT '=HYPERLINK(\"http://x\")' "
                            "2:1\n"
                            "field city TEXT '=2+2' 2:29\n"
                            "field region TEXT ''=x' 2:35\n"
                            "field summary TEXT '-30 %' 2:40\n"
                            "field tags TEXT '@a;b' 2:47\n"
                            "field body TEXT '\tindented' 2:53\n");
    /* not guarded: kept as they are */
    assert_logged(sink.log, "begin 3\n"
                            "field title TEXT '-5' 3:1\n"
                            "field city TEXT ''plain' 3:4\n"
                            "field region TEXT '''' 3:11\n"
                            "field summary TEXT ''''' 3:14\n"
                            "field tags TEXT '+1' 3:18\n"
                            "field body TEXT '\r' 3:21\n");
    fake_sink_release(&sink);
}

int main(void)
{
    csv = fake_load_importer(MINGA_CSV_PLUGIN, "csv");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_reports_fields_with_positions),
        cmocka_unit_test(test_csv_quoted_cell_spans_lines),
        cmocka_unit_test(test_csv_skips_bom_and_blank_lines),
        cmocka_unit_test(test_csv_last_record_without_newline),
        cmocka_unit_test(test_csv_rejects_extra_cells),
        cmocka_unit_test(test_csv_rejects_unterminated_quote),
        cmocka_unit_test(test_csv_rejects_misplaced_quote),
        cmocka_unit_test(test_csv_rejects_bad_header),
        cmocka_unit_test(test_csv_rejects_other_separators),
        cmocka_unit_test(test_csv_rejects_empty_file),
        cmocka_unit_test(test_csv_refuses_header_wider_than_max_csv_columns),
        cmocka_unit_test(test_csv_refuses_wide_header_by_default),
        cmocka_unit_test(test_csv_strips_the_formula_guard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
