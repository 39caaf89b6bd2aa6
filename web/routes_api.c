/*
 * The read-only JSON API and exports: each handler builds its input from
 * the request, calls one minga_ function on the thread's handle and sends
 * the answer. Codes map to statuses in one place (status_for).
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

/* The HTTP status for a library error code. */
static unsigned status_for(int rc) {
    switch (rc) {
    case MINGA_EINVAL: return MHD_HTTP_BAD_REQUEST;
    case MINGA_ENOTFOUND: return MHD_HTTP_NOT_FOUND;
    case MINGA_ELIMIT: return MHD_HTTP_CONTENT_TOO_LARGE;
    case MINGA_EBUSY: return MHD_HTTP_CONFLICT;
    default: return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

static enum MHD_Result send_rc(struct MHD_Connection *con,
                               struct web_request *req, int rc,
                               char *errmsg, const char *fallback) {
    enum MHD_Result ret = web_send_error(con, req, status_for(rc),
                                         errmsg ? errmsg : fallback, NULL);
    free(errmsg);
    return ret;
}

/* This thread's handle, or a 503 already sent (returns NULL). */
static struct minga *thread_minga(struct web_server *srv,
                                  struct MHD_Connection *con,
                                  struct web_request *req) {
    char *errmsg = NULL;
    struct minga *m = web_thread_minga(srv, &errmsg);
    if (!m) {
        web_log(srv, "cannot open the data folder: %s",
                errmsg ? errmsg : "unknown error");
        web_send_error(con, req, MHD_HTTP_SERVICE_UNAVAILABLE,
                       "the data folder cannot be opened", NULL);
        free(errmsg);
    }
    return m;
}

/* Sends the 400 for a bad parameter, freeing errmsg. */
static enum MHD_Result send_query_error(struct MHD_Connection *con,
                                        struct web_request *req,
                                        const char *bad_param, char *errmsg) {
    enum MHD_Result ret = web_send_param_error(
        con, req, bad_param, errmsg ? errmsg : "bad parameter");
    free(errmsg);
    return ret;
}

enum MHD_Result web_api_search(struct web_server *srv,
                               struct MHD_Connection *con,
                               struct web_request *req) {
    struct minga_query q;
    const char *bad_param = NULL;
    char *errmsg = NULL;
    query_init(&q);
    if (web_query_build(&q, req, 0, &bad_param, &errmsg) != 0) {
        query_release(&q);
        return send_query_error(con, req, bad_param, errmsg);
    }
    struct minga *m = thread_minga(srv, con, req);
    if (!m) {
        query_release(&q);
        return MHD_YES;
    }
    struct mindex_results *results = NULL;
    int rc = minga_search(m, &q, &results, &errmsg);
    enum MHD_Result ret;
    if (rc != 0) {
        if (rc != MINGA_EINVAL) web_log(srv, "search failed: %s", errmsg);
        ret = send_rc(con, req, rc, errmsg, "search failed");
    } else {
        size_t n = 0;
        char *text = minga_results_json(&q, results, &n);
        mindex_results_free(results);
        if (text) {
            ret = web_send_json_text(con, req, MHD_HTTP_OK, text, n);
        } else {
            web_log(srv, "search answer not written (out of memory, or a "
                    "stored text is not UTF-8)");
            ret = web_send_error(con, req, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                 "the answer could not be written", NULL);
        }
    }
    query_release(&q);
    return ret;
}

enum MHD_Result web_api_case(struct web_server *srv,
                             struct MHD_Connection *con,
                             struct web_request *req, const char *id) {
    if (!web_is_valid_id(id))
        return web_send_error(con, req, MHD_HTTP_BAD_REQUEST,
                              "invalid case id: expected 1-100 characters "
                              "of a-z, 0-9 and -", NULL);
    if (req->n_params > 0)
        return web_send_param_error(con, req, req->params[0].name,
                                    "this endpoint takes no parameters");
    struct minga *m = thread_minga(srv, con, req);
    if (!m) return MHD_YES;
    struct minga_case *c = NULL;
    char *errmsg = NULL;
    int rc = minga_get_case(m, id, &c, &errmsg);
    if (rc == MINGA_ENOTFOUND) {
        free(errmsg);
        return web_send_error(con, req, MHD_HTTP_NOT_FOUND,
                              "no case with this id", NULL);
    }
    if (rc != 0) {
        web_log(srv, "reading case %s failed: %s", id, errmsg);
        return send_rc(con, req, rc, errmsg, "reading the case failed");
    }
    enum MHD_Result ret = web_send_json(con, req, MHD_HTTP_OK,
                                        minga_case_json(c, 1));
    case_free(c);
    return ret;
}

enum MHD_Result web_api_sdgs(struct web_server *srv,
                             struct MHD_Connection *con,
                             struct web_request *req) {
    (void)srv;
    return web_send_json(con, req, MHD_HTTP_OK, minga_sdgs_json());
}

enum MHD_Result web_api_stats(struct web_server *srv,
                              struct MHD_Connection *con,
                              struct web_request *req) {
    struct minga *m = thread_minga(srv, con, req);
    if (!m) return MHD_YES;
    json_t *stats = NULL;
    char *errmsg = NULL;
    int rc = minga_stats_json(m, &stats, &errmsg);
    if (rc != 0) {
        web_log(srv, "stats failed: %s", errmsg);
        return send_rc(con, req, rc, errmsg, "statistics failed");
    }
    return web_send_json(con, req, MHD_HTTP_OK, stats);
}

/* -- exports ---------------------------------------------------------- */

static int is_format_name(const char *s) {
    size_t len = strlen(s);
    if (len < 1 || len > 32) return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')
              || s[i] == '-' || s[i] == '_'))
            return 0;
    return 1;
}

static void add_format(json_t *list, const char *name) {
    size_t i;
    json_t *v;
    if (!name || !minga_find_exporter(name)) return;
    json_array_foreach(list, i, v)
        if (strcmp(json_string_value(v), name) == 0) return;
    json_array_append_new(list, json_string(name));
}

/* The formats the loaded exporter plugins offer. */
static json_t *known_formats(void) {
    json_t *list = json_array();
    json_t *plugins = minga_plugins_json();
    size_t i, k;
    json_t *p, *f;
    json_array_foreach(plugins, i, p) {
        json_t *formats = json_object_get(p, "formats");
        if (json_is_string(formats)) add_format(list, json_string_value(formats));
        json_array_foreach(formats, k, f) add_format(list, json_string_value(f));
        add_format(list, json_string_value(json_object_get(p, "name")));
    }
    json_decref(plugins);
    return list;
}

static int write_fd(void *arg, const void *data, size_t len) {
    int fd = *(int *)arg;
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

enum MHD_Result web_api_export(struct web_server *srv,
                               struct MHD_Connection *con,
                               struct web_request *req, const char *format) {
    const struct minga_exporter *exp =
        is_format_name(format) ? minga_find_exporter(format) : NULL;
    if (!exp) {
        json_t *body = json_pack("{s:s, s:[], s:o}",
                                 "error", "unknown export format",
                                 "details", "formats", known_formats());
        return web_send_json(con, req, MHD_HTTP_NOT_FOUND, body);
    }
    const char *lang = web_param(req, "lang");
    if (!lang || !*lang) lang = "en";
    if (strcmp(lang, "es") != 0 && strcmp(lang, "pt") != 0
        && strcmp(lang, "en") != 0)
        return web_send_param_error(con, req, "lang",
                                    "lang: expected es, pt or en (the labels "
                                    "language; filter cases with language=)");
    struct minga_query q;
    const char *bad_param = NULL;
    char *errmsg = NULL;
    query_init(&q);
    if (web_query_build(&q, req, 1, &bad_param, &errmsg) != 0) {
        query_release(&q);
        return send_query_error(con, req, bad_param, errmsg);
    }
    struct minga *m = thread_minga(srv, con, req);
    int fd = m ? web_tmpfile(srv) : -1;
    if (!m || fd < 0) {
        query_release(&q);
        if (!m) return MHD_YES;
        web_log(srv, "export: cannot create a temporary file in %s: %s",
                srv->tmp_dir, strerror(errno));
        return web_send_error(con, req, MHD_HTTP_INTERNAL_SERVER_ERROR,
                              "cannot create a temporary file", NULL);
    }
    struct minga_export_options eo = {
        .format = exp->format, .lang = lang, .write = write_fd,
        .write_arg = &fd};
    int rc = minga_export(m, &q, &eo, &errmsg);
    query_release(&q);
    struct stat st;
    if (rc == 0 && (fstat(fd, &st) != 0 || lseek(fd, 0, SEEK_SET) != 0))
        rc = MINGA_EIO;
    if (rc != 0) {
        close(fd);
        if (rc != MINGA_ENOTFOUND)
            web_log(srv, "export %s failed: %s", format, errmsg);
        return send_rc(con, req, rc, errmsg, "export failed");
    }
    struct MHD_Response *resp =
        MHD_create_response_from_fd((size_t)st.st_size, fd);
    if (!resp) {
        close(fd);
        return MHD_NO;
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
    return web_send(con, req, MHD_HTTP_OK, resp);
}
