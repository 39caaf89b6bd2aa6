/*
 * PDF text with poppler-glib, read from memory: every page's text, pages
 * separated by a line break. Poppler's text is not guaranteed to be valid
 * UTF-8 (broken font maps), so it goes through the sanitizing buffer.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <poppler.h>

#include "minga/plugin.h"
#include "extract_internal.h"

int extract_pdf(const char *name, const void *data, size_t len, char **out,
                char **errmsg)
{
    if (len < 5)
        return extract_fail(errmsg, MINGA_EINVAL,
                            "%s: not a PDF file (too short)", name);
    /* The bytes outlive the document: no copy needed. */
    GBytes *bytes = g_bytes_new_static(data, len);
    GError *error = NULL;
    PopplerDocument *doc =
        poppler_document_new_from_bytes(bytes, NULL, &error);
    g_bytes_unref(bytes);
    if (!doc) {
        int rc;
        if (error && error->domain == POPPLER_ERROR &&
            error->code == POPPLER_ERROR_ENCRYPTED)
            rc = extract_fail(errmsg, MINGA_EINVAL,
                              "%s: the PDF is password-protected", name);
        else
            rc = extract_fail(errmsg, MINGA_EINVAL,
                              "%s: not a readable PDF file: %s", name,
                              error ? error->message : "unknown error");
        if (error)
            g_error_free(error);
        return rc;
    }

    struct extract_buf b;
    extract_buf_init(&b);
    int n_pages = poppler_document_get_n_pages(doc);
    for (int i = 0; i < n_pages && !b.is_full && !b.has_oom; i++) {
        PopplerPage *page = poppler_document_get_page(doc, i);
        if (!page)
            continue;
        char *text = poppler_page_get_text(page);
        if (text) {
            extract_buf_append(&b, text, strlen(text), 0);
            extract_buf_newline(&b);
            g_free(text);
        }
        g_object_unref(page);
    }
    g_object_unref(doc);
    return extract_buf_finish(&b, out, errmsg);
}
