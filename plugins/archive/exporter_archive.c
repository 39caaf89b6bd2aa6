/*
 * Archive exporter: the cases and the bytes of their attachments in one
 * zip laid out as `minga import` reads it, so that an export imports back
 * into an empty data folder to the same catalog (the lossless round trip;
 * the JSON, JSON Lines and CSV exports carry attachment paths only).
 *
 *     cases/ID.json        one case, case format v1, its attachments list
 *     cases/PATH           each attachment at the path the case names,
 *                          relative to the case file
 *
 * Two cases may name the same path. With the same bytes (same sha256) the
 * file is written once and both cases find it; with different bytes the
 * later case moves to a folder of its own (cases/ID/ID.json, its
 * attachments below cases/ID/), so that every case finds its own bytes.
 * The paths written so far are kept (a path and a digest per file) to
 * decide this; everything else streams: one case and one attachment at
 * a time, through host->write as libarchive fills its blocks.
 */
#define _GNU_SOURCE /* strptime, timegm, asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <archive.h>
#include <archive_entry.h>

#include "minga/plugin.h"
#include "json_stream.h"

#define ARCHIVE_CASES_DIR "cases"
/* A case whose paths clash tries cases/ID, cases/ID-2 ... this many. */
#define ARCHIVE_MAX_FOLDER_TRIES 100

struct written_file {
    char *path; /* NULL: free slot */
    char sha256[65];
};

struct archive_export {
    const struct minga_host_api *host;
    struct minga_export_ctx *ctx;
    struct archive *zip;
    time_t mtime;
    struct written_file *files; /* open addressing, power of two */
    size_t n_files, cap_files;
};

static la_ssize_t zip_write_cb(struct archive *a, void *client,
                               const void *buf, size_t len)
{
    (void)a;
    struct archive_export *exp = client;
    return exp->host->write(exp->ctx, buf, len) == MINGA_OK ? (la_ssize_t)len
                                                            : -1;
}

/* ---- the set of paths written ------------------------------------------ */

static size_t path_hash(const char *path)
{
    size_t h = 1469598103934665603ull; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h;
}

static struct written_file *files_find(const struct archive_export *exp,
                                       const char *path)
{
    if (exp->cap_files == 0)
        return NULL;
    size_t mask = exp->cap_files - 1;
    for (size_t i = path_hash(path) & mask;; i = (i + 1) & mask) {
        struct written_file *f = &exp->files[i];
        if (!f->path || strcmp(f->path, path) == 0)
            return f;
    }
}

static int files_grow(struct archive_export *exp)
{
    size_t cap = exp->cap_files ? exp->cap_files * 2 : 64;
    struct written_file *old = exp->files;
    size_t old_cap = exp->cap_files;
    exp->files = calloc(cap, sizeof *exp->files);
    if (!exp->files) {
        exp->files = old;
        return MINGA_ENOMEM;
    }
    exp->cap_files = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].path)
            *files_find(exp, old[i].path) = old[i];
    free(old);
    return MINGA_OK;
}

/* Records path (with its content's digest, "" for a case file). */
static int files_add(struct archive_export *exp, const char *path,
                     const char *sha256)
{
    if ((exp->n_files + 1) * 2 > exp->cap_files && files_grow(exp))
        return MINGA_ENOMEM;
    struct written_file *f = files_find(exp, path);
    if (f->path)
        return MINGA_OK;
    if (!(f->path = strdup(path)))
        return MINGA_ENOMEM;
    snprintf(f->sha256, sizeof f->sha256, "%s", sha256);
    exp->n_files++;
    return MINGA_OK;
}

/* ---- paths ---------------------------------------------------------------*/

/* Attachment paths were validated on import; refuse again anything that
 * could climb out of the folder of its case file when unpacked. */
static int is_safe_relative_path(const char *path)
{
    if (!path || !*path || path[0] == '/' || strchr(path, '\\'))
        return 0;
    for (const char *p = path; *p;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return 0;
        p += len + (end ? 1 : 0);
    }
    return 1;
}

/* folder + "/" + path with "." and empty components dropped: the name the
 * archive importer gives the member once it has read it. Caller frees. */
static char *member_name(const char *folder, const char *path)
{
    size_t cap = strlen(folder) + strlen(path) + 2;
    char *name = malloc(cap);
    if (!name)
        return NULL;
    size_t len = (size_t)snprintf(name, cap, "%s", folder);
    for (const char *p = path; *p;) {
        const char *end = strchr(p, '/');
        size_t part = end ? (size_t)(end - p) : strlen(p);
        if (part > 0 && !(part == 1 && p[0] == '.')) {
            name[len++] = '/';
            memcpy(name + len, p, part);
            len += part;
        }
        p += part + (end ? 1 : 0);
    }
    name[len] = '\0';
    return name;
}

/* 1 when every attachment of c can go below `folder`: its member is not
 * written yet, or holds the same bytes. */
static int folder_fits(const struct archive_export *exp, const char *folder,
                       const struct minga_case *c, const char *case_path)
{
    const struct written_file *f = files_find(exp, case_path);
    if (f && f->path)
        return 0;
    for (size_t i = 0; i < c->n_attachments; i++) {
        const struct minga_attachment *att = minga_case_attachment(c, i);
        char *name = member_name(folder, att->path);
        if (!name)
            return 0;
        f = files_find(exp, name);
        int is_clash =
            f && f->path && (!att->sha256 || strcmp(f->sha256, att->sha256));
        free(name);
        if (is_clash)
            return 0;
    }
    return 1;
}

/* Picks the case's folder and file; both new strings in *folder and
 * *case_path, caller frees. */
static int choose_folder(const struct archive_export *exp,
                         const struct minga_case *c, char **folder,
                         char **case_path)
{
    for (int attempt = 0; attempt <= ARCHIVE_MAX_FOLDER_TRIES; attempt++) {
        int n;
        if (attempt == 0)
            n = asprintf(folder, "%s", ARCHIVE_CASES_DIR);
        else if (attempt == 1)
            n = asprintf(folder, "%s/%s", ARCHIVE_CASES_DIR, c->id);
        else
            n = asprintf(folder, "%s/%s-%d", ARCHIVE_CASES_DIR, c->id,
                         attempt);
        if (n < 0)
            return MINGA_ENOMEM;
        if (asprintf(case_path, "%s/%s.json", *folder, c->id) < 0) {
            free(*folder);
            return MINGA_ENOMEM;
        }
        if (folder_fits(exp, *folder, c, *case_path))
            return MINGA_OK;
        free(*folder);
        free(*case_path);
    }
    return MINGA_EINTERNAL;
}

/* ---- the zip ------------------------------------------------------------ */

/* Says what libarchive reported, when the host can take a message (1.2);
 * returns rc for the caller to pass on. */
static int zip_fail(struct archive_export *exp, int rc, const char *what,
                    const char *path)
{
    if (MINGA_HOST_HAS(exp->host, export_error)) {
        const char *why = exp->zip ? archive_error_string(exp->zip) : NULL;
        exp->host->export_error(exp->ctx, "zip: %s%s%s: %s", what,
                                path ? " " : "", path ? path : "",
                                why ? why : "unknown libarchive error");
    }
    return rc;
}

static int zip_add(struct archive_export *exp, const char *path,
                   const void *data, size_t len)
{
    struct archive_entry *entry = archive_entry_new();
    if (!entry)
        return MINGA_ENOMEM;
    archive_entry_set_pathname_utf8(entry, path);
    archive_entry_set_size(entry, (la_int64_t)len);
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_mtime(entry, exp->mtime, 0);
    int rc = archive_write_header(exp->zip, entry);
    archive_entry_free(entry);
    if (rc != ARCHIVE_OK)
        return zip_fail(exp, MINGA_EIO, "cannot add the entry", path);
    if (len > 0 && archive_write_data(exp->zip, data, len) != (la_ssize_t)len)
        return zip_fail(exp, MINGA_EIO, "cannot write the entry", path);
    return MINGA_OK;
}

static time_t parse_utc(const char *iso)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (iso && strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm))
        return timegm(&tm);
    return time(NULL);
}

static void archive_export_free(struct archive_export *exp)
{
    if (exp->zip)
        archive_write_free(exp->zip);
    for (size_t i = 0; i < exp->cap_files; i++)
        free(exp->files[i].path);
    free(exp->files);
    free(exp);
}

static int archive_begin(const struct minga_host_api *host,
                         struct minga_export_ctx *ctx, void **state)
{
    struct archive_export *exp = calloc(1, sizeof *exp);
    if (!exp)
        return MINGA_ENOMEM;
    exp->host = host;
    exp->ctx = ctx;
    const struct minga_export_info *info = host->export_info(ctx);
    exp->mtime = parse_utc(info ? info->generated_at : NULL);
    exp->zip = archive_write_new();
    if (!exp->zip || archive_write_set_format_zip(exp->zip) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(exp->zip, 1) != ARCHIVE_OK ||
        archive_write_open(exp->zip, exp, NULL, zip_write_cb, NULL) !=
            ARCHIVE_OK) {
        zip_fail(exp, MINGA_EIO, "cannot start the zip", NULL);
        archive_export_free(exp);
        return MINGA_EIO;
    }
    *state = exp;
    return MINGA_OK;
}

static int write_attachments(struct archive_export *exp,
                             const struct minga_case *c, const char *folder)
{
    for (size_t i = 0; i < c->n_attachments; i++) {
        const struct minga_attachment *att = minga_case_attachment(c, i);
        char *name = member_name(folder, att->path);
        if (!name)
            return MINGA_ENOMEM;
        const struct written_file *f = files_find(exp, name);
        int rc = MINGA_OK;
        if (!f || !f->path) { /* else: the same bytes are there */
            const void *data = NULL;
            size_t len = 0;
            rc =
                exp->host->attachment_read(exp->ctx, att->sha256, &data, &len);
            if (rc == MINGA_OK)
                rc = zip_add(exp, name, data, len);
            if (rc == MINGA_OK)
                rc = files_add(exp, name, att->sha256);
        }
        free(name);
        if (rc != MINGA_OK)
            return rc;
    }
    return MINGA_OK;
}

static int archive_write_case(void *state, const struct minga_case *c)
{
    struct archive_export *exp = state;
    if (!c->id || !*c->id || strchr(c->id, '/') || c->id[0] == '.')
        return MINGA_EINVAL;
    for (size_t i = 0; i < c->n_attachments; i++) {
        const struct minga_attachment *att = minga_case_attachment(c, i);
        if (!is_safe_relative_path(att->path) || !att->sha256)
            return MINGA_EINVAL;
    }
    char *folder = NULL, *case_path = NULL;
    int rc = choose_folder(exp, c, &folder, &case_path);
    if (rc != MINGA_OK)
        return rc;
    json_t *obj = case_json_new(c, 0);
    char *text =
        obj ? json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(obj);
    char *file = NULL;
    if (!text || asprintf(&file, "%s\n", text) < 0)
        rc = obj ? MINGA_ENOMEM : MINGA_EINVAL;
    free(text);
    if (rc == MINGA_OK)
        rc = zip_add(exp, case_path, file, strlen(file));
    free(file);
    if (rc == MINGA_OK)
        rc = files_add(exp, case_path, "");
    if (rc == MINGA_OK)
        rc = write_attachments(exp, c, folder);
    free(folder);
    free(case_path);
    return rc;
}

static int archive_finish(void *state, int ok)
{
    struct archive_export *exp = state;
    int rc = MINGA_OK;
    if (ok && archive_write_close(exp->zip) != ARCHIVE_OK)
        rc = zip_fail(exp, MINGA_EIO, "cannot finish the zip", NULL);
    archive_export_free(exp);
    return rc;
}

static const struct minga_exporter exporter = {sizeof(struct minga_exporter),
                                               "archive",
                                               "application/zip",
                                               "zip",
                                               archive_begin,
                                               archive_write_case,
                                               archive_finish};

MINGA_PLUGIN_DEFINE("archive", MINGA_PLUGIN_EXPORTER, "1.0.0",
                    "Zip of cases/ID.json with their attachment files, in "
                    "the layout `minga import` reads: a lossless round trip",
                    NULL, &exporter);
