/* The catalog's harvesting tables: sources and the provenance of each
 * harvested case (see harvest_store.h). */
#include "harvest_store.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define NOW_SQL "strftime('%Y-%m-%dT%H:%M:%SZ','now')"

static const char schema_v4[] =
    "CREATE TABLE harvest_sources("
    "  id INTEGER PRIMARY KEY,"
    "  url TEXT NOT NULL,"
    "  prefix TEXT NOT NULL,"
    "  set_spec TEXT NOT NULL DEFAULT '',"
    "  last_datestamp TEXT,"
    "  run_token TEXT,"
    "  run_max TEXT,"
    "  last_run TEXT,"
    "  last_status TEXT,"
    "  UNIQUE(url, prefix, set_spec));"
    "CREATE TABLE harvest_records("
    "  case_id TEXT PRIMARY KEY,"
    "  source_id INTEGER NOT NULL REFERENCES harvest_sources(id),"
    "  identifier TEXT NOT NULL,"
    "  datestamp TEXT NOT NULL,"
    "  is_deleted INTEGER NOT NULL DEFAULT 0,"
    "  harvested_at TEXT NOT NULL);"
    "CREATE INDEX harvest_records_source ON harvest_records(source_id);"
    /* OAI-PMH lists (core/oai.c) walk records in (datestamp, id) order,
     * a record being a case's newest revision: this index covers that
     * walk (keyset paging). catalog.c's migrate() also creates it in a
     * folder already at version 4. */
    "CREATE INDEX IF NOT EXISTS revisions_at"
    "  ON revisions(at, case_id, rev, action);";

int harvest_store_migrate_v4(struct catalog *cat)
{
    char *err = NULL;
    if (sqlite3_exec(catalog_db(cat), schema_v4, NULL, NULL, &err) !=
        SQLITE_OK) {
        catalog_set_error(cat, "catalog: migrate to version 4: %s",
                          err ? err : "failed");
        sqlite3_free(err);
        return MINGA_EIO;
    }
    return MINGA_OK;
}

static int prepare(struct catalog *cat, sqlite3_stmt **st, const char *sql)
{
    if (sqlite3_prepare_v2(catalog_db(cat), sql, -1, st, NULL) != SQLITE_OK)
        return catalog_fail(cat, "harvest tables");
    return MINGA_OK;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

/* Runs a statement that returns no rows. */
static int step_done(struct catalog *cat, sqlite3_stmt *st, const char *what)
{
    int rc =
        sqlite3_step(st) == SQLITE_DONE ? MINGA_OK : catalog_fail(cat, what);
    sqlite3_finalize(st);
    return rc;
}

void harvest_source_row_release(struct harvest_source_row *r)
{
    free(r->last_datestamp);
    free(r->run_token);
    free(r->run_max);
    memset(r, 0, sizeof *r);
}

int harvest_source_get(struct catalog *cat, const char *url,
                       const char *prefix, const char *set,
                       struct harvest_source_row *out)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "INSERT OR IGNORE INTO harvest_sources"
                     "(url, prefix, set_spec) VALUES(?, ?, ?)");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, prefix, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, set ? set : "", -1, SQLITE_STATIC);
    if ((rc = step_done(cat, st, "adding a harvest source")))
        return rc;
    if ((rc = prepare(cat, &st,
                      "SELECT id, last_datestamp, run_token, "
                      "run_max FROM harvest_sources WHERE url = ? "
                      "AND prefix = ? AND set_spec = ?")))
        return rc;
    sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, prefix, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, set ? set : "", -1, SQLITE_STATIC);
    memset(out, 0, sizeof *out);
    if (sqlite3_step(st) == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        out->last_datestamp = col_dup(st, 1);
        out->run_token = col_dup(st, 2);
        out->run_max = col_dup(st, 3);
    } else {
        rc = catalog_fail(cat, "reading a harvest source");
    }
    sqlite3_finalize(st);
    return rc;
}

int harvest_source_save_run(struct catalog *cat, int64_t source_id,
                            const char *run_token, const char *run_max)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "UPDATE harvest_sources SET run_token = ?, "
                     "run_max = ? WHERE id = ?");
    if (rc)
        return rc;
    bind_text_or_null(st, 1, run_token);
    bind_text_or_null(st, 2, run_max);
    sqlite3_bind_int64(st, 3, source_id);
    return step_done(cat, st, "saving a harvest's place");
}

int harvest_source_finish(struct catalog *cat, int64_t source_id,
                          const char *newest)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "UPDATE harvest_sources SET last_datestamp = "
                     "coalesce(?, last_datestamp), run_token = "
                     "NULL, run_max = NULL WHERE id = ?");
    if (rc)
        return rc;
    bind_text_or_null(st, 1, newest);
    sqlite3_bind_int64(st, 2, source_id);
    return step_done(cat, st, "finishing a harvest");
}

int harvest_source_note(struct catalog *cat, int64_t source_id,
                        const char *status)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "UPDATE harvest_sources SET last_run = " NOW_SQL
                     ", last_status = ? WHERE id = ?");
    if (rc)
        return rc;
    bind_text_or_null(st, 1, status);
    sqlite3_bind_int64(st, 2, source_id);
    return step_done(cat, st, "noting a harvest");
}

int harvest_record_get(struct catalog *cat, const char *id, int64_t *source_id,
                       char **url, char **identifier, char **datestamp,
                       int *is_deleted)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "SELECT r.source_id, s.url, r.identifier, "
                     "r.datestamp, r.is_deleted FROM "
                     "harvest_records r JOIN harvest_sources s ON "
                     "s.id = r.source_id WHERE r.case_id = ?");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *source_id = sqlite3_column_int64(st, 0);
        if (url)
            *url = col_dup(st, 1);
        if (identifier)
            *identifier = col_dup(st, 2);
        if (datestamp)
            *datestamp = col_dup(st, 3);
        *is_deleted = sqlite3_column_int(st, 4);
    } else {
        rc = step == SQLITE_DONE ? MINGA_ENOTFOUND
                                 : catalog_fail(cat, "reading provenance");
    }
    sqlite3_finalize(st);
    return rc;
}

int harvest_record_find(struct catalog *cat, int64_t source_id,
                        const char *identifier, char **case_id,
                        char **datestamp, int *is_deleted)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "SELECT case_id, datestamp, is_deleted FROM "
                     "harvest_records WHERE source_id = ? AND "
                     "identifier = ?");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, source_id);
    sqlite3_bind_text(st, 2, identifier, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *case_id = col_dup(st, 0);
        *datestamp = col_dup(st, 1);
        *is_deleted = sqlite3_column_int(st, 2);
    } else {
        rc = step == SQLITE_DONE ? MINGA_ENOTFOUND
                                 : catalog_fail(cat, "reading provenance");
    }
    sqlite3_finalize(st);
    return rc;
}

int harvest_record_put(struct catalog *cat, const char *id, int64_t source_id,
                       const char *identifier, const char *datestamp,
                       int is_deleted)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "INSERT OR REPLACE INTO harvest_records"
                     "(case_id, source_id, identifier, datestamp, "
                     "is_deleted, harvested_at) VALUES(?, ?, ?, ?, "
                     "?, " NOW_SQL ")");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, source_id);
    sqlite3_bind_text(st, 3, identifier, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, datestamp, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, is_deleted);
    return step_done(cat, st, "writing provenance");
}

char *harvest_owner_violation(struct catalog *cat, const char *id)
{
    int64_t source_id = 0;
    int is_deleted = 0;
    char *url = NULL, *msg = NULL;
    if (harvest_record_get(cat, id, &source_id, &url, NULL, NULL,
                           &is_deleted) == MINGA_OK &&
        asprintf(&msg,
                 "%s: this case was harvested from %s and belongs to "
                 "that source; change it there (a local change would be "
                 "overwritten by the next harvest)",
                 id, url ? url : "another node") < 0)
        msg = NULL;
    free(url);
    return msg;
}

json_t *harvest_record_json(struct catalog *cat, const char *id)
{
    sqlite3_stmt *st = NULL;
    /* a reader of a catalog not yet at version 4 has no such table:
     * then nothing was harvested into it */
    if (sqlite3_prepare_v2(catalog_db(cat),
                           "SELECT s.url, s.prefix, s.set_spec, "
                           "r.identifier, r.datestamp, r.harvested_at, "
                           "r.is_deleted FROM harvest_records r JOIN "
                           "harvest_sources s ON s.id = r.source_id WHERE "
                           "r.case_id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    json_t *o = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *set = (const char *)sqlite3_column_text(st, 2);
        o = json_pack(
            "{s:s, s:s, s:o, s:s, s:s, s:s, s:b}", "source",
            sqlite3_column_text(st, 0), "prefix", sqlite3_column_text(st, 1),
            "set", set && *set ? json_string(set) : json_null(), "identifier",
            sqlite3_column_text(st, 3), "datestamp",
            sqlite3_column_text(st, 4), "harvested_at",
            sqlite3_column_text(st, 5), "deleted", sqlite3_column_int(st, 6));
    }
    sqlite3_finalize(st);
    return o;
}

static json_t *text_or_null(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? json_string((const char *)t) : json_null();
}

json_t *harvest_sources_list(struct catalog *cat)
{
    sqlite3_stmt *st = NULL;
    if (prepare(cat, &st,
                "SELECT s.url, s.prefix, s.set_spec, s.last_datestamp, "
                "s.last_run, s.last_status, s.run_token IS NOT NULL, "
                "(SELECT count(*) FROM harvest_records r JOIN cases c ON "
                " c.id = r.case_id WHERE r.source_id = s.id), "
                "(SELECT count(*) FROM harvest_records r WHERE r.source_id "
                " = s.id AND r.is_deleted) "
                "FROM harvest_sources s ORDER BY s.url, s.prefix, "
                "s.set_spec"))
        return NULL;
    json_t *list = json_array();
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *set = (const char *)sqlite3_column_text(st, 2);
        json_array_append_new(
            list,
            json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:I, s:I, s:b}", "url",
                      sqlite3_column_text(st, 0), "prefix",
                      sqlite3_column_text(st, 1), "set",
                      set && *set ? json_string(set) : json_null(),
                      "last_datestamp", text_or_null(st, 3), "last_run",
                      text_or_null(st, 4), "last_status", text_or_null(st, 5),
                      "cases", (json_int_t)sqlite3_column_int64(st, 7),
                      "deleted", (json_int_t)sqlite3_column_int64(st, 8),
                      "unfinished", sqlite3_column_int(st, 6)));
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) {
        catalog_fail(cat, "listing harvest sources");
        json_decref(list);
        return NULL;
    }
    return list;
}
