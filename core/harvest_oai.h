/*
 * Reading OAI-PMH 2.0 answers (libxml2): the envelope of Identify and
 * ListRecords, its error element, the records' headers and their
 * metadata element, and the resumption token. The metadata is left as a
 * libxml2 node for harvest_map.c to read into a case.
 *
 * The parser never loads anything from the network (XML_PARSE_NONET),
 * never expands external entities and never prints: a malformed answer
 * is an error naming the URL, the line and libxml2's message.
 */
#ifndef MINGA_HARVEST_OAI_H
#define MINGA_HARVEST_OAI_H

#include <stddef.h>
#include <libxml/tree.h>

#define HARVEST_OAI_NS "http://www.openarchives.org/OAI/2.0/"

struct harvest_record {
    char *identifier;    /* the header's; NULL when missing */
    char *datestamp;     /* NULL when missing */
    int is_deleted;      /* status="deleted" */
    xmlNodePtr metadata; /* the element inside <metadata>, or NULL */
    int line;            /* the record's line in the answer */
};

/* One answer. Owns the document its nodes point into. */
struct harvest_page {
    xmlDocPtr doc;
    struct harvest_record *records;
    size_t n_records;
    char *token;      /* resumptionToken: NULL or "" on the last page */
    char *error_code; /* an OAI error (badArgument ...), or NULL */
    char *error_text;
    char *granularity; /* Identify: YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ */
};

/* Parses an answer to `verb` ("Identify", "ListRecords") read from url.
 * MINGA_EINVAL with *errmsg (malloc'd) for anything that is not a
 * well-formed OAI-PMH answer; an OAI error element is not a failure
 * (page->error_code). Release the page after a failure too. */
int harvest_page_parse(struct harvest_page *page, const char *body, size_t len,
                       const char *verb, const char *url, char **errmsg);
void harvest_page_release(struct harvest_page *page);

/* The text of a node (malloc'd with malloc, trimmed; caller frees). */
char *harvest_node_text(xmlNodePtr node);
/* Whether node is an element named `name` in namespace `ns`. */
int harvest_node_is(xmlNodePtr node, const char *ns, const char *name);

#endif
