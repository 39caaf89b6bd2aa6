/* The OAI-PMH envelope: see harvest_oai.h. */
#include "harvest_oai.h"

#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>

#include "minga/plugin.h"
#include "minga_impl.h"

int harvest_node_is(xmlNodePtr node, const char *ns, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE &&
           strcmp((const char *)node->name, name) == 0 && node->ns &&
           node->ns->href && strcmp((const char *)node->ns->href, ns) == 0;
}

char *harvest_node_text(xmlNodePtr node)
{
    xmlChar *raw = xmlNodeGetContent(node);
    const char *s = raw ? (const char *)raw : "";
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
                 s[n - 1] == '\r'))
        n--;
    char *out = strndup(s, n);
    xmlFree(raw);
    return out;
}

static xmlNodePtr first_child(xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
        if (harvest_node_is(n, HARVEST_OAI_NS, name))
            return n;
    return NULL;
}

static xmlNodePtr first_element(xmlNodePtr parent)
{
    for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE)
            return n;
    return NULL;
}

static void read_record(struct harvest_record *r, xmlNodePtr rec)
{
    memset(r, 0, sizeof *r);
    r->line = (int)xmlGetLineNo(rec);
    xmlNodePtr header = first_child(rec, "header");
    xmlNodePtr id = first_child(header, "identifier");
    xmlNodePtr ds = first_child(header, "datestamp");
    r->identifier = id ? harvest_node_text(id) : NULL;
    r->datestamp = ds ? harvest_node_text(ds) : NULL;
    if (r->identifier && !*r->identifier) {
        free(r->identifier);
        r->identifier = NULL;
    }
    xmlChar *status = header ? xmlGetProp(header, BAD_CAST "status") : NULL;
    r->is_deleted = status && strcmp((const char *)status, "deleted") == 0;
    xmlFree(status);
    r->metadata = first_element(first_child(rec, "metadata"));
}

static int fail(char **errmsg, char *msg)
{
    *errmsg = msg;
    return MINGA_EINVAL;
}

int harvest_page_parse(struct harvest_page *page, const char *body, size_t len,
                       const char *verb, const char *url, char **errmsg)
{
    memset(page, 0, sizeof *page);
    if (len > (size_t)INT32_MAX)
        return fail(errmsg, minga_strdupf("%s: the answer is too large", url));
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return fail(errmsg, strdup("out of memory"));
    page->doc = xmlCtxtReadMemory(ctxt, body, (int)len, url, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR |
                                      XML_PARSE_NOWARNING);
    if (!page->doc || !ctxt->wellFormed) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        char *msg = minga_strdupf(
            "%s:%d: the answer is not well-formed XML: %s", url,
            e ? e->line : 0, e && e->message ? e->message : "unreadable");
        size_t n = strlen(msg);
        if (n && msg[n - 1] == '\n')
            msg[n - 1] = '\0';
        xmlFreeParserCtxt(ctxt);
        return fail(errmsg, msg);
    }
    xmlFreeParserCtxt(ctxt);
    xmlNodePtr root = xmlDocGetRootElement(page->doc);
    if (!harvest_node_is(root, HARVEST_OAI_NS, "OAI-PMH"))
        return fail(errmsg,
                    minga_strdupf("%s: not an OAI-PMH answer (the root "
                                  "element is <%s>, not <OAI-PMH> in %s)",
                                  url, root ? (const char *)root->name : "",
                                  HARVEST_OAI_NS));
    xmlNodePtr err = first_child(root, "error");
    if (err) {
        xmlChar *code = xmlGetProp(err, BAD_CAST "code");
        page->error_code = strdup(code ? (const char *)code : "unknown");
        xmlFree(code);
        page->error_text = harvest_node_text(err);
        return MINGA_OK;
    }
    xmlNodePtr answer = first_child(root, verb);
    if (!answer)
        return fail(errmsg, minga_strdupf("%s: the OAI-PMH answer has no "
                                          "<%s> element",
                                          url, verb));
    if (strcmp(verb, "Identify") == 0) {
        xmlNodePtr g = first_child(answer, "granularity");
        page->granularity = g ? harvest_node_text(g) : NULL;
        return MINGA_OK;
    }
    size_t n = 0;
    for (xmlNodePtr r = answer->children; r; r = r->next)
        n += harvest_node_is(r, HARVEST_OAI_NS, "record");
    page->records = calloc(n ? n : 1, sizeof *page->records);
    if (!page->records)
        return fail(errmsg, strdup("out of memory"));
    for (xmlNodePtr r = answer->children; r; r = r->next)
        if (harvest_node_is(r, HARVEST_OAI_NS, "record"))
            read_record(&page->records[page->n_records++], r);
    xmlNodePtr tok = first_child(answer, "resumptionToken");
    page->token = tok ? harvest_node_text(tok) : NULL;
    return MINGA_OK;
}

void harvest_page_release(struct harvest_page *page)
{
    for (size_t i = 0; i < page->n_records; i++) {
        free(page->records[i].identifier);
        free(page->records[i].datestamp);
    }
    free(page->records);
    free(page->token);
    free(page->error_code);
    free(page->error_text);
    free(page->granularity);
    if (page->doc)
        xmlFreeDoc(page->doc);
    memset(page, 0, sizeof *page);
}
