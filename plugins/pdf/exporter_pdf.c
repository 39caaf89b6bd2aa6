/*
 * PDF exporter: plugin entry points. write_case counts the case for the
 * charts and spools it as one JSON line to a tmpfile(); finish lays the
 * document out twice, reading the spool back case by case each time, so
 * only one case is in memory at any time (and one page number per case):
 * a first pass into a surface that discards its bytes learns the page
 * each case starts on, the second draws the contents with those numbers
 * and writes the PDF through host->write as cairo finishes it. Both
 * passes lay out the same text at the same widths (a page number has a
 * column of its own), so the pages come out the same.
 */
#define _GNU_SOURCE /* getline */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cairo-pdf.h>

#include "json_stream.h"
#include "labels.h"
#include "pdf.h"

struct pdf_export {
    const struct minga_host_api *host;
    struct minga_export_ctx *ctx;
    char *query, *filters, *generated_at;
    const char *lang; /* static string from exp_lang_norm */
    struct exp_l10n l10n;
    FILE *spool;
    int *case_pages; /* the page each case starts on */
    size_t n_cases, cap_cases;
    struct exp_out spool_out;
    struct exp_stats stats;
    int write_status;
};

static cairo_status_t pdf_write_cb(void *closure, const unsigned char *data,
                                   unsigned int len)
{
    struct pdf_export *exp = closure;
    if (exp->write_status == MINGA_OK)
        exp->write_status = exp->host->write(exp->ctx, data, len);
    return exp->write_status == MINGA_OK ? CAIRO_STATUS_SUCCESS
                                         : CAIRO_STATUS_WRITE_ERROR;
}

static cairo_status_t discard_cb(void *closure, const unsigned char *data,
                                 unsigned int len)
{
    (void)closure;
    (void)data;
    (void)len;
    return CAIRO_STATUS_SUCCESS;
}

static void pdf_export_free(struct pdf_export *exp)
{
    if (exp->spool)
        fclose(exp->spool);
    exp_l10n_release(&exp->l10n);
    free(exp->case_pages);
    free(exp->query);
    free(exp->filters);
    free(exp->generated_at);
    free(exp);
}

static int pdf_begin(const struct minga_host_api *host,
                     struct minga_export_ctx *ctx, void **state)
{
    struct pdf_export *exp = calloc(1, sizeof *exp);
    if (!exp)
        return MINGA_ENOMEM;
    exp->host = host;
    exp->ctx = ctx;
    const struct minga_export_info *info = host->export_info(ctx);
    char now[32];
    time_t t = time(NULL);
    struct tm tm; /* gmtime_r: exports run on the server's threads */
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    exp->query = strdup(info && info->query ? info->query : "");
    exp->filters = strdup(info && info->filters ? info->filters : "");
    exp->generated_at =
        strdup(info && info->generated_at ? info->generated_at : now);
    exp->lang = exp_lang_norm(info ? info->lang : NULL);
    exp_l10n_init(&exp->l10n, host, exp->lang);
    exp->spool = tmpfile();
    if (!exp->query || !exp->filters || !exp->generated_at || !exp->spool) {
        if (!exp->spool && MINGA_HOST_HAS(host, export_error))
            host->export_error(ctx,
                               "cannot create the PDF's spool file "
                               "(tmpfile): %s",
                               strerror(errno));
        pdf_export_free(exp);
        return MINGA_ENOMEM;
    }
    exp_out_init_file(&exp->spool_out, exp->spool);
    exp_stats_init(&exp->stats);
    *state = exp;
    return MINGA_OK;
}

static int pdf_write_case(void *state, const struct minga_case *c)
{
    struct pdf_export *exp = state;
    if (exp->n_cases == exp->cap_cases) {
        size_t cap = exp->cap_cases ? exp->cap_cases * 2 : 64;
        int *grown = realloc(exp->case_pages, cap * sizeof *grown);
        if (!grown)
            return MINGA_ENOMEM;
        exp->case_pages = grown;
        exp->cap_cases = cap;
    }
    exp->case_pages[exp->n_cases++] = 0;
    exp_stats_add(&exp->stats, c);
    return exp_json_write_line(&exp->spool_out, c);
}

enum draw_what {
    DRAW_CONTENTS,
    DRAW_CASES
};

/* Reads the spool back and draws each case's line of the contents, or
 * each case (noting the page it starts on when measuring). */
static int draw_cases(struct pdf_export *exp, struct pdf_doc *doc,
                      enum draw_what what)
{
    if (fflush(exp->spool) != 0 || fseek(exp->spool, 0, SEEK_SET) != 0)
        return MINGA_EIO;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = MINGA_OK;
    size_t index = 0;
    while (rc == MINGA_OK && index < exp->n_cases &&
           (len = getline(&line, &cap, exp->spool)) > 0) {
        json_error_t error;
        json_t *obj = json_loadb(line, (size_t)len, 0, &error);
        struct exp_case_holder holder;
        rc = obj ? exp_case_from_json(&holder, obj) : MINGA_EINTERNAL;
        if (rc == MINGA_OK) {
            if (what == DRAW_CONTENTS) {
                pdf_toc_entry(doc, &holder.c, exp->case_pages[index]);
            } else {
                int page = pdf_case(doc, &holder.c);
                if (doc->is_measuring)
                    exp->case_pages[index] = page;
            }
            exp_case_holder_release(&holder);
            index++;
        }
        json_decref(obj);
        if (rc == MINGA_OK && exp->write_status != MINGA_OK)
            rc = exp->write_status;
    }
    free(line);
    return rc;
}

/* One pass over the whole document: into the host's output, or, when
 * is_measuring, into nothing, noting the page each case starts on. */
static int pdf_render(struct pdf_export *exp, int is_measuring)
{
    cairo_surface_t *surface = cairo_pdf_surface_create_for_stream(
        is_measuring ? discard_cb : pdf_write_cb, exp, PDF_PAGE_W, PDF_PAGE_H);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        if (MINGA_HOST_HAS(exp->host, export_error))
            exp->host->export_error(
                exp->ctx, "cairo cannot start the PDF: %s",
                cairo_status_to_string(cairo_surface_status(surface)));
        cairo_surface_destroy(surface);
        return MINGA_ENOMEM;
    }
    char *title = g_strdup_printf("minga — %s",
                                  exp_label(EXP_L_BRIEFING_TITLE, exp->lang));
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title);
    g_free(title);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR,
                                   "minga");
    struct pdf_doc doc;
    memset(&doc, 0, sizeof doc);
    doc.host = exp->host;
    doc.lang = exp->lang;
    doc.l10n = &exp->l10n;
    doc.is_measuring = is_measuring;
    doc.surface = surface;
    doc.cr = cairo_create(surface);
    doc.pango = pango_cairo_create_context(doc.cr);
    /* Pango sizes in points: one point per cairo unit of a PDF surface. */
    pango_cairo_context_set_resolution(doc.pango, 72.0);

    pdf_cover(&doc, exp->query, exp->filters, exp->generated_at, &exp->stats);
    pdf_title_page(&doc, EXP_L_CONTENTS);
    int rc = draw_cases(exp, &doc, DRAW_CONTENTS);
    pdf_charts(&doc, &exp->stats);
    doc.is_page_blank = 0;
    pdf_page_new(&doc); /* the cases start on a page of their own */
    if (rc == MINGA_OK)
        rc = draw_cases(exp, &doc, DRAW_CASES);
    cairo_show_page(doc.cr);
    g_object_unref(doc.pango);
    cairo_destroy(doc.cr);
    cairo_surface_finish(surface);
    if (rc == MINGA_OK && exp->write_status != MINGA_OK)
        rc = exp->write_status;
    cairo_status_t status = cairo_surface_status(surface);
    if (rc == MINGA_OK && status != CAIRO_STATUS_SUCCESS)
        rc = MINGA_EIO;
    /* a failed host->write has its own message from the host */
    if (rc != MINGA_OK && exp->write_status == MINGA_OK &&
        MINGA_HOST_HAS(exp->host, export_error))
        exp->host->export_error(exp->ctx,
                                "cairo could not finish the PDF "
                                "(code %d): %s",
                                rc, cairo_status_to_string(status));
    cairo_surface_destroy(surface);
    return rc;
}

static int pdf_finish(void *state, int ok)
{
    struct pdf_export *exp = state;
    int rc = MINGA_OK;
    if (ok) {
        rc = exp_out_status(&exp->spool_out);
        if (rc == MINGA_OK)
            rc = pdf_render(exp, 1);
        if (rc == MINGA_OK)
            rc = pdf_render(exp, 0);
    }
    pdf_export_free(exp);
    return rc;
}

static const struct minga_exporter exporter = {sizeof(struct minga_exporter),
                                               "pdf",
                                               "application/pdf",
                                               "pdf",
                                               pdf_begin,
                                               pdf_write_case,
                                               pdf_finish};

MINGA_PLUGIN_DEFINE("pdf", MINGA_PLUGIN_EXPORTER, "1.0.0",
                    "Printable A4 briefing (PDF)", NULL, &exporter);
