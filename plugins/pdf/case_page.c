/*
 * One case in the PDF: from a new page, at most two pages; a body that
 * does not fit is cut with a note saying so. Case strings are drawn as
 * plain text or markup-escaped, never parsed as markup.
 */
#include <string.h>

#include "labels.h"
#include "pdf.h"

/* "<b>Label:</b> a, b, c" with every piece escaped. */
static void meta_line(struct pdf_doc *doc, enum exp_label label,
                      const char *const *items, size_t n_items) {
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

static void place_line(struct pdf_doc *doc, const struct minga_case *c) {
    GString *text = g_string_new(c->city);
    if (c->region)
        g_string_append_printf(text, ", %s", c->region);
    const char *country = doc->host->country_name
                              ? doc->host->country_name(c->country) : NULL;
    g_string_append_printf(text, " · %s", country ? country : c->country);
    if (c->year_end && c->year_end != c->year_start)
        g_string_append_printf(text, " · %d–%d", c->year_start, c->year_end);
    else
        g_string_append_printf(text, " · %d", c->year_start);
    pdf_text(doc, PDF_MUTED, text->str, 0, 0.0, 0.0, 8.0);
    g_string_free(text, TRUE);
}

static void heading(struct pdf_doc *doc, enum exp_label label) {
    if (!pdf_ensure(doc, 40.0))    /* keep a heading with its first line */
        return;
    doc->y += 6.0;
    pdf_text(doc, PDF_H2, exp_label(label, doc->lang), 0, 0.0, 0.0, 4.0);
}

void pdf_case(struct pdf_doc *doc, const struct minga_case *c) {
    doc->is_page_blank = 0;
    pdf_page_new(doc);
    doc->limit_page = doc->page_no + 1;
    doc->is_truncated = 0;

    pdf_text(doc, PDF_H1, c->title, 0, 0.0, 0.0, 4.0);
    place_line(doc, c);
    pdf_goal_chips(doc, c->goal_mask);

    meta_line(doc, EXP_L_TARGETS, c->targets, c->n_targets);
    const char *names[32];
    size_t n_names = 0;
    for (unsigned i = 0; i < MINGA_N_LEVELS; i++)
        if (c->level_mask & (1u << i))
            names[n_names++] = exp_level_label(doc->host, i, doc->lang);
    meta_line(doc, EXP_L_LEVELS, names, n_names);
    n_names = 0;
    for (unsigned i = 0; i < MINGA_N_ACTORS; i++)
        if (c->actor_mask & (1u << i))
            names[n_names++] = exp_actor_label(doc->host, i, doc->lang);
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
    doc->limit_page = 0;
}
