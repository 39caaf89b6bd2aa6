/*
 * The PDF's cover and chart page. The cover says what was selected, in
 * words and in the briefing's language, when, and how many cases there
 * are by goal and by country; the chart page draws bars of cases per
 * goal (official SDG colours), per level and per country.
 */
#include <stdio.h>
#include <string.h>

#include "labels.h"
#include "pdf.h"

struct pdf_bar {
    const char *label;
    const char *color; /* "#RRGGBB" */
    uint64_t value;
    int badge; /* goal number in a square; 0 for none */
};

static void bar_rows(struct pdf_doc *doc, enum exp_label title,
                     const struct pdf_bar *bars, size_t n_bars, double row_h)
{
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
            double brightness =
                0.299 * fill.r + 0.587 * fill.g + 0.114 * fill.b;
            double ink = brightness > 0.63 ? 0.1 : 1.0;
            cairo_set_source_rgb(cr, ink, ink, ink);
            cairo_move_to(cr, PDF_MARGIN_X, y + 1.5);
            pango_cairo_show_layout(cr, layout);
            g_object_unref(layout);
            label_x += row_h + 4;
        }
        PangoLayout *layout =
            pdf_layout_new(doc, PDF_SMALL, label_w - (label_x - PDF_MARGIN_X));
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

void pdf_charts(struct pdf_doc *doc, const struct exp_stats *stats)
{
    pdf_title_page(doc, EXP_L_OVERVIEW);

    struct pdf_bar bars[EXP_TOP_COUNTRIES + 1];
    struct pdf_bar goals[17];
    for (int g = 1; g <= 17; g++) {
        const struct minga_goal_info *info = doc->host->goal_info(g);
        goals[g - 1] =
            (struct pdf_bar){exp_goal_name(info, doc->lang),
                             info ? info->color : NULL, stats->per_goal[g], g};
    }
    bar_rows(doc, EXP_L_PER_GOAL, goals, 17, 16.0);

    static const char *const level_colors[MINGA_N_LEVELS] = {
        "#2f6f8f", "#4f8f6f", "#8f6f2f", "#6f4f8f"};
    for (unsigned i = 0; i < MINGA_N_LEVELS; i++)
        bars[i] = (struct pdf_bar){exp_level_label(i, doc->lang),
                                   level_colors[i], stats->per_level[i], 0};
    bar_rows(doc, EXP_L_PER_LEVEL, bars, MINGA_N_LEVELS, 15.0);

    struct exp_country_count top[EXP_TOP_COUNTRIES];
    uint64_t n_other = 0;
    size_t n_top =
        exp_stats_top_countries(stats, top, EXP_TOP_COUNTRIES, &n_other);
    for (size_t i = 0; i < n_top; i++)
        bars[i] = (struct pdf_bar){exp_country_name(doc->l10n, top[i].code),
                                   "#2f6f8f", top[i].n_cases, 0};
    size_t n_bars = n_top;
    if (n_other > 0)
        bars[n_bars++] = (struct pdf_bar){exp_label(EXP_L_OTHER, doc->lang),
                                          "#9a9a9a", n_other, 0};
    bar_rows(doc, EXP_L_PER_COUNTRY, bars, n_bars, 14.0);
}

void pdf_title_page(struct pdf_doc *doc, enum exp_label title)
{
    doc->is_page_blank = 0;
    pdf_page_new(doc);
    pdf_text(doc, PDF_H1, exp_label(title, doc->lang), 0, 0.0, 0.0, 10.0);
}

static void cover_line(struct pdf_doc *doc, enum exp_label label,
                       const char *value)
{
    GString *markup = g_string_new(NULL);
    char *l = g_markup_escape_text(exp_label(label, doc->lang), -1);
    char *v = g_markup_escape_text(value, -1);
    g_string_append_printf(markup, "<b>%s:</b> %s", l, v);
    pdf_text(doc, PDF_LEAD, markup->str, 1, 0.0, 0.0, 6.0);
    g_free(l);
    g_free(v);
    g_string_free(markup, TRUE);
}

/* Three boxes: cases, countries, goals. */
static void cover_figures(struct pdf_doc *doc, const struct exp_stats *stats)
{
    const double gap = 12.0, box_h = 58.0;
    const double box_w = (PDF_CONTENT_W - 2 * gap) / 3;
    const uint64_t values[3] = {stats->n_cases, exp_stats_n_countries(stats),
                                exp_stats_n_goals(stats)};
    const enum exp_label labels[3] = {EXP_L_CASES, EXP_L_COUNTRIES,
                                      EXP_L_GOALS};
    pdf_ensure(doc, box_h);
    for (int i = 0; i < 3; i++) {
        double x = PDF_MARGIN_X + i * (box_w + gap);
        cairo_set_source_rgb(doc->cr, 0.85, 0.85, 0.85);
        cairo_set_line_width(doc->cr, 0.8);
        cairo_rectangle(doc->cr, x, doc->y, box_w, box_h);
        cairo_stroke(doc->cr);
        char number[32];
        snprintf(number, sizeof number, "%llu", (unsigned long long)values[i]);
        PangoLayout *layout = pdf_layout_new(doc, PDF_H1, box_w);
        pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);
        pango_layout_set_text(layout, number, -1);
        cairo_set_source_rgb(doc->cr, 0.098, 0.282, 0.416);
        cairo_move_to(doc->cr, x, doc->y + 7.0);
        pango_cairo_show_layout(doc->cr, layout);
        g_object_unref(layout);
        layout = pdf_layout_new(doc, PDF_SMALL, box_w);
        pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);
        pango_layout_set_text(layout, exp_label(labels[i], doc->lang), -1);
        cairo_set_source_rgb(doc->cr, 0.38, 0.38, 0.38);
        cairo_move_to(doc->cr, x, doc->y + 36.0);
        pango_cairo_show_layout(doc->cr, layout);
        g_object_unref(layout);
    }
    doc->is_page_blank = 0;
    doc->y += box_h + 18.0;
}

/* The goals that have cases, two columns of "[n] name ... count". */
static void cover_goals(struct pdf_doc *doc, const struct exp_stats *stats)
{
    pdf_text(doc, PDF_H3, exp_label(EXP_L_PER_GOAL, doc->lang), 0, 0.0, 0.0,
             5.0);
    int goals[17], n_goals = 0;
    for (int g = 1; g <= 17; g++)
        if (stats->per_goal[g] > 0)
            goals[n_goals++] = g;
    const double row_h = 15.0, col_w = (PDF_CONTENT_W - 16.0) / 2;
    int n_rows = (n_goals + 1) / 2;
    pdf_ensure(doc, n_rows * row_h);
    for (int i = 0; i < n_goals; i++) {
        int g = goals[i];
        double x = PDF_MARGIN_X + (i < n_rows ? 0 : col_w + 16.0);
        double y = doc->y + (i % n_rows) * row_h;
        const struct minga_goal_info *info = doc->host->goal_info(g);
        struct pdf_rgb fill;
        pdf_rgb_parse(&fill, info ? info->color : NULL);
        cairo_set_source_rgb(doc->cr, fill.r, fill.g, fill.b);
        cairo_rectangle(doc->cr, x, y + 1.0, 18.0, 12.0);
        cairo_fill(doc->cr);
        char text[16];
        snprintf(text, sizeof text, "%d", g);
        PangoLayout *layout = pdf_layout_new(doc, PDF_SMALL, 18.0);
        pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);
        pango_layout_set_text(layout, text, -1);
        double brightness = 0.299 * fill.r + 0.587 * fill.g + 0.114 * fill.b;
        double ink = brightness > 0.63 ? 0.1 : 1.0;
        cairo_set_source_rgb(doc->cr, ink, ink, ink);
        cairo_move_to(doc->cr, x, y + 1.0);
        pango_cairo_show_layout(doc->cr, layout);
        g_object_unref(layout);
        layout = pdf_layout_new(doc, PDF_SMALL, col_w - 60.0);
        pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
        pango_layout_set_text(layout, exp_goal_name(info, doc->lang), -1);
        cairo_set_source_rgb(doc->cr, 0.1, 0.1, 0.1);
        cairo_move_to(doc->cr, x + 24.0, y + 1.0);
        pango_cairo_show_layout(doc->cr, layout);
        g_object_unref(layout);
        snprintf(text, sizeof text, "%llu",
                 (unsigned long long)stats->per_goal[g]);
        layout = pdf_layout_new(doc, PDF_SMALL, 32.0);
        pango_layout_set_alignment(layout, PANGO_ALIGN_RIGHT);
        pango_layout_set_text(layout, text, -1);
        cairo_move_to(doc->cr, x + col_w - 32.0, y + 1.0);
        pango_cairo_show_layout(doc->cr, layout);
        g_object_unref(layout);
    }
    doc->is_page_blank = 0;
    doc->y += n_rows * row_h + 14.0;
}

/* "Brasil 13 · Colombia 6 · ..." (the top countries, then the others). */
static void cover_countries(struct pdf_doc *doc, const struct exp_stats *stats)
{
    pdf_text(doc, PDF_H3, exp_label(EXP_L_PER_COUNTRY, doc->lang), 0, 0.0, 0.0,
             5.0);
    struct exp_country_count top[EXP_TOP_COUNTRIES];
    uint64_t n_other = 0;
    size_t n_top =
        exp_stats_top_countries(stats, top, EXP_TOP_COUNTRIES, &n_other);
    GString *markup = g_string_new(NULL);
    for (size_t i = 0; i < n_top; i++) {
        char *name =
            g_markup_escape_text(exp_country_name(doc->l10n, top[i].code), -1);
        g_string_append_printf(markup, "%s%s <b>%llu</b>", i ? "  ·  " : "",
                               name, (unsigned long long)top[i].n_cases);
        g_free(name);
    }
    if (n_other > 0)
        g_string_append_printf(
            markup, "%s%s <b>%llu</b>", n_top ? "  ·  " : "",
            exp_label(EXP_L_OTHER, doc->lang), (unsigned long long)n_other);
    pdf_text(doc, PDF_BODY, markup->str, 1, 0.0, 0.0, 6.0);
    g_string_free(markup, TRUE);
}

void pdf_cover(struct pdf_doc *doc, const char *query, const char *filters,
               const char *generated_at, const struct exp_stats *stats)
{
    pdf_page_new(doc);
    doc->y = 110.0;
    char *title = g_strdup_printf("minga — %s",
                                  exp_label(EXP_L_BRIEFING_TITLE, doc->lang));
    pdf_text(doc, PDF_COVER, title, 0, 0.0, 0.0, 26.0);
    g_free(title);
    cairo_set_source_rgb(doc->cr, 0.098, 0.282, 0.416);
    cairo_rectangle(doc->cr, PDF_MARGIN_X, doc->y - 16.0, 80.0, 3.0);
    cairo_fill(doc->cr);
    doc->y += 4.0;
    char *quoted = g_strdup_printf("«%s»", query);
    cover_line(doc, EXP_L_QUERY,
               *query ? quoted : exp_label(EXP_L_NO_QUERY, doc->lang));
    g_free(quoted);
    char *words = exp_filters_in_words(doc->l10n, filters, "; ");
    cover_line(doc, EXP_L_FILTERS,
               words && *words ? words
                               : exp_label(EXP_L_NO_FILTERS, doc->lang));
    free(words);
    char when[128];
    exp_format_date_words(when, sizeof when, generated_at, doc->lang);
    cover_line(doc, EXP_L_GENERATED, when);
    doc->y += 14.0;
    cover_figures(doc, stats);
    cover_goals(doc, stats);
    cover_countries(doc, stats);
}
