/*
 * CSV importer: RFC 4180 files whose first row names the fields; every
 * following record is one case.
 *
 * libcsv parses, but tells nothing about positions, so the file is fed to
 * it one byte at a time: when a callback fires we know exactly which byte
 * triggered it, and we keep the physical line and column (in characters,
 * not bytes) of the start of every cell and record. A quoted cell may span
 * lines; blank lines, and rows whose cells are all empty, are ignored.
 *
 * Every non-empty cell is reported as MINGA_VALUE_TEXT: the host converts
 * it to the field's type and splits array fields on ';'. Empty cells are
 * absent fields. A cell that starts with one or more `'` and then one of
 * = + - @ tab CR loses its first `'`: minga's CSV writers add it so that a
 * spreadsheet shows such a cell as text instead of running it as a formula
 * (plugins/common/csv_out.c), and the round trip must give the case back.
 *
 * The header may hold at most max_csv_columns cells, counted as they are
 * read (each new name is checked against the earlier ones).
 */
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "minga/plugin.h"

struct csv_header_cell {
    char *name;
    int line;
    int column;
};

struct csv_import {
    const struct minga_host_api *host;
    struct minga_import_sink *sink;

    /* Position of the byte being fed to libcsv. */
    int line;
    int column;
    /* Where the current record and the current cell start. */
    int record_line;
    int cell_line;
    int cell_column;
    int is_in_record;
    int is_at_cell_start;

    struct csv_header_cell *header;
    size_t n_header;
    size_t cap_header;
    int has_header;
    uint64_t max_columns;

    size_t cell_index; /* of the current record */
    int has_case;      /* case_begin called for the current record */
    int has_extra_cell_error;
    int n_errors;
    int fatal_rc; /* nonzero: stop at once */
};

static int csv_is_space(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* Host return codes that mean "stop", as opposed to "this case is bad". */
static int csv_is_fatal(int rc)
{
    return rc == MINGA_ENOMEM || rc == MINGA_EINTERNAL || rc == MINGA_ELIMIT;
}

static void csv_check(struct csv_import *ci, int rc)
{
    if (rc >= 0)
        return;
    if (csv_is_fatal(rc))
        ci->fatal_rc = rc;
    else
        ci->n_errors++;
}

static void csv_header_add(struct csv_import *ci, const char *cell, size_t len)
{
    if (ci->n_header >= ci->max_columns) {
        ci->host->error(ci->sink, ci->cell_line, ci->cell_column, NULL,
                        "the header has more than max_csv_columns (%llu) "
                        "columns; refused (raise it with minga import "
                        "--max-csv-columns N)",
                        (unsigned long long)ci->max_columns);
        ci->fatal_rc = MINGA_ELIMIT;
        return;
    }
    if (ci->n_header == ci->cap_header) {
        size_t cap = ci->cap_header ? ci->cap_header * 2 : 16;
        struct csv_header_cell *grown =
            realloc(ci->header, cap * sizeof(*grown));
        if (!grown) {
            ci->fatal_rc = MINGA_ENOMEM;
            return;
        }
        ci->header = grown;
        ci->cap_header = cap;
    }
    char *name = malloc(len + 1);
    if (!name) {
        ci->fatal_rc = MINGA_ENOMEM;
        return;
    }
    if (len)
        memcpy(name, cell, len);
    name[len] = '\0';
    struct csv_header_cell *h = &ci->header[ci->n_header++];
    h->name = name;
    h->line = ci->cell_line;
    h->column = ci->cell_column;
    if (len == 0) {
        ci->host->error(ci->sink, h->line, h->column, NULL,
                        "empty field name in header column %zu", ci->n_header);
        ci->n_errors++;
    } else if (memchr(cell, '\0', len)) {
        ci->host->error(ci->sink, h->line, h->column, NULL,
                        "header column %zu: field name contains a NUL byte",
                        ci->n_header);
        ci->n_errors++;
    } else {
        for (size_t i = 0; i + 1 < ci->n_header; i++) {
            if (strcmp(ci->header[i].name, name) == 0) {
                ci->host->error(ci->sink, h->line, h->column, name,
                                "duplicate field name in header (first in "
                                "column %zu)",
                                i + 1);
                ci->n_errors++;
                break;
            }
        }
    }
}

/* A cell a CSV writer guarded against formulas: `'`, then any more `'`,
 * then = + - @ tab or CR (the writer's rule is in csv_out.c). */
static int csv_is_guarded(const char *cell, size_t len)
{
    size_t i = 0;
    while (i < len && cell[i] == '\'')
        i++;
    return i > 0 && i < len && cell[i] != '\0' &&
           strchr("=+-@\t\r", cell[i]) != NULL;
}

/* libcsv: end of a cell. */
static void csv_on_cell(void *cell, size_t len, void *arg)
{
    struct csv_import *ci = arg;
    ci->is_at_cell_start = 1;
    if (ci->fatal_rc)
        return;
    size_t index = ci->cell_index++;
    if (!ci->has_header) {
        csv_header_add(ci, cell, len);
        return;
    }
    if (index >= ci->n_header) {
        if (!ci->has_extra_cell_error) {
            ci->host->error(ci->sink, ci->cell_line, ci->cell_column, NULL,
                            "record has more cells than the header "
                            "(%zu fields)",
                            ci->n_header);
            ci->n_errors++;
            ci->has_extra_cell_error = 1;
        }
        return;
    }
    if (!cell || len == 0)
        return;
    const char *text = cell;
    if (csv_is_guarded(text, len)) {
        text++;
        len--;
    }
    if (!ci->has_case) {
        csv_check(ci, ci->host->case_begin(ci->sink, ci->record_line));
        ci->has_case = 1;
        if (ci->fatal_rc)
            return;
    }
    struct minga_value v = {0};
    v.type = MINGA_VALUE_TEXT;
    v.str = text;
    v.len = len;
    v.line = ci->cell_line;
    v.column = ci->cell_column;
    csv_check(ci, ci->host->case_field(ci->sink, ci->header[index].name, &v));
}

/* A header of one cell holding ';' or a tab: a file separated by
 * another character than ',' (a spreadsheet set to a language whose
 * decimal mark is a comma writes ';'). Said once, plainly, rather than
 * as an unknown field and every required field missing on each record. */
static int csv_check_separator(struct csv_import *ci)
{
    if (ci->n_header != 1)
        return 0;
    const struct csv_header_cell *h = &ci->header[0];
    const char *sep = strchr(h->name, ';')    ? "';'"
                      : strchr(h->name, '\t') ? "a tab"
                                              : NULL;
    if (!sep)
        return 0;
    ci->host->error(ci->sink, h->line, h->column, NULL,
                    "the header's field names are separated by %s, not "
                    "','; minga reads comma-separated CSV (RFC 4180, with "
                    "';' only between the values of a list field such as "
                    "sdg_goals): export it as \"CSV UTF-8 (comma "
                    "delimited)\"",
                    sep);
    ci->n_errors++;
    return 1;
}

/* libcsv: end of a record. */
static void csv_on_record(int terminator, void *arg)
{
    struct csv_import *ci = arg;
    (void)terminator;
    if (!ci->has_header) {
        ci->has_header = 1;
        csv_check_separator(ci);
        if (ci->n_errors)
            ci->fatal_rc = MINGA_EINVAL; /* cells cannot be named */
    } else if (ci->has_case && !ci->fatal_rc) {
        csv_check(ci, ci->host->case_end(ci->sink));
    }
    ci->has_case = 0;
    ci->has_extra_cell_error = 0;
    ci->cell_index = 0;
    ci->is_in_record = 0;
    ci->is_at_cell_start = 1;
}

/* Notes where records and cells start before `c` is fed to libcsv. Leading
 * blanks of a cell are trimmed by libcsv, so a cell starts at its first
 * non-blank byte. */
static void csv_note_position(struct csv_import *ci, unsigned char c)
{
    int is_newline = c == '\r' || c == '\n';
    if (!ci->is_in_record) {
        if (csv_is_space(c) || is_newline)
            return;
        ci->is_in_record = 1;
        ci->record_line = ci->line;
    }
    if (ci->is_at_cell_start && !csv_is_space(c)) {
        ci->cell_line = ci->line;
        ci->cell_column = ci->column;
        ci->is_at_cell_start = 0;
    }
}

/* Moves the position past byte data[i]: CR LF, CR and LF all end a line;
 * columns count UTF-8 characters. */
static void csv_advance(struct csv_import *ci, const unsigned char *data,
                        size_t len, size_t i)
{
    unsigned char c = data[i];
    if (c == '\n' || (c == '\r' && (i + 1 >= len || data[i + 1] != '\n'))) {
        ci->line++;
        ci->column = 1;
    } else if (c != '\r' && i + 1 < len && (data[i + 1] & 0xC0) != 0x80) {
        ci->column++;
    }
}

static void csv_import_release(struct csv_import *ci)
{
    for (size_t i = 0; i < ci->n_header; i++)
        free(ci->header[i].name);
    free(ci->header);
}

static int csv_import_buffer(const struct minga_host_api *host,
                             struct minga_import_sink *sink, const char *name,
                             const void *data, size_t len)
{
    const unsigned char *bytes = data;
    struct csv_import ci = {0};
    struct csv_parser parser;
    (void)name;

    ci.host = host;
    ci.sink = sink;
    const struct minga_limits *limits =
        host->limits ? host->limits(sink) : NULL;
    ci.max_columns =
        MINGA_LIMIT(limits, max_csv_columns, MINGA_DEFAULT_MAX_CSV_COLUMNS);
    ci.line = 1;
    ci.column = 1;
    ci.is_at_cell_start = 1;

    size_t start = 0;
    if (len >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF)
        start = 3; /* the UTF-8 BOM that spreadsheets write */

    if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return MINGA_ENOMEM;

    int has_parse_error = 0;
    for (size_t i = start; i < len && !ci.fatal_rc; i++) {
        csv_note_position(&ci, bytes[i]);
        if (csv_parse(&parser, bytes + i, 1, csv_on_cell, csv_on_record,
                      &ci) != 1) {
            int err = csv_error(&parser);
            if (err == CSV_EPARSE) {
                host->error(sink, ci.line, ci.column, NULL,
                            "misplaced '\"': a quoted cell must be quoted "
                            "whole, with '\"\"' for a quote inside it, and "
                            "end before ',' or the end of the line");
            } else {
                host->error(sink, ci.line, ci.column, NULL, "%s",
                            csv_strerror(err));
            }
            has_parse_error = 1;
            if (err == CSV_ENOMEM)
                ci.fatal_rc = MINGA_ENOMEM;
            break;
        }
        csv_advance(&ci, bytes, len, i);
    }
    if (!has_parse_error && !ci.fatal_rc &&
        csv_fini(&parser, csv_on_cell, csv_on_record, &ci) != 0) {
        host->error(sink, ci.cell_line, ci.cell_column, NULL,
                    "unterminated quoted cell (the closing '\"' is "
                    "missing)");
        has_parse_error = 1;
    }
    csv_free(&parser);

    if (!ci.fatal_rc && !has_parse_error && ci.n_header == 0) {
        host->error(sink, 1, 0, NULL,
                    "empty file: expected a header row of field names");
        has_parse_error = 1;
    }
    csv_import_release(&ci);
    if (ci.fatal_rc)
        return ci.fatal_rc;
    return has_parse_error || ci.n_errors ? MINGA_EINVAL : MINGA_OK;
}

static const char *const csv_extensions[] = {".csv", NULL};

static const struct minga_importer csv_importer = {
    sizeof(struct minga_importer),
    csv_extensions,
    csv_import_buffer,
    NULL,
};

MINGA_PLUGIN_DEFINE("csv", MINGA_PLUGIN_IMPORTER, "1.0.0",
                    "CSV case files: a header row, then one case per record",
                    &csv_importer, NULL);
