/*
 * The OAI-PMH 2.0 provider at /oai (GET, and POST with form-urlencoded
 * arguments): the six verbs, every error the protocol defines where it
 * can arise, the formats oai_dc and minga (docs/minga-oai.xsd), the sets
 * of core/oai.h, datestamps at seconds, and resumption tokens.
 *
 * The arguments and the resumption tokens are oai_args.c's. Pages hold
 * at most MINGA_OAI_PAGE records (environment; default 100, 1-1000).
 *
 * The work runs in the query pool: one page reads at most a page of
 * cases, inside one read transaction so the headers and the contents
 * agree. Protocol errors are OAI error elements with HTTP 200, as the
 * protocol asks.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "federation.h"
#include "oai_args.h"
#include "minga.h"
#include "oai.h"
#include "case.h"
#include "refdata.h"

#define OAI_NS "http://www.openarchives.org/OAI/2.0/"
#define OAI_XSD OAI_NS " http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
#define OAI_DC_NS "http://www.openarchives.org/OAI/2.0/oai_dc/"
#define OAI_DC_XSD "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
#define DC_NS "http://purl.org/dc/elements/1.1/"
#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"
#define MINGA_NS "urn:minga:case:1"
#define XML_CONTENT_TYPE "text/xml; charset=utf-8"

#define DEFAULT_PAGE 100
#define MAX_PAGE 1000
#define MAX_POST_BODY 8192

extern const unsigned char web_asset_minga_oai_xsd[];
extern const size_t web_asset_minga_oai_xsd_len;

static size_t page_size(void)
{
    const char *env = getenv("MINGA_OAI_PAGE");
    long n = env && *env ? strtol(env, NULL, 10) : DEFAULT_PAGE;
    if (n < 1)
        n = 1;
    if (n > MAX_PAGE)
        n = MAX_PAGE;
    return (size_t)n;
}

/* -- writing ------------------------------------------------------------ */

struct out {
    xmlTextWriterPtr w;
    int failed;
};

static void check(struct out *o, int rc)
{
    if (rc < 0)
        o->failed = 1;
}

static void elem(struct out *o, const char *name, const char *text)
{
    check(o, fed_write_element(o->w, name, text));
}

static void start(struct out *o, const char *name)
{
    check(o, xmlTextWriterStartElement(o->w, BAD_CAST name));
}

static void end(struct out *o)
{
    check(o, xmlTextWriterEndElement(o->w));
}

static void attr(struct out *o, const char *name, const char *value)
{
    check(o, xmlTextWriterWriteAttribute(o->w, BAD_CAST name, BAD_CAST value));
}

static void now_datestamp(char out[21])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The envelope up to the verb's element: responseDate and request (its
 * attributes only when the arguments were good). */
static void write_head(struct out *o, const struct fed_site *site,
                       const struct web_request *req, int echo_args)
{
    char now[21];
    now_datestamp(now);
    start(o, "OAI-PMH");
    attr(o, "xmlns", OAI_NS);
    attr(o, "xmlns:xsi", XSI_NS);
    attr(o, "xsi:schemaLocation", OAI_XSD);
    elem(o, "responseDate", now);
    start(o, "request");
    if (echo_args)
        for (size_t i = 0; i < req->n_params; i++)
            attr(o, req->params[i].name, req->params[i].value);
    char *base = NULL;
    if (asprintf(&base, "%s/oai", site->base_url) < 0)
        base = NULL;
    check(o, xmlTextWriterWriteString(o->w, BAD_CAST(base ? base : "")));
    free(base);
    end(o);
}

static void write_error(struct out *o, const struct oai_error *e)
{
    start(o, "error");
    attr(o, "code", e->code);
    check(o, xmlTextWriterWriteString(o->w, BAD_CAST e->text));
    end(o);
}

static void write_header(struct out *o, const struct fed_site *site,
                         const struct minga_oai_record *r)
{
    char ident[256];
    snprintf(ident, sizeof ident, "oai:%s:%s", site->host, r->id);
    start(o, "header");
    if (r->is_deleted)
        attr(o, "status", "deleted");
    elem(o, "identifier", ident);
    elem(o, "datestamp", r->datestamp);
    /* " sdg:11 country:BR ... ": one setSpec each */
    const char *p = r->sets;
    while (p && *p) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " ");
        if (len > 0 && len < 128) {
            char spec[128];
            memcpy(spec, p, len);
            spec[len] = '\0';
            elem(o, "setSpec", spec);
        }
        p += len;
    }
    end(o);
}

static void write_dc(struct out *o, const struct fed_site *site,
                     const struct minga_case *c)
{
    start(o, "oai_dc:dc");
    attr(o, "xmlns:oai_dc", OAI_DC_NS);
    attr(o, "xmlns:dc", DC_NS);
    attr(o, "xmlns:xsi", XSI_NS);
    attr(o, "xsi:schemaLocation", OAI_DC_NS " " OAI_DC_XSD);
    start(o, "dc:title");
    attr(o, "xml:lang", c->language);
    check(o, fed_write_element(o->w, NULL, c->title));
    end(o);
    start(o, "dc:description");
    attr(o, "xml:lang", c->language);
    check(o, fed_write_element(o->w, NULL, c->summary));
    end(o);
    char buf[64];
    for (int g = 1; g <= 17; g++)
        if (c->goal_mask & (1u << g)) {
            snprintf(buf, sizeof buf, "SDG %d", g);
            elem(o, "dc:subject", buf);
        }
    for (size_t i = 0; i < c->n_targets; i++) {
        snprintf(buf, sizeof buf, "SDG %.20s", c->targets[i]);
        elem(o, "dc:subject", buf);
    }
    for (size_t i = 0; i < c->n_tags; i++)
        elem(o, "dc:subject", c->tags[i]);
    for (uint32_t bit = 1; bit < (1u << 6); bit <<= 1)
        if (c->actor_mask & bit) {
            const char *label = refdata_actor_label(bit, "en");
            elem(o, "dc:contributor", label ? label : refdata_actor_name(bit));
        }
    snprintf(buf, sizeof buf, "%d", c->year_start);
    elem(o, "dc:date", buf);
    if (c->year_end && c->year_end != c->year_start) {
        snprintf(buf, sizeof buf, "%d", c->year_end);
        elem(o, "dc:date", buf);
    }
    elem(o, "dc:type", "Text");
    char *url = fed_case_url(site, c->id);
    elem(o, "dc:identifier", url ? url : c->id);
    free(url);
    if (c->source_url)
        elem(o, "dc:source", c->source_url);
    elem(o, "dc:language", c->language);
    elem(o, "dc:coverage", c->city);
    if (c->region)
        elem(o, "dc:coverage", c->region);
    elem(o, "dc:coverage", c->country);
    if (c->license)
        elem(o, "dc:rights", c->license);
    end(o);
}

static void write_list(struct out *o, const char *list, const char *item,
                       const char *const *values, size_t n)
{
    if (n == 0)
        return;
    start(o, list);
    for (size_t i = 0; i < n; i++)
        elem(o, item, values[i]);
    end(o);
}

/* Names of the bits of a mask, in bit order. */
static size_t mask_names(uint32_t mask, int n_bits,
                         const char *(*name)(uint32_t), const char *out[8])
{
    size_t n = 0;
    for (int i = 0; i < n_bits && n < 8; i++)
        if (mask & (1u << i))
            out[n++] = name(1u << i);
    return n;
}

/* The whole case in format v1 (docs/minga-oai.xsd). */
static void write_minga(struct out *o, const struct fed_site *site,
                        const struct minga_case *c)
{
    char buf[32], location[700];
    snprintf(location, sizeof location, "%s %s/minga-oai.xsd", MINGA_NS,
             site->base_url);
    start(o, "case");
    attr(o, "xmlns", MINGA_NS);
    attr(o, "xmlns:xsi", XSI_NS);
    attr(o, "xsi:schemaLocation", location);
    attr(o, "format", "1");
    elem(o, "id", c->id);
    elem(o, "title", c->title);
    elem(o, "summary", c->summary);
    if (c->body)
        elem(o, "body", c->body);
    elem(o, "language", c->language);
    elem(o, "city", c->city);
    elem(o, "country", c->country);
    if (c->region)
        elem(o, "region", c->region);
    snprintf(buf, sizeof buf, "%d", c->year_start);
    elem(o, "year_start", buf);
    if (c->year_end) {
        snprintf(buf, sizeof buf, "%d", c->year_end);
        elem(o, "year_end", buf);
    }
    start(o, "sdg_goals");
    for (int g = 1; g <= 17; g++)
        if (c->goal_mask & (1u << g)) {
            snprintf(buf, sizeof buf, "%d", g);
            elem(o, "goal", buf);
        }
    end(o);
    write_list(o, "sdg_targets", "target", c->targets, c->n_targets);
    const char *names[8];
    size_t n = mask_names(c->level_mask, 4, refdata_level_name, names);
    write_list(o, "levels", "level", names, n);
    n = mask_names(c->actor_mask, 6, refdata_actor_name, names);
    write_list(o, "actors", "actor", names, n);
    write_list(o, "tags", "tag", c->tags, c->n_tags);
    if (c->source_url)
        elem(o, "source_url", c->source_url);
    if (c->license)
        elem(o, "license", c->license);
    if (c->n_attachments) {
        start(o, "attachments");
        for (size_t i = 0; i < c->n_attachments; i++) {
            const struct minga_attachment *at = &c->attachments[i];
            start(o, "attachment");
            attr(o, "sha256", at->sha256 ? at->sha256 : "");
            attr(o, "media_type", at->media_type ? at->media_type : "");
            snprintf(buf, sizeof buf, "%llu", (unsigned long long)at->size);
            attr(o, "size", buf);
            check(o, fed_write_element(o->w, NULL, at->path));
            end(o);
        }
        end(o);
    }
    if (c->created_at)
        elem(o, "created_at", c->created_at);
    if (c->updated_at)
        elem(o, "updated_at", c->updated_at);
    end(o);
}

/* One record: its header, and its metadata unless it is deleted (or was
 * deleted since its header was read). */
static int write_record(struct out *o, struct minga *m,
                        const struct fed_site *site,
                        struct minga_oai_record *r, const char *prefix,
                        char **errmsg)
{
    struct minga_case *c = NULL;
    if (!r->is_deleted) {
        int rc = minga_get_case(m, r->id, &c, errmsg);
        if (rc == MINGA_ENOTFOUND)
            r->is_deleted = 1;
        else if (rc != 0)
            return rc;
    }
    start(o, "record");
    write_header(o, site, r);
    if (c) {
        start(o, "metadata");
        if (strcmp(prefix, "minga") == 0)
            write_minga(o, site, c);
        else
            write_dc(o, site, c);
        end(o);
        case_free(c);
    }
    end(o);
    return 0;
}

/* -- verbs ------------------------------------------------------------- */

static int do_identify(struct out *o, struct minga *m,
                       const struct fed_site *site, char **errmsg)
{
    char earliest[MINGA_OAI_DATESTAMP_LEN + 1] = "";
    int rc = minga_oai_earliest(m, earliest, errmsg);
    if (rc)
        return rc;
    if (!*earliest)
        now_datestamp(earliest);
    char base[600];
    snprintf(base, sizeof base, "%s/oai", site->base_url);
    start(o, "Identify");
    elem(o, "repositoryName", site->name);
    elem(o, "baseURL", base);
    elem(o, "protocolVersion", "2.0");
    elem(o, "adminEmail", site->email);
    elem(o, "earliestDatestamp", earliest);
    elem(o, "deletedRecord", "persistent");
    elem(o, "granularity", "YYYY-MM-DDThh:mm:ssZ");
    start(o, "description");
    start(o, "oai-identifier");
    attr(o, "xmlns", "http://www.openarchives.org/OAI/2.0/oai-identifier");
    attr(o, "xsi:schemaLocation",
         "http://www.openarchives.org/OAI/2.0/oai-identifier "
         "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd");
    elem(o, "scheme", "oai");
    elem(o, "repositoryIdentifier", site->host);
    elem(o, "delimiter", ":");
    char sample[300];
    snprintf(sample, sizeof sample,
             "oai:%s:porto-alegre-orcamento-"
             "participativo",
             site->host);
    elem(o, "sampleIdentifier", sample);
    end(o);
    end(o);
    end(o);
    return 0;
}

static void write_format(struct out *o, const char *prefix, const char *schema,
                         const char *ns)
{
    start(o, "metadataFormat");
    elem(o, "metadataPrefix", prefix);
    elem(o, "schema", schema);
    elem(o, "metadataNamespace", ns);
    end(o);
}

static int do_formats(struct out *o, struct minga *m,
                      const struct fed_site *site, const struct oai_args *a,
                      struct oai_error *e, char **errmsg)
{
    if (a->identifier) {
        struct minga_oai_record r;
        int rc = minga_oai_record_get(m, a->id, &r, errmsg);
        if (rc == MINGA_ENOTFOUND) {
            free(*errmsg);
            *errmsg = NULL;
            return oai_set_error(e, "idDoesNotExist",
                                 "no item has the "
                                 "identifier %.200s",
                                 a->identifier),
                   0;
        }
        if (rc)
            return rc;
        free(r.sets);
    }
    char schema[600];
    snprintf(schema, sizeof schema, "%s/minga-oai.xsd", site->base_url);
    start(o, "ListMetadataFormats");
    write_format(o, "oai_dc", OAI_DC_XSD, OAI_DC_NS);
    write_format(o, "minga", schema, MINGA_NS);
    end(o);
    return 0;
}

static void write_set(struct out *o, const char *spec, const char *name)
{
    start(o, "set");
    elem(o, "setSpec", spec);
    elem(o, "setName", name);
    end(o);
}

static int do_sets(struct out *o, struct minga *m, char **errmsg)
{
    json_t *values = NULL;
    int rc = minga_oai_set_values(m, &values, errmsg);
    if (rc)
        return rc;
    char spec[128], name[300];
    start(o, "ListSets");
    write_set(o, "sdg", "Sustainable Development Goals");
    for (int g = 1; g <= 17; g++) {
        const struct minga_goal_info *info = refdata_goal(g);
        snprintf(spec, sizeof spec, "sdg:%d", g);
        snprintf(name, sizeof name, "SDG %d: %s", g,
                 info && info->name_en ? info->name_en : "");
        write_set(o, spec, name);
    }
    write_set(o, "country", "Countries");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(values, "country"), i, v)
    {
        const char *cc = json_string_value(v);
        const char *cname = refdata_country_name(cc);
        snprintf(spec, sizeof spec, "country:%.60s", cc);
        snprintf(name, sizeof name, "%s", cname ? cname : cc);
        write_set(o, spec, name);
    }
    write_set(o, "level", "Levels of government");
    for (uint32_t bit = 1; bit < (1u << 4); bit <<= 1) {
        const char *lv = refdata_level_name(bit);
        const char *label = refdata_level_label(bit, "en");
        snprintf(spec, sizeof spec, "level:%s", lv);
        write_set(o, spec, label ? label : lv);
    }
    write_set(o, "lang", "Languages of the cases");
    json_array_foreach(json_object_get(values, "lang"), i, v)
    {
        snprintf(spec, sizeof spec, "lang:%.20s", json_string_value(v));
        write_set(o, spec, spec + 5);
    }
    end(o);
    json_decref(values);
    return 0;
}

/* ListIdentifiers, ListRecords: one page from the cursor, and the token
 * of the next. */
static int do_list(struct out *o, struct minga *m, const struct fed_site *site,
                   const struct oai_args *a, struct oai_error *e,
                   char **errmsg)
{
    size_t limit = page_size();
    struct minga_oai_selection sel = {
        *a->from_full ? a->from_full : NULL,
        *a->until_full ? a->until_full : NULL, a->set,
        *a->after_ds ? a->after_ds : NULL, *a->after_ds ? a->after_id : NULL};
    if (a->set) {
        for (const char *c = a->set; *c; c++)
            if (!oai_is_set_spec_char(*c) || strlen(a->set) >= 100)
                return oai_set_error(e, "noRecordsMatch",
                                     "no set \"%.60s\" "
                                     "in this repository",
                                     a->set),
                       0;
    }
    struct minga_oai_record *recs = NULL;
    /* the list's size is counted at its first page (a walk of the whole
     * selection) and carried by the tokens; a page walks only itself */
    size_t n = 0, total = a->token ? (size_t)a->total : 0;
    int rc = minga_oai_list(m, &sel, limit + 1, &recs, &n,
                            a->token ? NULL : &total, errmsg);
    if (rc)
        return rc;
    if (n == 0) {
        minga_oai_records_free(recs, n);
        return oai_set_error(e, "noRecordsMatch",
                             "no record matches these "
                             "arguments"),
               0;
    }
    int has_more = n > limit;
    size_t n_page = has_more ? limit : n;
    int is_records = a->verb == OAI_RECORDS;
    start(o, oai_verb_names[a->verb]);
    for (size_t i = 0; i < n_page && rc == 0; i++) {
        if (is_records)
            rc = write_record(o, m, site, &recs[i], a->prefix, errmsg);
        else
            write_header(o, site, &recs[i]);
    }
    long cursor = a->cursor;
    if (rc == 0 && (has_more || cursor > 0)) {
        /* the list may have changed since the first page: never say it
         * is shorter than what was sent */
        long complete = (long)total;
        if (complete < cursor + (long)n_page)
            complete = cursor + (long)n_page;
        char num[32], expires[21] = "";
        start(o, "resumptionToken");
        snprintf(num, sizeof num, "%ld", complete);
        attr(o, "completeListSize", num);
        snprintf(num, sizeof num, "%ld", cursor);
        attr(o, "cursor", num);
        if (has_more) {
            time_t issued = time(NULL), exp = issued + OAI_TOKEN_TTL_S;
            struct tm tm;
            gmtime_r(&exp, &tm);
            strftime(expires, sizeof expires, "%Y-%m-%dT%H:%M:%SZ", &tm);
            attr(o, "expirationDate", expires);
            const struct minga_oai_record *last = &recs[n_page - 1];
            char *token = oai_token_new(a, site, last->datestamp, last->id,
                                        cursor + (long)n_page, complete,
                                        (long long)issued);
            if (!token)
                o->failed = 1;
            else
                check(o, xmlTextWriterWriteString(o->w, BAD_CAST token));
            free(token);
        }
        end(o);
    }
    end(o);
    minga_oai_records_free(recs, n);
    return rc;
}

static int do_get(struct out *o, struct minga *m, const struct fed_site *site,
                  const struct oai_args *a, struct oai_error *e, char **errmsg)
{
    struct minga_oai_record r;
    int rc = minga_oai_record_get(m, a->id, &r, errmsg);
    if (rc == MINGA_ENOTFOUND) {
        free(*errmsg);
        *errmsg = NULL;
        return oai_set_error(e, "idDoesNotExist",
                             "no item has the identifier "
                             "%.200s",
                             a->identifier),
               0;
    }
    if (rc)
        return rc;
    start(o, "GetRecord");
    rc = write_record(o, m, site, &r, a->prefix, errmsg);
    end(o);
    free(r.sets);
    return rc;
}

/* -- the job ------------------------------------------------------------ */

/* Runs the verb into a second writer, so that an error found on the way
 * (noRecordsMatch, idDoesNotExist) can still be the whole answer. */
static int run_verb(struct out *o, struct minga *m,
                    const struct fed_site *site, const struct oai_args *a,
                    struct oai_error *e, char **errmsg)
{
    switch (a->verb) {
    case OAI_IDENTIFY:
        return do_identify(o, m, site, errmsg);
    case OAI_FORMATS:
        return do_formats(o, m, site, a, e, errmsg);
    case OAI_SETS:
        return do_sets(o, m, errmsg);
    case OAI_IDENTIFIERS:
    case OAI_RECORDS:
        return do_list(o, m, site, a, e, errmsg);
    case OAI_GET:
        return do_get(o, m, site, a, e, errmsg);
    default:
        return MINGA_EINVAL;
    }
}

static void run_oai(struct web_server *srv, struct web_job *job)
{
    struct web_request *req = job->ctx;
    struct minga *m = web_thread_minga_reply(srv, &job->reply);
    if (!m)
        return;
    struct fed_site site;
    char *errmsg = NULL;
    if (fed_site_load(m, &site) != 0) {
        web_reply_error(&job->reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
                        "out of memory", NULL);
        return;
    }
    struct oai_args a;
    struct oai_error e = {NULL, ""};
    int bad_args = oai_check_args(req, &site, &a, &e) != 0;
    int rc = 0, in_read = 0;
    /* the verb's body is written apart, then copied after the head */
    xmlBufferPtr body_buf = NULL;
    struct out body = {NULL, 0};
    if (!bad_args) {
        body.w = xmlNewTextWriterMemory(body_buf = xmlBufferCreate(), 0);
        if (!body.w)
            body.failed = 1;
        in_read = minga_oai_begin_read(m, &errmsg) == 0;
        free(errmsg);
        errmsg = NULL;
        if (!body.failed)
            rc = run_verb(&body, m, &site, &a, &e, &errmsg);
        if (in_read)
            minga_oai_end_read(m);
        if (body.w) {
            check(&body, xmlTextWriterFlush(body.w));
            xmlFreeTextWriter(body.w);
        }
    }
    xmlBufferPtr buf = NULL;
    struct out o = {fed_xml_new(&buf), 0};
    if (rc != 0 || !o.w || body.failed) {
        web_log(srv, "OAI-PMH %s failed: %s", oai_verb_names[a.verb],
                errmsg ? errmsg : "out of memory");
        if (o.w)
            xmlFreeTextWriter(o.w);
        if (buf)
            xmlBufferFree(buf);
        web_reply_error(&job->reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
                        "the OAI-PMH answer could not be written", NULL);
    } else {
        /* errors that concern the arguments drop them from request */
        int echo = !e.code || (strcmp(e.code, "badVerb") != 0 &&
                               strcmp(e.code, "badArgument") != 0);
        write_head(&o, &site, req, echo);
        if (e.code)
            write_error(&o, &e);
        else
            check(&o, xmlTextWriterWriteRaw(o.w, xmlBufferContent(body_buf)));
        end(&o);
        fed_xml_reply(&job->reply, o.w, buf, XML_CONTENT_TYPE, o.failed);
    }
    if (body_buf)
        xmlBufferFree(body_buf);
    free(errmsg);
    fed_site_release(&site);
}

static enum MHD_Result oai_submit(struct web_server *srv,
                                  struct MHD_Connection *con,
                                  struct web_request *req)
{
    /* the request outlives the job: its connection waits for it */
    return web_pool_submit(&srv->query_pool, con, req, run_oai, req, NULL);
}

static enum MHD_Result send_schema(struct MHD_Connection *con,
                                   struct web_request *req)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        web_asset_minga_oai_xsd_len, (void *)web_asset_minga_oai_xsd,
        MHD_RESPMEM_PERSISTENT);
    if (resp)
        MHD_add_response_header(resp, "Content-Type", XML_CONTENT_TYPE);
    return web_send(con, req, MHD_HTTP_OK, resp);
}

int web_oai_is_post(const struct web_request *req, const char *method)
{
    return strcmp(method, "POST") == 0 && req->n_segments == 1 &&
           strcmp(req->segments[0], "oai") == 0;
}

/* A POST /oai with a body: its arguments are the body, which replaces
 * the request target's query ("/oai?" + body) as it arrives. */
static enum MHD_Result oai_post_begin(struct MHD_Connection *con,
                                      struct web_request *req)
{
    const char *type = MHD_lookup_connection_value(
        con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!type ||
        strncasecmp(type, "application/x-www-form-urlencoded", 33) != 0)
        return web_send_error(con, req, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                              "a POST to /oai carries its arguments as "
                              "application/x-www-form-urlencoded",
                              NULL);
    char *uri = strdup("/oai?");
    if (!uri)
        return MHD_NO;
    free(req->raw_uri);
    req->raw_uri = uri;
    return MHD_YES; /* the body comes to web_oai_post_body */
}

enum MHD_Result web_oai_post_body(struct web_server *srv,
                                  struct MHD_Connection *con,
                                  struct web_request *req, const char *data,
                                  size_t *size)
{
    if (*size > 0) {
        size_t have = strlen(req->raw_uri);
        if (have + *size > MAX_POST_BODY) {
            *size = 0;
            return web_send_error(con, req, MHD_HTTP_CONTENT_TOO_LARGE,
                                  "the arguments of a POST to /oai are at "
                                  "most 8 KiB",
                                  NULL);
        }
        char *grown = realloc(req->raw_uri, have + *size + 1);
        if (!grown)
            return MHD_NO;
        memcpy(grown + have, data, *size);
        grown[have + *size] = '\0';
        req->raw_uri = grown;
        *size = 0;
        return MHD_YES;
    }
    /* the whole body is in: parse it as the query */
    char *uri = req->raw_uri;
    req->raw_uri = NULL;
    web_request_release(req);
    req->raw_uri = uri;
    const char *errmsg = NULL;
    if (web_request_parse(req, &errmsg) != 0)
        return web_send_error(con, req, MHD_HTTP_BAD_REQUEST, errmsg, NULL);
    return oai_submit(srv, con, req);
}

int web_federation_route(struct web_server *srv, struct MHD_Connection *con,
                         struct web_request *req, const char *method,
                         enum MHD_Result *ret)
{
    if (req->n_segments != 1)
        return 0;
    const char *what = req->segments[0];
    int is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (strcmp(what, "oai") == 0) {
        if (is_get) {
            *ret = oai_submit(srv, con, req);
        } else if (strcmp(method, "POST") == 0) {
            const char *len = MHD_lookup_connection_value(
                con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
            int has_body =
                (len && strcmp(len, "0") != 0) ||
                MHD_lookup_connection_value(con, MHD_HEADER_KIND,
                                            MHD_HTTP_HEADER_TRANSFER_ENCODING);
            /* without a body: no arguments, which is a badVerb */
            *ret = has_body ? oai_post_begin(con, req)
                            : oai_submit(srv, con, req);
        } else {
            *ret = web_send_405(con, req, "GET, HEAD, POST");
        }
        return 1;
    }
    enum MHD_Result (*feed)(struct web_server *, struct MHD_Connection *,
                            struct web_request *) = NULL;
    if (strcmp(what, "minga-oai.xsd") == 0)
        feed = NULL;
    else if (strcmp(what, "dcat.jsonld") == 0)
        feed = web_feed_dcat;
    else if (strcmp(what, "sitemap.xml") == 0)
        feed = web_feed_sitemap;
    else if (strcmp(what, "feed.atom") == 0)
        feed = web_feed_atom;
    else
        return 0;
    if (!is_get)
        *ret = web_send_405(con, req, "GET, HEAD");
    else if (!feed)
        *ret = send_schema(con, req);
    else
        *ret = feed(srv, con, req);
    return 1;
}
