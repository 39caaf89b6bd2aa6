/*
 * Responses: the security headers every answer carries, and the JSON
 * bodies (results and errors) with their cache policy.
 *
 * Every error is {"error": English text, "code": a stable snake_case
 * name, "params": the values the text names, "details": diagnostics},
 * so that the page can say it in the reader's language from code and
 * params (docs/api-errors.md lists the codes).
 */
#include <stdlib.h>
#include <string.h>

#include "web.h"
#include "minga/plugin.h"

#define CSP                                                                   \
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "            \
    "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; "            \
    "form-action 'self'"

/* A response that set a policy of its own (an attachment's sandbox)
 * keeps it. */
void web_add_security_headers(struct MHD_Response *resp)
{
    if (!MHD_get_response_header(resp, "Content-Security-Policy"))
        MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
}

enum MHD_Result web_send(struct MHD_Connection *con, struct web_request *req,
                         unsigned status, struct MHD_Response *resp)
{
    if (!resp)
        return MHD_NO;
    web_add_security_headers(resp);
    enum MHD_Result rc = MHD_queue_response(con, status, resp);
    MHD_destroy_response(resp);
    if (req)
        req->status = status;
    return rc;
}

/* A JSON response that takes text (malloc'd, n bytes); NULL frees it. */
static struct MHD_Response *json_text_response(char *text, size_t n)
{
    if (!text)
        return NULL;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(n, text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return NULL;
    }
    MHD_add_response_header(resp, "Content-Type",
                            "application/json; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    return resp;
}

static struct MHD_Response *json_response(json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    return json_text_response(text, text ? strlen(text) : 0);
}

enum MHD_Result web_send_json_text(struct MHD_Connection *con,
                                   struct web_request *req, unsigned status,
                                   char *text, size_t n)
{
    return web_send(con, req, status, json_text_response(text, n));
}

enum MHD_Result web_send_json(struct MHD_Connection *con,
                              struct web_request *req, unsigned status,
                              json_t *body)
{
    return web_send(con, req, status, json_response(body));
}

const char *web_code_for_status(unsigned status)
{
    switch (status) {
    case MHD_HTTP_BAD_REQUEST:
        return "bad_request";
    case MHD_HTTP_UNAUTHORIZED:
        return "unauthorized";
    case MHD_HTTP_FORBIDDEN:
        return "forbidden";
    case MHD_HTTP_NOT_FOUND:
        return "not_found";
    case MHD_HTTP_METHOD_NOT_ALLOWED:
        return "method_not_allowed";
    case MHD_HTTP_CONFLICT:
        return "busy";
    case MHD_HTTP_GONE:
        return "revision_deleted";
    case MHD_HTTP_CONTENT_TOO_LARGE:
        return "too_large";
    case MHD_HTTP_UNSUPPORTED_MEDIA_TYPE:
        return "unsupported_media_type";
    case MHD_HTTP_SERVICE_UNAVAILABLE:
        return "unavailable";
    default:
        return "internal";
    }
}

struct MHD_Response *web_error_response_coded(const char *code, json_t *params,
                                              const char *message,
                                              json_t *details)
{
    json_t *body = json_pack("{s:s, s:s, s:o, s:o}", "error", message, "code",
                             code, "params", params ? params : json_object(),
                             "details", details ? details : json_array());
    return json_response(body);
}

/* The one caller outside the routes is the pools' 503 with Retry-After,
 * hence the default; routes name their code (web_error_response_coded). */
struct MHD_Response *web_error_response(const char *message, json_t *details)
{
    return web_error_response_coded("busy", NULL, message, details);
}

enum MHD_Result web_send_coded(struct MHD_Connection *con,
                               struct web_request *req, unsigned status,
                               const char *code, json_t *params,
                               const char *message, json_t *details)
{
    return web_send(con, req, status,
                    web_error_response_coded(code, params, message, details));
}

enum MHD_Result web_send_error(struct MHD_Connection *con,
                               struct web_request *req, unsigned status,
                               const char *message, json_t *details)
{
    return web_send_coded(con, req, status, web_code_for_status(status), NULL,
                          message, details);
}

/* The message without a leading "name: " when name is the field the
 * diagnostic names already: a reader shows "field: message", and the
 * field twice ("sdg: sdg: ...") was one problem said twice. */
static const char *without_field(const char *message, const char *field)
{
    size_t n = field ? strlen(field) : 0;
    if (n > 0 && strncmp(message, field, n) == 0 && message[n] == ':' &&
        message[n + 1] == ' ')
        return message + n + 2;
    /* the filter's own name: the export's language= is filter lang */
    if (field && strcmp(field, "language") == 0 &&
        strncmp(message, "lang: ", 6) == 0)
        return message + 6;
    return message;
}

enum MHD_Result web_send_param_coded(struct MHD_Connection *con,
                                     struct web_request *req, const char *code,
                                     const char *param, const char *value,
                                     json_t *params, const char *message)
{
    json_t *details = json_pack("[{s:s, s:s, s:s}]", "severity", "error",
                                "field", param ? param : "", "message",
                                without_field(message, param));
    if (!params)
        params = json_object();
    if (param && !json_object_get(params, "param"))
        json_object_set_new(params, "param", json_string(param));
    if (value && !json_object_get(params, "value")) {
        json_t *v = json_string(value); /* NULL when not UTF-8 */
        if (v)
            json_object_set_new(params, "value", v);
    }
    return web_send_coded(con, req, MHD_HTTP_BAD_REQUEST, code, params,
                          message, details);
}

enum MHD_Result web_send_param_error(struct MHD_Connection *con,
                                     struct web_request *req,
                                     const char *param, const char *message)
{
    return web_send_param_coded(con, req, "bad_parameter", param,
                                param ? web_param(req, param) : NULL, NULL,
                                message);
}

enum MHD_Result web_send_405(struct MHD_Connection *con,
                             struct web_request *req, const char *allow)
{
    struct MHD_Response *resp = web_error_response_coded(
        "method_not_allowed", json_pack("{s:s}", "allow", allow),
        "method not allowed", NULL);
    if (resp)
        MHD_add_response_header(resp, "Allow", allow);
    return web_send(con, req, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
}

unsigned web_status_for(int rc)
{
    switch (rc) {
    case MINGA_EINVAL:
        return MHD_HTTP_BAD_REQUEST;
    case MINGA_ENOTFOUND:
        return MHD_HTTP_NOT_FOUND;
    case MINGA_ELIMIT:
        return MHD_HTTP_CONTENT_TOO_LARGE;
    case MINGA_EBUSY:
        return MHD_HTTP_CONFLICT;
    case MINGA_EEXISTS:
        return MHD_HTTP_CONFLICT;
    case MINGA_EFORBIDDEN:
        return MHD_HTTP_FORBIDDEN;
    default:
        return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

enum MHD_Result web_send_reply(struct MHD_Connection *con,
                               struct web_request *req,
                               struct web_reply *reply)
{
    struct MHD_Response *resp = reply->resp;
    reply->resp = NULL;
    return web_send(con, req, reply->status, resp);
}

void web_reply_set(struct web_reply *reply, unsigned status,
                   struct MHD_Response *resp)
{
    if (reply->resp)
        MHD_destroy_response(reply->resp);
    reply->status = status;
    reply->resp = resp;
}

void web_reply_json(struct web_reply *reply, unsigned status, json_t *body)
{
    web_reply_set(reply, status, json_response(body));
}

void web_reply_json_text(struct web_reply *reply, unsigned status, char *text,
                         size_t n)
{
    web_reply_set(reply, status, json_text_response(text, n));
}

void web_reply_coded(struct web_reply *reply, unsigned status,
                     const char *code, json_t *params, const char *message,
                     json_t *details)
{
    web_reply_set(reply, status,
                  web_error_response_coded(code, params, message, details));
}

void web_reply_error(struct web_reply *reply, unsigned status,
                     const char *message, json_t *details)
{
    web_reply_coded(reply, status, web_code_for_status(status), NULL, message,
                    details);
}
