/* The catalog's side tables: import log, attachment rows and contents
 * (blobs and texts, once per sha256: see catalog_content.c), the stash of
 * archive members waiting to be matched to cases, statistics and upload
 * tokens. */
#include "catalog.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "refdata.h"

#define NOW_SQL "strftime('%Y-%m-%dT%H:%M:%SZ','now')"

static int prepare(struct catalog *cat, sqlite3_stmt **st, const char *sql)
{
    if (sqlite3_prepare_v2(catalog_db(cat), sql, -1, st, NULL) != SQLITE_OK)
        return catalog_fail(cat, "prepare");
    return MINGA_OK;
}

/* Steps a statement that returns no rows, then finalizes it. */
static int run(struct catalog *cat, sqlite3_stmt *st, const char *what)
{
    int rc =
        sqlite3_step(st) == SQLITE_DONE ? MINGA_OK : catalog_fail(cat, what);
    sqlite3_finalize(st);
    return rc;
}

int catalog_find_import(struct catalog *cat, const char *sha256,
                        int64_t *import_id, char **when)
{
    sqlite3_stmt *st = NULL;
    /* a file held for review, or rejected, is not "imported before":
     * sending it again is a new submission */
    int rc = prepare(cat, &st,
                     "SELECT id, at FROM imports i WHERE sha256 = ? "
                     "AND NOT EXISTS (SELECT 1 FROM submissions s "
                     "WHERE s.import_id = i.id AND s.status <> "
                     "'approved') ORDER BY id DESC LIMIT 1");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
    rc = MINGA_ENOTFOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *import_id = sqlite3_column_int64(st, 0);
        *when = strdup((const char *)sqlite3_column_text(st, 1));
        rc = MINGA_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

int catalog_log_import(struct catalog *cat, const char *source,
                       const char *sha256, int64_t n_cases, int64_t n_new,
                       int64_t n_updated, const char *by, int64_t *id_out)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "INSERT INTO imports(at, source, sha256, "
                     "n_cases, n_new, n_updated, by) "
                     "VALUES(" NOW_SQL ", ?, ?, ?, ?, ?, ?)");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, n_cases);
    sqlite3_bind_int64(st, 4, n_new);
    sqlite3_bind_int64(st, 5, n_updated);
    sqlite3_bind_text(st, 6, by ? by : "cli", -1, SQLITE_STATIC);
    rc = run(cat, st, "import log");
    if (!rc && id_out)
        *id_out = sqlite3_last_insert_rowid(catalog_db(cat));
    return rc;
}

int catalog_finish_import(struct catalog *cat, int64_t import_id,
                          int64_t n_cases, int64_t n_new, int64_t n_updated)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "UPDATE imports SET n_cases = ?, n_new = ?, "
                     "n_updated = ? WHERE id = ?");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, n_cases);
    sqlite3_bind_int64(st, 2, n_new);
    sqlite3_bind_int64(st, 3, n_updated);
    sqlite3_bind_int64(st, 4, import_id);
    return run(cat, st, "import log");
}

int catalog_put_blob(struct catalog *cat, const char *sha256, const void *data,
                     size_t len)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st, "INSERT OR IGNORE INTO blobs VALUES(?, ?, ?)");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)len);
    sqlite3_bind_blob64(st, 3, len ? data : "", len, SQLITE_STATIC);
    return run(cat, st, "store attachment");
}

static int read_one_blob(struct catalog *cat, const char *sql, const char *key,
                         void **data, size_t *len)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st, sql);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = MINGA_ENOTFOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        void *copy = malloc(n ? n : 1);
        if (copy) {
            if (n)
                memcpy(copy, sqlite3_column_blob(st, 0), n);
            *data = copy;
            *len = n;
            rc = MINGA_OK;
        } else {
            rc = MINGA_ENOMEM;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

int catalog_read_blob(struct catalog *cat, const char *sha256, void **data,
                      size_t *len)
{
    return read_one_blob(cat, "SELECT data FROM blobs WHERE sha256 = ?",
                         sha256, data, len);
}

/* Prepares `sql` with a content's key bound as its first two values. */
static int prepare_keyed(struct catalog *cat, sqlite3_stmt **st,
                         const char *sql, const char *sha256,
                         const char *media_type)
{
    int rc = prepare(cat, st, sql);
    if (rc)
        return rc;
    sqlite3_bind_text(*st, 1, sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 2, media_type, -1, SQLITE_STATIC);
    return MINGA_OK;
}

int catalog_add_attachment(struct catalog *cat, const char *case_id,
                           int position, const struct minga_attachment *a)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(
        cat, &st,
        "INSERT INTO attachments SELECT rowid, ?, ?, ?, ?, ? FROM cases "
        "WHERE id = ?");
    if (rc)
        return rc;
    sqlite3_bind_int(st, 1, position);
    sqlite3_bind_text(st, 2, a->path, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, a->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, a->media_type, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)a->size);
    sqlite3_bind_text(st, 6, case_id, -1, SQLITE_STATIC);
    return run(cat, st, "attachment");
}

int catalog_put_attachment_text(struct catalog *cat, const char *sha256,
                                const char *media_type, const char *text)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare_keyed(cat, &st,
                           "INSERT OR REPLACE INTO "
                           "attachment_texts VALUES(?, ?, ?)",
                           sha256, media_type);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
    return run(cat, st, "store text");
}

int catalog_read_attachment_text(struct catalog *cat, const char *sha256,
                                 const char *media_type, char **text)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare_keyed(cat, &st,
                           "SELECT text FROM attachment_texts "
                           "WHERE sha256 = ? AND media_type = ?",
                           sha256, media_type);
    if (rc)
        return rc;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        const char *stored = (const char *)sqlite3_column_text(st, 0);
        *text = strdup(stored ? stored : "");
        rc = *text ? MINGA_OK : MINGA_ENOMEM;
    } else {
        rc = step == SQLITE_DONE ? MINGA_ENOTFOUND
                                 : catalog_fail(cat, "read text");
    }
    sqlite3_finalize(st);
    return rc;
}

/* The stash lives in the temp schema: private to this connection, on disk
 * (temp_store=FILE), gone when the import ends. */
int catalog_stash_file(struct catalog *cat, const char *name, const void *data,
                       size_t len)
{
    char *err = NULL;
    if (sqlite3_exec(catalog_db(cat),
                     "CREATE TEMP TABLE IF NOT EXISTS stash("
                     "name TEXT PRIMARY KEY, data BLOB NOT NULL)",
                     NULL, NULL, &err) != SQLITE_OK) {
        sqlite3_free(err);
        return catalog_fail(cat, "stash");
    }
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "INSERT OR REPLACE INTO temp.stash "
                     "VALUES(?, ?)");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 2, len ? data : "", len, SQLITE_STATIC);
    return run(cat, st, "stash");
}

int catalog_fetch_stashed(struct catalog *cat, const char *name, void **data,
                          size_t *len)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(catalog_db(cat),
                           "SELECT 1 FROM temp.sqlite_master "
                           "WHERE name = 'stash'",
                           -1, &st, NULL) != SQLITE_OK)
        return MINGA_ENOTFOUND;
    int has_stash = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (!has_stash)
        return MINGA_ENOTFOUND;
    return read_one_blob(cat, "SELECT data FROM temp.stash WHERE name = ?",
                         name, data, len);
}

void catalog_clear_stash(struct catalog *cat)
{
    sqlite3_exec(catalog_db(cat), "DROP TABLE IF EXISTS temp.stash", NULL,
                 NULL, NULL);
}

/* Adds {key: count} pairs from a two-column query to `obj`. */
static int count_into(struct catalog *cat, json_t *obj, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st, sql);
    while (!rc && sqlite3_step(st) == SQLITE_ROW)
        json_object_set_new(obj, (const char *)sqlite3_column_text(st, 0),
                            json_integer(sqlite3_column_int64(st, 1)));
    sqlite3_finalize(st);
    return rc;
}

static int64_t scalar(struct catalog *cat, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t n = 0;
    if (prepare(cat, &st, sql))
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

int catalog_stats_json(struct catalog *cat, json_t *out)
{
    json_object_set_new(
        out, "cases", json_integer(scalar(cat, "SELECT count(*) FROM cases")));
    json_t *goals = json_object(), *levels = json_object(),
           *countries = json_object(), *languages = json_object(),
           *actors = json_object();
    int rc = count_into(cat, goals,
                        "SELECT goal, count(*) FROM case_goals "
                        "GROUP BY goal ORDER BY goal");
    if (!rc)
        rc = count_into(cat, levels,
                        "SELECT l.name, count(c.level) FROM "
                        "levels l LEFT JOIN case_levels c ON "
                        "c.level = l.name GROUP BY l.name");
    if (!rc)
        rc = count_into(cat, actors,
                        "SELECT actor, count(*) FROM "
                        "case_actors GROUP BY actor");
    if (!rc)
        rc = count_into(cat, countries,
                        "SELECT country, count(*) FROM cases "
                        "GROUP BY country ORDER BY 2 DESC, 1");
    if (!rc)
        rc = count_into(cat, languages,
                        "SELECT language, count(*) FROM "
                        "cases GROUP BY language "
                        "ORDER BY 2 DESC, 1");
    json_object_set_new(out, "goals", goals);
    json_object_set_new(out, "levels", levels);
    json_object_set_new(out, "actors", actors);
    json_object_set_new(out, "countries", countries);
    json_object_set_new(out, "languages", languages);
    json_object_set_new(
        out, "attachments",
        json_integer(scalar(cat, "SELECT count(*) FROM attachments")));
    json_object_set_new(
        out, "imports",
        json_integer(scalar(cat, "SELECT count(*) FROM imports")));
    return rc;
}

int catalog_token_add(struct catalog *cat, const char *name, const char *hash,
                      const char *role, const char *countries_json,
                      const char *cities_json, int expires_days)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "INSERT INTO tokens(name, hash, created_at, "
                     "role, countries, cities, expires_at) "
                     "VALUES(?1, ?2, " NOW_SQL ", ?3, ?4, ?5, "
                     "CASE WHEN ?6 > 0 THEN strftime("
                     "'%Y-%m-%dT%H:%M:%SZ', 'now', ?6 || ' days') "
                     "END) ON CONFLICT(name) "
                     "DO UPDATE SET hash = excluded.hash, "
                     "created_at = excluded.created_at, "
                     "role = excluded.role, "
                     "countries = excluded.countries, "
                     "cities = excluded.cities, "
                     "expires_at = excluded.expires_at, "
                     "revoked_at = NULL, last_used_at = NULL "
                     "WHERE revoked_at IS NOT NULL");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, role, -1, SQLITE_STATIC);
    if (countries_json)
        sqlite3_bind_text(st, 4, countries_json, -1, SQLITE_STATIC);
    if (cities_json)
        sqlite3_bind_text(st, 5, cities_json, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, expires_days);
    rc = run(cat, st, "add token");
    if (!rc && sqlite3_changes(catalog_db(cat)) == 0)
        return MINGA_EEXISTS;
    return rc;
}

int catalog_token_revoke(struct catalog *cat, const char *name)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "UPDATE tokens SET revoked_at = " NOW_SQL
                     " WHERE name = ? AND revoked_at IS NULL");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    rc = run(cat, st, "revoke token");
    if (!rc && sqlite3_changes(catalog_db(cat)) == 0)
        return MINGA_ENOTFOUND;
    return rc;
}

int catalog_token_touch(struct catalog *cat, const char *name)
{
    sqlite3_stmt *st = NULL;
    int rc =
        prepare(cat, &st,
                "UPDATE tokens SET last_used_at = " NOW_SQL " WHERE name = ?");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    return run(cat, st, "token");
}

static json_t *json_column(sqlite3_stmt *st, int i)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    json_t *parsed = v ? json_loads(v, 0, NULL) : NULL;
    return parsed ? parsed : json_array();
}

int catalog_token_list(struct catalog *cat, json_t **out)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "SELECT name, role, created_at, last_used_at, "
                     "expires_at, revoked_at, countries, cities, "
                     "expires_at <= " NOW_SQL " FROM tokens ORDER BY name");
    if (rc)
        return rc;
    json_t *arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *o = json_object();
        const char *keys[] = {"name",         "role",       "created_at",
                              "last_used_at", "expires_at", "revoked_at"};
        for (int i = 0; i < 6; i++) {
            const char *v = (const char *)sqlite3_column_text(st, i);
            json_object_set_new(o, keys[i], v ? json_string(v) : json_null());
        }
        json_object_set_new(o, "countries", json_column(st, 6));
        json_object_set_new(o, "cities", json_column(st, 7));
        json_object_set_new(o, "is_expired",
                            json_boolean(sqlite3_column_int(st, 8)));
        json_array_append_new(arr, o);
    }
    sqlite3_finalize(st);
    *out = arr;
    return MINGA_OK;
}

int catalog_token_foreach(struct catalog *cat,
                          int (*fn)(void *arg, const char *name,
                                    const char *hash),
                          void *arg)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "SELECT name, hash FROM tokens "
                     "WHERE revoked_at IS NULL AND "
                     "(expires_at IS NULL OR expires_at > " NOW_SQL ")");
    while (!rc && sqlite3_step(st) == SQLITE_ROW)
        rc = fn(arg, (const char *)sqlite3_column_text(st, 0),
                (const char *)sqlite3_column_text(st, 1));
    sqlite3_finalize(st);
    return rc;
}

int catalog_token_rights(struct catalog *cat, const char *name, char **role,
                         char **countries_json, char **cities_json)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "SELECT role, countries, cities FROM tokens "
                     "WHERE name = ?");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return MINGA_ENOTFOUND;
    }
    const char *v[3];
    for (int i = 0; i < 3; i++)
        v[i] = (const char *)sqlite3_column_text(st, i);
    *role = strdup(v[0] ? v[0] : "curator");
    *countries_json = v[1] ? strdup(v[1]) : NULL;
    *cities_json = v[2] ? strdup(v[2]) : NULL;
    sqlite3_finalize(st);
    return MINGA_OK;
}
