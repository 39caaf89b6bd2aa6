/*
 * Who is asking: the Bearer token of a request, checked through the
 * connection thread's read-only handle (minga_token_verify: known, not
 * revoked, not expired). Uploads, deletes, review and import status all
 * check a token the same way, before any body is read, so a refused
 * client never gets "100 Continue".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "web.h"
#include "minga.h"

static enum MHD_Result send_unauthorized(struct MHD_Connection *con,
                                         struct web_request *req,
                                         const char *message,
                                         const char *challenge,
                                         const char *token_state)
{
    struct MHD_Response *resp = web_error_response_coded(
        "unauthorized", json_pack("{s:s}", "token", token_state), message,
        NULL);
    if (resp)
        MHD_add_response_header(resp, "WWW-Authenticate", challenge);
    return web_send(con, req, MHD_HTTP_UNAUTHORIZED, resp);
}

struct minga_principal *web_auth_principal(struct web_server *srv,
                                           struct MHD_Connection *con,
                                           struct web_request *req,
                                           const char *missing_message,
                                           enum MHD_Result *ret)
{
    const char *auth =
        MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Authorization");
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0 || !auth[7]) {
        *ret = send_unauthorized(con, req, missing_message,
                                 "Bearer realm=\"minga\"", "missing");
        return NULL;
    }
    const char *token = auth + 7;
    while (*token == ' ')
        token++;
    char *errmsg = NULL;
    struct minga *m = web_thread_minga(srv, &errmsg);
    if (!m) {
        web_log(srv, "cannot open the data folder: %s", errmsg);
        free(errmsg);
        *ret = web_send_error(con, req, MHD_HTTP_SERVICE_UNAVAILABLE,
                              "the data folder cannot be opened", NULL);
        return NULL;
    }
    struct minga_principal *who = NULL;
    if (minga_token_verify(m, token, &who) != 0) {
        *ret = send_unauthorized(con, req,
                                 "the token is not valid (unknown, "
                                 "revoked or expired)",
                                 "Bearer realm=\"minga\", "
                                 "error=\"invalid_token\"",
                                 "invalid");
        return NULL;
    }
    web_token_use_record(srv, who->name);
    return who;
}

struct minga_principal *web_auth_curator(struct web_server *srv,
                                         struct MHD_Connection *con,
                                         struct web_request *req,
                                         enum MHD_Result *ret)
{
    struct minga_principal *who = web_auth_principal(
        srv, con, req,
        "a curator token is required (Authorization: Bearer "
        "TOKEN)",
        ret);
    if (who && who->role != MINGA_ROLE_CURATOR) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "token %s is a city token: only a curator "
                 "token may review submissions",
                 who->name);
        *ret = web_send_coded(
            con, req, MHD_HTTP_FORBIDDEN, "forbidden",
            json_pack("{s:s, s:s}", "token", who->name, "role", "city"), msg,
            NULL);
        minga_principal_free(who);
        return NULL;
    }
    return who;
}
