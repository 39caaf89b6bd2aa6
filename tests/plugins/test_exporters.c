/*
 * Exporter plugin tests: each built module is dlopen()ed by a fake host
 * (fake_host.c), fed three fixture cases, and its output checked with
 * independent readers: jansson for JSON, a small RFC 4180 reader for CSV,
 * libarchive + libxml2 + libsodium for the briefing and archive zips,
 * poppler's pdfinfo and pdftotext for the PDF, and Chromium (skipped
 * when it is not installed) to lay the briefing's pages out on a 390 px
 * wide screen.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <sodium.h>

#include "fake_host.h"

static const char *const case_ids[N_FIXTURE_CASES] = {
    "porto-alegre-orcamento-participativo", "rosario-agricultura-urbana",
    "hostile-title"};

/* Where outputs are kept for a look by hand: the test's build folder. */
static void save_output(const struct minga_export_ctx *ctx, const char *name,
                        char *path, size_t path_size)
{
    const char *dir = getenv("MINGA_TEST_OUT_DIR");
    snprintf(path, path_size, "%s/%s", dir ? dir : "/tmp", name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(ctx->data, 1, ctx->len, f), ctx->len);
    assert_int_equal(fclose(f), 0);
}

/* ---- JSON and JSON Lines ------------------------------------------------ */

/* The expected v1 objects, written out by hand. */
static const char *const expected_json[N_FIXTURE_CASES] = {
    "{\"id\": \"porto-alegre-orcamento-participativo\","
    " \"title\": \"Orçamento Participativo de Porto Alegre\","
    " \"summary\": \"Cidadãos decidem, em assembleias, o \\\"orçamento\\\" de"
    " investimentos da cidade.\", \"body\": null, \"language\": \"pt\","
    " \"city\": \"Porto Alegre\", \"country\": \"BR\","
    " \"region\": \"Rio Grande do Sul\", \"year_start\": 1989,"
    " \"year_end\": 2004, \"sdg_goals\": [11, 16],"
    " \"sdg_targets\": [\"11.3\", \"16.7\"], \"levels\": [\"local\"],"
    " \"actors\": [\"public_sector\", \"civil_society\", \"community\"],"
    " \"tags\": [\"participação\", \"orçamento\"],"
    " \"source_url\": \"https://www.portoalegre.rs.gov.br/op\","
    " \"license\": \"CC-BY-4.0\","
    " \"attachments\": [\"docs/relatório 2003.txt\"]}",
    "{\"id\": \"rosario-agricultura-urbana\","
    " \"title\": \"Programa de Agricultura Urbana de Rosario\","
    " \"summary\": null, \"body\": null, \"language\": \"es\","
    " \"city\": \"Rosario\", \"country\": \"AR\", \"region\": \"Santa Fe\","
    " \"year_start\": 2002, \"sdg_goals\": [2, 11, 12],"
    " \"sdg_targets\": [\"2.4\", \"11.7\"],"
    " \"levels\": [\"local\", \"national\"],"
    " \"actors\": [\"public_sector\", \"academia\", \"community\","
    " \"international_organization\"],"
    " \"tags\": [\"agricultura urbana\", \"seguridad alimentaria\"],"
    " \"source_url\": \"https://www.rosario.gob.ar/\"}",
    "{\"id\": \"hostile-title\","
    " \"title\": \"<script>alert(1)</script> & \\\"quotes\\\"\","
    " \"summary\": null, \"language\": \"en\", \"city\": \"Montevideo\","
    " \"country\": \"UY\", \"year_start\": 2010, \"sdg_goals\": [6],"
    " \"levels\": [\"regional\"], \"tags\": [\"a;b\", \" padded \"]}"};

/* Checks one exported object against the expected one: same keys in the
 * same order, same values (null in the expectation: the fixture's long
 * string, compared directly). */
static void check_case_object(json_t *actual, int index)
{
    json_error_t error;
    json_t *expected = json_loads(expected_json[index], 0, &error);
    assert_non_null(expected);
    assert_true(json_is_object(actual));
    assert_int_equal(json_object_size(actual), json_object_size(expected));
    void *it_a = json_object_iter(actual);
    void *it_e = json_object_iter(expected);
    for (; it_e; it_a = json_object_iter_next(actual, it_a),
                 it_e = json_object_iter_next(expected, it_e)) {
        assert_non_null(it_a);
        const char *key = json_object_iter_key(it_e);
        assert_string_equal(json_object_iter_key(it_a), key);
        json_t *value = json_object_iter_value(it_a);
        json_t *want = json_object_iter_value(it_e);
        if (json_is_null(want)) {
            const struct minga_case *c = &fixture_cases[index];
            const char *s = strcmp(key, "body") == 0 ? c->body : c->summary;
            assert_string_equal(json_string_value(value), s);
        } else {
            assert_true(json_equal(value, want));
        }
    }
    json_decref(expected);
}

static void test_json_export_is_case_format_v1(void **unused)
{
    (void)unused;
    struct minga_export_ctx ctx;
    const char *media_type;
    assert_int_equal(
        fake_host_export(&ctx, MINGA_EXPORTER_JSON_PATH, "en", &media_type),
        MINGA_OK);
    assert_string_equal(media_type, "application/json");
    assert_memory_equal(ctx.data, "[\n{", 3);
    assert_string_equal(ctx.data + ctx.len - 4, "}\n]\n");
    /* UTF-8 as is, two-space indentation. */
    assert_non_null(strstr(ctx.data, "Orçamento Participativo"));
    assert_null(strstr(ctx.data, "\\u00e7"));
    assert_non_null(strstr(ctx.data, "\n  \"title\": "));

    json_error_t error;
    json_t *root = json_loadb(ctx.data, ctx.len, 0, &error);
    assert_non_null(root);
    assert_int_equal(json_array_size(root), N_FIXTURE_CASES);
    for (int i = 0; i < N_FIXTURE_CASES; i++)
        check_case_object(json_array_get(root, i), i);
    json_decref(root);
    free(ctx.data);
}

static void test_jsonl_export_has_one_compact_case_per_line(void **unused)
{
    (void)unused;
    struct minga_export_ctx ctx;
    assert_int_equal(
        fake_host_export(&ctx, MINGA_EXPORTER_JSONL_PATH, "en", NULL),
        MINGA_OK);
    int n_lines = 0;
    char *line = ctx.data;
    for (char *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        assert_true(n_lines < N_FIXTURE_CASES);
        json_error_t error;
        json_t *obj = json_loadb(line, (size_t)(nl - line), 0, &error);
        assert_non_null(obj);
        check_case_object(obj, n_lines);
        json_decref(obj);
        n_lines++;
    }
    assert_int_equal(n_lines, N_FIXTURE_CASES);
    assert_string_equal(line, ""); /* ends with a newline */
    free(ctx.data);
}

/* ---- CSV ---------------------------------------------------------------- */

#define MAX_FIELDS 32

/* Reads one RFC 4180 record from *p into fields (malloc'd); checks that the
 * record ends with CRLF. Returns the number of fields, 0 at the end. */
static int csv_record(const char **p, char **fields)
{
    const char *s = *p;
    if (*s == '\0')
        return 0;
    int n_fields = 0;
    for (;;) {
        char *field = malloc(strlen(s) + 1);
        size_t len = 0;
        if (*s == '"') {
            for (s++;; s++) {
                assert_true(*s != '\0');
                if (*s == '"' && s[1] == '"')
                    field[len++] = *s++;
                else if (*s == '"')
                    break;
                else
                    field[len++] = *s;
            }
            s++;
        } else {
            while (*s && *s != ',' && *s != '\r' && *s != '\n') {
                assert_true(*s != '"');
                field[len++] = *s++;
            }
        }
        field[len] = '\0';
        assert_true(n_fields < MAX_FIELDS);
        fields[n_fields++] = field;
        if (*s == ',') {
            s++;
            continue;
        }
        assert_memory_equal(s, "\r\n", 2);
        *p = s + 2;
        return n_fields;
    }
}

static void test_csv_export_is_rfc4180_with_bom(void **unused)
{
    (void)unused;
    struct minga_export_ctx ctx;
    const char *media_type;
    assert_int_equal(
        fake_host_export(&ctx, MINGA_EXPORTER_CSV_PATH, "en", &media_type),
        MINGA_OK);
    assert_string_equal(media_type, "text/csv; charset=utf-8");
    assert_memory_equal(ctx.data, "\xEF\xBB\xBF", 3);
    static const char header[] =
        "id,title,summary,body,language,city,country,region,year_start,"
        "year_end,sdg_goals,sdg_targets,levels,actors,tags,source_url,"
        "license,attachments\r\n";
    assert_memory_equal(ctx.data + 3, header, strlen(header));
    /* A field with a comma and quotes, quoted and doubled. */
    assert_non_null(strstr(ctx.data, ",\"Cidadãos decidem, em assembleias, "
                                     "o \"\"orçamento\"\" de investimentos "
                                     "da cidade.\","));

    const char *p = ctx.data + 3;
    char *fields[MAX_FIELDS];
    assert_int_equal(csv_record(&p, fields), 18);
    for (int i = 0; i < 18; i++)
        free(fields[i]);
    for (int row = 0; row < N_FIXTURE_CASES; row++) {
        const struct minga_case *c = &fixture_cases[row];
        assert_int_equal(csv_record(&p, fields), 18);
        assert_string_equal(fields[0], c->id);
        assert_string_equal(fields[1], c->title);
        assert_string_equal(fields[2], c->summary);
        assert_string_equal(fields[3], c->body ? c->body : "");
        assert_string_equal(fields[5], c->city);
        if (row == 0) {
            assert_string_equal(fields[9], "2004");
            assert_string_equal(fields[10], "11;16");
            assert_string_equal(fields[13],
                                "public_sector;civil_society;community");
            assert_string_equal(fields[14], "participação;orçamento");
            assert_string_equal(fields[17], "docs/relatório 2003.txt");
        }
        if (row == 2) {
            assert_string_equal(fields[9], "");
            assert_string_equal(fields[14], "a;b; padded ");
        }
        for (int i = 0; i < 18; i++)
            free(fields[i]);
    }
    assert_string_equal(p, "");
    free(ctx.data);
}

/* Cells a spreadsheet would run as formulas (CSV injection), and their
 * neighbours that it would not. */
static const char *const formula_tags[] = {"@alias", "x"};
static const struct minga_case formula_case = {
    .struct_size = sizeof(struct minga_case),
    .id = "formula-cells",
    .title = "=HYPERLINK(\"http://evil.example\",\"click\")",
    .summary = "-30 % de emisiones",
    .body = "'=already guarded by hand",
    .language = "es",
    .city = "=2+2",
    .country = "UY",
    .region = "\tCanelones",
    .year_start = 2010,
    .goal_mask = 1u << 11,
    .level_mask = MINGA_LEVEL_LOCAL,
    .tags = formula_tags,
    .n_tags = 2,
    .license = "'quoted",
};

/* Checks the formula case's row in a CSV export: a `'` before each cell
 * that starts with = + - @ tab CR, or with `'`s and then one of those. */
static void check_formula_cells(const char *csv)
{
    const char *p = csv + 3;
    char *fields[MAX_FIELDS];
    int n_fields = csv_record(&p, fields);
    for (int i = 0; i < n_fields; i++)
        free(fields[i]);
    assert_int_equal(csv_record(&p, fields), 18);
    assert_string_equal(fields[0], "formula-cells");
    assert_string_equal(fields[1],
                        "'=HYPERLINK(\"http://evil.example\",\"click\")");
    assert_string_equal(fields[2], "'-30 % de emisiones");
    assert_string_equal(fields[3], "''=already guarded by hand");
    assert_string_equal(fields[5], "'=2+2");
    assert_string_equal(fields[7], "'\tCanelones");
    assert_string_equal(fields[14], "'@alias;x");
    assert_string_equal(fields[16], "'quoted"); /* not a formula */
    for (int i = 0; i < 18; i++)
        free(fields[i]);
    assert_string_equal(p, "");
}

static void test_csv_export_guards_formula_cells(void **unused)
{
    (void)unused;
    struct minga_export_ctx ctx;
    assert_int_equal(fake_host_export_cases(&ctx, MINGA_EXPORTER_CSV_PATH,
                                            "en", NULL, &formula_case, 1),
                     MINGA_OK);
    check_formula_cells(ctx.data);
    free(ctx.data);
}

/* ---- Markdown ----------------------------------------------------------- */

static void test_markdown_export_escapes_case_text(void **unused)
{
    (void)unused;
    struct minga_export_ctx ctx;
    assert_int_equal(
        fake_host_export(&ctx, MINGA_EXPORTER_MARKDOWN_PATH, "pt", NULL),
        MINGA_OK);
    assert_non_null(
        strstr(ctx.data, "## Orçamento Participativo de Porto Alegre\n"));
    assert_non_null(strstr(ctx.data, "\\<script\\>alert(1)\\</script\\>"));
    assert_non_null(strstr(ctx.data, "11 Cidades e comunidades sustentáveis"));
    assert_non_null(strstr(ctx.data, "#### Origem")); /* body h1, moved */
    free(ctx.data);
}

/* ---- Briefing zip ------------------------------------------------------- */

struct zip_entry {
    char *name;
    char *data; /* NUL-terminated copy */
    size_t len;
};

static struct zip_entry zip_entries[64];
static size_t n_zip_entries;
static struct minga_export_ctx briefing_ctx;

/* Reads every entry of a zip in ctx into entries. 0, or -1 when the zip
 * cannot be read. */
static int read_zip(const struct minga_export_ctx *ctx,
                    struct zip_entry *entries, size_t max_entries,
                    size_t *n_entries)
{
    struct archive *a = archive_read_new();
    archive_read_support_format_zip(a);
    if (archive_read_open_memory(a, ctx->data, ctx->len) != ARCHIVE_OK) {
        archive_read_free(a);
        return -1;
    }
    struct archive_entry *entry;
    while (archive_read_next_header(a, &entry) == ARCHIVE_OK &&
           *n_entries < max_entries) {
        struct zip_entry *z = &entries[(*n_entries)++];
        z->name = strdup(archive_entry_pathname(entry));
        size_t cap = 4096;
        z->data = malloc(cap);
        char buf[8192];
        la_ssize_t n_read;
        while ((n_read = archive_read_data(a, buf, sizeof buf)) > 0) {
            while (z->len + (size_t)n_read + 1 > cap)
                z->data = realloc(z->data, cap *= 2);
            memcpy(z->data + z->len, buf, (size_t)n_read);
            z->len += (size_t)n_read;
        }
        z->data[z->len] = '\0';
        if (n_read < 0) {
            archive_read_free(a);
            return -1;
        }
    }
    archive_read_free(a);
    return 0;
}

static void free_zip(struct zip_entry *entries, size_t n_entries)
{
    for (size_t i = 0; i < n_entries; i++) {
        free(entries[i].name);
        free(entries[i].data);
    }
}

static int setup_briefing(void **unused)
{
    (void)unused;
    if (fake_host_export(&briefing_ctx, MINGA_EXPORTER_BRIEFING_PATH, "es",
                         NULL) != MINGA_OK)
        return -1;
    char path[512];
    save_output(&briefing_ctx, "exporters-briefing.zip", path, sizeof path);
    return read_zip(&briefing_ctx, zip_entries, 64, &n_zip_entries);
}

static int teardown_briefing(void **unused)
{
    (void)unused;
    free_zip(zip_entries, n_zip_entries);
    free(briefing_ctx.data);
    return 0;
}

static const struct zip_entry *zip_find(const char *name)
{
    for (size_t i = 0; i < n_zip_entries; i++)
        if (strcmp(zip_entries[i].name, name) == 0)
            return &zip_entries[i];
    return NULL;
}

/* The pack's cases.csv is written as the csv exporter writes. */
static void test_briefing_cases_csv_guards_formula_cells(void **unused)
{
    (void)unused;
    struct minga_export_ctx ctx;
    assert_int_equal(fake_host_export_cases(&ctx, MINGA_EXPORTER_BRIEFING_PATH,
                                            "es", NULL, &formula_case, 1),
                     MINGA_OK);
    struct zip_entry entries[64];
    size_t n_entries = 0;
    memset(entries, 0, sizeof entries);
    assert_int_equal(read_zip(&ctx, entries, 64, &n_entries), 0);
    const char *csv = NULL;
    for (size_t i = 0; i < n_entries; i++)
        if (strcmp(entries[i].name, "cases.csv") == 0)
            csv = entries[i].data;
    assert_non_null(csv);
    check_formula_cells(csv);
    free_zip(entries, n_entries);
    free(ctx.data);
}

static void test_briefing_has_index_and_a_page_per_case(void **unused)
{
    (void)unused;
    const struct zip_entry *index = zip_find("index.html");
    assert_non_null(index);
    /* The case links, in order: exactly the three ids. */
    int n_links = 0;
    for (const char *p = index->data; (p = strstr(p, "href=\"cases/")) != NULL;
         n_links++) {
        p += strlen("href=\"cases/");
        assert_true(n_links < N_FIXTURE_CASES);
        size_t id_len = strlen(case_ids[n_links]);
        assert_memory_equal(p, case_ids[n_links], id_len);
        assert_memory_equal(p + id_len, ".html\"", 6);
    }
    assert_int_equal(n_links, N_FIXTURE_CASES);
    assert_non_null(strstr(index->data, "participación ciudadana"));
    assert_non_null(strstr(index->data, "sdg:11 level:local"));
    assert_non_null(strstr(index->data, "charts/goals.svg"));
    for (int i = 0; i < N_FIXTURE_CASES; i++) {
        char name[160];
        snprintf(name, sizeof name, "cases/%s.html", case_ids[i]);
        assert_non_null(zip_find(name));
    }
    const struct zip_entry *page =
        zip_find("cases/porto-alegre-orcamento-participativo.html");
    assert_non_null(strstr(page->data, "<h1>Orçamento Participativo"));
    assert_non_null(strstr(page->data, "Ciudades y comunidades sostenibles"));
    assert_non_null(strstr(page->data, "background:#FD9D24"));
    assert_non_null(strstr(page->data, "href=\"../attachments/porto-alegre-"
                                       "orcamento-participativo/docs/relat%C3"
                                       "%B3rio%202003.txt\""));
    assert_null(strstr(page->data, "javascript:"));
    const struct zip_entry *att =
        zip_find("attachments/porto-alegre-orcamento-participativo/docs/"
                 "relatório 2003.txt");
    assert_non_null(att);
    assert_string_equal(att->data, fixture_attachment);
    assert_non_null(zip_find("style.css"));
    assert_non_null(strstr(zip_find("style.css")->data, "size: A4"));
    /* cases.csv and cases.json hold the same as the csv/json exporters. */
    assert_memory_equal(zip_find("cases.csv")->data, "\xEF\xBB\xBFid,", 6);
    json_error_t error;
    json_t *cases = json_loads(zip_find("cases.json")->data, 0, &error);
    assert_int_equal(json_array_size(cases), N_FIXTURE_CASES);
    json_decref(cases);
}

static void test_briefing_escapes_hostile_text(void **unused)
{
    (void)unused;
    int n_html = 0;
    for (size_t i = 0; i < n_zip_entries; i++) {
        const struct zip_entry *z = &zip_entries[i];
        size_t name_len = strlen(z->name);
        if (name_len < 5 || strcmp(z->name + name_len - 5, ".html") != 0)
            continue;
        n_html++;
        assert_null(strstr(z->data, "<script"));
        assert_null(strstr(z->data, "<img src=x"));
        assert_null(strstr(z->data, "<b>not bold"));
    }
    assert_int_equal(n_html, 1 + N_FIXTURE_CASES);
    const struct zip_entry *page = zip_find("cases/hostile-title.html");
    assert_non_null(strstr(page->data, "<h1>&lt;script&gt;alert(1)&lt;/script"
                                       "&gt; &amp; &quot;quotes&quot;</h1>"));
    assert_non_null(
        strstr(zip_find("index.html")->data, "&lt;script&gt;alert(1)"));
}

static int n_xml_errors;

static void count_xml_error(void *unused, xmlErrorPtr error)
{
    (void)unused;
    (void)error;
    n_xml_errors++;
}

static void test_briefing_charts_are_valid_svg(void **unused)
{
    (void)unused;
    static const char *const charts[] = {
        "charts/goals.svg", "charts/levels.svg", "charts/countries.svg"};
    xmlSetStructuredErrorFunc(NULL, count_xml_error);
    for (size_t i = 0; i < 3; i++) {
        const struct zip_entry *z = zip_find(charts[i]);
        assert_non_null(z);
        n_xml_errors = 0;
        xmlDocPtr doc = xmlReadMemory(z->data, (int)z->len, charts[i], NULL,
                                      XML_PARSE_NONET);
        assert_non_null(doc);
        assert_int_equal(n_xml_errors, 0);
        assert_string_equal((const char *)xmlDocGetRootElement(doc)->name,
                            "svg");
        xmlFreeDoc(doc);
    }
    xmlSetStructuredErrorFunc(NULL, NULL);
    const char *goals = zip_find("charts/goals.svg")->data;
    assert_non_null(strstr(goals, "fill=\"#FD9D24\"")); /* goal 11 */
    assert_non_null(strstr(goals, "Hambre cero"));
    assert_non_null(
        strstr(zip_find("charts/countries.svg")->data, "Argentina"));
}

static void test_briefing_manifest_digests_match(void **unused)
{
    (void)unused;
    assert_true(sodium_init() >= 0);
    assert_string_equal(zip_entries[n_zip_entries - 1].name, "manifest.json");
    json_error_t error;
    json_t *manifest = json_loads(zip_find("manifest.json")->data, 0, &error);
    assert_non_null(manifest);
    assert_string_equal(json_string_value(json_object_get(manifest, "query")),
                        "participación ciudadana");
    assert_string_equal(json_string_value(json_object_get(manifest, "lang")),
                        "es");
    assert_int_equal(json_integer_value(json_object_get(manifest, "n_cases")),
                     N_FIXTURE_CASES);
    json_t *files = json_object_get(manifest, "files");
    /* Every other file of the zip is listed once, with its digest. */
    assert_int_equal(json_array_size(files), n_zip_entries - 1);
    for (size_t i = 0; i < json_array_size(files); i++) {
        json_t *f = json_array_get(files, i);
        const struct zip_entry *z =
            zip_find(json_string_value(json_object_get(f, "path")));
        assert_non_null(z);
        assert_int_equal(json_integer_value(json_object_get(f, "size")),
                         z->len);
        unsigned char digest[crypto_hash_sha256_BYTES];
        char hex[crypto_hash_sha256_BYTES * 2 + 1];
        crypto_hash_sha256(digest, (const unsigned char *)z->data, z->len);
        sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
        assert_string_equal(json_string_value(json_object_get(f, "sha256")),
                            hex);
    }
    json_decref(manifest);
}

/* ---- PDF ---------------------------------------------------------------- */

static char *run_command(const char *fmt, const char *arg)
{
    char command[1024];
    snprintf(command, sizeof command, fmt, arg);
    FILE *p = popen(command, "r");
    assert_non_null(p);
    size_t cap = 65536, len = 0, n_read;
    char *text = malloc(cap);
    while ((n_read = fread(text + len, 1, cap - len - 1, p)) > 0) {
        len += n_read;
        if (cap - len < 4096)
            text = realloc(text, cap *= 2);
    }
    text[len] = '\0';
    assert_int_equal(pclose(p), 0);
    return text;
}

/* Collapses runs of white space to one space, in place. */
static void squeeze_space(char *s)
{
    char *out = s;
    int was_space = 0;
    for (; *s; s++) {
        int is_space =
            *s == ' ' || *s == '\n' || *s == '\t' || *s == '\f' || *s == '\r';
        if (!(is_space && was_space))
            *out++ = is_space ? ' ' : *s;
        was_space = is_space;
    }
    *out = '\0';
}

static void test_pdf_has_cover_charts_and_cases(void **unused)
{
    (void)unused;
    struct minga_export_ctx ctx;
    const char *media_type;
    assert_int_equal(
        fake_host_export(&ctx, MINGA_EXPORTER_PDF_PATH, "es", &media_type),
        MINGA_OK);
    assert_string_equal(media_type, "application/pdf");
    assert_memory_equal(ctx.data, "%PDF-", 5);
    char path[512];
    save_output(&ctx, "exporters.pdf", path, sizeof path);
    free(ctx.data);

    char *info = run_command("pdfinfo '%s'", path);
    const char *pages = strstr(info, "Pages:");
    assert_non_null(pages);
    int n_pages = atoi(pages + strlen("Pages:"));
    /* Cover, contents, charts, then the cases flowing: the long Rosario
     * body is cut after two pages' worth, the short cases share pages. */
    assert_true(n_pages >= 3 + 2);
    assert_true(n_pages <= 3 + 2 * N_FIXTURE_CASES);
    assert_non_null(strstr(info, "A4"));
    free(info);

    char *text = run_command("pdftotext -enc UTF-8 '%s' -", path);
    squeeze_space(text);
    assert_non_null(strstr(text, "minga — Dossier de casos"));
    assert_non_null(strstr(text, "participación ciudadana"));
    /* The filters in words, not as typed. */
    assert_non_null(strstr(text, "ODS 11: Ciudades y comunidades "
                                 "sostenibles; Nivel de gobierno: Local"));
    assert_non_null(strstr(text, "6 de mayo de 2024"));
    assert_non_null(strstr(text, "Índice"));
    for (int i = 0; i < N_FIXTURE_CASES; i++)
        assert_non_null(strstr(text, fixture_titles[i]));
    assert_non_null(strstr(text, "se recortó para caber en dos páginas"));
    assert_non_null(strstr(text, "Ciudades y comunidades sostenibles"));
    free(text);
}

/* ---- PDF: contents and flowing cases ------------------------------------ */

/* The text of each page of a PDF (pdftotext's form feeds), squeezed. */
static size_t pdf_pages_text(const char *path, char **pages, size_t max)
{
    char *text = run_command("pdftotext -enc UTF-8 '%s' -", path);
    size_t n_pages = 0;
    for (char *p = text; *p && n_pages < max;) {
        char *ff = strchr(p, '\f');
        size_t len = ff ? (size_t)(ff - p) : strlen(p);
        pages[n_pages] = strndup(p, len);
        squeeze_space(pages[n_pages]);
        n_pages++;
        p += len + (ff ? 1 : 0);
    }
    free(text);
    return n_pages;
}

#define N_SHORT_CASES 8

static void test_pdf_flows_short_cases_and_has_contents(void **unused)
{
    (void)unused;
    static const char *const cities[N_SHORT_CASES] = {
        "Rosario", "Montevideo", "Seúl",     "Porto Alegre",
        "Quito",   "Bogotá",     "Curitiba", "Medellín"};
    static const char *const countries[N_SHORT_CASES] = {
        "AR", "UY", "KR", "BR", "AR", "UY", "BR", "KR"};
    struct minga_case cases[N_SHORT_CASES];
    char titles[N_SHORT_CASES][64], ids[N_SHORT_CASES][32];
    for (int i = 0; i < N_SHORT_CASES; i++) {
        snprintf(titles[i], sizeof titles[i], "Caso breve número %d de %s",
                 i + 1, cities[i]);
        snprintf(ids[i], sizeof ids[i], "caso-breve-%d", i + 1);
        cases[i] = (struct minga_case){
            .struct_size = sizeof(struct minga_case),
            .id = ids[i],
            .title = titles[i],
            .summary = "Un resumen corto, de dos líneas a lo sumo, para "
                       "ver cómo fluyen los casos breves en la página.",
            .language = "es",
            .city = cities[i],
            .country = countries[i],
            .year_start = 2000 + i,
            .goal_mask = 1u << (1 + i % 17),
            .level_mask = MINGA_LEVEL_LOCAL};
    }
    struct minga_export_ctx ctx;
    assert_int_equal(fake_host_export_cases(&ctx, MINGA_EXPORTER_PDF_PATH,
                                            "es", NULL, cases, N_SHORT_CASES),
                     MINGA_OK);
    char path[512];
    save_output(&ctx, "exporters-short.pdf", path, sizeof path);
    free(ctx.data);
    char *pages[64];
    size_t n_pages = pdf_pages_text(path, pages, 64);
    /* Cover (in Spanish: Korea named as iso-codes translates it). */
    assert_non_null(strstr(pages[0], "Dossier de casos"));
    assert_non_null(strstr(pages[0], "Corea, República de"));
    assert_null(strstr(pages[0], "Korea"));
    assert_non_null(strstr(pages[0], "Casos por objetivo"));
    /* Contents on page 2, each case with the page it is on, on the line
     * of its title (-layout keeps lines). */
    assert_non_null(strstr(pages[1], "Índice"));
    char *contents = run_command("pdftotext -layout -enc UTF-8 -f 2 -l 2 "
                                 "'%s' -",
                                 path);
    int max_on_a_page = 0;
    for (int i = 0; i < N_SHORT_CASES; i++) {
        const char *entry = strstr(contents, titles[i]);
        assert_non_null(entry);
        const char *after = entry + strlen(titles[i]);
        after += strspn(after, " ");
        int page = atoi(after);
        assert_true(page > 2 && (size_t)page <= n_pages);
        assert_non_null(strstr(pages[page - 1], titles[i]));
        int on_page = 0;
        for (int j = 0; j < N_SHORT_CASES; j++)
            if (strstr(pages[page - 1], titles[j]))
                on_page++;
        if (on_page > max_on_a_page)
            max_on_a_page = on_page;
    }
    /* Short cases share pages: eight of them fit on two. */
    assert_true(max_on_a_page >= 3);
    assert_true(n_pages <= 3 + 3);
    free(contents);
    for (size_t i = 0; i < n_pages; i++)
        free(pages[i]);
}

/* ---- Briefing in the pack's language and on a phone ---------------------- */

static const struct minga_case seoul_case = {
    .struct_size = sizeof(struct minga_case),
    .id = "seoul-cheonggyecheon",
    .title = "Restauración del arroyo Cheonggyecheon",
    .summary = "Seúl retiró una autopista elevada y recuperó el arroyo.",
    .language = "es",
    .city = "Seúl",
    .country = "KR",
    .year_start = 2003,
    .year_end = 2005,
    .goal_mask = (1u << 6) | (1u << 11),
    .level_mask = MINGA_LEVEL_LOCAL,
    .source_url = "https://en.wikipedia.org/wiki/Cheonggyecheon_with_a_very"
                  "_long_path_that_would_not_fit_on_a_phone_screen_at_all",
};

static void test_briefing_names_countries_and_filters_in_spanish(void **unused)
{
    (void)unused;
    struct minga_export_ctx ctx;
    assert_int_equal(fake_host_export_cases(&ctx, MINGA_EXPORTER_BRIEFING_PATH,
                                            "es", NULL, &seoul_case, 1),
                     MINGA_OK);
    struct zip_entry entries[64];
    size_t n_entries = 0;
    memset(entries, 0, sizeof entries);
    assert_int_equal(read_zip(&ctx, entries, 64, &n_entries), 0);
    const char *index = NULL, *page = NULL, *chart = NULL;
    for (size_t i = 0; i < n_entries; i++) {
        if (strcmp(entries[i].name, "index.html") == 0)
            index = entries[i].data;
        if (strcmp(entries[i].name, "cases/seoul-cheonggyecheon.html") == 0)
            page = entries[i].data;
        if (strcmp(entries[i].name, "charts/countries.svg") == 0)
            chart = entries[i].data;
    }
    assert_non_null(index);
    assert_non_null(page);
    assert_non_null(chart);
    /* iso-codes' Spanish name, not the English one, everywhere. */
    assert_non_null(strstr(index, "Corea, República de"));
    assert_non_null(strstr(page, "Corea, República de"));
    assert_non_null(strstr(chart, "Corea, República de"));
    assert_null(strstr(index, "Korea"));
    assert_null(strstr(page, "Korea"));
    /* Title and filters in words. */
    assert_non_null(strstr(index, "<title>Dossier de casos — minga</title>"));
    assert_non_null(strstr(index, "<li>ODS 11: Ciudades y comunidades "
                                  "sostenibles</li>"));
    assert_non_null(strstr(index, "<li>Nivel de gobierno: Local</li>"));
    assert_null(strstr(index, ">sdg:11"));
    assert_non_null(strstr(index, "6 de mayo de 2024"));
    free_zip(entries, n_entries);
    free(ctx.data);
}

/* Every "NNNpx" of the style sheet outside @media print is at most 390:
 * nothing is wider than a phone's screen. */
static void test_briefing_css_fits_a_phone(void **unused)
{
    (void)unused;
    const struct zip_entry *css = zip_find("style.css");
    assert_non_null(css);
    const char *print = strstr(css->data, "@media print");
    assert_non_null(print);
    for (const char *p = css->data; p < print; p++) {
        if (strncmp(p, "px", 2) != 0)
            continue;
        const char *digits = p;
        while (digits > css->data && digits[-1] >= '0' && digits[-1] <= '9')
            digits--;
        assert_true(atoi(digits) <= 390);
    }
    assert_non_null(strstr(css->data, "@media screen and (max-width: 40rem)"));
    assert_non_null(strstr(css->data, ".table-wrap { max-width: 100%;"
                                      " overflow-x: auto; }"));
    assert_non_null(strstr(css->data, "img, svg, video { max-width: 100%;"));
    const struct zip_entry *index = zip_find("index.html");
    assert_non_null(strstr(index->data, "name=\"viewport\" content=\"width="
                                        "device-width, initial-scale=1\""));
    assert_non_null(strstr(index->data, "<div class=\"table-wrap\">"));
    assert_non_null(strstr(index->data, "data-label=\"País\""));
}

/* Unpacks the pack into dir. */
static void unpack_briefing(const char *dir)
{
    for (size_t i = 0; i < n_zip_entries; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, zip_entries[i].name);
        for (char *slash = strchr(path + strlen(dir) + 1, '/'); slash;
             slash = strchr(slash + 1, '/')) {
            *slash = '\0';
            mkdir(path, 0755);
            *slash = '/';
        }
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fwrite(zip_entries[i].data, 1, zip_entries[i].len, f);
        fclose(f);
    }
}

/* Lays `page` out in a 390 px wide frame with Chromium and returns the
 * width of its content (document scrollWidth) and of the frame. */
static void measure_in_chromium(const char *dir, const char *page,
                                int *scroll_width, int *client_width)
{
    char probe[1024];
    snprintf(probe, sizeof probe, "%s/probe.html", dir);
    FILE *f = fopen(probe, "w");
    assert_non_null(f);
    fprintf(f,
            "<!DOCTYPE html><html><body style=\"margin:0\">"
            "<iframe id=\"f\" style=\"width:390px;height:844px;border:0\""
            " src=\"%s\"></iframe><script>document.getElementById('f')"
            ".addEventListener('load', function () {"
            " var e = this.contentDocument.documentElement;"
            " document.body.setAttribute('data-probe',"
            " e.scrollWidth + 'x' + e.clientWidth); });</script>"
            "</body></html>\n",
            page);
    fclose(f);
    char *dom = run_command(
        "/usr/bin/chromium --headless --no-sandbox --disable-gpu "
        "--hide-scrollbars --allow-file-access-from-files "
        "--virtual-time-budget=5000 --dump-dom 'file://%s' 2>/dev/null",
        probe);
    const char *probe_attr = strstr(dom, "data-probe=\"");
    assert_non_null(probe_attr);
    assert_int_equal(sscanf(probe_attr + strlen("data-probe=\""), "%dx%d",
                            scroll_width, client_width),
                     2);
    free(dom);
}

static void test_briefing_pages_fit_390px_in_chromium(void **unused)
{
    (void)unused;
    if (access("/usr/bin/chromium", X_OK) != 0) {
        fprintf(stderr, "skipped: /usr/bin/chromium is not installed\n");
        skip();
    }
    char dir[] = "/tmp/minga-briefing-XXXXXX";
    assert_non_null(mkdtemp(dir));
    unpack_briefing(dir);
    static const char *const pages[] = {
        "index.html", "cases/porto-alegre-orcamento-participativo.html",
        "cases/rosario-agricultura-urbana.html", "cases/hostile-title.html"};
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        int scroll_width = 0, client_width = 0;
        measure_in_chromium(dir, pages[i], &scroll_width, &client_width);
        fprintf(stderr, "%s: content %d px in a %d px frame\n", pages[i],
                scroll_width, client_width);
        assert_int_equal(client_width, 390);
        assert_true(scroll_width <= client_width);
    }
    char command[256];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    assert_int_equal(system(command), 0);
}

/* ---- Archive: the import layout, attachments included ------------------- */

static void test_archive_export_is_the_import_layout(void **unused)
{
    (void)unused;
    struct minga_export_ctx ctx;
    const char *media_type;
    assert_int_equal(
        fake_host_export(&ctx, MINGA_EXPORTER_ARCHIVE_PATH, "en", &media_type),
        MINGA_OK);
    assert_string_equal(media_type, "application/zip");
    struct zip_entry entries[16];
    size_t n_entries = 0;
    memset(entries, 0, sizeof entries);
    assert_int_equal(read_zip(&ctx, entries, 16, &n_entries), 0);
    /* Three case files and the one attachment, nothing else. */
    assert_int_equal(n_entries, N_FIXTURE_CASES + 1);
    for (int i = 0; i < N_FIXTURE_CASES; i++) {
        char name[160];
        snprintf(name, sizeof name, "cases/%s.json", case_ids[i]);
        const struct zip_entry *z = NULL;
        for (size_t j = 0; j < n_entries; j++)
            if (strcmp(entries[j].name, name) == 0)
                z = &entries[j];
        assert_non_null(z);
        json_error_t error;
        json_t *obj = json_loadb(z->data, z->len, 0, &error);
        check_case_object(obj, i);
        json_decref(obj);
    }
    const struct zip_entry *att = NULL;
    for (size_t j = 0; j < n_entries; j++)
        if (strcmp(entries[j].name, "cases/docs/relatório 2003.txt") == 0)
            att = &entries[j];
    assert_non_null(att);
    assert_string_equal(att->data, fixture_attachment);
    assert_int_equal(ctx.n_attachment_reads, 1);
    free_zip(entries, n_entries);
    free(ctx.data);
}

int main(void)
{
    const struct CMUnitTest streaming[] = {
        cmocka_unit_test(test_json_export_is_case_format_v1),
        cmocka_unit_test(test_jsonl_export_has_one_compact_case_per_line),
        cmocka_unit_test(test_csv_export_is_rfc4180_with_bom),
        cmocka_unit_test(test_csv_export_guards_formula_cells),
        cmocka_unit_test(test_briefing_cases_csv_guards_formula_cells),
        cmocka_unit_test(test_markdown_export_escapes_case_text),
        cmocka_unit_test(test_pdf_has_cover_charts_and_cases),
        cmocka_unit_test(test_pdf_flows_short_cases_and_has_contents),
        cmocka_unit_test(test_briefing_names_countries_and_filters_in_spanish),
        cmocka_unit_test(test_archive_export_is_the_import_layout),
    };
    const struct CMUnitTest briefing[] = {
        cmocka_unit_test(test_briefing_has_index_and_a_page_per_case),
        cmocka_unit_test(test_briefing_escapes_hostile_text),
        cmocka_unit_test(test_briefing_charts_are_valid_svg),
        cmocka_unit_test(test_briefing_manifest_digests_match),
        cmocka_unit_test(test_briefing_css_fits_a_phone),
        cmocka_unit_test(test_briefing_pages_fit_390px_in_chromium),
    };
    int n_failed =
        cmocka_run_group_tests_name("exporters", streaming, NULL, NULL);
    n_failed += cmocka_run_group_tests_name("briefing", briefing,
                                            setup_briefing, teardown_briefing);
    return n_failed ? 1 : 0;
}
