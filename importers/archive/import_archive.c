/*
 * Archive importer: .tar, .tar.gz, .tgz, .tar.xz and .zip, read with
 * libarchive, never unpacked to disk. Each regular entry is handed to the
 * host: to the importer for its type (import_member) or, when no importer
 * takes it, as a possible attachment (add_file).
 *
 * An archive is hostile until read. Only the tar and zip formats and the
 * gzip and xz filters are enabled, all in-process (no external programs).
 * The limits of host->limits() are enforced on bytes actually read, never
 * on sizes the archive declares: the file itself, the sum of all entries,
 * the number of entries and one entry's size; the first limit crossed stops
 * the import. Entries with absolute paths, ".." components, links, devices,
 * FIFOs or sockets are refused; names are always passed on as UTF-8.
 * Messages name the entry; the host prefixes the archive's name, as it
 * does for every message about the file it is importing.
 *
 * Zip: from a seekable source (a regular file, or memory) the seekable
 * reader is used. It reads the central directory, which is the archive's
 * table of contents for every other zip tool, so minga sees the entries
 * that unzip and the desktop see; it also reads entries written with a data
 * descriptor (zips written in a stream), which the streamable reader cannot
 * always delimit. A central directory can point several entries at the same
 * data (an overlapping zip bomb): the uncompressed total catches that, as it
 * counts what is decompressed. The streamable reader is not enabled beside
 * it, since it would accept a zip cut before its central directory; it is
 * used only for pipes, where nothing can seek.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "minga/plugin.h"
#include "entry_names.h"

#define AR_CHUNK (64 * 1024)

/* Used when the host leaves a limit at 0. */
#define AR_DEFAULT_MAX_COMPRESSED (256ull << 20)
#define AR_DEFAULT_MAX_UNCOMPRESSED (1024ull << 20)
#define AR_DEFAULT_MAX_ENTRIES 10000ull
#define AR_DEFAULT_MAX_ENTRY_SIZE MINGA_DEFAULT_MAX_ENTRY_SIZE

/* A file descriptor as a libarchive source, counting what is read. */
struct ar_fd_source {
    int fd;
    int is_seekable;
    off_t base;      /* where the archive starts in the file */
    uint64_t offset; /* from base */
    uint64_t max_compressed;
    int is_over_limit;
    unsigned char buf[AR_CHUNK];
};

struct ar_import {
    const struct minga_host_api *host;
    struct minga_import_sink *sink;
    struct minga_limits limits;
    uint64_t total_compressed; /* 0 when unknown (a pipe) */
    uint64_t n_entries;
    uint64_t bytes_uncompressed;
    size_t n_case_files;
    int n_errors;
    const struct ar_fd_source *src; /* NULL when reading memory */
    int is_zip_signature;           /* starts as a zip: for a better message */
    unsigned char chunk[AR_CHUNK];
};

/* ---- the fd source -------------------------------------------------- */

static la_ssize_t ar_fd_read(struct archive *a, void *arg, const void **out)
{
    struct ar_fd_source *src = arg;
    ssize_t n;
    do {
        n = read(src->fd, src->buf, sizeof(src->buf));
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        archive_set_error(a, errno, "read failed: %s", strerror(errno));
        return ARCHIVE_FATAL;
    }
    src->offset += (uint64_t)n;
    if (src->offset > src->max_compressed) {
        src->is_over_limit = 1;
        archive_set_error(a, EFBIG, "over max_compressed");
        return ARCHIVE_FATAL;
    }
    *out = src->buf;
    return n;
}

static la_int64_t ar_fd_seek(struct archive *a, void *arg, la_int64_t offset,
                             int whence)
{
    struct ar_fd_source *src = arg;
    if (whence == SEEK_SET)
        offset += src->base;
    off_t pos = lseek(src->fd, (off_t)offset, whence);
    if (pos < src->base) {
        archive_set_error(a, errno, "seek failed: %s", strerror(errno));
        return ARCHIVE_FATAL;
    }
    src->offset = (uint64_t)(pos - src->base);
    return pos - src->base;
}

static la_int64_t ar_fd_skip(struct archive *a, void *arg, la_int64_t request)
{
    struct ar_fd_source *src = arg;
    (void)a;
    if (!src->is_seekable || request <= 0)
        return 0; /* libarchive then reads and discards */
    off_t pos = lseek(src->fd, (off_t)request, SEEK_CUR);
    if (pos < src->base)
        return 0;
    src->offset = (uint64_t)(pos - src->base);
    return request;
}

/* ---- helpers -------------------------------------------------------- */

static void ar_load_limits(struct ar_import *ai)
{
    const struct minga_limits *given = ai->host->limits(ai->sink);
    struct minga_limits *l = &ai->limits;
    memset(l, 0, sizeof(*l));
    if (given) {
        size_t n =
            given->struct_size < sizeof(*l) ? given->struct_size : sizeof(*l);
        memcpy(l, given, n);
    }
    l->struct_size = sizeof(*l);
    if (!l->max_compressed)
        l->max_compressed = AR_DEFAULT_MAX_COMPRESSED;
    if (!l->max_uncompressed)
        l->max_uncompressed = AR_DEFAULT_MAX_UNCOMPRESSED;
    if (!l->max_entries)
        l->max_entries = AR_DEFAULT_MAX_ENTRIES;
    if (!l->max_entry_size)
        l->max_entry_size = AR_DEFAULT_MAX_ENTRY_SIZE;
}

static void ar_progress(struct ar_import *ai, struct archive *a)
{
    if (!ai->host->progress)
        return;
    la_int64_t done = archive_filter_bytes(a, -1);
    uint64_t d = done > 0 ? (uint64_t)done : 0;
    if (ai->total_compressed && d > ai->total_compressed)
        d = ai->total_compressed;
    ai->host->progress(ai->sink, d, ai->total_compressed);
}

static int ar_is_over_compressed(const struct ar_import *ai)
{
    return ai->src && ai->src->is_over_limit;
}

/* Reports why libarchive failed: the compressed limit our read callback
 * enforced, or libarchive's own message. `entry` may be NULL. */
static void ar_report_failure(struct ar_import *ai, struct archive *a,
                              const char *entry)
{
    const char *why = archive_error_string(a);
    if (ar_is_over_compressed(ai))
        ai->host->error(ai->sink, 0, 0, NULL,
                        "archive is larger than max_compressed (%llu "
                        "bytes); refused",
                        (unsigned long long)ai->limits.max_compressed);
    else if (entry)
        ai->host->error(ai->sink, 0, 0, NULL, "%s: cannot read: %s", entry,
                        why ? why : "read error");
    else if (ai->is_zip_signature)
        ai->host->error(ai->sink, 0, 0, NULL,
                        "not a readable zip archive (truncated or "
                        "corrupt: its central directory cannot be read): %s",
                        why ? why : "unknown error");
    else
        ai->host->error(ai->sink, 0, 0, NULL,
                        "not a readable tar or zip archive: %s",
                        why ? why : "unknown error");
}

/* A new reader with only what minga accepts. The gzip and xz filters
 * return ARCHIVE_WARN when libarchive lacks zlib or liblzma and would run
 * an external program instead: that is refused. */
static struct archive *ar_reader_new(struct ar_import *ai, int is_seekable)
{
    struct archive *a = archive_read_new();
    if (!a)
        return NULL;
    if (archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
        archive_read_support_filter_xz(a) != ARCHIVE_OK ||
        archive_read_support_filter_none(a) != ARCHIVE_OK ||
        archive_read_support_format_tar(a) != ARCHIVE_OK ||
        (is_seekable
             ? archive_read_support_format_zip_seekable(a)
             : archive_read_support_format_zip_streamable(a)) != ARCHIVE_OK) {
        ai->host->error(ai->sink, 0, 0, NULL,
                        "libarchive lacks in-process gzip, xz or zip "
                        "support; refusing to read archives");
        archive_read_free(a);
        return NULL;
    }
    return a;
}

/* Reads the current entry's data, counting every byte against the limits.
 * With `keep`, returns it in *out (malloc'd, caller frees; may be NULL
 * when empty). Returns 0, or -1 after reporting the error. */
static int ar_read_entry(struct ar_import *ai, struct archive *a,
                         const char *entry, int keep, unsigned char **out,
                         size_t *out_len)
{
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    const struct minga_limits *l = &ai->limits;
    for (;;) {
        la_ssize_t n = archive_read_data(a, ai->chunk, sizeof(ai->chunk));
        if (n == 0)
            break;
        if (n < 0) {
            ar_report_failure(ai, a, entry);
            goto fail;
        }
        if ((uint64_t)len + (uint64_t)n > l->max_entry_size) {
            ai->host->error(ai->sink, 0, 0, NULL,
                            "%s: entry is larger than max_entry_size "
                            "(%llu bytes); refused",
                            entry, (unsigned long long)l->max_entry_size);
            goto fail;
        }
        ai->bytes_uncompressed += (uint64_t)n;
        if (ai->bytes_uncompressed > l->max_uncompressed) {
            ai->host->error(ai->sink, 0, 0, NULL,
                            "%s: the archive's entries add up to more "
                            "than max_uncompressed (%llu bytes); refused",
                            entry, (unsigned long long)l->max_uncompressed);
            goto fail;
        }
        if (keep) {
            if (len + (size_t)n > cap) {
                size_t grown = cap ? cap * 2 : AR_CHUNK;
                while (grown < len + (size_t)n)
                    grown *= 2;
                if (grown > l->max_entry_size)
                    grown = (size_t)l->max_entry_size;
                unsigned char *p = realloc(buf, grown);
                if (!p) {
                    ai->host->error(ai->sink, 0, 0, NULL, "%s: out of memory",
                                    entry);
                    goto fail;
                }
                buf = p;
                cap = grown;
            }
            memcpy(buf + len, ai->chunk, (size_t)n);
        }
        len += (size_t)n;
        ar_progress(ai, a);
    }
    *out = buf;
    *out_len = len;
    return 0;
fail:
    free(buf);
    return -1;
}

/* The entry's name as UTF-8: libarchive's UTF-8 view when there is a
 * valid one, else the raw bytes when they are valid UTF-8, else the raw
 * bytes read as CP437. Returns a new string, or NULL. */
static char *ar_entry_name(struct ar_import *ai, struct archive_entry *e)
{
    const char *utf8 = archive_entry_pathname_utf8(e);
    if (utf8 && entry_name_is_utf8(utf8, strlen(utf8)))
        return strdup(utf8);
    const char *raw = archive_entry_pathname(e);
    if (!raw)
        return NULL;
    if (entry_name_is_utf8(raw, strlen(raw)))
        return strdup(raw);
    char *name = entry_name_from_cp437(raw);
    if (name)
        ai->host->warning(ai->sink, 0, 0, NULL,
                          "%s: entry name is not UTF-8; read as CP437", name);
    return name;
}

/* Refuses links and special files. Returns 1 for a regular file, 0 for a
 * directory (skipped), -1 when refused (reported). */
static int ar_check_type(struct ar_import *ai, struct archive_entry *e,
                         const char *name)
{
    const char *what = NULL;
    if (archive_entry_hardlink(e))
        what = "a hard link";
    else if (archive_entry_symlink(e))
        what = "a symbolic link";
    else {
        switch (archive_entry_filetype(e)) {
        case AE_IFREG:
            return 1;
        case AE_IFDIR:
            return 0;
        case AE_IFLNK:
            what = "a symbolic link";
            break;
        case AE_IFCHR:
        case AE_IFBLK:
            what = "a device";
            break;
        case AE_IFIFO:
            what = "a FIFO";
            break;
        case AE_IFSOCK:
            what = "a socket";
            break;
        default:
            what = "not a regular file";
            break;
        }
    }
    ai->host->error(ai->sink, 0, 0, NULL,
                    "%s: entry is %s; archives may hold only files and "
                    "folders",
                    name, what);
    return -1;
}

/* Handles one entry. Returns 0 to go on, -1 to stop. */
static int ar_handle_entry(struct ar_import *ai, struct archive *a,
                           struct archive_entry *e)
{
    const struct minga_host_api *host = ai->host;
    if (++ai->n_entries > ai->limits.max_entries) {
        host->error(ai->sink, 0, 0, NULL,
                    "more than max_entries (%llu) entries; refused",
                    (unsigned long long)ai->limits.max_entries);
        return -1;
    }
    char *raw_name = ar_entry_name(ai, e);
    if (!raw_name) {
        host->error(ai->sink, 0, 0, NULL, "entry %llu has no name",
                    (unsigned long long)ai->n_entries);
        return -1;
    }
    char *name = NULL;
    enum entry_name_verdict verdict;
    if (entry_name_check(raw_name, &name, &verdict) < 0) {
        free(raw_name);
        return -1;
    }
    if (verdict == ENTRY_NAME_CONTROL) {
        host->error(ai->sink, 0, 0, NULL, "entry %llu: %s; refused",
                    (unsigned long long)ai->n_entries,
                    entry_name_reason(verdict));
        free(raw_name);
        return -1;
    }
    int is_dir = archive_entry_filetype(e) == AE_IFDIR;
    if (verdict == ENTRY_NAME_EMPTY && is_dir) { /* "./" */
        free(raw_name);
        return 0;
    }
    if (verdict != ENTRY_NAME_OK) {
        host->error(ai->sink, 0, 0, NULL, "%s: %s; refused", raw_name,
                    entry_name_reason(verdict));
        free(raw_name);
        return -1;
    }
    free(raw_name);

    int rc = 0;
    int type = ar_check_type(ai, e, name);
    if (type < 0) {
        rc = -1;
    } else if (archive_entry_is_encrypted(e)) {
        host->error(ai->sink, 0, 0, NULL,
                    "%s: entry is encrypted; minga cannot read it", name);
        rc = -1;
    } else {
        /* Directories and junk are read too, and discarded, so that every
         * byte libarchive decompresses is counted. */
        int keep = type == 1 && !entry_name_is_junk(name);
        unsigned char *data = NULL;
        size_t len = 0;
        if (ar_read_entry(ai, a, name, keep, &data, &len) < 0) {
            rc = -1;
        } else if (keep) {
            static const unsigned char empty[1];
            const void *bytes = data ? (const void *)data : empty;
            int r = host->import_member(ai->sink, name, bytes, len);
            if (r == MINGA_ENOTFOUND) {
                r = host->add_file(ai->sink, name, bytes, len);
            } else {
                ai->n_case_files++;
            }
            if (r == MINGA_ENOMEM || r == MINGA_EINTERNAL ||
                r == MINGA_ELIMIT || r == MINGA_EIO)
                rc = -1;
            else if (r < 0)
                ai->n_errors++;
        }
        free(data);
    }
    free(name);
    return rc;
}

/* Reads the whole opened archive. Returns a MINGA_ code. */
static int ar_read_archive(struct ar_import *ai, struct archive *a)
{
    struct archive_entry *e;
    for (;;) {
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN || ar_is_over_compressed(ai)) {
            ar_report_failure(ai, a, NULL);
            return ar_is_over_compressed(ai) ? MINGA_ELIMIT : MINGA_EINVAL;
        }
        if (ar_handle_entry(ai, a, e) < 0)
            return ar_is_over_compressed(ai) ? MINGA_ELIMIT : MINGA_EINVAL;
        ar_progress(ai, a);
    }
    if (ai->n_case_files == 0) {
        ai->host->error(ai->sink, 0, 0, NULL,
                        "no case files (.json, .jsonl, .csv, .md) found in "
                        "archive");
        return MINGA_EINVAL;
    }
    return ai->n_errors ? MINGA_EINVAL : MINGA_OK;
}

static int ar_host_is_usable(const struct minga_host_api *host)
{
    return host->struct_size >= offsetof(struct minga_host_api, progress) +
                                    sizeof(host->progress) &&
           host->import_member && host->add_file && host->limits;
}

/* `name` is not used in messages: the host names the file it reports
 * about. */
static struct ar_import *ar_import_new(const struct minga_host_api *host,
                                       struct minga_import_sink *sink,
                                       const char *name)
{
    (void)name;
    struct ar_import *ai = calloc(1, sizeof(*ai));
    if (!ai)
        return NULL;
    ai->host = host;
    ai->sink = sink;
    ar_load_limits(ai);
    return ai;
}

static int ar_refuse_size(struct ar_import *ai, uint64_t size)
{
    if (size == 0) {
        ai->host->error(ai->sink, 0, 0, NULL, "empty file, not an archive");
        return MINGA_EINVAL;
    }
    if (size > ai->limits.max_compressed) {
        ai->host->error(ai->sink, 0, 0, NULL,
                        "archive is larger than max_compressed (%llu "
                        "bytes); refused",
                        (unsigned long long)ai->limits.max_compressed);
        return MINGA_ELIMIT;
    }
    return MINGA_OK;
}

static int ar_import_buffer(const struct minga_host_api *host,
                            struct minga_import_sink *sink, const char *name,
                            const void *data, size_t len)
{
    if (!ar_host_is_usable(host))
        return MINGA_EINTERNAL;
    struct ar_import *ai = ar_import_new(host, sink, name);
    if (!ai)
        return MINGA_ENOMEM;
    int rc = ar_refuse_size(ai, len);
    if (rc == MINGA_OK) {
        ai->total_compressed = len;
        ai->is_zip_signature = len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0;
        struct archive *a = ar_reader_new(ai, 1);
        if (!a) {
            rc = MINGA_EINTERNAL;
        } else {
            if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
                ar_report_failure(ai, a, NULL);
                rc = MINGA_EINVAL;
            } else {
                rc = ar_read_archive(ai, a);
            }
            archive_read_free(a);
        }
    }
    free(ai);
    return rc;
}

static int ar_import_fd(const struct minga_host_api *host,
                        struct minga_import_sink *sink, const char *name,
                        int fd)
{
    if (!ar_host_is_usable(host))
        return MINGA_EINTERNAL;
    struct ar_import *ai = ar_import_new(host, sink, name);
    struct ar_fd_source *src = calloc(1, sizeof(*src));
    int rc = MINGA_OK;
    struct stat st;
    if (!ai || !src) {
        rc = MINGA_ENOMEM;
        goto out;
    }
    src->fd = fd;
    src->max_compressed = ai->limits.max_compressed;
    if (fstat(fd, &st) != 0) {
        host->error(sink, 0, 0, NULL, "%s", strerror(errno));
        rc = MINGA_EIO;
        goto out;
    }
    if (S_ISREG(st.st_mode)) {
        off_t at = lseek(fd, 0, SEEK_CUR);
        src->is_seekable = at >= 0;
        src->base = at > 0 ? at : 0;
        uint64_t size = (uint64_t)st.st_size;
        uint64_t base = (uint64_t)src->base;
        ai->total_compressed = size > base ? size - base : 0;
        rc = ar_refuse_size(ai, ai->total_compressed);
        if (rc != MINGA_OK)
            goto out;
        char magic[4];
        ai->is_zip_signature = pread(fd, magic, 4, src->base) == 4 &&
                               memcmp(magic, "PK\x03\x04", 4) == 0;
    }
    struct archive *a = ar_reader_new(ai, src->is_seekable);
    if (!a) {
        rc = MINGA_EINTERNAL;
        goto out;
    }
    archive_read_set_callback_data(a, src);
    archive_read_set_read_callback(a, ar_fd_read);
    archive_read_set_skip_callback(a, ar_fd_skip);
    if (src->is_seekable)
        archive_read_set_seek_callback(a, ar_fd_seek);
    ai->src = src;
    if (archive_read_open1(a) != ARCHIVE_OK) {
        ar_report_failure(ai, a, NULL);
        rc = src->is_over_limit ? MINGA_ELIMIT : MINGA_EINVAL;
    } else {
        rc = ar_read_archive(ai, a);
    }
    archive_read_free(a);
out:
    free(src);
    free(ai);
    return rc;
}

static const char *const ar_extensions[] = {".tar.gz", ".tar.xz", ".tgz",
                                            ".tar",    ".zip",    NULL};

static const struct minga_importer ar_importer = {
    sizeof(struct minga_importer),
    ar_extensions,
    ar_import_buffer,
    ar_import_fd,
};

MINGA_PLUGIN_DEFINE("archive", MINGA_PLUGIN_IMPORTER, "1.0.0",
                    "tar, tar.gz, tar.xz and zip archives of case files and "
                    "attachments",
                    &ar_importer, NULL);
