/*
 * The inside of struct case_builder, shared by its two halves:
 * case_builder.c takes the fields as importers report them, case_rules.c
 * checks the finished case against the case format's rules.
 */
#ifndef MINGA_CASE_BUILDER_INTERNAL_H
#define MINGA_CASE_BUILDER_INTERNAL_H

#include "case_builder.h"

#define MAX_TITLE_CHARS 300
#define MAX_SUMMARY_CHARS 4000
#define MAX_BODY_BYTES (1024 * 1024)
#define MAX_ID_CHARS 100
#define MAX_ITEMS 1000

enum field_type {
    F_STRING,
    F_INT,
    F_INTV,
    F_STRV
};

enum field_id {
    FI_ID,
    FI_TITLE,
    FI_SUMMARY,
    FI_BODY,
    FI_LANGUAGE,
    FI_CITY,
    FI_COUNTRY,
    FI_REGION,
    FI_YEAR_START,
    FI_YEAR_END,
    FI_SDG_GOALS,
    FI_SDG_TARGETS,
    FI_LEVELS,
    FI_ACTORS,
    FI_TAGS,
    FI_SOURCE_URL,
    FI_LICENSE,
    FI_ATTACHMENTS,
    N_FIELDS
};

struct field_spec {
    const char *name;
    int type;
    int is_required;
};

extern const struct field_spec field_specs[N_FIELDS];

struct item {
    char *str; /* owned, NUL-terminated; NULL for integers */
    long long integer;
    int is_integer;
    int line, column;
};

struct field {
    int is_present;
    int is_bad; /* already reported: later checks skip it */
    int line, column;
    char *str;          /* F_STRING */
    long long integer;  /* F_INT */
    struct item *items; /* F_INTV, F_STRV */
    size_t n_items, cap;
};

struct case_builder {
    int is_lenient;
    int is_open;
    struct diag_list *dl;
    size_t errors_at_begin; /* errors already listed when the case began */
    const char *file;
    int line;
    struct field fields[N_FIELDS];
    json_t *extra;
};

/* Adds an error at line (or the case's line when 0) for `field`. */
void builder_fail(struct case_builder *b, int line, int column,
                  const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Forgets the current case's fields. */
void builder_reset(struct case_builder *b);

#endif
