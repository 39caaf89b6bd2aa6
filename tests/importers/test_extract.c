/*
 * Attachment text extraction (core/extract) on documents built here: a PDF
 * drawn with cairo, a DOCX and an ODT zipped from minimal XML parts, HTML
 * with a script, and files that must be refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <cairo-pdf.h>
#include <cairo.h>

#include "minga/plugin.h"
#include "extract.h"

struct blob {
    unsigned char *data;
    size_t len;
};

static void blob_append(struct blob *b, const void *data, size_t n)
{
    b->data = realloc(b->data, b->len + n + 1);
    assert_non_null(b->data);
    memcpy(b->data + b->len, data, n);
    b->len += n;
}

static cairo_status_t pdf_write(void *arg, const unsigned char *data,
                                unsigned int n)
{
    blob_append(arg, data, n);
    return CAIRO_STATUS_SUCCESS;
}

static la_ssize_t zip_write(struct archive *a, void *arg, const void *buf,
                            size_t n)
{
    (void)a;
    blob_append(arg, buf, n);
    return (la_ssize_t)n;
}

/* A zip of one XML part, as a minimal DOCX or ODT. */
static struct blob build_zip(const char *part, const char *xml)
{
    struct blob b = {0};
    struct archive *a = archive_write_new();
    archive_write_set_format_zip(a);
    assert_int_equal(archive_write_open(a, &b, NULL, zip_write, NULL),
                     ARCHIVE_OK);
    const char *parts[2][2] = {{"mimetype", "application/zip"}, {part, xml}};
    for (int i = 0; i < 2; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, parts[i][0]);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)strlen(parts[i][1]));
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        archive_write_data(a, parts[i][1], strlen(parts[i][1]));
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    return b;
}

static char *extract_ok(const char *name, const void *data, size_t len,
                        const char *media_type)
{
    char *text = NULL, *err = NULL;
    const char *type = NULL;
    int rc = extract_text(name, data, len, &text, &type, &err);
    if (rc != 0)
        fail_msg("%s: %s", name, err ? err : "?");
    assert_string_equal(type, media_type);
    assert_non_null(text);
    return text;
}

static char *extract_error(const char *name, const void *data, size_t len)
{
    char *text = NULL, *err = NULL;
    const char *type = NULL;
    assert_int_equal(extract_text(name, data, len, &text, &type, &err),
                     MINGA_EINVAL);
    assert_null(text);
    assert_non_null(err);
    return err;
}

static void test_extract_pdf_text(void **state)
{
    (void)state;
    struct blob pdf = {0};
    cairo_surface_t *s =
        cairo_pdf_surface_create_for_stream(pdf_write, &pdf, 595, 842);
    cairo_t *cr = cairo_create(s);
    cairo_select_font_face(cr, "sans", CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 14);
    cairo_move_to(cr, 50, 100);
    cairo_show_text(cr, "Participatory budgeting in Rosario");
    cairo_show_page(cr);
    cairo_move_to(cr, 50, 100);
    cairo_show_text(cr, "Second page");
    cairo_destroy(cr);
    cairo_surface_destroy(s); /* finishes the PDF */

    char *text =
        extract_ok("informe.PDF", pdf.data, pdf.len, "application/pdf");
    assert_non_null(strstr(text, "Participatory budgeting in Rosario"));
    assert_non_null(strstr(text, "Second page"));
    free(text);

    /* Cut in half, it is corrupt. */
    char *err = extract_error("informe.pdf", pdf.data, pdf.len / 2);
    assert_non_null(strstr(err, "informe.pdf: not a readable PDF"));
    free(err);
    free(pdf.data);
}

static void test_extract_rejects_garbage_pdf(void **state)
{
    (void)state;
    const char junk[] = "%PDF-1.7\nthis is not a PDF at all\n";
    char *err = extract_error("x.pdf", junk, sizeof(junk) - 1);
    assert_non_null(strstr(err, "x.pdf:"));
    free(err);
}

static void test_extract_docx_text(void **state)
{
    (void)state;
    struct blob docx = build_zip(
        "word/document.xml",
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
        "<w:document xmlns:w=\"http://schemas.openxmlformats.org/"
        "wordprocessingml/2006/main\"><w:body>"
        "<w:p><w:r><w:t>Presupuesto participativo</w:t></w:r></w:p>"
        "<w:p><w:r><w:t xml:space=\"preserve\">en </w:t></w:r>"
        "<w:r><w:delText>borrado</w:delText><w:t>Rosario</w:t></w:r></w:p>"
        "</w:body></w:document>");
    char *text = extract_ok(
        "plan.docx", docx.data, docx.len,
        "application/vnd.openxmlformats-officedocument.wordprocessingml."
        "document");
    assert_string_equal(text, "Presupuesto participativo\nen Rosario\n");
    free(text);
    free(docx.data);

    /* A zip that is not a DOCX. */
    struct blob other = build_zip("other.xml", "<a/>");
    char *err = extract_error("plan.docx", other.data, other.len);
    assert_non_null(strstr(err, "no word/document.xml inside"));
    free(err);
    free(other.data);
}

static void test_extract_docx_does_not_expand_entities(void **state)
{
    (void)state;
    struct blob docx =
        build_zip("word/document.xml",
                  "<?xml version=\"1.0\"?><!DOCTYPE w:document ["
                  "<!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">"
                  "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
                  "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
                  "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">"
                  "<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
                  "<w:document xmlns:w=\"http://schemas.openxmlformats.org/"
                  "wordprocessingml/2006/main\"><w:body><w:p><w:r>"
                  "<w:t>x&d;&e;y</w:t></w:r></w:p></w:body></w:document>");
    char *text = NULL, *err = NULL;
    const char *type = NULL;
    int rc =
        extract_text("bomb.docx", docx.data, docx.len, &text, &type, &err);
    if (rc == 0) {
        assert_true(strlen(text) < 100);
        assert_null(strstr(text, "root:"));
    }
    free(text);
    free(err);
    free(docx.data);
}

static void test_extract_odt_text(void **state)
{
    (void)state;
    struct blob odt = build_zip(
        "content.xml",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        "<office:document-content xmlns:office=\"urn:oasis:names:tc:"
        "opendocument:xmlns:office:1.0\" xmlns:text=\"urn:oasis:names:tc:"
        "opendocument:xmlns:text:1.0\"><office:automatic-styles/>"
        "<office:body><office:text><text:h>Huertas urbanas</text:h>"
        "<text:p>Agua<text:s text:c=\"2\"/><text:span>limpia</text:span>"
        "</text:p></office:text></office:body></office:document-content>");
    char *text = extract_ok("huertas.odt", odt.data, odt.len,
                            "application/vnd.oasis.opendocument.text");
    assert_string_equal(text, "Huertas urbanas\nAgua  limpia\n");
    free(text);
    free(odt.data);

    const char not_zip[] = "this is not a zip";
    char *err = extract_error("huertas.odt", not_zip, sizeof(not_zip) - 1);
    assert_non_null(strstr(err, "huertas.odt: not a ODT file"));
    free(err);
}

static void test_extract_html_without_script(void **state)
{
    (void)state;
    const char html[] =
        "<!DOCTYPE html><html><head><title>Informe</title>"
        "<style>.secret { color: red }</style>"
        "<script>var secret = 'do not index';</script></head>"
        "<body><h1>Movilidad   sostenible</h1><p>Bicicletas en "
        "<b>Bogot\xc3\xa1</b></p><script>alert('do not index')</script>"
        "</body></html>";
    char *text =
        extract_ok("informe.html", html, sizeof(html) - 1, "text/html");
    assert_non_null(strstr(text, "Informe"));
    assert_non_null(strstr(text, "Movilidad sostenible"));
    assert_non_null(strstr(text, "Bicicletas en Bogot\xc3\xa1"));
    assert_null(strstr(text, "do not index"));
    assert_null(strstr(text, "secret"));
    free(text);
}

static void test_extract_plain_text(void **state)
{
    (void)state;
    char *text =
        extract_ok("notas.txt", "\xEF\xBB\xBFol\xc3\xa1", 7, "text/plain");
    assert_string_equal(text, "ol\xc3\xa1");
    free(text);
    text = extract_ok("LEEME.md", "# T\n", 4, "text/markdown");
    assert_string_equal(text, "# T\n");
    free(text);
    text = extract_ok("vacio.txt", "", 0, "text/plain");
    assert_string_equal(text, "");
    free(text);

    char *err = extract_error("latin1.txt", "ol\xe1", 3);
    assert_non_null(strstr(err, "latin1.txt: not valid UTF-8 text (byte 3)"));
    free(err);
}

static void test_extract_caps_text_at_char_boundary(void **state)
{
    (void)state;
    size_t len = EXTRACT_MAX_TEXT + 1001; /* 2-byte chars, cut mid-char */
    char *big = malloc(len);
    for (size_t i = 0; i + 1 < len; i += 2) {
        big[i] = '\xc3';
        big[i + 1] = '\xa1';
    }
    big[len - 1] = 'x';
    char *text = extract_ok("big.txt", big, len, "text/plain");
    size_t n = strlen(text);
    assert_true(n <= EXTRACT_MAX_TEXT);
    assert_true(n >= EXTRACT_MAX_TEXT - 1);
    assert_int_equal(n % 2, 0);
    assert_int_equal((unsigned char)text[n - 1], 0xa1);
    free(text);
    free(big);
}

static void test_extract_media_types(void **state)
{
    (void)state;
    assert_string_equal(extract_media_type("a/b/Informe.HTM"), "text/html");
    assert_string_equal(extract_media_type("x.md"), "text/markdown");
    assert_null(extract_media_type("x.exe"));
    assert_null(extract_media_type("pdf"));
    assert_null(extract_media_type("x.json"));
    char *err = extract_error("x.exe", "MZ", 2);
    assert_non_null(strstr(err, "not an allowed attachment type"));
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract_pdf_text),
        cmocka_unit_test(test_extract_rejects_garbage_pdf),
        cmocka_unit_test(test_extract_docx_text),
        cmocka_unit_test(test_extract_docx_does_not_expand_entities),
        cmocka_unit_test(test_extract_odt_text),
        cmocka_unit_test(test_extract_html_without_script),
        cmocka_unit_test(test_extract_plain_text),
        cmocka_unit_test(test_extract_caps_text_at_char_boundary),
        cmocka_unit_test(test_extract_media_types),
    };
    int n_failed = cmocka_run_group_tests(tests, NULL, NULL);
    cairo_debug_reset_static_data(); /* for LeakSanitizer */
    return n_failed;
}
