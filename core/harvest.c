/* minga_harvest: the run over an OAI-PMH list, page by page, each page
 * one write step (see harvest.h for what holds and why). */
#include "harvest.h"
#include "sha256.h"

#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "harvest_http.h"
#include "harvest_run.h"
#include "import_contents.h"
#include "minga_impl.h"

void minga_harvest_options_init(struct minga_harvest_options *opt)
{
    memset(opt, 0, sizeof *opt);
}

void minga_harvest_report_init(struct minga_harvest_report *rep)
{
    memset(rep, 0, sizeof *rep);
    diag_list_init(&rep->diags);
}

void minga_harvest_report_release(struct minga_harvest_report *rep)
{
    diag_list_release(&rep->diags);
    memset(rep, 0, sizeof *rep);
}

/* -- one page's write ----------------------------------------------------- */

static int write_attachments(struct harvest_run *r, struct import_contents *ic,
                             struct harvest_item *it, char **err)
{
    for (size_t i = 0; i < it->c->n_attachments; i++) {
        struct minga_attachment *a =
            (struct minga_attachment *)&it->c->attachments[i];
        char sha[65];
        minga_sha256_hex(it->att_data[i], it->att_len[i], sha);
        const char *media_type = extract_media_type(a->path);
        if (!media_type)
            media_type = "application/octet-stream";
        char *text = NULL, *problem = NULL;
        int rc = import_contents_text(ic, r->m->cat, 1, a->path,
                                      it->att_data[i], it->att_len[i], sha,
                                      media_type, &text, &problem);
        if (rc && rc != MINGA_EINVAL) {
            /* over the text budget, or the catalog failed */
            *err =
                minga_strdupf("%s: %s: %s", it->case_id, a->path,
                              problem ? problem : catalog_errmsg(r->m->cat));
            free(problem);
            return rc;
        }
        free(problem); /* no text extracted: kept without, as an import */
        free((char *)a->sha256);
        free((char *)a->media_type);
        free((char *)a->text);
        a->sha256 = strdup(sha);
        a->media_type = strdup(media_type);
        a->text = text ? text : strdup("");
        a->size = it->att_len[i];
    }
    return MINGA_OK;
}

static int page_step(void *arg, struct minga *m, struct mindex *ix,
                     uint64_t gen, char **err)
{
    struct harvest_run *r = arg;
    r->n_new = r->n_updated = r->n_deleted = 0;
    int64_t import_id = 0;
    char *source = minga_strdupf("%s (harvest, %s)", r->opt->url, r->prefix);
    int rc = source ? catalog_log_import(m->cat, source, r->page_sha, 0, 0, 0,
                                         r->who, &import_id)
                    : MINGA_ENOMEM;
    free(source);
    struct import_contents *ic = import_contents_new(0);
    if (!rc && !ic)
        rc = MINGA_ENOMEM;
    struct catalog_write w = {
        .generation = gen, .import_id = import_id, .by = r->who};
    for (size_t i = 0; !rc && i < r->n_items; i++) {
        struct harvest_item *it = &r->items[i];
        if (it->is_deleted) {
            if (catalog_has_case(m->cat, it->case_id)) {
                rc = catalog_delete_case(m->cat, it->case_id, gen, &w);
                if (!rc)
                    rc = mindex_remove_case(ix, it->case_id, err);
                r->n_deleted++;
            }
        } else {
            int was_there = catalog_has_case(m->cat, it->case_id);
            rc = write_attachments(r, ic, it, err);
            if (!rc)
                rc = minga_apply_case(m, ix, it->c, NULL, &w, NULL, err);
            if (was_there)
                r->n_updated++;
            else
                r->n_new++;
        }
        if (!rc)
            rc = harvest_record_put(m->cat, it->case_id, r->src.id,
                                    it->identifier, it->datestamp,
                                    it->is_deleted);
    }
    import_contents_free(ic);
    if (!rc)
        rc = catalog_finish_import(m->cat, import_id,
                                   (int64_t)(r->n_new + r->n_updated),
                                   (int64_t)r->n_new, (int64_t)r->n_updated);
    /* the place in the list commits with the page's cases */
    if (!rc)
        rc = r->token && *r->token
                 ? harvest_source_save_run(m->cat, r->src.id, r->token,
                                           r->run_max)
                 : harvest_source_finish(m->cat, r->src.id, r->run_max);
    return rc;
}

/* The newer of the stored last datestamp and this list's newest. */
static const char *newest_of(const char *a, const char *b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    return strcmp(a, b) >= 0 ? a : b;
}

/* Writes the page's items (a write step when there are any), or only the
 * place in the list. */
static int commit_page(struct harvest_run *r, char **errmsg)
{
    int is_last = !r->token || !*r->token;
    const char *newest = newest_of(r->src.last_datestamp, r->run_max);
    if (r->n_items == 0) {
        int rc = is_last ? harvest_source_finish(r->m->cat, r->src.id, newest)
                         : harvest_source_save_run(r->m->cat, r->src.id,
                                                   r->token, r->run_max);
        if (rc)
            *errmsg = strdup(catalog_errmsg(r->m->cat));
        return rc;
    }
    if (is_last && newest != r->run_max) {
        free(r->run_max);
        r->run_max = newest ? strdup(newest) : NULL;
    }
    int rc = minga_write_step(r->m, page_step, r, errmsg);
    if (!rc) {
        r->rep->n_new += r->n_new;
        r->rep->n_updated += r->n_updated;
        r->rep->n_deleted += r->n_deleted;
    }
    return rc;
}

/* -- the run -------------------------------------------------------------- */

static char *list_url(struct harvest_run *r, const char *token,
                      const char *from)
{
    const char *sep = strchr(r->opt->url, '?') ? "&" : "?";
    if (token) {
        char *t = harvest_http_escape(r->http, token);
        char *url = t ? minga_strdupf("%s%sverb=ListRecords&resumptionToken="
                                      "%s",
                                      r->opt->url, sep, t)
                      : NULL;
        free(t);
        return url;
    }
    char *set = r->opt->set ? harvest_http_escape(r->http, r->opt->set) : NULL;
    char *url =
        minga_strdupf("%s%sverb=ListRecords&metadataPrefix=%s%s%s%s%s",
                      r->opt->url, sep, r->prefix, set ? "&set=" : "",
                      set ? set : "", from ? "&from=" : "", from ? from : "");
    free(set);
    return url;
}

/* GETs and parses one answer; an OAI error comes back in page. */
static int fetch_page(struct harvest_run *r, const char *url, const char *verb,
                      struct harvest_page *page, char **errmsg)
{
    memset(page, 0, sizeof *page); /* released after a failure too */
    char *body = NULL;
    size_t len = 0;
    int rc = harvest_http_get(r->http, url, &body, &len, errmsg);
    if (rc)
        return rc;
    minga_sha256_hex(body, len, r->page_sha);
    rc = harvest_page_parse(page, body, len, verb, r->opt->url, errmsg);
    free(body);
    return rc ? MINGA_EIO : MINGA_OK;
}

static void progress(struct harvest_run *r, size_t page_no, size_t n_records,
                     const struct minga_harvest_report *before)
{
    if (!r->opt->progress)
        return;
    const struct minga_harvest_report *now = r->rep;
    char *line = minga_strdupf(
        "page %zu: %zu records: %zu new, %zu updated, %zu deleted, %zu "
        "unchanged, %zu skipped",
        page_no, n_records, now->n_new - before->n_new,
        now->n_updated - before->n_updated, now->n_deleted - before->n_deleted,
        now->n_unchanged - before->n_unchanged,
        now->n_skipped - before->n_skipped);
    if (line)
        r->opt->progress(r->opt->progress_arg, line);
    free(line);
}

/* Identify: that the URL answers OAI-PMH, and its granularity. */
static int identify(struct harvest_run *r, int *is_day, char **errmsg)
{
    const char *sep = strchr(r->opt->url, '?') ? "&" : "?";
    char *url = minga_strdupf("%s%sverb=Identify", r->opt->url, sep);
    struct harvest_page page;
    int rc =
        url ? fetch_page(r, url, "Identify", &page, errmsg) : MINGA_ENOMEM;
    free(url);
    if (!rc && page.error_code) {
        *errmsg = minga_strdupf("%s: Identify answered the OAI error %s: %s",
                                r->opt->url, page.error_code,
                                page.error_text ? page.error_text : "");
        rc = MINGA_EIO;
    }
    *is_day = !rc && page.granularity && strlen(page.granularity) == 10;
    harvest_page_release(&page);
    return rc;
}

static int run_list(struct harvest_run *r, char **errmsg)
{
    int is_day = 0;
    int rc = identify(r, &is_day, errmsg);
    if (rc)
        return rc;
    rc = harvest_source_get(r->m->cat, r->opt->url, r->prefix, r->opt->set,
                            &r->src);
    if (rc) {
        *errmsg = strdup(catalog_errmsg(r->m->cat));
        return rc;
    }
    char from[32] = "";
    const char *token = NULL;
    if (r->opt->from) {
        snprintf(from, sizeof from, "%s", r->opt->from);
    } else if (r->src.run_token) {
        token = r->src.run_token; /* an unfinished list goes on */
        r->run_max = r->src.run_max ? strdup(r->src.run_max) : NULL;
    } else if (r->src.last_datestamp) {
        snprintf(from, sizeof from, "%s", r->src.last_datestamp);
    }
    if (is_day && strlen(from) > 10)
        from[10] = '\0'; /* the source counts in days */
    size_t max_pages =
        r->opt->max_pages ? r->opt->max_pages : MINGA_HARVEST_MAX_PAGES;
    char *next = NULL;
    for (size_t page_no = 1;; page_no++) {
        if (page_no > max_pages) {
            *errmsg = minga_strdupf("%s: stopped after %zu pages "
                                    "(--max-pages); the next run goes on "
                                    "from there",
                                    r->opt->url, max_pages);
            rc = MINGA_ELIMIT;
            break;
        }
        char *url = list_url(r, token, *from ? from : NULL);
        struct harvest_page page;
        rc = url ? fetch_page(r, url, "ListRecords", &page, errmsg)
                 : MINGA_ENOMEM;
        free(url);
        if (!rc && page.error_code &&
            strcmp(page.error_code, "badResumptionToken") == 0 && token &&
            token == r->src.run_token) {
            /* the stored place expired: the list again from the last
             * complete run (records held are found unchanged) */
            harvest_page_release(&page);
            token = NULL;
            free(r->run_max);
            r->run_max = NULL;
            if (r->src.last_datestamp)
                snprintf(from, sizeof from, "%s", r->src.last_datestamp);
            if (is_day && strlen(from) > 10)
                from[10] = '\0';
            page_no--;
            continue;
        }
        if (!rc && page.error_code &&
            strcmp(page.error_code, "noRecordsMatch") != 0) {
            *errmsg = minga_strdupf("%s: ListRecords answered the OAI error "
                                    "%s: %s",
                                    r->opt->url, page.error_code,
                                    page.error_text ? page.error_text : "");
            rc = MINGA_EIO;
        }
        if (rc) {
            harvest_page_release(&page);
            break;
        }
        struct minga_harvest_report before = *r->rep;
        for (size_t i = 0; !rc && i < page.n_records; i++)
            rc = harvest_prepare_record(r, &page.records[i]);
        r->token = page.token;
        if (!rc)
            rc = commit_page(r, errmsg);
        else
            *errmsg = strdup(catalog_errmsg(r->m->cat));
        harvest_items_clear(r);
        r->token = NULL;
        if (!rc) {
            r->rep->n_pages++;
            progress(r, page_no, page.n_records, &before);
        }
        free(next);
        next = page.token && *page.token ? strdup(page.token) : NULL;
        harvest_page_release(&page);
        if (rc || !next)
            break;
        token = next;
    }
    free(next);
    if (!rc)
        r->rep->is_complete = 1;
    return rc;
}

static int check_options(const struct minga_harvest_options *opt,
                         char **errmsg)
{
    if (!opt->url || (strncmp(opt->url, "http://", 7) != 0 &&
                      strncmp(opt->url, "https://", 8) != 0)) {
        *errmsg = minga_strdupf("%s: not an http or https URL",
                                opt->url ? opt->url : "(none)");
        return MINGA_EINVAL;
    }
    if (opt->prefix && strcmp(opt->prefix, "minga") != 0 &&
        strcmp(opt->prefix, "oai_dc") != 0) {
        *errmsg = minga_strdupf("--prefix %s: minga harvests the formats "
                                "minga and oai_dc",
                                opt->prefix);
        return MINGA_EINVAL;
    }
    if (opt->from && !harvest_is_datestamp(opt->from)) {
        *errmsg = minga_strdupf("--from %s: expected YYYY-MM-DD or "
                                "YYYY-MM-DDThh:mm:ssZ",
                                opt->from);
        return MINGA_EINVAL;
    }
    return MINGA_OK;
}

/* "http://host:port" of a base URL ".../oai": where /api/cases is. */
static char *attach_base_of(const char *url)
{
    size_t n = strcspn(url, "?#");
    if (n >= 4 && strncmp(url + n - 4, "/oai", 4) == 0)
        return strndup(url, n - 4);
    const char *host = strstr(url, "://");
    size_t end =
        host ? (size_t)(host + 3 - url) + strcspn(host + 3, "/?#") : n;
    return strndup(url, end);
}

int minga_harvest(struct minga *m, const struct minga_harvest_options *opt,
                  struct minga_harvest_report *rep, char **errmsg)
{
    *errmsg = NULL;
    int rc = check_options(opt, errmsg);
    if (rc)
        return rc;
    if (m->flags & MINGA_OPEN_READONLY) {
        *errmsg = strdup("the data folder is open read-only");
        return MINGA_EINVAL;
    }
    struct harvest_run r = {.m = m,
                            .opt = opt,
                            .rep = rep,
                            .prefix = opt->prefix ? opt->prefix : "minga"};
    r.who = minga_strdupf("harvest:%s", opt->url);
    r.attach_base = attach_base_of(opt->url);
    r.builder = case_builder_new(0, &rep->diags);
    if (!r.who || !r.attach_base || !r.builder)
        rc = MINGA_ENOMEM;
    if (!rc)
        rc = harvest_http_new(
            &r.http,
            opt->max_response ? opt->max_response : MINGA_HARVEST_MAX_RESPONSE,
            opt->timeout_s ? opt->timeout_s : MINGA_HARVEST_TIMEOUT_S, errmsg);
    if (!rc)
        rc = run_list(&r, errmsg);
    if (r.src.id) {
        char *summary = minga_harvest_summary(rep);
        char *status =
            rc ? minga_strdupf("failed after %zu pages: %s", rep->n_pages,
                               *errmsg ? *errmsg : "error")
               : summary;
        if (status)
            harvest_source_note(m->cat, r.src.id, status);
        if (status != summary)
            free(status);
        free(summary);
    }
    harvest_items_clear(&r);
    free(r.items);
    harvest_source_row_release(&r.src);
    harvest_http_free(r.http);
    case_builder_free(r.builder);
    free(r.who);
    free(r.run_max);
    free(r.attach_base);
    if (rc && !*errmsg)
        *errmsg = strdup(rc == MINGA_ENOMEM ? "out of memory"
                                            : "the harvest failed");
    return rc;
}

char *minga_harvest_summary(const struct minga_harvest_report *rep)
{
    return minga_strdupf("harvested %zu record%s in %zu page%s: %zu new, %zu "
                         "updated, %zu deleted, %zu unchanged, %zu skipped%s",
                         rep->n_records, rep->n_records == 1 ? "" : "s",
                         rep->n_pages, rep->n_pages == 1 ? "" : "s",
                         rep->n_new, rep->n_updated, rep->n_deleted,
                         rep->n_unchanged, rep->n_skipped,
                         rep->is_complete ? "" : " (list not finished)");
}

int minga_harvest_sources(struct minga *m, json_t **out, char **errmsg)
{
    json_t *list = harvest_sources_list(m->cat);
    if (!list) {
        /* a catalog a reader opened before version 4: nothing harvested */
        *out = json_array();
        return MINGA_OK;
    }
    (void)errmsg;
    *out = list;
    return MINGA_OK;
}

json_t *minga_harvest_provenance(struct minga *m, const char *id)
{
    return harvest_record_json(m->cat, id);
}
