/*
 * OAI-PMH records over the catalog (see oai.h): one SQL view of every
 * current and deleted case with its datestamp and sets, filtered and
 * paged in SQLite. Read-only: nothing here writes but the one setting
 * function, which writes a meta row.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "oai.h"
#include "minga_impl.h"
#include "catalog.h"

/* Every record: current cases (their datestamp the newest revision's
 * time) and deleted ones (a newest revision that is a deletion, the case
 * row gone). A deleted case's sets come from its last content, the doc
 * of its newest revision that has one. Only what ordering and filtering
 * need is computed for every record; the sets string (SETS_SQL) only
 * for the rows a page returns. */
#define RECORDS_SQL                                                           \
    "WITH cur AS ("                                                           \
    "  SELECT c.id AS id,"                                                    \
    "    COALESCE((SELECT r.at FROM revisions r WHERE r.case_id = c.id"       \
    "              ORDER BY r.rev DESC LIMIT 1),"                             \
    "             c.updated_at) AS ds,"                                       \
    "    0 AS deleted, c.rowid AS crow, NULL AS doc,"                         \
    "    c.country AS country, c.language AS lang"                            \
    "  FROM cases c),"                                                        \
    " del0 AS ("                                                              \
    "  SELECT r.case_id AS id, r.at AS ds, 1 AS deleted, NULL AS crow,"       \
    "    (SELECT d.doc FROM revisions d WHERE d.case_id = r.case_id"          \
    "       AND d.doc IS NOT NULL ORDER BY d.rev DESC LIMIT 1) AS doc"        \
    "  FROM revisions r"                                                      \
    "  WHERE r.action = 'delete'"                                             \
    "    AND r.rev = (SELECT max(x.rev) FROM revisions x"                     \
    "                 WHERE x.case_id = r.case_id)"                           \
    "    AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = r.case_id)),"     \
    " recs AS ("                                                              \
    "  SELECT * FROM cur"                                                     \
    "  UNION ALL"                                                             \
    "  SELECT id, ds, deleted, crow, doc,"                                    \
    "    json_extract(doc, '$.country'), json_extract(doc, '$.language')"     \
    "  FROM del0)"

/* A record's leaf sets between spaces: " sdg:11 country:BR ... ". */
#define SETS_SQL                                                              \
    "CASE WHEN crow IS NOT NULL THEN"                                         \
    "  ' ' || COALESCE((SELECT group_concat('sdg:' || g.goal, ' ')"           \
    "                   FROM case_goals g WHERE g.case_rowid = crow), '')"    \
    "  || ' country:' || country"                                             \
    "  || COALESCE((SELECT ' ' || group_concat('level:' || l.level, ' ')"     \
    "               FROM case_levels l WHERE l.case_rowid = crow), '')"       \
    "  || ' lang:' || lang || ' '"                                            \
    " WHEN doc IS NULL THEN ' '"                                              \
    " ELSE"                                                                   \
    "  ' ' || COALESCE((SELECT group_concat('sdg:' || value, ' ')"            \
    "                   FROM json_each(doc, '$.sdg_goals')), '')"             \
    "  || ' country:' || country"                                             \
    "  || COALESCE((SELECT ' ' || group_concat('level:' || value, ' ')"       \
    "               FROM json_each(doc, '$.levels')), '')"                    \
    "  || ' lang:' || lang || ' ' END"

/* The last content of a deleted case r.case_id: its sets' source. */
#define LAST_DOC                                                              \
    "(SELECT d.doc FROM revisions d WHERE d.case_id = r.case_id"              \
    "   AND d.doc IS NOT NULL ORDER BY d.rev DESC LIMIT 1)"

/* The selection, walked in (datestamp, id) order on the index
 * revisions_at (schema v4): a record is a case's newest revision, live
 * (its case row exists) or a deletion. ?1 from ('' for none), ?2 until
 * ('9999' for none), ?3 set, split into ?7 its kind ("sdg") and ?8 its
 * value ("11", NULL for a parent set), ?4 ?5 the cursor ('' '' for the
 * start). Keyset paging: a page costs the rows it returns (and those
 * its set skips), not the rows before the cursor. */
#define SELECT_SQL                                                            \
    "SELECT r.case_id AS id, r.at AS ds, c.rowid AS crow,"                    \
    "  c.country AS ccountry, c.language AS clang"                            \
    " FROM revisions r LEFT JOIN cases c ON c.id = r.case_id"                 \
    " WHERE (r.at, r.case_id) > (?4, ?5) AND r.at >= ?1 AND r.at <= ?2"       \
    "  AND r.rev = (SELECT max(x.rev) FROM revisions x"                       \
    "               WHERE x.case_id = r.case_id)"                             \
    "  AND (c.rowid IS NOT NULL OR r.action = 'delete')"                      \
    "  AND (?3 IS NULL"                                                       \
    "   OR (?8 IS NULL AND ?7 IN ('sdg', 'country', 'level', 'lang'))"        \
    "   OR (c.rowid IS NOT NULL AND ("                                        \
    "        (?7 = 'country' AND c.country = ?8)"                             \
    "     OR (?7 = 'lang' AND c.language = ?8)"                               \
    "     OR (?7 = 'sdg' AND EXISTS (SELECT 1 FROM case_goals g"              \
    "          WHERE g.case_rowid = c.rowid AND g.goal || '' = ?8))"          \
    "     OR (?7 = 'level' AND EXISTS (SELECT 1 FROM case_levels l"           \
    "          WHERE l.case_rowid = c.rowid AND l.level = ?8))))"             \
    "   OR (c.rowid IS NULL AND ("                                            \
    "        (?7 = 'country' AND json_extract(" LAST_DOC                      \
    ", '$.country') = ?8)"                                                    \
    "     OR (?7 = 'lang' AND json_extract(" LAST_DOC ", '$.language') = ?8)" \
    "     OR (?7 = 'sdg' AND EXISTS (SELECT 1 FROM json_each(" LAST_DOC       \
    "          , '$.sdg_goals') WHERE value || '' = ?8))"                     \
    "     OR (?7 = 'level' AND EXISTS (SELECT 1 FROM json_each(" LAST_DOC     \
    "          , '$.levels') WHERE value = ?8)))))"                           \
    " ORDER BY r.at, r.case_id"

/* A page (?6 its size), with each record's sets; the deleted records'
 * sets from their last content. */
static const char LIST_SQL[] =
    "SELECT id, ds, crow IS NULL, " SETS_SQL " FROM ("
    "  SELECT id, ds, crow, doc,"
    "    COALESCE(ccountry, json_extract(doc, '$.country')) AS country,"
    "    COALESCE(clang, json_extract(doc, '$.language')) AS lang"
    "  FROM (SELECT k.*, CASE WHEN k.crow IS NULL THEN"
    "          (SELECT d.doc FROM revisions d WHERE d.case_id = k.id"
    "           AND d.doc IS NOT NULL ORDER BY d.rev DESC LIMIT 1) END AS doc"
    "        FROM (" SELECT_SQL " LIMIT ?6) k))"
    " ORDER BY ds, id";

/* The size of the selection, cursor aside (bound as for LIST_SQL). */
static const char COUNT_SQL[] = "SELECT count(*) FROM (" SELECT_SQL ")";

static const char GET_SQL[] =
    RECORDS_SQL "SELECT id, ds, deleted, " SETS_SQL " FROM recs WHERE id = ?1";

/* The first record in list order: one step on revisions_at. */
static const char EARLIEST_SQL[] =
    "SELECT r.at FROM revisions r LEFT JOIN cases c ON c.id = r.case_id"
    " WHERE r.rev = (SELECT max(x.rev) FROM revisions x"
    "                WHERE x.case_id = r.case_id)"
    "  AND (c.rowid IS NOT NULL OR r.action = 'delete')"
    " ORDER BY r.at, r.case_id LIMIT 1";

/* The current cases by id from ?2 on (an offset), ?1 of them. The
 * OFFSET skips entries of the id index (sqlite_autoindex_cases_1) with
 * no sorter, so the skipped rows' datestamps are never computed. */
static const char CURRENT_SQL[] =
    "SELECT c.id,"
    "  COALESCE((SELECT r.at FROM revisions r WHERE r.case_id = c.id"
    "            ORDER BY r.rev DESC LIMIT 1), c.updated_at), 0, ''"
    " FROM cases c ORDER BY c.id LIMIT ?1 OFFSET ?2";

/* The newest revision's time (one step on revisions_at) and the number
 * of current cases. Revisions alone give the newest datestamp: a
 * catalog stored before histories got a revision per case from its
 * first writer of schema 3. */
static const char STATE_SQL[] =
    "SELECT (SELECT max(at) FROM revisions), (SELECT count(*) FROM cases)";

static int fail(struct minga *m, char **errmsg, const char *what)
{
    if (errmsg)
        *errmsg =
            minga_strdupf("%s: %s", what, sqlite3_errmsg(catalog_db(m->cat)));
    return MINGA_EIO;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static const char *col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? s : "";
}

static int record_from_row(sqlite3_stmt *st, struct minga_oai_record *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", col(st, 0));
    snprintf(r->datestamp, sizeof r->datestamp, "%s", col(st, 1));
    r->is_deleted = sqlite3_column_int(st, 2) != 0;
    r->sets = strdup(col(st, 3));
    return r->sets ? 0 : MINGA_ENOMEM;
}

void minga_oai_records_free(struct minga_oai_record *recs, size_t n)
{
    if (!recs)
        return;
    for (size_t i = 0; i < n; i++)
        free(recs[i].sets);
    free(recs);
}

/* Binds a selection to LIST_SQL's or COUNT_SQL's parameters (?1-?5,
 * ?7, ?8): absent bounds become values every datestamp passes. */
static void bind_selection(sqlite3_stmt *st,
                           const struct minga_oai_selection *sel)
{
    sqlite3_bind_text(st, 1, sel->from ? sel->from : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, sel->until ? sel->until : "9999", -1,
                      SQLITE_STATIC);
    bind_opt(st, 3, sel->set);
    const char *after_ds = sel->after_datestamp ? sel->after_datestamp : "";
    sqlite3_bind_text(st, 4, after_ds, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, *after_ds && sel->after_id ? sel->after_id : "",
                      -1, SQLITE_STATIC);
    /* "sdg:11" -> kind "sdg", value "11"; "sdg" -> "sdg", NULL */
    const char *colon = sel->set ? strchr(sel->set, ':') : NULL;
    if (sel->set)
        sqlite3_bind_text(st, 7, sel->set,
                          colon ? (int)(colon - sel->set) : -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 7);
    bind_opt(st, 8, colon ? colon + 1 : NULL);
}

int minga_oai_count(struct minga *m, const struct minga_oai_selection *sel,
                    size_t *n_total, char **errmsg)
{
    struct minga_oai_selection whole = *sel;
    whole.after_datestamp = whole.after_id = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(catalog_db(m->cat), COUNT_SQL, -1, &st, NULL))
        return fail(m, errmsg, "counting records");
    bind_selection(st, &whole);
    int rc = 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        *n_total = (size_t)sqlite3_column_int64(st, 0);
    else
        rc = fail(m, errmsg, "counting records");
    sqlite3_finalize(st);
    return rc;
}

int minga_oai_list(struct minga *m, const struct minga_oai_selection *sel,
                   size_t limit, struct minga_oai_record **out, size_t *n_out,
                   size_t *n_total, char **errmsg)
{
    size_t total = 0;
    if (n_total) {
        int rc = minga_oai_count(m, sel, &total, errmsg);
        if (rc)
            return rc;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(catalog_db(m->cat), LIST_SQL, -1, &st, NULL))
        return fail(m, errmsg, "listing records");
    bind_selection(st, sel);
    sqlite3_bind_int64(
        st, 6, limit > (size_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)limit);
    /* grown as rows come: `limit` may be "all of them" */
    struct minga_oai_record *recs = NULL;
    size_t n = 0, cap = 0;
    int rc = 0, step = SQLITE_DONE;
    while (rc == 0 && n < limit && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t new_cap = cap ? 2 * cap : 64;
            struct minga_oai_record *grown =
                realloc(recs, new_cap * sizeof *recs);
            if (!grown) {
                rc = MINGA_ENOMEM;
                break;
            }
            recs = grown;
            cap = new_cap;
        }
        rc = record_from_row(st, &recs[n]);
        if (rc == 0)
            n++;
    }
    if (rc == 0 && n < limit && step != SQLITE_DONE)
        rc = fail(m, errmsg, "listing records");
    else if (rc == MINGA_ENOMEM && errmsg)
        *errmsg = strdup("out of memory");
    sqlite3_finalize(st);
    if (rc != 0) {
        minga_oai_records_free(recs, n);
        return rc;
    }
    *out = recs;
    *n_out = n;
    if (n_total)
        *n_total = total;
    return 0;
}

int minga_oai_list_current(struct minga *m, size_t offset, size_t limit,
                           struct minga_oai_record **out, size_t *n_out,
                           char **errmsg)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(catalog_db(m->cat), CURRENT_SQL, -1, &st, NULL))
        return fail(m, errmsg, "listing current cases");
    sqlite3_bind_int64(
        st, 1, limit > (size_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)limit);
    sqlite3_bind_int64(
        st, 2, offset > (size_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)offset);
    /* one allocation: a page is bounded by its caller */
    size_t cap = limit < 1024 ? limit : 1024, n = 0;
    struct minga_oai_record *recs = calloc(cap ? cap : 1, sizeof *recs);
    int rc = recs ? 0 : MINGA_ENOMEM, step = SQLITE_DONE;
    while (rc == 0 && n < limit && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            struct minga_oai_record *grown =
                realloc(recs, 2 * cap * sizeof *recs);
            if (!grown) {
                rc = MINGA_ENOMEM;
                break;
            }
            recs = grown;
            cap *= 2;
        }
        rc = record_from_row(st, &recs[n]);
        if (rc == 0)
            n++;
    }
    if (rc == 0 && n < limit && step != SQLITE_DONE)
        rc = fail(m, errmsg, "listing current cases");
    else if (rc == MINGA_ENOMEM && errmsg)
        *errmsg = strdup("out of memory");
    sqlite3_finalize(st);
    if (rc != 0) {
        minga_oai_records_free(recs, n);
        return rc;
    }
    *out = recs;
    *n_out = n;
    return 0;
}

int minga_oai_state(struct minga *m, struct minga_oai_state *out,
                    char **errmsg)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(catalog_db(m->cat), STATE_SQL, -1, &st, NULL))
        return fail(m, errmsg, "reading the catalog's state");
    int rc = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        snprintf(out->newest, sizeof out->newest, "%s", col(st, 0));
        out->n_current = (size_t)sqlite3_column_int64(st, 1);
        out->generation = catalog_generation(m->cat);
    } else {
        rc = fail(m, errmsg, "reading the catalog's state");
    }
    sqlite3_finalize(st);
    return rc;
}

int minga_oai_record_get(struct minga *m, const char *id,
                         struct minga_oai_record *out, char **errmsg)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(catalog_db(m->cat), GET_SQL, -1, &st, NULL))
        return fail(m, errmsg, "reading a record");
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st), rc;
    if (step == SQLITE_ROW) {
        rc = record_from_row(st, out);
        if (rc && errmsg)
            *errmsg = strdup("out of memory");
    } else if (step == SQLITE_DONE) {
        rc = MINGA_ENOTFOUND;
        if (errmsg)
            *errmsg = minga_strdupf("no record of case \"%s\"", id);
    } else {
        rc = fail(m, errmsg, "reading a record");
    }
    sqlite3_finalize(st);
    return rc;
}

int minga_oai_earliest(struct minga *m, char out[MINGA_OAI_DATESTAMP_LEN + 1],
                       char **errmsg)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(catalog_db(m->cat), EARLIEST_SQL, -1, &st, NULL))
        return fail(m, errmsg, "reading the earliest datestamp");
    int rc = 0, step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        snprintf(out, MINGA_OAI_DATESTAMP_LEN + 1, "%s", col(st, 0));
    else if (step == SQLITE_DONE)
        out[0] = '\0';
    else
        rc = fail(m, errmsg, "reading the earliest datestamp");
    sqlite3_finalize(st);
    return rc;
}

/* Appends the distinct values of column 0 of `sql` to a new array. */
static int values_of(struct minga *m, const char *sql, json_t **out,
                     char **errmsg)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(catalog_db(m->cat), sql, -1, &st, NULL))
        return fail(m, errmsg, "listing sets");
    json_t *arr = json_array();
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if (sqlite3_column_type(st, 0) == SQLITE_TEXT)
            json_array_append_new(arr, json_string(col(st, 0)));
    int rc = step == SQLITE_DONE ? 0 : fail(m, errmsg, "listing sets");
    sqlite3_finalize(st);
    if (rc) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

int minga_oai_set_values(struct minga *m, json_t **out, char **errmsg)
{
    /* the last content of deleted cases counts too: their records stay
     * in their sets */
    static const char *const sql[2] = {
        "SELECT country FROM cases UNION "
        "SELECT json_extract(doc, '$.country') FROM revisions r "
        "WHERE doc IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM cases c WHERE c.id = r.case_id) ORDER BY 1",
        "SELECT language FROM cases UNION "
        "SELECT json_extract(doc, '$.language') FROM revisions r "
        "WHERE doc IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM cases c WHERE c.id = r.case_id) ORDER BY 1"};
    static const char *const keys[2] = {"country", "lang"};
    json_t *o = json_object();
    for (int i = 0; i < 2; i++) {
        json_t *arr = NULL;
        int rc = values_of(m, sql[i], &arr, errmsg);
        if (rc) {
            json_decref(o);
            return rc;
        }
        json_object_set_new(o, keys[i], arr);
    }
    *out = o;
    return 0;
}

int minga_oai_begin_read(struct minga *m, char **errmsg)
{
    int rc = catalog_begin_read(m->cat);
    if (rc && errmsg)
        *errmsg = strdup(catalog_errmsg(m->cat));
    return rc;
}

void minga_oai_end_read(struct minga *m)
{
    catalog_commit(m->cat);
}

char *minga_oai_setting(struct minga *m, const char *key, const char *fallback)
{
    char *value = catalog_meta_get(m->cat, key);
    if (value && *value)
        return value;
    free(value);
    return fallback ? strdup(fallback) : NULL;
}

int minga_oai_setting_set(struct minga *m, const char *key, const char *value,
                          char **errmsg)
{
    int rc = catalog_meta_set(m->cat, key, value);
    if (rc && errmsg)
        *errmsg = strdup(catalog_errmsg(m->cat));
    return rc;
}
