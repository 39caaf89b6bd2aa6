/*
 * What other catalogs read (issue 22): the OAI-PMH 2.0 provider at /oai
 * (web/oai.c), the DCAT catalog (web/dcat.c), the sitemap and the Atom
 * feed (web/feeds.c), and the schema.org JSON-LD of the case pages
 * (web/jsonld.c). Every URL they write is absolute, made from the data
 * folder's settings (base_url, else http://oai_host; oai_host defaults to
 * "minga.local"), never from the request's Host header, which the client
 * chooses. See docs/federation.md.
 */
#ifndef MINGA_WEB_FEDERATION_H
#define MINGA_WEB_FEDERATION_H

#include <libxml/xmlwriter.h>

#include "web.h"

/* Routes /oai, /minga-oai.xsd, /dcat.jsonld, /sitemap.xml and
 * /feed.atom. Returns 0 when the path is none of them; else 1 with the
 * answer (or the start of its work) in *ret. A POST /oai with a body is
 * only begun here: its body comes to web_oai_post_body. */
int web_federation_route(struct web_server *srv, struct MHD_Connection *con,
                         struct web_request *req, const char *method,
                         enum MHD_Result *ret);
/* Whether a later call of the access handler carries the body of a
 * POST /oai (form-urlencoded arguments). */
int web_oai_is_post(const struct web_request *req, const char *method);
/* Collects that body (at most 8 KiB) and answers once it is whole. */
enum MHD_Result web_oai_post_body(struct web_server *srv,
                                  struct MHD_Connection *con,
                                  struct web_request *req, const char *data,
                                  size_t *size);

/* GET /dcat.jsonld[?page=N] (web/dcat.c): a page of the DCAT catalog. */
enum MHD_Result web_feed_dcat(struct web_server *srv,
                              struct MHD_Connection *con,
                              struct web_request *req);
/* GET /sitemap.xml[?page=N], /feed.atom (web/feeds.c). */
enum MHD_Result web_feed_sitemap(struct web_server *srv,
                                 struct MHD_Connection *con,
                                 struct web_request *req);
enum MHD_Result web_feed_atom(struct web_server *srv,
                              struct MHD_Connection *con,
                              struct web_request *req);

/* -- shared by oai.c, dcat.c, jsonld.c and feeds.c (in feeds.c) ------- */

/* Where this node is, from the data folder's settings; strings owned. */
struct fed_site {
    char *host;     /* oai_host: "minga.local" */
    char *base_url; /* "https://cases.example.org", no trailing / */
    char *name;     /* repository_name */
    char *email;    /* oai_admin_email */
};
int fed_site_load(struct minga *m, struct fed_site *site);
void fed_site_release(struct fed_site *site);
/* "BASE/?case=ID": the case's page. Returns a new string. */
char *fed_case_url(const struct fed_site *site, const char *id);
/* Writes an element holding text (name NULL: the text alone, inside the
 * element open), with characters XML 1.0 cannot carry
 * (C0 controls but tab, newline, return) replaced by U+FFFD. Returns
 * what xmlTextWriter returns (< 0 on failure). */
int fed_write_element(xmlTextWriterPtr w, const char *name, const char *text);
/* A new memory writer into *buf, document started. NULL when out of
 * memory. */
xmlTextWriterPtr fed_xml_new(xmlBufferPtr *buf);
/* Ends the document, frees the writer and sets the reply to the buffer
 * (freed) as `content_type`; 500 when writing failed (failed != 0). */
void fed_xml_reply(struct web_reply *reply, xmlTextWriterPtr w,
                   xmlBufferPtr buf, const char *content_type, int failed);

/* A size from the server's environment (the tests make pages small):
 * the variable `name` as a number clamped to [1, max], else fallback. */
size_t fed_env_size(const char *name, size_t fallback, size_t max);
/* The one parameter of /dcat.jsonld and /sitemap.xml: page, 1 to
 * 1 000 000. Returns 0 with *page (0 when not given); or 1 with a 400
 * sent and its result in *ret: unknown_parameter for any other
 * parameter, bad_parameter for page given twice or not such a number. */
int fed_page_param(struct MHD_Connection *con, struct web_request *req,
                   long *page, enum MHD_Result *ret);
/* The 404 of a page past the last: not_found with params {param: "page",
 * value, last}. `path` names the list in the message. */
void fed_reply_no_page(struct web_reply *reply, const char *path, long page,
                       long n_pages);

/* -- schema.org JSON-LD in the case page (web/jsonld.c) --------------- */

/* The schema.org description (a Report) of case `c` (the case's JSON,
 * with its times): name, description, inLanguage, dateModified,
 * spatialCoverage, about (each goal a DefinedTerm of the SDGs),
 * keywords, license, url, isBasedOn. New reference; NULL without id. */
json_t *fed_case_jsonld(const struct fed_site *site, json_t *c);
/* `json` made safe as the text of a <script> element: every "<" becomes
 * \u003c (so no "</script" nor "<!--" can appear) and U+2028/U+2029
 * become \u2028/\u2029; valid JSON in, the same JSON value out. The one
 * place this escaping is done. Returns a new string (caller frees). */
char *fed_jsonld_script_text(const char *json);

#endif
