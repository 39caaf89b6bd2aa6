/*
 * A case body (CommonMark) as plain PDF paragraphs: cmark parses it and we
 * walk the blocks. Headings come out bold, list items with bullets or
 * numbers, emphasis and strong as Pango italic and bold, code in a
 * monospaced font; raw HTML is dropped and images keep their alt text.
 * Every literal is markup-escaped, so the body cannot inject Pango markup.
 */
#include <string.h>

#include <cmark.h>

#include "pdf.h"

/* Appends the inline content of `block` to `markup` as Pango markup. */
static void inline_markup(GString *markup, cmark_node *block)
{
    cmark_iter *iter = cmark_iter_new(block);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
        cmark_node *node = cmark_iter_get_node(iter);
        int is_enter = ev == CMARK_EVENT_ENTER;
        switch (cmark_node_get_type(node)) {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE: {
            const char *literal = cmark_node_get_literal(node);
            char *escaped = g_markup_escape_text(literal ? literal : "", -1);
            if (cmark_node_get_type(node) == CMARK_NODE_CODE)
                g_string_append_printf(markup, "<tt>%s</tt>", escaped);
            else
                g_string_append(markup, escaped);
            g_free(escaped);
            break;
        }
        case CMARK_NODE_SOFTBREAK:
            g_string_append_c(markup, ' ');
            break;
        case CMARK_NODE_LINEBREAK:
            g_string_append_c(markup, '\n');
            break;
        case CMARK_NODE_EMPH:
            g_string_append(markup, is_enter ? "<i>" : "</i>");
            break;
        case CMARK_NODE_STRONG:
            g_string_append(markup, is_enter ? "<b>" : "</b>");
            break;
        default: /* links keep their text; raw HTML is dropped */
            break;
        }
    }
    cmark_iter_free(iter);
}

/* Walks the blocks under `parent`. `indent` grows with lists and quotes;
 * `bullet` is written before the first paragraph of a list item. Returns
 * 0 once the case is out of pages. */
static int blocks(struct pdf_doc *doc, cmark_node *parent, double indent,
                  const char *bullet)
{
    for (cmark_node *node = cmark_node_first_child(parent); node;
         node = cmark_node_next(node)) {
        GString *markup = g_string_new(NULL);
        enum pdf_style style = PDF_BODY;
        int is_leaf = 1;
        double space_after = 6.0;
        switch (cmark_node_get_type(node)) {
        case CMARK_NODE_PARAGRAPH:
            inline_markup(markup, node);
            break;
        case CMARK_NODE_HEADING:
            /* Below the case's own "Description" heading (PDF_H2). */
            if (cmark_node_get_heading_level(node) <= 2) {
                style = PDF_H3;
                inline_markup(markup, node);
            } else {
                g_string_append(markup, "<b>");
                inline_markup(markup, node);
                g_string_append(markup, "</b>");
            }
            space_after = 4.0;
            break;
        case CMARK_NODE_CODE_BLOCK: {
            char *escaped = g_markup_escape_text(
                cmark_node_get_literal(node) ? cmark_node_get_literal(node)
                                             : "",
                -1);
            g_string_append(markup, escaped);
            g_free(escaped);
            while (markup->len > 0 && markup->str[markup->len - 1] == '\n')
                g_string_truncate(markup, markup->len - 1);
            style = PDF_CODE;
            break;
        }
        case CMARK_NODE_THEMATIC_BREAK:
            g_string_append(markup, "⁂");
            break;
        case CMARK_NODE_LIST: {
            is_leaf = 0;
            int is_ordered =
                cmark_node_get_list_type(node) == CMARK_ORDERED_LIST;
            int number = cmark_node_get_list_start(node);
            for (cmark_node *item = cmark_node_first_child(node); item;
                 item = cmark_node_next(item), number++) {
                char mark[32];
                if (is_ordered)
                    snprintf(mark, sizeof mark, "%d.", number);
                else
                    snprintf(mark, sizeof mark, "•");
                if (!blocks(doc, item, indent + 14.0, mark)) {
                    g_string_free(markup, TRUE);
                    return 0;
                }
            }
            doc->y += 4.0;
            break;
        }
        case CMARK_NODE_BLOCK_QUOTE:
            is_leaf = 0;
            if (!blocks(doc, node, indent + 14.0, NULL)) {
                g_string_free(markup, TRUE);
                return 0;
            }
            break;
        default: /* HTML blocks: dropped, as in safe HTML rendering */
            is_leaf = 0;
            break;
        }
        int is_ok = 1;
        if (is_leaf && markup->len > 0) {
            if (bullet) {
                /* The mark hangs in the indent, left of the text. */
                GString *with_mark = g_string_new(NULL);
                char *escaped = g_markup_escape_text(bullet, -1);
                g_string_append_printf(with_mark, "%s\t%s", escaped,
                                       markup->str);
                g_free(escaped);
                is_ok = pdf_text(doc, style, with_mark->str, 1, indent - 14.0,
                                 14.0, 3.0);
                g_string_free(with_mark, TRUE);
                bullet = NULL;
            } else {
                is_ok = pdf_text(doc, style, markup->str, 1, indent, 0.0,
                                 space_after);
            }
        }
        g_string_free(markup, TRUE);
        if (!is_ok)
            return 0;
    }
    return 1;
}

int pdf_markdown(struct pdf_doc *doc, const char *body)
{
    cmark_node *root =
        cmark_parse_document(body, strlen(body), CMARK_OPT_DEFAULT);
    if (!root)
        return -1;
    int rc = blocks(doc, root, 0.0, NULL);
    cmark_node_free(root);
    return rc;
}
