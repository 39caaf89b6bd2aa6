/*
 * POST /api/imports: a token-checked upload of one case file or archive,
 * spooled to an unlinked temporary file as it arrives (on the
 * connection's thread: writes of what arrives) and imported with
 * minga_import_fd as one all-or-nothing operation in the import worker.
 *
 * Order matters: the token and the declared size are checked on the first
 * call, before any of the body is read (MHD sends "100 Continue" only when
 * the handler has not answered yet). A body that grows past max_upload
 * without a Content-Length is dropped from then on (MHD 0.9 cannot answer
 * in the middle of a body) and answered 413 once it ends.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "web.h"
#include "minga.h"

#define POST_BUFFER 65536
#define MAX_NAME 100
/* How much of a refused body we read and drop before cutting the
 * connection instead. */
#define MAX_DISCARD (16ull << 20)

struct web_upload {
    int fd;                      /* the spool file, -1 once closed */
    char *name;                  /* "pack.zip": picks the importer */
    struct minga_principal *who; /* who uploads: the verified token */
    uint64_t n_bytes;            /* body bytes received */
    int is_too_large;
    int has_file_field;          /* multipart: saw the "file" field */
    int is_ignoring_file;        /* multipart: a second "file" part */
    uint64_t n_file_bytes;       /* multipart: bytes of the file part */
    int has_write_error;
    struct MHD_PostProcessor *pp;/* multipart/form-data only */
};

void web_upload_free(struct web_upload *u) {
    if (!u) return;
    if (u->pp) MHD_destroy_post_processor(u->pp);
    if (u->fd >= 0) close(u->fd);
    free(u->name);
    minga_principal_free(u->who);
    free(u);
}

static const struct {
    const char *media_type;
    const char *extension;
} media_types[] = {
    {"application/zip", ".zip"},
    {"application/x-zip-compressed", ".zip"},
    {"application/gzip", ".tar.gz"},
    {"application/x-gzip", ".tar.gz"},
    {"application/x-tar", ".tar"},
    {"application/x-xz", ".tar.xz"},
    {"application/json", ".json"},
    {"application/x-ndjson", ".jsonl"},
    {"application/jsonl", ".jsonl"},
    {"text/csv", ".csv"},
    {"text/markdown", ".md"},
};

/* The media type without parameters, lower case, in buf. */
static const char *bare_media_type(const char *header, char *buf,
                                   size_t size) {
    size_t n = 0;
    if (!header) return NULL;
    while (*header == ' ') header++;
    while (header[n] && header[n] != ';' && header[n] != ' ' && n + 1 < size) {
        char ch = header[n];
        buf[n++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    buf[n] = '\0';
    return buf;
}

static const char *extension_for(const char *media_type) {
    if (!media_type) return NULL;
    for (size_t i = 0; i < sizeof media_types / sizeof media_types[0]; i++)
        if (strcmp(media_type, media_types[i].media_type) == 0)
            return media_types[i].extension;
    return NULL;
}

/* A safe file name for messages and importer choice: the last path
 * component of what the client sent, with anything outside
 * [A-Za-z0-9._-] replaced. NULL when nothing usable is left. */
static char *safe_name(const char *client_name) {
    const char *base = client_name;
    for (const char *p = client_name; *p; p++)
        if (*p == '/' || *p == '\\') base = p + 1;
    size_t len = strlen(base);
    if (len == 0) return NULL;
    /* Keep the end: it carries the extension. */
    if (len > MAX_NAME) base += len - MAX_NAME;
    char *out = strdup(base);
    if (!out) return NULL;
    for (char *p = out; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'
              || *p == '_'))
            *p = '_';
    if (out[0] == '.') out[0] = '_';
    return out;
}

static char *name_for_type(const char *media_type) {
    const char *ext = extension_for(media_type);
    if (!ext) return NULL;
    size_t len = strlen("upload") + strlen(ext) + 1;
    char *out = malloc(len);
    if (out) snprintf(out, len, "upload%s", ext);
    return out;
}

static int spool(struct web_upload *u, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = write(u->fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static enum MHD_Result on_form_field(void *cls, enum MHD_ValueKind kind,
                                     const char *key, const char *filename,
                                     const char *content_type,
                                     const char *transfer_encoding,
                                     const char *data, uint64_t off,
                                     size_t size) {
    struct web_upload *u = cls;
    (void)kind;
    (void)transfer_encoding;
    if (!key || strcmp(key, "file") != 0) return MHD_YES;
    if (!u->has_file_field) {
        u->has_file_field = 1;
        char buf[64];
        u->name = filename ? safe_name(filename) : NULL;
        if (!u->name)
            u->name = name_for_type(bare_media_type(content_type, buf,
                                                    sizeof buf));
    } else if (off == 0 && size > 0 && u->n_file_bytes > 0) {
        u->is_ignoring_file = 1;   /* a second "file" part: the first wins */
    }
    if (u->is_ignoring_file || size == 0) return MHD_YES;
    if (spool(u, data, size) != 0) {
        u->has_write_error = 1;
        return MHD_NO;
    }
    u->n_file_bytes += size;
    return MHD_YES;
}

/* First call: everything that can be checked before the body. */
static enum MHD_Result begin(struct web_server *srv,
                             struct MHD_Connection *con,
                             struct web_request *req) {
    enum MHD_Result ret = MHD_NO;
    struct minga_principal *who = web_auth_principal(
        srv, con, req, "an upload token is required (Authorization: Bearer "
        "TOKEN)", &ret);
    if (!who) return ret;

    struct web_upload *u = calloc(1, sizeof *u);
    if (!u) {
        minga_principal_free(who);
        return MHD_NO;
    }
    u->fd = -1;
    u->who = who;
    req->upload = u;
    /* refused before the body is sent when it could not be imported
     * soon (finish() checks again: another may take the place) */
    if (web_pool_is_full(&srv->import_pool))
        return web_pool_send_busy(&srv->import_pool, con, req);

    const char *length = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
                                                     "Content-Length");
    if (length) {
        char *end = NULL;
        errno = 0;
        unsigned long long declared = strtoull(length, &end, 10);
        if (errno || end == length || *end)
            return web_send_error(con, req, MHD_HTTP_BAD_REQUEST,
                                  "bad Content-Length", NULL);
        if (declared > srv->opt.max_upload) {
            char msg[128];
            snprintf(msg, sizeof msg, "the upload is larger than the limit "
                     "of %llu bytes", (unsigned long long)srv->opt.max_upload);
            return web_send_error(con, req, MHD_HTTP_CONTENT_TOO_LARGE, msg,
                                  NULL);
        }
    }

    char type_buf[128];
    const char *media_type = bare_media_type(
        MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Type"),
        type_buf, sizeof type_buf);
    const char *filename = web_param(req, "filename");
    for (size_t i = 0; i < req->n_params; i++)
        if (strcmp(req->params[i].name, "filename") != 0)
            return web_send_param_error(con, req, req->params[i].name,
                                        "unknown parameter (only filename)");
    if (media_type && strcmp(media_type, "multipart/form-data") == 0) {
        u->pp = MHD_create_post_processor(con, POST_BUFFER, on_form_field, u);
        if (!u->pp)
            return web_send_error(con, req, MHD_HTTP_BAD_REQUEST,
                                  "malformed multipart/form-data header",
                                  NULL);
    } else if (filename && *filename) {
        u->name = safe_name(filename);
        if (!u->name)
            return web_send_param_error(con, req, "filename",
                                        "filename: not a usable file name");
    } else {
        u->name = name_for_type(media_type);
        if (!u->name)
            return web_send_error(
                con, req, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                "cannot tell the file type: pass ?filename=NAME.EXT or a "
                "Content-Type such as application/zip", NULL);
    }
    u->fd = web_tmpfile(srv);
    if (u->fd < 0) {
        web_log(srv, "upload: cannot create a temporary file in %s: %s",
                srv->tmp_dir, strerror(errno));
        return web_send_error(con, req, MHD_HTTP_INTERNAL_SERVER_ERROR,
                              "cannot create a temporary file", NULL);
    }
    return MHD_YES;
}

/* Middle calls: one chunk of the body. */
static enum MHD_Result receive(struct web_server *srv, struct web_upload *u,
                               const char *data, size_t len) {
    u->n_bytes += len;
    if (u->is_too_large || u->n_bytes > srv->opt.max_upload) {
        if (!u->is_too_large) {
            u->is_too_large = 1;
            close(u->fd);   /* the spool goes away now, not at the end */
            u->fd = -1;
        }
        return u->n_bytes - srv->opt.max_upload > MAX_DISCARD ? MHD_NO
                                                              : MHD_YES;
    }
    if (u->has_write_error) return MHD_YES;
    if (u->pp) {
        if (MHD_post_process(u->pp, data, len) != MHD_YES
            && !u->has_write_error)
            u->has_write_error = 2;     /* malformed multipart body */
    } else if (spool(u, data, len) != 0) {
        u->has_write_error = 1;
    }
    return MHD_YES;
}

/* In the import worker: import the spooled file as one all-or-nothing
 * operation on a writable handle of its own. */
static void run_import(struct web_server *srv, struct web_job *job) {
    struct web_upload *u = job->ctx;
    struct web_reply *reply = &job->reply;
    struct minga *m = NULL;
    char *errmsg = NULL;
    int rc = minga_open(&m, srv->opt.data_dir, 0, &errmsg);
    if (rc != 0) {
        unsigned status = rc == MINGA_EBUSY ? MHD_HTTP_CONFLICT
                                            : MHD_HTTP_SERVICE_UNAVAILABLE;
        web_log(srv, "upload: cannot open the data folder: %s", errmsg);
        /* the detail (it names server paths) stays in the log */
        web_reply_error(reply, status,
                        "the catalog cannot take uploads right now", NULL);
        free(errmsg);
        return;
    }
    char by[160];
    snprintf(by, sizeof by, "token:%s", u->who->name);
    struct minga_import_options opts;
    struct minga_import_report rep;
    minga_import_options_init(&opts);
    minga_import_report_init(&rep);
    opts.by = by;
    opts.principal = u->who;
    /* with review on, a city's upload waits for a curator */
    opts.is_pending = u->who->role == MINGA_ROLE_CITY &&
                      minga_review_enabled(m);
    rc = minga_import_fd(m, u->name, u->fd, &opts, &rep);
    minga_close(m);

    if (rc == 0) {
        unsigned status = rep.is_pending ? MHD_HTTP_ACCEPTED
                          : rep.n_new + rep.n_updated > 0 ? MHD_HTTP_CREATED
                                                          : MHD_HTTP_OK;
        web_reply_json(reply, status, minga_import_report_json(&rep, 0));
        web_log(srv, "import by %s of %s: %zu cases (%zu new, %zu updated)",
                by, u->name, rep.n_cases, rep.n_new, rep.n_updated);
    } else if (rc == MINGA_EINVAL && rep.n_forbidden) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s was not imported: %zu case%s outside "
                 "the scope of token %s", u->name, rep.n_forbidden,
                 rep.n_forbidden == 1 ? " is" : "s are", u->who->name);
        web_reply_error(reply, MHD_HTTP_FORBIDDEN, msg,
                        diag_list_json(&rep.diags, 100));
    } else if (rc == MINGA_EINVAL || rc == MINGA_ELIMIT) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s was not imported: %zu error%s", u->name,
                 rep.diags.n_errors, rep.diags.n_errors == 1 ? "" : "s");
        web_reply_error(reply, rc == MINGA_ELIMIT
                                   ? MHD_HTTP_CONTENT_TOO_LARGE
                                   : MHD_HTTP_BAD_REQUEST,
                        msg, diag_list_json(&rep.diags, 100));
    } else if (rc == MINGA_EBUSY) {
        struct MHD_Response *resp = web_error_response(
            "another import is running; try again shortly",
            diag_list_json(&rep.diags, 100));
        if (resp) MHD_add_response_header(resp, "Retry-After", "5");
        web_reply_set(reply, MHD_HTTP_CONFLICT, resp);
    } else {
        web_log(srv, "upload: import of %s failed with code %d", u->name, rc);
        web_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
                        "the import failed", diag_list_json(&rep.diags, 100));
    }
    minga_import_report_release(&rep);
}

/* Last call: check what arrived and hand the import to a worker. */
static enum MHD_Result finish(struct web_server *srv,
                              struct MHD_Connection *con,
                              struct web_request *req, struct web_upload *u) {
    if (u->is_too_large) {
        char msg[128];
        snprintf(msg, sizeof msg, "the upload is larger than the limit of "
                 "%llu bytes", (unsigned long long)srv->opt.max_upload);
        return web_send_error(con, req, MHD_HTTP_CONTENT_TOO_LARGE, msg,
                              NULL);
    }
    if (u->pp) {
        MHD_destroy_post_processor(u->pp);
        u->pp = NULL;
        if (u->has_write_error == 2 || !u->has_file_field)
            return web_send_param_error(con, req, "file",
                                        "file: the form has no file field "
                                        "named \"file\"");
        if (!u->name)
            return web_send_error(
                con, req, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                "cannot tell the file type from the form's file name", NULL);
    }
    if (u->has_write_error == 1 || lseek(u->fd, 0, SEEK_SET) != 0) {
        web_log(srv, "upload: writing the temporary file failed");
        return web_send_error(con, req, MHD_HTTP_INTERNAL_SERVER_ERROR,
                              "writing the temporary file failed", NULL);
    }
    if ((u->has_file_field ? u->n_file_bytes : u->n_bytes) == 0)
        return web_send_error(con, req, MHD_HTTP_BAD_REQUEST,
                              "the upload is empty", NULL);
    /* the upload belongs to req, which outlives the job */
    return web_pool_submit(&srv->import_pool, con, req, run_import, u,
                           NULL);
}

enum MHD_Result web_upload_handle(struct web_server *srv,
                                  struct MHD_Connection *con,
                                  struct web_request *req,
                                  const char *upload_data,
                                  size_t *upload_data_size) {
    if (!req->upload) return begin(srv, con, req);
    if (*upload_data_size > 0) {
        enum MHD_Result ret = receive(srv, req->upload, upload_data,
                                      *upload_data_size);
        *upload_data_size = 0;
        return ret;
    }
    return finish(srv, con, req, req->upload);
}
