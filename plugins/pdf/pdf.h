/*
 * PDF exporter: a printable A4 briefing drawn with cairo, text laid out
 * with pango. Internal header of the plugin.
 *
 * The document is a cover (the selection in words, the date, counts by
 * goal and country), a table of contents with page numbers, a page of
 * charts, then the cases flowing one after another, several to a page
 * when they are short, each at most two pages' worth of height. The
 * cover and charts need totals before any case is drawn, so write_case
 * only counts and spools the case (as a JSON line, on disk); finish
 * draws everything, reading the spool back one case at a time. The
 * contents need the page each case starts on, so finish lays the whole
 * document out twice: once into a surface that discards its output,
 * noting the pages, then for real, through host->write.
 *
 * Coordinates are PostScript points, y downwards; doc->y is the top of
 * the free space on the current page.
 */
#ifndef MINGA_PDF_H
#define MINGA_PDF_H

#include <cairo.h>
#include <pango/pangocairo.h>

#include "l10n.h"
#include "labels.h"
#include "minga/plugin.h"
#include "stats.h"

#define PDF_PAGE_W 595.276
#define PDF_PAGE_H 841.890
#define PDF_MARGIN_X 56.0
#define PDF_TOP 56.0
#define PDF_BOTTOM (PDF_PAGE_H - 64.0)
#define PDF_CONTENT_W (PDF_PAGE_W - 2 * PDF_MARGIN_X)
#define PDF_FONT "DejaVu Sans"

struct pdf_rgb {
    double r, g, b;
};

struct pdf_doc {
    const struct minga_host_api *host;
    const char *lang;
    const struct exp_l10n *l10n; /* country names, filters, dates */
    cairo_surface_t *surface;
    cairo_t *cr;
    PangoContext *pango;
    double y;
    int page_no;       /* pages started so far */
    int is_page_blank; /* nothing drawn on the current page yet */
    /* The current case's budget: it may use this much height in all
     * (two pages' worth), counted from where it started; 0: no limit. */
    double case_budget;
    int case_page; /* page and y where the current case started */
    double case_y;
    int is_truncated;   /* the current case ran out of its budget */
    double right_inset; /* pdf_text leaves this much free at the right */
    int is_measuring;   /* first pass: no links, numbers unknown */
};

/* The height a case may use in all: two pages' worth. */
#define PDF_FLOW_H (PDF_BOTTOM - PDF_TOP)
#define PDF_CASE_BUDGET (2 * PDF_FLOW_H)

/* Text styles. */
enum pdf_style {
    PDF_BODY,
    PDF_SMALL,
    PDF_MUTED,
    PDF_LEAD,
    PDF_H1,
    PDF_H2,
    PDF_H3,
    PDF_COVER,
    PDF_CODE
};

/* layout.c */
void pdf_rgb_parse(struct pdf_rgb *rgb, const char *hex);
PangoLayout *pdf_layout_new(struct pdf_doc *doc, enum pdf_style style,
                            double width);
/* Starts a new page (finishing the current one unless it is blank). */
void pdf_page_new(struct pdf_doc *doc);
/* Makes room for `height` points, breaking the page if needed. Returns 0
 * when the case is out of pages (doc->is_truncated is then set). */
int pdf_ensure(struct pdf_doc *doc, double height);
/* Flows text (plain, or Pango markup when is_markup) line by line from
 * doc->y, onto new pages as needed. With hang > 0, lines after the first
 * are indented by hang and a tab in the first line reaches it (list
 * marks). Returns 0 once truncated. */
int pdf_text(struct pdf_doc *doc, enum pdf_style style, const char *text,
             int is_markup, double indent, double hang, double space_after);
/* Draws the "… text continues" note at the foot of the current page. */
void pdf_truncation_note(struct pdf_doc *doc);
/* Draws wrapped rounded chips, one per goal of goal_mask. */
void pdf_goal_chips(struct pdf_doc *doc, uint32_t goal_mask);

/* markdown.c: a Markdown body as plain paragraphs. Returns 0 when
 * truncated, -1 out of memory, 1 otherwise. */
int pdf_markdown(struct pdf_doc *doc, const char *body);

/* case_page.c: draws the case below the previous one (from a new page
 * only when its heading would not fit), and returns the page it starts
 * on. */
int pdf_case(struct pdf_doc *doc, const struct minga_case *c);
/* One line of the contents: the case's title, place and years, and the
 * page it starts on (a link to it unless doc->is_measuring). */
void pdf_toc_entry(struct pdf_doc *doc, const struct minga_case *c, int page);

/* charts.c */
void pdf_cover(struct pdf_doc *doc, const char *query, const char *filters,
               const char *generated_at, const struct exp_stats *stats);
void pdf_charts(struct pdf_doc *doc, const struct exp_stats *stats);
/* Starts a new page headed by the label (the contents, the overview). */
void pdf_title_page(struct pdf_doc *doc, enum exp_label title);

#endif /* MINGA_PDF_H */
