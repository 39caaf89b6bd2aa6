/*
 * Review over the API, for curator tokens: the submissions waiting for
 * review (GET /api/review, GET /api/review/{id}), and the decisions
 * (POST /api/review/{id}/approve, POST /api/review/{id}/reject with a
 * reason). And what an uploader reads about its import, the reason of a
 * rejection included (GET /api/imports/{id}).
 *
 * A decision may carry a small body, {"reason": "..."}: it is collected
 * in memory up to MAX_BODY bytes across libmicrohttpd's calls (the token
 * and the declared size are checked before any of it is read), then the
 * decision is a write in the import worker, one at a time with uploads
 * and deletes, on a writable handle of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"
#include "minga.h"

#define MAX_BODY 4096
#define MAX_REASON 1000 /* bytes of a rejection's reason */
/* How much of a body past MAX_BODY we read and drop before cutting the
 * connection instead. */
#define MAX_DISCARD (64u << 10)
#define MAX_SUBMISSION 9007199254740991ll /* 2^53 - 1: exact in JSON */

struct web_decision {
    struct minga_principal *who;
    int64_t id;
    int is_approved;
    char body[MAX_BODY];
    size_t n_body; /* bytes received, kept or not */
    char *reason;  /* the decision's input, once parsed */
};

void web_decision_free(struct web_decision *d)
{
    if (!d)
        return;
    minga_principal_free(d->who);
    free(d->reason);
    free(d);
}

/* The submission or import number of a path segment, or -1. */
static int64_t parse_number(const char *segment)
{
    return web_parse_positive(segment, MAX_SUBMISSION);
}

static enum MHD_Result send_bad_number(struct MHD_Connection *con,
                                       struct web_request *req,
                                       const char *what)
{
    char msg[160];
    snprintf(msg, sizeof msg,
             "invalid %s number: expected a positive "
             "integer",
             what);
    return web_send_coded(con, req, MHD_HTTP_BAD_REQUEST, "bad_id",
                          json_pack("{s:s}", "what", what), msg, NULL);
}

static enum MHD_Result send_unknown_param(struct MHD_Connection *con,
                                          struct web_request *req,
                                          const char *allowed)
{
    for (size_t i = 0; i < req->n_params; i++) {
        const char *name = req->params[i].name;
        if (allowed && strcmp(name, allowed) == 0)
            continue;
        char msg[160];
        snprintf(msg, sizeof msg, "%.60s: unknown parameter%s%s%s", name,
                 allowed ? " (only " : "", allowed ? allowed : "",
                 allowed ? ")" : "");
        return web_send_param_coded(
            con, req, "unknown_parameter", name, NULL,
            allowed ? json_pack("{s:s}", "allowed", allowed) : NULL, msg);
    }
    return MHD_YES;
}

/* Whether req has a parameter other than `allowed` (NULL: any). */
static int has_unknown_param(const struct web_request *req,
                             const char *allowed)
{
    for (size_t i = 0; i < req->n_params; i++)
        if (!allowed || strcmp(req->params[i].name, allowed) != 0)
            return 1;
    return 0;
}

/* -- reading submissions ------------------------------------------------ */

/* A list or one submission: read in a query worker, since a submission
 * may hold many cases. */
struct review_job {
    const char *status; /* list: a string literal; NULL = all */
    int64_t id;         /* show: the submission */
};

static void run_review_read(struct web_server *srv, struct web_job *job)
{
    struct review_job *rj = job->ctx;
    struct minga *m = web_thread_minga_reply(srv, &job->reply);
    if (!m)
        return;
    json_t *out = NULL;
    char *errmsg = NULL;
    int rc = rj->id ? minga_review_show(m, rj->id, &out, &errmsg)
                    : minga_review_list(m, rj->status, &out, &errmsg);
    if (rc == 0) {
        web_reply_json(&job->reply, MHD_HTTP_OK, out);
    } else {
        if (rc != MINGA_ENOTFOUND)
            web_log(srv, "review: reading failed: %s",
                    errmsg ? errmsg : "unknown error");
        web_reply_coded(
            &job->reply, web_status_for(rc),
            rc == MINGA_ENOTFOUND ? "submission_not_found"
                                  : web_code_for_status(web_status_for(rc)),
            rj->id ? json_pack("{s:I}", "id", (json_int_t)rj->id) : NULL,
            rc == MINGA_ENOTFOUND && errmsg ? errmsg
                                            : "reading the submissions failed",
            NULL);
    }
    free(errmsg);
}

enum MHD_Result web_api_review_list(struct web_server *srv,
                                    struct MHD_Connection *con,
                                    struct web_request *req)
{
    enum MHD_Result ret = MHD_NO;
    struct minga_principal *who = web_auth_curator(srv, con, req, &ret);
    if (!who)
        return ret;
    minga_principal_free(who);
    if (has_unknown_param(req, "status"))
        return send_unknown_param(con, req, "status");
    static const char *const statuses[] = {"pending", "approved", "rejected"};
    const char *status = web_param(req, "status");
    const char *chosen = statuses[0]; /* pending when not given */
    if (status && strcmp(status, "all") == 0) {
        chosen = NULL;
    } else if (status) {
        size_t i = 0;
        while (i < 3 && strcmp(status, statuses[i]) != 0)
            i++;
        if (i == 3)
            return web_send_param_error(con, req, "status",
                                        "status: "
                                        "expected pending, approved, "
                                        "rejected or all");
        chosen = statuses[i];
    }
    struct review_job *rj = calloc(1, sizeof *rj);
    if (!rj)
        return MHD_NO;
    rj->status = chosen;
    return web_pool_submit(&srv->query_pool, con, req, run_review_read, rj,
                           free);
}

enum MHD_Result web_api_review_show(struct web_server *srv,
                                    struct MHD_Connection *con,
                                    struct web_request *req, const char *id)
{
    enum MHD_Result ret = MHD_NO;
    struct minga_principal *who = web_auth_curator(srv, con, req, &ret);
    if (!who)
        return ret;
    minga_principal_free(who);
    int64_t number = parse_number(id);
    if (number < 0)
        return send_bad_number(con, req, "submission");
    if (has_unknown_param(req, NULL))
        return send_unknown_param(con, req, NULL);
    struct review_job *rj = calloc(1, sizeof *rj);
    if (!rj)
        return MHD_NO;
    rj->id = number;
    return web_pool_submit(&srv->query_pool, con, req, run_review_read, rj,
                           free);
}

/* -- deciding ----------------------------------------------------------- */

/* In the import worker: the decision, then the import's status as the
 * uploader now reads it. */
static void run_decision(struct web_server *srv, struct web_job *job)
{
    struct web_decision *d = job->ctx;
    struct web_reply *reply = &job->reply;
    struct minga *m = NULL;
    char *errmsg = NULL;
    int rc = minga_open(&m, srv->opt.data_dir, 0, &errmsg);
    if (rc != 0) {
        web_log(srv, "review: cannot open the data folder: %s", errmsg);
        web_reply_error(reply,
                        rc == MINGA_EBUSY ? MHD_HTTP_CONFLICT
                                          : MHD_HTTP_SERVICE_UNAVAILABLE,
                        "the catalog cannot take changes right now", NULL);
        free(errmsg);
        return;
    }
    rc = minga_review_decide(m, d->id, d->is_approved, d->reason, d->who,
                             &errmsg);
    json_t *status = NULL;
    if (rc == 0 && minga_import_status(m, d->id, &status, NULL) == 0) {
        web_reply_json(reply, MHD_HTTP_OK, status);
        web_log(srv, "submission %lld %s by token:%s", (long long)d->id,
                d->is_approved ? "approved" : "rejected", d->who->name);
    } else if (rc == 0) {
        web_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
                        "the decision "
                        "was made but its status cannot be read",
                        NULL);
    } else if (rc == MINGA_ENOTFOUND || rc == MINGA_EEXISTS ||
               rc == MINGA_EFORBIDDEN) {
        web_reply_coded(reply, web_status_for(rc),
                        rc == MINGA_ENOTFOUND ? "submission_not_found"
                        : rc == MINGA_EEXISTS ? "already_decided"
                                              : "forbidden",
                        json_pack("{s:I}", "id", (json_int_t)d->id),
                        errmsg ? errmsg : "the decision was refused", NULL);
    } else if (rc == MINGA_EBUSY) {
        struct MHD_Response *resp = web_error_response(
            errmsg ? errmsg : "another write is running; try again shortly",
            NULL);
        if (resp)
            MHD_add_response_header(resp, "Retry-After", "5");
        web_reply_set(reply, MHD_HTTP_CONFLICT, resp);
    } else {
        web_log(srv, "review: deciding submission %lld failed (%d): %s",
                (long long)d->id, rc, errmsg ? errmsg : "unknown error");
        web_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
                        "the decision failed", NULL);
    }
    free(errmsg);
    minga_close(m);
}

enum MHD_Result web_api_review_decide(struct web_server *srv,
                                      struct MHD_Connection *con,
                                      struct web_request *req, const char *id,
                                      int is_approved)
{
    enum MHD_Result ret = MHD_NO;
    struct minga_principal *who = web_auth_curator(srv, con, req, &ret);
    if (!who)
        return ret;
    struct web_decision *d = calloc(1, sizeof *d);
    if (!d) {
        minga_principal_free(who);
        return MHD_NO;
    }
    d->who = who;
    d->is_approved = is_approved;
    req->decision = d; /* freed with the request */
    if ((d->id = parse_number(id)) < 0)
        return send_bad_number(con, req, "submission");
    const char *allowed = is_approved ? NULL : "reason";
    if (is_approved && web_param(req, "reason"))
        return web_send_param_error(con, req, "reason",
                                    "reason: goes with "
                                    "reject, not approve");
    if (has_unknown_param(req, allowed))
        return send_unknown_param(con, req, allowed);
    const char *length =
        MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Length");
    if (length && strtoull(length, NULL, 10) > MAX_BODY)
        return web_send_error(con, req, MHD_HTTP_CONTENT_TOO_LARGE,
                              "the body of a decision is at most 4096 bytes: "
                              "{\"reason\": \"...\"}",
                              NULL);
    /* refused before the body when it could not be decided soon */
    if (web_pool_is_full(&srv->import_pool))
        return web_pool_send_busy(&srv->import_pool, con, req);
    return MHD_YES;
}

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            return 1;
    return 0;
}

/* The reason of a decision from ?reason= or the body, {"reason": "..."};
 * NULL when there is none. Returns 0, or -1 with a message in msg. */
static int parse_reason(struct web_request *req, struct web_decision *d,
                        char *msg, size_t size)
{
    const char *param = web_param(req, "reason");
    int n_param = 0;
    for (size_t i = 0; i < req->n_params; i++)
        n_param += strcmp(req->params[i].name, "reason") == 0;
    if (n_param > 1) {
        snprintf(msg, size, "reason: given more than once");
        return -1;
    }
    const char *text = param;
    json_t *body = NULL;
    if (d->n_body > 0) {
        json_error_t jerr;
        body = json_loadb(d->body, d->n_body, JSON_REJECT_DUPLICATES, &jerr);
        json_t *v = json_object_get(body, "reason");
        if (!json_is_object(body) || json_object_size(body) != (v ? 1u : 0u) ||
            (v && !json_is_string(v) && !json_is_null(v))) {
            snprintf(msg, size,
                     "reason: the body must be a JSON object "
                     "{\"reason\": \"...\"} and nothing else");
            json_decref(body);
            return -1;
        }
        if (!d->is_approved && json_is_string(v) && param) {
            snprintf(msg, size,
                     "reason: given both in the URL and in the "
                     "body");
            json_decref(body);
            return -1;
        }
        if (json_is_string(v)) {
            if (d->is_approved) {
                snprintf(msg, size, "reason: goes with reject, not approve");
                json_decref(body);
                return -1;
            }
            text = json_string_value(v);
        }
    }
    int rc = 0;
    if (text && strlen(text) > MAX_REASON) {
        snprintf(msg, size, "reason: at most %d bytes", MAX_REASON);
        rc = -1;
    } else if (text && has_control(text)) {
        /* it reaches the operator's terminal in `minga review show` */
        snprintf(msg, size,
                 "reason: one line of text, without control "
                 "characters");
        rc = -1;
    } else if (text && *text && !(d->reason = strdup(text))) {
        snprintf(msg, size, "out of memory");
        rc = -1;
    }
    json_decref(body);
    return rc;
}

enum MHD_Result web_decision_handle(struct web_server *srv,
                                    struct MHD_Connection *con,
                                    struct web_request *req,
                                    const char *upload_data,
                                    size_t *upload_data_size)
{
    struct web_decision *d = req->decision;
    size_t len = *upload_data_size;
    if (len > 0) {
        if (d->n_body + len <= MAX_BODY)
            memcpy(d->body + d->n_body, upload_data, len);
        d->n_body += len;
        *upload_data_size = 0;
        return d->n_body > MAX_BODY + MAX_DISCARD ? MHD_NO : MHD_YES;
    }
    if (d->n_body > MAX_BODY)
        return web_send_error(con, req, MHD_HTTP_CONTENT_TOO_LARGE,
                              "the body of a decision is at most 4096 bytes: "
                              "{\"reason\": \"...\"}",
                              NULL);
    char msg[200];
    if (parse_reason(req, d, msg, sizeof msg) != 0)
        return web_send_param_coded(con, req, "bad_parameter", "reason", NULL,
                                    NULL, msg);
    /* the decision belongs to req, which outlives the job */
    return web_pool_submit(&srv->import_pool, con, req, run_decision, d, NULL);
}

/* -- an import's status ------------------------------------------------- */

/* Whether the import `status` (minga_import_status) was made by `by`. */
static int is_uploader(json_t *status, const char *by)
{
    const char *uploader = json_string_value(json_object_get(status, "by"));
    return uploader && strcmp(uploader, by) == 0;
}

enum MHD_Result web_api_import_status(struct web_server *srv,
                                      struct MHD_Connection *con,
                                      struct web_request *req, const char *id)
{
    enum MHD_Result ret = MHD_NO;
    struct minga_principal *who = web_auth_principal(
        srv, con, req,
        "the token that uploaded is required (Authorization: "
        "Bearer TOKEN)",
        &ret);
    if (!who)
        return ret;
    int64_t number = parse_number(id);
    if (number < 0) {
        minga_principal_free(who);
        return send_bad_number(con, req, "import");
    }
    if (has_unknown_param(req, NULL)) {
        minga_principal_free(who);
        return send_unknown_param(con, req, NULL);
    }
    /* one import row and its case ids: the connection's thread */
    struct web_reply reply = {0, NULL};
    struct minga *m = web_thread_minga_reply(srv, &reply);
    json_t *status = NULL;
    char *errmsg = NULL;
    int rc = m ? minga_import_status(m, number, &status, &errmsg) : 0;
    char by[160];
    snprintf(by, sizeof by, "token:%s", who->name);
    if (!m) {
        /* reply holds the 503 */
    } else if (rc == MINGA_ENOTFOUND) {
        web_reply_coded(&reply, MHD_HTTP_NOT_FOUND, "import_not_found",
                        json_pack("{s:I}", "id", (json_int_t)number),
                        "no such import", NULL);
    } else if (rc != 0) {
        web_log(srv, "reading import %lld failed: %s", (long long)number,
                errmsg ? errmsg : "unknown error");
        web_reply_error(&reply, web_status_for(rc),
                        "reading the import failed", NULL);
    } else if (who->role != MINGA_ROLE_CURATOR && !is_uploader(status, by)) {
        json_decref(status);
        web_reply_error(&reply, MHD_HTTP_FORBIDDEN,
                        "this import was made by "
                        "another token: only its uploader or a curator "
                        "reads it",
                        NULL);
    } else {
        web_reply_json(&reply, MHD_HTTP_OK, status);
    }
    free(errmsg);
    minga_principal_free(who);
    return web_send_reply(con, req, &reply);
}
