#include "diag.h"

#include <stdlib.h>
#include <string.h>

void diag_list_init(struct diag_list *dl)
{
    memset(dl, 0, sizeof *dl);
}

void diag_list_release(struct diag_list *dl)
{
    for (size_t i = 0; i < dl->n_items; i++) {
        free(dl->items[i].file);
        free(dl->items[i].field);
        free(dl->items[i].message);
    }
    free(dl->items);
    memset(dl, 0, sizeof *dl);
}

void diag_addv(struct diag_list *dl, int severity, const char *file, int line,
               int column, const char *field, const char *fmt, va_list ap)
{
    size_t max = dl->max_items ? dl->max_items : 1000;
    if (severity == DIAG_ERROR)
        dl->n_errors++;
    else
        dl->n_warnings++;
    if (dl->n_items >= max)
        return; /* counted, not stored: nobody reads 1000 */
    if (dl->n_items == dl->cap) {
        size_t cap = dl->cap ? dl->cap * 2 : 16;
        struct diag *items = realloc(dl->items, cap * sizeof *items);
        if (!items)
            return;
        dl->items = items;
        dl->cap = cap;
    }
    char *message = NULL;
    if (vasprintf(&message, fmt, ap) < 0)
        return;
    struct diag *d = &dl->items[dl->n_items++];
    d->severity = severity;
    d->file = file ? strdup(file) : NULL;
    d->line = line;
    d->column = column;
    d->field = field ? strdup(field) : NULL;
    d->message = message;
}

void diag_add(struct diag_list *dl, int severity, const char *file, int line,
              int column, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_addv(dl, severity, file, line, column, field, fmt, ap);
    va_end(ap);
}

char *diag_format(const struct diag *d)
{
    char where[64] = "";
    if (d->line > 0 && d->column > 0)
        snprintf(where, sizeof where, ":%d:%d", d->line, d->column);
    else if (d->line > 0)
        snprintf(where, sizeof where, ":%d", d->line);
    char *out = NULL;
    if (asprintf(&out, "%s%s: %s: %s%s%s", d->file ? d->file : "minga", where,
                 d->severity == DIAG_ERROR ? "error" : "warning",
                 d->field ? d->field : "", d->field ? ": " : "",
                 d->message) < 0)
        return NULL;
    return out;
}

void diag_list_print(const struct diag_list *dl, FILE *out, size_t max)
{
    size_t shown = 0;
    for (size_t i = 0; i < dl->n_items && shown < max; i++, shown++) {
        char *line = diag_format(&dl->items[i]);
        if (line) {
            fprintf(out, "%s\n", line);
            free(line);
        }
    }
    size_t total = dl->n_errors + dl->n_warnings;
    if (total > shown)
        fprintf(out, "... and %zu more\n", total - shown);
}

json_t *diag_list_json(const struct diag_list *dl, size_t max)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < dl->n_items && i < max; i++) {
        const struct diag *d = &dl->items[i];
        char *text = diag_format(d);
        json_t *o =
            json_pack("{s:s, s:s?, s:i, s:i, s:s?, s:s, s:s?}", "severity",
                      d->severity == DIAG_ERROR ? "error" : "warning", "file",
                      d->file, "line", d->line, "column", d->column, "field",
                      d->field, "message", d->message, "text", text);
        free(text);
        if (o)
            json_array_append_new(arr, o);
    }
    return arr;
}

struct sort_key {
    size_t file_rank;
    int line;
    size_t position;
};

static const struct diag *sort_items;
static struct sort_key *sort_keys;

static int key_cmp(const void *a, const void *b)
{
    const struct sort_key *x = &sort_keys[*(const size_t *)a];
    const struct sort_key *y = &sort_keys[*(const size_t *)b];
    if (x->file_rank != y->file_rank)
        return x->file_rank < y->file_rank ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->position < y->position ? -1 : x->position > y->position;
}

static int same_file(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

void diag_list_sort(struct diag_list *dl)
{
    size_t n = dl->n_items;
    if (n < 2)
        return;
    struct sort_key *keys = calloc(n ? n : 1, sizeof *keys);
    size_t *order = calloc(n ? n : 1, sizeof *order);
    struct diag *sorted = calloc(n ? n : 1, sizeof *sorted);
    if (!keys || !order || !sorted) {
        free(keys);
        free(order);
        free(sorted);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        size_t rank = i;
        for (size_t j = 0; j < i; j++)
            if (same_file(dl->items[j].file, dl->items[i].file)) {
                rank = keys[j].file_rank;
                break;
            }
        keys[i] = (struct sort_key){rank, dl->items[i].line, i};
        order[i] = i;
    }
    /* qsort is not stable, but the position breaks every tie */
    sort_items = dl->items;
    sort_keys = keys;
    if (n > 1)
        qsort(order, n, sizeof *order, key_cmp);
    for (size_t i = 0; i < n; i++)
        sorted[i] = dl->items[order[i]];
    memcpy(dl->items, sorted, n * sizeof *sorted);
    free(keys);
    free(order);
    free(sorted);
}
