/*
 * Responses: the security headers every answer carries, and the JSON
 * bodies (results and errors) with their cache policy.
 */
#include <stdlib.h>
#include <string.h>

#include "web.h"
#include "minga/plugin.h"

#define CSP "default-src 'self'; img-src 'self' data:; style-src 'self'; " \
            "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; " \
            "form-action 'self'"

void web_add_security_headers(struct MHD_Response *resp) {
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
}

enum MHD_Result web_send(struct MHD_Connection *con, struct web_request *req,
                         unsigned status, struct MHD_Response *resp) {
    if (!resp) return MHD_NO;
    web_add_security_headers(resp);
    enum MHD_Result rc = MHD_queue_response(con, status, resp);
    MHD_destroy_response(resp);
    if (req) req->status = status;
    return rc;
}

/* A JSON response that takes text (malloc'd, n bytes); NULL frees it. */
static struct MHD_Response *json_text_response(char *text, size_t n) {
    if (!text) return NULL;
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        n, text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return NULL;
    }
    MHD_add_response_header(resp, "Content-Type",
                            "application/json; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    return resp;
}

static struct MHD_Response *json_response(json_t *body) {
    char *text = body ? json_dumps(body, JSON_COMPACT)
                      : NULL;
    json_decref(body);
    return json_text_response(text, text ? strlen(text) : 0);
}

enum MHD_Result web_send_json_text(struct MHD_Connection *con,
                                   struct web_request *req, unsigned status,
                                   char *text, size_t n) {
    return web_send(con, req, status, json_text_response(text, n));
}

enum MHD_Result web_send_json(struct MHD_Connection *con,
                              struct web_request *req, unsigned status,
                              json_t *body) {
    return web_send(con, req, status, json_response(body));
}

struct MHD_Response *web_error_response(const char *message,
                                        json_t *details) {
    json_t *body = json_pack("{s:s, s:o}", "error", message,
                             "details", details ? details : json_array());
    return json_response(body);
}

enum MHD_Result web_send_error(struct MHD_Connection *con,
                               struct web_request *req, unsigned status,
                               const char *message, json_t *details) {
    return web_send(con, req, status, web_error_response(message, details));
}

enum MHD_Result web_send_param_error(struct MHD_Connection *con,
                                     struct web_request *req,
                                     const char *param, const char *message) {
    json_t *details = json_pack("[{s:s, s:s, s:s}]", "severity", "error",
                                "field", param ? param : "",
                                "message", message);
    return web_send_error(con, req, MHD_HTTP_BAD_REQUEST, message, details);
}

enum MHD_Result web_send_405(struct MHD_Connection *con,
                             struct web_request *req, const char *allow) {
    struct MHD_Response *resp = web_error_response(
        "method not allowed", NULL);
    if (resp) MHD_add_response_header(resp, "Allow", allow);
    return web_send(con, req, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
}

unsigned web_status_for(int rc) {
    switch (rc) {
    case MINGA_EINVAL: return MHD_HTTP_BAD_REQUEST;
    case MINGA_ENOTFOUND: return MHD_HTTP_NOT_FOUND;
    case MINGA_ELIMIT: return MHD_HTTP_CONTENT_TOO_LARGE;
    case MINGA_EBUSY: return MHD_HTTP_CONFLICT;
    case MINGA_EEXISTS: return MHD_HTTP_CONFLICT;
    case MINGA_EFORBIDDEN: return MHD_HTTP_FORBIDDEN;
    default: return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

enum MHD_Result web_send_reply(struct MHD_Connection *con,
                               struct web_request *req,
                               struct web_reply *reply) {
    struct MHD_Response *resp = reply->resp;
    reply->resp = NULL;
    return web_send(con, req, reply->status, resp);
}

void web_reply_set(struct web_reply *reply, unsigned status,
                   struct MHD_Response *resp) {
    if (reply->resp) MHD_destroy_response(reply->resp);
    reply->status = status;
    reply->resp = resp;
}

void web_reply_json(struct web_reply *reply, unsigned status, json_t *body) {
    web_reply_set(reply, status, json_response(body));
}

void web_reply_json_text(struct web_reply *reply, unsigned status,
                         char *text, size_t n) {
    web_reply_set(reply, status, json_text_response(text, n));
}

void web_reply_error(struct web_reply *reply, unsigned status,
                     const char *message, json_t *details) {
    web_reply_set(reply, status, web_error_response(message, details));
}
