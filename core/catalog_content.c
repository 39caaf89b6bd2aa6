/* Attachments and their contents: schema version 2, which split them
 * apart, and reading a case's attachments back (catalog_aux.c writes the
 * rows, blobs and texts).
 *
 * Version 1 kept each attachment's extracted text (up to 4 MiB) inline in
 * a WITHOUT ROWID row of `attachments`, once per case naming it. Such a
 * B-tree compares whole keys, and a cell that overflows its page is read
 * in full for each comparison, so every lookup of a case's attachments
 * (export, show, reindex) read megabytes; 60 cases naming one 4 MiB text
 * also stored 60 copies of it (issue 18). Version 2 keeps the per-case
 * rows small in an ordinary table (lookups walk its small index), and the
 * text once per content in `attachment_texts`, next to the bytes in
 * `blobs`, both keyed by sha256. A trigger deletes a content with the last
 * attachment row that names it, whichever way the row goes (a deleted or
 * replaced case cascades to its rows). */
#include "catalog.h"

#include <sqlite3.h>

#include "case.h"

/* Attachment rows get a rowid (an index on case and position finds them
 * by small keys whatever the path's length); a text row is found through
 * the index of its primary key, so seeks never compare large cells. */
static const char schema_v2[] =
    "CREATE TABLE attachment_texts("
    "  sha256 TEXT NOT NULL REFERENCES blobs(sha256),"
    "  media_type TEXT NOT NULL,"
    "  text TEXT NOT NULL,"
    "  PRIMARY KEY(sha256, media_type));"
    "INSERT OR IGNORE INTO attachment_texts"
    "  SELECT sha256, media_type, text FROM attachments;"
    "CREATE TABLE attachments_v2("
    "  case_rowid INTEGER NOT NULL REFERENCES cases(rowid) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  path TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL REFERENCES blobs(sha256),"
    "  media_type TEXT NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  UNIQUE(case_rowid, position));"
    "INSERT INTO attachments_v2 SELECT case_rowid, position, path, sha256,"
    "  media_type, size FROM attachments;"
    "DROP TABLE attachments;"
    "ALTER TABLE attachments_v2 RENAME TO attachments;"
    "CREATE INDEX attachments_sha256 ON attachments(sha256);"
    /* version 1 never deleted a blob: drop those no case names now */
    "DELETE FROM attachment_texts WHERE sha256 NOT IN"
    "  (SELECT sha256 FROM attachments);"
    "DELETE FROM blobs WHERE sha256 NOT IN (SELECT sha256 FROM attachments);"
    "CREATE TRIGGER attachments_release AFTER DELETE ON attachments"
    "  WHEN NOT EXISTS (SELECT 1 FROM attachments"
    "                   WHERE sha256 = old.sha256)"
    "  BEGIN"
    "    DELETE FROM attachment_texts WHERE sha256 = old.sha256;"
    "    DELETE FROM blobs WHERE sha256 = old.sha256;"
    "  END;";

/* The query of version 1, for a reader of a folder no writer has opened
 * since this minga was installed (only writers migrate). */
static const char load_v1_sql[] =
    "SELECT path, sha256, media_type, size, "
    "CASE WHEN ?1 THEN text ELSE '' END "
    "FROM attachments WHERE case_rowid = ?2 ORDER BY position";

static const char load_sql[] =
    "SELECT path, sha256, media_type, size, '' FROM attachments "
    "WHERE case_rowid = ?2 ORDER BY position";

static const char load_with_text_sql[] =
    "SELECT a.path, a.sha256, a.media_type, a.size, coalesce(t.text, '') "
    "FROM attachments a LEFT JOIN attachment_texts t "
    "ON t.sha256 = a.sha256 AND t.media_type = a.media_type "
    "WHERE a.case_rowid = ?2 ORDER BY a.position";

int catalog_content_migrate_v2(struct catalog *cat)
{
    if (sqlite3_exec(catalog_db(cat), schema_v2, NULL, NULL, NULL) !=
        SQLITE_OK)
        return catalog_fail(cat, "migrate to version 2");
    return MINGA_OK;
}

/* PRAGMA user_version, or -1. */
static int schema_version(struct catalog *cat)
{
    sqlite3_stmt *st = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(catalog_db(cat), "PRAGMA user_version", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return version;
}

int catalog_load_attachments(struct catalog *cat, int64_t case_rowid,
                             int with_text, struct minga_case *c)
{
    sqlite3_stmt *st = NULL;
    /* The version is asked only when the query fails: a reader's handle
     * may read a folder still at version 1 (writers migrate, readers do
     * not); once a writer has migrated it, the query prepares again. */
    if (sqlite3_prepare_v2(catalog_db(cat),
                           with_text ? load_with_text_sql : load_sql, -1, &st,
                           NULL) != SQLITE_OK) {
        int rc = catalog_fail(cat, "attachments");
        if (schema_version(cat) != 1)
            return rc;
        if (sqlite3_prepare_v2(catalog_db(cat), load_v1_sql, -1, &st, NULL) !=
            SQLITE_OK)
            return catalog_fail(cat, "attachments");
    }
    sqlite3_bind_int(st, 1, with_text);
    sqlite3_bind_int64(st, 2, case_rowid);
    int rc = MINGA_OK, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(st, 4);
        if (case_add_attachment(c, (const char *)sqlite3_column_text(st, 0),
                                (const char *)sqlite3_column_text(st, 1),
                                (const char *)sqlite3_column_text(st, 2),
                                (uint64_t)sqlite3_column_int64(st, 3), text)) {
            rc = MINGA_ENOMEM;
            break;
        }
    }
    if (!rc && step != SQLITE_DONE)
        rc = catalog_fail(cat, "attachments");
    sqlite3_finalize(st);
    return rc;
}
