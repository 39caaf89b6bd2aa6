/*
 * Shared by the extractors: a text buffer that keeps its content valid
 * UTF-8 and within EXTRACT_MAX_TEXT, and the per-format entry points.
 * Every extractor returns 0 or a MINGA_E code with *errmsg set.
 */
#ifndef MINGA_EXTRACT_INTERNAL_H
#define MINGA_EXTRACT_INTERNAL_H

#include <stddef.h>

#include "extract.h"

struct extract_buf {
    char *data; /* NUL-terminated */
    size_t len;
    size_t cap;
    size_t max_len; /* EXTRACT_MAX_TEXT */
    int is_full;    /* the cap was reached: ignore what follows */
    int has_oom;
};

void extract_buf_init(struct extract_buf *b);
void extract_buf_release(struct extract_buf *b);
/* Appends `n` bytes; invalid UTF-8 becomes U+FFFD, NUL bytes are dropped.
 * With `collapse`, each run of whitespace becomes one space (and none at
 * the start of a line). */
void extract_buf_append(struct extract_buf *b, const char *s, size_t n,
                        int collapse);
/* Ends a line, unless the text is empty or already ends one. */
void extract_buf_newline(struct extract_buf *b);
/* Hands the text to the caller: 0 with *out, or MINGA_ENOMEM. */
int extract_buf_finish(struct extract_buf *b, char **out, char **errmsg);

/* Sets *errmsg to a new formatted string and returns `code`. */
int extract_fail(char **errmsg, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Calls xmlInitParser once per process. */
void extract_xml_init(void);

int extract_pdf(const char *name, const void *data, size_t len, char **out,
                char **errmsg);
int extract_docx(const char *name, const void *data, size_t len, char **out,
                 char **errmsg);
int extract_odt(const char *name, const void *data, size_t len, char **out,
                char **errmsg);
int extract_html(const char *name, const void *data, size_t len, char **out,
                 char **errmsg);

#endif
