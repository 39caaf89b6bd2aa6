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
 *
 * The file's name (the form part's filename, ?filename= or a
 * Content-Disposition header) picks the importer and names the file in
 * every message; without one the Content-Type says the type, and when it
 * does not either (curl --data-binary sends form-urlencoded) the first
 * bytes do (sniff_type). ?dry_run=1 validates, scopes included, and
 * writes nothing; its answer lists the cases read, each with the SDG
 * targets and goals suggested for it that it is not tagged with
 * (dry_run_cases). add_targets=ID:T,T (repeatable) adds the targets the
 * city accepted from them to the named cases of the upload, in a dry run
 * too, so that the check shows what the import will write.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "web.h"
#include "case.h"
#include "minga.h"
#include "suggest.h"

#define POST_BUFFER 65536
#define MAX_NAME 100
/* How much of a refused body we read and drop before cutting the
 * connection instead. */
#define MAX_DISCARD (16ull << 20)
/* A dry run suggests tags for its first cases only: each suggestion is a
 * search and a few case reads (about 3 ms on the sample catalog), so a
 * pack of thousands must not hold the import worker for minutes. The
 * answer says how many cases it left out (cases_more). */
#define DRY_RUN_SUGGEST_MAX 50
/* What a case's suggestions show: the best few it is not tagged with. */
#define SUGGESTED_TARGETS 5
#define SUGGESTED_GOALS 3

struct web_upload {
    int fd;                      /* the spool file, -1 once closed */
    char *name;                  /* "pack.zip": picks the importer */
    struct minga_principal *who; /* who uploads: the verified token */
    uint64_t n_bytes;            /* body bytes received */
    int is_too_large;
    int has_file_field;    /* multipart: saw the "file" field */
    int is_ignoring_file;  /* multipart: a second "file" part */
    uint64_t n_file_bytes; /* multipart: bytes of the file part */
    int has_write_error;
    int is_dry_run;        /* ?dry_run=1: validate only */
    int is_no_attachments; /* ?no_attachments=1: see minga.h */
    struct minga_import_additions additions; /* ?add_targets= */
    /* the request the upload belongs to (it outlives the import job):
     * its add_targets values name a refused one as sent */
    const struct web_request *req;
    struct MHD_PostProcessor *pp; /* multipart/form-data only */
};

void web_upload_free(struct web_upload *u)
{
    if (!u)
        return;
    minga_import_additions_release(&u->additions);
    if (u->pp)
        MHD_destroy_post_processor(u->pp);
    if (u->fd >= 0)
        close(u->fd);
    free(u->name);
    minga_principal_free(u->who);
    free(u);
}

static const struct {
    const char *media_type;
    const char *extension;
} media_types[] = {
    {"application/zip", ".zip"},     {"application/x-zip-compressed", ".zip"},
    {"application/gzip", ".tar.gz"}, {"application/x-gzip", ".tar.gz"},
    {"application/x-tar", ".tar"},   {"application/x-xz", ".tar.xz"},
    {"application/json", ".json"},   {"application/x-ndjson", ".jsonl"},
    {"application/jsonl", ".jsonl"}, {"text/csv", ".csv"},
    {"text/markdown", ".md"},
};

/* The media type without parameters, lower case, in buf. */
static const char *bare_media_type(const char *header, char *buf, size_t size)
{
    size_t n = 0;
    if (!header)
        return NULL;
    while (*header == ' ')
        header++;
    while (header[n] && header[n] != ';' && header[n] != ' ' && n + 1 < size) {
        char ch = header[n];
        buf[n++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    buf[n] = '\0';
    return buf;
}

static const char *extension_for(const char *media_type)
{
    if (!media_type)
        return NULL;
    for (size_t i = 0; i < sizeof media_types / sizeof media_types[0]; i++)
        if (strcmp(media_type, media_types[i].media_type) == 0)
            return media_types[i].extension;
    return NULL;
}

/* Whether s[0..len) is valid UTF-8 (no overlong forms or surrogates). */
static int is_utf8(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        unsigned char lo = 0x80, hi = 0xBF; /* bounds of the 2nd byte */
        size_t n;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0)
                lo = 0xA0;
            if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0)
                lo = 0x90;
            if (c == 0xF4)
                hi = 0x8F;
        } else {
            return 0;
        }
        if (len - i <= n || s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (size_t k = 2; k <= n; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        i += n + 1;
    }
    return 1;
}

/* The file's own name for messages and importer choice: the last path
 * component of what the client sent, at most MAX_NAME bytes (its end:
 * the extension), with control characters (and, when it is not UTF-8,
 * every byte outside ASCII) replaced by '_'. NULL when nothing usable is
 * left. */
static char *safe_name(const char *client_name)
{
    const char *base = client_name;
    for (const char *p = client_name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t len = strlen(base);
    if (len == 0)
        return NULL;
    /* Keep the end: it carries the extension; never cut a character. */
    if (len > MAX_NAME) {
        base += len - MAX_NAME;
        while ((*base & 0xC0) == 0x80)
            base++;
    }
    char *out = strdup(base);
    if (!out)
        return NULL;
    int is_text = is_utf8((const unsigned char *)out, strlen(out));
    for (unsigned char *p = (unsigned char *)out; *p; p++)
        if (*p < 0x20 || *p == 0x7F || (*p >= 0x80 && !is_text))
            *p = '_';
    if (out[0] == '.')
        out[0] = '_';
    if (!out[0]) {
        free(out);
        return NULL;
    }
    return out;
}

/* The filename of a Content-Disposition header (`attachment;
 * filename="pack.zip"`), unquoted, in buf; NULL when it has none. */
static const char *disposition_filename(const char *header, char *buf,
                                        size_t size)
{
    const char *p = header ? strstr(header, "filename=") : NULL;
    if (!p || size == 0)
        return NULL;
    p += strlen("filename=");
    size_t n = 0;
    if (*p == '"') {
        p++;
        while (*p && *p != '"' && n + 1 < size) {
            if (*p == '\\' && p[1])
                p++;
            buf[n++] = *p++;
        }
    } else {
        while (*p && *p != ';' && *p != ' ' && n + 1 < size)
            buf[n++] = *p++;
    }
    buf[n] = '\0';
    return n > 0 ? buf : NULL;
}

static char *name_for_type(const char *media_type)
{
    const char *ext = extension_for(media_type);
    if (!ext)
        return NULL;
    size_t len = strlen("upload") + strlen(ext) + 1;
    char *out = malloc(len);
    if (out)
        snprintf(out, len, "upload%s", ext);
    return out;
}

#define ACCEPTED                                                              \
    "a case file (.json, .jsonl, .csv, .md with front matter) "               \
    "or an archive of case files and their reports (.zip, "                   \
    ".tar, .tar.gz, .tgz, .tar.xz)"
/* How many bytes sniff_type looks at: the tar magic sits at 257. */
#define SNIFF_BYTES 4096

/* {"accepted": [...]} for a 415: what an upload may be. */
static json_t *accepted_params(const char *detected)
{
    json_t *params =
        json_pack("{s:[s,s,s,s,s,s,s,s,s]}", "accepted", ".json", ".jsonl",
                  ".csv", ".md", ".zip", ".tar", ".tar.gz", ".tgz", ".tar.xz");
    if (params && detected)
        json_object_set_new(params, "detected", json_string(detected));
    return params;
}

static int starts_with(const unsigned char *h, size_t n, const char *magic,
                       size_t len)
{
    return n >= len && memcmp(h, magic, len) == 0;
}

/* The extension that the first bytes of an upload say it has, or NULL;
 * *is_pdf when they are a PDF's (refused: a report goes in an archive
 * beside the case that names it). Binary formats by their magic numbers;
 * text by its first characters: "---" front matter (Markdown), '[' or
 * '{' (JSON; a first line that is a whole object followed by another
 * object is JSON Lines), else a first line with a comma or a semicolon
 * (CSV: the importer says how to fix a semicolon file). */
static const char *sniff_type(const unsigned char *h, size_t n, int *is_pdf)
{
    *is_pdf = 0;
    if (starts_with(h, n, "PK\x03\x04", 4) ||
        starts_with(h, n, "PK\x05\x06", 4))
        return ".zip";
    if (starts_with(h, n, "\x1f\x8b", 2))
        return ".tar.gz";
    if (starts_with(h, n,
                    "\xfd"
                    "7zXZ\x00",
                    6))
        return ".tar.xz";
    if (n >= 262 && memcmp(h + 257, "ustar", 5) == 0)
        return ".tar";
    if (starts_with(h, n, "%PDF", 4)) {
        *is_pdf = 1;
        return NULL;
    }
    if (memchr(h, '\0', n))
        return NULL; /* binary of another kind */
    size_t i = starts_with(h, n, "\xEF\xBB\xBF", 3) ? 3 : 0;
    if (n - i >= 3 && memcmp(h + i, "---", 3) == 0)
        return ".md";
    while (i < n &&
           (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' || h[i] == '\n'))
        i++;
    if (i == n)
        return NULL;
    if (h[i] == '[')
        return ".json";
    if (h[i] == '{') {
        const unsigned char *nl = memchr(h + i, '\n', n - i);
        if (!nl)
            return ".json";
        size_t end = (size_t)(nl - h);
        while (end > i &&
               (h[end - 1] == ' ' || h[end - 1] == '\r' || h[end - 1] == '\t'))
            end--;
        size_t next = (size_t)(nl - h) + 1;
        while (next < n && (h[next] == ' ' || h[next] == '\r' ||
                            h[next] == '\n' || h[next] == '\t'))
            next++;
        return end > i && h[end - 1] == '}' && next < n && h[next] == '{'
                   ? ".jsonl"
                   : ".json";
    }
    const unsigned char *nl = memchr(h + i, '\n', n - i);
    size_t line_end = nl ? (size_t)(nl - h) : n;
    for (size_t k = i; k < line_end; k++) {
        if (h[k] < 0x20 && h[k] != '\t' && h[k] != '\r')
            return NULL;
    }
    if (memchr(h + i, ',', line_end - i) || memchr(h + i, ';', line_end - i))
        return ".csv";
    return NULL;
}

static int spool(struct web_upload *u, const char *data, size_t len)
{
    return minga_write_all(u->fd, data, len);
}

static enum MHD_Result on_form_field(void *cls, enum MHD_ValueKind kind,
                                     const char *key, const char *filename,
                                     const char *content_type,
                                     const char *transfer_encoding,
                                     const char *data, uint64_t off,
                                     size_t size)
{
    struct web_upload *u = cls;
    (void)kind;
    (void)transfer_encoding;
    if (!key || strcmp(key, "file") != 0)
        return MHD_YES;
    if (!u->has_file_field) {
        u->has_file_field = 1;
        char buf[64];
        u->name = filename ? safe_name(filename) : NULL;
        if (!u->name)
            u->name =
                name_for_type(bare_media_type(content_type, buf, sizeof buf));
    } else if (off == 0 && size > 0 && u->n_file_bytes > 0) {
        u->is_ignoring_file = 1; /* a second "file" part: the first wins */
    }
    if (u->is_ignoring_file || size == 0)
        return MHD_YES;
    if (spool(u, data, size) != 0) {
        u->has_write_error = 1;
        return MHD_NO;
    }
    u->n_file_bytes += size;
    return MHD_YES;
}

static const char pdf_message[] =
    "a PDF cannot be imported on its own: put it in an archive beside the "
    "case file that names it in \"attachments\"; accepted: " ACCEPTED;

static enum MHD_Result send_pdf_refused(struct MHD_Connection *con,
                                        struct web_request *req)
{
    return web_send_coded(
        con, req, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
        accepted_params("application/pdf"), pdf_message, NULL);
}

/* Names an upload whose name and Content-Type said nothing of its type
 * from its first bytes: "upload.zip", ... Returns 0, or -1 with the 415
 * sent. */
static int name_by_content(struct MHD_Connection *con, struct web_request *req,
                           struct web_upload *u, enum MHD_Result *ret)
{
    unsigned char head[SNIFF_BYTES];
    ssize_t n = pread(u->fd, head, sizeof head, 0);
    int is_pdf = 0;
    const char *ext = n > 0 ? sniff_type(head, (size_t)n, &is_pdf) : NULL;
    if (ext) {
        size_t len = strlen("upload") + strlen(ext) + 1;
        if ((u->name = malloc(len)))
            snprintf(u->name, len, "upload%s", ext);
        if (u->name)
            return 0;
        *ret = MHD_NO;
        return -1;
    }
    if (is_pdf) {
        *ret = send_pdf_refused(con, req);
        return -1;
    }
    *ret = web_send_coded(con, req, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                          "unsupported_media_type", accepted_params(NULL),
                          "cannot tell the file type from its name, its "
                          "Content-Type or its first bytes: pass "
                          "?filename=NAME.EXT; accepted: " ACCEPTED,
                          NULL);
    return -1;
}

/* One add_targets value ("ID:11.2,11.3") into u->additions. Returns 0,
 * or -1 with the 400 naming the parameter and the value sent. That the
 * case is in the upload is known only once it is read: run_import. */
static int add_targets(struct MHD_Connection *con, struct web_request *req,
                       struct web_upload *u, const char *value,
                       enum MHD_Result *ret)
{
    char *why = NULL;
    if (minga_import_additions_parse(&u->additions, value, &why) == 0)
        return 0;
    char msg[400];
    snprintf(msg, sizeof msg, "add_targets: %s", why ? why : "out of memory");
    *ret = web_send_param_coded(con, req, "bad_parameter", "add_targets",
                                value, NULL, msg);
    free(why);
    return -1;
}

/* First call: everything that can be checked before the body. */
static enum MHD_Result begin(struct web_server *srv,
                             struct MHD_Connection *con,
                             struct web_request *req)
{
    enum MHD_Result ret = MHD_NO;
    struct minga_principal *who = web_auth_principal(
        srv, con, req,
        "an upload token is required (Authorization: Bearer "
        "TOKEN)",
        &ret);
    if (!who)
        return ret;

    struct web_upload *u = calloc(1, sizeof *u);
    if (!u) {
        minga_principal_free(who);
        return MHD_NO;
    }
    u->fd = -1;
    u->who = who;
    u->req = req;
    req->upload = u;
    /* refused before the body is sent when it could not be imported
     * soon (finish() checks again: another may take the place) */
    if (web_pool_is_full(&srv->import_pool))
        return web_pool_send_busy(&srv->import_pool, con, req);

    const char *length =
        MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Length");
    if (length) {
        char *end = NULL;
        errno = 0;
        unsigned long long declared = strtoull(length, &end, 10);
        if (errno || end == length || *end)
            return web_send_error(con, req, MHD_HTTP_BAD_REQUEST,
                                  "bad Content-Length", NULL);
        if (declared > srv->opt.max_upload) {
            char msg[128];
            snprintf(msg, sizeof msg,
                     "the upload is larger than the limit "
                     "of %llu bytes",
                     (unsigned long long)srv->opt.max_upload);
            return web_send_coded(
                con, req, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                json_pack("{s:I}", "limit", (json_int_t)srv->opt.max_upload),
                msg, NULL);
        }
    }

    for (size_t i = 0; i < req->n_params; i++) {
        const char *name = req->params[i].name;
        if (strcmp(name, "add_targets") == 0) {
            if (add_targets(con, req, u, req->params[i].value, &ret))
                return ret;
            continue;
        }
        if (strcmp(name, "filename") != 0 && strcmp(name, "dry_run") != 0 &&
            strcmp(name, "no_attachments") != 0)
            return web_send_param_coded(
                con, req, "unknown_parameter", name, NULL,
                json_pack("{s:s}", "allowed",
                          "filename, dry_run, no_attachments, add_targets"),
                "unknown parameter (only filename, dry_run, no_attachments "
                "and add_targets)");
    }
    static const char *const flags[] = {"dry_run", "no_attachments"};
    int *const flag_fields[] = {&u->is_dry_run, &u->is_no_attachments};
    for (size_t i = 0; i < 2; i++) {
        const char *v = web_param(req, flags[i]);
        if (!v)
            continue;
        if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0) {
            *flag_fields[i] = 1;
        } else if (strcmp(v, "0") != 0 && strcmp(v, "false") != 0) {
            char msg[64];
            snprintf(msg, sizeof msg, "%s: expected 1 or 0", flags[i]);
            return web_send_param_error(con, req, flags[i], msg);
        }
    }
    char type_buf[128], name_buf[256];
    const char *media_type = bare_media_type(
        MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Type"),
        type_buf, sizeof type_buf);
    const char *filename = web_param(req, "filename");
    if (!filename || !*filename)
        filename = disposition_filename(
            MHD_lookup_connection_value(con, MHD_HEADER_KIND,
                                        "Content-Disposition"),
            name_buf, sizeof name_buf);
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
    } else if (media_type && strcmp(media_type, "application/pdf") == 0) {
        return send_pdf_refused(con, req);
    } else {
        /* NULL: the type is sniffed from the first bytes (finish) */
        u->name = name_for_type(media_type);
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
                               const char *data, size_t len)
{
    u->n_bytes += len;
    if (u->is_too_large || u->n_bytes > srv->opt.max_upload) {
        if (!u->is_too_large) {
            u->is_too_large = 1;
            close(u->fd); /* the spool goes away now, not at the end */
            u->fd = -1;
        }
        return u->n_bytes - srv->opt.max_upload > MAX_DISCARD ? MHD_NO
                                                              : MHD_YES;
    }
    if (u->has_write_error)
        return MHD_YES;
    if (u->pp) {
        if (MHD_post_process(u->pp, data, len) != MHD_YES &&
            !u->has_write_error)
            u->has_write_error = 2; /* malformed multipart body */
    } else if (spool(u, data, len) != 0) {
        u->has_write_error = 1;
    }
    return MHD_YES;
}

/* The items of a suggestion list (goals or targets) that the case is
 * not tagged with, at most max: what the city may still accept. */
static json_t *untagged(json_t *items, const struct minga_case *c, int is_goal,
                        size_t max)
{
    json_t *out = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        if (json_array_size(out) >= max)
            break;
        int is_tagged = 0;
        if (is_goal) {
            json_int_t g = json_integer_value(json_object_get(item, "goal"));
            is_tagged = g >= 1 && g <= 17 && (c->goal_mask & (1u << g));
        } else {
            const char *t = json_string_value(json_object_get(item, "target"));
            for (size_t k = 0; t && k < c->n_targets && !is_tagged; k++)
                is_tagged = strcmp(c->targets[k], t) == 0;
        }
        if (!is_tagged)
            json_array_append(out, item);
    }
    return out;
}

/* {id, title, goals, targets, suggestions: {targets, goals}} for each case
 * a dry run kept: minga_suggest with the catalog's neighbours, in the
 * import worker, after the import (its lock is free again). A case whose
 * suggestion fails gets empty lists; the failure is logged. */
static json_t *dry_run_cases(struct web_server *srv, struct minga *m,
                             const struct minga_import_report *rep)
{
    json_t *cases = json_array();
    for (size_t i = 0; i < rep->n_kept; i++) {
        const struct minga_case *c = rep->kept[i];
        json_t *targets = json_array();
        for (size_t k = 0; k < c->n_targets; k++)
            json_array_append_new(targets, json_string(c->targets[k]));
        /* enough that the best untagged ones are among them */
        size_t limit = c->n_targets + (size_t)case_goal_count(c->goal_mask) +
                       SUGGESTED_TARGETS;
        struct minga_suggest_options opt = {
            .limit = limit < SUGGEST_MAX_LIMIT ? limit : SUGGEST_MAX_LIMIT};
        json_t *answer = NULL;
        char *errmsg = NULL;
        if (minga_suggest(m, c, &opt, &answer, &errmsg) != MINGA_OK) {
            web_log(srv, "dry run: no suggestions for %s: %s", c->id,
                    errmsg ? errmsg : "?");
            answer = json_pack("{s:[], s:[]}", "goals", "targets");
        }
        free(errmsg);
        json_t *suggested = json_pack(
            "{s:o, s:o}", "targets",
            untagged(json_object_get(answer, "targets"), c, 0,
                     SUGGESTED_TARGETS),
            "goals",
            untagged(json_object_get(answer, "goals"), c, 1, SUGGESTED_GOALS));
        json_decref(answer);
        json_array_append_new(
            cases, json_pack("{s:s, s:s, s:o, s:o, s:o}", "id", c->id, "title",
                             c->title, "goals", case_json_goals(c->goal_mask),
                             "targets", targets, "suggestions", suggested));
    }
    return cases;
}

/* An add_targets pair whose case the upload does not hold: a 400 naming
 * the parameter and the value that named it, with every diagnostic. */
static void reply_bad_addition(const struct web_request *req,
                               struct web_reply *reply,
                               const struct minga_import_report *rep,
                               json_t *counts)
{
    const char *value = NULL;
    size_t id_len = strlen(rep->bad_addition_id);
    for (size_t i = 0; i < req->n_params && !value; i++)
        if (strcmp(req->params[i].name, "add_targets") == 0 &&
            strncmp(req->params[i].value, rep->bad_addition_id, id_len) == 0 &&
            req->params[i].value[id_len] == ':')
            value = req->params[i].value;
    char msg[300];
    snprintf(msg, sizeof msg,
             "add_targets: no case \"%s\" in this upload; "
             "nothing was imported",
             rep->bad_addition_id);
    json_object_set_new(counts, "param", json_string("add_targets"));
    if (value)
        json_object_set_new(counts, "value", json_string(value));
    web_reply_coded(reply, MHD_HTTP_BAD_REQUEST, "bad_parameter", counts, msg,
                    diag_list_json(&rep->diags, DIAG_PRINT_MAX));
}

/* In the import worker: import the spooled file as one all-or-nothing
 * operation on a writable handle of its own. */
static void run_import(struct web_server *srv, struct web_job *job)
{
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
        web_reply_coded(reply, status,
                        rc == MINGA_EBUSY ? "busy" : "unavailable", NULL,
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
    opts.principal = u->who; /* scopes are checked in a dry run too */
    opts.is_dry_run = u->is_dry_run;
    opts.is_no_attachments = u->is_no_attachments;
    opts.additions = &u->additions;
    opts.n_keep_cases = u->is_dry_run ? DRY_RUN_SUGGEST_MAX : 0;
    /* with review on, a city's upload waits for a curator */
    opts.is_pending =
        u->who->role == MINGA_ROLE_CITY && minga_review_enabled(m);
    rc = minga_import_fd(m, u->name, u->fd, &opts, &rep);
    json_t *dry_cases = NULL;
    if (rc == 0 && u->is_dry_run) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        dry_cases = dry_run_cases(srv, m, &rep);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        web_log(srv,
                "dry run of %s: suggestions for %zu of %zu cases in "
                "%ld ms",
                u->name, rep.n_kept, rep.n_cases,
                (long)((t1.tv_sec - t0.tv_sec) * 1000 +
                       (t1.tv_nsec - t0.tv_nsec) / 1000000));
    }
    minga_close(m);

    /* every diagnostic of every file, the first DIAG_PRINT_MAX of them in
     * details, and the counts in params */
    json_t *counts =
        json_pack("{s:s, s:I, s:I, s:b}", "file", u->name, "errors",
                  (json_int_t)rep.diags.n_errors, "warnings",
                  (json_int_t)rep.diags.n_warnings, "dry_run", u->is_dry_run);
    size_t n_shown = rep.diags.n_items < DIAG_PRINT_MAX ? rep.diags.n_items
                                                        : DIAG_PRINT_MAX;
    size_t n_total = rep.diags.n_errors + rep.diags.n_warnings;
    json_object_set_new(
        counts, "more",
        json_integer((json_int_t)(n_total > n_shown ? n_total - n_shown : 0)));
    if (rc == 0) {
        unsigned status = u->is_dry_run                   ? MHD_HTTP_OK
                          : rep.is_pending                ? MHD_HTTP_ACCEPTED
                          : rep.n_new + rep.n_updated > 0 ? MHD_HTTP_CREATED
                                                          : MHD_HTTP_OK;
        json_t *answer = minga_import_report_json(&rep, u->is_dry_run);
        if (dry_cases) {
            json_object_set_new(answer, "cases_checked", dry_cases);
            json_object_set_new(
                answer, "cases_more",
                json_integer((json_int_t)(rep.n_cases - rep.n_kept)));
            dry_cases = NULL;
        }
        web_reply_json(reply, status, answer);
        web_log(srv, "%s by %s of %s: %zu cases (%zu new, %zu updated)",
                u->is_dry_run ? "dry run" : "import", by, u->name, rep.n_cases,
                rep.n_new, rep.n_updated);
        json_decref(counts);
    } else if (rc == MINGA_EINVAL && rep.n_forbidden) {
        char msg[300];
        snprintf(msg, sizeof msg,
                 "%s %s: %zu case%s outside the scope of "
                 "token %s",
                 u->name,
                 u->is_dry_run ? "would not be "
                                 "imported"
                               : "was not imported",
                 rep.n_forbidden, rep.n_forbidden == 1 ? " is" : "s are",
                 u->who->name);
        json_object_set_new(counts, "forbidden",
                            json_integer((json_int_t)rep.n_forbidden));
        json_object_set_new(counts, "token", json_string(u->who->name));
        web_reply_coded(reply, MHD_HTTP_FORBIDDEN, "forbidden_scope", counts,
                        msg, diag_list_json(&rep.diags, DIAG_PRINT_MAX));
    } else if (rc == MINGA_EINVAL && rep.bad_addition_id) {
        reply_bad_addition(u->req, reply, &rep, counts);
    } else if (rc == MINGA_EINVAL || rc == MINGA_ELIMIT) {
        char msg[300];
        snprintf(msg, sizeof msg, "%s %s: %zu error%s", u->name,
                 u->is_dry_run ? "would not be imported" : "was not imported",
                 rep.diags.n_errors, rep.diags.n_errors == 1 ? "" : "s");
        web_reply_coded(reply,
                        rc == MINGA_ELIMIT ? MHD_HTTP_CONTENT_TOO_LARGE
                                           : MHD_HTTP_BAD_REQUEST,
                        rc == MINGA_ELIMIT ? "too_large" : "invalid_input",
                        counts, msg,
                        diag_list_json(&rep.diags, DIAG_PRINT_MAX));
    } else if (rc == MINGA_EBUSY) {
        struct MHD_Response *resp = web_error_response_coded(
            "busy", counts, "another import is running; try again shortly",
            diag_list_json(&rep.diags, DIAG_PRINT_MAX));
        if (resp)
            MHD_add_response_header(resp, "Retry-After", "5");
        web_reply_set(reply, MHD_HTTP_CONFLICT, resp);
    } else {
        web_log(srv, "upload: import of %s failed with code %d", u->name, rc);
        web_reply_coded(reply, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                        counts, "the import failed",
                        diag_list_json(&rep.diags, DIAG_PRINT_MAX));
    }
    json_decref(dry_cases);
    minga_import_report_release(&rep);
}

/* Last call: check what arrived and hand the import to a worker. */
static enum MHD_Result finish(struct web_server *srv,
                              struct MHD_Connection *con,
                              struct web_request *req, struct web_upload *u)
{
    if (u->is_too_large) {
        char msg[128];
        snprintf(msg, sizeof msg,
                 "the upload is larger than the limit of "
                 "%llu bytes",
                 (unsigned long long)srv->opt.max_upload);
        return web_send_coded(
            con, req, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
            json_pack("{s:I}", "limit", (json_int_t)srv->opt.max_upload), msg,
            NULL);
    }
    if (u->pp) {
        MHD_destroy_post_processor(u->pp);
        u->pp = NULL;
        if (u->has_write_error == 2 || !u->has_file_field)
            return web_send_param_coded(con, req, "bad_parameter", "file",
                                        NULL, NULL,
                                        "file: the form has no file field "
                                        "named \"file\"");
    }
    if (u->has_write_error == 1 || lseek(u->fd, 0, SEEK_SET) != 0) {
        web_log(srv, "upload: writing the temporary file failed");
        return web_send_error(con, req, MHD_HTTP_INTERNAL_SERVER_ERROR,
                              "writing the temporary file failed", NULL);
    }
    if ((u->has_file_field ? u->n_file_bytes : u->n_bytes) == 0)
        return web_send_coded(con, req, MHD_HTTP_BAD_REQUEST, "empty_upload",
                              NULL, "the upload is empty", NULL);
    enum MHD_Result ret = MHD_NO;
    if (!u->name && name_by_content(con, req, u, &ret) != 0)
        return ret;
    /* the upload belongs to req, which outlives the job */
    return web_pool_submit(&srv->import_pool, con, req, run_import, u, NULL);
}

enum MHD_Result web_upload_handle(struct web_server *srv,
                                  struct MHD_Connection *con,
                                  struct web_request *req,
                                  const char *upload_data,
                                  size_t *upload_data_size)
{
    if (!req->upload)
        return begin(srv, con, req);
    if (*upload_data_size > 0) {
        enum MHD_Result ret =
            receive(srv, req->upload, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return ret;
    }
    return finish(srv, con, req, req->upload);
}
