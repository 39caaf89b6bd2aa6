/*
 * The catalog's history and review tables (schema version 3): every
 * version of every case as a revision, tombstones for deletions, purges,
 * and submissions that wait for review. See catalog_history.c for the
 * storage rule (the current revision's content lives in `cases`; a
 * superseded one's is copied into its revision row as a doc).
 *
 * All functions run inside the caller's transaction; errors as in
 * catalog.h.
 */
#ifndef MINGA_CATALOG_HISTORY_H
#define MINGA_CATALOG_HISTORY_H

#include "catalog.h"

/* For catalog.c: schema step 2 -> 3, inside the migration's transaction;
 * every case becomes revision 1, every token a curator token. */
int catalog_history_migrate_v3(struct catalog *cat);

/* A case's content as the JSON kept in revision and submission rows, and
 * back (attachments are kept in their own rows, not in the doc). Returns
 * malloc'd text / a case freed with case_free; *extra_json malloc'd or
 * NULL. */
char *catalog_doc_from_case(const struct minga_case *c,
                            const char *extra_json);
int catalog_case_from_doc(const char *doc, struct minga_case **out,
                          char **extra_json);

/* Before the current case `id` is replaced or deleted: copies its content
 * into its newest revision (a no-op when there is no such case). */
int catalog_revision_snapshot(struct catalog *cat, const char *id);
/* Appends revision max+1 of `id` with `action` (create, update, delete,
 * revert, restore) written by w; *rev_out (may be NULL) gets its number. */
int catalog_revision_add(struct catalog *cat, const char *id,
                         const char *action, const struct catalog_write *w,
                         int *rev_out);
/* Revision `rev` of `id` as it was (MINGA_ENOTFOUND for none, or for a
 * deletion, with a message saying which). */
int catalog_revision_get(struct catalog *cat, const char *id, int rev,
                         int with_text, struct minga_case **out,
                         char **extra_json);
/* The newest revision of `id` that has content; *rev 0 when none. */
int catalog_revision_last_content(struct catalog *cat, const char *id,
                                  int *rev);
/* [{rev, action, by, time, import_id, note}] oldest first; NULL on error. */
json_t *catalog_revision_list(struct catalog *cat, const char *id);
/* [{time, by, revisions}] of earlier purges of `id`. */
json_t *catalog_purge_list(struct catalog *cat, const char *id);
/* Removes every revision and submission of `id` (the case row is the
 * caller's), leaving a line in `purges`. */
int catalog_revision_purge(struct catalog *cat, const char *id, const char *by,
                           int *n_revisions);
/* Where case `id` is, or was when deleted: *country and *city malloc'd.
 * MINGA_ENOTFOUND when the catalog never held it. */
int catalog_case_place(struct catalog *cat, const char *id, char **country,
                       char **city);

/* Adds an attachment row for a revision (table "revision_attachments",
 * key: rev) or a submission ("submission_attachments", key: import id). */
int catalog_put_named_attachment(struct catalog *cat, const char *table,
                                 const char *id, int64_t key, int position,
                                 const struct minga_attachment *a);

/* -- submissions: uploads kept for review ------------------------------- */

int catalog_submission_add(struct catalog *cat, int64_t import_id,
                           const char *by);
/* Keeps a case of a submission; *is_update tells whether it would replace
 * a current case. MINGA_EEXISTS for the same id twice in one import. */
int catalog_submission_put_case(struct catalog *cat, int64_t import_id,
                                const struct minga_case *c,
                                const char *extra_json, int *is_update);
int catalog_submission_get_case(struct catalog *cat, int64_t import_id,
                                const char *id, int with_text,
                                struct minga_case **out, char **extra_json);

#endif
