/*
 * One case in the PDF, below the one before it (a rule between them): a
 * new page only when its title, place and goals would not fit on what is
 * left of this one. A case uses at most two pages' worth of height; a
 * body that does not fit is cut with a note saying so. Also the case's
 * line in the contents. Case strings are drawn as plain text or
 * markup-escaped, never parsed as markup.
 */
#include <stdio.h>
#include <string.h>

#include <cairo-pdf.h>

#include "labels.h"
#include "pdf.h"

/* "<b>Label:</b> a, b, c" with every piece escaped. */
static void meta_line(struct pdf_doc *doc, enum exp_label label,
                      const char *const *items, size_t n_items)
{
    if (n_items == 0 || doc->is_truncated)
        return;
    GString *markup = g_string_new(NULL);
    char *escaped = g_markup_escape_text(exp_label(label, doc->lang), -1);
    g_string_append_printf(markup, "<b>%s:</b> ", escaped);
    g_free(escaped);
    for (size_t i = 0; i < n_items; i++) {
        escaped = g_markup_escape_text(items[i] ? items[i] : "", -1);
        g_string_append_printf(markup, "%s%s", i ? ", " : "", escaped);
        g_free(escaped);
    }
    pdf_text(doc, PDF_BODY, markup->str, 1, 0.0, 0.0, 3.0);
    g_string_free(markup, TRUE);
}

/* "City, Region · Country · 1989–2004" in a new GString. */
static GString *place_text(const struct pdf_doc *doc,
                           const struct minga_case *c)
{
    GString *text = g_string_new(c->city);
    if (c->region)
        g_string_append_printf(text, ", %s", c->region);
    g_string_append_printf(text, " · %s",
                           exp_country_name(doc->l10n, c->country));
    if (c->year_end && c->year_end != c->year_start)
        g_string_append_printf(text, " · %d–%d", c->year_start, c->year_end);
    else
        g_string_append_printf(text, " · %d", c->year_start);
    return text;
}

static void place_line(struct pdf_doc *doc, const struct minga_case *c)
{
    GString *text = place_text(doc, c);
    pdf_text(doc, PDF_MUTED, text->str, 0, 0.0, 0.0, 8.0);
    g_string_free(text, TRUE);
}

/* The height of text in a style at the full width, for keep-together. */
static double text_height(struct pdf_doc *doc, enum pdf_style style,
                          const char *text, int is_markup, double width)
{
    PangoLayout *layout = pdf_layout_new(doc, style, width);
    if (is_markup)
        pango_layout_set_markup(layout, text, -1);
    else
        pango_layout_set_text(layout, text, -1);
    int w, h;
    pango_layout_get_size(layout, &w, &h);
    g_object_unref(layout);
    return pango_units_to_double(h);
}

static void heading(struct pdf_doc *doc, enum exp_label label)
{
    if (!pdf_ensure(doc, 40.0)) /* keep a heading with its first line */
        return;
    doc->y += 6.0;
    pdf_text(doc, PDF_H2, exp_label(label, doc->lang), 0, 0.0, 0.0, 4.0);
}

int pdf_case(struct pdf_doc *doc, const struct minga_case *c)
{
    doc->case_budget = 0;
    doc->is_truncated = 0;
    /* Keep the title, the place, the goals and a first line together. */
    double head = text_height(doc, PDF_H1, c->title, 0, PDF_CONTENT_W) + 4.0 +
                  24.0 + 25.0 + 30.0;
    if (!doc->is_page_blank) {
        if (doc->y + 24.0 + head > PDF_BOTTOM) {
            pdf_page_new(doc);
        } else {
            doc->y += 10.0;
            cairo_set_source_rgb(doc->cr, 0.85, 0.85, 0.85);
            cairo_rectangle(doc->cr, PDF_MARGIN_X, doc->y, PDF_CONTENT_W, 0.8);
            cairo_fill(doc->cr);
            doc->y += 14.0;
        }
    }
    doc->case_page = doc->page_no;
    doc->case_y = doc->y;
    doc->case_budget = PDF_CASE_BUDGET;
    if (!doc->is_measuring && c->title) { /* the reader's bookmarks */
        char link[64];
        snprintf(link, sizeof link, "page=%d pos=[%.0f %.0f]", doc->page_no,
                 PDF_MARGIN_X, doc->y);
        cairo_pdf_surface_add_outline(doc->surface, CAIRO_PDF_OUTLINE_ROOT,
                                      c->title, link, 0);
    }

    pdf_text(doc, PDF_H1, c->title, 0, 0.0, 0.0, 4.0);
    place_line(doc, c);
    pdf_goal_chips(doc, c->goal_mask);

    meta_line(doc, EXP_L_TARGETS, c->targets, c->n_targets);
    const char *names[32];
    size_t n_names = 0;
    for (unsigned i = 0; i < MINGA_N_LEVELS; i++)
        if (c->level_mask & (1u << i))
            names[n_names++] = exp_level_label(i, doc->lang);
    meta_line(doc, EXP_L_LEVELS, names, n_names);
    n_names = 0;
    for (unsigned i = 0; i < MINGA_N_ACTORS; i++)
        if (c->actor_mask & (1u << i))
            names[n_names++] = exp_actor_label(i, doc->lang);
    meta_line(doc, EXP_L_ACTORS, names, n_names);
    meta_line(doc, EXP_L_TAGS, c->tags, c->n_tags);
    if (c->source_url)
        meta_line(doc, EXP_L_SOURCE, &c->source_url, 1);
    if (c->license)
        meta_line(doc, EXP_L_LICENSE, &c->license, 1);

    heading(doc, EXP_L_SUMMARY);
    pdf_text(doc, PDF_BODY, c->summary, 0, 0.0, 0.0, 6.0);
    if (c->body && *c->body && !doc->is_truncated) {
        heading(doc, EXP_L_BODY);
        pdf_markdown(doc, c->body);
    }
    doc->case_budget = 0;
    return doc->case_page;
}

void pdf_toc_entry(struct pdf_doc *doc, const struct minga_case *c, int page)
{
    const double number_w = 36.0;
    char *title = g_markup_escape_text(c->title ? c->title : "", -1);
    GString *place = place_text(doc, c);
    char *place_escaped = g_markup_escape_text(place->str, -1);
    char *markup = g_strdup_printf("<b>%s</b>\n<span size=\"smaller\" "
                                   "foreground=\"#5f5f5f\">%s</span>",
                                   title, place_escaped);
    double height =
        text_height(doc, PDF_BODY, markup, 1, PDF_CONTENT_W - number_w);
    pdf_ensure(doc, height);
    double top = doc->y;
    if (!doc->is_measuring && page > 0) {
        char link[64];
        snprintf(link, sizeof link, "page=%d pos=[%.0f %.0f]", page,
                 PDF_MARGIN_X, PDF_TOP);
        cairo_tag_begin(doc->cr, CAIRO_TAG_LINK, link);
    }
    doc->right_inset = number_w;
    pdf_text(doc, PDF_BODY, markup, 1, 0.0, 0.0, 5.0);
    doc->right_inset = 0.0;
    char number[16];
    snprintf(number, sizeof number, "%d", page);
    PangoLayout *layout = pdf_layout_new(doc, PDF_BODY, number_w);
    pango_layout_set_alignment(layout, PANGO_ALIGN_RIGHT);
    pango_layout_set_text(layout, number, -1);
    cairo_set_source_rgb(doc->cr, 0.1, 0.1, 0.1);
    cairo_move_to(doc->cr, PDF_MARGIN_X + PDF_CONTENT_W - number_w, top);
    pango_cairo_show_layout(doc->cr, layout);
    g_object_unref(layout);
    if (!doc->is_measuring && page > 0)
        cairo_tag_end(doc->cr, CAIRO_TAG_LINK);
    g_free(markup);
    g_free(place_escaped);
    g_string_free(place, TRUE);
    g_free(title);
}
