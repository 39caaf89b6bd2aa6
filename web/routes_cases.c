/*
 * A case and its history: GET /api/cases/{id} (the current revision with
 * who last changed it, or ?rev=N), GET /api/cases/{id}/history and
 * DELETE /api/cases/{id}.
 *
 * Reads are a few rows by one key, answered on the connection's thread
 * from its read-only handle. A delete is a write: it runs in the import
 * worker, which takes writes one at a time (uploads, token uses, review
 * decisions), on a writable handle of its own, as an upload does. Only
 * the current revision is ever indexed, so search and exports never see
 * an old one; old revisions are read here, by number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"
#include "minga.h"
#include "case.h"

#define MAX_REV 999999999

static enum MHD_Result send_bad_id(struct MHD_Connection *con,
                                   struct web_request *req) {
    return web_send_error(con, req, MHD_HTTP_BAD_REQUEST,
                          "invalid case id: expected 1-100 characters of "
                          "a-z, 0-9 and -", NULL);
}

/* Refuses every parameter but `allowed` (NULL: none), and `allowed`
 * given twice. Returns 0 when fine, else sends the 400 and returns -1
 * with *ret set. */
static int check_params(struct MHD_Connection *con, struct web_request *req,
                        const char *allowed, enum MHD_Result *ret) {
    int n_allowed = 0;
    for (size_t i = 0; i < req->n_params; i++) {
        const char *name = req->params[i].name;
        char msg[160];
        if (allowed && strcmp(name, allowed) == 0 && n_allowed++ == 0)
            continue;
        if (allowed && strcmp(name, allowed) == 0)
            snprintf(msg, sizeof msg, "%s: given more than once", allowed);
        else if (allowed)
            snprintf(msg, sizeof msg, "%.60s: unknown parameter (only %s)",
                     name, allowed);
        else
            snprintf(msg, sizeof msg, "%.60s: this endpoint takes no "
                     "parameters", name);
        *ret = web_send_param_error(con, req, name, msg);
        return -1;
    }
    return 0;
}

/* The entry of revision `rev` in a history (minga_history_json), or
 * NULL; rev 0 is the newest. Borrowed. */
static json_t *history_revision(json_t *history, int rev) {
    json_t *revs = json_object_get(history, "revisions");
    size_t n = json_array_size(revs);
    if (n == 0) return NULL;
    if (rev == 0) return json_array_get(revs, n - 1);
    size_t i;
    json_t *r;
    json_array_foreach(revs, i, r)
        if (json_integer_value(json_object_get(r, "rev")) == rev) return r;
    return NULL;
}

static const char *str_of(json_t *o, const char *key) {
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* {rev, action, by, time, note}: who made a revision and when. */
static json_t *change_json(json_t *rev) {
    json_t *o = json_object();
    static const char *const keys[] = {"rev", "action", "by", "time",
                                       "note"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(rev, keys[i]);
        json_object_set(o, keys[i], v ? v : json_null());
    }
    return o;
}

/* A 404 for a case that was deleted, saying when, by whom and where its
 * history is. */
static void reply_deleted(struct web_reply *reply, const char *id,
                          json_t *history) {
    json_t *last = history_revision(history, 0);
    char msg[400], url[160];
    snprintf(url, sizeof url, "/api/cases/%s/history", id);
    snprintf(msg, sizeof msg, "case \"%s\" was deleted (revision %lld, by "
             "%s, %s); every earlier revision is kept: see %s", id,
             (long long)json_integer_value(json_object_get(last, "rev")),
             str_of(last, "by"), str_of(last, "time"), url);
    json_t *body = json_pack("{s:s, s:[], s:s, s:o}", "error", msg,
                             "details", "history", url, "deleted",
                             change_json(last));
    web_reply_json(reply, MHD_HTTP_NOT_FOUND, body);
}

/* The current case, with who changed it last. */
static void reply_current(struct web_server *srv, struct minga *m,
                          const char *id, json_t *history,
                          struct web_reply *reply) {
    struct minga_case *c = NULL;
    char *errmsg = NULL;
    int rc = minga_get_case(m, id, &c, &errmsg);
    if (rc == MINGA_ENOTFOUND && json_is_true(json_object_get(history,
                                                              "deleted"))) {
        reply_deleted(reply, id, history);
    } else if (rc == MINGA_ENOTFOUND) {
        /* never stored, purged, or waiting for review */
        web_reply_error(reply, MHD_HTTP_NOT_FOUND, "no case with this id",
                        NULL);
    } else if (rc != 0) {
        web_log(srv, "reading case %s failed: %s", id, errmsg);
        web_reply_error(reply, web_status_for(rc), "reading the case failed",
                        NULL);
    } else {
        json_t *o = minga_case_json(c, 1);
        json_t *last = history_revision(history, 0);
        /* a case stored before histories were kept has none */
        if (last) json_object_set_new(o, "last_change", change_json(last));
        web_reply_json(reply, MHD_HTTP_OK, o);
        case_free(c);
    }
    free(errmsg);
}

/* Revision `rev` as it was: 404 when the case never had it, 410 when it
 * is the case's deletion (a revision without content). */
static void reply_revision(struct web_server *srv, struct minga *m,
                           const char *id, int rev, json_t *history,
                           struct web_reply *reply) {
    json_t *entry = history ? history_revision(history, rev) : NULL;
    char msg[400];
    if (!entry) {
        json_t *last = history ? history_revision(history, 0) : NULL;
        if (last)
            snprintf(msg, sizeof msg, "case \"%s\" has no revision %d (its "
                     "revisions are 1 to %lld)", id, rev,
                     (long long)json_integer_value(json_object_get(last,
                                                                   "rev")));
        else
            snprintf(msg, sizeof msg, "no case with this id");
        web_reply_error(reply, MHD_HTTP_NOT_FOUND, msg, NULL);
        return;
    }
    if (strcmp(str_of(entry, "action"), "delete") == 0) {
        snprintf(msg, sizeof msg, "revision %d of \"%s\" is its deletion (by "
                 "%s, %s): it has no content; see /api/cases/%s/history",
                 rev, id, str_of(entry, "by"), str_of(entry, "time"), id);
        web_reply_error(reply, MHD_HTTP_GONE, msg, NULL);
        return;
    }
    struct minga_case *c = NULL;
    char *errmsg = NULL;
    int rc = minga_get_case_rev(m, id, rev, &c, &errmsg);
    if (rc != 0) {
        if (rc != MINGA_ENOTFOUND)
            web_log(srv, "reading revision %d of case %s failed: %s", rev, id,
                    errmsg ? errmsg : "unknown error");
        web_reply_error(reply, web_status_for(rc),
                        rc == MINGA_ENOTFOUND && errmsg
                            ? errmsg : "reading the revision failed", NULL);
        free(errmsg);
        return;
    }
    json_t *o = minga_case_json(c, 1);
    json_object_set_new(o, "revision", change_json(entry));
    json_object_set(o, "current_rev", json_object_get(history, "current"));
    web_reply_json(reply, MHD_HTTP_OK, o);
    case_free(c);
}

enum MHD_Result web_api_case(struct web_server *srv,
                             struct MHD_Connection *con,
                             struct web_request *req, const char *id) {
    if (!web_is_valid_id(id)) return send_bad_id(con, req);
    enum MHD_Result ret;
    if (check_params(con, req, "rev", &ret) != 0) return ret;
    const char *rev_param = web_param(req, "rev");
    long rev = 0;
    if (rev_param &&
        (rev = (long)web_parse_positive(rev_param, MAX_REV)) < 0)
        return web_send_param_error(con, req, "rev", "rev: expected a "
                                    "revision number (1, 2, ...: see the "
                                    "case's history)");
    /* a few rows by one key: quick enough for the connection's thread */
    struct web_reply reply = {0, NULL};
    struct minga *m = web_thread_minga_reply(srv, &reply);
    if (!m) return web_send_reply(con, req, &reply);
    json_t *history = NULL;
    char *errmsg = NULL;
    int rc = minga_history_json(m, id, &history, &errmsg);
    if (rc != 0 && rc != MINGA_ENOTFOUND) {
        web_log(srv, "reading the history of case %s failed: %s", id,
                errmsg ? errmsg : "unknown error");
        web_reply_error(&reply, web_status_for(rc),
                        "reading the case's history failed", NULL);
    } else if (rev_param) {
        reply_revision(srv, m, id, (int)rev, history, &reply);
    } else {
        reply_current(srv, m, id, history, &reply);
    }
    free(errmsg);
    json_decref(history);
    return web_send_reply(con, req, &reply);
}

enum MHD_Result web_api_case_history(struct web_server *srv,
                                     struct MHD_Connection *con,
                                     struct web_request *req,
                                     const char *id) {
    if (!web_is_valid_id(id)) return send_bad_id(con, req);
    enum MHD_Result ret;
    if (check_params(con, req, NULL, &ret) != 0) return ret;
    struct web_reply reply = {0, NULL};
    struct minga *m = web_thread_minga_reply(srv, &reply);
    if (!m) return web_send_reply(con, req, &reply);
    json_t *history = NULL;
    char *errmsg = NULL;
    int rc = minga_history_json(m, id, &history, &errmsg);
    if (rc == 0) {
        web_reply_json(&reply, MHD_HTTP_OK, history);
    } else if (rc == MINGA_ENOTFOUND) {
        web_reply_error(&reply, MHD_HTTP_NOT_FOUND,
                        "no case with this id has a history", NULL);
    } else {
        web_log(srv, "reading the history of case %s failed: %s", id,
                errmsg ? errmsg : "unknown error");
        web_reply_error(&reply, web_status_for(rc),
                        "reading the case's history failed", NULL);
    }
    free(errmsg);
    return web_send_reply(con, req, &reply);
}

/* -- delete ------------------------------------------------------------ */

struct delete_job {
    char *id;
    struct minga_principal *who;
};

static void delete_job_free(void *ctx) {
    struct delete_job *dj = ctx;
    if (!dj) return;
    free(dj->id);
    minga_principal_free(dj->who);
    free(dj);
}

/* The number of the newest revision of `id`, 0 when unknown. */
static long newest_rev(struct minga *m, const char *id) {
    json_t *history = NULL;
    long rev = 0;
    if (minga_history_json(m, id, &history, NULL) == 0)
        rev = (long)json_integer_value(json_object_get(
            history_revision(history, 0), "rev"));
    json_decref(history);
    return rev;
}

/* In the import worker: the delete, on a writable handle of its own. */
static void run_delete(struct web_server *srv, struct web_job *job) {
    struct delete_job *dj = job->ctx;
    struct web_reply *reply = &job->reply;
    struct minga *m = NULL;
    char *errmsg = NULL;
    int rc = minga_open(&m, srv->opt.data_dir, 0, &errmsg);
    if (rc != 0) {
        web_log(srv, "delete: cannot open the data folder: %s", errmsg);
        web_reply_error(reply, rc == MINGA_EBUSY
                                   ? MHD_HTTP_CONFLICT
                                   : MHD_HTTP_SERVICE_UNAVAILABLE,
                        "the catalog cannot take changes right now", NULL);
        free(errmsg);
        return;
    }
    rc = minga_delete_case(m, dj->id, dj->who, &errmsg);
    char msg[300];
    if (rc == 0) {
        char by[160];
        snprintf(by, sizeof by, "token:%s", dj->who->name);
        web_reply_json(reply, MHD_HTTP_OK,
                       json_pack("{s:s, s:I, s:s}", "deleted", dj->id,
                                 "rev", (json_int_t)newest_rev(m, dj->id),
                                 "by", by));
        web_log(srv, "case %s deleted by %s", dj->id, by);
    } else if (rc == MINGA_EFORBIDDEN) {
        snprintf(msg, sizeof msg, "case \"%s\" was not deleted: it is "
                 "outside the scope of token %s", dj->id, dj->who->name);
        web_reply_error(reply, MHD_HTTP_FORBIDDEN, msg,
                        json_pack("[{s:s, s:s, s:s}]", "severity", "error",
                                  "field", "id", "message",
                                  errmsg ? errmsg : msg));
    } else if (rc == MINGA_ENOTFOUND) {
        snprintf(msg, sizeof msg, "no case with id \"%s\" (a deleted case "
                 "cannot be deleted again)", dj->id);
        web_reply_error(reply, MHD_HTTP_NOT_FOUND, msg, NULL);
    } else if (rc == MINGA_EBUSY) {
        struct MHD_Response *resp = web_error_response(
            "another write is running; try again shortly", NULL);
        if (resp) MHD_add_response_header(resp, "Retry-After", "5");
        web_reply_set(reply, MHD_HTTP_CONFLICT, resp);
    } else {
        web_log(srv, "delete of case %s failed (%d): %s", dj->id, rc,
                errmsg ? errmsg : "unknown error");
        web_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
                        "the delete failed", NULL);
    }
    free(errmsg);
    minga_close(m);
}

enum MHD_Result web_api_case_delete(struct web_server *srv,
                                    struct MHD_Connection *con,
                                    struct web_request *req,
                                    const char *id) {
    enum MHD_Result ret = MHD_NO;
    struct minga_principal *who = web_auth_principal(
        srv, con, req, "a token is required to delete a case "
        "(Authorization: Bearer TOKEN)", &ret);
    if (!who) return ret;
    struct delete_job *dj = calloc(1, sizeof *dj);
    if (!dj) {
        minga_principal_free(who);
        return MHD_NO;
    }
    dj->who = who;
    if (!web_is_valid_id(id)) {
        delete_job_free(dj);
        return send_bad_id(con, req);
    }
    if (check_params(con, req, NULL, &ret) != 0) {
        delete_job_free(dj);
        return ret;
    }
    if (!(dj->id = strdup(id))) {
        delete_job_free(dj);
        return MHD_NO;
    }
    return web_pool_submit(&srv->import_pool, con, req, run_delete, dj,
                           delete_job_free);
}
