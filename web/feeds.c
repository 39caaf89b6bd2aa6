/*
 * What portals, search engines and feed readers read (issue 22):
 *
 *   GET /dcat.jsonld   a dcat:Catalog in JSON-LD: each current case a
 *                      dcat:Dataset whose distributions are the case's
 *                      JSON (/api/cases/{id}) and each attachment
 *                      (/api/cases/{id}/attachments/{path});
 *   GET /sitemap.xml   every current case's page with its datestamp;
 *   GET /feed.atom     the newest cases (by datestamp) among those a
 *                      search with the same parameters selects
 *                      (/feed.atom?sdg=11&country=BR).
 *
 * The catalog and the sitemap grow with the catalog: they run in the
 * export pool; the feed is a search and runs in the query pool. Also the
 * helpers oai.c shares (federation.h).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "federation.h"
#include "minga.h"
#include "oai.h"
#include "case.h"
#include "refdata.h"

#define DEFAULT_HOST "minga.local"
#define ATOM_NS "http://www.w3.org/2005/Atom"
#define SITEMAP_NS "http://www.sitemaps.org/schemas/sitemap/0.9"
#define SITEMAP_MAX_URLS 50000      /* the sitemap protocol's bound */
#define FEED_DEFAULT_ENTRIES 50
#define FEED_MAX_ENTRIES 100
/* records read by one query: each query evaluates every record's
 * datestamp and sets, so fewer, larger reads are cheaper */
#define LIST_CHUNK 50000

/* -- shared helpers ----------------------------------------------------- */

int fed_site_load(struct minga *m, struct fed_site *site) {
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

void fed_site_release(struct fed_site *site) {
    free(site->host);
    free(site->base_url);
    free(site->name);
    free(site->email);
    memset(site, 0, sizeof *site);
}

char *fed_case_url(const struct fed_site *site, const char *id) {
    char *url = NULL;
    if (asprintf(&url, "%s/?case=%s", site->base_url, id) < 0) return NULL;
    return url;
}

/* A copy of s without the characters XML 1.0 cannot hold. */
static char *xml_clean(const char *s) {
    size_t n_bad = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n_bad += *p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r';
    char *out = malloc(strlen(s) + 2 * n_bad + 1), *q = out;
    if (!out) return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') {
            memcpy(q, "\xEF\xBF\xBD", 3);   /* U+FFFD */
            q += 3;
        } else {
            *q++ = (char)*p;
        }
    }
    *q = '\0';
    return out;
}

int fed_write_element(xmlTextWriterPtr w, const char *name,
                      const char *text) {
    char *clean = xml_clean(text ? text : "");
    if (!clean) return -1;
    int rc = name ? xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST clean)
                  : xmlTextWriterWriteString(w, BAD_CAST clean);
    free(clean);
    return rc;
}

xmlTextWriterPtr fed_xml_new(xmlBufferPtr *buf) {
    *buf = xmlBufferCreate();
    if (!*buf) return NULL;
    xmlTextWriterPtr w = xmlNewTextWriterMemory(*buf, 0);
    if (!w || xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0) {
        if (w) xmlFreeTextWriter(w);
        xmlBufferFree(*buf);
        *buf = NULL;
        return NULL;
    }
    return w;
}

void fed_xml_reply(struct web_reply *reply, xmlTextWriterPtr w,
                   xmlBufferPtr buf, const char *content_type, int failed) {
    if (xmlTextWriterEndDocument(w) < 0) failed = 1;
    xmlFreeTextWriter(w);   /* flushes into buf */
    struct MHD_Response *resp = NULL;
    if (!failed)
        resp = MHD_create_response_from_buffer(
            (size_t)xmlBufferLength(buf), (void *)xmlBufferContent(buf),
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

/* Refuses any parameter: 400. Returns 1 when one was given. */
static int refuse_params(struct MHD_Connection *con, struct web_request *req,
                         enum MHD_Result *ret) {
    if (req->n_params == 0) return 0;
    char msg[160];
    snprintf(msg, sizeof msg, "%.60s: this endpoint takes no parameters",
             req->params[0].name);
    *ret = web_send_param_error(con, req, req->params[0].name, msg);
    return 1;
}

/* Calls fn for every current case's record, in datestamp order, until
 * fn returns nonzero (then returns 0) or `max` were given. */
static int each_current(struct minga *m, size_t max,
                        int (*fn)(void *arg,
                                  const struct minga_oai_record *r),
                        void *arg, char **errmsg) {
    struct minga_oai_selection sel = {NULL, NULL, NULL, NULL, NULL};
    char after_ds[21] = "", after_id[101] = "";
    size_t n_given = 0;
    for (;;) {
        struct minga_oai_record *recs = NULL;
        size_t n = 0;
        int rc = minga_oai_list(m, &sel, LIST_CHUNK, &recs, &n, NULL,
                                errmsg);
        if (rc) return rc;
        int stop = n < LIST_CHUNK;   /* the last chunk */
        for (size_t i = 0; i < n; i++) {
            if (recs[i].is_deleted) continue;
            if (n_given++ >= max || fn(arg, &recs[i])) {
                stop = 1;
                break;
            }
        }
        if (n > 0) {
            snprintf(after_ds, sizeof after_ds, "%s", recs[n - 1].datestamp);
            snprintf(after_id, sizeof after_id, "%s", recs[n - 1].id);
        }
        minga_oai_records_free(recs, n);
        if (stop) return 0;
        sel.after_datestamp = after_ds;
        sel.after_id = after_id;
    }
}

/* -- sitemap ------------------------------------------------------------ */

struct sitemap_ctx {
    xmlTextWriterPtr w;
    const struct fed_site *site;
    int failed;
};

static int sitemap_url(void *arg, const struct minga_oai_record *r) {
    struct sitemap_ctx *sc = arg;
    char *loc = fed_case_url(sc->site, r->id);
    if (!loc ||
        xmlTextWriterStartElement(sc->w, BAD_CAST "url") < 0 ||
        fed_write_element(sc->w, "loc", loc) < 0 ||
        fed_write_element(sc->w, "lastmod", r->datestamp) < 0 ||
        xmlTextWriterEndElement(sc->w) < 0)
        sc->failed = 1;
    free(loc);
    return sc->failed;
}

static void run_sitemap(struct web_server *srv, struct web_job *job) {
    struct minga *m = web_thread_minga_reply(srv, &job->reply);
    if (!m) return;
    struct fed_site site;
    if (fed_site_load(m, &site) != 0) {
        web_reply_error(&job->reply, 500, "out of memory", NULL);
        return;
    }
    xmlBufferPtr buf = NULL;
    struct sitemap_ctx sc = {fed_xml_new(&buf), &site, 0};
    char *errmsg = NULL, *home = NULL;
    if (!sc.w || asprintf(&home, "%s/", site.base_url) < 0) {
        if (sc.w) xmlFreeTextWriter(sc.w);
        if (buf) xmlBufferFree(buf);
        web_reply_error(&job->reply, 500, "out of memory", NULL);
        fed_site_release(&site);
        return;
    }
    xmlTextWriterSetIndent(sc.w, 1);
    if (xmlTextWriterStartElement(sc.w, BAD_CAST "urlset") < 0 ||
        xmlTextWriterWriteAttribute(sc.w, BAD_CAST "xmlns",
                                    BAD_CAST SITEMAP_NS) < 0 ||
        xmlTextWriterStartElement(sc.w, BAD_CAST "url") < 0 ||
        fed_write_element(sc.w, "loc", home) < 0 ||
        xmlTextWriterEndElement(sc.w) < 0)
        sc.failed = 1;
    free(home);
    int in_read = minga_oai_begin_read(m, NULL) == 0;
    /* the home page takes one of the protocol's 50 000 */
    int rc = sc.failed ? 0 : each_current(m, SITEMAP_MAX_URLS - 1,
                                          sitemap_url, &sc, &errmsg);
    if (in_read) minga_oai_end_read(m);
    if (rc) {
        web_log(srv, "sitemap failed: %s", errmsg ? errmsg : "?");
        sc.failed = 1;
    }
    if (xmlTextWriterEndElement(sc.w) < 0) sc.failed = 1;
    fed_xml_reply(&job->reply, sc.w, buf, "application/xml; charset=utf-8",
                  sc.failed);
    free(errmsg);
    fed_site_release(&site);
}

enum MHD_Result web_feed_sitemap(struct web_server *srv,
                                 struct MHD_Connection *con,
                                 struct web_request *req) {
    enum MHD_Result ret;
    if (refuse_params(con, req, &ret)) return ret;
    return web_pool_submit(&srv->export_pool, con, req, run_sitemap, NULL,
                           NULL);
}

/* -- DCAT --------------------------------------------------------------- */

/* "/api/cases/ID/attachments/PATH" with the path as one segment. */
static char *attachment_url(const struct fed_site *site, const char *id,
                            const char *path) {
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(path);
    char *enc = malloc(3 * len + 1), *q = enc;
    if (!enc) return NULL;
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

static json_t *ref(const char *iri) {
    return json_pack("{s:s}", "@id", iri);
}

static json_t *typed(const char *value, const char *type) {
    return json_pack("{s:s, s:s}", "@value", value, "@type", type);
}

static json_t *lang_string(const char *value, const char *lang) {
    return json_pack("{s:s, s:s}", "@value", value, "@language", lang);
}

static json_t *dataset_json(const struct fed_site *site,
                            const struct minga_case *c, const char *modified) {
    char *page = fed_case_url(site, c->id), *api = NULL, buf[64];
    if (!page || asprintf(&api, "%s/api/cases/%s", site->base_url, c->id) < 0) {
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
    if (asprintf(&place, "%s, %s", c->city, country ? country : c->country)
        < 0)
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
    json_array_append_new(dists, json_pack(
        "{s:s, s:s, s:s, s:o, s:o, s:s, s:s}", "@id", api,
        "@type", "dcat:Distribution", "dct:title",
        "The case in minga's case format, version 1 (JSON)",
        "dcat:accessURL", ref(api), "dcat:downloadURL", ref(api),
        "dcat:mediaType", "application/json", "dct:format", "JSON"));
    for (size_t i = 0; i < c->n_attachments; i++) {
        const struct minga_attachment *at = &c->attachments[i];
        char *url = attachment_url(site, c->id, at->path);
        if (!url) continue;
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)at->size);
        json_t *dist = json_pack(
            "{s:s, s:s, s:s, s:o, s:o, s:s, s:o}", "@id", url,
            "@type", "dcat:Distribution", "dct:title", at->path,
            "dcat:accessURL", ref(url), "dcat:downloadURL", ref(url),
            "dcat:mediaType", at->media_type ? at->media_type : "",
            "dcat:byteSize", typed(buf, "xsd:nonNegativeInteger"));
        if (dist && at->sha256)
            json_object_set_new(dist, "spdx:checksum", json_pack(
                "{s:s, s:s, s:s}", "@type", "spdx:Checksum",
                "spdx:algorithm", "spdx:checksumAlgorithm_sha256",
                "spdx:checksumValue", at->sha256));
        json_array_append_new(dists, dist);
        free(url);
    }
    json_object_set_new(d, "dcat:distribution", dists);
    free(page);
    free(api);
    return d;
}

struct dcat_ctx {
    struct minga *m;
    const struct fed_site *site;
    json_t *datasets;
    char modified[21];
    int rc;
    char *errmsg;
};

static int dcat_dataset(void *arg, const struct minga_oai_record *r) {
    struct dcat_ctx *dc = arg;
    struct minga_case *c = NULL;
    int rc = minga_get_case(dc->m, r->id, &c, &dc->errmsg);
    if (rc == MINGA_ENOTFOUND) {
        free(dc->errmsg);
        dc->errmsg = NULL;
        return 0;
    }
    if (rc) {
        dc->rc = rc;
        return 1;
    }
    json_t *d = dataset_json(dc->site, c, r->datestamp);
    case_free(c);
    if (!d) {
        dc->rc = MINGA_ENOMEM;
        return 1;
    }
    json_array_append_new(dc->datasets, d);
    if (strcmp(r->datestamp, dc->modified) > 0)
        snprintf(dc->modified, sizeof dc->modified, "%s", r->datestamp);
    return 0;
}

static void run_dcat(struct web_server *srv, struct web_job *job) {
    struct minga *m = web_thread_minga_reply(srv, &job->reply);
    if (!m) return;
    struct fed_site site;
    if (fed_site_load(m, &site) != 0) {
        web_reply_error(&job->reply, 500, "out of memory", NULL);
        return;
    }
    struct dcat_ctx dc = {m, &site, json_array(), "", 0, NULL};
    int in_read = minga_oai_begin_read(m, NULL) == 0;
    int rc = each_current(m, (size_t)-1, dcat_dataset, &dc, &dc.errmsg);
    if (in_read) minga_oai_end_read(m);
    if (rc == 0) rc = dc.rc;
    if (rc) {
        web_log(srv, "DCAT catalog failed: %s",
                dc.errmsg ? dc.errmsg : "out of memory");
        web_reply_error(&job->reply, 500, "the catalog could not be read",
                        NULL);
        json_decref(dc.datasets);
    } else {
        char *self = NULL, *home = NULL;
        if (asprintf(&self, "%s/dcat.jsonld", site.base_url) < 0) self = NULL;
        if (asprintf(&home, "%s/", site.base_url) < 0) home = NULL;
        json_t *context = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s}",
            "dcat", "http://www.w3.org/ns/dcat#",
            "dct", "http://purl.org/dc/terms/",
            "foaf", "http://xmlns.com/foaf/0.1/",
            "xsd", "http://www.w3.org/2001/XMLSchema#",
            "locn", "http://www.w3.org/ns/locn#",
            "spdx", "http://spdx.org/rdf/terms#");
        json_t *catalog = json_pack(
            "{s:o, s:s, s:s, s:s, s:s, s:o, s:{s:s, s:s}, s:o}",
            "@context", context, "@id", self ? self : "",
            "@type", "dcat:Catalog", "dct:title", site.name,
            "dct:description", "Case studies of cities implementing the "
            "UN Sustainable Development Goals",
            "foaf:homepage", ref(home ? home : ""),
            "dct:publisher", "@type", "foaf:Agent", "foaf:name", site.name,
            "dcat:dataset", dc.datasets);
        if (catalog && *dc.modified)
            json_object_set_new(catalog, "dct:modified",
                                typed(dc.modified, "xsd:dateTime"));
        char *text = catalog ? json_dumps(catalog, JSON_COMPACT) : NULL;
        json_decref(catalog);
        free(self);
        free(home);
        struct MHD_Response *resp = text ? MHD_create_response_from_buffer(
            strlen(text), text, MHD_RESPMEM_MUST_FREE) : NULL;
        if (!resp) {
            free(text);
            web_reply_error(&job->reply, 500, "out of memory", NULL);
        } else {
            MHD_add_response_header(resp, "Content-Type",
                                    "application/ld+json; charset=utf-8");
            MHD_add_response_header(resp, "Cache-Control", "no-cache");
            web_reply_set(&job->reply, MHD_HTTP_OK, resp);
        }
    }
    free(dc.errmsg);
    fed_site_release(&site);
}

enum MHD_Result web_feed_dcat(struct web_server *srv,
                              struct MHD_Connection *con,
                              struct web_request *req) {
    enum MHD_Result ret;
    if (refuse_params(con, req, &ret)) return ret;
    return web_pool_submit(&srv->export_pool, con, req, run_dcat, NULL, NULL);
}

/* -- Atom --------------------------------------------------------------- */

struct feed_job {
    struct minga_query q;
    struct web_request *req;   /* outlives the job */
    size_t n_entries;
};

static void feed_job_free(void *ctx) {
    struct feed_job *fj = ctx;
    if (!fj) return;
    query_release(&fj->q);
    free(fj);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void write_entry(xmlTextWriterPtr w, const struct fed_site *site,
                        const struct minga_case *c, const char *updated,
                        int *failed) {
    char *page = fed_case_url(site, c->id), *api = NULL, buf[64];
    if (!page || asprintf(&api, "%s/api/cases/%s", site->base_url, c->id) < 0) {
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
    if (c->created_at) rc |= fed_write_element(w, "published",
                                               c->created_at) < 0;
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
    rc |= xmlTextWriterWriteAttribute(w, BAD_CAST "rel",
                                      BAD_CAST "related") < 0;
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
    if (rc) *failed = 1;
    free(page);
    free(api);
}

static void run_feed(struct web_server *srv, struct web_job *job) {
    struct feed_job *fj = job->ctx;
    struct minga *m = web_thread_minga_reply(srv, &job->reply);
    if (!m) return;
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
        if (!recs) rc = MINGA_ENOMEM;
    }
    for (size_t i = n_all; rc == 0 && i > 0 && n_recs < fj->n_entries;
         i--) {
        struct minga_oai_record *r = &all[i - 1];
        const char *key = r->id;
        if (r->is_deleted ||
            !bsearch(&key, ids, n_ids, sizeof *ids, cmp_str))
            continue;
        recs[n_recs] = *r;
        r->sets = NULL;   /* moved */
        n_recs++;
    }
    minga_oai_records_free(all, n_all);
    if (ids) mindex_ids_free(ids, n_ids);
    xmlBufferPtr buf = NULL;
    xmlTextWriterPtr w = rc == 0 ? fed_xml_new(&buf) : NULL;
    if (rc == 0 && !w) rc = MINGA_ENOMEM;
    if (rc) {
        if (in_read) minga_oai_end_read(m);
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
    if (n_recs > 0) snprintf(updated, sizeof updated, "%s",
                             recs[0].datestamp);
    xmlTextWriterSetIndent(w, 1);
    failed |= xmlTextWriterStartElement(w, BAD_CAST "feed") < 0;
    failed |= xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns",
                                          BAD_CAST ATOM_NS) < 0;
    failed |= fed_write_element(w, "id", self) < 0;
    failed |= fed_write_element(w, "title", title) < 0;
    failed |= fed_write_element(w, "updated", updated) < 0;
    failed |= xmlTextWriterStartElement(w, BAD_CAST "author") < 0;
    failed |= fed_write_element(w, "name", site.name) < 0;
    failed |= xmlTextWriterEndElement(w) < 0;
    failed |= xmlTextWriterStartElement(w, BAD_CAST "link") < 0;
    failed |= xmlTextWriterWriteAttribute(w, BAD_CAST "rel",
                                          BAD_CAST "self") < 0;
    failed |= xmlTextWriterWriteAttribute(w, BAD_CAST "href",
                                          BAD_CAST(self ? self : "")) < 0;
    failed |= xmlTextWriterEndElement(w) < 0;
    failed |= fed_write_element(w, "generator", "minga") < 0;
    for (size_t i = 0; i < n_recs && i < fj->n_entries && !failed; i++) {
        struct minga_case *c = NULL;
        if (minga_get_case(m, recs[i].id, &c, NULL) != 0) continue;
        write_entry(w, &site, c, recs[i].datestamp, &failed);
        case_free(c);
    }
    if (in_read) minga_oai_end_read(m);
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
                              struct web_request *req) {
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
    fj->n_entries = web_param(req, "per_page") ? fj->q.limit
                                               : FEED_DEFAULT_ENTRIES;
    if (fj->n_entries > FEED_MAX_ENTRIES) fj->n_entries = FEED_MAX_ENTRIES;
    fj->q.offset = 0;
    fj->q.limit = 0;          /* every match: the newest are picked after */
    fj->q.want_facets = fj->q.want_snippets = fj->q.want_spelling = 0;
    return web_pool_submit(&srv->query_pool, con, req, run_feed, fj,
                           feed_job_free);
}

/* -- schema.org JSON-LD in the case page -------------------------------- */

char *fed_jsonld_script_text(const char *json) {
    size_t len = strlen(json), n_extra = 0;
    for (size_t i = 0; i < len; i++)
        if (json[i] == '<') n_extra += 5;
        else if ((unsigned char)json[i] == 0xE2 && i + 2 < len &&
                 (unsigned char)json[i + 1] == 0x80 &&
                 ((unsigned char)json[i + 2] == 0xA8 ||
                  (unsigned char)json[i + 2] == 0xA9))
            n_extra += 3;
    char *out = malloc(len + n_extra + 1), *p = out;
    if (!out) return NULL;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)json[i];
        if (ch == '<') {
            /* "</script" and "<!--" can then never appear: "<" only
             * occurs inside JSON strings, where \u003c means the same */
            memcpy(p, "\\u003c", 6);
            p += 6;
        } else if (ch == 0xE2 && i + 2 < len &&
                   (unsigned char)json[i + 1] == 0x80 &&
                   ((unsigned char)json[i + 2] == 0xA8 ||
                    (unsigned char)json[i + 2] == 0xA9)) {
            memcpy(p, json[i + 2] == (char)0xA8 ? "\\u2028" : "\\u2029", 6);
            p += 6;
            i += 2;
        } else {
            *p++ = (char)ch;
        }
    }
    *p = '\0';
    return out;
}

static void set_str(json_t *o, const char *key, const char *value) {
    if (value && *value) json_object_set_new(o, key, json_string(value));
}

json_t *fed_case_jsonld(const struct fed_site *site, json_t *c) {
    const char *id = json_string_value(json_object_get(c, "id"));
    if (!id) return NULL;
    json_t *d = json_pack("{s:s, s:s}", "@context", "https://schema.org",
                          "@type", "Report");
    char *page = fed_case_url(site, id);
    if (page) {
        json_object_set_new(d, "@id", json_string(page));
        json_object_set_new(d, "url", json_string(page));
    }
    free(page);
    json_object_set_new(d, "identifier", json_string(id));
    set_str(d, "name", json_string_value(json_object_get(c, "title")));
    set_str(d, "description",
            json_string_value(json_object_get(c, "summary")));
    set_str(d, "inLanguage",
            json_string_value(json_object_get(c, "language")));
    set_str(d, "dateCreated",
            json_string_value(json_object_get(c, "created_at")));
    set_str(d, "dateModified",
            json_string_value(json_object_get(c, "updated_at")));
    /* the city, within its region and country */
    const char *country = json_string_value(json_object_get(c, "country"));
    json_t *place = json_pack("{s:s}", "@type", "City");
    set_str(place, "name", json_string_value(json_object_get(c, "city")));
    if (country && *country) {
        json_t *addr = json_pack("{s:s, s:s}", "@type", "PostalAddress",
                                 "addressCountry", country);
        set_str(addr, "addressRegion",
                json_string_value(json_object_get(c, "region")));
        set_str(addr, "addressLocality",
                json_string_value(json_object_get(c, "city")));
        json_object_set_new(place, "address", addr);
        json_object_set_new(place, "containedInPlace", json_pack(
            "{s:s, s:s}", "@type", "Country", "identifier", country));
    }
    json_object_set_new(d, "spatialCoverage", place);
    json_t *ys = json_object_get(c, "year_start"),
           *ye = json_object_get(c, "year_end");
    if (json_is_integer(ys)) {
        char span[32];
        if (json_is_integer(ye))
            snprintf(span, sizeof span, "%lld/%lld", json_integer_value(ys),
                     json_integer_value(ye));
        else
            snprintf(span, sizeof span, "%lld/..", json_integer_value(ys));
        json_object_set_new(d, "temporalCoverage", json_string(span));
    }
    /* each goal a term of the UN's SDG vocabulary */
    json_t *about = json_array(), *keywords = json_array(), *g;
    size_t i;
    json_array_foreach(json_object_get(c, "sdg_goals"), i, g) {
        int goal = (int)json_integer_value(g);
        const struct minga_goal_info *info = refdata_goal(goal);
        char code[8], url[64], label[16];
        snprintf(code, sizeof code, "%d", goal);
        snprintf(url, sizeof url, "http://metadata.un.org/sdg/%d", goal);
        snprintf(label, sizeof label, "SDG %d", goal);
        json_t *term = json_pack(
            "{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}}", "@type",
            "DefinedTerm", "@id", url, "termCode", code, "name",
            info && info->title_en ? info->title_en : label,
            "inDefinedTermSet", "@type", "DefinedTermSet", "@id",
            "http://metadata.un.org/sdg", "name",
            "Sustainable Development Goals");
        if (term) json_array_append_new(about, term);
        json_array_append_new(keywords, json_string(label));
    }
    json_array_foreach(json_object_get(c, "sdg_targets"), i, g) {
        char label[32];
        snprintf(label, sizeof label, "SDG %s", json_string_value(g));
        json_array_append_new(keywords, json_string(label));
    }
    json_array_foreach(json_object_get(c, "tags"), i, g)
        json_array_append(keywords, g);
    json_object_set_new(d, "about", about);
    json_object_set_new(d, "keywords", keywords);
    const char *lic = json_string_value(json_object_get(c, "license"));
    if (lic && *lic) {
        char *url = NULL;
        if (asprintf(&url, "https://spdx.org/licenses/%s", lic) >= 0) {
            json_object_set_new(d, "license", json_string(url));
            free(url);
        }
    }
    set_str(d, "isBasedOn",
            json_string_value(json_object_get(c, "source_url")));
    json_object_set_new(d, "publisher", json_pack(
        "{s:s, s:s, s:s}", "@type", "Organization", "name",
        site->name ? site->name : "minga", "url",
        site->base_url ? site->base_url : ""));
    return d;
}
