/*
 * minga's internal facade: one open data folder (catalog, index, plugins)
 * and every operation the CLI and the web server offer, beyond the public
 * API of include/minga/ that libminga exports. The CLI and the server
 * are thin shells over these functions, so they cannot drift apart.
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

#include "minga/minga.h" /* the public API: minga_open, minga_close,
                                minga_search_json ... (core/libminga.c) */
#include "minga/plugin.h"
#include "query.h"
#include "diag.h"
#include "mindex.h"
#include "minga/version.h" /* MINGA_VERSION, generated */

struct minga_principal; /* a verified token: see "upload tokens" */

/* -- importing ---------------------------------------------------------- */

struct minga_import_options {
    int is_dry_run;            /* validate and report, write nothing */
    int is_lenient;            /* unknown fields are kept and ignored */
    int is_forced;             /* import even a file imported before */
    int is_strict_attachments; /* unreadable attachment text is an error */
    /* An attachment named by a case file on disk but missing beside it
     * is a warning and the case imports without it (CSV and JSON Lines
     * exports name attachments without their bytes); inside an archive a
     * missing member stays an error. */
    int is_no_attachments;
    const char *by; /* who imports: "cli" or "token:NAME" */
    /* The token that uploads, whose scope every case must fall in (a
     * case outside it is an error counted in n_forbidden); NULL for the
     * operator, who may write any case. Borrowed. */
    const struct minga_principal *principal;
    /* Store the cases as a submission waiting for a curator's review
     * (minga_review_decide) instead of publishing them. */
    int is_pending;
    struct minga_limits limits; /* archive limits; 0 fields = defaults */
    /* Text extracted from this import's attachments, each distinct
     * content counted once; 0 = DEFAULT_MAX_ATTACHMENT_TEXT (256 MiB,
     * core/import_contents.h). */
    uint64_t max_attachment_text;
    /* Called now and then during a long import; may be NULL. */
    void (*progress)(void *arg, uint64_t done, uint64_t total);
    void *progress_arg;
    /* Targets to add to cases of this import before they are stored,
     * each with its goal (the upload form's accepted suggestions,
     * `minga import --add-targets`). A pair whose case is not in the
     * import is an error (n_bad_additions). With additions, a file
     * identical to an earlier import is read again, not skipped: its
     * cases change. Borrowed; may be NULL. */
    const struct minga_import_additions *additions;
    /* Keep a copy of the first n_keep_cases cases read (id, title,
     * texts, language, tags, goals and targets: what minga_suggest
     * reads) in rep->kept, so that a dry run's caller can suggest tags
     * for them. 0: none. */
    size_t n_keep_cases;
};

struct minga_import_report {
    size_t n_files;   /* files read (skipped ones not counted) */
    size_t n_skipped; /* byte-identical to an earlier import */
    size_t n_cases;
    size_t n_new;
    size_t n_updated;
    size_t n_attachments;
    int64_t import_id;      /* the import log row; 0 when none written */
    size_t n_forbidden;     /* cases outside the principal's scope */
    int is_pending;         /* stored for review, not yet published */
    char *skipped_note;     /* why the first skipped file was skipped */
    struct diag_list diags; /* errors and warnings, in order */
    size_t n_bad_additions; /* opt->additions naming no case read */
    char *bad_addition_id;  /* the first such case id; owned */
    /* opt->n_keep_cases: the first cases read, as validated (additions
     * applied; a body cut at MINGA_IMPORT_KEPT_BODY_MAX bytes). Owned:
     * freed by minga_import_report_release. */
    struct minga_case **kept;
    size_t n_kept;
    /* A large import compacts the index after its commit (see
     * IMPORT_COMPACT_MIN_CASES in core/import.c): its size before and
     * after, in bytes; 0 and 0 when it did not run. */
    uint64_t compacted_from, compacted_to;
};

/* Targets to add to named cases of an import, parsed from "ID:T[,T]..."
 * (a case id, a colon, official target ids: "11.2", "6.a"), the syntax
 * of the upload's add_targets parameter and of `minga import
 * --add-targets`. Bounded, since it comes from a URL: a spec is at most
 * MINGA_IMPORT_MAX_ADDITION_SPEC bytes and a list at most
 * MINGA_IMPORT_MAX_ADDITIONS pairs. */
#define MINGA_IMPORT_MAX_ADDITIONS 2000
#define MINGA_IMPORT_MAX_ADDITION_SPEC 2048
/* minga_suggest reads no more of a body than this (core/suggest.c). */
#define MINGA_IMPORT_KEPT_BODY_MAX (256u << 10)

struct minga_import_addition {
    char case_id[104]; /* 1-100 of a-z 0-9 - */
    char target[8];    /* an official target id */
};
struct minga_import_additions {
    struct minga_import_addition *items;
    size_t n, cap;
};
void minga_import_additions_init(struct minga_import_additions *a);
void minga_import_additions_release(struct minga_import_additions *a);
/* Appends the pairs of one spec to `a` (a pair given twice is kept
 * once). Returns 0, or MINGA_EINVAL with *errmsg (caller frees) naming
 * what is wrong (no colon, a bad case id, "99.9" not an official target,
 * no target, the bounds above); `a` is then unchanged. */
int minga_import_additions_parse(struct minga_import_additions *a,
                                 const char *spec, char **errmsg);

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
int minga_match_ids(struct minga *m, const struct minga_query *q, char ***ids,
                    size_t *n, char **errmsg);
/* Every case the filters of q select (its text, offset and limit are
 * not read), newest first, handed one by one to each(arg, hit) with the
 * hit's id, title, city, country and years (no snippet, no facets); a
 * nonzero return from each stops the listing and is returned. *total
 * (may be NULL) gets how many cases the filters select. `minga list`. */
int minga_list(struct minga *m, const struct minga_query *q,
               int (*each)(void *arg, const struct mindex_hit *hit), void *arg,
               uint64_t *total, char **errmsg);
/* The JSON answer of `minga search --json` and GET /api/search, as
 * compact text: {total, estimated, page, per_page, query, filters,
 * results: [...], facets: {...}, suggestion} (docs/openapi.json).
 * Returns a malloc'd string (caller frees) and, when len is not NULL, its
 * length; NULL when out of memory or a text is not UTF-8.
 * (core/results_json.c) */
char *minga_results_json(const struct minga_query *q,
                         const struct mindex_results *r, size_t *len);

/* The cases most like case `id` (limit 1..MINDEX_RELATED_MAX), with
 * why (mindex_related_cases). MINGA_ENOTFOUND when the catalog or the
 * index holds no such case. *out is freed with mindex_related_free. */
int minga_related(struct minga *m, const char *id, unsigned limit,
                  struct mindex_related_list **out, char **errmsg);
/* The JSON answer of GET /api/cases/{id}/related and `minga related
 * --json`: {id, related: [{id, title, city, country, country_name,
 * language, year_start, year_end, goals, score, same_city, reason:
 * {goals, targets, terms}}]} (docs/openapi.json). A malloc'd string
 * (caller frees), its length in *len when not NULL; NULL when out of
 * memory or a text is not UTF-8. (core/results_json.c) */
char *minga_related_json(const char *id, const struct mindex_related_list *r,
                         size_t *len);

/* Loads one case with its attachments. *out is freed with case_free. */
int minga_get_case(struct minga *m, const char *id, struct minga_case **out,
                   char **errmsg);
/* A case in format v1; with_times adds created_at and updated_at. */
json_t *minga_case_json(const struct minga_case *c, int with_times);

/* Deletes a case, keeping its history and a tombstone (minga_restore_case
 * brings it back). `who` NULL is the operator; a city token may delete
 * only a case in its scope: MINGA_EFORBIDDEN otherwise. */
int minga_delete_case(struct minga *m, const char *id,
                      const struct minga_principal *who, char **errmsg);

/* {cases, indexed, goals: {"1": n ...}, levels, countries, languages,
 *  actors, imports, attachments}. */
int minga_stats_json(struct minga *m, json_t **out, char **errmsg);

/* The goals with names es/pt/en, colours and targets (GET /api/sdgs). */
json_t *minga_sdgs_json(void);

/* -- exporting ---------------------------------------------------------- */

struct minga_export_options {
    const char *format; /* exporter name: json, csv, briefing ... */
    const char *lang;   /* es, pt, en: labels in packs; NULL = en */
    /* Output sink: called with successive chunks; returns 0 or -1. */
    int (*write)(void *arg, const void *data, size_t len);
    void *write_arg;
};

/* Writes all of data to fd, again after EINTR: 0, or -1 (errno set). */
int minga_write_all(int fd, const void *data, size_t len);
/* A minga_export_options write callback to a descriptor: write_arg
 * points at the int fd. */
int minga_export_write_fd(void *arg, const void *data, size_t len);

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
int minga_check(struct minga *m, int repair, json_t **report, char **errmsg);
/* Finishes an import that was killed between the index's commit and the
 * catalog's (the generations differ) by rebuilding the index, under the
 * writer lock; sets *was_needed. Cheap when nothing is to be done; `minga
 * serve` runs it at start. */
int minga_finish_interrupted(struct minga *m, int *was_needed, char **errmsg);
/* Compacts the index (Xapian's compaction) under the writer lock, while
 * readers go on searching: see mindex_compact. Index sizes in bytes
 * before and after, when not NULL. */
int minga_compact(struct minga *m, uint64_t *bytes_before,
                  uint64_t *bytes_after, char **errmsg);
/* The most shards an index may have (the index's MINDEX_MAX_SHARDS). */
#define MINGA_MAX_SHARDS 64
/* Rebuilds the index from the catalog, then compacts it. With shards > 0
 * (at most MINGA_MAX_SHARDS) the new index has that many shards, built
 * beside the live one and swapped in at its commit (mindex_open_relayout):
 * searches go on over the old one meanwhile, and a failed or killed
 * reindex leaves it as it was. 0 keeps the index's shard count. */
int minga_reindex(struct minga *m, int shards,
                  void (*progress)(void *arg, uint64_t done, uint64_t total),
                  void *arg, char **errmsg);

/* -- upload tokens: roles and scopes (core/tokens.c) -------------------- */

enum minga_role {
    MINGA_ROLE_CURATOR = 0, /* may change any case, and review */
    MINGA_ROLE_CITY = 1     /* may change only cases in its scope */
};

/* What a new token may do. A city token's scope is one or more countries
 * (ISO 3166-1 alpha-2) and, optionally, cities within them (compared
 * without regard to case or accents); a case is in scope when its country
 * is listed and, if cities are listed, its city is too. */
struct minga_token_spec {
    int role;                     /* enum minga_role */
    const char *const *countries; /* city role: at least one */
    size_t n_countries;
    const char *const *cities; /* may be empty: the whole country */
    size_t n_cities;
    int expires_days; /* 0: never expires */
};

/* Who writes: a verified token. The operator at the machine (the CLI) is
 * a NULL principal, with no limits. Owns its strings. */
struct minga_principal {
    char *name;
    int role; /* enum minga_role */
    char **countries;
    size_t n_countries;
    char **cities;
    size_t n_cities;
};
void minga_principal_free(struct minga_principal *p);
/* "token:NAME" for a principal, "cli" for NULL: the `by` of a revision.
 * Returns a new string; caller frees. */
char *minga_principal_by(const struct minga_principal *p);
/* NULL when `who` may write case `c` (its new content; may be NULL for a
 * delete) over the stored case `id` (its current or, when deleted, last
 * content); else why not, one line naming the id ("rosario-huertas:
 * country AR is outside this token's scope (UY)"); caller frees. */
char *minga_scope_violation(struct minga *m, const struct minga_principal *who,
                            const char *id, const struct minga_case *c);

/* Creates a token; spec NULL makes a curator token that never expires.
 * *token_out (caller frees) is shown once and never stored: the catalog
 * keeps only its hash. */
int minga_token_add(struct minga *m, const char *name,
                    const struct minga_token_spec *spec, char **token_out,
                    char **errmsg);
int minga_token_revoke(struct minga *m, const char *name, char **errmsg);
/* [{name, role, countries: [], cities: [], created_at, last_used_at,
 *   expires_at, revoked_at}] (null where not set) */
int minga_token_list(struct minga *m, json_t **out, char **errmsg);
/* Checks a presented token in constant time: known, not revoked, not
 * expired. Returns 0 with *out (free with minga_principal_free), else
 * MINGA_ENOTFOUND. On a writable handle the last-used time is written. */
int minga_token_verify(struct minga *m, const char *token,
                       struct minga_principal **out);
/* Writes now as the last-used time of token `name` (one short write
 * transaction), for a caller that checked it through a read-only handle
 * (the server). `m` must be writable: MINGA_EINVAL otherwise. */
int minga_token_touch(struct minga *m, const char *name, char **errmsg);

/* -- history: every version kept (core/history.c) ----------------------- */

/* {"id", "current": N or null when deleted, "deleted": bool,
 *  "revisions": [{"rev", "action", "by", "time", "import_id", "note"}],
 *  oldest first; "purged": [{"time", "by", "revisions"}] when purged
 *  before}. action: create, update, delete, revert, restore.
 * MINGA_ENOTFOUND when the id has no history. */
int minga_history_json(struct minga *m, const char *id, json_t **out,
                       char **errmsg);
/* Loads revision `rev` of a case as it was, attachments included (their
 * bytes: minga_read_attachment). A deletion's revision has no content:
 * MINGA_ENOTFOUND with a message saying so. *out freed with case_free;
 * its created_at/updated_at are those the revision had. */
int minga_get_case_rev(struct minga *m, const char *id, int rev,
                       struct minga_case **out, char **errmsg);
/* The bytes of an attachment by its sha256 (any revision's); *data
 * malloc'd, caller frees. */
int minga_read_attachment(struct minga *m, const char *sha256, void **data,
                          size_t *len, char **errmsg);
/* Writes a new revision equal to revision `to` (which must have content);
 * a deleted case comes back. *new_rev (may be NULL) gets its number. */
int minga_revert_case(struct minga *m, const char *id, int to,
                      const struct minga_principal *who, int *new_rev,
                      char **errmsg);
/* Brings back a deleted case as its last revision before the deletion. */
int minga_restore_case(struct minga *m, const char *id,
                       const struct minga_principal *who, int *new_rev,
                       char **errmsg);
/* Removes a case and every revision of it (operator only: a legal
 * removal); keeps only a line saying when and by whom, without content.
 * *n_revisions gets how many were removed. */
int minga_purge_case(struct minga *m, const char *id, int *n_revisions,
                     char **errmsg);

/* -- review before publication (core/review.c) -------------------------- */

/* Whether uploads from city tokens wait for review (a setting stored in
 * the data folder; `minga serve --review` turns it on). */
int minga_review_enabled(struct minga *m);
int minga_review_set(struct minga *m, int is_on, char **errmsg);
/* [{id, status, by, time, source, cases: [ids]}] for status "pending",
 * "approved", "rejected", or every submission when NULL; newest first. */
int minga_review_list(struct minga *m, const char *status, json_t **out,
                      char **errmsg);
/* {id, status, by, time, source, reason, decided_by, decided_time,
 *  cases: [case JSON as submitted, with updates_existing: bool]} */
int minga_review_show(struct minga *m, int64_t id, json_t **out,
                      char **errmsg);
/* Approves (publishes every case of the submission, as revisions by the
 * uploader noted "approved by ...") or rejects (with `reason`, which the
 * uploader reads) a pending submission. `who` NULL is the operator; a
 * city token gets MINGA_EFORBIDDEN. */
int minga_review_decide(struct minga *m, int64_t id, int is_approved,
                        const char *reason, const struct minga_principal *who,
                        char **errmsg);
/* {id, source, time, by, status: published | pending | approved |
 *  rejected, reason, decided_by, decided_time, n_cases, n_new, n_updated,
 *  cases: [ids]} for an import log row. */
int minga_import_status(struct minga *m, int64_t import_id, json_t **out,
                        char **errmsg);

/* -- backup (core/backup.c) --------------------------------------------- */

/* Writes a consistent copy of the open data folder into `dest` (missing
 * or empty) while other writers go on: see core/backup.c for how the
 * catalog and index are kept at one generation. *report (may be NULL):
 * {dest, cases, generation, bytes, seconds}. */
int minga_backup(struct minga *m, const char *dest, json_t **report,
                 char **errmsg);
/* Fills the data folder `dest` (missing or empty) from the backup `src`
 * and checks it. */
int minga_restore_backup(const char *src, const char *dest, json_t **report,
                         char **errmsg);

/* -- the process ---------------------------------------------------------- */

/* Xapian's inverter keeps, per term, an ordered map of the postings added
 * since its last flush to the tables; with Xapian's default threshold
 * (10000 documents) the maps grow large enough that walking them costs
 * more than flushing more often (perf: about a third of the indexing
 * time). The threshold counts documents, not bytes, so it also bounds
 * the memory an import of long reports needs: on 5000 bench cases, 1000
 * took 24-28 s and 134 MiB, 400 21-23 s and 91 MiB, 200 21-25 s and
 * 74 MiB. Xapian 1.4 reads it only from the environment, when a writable
 * database opens, and a library must not change its program's
 * environment (setenv races with any thread's getenv), so a program that
 * imports sets it at the start of main(), before any thread, unless the
 * user set it:
 *     setenv("XAPIAN_FLUSH_THRESHOLD", MINGA_XAPIAN_FLUSH_THRESHOLD, 0);
 * The minga command does. */
#define MINGA_XAPIAN_FLUSH_THRESHOLD "250"

/* -- plugins ------------------------------------------------------------ */

/* The three below answer for the default registry, the plugins every
 * handle sees (core/plugin_host.h); a handle given folders of its own
 * (minga_plugins_add_path, public) imports and exports with those too. */
/* [{name, kind, version, description, file, formats}] plus refused ones
 * with their reason. */
json_t *minga_plugins_json(void);
/* The exporter for a format, or NULL. */
const struct minga_exporter *minga_find_exporter(const char *format);
/* What the loaded plugins offer, for messages: the importers' file
 * endings (".json, .csv, .zip ...") for MINGA_PLUGIN_IMPORTER, the
 * exporters' formats ("json, csv, briefing ...") for
 * MINGA_PLUGIN_EXPORTER, in load order, each once; "" when none. A new
 * string (caller frees), or NULL when out of memory. */
char *minga_plugin_offers(int kind);

#endif
