/*
 * Internals shared by the web server's files: the server state, one
 * request's parsed URL, response helpers and the route handlers. What a
 * handler works with (a request, its job and reply, this thread's handle,
 * the log) and who owns it is in context.h.
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
#include "context.h"

struct minga;
struct minga_query;
struct web_upload;
struct web_decision;
struct web_suggest;
struct minga_principal;

struct guard_conn;
struct token_use;
struct web_server;

/* Closes connections that do not send a request's headers in time. */
struct web_guard {
    pthread_mutex_t lock;
    struct guard_conn *head;
    unsigned deadline_s;
};

/* Worker threads with a bounded queue of jobs waiting for them. */
struct web_pool {
    const char *name; /* "query", "export": for the log */
    struct web_server *srv;
    pthread_mutex_t lock;
    pthread_cond_t has_work;
    struct web_job *head, *tail; /* jobs no worker has taken yet */
    unsigned n_queued;
    unsigned max_queued;    /* more waiting get 503 */
    unsigned retry_after_s; /* sent with that 503 */
    pthread_t *workers;
    unsigned n_workers;
    int is_stopping;
};

/* Which tokens had their use written when (token_use.c). */
struct web_token_uses {
    pthread_mutex_t lock;
    struct token_use *head;
};

struct web_server {
    struct minga_server_options opt; /* with defaults filled in */
    struct web_guard guard;
    /* Searches and statistics: work in milliseconds that grows with
     * the catalog and the query. */
    struct web_pool query_pool;
    /* Exports: seconds to minutes, in proportion to the catalog. Apart
     * from the searches, so they cannot take every worker from them. */
    struct web_pool export_pool;
    /* Imports of uploads and the writes of token uses: apart from the
     * exports, so that anonymous exports cannot keep token holders
     * out. */
    struct web_pool import_pool;
    struct web_token_uses token_uses;
    char *tmp_dir;           /* where uploads and exports spool */
    pthread_key_t minga_key; /* each thread's read-only handle */
    atomic_uint n_in_flight; /* requests begun and not completed */
    /* the index generation last logged as ahead of the catalog's (an
     * import killed between their commits), so the log says it once */
    _Atomic uint64_t ahead_logged;
};

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

/* -- pool.c ----------------------------------------------------------- */

/* Starts n_workers threads. Returns 0, or -1 when a thread cannot be
 * started (the pool is then stopped and released). */
int web_pool_start(struct web_pool *p, struct web_server *srv,
                   const char *name, unsigned n_workers, unsigned max_queued,
                   unsigned retry_after_s);
/* Refuses new jobs (503) from now on, answers the queued ones 503, waits
 * for the running ones and joins the workers. The pool may still be
 * submitted to (connection threads run until the daemon stops). */
void web_pool_stop(struct web_pool *p);
/* Frees what a stopped pool holds, once nobody can submit to it. */
void web_pool_release(struct web_pool *p);
/* Hands slow work to the pool from the access handler: suspends the
 * connection and returns MHD_YES; the reply is queued when libmicrohttpd
 * calls the handler again (web_job_answer). When the queue is full the
 * answer is 503 with Retry-After, at once. ctx is taken in every case. */
enum MHD_Result web_pool_submit(struct web_pool *p, struct MHD_Connection *con,
                                struct web_request *req, web_job_fn run,
                                void *ctx, void (*free_ctx)(void *));
/* The 503 with Retry-After that a full queue answers. */
enum MHD_Result web_pool_send_busy(struct web_pool *p,
                                   struct MHD_Connection *con,
                                   struct web_request *req);
/* Whether a job submitted now would be refused (a hint: another may
 * fill the queue before it is submitted). */
int web_pool_is_full(struct web_pool *p);
/* The same for work nobody waits for. Returns 0, or -1 when the queue
 * is full (ctx freed). */
int web_pool_submit_detached(struct web_pool *p, web_job_fn run, void *ctx,
                             void (*free_ctx)(void *));
/* Queues the reply of req->job once its worker has finished. */
enum MHD_Result web_job_answer(struct MHD_Connection *con,
                               struct web_request *req);
void web_job_free(struct web_job *job);

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
/* A decimal integer in [1, max] with no sign, space or leading zero;
 * -1 when `s` is not one. */
int64_t web_parse_positive(const char *s, int64_t max);
/* Whether `id` is 1-100 of [a-z0-9-]. */
int web_is_valid_id(const char *id);
/* The error code of a parameter web_query_build refused: unknown_parameter,
 * bad_filter_value (a filter's value) or bad_parameter (q, page, ...). */
const char *web_query_param_code(const char *bad_param, int is_export);

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
/* Errors are {"error": message, "code": code, "params": params or {},
 * "details": details or []}: code is one of the stable names listed in
 * docs/api-errors.md (the page translates it with params); params and
 * details are stolen. */
enum MHD_Result web_send_coded(struct MHD_Connection *con,
                               struct web_request *req, unsigned status,
                               const char *code, json_t *params,
                               const char *message, json_t *details);
/* The same with the code the status implies (web_code_for_status). */
enum MHD_Result web_send_error(struct MHD_Connection *con,
                               struct web_request *req, unsigned status,
                               const char *message, json_t *details);
/* A 400 about one parameter: params {param, value} (plus what `params`,
 * stolen, may add), details [{field: param, message}] where the message
 * does not repeat the field's name. */
enum MHD_Result web_send_param_coded(struct MHD_Connection *con,
                                     struct web_request *req, const char *code,
                                     const char *param, const char *value,
                                     json_t *params, const char *message);
/* The same with code "bad_parameter" and the parameter's value. */
enum MHD_Result web_send_param_error(struct MHD_Connection *con,
                                     struct web_request *req,
                                     const char *param, const char *message);
enum MHD_Result web_send_405(struct MHD_Connection *con,
                             struct web_request *req, const char *allow);
/* A JSON error response built but not queued (for handlers that must
 * add headers first). */
struct MHD_Response *web_error_response_coded(const char *code, json_t *params,
                                              const char *message,
                                              json_t *details);
/* The same with code "busy": for the pools' 503 with Retry-After. */
struct MHD_Response *web_error_response(const char *message, json_t *details);
/* The code an error of this status has when nothing more precise is
 * said: bad_request, unauthorized, forbidden, not_found, ... */
const char *web_code_for_status(unsigned status);
/* The HTTP status for a library error code (MINGA_E...). */
unsigned web_status_for(int rc);
/* Queues a prepared reply (its response is taken). */
enum MHD_Result web_send_reply(struct MHD_Connection *con,
                               struct web_request *req,
                               struct web_reply *reply);
/* Sets a reply, destroying a response it held before. */
void web_reply_set(struct web_reply *reply, unsigned status,
                   struct MHD_Response *resp);
/* The reply counterparts of web_send_json, web_send_json_text and
 * web_send_error, for work done away from the connection. */
void web_reply_json(struct web_reply *reply, unsigned status, json_t *body);
void web_reply_json_text(struct web_reply *reply, unsigned status, char *text,
                         size_t n);
void web_reply_error(struct web_reply *reply, unsigned status,
                     const char *message, json_t *details);
void web_reply_coded(struct web_reply *reply, unsigned status,
                     const char *code, json_t *params, const char *message,
                     json_t *details);

/* -- routes_api.c ----------------------------------------------------- */

enum MHD_Result web_api_search(struct web_server *srv,
                               struct MHD_Connection *con,
                               struct web_request *req);
enum MHD_Result web_api_sdgs(struct web_server *srv,
                             struct MHD_Connection *con,
                             struct web_request *req);
enum MHD_Result web_api_stats(struct web_server *srv,
                              struct MHD_Connection *con,
                              struct web_request *req);
enum MHD_Result web_api_export(struct web_server *srv,
                               struct MHD_Connection *con,
                               struct web_request *req, const char *format);

/* -- routes_cases.c --------------------------------------------------- */

/* GET /api/cases/{id}[?rev=N]: the current case with its last change, or
 * revision N; a deleted case is a 404 that says so. */
enum MHD_Result web_api_case(struct web_server *srv,
                             struct MHD_Connection *con,
                             struct web_request *req, const char *id);
/* GET /api/cases/{id}/history */
enum MHD_Result web_api_case_history(struct web_server *srv,
                                     struct MHD_Connection *con,
                                     struct web_request *req, const char *id);
/* GET /api/cases/{id}/attachments/{name}[?rev=N]: the bytes of the
 * attachment the case (or its revision N) names `name` (segments 4 and
 * on, joined by "/"), in a query worker. */
enum MHD_Result web_api_case_attachment(struct web_server *srv,
                                        struct MHD_Connection *con,
                                        struct web_request *req,
                                        const char *id);
/* GET /api/cases/{id}/related[?limit=N]: the cases like it (1-20, 5 by
 * default), with why, in a query worker. */
enum MHD_Result web_api_case_related(struct web_server *srv,
                                     struct MHD_Connection *con,
                                     struct web_request *req, const char *id);
/* DELETE /api/cases/{id}: token-checked, run in the import worker. */
enum MHD_Result web_api_case_delete(struct web_server *srv,
                                    struct MHD_Connection *con,
                                    struct web_request *req, const char *id);

/* -- routes_review.c -------------------------------------------------- */

/* GET /api/review?status=, curator tokens only. */
enum MHD_Result web_api_review_list(struct web_server *srv,
                                    struct MHD_Connection *con,
                                    struct web_request *req);
/* GET /api/review/{id}, curator tokens only. */
enum MHD_Result web_api_review_show(struct web_server *srv,
                                    struct MHD_Connection *con,
                                    struct web_request *req, const char *id);
/* POST /api/review/{id}/approve or /reject, first call: checks the
 * token, the id and the parameters before the body; the request's later
 * calls go to web_decision_handle. */
enum MHD_Result web_api_review_decide(struct web_server *srv,
                                      struct MHD_Connection *con,
                                      struct web_request *req, const char *id,
                                      int is_approved);
/* The later calls of a decision: collects its small body, then hands the
 * decision to the import worker. */
enum MHD_Result web_decision_handle(struct web_server *srv,
                                    struct MHD_Connection *con,
                                    struct web_request *req,
                                    const char *upload_data,
                                    size_t *upload_data_size);
void web_decision_free(struct web_decision *d);
/* GET /api/imports/{id}: for the token that uploaded it, or a curator. */
enum MHD_Result web_api_import_status(struct web_server *srv,
                                      struct MHD_Connection *con,
                                      struct web_request *req, const char *id);

/* -- routes_suggest.c ------------------------------------------------- */

/* POST /api/suggest, first call: the method and parameters, before the
 * body; the request's later calls go to web_suggest_body. */
enum MHD_Result web_api_suggest(struct web_server *srv,
                                struct MHD_Connection *con,
                                struct web_request *req, const char *method);
/* Collects the body (a case as JSON, bounded), then hands the suggestion
 * to a query worker. */
enum MHD_Result web_suggest_body(struct web_server *srv,
                                 struct MHD_Connection *con,
                                 struct web_request *req, const char *data,
                                 size_t *size);
void web_suggest_free(struct web_suggest *s);

/* -- auth.c ----------------------------------------------------------- */

/* The verified principal of the request's "Authorization: Bearer TOKEN"
 * (free with minga_principal_free), its use recorded; or NULL with the
 * answer sent and its result in *ret: 401 with WWW-Authenticate
 * (missing_message when there is no token), or 503. */
struct minga_principal *web_auth_principal(struct web_server *srv,
                                           struct MHD_Connection *con,
                                           struct web_request *req,
                                           const char *missing_message,
                                           enum MHD_Result *ret);
/* The same, and a city token is a 403: for what only curators may do. */
struct minga_principal *web_auth_curator(struct web_server *srv,
                                         struct MHD_Connection *con,
                                         struct web_request *req,
                                         enum MHD_Result *ret);

/* -- upload.c --------------------------------------------------------- */

/* Drives POST /api/imports across MHD's calls for one request. */
enum MHD_Result web_upload_handle(struct web_server *srv,
                                  struct MHD_Connection *con,
                                  struct web_request *req,
                                  const char *upload_data,
                                  size_t *upload_data_size);
void web_upload_free(struct web_upload *u);

/* -- token_use.c ------------------------------------------------------ */

void web_token_uses_init(struct web_token_uses *t);
void web_token_uses_release(struct web_token_uses *t);
/* After a successful check of token `name`: has its last-used time
 * written by the import worker, unless that was done in the last
 * minute. */
void web_token_use_record(struct web_server *srv, const char *name);

/* -- static.c --------------------------------------------------------- */

/* Serves an embedded asset by path ("/", "/app.js"); 0 when there is no
 * such asset (the caller answers 404). */
int web_static_find(const char *path);
enum MHD_Result web_static_send(struct MHD_Connection *con,
                                struct web_request *req, const char *path);

#endif
