/*
 * What search engines and feed readers read (issue 22), and the helpers
 * the federation's files share (federation.h):
 *
 *   GET /sitemap.xml   every current case's page with its datestamp; past
 *                      the protocol's 50 000 URLs a sitemap index of
 *                      /sitemap.xml?page=N, each a sitemap of 50 000;
 *   GET /feed.atom     the newest cases (by datestamp) among those a
 *                      search with the same parameters selects
 *                      (/feed.atom?sdg=11&country=BR).
 *
 * The sitemap grows with the catalog: it runs in the export pool; the
 * feed is a search and runs in the query pool. The DCAT catalog is
 * dcat.c's, the case pages' schema.org JSON-LD jsonld.c's.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "federation.h"
#include "minga.h"
#include "oai.h"
#include "case.h"

#define DEFAULT_HOST "minga.local"
#define ATOM_NS "http://www.w3.org/2005/Atom"
#define SITEMAP_NS "http://www.sitemaps.org/schemas/sitemap/0.9"
#define SITEMAP_MAX_URLS 50000 /* the sitemap protocol's bound */
#define FEED_DEFAULT_ENTRIES 50
#define FEED_MAX_ENTRIES 100
/* records a sitemap reads at a time (a sitemap is written as read) */
#define SITEMAP_CHUNK 5000
#define MAX_PAGE_NUMBER 1000000

/* -- shared helpers ----------------------------------------------------- */

int fed_site_load(struct minga *m, struct fed_site *site)
{
    memset(site, 0, sizeof *site);
    site->host = minga_oai_setting(m, "oai_host", DEFAULT_HOST);
    site->base_url = minga_oai_setting(m, "base_url", NULL);
    if (!site->base_url && site->host &&
        asprintf(&site->base_url, "http://%s", site->host) < 0)
        site->base_url = NULL;
    site->name = minga_oai_setting(m, "repository_name",
                                   "minga: city experiences with the SDGs");
    char *email = NULL;
    if (site->host && asprintf(&email, "admin@%s", site->host) < 0)
        email = NULL;
    site->email = minga_oai_setting(m, "oai_admin_email", email);
    free(email);
    if (!site->host || !site->base_url || !site->name || !site->email) {
        fed_site_release(site);
        return -1;
    }
    size_t len = strlen(site->base_url);
    while (len > 0 && site->base_url[len - 1] == '/')
        site->base_url[--len] = '\0';
    return 0;
}

void fed_site_release(struct fed_site *site)
{
    free(site->host);
    free(site->base_url);
    free(site->name);
    free(site->email);
    memset(site, 0, sizeof *site);
}

char *fed_case_url(const struct fed_site *site, const char *id)
{
    char *url = NULL;
    if (asprintf(&url, "%s/?case=%s", site->base_url, id) < 0)
        return NULL;
    return url;
}

/* A copy of s without the characters XML 1.0 cannot hold. */
static char *xml_clean(const char *s)
{
    size_t n_bad = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n_bad += *p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r';
    char *out = malloc(strlen(s) + 2 * n_bad + 1), *q = out;
    if (!out)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') {
            memcpy(q, "\xEF\xBF\xBD", 3); /* U+FFFD */
            q += 3;
        } else {
            *q++ = (char)*p;
        }
    }
    *q = '\0';
    return out;
}

int fed_write_element(xmlTextWriterPtr w, const char *name, const char *text)
{
    char *clean = xml_clean(text ? text : "");
    if (!clean)
        return -1;
    int rc = name ? xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST clean)
                  : xmlTextWriterWriteString(w, BAD_CAST clean);
    free(clean);
    return rc;
}

xmlTextWriterPtr fed_xml_new(xmlBufferPtr *buf)
{
    *buf = xmlBufferCreate();
    if (!*buf)
        return NULL;
    xmlTextWriterPtr w = xmlNewTextWriterMemory(*buf, 0);
    if (!w || xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0) {
        if (w)
            xmlFreeTextWriter(w);
        xmlBufferFree(*buf);
        *buf = NULL;
        return NULL;
    }
    return w;
}

void fed_xml_reply(struct web_reply *reply, xmlTextWriterPtr w,
                   xmlBufferPtr buf, const char *content_type, int failed)
{
    if (xmlTextWriterEndDocument(w) < 0)
        failed = 1;
    xmlFreeTextWriter(w); /* flushes into buf */
    struct MHD_Response *resp = NULL;
    if (!failed)
        resp = MHD_create_response_from_buffer((size_t)xmlBufferLength(buf),
                                               (void *)xmlBufferContent(buf),
                                               MHD_RESPMEM_MUST_COPY);
    xmlBufferFree(buf);
    if (!resp) {
        web_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
                        "the answer could not be written", NULL);
        return;
    }
    MHD_add_response_header(resp, "Content-Type", content_type);
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    web_reply_set(reply, MHD_HTTP_OK, resp);
}

size_t fed_env_size(const char *name, size_t fallback, size_t max)
{
    const char *env = getenv(name);
    long n = env && *env ? strtol(env, NULL, 10) : (long)fallback;
    if (n < 1)
        n = 1;
    if ((size_t)n > max)
        n = (long)max;
    return (size_t)n;
}

int fed_page_param(struct MHD_Connection *con, struct web_request *req,
                   long *page, enum MHD_Result *ret)
{
    const char *value = NULL;
    char msg[160];
    for (size_t i = 0; i < req->n_params; i++) {
        const struct web_param *p = &req->params[i];
        if (strcmp(p->name, "page") != 0) {
            snprintf(msg, sizeof msg, "%.60s: this endpoint takes only page",
                     p->name);
            *ret = web_send_param_coded(
                con, req, "unknown_parameter", p->name, p->value,
                json_pack("{s:[s]}", "allowed", "page"), msg);
            return 1;
        }
        if (value) {
            *ret = web_send_param_error(con, req, "page", "page: given twice");
            return 1;
        }
        value = p->value;
    }
    int64_t n = 1;
    if (value && (n = web_parse_positive(value, MAX_PAGE_NUMBER)) < 0) {
        snprintf(msg, sizeof msg, "page: expected a page number, 1 to %d",
                 MAX_PAGE_NUMBER);
        *ret = web_send_param_error(con, req, "page", msg);
        return 1;
    }
    *page = value ? (long)n : 0;
    return 0;
}

void fed_reply_no_page(struct web_reply *reply, const char *path, long page,
                       long n_pages)
{
    char msg[160], value[24];
    snprintf(msg, sizeof msg, "page %ld: %s has %ld page%s", page, path,
             n_pages, n_pages == 1 ? "" : "s");
    snprintf(value, sizeof value, "%ld", page);
    web_reply_coded(reply, MHD_HTTP_NOT_FOUND, "not_found",
                    json_pack("{s:s, s:s, s:I}", "param", "page", "value",
                              value, "last", (json_int_t)n_pages),
                    msg, NULL);
}

/* -- sitemap ------------------------------------------------------------ */

/* A sitemap's URLs are the home page (position 0) and the current cases
 * by id (positions 1 to n); sitemap page N holds the positions
 * [(N - 1) * size, N * size). */
struct sitemap_job {
    long page; /* 0: /sitemap.xml itself */
};

static void write_url(xmlTextWriterPtr w, const char *loc, const char *lastmod,
                      int *failed)
{
    if (!loc || xmlTextWriterStartElement(w, BAD_CAST "url") < 0 ||
        fed_write_element(w, "loc", loc) < 0 ||
        (lastmod && fed_write_element(w, "lastmod", lastmod) < 0) ||
        xmlTextWriterEndElement(w) < 0)
        *failed = 1;
}

/* The <urlset> of positions [first, end). */
static int write_urlset(struct minga *m, xmlTextWriterPtr w,
                        const struct fed_site *site, size_t first, size_t end,
                        int *failed, char **errmsg)
{
    if (xmlTextWriterStartElement(w, BAD_CAST "urlset") < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns", BAD_CAST SITEMAP_NS) <
            0)
        *failed = 1;
    if (first == 0 && end > 0) {
        char *home = NULL;
        if (asprintf(&home, "%s/", site->base_url) < 0)
            home = NULL;
        write_url(w, home, NULL, failed);
        free(home);
        first = 1;
    }
    /* case k is at position k + 1 */
    for (size_t at = first; at < end && !*failed;) {
        size_t want = end - at < SITEMAP_CHUNK ? end - at : SITEMAP_CHUNK;
        struct minga_oai_record *recs = NULL;
        size_t n = 0;
        int rc = minga_oai_list_current(m, at - 1, want, &recs, &n, errmsg);
        if (rc)
            return rc;
        for (size_t i = 0; i < n && !*failed; i++) {
            char *loc = fed_case_url(site, recs[i].id);
            write_url(w, loc, recs[i].datestamp, failed);
            free(loc);
        }
        minga_oai_records_free(recs, n);
        if (n < want)
            break; /* the catalog shrank: nothing more */
        at += n;
    }
    if (xmlTextWriterEndElement(w) < 0)
        *failed = 1;
    return 0;
}

/* The <sitemapindex> of pages 1 to n_pages. */
static void write_index(xmlTextWriterPtr w, const struct fed_site *site,
                        long n_pages, int *failed)
{
    if (xmlTextWriterStartElement(w, BAD_CAST "sitemapindex") < 0 ||
        xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns", BAD_CAST SITEMAP_NS) <
            0)
        *failed = 1;
    for (long p = 1; p <= n_pages && !*failed; p++) {
        char *loc = NULL;
        if (asprintf(&loc, "%s/sitemap.xml?page=%ld", site->base_url, p) < 0)
            loc = NULL;
        if (!loc || xmlTextWriterStartElement(w, BAD_CAST "sitemap") < 0 ||
            fed_write_element(w, "loc", loc) < 0 ||
            xmlTextWriterEndElement(w) < 0)
            *failed = 1;
        free(loc);
    }
    if (xmlTextWriterEndElement(w) < 0)
        *failed = 1;
}

static void run_sitemap(struct web_server *srv, struct web_job *job)
{
    struct sitemap_job *sj = job->ctx;
    struct minga *m = web_thread_minga_reply(srv, &job->reply);
    if (!m)
        return;
    struct fed_site site;
    if (fed_site_load(m, &site) != 0) {
        web_reply_error(&job->reply, 500, "out of memory", NULL);
        return;
    }
    size_t size =
        fed_env_size("MINGA_SITEMAP_URLS", SITEMAP_MAX_URLS, SITEMAP_MAX_URLS);
    struct minga_oai_state st;
    char *errmsg = NULL;
    xmlBufferPtr buf = NULL;
    xmlTextWriterPtr w = NULL;
    int in_read = minga_oai_begin_read(m, NULL) == 0, failed = 0;
    int rc = minga_oai_state(m, &st, &errmsg);
    size_t n_urls = rc ? 0 : st.n_current + 1; /* with the home page */
    long n_pages = (long)((n_urls + size - 1) / size);
    if (rc == 0 && sj->page > n_pages) {
        fed_reply_no_page(&job->reply, "/sitemap.xml", sj->page, n_pages);
    } else if (rc == 0 && !(w = fed_xml_new(&buf))) {
        rc = MINGA_ENOMEM;
    } else if (rc == 0) {
        xmlTextWriterSetIndent(w, 1);
        if (sj->page == 0 && n_pages > 1) {
            write_index(w, &site, n_pages, &failed);
        } else {
            size_t first = sj->page > 1 ? (size_t)(sj->page - 1) * size : 0;
            size_t end = first + size < n_urls ? first + size : n_urls;
            rc = write_urlset(m, w, &site, first, end, &failed, &errmsg);
        }
    }
    if (in_read)
        minga_oai_end_read(m);
    if (rc) {
        web_log(srv, "sitemap failed: %s", errmsg ? errmsg : "?");
        failed = 1;
    }
    if (w)
        fed_xml_reply(&job->reply, w, buf, "application/xml; charset=utf-8",
                      failed);
    else if (rc)
        web_reply_error(&job->reply, 500, "the sitemap could not be written",
                        NULL);
    free(errmsg);
    fed_site_release(&site);
}

enum MHD_Result web_feed_sitemap(struct web_server *srv,
                                 struct MHD_Connection *con,
                                 struct web_request *req)
{
    enum MHD_Result ret;
    long page;
    if (fed_page_param(con, req, &page, &ret))
        return ret;
    struct sitemap_job *sj = calloc(1, sizeof *sj);
    if (!sj)
        return web_send_error(con, req, MHD_HTTP_INTERNAL_SERVER_ERROR,
                              "out of memory", NULL);
    sj->page = page;
    return web_pool_submit(&srv->export_pool, con, req, run_sitemap, sj, free);
}

/* -- Atom --------------------------------------------------------------- */

struct feed_job {
    struct minga_query q;
    struct web_request *req; /* outlives the job */
    size_t n_entries;
};

static void feed_job_free(void *ctx)
{
    struct feed_job *fj = ctx;
    if (!fj)
        return;
    query_release(&fj->q);
    free(fj);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void write_entry(xmlTextWriterPtr w, const struct fed_site *site,
                        const struct minga_case *c, const char *updated,
                        int *failed)
{
    char *page = fed_case_url(site, c->id), *api = NULL, buf[64];
    if (!page ||
        asprintf(&api, "%s/api/cases/%s", site->base_url, c->id) < 0) {
        free(page);
        *failed = 1;
        return;
    }
    int rc = 0;
    rc |= xmlTextWriterStartElement(w, BAD_CAST "entry") < 0;
    rc |= fed_write_element(w, "id", page) < 0;
    rc |= xmlTextWriterStartElement(w, BAD_CAST "title") < 0;
    rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "xml:lang",
                                      BAD_CAST c->language) < 0;
    rc |= fed_write_element(w, NULL, c->title) < 0;
    rc |= xmlTextWriterEndElement(w) < 0;
    rc |= fed_write_element(w, "updated", updated) < 0;
    if (c->created_at)
        rc |= fed_write_element(w, "published", c->created_at) < 0;
    rc |= xmlTextWriterStartElement(w, BAD_CAST "author") < 0;
    rc |= fed_write_element(w, "name", c->city) < 0;
    rc |= xmlTextWriterEndElement(w) < 0;
    rc |= xmlTextWriterStartElement(w, BAD_CAST "summary") < 0;
    rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "xml:lang",
                                      BAD_CAST c->language) < 0;
    rc |= fed_write_element(w, NULL, c->summary) < 0;
    rc |= xmlTextWriterEndElement(w) < 0;
    rc |= xmlTextWriterStartElement(w, BAD_CAST "link") < 0;
    rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "rel",
                                      BAD_CAST "alternate") < 0;
    rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "type",
                                      BAD_CAST "text/html") < 0;
    rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "href", BAD_CAST page) < 0;
    rc |= xmlTextWriterEndElement(w) < 0;
    rc |= xmlTextWriterStartElement(w, BAD_CAST "link") < 0;
    rc |=
        xmlTextWriterWriteAttribute(w, BAD_CAST "rel", BAD_CAST "related") < 0;
    rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "type",
                                      BAD_CAST "application/json") < 0;
    rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "href", BAD_CAST api) < 0;
    rc |= xmlTextWriterEndElement(w) < 0;
    for (int g = 1; g <= 17; g++)
        if (c->goal_mask & (1u << g)) {
            char label[16];
            snprintf(buf, sizeof buf, "sdg:%d", g);
            snprintf(label, sizeof label, "SDG %d", g);
            rc |= xmlTextWriterStartElement(w, BAD_CAST "category") < 0;
            rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "term",
                                              BAD_CAST buf) < 0;
            rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "label",
                                              BAD_CAST label) < 0;
            rc |= xmlTextWriterEndElement(w) < 0;
        }
    rc |= xmlTextWriterEndElement(w) < 0;
    if (rc)
        *failed = 1;
    free(page);
    free(api);
}

static void run_feed(struct web_server *srv, struct web_job *job)
{
    struct feed_job *fj = job->ctx;
    struct minga *m = web_thread_minga_reply(srv, &job->reply);
    if (!m)
        return;
    struct fed_site site;
    if (fed_site_load(m, &site) != 0) {
        web_reply_error(&job->reply, 500, "out of memory", NULL);
        return;
    }
    char **ids = NULL, *errmsg = NULL;
    size_t n_ids = 0;
    int rc = minga_match_ids(m, &fj->q, &ids, &n_ids, &errmsg);
    /* the newest by datestamp (the search orders by year, not by
     * change): every record in one read, newest first, kept when the
     * search matched it, until the feed is full */
    struct minga_oai_record *all = NULL, *recs = NULL;
    size_t n_all = 0, n_recs = 0;
    int in_read = 0;
    if (rc == 0) {
        in_read = minga_oai_begin_read(m, NULL) == 0;
        struct minga_oai_selection sel = {NULL, NULL, NULL, NULL, NULL};
        rc = minga_oai_list(m, &sel, (size_t)1 << 30, &all, &n_all, NULL,
                            &errmsg);
    }
    if (rc == 0) {
        if (n_ids > 1)
            qsort(ids, n_ids, sizeof *ids, cmp_str);
        recs = calloc(fj->n_entries ? fj->n_entries : 1, sizeof *recs);
        if (!recs)
            rc = MINGA_ENOMEM;
    }
    for (size_t i = n_all; rc == 0 && i > 0 && n_recs < fj->n_entries; i--) {
        struct minga_oai_record *r = &all[i - 1];
        const char *key = r->id;
        if (r->is_deleted || !bsearch(&key, ids, n_ids, sizeof *ids, cmp_str))
            continue;
        recs[n_recs] = *r;
        r->sets = NULL; /* moved */
        n_recs++;
    }
    minga_oai_records_free(all, n_all);
    if (ids)
        mindex_ids_free(ids, n_ids);
    xmlBufferPtr buf = NULL;
    xmlTextWriterPtr w = rc == 0 ? fed_xml_new(&buf) : NULL;
    if (rc == 0 && !w)
        rc = MINGA_ENOMEM;
    if (rc) {
        if (in_read)
            minga_oai_end_read(m);
        web_log(srv, "feed failed: %s", errmsg ? errmsg : "out of memory");
        web_reply_error(&job->reply, web_status_for(rc),
                        errmsg ? errmsg : "the feed could not be written",
                        NULL);
        minga_oai_records_free(recs, n_recs);
        free(errmsg);
        fed_site_release(&site);
        return;
    }
    int failed = 0;
    char *self = NULL, *filters = query_describe_filters(&fj->q);
    char *title = NULL;
    if (asprintf(&self, "%s%s", site.base_url, fj->req->raw_uri) < 0)
        self = NULL;
    if (asprintf(&title, "%s: newest cases%s%s%s", site.name,
                 filters && *filters ? " (" : "",
                 filters && *filters ? filters : "",
                 filters && *filters ? ")" : "") < 0)
        title = NULL;
    char updated[21] = "1970-01-01T00:00:00Z";
    if (n_recs > 0)
        snprintf(updated, sizeof updated, "%s", recs[0].datestamp);
    xmlTextWriterSetIndent(w, 1);
    failed |= xmlTextWriterStartElement(w, BAD_CAST "feed") < 0;
    failed |=
        xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns", BAD_CAST ATOM_NS) < 0;
    failed |= fed_write_element(w, "id", self) < 0;
    failed |= fed_write_element(w, "title", title) < 0;
    failed |= fed_write_element(w, "updated", updated) < 0;
    failed |= xmlTextWriterStartElement(w, BAD_CAST "author") < 0;
    failed |= fed_write_element(w, "name", site.name) < 0;
    failed |= xmlTextWriterEndElement(w) < 0;
    failed |= xmlTextWriterStartElement(w, BAD_CAST "link") < 0;
    failed |=
        xmlTextWriterWriteAttribute(w, BAD_CAST "rel", BAD_CAST "self") < 0;
    failed |= xmlTextWriterWriteAttribute(w, BAD_CAST "href",
                                          BAD_CAST(self ? self : "")) < 0;
    failed |= xmlTextWriterEndElement(w) < 0;
    failed |= fed_write_element(w, "generator", "minga") < 0;
    for (size_t i = 0; i < n_recs && i < fj->n_entries && !failed; i++) {
        struct minga_case *c = NULL;
        if (minga_get_case(m, recs[i].id, &c, NULL) != 0)
            continue;
        write_entry(w, &site, c, recs[i].datestamp, &failed);
        case_free(c);
    }
    if (in_read)
        minga_oai_end_read(m);
    failed |= xmlTextWriterEndElement(w) < 0;
    fed_xml_reply(&job->reply, w, buf, "application/atom+xml; charset=utf-8",
                  failed);
    minga_oai_records_free(recs, n_recs);
    free(self);
    free(title);
    free(filters);
    free(errmsg);
    fed_site_release(&site);
}

enum MHD_Result web_feed_atom(struct web_server *srv,
                              struct MHD_Connection *con,
                              struct web_request *req)
{
    struct feed_job *fj = calloc(1, sizeof *fj);
    if (!fj)
        return web_send_error(con, req, MHD_HTTP_INTERNAL_SERVER_ERROR,
                              "out of memory", NULL);
    query_init(&fj->q);
    fj->req = req;
    const char *bad_param = NULL;
    char *errmsg = NULL;
    /* the search's parameters, checked as the search checks them */
    if (web_query_build(&fj->q, req, 0, &bad_param, &errmsg) != 0) {
        feed_job_free(fj);
        enum MHD_Result ret = web_send_param_error(
            con, req, bad_param, errmsg ? errmsg : "bad parameter");
        free(errmsg);
        return ret;
    }
    fj->n_entries =
        web_param(req, "per_page") ? fj->q.limit : FEED_DEFAULT_ENTRIES;
    if (fj->n_entries > FEED_MAX_ENTRIES)
        fj->n_entries = FEED_MAX_ENTRIES;
    fj->q.offset = 0;
    fj->q.limit = 0; /* every match: the newest are picked after */
    fj->q.want_facets = fj->q.want_snippets = fj->q.want_spelling = 0;
    return web_pool_submit(&srv->query_pool, con, req, run_feed, fj,
                           feed_job_free);
}
