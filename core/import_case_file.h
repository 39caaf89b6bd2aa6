/*
 * Which files of a folder or an archive are case files. One rule for the
 * import (core/import.c, core/import_sink.c) and the importer fuzzers'
 * host (fuzz/fuzz_host.c), which must read archives as the import does.
 */
#ifndef MINGA_IMPORT_CASE_FILE_H
#define MINGA_IMPORT_CASE_FILE_H

#include <stddef.h>

/* A Markdown file is a case file only when it opens with front matter
 * ("---"); a README or notes beside the cases are not. Other types: 1. */
int import_is_case_markdown(const char *name, const void *data, size_t len);

#endif
