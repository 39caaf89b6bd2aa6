/* Review before publication: the setting, the submissions a curator
 * lists, reads, approves or rejects, and what an uploader reads about its
 * import. The import keeps a submission's cases aside (import_sink.c,
 * catalog_history.c); approving publishes them as ordinary revisions, in
 * one write step. This module owns the submissions tables' queries. */
#include "minga_impl.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "catalog_history.h"

int minga_review_enabled(struct minga *m)
{
    char *v = catalog_meta_get(m->cat, "review");
    int is_on = v && strcmp(v, "1") == 0;
    free(v);
    return is_on;
}

int minga_review_set(struct minga *m, int is_on, char **errmsg)
{
    int rc = catalog_meta_set(m->cat, "review", is_on ? "1" : "0");
    if (rc && errmsg)
        *errmsg = strdup(catalog_errmsg(m->cat));
    return rc;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

static json_t *text_or_null(sqlite3_stmt *st, int i)
{
    return col_text(st, i) ? json_string(col_text(st, i)) : json_null();
}

static int fail_sql(struct minga *m, char **errmsg, const char *what)
{
    int rc = catalog_fail(m->cat, what);
    if (errmsg)
        *errmsg = strdup(catalog_errmsg(m->cat));
    return rc;
}

/* The case ids of a submission, or of a published import's revisions. */
static json_t *import_case_ids(struct minga *m, int64_t id, int is_submission)
{
    sqlite3_stmt *st = NULL;
    json_t *ids = json_array();
    const char *sql = is_submission ? "SELECT case_id FROM submission_cases "
                                      "WHERE import_id = ? ORDER BY case_id"
                                    : "SELECT DISTINCT case_id FROM revisions "
                                      "WHERE import_id = ? ORDER BY case_id";
    if (sqlite3_prepare_v2(catalog_db(m->cat), sql, -1, &st, NULL) !=
        SQLITE_OK)
        return ids;
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(ids, json_string(col_text(st, 0)));
    sqlite3_finalize(st);
    return ids;
}

#define SUBMISSION_COLUMNS                                                    \
    "s.import_id, s.status, s.by, s.at, i.source, s.reason, s.decided_by, "   \
    "s.decided_at FROM submissions s JOIN imports i ON i.id = s.import_id"

static json_t *submission_json(struct minga *m, sqlite3_stmt *st)
{
    int64_t id = sqlite3_column_int64(st, 0);
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)id,
                          "status", col_text(st, 1), "by", col_text(st, 2),
                          "time", col_text(st, 3), "source", col_text(st, 4));
    json_object_set_new(o, "reason", text_or_null(st, 5));
    json_object_set_new(o, "decided_by", text_or_null(st, 6));
    json_object_set_new(o, "decided_time", text_or_null(st, 7));
    json_object_set_new(o, "cases", import_case_ids(m, id, 1));
    return o;
}

int minga_review_list(struct minga *m, const char *status, json_t **out,
                      char **errmsg)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(catalog_db(m->cat),
                           "SELECT " SUBMISSION_COLUMNS " WHERE ?1 IS NULL "
                           "OR s.status = ?1 ORDER BY s.import_id DESC",
                           -1, &st, NULL) != SQLITE_OK)
        return fail_sql(m, errmsg, "review");
    if (status)
        sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
    json_t *arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(arr, submission_json(m, st));
    sqlite3_finalize(st);
    *out = arr;
    return MINGA_OK;
}

/* The submission row `id` as JSON, or NULL with *errmsg set. */
static json_t *load_submission(struct minga *m, int64_t id, int *rc,
                               char **errmsg)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(catalog_db(m->cat),
                           "SELECT " SUBMISSION_COLUMNS
                           " WHERE s.import_id = ?",
                           -1, &st, NULL) != SQLITE_OK) {
        *rc = fail_sql(m, errmsg, "review");
        return NULL;
    }
    sqlite3_bind_int64(st, 1, id);
    json_t *o = NULL;
    if (sqlite3_step(st) == SQLITE_ROW)
        o = submission_json(m, st);
    sqlite3_finalize(st);
    if (!o) {
        *rc = MINGA_ENOTFOUND;
        if (errmsg)
            *errmsg = minga_strdupf("no submission %lld: only uploads from "
                                    "city tokens made while review is on "
                                    "wait for review",
                                    (long long)id);
    }
    return o;
}

int minga_review_show(struct minga *m, int64_t id, json_t **out, char **errmsg)
{
    int rc = MINGA_OK;
    json_t *o = load_submission(m, id, &rc, errmsg);
    if (!o)
        return rc;
    json_t *cases = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(o, "cases"), i, v)
    {
        struct minga_case *c = NULL;
        if (catalog_submission_get_case(m->cat, id, json_string_value(v), 0,
                                        &c, NULL))
            continue;
        json_t *cj = case_json_new(c, 0);
        json_object_set_new(cj, "updates_existing",
                            json_boolean(catalog_has_case(m->cat, c->id)));
        json_array_append_new(cases, cj);
        case_free(c);
    }
    json_object_set_new(o, "cases", cases);
    *out = o;
    return MINGA_OK;
}

struct decision {
    int64_t id;
    int is_approved;
    const char *reason;
    const char *decided_by;
    char *uploader;
    json_t *ids;
};

static int mark_decided(struct minga *m, const struct decision *d)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(catalog_db(m->cat),
                           "UPDATE submissions SET status = ?2, "
                           "decided_by = ?3, reason = ?4, decided_at = "
                           "strftime('%Y-%m-%dT%H:%M:%SZ','now') "
                           "WHERE import_id = ?1 AND status = 'pending'",
                           -1, &st, NULL) != SQLITE_OK)
        return catalog_fail(m->cat, "review");
    sqlite3_bind_int64(st, 1, d->id);
    sqlite3_bind_text(st, 2, d->is_approved ? "approved" : "rejected", -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, 3, d->decided_by, -1, SQLITE_STATIC);
    if (d->reason)
        sqlite3_bind_text(st, 4, d->reason, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? MINGA_OK
                                             : catalog_fail(m->cat, "review");
    sqlite3_finalize(st);
    if (!rc && sqlite3_changes(catalog_db(m->cat)) != 1) {
        catalog_set_error(m->cat, "submission %lld was decided meanwhile",
                          (long long)d->id);
        rc = MINGA_EBUSY;
    }
    return rc;
}

static int decide_step(void *arg, struct minga *m, struct mindex *ix,
                       uint64_t gen, char **err)
{
    struct decision *d = arg;
    char note[200];
    snprintf(note, sizeof note, "approved by %s", d->decided_by);
    struct catalog_write w = {.generation = gen,
                              .import_id = d->id,
                              .by = d->uploader,
                              .note = note};
    size_t i;
    json_t *v;
    int rc = MINGA_OK;
    json_array_foreach(d->is_approved ? d->ids : NULL, i, v)
    {
        struct minga_case *c = NULL;
        char *extra = NULL;
        rc = catalog_submission_get_case(m->cat, d->id, json_string_value(v),
                                         1, &c, &extra);
        if (!rc)
            rc = minga_apply_case(m, ix, c, extra, &w, NULL, err);
        case_free(c);
        free(extra);
        if (rc)
            return rc;
    }
    return mark_decided(m, d);
}

int minga_review_decide(struct minga *m, int64_t id, int is_approved,
                        const char *reason, const struct minga_principal *who,
                        char **errmsg)
{
    if (who && who->role != MINGA_ROLE_CURATOR) {
        if (errmsg)
            *errmsg = strdup("only a curator token may review submissions");
        return MINGA_EFORBIDDEN;
    }
    int rc = MINGA_OK;
    json_t *o = load_submission(m, id, &rc, errmsg);
    if (!o)
        return rc;
    const char *status = json_string_value(json_object_get(o, "status"));
    if (strcmp(status, "pending") != 0) {
        if (errmsg)
            *errmsg = minga_strdupf("submission %lld was already %s",
                                    (long long)id, status);
        json_decref(o);
        return MINGA_EEXISTS;
    }
    char *by = minga_principal_by(who);
    struct decision d = {
        .id = id,
        .is_approved = is_approved,
        .reason = reason,
        .decided_by = by,
        .uploader = strdup(json_string_value(json_object_get(o, "by"))),
        .ids = json_incref(json_object_get(o, "cases"))};
    json_decref(o);
    rc = minga_write_step(m, decide_step, &d, errmsg);
    free(d.uploader);
    free(by);
    json_decref(d.ids);
    return rc;
}

int minga_import_status(struct minga *m, int64_t import_id, json_t **out,
                        char **errmsg)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(catalog_db(m->cat),
                           "SELECT i.id, i.source, i.at, i.by, i.n_cases, "
                           "i.n_new, i.n_updated, s.status, s.reason, "
                           "s.decided_by, s.decided_at FROM imports i "
                           "LEFT JOIN submissions s ON s.import_id = i.id "
                           "WHERE i.id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return fail_sql(m, errmsg, "import");
    sqlite3_bind_int64(st, 1, import_id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        if (errmsg)
            *errmsg = minga_strdupf("no import %lld", (long long)import_id);
        return MINGA_ENOTFOUND;
    }
    int is_submission = col_text(st, 7) != NULL;
    json_t *o = json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "id",
        (json_int_t)sqlite3_column_int64(st, 0), "source", col_text(st, 1),
        "time", col_text(st, 2), "by", col_text(st, 3), "status",
        is_submission ? col_text(st, 7) : "published", "n_cases",
        (json_int_t)sqlite3_column_int64(st, 4), "n_new",
        (json_int_t)sqlite3_column_int64(st, 5), "n_updated",
        (json_int_t)sqlite3_column_int64(st, 6));
    json_object_set_new(o, "reason", text_or_null(st, 8));
    json_object_set_new(o, "decided_by", text_or_null(st, 9));
    json_object_set_new(o, "decided_time", text_or_null(st, 10));
    sqlite3_finalize(st);
    json_object_set_new(o, "cases",
                        import_case_ids(m, import_id, is_submission));
    *out = o;
    return MINGA_OK;
}
