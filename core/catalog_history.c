/* Revisions and submissions: schema version 3, which keeps every version
 * of every case and holds uploads that wait for review.
 *
 * A case's current content lives in `cases` (and its relation tables),
 * where search, export and reindex read it. Each write of a case also adds
 * a row to `revisions` (who, when, which import, what action); the
 * revision that is current has no `doc`, since `cases` holds it. When a
 * write supersedes it, its content is copied into `doc` (JSON, see
 * doc_from_case) and its attachments into `revision_attachments`, before
 * the case row is replaced. So storage grows only with the versions
 * actually superseded, and an import of new cases writes one small row
 * per case. A deletion is a revision without content: the tombstone.
 *
 * Attachment contents are stored once by sha256 (catalog_content.c); a
 * content stays while any current case, revision or submission names it,
 * and goes, bytes and text, with the last of them (the triggers below).
 *
 * A submission is an upload kept for review: its cases as docs in
 * `submission_cases`, their attachments in `submission_attachments`,
 * published (as ordinary revisions) only when a curator approves. */
#include "catalog_history.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"

#define NOW_SQL "strftime('%Y-%m-%dT%H:%M:%SZ','now')"

#define RELEASE_WHEN_UNNAMED                                                  \
    "  WHEN NOT EXISTS (SELECT 1 FROM attachments WHERE sha256 = old.sha256)" \
    "   AND NOT EXISTS (SELECT 1 FROM revision_attachments"                   \
    "                   WHERE sha256 = old.sha256)"                           \
    "   AND NOT EXISTS (SELECT 1 FROM submission_attachments"                 \
    "                   WHERE sha256 = old.sha256)"                           \
    "  BEGIN"                                                                 \
    "    DELETE FROM attachment_texts WHERE sha256 = old.sha256;"             \
    "    DELETE FROM blobs WHERE sha256 = old.sha256;"                        \
    "  END;"

#define ATTACHMENT_COLUMNS                                                    \
    "  position INTEGER NOT NULL,"                                            \
    "  path TEXT NOT NULL,"                                                   \
    "  sha256 TEXT NOT NULL REFERENCES blobs(sha256),"                        \
    "  media_type TEXT NOT NULL,"                                             \
    "  size INTEGER NOT NULL,"

static const char schema_v3[] =
    "ALTER TABLE tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'curator';"
    "ALTER TABLE tokens ADD COLUMN countries TEXT;"
    "ALTER TABLE tokens ADD COLUMN cities TEXT;"
    "ALTER TABLE tokens ADD COLUMN expires_at TEXT;"
    "CREATE TABLE revisions("
    "  case_id TEXT NOT NULL,"
    "  rev INTEGER NOT NULL,"
    "  action TEXT NOT NULL,"
    "  at TEXT NOT NULL,"
    "  by TEXT NOT NULL,"
    "  import_id INTEGER,"
    "  generation INTEGER NOT NULL,"
    "  note TEXT,"
    "  doc TEXT,"
    "  PRIMARY KEY(case_id, rev));"
    "CREATE INDEX revisions_import ON revisions(import_id);"
    "CREATE TABLE revision_attachments("
    "  case_id TEXT NOT NULL,"
    "  rev INTEGER NOT NULL," ATTACHMENT_COLUMNS
    "  PRIMARY KEY(case_id, rev, position));"
    "CREATE INDEX revision_attachments_sha256 ON revision_attachments(sha256);"
    "CREATE TABLE purges(case_id TEXT NOT NULL, at TEXT NOT NULL,"
    "  by TEXT NOT NULL, revisions INTEGER NOT NULL);"
    "CREATE TABLE submissions("
    "  import_id INTEGER PRIMARY KEY REFERENCES imports(id),"
    "  status TEXT NOT NULL,"
    "  by TEXT NOT NULL,"
    "  at TEXT NOT NULL,"
    "  decided_by TEXT,"
    "  decided_at TEXT,"
    "  reason TEXT);"
    "CREATE TABLE submission_cases("
    "  import_id INTEGER NOT NULL REFERENCES submissions(import_id),"
    "  case_id TEXT NOT NULL,"
    "  is_update INTEGER NOT NULL,"
    "  doc TEXT NOT NULL,"
    "  PRIMARY KEY(import_id, case_id));"
    "CREATE TABLE submission_attachments("
    "  import_id INTEGER NOT NULL,"
    "  case_id TEXT NOT NULL," ATTACHMENT_COLUMNS
    "  PRIMARY KEY(import_id, case_id, position));"
    "CREATE INDEX submission_attachments_sha256"
    "  ON submission_attachments(sha256);"
    "DROP TRIGGER attachments_release;"
    "CREATE TRIGGER attachments_release AFTER DELETE ON attachments" RELEASE_WHEN_UNNAMED
    "CREATE TRIGGER revision_attachments_release"
    "  AFTER DELETE ON revision_attachments" RELEASE_WHEN_UNNAMED
    "CREATE TRIGGER submission_attachments_release"
    "  AFTER DELETE ON submission_attachments" RELEASE_WHEN_UNNAMED
    "INSERT OR IGNORE INTO meta VALUES('review', '0');"
    /* the cases of an earlier release: each becomes its revision 1 */
    "INSERT INTO revisions(case_id, rev, action, at, by, import_id,"
    "  generation, note)"
    "  SELECT c.id, 1, 'create', c.updated_at,"
    "    coalesce((SELECT i.by FROM imports i WHERE i.id = c.import_id),"
    "             'cli'),"
    "    c.import_id, c.generation, 'kept from before history was recorded'"
    "  FROM cases c;";

int catalog_history_migrate_v3(struct catalog *cat)
{
    if (sqlite3_exec(catalog_db(cat), schema_v3, NULL, NULL, NULL) !=
        SQLITE_OK)
        return catalog_fail(cat, "migrate to version 3");
    return MINGA_OK;
}

static int prepare(struct catalog *cat, sqlite3_stmt **st, const char *sql)
{
    if (sqlite3_prepare_v2(catalog_db(cat), sql, -1, st, NULL) != SQLITE_OK)
        return catalog_fail(cat, "prepare");
    return MINGA_OK;
}

/* Steps a statement that returns no rows, and finalizes it. */
static int run(struct catalog *cat, sqlite3_stmt *st, const char *what)
{
    int rc =
        sqlite3_step(st) == SQLITE_DONE ? MINGA_OK : catalog_fail(cat, what);
    sqlite3_finalize(st);
    return rc;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* -- the doc: a case's content as JSON ----------------------------------- */

static json_t *strv_json(const char *const *items, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_string(items[i]));
    return arr;
}

/* Masks stay numbers here: the doc is read back only by
 * case_from_doc, never shown as it is. */
char *catalog_doc_from_case(const struct minga_case *c, const char *extra_json)
{
    json_t *o = case_json_new(c, CASE_JSON_TIMES);
    if (!o) /* out of memory: validated cases are UTF-8 */
        return NULL;
    json_object_del(o, "attachments");
    json_object_set_new(o, "goal_mask", json_integer(c->goal_mask));
    json_object_set_new(o, "level_mask", json_integer(c->level_mask));
    json_object_set_new(o, "actor_mask", json_integer(c->actor_mask));
    json_object_set_new(o, "sdg_targets", strv_json(c->targets, c->n_targets));
    json_object_set_new(o, "tags", strv_json(c->tags, c->n_tags));
    if (extra_json) {
        json_t *extra = json_loads(extra_json, 0, NULL);
        if (extra)
            json_object_set_new(o, "extra", extra);
    }
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

static const char *doc_str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

int catalog_case_from_doc(const char *doc, struct minga_case **out,
                          char **extra_json)
{
    json_t *o = json_loads(doc, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return MINGA_EINTERNAL;
    }
    struct minga_case *c = case_new();
    int bad = !c;
    if (c) {
        bad |= case_set(&c->id, doc_str(o, "id")) ||
               case_set(&c->title, doc_str(o, "title")) ||
               case_set(&c->summary, doc_str(o, "summary")) ||
               case_set(&c->body, doc_str(o, "body")) ||
               case_set(&c->language, doc_str(o, "language")) ||
               case_set(&c->city, doc_str(o, "city")) ||
               case_set(&c->country, doc_str(o, "country")) ||
               case_set(&c->region, doc_str(o, "region")) ||
               case_set(&c->source_url, doc_str(o, "source_url")) ||
               case_set(&c->license, doc_str(o, "license")) ||
               case_set(&c->created_at, doc_str(o, "created_at")) ||
               case_set(&c->updated_at, doc_str(o, "updated_at"));
        c->year_start =
            (int)json_integer_value(json_object_get(o, "year_start"));
        c->year_end = (int)json_integer_value(json_object_get(o, "year_end"));
        c->goal_mask =
            (uint32_t)json_integer_value(json_object_get(o, "goal_mask"));
        c->level_mask =
            (uint32_t)json_integer_value(json_object_get(o, "level_mask"));
        c->actor_mask =
            (uint32_t)json_integer_value(json_object_get(o, "actor_mask"));
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(o, "sdg_targets"), i, v) bad |=
            case_strv_push(&c->targets, &c->n_targets, json_string_value(v));
        json_array_foreach(json_object_get(o, "tags"), i, v) bad |=
            case_strv_push(&c->tags, &c->n_tags, json_string_value(v));
    }
    json_t *extra = json_object_get(o, "extra");
    if (extra_json)
        *extra_json = extra ? json_dumps(extra, JSON_COMPACT) : NULL;
    json_decref(o);
    if (bad || !c->id) {
        case_free(c);
        return MINGA_ENOMEM;
    }
    *out = c;
    return MINGA_OK;
}

/* Reads the unknown fields kept with a current case (NULL when none). */
static char *live_extra(struct catalog *cat, const char *id)
{
    sqlite3_stmt *st = NULL;
    char *extra = NULL;
    if (prepare(cat, &st, "SELECT extra FROM cases WHERE id = ?"))
        return NULL;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && col_text(st, 0))
        extra = strdup(col_text(st, 0));
    sqlite3_finalize(st);
    return extra;
}

/* -- revisions ----------------------------------------------------------- */

/* The newest revision of a case: its number (0 when none), action and
 * whether it holds a doc. */
static int latest_revision(struct catalog *cat, const char *id, int *rev,
                           char **action, int *has_doc)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "SELECT rev, action, doc IS NOT NULL "
                     "FROM revisions WHERE case_id = ? "
                     "ORDER BY rev DESC LIMIT 1");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    *rev = 0;
    if (action)
        *action = NULL;
    *has_doc = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *rev = sqlite3_column_int(st, 0);
        if (action)
            *action = strdup(col_text(st, 1));
        *has_doc = sqlite3_column_int(st, 2);
    }
    sqlite3_finalize(st);
    return MINGA_OK;
}

int catalog_revision_snapshot(struct catalog *cat, const char *id)
{
    int rev, has_doc;
    char *action = NULL;
    int rc = latest_revision(cat, id, &rev, &action, &has_doc);
    int is_live_doc =
        !rc && rev > 0 && !has_doc && strcmp(action, "delete") != 0;
    free(action);
    if (rc || (rev > 0 && !is_live_doc))
        return rc;
    struct minga_case *c = NULL;
    if ((rc = catalog_get_case(cat, id, 0, &c)))
        return rc == MINGA_ENOTFOUND ? MINGA_OK : rc;
    char *extra = live_extra(cat, id);
    char *doc = catalog_doc_from_case(c, extra);
    free(extra);
    sqlite3_stmt *st = NULL;
    if (!doc) {
        rc = MINGA_ENOMEM;
    } else if (rev == 0) {
        /* a case without history (it cannot happen after migration, but
         * then its content must still not be lost) */
        rev = 1;
        rc = prepare(cat, &st,
                     "INSERT INTO revisions(case_id, rev, action, "
                     "at, by, generation, note, doc) VALUES(?1, 1, "
                     "'create', ?2, 'cli', 0, 'recorded late', ?3)");
        if (!rc) {
            sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, c->updated_at, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, doc, -1, SQLITE_STATIC);
            rc = run(cat, st, "record revision");
        }
    } else {
        rc = prepare(cat, &st,
                     "UPDATE revisions SET doc = ?3 "
                     "WHERE case_id = ?1 AND rev = ?2");
        if (!rc) {
            sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 2, rev);
            sqlite3_bind_text(st, 3, doc, -1, SQLITE_STATIC);
            rc = run(cat, st, "record revision");
        }
    }
    free(doc);
    for (size_t i = 0; !rc && i < c->n_attachments; i++)
        rc = catalog_put_named_attachment(cat, "revision_attachments", id, rev,
                                          (int)i, &c->attachments[i]);
    case_free(c);
    return rc;
}

int catalog_put_named_attachment(struct catalog *cat, const char *table,
                                 const char *id, int64_t key, int position,
                                 const struct minga_attachment *a)
{
    /* table is one of two fixed names, never input */
    char sql[200];
    snprintf(sql, sizeof sql, "INSERT INTO %s VALUES(%s, ?3, ?4, ?5, ?6, ?7)",
             table,
             strcmp(table, "revision_attachments") == 0 ? "?2, ?1" : "?1, ?2");
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st, sql);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, key);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, position);
    sqlite3_bind_text(st, 4, a->path, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, a->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, a->media_type, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)a->size);
    return run(cat, st, "attachment");
}

int catalog_revision_add(struct catalog *cat, const char *id,
                         const char *action, const struct catalog_write *w,
                         int *rev_out)
{
    int rev, has_doc;
    int rc = latest_revision(cat, id, &rev, NULL, &has_doc);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    if ((rc = prepare(cat, &st,
                      "INSERT INTO revisions(case_id, rev, action, "
                      "at, by, import_id, generation, note) "
                      "VALUES(?, ?, ?, " NOW_SQL ", ?, ?, ?, ?)")))
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, rev + 1);
    sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, w->by ? w->by : "cli", -1, SQLITE_STATIC);
    if (w->import_id)
        sqlite3_bind_int64(st, 5, w->import_id);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)w->generation);
    if (w->note)
        sqlite3_bind_text(st, 7, w->note, -1, SQLITE_STATIC);
    rc = run(cat, st, "record revision");
    if (!rc && rev_out)
        *rev_out = rev + 1;
    return rc;
}

/* Loads the attachments of a stored revision or submission case. */
static int load_named_attachments(struct catalog *cat, const char *sql,
                                  const char *id, int64_t key, int with_text,
                                  struct minga_case *c)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st, sql);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, key);
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        char *text = NULL;
        if (with_text &&
            catalog_read_attachment_text(cat, col_text(st, 1), col_text(st, 2),
                                         &text) == MINGA_ENOMEM)
            rc = MINGA_ENOMEM;
        if (!rc && case_add_attachment(
                       c, col_text(st, 0), col_text(st, 1), col_text(st, 2),
                       (uint64_t)sqlite3_column_int64(st, 3), text))
            rc = MINGA_ENOMEM;
        free(text);
    }
    sqlite3_finalize(st);
    return rc;
}

int catalog_revision_get(struct catalog *cat, const char *id, int rev,
                         int with_text, struct minga_case **out,
                         char **extra_json)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "SELECT action, doc, rev = (SELECT max(rev) "
                     "FROM revisions WHERE case_id = ?1) "
                     "FROM revisions WHERE case_id = ?1 "
                     "AND rev = ?2");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, rev);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        catalog_set_error(cat, "case \"%s\" has no revision %d", id, rev);
        return MINGA_ENOTFOUND;
    }
    int is_delete = strcmp(col_text(st, 0), "delete") == 0;
    char *doc = col_text(st, 1) ? strdup(col_text(st, 1)) : NULL;
    int is_latest = sqlite3_column_int(st, 2);
    sqlite3_finalize(st);
    if (is_delete) {
        catalog_set_error(cat,
                          "revision %d of \"%s\" is its deletion: it "
                          "has no content",
                          rev, id);
        return MINGA_ENOTFOUND;
    }
    if (!doc) {
        if (!is_latest) {
            catalog_set_error(cat, "revision %d of \"%s\" lost its content",
                              rev, id);
            return MINGA_EINTERNAL;
        }
        rc = catalog_get_case(cat, id, with_text, out);
        if (!rc && extra_json)
            *extra_json = live_extra(cat, id);
        return rc;
    }
    struct minga_case *c = NULL;
    rc = catalog_case_from_doc(doc, &c, extra_json);
    free(doc);
    if (!rc)
        rc = load_named_attachments(
            cat,
            "SELECT path, sha256, media_type, size FROM revision_attachments "
            "WHERE case_id = ?1 AND rev = ?2 ORDER BY position",
            id, rev, with_text, c);
    if (rc) {
        case_free(c);
        return rc;
    }
    *out = c;
    return MINGA_OK;
}

int catalog_revision_last_content(struct catalog *cat, const char *id,
                                  int *rev)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "SELECT max(rev) FROM revisions "
                     "WHERE case_id = ? AND action != 'delete'");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    *rev = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return MINGA_OK;
}

json_t *catalog_revision_list(struct catalog *cat, const char *id)
{
    sqlite3_stmt *st = NULL;
    if (prepare(cat, &st,
                "SELECT rev, action, by, at, import_id, note "
                "FROM revisions WHERE case_id = ? ORDER BY rev"))
        return NULL;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    json_t *arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *o = json_object();
        json_object_set_new(o, "rev", json_integer(sqlite3_column_int(st, 0)));
        json_object_set_new(o, "action", json_string(col_text(st, 1)));
        json_object_set_new(o, "by", json_string(col_text(st, 2)));
        json_object_set_new(o, "time", json_string(col_text(st, 3)));
        json_object_set_new(o, "import_id",
                            sqlite3_column_type(st, 4) == SQLITE_NULL
                                ? json_null()
                                : json_integer(sqlite3_column_int64(st, 4)));
        json_object_set_new(o, "note",
                            col_text(st, 5) ? json_string(col_text(st, 5))
                                            : json_null());
        json_array_append_new(arr, o);
    }
    sqlite3_finalize(st);
    return arr;
}

json_t *catalog_purge_list(struct catalog *cat, const char *id)
{
    sqlite3_stmt *st = NULL;
    if (prepare(cat, &st,
                "SELECT at, by, revisions FROM purges "
                "WHERE case_id = ? ORDER BY rowid"))
        return NULL;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    json_t *arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:i}", "time",
                                             col_text(st, 0), "by",
                                             col_text(st, 1), "revisions",
                                             sqlite3_column_int(st, 2)));
    sqlite3_finalize(st);
    return arr;
}

int catalog_revision_purge(struct catalog *cat, const char *id, const char *by,
                           int *n_revisions)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "SELECT count(*) FROM revisions "
                     "WHERE case_id = ?");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    *n_revisions =
        sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    static const char *const deletes[] = {
        "DELETE FROM revision_attachments WHERE case_id = ?1",
        "DELETE FROM revisions WHERE case_id = ?1",
        "DELETE FROM submission_attachments WHERE case_id = ?1",
        "DELETE FROM submission_cases WHERE case_id = ?1",
        "INSERT INTO purges VALUES(?1, " NOW_SQL ", ?2, ?3)"};
    for (size_t i = 0; !rc && i < sizeof deletes / sizeof *deletes; i++) {
        if ((rc = prepare(cat, &st, deletes[i])))
            break;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        if (i == 4) {
            sqlite3_bind_text(st, 2, by, -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 3, *n_revisions);
        }
        rc = run(cat, st, "purge");
    }
    return rc;
}

int catalog_case_place(struct catalog *cat, const char *id, char **country,
                       char **city)
{
    *country = *city = NULL;
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st, "SELECT country, city FROM cases WHERE id = ?");
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *country = strdup(col_text(st, 0));
        *city = strdup(col_text(st, 1));
        sqlite3_finalize(st);
        return MINGA_OK;
    }
    sqlite3_finalize(st);
    /* a deleted case still belongs where it was */
    if ((rc = prepare(cat, &st,
                      "SELECT json_extract(doc, '$.country'), "
                      "json_extract(doc, '$.city') FROM revisions "
                      "WHERE case_id = ? AND doc IS NOT NULL "
                      "ORDER BY rev DESC LIMIT 1")))
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && col_text(st, 0)) {
        *country = strdup(col_text(st, 0));
        *city = strdup(col_text(st, 1) ? col_text(st, 1) : "");
        rc = MINGA_OK;
    } else {
        rc = MINGA_ENOTFOUND;
    }
    sqlite3_finalize(st);
    return rc;
}

/* -- submissions --------------------------------------------------------- */

int catalog_submission_add(struct catalog *cat, int64_t import_id,
                           const char *by)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "INSERT INTO submissions(import_id, status, "
                     "by, at) VALUES(?, 'pending', ?, " NOW_SQL ")");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, import_id);
    sqlite3_bind_text(st, 2, by ? by : "cli", -1, SQLITE_STATIC);
    return run(cat, st, "submission");
}

int catalog_submission_put_case(struct catalog *cat, int64_t import_id,
                                const struct minga_case *c,
                                const char *extra_json, int *is_update)
{
    *is_update = catalog_has_case(cat, c->id);
    char *doc = catalog_doc_from_case(c, extra_json);
    if (!doc)
        return MINGA_ENOMEM;
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "INSERT INTO submission_cases VALUES(?, ?, ?, "
                     "?) ON CONFLICT DO NOTHING");
    if (!rc) {
        sqlite3_bind_int64(st, 1, import_id);
        sqlite3_bind_text(st, 2, c->id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, *is_update);
        sqlite3_bind_text(st, 4, doc, -1, SQLITE_STATIC);
        rc = run(cat, st, "submission");
    }
    free(doc);
    if (!rc && sqlite3_changes(catalog_db(cat)) == 0) {
        catalog_set_error(cat, "case id \"%s\" appears twice in this import",
                          c->id);
        return MINGA_EEXISTS;
    }
    return rc;
}

int catalog_submission_get_case(struct catalog *cat, int64_t import_id,
                                const char *id, int with_text,
                                struct minga_case **out, char **extra_json)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(cat, &st,
                     "SELECT doc FROM submission_cases "
                     "WHERE import_id = ? AND case_id = ?");
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, import_id);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    char *doc =
        sqlite3_step(st) == SQLITE_ROW ? strdup(col_text(st, 0)) : NULL;
    sqlite3_finalize(st);
    if (!doc) {
        catalog_set_error(cat, "submission %lld has no case \"%s\"",
                          (long long)import_id, id);
        return MINGA_ENOTFOUND;
    }
    struct minga_case *c = NULL;
    rc = catalog_case_from_doc(doc, &c, extra_json);
    free(doc);
    if (!rc)
        rc = load_named_attachments(
            cat,
            "SELECT path, sha256, media_type, size FROM "
            "submission_attachments WHERE case_id = ?1 AND import_id = ?2 "
            "ORDER BY position",
            id, import_id, with_text, c);
    if (rc) {
        case_free(c);
        return rc;
    }
    *out = c;
    return MINGA_OK;
}
