/* The fuzzing host of fuzz_host.h. */
#define _GNU_SOURCE
#include "fuzz_host.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "case_builder.h"
#include "diag.h"
#include "import_case_file.h"
#include "refdata.h"

extern const struct minga_plugin_desc fuzz_plugin_json __attribute__((weak));
extern const struct minga_plugin_desc fuzz_plugin_csv __attribute__((weak));
extern const struct minga_plugin_desc fuzz_plugin_markdown
    __attribute__((weak));
extern const struct minga_plugin_desc fuzz_plugin_archive
    __attribute__((weak));

struct minga_import_sink {
    struct case_builder *builder;
    struct diag_list *diags;
    const char *name;
    int depth;
};

/* Small limits: the limit paths are reached, and no input can make the
 * fuzzer run out of memory through a legitimate big archive. The parser
 * budgets are low enough that the seed bombs (bomb-*, from bomb_seeds.py)
 * cross them in a few KB, and well above any real case file's. */
static const struct minga_limits fuzz_limits = {
    .struct_size = sizeof(struct minga_limits),
    .max_compressed = 1u << 20,
    .max_uncompressed = 4u << 20,
    .max_entries = 64,
    .max_entry_size = 1u << 20,
    .max_json_values = 1000,
    .max_depth = 64,
    .max_csv_columns = 100,
};

static volatile unsigned char sink_hole;

/* Reads every byte, so that ASan sees a pointer past its buffer. */
static void touch(const void *p, size_t len)
{
    const unsigned char *b = p;
    unsigned char x = 0;
    for (size_t i = 0; i < len; i++)
        x ^= b[i];
    sink_hole ^= x;
}

static void touch_value(const struct minga_value *v)
{
    if (v && (v->type == MINGA_VALUE_STRING || v->type == MINGA_VALUE_TEXT) &&
        v->len)
        touch(v->str, v->len);
}

static const struct minga_importer *importer_for(const char *name)
{
    const struct minga_plugin_desc *all[] = {
        &fuzz_plugin_json, &fuzz_plugin_csv, &fuzz_plugin_markdown,
        &fuzz_plugin_archive};
    const struct minga_importer *best = NULL;
    size_t best_len = 0, n = strlen(name);
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (!all[i])
            continue;
        for (const char *const *e = all[i]->importer->extensions; *e; e++) {
            size_t len = strlen(*e);
            if (len <= n && len > best_len &&
                strcasecmp(name + n - len, *e) == 0) {
                best = all[i]->importer;
                best_len = len;
            }
        }
    }
    return best;
}

static int h_case_begin(struct minga_import_sink *s, int line)
{
    if (case_builder_is_open(s->builder)) {
        struct built_case bc;
        if (case_builder_end(s->builder, &bc) == 0)
            built_case_release(&bc);
    }
    case_builder_begin(s->builder, s->name, line);
    return MINGA_OK;
}

static int h_case_field(struct minga_import_sink *s, const char *name,
                        const struct minga_value *v)
{
    touch(name, strlen(name));
    touch_value(v);
    if (!case_builder_is_open(s->builder))
        return MINGA_EINVAL;
    return case_builder_field(s->builder, name, v);
}

static int h_case_item(struct minga_import_sink *s, const char *name,
                       size_t index, const struct minga_value *v)
{
    touch(name, strlen(name));
    touch_value(v);
    if (!case_builder_is_open(s->builder))
        return MINGA_EINVAL;
    return case_builder_item(s->builder, name, index, v);
}

static int h_case_end(struct minga_import_sink *s)
{
    if (!case_builder_is_open(s->builder))
        return MINGA_EINVAL;
    struct built_case bc;
    int rc = case_builder_end(s->builder, &bc);
    if (rc == 0)
        built_case_release(&bc);
    return rc;
}

static void report(struct minga_import_sink *s, int severity, int line,
                   int column, const char *field, const char *fmt, va_list ap)
{
    if (field)
        touch(field, strlen(field));
    /* format in full: a %s given an integer crashes here */
    char buf[512];
    va_list copy;
    va_copy(copy, ap);
    vsnprintf(buf, sizeof buf, fmt, copy);
    va_end(copy);
    diag_addv(s->diags, severity, s->name, line, column, field, fmt, ap);
}

static void h_error(struct minga_import_sink *s, int line, int column,
                    const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(s, DIAG_ERROR, line, column, field, fmt, ap);
    va_end(ap);
}

static void h_warning(struct minga_import_sink *s, int line, int column,
                      const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(s, DIAG_WARNING, line, column, field, fmt, ap);
    va_end(ap);
}

static const struct minga_host_api host_api;

/* As core/import_sink.c: members go to the importer for their type. */
static int h_import_member(struct minga_import_sink *s, const char *name,
                           const void *data, size_t len)
{
    touch(name, strlen(name));
    touch(data, len);
    /* the plugin ABI promises names are relative and free of ".." */
    if (name[0] == '/' || strcmp(name, "..") == 0 ||
        strncmp(name, "../", 3) == 0 || strstr(name, "/../") ||
        (strlen(name) >= 3 && strcmp(name + strlen(name) - 3, "/..") == 0))
        abort();
    const struct minga_importer *imp = importer_for(name);
    if (!imp || !import_is_case_markdown(name, data, len))
        return MINGA_ENOTFOUND;
    if (s->depth >= 1)
        return MINGA_EINVAL;
    struct minga_import_sink member = *s;
    member.depth = s->depth + 1;
    member.name = name;
    int rc = imp->import_buffer(&host_api, &member, name, data, len);
    if (case_builder_is_open(s->builder))
        h_case_end(&member);
    return rc == MINGA_ENOTFOUND ? MINGA_EINVAL : rc;
}

static int h_add_file(struct minga_import_sink *s, const char *name,
                      const void *data, size_t len)
{
    (void)s;
    touch(name, strlen(name));
    if (name[0] == '/' || strcmp(name, "..") == 0 ||
        strncmp(name, "../", 3) == 0 || strstr(name, "/../"))
        abort();
    touch(data, len);
    return MINGA_OK;
}

static const struct minga_limits *h_limits(struct minga_import_sink *s)
{
    (void)s;
    return &fuzz_limits;
}

static void h_progress(struct minga_import_sink *s, uint64_t done,
                       uint64_t total)
{
    (void)s;
    (void)done;
    (void)total;
}

static const struct minga_host_api host_api = {
    .struct_size = sizeof(struct minga_host_api),
    .abi_major = MINGA_ABI_MAJOR,
    .abi_minor = MINGA_ABI_MINOR,
    .case_begin = h_case_begin,
    .case_field = h_case_field,
    .case_item = h_case_item,
    .case_end = h_case_end,
    .error = h_error,
    .warning = h_warning,
    .import_member = h_import_member,
    .add_file = h_add_file,
    .limits = h_limits,
    .progress = h_progress,
};

void fuzz_host_init(void)
{
    char *err = NULL;
    if (refdata_load(&err) != 0) {
        fprintf(stderr, "fuzz host: cannot load reference data: %s\n",
                err ? err : "?");
        abort();
    }
}

static int run(const char *name, const uint8_t *data, size_t size, int fd)
{
    const struct minga_importer *imp = importer_for(name);
    if (!imp)
        abort(); /* the target links no importer for its own name */
    struct diag_list diags;
    diag_list_init(&diags);
    struct minga_import_sink sink = {case_builder_new(0, &diags), &diags, name,
                                     0};
    int rc;
    if (fd >= 0)
        rc = imp->import_fd ? imp->import_fd(&host_api, &sink, name, fd)
                            : MINGA_ENOTFOUND;
    else
        rc = imp->import_buffer(&host_api, &sink, name, data, size);
    if (case_builder_is_open(sink.builder))
        h_case_end(&sink);
    /* the messages as the CLI would print them */
    for (size_t i = 0; i < diags.n_items; i++)
        free(diag_format(&diags.items[i]));
    case_builder_free(sink.builder);
    diag_list_release(&diags);
    return rc;
}

int fuzz_host_import(const char *name, const uint8_t *data, size_t size)
{
    return run(name, data, size, -1);
}

int fuzz_host_import_fd(const char *name, const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz", MFD_CLOEXEC);
    if (fd < 0)
        abort();
    size_t off = 0;
    while (off < size) {
        ssize_t n = write(fd, data + off, size - off);
        if (n <= 0)
            abort();
        off += (size_t)n;
    }
    lseek(fd, 0, SEEK_SET);
    int rc = run(name, data, size, fd);
    close(fd);
    return rc;
}
