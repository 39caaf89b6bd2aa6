/* Page flow for the PDF: text lines, page breaks, footers, goal chips. */
#include <stdio.h>
#include <string.h>

#include "labels.h"
#include "pdf.h"

static const struct pdf_rgb ink = {0.10, 0.10, 0.10};
static const struct pdf_rgb muted = {0.38, 0.38, 0.38};
static const struct pdf_rgb accent = {0.098, 0.282, 0.416};

void pdf_rgb_parse(struct pdf_rgb *rgb, const char *hex)
{
    unsigned r = 0x77, g = 0x77, b = 0x77;
    if (hex && hex[0] == '#')
        sscanf(hex + 1, "%2x%2x%2x", &r, &g, &b);
    rgb->r = r / 255.0;
    rgb->g = g / 255.0;
    rgb->b = b / 255.0;
}

static void style_font(enum pdf_style style, const char **family, double *size,
                       PangoWeight *weight, const struct pdf_rgb **color)
{
    *family = PDF_FONT;
    *size = 10.0; /* PDF_BODY's, for a value outside the enum too */
    *weight = PANGO_WEIGHT_NORMAL;
    *color = &ink;
    switch (style) {
    case PDF_BODY:
        *size = 10.0;
        break;
    case PDF_SMALL:
        *size = 8.5;
        break;
    case PDF_MUTED:
        *size = 10.5;
        *color = &muted;
        break;
    case PDF_LEAD:
        *size = 12.0;
        break;
    case PDF_H1:
        *size = 18.0;
        *weight = PANGO_WEIGHT_BOLD;
        *color = &accent;
        break;
    case PDF_H2:
        *size = 13.0;
        *weight = PANGO_WEIGHT_BOLD;
        break;
    case PDF_H3:
        *size = 11.0;
        *weight = PANGO_WEIGHT_BOLD;
        break;
    case PDF_COVER:
        *size = 30.0;
        *weight = PANGO_WEIGHT_BOLD;
        *color = &accent;
        break;
    case PDF_CODE:
        *family = "DejaVu Sans Mono";
        *size = 9.0;
        break;
    }
}

PangoLayout *pdf_layout_new(struct pdf_doc *doc, enum pdf_style style,
                            double width)
{
    const char *family;
    double size;
    PangoWeight weight;
    const struct pdf_rgb *color;
    style_font(style, &family, &size, &weight, &color);
    PangoLayout *layout = pango_layout_new(doc->pango);
    PangoFontDescription *font = pango_font_description_new();
    pango_font_description_set_family(font, family);
    pango_font_description_set_size(font, (int)(size * PANGO_SCALE));
    pango_font_description_set_weight(font, weight);
    pango_layout_set_font_description(layout, font);
    pango_font_description_free(font);
    if (width > 0) {
        pango_layout_set_width(layout, (int)(width * PANGO_SCALE));
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    }
    return layout;
}

static void style_color(struct pdf_doc *doc, enum pdf_style style)
{
    const char *family;
    double size;
    PangoWeight weight;
    const struct pdf_rgb *color;
    style_font(style, &family, &size, &weight, &color);
    cairo_set_source_rgb(doc->cr, color->r, color->g, color->b);
}

static void page_footer(struct pdf_doc *doc)
{
    PangoLayout *layout = pdf_layout_new(doc, PDF_SMALL, PDF_CONTENT_W);
    char text[128];
    snprintf(text, sizeof text, "minga — %s · %d",
             exp_label(EXP_L_BRIEFING_TITLE, doc->lang), doc->page_no);
    pango_layout_set_text(layout, text, -1);
    pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);
    cairo_set_source_rgb(doc->cr, muted.r, muted.g, muted.b);
    cairo_move_to(doc->cr, PDF_MARGIN_X, PDF_PAGE_H - 36.0);
    pango_cairo_show_layout(doc->cr, layout);
    g_object_unref(layout);
}

void pdf_page_new(struct pdf_doc *doc)
{
    if (doc->page_no > 0 && doc->is_page_blank)
        return;
    if (doc->page_no > 0)
        cairo_show_page(doc->cr);
    doc->page_no++;
    doc->y = PDF_TOP;
    page_footer(doc);
    doc->is_page_blank = 1;
}

/* The height the current case will have used once `height` more is
 * drawn, here or (is_break) at the top of the next page: the pages it
 * left behind count whole, so a case that starts low on a page gets
 * that much less of the next. */
static double case_used(const struct pdf_doc *doc, double height, int is_break)
{
    int pages = doc->page_no - doc->case_page + (is_break ? 1 : 0);
    double y = is_break ? PDF_TOP : doc->y;
    return pages * PDF_FLOW_H + (y + height - doc->case_y);
}

int pdf_ensure(struct pdf_doc *doc, double height)
{
    if (doc->is_truncated)
        return 0;
    int is_break = doc->y + height > PDF_BOTTOM;
    if (doc->case_budget > 0 &&
        case_used(doc, height, is_break) > doc->case_budget) {
        doc->is_truncated = 1;
        pdf_truncation_note(doc);
        return 0;
    }
    if (!is_break)
        return 1;
    doc->is_page_blank = 0;
    pdf_page_new(doc);
    return 1;
}

int pdf_text(struct pdf_doc *doc, enum pdf_style style, const char *text,
             int is_markup, double indent, double hang, double space_after)
{
    if (doc->is_truncated)
        return 0;
    PangoLayout *layout =
        pdf_layout_new(doc, style, PDF_CONTENT_W - indent - doc->right_inset);
    if (hang > 0) {
        pango_layout_set_indent(layout, -(int)(hang * PANGO_SCALE));
        PangoTabArray *tabs = pango_tab_array_new_with_positions(
            1, TRUE, PANGO_TAB_LEFT, (int)hang);
        pango_layout_set_tabs(layout, tabs);
        pango_tab_array_free(tabs);
    }
    if (is_markup)
        pango_layout_set_markup(layout, text, -1);
    else
        pango_layout_set_text(layout, text, -1);
    PangoLayoutIter *iter = pango_layout_get_iter(layout);
    double origin = doc->y; /* page y of the layout's top */
    int is_done = 1;
    do {
        PangoRectangle logical;
        pango_layout_iter_get_line_extents(iter, NULL, &logical);
        double top = pango_units_to_double(logical.y);
        double height = pango_units_to_double(logical.height);
        double baseline =
            pango_units_to_double(pango_layout_iter_get_baseline(iter));
        doc->y = origin + top;
        int page_before = doc->page_no;
        if (!pdf_ensure(doc, height)) {
            is_done = 0;
            break;
        }
        if (doc->page_no != page_before)
            origin = doc->y - top;
        style_color(doc, style);
        cairo_move_to(doc->cr,
                      PDF_MARGIN_X + indent + pango_units_to_double(logical.x),
                      origin + baseline);
        pango_cairo_show_layout_line(
            doc->cr, pango_layout_iter_get_line_readonly(iter));
        doc->is_page_blank = 0;
        doc->y = origin + top + height;
    } while (pango_layout_iter_next_line(iter));
    pango_layout_iter_free(iter);
    g_object_unref(layout);
    if (is_done)
        doc->y += space_after;
    return is_done;
}

void pdf_truncation_note(struct pdf_doc *doc)
{
    PangoLayout *layout = pdf_layout_new(doc, PDF_SMALL, PDF_CONTENT_W);
    char text[256];
    snprintf(text, sizeof text, "… %s", exp_label(EXP_L_TRUNCATED, doc->lang));
    pango_layout_set_text(layout, text, -1);
    PangoFontDescription *font =
        pango_font_description_copy(pango_layout_get_font_description(layout));
    pango_font_description_set_style(font, PANGO_STYLE_ITALIC);
    pango_layout_set_font_description(layout, font);
    pango_font_description_free(font);
    /* Where the case stopped; the next case follows below it. */
    double y =
        doc->y + 2.0 < PDF_BOTTOM + 4.0 ? doc->y + 2.0 : PDF_BOTTOM + 4.0;
    cairo_set_source_rgb(doc->cr, accent.r, accent.g, accent.b);
    cairo_move_to(doc->cr, PDF_MARGIN_X, y);
    pango_cairo_show_layout(doc->cr, layout);
    g_object_unref(layout);
    doc->y = y + 14.0;
    doc->is_page_blank = 0;
}

static void rounded_rect(cairo_t *cr, double x, double y, double w, double h,
                         double r)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - r, y + r, r, -G_PI / 2, 0);
    cairo_arc(cr, x + w - r, y + h - r, r, 0, G_PI / 2);
    cairo_arc(cr, x + r, y + h - r, r, G_PI / 2, G_PI);
    cairo_arc(cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
    cairo_close_path(cr);
}

void pdf_goal_chips(struct pdf_doc *doc, uint32_t goal_mask)
{
    const double chip_h = 17.0, gap = 5.0, pad = 6.0;
    double x = PDF_MARGIN_X;
    if (!pdf_ensure(doc, chip_h))
        return;
    for (int g = 1; g <= 17; g++) {
        if (!(goal_mask & (1u << g)))
            continue;
        const struct minga_goal_info *info = doc->host->goal_info(g);
        char text[160];
        snprintf(text, sizeof text, "%d  %s", g,
                 exp_goal_name(info, doc->lang));
        PangoLayout *layout = pdf_layout_new(doc, PDF_SMALL, 0);
        pango_layout_set_text(layout, text, -1);
        int text_w, text_h;
        pango_layout_get_size(layout, &text_w, &text_h);
        double w = pango_units_to_double(text_w) + 2 * pad;
        double h_text = pango_units_to_double(text_h);
        if (x > PDF_MARGIN_X && x + w > PDF_MARGIN_X + PDF_CONTENT_W) {
            x = PDF_MARGIN_X;
            doc->y += chip_h + gap;
            if (!pdf_ensure(doc, chip_h)) {
                g_object_unref(layout);
                return;
            }
        }
        struct pdf_rgb fill;
        pdf_rgb_parse(&fill, info ? info->color : NULL);
        rounded_rect(doc->cr, x, doc->y, w, chip_h, 3.0);
        cairo_set_source_rgb(doc->cr, fill.r, fill.g, fill.b);
        cairo_fill(doc->cr);
        double brightness = 0.299 * fill.r + 0.587 * fill.g + 0.114 * fill.b;
        if (brightness > 0.63)
            cairo_set_source_rgb(doc->cr, ink.r, ink.g, ink.b);
        else
            cairo_set_source_rgb(doc->cr, 1, 1, 1);
        cairo_move_to(doc->cr, x + pad, doc->y + (chip_h - h_text) / 2);
        pango_cairo_show_layout(doc->cr, layout);
        g_object_unref(layout);
        doc->is_page_blank = 0;
        x += w + gap;
    }
    doc->y += chip_h + 8.0;
}
