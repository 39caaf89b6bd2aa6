/*
 * The server's life: options, the MHD daemon, one read-only struct minga
 * per server thread, request bookkeeping, routing, and a clean stop on
 * SIGTERM or SIGINT that lets requests in flight finish.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "web.h"
#include "page.h"
#include "federation.h"
#include "minga.h"

#define DEFAULT_MAX_CONNECTIONS 256
#define DEFAULT_PER_IP_LIMIT 32
#define DEFAULT_TIMEOUT_S 30
#define DEFAULT_MAX_UPLOAD (256ull << 20)
#define DEFAULT_CONNECTION_MEMORY                                             \
    (32u << 10) /* MHD default; a 64 KiB header gets 431 */
#define DEFAULT_GRACE_S 30
#define HEADER_DEADLINE_S 15 /* all of a request's headers, from the start */
/* Jobs that may wait for a worker, per worker: a search waits behind at
 * most 8 others a worker (a second or so of heavy ones), an export
 * behind at most 4, an import behind at most 4 (each holds its spooled
 * upload on disk while it waits). */
#define DEFAULT_QUERY_QUEUE_PER_WORKER 8
#define DEFAULT_EXPORT_QUEUE_PER_WORKER 4
#define DEFAULT_IMPORT_QUEUE 4
/* The Retry-After of a 503 from a full queue, in seconds. */
#define QUERY_RETRY_AFTER_S 2
#define EXPORT_RETRY_AFTER_S 10
#define IMPORT_RETRY_AFTER_S 10
/* After the grace period, how long the answers of jobs the pools refused
 * on stopping get to go out before the daemon stops. */
#define STOP_FLUSH_S 2

void minga_server_options_init(struct minga_server_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->bind_addr = "127.0.0.1";
    opt->port = 8080;
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    struct web_server *srv = cls;
    if (!srv->opt.log)
        return;
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t len = strlen(line);
    while (len > 0 && line[len - 1] == '\n')
        line[--len] = '\0';
    srv->opt.log(srv->opt.arg, line);
}

/* -- per-thread handles ----------------------------------------------- */

/* srv->minga_key's destructor: closes the handle web_thread_minga
 * (context.c) opened, when its thread ends. */
static void close_thread_minga(void *ptr)
{
    minga_close(ptr);
}

/* -- requests --------------------------------------------------------- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
    (void)cls;
    (void)con;
    struct web_request *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    req->raw_uri = strdup(uri);
    clock_gettime(CLOCK_MONOTONIC, &req->started);
    return req;
}

static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct web_server *srv = cls;
    struct web_request *req = *con_cls;
    web_guard_request_done(srv, con);
    if (!req)
        return;
    if (req->is_started) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (now.tv_sec - req->started.tv_sec) * 1000 +
                  (now.tv_nsec - req->started.tv_nsec) / 1000000;
        char target[201];
        web_log(
            srv, "%s %s %u %ld ms%s", req->method,
            web_target_for_log(req, target, sizeof target), req->status, ms,
            toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
    }
    if (req->is_counted)
        atomic_fetch_sub(&srv->n_in_flight, 1);
    /* a job still here was never answered (the connection cannot be
     * completed while its job runs: it is suspended until then) */
    web_job_free(req->job);
    web_upload_free(req->upload);
    web_decision_free(req->decision);
    web_suggest_free(req->suggest);
    web_request_release(req);
    free(req);
    *con_cls = NULL;
}

static int is_get(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

/* Whether the request announces a body (a length above 0, or chunks). */
static int has_body(struct MHD_Connection *con)
{
    const char *len = MHD_lookup_connection_value(
        con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return (len && strcmp(len, "0") != 0) ||
           MHD_lookup_connection_value(con, MHD_HEADER_KIND,
                                       MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

static int is_method(const char *method, const char *name)
{
    return strcmp(method, name) == 0;
}

/* The stewardship routes: a case's history and deletion, review, and an
 * import's status. Returns 0 when the path is none of them; else 1 with
 * the answer (or the start of its work) in *ret. */
static int route_stewardship(struct web_server *srv,
                             struct MHD_Connection *con,
                             struct web_request *req, const char *method,
                             enum MHD_Result *ret)
{
    char *const *seg = req->segments;
    size_t n_seg = req->n_segments;
    if (n_seg < 2 || strcmp(seg[0], "api") != 0)
        return 0;
    const char *what = seg[1];
    if (strcmp(what, "cases") == 0 && n_seg == 3) {
        if (is_get(method))
            *ret = web_api_case(srv, con, req, seg[2]);
        else if (!is_method(method, "DELETE"))
            *ret = web_send_405(con, req, "GET, HEAD, DELETE");
        else if (has_body(con))
            *ret = web_send_error(con, req, MHD_HTTP_BAD_REQUEST,
                                  "a DELETE takes no body", NULL);
        else
            *ret = web_api_case_delete(srv, con, req, seg[2]);
    } else if (strcmp(what, "cases") == 0 && n_seg == 4 &&
               strcmp(seg[3], "history") == 0) {
        *ret = is_get(method) ? web_api_case_history(srv, con, req, seg[2])
                              : web_send_405(con, req, "GET, HEAD");
    } else if (strcmp(what, "cases") == 0 && n_seg == 4 &&
               strcmp(seg[3], "related") == 0) { /* routes_cases.c */
        *ret = is_get(method) ? web_api_case_related(srv, con, req, seg[2])
                              : web_send_405(con, req, "GET, HEAD");
    } else if (strcmp(what, "cases") == 0 && n_seg >= 5 &&
               strcmp(seg[3], "attachments") == 0) { /* routes_cases.c */
        *ret = is_get(method) ? web_api_case_attachment(srv, con, req, seg[2])
                              : web_send_405(con, req, "GET, HEAD");
    } else if (strcmp(what, "review") == 0 && n_seg == 2) {
        *ret = is_get(method) ? web_api_review_list(srv, con, req)
                              : web_send_405(con, req, "GET, HEAD");
    } else if (strcmp(what, "review") == 0 && n_seg == 3) {
        *ret = is_get(method) ? web_api_review_show(srv, con, req, seg[2])
                              : web_send_405(con, req, "GET, HEAD");
    } else if (strcmp(what, "review") == 0 && n_seg == 4 &&
               (strcmp(seg[3], "approve") == 0 ||
                strcmp(seg[3], "reject") == 0)) {
        *ret = is_method(method, "POST")
                   ? web_api_review_decide(srv, con, req, seg[2],
                                           strcmp(seg[3], "approve") == 0)
                   : web_send_405(con, req, "POST");
    } else if (strcmp(what, "imports") == 0 && n_seg == 3) {
        *ret = is_get(method) ? web_api_import_status(srv, con, req, seg[2])
                              : web_send_405(con, req, "GET, HEAD");
    } else {
        return 0;
    }
    return 1;
}

/* Routes one request once its headers are in. */
static enum MHD_Result route(struct web_server *srv,
                             struct MHD_Connection *con,
                             struct web_request *req, const char *method)
{
    char *const *seg = req->segments;
    size_t n_seg = req->n_segments;
    int is_api = n_seg >= 2 && strcmp(seg[0], "api") == 0;

    if (is_api && n_seg == 2 && strcmp(seg[1], "imports") == 0) {
        if (strcmp(method, "POST") != 0)
            return web_send_405(con, req, "POST");
        return MHD_YES; /* web_upload_handle takes it from here */
    }
    if (is_api && n_seg == 2 && strcmp(seg[1], "suggest") == 0)
        return web_api_suggest(srv, con, req, method); /* routes_suggest.c */
    enum MHD_Result ret = MHD_NO;
    if (route_stewardship(srv, con, req, method, &ret))
        return ret;
    /* /oai, /dcat.jsonld, /sitemap.xml, /feed.atom: oai.c, feeds.c */
    if (web_federation_route(srv, con, req, method, &ret))
        return ret;
    enum {
        R_NONE,
        R_SEARCH,
        R_SDGS,
        R_STATS,
        R_EXPORT,
        R_HEALTH,
        R_STATIC,
        R_PAGE
    } which = R_NONE;
    if (n_seg == 1 && seg[0][0] == '\0')
        which = R_PAGE; /* page.c */
    else if (is_api && n_seg == 2 && strcmp(seg[1], "search") == 0)
        which = R_SEARCH;
    else if (is_api && n_seg == 2 && strcmp(seg[1], "sdgs") == 0)
        which = R_SDGS;
    else if (is_api && n_seg == 2 && strcmp(seg[1], "stats") == 0)
        which = R_STATS;
    else if (is_api && n_seg == 3 && strcmp(seg[1], "export") == 0)
        which = R_EXPORT;
    else if (n_seg == 1 && strcmp(seg[0], "healthz") == 0)
        which = R_HEALTH;
    else if (n_seg == 1 || (n_seg == 2 && strcmp(seg[0], "api") == 0)) {
        char path[64];
        snprintf(path, sizeof path, "/%s%s%s", seg[0], n_seg == 2 ? "/" : "",
                 n_seg == 2 ? seg[1] : "");
        if (web_static_find(path))
            which = R_STATIC;
    }
    if (which == R_NONE)
        return web_send_error(con, req, MHD_HTTP_NOT_FOUND, "not found", NULL);
    if (!is_get(method))
        return web_send_405(con, req, "GET, HEAD");

    switch (which) {
    case R_SEARCH:
        return web_api_search(srv, con, req);
    case R_SDGS:
        return web_api_sdgs(srv, con, req);
    case R_STATS:
        return web_api_stats(srv, con, req);
    case R_EXPORT:
        return web_api_export(srv, con, req, seg[2]);
    case R_PAGE:
        return web_page_handle(srv, con, req);
    case R_HEALTH:
        return web_send_json(con, req, MHD_HTTP_OK,
                             json_pack("{s:s}", "status", "ok"));
    case R_STATIC: {
        char path[64];
        snprintf(path, sizeof path, "/%s%s%s", seg[0], n_seg == 2 ? "/" : "",
                 n_seg == 2 ? seg[1] : "");
        return web_static_send(con, req, path);
    }
    default:
        return web_send_error(con, req, MHD_HTTP_NOT_FOUND, "not found", NULL);
    }
}

/* libmicrohttpd 0.9 hands the request target over as a C string, so a
 * raw NUL byte cuts it short ("/healthz\0junk" was answered as
 * /healthz). It parses the request line in place: the target runs from
 * `url` to the NUL it wrote over the space before `version`. A span
 * longer than the string we copied means the target held a NUL. */
static int target_has_nul(const struct web_server *srv,
                          const struct web_request *req, const char *url,
                          const char *version)
{
    uintptr_t from = (uintptr_t)url, to = (uintptr_t)version;
    if (!version[0] || to <= from || to - from > srv->opt.connection_memory)
        return 0; /* no version, or not the layout described above */
    size_t span = (size_t)(to - from) - 1;
    return version[-1] == '\0' && span > strlen(req->raw_uri);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct web_server *srv = cls;
    struct web_request *req = *con_cls;
    if (!req || !req->raw_uri)
        return MHD_NO;
    if (!req->is_started) {
        req->is_started = 1;
        req->is_counted = 1;
        web_guard_headers_done(srv, con);
        snprintf(req->method, sizeof req->method, "%s", method);
        atomic_fetch_add(&srv->n_in_flight, 1);
        const char *errmsg = NULL;
        if (target_has_nul(srv, req, url, version))
            return web_send_error(con, req, MHD_HTTP_BAD_REQUEST,
                                  "a NUL byte in the request target", NULL);
        if (web_request_parse(req, &errmsg) != 0)
            return web_send_error(con, req, MHD_HTTP_BAD_REQUEST, errmsg,
                                  NULL);
        /* RFC 9112 3.2: an HTTP/1.1 request without Host is a 400
         * (libmicrohttpd checks it only in its pedantic mode) */
        if (strcmp(version, MHD_HTTP_VERSION_1_1) == 0 &&
            !MHD_lookup_connection_value(con, MHD_HEADER_KIND,
                                         MHD_HTTP_HEADER_HOST))
            return web_send_error(con, req, MHD_HTTP_BAD_REQUEST,
                                  "an HTTP/1.1 request must have a Host "
                                  "header",
                                  NULL);
        int is_upload = req->n_segments == 2 &&
                        strcmp(req->segments[0], "api") == 0 &&
                        strcmp(req->segments[1], "imports") == 0 &&
                        strcmp(method, "POST") == 0;
        if (!is_upload) {
            /* A response queued on this first call makes libmicrohttpd
             * close the connection after it, so a bodiless GET, HEAD or
             * DELETE is answered on the next call, once it has the whole
             * request, and the connection stays open for the next one.
             * Anything else is answered now and its body refused, but
             * for a review decision, whose small body is read next. */
            if ((is_get(method) || is_method(method, "DELETE")) &&
                !has_body(con)) {
                req->is_deferred = 1;
                return MHD_YES;
            }
            return route(srv, con, req, method);
        }
    }
    if (req->job)
        return web_job_answer(con, req); /* resumed */
    if (req->is_deferred) {
        req->is_deferred = 0;
        return route(srv, con, req, method);
    }
    if (req->status != 0) {
        /* Answered already (before the body): drop whatever arrives. */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->decision)
        return web_decision_handle(srv, con, req, upload_data,
                                   upload_data_size);
    if (req->suggest)
        return web_suggest_body(srv, con, req, upload_data, upload_data_size);
    if (web_oai_is_post(req, method)) /* the arguments of POST /oai */
        return web_oai_post_body(srv, con, req, upload_data, upload_data_size);
    return web_upload_handle(srv, con, req, upload_data, upload_data_size);
}

/* -- binding ---------------------------------------------------------- */

static int resolve_bind(const struct minga_server_options *opt,
                        struct sockaddr_storage *addr, int *is_ipv6,
                        char **errmsg)
{
    struct addrinfo hints, *res = NULL;
    char port[16];
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(port, sizeof port, "%d", opt->port);
    int rc = getaddrinfo(opt->bind_addr, port, &hints, &res);
    if (rc != 0 || !res) {
        *errmsg = web_dup_printf("cannot resolve bind address %s: %s",
                                 opt->bind_addr, gai_strerror(rc));
        return MINGA_EINVAL;
    }
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *is_ipv6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    return 0;
}

static void fill_defaults(struct minga_server_options *opt)
{
    if (!opt->bind_addr)
        opt->bind_addr = "127.0.0.1";
    if (opt->n_threads == 0) {
        long n_cores = sysconf(_SC_NPROCESSORS_ONLN);
        opt->n_threads = n_cores > 0 ? (unsigned)n_cores : 1;
    }
    if (opt->max_connections == 0)
        opt->max_connections = DEFAULT_MAX_CONNECTIONS;
    if (opt->per_ip_limit == 0)
        opt->per_ip_limit = DEFAULT_PER_IP_LIMIT;
    if (opt->timeout_s == 0)
        opt->timeout_s = DEFAULT_TIMEOUT_S;
    if (opt->max_upload == 0)
        opt->max_upload = DEFAULT_MAX_UPLOAD;
    if (opt->connection_memory == 0)
        opt->connection_memory = DEFAULT_CONNECTION_MEMORY;
    if (opt->grace_s == 0)
        opt->grace_s = DEFAULT_GRACE_S;
    if (opt->query_workers == 0)
        opt->query_workers = opt->n_threads;
    /* exports are CPU-bound: leave the other half for searches */
    if (opt->export_workers == 0)
        opt->export_workers = opt->n_threads > 1 ? opt->n_threads / 2 : 1;
    if (opt->query_queue == 0)
        opt->query_queue = DEFAULT_QUERY_QUEUE_PER_WORKER * opt->query_workers;
    if (opt->export_queue == 0)
        opt->export_queue =
            DEFAULT_EXPORT_QUEUE_PER_WORKER * opt->export_workers;
    if (opt->import_queue == 0)
        opt->import_queue = DEFAULT_IMPORT_QUEUE;
}

#define N_POOLS 3

struct pool_spec {
    struct web_pool *pool;
    const char *name;
    unsigned n_workers, max_queued, retry_after_s;
};

/* The server's pools, in the order they start (they stop in reverse). */
static void pool_specs(struct web_server *srv, struct pool_spec specs[N_POOLS])
{
    const struct minga_server_options *o = &srv->opt;
    specs[0] = (struct pool_spec){&srv->query_pool, "query", o->query_workers,
                                  o->query_queue, QUERY_RETRY_AFTER_S};
    specs[1] =
        (struct pool_spec){&srv->export_pool, "export", o->export_workers,
                           o->export_queue, EXPORT_RETRY_AFTER_S};
    /* imports take the data folder's lock one at a time: one worker */
    specs[2] = (struct pool_spec){&srv->import_pool, "import", 1,
                                  o->import_queue, IMPORT_RETRY_AFTER_S};
}

/* Calls fn (web_pool_stop, or web_pool_release once the daemon is
 * stopped too: its threads may submit until then) on the first n
 * pools, last first. */
static void each_pool(struct web_server *srv, size_t n,
                      void (*fn)(struct web_pool *))
{
    struct pool_spec specs[N_POOLS];
    pool_specs(srv, specs);
    while (n > 0)
        fn(specs[--n].pool);
}

/* Starts every pool; on failure stops those started and returns -1 with
 * *errmsg (caller frees). */
static int start_pools(struct web_server *srv, char **errmsg)
{
    struct pool_spec specs[N_POOLS];
    pool_specs(srv, specs);
    for (size_t i = 0; i < N_POOLS; i++) {
        const struct pool_spec *sp = &specs[i];
        if (web_pool_start(sp->pool, srv, sp->name, sp->n_workers,
                           sp->max_queued, sp->retry_after_s) != 0) {
            each_pool(srv, i, web_pool_stop);
            each_pool(srv, i, web_pool_release);
            *errmsg =
                web_dup_printf("cannot start the %s worker threads", sp->name);
            return -1;
        }
    }
    return 0;
}

static char *pick_tmp_dir(const char *data_dir)
{
    struct stat st;
    char *dir = web_dup_printf("%s/tmp", data_dir);
    if (dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
        access(dir, W_OK) == 0)
        return dir;
    free(dir);
    const char *env = getenv("TMPDIR");
    return strdup(env && *env ? env : "/tmp");
}

static struct MHD_Daemon *start_daemon(struct web_server *srv,
                                       struct sockaddr_storage *addr,
                                       int is_ipv6)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
                     MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
    flags |= MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES
                 ? MHD_USE_EPOLL
                 : MHD_USE_POLL;
    if (is_ipv6)
        flags |= MHD_USE_IPv6;
    const struct minga_server_options *opt = &srv->opt;
    return MHD_start_daemon(
        flags, (uint16_t)opt->port, NULL, NULL, on_request, srv,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)opt->n_threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)opt->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)opt->per_ip_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)opt->timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)opt->connection_memory,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION, web_guard_notify, srv,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, srv, MHD_OPTION_END);
}

/* Waits for requests in flight to finish, at most wait_s seconds. */
static void drain(struct web_server *srv, unsigned wait_s)
{
    unsigned n_waits = wait_s * 20;
    while (atomic_load(&srv->n_in_flight) > 0 && n_waits-- > 0) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

int minga_server_run(const struct minga_server_options *opt_in, char **errmsg)
{
    struct web_server srv;
    struct sockaddr_storage addr;
    int is_ipv6 = 0, rc;
    memset(&srv, 0, sizeof srv);
    srv.opt = *opt_in;
    fill_defaults(&srv.opt);
    if (!srv.opt.data_dir) {
        *errmsg = strdup("no data folder given");
        return MINGA_EINVAL;
    }
    if (srv.opt.port < 0 || srv.opt.port > 65535) {
        *errmsg =
            web_dup_printf("port %d is out of range (0-65535)", srv.opt.port);
        return MINGA_EINVAL;
    }
    if ((rc = resolve_bind(&srv.opt, &addr, &is_ipv6, errmsg)) != 0)
        return rc;

    /* Open once up front: a missing data folder fails here, not on the
     * first request, and plugins are loaded before threads start. */
    struct minga *probe = NULL;
    if ((rc = minga_open(&probe, srv.opt.data_dir, MINGA_OPEN_READONLY,
                         errmsg)) != 0)
        return rc;
    srv.tmp_dir = pick_tmp_dir(srv.opt.data_dir);
    atomic_init(&srv.n_in_flight, 0);
    web_guard_init(&srv.guard, HEADER_DEADLINE_S);
    if (!srv.tmp_dir ||
        pthread_key_create(&srv.minga_key, close_thread_minga) != 0) {
        free(srv.tmp_dir);
        minga_close(probe);
        *errmsg = strdup("out of memory");
        return MINGA_ENOMEM;
    }

    sigset_t stop_set, old_set;
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGINT);
    sigaddset(&stop_set, SIGTERM);
    sigaddset(&stop_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &stop_set, &old_set);

    /* started with the signals blocked, as libmicrohttpd's threads are */
    web_token_uses_init(&srv.token_uses);
    struct MHD_Daemon *daemon = NULL;
    if (start_pools(&srv, errmsg) != 0) {
        rc = MINGA_ENOMEM;
        goto out_unmask;
    }
    daemon = start_daemon(&srv, &addr, is_ipv6);
    if (!daemon) {
        int saved = errno;
        *errmsg = web_dup_printf("cannot listen on %s port %d: %s",
                                 srv.opt.bind_addr, srv.opt.port,
                                 saved ? strerror(saved) : "unknown error");
        rc = MINGA_EIO;
        goto out_stop_pools;
    }
    if (srv.opt.on_ready) {
        const union MHD_DaemonInfo *info =
            MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
        int port = info ? (int)info->port : srv.opt.port;
        srv.opt.on_ready(srv.opt.arg, srv.opt.bind_addr, port);
    }

    sigset_t wait_set;
    sigemptyset(&wait_set);
    sigaddset(&wait_set, SIGINT);
    sigaddset(&wait_set, SIGTERM);
    int sig = 0;
    /* wake every second to close connections past the header deadline */
    struct timespec tick = {1, 0};
    while ((sig = sigtimedwait(&wait_set, NULL, &tick)) < 0) {
        unsigned n = web_guard_reap(&srv.guard);
        if (n)
            web_log(&srv,
                    "closed %u connection%s that sent no complete "
                    "request in %u s",
                    n, n == 1 ? "" : "s", HEADER_DEADLINE_S);
    }
    web_log(&srv, "received %s: finishing requests in flight",
            sig == SIGINT ? "SIGINT" : "SIGTERM");

    MHD_socket listen_fd = MHD_quiesce_daemon(daemon);
    drain(&srv, srv.opt.grace_s);
    /* Every suspended connection must be resumed before the daemon
     * stops: the pools answer what still waits with 503 and finish what
     * runs, and those answers get a moment to go out. */
    each_pool(&srv, N_POOLS, web_pool_stop);
    drain(&srv, STOP_FLUSH_S);
    MHD_stop_daemon(daemon);
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);
    rc = 0;
    goto out_pools;
out_stop_pools:
    each_pool(&srv, N_POOLS, web_pool_stop);
out_pools:
    each_pool(&srv, N_POOLS, web_pool_release);
out_unmask:
    web_token_uses_release(&srv.token_uses);
    pthread_sigmask(SIG_SETMASK, &old_set, NULL);
    pthread_key_delete(srv.minga_key);
    web_guard_release(&srv.guard);
    free(srv.tmp_dir);
    minga_close(probe);
    return rc;
}
