/*
 * PDF exporter: a printable A4 briefing drawn with cairo, text laid out
 * with pango. Internal header of the plugin.
 *
 * The document is a cover, a page of charts, then each case from a new
 * page. The chart page needs totals before any case is drawn, so
 * write_case only counts and spools the case (as a JSON line, on disk);
 * finish draws everything, reading the spool back one case at a time.
 * Pages go out through host->write as cairo finishes them.
 *
 * Coordinates are PostScript points, y downwards; doc->y is the top of
 * the free space on the current page.
 */
#ifndef MINGA_PDF_H
#define MINGA_PDF_H

#include <cairo.h>
#include <pango/pangocairo.h>

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
    cairo_surface_t *surface;
    cairo_t *cr;
    PangoContext *pango;
    double y;
    int page_no;           /* pages started so far */
    int is_page_blank;     /* nothing drawn on the current page yet */
    int limit_page;        /* last page the current case may use; 0: none */
    int is_truncated;      /* the current case hit limit_page */
};

/* Text styles. */
enum pdf_style {
    PDF_BODY, PDF_SMALL, PDF_MUTED, PDF_LEAD, PDF_H1, PDF_H2, PDF_H3,
    PDF_COVER, PDF_CODE
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

/* case_page.c */
void pdf_case(struct pdf_doc *doc, const struct minga_case *c);

/* charts.c */
void pdf_cover(struct pdf_doc *doc, const char *query, const char *filters,
               const char *generated_at, const struct exp_stats *stats);
void pdf_charts(struct pdf_doc *doc, const struct exp_stats *stats);

#endif /* MINGA_PDF_H */
