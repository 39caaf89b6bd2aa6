/*
 * The catalog: SQLite, the source of truth for cases, their attachments
 * (original bytes and extracted text, stored once per distinct content
 * by sha256), the import log and upload tokens.
 *
 * Invariants:
 *   - WAL mode and foreign keys on; the schema version is PRAGMA
 *     user_version and catalog_open migrates older versions forward;
 *   - every write happens inside catalog_begin .. catalog_commit, one
 *     transaction per import, so an import is all or nothing;
 *   - a generation counter (meta table) grows by one per committed write;
 *     each case row records the generation that last wrote it, and the
 *     index records the generation it reflects.
 * Errors: functions return 0 or a negative MINGA_E... code; the text is in
 * catalog_errmsg() until the next call on the same handle.
 */
#ifndef MINGA_CATALOG_H
#define MINGA_CATALOG_H

#include <stdint.h>
#include <jansson.h>
#include "minga/plugin.h"

struct catalog;

/* 1: the first; 2: attachment contents stored once (catalog_content.c);
 * 3: revisions, submissions, token roles (catalog_history.c);
 * 4: harvest sources and provenance (harvest_store.c) */
#define CATALOG_SCHEMA_VERSION 4

/* Who writes and why: what the revision of each case written records. */
struct catalog_write {
    uint64_t generation;
    int64_t import_id;  /* 0: none */
    const char *by;     /* "cli", "token:NAME" */
    const char *action; /* NULL: "create" or "update", as found */
    const char *note;   /* may be NULL: "to revision 3" */
};

int catalog_open(struct catalog **out, const char *path, int is_readonly,
                 char **errmsg);
void catalog_close(struct catalog *cat);
const char *catalog_errmsg(const struct catalog *cat);

/* BEGIN IMMEDIATE: takes the write lock, waiting up to the busy timeout. */
int catalog_begin(struct catalog *cat);
/* A read transaction: the statements until catalog_commit see one
 * snapshot of the catalog. MINGA_EBUSY inside another transaction. */
int catalog_begin_read(struct catalog *cat);
int catalog_commit(struct catalog *cat);
/* Writes the transaction's dirty pages to the WAL now (not yet committed),
 * so that a full disk shows here, while the transaction can still roll
 * back, rather than at commit. */
int catalog_flush(struct catalog *cat);
void catalog_rollback(struct catalog *cat);
/* Copies the WAL into the database and truncates it (best effort). */
void catalog_checkpoint(struct catalog *cat);

uint64_t catalog_generation(struct catalog *cat);
/* Inside a transaction: generation + 1, stored; returns the new value. */
int catalog_next_generation(struct catalog *cat, uint64_t *out);

/* Inserts or replaces a case (matching by id) as generation
 * w->generation, keeping created_at on update, and records the write as a
 * new revision (the replaced content kept in the old one). *was_update
 * tells which; *rev (may be NULL) gets the revision. Returns MINGA_EEXISTS
 * when this generation already wrote that id (the same id twice in one
 * import). `extra_json` (may be NULL) holds unknown fields kept in lenient
 * mode. Attachments are written separately. */
int catalog_upsert_case(struct catalog *cat, const struct minga_case *c,
                        const struct catalog_write *w, const char *extra_json,
                        int *was_update, int *rev);
/* Adds an attachment row to the case `case_id`: path, media type, size
 * and the sha256 of a content stored with catalog_put_blob (a->text is not
 * stored here: see catalog_put_attachment_text). */
int catalog_add_attachment(struct catalog *cat, const char *case_id,
                           int position, const struct minga_attachment *a);
/* Stores bytes under their sha256 (no-op when present). */
int catalog_put_blob(struct catalog *cat, const char *sha256, const void *data,
                     size_t len);
/* Reads a blob; *data is malloc'd, caller frees. */
int catalog_read_blob(struct catalog *cat, const char *sha256, void **data,
                      size_t *len);
/* Stores the text extracted from the content `sha256` read as
 * `media_type` (its blob must be stored), once for every case naming it;
 * replaces an earlier one. A content goes, bytes and text, with the last
 * attachment row naming it. */
int catalog_put_attachment_text(struct catalog *cat, const char *sha256,
                                const char *media_type, const char *text);
/* The stored text of a content read as `media_type`; *text malloc'd,
 * caller frees. MINGA_ENOTFOUND when none is stored (never extracted, or
 * its extraction failed). */
int catalog_read_attachment_text(struct catalog *cat, const char *sha256,
                                 const char *media_type, char **text);
/* Deletes a case (MINGA_ENOTFOUND if absent), logging it for the index.
 * With w, the deletion is a revision (a tombstone) and the content stays
 * in the history; with w NULL (a purge) it is not recorded. */
int catalog_delete_case(struct catalog *cat, const char *id, uint64_t gen,
                        const struct catalog_write *w);

/* Loads a case with its attachments (text included when with_text). */
int catalog_get_case(struct catalog *cat, const char *id, int with_text,
                     struct minga_case **out);
/* Calls fn for each case (attachment text included), in id order, or only
 * those written after generation `since`. Stops when fn returns nonzero
 * and returns that value. */
int catalog_foreach_case(struct catalog *cat, uint64_t since,
                         int (*fn)(void *arg, struct minga_case *c),
                         void *arg);
/* Calls fn for each case id. */
int catalog_foreach_id(struct catalog *cat,
                       int (*fn)(void *arg, const char *id), void *arg);
/* 1 when the catalog holds case `id`, 0 when not (or on an error). */
int catalog_has_case(struct catalog *cat, const char *id);
int64_t catalog_count_cases(struct catalog *cat);

/* -- import log -------------------------------------------------------- */

/* Finds an earlier successful import of a file with this sha256. Returns
 * 0 and sets *import_id and *when (caller frees), or MINGA_ENOTFOUND. */
int catalog_find_import(struct catalog *cat, const char *sha256,
                        int64_t *import_id, char **when);
int catalog_log_import(struct catalog *cat, const char *source,
                       const char *sha256, int64_t n_cases, int64_t n_new,
                       int64_t n_updated, const char *by, int64_t *id_out);
int catalog_finish_import(struct catalog *cat, int64_t import_id,
                          int64_t n_cases, int64_t n_new, int64_t n_updated);

/* -- files waiting to be matched to cases (one import) ------------------ */

int catalog_stash_file(struct catalog *cat, const char *name, const void *data,
                       size_t len);
/* *data malloc'd; MINGA_ENOTFOUND when no such file was stashed. */
int catalog_fetch_stashed(struct catalog *cat, const char *name, void **data,
                          size_t *len);
void catalog_clear_stash(struct catalog *cat);

/* -- statistics and tokens ---------------------------------------------- */

int catalog_stats_json(struct catalog *cat, json_t *out);
/* role "curator" or "city"; countries and cities JSON arrays (or NULL);
 * expires_days 0: never. */
int catalog_token_add(struct catalog *cat, const char *name, const char *hash,
                      const char *role, const char *countries_json,
                      const char *cities_json, int expires_days);
int catalog_token_revoke(struct catalog *cat, const char *name);
int catalog_token_list(struct catalog *cat, json_t **out);
/* Calls fn for each token neither revoked nor expired. */
int catalog_token_foreach(struct catalog *cat,
                          int (*fn)(void *arg, const char *name,
                                    const char *hash),
                          void *arg);
int catalog_token_touch(struct catalog *cat, const char *name);
/* A token's role and scope (JSON arrays, or NULL); all malloc'd. */
int catalog_token_rights(struct catalog *cat, const char *name, char **role,
                         char **countries_json, char **cities_json);

/* For catalog.c: schema step 1 -> 2, inside the migration's transaction;
 * appends a case's attachments (with their text when with_text). */
int catalog_content_migrate_v2(struct catalog *cat);
int catalog_load_attachments(struct catalog *cat, int64_t case_rowid,
                             int with_text, struct minga_case *c);

/* The raw handle, for the modules that share this connection. */
struct sqlite3 *catalog_db(struct catalog *cat);
/* Sets the handle's error text from SQLite's and returns MINGA_EIO (or
 * MINGA_EBUSY when the database is locked). */
int catalog_fail(struct catalog *cat, const char *what);
/* Sets the handle's error text. */
void catalog_set_error(struct catalog *cat, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A value of the meta table (malloc'd; NULL when absent), and setting one
 * (outside a transaction: one of its own). */
char *catalog_meta_get(struct catalog *cat, const char *key);
int catalog_meta_set(struct catalog *cat, const char *key, const char *value);

#endif
