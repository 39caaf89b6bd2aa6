/*
 * libminga: putting cases into the catalog and reading them back. Cases
 * follow the case format v1 (docs/case-format.md) in any file type an
 * installed importer plugin reads: .json, .jsonl, .csv, .md, .zip and
 * .tar archives with their attachments.
 */
#ifndef MINGA_PUBLIC_CATALOG_H
#define MINGA_PUBLIC_CATALOG_H

#include <stddef.h>

#include "errors.h"

#ifdef __cplusplus
extern "C" {
#endif

struct minga;

enum minga_import_flags {
    MINGA_IMPORT_DRY_RUN = 1 << 0, /* validate and report; write nothing */
    MINGA_IMPORT_LENIENT = 1 << 1, /* unknown fields kept and ignored */
    MINGA_IMPORT_FORCE = 1 << 2,   /* read files imported before again */
    /* an attachment missing beside its case file is a warning, and the
     * case imports without it */
    MINGA_IMPORT_NO_ATTACHMENTS = 1 << 3
};

/* Imports the files and folders `paths` (n_paths of them) as one
 * transaction: any error imports nothing. *report (may be NULL) gets
 * the report as `minga import --json` prints it, {cases, new, updated,
 * files, skipped, errors: [{file, line, column, field, message}], ...},
 * on success and on MINGA_EINVAL alike, so the caller can show every
 * error; *errmsg a one-line summary of a failure. Returns MINGA_OK,
 * MINGA_EINVAL (the files hold errors), MINGA_ELIMIT (a budget was
 * crossed), MINGA_EIO, MINGA_ENOMEM. Writes; the handle must not be
 * MINGA_OPEN_READONLY. */
int minga_import_files(struct minga *m, const char *const *paths,
                       size_t n_paths, unsigned flags, char **report,
                       char **errmsg);

/* The case `id` as `minga show --json` prints it: the case format v1 in
 * its canonical order, with created_at and updated_at. MINGA_ENOTFOUND
 * when there is no such case. */
int minga_case_get_json(struct minga *m, const char *id, char **json,
                        char **errmsg);

/* Deletes case `id` (its history is kept: `minga restore` brings it
 * back). MINGA_ENOTFOUND when there is no such case. */
int minga_case_remove(struct minga *m, const char *id, char **errmsg);

/* Counts as GET /api/stats answers them: {cases, indexed, goals: {"1":
 * n, ...}, levels, countries, languages, actors, imports, attachments}. */
int minga_catalog_stats(struct minga *m, char **json, char **errmsg);

#ifdef __cplusplus
}
#endif

#endif /* MINGA_PUBLIC_CATALOG_H */
