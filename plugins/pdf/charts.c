/*
 * The PDF's cover and chart page: the selection and totals, then bars of
 * cases per goal (official SDG colours), per level and per country.
 */
#include <stdio.h>
#include <string.h>

#include "labels.h"
#include "pdf.h"

struct pdf_bar {
    const char *label;
    const char *color;     /* "#RRGGBB" */
    uint64_t value;
    int badge;             /* goal number in a square; 0 for none */
};

static void bar_rows(struct pdf_doc *doc, enum exp_label title,
                     const struct pdf_bar *bars, size_t n_bars,
                     double row_h) {
    pdf_text(doc, PDF_H3, exp_label(title, doc->lang), 0, 0.0, 0.0, 4.0);
    uint64_t max_value = 1;
    for (size_t i = 0; i < n_bars; i++)
        if (bars[i].value > max_value)
            max_value = bars[i].value;
    const double label_w = 220.0, bar_x = PDF_MARGIN_X + 250.0;
    const double bar_max = PDF_CONTENT_W - 250.0 - 30.0;
    cairo_t *cr = doc->cr;
    for (size_t i = 0; i < n_bars; i++) {
        const struct pdf_bar *bar = &bars[i];
        double y = doc->y;
        double label_x = PDF_MARGIN_X;
        struct pdf_rgb fill;
        pdf_rgb_parse(&fill, bar->color);
        if (bar->badge) {
            cairo_rectangle(cr, PDF_MARGIN_X, y + 1, row_h - 2, row_h - 2);
            cairo_set_source_rgb(cr, fill.r, fill.g, fill.b);
            cairo_fill(cr);
            char number[8];
            snprintf(number, sizeof number, "%d", bar->badge);
            PangoLayout *layout = pdf_layout_new(doc, PDF_SMALL, row_h - 2);
            pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);
            pango_layout_set_text(layout, number, -1);
            double brightness = 0.299 * fill.r + 0.587 * fill.g +
                                0.114 * fill.b;
            double ink = brightness > 0.63 ? 0.1 : 1.0;
            cairo_set_source_rgb(cr, ink, ink, ink);
            cairo_move_to(cr, PDF_MARGIN_X, y + 1.5);
            pango_cairo_show_layout(cr, layout);
            g_object_unref(layout);
            label_x += row_h + 4;
        }
        PangoLayout *layout = pdf_layout_new(doc, PDF_SMALL,
                                             label_w - (label_x -
                                                        PDF_MARGIN_X));
        pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
        pango_layout_set_text(layout, bar->label ? bar->label : "", -1);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_move_to(cr, label_x, y + 1.5);
        pango_cairo_show_layout(cr, layout);
        g_object_unref(layout);

        double w = (double)bar->value / (double)max_value * bar_max;
        if (bar->value > 0 && w < 1.5)
            w = 1.5;
        cairo_rectangle(cr, bar_x, y + 2, w, row_h - 4);
        cairo_set_source_rgb(cr, fill.r, fill.g, fill.b);
        cairo_fill(cr);
        char count[32];
        snprintf(count, sizeof count, "%llu", (unsigned long long)bar->value);
        layout = pdf_layout_new(doc, PDF_SMALL, 0);
        pango_layout_set_text(layout, count, -1);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_move_to(cr, bar_x + w + 4, y + 1.5);
        pango_cairo_show_layout(cr, layout);
        g_object_unref(layout);
        doc->y += row_h;
    }
    doc->is_page_blank = 0;
    doc->y += 14.0;
}

void pdf_charts(struct pdf_doc *doc, const struct exp_stats *stats) {
    pdf_page_new(doc);
    pdf_text(doc, PDF_H1, exp_label(EXP_L_OVERVIEW, doc->lang), 0, 0.0, 0.0,
             10.0);

    struct pdf_bar bars[EXP_TOP_COUNTRIES + 1];
    struct pdf_bar goals[17];
    for (int g = 1; g <= 17; g++) {
        const struct minga_goal_info *info = doc->host->goal_info(g);
        goals[g - 1] = (struct pdf_bar){exp_goal_name(info, doc->lang),
                                        info ? info->color : NULL,
                                        stats->per_goal[g], g};
    }
    bar_rows(doc, EXP_L_PER_GOAL, goals, 17, 16.0);

    static const char *const level_colors[MINGA_N_LEVELS] = {
        "#2f6f8f", "#4f8f6f", "#8f6f2f", "#6f4f8f"};
    for (unsigned i = 0; i < MINGA_N_LEVELS; i++)
        bars[i] = (struct pdf_bar){exp_level_label(doc->host, i, doc->lang),
                                   level_colors[i], stats->per_level[i], 0};
    bar_rows(doc, EXP_L_PER_LEVEL, bars, MINGA_N_LEVELS, 15.0);

    struct exp_country_count top[EXP_TOP_COUNTRIES];
    uint64_t n_other = 0;
    size_t n_top = exp_stats_top_countries(stats, top, EXP_TOP_COUNTRIES,
                                           &n_other);
    for (size_t i = 0; i < n_top; i++) {
        const char *name = doc->host->country_name
                               ? doc->host->country_name(top[i].code) : NULL;
        bars[i] = (struct pdf_bar){name ? name : top[i].code, "#2f6f8f",
                                   top[i].n_cases, 0};
    }
    size_t n_bars = n_top;
    if (n_other > 0)
        bars[n_bars++] = (struct pdf_bar){exp_label(EXP_L_OTHER, doc->lang),
                                          "#9a9a9a", n_other, 0};
    bar_rows(doc, EXP_L_PER_COUNTRY, bars, n_bars, 14.0);
}

static void cover_line(struct pdf_doc *doc, enum exp_label label,
                       const char *value) {
    GString *markup = g_string_new(NULL);
    char *l = g_markup_escape_text(exp_label(label, doc->lang), -1);
    char *v = g_markup_escape_text(value, -1);
    g_string_append_printf(markup, "<b>%s:</b> %s", l, v);
    pdf_text(doc, PDF_LEAD, markup->str, 1, 0.0, 0.0, 8.0);
    g_free(l);
    g_free(v);
    g_string_free(markup, TRUE);
}

void pdf_cover(struct pdf_doc *doc, const char *query, const char *filters,
               const char *generated_at, const struct exp_stats *stats) {
    pdf_page_new(doc);
    doc->y = 220.0;
    pdf_text(doc, PDF_COVER, "minga — briefing", 0, 0.0, 0.0, 30.0);
    cairo_set_source_rgb(doc->cr, 0.098, 0.282, 0.416);
    cairo_rectangle(doc->cr, PDF_MARGIN_X, doc->y - 18.0, 80.0, 3.0);
    cairo_fill(doc->cr);
    doc->y += 8.0;
    cover_line(doc, EXP_L_QUERY,
               *query ? query : exp_label(EXP_L_NO_QUERY, doc->lang));
    cover_line(doc, EXP_L_FILTERS,
               *filters ? filters : exp_label(EXP_L_NO_FILTERS, doc->lang));
    char when[128];
    exp_format_time(when, sizeof when, generated_at);
    cover_line(doc, EXP_L_GENERATED, when);
    char figures[64];
    snprintf(figures, sizeof figures, "%llu",
             (unsigned long long)stats->n_cases);
    cover_line(doc, EXP_L_CASES, figures);
    snprintf(figures, sizeof figures, "%u", exp_stats_n_countries(stats));
    cover_line(doc, EXP_L_COUNTRIES, figures);
    snprintf(figures, sizeof figures, "%u", exp_stats_n_goals(stats));
    cover_line(doc, EXP_L_GOALS, figures);
}
