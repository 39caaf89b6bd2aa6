/*
 * The catalog as OAI-PMH sees it (issue 22): records, each a case's id,
 * its datestamp, whether it is deleted and the sets it belongs to, read
 * from the catalog without writing anything.
 *
 * A record's datestamp is the time of its case's newest revision
 * (revisions.at, or cases.updated_at for a case stored before histories
 * were kept), at seconds, "YYYY-MM-DDThh:mm:ssZ". A case whose newest
 * revision is a deletion is a deleted record with that revision's time,
 * and keeps the sets of its last content; a purged case leaves nothing,
 * so it vanishes from the list (the one limit of deletedRecord
 * persistent here, docs/federation.md).
 *
 * Sets: "sdg:N", "country:CC", "level:L", "lang:LL", and their parents
 * "sdg", "country", "level", "lang" (a record in sdg:11 is in sdg).
 *
 * Lists are ordered by (datestamp, id) and paged by that pair, so a
 * harvester walking the pages misses nothing when cases change in
 * between: a case changed during the walk moves past the cursor and is
 * met again. Errors as everywhere: 0 or a negative MINGA_E... code with
 * *errmsg (caller frees).
 */
#ifndef MINGA_OAI_H
#define MINGA_OAI_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct minga;

#define MINGA_OAI_DATESTAMP_LEN 20 /* "2026-01-02T03:04:05Z" */

/* One record's header. */
struct minga_oai_record {
    char id[101];
    char datestamp[MINGA_OAI_DATESTAMP_LEN + 1];
    int is_deleted;
    /* " sdg:11 country:BR level:local lang:pt ": each leaf set between
     * spaces; malloc'd */
    char *sets;
};

/* Which records: every field may be NULL (no bound). from and until are
 * full datestamps, inclusive; after_* is the cursor: only records after
 * (datestamp, id) in list order. */
struct minga_oai_selection {
    const char *from;
    const char *until;
    const char *set;
    const char *after_datestamp;
    const char *after_id;
};

/* At most `limit` records of the selection after its cursor, in
 * (datestamp, id) order: *out (free with minga_oai_records_free), *n_out;
 * *n_total (may be NULL) gets the size of the whole selection, cursor
 * aside. A page walks the index revisions_at from the cursor (keyset
 * paging): its cost does not grow with the records before it; counting
 * the total walks the whole selection, so pass NULL when it is known. */
int minga_oai_list(struct minga *m, const struct minga_oai_selection *sel,
                   size_t limit, struct minga_oai_record **out, size_t *n_out,
                   size_t *n_total, char **errmsg);
void minga_oai_records_free(struct minga_oai_record *recs, size_t n);
/* *n_total: the size of the selection, its cursor aside. */
int minga_oai_count(struct minga *m, const struct minga_oai_selection *sel,
                    size_t *n_total, char **errmsg);

/* The current cases (deleted records aside) ordered by id, from
 * position `offset` (0-based): at most `limit` records, each with its
 * datestamp (sets: ""). For readers that page by number (the DCAT
 * catalog, the sitemap): an update does not move a case from its page,
 * as it would in datestamp order, so a reader walking the pages while
 * cases change misses none of them. Cost: the page, plus a walk of
 * `offset` entries of the id index that reads no case. */
int minga_oai_list_current(struct minga *m, size_t offset, size_t limit,
                           struct minga_oai_record **out, size_t *n_out,
                           char **errmsg);

/* What changes when the current cases do, for a cache validator. */
struct minga_oai_state {
    size_t n_current; /* current cases */
    /* the newest datestamp of any record, current or deleted ("" when
     * the catalog holds none) */
    char newest[MINGA_OAI_DATESTAMP_LEN + 1];
    uint64_t generation; /* grows by one with every write */
};
/* Three small reads (an index lookup, a count, a meta row): cheap
 * enough for every request that revalidates. */
int minga_oai_state(struct minga *m, struct minga_oai_state *out,
                    char **errmsg);

/* The header of case `id`, current or deleted; MINGA_ENOTFOUND when the
 * catalog never held it or it was purged. out->sets freed by the caller
 * (free). */
int minga_oai_record_get(struct minga *m, const char *id,
                         struct minga_oai_record *out, char **errmsg);

/* The oldest datestamp of any record ("" copied when there is none). */
int minga_oai_earliest(struct minga *m, char out[MINGA_OAI_DATESTAMP_LEN + 1],
                       char **errmsg);

/* {"country": ["AR", ...], "lang": ["es", ...]}: the values of the sets
 * that vary with the catalog, sorted, current and deleted cases. */
int minga_oai_set_values(struct minga *m, json_t **out, char **errmsg);

/* A read transaction, so that a page of records and their contents come
 * from one snapshot of the catalog; end it with minga_oai_end_read. */
int minga_oai_begin_read(struct minga *m, char **errmsg);
void minga_oai_end_read(struct minga *m);

/* A setting of the data folder (the catalog's meta table): "oai_host",
 * "base_url", "oai_admin_email", "repository_name". Returns a new string
 * (caller frees): the stored value, else a copy of `fallback` (may be
 * NULL: then NULL). Settings are written with minga_oai_setting_set on a
 * writable handle (see docs/federation.md). */
char *minga_oai_setting(struct minga *m, const char *key,
                        const char *fallback);
int minga_oai_setting_set(struct minga *m, const char *key, const char *value,
                          char **errmsg);

#endif
