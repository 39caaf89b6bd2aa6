/*
 * Text of XML-based documents: DOCX (word/document.xml), ODT (content.xml)
 * and HTML. The zip containers are read in memory with libarchive, the XML
 * with libxml2 under its default limits: no network (XML_PARSE_NONET), no
 * entity expansion (XML_PARSE_NOENT is not set and entity references are
 * not followed), no external DTD, no XML_PARSE_HUGE. The part read from a
 * zip is capped at EXTRACT_MAX_XML bytes, counted as decompressed.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "minga/plugin.h"
#include "extract_internal.h"

#define EXTRACT_MAX_XML (64u * 1024 * 1024)
#define EXTRACT_MAX_ZIP_ENTRIES 10000
#define EXTRACT_XML_OPTIONS                                                   \
    (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

#define ODT_TEXT_NS "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
#define ODT_OFFICE_NS "urn:oasis:names:tc:opendocument:xmlns:office:1.0"

/* Reads the zip member `member` of a document into a new buffer. */
static int extract_zip_member(const char *name, const char *kind,
                              const void *data, size_t len, const char *member,
                              char **out, size_t *out_len, char **errmsg)
{
    struct archive *a = archive_read_new();
    if (!a)
        return extract_fail(errmsg, MINGA_ENOMEM, "out of memory");
    archive_read_support_format_zip(a);
    int rc = MINGA_EINVAL;
    if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
        rc = extract_fail(errmsg, MINGA_EINVAL,
                          "%s: not a %s file (not a zip; it may be "
                          "encrypted or corrupt): %s",
                          name, kind, archive_error_string(a));
        goto out;
    }
    struct archive_entry *e;
    for (int n = 0;; n++) {
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF || n >= EXTRACT_MAX_ZIP_ENTRIES) {
            rc = extract_fail(errmsg, MINGA_EINVAL,
                              "%s: not a %s file (no %s inside)", name, kind,
                              member);
            goto out;
        }
        if (r < ARCHIVE_WARN) {
            rc = extract_fail(errmsg, MINGA_EINVAL,
                              "%s: not a readable %s file (it may be "
                              "encrypted or corrupt): %s",
                              name, kind, archive_error_string(a));
            goto out;
        }
        const char *path = archive_entry_pathname(e);
        if (path && strcmp(path, member) == 0)
            break;
    }
    if (archive_entry_is_encrypted(e)) {
        rc = extract_fail(errmsg, MINGA_EINVAL, "%s: the %s is encrypted",
                          name, kind);
        goto out;
    }
    char *buf = NULL;
    size_t n_read = 0, cap = 0;
    for (;;) {
        if (cap - n_read < 65536) {
            size_t grown = cap ? cap * 2 : 65536;
            if (grown > EXTRACT_MAX_XML + 65536)
                grown = EXTRACT_MAX_XML + 65536;
            char *p = realloc(buf, grown);
            if (!p) {
                free(buf);
                rc = extract_fail(errmsg, MINGA_ENOMEM, "out of memory");
                goto out;
            }
            buf = p;
            cap = grown;
        }
        la_ssize_t n = archive_read_data(a, buf + n_read, cap - n_read);
        if (n == 0)
            break;
        if (n < 0) {
            free(buf);
            rc = extract_fail(errmsg, MINGA_EINVAL,
                              "%s: cannot read %s (corrupt or encrypted): "
                              "%s",
                              name, member, archive_error_string(a));
            goto out;
        }
        n_read += (size_t)n;
        if (n_read > EXTRACT_MAX_XML) {
            free(buf);
            rc = extract_fail(errmsg, MINGA_EINVAL,
                              "%s: %s is larger than %u bytes", name, member,
                              EXTRACT_MAX_XML);
            goto out;
        }
    }
    *out = buf;
    *out_len = n_read;
    rc = 0;
out:
    archive_read_free(a);
    return rc;
}

/* What a format does with the nodes of a document. */
struct extract_walk {
    struct extract_buf *buf;
    /* 1: descend into this element; 0: skip its subtree. Called before
     * its children; may write to buf. */
    int (*enter)(struct extract_walk *w, xmlNode *element);
    /* Called after its children. */
    void (*leave)(struct extract_walk *w, xmlNode *element);
    /* 1 when a text node's content (parent is its element) is text. */
    int (*is_text)(xmlNode *parent);
    int collapse;
};

static int extract_is(const xmlNode *n, const char *local)
{
    return n && n->type == XML_ELEMENT_NODE &&
           strcmp((const char *)n->name, local) == 0;
}

static int extract_in_ns(const xmlNode *n, const char *href)
{
    return n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, href) == 0;
}

/* Depth-first, without recursion: libxml2 allows deep trees. */
static void extract_walk_tree(struct extract_walk *w, xmlNode *root)
{
    xmlNode *n = root;
    if (!n)
        return;
    for (;;) {
        int descend = 0;
        if (n->type == XML_ELEMENT_NODE) {
            descend = w->enter(w, n);
        } else if (n->type == XML_TEXT_NODE ||
                   n->type == XML_CDATA_SECTION_NODE) {
            if (n->content && w->is_text(n->parent))
                extract_buf_append(w->buf, (const char *)n->content,
                                   strlen((const char *)n->content),
                                   w->collapse);
        }
        if (w->buf->is_full || w->buf->has_oom)
            return;
        if (descend && n->children) {
            n = n->children;
            continue;
        }
        if (n->type == XML_ELEMENT_NODE && descend)
            w->leave(w, n);
        while (n != root && !n->next) {
            n = n->parent;
            if (n->type == XML_ELEMENT_NODE)
                w->leave(w, n);
        }
        if (n == root)
            return;
        n = n->next;
    }
}

/* Parses an XML part; on failure the document is called corrupt. */
static int extract_xml_parse(const char *name, const char *kind,
                             const char *xml, size_t len, xmlDoc **out,
                             char **errmsg)
{
    extract_xml_init();
    xmlDoc *doc =
        xmlReadMemory(xml, (int)len, NULL, NULL, EXTRACT_XML_OPTIONS);
    if (!doc)
        return extract_fail(errmsg, MINGA_EINVAL,
                            "%s: not a readable %s file (its XML is "
                            "malformed or encrypted)",
                            name, kind);
    *out = doc;
    return 0;
}

/* ---- DOCX ----------------------------------------------------------- */

static int docx_enter(struct extract_walk *w, xmlNode *e)
{
    if (extract_is(e, "tab"))
        extract_buf_append(w->buf, "\t", 1, 0);
    else if (extract_is(e, "br") || extract_is(e, "cr"))
        extract_buf_append(w->buf, "\n", 1, 0);
    return 1;
}

static void docx_leave(struct extract_walk *w, xmlNode *e)
{
    if (extract_is(e, "p"))
        extract_buf_newline(w->buf);
}

/* w:t (and m:t, a:t inside drawings); not w:delText nor w:instrText. */
static int docx_is_text(xmlNode *parent)
{
    return extract_is(parent, "t");
}

int extract_docx(const char *name, const void *data, size_t len, char **out,
                 char **errmsg)
{
    char *xml = NULL;
    size_t xml_len = 0;
    int rc = extract_zip_member(name, "DOCX", data, len, "word/document.xml",
                                &xml, &xml_len, errmsg);
    if (rc != 0)
        return rc;
    xmlDoc *doc = NULL;
    rc = extract_xml_parse(name, "DOCX", xml, xml_len, &doc, errmsg);
    free(xml);
    if (rc != 0)
        return rc;
    struct extract_buf b;
    extract_buf_init(&b);
    struct extract_walk w = {&b, docx_enter, docx_leave, docx_is_text, 0};
    extract_walk_tree(&w, xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    return extract_buf_finish(&b, out, errmsg);
}

/* ---- ODT ------------------------------------------------------------ */

static int odt_enter(struct extract_walk *w, xmlNode *e)
{
    if (!extract_in_ns(e, ODT_TEXT_NS))
        return !(extract_in_ns(e, ODT_OFFICE_NS) &&
                 extract_is(e, "annotation"));
    if (extract_is(e, "tab")) {
        extract_buf_append(w->buf, "\t", 1, 0);
    } else if (extract_is(e, "line-break")) {
        extract_buf_append(w->buf, "\n", 1, 0);
    } else if (extract_is(e, "s")) {
        xmlChar *c = xmlGetNsProp(e, (const xmlChar *)"c",
                                  (const xmlChar *)ODT_TEXT_NS);
        long count = c ? strtol((const char *)c, NULL, 10) : 1;
        xmlFree(c);
        if (count < 1)
            count = 1;
        if (count > 64)
            count = 64;
        for (long i = 0; i < count; i++)
            extract_buf_append(w->buf, " ", 1, 0);
    } else if (extract_is(e, "note-citation")) {
        return 0;
    }
    return 1;
}

static void odt_leave(struct extract_walk *w, xmlNode *e)
{
    if (extract_in_ns(e, ODT_TEXT_NS) &&
        (extract_is(e, "p") || extract_is(e, "h")))
        extract_buf_newline(w->buf);
}

/* Text lives in text:p, text:h and the text:* spans inside them. */
static int odt_is_text(xmlNode *parent)
{
    return parent && parent->type == XML_ELEMENT_NODE &&
           extract_in_ns(parent, ODT_TEXT_NS);
}

int extract_odt(const char *name, const void *data, size_t len, char **out,
                char **errmsg)
{
    char *xml = NULL;
    size_t xml_len = 0;
    int rc = extract_zip_member(name, "ODT", data, len, "content.xml", &xml,
                                &xml_len, errmsg);
    if (rc != 0)
        return rc;
    xmlDoc *doc = NULL;
    rc = extract_xml_parse(name, "ODT", xml, xml_len, &doc, errmsg);
    free(xml);
    if (rc != 0)
        return rc;
    xmlNode *body = xmlDocGetRootElement(doc);
    for (body = body ? body->children : NULL; body; body = body->next)
        if (extract_is(body, "body") && extract_in_ns(body, ODT_OFFICE_NS))
            break;
    struct extract_buf b;
    extract_buf_init(&b);
    struct extract_walk w = {&b, odt_enter, odt_leave, odt_is_text, 0};
    if (body)
        extract_walk_tree(&w, body);
    xmlFreeDoc(doc);
    return extract_buf_finish(&b, out, errmsg);
}

/* ---- HTML ----------------------------------------------------------- */

static int html_is_block(const xmlNode *e)
{
    static const char *const blocks[] = {
        "p",       "div",     "br",     "li",     "ul",         "ol",
        "dl",      "dt",      "dd",     "h1",     "h2",         "h3",
        "h4",      "h5",      "h6",     "tr",     "table",      "title",
        "section", "article", "header", "footer", "blockquote", "pre",
        "hr",      "main",    "nav",    "aside",  "figure",     "figcaption",
        "address", NULL};
    for (size_t i = 0; blocks[i]; i++)
        if (strcmp((const char *)e->name, blocks[i]) == 0)
            return 1;
    return 0;
}

static int html_enter(struct extract_walk *w, xmlNode *e)
{
    const char *tag = (const char *)e->name;
    if (strcmp(tag, "script") == 0 || strcmp(tag, "style") == 0 ||
        strcmp(tag, "template") == 0)
        return 0;
    if (html_is_block(e))
        extract_buf_newline(w->buf);
    else if (strcmp(tag, "td") == 0 || strcmp(tag, "th") == 0)
        extract_buf_append(w->buf, " ", 1, 1);
    return 1;
}

static void html_leave(struct extract_walk *w, xmlNode *e)
{
    if (html_is_block(e))
        extract_buf_newline(w->buf);
}

static int html_is_text(xmlNode *parent)
{
    (void)parent;
    return 1;
}

int extract_html(const char *name, const void *data, size_t len, char **out,
                 char **errmsg)
{
    if (len > EXTRACT_MAX_XML)
        return extract_fail(errmsg, MINGA_EINVAL,
                            "%s: HTML file larger than %u bytes", name,
                            EXTRACT_MAX_XML);
    extract_xml_init();
    struct extract_buf b;
    extract_buf_init(&b);
    if (len == 0)
        return extract_buf_finish(&b, out, errmsg);
    htmlDocPtr doc = htmlReadMemory(data, (int)len, NULL, NULL,
                                    HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                        HTML_PARSE_NOWARNING);
    if (!doc)
        return extract_fail(errmsg, MINGA_EINVAL,
                            "%s: not a readable HTML file", name);
    struct extract_walk w = {&b, html_enter, html_leave, html_is_text, 1};
    extract_walk_tree(&w, xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    return extract_buf_finish(&b, out, errmsg);
}
