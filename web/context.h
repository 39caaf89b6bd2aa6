/*
 * What a route handler works with, and who owns it. server.c runs the
 * daemon and calls the routes (routes_*.c, upload.c, page*.c, oai.c, ...);
 * the routes call this module, never back into server.c.
 *
 *   - struct web_server (web.h): the server's state, shared by every
 *     thread. server.c fills it in before the daemon starts and frees it
 *     once the daemon has stopped; handlers only read it, but for its
 *     pools, guard and token uses, which lock themselves, and its atomics.
 *   - struct minga, per thread (web_thread_minga): each thread's own
 *     read-only handle, opened on first use and closed by the thread-key
 *     destructor server.c registers when the thread ends. Never shared,
 *     never freed by a handler.
 *   - struct web_request: one HTTP request, from its target on (MHD's URI
 *     log callback) to its completion, when server.c frees it with what it
 *     holds (upload, decision, suggestion, job).
 *   - struct web_job: slow work handed to a pool (pool.c); owned by its
 *     request while the connection waits for it, else by its worker.
 *   - struct web_reply: an answer being prepared away from the
 *     connection; it owns its response until queued (respond.c).
 */
#ifndef MINGA_WEB_CONTEXT_H
#define MINGA_WEB_CONTEXT_H

#include <stdatomic.h>
#include <stddef.h>
#include <time.h>
#include <microhttpd.h>

struct minga;
struct web_server;
struct web_upload;
struct web_decision;
struct web_suggest;

/* An answer being prepared: a status and the response to queue (NULL
 * when it could not be built: the connection is then closed). */
struct web_reply {
    unsigned status;
    struct MHD_Response *resp;
};

struct web_job;
/* Runs in a worker thread: does the slow work and leaves the answer in
 * job->reply. */
typedef void (*web_job_fn)(struct web_server *srv, struct web_job *job);

/* One piece of slow work handed to a pool (pool.c). A job with a
 * connection belongs to that connection's request (req->job), which
 * frees it once the answer is sent; a job without one is freed by the
 * worker that ran it. */
struct web_job {
    struct web_job *next;       /* in the pool's queue */
    struct MHD_Connection *con; /* suspended until the reply is ready */
    web_job_fn run;
    void *ctx;                   /* the job's input, freed by free_ctx */
    void (*free_ctx)(void *ctx); /* may be NULL: ctx not owned */
    struct web_reply reply;
    atomic_int is_done; /* the reply is ready */
};

struct web_param {
    char *name;
    char *value;
};

struct web_request {
    char *raw_uri;   /* the request target as received */
    char **segments; /* decoded path segments, "" for "/" */
    size_t n_segments;
    struct web_param *params; /* decoded query parameters, in order */
    size_t n_params;
    int is_started;  /* the handler has seen this request */
    int is_counted;  /* counted in n_in_flight */
    int is_deferred; /* a GET answered on the handler's next call */
    struct web_upload *upload;
    struct web_decision *decision; /* POST /api/review/{id}/approve|reject */
    struct web_suggest *suggest;   /* POST /api/suggest: its body so far */
    struct web_job *job; /* slow work in a pool; the connection waits */
    struct timespec started;
    unsigned status; /* for the access log */
    char method[8];
};

/* -- context.c -------------------------------------------------------- */

/* This thread's read-only handle, opened on first use. NULL with *errmsg
 * (caller frees) when the data folder cannot be opened. */
struct minga *web_thread_minga(struct web_server *srv, char **errmsg);
/* The same, or NULL with a 503 in *reply (the detail is logged). */
struct minga *web_thread_minga_reply(struct web_server *srv,
                                     struct web_reply *reply);
void web_log(struct web_server *srv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* req's request target for a log line, cut to size - 1 bytes, with
 * control bytes (refused, but logged) as '?' so that they cannot reach
 * the operator's terminal. Returns buf. */
char *web_target_for_log(const struct web_request *req, char *buf,
                         size_t size);
/* A temporary file in srv->tmp_dir, already unlinked. -1 on failure. */
int web_tmpfile(struct web_server *srv);
/* A new string printed as by printf (caller frees), or NULL. */
char *web_dup_printf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif
