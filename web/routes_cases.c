/*
 * A case and its history: GET /api/cases/{id} (the current revision with
 * who last changed it, or ?rev=N), GET /api/cases/{id}/history and
 * DELETE /api/cases/{id}; and GET /api/cases/{id}/related, the cases
 * like it (a search, run in a query worker).
 *
 * Reads are a few rows by one key, answered on the connection's thread
 * from its read-only handle. A delete is a write: it runs in the import
 * worker, which takes writes one at a time (uploads, token uses, review
 * decisions), on a writable handle of its own, as an upload does. Only
 * the current revision is ever indexed, so search and exports never see
 * an old one; old revisions are read here, by number.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "web.h"
#include "minga.h"
#include "case.h"
#include "harvest.h"

#define MAX_REV 999999999

static enum MHD_Result send_bad_id(struct MHD_Connection *con,
                                   struct web_request *req)
{
    return web_send_coded(con, req, MHD_HTTP_BAD_REQUEST, "bad_id",
                          json_pack("{s:s}", "what", "case"),
                          "invalid case id: expected 1-100 characters of "
                          "a-z, 0-9 and -",
                          NULL);
}

/* Refuses every parameter but `allowed` (NULL: none), and `allowed`
 * given twice. Returns 0 when fine, else sends the 400 and returns -1
 * with *ret set. */
static int check_params(struct MHD_Connection *con, struct web_request *req,
                        const char *allowed, enum MHD_Result *ret)
{
    int n_allowed = 0;
    for (size_t i = 0; i < req->n_params; i++) {
        const char *name = req->params[i].name;
        char msg[160];
        if (allowed && strcmp(name, allowed) == 0 && n_allowed++ == 0)
            continue;
        if (allowed && strcmp(name, allowed) == 0)
            snprintf(msg, sizeof msg, "%s: given more than once", allowed);
        else if (allowed)
            snprintf(msg, sizeof msg, "%.60s: unknown parameter (only %s)",
                     name, allowed);
        else
            snprintf(msg, sizeof msg,
                     "%.60s: this endpoint takes no "
                     "parameters",
                     name);
        int is_repeated = allowed && strcmp(name, allowed) == 0;
        *ret = web_send_param_coded(
            con, req, is_repeated ? "bad_parameter" : "unknown_parameter",
            name, NULL,
            allowed && !is_repeated ? json_pack("{s:s}", "allowed", allowed)
                                    : NULL,
            msg);
        return -1;
    }
    return 0;
}

/* The entry of revision `rev` in a history (minga_history_json), or
 * NULL; rev 0 is the newest. Borrowed. */
static json_t *history_revision(json_t *history, int rev)
{
    json_t *revs = json_object_get(history, "revisions");
    size_t n = json_array_size(revs);
    if (n == 0)
        return NULL;
    if (rev == 0)
        return json_array_get(revs, n - 1);
    size_t i;
    json_t *r;
    json_array_foreach(revs, i, r) if (json_integer_value(json_object_get(
                                           r, "rev")) == rev) return r;
    return NULL;
}

static const char *str_of(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* {rev, action, by, time, note}: who made a revision and when. */
static json_t *change_json(json_t *rev)
{
    json_t *o = json_object();
    static const char *const keys[] = {"rev", "action", "by", "time", "note"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(rev, keys[i]);
        json_object_set(o, keys[i], v ? v : json_null());
    }
    return o;
}

/* The URL of attachment `path` of case `id`: the whole path one
 * percent-encoded segment ("/" as %2F), with ?rev=N for a revision.
 * Returns a new string, or NULL. */
static char *attachment_url(const char *id, const char *path, int rev)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(path);
    char *enc = malloc(3 * len + 1);
    if (!enc)
        return NULL;
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
            *p == '~') {
            enc[n++] = (char)*p;
        } else {
            enc[n++] = '%';
            enc[n++] = hex[*p >> 4];
            enc[n++] = hex[*p & 15];
        }
    }
    enc[n] = '\0';
    char *url = NULL;
    char rev_part[32] = "";
    if (rev > 0)
        snprintf(rev_part, sizeof rev_part, "?rev=%d", rev);
    if (asprintf(&url, "/api/cases/%s/attachments/%s%s", id, enc, rev_part) <
        0)
        url = NULL;
    free(enc);
    return url;
}

/* "attachment_urls": where to download each of "attachments", in the
 * same order (GET /api/cases/{id}/attachments/{name}). */
static void add_attachment_urls(json_t *o, const struct minga_case *c, int rev)
{
    if (c->n_attachments == 0)
        return;
    json_t *urls = json_array();
    for (size_t i = 0; urls && i < c->n_attachments; i++) {
        char *url = attachment_url(c->id, c->attachments[i].path, rev);
        json_array_append_new(urls, url ? json_string(url) : json_null());
        free(url);
    }
    if (urls)
        json_object_set_new(o, "attachment_urls", urls);
}

/* A 404 for a case that was deleted, saying when, by whom and where its
 * history is. */
static void reply_deleted(struct web_reply *reply, const char *id,
                          json_t *history)
{
    json_t *last = history_revision(history, 0);
    char msg[400], url[160];
    snprintf(url, sizeof url, "/api/cases/%s/history", id);
    snprintf(msg, sizeof msg,
             "case \"%s\" was deleted (revision %lld, by "
             "%s, %s); every earlier revision is kept: see %s",
             id, (long long)json_integer_value(json_object_get(last, "rev")),
             str_of(last, "by"), str_of(last, "time"), url);
    json_t *body =
        json_pack("{s:s, s:s, s:{s:s, s:I, s:s, s:s}, s:[], "
                  "s:s, s:o}",
                  "error", msg, "code", "case_deleted", "params", "id", id,
                  "rev", json_integer_value(json_object_get(last, "rev")),
                  "by", str_of(last, "by"), "time", str_of(last, "time"),
                  "details", "history", url, "deleted", change_json(last));
    web_reply_json(reply, MHD_HTTP_NOT_FOUND, body);
}

/* The current case, with who changed it last. */
static void reply_current(struct web_server *srv, struct minga *m,
                          const char *id, json_t *history,
                          struct web_reply *reply)
{
    struct minga_case *c = NULL;
    char *errmsg = NULL;
    int rc = minga_get_case(m, id, &c, &errmsg);
    if (rc == MINGA_ENOTFOUND &&
        json_is_true(json_object_get(history, "deleted"))) {
        reply_deleted(reply, id, history);
    } else if (rc == MINGA_ENOTFOUND) {
        /* never stored, purged, or waiting for review */
        web_reply_coded(reply, MHD_HTTP_NOT_FOUND, "case_not_found",
                        json_pack("{s:s}", "id", id), "no case with this id",
                        NULL);
    } else if (rc != 0) {
        web_log(srv, "reading case %s failed: %s", id, errmsg);
        web_reply_error(reply, web_status_for(rc), "reading the case failed",
                        NULL);
    } else {
        json_t *o = minga_case_json(c, 1);
        add_attachment_urls(o, c, 0);
        json_t *last = history_revision(history, 0);
        /* a case stored before histories were kept has none */
        if (last)
            json_object_set_new(o, "last_change", change_json(last));
        /* beside the case's fields, as last_change: not in format v1 */
        json_t *from = minga_harvest_provenance(m, id);
        if (from)
            json_object_set_new(o, "provenance", from);
        web_reply_json(reply, MHD_HTTP_OK, o);
        case_free(c);
    }
    free(errmsg);
}

/* Revision `rev` as it was: 404 when the case never had it, 410 when it
 * is the case's deletion (a revision without content). */
static void reply_revision(struct web_server *srv, struct minga *m,
                           const char *id, int rev, json_t *history,
                           struct web_reply *reply)
{
    json_t *entry = history ? history_revision(history, rev) : NULL;
    char msg[400];
    if (!entry) {
        json_t *last = history ? history_revision(history, 0) : NULL;
        json_int_t n_revs = json_integer_value(json_object_get(last, "rev"));
        if (last)
            snprintf(msg, sizeof msg,
                     "case \"%s\" has no revision %d (its "
                     "revisions are 1 to %lld)",
                     id, rev, (long long)n_revs);
        else
            snprintf(msg, sizeof msg, "no case with this id");
        web_reply_coded(reply, MHD_HTTP_NOT_FOUND,
                        last ? "revision_not_found" : "case_not_found",
                        last ? json_pack("{s:s, s:i, s:I}", "id", id, "rev",
                                         rev, "last_rev", n_revs)
                             : json_pack("{s:s}", "id", id),
                        msg, NULL);
        return;
    }
    if (strcmp(str_of(entry, "action"), "delete") == 0) {
        snprintf(msg, sizeof msg,
                 "revision %d of \"%s\" is its deletion (by "
                 "%s, %s): it has no content; see /api/cases/%s/history",
                 rev, id, str_of(entry, "by"), str_of(entry, "time"), id);
        web_reply_coded(reply, MHD_HTTP_GONE, "revision_deleted",
                        json_pack("{s:s, s:i, s:s, s:s}", "id", id, "rev", rev,
                                  "by", str_of(entry, "by"), "time",
                                  str_of(entry, "time")),
                        msg, NULL);
        return;
    }
    struct minga_case *c = NULL;
    char *errmsg = NULL;
    int rc = minga_get_case_rev(m, id, rev, &c, &errmsg);
    if (rc != 0) {
        if (rc != MINGA_ENOTFOUND)
            web_log(srv, "reading revision %d of case %s failed: %s", rev, id,
                    errmsg ? errmsg : "unknown error");
        web_reply_coded(
            reply, web_status_for(rc),
            rc == MINGA_ENOTFOUND ? "revision_not_found" : "internal",
            json_pack("{s:s, s:i}", "id", id, "rev", rev),
            rc == MINGA_ENOTFOUND && errmsg ? errmsg
                                            : "reading the revision failed",
            NULL);
        free(errmsg);
        return;
    }
    json_t *o = minga_case_json(c, 1);
    add_attachment_urls(o, c, rev);
    json_object_set_new(o, "revision", change_json(entry));
    json_object_set(o, "current_rev", json_object_get(history, "current"));
    web_reply_json(reply, MHD_HTTP_OK, o);
    case_free(c);
}

enum MHD_Result web_api_case(struct web_server *srv,
                             struct MHD_Connection *con,
                             struct web_request *req, const char *id)
{
    if (!web_is_valid_id(id))
        return send_bad_id(con, req);
    enum MHD_Result ret;
    if (check_params(con, req, "rev", &ret) != 0)
        return ret;
    const char *rev_param = web_param(req, "rev");
    long rev = 0;
    if (rev_param && (rev = (long)web_parse_positive(rev_param, MAX_REV)) < 0)
        return web_send_param_error(con, req, "rev",
                                    "rev: expected a "
                                    "revision number (1, 2, ...: see the "
                                    "case's history)");
    /* a few rows by one key: quick enough for the connection's thread */
    struct web_reply reply = {0, NULL};
    struct minga *m = web_thread_minga_reply(srv, &reply);
    if (!m)
        return web_send_reply(con, req, &reply);
    json_t *history = NULL;
    char *errmsg = NULL;
    int rc = minga_history_json(m, id, &history, &errmsg);
    if (rc != 0 && rc != MINGA_ENOTFOUND) {
        web_log(srv, "reading the history of case %s failed: %s", id,
                errmsg ? errmsg : "unknown error");
        web_reply_error(&reply, web_status_for(rc),
                        "reading the case's history failed", NULL);
    } else if (rev_param) {
        reply_revision(srv, m, id, (int)rev, history, &reply);
    } else {
        reply_current(srv, m, id, history, &reply);
    }
    free(errmsg);
    json_decref(history);
    return web_send_reply(con, req, &reply);
}

enum MHD_Result web_api_case_history(struct web_server *srv,
                                     struct MHD_Connection *con,
                                     struct web_request *req, const char *id)
{
    if (!web_is_valid_id(id))
        return send_bad_id(con, req);
    enum MHD_Result ret;
    if (check_params(con, req, NULL, &ret) != 0)
        return ret;
    struct web_reply reply = {0, NULL};
    struct minga *m = web_thread_minga_reply(srv, &reply);
    if (!m)
        return web_send_reply(con, req, &reply);
    json_t *history = NULL;
    char *errmsg = NULL;
    int rc = minga_history_json(m, id, &history, &errmsg);
    if (rc == 0) {
        web_reply_json(&reply, MHD_HTTP_OK, history);
    } else if (rc == MINGA_ENOTFOUND) {
        web_reply_coded(&reply, MHD_HTTP_NOT_FOUND, "case_not_found",
                        json_pack("{s:s}", "id", id),
                        "no case with this id has a history", NULL);
    } else {
        web_log(srv, "reading the history of case %s failed: %s", id,
                errmsg ? errmsg : "unknown error");
        web_reply_error(&reply, web_status_for(rc),
                        "reading the case's history failed", NULL);
    }
    free(errmsg);
    return web_send_reply(con, req, &reply);
}

/* -- attachments ------------------------------------------------------- */

/* Attachments up to this size are answered from memory; a larger one is
 * copied to an unlinked temporary file and sent from it, so that a slow
 * reader holds a file descriptor, not the bytes (at most max_entry_size,
 * 64 MiB, each: docs/SECURITY.md). */
#define ATTACHMENT_INLINE_MAX (1u << 20)

struct attachment_job {
    char *id;
    char *name;          /* the path as the case names it */
    int rev;             /* 0: the current revision */
    char *if_none_match; /* the request's, or NULL */
};

static void attachment_job_free(void *ctx)
{
    struct attachment_job *aj = ctx;
    if (!aj)
        return;
    free(aj->id);
    free(aj->name);
    free(aj->if_none_match);
    free(aj);
}

/* Types a browser shows without running anything: served inline with the
 * page's policy. Anything else (HTML, SVG, office documents, Markdown,
 * unknown) is a download in a sandbox of its own. */
static int is_passive_type(const char *media_type)
{
    static const char *const passive[] = {
        "application/pdf", "text/plain", "image/png", "image/jpeg",
        "image/gif",       "image/webp", NULL};
    for (size_t i = 0; passive[i]; i++)
        if (strcmp(media_type, passive[i]) == 0)
            return 1;
    return 0;
}

/* Content-Disposition for `path`: its last component, as ASCII in
 * filename= and exactly in filename*= (RFC 6266). */
static void disposition_for(const char *path, int is_inline, char *out,
                            size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char ascii[128], exact[400];
    size_t na = 0, ne = 0;
    for (const unsigned char *p = (const unsigned char *)base; *p; p++) {
        int is_plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                       (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
                       *p == '_';
        if (na + 1 < sizeof ascii)
            ascii[na++] = is_plain ? (char)*p : '_';
        if (is_plain && ne + 1 < sizeof exact) {
            exact[ne++] = (char)*p;
        } else if (!is_plain && ne + 3 < sizeof exact) {
            exact[ne++] = '%';
            exact[ne++] = hex[*p >> 4];
            exact[ne++] = hex[*p & 15];
        }
    }
    ascii[na] = '\0';
    exact[ne] = '\0';
    snprintf(out, size, "%s; filename=\"%s\"; filename*=UTF-8''%s",
             is_inline ? "inline" : "attachment", ascii, exact);
}

/* Sandboxes a download: it runs no script and loads nothing, even when
 * a browser is made to open it. */
#define ATTACHMENT_CSP                                                        \
    "sandbox; default-src 'none'; frame-ancestors "                           \
    "'none'; base-uri 'none'; form-action 'none'"

/* The case (or its revision aj->rev) whose attachment is asked for, or
 * NULL with the 404 (or 410) in reply. */
static struct minga_case *attachment_case(struct web_server *srv,
                                          struct minga *m,
                                          struct attachment_job *aj,
                                          struct web_reply *reply)
{
    struct minga_case *c = NULL;
    char *errmsg = NULL;
    int rc = aj->rev ? minga_get_case_rev(m, aj->id, aj->rev, &c, &errmsg)
                     : minga_get_case(m, aj->id, &c, &errmsg);
    free(errmsg);
    if (rc == 0)
        return c;
    if (rc != MINGA_ENOTFOUND) {
        web_log(srv, "reading case %s for an attachment failed (%d)", aj->id,
                rc);
        web_reply_error(reply, web_status_for(rc), "reading the case failed",
                        NULL);
        return NULL;
    }
    /* the same 404s (and 410) as the case itself */
    json_t *history = NULL;
    minga_history_json(m, aj->id, &history, NULL);
    if (aj->rev)
        reply_revision(srv, m, aj->id, aj->rev, history, reply);
    else if (json_is_true(json_object_get(history, "deleted")))
        reply_deleted(reply, aj->id, history);
    else
        web_reply_coded(reply, MHD_HTTP_NOT_FOUND, "case_not_found",
                        json_pack("{s:s}", "id", aj->id),
                        "no case with this id", NULL);
    json_decref(history);
    return NULL;
}

/* A response with the bytes: from memory (taken) when small, else from an
 * unlinked temporary file. NULL on failure (data freed). */
static struct MHD_Response *bytes_response(struct web_server *srv, void *data,
                                           size_t len)
{
    if (len <= ATTACHMENT_INLINE_MAX) {
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
        if (!resp)
            free(data);
        return resp;
    }
    int fd = web_tmpfile(srv);
    int is_written = fd >= 0 && minga_write_all(fd, data, len) == 0;
    free(data);
    struct MHD_Response *resp = is_written && lseek(fd, 0, SEEK_SET) == 0
                                    ? MHD_create_response_from_fd(len, fd)
                                    : NULL;
    if (!resp && fd >= 0)
        close(fd);
    return resp;
}

/* In a query worker: the attachment's bytes, with its type, a
 * disposition and its sha256 as ETag. */
static void run_attachment(struct web_server *srv, struct web_job *job)
{
    struct attachment_job *aj = job->ctx;
    struct web_reply *reply = &job->reply;
    struct minga *m = web_thread_minga_reply(srv, reply);
    if (!m)
        return;
    struct minga_case *c = attachment_case(srv, m, aj, reply);
    if (!c)
        return;
    const struct minga_attachment *a = NULL;
    for (size_t i = 0; i < c->n_attachments && !a; i++)
        if (strcmp(c->attachments[i].path, aj->name) == 0)
            a = &c->attachments[i];
    if (!a || !a->sha256 || !*a->sha256) {
        json_t *names = json_array();
        for (size_t i = 0; i < c->n_attachments; i++)
            json_array_append_new(names, json_string(c->attachments[i].path));
        char msg[400];
        snprintf(msg, sizeof msg, "case \"%s\" has no attachment \"%.200s\"",
                 aj->id, aj->name);
        json_t *params = json_pack("{s:s, s:s, s:o}", "id", aj->id, "name",
                                   aj->name, "attachments", names);
        if (aj->rev)
            json_object_set_new(params, "rev", json_integer(aj->rev));
        web_reply_coded(reply, MHD_HTTP_NOT_FOUND, "attachment_not_found",
                        params, msg, NULL);
        case_free(c);
        return;
    }
    char etag[80];
    snprintf(etag, sizeof etag, "\"%s\"", a->sha256);
    const char *media_type = a->media_type && *a->media_type
                                 ? a->media_type
                                 : "application/octet-stream";
    int is_inline = is_passive_type(media_type);
    char type[96], disposition[600];
    snprintf(type, sizeof type, "%s%s", media_type,
             strncmp(media_type, "text/", 5) == 0 ? "; charset=utf-8" : "");
    disposition_for(a->path, is_inline, disposition, sizeof disposition);
    struct MHD_Response *resp = NULL;
    unsigned status = MHD_HTTP_OK;
    if (aj->if_none_match && strstr(aj->if_none_match, a->sha256)) {
        status = MHD_HTTP_NOT_MODIFIED;
        resp =
            MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    } else {
        void *data = NULL;
        size_t len = 0;
        char *errmsg = NULL;
        int rc = minga_read_attachment(m, a->sha256, &data, &len, &errmsg);
        if (rc != 0) {
            web_log(srv, "reading attachment %s of case %s failed: %s",
                    a->sha256, aj->id, errmsg ? errmsg : "unknown error");
            free(errmsg);
            web_reply_error(reply,
                            rc == MINGA_ENOTFOUND
                                ? MHD_HTTP_NOT_FOUND
                                : MHD_HTTP_INTERNAL_SERVER_ERROR,
                            "the attachment's bytes cannot be read", NULL);
            case_free(c);
            return;
        }
        resp = bytes_response(srv, data, len);
    }
    case_free(c);
    if (!resp) {
        web_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
                        "the attachment could not be sent", NULL);
        return;
    }
    if (status == MHD_HTTP_OK) {
        MHD_add_response_header(resp, "Content-Type", type);
        MHD_add_response_header(resp, "Content-Disposition", disposition);
    }
    MHD_add_response_header(resp, "ETag", etag);
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    if (!is_inline)
        MHD_add_response_header(resp, "Content-Security-Policy",
                                ATTACHMENT_CSP);
    web_reply_set(reply, status, resp);
}

enum MHD_Result web_api_case_attachment(struct web_server *srv,
                                        struct MHD_Connection *con,
                                        struct web_request *req,
                                        const char *id)
{
    if (!web_is_valid_id(id))
        return send_bad_id(con, req);
    enum MHD_Result ret;
    if (check_params(con, req, "rev", &ret) != 0)
        return ret;
    const char *rev_param = web_param(req, "rev");
    long rev = 0;
    if (rev_param && (rev = (long)web_parse_positive(rev_param, MAX_REV)) < 0)
        return web_send_param_error(con, req, "rev",
                                    "rev: expected a "
                                    "revision number (1, 2, ...: see the "
                                    "case's history)");
    struct attachment_job *aj = calloc(1, sizeof *aj);
    if (!aj)
        return MHD_NO;
    /* the path as one segment ("a%2Fb.pdf"), or, as a convenience, its
     * folders as segments of their own ("a/b.pdf"): the same name */
    size_t len = 0;
    for (size_t i = 4; i < req->n_segments; i++)
        len += strlen(req->segments[i]) + 1;
    aj->name = malloc(len + 1);
    aj->id = strdup(id);
    const char *inm =
        MHD_lookup_connection_value(con, MHD_HEADER_KIND, "If-None-Match");
    aj->if_none_match = inm ? strdup(inm) : NULL;
    if (!aj->name || !aj->id || (inm && !aj->if_none_match)) {
        attachment_job_free(aj);
        return MHD_NO;
    }
    aj->name[0] = '\0';
    for (size_t i = 4; i < req->n_segments; i++) {
        if (i > 4)
            strcat(aj->name, "/");
        strcat(aj->name, req->segments[i]);
    }
    aj->rev = (int)rev;
    return web_pool_submit(&srv->query_pool, con, req, run_attachment, aj,
                           attachment_job_free);
}

/* -- related cases ----------------------------------------------------- */

#define RELATED_DEFAULT_LIMIT 5

struct related_job {
    char *id;
    unsigned limit;
};

static void related_job_free(void *ctx)
{
    struct related_job *rj = ctx;
    if (!rj)
        return;
    free(rj->id);
    free(rj);
}

/* In a query worker: a search of the index, as costly as one. */
static void run_related(struct web_server *srv, struct web_job *job)
{
    struct related_job *rj = job->ctx;
    struct web_reply *reply = &job->reply;
    struct minga *m = web_thread_minga_reply(srv, reply);
    if (!m)
        return;
    struct mindex_related_list *r = NULL;
    char *errmsg = NULL;
    int rc = minga_related(m, rj->id, rj->limit, &r, &errmsg);
    if (rc == MINGA_ENOTFOUND) {
        web_reply_coded(reply, MHD_HTTP_NOT_FOUND, "case_not_found",
                        json_pack("{s:s}", "id", rj->id),
                        "no case with this id", NULL);
    } else if (rc != 0) {
        web_log(srv, "related cases of %s failed: %s", rj->id,
                errmsg ? errmsg : "unknown error");
        web_reply_error(reply, web_status_for(rc),
                        "finding related cases failed", NULL);
    } else {
        size_t len = 0;
        char *text = minga_related_json(rj->id, r, &len);
        if (text)
            web_reply_json_text(reply, MHD_HTTP_OK, text, len);
        else
            web_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
                            "the answer could not be written", NULL);
    }
    mindex_related_free(r);
    free(errmsg);
}

enum MHD_Result web_api_case_related(struct web_server *srv,
                                     struct MHD_Connection *con,
                                     struct web_request *req, const char *id)
{
    if (!web_is_valid_id(id))
        return send_bad_id(con, req);
    enum MHD_Result ret;
    if (check_params(con, req, "limit", &ret) != 0)
        return ret;
    const char *limit_param = web_param(req, "limit");
    int64_t limit = RELATED_DEFAULT_LIMIT;
    if (limit_param &&
        (limit = web_parse_positive(limit_param, MINDEX_RELATED_MAX)) < 0) {
        char msg[80];
        snprintf(msg, sizeof msg, "limit: expected a number from 1 to %d",
                 MINDEX_RELATED_MAX);
        return web_send_param_error(con, req, "limit", msg);
    }
    struct related_job *rj = calloc(1, sizeof *rj);
    if (!rj || !(rj->id = strdup(id))) {
        related_job_free(rj);
        return MHD_NO;
    }
    rj->limit = (unsigned)limit;
    return web_pool_submit(&srv->query_pool, con, req, run_related, rj,
                           related_job_free);
}

/* -- delete ------------------------------------------------------------ */

struct delete_job {
    char *id;
    struct minga_principal *who;
};

static void delete_job_free(void *ctx)
{
    struct delete_job *dj = ctx;
    if (!dj)
        return;
    free(dj->id);
    minga_principal_free(dj->who);
    free(dj);
}

/* The number of the newest revision of `id`, 0 when unknown. */
static long newest_rev(struct minga *m, const char *id)
{
    json_t *history = NULL;
    long rev = 0;
    if (minga_history_json(m, id, &history, NULL) == 0)
        rev = (long)json_integer_value(
            json_object_get(history_revision(history, 0), "rev"));
    json_decref(history);
    return rev;
}

/* In the import worker: the delete, on a writable handle of its own. */
static void run_delete(struct web_server *srv, struct web_job *job)
{
    struct delete_job *dj = job->ctx;
    struct web_reply *reply = &job->reply;
    struct minga *m = NULL;
    char *errmsg = NULL;
    int rc = minga_open(&m, srv->opt.data_dir, 0, &errmsg);
    if (rc != 0) {
        web_log(srv, "delete: cannot open the data folder: %s", errmsg);
        web_reply_error(reply,
                        rc == MINGA_EBUSY ? MHD_HTTP_CONFLICT
                                          : MHD_HTTP_SERVICE_UNAVAILABLE,
                        "the catalog cannot take changes right now", NULL);
        free(errmsg);
        return;
    }
    rc = minga_delete_case(m, dj->id, dj->who, &errmsg);
    char msg[300];
    if (rc == 0) {
        char by[160];
        snprintf(by, sizeof by, "token:%s", dj->who->name);
        web_reply_json(reply, MHD_HTTP_OK,
                       json_pack("{s:s, s:I, s:s}", "deleted", dj->id, "rev",
                                 (json_int_t)newest_rev(m, dj->id), "by", by));
        web_log(srv, "case %s deleted by %s", dj->id, by);
    } else if (rc == MINGA_EFORBIDDEN) {
        snprintf(msg, sizeof msg,
                 "case \"%s\" was not deleted: it is "
                 "outside the scope of token %s",
                 dj->id, dj->who->name);
        web_reply_coded(reply, MHD_HTTP_FORBIDDEN, "forbidden_scope",
                        json_pack("{s:s, s:s, s:i}", "id", dj->id, "token",
                                  dj->who->name, "forbidden", 1),
                        msg,
                        json_pack("[{s:s, s:s, s:s}]", "severity", "error",
                                  "field", "id", "message",
                                  errmsg ? errmsg : msg));
    } else if (rc == MINGA_ENOTFOUND) {
        snprintf(msg, sizeof msg,
                 "no case with id \"%s\" (a deleted case "
                 "cannot be deleted again)",
                 dj->id);
        web_reply_coded(reply, MHD_HTTP_NOT_FOUND, "case_not_found",
                        json_pack("{s:s}", "id", dj->id), msg, NULL);
    } else if (rc == MINGA_EBUSY) {
        struct MHD_Response *resp = web_error_response(
            "another write is running; try again shortly", NULL);
        if (resp)
            MHD_add_response_header(resp, "Retry-After", "5");
        web_reply_set(reply, MHD_HTTP_CONFLICT, resp);
    } else {
        web_log(srv, "delete of case %s failed (%d): %s", dj->id, rc,
                errmsg ? errmsg : "unknown error");
        web_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
                        "the delete failed", NULL);
    }
    free(errmsg);
    minga_close(m);
}

enum MHD_Result web_api_case_delete(struct web_server *srv,
                                    struct MHD_Connection *con,
                                    struct web_request *req, const char *id)
{
    enum MHD_Result ret = MHD_NO;
    struct minga_principal *who =
        web_auth_principal(srv, con, req,
                           "a token is required to delete a case "
                           "(Authorization: Bearer TOKEN)",
                           &ret);
    if (!who)
        return ret;
    struct delete_job *dj = calloc(1, sizeof *dj);
    if (!dj) {
        minga_principal_free(who);
        return MHD_NO;
    }
    dj->who = who;
    if (!web_is_valid_id(id)) {
        delete_job_free(dj);
        return send_bad_id(con, req);
    }
    if (check_params(con, req, NULL, &ret) != 0) {
        delete_job_free(dj);
        return ret;
    }
    if (!(dj->id = strdup(id))) {
        delete_job_free(dj);
        return MHD_NO;
    }
    return web_pool_submit(&srv->import_pool, con, req, run_delete, dj,
                           delete_job_free);
}
