/*
 * libminga: the public C API of minga, a catalog of city experiences with
 * the UN Sustainable Development Goals. This umbrella header includes the
 * rest; a program needs only
 *
 *     #include <minga/minga.h>
 *     cc prog.c $(pkg-config --cflags --libs minga)
 *
 * A data folder (catalog.db, index/, plugins found beside libminga) is
 * opened into a handle, `struct minga`. A handle belongs to one thread at
 * a time; a program that searches from several threads opens one handle
 * per thread (as `minga serve` does), and any number of processes may
 * read while one writes.
 *
 * Conventions, as in every header here:
 *   - functions return MINGA_OK (0) or a negative MINGA_E... code
 *     (minga/errors.h); where a function takes `char **errmsg`, a failure
 *     sets it to a one-line message (caller frees; it may be NULL when
 *     the caller does not want it);
 *   - a `char **` out-parameter receives a malloc'd string the caller
 *     frees with minga_free; every other pointer passed in is borrowed
 *     for the call only;
 *   - answers are JSON text in the shapes docs/openapi.json documents
 *     for the HTTP API, so no third-party type crosses this API;
 *   - every exported symbol begins with minga_.
 */
#ifndef MINGA_PUBLIC_MINGA_H
#define MINGA_PUBLIC_MINGA_H

#include "minga/version.h" /* generated into the build tree */
#include "errors.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One open data folder; opaque. */
struct minga;

enum minga_open_flags {
    MINGA_OPEN_CREATE = 1 << 0,  /* create the data folder if missing */
    MINGA_OPEN_READONLY = 1 << 1 /* search and read only */
};

/* Opens the data folder `dir` into *out. Without MINGA_OPEN_CREATE a
 * missing folder is MINGA_ENOTFOUND with a message that says to run
 * `minga init`; a folder another program is writing is still opened
 * (writers wait for each other). */
int minga_open(struct minga **out, const char *dir, int flags, char **errmsg);
/* Closes the handle and frees it; NULL is a no-op. */
void minga_close(struct minga *m);
/* The folder the handle was opened on; owned by the handle. */
const char *minga_data_dir(const struct minga *m);

/* Loads the importer and exporter plugins of the folders of `path`
 * (':'-separated) for this handle alone, ahead of those every handle
 * sees (MINGA_PLUGIN_PATH's, then the installed ones): two handles in
 * one process may so import and export with different plugins. A folder
 * that does not exist adds nothing; a plugin refused is listed by
 * `minga plugins`. Each call adds its folders ahead of the earlier
 * ones'. */
int minga_plugins_add_path(struct minga *m, const char *path, char **errmsg);

/* Frees a string this API returned (free(3); here so that a program
 * built against another C library's allocator frees it right). */
void minga_free(void *p);

/* The library's version at run time ("0.1.0"), to compare with the
 * header's MINGA_VERSION at build time. Static. */
const char *minga_library_version(void);

#ifdef __cplusplus
}
#endif

#include "catalog.h"
#include "search.h"
#include "export.h"

#endif /* MINGA_PUBLIC_MINGA_H */
