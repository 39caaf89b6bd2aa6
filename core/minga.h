/*
 * minga's library facade: one open data folder (catalog, index, plugins)
 * and every operation the CLI and the web server offer. Both are thin
 * shells over these functions, so they cannot drift apart.
 *
 * A data folder holds catalog.db (SQLite, the source of truth), index/
 * (Xapian) and a lock file that serialises writers. A struct minga belongs
 * to one thread; a server opens one per worker thread. Functions return 0
 * or a negative MINGA_E... code, with a message in *errmsg (caller frees)
 * where they take one. Nothing here prints.
 */
#ifndef MINGA_MINGA_H
#define MINGA_MINGA_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "minga/plugin.h"
#include "query.h"
#include "diag.h"
#include "mindex.h"

#define MINGA_VERSION "0.1.0"

struct minga;

enum minga_open_flags {
    MINGA_OPEN_CREATE = 1 << 0,    /* create the data folder if missing */
    MINGA_OPEN_READONLY = 1 << 1   /* search and read only */
};

/* Opens the data folder `dir`. Without MINGA_OPEN_CREATE a missing folder
 * is an error that says to run `minga init`. */
int minga_open(struct minga **out, const char *dir, int flags, char **errmsg);
void minga_close(struct minga *m);
const char *minga_data_dir(const struct minga *m);

/* -- importing ---------------------------------------------------------- */

struct minga_import_options {
    int is_dry_run;          /* validate and report, write nothing */
    int is_lenient;          /* unknown fields are kept and ignored */
    int is_forced;           /* import even a file imported before */
    int is_strict_attachments; /* unreadable attachment text is an error */
    const char *by;          /* who imports: "cli" or "token:NAME" */
    struct minga_limits limits;  /* archive limits; 0 fields = defaults */
    /* Text extracted from this import's attachments, each distinct
     * content counted once; 0 = DEFAULT_MAX_ATTACHMENT_TEXT (256 MiB,
     * core/import_contents.h). */
    uint64_t max_attachment_text;
    /* Called now and then during a long import; may be NULL. */
    void (*progress)(void *arg, uint64_t done, uint64_t total);
    void *progress_arg;
};

struct minga_import_report {
    size_t n_files;          /* files read (skipped ones not counted) */
    size_t n_skipped;        /* byte-identical to an earlier import */
    size_t n_cases;
    size_t n_new;
    size_t n_updated;
    size_t n_attachments;
    int64_t import_id;       /* the import log row; 0 when none written */
    char *skipped_note;      /* why the first skipped file was skipped */
    struct diag_list diags;  /* errors and warnings, in order */
};

void minga_import_options_init(struct minga_import_options *opt);
void minga_import_report_init(struct minga_import_report *rep);
void minga_import_report_release(struct minga_import_report *rep);

/* Imports files from disk as one all-or-nothing operation. Returns 0 on
 * success (including the no-op of re-importing identical files), or
 * MINGA_EINVAL when any input had an error (rep->diags says which; nothing
 * was written), or another code for an I/O or internal failure. */
int minga_import_paths(struct minga *m, const char *const *paths,
                       size_t n_paths, const struct minga_import_options *opt,
                       struct minga_import_report *rep);

/* Imports one file from an open descriptor; `name` (a file name such as
 * "pack.zip") picks the importer and names the file in messages. */
int minga_import_fd(struct minga *m, const char *name, int fd,
                    const struct minga_import_options *opt,
                    struct minga_import_report *rep);

/* One line: "imported 12 cases from 3 files: 9 new, 3 updated".
 * Returns a new string; caller frees. */
char *minga_import_summary(const struct minga_import_report *rep,
                           int is_dry_run);
json_t *minga_import_report_json(const struct minga_import_report *rep,
                                 int is_dry_run);

/* -- reading ------------------------------------------------------------ */

/* Searches the index. *out is freed with mindex_results_free. */
int minga_search(struct minga *m, const struct minga_query *q,
                 struct mindex_results **out, char **errmsg);
/* When the index was found ahead of the catalog (an import killed between
 * their commits), minga_search and minga_match_ids leave out the cases
 * the catalog lacks. This says whether the last of them found it so: the
 * index's generation, 0 when it was not ahead; *catalog_gen (may be NULL)
 * gets the catalog's. A caller logs it; `minga check --repair` or the
 * next write rebuilds the index. */
uint64_t minga_index_ahead(const struct minga *m, uint64_t *catalog_gen);
/* The ids of every case the query selects (from q->offset, at most
 * q->limit, 0: all), in search order: see mindex_match_ids. Free with
 * mindex_ids_free. */
int minga_match_ids(struct minga *m, const struct minga_query *q,
                    char ***ids, size_t *n, char **errmsg);
/* The JSON answer of `minga search --json` and GET /api/search, as
 * compact text: {total, estimated, page, per_page, query, filters,
 * results: [...], facets: {...}, suggestion} (docs/openapi.json).
 * Returns a malloc'd string (caller frees) and, when len is not NULL, its
 * length; NULL when out of memory or a text is not UTF-8.
 * (core/results_json.c) */
char *minga_results_json(const struct minga_query *q,
                         const struct mindex_results *r, size_t *len);

/* Loads one case with its attachments. *out is freed with case_free. */
int minga_get_case(struct minga *m, const char *id, struct minga_case **out,
                   char **errmsg);
/* A case in format v1; with_times adds created_at and updated_at. */
json_t *minga_case_json(const struct minga_case *c, int with_times);

/* Lists ids matching filters only (no text), newest first, for `list`. */
int minga_delete_case(struct minga *m, const char *id, char **errmsg);

/* {cases, indexed, goals: {"1": n ...}, levels, countries, languages,
 *  actors, imports, attachments}. */
int minga_stats_json(struct minga *m, json_t **out, char **errmsg);

/* The goals with names es/pt/en, colours and targets (GET /api/sdgs). */
json_t *minga_sdgs_json(void);

/* -- exporting ---------------------------------------------------------- */

struct minga_export_options {
    const char *format;      /* exporter name: json, csv, briefing ... */
    const char *lang;        /* es, pt, en: labels in packs; NULL = en */
    /* Output sink: called with successive chunks; returns 0 or -1. */
    int (*write)(void *arg, const void *data, size_t len);
    void *write_arg;
};

/* Exports the cases that q selects (q->limit 0 means all of them), in
 * relevance order for a text query, newest first otherwise. Zero cases is
 * MINGA_ENOTFOUND with a message saying so, and nothing is written. */
int minga_export(struct minga *m, const struct minga_query *q,
                 const struct minga_export_options *opt, char **errmsg);

/* -- consistency -------------------------------------------------------- */

/* Compares catalog and index. Fills *report with {consistent, cases,
 * indexed, missing_from_index: [...], extra_in_index: [...],
 * generation_catalog, generation_index, repaired}. With repair, rebuilds
 * what differs. Returns 0 when consistent (after repair), MINGA_EINVAL
 * when not. */
int minga_check(struct minga *m, int repair, json_t **report,
                char **errmsg);
/* Finishes an import that was killed between the index's commit and the
 * catalog's (the generations differ) by rebuilding the index, under the
 * writer lock; sets *was_needed. Cheap when nothing is to be done; `minga
 * serve` runs it at start. */
int minga_finish_interrupted(struct minga *m, int *was_needed,
                             char **errmsg);
/* Rebuilds the index from the catalog. */
int minga_reindex(struct minga *m,
                  void (*progress)(void *arg, uint64_t done, uint64_t total),
                  void *arg, char **errmsg);

/* -- upload tokens ------------------------------------------------------ */

/* Creates a token for `name`; *token_out (caller frees) is shown once and
 * never stored: the catalog keeps only its hash. */
int minga_token_add(struct minga *m, const char *name, char **token_out,
                    char **errmsg);
int minga_token_revoke(struct minga *m, const char *name, char **errmsg);
/* [{name, created_at, last_used_at}] */
int minga_token_list(struct minga *m, json_t **out, char **errmsg);
/* Checks a presented token in constant time. Returns 0 with *name_out
 * (caller frees) when valid, MINGA_ENOTFOUND otherwise. On a writable
 * handle the token's last-used time is written too. */
int minga_token_verify(struct minga *m, const char *token, char **name_out);
/* Writes now as the last-used time of token `name` (one short write
 * transaction), for a caller that checked it through a read-only handle
 * (the server). `m` must be writable: MINGA_EINVAL otherwise. */
int minga_token_touch(struct minga *m, const char *name, char **errmsg);

/* -- plugins ------------------------------------------------------------ */

/* [{name, kind, version, description, file, formats}] plus refused ones
 * with their reason. */
json_t *minga_plugins_json(void);
/* The exporter for a format, or NULL. */
const struct minga_exporter *minga_find_exporter(const char *format);

#endif
