/*
 * The read-only JSON API and exports: each handler builds its input from
 * the request, calls one minga_ function on the thread's handle and sends
 * the answer. Searches, statistics and exports do that in a pool's worker
 * (pool.c); the SDGs are answered on the connection's thread. Codes map
 * to statuses in one place (web_status_for). A case and its history are
 * routes_cases.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "web.h"
#include "minga.h"
#include "case.h"
#include "refdata.h"

/* An error of a search, statistics or export: a query the index refuses
 * (too many words) is "bad_query", an export that matched nothing
 * "no_results". */
static void reply_rc(struct web_reply *reply, int rc, char *errmsg,
                     const char *fallback, const char *not_found_code)
{
    unsigned status = web_status_for(rc);
    const char *code = rc == MINGA_EINVAL ? "bad_query"
                       : rc == MINGA_ENOTFOUND && not_found_code
                           ? not_found_code
                           : web_code_for_status(status);
    web_reply_coded(reply, status, code, NULL, errmsg ? errmsg : fallback,
                    NULL);
    free(errmsg);
}

/* Sends the 400 for a bad parameter, freeing errmsg. */
static enum MHD_Result send_query_error(struct MHD_Connection *con,
                                        struct web_request *req, int is_export,
                                        const char *bad_param, char *errmsg)
{
    enum MHD_Result ret = web_send_param_coded(
        con, req, web_query_param_code(bad_param, is_export), bad_param,
        bad_param ? web_param(req, bad_param) : NULL, NULL,
        errmsg ? errmsg : "bad parameter");
    free(errmsg);
    return ret;
}

/* The input of a search or an export job: the query is built on the
 * connection's thread (a bad parameter is a 400 at once) and run in a
 * worker. */
struct query_job {
    struct minga_query q;
    const struct minga_exporter *exp; /* exports: a loaded plugin's */
    const char *lang;                 /* exports: a string literal */
};

static void query_job_free(void *ctx)
{
    struct query_job *qj = ctx;
    if (!qj)
        return;
    query_release(&qj->q);
    free(qj);
}

/* A new job input with the request's query, or NULL with the 400 (or
 * 500) already sent. */
static struct query_job *query_job_new(struct MHD_Connection *con,
                                       struct web_request *req, int is_export,
                                       enum MHD_Result *ret)
{
    struct query_job *qj = calloc(1, sizeof *qj);
    if (!qj) {
        *ret = web_send_coded(con, req, MHD_HTTP_INTERNAL_SERVER_ERROR,
                              "internal", NULL, "out of memory", NULL);
        return NULL;
    }
    const char *bad_param = NULL;
    char *errmsg = NULL;
    query_init(&qj->q);
    if (web_query_build(&qj->q, req, is_export, &bad_param, &errmsg) != 0) {
        query_job_free(qj);
        *ret = send_query_error(con, req, is_export, bad_param, errmsg);
        return NULL;
    }
    return qj;
}

/* Says in the log, once for each generation, that the last search on `m`
 * found the index ahead of the catalog: its answers leave out the cases
 * the catalog lacks until the index is rebuilt. */
static void log_index_ahead(struct web_server *srv, struct minga *m)
{
    uint64_t catalog_gen = 0;
    uint64_t index_gen = minga_index_ahead(m, &catalog_gen);
    if (index_gen &&
        atomic_exchange(&srv->ahead_logged, index_gen) != index_gen)
        web_log(srv,
                "the index (generation %llu) is ahead of the catalog "
                "(%llu): an import did not finish; searches leave out the "
                "cases the catalog lacks until `minga check --repair` or "
                "the next import",
                (unsigned long long)index_gen,
                (unsigned long long)catalog_gen);
}

static void run_search(struct web_server *srv, struct web_job *job)
{
    struct query_job *qj = job->ctx;
    struct minga *m = web_thread_minga_reply(srv, &job->reply);
    if (!m)
        return;
    struct mindex_results *results = NULL;
    char *errmsg = NULL;
    int rc = minga_search(m, &qj->q, &results, &errmsg);
    log_index_ahead(srv, m);
    if (rc != 0) {
        if (rc != MINGA_EINVAL)
            web_log(srv, "search failed: %s", errmsg);
        reply_rc(&job->reply, rc, errmsg, "search failed", NULL);
        return;
    }
    size_t n = 0;
    char *text = minga_results_json(&qj->q, results, &n);
    mindex_results_free(results);
    if (text) {
        web_reply_json_text(&job->reply, MHD_HTTP_OK, text, n);
    } else {
        web_log(srv, "search answer not written (out of memory, or a "
                     "stored text is not UTF-8)");
        web_reply_error(&job->reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
                        "the answer could not be written", NULL);
    }
}

enum MHD_Result web_api_search(struct web_server *srv,
                               struct MHD_Connection *con,
                               struct web_request *req)
{
    enum MHD_Result ret = MHD_NO;
    struct query_job *qj = query_job_new(con, req, 0, &ret);
    if (!qj)
        return ret;
    return web_pool_submit(&srv->query_pool, con, req, run_search, qj,
                           query_job_free);
}

enum MHD_Result web_api_sdgs(struct web_server *srv,
                             struct MHD_Connection *con,
                             struct web_request *req)
{
    (void)srv;
    return web_send_json(con, req, MHD_HTTP_OK, minga_sdgs_json());
}

/* The counts scan the whole catalog (a fifth of a second at 34 000
 * cases), so they run in the query pool. */
static void run_stats(struct web_server *srv, struct web_job *job)
{
    struct minga *m = web_thread_minga_reply(srv, &job->reply);
    if (!m)
        return;
    json_t *stats = NULL;
    char *errmsg = NULL;
    int rc = minga_stats_json(m, &stats, &errmsg);
    if (rc != 0) {
        web_log(srv, "stats failed: %s", errmsg);
        reply_rc(&job->reply, rc, errmsg, "statistics failed", NULL);
        return;
    }
    web_reply_json(&job->reply, MHD_HTTP_OK, stats);
}

enum MHD_Result web_api_stats(struct web_server *srv,
                              struct MHD_Connection *con,
                              struct web_request *req)
{
    return web_pool_submit(&srv->query_pool, con, req, run_stats, NULL, NULL);
}

/* -- exports ---------------------------------------------------------- */

static int is_format_name(const char *s)
{
    size_t len = strlen(s);
    if (len < 1 || len > 32)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '-' || s[i] == '_'))
            return 0;
    return 1;
}

static void add_format(json_t *list, const char *name)
{
    size_t i;
    json_t *v;
    if (!name || !minga_find_exporter(name))
        return;
    json_array_foreach(list, i,
                       v) if (strcmp(json_string_value(v), name) == 0) return;
    json_array_append_new(list, json_string(name));
}

/* The formats the loaded exporter plugins offer. */
static json_t *known_formats(void)
{
    json_t *list = json_array();
    json_t *plugins = minga_plugins_json();
    size_t i, k;
    json_t *p, *f;
    json_array_foreach(plugins, i, p)
    {
        json_t *formats = json_object_get(p, "formats");
        if (json_is_string(formats))
            add_format(list, json_string_value(formats));
        json_array_foreach(formats, k, f)
            add_format(list, json_string_value(f));
        add_format(list, json_string_value(json_object_get(p, "name")));
    }
    json_decref(plugins);
    return list;
}

/* Writes the export to an unlinked temporary file and answers with a
 * response that streams from it, so the body never sits in memory. */
static void run_export(struct web_server *srv, struct web_job *job)
{
    struct query_job *qj = job->ctx;
    const struct minga_exporter *exp = qj->exp;
    struct minga *m = web_thread_minga_reply(srv, &job->reply);
    if (!m)
        return;
    int fd = web_tmpfile(srv);
    if (fd < 0) {
        web_log(srv, "export: cannot create a temporary file in %s: %s",
                srv->tmp_dir, strerror(errno));
        web_reply_error(&job->reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
                        "cannot create a temporary file", NULL);
        return;
    }
    struct minga_export_options eo = {.format = exp->format,
                                      .lang = qj->lang,
                                      .write = minga_export_write_fd,
                                      .write_arg = &fd};
    char *errmsg = NULL;
    int rc = minga_export(m, &qj->q, &eo, &errmsg);
    log_index_ahead(srv, m);
    struct stat st;
    if (rc == 0 && (fstat(fd, &st) != 0 || lseek(fd, 0, SEEK_SET) != 0))
        rc = MINGA_EIO;
    if (rc != 0) {
        close(fd);
        if (rc != MINGA_ENOTFOUND)
            web_log(srv, "export %s failed: %s", exp->format, errmsg);
        reply_rc(&job->reply, rc, errmsg, "export failed", "no_results");
        return;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_fd((size_t)st.st_size, fd);
    if (!resp) {
        close(fd);
        web_reply_set(&job->reply, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL);
        return;
    }
    char disposition[160], date[16];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    snprintf(disposition, sizeof disposition,
             "attachment; filename=\"minga-%s-%s.%s\"", exp->format, date,
             exp->extension ? exp->extension : "bin");
    MHD_add_response_header(resp, "Content-Type",
                            exp->media_type ? exp->media_type
                                            : "application/octet-stream");
    MHD_add_response_header(resp, "Content-Disposition", disposition);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    web_reply_set(&job->reply, MHD_HTTP_OK, resp);
}

enum MHD_Result web_api_export(struct web_server *srv,
                               struct MHD_Connection *con,
                               struct web_request *req, const char *format)
{
    const struct minga_exporter *exp =
        is_format_name(format) ? minga_find_exporter(format) : NULL;
    if (!exp) {
        json_t *formats = known_formats();
        json_t *body =
            json_pack("{s:s, s:s, s:{s:s, s:O}, s:[], s:o}", "error",
                      "unknown export format", "code", "unknown_format",
                      "params", "format", format, "formats", formats,
                      "details", "formats", formats);
        return web_send_json(con, req, MHD_HTTP_NOT_FOUND, body);
    }
    const char *lang = web_param(req, "lang");
    const char *labels = lang && *lang ? refdata_label_lang(lang) : "en";
    if (!labels)
        return web_send_param_coded(
            con, req, "bad_parameter", "lang", lang,
            json_pack("{s:s}", "expected", "es, pt, en"),
            "lang: expected es, pt or en (the labels "
            "language; filter cases with language=)");
    enum MHD_Result ret = MHD_NO;
    struct query_job *qj = query_job_new(con, req, 1, &ret);
    if (!qj)
        return ret;
    qj->exp = exp;
    qj->lang = labels;
    return web_pool_submit(&srv->export_pool, con, req, run_export, qj,
                           query_job_free);
}
