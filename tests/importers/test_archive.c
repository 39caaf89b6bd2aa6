/*
 * The archive importer plugin against archives built here with libarchive's
 * writer: members dispatched to the host, and hostile archives refused
 * (path traversal, absolute paths, links, zip bombs, too many entries,
 * garbage, truncation, non-UTF-8 names, empty files).
 */
#include <locale.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include "fake_host.h"

static const struct minga_importer *arc;

/* ---- building archives ------------------------------------------------ */

struct blob {
    unsigned char *data;
    size_t len;
    size_t cap;
};

static la_ssize_t blob_write(struct archive *a, void *arg, const void *buf,
                             size_t n)
{
    struct blob *b = arg;
    (void)a;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 65536;
        while (cap < b->len + n)
            cap *= 2;
        b->data = realloc(b->data, cap);
        assert_non_null(b->data);
        b->cap = cap;
    }
    memcpy(b->data + b->len, buf, n);
    b->len += n;
    return (la_ssize_t)n;
}

enum kind {
    ZIP,
    TAR,
    TGZ,
    TXZ
};

static struct archive *writer_new(enum kind kind, struct blob *out)
{
    struct archive *a = archive_write_new();
    memset(out, 0, sizeof(*out));
    archive_write_set_bytes_in_last_block(a, 1); /* no zero padding */
    if (kind == ZIP) {
        assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
        archive_write_set_options(a, "zip:compression-level=1");
    } else {
        assert_int_equal(archive_write_set_format_pax_restricted(a),
                         ARCHIVE_OK);
        if (kind == TGZ) {
            assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
            archive_write_set_options(a, "gzip:compression-level=1");
        } else if (kind == TXZ) {
            assert_int_equal(archive_write_add_filter_xz(a), ARCHIVE_OK);
        }
    }
    assert_int_equal(archive_write_open(a, out, NULL, blob_write, NULL),
                     ARCHIVE_OK);
    return a;
}

static void add_entry(struct archive *a, const char *path, unsigned type,
                      const char *data, const char *link, int is_hardlink)
{
    struct archive_entry *e = archive_entry_new();
    size_t len = data ? strlen(data) : 0;
    archive_entry_set_pathname(e, path);
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
    archive_entry_set_size(e, (la_int64_t)len);
    if (link && is_hardlink)
        archive_entry_set_hardlink(e, link);
    else if (link)
        archive_entry_set_symlink(e, link);
    /* WARN: a non-ASCII name that the C locale cannot convert is written
     * as raw bytes, which is what this test wants. */
    assert_true(archive_write_header(a, e) >= ARCHIVE_WARN);
    if (len)
        assert_int_equal(archive_write_data(a, data, len), (la_ssize_t)len);
    archive_entry_free(e);
}

static void add_file(struct archive *a, const char *path, const char *data)
{
    add_entry(a, path, AE_IFREG, data, NULL, 0);
}

static void writer_close(struct archive *a)
{
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
}

/* A pack of cases and attachments in nested folders, with macOS junk. */
static void build_pack(enum kind kind, struct blob *out)
{
    struct archive *a = writer_new(kind, out);
    add_entry(a, "pack/", AE_IFDIR, NULL, NULL, 0);
    add_entry(a, "pack/cases/", AE_IFDIR, NULL, NULL, 0);
    add_file(a, "pack/cases/rosario.json", "{\"title\": \"Rosario\"}");
    add_file(a, "./pack/cases/more.csv", "title,city\nA,B\n");
    add_file(a, "pack/cases/deep/nested/porto.md", "---\ntitle: P\n---\n");
    add_file(a, "pack/cases/s\xc3\xa3o-paulo.json", "{}");
    add_file(a, "pack/docs/informe.pdf", "%PDF-1.4 not really");
    add_file(a, "pack/docs/notes.txt", "");
    add_file(a, "__MACOSX/pack/._rosario.json", "junk");
    add_file(a, "pack/.DS_Store", "junk");
    add_file(a, "pack/cases/._more.csv", "junk");
    writer_close(a);
}

/* Writes a blob to an unlinked temporary file; returns its fd at 0. */
static int blob_to_fd(const struct blob *b)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(b->data, 1, b->len, f), b->len);
    fflush(f);
    int fd = dup(fileno(f));
    fclose(f);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

static int run_buffer(struct minga_import_sink *sink, const char *name,
                      const struct blob *b)
{
    return arc->import_buffer(&fake_host_api, sink, name, b->data, b->len);
}

static int run_fd(struct minga_import_sink *sink, const char *name,
                  const struct blob *b)
{
    int fd = blob_to_fd(b);
    int rc = arc->import_fd(&fake_host_api, sink, name, fd);
    close(fd);
    return rc;
}

static void assert_logged(const char *log, const char *line)
{
    if (!strstr(log, line))
        fail_msg("expected \"%s\" in:\n%s", line, log);
}

static void assert_pack_dispatched(const struct minga_import_sink *sink)
{
    assert_string_equal(sink->errors, "");
    assert_logged(sink->log, "member pack/cases/rosario.json 20\n");
    assert_logged(sink->log, "member pack/cases/more.csv 15\n");
    assert_logged(sink->log, "member pack/cases/deep/nested/porto.md 17\n");
    assert_logged(sink->log, "file pack/docs/informe.pdf 19\n");
    assert_logged(sink->log, "file pack/docs/notes.txt 0\n");
    assert_logged(sink->log, "member pack/cases/s\xc3\xa3o-paulo.json 2\n");
    assert_int_equal(sink->n_members, 4);
    assert_int_equal(sink->n_warnings, 0);
    assert_int_equal(sink->n_files, 2); /* no junk, no folders */
    assert_true(sink->n_progress > 0);
}

/* ---- members ------------------------------------------------------------ */

static void test_archive_zip_dispatches_members(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    struct blob b;
    build_pack(ZIP, &b);
    fake_sink_init(&sink);
    assert_int_equal(run_buffer(&sink, "pack.zip", &b), MINGA_OK);
    assert_pack_dispatched(&sink);
    fake_sink_release(&sink);

    fake_sink_init(&sink);
    assert_int_equal(run_fd(&sink, "pack.zip", &b), MINGA_OK);
    assert_pack_dispatched(&sink);
    assert_int_equal(sink.progress_total, b.len);
    fake_sink_release(&sink);
    free(b.data);
}

static void test_archive_tar_variants_dispatch_members(void **state)
{
    (void)state;
    static const enum kind kinds[] = {TAR, TGZ, TXZ};
    for (size_t i = 0; i < 3; i++) {
        struct minga_import_sink sink;
        struct blob b;
        build_pack(kinds[i], &b);
        fake_sink_init(&sink);
        assert_int_equal(run_fd(&sink, "pack.tar.gz", &b), MINGA_OK);
        assert_pack_dispatched(&sink);
        fake_sink_release(&sink);
        fake_sink_init(&sink);
        assert_int_equal(run_buffer(&sink, "pack.tar.gz", &b), MINGA_OK);
        assert_pack_dispatched(&sink);
        fake_sink_release(&sink);
        free(b.data);
    }
}

static void test_archive_rejects_archive_without_cases(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    struct blob b;
    struct archive *a = writer_new(ZIP, &b);
    add_file(a, "docs/a.pdf", "x");
    writer_close(a);
    fake_sink_init(&sink);
    assert_int_equal(run_buffer(&sink, "docs.zip", &b), MINGA_EINVAL);
    assert_logged(sink.errors, "no case files (.json, .jsonl, .csv, .md) "
                               "found in archive");
    fake_sink_release(&sink);
    free(b.data);
}

/* ---- hostile entries ---------------------------------------------------- */

/* Builds a tar.gz with a good case, then `path`, and imports it. */
static void assert_entry_refused(const char *path, unsigned type,
                                 const char *link, int is_hardlink,
                                 const char *expected)
{
    struct minga_import_sink sink;
    struct blob b;
    struct archive *a = writer_new(TGZ, &b);
    add_file(a, "cases/a.json", "{}");
    add_entry(a, path, type, type == AE_IFREG && !link ? "{}" : NULL, link,
              is_hardlink);
    writer_close(a);
    fake_sink_init(&sink);
    assert_int_equal(run_buffer(&sink, "evil.tar.gz", &b), MINGA_EINVAL);
    assert_logged(sink.errors, expected);
    assert_null(strstr(sink.log, "/x.json"));
    assert_null(strstr(sink.log, "evil.json"));
    fake_sink_release(&sink);
    free(b.data);
}

static void test_archive_rejects_dotdot_entry(void **state)
{
    (void)state;
    assert_entry_refused("../evil.json", AE_IFREG, NULL, 0,
                         "../evil.json: the entry's path has a \"..\" "
                         "component; refused");
    assert_entry_refused("cases/../../evil.json", AE_IFREG, NULL, 0,
                         "\"..\" component");
    assert_entry_refused("cases\\..\\evil.json", AE_IFREG, NULL, 0,
                         "\"..\" component");
}

static void test_archive_rejects_absolute_entry(void **state)
{
    (void)state;
    assert_entry_refused("/etc/x.json", AE_IFREG, NULL, 0,
                         "/etc/x.json: the entry has an absolute path; "
                         "refused");
}

static void test_archive_rejects_links_and_specials(void **state)
{
    (void)state;
    assert_entry_refused("cases/evil.json", AE_IFLNK, "/etc/passwd", 0,
                         "cases/evil.json: entry is a symbolic link");
    assert_entry_refused("cases/evil.json", AE_IFREG, "cases/a.json", 1,
                         "cases/evil.json: entry is a hard link");
    assert_entry_refused("cases/evil.json", AE_IFIFO, NULL, 0,
                         "entry is a FIFO");
    assert_entry_refused("cases/evil.json", AE_IFCHR, NULL, 0,
                         "entry is a device");
}

/* 2 GiB of zeros in one entry: ~2 MB compressed. */
static void build_bomb(enum kind kind, struct blob *out)
{
    static char zeros[1 << 20];
    struct archive *a = writer_new(kind, out);
    add_file(a, "cases/a.json", "{}");
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "docs/zeros.txt");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, 2048ll << 20);
    assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
    for (int i = 0; i < 2048; i++)
        assert_int_equal(archive_write_data(a, zeros, sizeof(zeros)),
                         (la_ssize_t)sizeof(zeros));
    archive_entry_free(e);
    writer_close(a);
}

static void test_archive_refuses_zip_bomb(void **state)
{
    (void)state;
    static const enum kind kinds[] = {ZIP, TGZ};
    static const char *const names[] = {"bomb.zip", "bomb.tar.gz"};
    for (size_t i = 0; i < 2; i++) {
        struct minga_import_sink sink;
        struct blob b;
        build_bomb(kinds[i], &b);
        assert_true(b.len < (16u << 20));
        fake_sink_init(&sink);
        sink.limits.max_entry_size = 8u << 20;
        assert_int_equal(run_fd(&sink, names[i], &b), MINGA_EINVAL);
        assert_logged(sink.errors, "docs/zeros.txt: entry is larger than "
                                   "max_entry_size (8388608 bytes); refused");
        assert_int_equal(sink.n_errors, 1);
        /* It stopped at 8 MiB of 2 GiB: at most a small share of the
         * compressed bytes was read. */
        assert_true(sink.progress_done < b.len / 8);
        fake_sink_release(&sink);
        free(b.data);
    }
}

static void test_archive_refuses_over_total_uncompressed(void **state)
{
    (void)state;
    static char block[(1 << 20) + 1];
    memset(block, 'a', sizeof(block) - 1);
    struct minga_import_sink sink;
    struct blob b;
    struct archive *a = writer_new(TGZ, &b);
    add_file(a, "cases/a.json", "{}");
    for (int i = 0; i < 8; i++) {
        char name[32];
        snprintf(name, sizeof(name), "docs/%d.txt", i);
        add_file(a, name, block);
    }
    writer_close(a);
    fake_sink_init(&sink);
    sink.limits.max_uncompressed = 4u << 20;
    assert_int_equal(run_buffer(&sink, "big.tar.gz", &b), MINGA_EINVAL);
    assert_logged(sink.errors, "docs/3.txt: the archive's entries "
                               "add up to more than max_uncompressed "
                               "(4194304 bytes)");
    assert_null(strstr(sink.log, "docs/4.txt"));
    fake_sink_release(&sink);
    free(b.data);
}

static void test_archive_refuses_over_max_compressed(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    struct blob b;
    build_pack(TAR, &b);
    fake_sink_init(&sink);
    sink.limits.max_compressed = 1024;
    assert_int_equal(run_fd(&sink, "pack.tar", &b), MINGA_ELIMIT);
    assert_logged(sink.errors, "archive is larger than max_compressed "
                               "(1024 bytes)");
    fake_sink_release(&sink);
    fake_sink_init(&sink);
    sink.limits.max_compressed = 1024;
    assert_int_equal(run_buffer(&sink, "pack.tar", &b), MINGA_ELIMIT);
    fake_sink_release(&sink);
    free(b.data);
}

static void test_archive_refuses_too_many_entries(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    struct blob b;
    struct archive *a = writer_new(TGZ, &b);
    add_file(a, "cases/a.json", "{}");
    for (int i = 0; i < 20000; i++) {
        char name[32];
        snprintf(name, sizeof(name), "many/%05d.txt", i);
        add_file(a, name, "x");
    }
    writer_close(a);
    fake_sink_init(&sink);
    assert_int_equal(run_buffer(&sink, "many.tar.gz", &b), MINGA_EINVAL);
    assert_logged(sink.errors, "more than max_entries (10000) entries; "
                               "refused");
    assert_int_equal(sink.n_files, 9999);
    fake_sink_release(&sink);
    free(b.data);
}

static void test_archive_rejects_random_bytes(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    struct blob b = {0};
    b.len = 4096;
    b.data = malloc(b.len);
    srand(42);
    for (size_t i = 0; i < b.len; i++)
        b.data[i] = (unsigned char)(rand() >> 7);
    fake_sink_init(&sink);
    assert_int_equal(run_fd(&sink, "junk.tar.gz", &b), MINGA_EINVAL);
    assert_logged(sink.errors, "not a readable tar or zip archive: "
                               "Unrecognized archive format");
    assert_int_equal(sink.n_errors, 1);
    fake_sink_release(&sink);
    free(b.data);
}

static void test_archive_rejects_truncated(void **state)
{
    (void)state;
    static char text[200000];
    for (size_t i = 0; i + 1 < sizeof(text); i++)
        text[i] = (char)('a' + (i * 7919 % 26));
    static const enum kind kinds[] = {TGZ, ZIP};
    for (size_t k = 0; k < 2; k++) {
        struct minga_import_sink sink;
        struct blob b;
        struct archive *a = writer_new(kinds[k], &b);
        add_file(a, "docs/long.txt", text);
        add_file(a, "cases/a.json", "{}");
        writer_close(a);
        b.len /= 2;
        fake_sink_init(&sink);
        assert_int_not_equal(run_fd(&sink, "cut.tar.gz", &b), MINGA_OK);
        assert_true(sink.n_errors >= 1);
        assert_logged(sink.errors, k == 0 ? "docs/long.txt: cannot read: "
                                            "truncated gzip"
                                          : "not a readable zip archive "
                                            "(truncated");
        fake_sink_release(&sink);
        free(b.data);
    }
}

static void test_archive_rejects_empty_file(void **state)
{
    (void)state;
    struct minga_import_sink sink;
    struct blob b = {(unsigned char *)"", 0, 0};
    fake_sink_init(&sink);
    assert_int_equal(run_buffer(&sink, "empty.zip", &b), MINGA_EINVAL);
    assert_logged(sink.errors, "empty file, not an archive");
    fake_sink_release(&sink);
    fake_sink_init(&sink);
    assert_int_equal(run_fd(&sink, "empty.zip", &b), MINGA_EINVAL);
    assert_logged(sink.errors, "empty file");
    fake_sink_release(&sink);
}

/* Clears the UTF-8 flag (bit 11) of every local and central header, as a
 * DOS-era zip tool would have written them. */
static void zip_clear_utf8_flags(struct blob *b)
{
    for (size_t i = 0; i + 10 < b->len; i++) {
        if (memcmp(b->data + i, "PK\x03\x04", 4) == 0)
            b->data[i + 7] &= (unsigned char)~0x08;
        else if (memcmp(b->data + i, "PK\x01\x02", 4) == 0)
            b->data[i + 9] &= (unsigned char)~0x08;
    }
}

static void assert_cp437_names_converted(void)
{
    struct minga_import_sink sink;
    struct blob b;
    struct archive *a = writer_new(ZIP, &b);
    add_file(a, "cases/caf\x82.json", "{}"); /* é in CP437 */
    add_file(a, "docs/ni\xa4o.txt", "x");    /* ñ */
    writer_close(a);
    zip_clear_utf8_flags(&b);
    fake_sink_init(&sink);
    assert_int_equal(run_buffer(&sink, "old.zip", &b), MINGA_OK);
    assert_logged(sink.log, "member cases/caf\xc3\xa9.json 2\n");
    assert_logged(sink.log, "file docs/ni\xc3\xb1o.txt 1\n");
    assert_int_equal(sink.n_warnings, 2);
    assert_logged(sink.errors, "not UTF-8; read as CP437");
    fake_sink_release(&sink);
    free(b.data);
}

/* The same whatever the host's locale: libarchive's name conversions
 * depend on it. */
static void test_archive_converts_cp437_names(void **state)
{
    (void)state;
    assert_cp437_names_converted();
    if (setlocale(LC_CTYPE, "C.UTF-8")) {
        assert_cp437_names_converted();
        setlocale(LC_CTYPE, "C");
    }
}

int main(void)
{
    arc = fake_load_importer(MINGA_ARCHIVE_PLUGIN, "archive");
    assert_non_null(arc->import_fd);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_archive_zip_dispatches_members),
        cmocka_unit_test(test_archive_tar_variants_dispatch_members),
        cmocka_unit_test(test_archive_rejects_archive_without_cases),
        cmocka_unit_test(test_archive_rejects_dotdot_entry),
        cmocka_unit_test(test_archive_rejects_absolute_entry),
        cmocka_unit_test(test_archive_rejects_links_and_specials),
        cmocka_unit_test(test_archive_refuses_zip_bomb),
        cmocka_unit_test(test_archive_refuses_over_total_uncompressed),
        cmocka_unit_test(test_archive_refuses_over_max_compressed),
        cmocka_unit_test(test_archive_refuses_too_many_entries),
        cmocka_unit_test(test_archive_rejects_random_bytes),
        cmocka_unit_test(test_archive_rejects_truncated),
        cmocka_unit_test(test_archive_rejects_empty_file),
        cmocka_unit_test(test_archive_converts_cp437_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
