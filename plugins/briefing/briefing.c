/*
 * Briefing pack exporter: the plugin entry points and the zip.
 *
 * Memory stays flat in the number of cases except for what index.html and
 * the manifest need (a short row per case, a path and digest per file):
 * each case page and its attachments go into the zip as the case arrives,
 * cases.csv and cases.json are spooled to tmpfile()s and copied in at
 * finish, then index.html, the charts and, last, manifest.json.
 */
#define _GNU_SOURCE /* strptime, timegm, open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>

#include "briefing.h"
#include "json_stream.h"
#include "csv_out.h"
#include "labels.h"

struct briefing_file {
    char *path;
    uint64_t size;
    char sha256[crypto_hash_sha256_BYTES * 2 + 1];
};

struct briefing {
    const struct minga_host_api *host;
    struct minga_export_ctx *ctx;
    struct briefing_selection sel;
    struct exp_l10n l10n;
    struct archive *zip;
    time_t mtime;
    FILE *csv_spool, *json_spool;
    struct exp_out csv_out, json_out;
    struct exp_json_array json_arr;
    struct exp_stats stats;
    struct briefing_row *rows;
    size_t n_rows, cap_rows;
    struct briefing_file *files;
    size_t n_files, cap_files;
};

static la_ssize_t zip_write_cb(struct archive *a, void *client,
                               const void *buf, size_t len)
{
    (void)a;
    struct briefing *b = client;
    return b->host->write(b->ctx, buf, len) == MINGA_OK ? (la_ssize_t)len : -1;
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

char *briefing_safe_id_new(const char *id)
{
    char *safe = strdup(id && *id ? id : "case");
    for (char *p = safe; p && *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-'))
            *p = '-';
    return safe;
}

/* Attachment paths were validated on import; refuse again anything that
 * could climb out of attachments/<id>/ in the unpacked pack. */
static int is_safe_relative_path(const char *path)
{
    if (!path || !*path || path[0] == '/' || strchr(path, '\\'))
        return 0;
    for (const char *p = path; *p;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0 || (len == 1 && p[0] == '.') ||
            (len == 2 && p[0] == '.' && p[1] == '.'))
            return 0;
        p += len + (end ? 1 : 0);
    }
    return 1;
}

static int file_record(struct briefing *b, const char *path, uint64_t size,
                       const unsigned char *digest)
{
    if (b->n_files == b->cap_files) {
        size_t cap = b->cap_files ? b->cap_files * 2 : 32;
        void *grown = realloc(b->files, cap * sizeof *b->files);
        if (!grown)
            return MINGA_ENOMEM;
        b->files = grown;
        b->cap_files = cap;
    }
    struct briefing_file *f = &b->files[b->n_files];
    if (!(f->path = strdup(path)))
        return MINGA_ENOMEM;
    f->size = size;
    sodium_bin2hex(f->sha256, sizeof f->sha256, digest,
                   crypto_hash_sha256_BYTES);
    b->n_files++;
    return MINGA_OK;
}

static int zip_header(struct briefing *b, const char *path, uint64_t size)
{
    struct archive_entry *entry = archive_entry_new();
    if (!entry)
        return MINGA_ENOMEM;
    archive_entry_set_pathname_utf8(entry, path);
    archive_entry_set_size(entry, (la_int64_t)size);
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_mtime(entry, b->mtime, 0);
    int rc = archive_write_header(b->zip, entry);
    archive_entry_free(entry);
    return rc == ARCHIVE_OK ? MINGA_OK : MINGA_EIO;
}

/* Adds a file from memory; lists it in the manifest unless it is the
 * manifest itself. */
static int zip_add(struct briefing *b, const char *path, const void *data,
                   size_t len, int is_listed)
{
    int rc = zip_header(b, path, len);
    if (rc != MINGA_OK)
        return rc;
    if (len > 0 && archive_write_data(b->zip, data, len) != (la_ssize_t)len)
        return MINGA_EIO;
    if (!is_listed)
        return MINGA_OK;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, data, len);
    return file_record(b, path, len, digest);
}

/* Copies a spool file into the zip, hashing as it goes. */
static int zip_add_spool(struct briefing *b, const char *path, FILE *spool)
{
    if (fflush(spool) != 0 || fseek(spool, 0, SEEK_END) != 0)
        return MINGA_EIO;
    long size = ftell(spool);
    if (size < 0)
        return MINGA_EIO;
    rewind(spool);
    int rc = zip_header(b, path, (uint64_t)size);
    if (rc != MINGA_OK)
        return rc;
    crypto_hash_sha256_state hash;
    crypto_hash_sha256_init(&hash);
    char buf[65536];
    size_t n_read;
    while ((n_read = fread(buf, 1, sizeof buf, spool)) > 0) {
        crypto_hash_sha256_update(&hash, (unsigned char *)buf, n_read);
        if (archive_write_data(b->zip, buf, n_read) != (la_ssize_t)n_read)
            return MINGA_EIO;
    }
    if (ferror(spool))
        return MINGA_EIO;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&hash, digest);
    return file_record(b, path, (uint64_t)size, digest);
}

/* A document built in memory (one page or chart), then added whole. */
struct mem_doc {
    char *data;
    size_t len;
    FILE *file;
    struct exp_out out;
};

static int mem_doc_open(struct mem_doc *doc)
{
    memset(doc, 0, sizeof *doc);
    doc->file = open_memstream(&doc->data, &doc->len);
    if (!doc->file)
        return MINGA_ENOMEM;
    exp_out_init_file(&doc->out, doc->file);
    return MINGA_OK;
}

static int mem_doc_add(struct briefing *b, struct mem_doc *doc,
                       const char *path)
{
    int rc = exp_out_status(&doc->out);
    if (fclose(doc->file) != 0 && rc == MINGA_OK)
        rc = MINGA_EIO;
    if (rc == MINGA_OK)
        rc = zip_add(b, path, doc->data, doc->len, 1);
    free(doc->data);
    return rc;
}

static time_t parse_utc(const char *iso)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (iso && strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm))
        return timegm(&tm);
    return time(NULL);
}

static void briefing_free(struct briefing *b)
{
    if (b->zip)
        archive_write_free(b->zip);
    if (b->csv_spool)
        fclose(b->csv_spool);
    if (b->json_spool)
        fclose(b->json_spool);
    for (size_t i = 0; i < b->n_rows; i++) {
        free(b->rows[i].id);
        free(b->rows[i].title);
        free(b->rows[i].city);
        free(b->rows[i].country);
    }
    free(b->rows);
    for (size_t i = 0; i < b->n_files; i++)
        free(b->files[i].path);
    free(b->files);
    free(b->sel.query);
    free(b->sel.filters);
    free(b->sel.lang);
    free(b->sel.generated_at);
    free(b->sel.minga_version);
    exp_l10n_release(&b->l10n);
    free(b);
}

/* libsodium's global set-up (the manifest's SHA-256), once per process:
 * at load in a 1.2 host; in an older one, which calls no init, at the
 * first export (sodium_init is safe to call again). */
static int is_sodium_ready;

static int briefing_init(const struct minga_host_api *host, char *why,
                         size_t why_size)
{
    (void)host;
    if (sodium_init() < 0) {
        snprintf(why, why_size, "libsodium could not be initialised");
        return MINGA_EINTERNAL;
    }
    is_sodium_ready = 1;
    return MINGA_OK;
}

static int briefing_begin(const struct minga_host_api *host,
                          struct minga_export_ctx *ctx, void **state)
{
    if (!is_sodium_ready && sodium_init() < 0) {
        if (MINGA_HOST_HAS(host, export_error))
            host->export_error(ctx, "libsodium could not be initialised");
        return MINGA_EINTERNAL;
    }
    struct briefing *b = calloc(1, sizeof *b);
    if (!b)
        return MINGA_ENOMEM;
    b->host = host;
    b->ctx = ctx;
    const struct minga_export_info *info = host->export_info(ctx);
    char now[32];
    time_t t = time(NULL);
    struct tm tm; /* gmtime_r: exports run on the server's threads */
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    b->sel.query = dup_or_empty(info ? info->query : NULL);
    b->sel.filters = dup_or_empty(info ? info->filters : NULL);
    b->sel.lang = strdup(exp_lang_norm(info ? info->lang : NULL));
    b->sel.generated_at =
        strdup(info && info->generated_at ? info->generated_at : now);
    b->sel.minga_version = dup_or_empty(info ? info->minga_version : NULL);
    b->sel.is_related_skipped = MINGA_HOST_HAS(host, related_cases) && info &&
                                info->n_cases > BRIEFING_RELATED_MAX_CASES;
    b->mtime = parse_utc(b->sel.generated_at);
    exp_l10n_init(&b->l10n, host, b->sel.lang);
    exp_stats_init(&b->stats);
    b->csv_spool = tmpfile();
    b->json_spool = tmpfile();
    b->zip = archive_write_new();
    if (!b->sel.query || !b->sel.filters || !b->sel.lang ||
        !b->sel.generated_at || !b->sel.minga_version || !b->csv_spool ||
        !b->json_spool || !b->zip) {
        briefing_free(b);
        return MINGA_ENOMEM;
    }
    exp_out_init_file(&b->csv_out, b->csv_spool);
    exp_out_init_file(&b->json_out, b->json_spool);
    exp_csv_write_header(&b->csv_out);
    exp_json_array_begin(&b->json_arr, &b->json_out);

    if (archive_write_set_format_zip(b->zip) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(b->zip, 1) != ARCHIVE_OK ||
        archive_write_open(b->zip, b, NULL, zip_write_cb, NULL) !=
            ARCHIVE_OK) {
        briefing_free(b);
        return MINGA_EIO;
    }
    int rc = zip_add(b, "style.css", briefing_style_css,
                     strlen(briefing_style_css), 1);
    if (rc != MINGA_OK) {
        briefing_free(b);
        return rc;
    }
    *state = b;
    return MINGA_OK;
}

static int row_add(struct briefing *b, const struct minga_case *c,
                   const char *safe_id)
{
    if (b->n_rows == b->cap_rows) {
        size_t cap = b->cap_rows ? b->cap_rows * 2 : 64;
        void *grown = realloc(b->rows, cap * sizeof *b->rows);
        if (!grown)
            return MINGA_ENOMEM;
        b->rows = grown;
        b->cap_rows = cap;
    }
    struct briefing_row *row = &b->rows[b->n_rows];
    row->id = strdup(safe_id);
    row->title = dup_or_empty(c->title);
    row->city = dup_or_empty(c->city);
    row->country = dup_or_empty(c->country);
    row->year_start = c->year_start;
    row->year_end = c->year_end;
    row->goal_mask = c->goal_mask;
    b->n_rows++;
    if (!row->id || !row->title || !row->city || !row->country)
        return MINGA_ENOMEM;
    return MINGA_OK;
}

static int add_attachments(struct briefing *b, const struct minga_case *c,
                           const char *safe_id)
{
    for (size_t i = 0; i < c->n_attachments; i++) {
        const struct minga_attachment *att = minga_case_attachment(c, i);
        if (!is_safe_relative_path(att->path) || !att->sha256)
            return MINGA_EINVAL;
        const void *data = NULL;
        size_t len = 0;
        int rc = b->host->attachment_read(b->ctx, att->sha256, &data, &len);
        if (rc != MINGA_OK)
            return rc;
        size_t path_len = strlen(safe_id) + strlen(att->path) + 16;
        char *path = malloc(path_len);
        if (!path)
            return MINGA_ENOMEM;
        snprintf(path, path_len, "attachments/%s/%s", safe_id, att->path);
        rc = zip_add(b, path, data, len, 1);
        free(path);
        if (rc != MINGA_OK)
            return rc;
    }
    return MINGA_OK;
}

static int briefing_write_case(void *state, const struct minga_case *c)
{
    struct briefing *b = state;
    char *safe_id = briefing_safe_id_new(c->id);
    if (!safe_id)
        return MINGA_ENOMEM;
    int rc = row_add(b, c, safe_id);
    exp_stats_add(&b->stats, c);
    if (rc == MINGA_OK)
        rc = exp_csv_write_case(&b->csv_out, c);
    if (rc == MINGA_OK)
        rc = exp_json_array_add(&b->json_arr, c);

    size_t path_len = strlen(safe_id) + 16;
    char *path = malloc(path_len);
    if (!path)
        rc = MINGA_ENOMEM;
    struct mem_doc page;
    if (rc == MINGA_OK)
        rc = mem_doc_open(&page);
    if (rc == MINGA_OK) {
        /* the related list is a help, not the page: a failed search
         * leaves it out rather than failing the pack */
        const struct minga_related_case *related = NULL;
        size_t n_related = 0;
        if (!MINGA_HOST_HAS(b->host, related_cases) ||
            b->sel.is_related_skipped ||
            b->host->related_cases(b->ctx, c->id, BRIEFING_RELATED_MAX,
                                   &related, &n_related) != MINGA_OK)
            n_related = 0;
        briefing_page_case(&page.out, &b->l10n, c, safe_id, related,
                           n_related);
        snprintf(path, path_len, "cases/%s.html", safe_id);
        rc = mem_doc_add(b, &page, path);
    }
    free(path);
    if (rc == MINGA_OK)
        rc = add_attachments(b, c, safe_id);
    free(safe_id);
    return rc;
}

typedef void (*chart_fn)(struct exp_out *, const struct exp_l10n *,
                         const struct exp_stats *);

static int add_chart(struct briefing *b, const char *path, chart_fn draw)
{
    struct mem_doc doc;
    int rc = mem_doc_open(&doc);
    if (rc != MINGA_OK)
        return rc;
    draw(&doc.out, &b->l10n, &b->stats);
    return mem_doc_add(b, &doc, path);
}

static int add_manifest(struct briefing *b)
{
    json_t *files = json_array();
    json_t *manifest = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:I, s:o}", "query", b->sel.query,
        "filters", b->sel.filters, "lang", b->sel.lang, "generated_at",
        b->sel.generated_at, "minga_version", b->sel.minga_version, "n_cases",
        (json_int_t)b->n_rows, "files", files);
    if (!manifest)
        return MINGA_ENOMEM;
    for (size_t i = 0; i < b->n_files; i++) {
        const struct briefing_file *f = &b->files[i];
        json_array_append_new(
            files, json_pack("{s:s, s:I, s:s}", "path", f->path, "size",
                             (json_int_t)f->size, "sha256", f->sha256));
    }
    char *text = json_dumps(manifest, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(manifest);
    if (!text)
        return MINGA_ENOMEM;
    size_t len = strlen(text);
    int rc = zip_add(b, "manifest.json", text, len, 0);
    free(text);
    return rc;
}

static int briefing_finish(void *state, int ok)
{
    struct briefing *b = state;
    int rc = MINGA_OK;
    if (ok) {
        exp_json_array_end(&b->json_arr);
        rc = exp_out_status(&b->csv_out);
        if (rc == MINGA_OK)
            rc = exp_out_status(&b->json_out);
        if (rc == MINGA_OK)
            rc = zip_add_spool(b, "cases.csv", b->csv_spool);
        if (rc == MINGA_OK)
            rc = zip_add_spool(b, "cases.json", b->json_spool);
        if (rc == MINGA_OK)
            rc = add_chart(b, "charts/goals.svg", briefing_chart_goals);
        if (rc == MINGA_OK)
            rc = add_chart(b, "charts/levels.svg", briefing_chart_levels);
        if (rc == MINGA_OK)
            rc =
                add_chart(b, "charts/countries.svg", briefing_chart_countries);
        struct mem_doc index;
        if (rc == MINGA_OK)
            rc = mem_doc_open(&index);
        if (rc == MINGA_OK) {
            briefing_page_index(&index.out, &b->l10n, &b->sel, &b->stats,
                                b->rows, b->n_rows);
            rc = mem_doc_add(b, &index, "index.html");
        }
        if (rc == MINGA_OK)
            rc = add_manifest(b);
        if (rc == MINGA_OK && archive_write_close(b->zip) != ARCHIVE_OK)
            rc = MINGA_EIO;
    }
    briefing_free(b);
    return rc;
}

static const struct minga_exporter exporter = {sizeof(struct minga_exporter),
                                               "briefing",
                                               "application/zip",
                                               "zip",
                                               briefing_begin,
                                               briefing_write_case,
                                               briefing_finish};

MINGA_PLUGIN_DEFINE_HOOKS("briefing", MINGA_PLUGIN_EXPORTER, "1.0.0",
                          "Briefing pack for workshops: HTML pages, charts, "
                          "CSV and JSON in one zip",
                          NULL, &exporter, briefing_init, NULL);
