/*
 * A small host for fuzzing importer plugins without a data folder: the
 * plugin's calls go to the real case builder (core/case_builder.c), so
 * validation is fuzzed too, and its messages are formatted in full, so a
 * bad format string or argument in a plugin shows up as a crash.
 *
 * Importers are linked into the fuzz target directly (their sources are
 * compiled with -Dminga_plugin=fuzz_plugin_NAME); the ones a target does
 * not link are NULL (weak symbols).
 */
#ifndef MINGA_FUZZ_HOST_H
#define MINGA_FUZZ_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "minga/plugin.h"

/* Loads the reference data once; call from LLVMFuzzerInitialize. */
void fuzz_host_init(void);

/* Imports `data` as a file called `name` through the importer that takes
 * that name, as the host would (import_buffer). Returns its code. */
int fuzz_host_import(const char *name, const uint8_t *data, size_t size);

/* The same through import_fd, from a memfd holding the data. Returns the
 * importer's code, or MINGA_ENOTFOUND when it has no import_fd. */
int fuzz_host_import_fd(const char *name, const uint8_t *data, size_t size);

#endif
