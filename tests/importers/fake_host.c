/*
 * The fake host of fake_host.h.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dlfcn.h>
#include <cmocka.h>

#include "fake_host.h"

static void fake_append(char **buf, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fake_append(char **buf, size_t *len, const char *fmt, ...)
{
    va_list ap;
    char *line = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&line, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    char *grown = realloc(*buf, *len + (size_t)n + 1);
    assert_non_null(grown);
    memcpy(grown + *len, line, (size_t)n + 1);
    *buf = grown;
    *len += (size_t)n;
    free(line);
}

static const char *fake_type_name(int type)
{
    static const char *const names[] = {"NULL", "STRING", "TEXT",  "INTEGER",
                                        "REAL", "BOOL",   "ARRAY", "OBJECT"};
    return type >= 0 && type <= MINGA_VALUE_OBJECT ? names[type] : "?";
}

static int fake_case_begin(struct minga_import_sink *sink, int line)
{
    sink->n_cases++;
    fake_append(&sink->log, &sink->log_len, "begin %d\n", line);
    return 0;
}

static void fake_log_value(struct minga_import_sink *sink, const char *what,
                           const char *name, const struct minga_value *v)
{
    if (v->type == MINGA_VALUE_STRING || v->type == MINGA_VALUE_TEXT)
        fake_append(&sink->log, &sink->log_len, "%s %s %s '%.*s' %d:%d\n",
                    what, name, fake_type_name(v->type), (int)v->len, v->str,
                    v->line, v->column);
    else
        fake_append(&sink->log, &sink->log_len, "%s %s %s %d:%d\n", what, name,
                    fake_type_name(v->type), v->line, v->column);
}

static int fake_case_field(struct minga_import_sink *sink, const char *name,
                           const struct minga_value *value)
{
    fake_log_value(sink, "field", name, value);
    return 0;
}

static int fake_case_item(struct minga_import_sink *sink, const char *name,
                          size_t index, const struct minga_value *value)
{
    char label[256];
    snprintf(label, sizeof(label), "%s[%zu]", name, index);
    fake_log_value(sink, "item", label, value);
    return 0;
}

static int fake_case_end(struct minga_import_sink *sink)
{
    fake_append(&sink->log, &sink->log_len, "end\n");
    return 0;
}

static void fake_report(struct minga_import_sink *sink, const char *kind,
                        int line, int column, const char *field,
                        const char *fmt, va_list ap)
{
    char *msg = NULL;
    assert_true(vasprintf(&msg, fmt, ap) >= 0);
    fake_append(&sink->errors, &sink->errors_len, "%s %d:%d [%s] %s\n", kind,
                line, column, field ? field : "", msg);
    if (getenv("MINGA_TEST_VERBOSE")) /* to see every message */
        fprintf(stderr, "%s %d:%d [%s] %s\n", kind, line, column,
                field ? field : "", msg);
    free(msg);
}

static void fake_error(struct minga_import_sink *sink, int line, int column,
                       const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sink->n_errors++;
    fake_report(sink, "error", line, column, field, fmt, ap);
    va_end(ap);
}

static void fake_warning(struct minga_import_sink *sink, int line, int column,
                         const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sink->n_warnings++;
    fake_report(sink, "warning", line, column, field, fmt, ap);
    va_end(ap);
}

static int fake_has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), k = strlen(suffix);
    return n >= k && strcmp(name + n - k, suffix) == 0;
}

/* Case files are those a real host has importers for. */
static int fake_import_member(struct minga_import_sink *sink, const char *name,
                              const void *data, size_t len)
{
    (void)data;
    if (!fake_has_suffix(name, ".json") && !fake_has_suffix(name, ".jsonl") &&
        !fake_has_suffix(name, ".csv") && !fake_has_suffix(name, ".md"))
        return MINGA_ENOTFOUND;
    sink->n_members++;
    fake_append(&sink->log, &sink->log_len, "member %s %zu\n", name, len);
    return 0;
}

static int fake_add_file(struct minga_import_sink *sink, const char *name,
                         const void *data, size_t len)
{
    (void)data;
    sink->n_files++;
    fake_append(&sink->log, &sink->log_len, "file %s %zu\n", name, len);
    return 0;
}

static const struct minga_limits *fake_limits(struct minga_import_sink *s)
{
    return &s->limits;
}

static void fake_progress(struct minga_import_sink *sink, uint64_t done,
                          uint64_t total)
{
    sink->n_progress++;
    sink->progress_done = done;
    sink->progress_total = total;
}

const struct minga_host_api fake_host_api = {
    .struct_size = sizeof(struct minga_host_api),
    .abi_major = MINGA_ABI_MAJOR,
    .abi_minor = MINGA_ABI_MINOR,
    .case_begin = fake_case_begin,
    .case_field = fake_case_field,
    .case_item = fake_case_item,
    .case_end = fake_case_end,
    .error = fake_error,
    .warning = fake_warning,
    .import_member = fake_import_member,
    .add_file = fake_add_file,
    .limits = fake_limits,
    .progress = fake_progress,
};

void fake_sink_init(struct minga_import_sink *sink)
{
    memset(sink, 0, sizeof(*sink));
    sink->log = strdup("");
    sink->errors = strdup("");
    sink->limits.struct_size = sizeof(sink->limits);
    sink->limits.max_compressed = 64u << 20;
    sink->limits.max_uncompressed = 256u << 20;
    sink->limits.max_entries = 10000;
    sink->limits.max_entry_size = 16u << 20;
}

void fake_sink_release(struct minga_import_sink *sink)
{
    free(sink->log);
    free(sink->errors);
    memset(sink, 0, sizeof(*sink));
}

const struct minga_importer *fake_load_importer(const char *path,
                                                const char *expected_name)
{
    void *module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!module)
        fail_msg("dlopen %s: %s", path, dlerror());
    const struct minga_plugin_desc *desc = dlsym(module, MINGA_PLUGIN_SYMBOL);
    assert_non_null(desc);
    assert_int_equal(desc->abi_major, MINGA_ABI_MAJOR);
    assert_true(desc->struct_size <= sizeof(struct minga_plugin_desc));
    assert_int_equal(desc->kind, MINGA_PLUGIN_IMPORTER);
    assert_string_equal(desc->name, expected_name);
    assert_non_null(desc->importer);
    assert_non_null(desc->importer->import_buffer);
    return desc->importer;
}
