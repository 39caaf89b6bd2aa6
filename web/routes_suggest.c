/* POST /api/suggest: SDG goals and targets for a case sent as JSON (the
 * upload form's dry run shows them), with the reasons; minga_suggest
 * (core/suggest.h) runs in a query worker, since it searches the index
 * for the case's neighbours. */
#include "web.h"

#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "minga.h"
#include "suggest.h"

/* A case's text is at most a few tens of KiB (summary 4000 characters,
 * the body Markdown); the answer only reads the first 256 KiB of a body
 * anyway (core/suggest.c). */
#define MAX_BODY (512 * 1024)
/* Past the limit the body is read and dropped up to this much more, so
 * that the client, which sends before it reads, gets the 413; past that
 * the connection is closed. */
#define MAX_DISCARD (4 * 1024 * 1024)

struct web_suggest {
    char *body; /* grown as the body comes, up to MAX_BODY */
    size_t cap;
    size_t n_body; /* bytes received, kept or not */
    size_t limit;  /* ?limit=, 0: the default */
};

void web_suggest_free(struct web_suggest *s)
{
    if (!s)
        return;
    free(s->body);
    free(s);
}

static enum MHD_Result send_too_large(struct MHD_Connection *con,
                                      struct web_request *req)
{
    return web_send_coded(con, req, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                          json_pack("{s:I}", "limit", (json_int_t)MAX_BODY),
                          "the case sent to /api/suggest is at most 512 KiB "
                          "of JSON",
                          NULL);
}

enum MHD_Result web_api_suggest(struct web_server *srv,
                                struct MHD_Connection *con,
                                struct web_request *req, const char *method)
{
    (void)srv;
    if (strcmp(method, "POST") != 0)
        return web_send_405(con, req, "POST");
    size_t limit = 0;
    for (size_t i = 0; i < req->n_params; i++) {
        const char *name = req->params[i].name;
        if (strcmp(name, "limit") != 0 || limit) {
            json_t *allowed = json_pack("[s]", "limit");
            return web_send_coded(
                con, req, MHD_HTTP_BAD_REQUEST,
                strcmp(name, "limit") ? "unknown_parameter" : "bad_parameter",
                json_pack("{s:s, s:o}", "param", name, "allowed", allowed),
                strcmp(name, "limit") ? "unknown parameter; /api/suggest "
                                        "takes limit"
                                      : "limit is given twice",
                NULL);
        }
        int64_t n =
            web_parse_positive(req->params[i].value, SUGGEST_MAX_LIMIT);
        if (n < 0)
            return web_send_param_error(con, req, "limit",
                                        "expected a number 1-169");
        limit = (size_t)n;
    }
    const char *declared = MHD_lookup_connection_value(
        con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (declared && strtoull(declared, NULL, 10) > MAX_BODY + MAX_DISCARD)
        return send_too_large(con, req);
    struct web_suggest *s = calloc(1, sizeof *s);
    if (!s)
        return MHD_NO;
    s->limit = limit;
    req->suggest = s;
    return MHD_YES; /* the body comes to web_suggest_body */
}

struct suggest_job {
    struct minga_case *c;
    size_t limit;
};

static void free_job(void *ctx)
{
    struct suggest_job *sj = ctx;
    case_free(sj->c);
    free(sj);
}

static void run_suggest(struct web_server *srv, struct web_job *job)
{
    struct suggest_job *sj = job->ctx;
    struct minga *m = web_thread_minga_reply(srv, &job->reply);
    if (!m)
        return;
    struct minga_suggest_options opt = {.limit = sj->limit};
    json_t *answer = NULL;
    char *errmsg = NULL;
    int rc = minga_suggest(m, sj->c, &opt, &answer, &errmsg);
    if (rc == MINGA_EINVAL) {
        web_reply_coded(&job->reply, MHD_HTTP_BAD_REQUEST, "bad_case",
                        json_object(), errmsg ? errmsg : "not a case", NULL);
    } else if (rc) {
        web_log(srv, "suggest failed: %s", errmsg ? errmsg : "?");
        web_reply_coded(&job->reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
                        "internal", json_object(), "suggest failed", NULL);
    } else {
        web_reply_json(&job->reply, MHD_HTTP_OK, answer);
    }
    free(errmsg);
}

enum MHD_Result web_suggest_body(struct web_server *srv,
                                 struct MHD_Connection *con,
                                 struct web_request *req, const char *data,
                                 size_t *size)
{
    struct web_suggest *s = req->suggest;
    size_t len = *size;
    if (len > 0) {
        if (s->n_body + len <= MAX_BODY) {
            if (s->n_body + len > s->cap) {
                size_t cap = s->cap ? s->cap : 16384;
                while (cap < s->n_body + len)
                    cap *= 2;
                if (cap > MAX_BODY)
                    cap = MAX_BODY;
                char *grown = realloc(s->body, cap);
                if (!grown)
                    return MHD_NO;
                s->body = grown;
                s->cap = cap;
            }
            memcpy(s->body + s->n_body, data, len);
        }
        s->n_body += len;
        *size = 0;
        return s->n_body > MAX_BODY + MAX_DISCARD ? MHD_NO : MHD_YES;
    }
    if (s->n_body > MAX_BODY)
        return send_too_large(con, req);
    json_error_t jerr;
    json_t *root = s->n_body ? json_loadb(s->body, s->n_body, 0, &jerr) : NULL;
    if (!root)
        return web_send_coded(
            con, req, MHD_HTTP_BAD_REQUEST, "bad_json",
            json_pack("{s:i, s:i}", "line", s->n_body ? jerr.line : 0,
                      "column", s->n_body ? jerr.column : 0),
            s->n_body ? jerr.text : "the body is empty: send a case as JSON",
            NULL);
    struct minga_case *c = NULL;
    const char *field = NULL;
    char *errmsg = NULL;
    int rc = suggest_case_from_json(root, &c, &field, &errmsg);
    json_decref(root);
    if (rc) {
        enum MHD_Result ret = web_send_coded(
            con, req,
            rc == MINGA_EINVAL ? MHD_HTTP_BAD_REQUEST
                               : MHD_HTTP_INTERNAL_SERVER_ERROR,
            rc == MINGA_EINVAL ? "bad_case" : "internal",
            field ? json_pack("{s:s}", "field", field) : json_object(),
            errmsg ? errmsg : "out of memory", NULL);
        free(errmsg);
        return ret;
    }
    struct suggest_job *sj = calloc(1, sizeof *sj);
    if (!sj) {
        case_free(c);
        return MHD_NO;
    }
    sj->c = c;
    sj->limit = s->limit;
    return web_pool_submit(&srv->query_pool, con, req, run_suggest, sj,
                           free_job);
}
