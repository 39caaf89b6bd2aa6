/*
 * libminga: writing a selection of cases in a format an exporter plugin
 * offers: json, jsonl, csv, markdown, briefing (a zip pack for
 * workshops), pdf, archive (the import layout, attachments included).
 */
#ifndef MINGA_PUBLIC_EXPORT_H
#define MINGA_PUBLIC_EXPORT_H

#include "errors.h"

#ifdef __cplusplus
extern "C" {
#endif

struct minga;

/* Writes the cases `query` selects (the language of search.h; "" for
 * all of them) in `format` to the open descriptor `fd`, most relevant
 * first. `lang` ("es", "pt", "en"; NULL for "en") is the language of
 * the labels and goal names in packs. MINGA_ENOTFOUND when no exporter
 * offers `format` or no case matches (nothing is written then);
 * MINGA_EIO when writing to fd failed. */
int minga_export_fd(struct minga *m, const char *query, const char *format,
                    const char *lang, int fd, char **errmsg);

#ifdef __cplusplus
}
#endif

#endif /* MINGA_PUBLIC_EXPORT_H */
