/*
 * Harvesting (issue 22, part 3): `minga harvest URL` pulls the records of
 * an OAI-PMH 2.0 repository into the catalog, incrementally.
 *
 *   - prefix "minga" (another minga node): the whole case, attachments
 *     fetched from the node's /api/cases/ID/attachments/PATH and checked
 *     against the sha256 the record declares: lossless.
 *   - prefix "oai_dc" (any repository): Dublin Core mapped into the case
 *     model (harvest_map.h). A record that cannot be mapped or breaks a
 *     rule of the case format is skipped with diagnostics naming the
 *     source, the identifier and the field; never half-imported.
 *
 * Each page of records is one write step over catalog and index (the
 * same all-or-nothing write as an import: one generation, revisions by
 * "harvest:URL", an import log row per page), and the page's provenance
 * rows and the source's place in the list (its resumption token, the
 * newest datestamp seen) commit with it. So a harvest killed at any
 * point resumes at the first page not committed: nothing twice, nothing
 * lost. The source's `from` (last_datestamp) moves only when a whole list
 * was read. A record whose identifier and datestamp the catalog already
 * holds is left alone, so a run with nothing new writes no revision and
 * does not touch the index.
 *
 * Harvested cases belong to their source: a harvest never overwrites a
 * case it did not harvest from that source (the record is skipped with a
 * diagnostic saying who owns the id).
 *
 * Errors: 0 or a negative MINGA_E... code with *errmsg (caller frees).
 */
#ifndef MINGA_HARVEST_H
#define MINGA_HARVEST_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "diag.h"

struct minga;

#define MINGA_HARVEST_MAX_RESPONSE (64ull << 20) /* 64 MiB an answer */
#define MINGA_HARVEST_TIMEOUT_S 120L             /* a request */
#define MINGA_HARVEST_MAX_PAGES 1000             /* pages a run */

struct minga_harvest_options {
    const char *url;    /* the repository's base URL (http, https) */
    const char *prefix; /* "minga" or "oai_dc"; NULL: "minga" */
    const char *set;    /* a setSpec, or NULL */
    /* YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ: harvest from then instead of
     * from where the last complete run stopped; NULL: go on */
    const char *from;
    size_t max_pages;      /* 0: MINGA_HARVEST_MAX_PAGES */
    uint64_t max_response; /* bytes; 0: MINGA_HARVEST_MAX_RESPONSE */
    long timeout_s;        /* 0: MINGA_HARVEST_TIMEOUT_S */
    /* After each page committed (or found unchanged): one line. */
    void (*progress)(void *arg, const char *line);
    void *progress_arg;
};

struct minga_harvest_report {
    size_t n_pages;
    size_t n_records; /* records read, deleted ones included */
    size_t n_new, n_updated, n_deleted;
    size_t n_unchanged;     /* already held at that datestamp */
    size_t n_skipped;       /* could not be mapped, or not ours to write */
    size_t n_attachments;   /* attachment contents fetched */
    int is_complete;        /* the list was read to its end */
    struct diag_list diags; /* one or more per skipped record */
};

void minga_harvest_options_init(struct minga_harvest_options *opt);
void minga_harvest_report_init(struct minga_harvest_report *rep);
void minga_harvest_report_release(struct minga_harvest_report *rep);

/* Harvests opt->url into the writable catalog m. Returns 0 when every
 * page read was committed (records may have been skipped: rep->diags),
 * else an error after the pages before it were committed: MINGA_EINVAL
 * for a bad option, MINGA_EIO for the network or a malformed answer,
 * MINGA_ELIMIT for an answer over the size cap. */
int minga_harvest(struct minga *m, const struct minga_harvest_options *opt,
                  struct minga_harvest_report *rep, char **errmsg);

/* One line: "harvested 38 records in 6 pages: 30 new, ..."; malloc'd. */
char *minga_harvest_summary(const struct minga_harvest_report *rep);

/* [{url, prefix, set, last_datestamp, last_run, last_status, cases,
 *   deleted, unfinished}] */
int minga_harvest_sources(struct minga *m, json_t **out, char **errmsg);

/* Where a harvested case came from: {source, prefix, set, identifier,
 * datestamp, harvested_at, deleted}, or NULL for a case not harvested.
 * New reference. */
json_t *minga_harvest_provenance(struct minga *m, const char *id);

#endif
