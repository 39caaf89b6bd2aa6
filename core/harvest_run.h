/*
 * The state of one harvest run, shared by harvest.c (the list, page by
 * page, and each page's write step) and harvest_record.c (each record
 * read into an item the page's write applies). Internal to core/.
 *
 * A page's items are prepared before its write step and hold all it
 * needs (the case, its attachments' bytes): the step does no network
 * I/O while it holds the writer lock.
 */
#ifndef MINGA_HARVEST_RUN_H
#define MINGA_HARVEST_RUN_H

#include <stddef.h>

#include "case_builder.h"
#include "harvest.h"
#include "harvest_oai.h"
#include "harvest_store.h"

struct harvest_http;

/* One record of a page that changes the catalog. */
struct harvest_item {
    char *identifier;
    char *datestamp;
    char *case_id;
    int is_deleted;
    struct minga_case *c; /* NULL for a deletion */
    void **att_data;      /* the attachments' bytes, one per attachment */
    size_t *att_len;
};

struct harvest_run {
    struct minga *m;
    const struct minga_harvest_options *opt;
    struct minga_harvest_report *rep;
    const char *prefix;
    struct harvest_http *http;
    struct case_builder *builder;
    struct harvest_source_row src;
    char *who;         /* "harvest:URL" */
    char *run_max;     /* the newest datestamp of this list so far */
    char *attach_base; /* "http://host:port" of /api/cases/... */
    /* the page being written */
    struct harvest_item *items;
    size_t n_items, cap_items;
    const char *token; /* after it; NULL or "" when it is the last */
    char page_sha[65];
    /* its counts, added to the report once committed */
    size_t n_new, n_updated, n_deleted;
};

/* Reads one record of a page: an item to write (appended to r->items),
 * or counted unchanged, or skipped after a diagnostic. Returns 0, or an
 * error of the catalog or memory that ends the run. */
int harvest_prepare_record(struct harvest_run *r,
                           const struct harvest_record *rec);
void harvest_item_release(struct harvest_item *it);
/* Releases the page's items. */
void harvest_items_clear(struct harvest_run *r);
/* YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ */
int harvest_is_datestamp(const char *s);

#endif
