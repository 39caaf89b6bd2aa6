/*
 * A fake plugin host for importer tests: it records what a plugin reports
 * (cases, fields, items, errors, archive members, progress) as lines of
 * text that tests search, and loads plugin modules with dlopen.
 */
#ifndef MINGA_TESTS_FAKE_HOST_H
#define MINGA_TESTS_FAKE_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "minga/plugin.h"

struct minga_import_sink {
    char *log; /* "begin 2\nfield title TEXT 'x' 2:3\n..." */
    size_t log_len;
    char *errors; /* "error 3:5 [field] message\n..." */
    size_t errors_len;
    size_t n_errors;
    size_t n_warnings;
    size_t n_cases;
    size_t n_members;       /* import_member calls that found an importer */
    size_t n_files;         /* add_file calls */
    uint64_t progress_done; /* the last progress reported */
    uint64_t progress_total;
    size_t n_progress;
    struct minga_limits limits;
};

extern const struct minga_host_api fake_host_api;

void fake_sink_init(struct minga_import_sink *sink);
void fake_sink_release(struct minga_import_sink *sink);

/* dlopen()s a plugin module and returns its importer (asserting that it is
 * one, with the right ABI). The module stays loaded. */
const struct minga_importer *fake_load_importer(const char *path,
                                                const char *expected_name);

#endif
