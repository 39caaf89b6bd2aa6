/*
 * Slow work off the connection threads. libmicrohttpd binds a connection
 * to one of its threads for life, so a handler that takes seconds (an
 * export, an import, a search over a large catalog) would hold every
 * other connection of that thread: /healthz waited behind exports, and
 * requests that had fully arrived sat unparsed until the header deadline
 * cut them.
 *
 * A handler with slow work suspends its connection
 * (MHD_suspend_connection) and queues a job on a pool; a worker runs it
 * on the worker's own read-only handle, leaves the answer (a status and a
 * response) on the job and resumes the connection; libmicrohttpd then
 * calls the handler again on the connection's thread, which queues the
 * answer (web_job_answer). The connection threads only parse, route and
 * send, so they keep answering while jobs run.
 *
 * Each pool has a fixed number of workers and a bounded queue of jobs
 * waiting for one; a job that finds the queue full is refused at once
 * with 503 and Retry-After, so neither memory nor waiting time grows
 * with a flood.
 *
 * Invariants: a suspended connection always has exactly one job, queued
 * or running, and every job with a connection ends by resuming it (with
 * its answer, or a 503 when the pool stops), so no connection stays
 * suspended (MHD_stop_daemon aborts on one). While suspended a
 * connection is not processed, so its request (and the job it owns) is
 * not freed under a worker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

void web_job_free(struct web_job *job)
{
    if (!job)
        return;
    if (job->free_ctx)
        job->free_ctx(job->ctx);
    if (job->reply.resp)
        MHD_destroy_response(job->reply.resp);
    free(job);
}

/* Hands the finished job back: resumes its connection, or frees a job
 * nobody waits for. The job must not be touched after the resume: the
 * connection's thread may send the answer and free it at once. */
static void job_finish(struct web_job *job)
{
    struct MHD_Connection *con = job->con;
    if (!con) {
        web_job_free(job);
        return;
    }
    atomic_store(&job->is_done, 1);
    MHD_resume_connection(con);
}

static void *worker_main(void *arg)
{
    struct web_pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (!p->head && !p->is_stopping)
            pthread_cond_wait(&p->has_work, &p->lock);
        struct web_job *job = p->head;
        if (job) {
            p->head = job->next;
            if (!p->head)
                p->tail = NULL;
            p->n_queued--;
        }
        pthread_mutex_unlock(&p->lock);
        if (!job)
            break; /* stopping and nothing left */
        job->run(p->srv, job);
        job_finish(job);
    }
    return NULL;
}

int web_pool_start(struct web_pool *p, struct web_server *srv,
                   const char *name, unsigned n_workers, unsigned max_queued,
                   unsigned retry_after_s)
{
    memset(p, 0, sizeof *p);
    p->name = name;
    p->srv = srv;
    p->max_queued = max_queued;
    p->retry_after_s = retry_after_s;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->has_work, NULL);
    p->workers = calloc(n_workers, sizeof *p->workers);
    for (; p->workers && p->n_workers < n_workers; p->n_workers++)
        if (pthread_create(&p->workers[p->n_workers], NULL, worker_main, p) !=
            0)
            break;
    if (p->n_workers == n_workers)
        return 0;
    web_pool_stop(p);
    web_pool_release(p);
    return -1;
}

void web_pool_stop(struct web_pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->is_stopping = 1;
    struct web_job *waiting = p->head;
    p->head = p->tail = NULL;
    p->n_queued = 0;
    pthread_cond_broadcast(&p->has_work);
    pthread_mutex_unlock(&p->lock);
    /* jobs no worker started: their clients get a 503 now */
    while (waiting) {
        struct web_job *job = waiting;
        waiting = job->next;
        web_reply_error(&job->reply, MHD_HTTP_SERVICE_UNAVAILABLE,
                        "the server is stopping", NULL);
        job_finish(job);
    }
    /* a running job finishes first (as a handler would have before) */
    for (unsigned i = 0; i < p->n_workers; i++)
        pthread_join(p->workers[i], NULL);
    p->n_workers = 0;
}

void web_pool_release(struct web_pool *p)
{
    free(p->workers);
    p->workers = NULL;
    pthread_cond_destroy(&p->has_work);
    pthread_mutex_destroy(&p->lock);
}

static struct web_job *job_new(web_job_fn run, void *ctx,
                               void (*free_ctx)(void *))
{
    struct web_job *job = calloc(1, sizeof *job);
    if (!job) {
        if (free_ctx)
            free_ctx(ctx);
        return NULL;
    }
    job->run = run;
    job->ctx = ctx;
    job->free_ctx = free_ctx;
    atomic_init(&job->is_done, 0);
    return job;
}

/* Appends job unless the queue is full or the pool stops; with con, the
 * connection is suspended under the lock, so no worker can resume it
 * before it is suspended. Returns 0, or -1 (the job is not queued). */
static int enqueue(struct web_pool *p, struct web_job *job,
                   struct MHD_Connection *con)
{
    pthread_mutex_lock(&p->lock);
    if (p->is_stopping || p->n_queued >= p->max_queued) {
        pthread_mutex_unlock(&p->lock);
        return -1;
    }
    if (con) {
        job->con = con;
        MHD_suspend_connection(con);
    }
    if (p->tail)
        p->tail->next = job;
    else
        p->head = job;
    p->tail = job;
    p->n_queued++;
    pthread_cond_signal(&p->has_work);
    pthread_mutex_unlock(&p->lock);
    return 0;
}

enum MHD_Result web_pool_submit(struct web_pool *p, struct MHD_Connection *con,
                                struct web_request *req, web_job_fn run,
                                void *ctx, void (*free_ctx)(void *))
{
    struct web_job *job = job_new(run, ctx, free_ctx);
    if (!job)
        return web_send_error(con, req, MHD_HTTP_INTERNAL_SERVER_ERROR,
                              "out of memory", NULL);
    req->job = job;
    if (enqueue(p, job, con) == 0)
        return MHD_YES; /* answered by web_job_answer once resumed */
    req->job = NULL;
    web_job_free(job);
    return web_pool_send_busy(p, con, req);
}

enum MHD_Result web_pool_send_busy(struct web_pool *p,
                                   struct MHD_Connection *con,
                                   struct web_request *req)
{
    char target[201];
    web_log(p->srv, "%s queue full (%u waiting): %s %s refused with 503",
            p->name, p->max_queued, req->method,
            web_target_for_log(req, target, sizeof target));
    struct MHD_Response *resp =
        web_error_response("the server is busy; try again shortly", NULL);
    if (resp) {
        char seconds[16];
        snprintf(seconds, sizeof seconds, "%u", p->retry_after_s);
        MHD_add_response_header(resp, "Retry-After", seconds);
    }
    return web_send(con, req, MHD_HTTP_SERVICE_UNAVAILABLE, resp);
}

int web_pool_is_full(struct web_pool *p)
{
    pthread_mutex_lock(&p->lock);
    int is_full = p->is_stopping || p->n_queued >= p->max_queued;
    pthread_mutex_unlock(&p->lock);
    return is_full;
}

int web_pool_submit_detached(struct web_pool *p, web_job_fn run, void *ctx,
                             void (*free_ctx)(void *))
{
    struct web_job *job = job_new(run, ctx, free_ctx);
    if (!job)
        return -1;
    if (enqueue(p, job, NULL) != 0) {
        web_job_free(job);
        return -1;
    }
    return 0;
}

enum MHD_Result web_job_answer(struct MHD_Connection *con,
                               struct web_request *req)
{
    struct web_job *job = req->job;
    if (!atomic_load(&job->is_done))
        return MHD_YES; /* not resumed by its worker: nothing to send */
    enum MHD_Result ret = web_send_reply(con, req, &job->reply);
    req->job = NULL;
    web_job_free(job);
    return ret;
}
