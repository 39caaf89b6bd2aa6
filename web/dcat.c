/*
 * GET /dcat.jsonld[?page=N] (issue 22): the catalog as DCAT in JSON-LD,
 * for CKAN (ckanext-dcat), data.europa.eu and national portals. A
 * dcat:Catalog whose dcat:dataset holds one page of the current cases,
 * each a dcat:Dataset with the case's JSON and each attachment as
 * distributions.
 *
 * Paged as ckanext-dcat pages its own catalog: page N (1-based) holds
 * DCAT_PAGE cases (MINGA_DCAT_PAGE in the server's environment, 1-1000,
 * for the tests), and the catalog's hydra:view, a
 * hydra:PartialCollectionView, links the first, last, next and previous
 * pages and says hydra:totalItems. Pages are cut in the order of the
 * cases' ids and read by position on the id index
 * (minga_oai_list_current): a page costs its own cases however deep it
 * is, and an update, which would move a case to the end of a datestamp
 * order, leaves every case on its page, so a harvester walking the
 * pages while cases change misses none (ckanext-dcat removes what a run
 * does not list). A page past the last is a 404.
 *
 * Cached by validation: a weak ETag from the catalog's generation (one
 * more with every write), the newest datestamp, the number of current
 * cases, the page and its size and the node's settings the document
 * holds; If-None-Match with it is a 304 before any case is read.
 * Last-Modified is the newest datestamp. Runs in the query pool, as an
 * OAI-PMH page does, in one read transaction.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "federation.h"
#include "minga.h"
#include "oai.h"
#include "case.h"
#include "refdata.h"

#define DCAT_PAGE 500      /* datasets a page, by default */
#define DCAT_MAX_PAGE 1000 /* the most MINGA_DCAT_PAGE may ask */

/* -- one dataset ------------------------------------------------------ */

/* "/api/cases/ID/attachments/PATH" with the path as one segment. */
static char *attachment_url(const struct fed_site *site, const char *id,
                            const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(path);
    char *enc = malloc(3 * len + 1), *q = enc;
    if (!enc)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || strchr("-_.~", *p)) {
            *q++ = (char)*p;
        } else {
            *q++ = '%';
            *q++ = hex[*p >> 4];
            *q++ = hex[*p & 15];
        }
    }
    *q = '\0';
    char *url = NULL;
    if (asprintf(&url, "%s/api/cases/%s/attachments/%s", site->base_url, id,
                 enc) < 0)
        url = NULL;
    free(enc);
    return url;
}

static json_t *ref(const char *iri)
{
    return json_pack("{s:s}", "@id", iri);
}

static json_t *typed(const char *value, const char *type)
{
    return json_pack("{s:s, s:s}", "@value", value, "@type", type);
}

static json_t *lang_string(const char *value, const char *lang)
{
    return json_pack("{s:s, s:s}", "@value", value, "@language", lang);
}

static json_t *dataset_json(const struct fed_site *site,
                            const struct minga_case *c, const char *modified)
{
    char *page = fed_case_url(site, c->id), *api = NULL, buf[64];
    if (!page ||
        asprintf(&api, "%s/api/cases/%s", site->base_url, c->id) < 0) {
        free(page);
        return NULL;
    }
    json_t *d = json_object();
    json_object_set_new(d, "@id", json_string(page));
    json_object_set_new(d, "@type", json_string("dcat:Dataset"));
    json_object_set_new(d, "dct:identifier", json_string(c->id));
    json_object_set_new(d, "dct:title", lang_string(c->title, c->language));
    json_object_set_new(d, "dct:description",
                        lang_string(c->summary, c->language));
    if (c->created_at)
        json_object_set_new(d, "dct:issued",
                            typed(c->created_at, "xsd:dateTime"));
    json_object_set_new(d, "dct:modified", typed(modified, "xsd:dateTime"));
    json_object_set_new(d, "dct:language", json_string(c->language));
    json_object_set_new(d, "dcat:landingPage", ref(page));
    json_t *keywords = json_array(), *themes = json_array();
    for (int g = 1; g <= 17; g++)
        if (c->goal_mask & (1u << g)) {
            snprintf(buf, sizeof buf, "SDG %d", g);
            json_array_append_new(keywords, json_string(buf));
            snprintf(buf, sizeof buf, "http://metadata.un.org/sdg/%d", g);
            json_array_append_new(themes, ref(buf));
        }
    for (size_t i = 0; i < c->n_targets; i++) {
        snprintf(buf, sizeof buf, "SDG %.20s", c->targets[i]);
        json_array_append_new(keywords, json_string(buf));
    }
    for (size_t i = 0; i < c->n_tags; i++)
        json_array_append_new(keywords, json_string(c->tags[i]));
    json_object_set_new(d, "dcat:keyword", keywords);
    json_object_set_new(d, "dcat:theme", themes);
    const char *country = refdata_country_name(c->country);
    char *place = NULL;
    if (asprintf(&place, "%s, %s", c->city, country ? country : c->country) <
        0)
        place = NULL;
    json_object_set_new(d, "dct:spatial",
                        json_pack("{s:s, s:s, s:s}", "@type", "dct:Location",
                                  "locn:geographicName", place ? place : "",
                                  "dct:identifier", c->country));
    free(place);
    json_t *period = json_pack("{s:s}", "@type", "dct:PeriodOfTime");
    snprintf(buf, sizeof buf, "%d", c->year_start);
    json_object_set_new(period, "dcat:startDate", typed(buf, "xsd:gYear"));
    if (c->year_end) {
        snprintf(buf, sizeof buf, "%d", c->year_end);
        json_object_set_new(period, "dcat:endDate", typed(buf, "xsd:gYear"));
    }
    json_object_set_new(d, "dct:temporal", period);
    if (c->license) {
        char *lic = NULL;
        if (asprintf(&lic, "https://spdx.org/licenses/%s", c->license) >= 0) {
            json_object_set_new(d, "dct:license", ref(lic));
            free(lic);
        }
    }
    if (c->source_url)
        json_object_set_new(d, "dct:source", ref(c->source_url));
    json_t *dists = json_array();
    json_array_append_new(
        dists,
        json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:s}", "@id", api, "@type",
                  "dcat:Distribution", "dct:title",
                  "The case in minga's case format, version 1 (JSON)",
                  "dcat:accessURL", ref(api), "dcat:downloadURL", ref(api),
                  "dcat:mediaType", "application/json", "dct:format", "JSON"));
    for (size_t i = 0; i < c->n_attachments; i++) {
        const struct minga_attachment *at = &c->attachments[i];
        char *url = attachment_url(site, c->id, at->path);
        if (!url)
            continue;
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)at->size);
        json_t *dist =
            json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:o}", "@id", url,
                      "@type", "dcat:Distribution", "dct:title", at->path,
                      "dcat:accessURL", ref(url), "dcat:downloadURL", ref(url),
                      "dcat:mediaType", at->media_type ? at->media_type : "",
                      "dcat:byteSize", typed(buf, "xsd:nonNegativeInteger"));
        if (dist && at->sha256)
            json_object_set_new(dist, "spdx:checksum",
                                json_pack("{s:s, s:s, s:s}", "@type",
                                          "spdx:Checksum", "spdx:algorithm",
                                          "spdx:checksumAlgorithm_sha256",
                                          "spdx:checksumValue", at->sha256));
        json_array_append_new(dists, dist);
        free(url);
    }
    json_object_set_new(d, "dcat:distribution", dists);
    free(page);
    free(api);
    return d;
}

/* -- the page --------------------------------------------------------- */

struct dcat_job {
    long page;
    char *if_none_match; /* the request's, NULL when it sent none */
};

static void dcat_job_free(void *ctx)
{
    struct dcat_job *dj = ctx;
    if (!dj)
        return;
    free(dj->if_none_match);
    free(dj);
}

/* "BASE/dcat.jsonld?page=N". Returns a new string, NULL when out of
 * memory. */
static char *page_url(const struct fed_site *site, long page)
{
    char *url = NULL;
    if (asprintf(&url, "%s/dcat.jsonld?page=%ld", site->base_url, page) < 0)
        return NULL;
    return url;
}

/* {"@id": the URL of page N}, or NULL. */
static json_t *page_ref(const struct fed_site *site, long page)
{
    char *url = page_url(site, page);
    json_t *r = url ? ref(url) : NULL;
    free(url);
    return r;
}

/* The catalog's hydra:view: where this page is among the others. */
static json_t *hydra_view(const struct fed_site *site, long page, long n_pages,
                          size_t n_items)
{
    char *self = page_url(site, page);
    json_t *view =
        json_pack("{s:s, s:s, s:o*, s:o*, s:I}", "@id", self ? self : "",
                  "@type", "hydra:PartialCollectionView", "hydra:first",
                  page_ref(site, 1), "hydra:last", page_ref(site, n_pages),
                  "hydra:totalItems", (json_int_t)n_items);
    free(self);
    if (view && page < n_pages)
        json_object_set_new(view, "hydra:next", page_ref(site, page + 1));
    if (view && page > 1)
        json_object_set_new(view, "hydra:previous", page_ref(site, page - 1));
    return view;
}

/* The weak validator of a page: what the document is made of. Two
 * writes in one second still differ by generation; a change of
 * base_url or repository_name (which every URL and the title hold)
 * changes it too. */
static void page_etag(char out[32], const struct minga_oai_state *st,
                      const struct fed_site *site, long page, size_t page_size)
{
    char *key = NULL;
    uint64_t hash = 14695981039346656037ull; /* FNV-1a */
    if (asprintf(&key, "%" PRIu64 "|%s|%zu|%ld|%zu|%s|%s", st->generation,
                 st->newest, st->n_current, page, page_size, site->base_url,
                 site->name) >= 0)
        for (const char *p = key; *p; p++) {
            hash ^= (unsigned char)*p;
            hash *= 1099511628211ull;
        }
    free(key);
    snprintf(out, 32, "W/\"%016" PRIx64 "\"", hash);
}

/* Whether If-None-Match lists the tag (compared weakly, as RFC 9110
 * asks for If-None-Match: W/"x" and "x" match alike) or is "*". */
static int etag_matches(const char *header, const char *etag)
{
    if (!header)
        return 0;
    if (strcmp(header, "*") == 0)
        return 1;
    const char *opaque = etag + 2; /* past W/ */
    return strstr(header, opaque) != NULL;
}

/* "YYYY-MM-DDThh:mm:ssZ" as an HTTP date ("Sun, 06 Nov 1994 08:49:37
 * GMT"), by hand: strftime's names follow the locale. 0, or -1 when the
 * datestamp is not one. */
static int http_date(char out[32], const char *datestamp)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed",
                                    "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr",
                                       "May", "Jun", "Jul", "Aug",
                                       "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(datestamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!end || *end)
        return -1;
    time_t t = timegm(&tm);
    if (t == (time_t)-1 || !gmtime_r(&t, &tm))
        return -1;
    snprintf(out, 32, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
             tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
    return 0;
}

/* The validators on a 200 or a 304. */
static void add_validators(struct MHD_Response *resp, const char *etag,
                           const char *newest)
{
    char date[32];
    MHD_add_response_header(resp, "ETag", etag);
    if (*newest && http_date(date, newest) == 0)
        MHD_add_response_header(resp, "Last-Modified", date);
    /* revalidate every time: a 304 costs three small reads */
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
}

/* The page's datasets into `datasets`: the current cases at positions
 * [offset, offset + n) by id. */
static int read_datasets(struct minga *m, const struct fed_site *site,
                         size_t offset, size_t n, json_t *datasets,
                         char **errmsg)
{
    struct minga_oai_record *recs = NULL;
    size_t n_recs = 0;
    int rc = minga_oai_list_current(m, offset, n, &recs, &n_recs, errmsg);
    for (size_t i = 0; rc == 0 && i < n_recs; i++) {
        struct minga_case *c = NULL;
        rc = minga_get_case(m, recs[i].id, &c, errmsg);
        if (rc)
            break;
        json_t *d = dataset_json(site, c, recs[i].datestamp);
        case_free(c);
        if (!d || json_array_append_new(datasets, d) != 0)
            rc = MINGA_ENOMEM;
    }
    minga_oai_records_free(recs, n_recs);
    return rc;
}

/* The catalog around one page of datasets (stolen), as JSON text;
 * NULL when out of memory. */
static char *catalog_text(const struct fed_site *site,
                          const struct minga_oai_state *st, json_t *datasets,
                          json_t *view)
{
    char *self = NULL, *home = NULL;
    if (asprintf(&self, "%s/dcat.jsonld", site->base_url) < 0)
        self = NULL;
    if (asprintf(&home, "%s/", site->base_url) < 0)
        home = NULL;
    json_t *context = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "dcat",
        "http://www.w3.org/ns/dcat#", "dct", "http://purl.org/dc/terms/",
        "foaf", "http://xmlns.com/foaf/0.1/", "xsd",
        "http://www.w3.org/2001/XMLSchema#", "locn",
        "http://www.w3.org/ns/locn#", "spdx", "http://spdx.org/rdf/terms#",
        "hydra", "http://www.w3.org/ns/hydra/core#");
    json_t *catalog =
        json_pack("{s:o, s:s, s:s, s:s, s:s, s:o, s:{s:s, s:s}, s:o, s:o}",
                  "@context", context, "@id", self ? self : "", "@type",
                  "dcat:Catalog", "dct:title", site->name, "dct:description",
                  "Case studies of cities implementing the "
                  "UN Sustainable Development Goals",
                  "foaf:homepage", ref(home ? home : ""), "dct:publisher",
                  "@type", "foaf:Agent", "foaf:name", site->name, "hydra:view",
                  view, "dcat:dataset", datasets);
    if (catalog && *st->newest)
        json_object_set_new(catalog, "dct:modified",
                            typed(st->newest, "xsd:dateTime"));
    char *text = catalog ? json_dumps(catalog, JSON_COMPACT) : NULL;
    json_decref(catalog);
    free(self);
    free(home);
    return text;
}

static void run_dcat(struct web_server *srv, struct web_job *job)
{
    struct dcat_job *dj = job->ctx;
    struct minga *m = web_thread_minga_reply(srv, &job->reply);
    if (!m)
        return;
    struct fed_site site;
    if (fed_site_load(m, &site) != 0) {
        web_reply_error(&job->reply, 500, "out of memory", NULL);
        return;
    }
    size_t page_size =
        fed_env_size("MINGA_DCAT_PAGE", DCAT_PAGE, DCAT_MAX_PAGE);
    struct minga_oai_state st;
    char *errmsg = NULL, etag[32] = "";
    int in_read = minga_oai_begin_read(m, NULL) == 0;
    int rc = minga_oai_state(m, &st, &errmsg);
    /* an empty catalog is one empty page */
    long n_pages = rc ? 1 : (long)((st.n_current + page_size - 1) / page_size);
    if (n_pages < 1)
        n_pages = 1;
    json_t *datasets = NULL;
    if (rc == 0 && dj->page > n_pages) {
        fed_reply_no_page(&job->reply, "/dcat.jsonld", dj->page, n_pages);
    } else if (rc == 0) {
        page_etag(etag, &st, &site, dj->page, page_size);
        if (etag_matches(dj->if_none_match, etag)) {
            struct MHD_Response *resp = MHD_create_response_from_buffer(
                0, NULL, MHD_RESPMEM_PERSISTENT);
            if (resp)
                add_validators(resp, etag, st.newest);
            web_reply_set(&job->reply, MHD_HTTP_NOT_MODIFIED, resp);
        } else {
            datasets = json_array();
            rc = datasets ? read_datasets(m, &site,
                                          (size_t)(dj->page - 1) * page_size,
                                          page_size, datasets, &errmsg)
                          : MINGA_ENOMEM;
        }
    }
    if (in_read)
        minga_oai_end_read(m);
    if (rc) {
        web_log(srv, "DCAT catalog failed: %s",
                errmsg ? errmsg : "out of memory");
        web_reply_error(&job->reply, 500, "the catalog could not be read",
                        NULL);
        json_decref(datasets);
    } else if (datasets) {
        json_t *view = hydra_view(&site, dj->page, n_pages, st.n_current);
        char *text = view ? catalog_text(&site, &st, datasets, view) : NULL;
        if (!view)
            json_decref(datasets);
        struct MHD_Response *resp =
            text ? MHD_create_response_from_buffer(strlen(text), text,
                                                   MHD_RESPMEM_MUST_FREE)
                 : NULL;
        if (!resp) {
            free(text);
            web_reply_error(&job->reply, 500, "out of memory", NULL);
        } else {
            MHD_add_response_header(resp, "Content-Type",
                                    "application/ld+json; charset=utf-8");
            add_validators(resp, etag, st.newest);
            web_reply_set(&job->reply, MHD_HTTP_OK, resp);
        }
    }
    free(errmsg);
    fed_site_release(&site);
}

enum MHD_Result web_feed_dcat(struct web_server *srv,
                              struct MHD_Connection *con,
                              struct web_request *req)
{
    enum MHD_Result ret;
    long page;
    if (fed_page_param(con, req, &page, &ret))
        return ret;
    struct dcat_job *dj = calloc(1, sizeof *dj);
    if (!dj)
        return web_send_error(con, req, MHD_HTTP_INTERNAL_SERVER_ERROR,
                              "out of memory", NULL);
    dj->page = page ? page : 1;
    const char *inm =
        MHD_lookup_connection_value(con, MHD_HEADER_KIND, "If-None-Match");
    if (inm && !(dj->if_none_match = strdup(inm))) {
        dcat_job_free(dj);
        return web_send_error(con, req, MHD_HTTP_INTERNAL_SERVER_ERROR,
                              "out of memory", NULL);
    }
    return web_pool_submit(&srv->query_pool, con, req, run_dcat, dj,
                           dcat_job_free);
}
