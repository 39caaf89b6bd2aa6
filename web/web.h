/*
 * Internals shared by the web server's files: the server state, one
 * request's parsed URL, response helpers and the route handlers.
 *
 * A request's URL is parsed from the raw request target (MHD's URI log
 * callback), not from MHD's decoded copy, so that malformed percent-encoding
 * is refused and an encoded "/" inside a path segment stays inside it.
 */
#ifndef MINGA_WEB_H
#define MINGA_WEB_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <time.h>
#include <microhttpd.h>
#include <jansson.h>

#include "server.h"

struct minga;
struct minga_query;
struct web_upload;

struct guard_conn;

/* Closes connections that do not send a request's headers in time. */
struct web_guard {
    pthread_mutex_t lock;
    struct guard_conn *head;
    unsigned deadline_s;
};

struct web_server {
    struct minga_server_options opt;   /* with defaults filled in */
    struct web_guard guard;
    char *tmp_dir;                     /* where uploads and exports spool */
    pthread_key_t minga_key;           /* each thread's read-only handle */
    atomic_uint n_in_flight;           /* requests begun and not completed */
};

struct web_param {
    char *name;
    char *value;
};

struct web_request {
    char *raw_uri;           /* the request target as received */
    char **segments;         /* decoded path segments, "" for "/" */
    size_t n_segments;
    struct web_param *params;/* decoded query parameters, in order */
    size_t n_params;
    int is_started;          /* the handler has seen this request */
    int is_counted;          /* counted in n_in_flight */
    int is_deferred;         /* a GET answered on the handler's next call */
    struct web_upload *upload;
    struct timespec started;
    unsigned status;         /* for the access log */
    char method[8];
};

/* -- server.c --------------------------------------------------------- */

/* This thread's read-only handle, opened on first use. NULL with *errmsg
 * (caller frees) when the data folder cannot be opened. */
struct minga *web_thread_minga(struct web_server *srv, char **errmsg);
void web_log(struct web_server *srv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* req's request target for a log line, cut to size - 1 bytes, with
 * control bytes (refused, but logged) as '?' so that they cannot reach
 * the operator's terminal. Returns buf. */
char *web_target_for_log(const struct web_request *req, char *buf,
                         size_t size);
/* A temporary file in srv->tmp_dir, already unlinked. -1 on failure. */
int web_tmpfile(struct web_server *srv);

/* -- guard.c ---------------------------------------------------------- */

void web_guard_init(struct web_guard *g, unsigned deadline_s);
void web_guard_release(struct web_guard *g);
/* MHD_OPTION_NOTIFY_CONNECTION callback; cls is the struct web_server. */
void web_guard_notify(void *cls, struct MHD_Connection *con,
                      void **socket_context,
                      enum MHD_ConnectionNotificationCode code);
void web_guard_headers_done(struct web_server *srv,
                            struct MHD_Connection *con);
void web_guard_request_done(struct web_server *srv,
                            struct MHD_Connection *con);
/* Shuts down connections past the deadline; returns how many. */
unsigned web_guard_reap(struct web_guard *g);

/* -- params.c --------------------------------------------------------- */

/* Decodes %XX (and '+' as space when is_form). Returns a new string, or
 * NULL when the input has a bad escape, a NUL byte or invalid UTF-8. */
char *web_percent_decode(const char *src, size_t len, int is_form);
/* Splits req->raw_uri into segments and params. Returns 0, or -1 with a
 * static message. */
int web_request_parse(struct web_request *req, const char **errmsg);
void web_request_release(struct web_request *req);
/* The first value of a parameter, or NULL. */
const char *web_param(const struct web_request *req, const char *name);
/* Builds a search (is_export 0) or export (1) query from the parameters.
 * On a bad parameter returns -1 with *bad_param (pointing into req) naming
 * it and *errmsg (caller frees) saying why. */
int web_query_build(struct minga_query *q, const struct web_request *req,
                    int is_export, const char **bad_param, char **errmsg);
/* Whether `id` is 1-100 of [a-z0-9-]. */
int web_is_valid_id(const char *id);

/* -- respond.c -------------------------------------------------------- */

/* Every send_* function queues the response, records its status on the
 * request and returns what MHD_queue_response returned. */
void web_add_security_headers(struct MHD_Response *resp);
enum MHD_Result web_send(struct MHD_Connection *con, struct web_request *req,
                         unsigned status, struct MHD_Response *resp);
/* Sends `body` (reference stolen) as JSON with Cache-Control: no-store. */
enum MHD_Result web_send_json(struct MHD_Connection *con,
                              struct web_request *req, unsigned status,
                              json_t *body);
/* Sends JSON text (malloc'd, n bytes, taken) the same way. */
enum MHD_Result web_send_json_text(struct MHD_Connection *con,
                                   struct web_request *req, unsigned status,
                                   char *text, size_t n);
/* {"error": message, "details": details or []}; details is stolen. */
enum MHD_Result web_send_error(struct MHD_Connection *con,
                               struct web_request *req, unsigned status,
                               const char *message, json_t *details);
/* A 400 naming the bad parameter: details [{field, message}]. */
enum MHD_Result web_send_param_error(struct MHD_Connection *con,
                                     struct web_request *req,
                                     const char *param, const char *message);
enum MHD_Result web_send_405(struct MHD_Connection *con,
                             struct web_request *req, const char *allow);
/* A JSON error response built but not queued (for handlers that must
 * add headers first). */
struct MHD_Response *web_error_response(const char *message,
                                        json_t *details);

/* -- routes_api.c ----------------------------------------------------- */

enum MHD_Result web_api_search(struct web_server *srv,
                               struct MHD_Connection *con,
                               struct web_request *req);
enum MHD_Result web_api_case(struct web_server *srv,
                             struct MHD_Connection *con,
                             struct web_request *req, const char *id);
enum MHD_Result web_api_sdgs(struct web_server *srv,
                             struct MHD_Connection *con,
                             struct web_request *req);
enum MHD_Result web_api_stats(struct web_server *srv,
                              struct MHD_Connection *con,
                              struct web_request *req);
enum MHD_Result web_api_export(struct web_server *srv,
                               struct MHD_Connection *con,
                               struct web_request *req, const char *format);

/* -- upload.c --------------------------------------------------------- */

/* Drives POST /api/imports across MHD's calls for one request. */
enum MHD_Result web_upload_handle(struct web_server *srv,
                                  struct MHD_Connection *con,
                                  struct web_request *req,
                                  const char *upload_data,
                                  size_t *upload_data_size);
void web_upload_free(struct web_upload *u);

/* -- static.c --------------------------------------------------------- */

/* Serves an embedded asset by path ("/", "/app.js"); 0 when there is no
 * such asset (the caller answers 404). */
int web_static_find(const char *path);
enum MHD_Result web_static_send(struct MHD_Connection *con,
                                struct web_request *req, const char *path);

#endif
