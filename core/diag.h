/*
 * Diagnostics: errors and warnings about input files, collected as data
 * (file, line, column, field, message) so the caller decides what to print.
 * Printed in compiler style:
 *   pack.zip!cases/rosario.json:12: error: sdg_goals[1]: 18 is not an SDG goal (1-17)
 */
#ifndef MINGA_DIAG_H
#define MINGA_DIAG_H

#include <stddef.h>
#include <stdio.h>
#include <stdarg.h>
#include <jansson.h>

#define DIAG_PRINT_MAX 20

enum diag_severity {
    DIAG_ERROR = 0,
    DIAG_WARNING = 1
};

struct diag {
    int severity;
    char *file;  /* "pack.zip!cases/rosario.json"; may be NULL */
    int line;    /* 0 when unknown */
    int column;  /* 0 when unknown */
    char *field; /* "sdg_goals[1]"; may be NULL */
    char *message;
};

struct diag_list {
    struct diag *items;
    size_t n_items;
    size_t cap;
    size_t n_errors;
    size_t n_warnings;
    size_t max_items; /* stop storing past this; 0 = 1000 */
};

void diag_list_init(struct diag_list *dl);
void diag_list_release(struct diag_list *dl);
void diag_addv(struct diag_list *dl, int severity, const char *file, int line,
               int column, const char *field, const char *fmt, va_list ap);
void diag_add(struct diag_list *dl, int severity, const char *file, int line,
              int column, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Orders diagnostics by file (in order of first appearance), then line,
 * keeping the original order otherwise: checks run field by field, a
 * reader reads top to bottom. */
void diag_list_sort(struct diag_list *dl);
/* One diagnostic as a line without newline. Returns a new string. */
char *diag_format(const struct diag *d);
/* Prints at most `max` diagnostics, then "... and N more". */
void diag_list_print(const struct diag_list *dl, FILE *out, size_t max);
/* [{severity, file, line, column, field, message}] (at most `max`). */
json_t *diag_list_json(const struct diag_list *dl, size_t max);

#endif
