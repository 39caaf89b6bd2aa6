/*
 * Text extraction: the choice of extractor by file type, plain text and
 * Markdown, and the UTF-8 text buffer every extractor writes to.
 */
#define _GNU_SOURCE /* vasprintf */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>

#include "minga/plugin.h"
#include "extract_internal.h"

enum extract_kind {
    EXTRACT_PDF,
    EXTRACT_DOCX,
    EXTRACT_ODT,
    EXTRACT_HTML,
    EXTRACT_TXT,
    EXTRACT_MD
};

static const struct {
    const char *extension;
    enum extract_kind kind;
    const char *media_type;
} extract_types[] = {
    {".pdf", EXTRACT_PDF, "application/pdf"},
    {".docx", EXTRACT_DOCX,
     "application/vnd.openxmlformats-officedocument.wordprocessingml."
     "document"},
    {".odt", EXTRACT_ODT, "application/vnd.oasis.opendocument.text"},
    {".html", EXTRACT_HTML, "text/html"},
    {".htm", EXTRACT_HTML, "text/html"},
    {".txt", EXTRACT_TXT, "text/plain"},
    {".md", EXTRACT_MD, "text/markdown"},
    {".markdown", EXTRACT_MD, "text/markdown"},
};
#define EXTRACT_N_TYPES (sizeof(extract_types) / sizeof(extract_types[0]))

/* Index into extract_types, or -1. */
static int extract_type_of(const char *name)
{
    if (!name)
        return -1;
    size_t len = strlen(name);
    for (size_t i = 0; i < EXTRACT_N_TYPES; i++) {
        size_t n = strlen(extract_types[i].extension);
        if (len > n &&
            strcasecmp(name + len - n, extract_types[i].extension) == 0)
            return (int)i;
    }
    return -1;
}

const char *extract_media_type(const char *name)
{
    int t = extract_type_of(name);
    return t < 0 ? NULL : extract_types[t].media_type;
}

int extract_fail(char **errmsg, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    if (errmsg)
        *errmsg = msg;
    else
        free(msg);
    return code;
}

static pthread_once_t extract_xml_once = PTHREAD_ONCE_INIT;

static void extract_xml_init_once(void)
{
    xmlInitParser();
}

void extract_xml_init(void)
{
    pthread_once(&extract_xml_once, extract_xml_init_once);
}

/* ---- the text buffer ------------------------------------------------ */

void extract_buf_init(struct extract_buf *b)
{
    memset(b, 0, sizeof(*b));
    b->max_len = EXTRACT_MAX_TEXT;
}

void extract_buf_release(struct extract_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

/* Appends one whole character of `n` bytes, or marks the buffer full. */
static void extract_buf_put(struct extract_buf *b, const char *s, size_t n)
{
    if (b->is_full || b->has_oom)
        return;
    if (b->len + n > b->max_len) {
        b->is_full = 1;
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (cap > b->max_len + 1)
            cap = b->max_len + 1;
        char *p = realloc(b->data, cap);
        if (!p) {
            b->has_oom = 1;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t extract_utf8_seq(const unsigned char *s, size_t n)
{
    size_t need;
    uint32_t cp;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        need = 2;
        cp = s[0] & 0x1F;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        need = 3;
        cp = s[0] & 0x0F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        need = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (size_t k = 1; k < need; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3F);
    }
    if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return need;
}

static int extract_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

void extract_buf_append(struct extract_buf *b, const char *s, size_t n,
                        int collapse)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n && !b->is_full && !b->has_oom) {
        if (p[i] == '\0') {
            i++;
            continue;
        }
        if (collapse && extract_is_space(p[i])) {
            while (i < n && extract_is_space(p[i]))
                i++;
            if (b->len > 0 && b->data[b->len - 1] != ' ' &&
                b->data[b->len - 1] != '\n')
                extract_buf_put(b, " ", 1);
            continue;
        }
        size_t k = extract_utf8_seq(p + i, n - i);
        if (k == 0) {
            extract_buf_put(b, "\xEF\xBF\xBD", 3); /* U+FFFD */
            i++;
        } else {
            extract_buf_put(b, s + i, k);
            i += k;
        }
    }
}

void extract_buf_newline(struct extract_buf *b)
{
    if (b->len == 0 || b->data[b->len - 1] == '\n')
        return;
    if (b->data[b->len - 1] == ' ')
        b->len--; /* no trailing space on a line */
    extract_buf_put(b, "\n", 1);
}

int extract_buf_finish(struct extract_buf *b, char **out, char **errmsg)
{
    if (b->has_oom) {
        extract_buf_release(b);
        return extract_fail(errmsg, MINGA_ENOMEM, "out of memory");
    }
    if (!b->data) {
        b->data = strdup("");
        if (!b->data)
            return extract_fail(errmsg, MINGA_ENOMEM, "out of memory");
    }
    *out = b->data;
    memset(b, 0, sizeof(*b));
    return 0;
}

/* ---- plain text and Markdown ---------------------------------------- */

/* Taken as they are, but they must be valid UTF-8: the case format
 * refuses invalid UTF-8 rather than guess an encoding. */
static int extract_plain(const char *name, const void *data, size_t len,
                         char **out, char **errmsg)
{
    const unsigned char *p = data;
    size_t start = 0;
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        start = 3;
    for (size_t i = start; i < len;) {
        size_t k = p[i] ? extract_utf8_seq(p + i, len - i) : 0;
        if (k == 0)
            return extract_fail(errmsg, MINGA_EINVAL,
                                "%s: not valid UTF-8 text (byte %zu)", name,
                                i + 1);
        i += k;
    }
    struct extract_buf b;
    extract_buf_init(&b);
    extract_buf_append(&b, (const char *)p + start, len - start, 0);
    return extract_buf_finish(&b, out, errmsg);
}

int extract_text(const char *name, const void *data, size_t len,
                 char **text_out, const char **media_type_out, char **errmsg)
{
    int t = extract_type_of(name);
    if (t < 0)
        return extract_fail(errmsg, MINGA_EINVAL,
                            "%s: not an allowed attachment type (PDF, DOCX, "
                            "ODT, HTML, TXT or MD)",
                            name ? name : "(null)");
    static const char empty[1];
    if (!data)
        data = empty;
    char *text = NULL;
    int rc;
    switch (extract_types[t].kind) {
    case EXTRACT_PDF:
        rc = extract_pdf(name, data, len, &text, errmsg);
        break;
    case EXTRACT_DOCX:
        rc = extract_docx(name, data, len, &text, errmsg);
        break;
    case EXTRACT_ODT:
        rc = extract_odt(name, data, len, &text, errmsg);
        break;
    case EXTRACT_HTML:
        rc = extract_html(name, data, len, &text, errmsg);
        break;
    case EXTRACT_TXT:
    case EXTRACT_MD:
        rc = extract_plain(name, data, len, &text, errmsg);
        break;
    default:
        rc = extract_fail(errmsg, MINGA_EINTERNAL, "%s: no extractor", name);
        break;
    }
    if (rc != 0)
        return rc;
    *text_out = text;
    *media_type_out = extract_types[t].media_type;
    return 0;
}
