/* The catalog's connection, schema, transactions and case rows. The import
 * log, blobs, stash, statistics and tokens are in catalog_aux.c. */
#include "catalog.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "case.h"
#include "catalog_history.h"
#include "harvest_store.h"
#include "refdata.h"

struct catalog {
    sqlite3 *db;
    char errmsg[512];
    int in_transaction;
};

/* Version 1 of the schema. Relation tables (case_goals ...) serve SQL
 * queries and statistics; the masks on cases serve the hot paths. */
static const char schema_v1[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "INSERT INTO meta VALUES('generation', '0');"
    "CREATE TABLE imports("
    "  id INTEGER PRIMARY KEY,"
    "  at TEXT NOT NULL,"
    "  source TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL,"
    "  n_cases INTEGER NOT NULL DEFAULT 0,"
    "  n_new INTEGER NOT NULL DEFAULT 0,"
    "  n_updated INTEGER NOT NULL DEFAULT 0,"
    "  by TEXT NOT NULL);"
    "CREATE INDEX imports_sha256 ON imports(sha256);"
    "CREATE TABLE cases("
    "  rowid INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL UNIQUE,"
    "  title TEXT NOT NULL,"
    "  summary TEXT NOT NULL,"
    "  body TEXT,"
    "  language TEXT NOT NULL,"
    "  city TEXT NOT NULL,"
    "  country TEXT NOT NULL,"
    "  region TEXT,"
    "  year_start INTEGER NOT NULL,"
    "  year_end INTEGER,"
    "  goal_mask INTEGER NOT NULL,"
    "  level_mask INTEGER NOT NULL,"
    "  actor_mask INTEGER NOT NULL,"
    "  source_url TEXT,"
    "  license TEXT,"
    "  extra TEXT,"
    "  created_at TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL,"
    "  generation INTEGER NOT NULL,"
    "  import_id INTEGER REFERENCES imports(id));"
    "CREATE INDEX cases_generation ON cases(generation);"
    "CREATE TABLE goals(number INTEGER PRIMARY KEY, color TEXT NOT NULL,"
    "  name_es TEXT NOT NULL, name_pt TEXT NOT NULL, name_en TEXT NOT NULL);"
    "CREATE TABLE targets(id TEXT PRIMARY KEY,"
    "  goal INTEGER NOT NULL REFERENCES goals(number));"
    "CREATE TABLE levels(name TEXT PRIMARY KEY);"
    "CREATE TABLE actors(name TEXT PRIMARY KEY);"
    "CREATE TABLE case_goals("
    "  case_rowid INTEGER NOT NULL REFERENCES cases(rowid) ON DELETE CASCADE,"
    "  goal INTEGER NOT NULL REFERENCES goals(number),"
    "  PRIMARY KEY(case_rowid, goal)) WITHOUT ROWID;"
    "CREATE TABLE case_targets("
    "  case_rowid INTEGER NOT NULL REFERENCES cases(rowid) ON DELETE CASCADE,"
    "  target TEXT NOT NULL REFERENCES targets(id),"
    "  position INTEGER NOT NULL,"
    "  PRIMARY KEY(case_rowid, target)) WITHOUT ROWID;"
    "CREATE TABLE case_levels("
    "  case_rowid INTEGER NOT NULL REFERENCES cases(rowid) ON DELETE CASCADE,"
    "  level TEXT NOT NULL REFERENCES levels(name),"
    "  PRIMARY KEY(case_rowid, level)) WITHOUT ROWID;"
    "CREATE TABLE case_actors("
    "  case_rowid INTEGER NOT NULL REFERENCES cases(rowid) ON DELETE CASCADE,"
    "  actor TEXT NOT NULL REFERENCES actors(name),"
    "  PRIMARY KEY(case_rowid, actor)) WITHOUT ROWID;"
    "CREATE TABLE case_tags("
    "  case_rowid INTEGER NOT NULL REFERENCES cases(rowid) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  tag TEXT NOT NULL,"
    "  PRIMARY KEY(case_rowid, position)) WITHOUT ROWID;"
    "CREATE TABLE blobs(sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL,"
    "  data BLOB NOT NULL);"
    "CREATE TABLE attachments("
    "  case_rowid INTEGER NOT NULL REFERENCES cases(rowid) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  path TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL REFERENCES blobs(sha256),"
    "  media_type TEXT NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  text TEXT NOT NULL,"
    "  PRIMARY KEY(case_rowid, position)) WITHOUT ROWID;"
    "CREATE INDEX attachments_sha256 ON attachments(sha256);"
    "CREATE TABLE deletions(id TEXT NOT NULL, generation INTEGER NOT NULL);"
    "CREATE TABLE tokens(name TEXT PRIMARY KEY, hash TEXT NOT NULL,"
    "  created_at TEXT NOT NULL, last_used_at TEXT, revoked_at TEXT);";

#define NOW_SQL "strftime('%Y-%m-%dT%H:%M:%SZ','now')"

struct sqlite3 *catalog_db(struct catalog *cat)
{
    return cat->db;
}

const char *catalog_errmsg(const struct catalog *cat)
{
    return cat->errmsg;
}

void catalog_set_error(struct catalog *cat, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cat->errmsg, sizeof cat->errmsg, fmt, ap);
    va_end(ap);
}

#define set_error catalog_set_error

int catalog_fail(struct catalog *cat, const char *what)
{
    int code = sqlite3_errcode(cat->db);
    const char *text = sqlite3_errmsg(cat->db);
    if (code == SQLITE_FULL)
        text = "the disk is full";
    else if (code == SQLITE_READONLY)
        text = "the data folder is read-only";
    set_error(cat, "catalog: %s: %s", what, text);
    return (code == SQLITE_BUSY || code == SQLITE_LOCKED) ? MINGA_EBUSY
                                                          : MINGA_EIO;
}

static int exec(struct catalog *cat, const char *sql, const char *what)
{
    char *err = NULL;
    if (sqlite3_exec(cat->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        set_error(cat, "catalog: %s: %s", what, err ? err : "failed");
        int code = sqlite3_errcode(cat->db);
        sqlite3_free(err);
        return code == SQLITE_BUSY ? MINGA_EBUSY : MINGA_EIO;
    }
    return MINGA_OK;
}

static int prepare(struct catalog *cat, sqlite3_stmt **st, const char *sql)
{
    if (sqlite3_prepare_v2(cat->db, sql, -1, st, NULL) != SQLITE_OK)
        return catalog_fail(cat, "prepare");
    return MINGA_OK;
}

static int fill_reference_tables(struct catalog *cat)
{
    sqlite3_stmt *goal = NULL, *target = NULL, *name = NULL;
    int rc = prepare(cat, &goal, "INSERT INTO goals VALUES(?,?,?,?,?)");
    if (!rc)
        rc = prepare(cat, &target, "INSERT INTO targets VALUES(?,?)");
    for (int g = 1; !rc && g <= REFDATA_N_GOALS; g++) {
        const struct minga_goal_info *gi = refdata_goal(g);
        sqlite3_bind_int(goal, 1, g);
        sqlite3_bind_text(goal, 2, gi->color, -1, SQLITE_STATIC);
        sqlite3_bind_text(goal, 3, gi->name_es, -1, SQLITE_STATIC);
        sqlite3_bind_text(goal, 4, gi->name_pt, -1, SQLITE_STATIC);
        sqlite3_bind_text(goal, 5, gi->name_en, -1, SQLITE_STATIC);
        if (sqlite3_step(goal) != SQLITE_DONE)
            rc = catalog_fail(cat, "goals");
        sqlite3_reset(goal);
        for (const char *const *t = refdata_goal_targets(g); !rc && *t; t++) {
            sqlite3_bind_text(target, 1, *t, -1, SQLITE_STATIC);
            sqlite3_bind_int(target, 2, g);
            if (sqlite3_step(target) != SQLITE_DONE)
                rc = catalog_fail(cat, "targets");
            sqlite3_reset(target);
        }
    }
    if (!rc)
        rc = prepare(cat, &name, "INSERT INTO levels VALUES(?)");
    for (int i = 0; !rc && i < MINGA_N_LEVELS; i++) {
        sqlite3_bind_text(name, 1, refdata_level_name(1u << i), -1,
                          SQLITE_STATIC);
        if (sqlite3_step(name) != SQLITE_DONE)
            rc = catalog_fail(cat, "levels");
        sqlite3_reset(name);
    }
    sqlite3_finalize(name);
    name = NULL;
    if (!rc)
        rc = prepare(cat, &name, "INSERT INTO actors VALUES(?)");
    for (int i = 0; !rc && i < MINGA_N_ACTORS; i++) {
        sqlite3_bind_text(name, 1, refdata_actor_name(1u << i), -1,
                          SQLITE_STATIC);
        if (sqlite3_step(name) != SQLITE_DONE)
            rc = catalog_fail(cat, "actors");
        sqlite3_reset(name);
    }
    sqlite3_finalize(goal);
    sqlite3_finalize(target);
    sqlite3_finalize(name);
    return rc;
}

static int read_user_version(struct catalog *cat, int *version)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st, "PRAGMA user_version");
    if (rc)
        return rc;
    *version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return MINGA_OK;
}

/* Brings the schema to CATALOG_SCHEMA_VERSION, one step per version, in
 * one transaction (a failed step leaves the folder as it was). */
static int migrate(struct catalog *cat)
{
    int version = 0;
    int rc = read_user_version(cat, &version);
    if (rc)
        return rc;
    if (version == CATALOG_SCHEMA_VERSION)
        /* the OAI datestamp index of schema_v4 (core/harvest_store.c),
         * added to v4 after some folders were already at v4: a no-op
         * once it exists */
        return exec(cat,
                    "CREATE INDEX IF NOT EXISTS revisions_at"
                    " ON revisions(at, case_id, rev, action)",
                    "index revisions by time");
    if (version > CATALOG_SCHEMA_VERSION) {
        set_error(cat,
                  "catalog: schema version %d is newer than this "
                  "minga (%d); upgrade minga",
                  version, CATALOG_SCHEMA_VERSION);
        return MINGA_EINVAL;
    }
    if ((rc = exec(cat, "BEGIN IMMEDIATE", "migrate")))
        return rc;
    /* again under the write lock: another writer may have migrated */
    rc = read_user_version(cat, &version);
    if (!rc && version == CATALOG_SCHEMA_VERSION)
        return exec(cat, "COMMIT", "migrate");
    if (!rc && version < 1) {
        rc = exec(cat, schema_v1, "create schema");
        if (!rc)
            rc = fill_reference_tables(cat);
    }
    if (!rc && version < 2)
        rc = catalog_content_migrate_v2(cat);
    if (!rc && version < 3)
        rc = catalog_history_migrate_v3(cat);
    if (!rc && version < 4)
        rc = harvest_store_migrate_v4(cat);
    if (!rc) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
                 CATALOG_SCHEMA_VERSION);
        rc = exec(cat, sql, "migrate");
    }
    if (!rc)
        rc = exec(cat, "COMMIT", "migrate");
    if (rc)
        sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int catalog_open(struct catalog **out, const char *path, int is_readonly,
                 char **errmsg)
{
    struct catalog *cat = calloc(1, sizeof *cat);
    if (!cat)
        return MINGA_ENOMEM;
    int flags = is_readonly ? SQLITE_OPEN_READONLY
                            : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    int rc = MINGA_OK;
    /* On a read-only medium SQLite cannot create the WAL's -shm file, so a
     * reader opens the file as immutable (no locks, no journal): nobody
     * can write there. Writers checkpoint the WAL when they close. */
    char *uri = NULL;
    char *dir = strdup(path);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash)
        *slash = '\0';
    struct statvfs fs;
    if (is_readonly && statvfs(slash ? dir : ".", &fs) == 0 &&
        (fs.f_flag & ST_RDONLY)) {
        char *escaped = sqlite3_mprintf("%s", path);
        uri = sqlite3_mprintf("file:%s?immutable=1", escaped);
        sqlite3_free(escaped);
        flags |= SQLITE_OPEN_URI;
    }
    free(dir);
    int open_rc = sqlite3_open_v2(uri ? uri : path, &cat->db,
                                  flags | SQLITE_OPEN_NOMUTEX, NULL);
    sqlite3_free(uri);
    if (open_rc != SQLITE_OK) {
        rc = catalog_fail(cat, path);
        goto fail;
    }
    sqlite3_busy_timeout(cat->db, 30000);
    sqlite3_extended_result_codes(cat->db, 0);
    if (!is_readonly &&
        (rc = exec(cat, "PRAGMA journal_mode=WAL", "enable WAL")))
        goto fail;
    if ((rc = exec(cat,
                   "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;"
                   "PRAGMA temp_store=FILE",
                   "configure")))
        goto fail;
    if (!is_readonly && (rc = migrate(cat)))
        goto fail;
    *out = cat;
    return MINGA_OK;
fail:
    if (errmsg)
        *errmsg = strdup(cat->errmsg);
    sqlite3_close(cat->db);
    free(cat);
    return rc;
}

void catalog_close(struct catalog *cat)
{
    if (!cat)
        return;
    if (cat->in_transaction)
        catalog_rollback(cat);
    sqlite3_close_v2(cat->db);
    free(cat);
}

int catalog_begin(struct catalog *cat)
{
    int rc = exec(cat, "BEGIN IMMEDIATE", "begin");
    if (!rc)
        cat->in_transaction = 1;
    return rc;
}

int catalog_begin_read(struct catalog *cat)
{
    if (cat->in_transaction)
        return MINGA_EBUSY;
    int rc = exec(cat, "BEGIN", "begin");
    if (!rc)
        cat->in_transaction = 1;
    return rc;
}

int catalog_commit(struct catalog *cat)
{
    int rc = exec(cat, "COMMIT", "commit");
    if (!rc)
        cat->in_transaction = 0;
    return rc;
}

int catalog_flush(struct catalog *cat)
{
    int rc = sqlite3_db_cacheflush(cat->db);
    if (rc == SQLITE_OK)
        return MINGA_OK;
    /* cacheflush does not set the handle's error: name it here */
    set_error(cat, "catalog: write: %s",
              rc == SQLITE_FULL ? "the disk is full" : sqlite3_errstr(rc));
    return rc == SQLITE_BUSY ? MINGA_EBUSY : MINGA_EIO;
}

void catalog_checkpoint(struct catalog *cat)
{
    sqlite3_wal_checkpoint_v2(cat->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL,
                              NULL);
}

void catalog_rollback(struct catalog *cat)
{
    sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
    cat->in_transaction = 0;
}

uint64_t catalog_generation(struct catalog *cat)
{
    sqlite3_stmt *st = NULL;
    uint64_t gen = 0;
    if (prepare(cat, &st, "SELECT value FROM meta WHERE key='generation'"))
        return 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        gen = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return gen;
}

int catalog_next_generation(struct catalog *cat, uint64_t *out)
{
    int rc = exec(cat,
                  "UPDATE meta SET value = value + 1 "
                  "WHERE key = 'generation'",
                  "generation");
    if (!rc)
        *out = catalog_generation(cat);
    return rc;
}

/* Runs `sql` with the case rowid and each string of a list bound. */
static int insert_strings(struct catalog *cat, const char *sql, int64_t rowid,
                          const char *const *items, size_t n,
                          int with_position)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st, sql);
    for (size_t i = 0; !rc && i < n; i++) {
        sqlite3_bind_int64(st, 1, rowid);
        sqlite3_bind_text(st, 2, items[i], -1, SQLITE_STATIC);
        if (with_position)
            sqlite3_bind_int(st, 3, (int)i);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = catalog_fail(cat, "insert");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

static int insert_relations(struct catalog *cat, int64_t rowid,
                            const struct minga_case *c)
{
    char sql[160];
    int rc = MINGA_OK;
    for (int g = 1; !rc && g <= REFDATA_N_GOALS; g++) {
        if (!(c->goal_mask & (1u << g)))
            continue;
        snprintf(sql, sizeof sql, "INSERT INTO case_goals VALUES(%lld, %d)",
                 (long long)rowid, g);
        rc = exec(cat, sql, "case goals");
    }
    const char *names[MINGA_N_ACTORS];
    size_t n = 0;
    for (int i = 0; i < MINGA_N_LEVELS; i++)
        if (c->level_mask & (1u << i))
            names[n++] = refdata_level_name(1u << i);
    if (!rc)
        rc = insert_strings(cat, "INSERT INTO case_levels VALUES(?, ?)", rowid,
                            names, n, 0);
    n = 0;
    for (int i = 0; i < MINGA_N_ACTORS; i++)
        if (c->actor_mask & (1u << i))
            names[n++] = refdata_actor_name(1u << i);
    if (!rc)
        rc = insert_strings(cat, "INSERT INTO case_actors VALUES(?, ?)", rowid,
                            names, n, 0);
    if (!rc)
        rc = insert_strings(cat, "INSERT INTO case_targets VALUES(?, ?, ?)",
                            rowid, c->targets, c->n_targets, 1);
    if (!rc)
        rc = insert_strings(cat,
                            "INSERT INTO case_tags(case_rowid, tag, "
                            "position) VALUES(?, ?, ?)",
                            rowid, c->tags, c->n_tags, 1);
    return rc;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

int catalog_upsert_case(struct catalog *cat, const struct minga_case *c,
                        const struct catalog_write *w, const char *extra_json,
                        int *was_update, int *rev)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "SELECT rowid, generation, created_at "
                     "FROM cases WHERE id = ?");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
    int64_t old_rowid = 0;
    char *created_at = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        old_rowid = sqlite3_column_int64(st, 0);
        if ((uint64_t)sqlite3_column_int64(st, 1) == w->generation) {
            sqlite3_finalize(st);
            set_error(cat, "case id \"%s\" appears twice in this import",
                      c->id);
            return MINGA_EEXISTS;
        }
        created_at = strdup((const char *)sqlite3_column_text(st, 2));
    }
    sqlite3_finalize(st);
    if (old_rowid) {
        /* the content being replaced goes into its revision first, so
         * that its attachment contents stay named */
        char sql[96];
        snprintf(sql, sizeof sql, "DELETE FROM cases WHERE rowid = %lld",
                 (long long)old_rowid);
        if ((rc = catalog_revision_snapshot(cat, c->id)) ||
            (rc = exec(cat, sql, "replace case"))) {
            free(created_at);
            return rc;
        }
    }
    rc = prepare(
        cat, &st,
        "INSERT INTO cases(id, title, summary, body, language, city, "
        "country, region, year_start, year_end, goal_mask, level_mask, "
        "actor_mask, source_url, license, extra, created_at, updated_at, "
        "generation, import_id) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
        "coalesce(?, " NOW_SQL "), " NOW_SQL ", ?, ?)");
    if (rc) {
        free(created_at);
        return rc;
    }
    bind_text_or_null(st, 1, c->id);
    bind_text_or_null(st, 2, c->title);
    bind_text_or_null(st, 3, c->summary);
    bind_text_or_null(st, 4, c->body);
    bind_text_or_null(st, 5, c->language);
    bind_text_or_null(st, 6, c->city);
    bind_text_or_null(st, 7, c->country);
    bind_text_or_null(st, 8, c->region);
    sqlite3_bind_int(st, 9, c->year_start);
    if (c->year_end)
        sqlite3_bind_int(st, 10, c->year_end);
    sqlite3_bind_int64(st, 11, c->goal_mask);
    sqlite3_bind_int64(st, 12, c->level_mask);
    sqlite3_bind_int64(st, 13, c->actor_mask);
    bind_text_or_null(st, 14, c->source_url);
    bind_text_or_null(st, 15, c->license);
    bind_text_or_null(st, 16, extra_json);
    bind_text_or_null(st, 17, created_at);
    sqlite3_bind_int64(st, 18, (sqlite3_int64)w->generation);
    if (w->import_id)
        sqlite3_bind_int64(st, 19, w->import_id);
    rc = sqlite3_step(st) == SQLITE_DONE ? MINGA_OK
                                         : catalog_fail(cat, "insert case");
    sqlite3_finalize(st);
    free(created_at);
    if (!rc)
        rc = insert_relations(cat, sqlite3_last_insert_rowid(cat->db), c);
    if (!rc)
        rc = catalog_revision_add(cat, c->id,
                                  w->action   ? w->action
                                  : old_rowid ? "update"
                                              : "create",
                                  w, rev);
    if (!rc && was_update)
        *was_update = old_rowid != 0;
    return rc;
}

int catalog_delete_case(struct catalog *cat, const char *id, uint64_t gen,
                        const struct catalog_write *w)
{
    sqlite3_stmt *st = NULL;
    int rc = MINGA_OK;
    if (w && !catalog_has_case(cat, id)) {
        set_error(cat, "no case with id \"%s\"", id);
        return MINGA_ENOTFOUND;
    }
    if (w && (rc = catalog_revision_snapshot(cat, id)))
        return rc;
    if ((rc = prepare(cat, &st, "DELETE FROM cases WHERE id = ?")))
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? MINGA_OK
                                         : catalog_fail(cat, "delete");
    sqlite3_finalize(st);
    if (rc)
        return rc;
    if (sqlite3_changes(cat->db) == 0) {
        set_error(cat, "no case with id \"%s\"", id);
        return MINGA_ENOTFOUND;
    }
    if ((rc = prepare(cat, &st, "INSERT INTO deletions VALUES(?, ?)")))
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)gen);
    rc = sqlite3_step(st) == SQLITE_DONE ? MINGA_OK
                                         : catalog_fail(cat, "delete");
    sqlite3_finalize(st);
    if (!rc && w)
        rc = catalog_revision_add(cat, id, "delete", w, NULL);
    return rc;
}

char *catalog_meta_get(struct catalog *cat, const char *key)
{
    sqlite3_stmt *st = NULL;
    char *value = NULL;
    if (prepare(cat, &st, "SELECT value FROM meta WHERE key = ?"))
        return NULL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        value = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return value;
}

int catalog_meta_set(struct catalog *cat, const char *key, const char *value)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st, "INSERT OR REPLACE INTO meta VALUES(?, ?)");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? MINGA_OK
                                         : catalog_fail(cat, "setting");
    sqlite3_finalize(st);
    return rc;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* Fills targets, tags and attachments of a case read from row `rowid`. */
static int load_lists(struct catalog *cat, int64_t rowid, int with_text,
                      struct minga_case *c)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "SELECT target FROM case_targets "
                     "WHERE case_rowid = ? ORDER BY position");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, rowid);
    while (sqlite3_step(st) == SQLITE_ROW)
        case_strv_push(&c->targets, &c->n_targets, col_text(st, 0));
    sqlite3_finalize(st);
    if ((rc = prepare(cat, &st,
                      "SELECT tag FROM case_tags "
                      "WHERE case_rowid = ? ORDER BY position")))
        return rc;
    sqlite3_bind_int64(st, 1, rowid);
    while (sqlite3_step(st) == SQLITE_ROW)
        case_strv_push(&c->tags, &c->n_tags, col_text(st, 0));
    sqlite3_finalize(st);
    return catalog_load_attachments(cat, rowid, with_text, c);
}

#define CASE_COLUMNS                                                          \
    "rowid, id, title, summary, body, language, city, country, region, "      \
    "year_start, coalesce(year_end, 0), goal_mask, level_mask, actor_mask, "  \
    "source_url, license, created_at, updated_at"

static struct minga_case *case_from_row(sqlite3_stmt *st)
{
    struct minga_case *c = case_new();
    if (!c)
        return NULL;
    case_set(&c->id, col_text(st, 1));
    case_set(&c->title, col_text(st, 2));
    case_set(&c->summary, col_text(st, 3));
    case_set(&c->body, col_text(st, 4));
    case_set(&c->language, col_text(st, 5));
    case_set(&c->city, col_text(st, 6));
    case_set(&c->country, col_text(st, 7));
    case_set(&c->region, col_text(st, 8));
    c->year_start = sqlite3_column_int(st, 9);
    c->year_end = sqlite3_column_int(st, 10);
    c->goal_mask = (uint32_t)sqlite3_column_int64(st, 11);
    c->level_mask = (uint32_t)sqlite3_column_int64(st, 12);
    c->actor_mask = (uint32_t)sqlite3_column_int64(st, 13);
    case_set(&c->source_url, col_text(st, 14));
    case_set(&c->license, col_text(st, 15));
    case_set(&c->created_at, col_text(st, 16));
    case_set(&c->updated_at, col_text(st, 17));
    return c;
}

int catalog_get_case(struct catalog *cat, const char *id, int with_text,
                     struct minga_case **out)
{
    sqlite3_stmt *st = NULL;
    int rc =
        prepare(cat, &st, "SELECT " CASE_COLUMNS " FROM cases WHERE id = ?");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        set_error(cat, "no case with id \"%s\"", id);
        return MINGA_ENOTFOUND;
    }
    struct minga_case *c = case_from_row(st);
    int64_t rowid = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (!c)
        return MINGA_ENOMEM;
    if ((rc = load_lists(cat, rowid, with_text, c))) {
        case_free(c);
        return rc;
    }
    *out = c;
    return MINGA_OK;
}

int catalog_foreach_case(struct catalog *cat, uint64_t since,
                         int (*fn)(void *arg, struct minga_case *c), void *arg)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "SELECT " CASE_COLUMNS " FROM cases "
                     "WHERE generation > ? ORDER BY id");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
    int step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        struct minga_case *c = case_from_row(st);
        if (!c) {
            rc = MINGA_ENOMEM;
            break;
        }
        rc = load_lists(cat, sqlite3_column_int64(st, 0), 1, c);
        if (!rc)
            rc = fn(arg, c);
        case_free(c);
    }
    sqlite3_finalize(st);
    return rc;
}

int catalog_foreach_id(struct catalog *cat,
                       int (*fn)(void *arg, const char *id), void *arg)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st, "SELECT id FROM cases ORDER BY id");
    while (!rc && sqlite3_step(st) == SQLITE_ROW)
        rc = fn(arg, col_text(st, 0));
    sqlite3_finalize(st);
    return rc;
}

int catalog_has_case(struct catalog *cat, const char *id)
{
    sqlite3_stmt *st = NULL;
    if (prepare(cat, &st, "SELECT 1 FROM cases WHERE id = ?1"))
        return 0;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

int64_t catalog_count_cases(struct catalog *cat)
{
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (prepare(cat, &st, "SELECT count(*) FROM cases"))
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}
