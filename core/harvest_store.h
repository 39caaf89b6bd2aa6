/*
 * What the catalog remembers of harvesting (schema version 4): the
 * sources harvested and, for each harvested case, where it came from.
 *
 *   harvest_sources(id, url, prefix, set_spec, last_datestamp, run_token,
 *                   run_max, last_run, last_status)
 *       one row per (base URL, metadata prefix, set): last_datestamp is
 *       the newest datestamp of the last *complete* list (the source's
 *       clock, the next run's `from`); run_token and run_max belong to a
 *       list not finished yet (the resumption token after the last page
 *       committed, and the newest datestamp seen so far in it).
 *   harvest_records(case_id, source_id, identifier, datestamp,
 *                   is_deleted, harvested_at)
 *       a harvested case's provenance: the source, the record's OAI
 *       identifier and datestamp, whether the source deleted it.
 *
 * Invariant: the rows change in the same catalog transaction as the
 * page of cases they describe, so a killed harvest leaves them saying
 * exactly what was committed. Functions run inside the caller's
 * transaction unless said otherwise; errors as in catalog.h.
 */
#ifndef MINGA_HARVEST_STORE_H
#define MINGA_HARVEST_STORE_H

#include <stdint.h>
#include <jansson.h>

#include "catalog.h"

/* For catalog.c: schema step 3 -> 4, inside the migration's transaction. */
int harvest_store_migrate_v4(struct catalog *cat);

struct harvest_source_row {
    int64_t id;
    char *last_datestamp; /* NULL: never completed a list */
    char *run_token;      /* NULL: no unfinished list */
    char *run_max;        /* NULL when none */
};
void harvest_source_row_release(struct harvest_source_row *r);

/* The source (url, prefix, set; set "" for none), created when new (in
 * its own short transaction when outside one). */
int harvest_source_get(struct catalog *cat, const char *url,
                       const char *prefix, const char *set,
                       struct harvest_source_row *out);
/* After a page: the unfinished list's token and newest datestamp. */
int harvest_source_save_run(struct catalog *cat, int64_t source_id,
                            const char *run_token, const char *run_max);
/* After the last page: last_datestamp = newest (when not NULL), the
 * unfinished list cleared. */
int harvest_source_finish(struct catalog *cat, int64_t source_id,
                          const char *newest);
/* The last run's time (now) and one line on how it went. */
int harvest_source_note(struct catalog *cat, int64_t source_id,
                        const char *status);

/* The provenance of case `id`: the source that owns it (*source_id, its
 * URL in *url, malloc'd; may be NULL), its identifier and datestamp
 * (malloc'd; may be NULL) and *is_deleted. MINGA_ENOTFOUND when the case
 * was not harvested. */
int harvest_record_get(struct catalog *cat, const char *id, int64_t *source_id,
                       char **url, char **identifier, char **datestamp,
                       int *is_deleted);
/* The case a source's record became: *case_id (malloc'd), its stored
 * datestamp (malloc'd) and *is_deleted; MINGA_ENOTFOUND when the source
 * never gave that identifier. */
int harvest_record_find(struct catalog *cat, int64_t source_id,
                        const char *identifier, char **case_id,
                        char **datestamp, int *is_deleted);
int harvest_record_put(struct catalog *cat, const char *id, int64_t source_id,
                       const char *identifier, const char *datestamp,
                       int is_deleted);

/* NULL when a local import may write case `id`; else why not, one line
 * naming the id and its source (malloc'd): a harvested case belongs to
 * its source, and the next harvest of it would overwrite the change. */
char *harvest_owner_violation(struct catalog *cat, const char *id);

/* {source, prefix, set, identifier, datestamp, harvested_at, deleted} of
 * case `id`, or NULL (not harvested, a catalog older than version 4, or
 * an error). New reference. */
json_t *harvest_record_json(struct catalog *cat, const char *id);
/* [{url, prefix, set, last_datestamp, last_run, last_status, cases,
 *   deleted, unfinished}] in url order; NULL on error. */
json_t *harvest_sources_list(struct catalog *cat);

#endif
