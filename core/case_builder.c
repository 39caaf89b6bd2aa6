/* Taking fields from importers: types, duplicates, unknown fields, and
 * untyped text split into arrays. The rules are in case_rules.c. */
#include "case_builder_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "case.h"
#include "textfold.h"

const struct field_spec field_specs[N_FIELDS] = {
    {"id", F_STRING, 0},       {"title", F_STRING, 1},
    {"summary", F_STRING, 1},  {"body", F_STRING, 0},
    {"language", F_STRING, 1}, {"city", F_STRING, 1},
    {"country", F_STRING, 1},  {"region", F_STRING, 0},
    {"year_start", F_INT, 1},  {"year_end", F_INT, 0},
    {"sdg_goals", F_INTV, 1},  {"sdg_targets", F_STRV, 0},
    {"levels", F_STRV, 1},     {"actors", F_STRV, 0},
    {"tags", F_STRV, 0},       {"source_url", F_STRING, 0},
    {"license", F_STRING, 0},  {"attachments", F_STRV, 0},
};

void built_case_release(struct built_case *bc)
{
    case_free(bc->c);
    free(bc->attachment_lines);
    json_decref(bc->extra);
    memset(bc, 0, sizeof *bc);
}

static void field_clear(struct field *f)
{
    free(f->str);
    for (size_t i = 0; i < f->n_items; i++)
        free(f->items[i].str);
    free(f->items);
    memset(f, 0, sizeof *f);
}

void builder_reset(struct case_builder *b)
{
    for (int i = 0; i < N_FIELDS; i++)
        field_clear(&b->fields[i]);
    json_decref(b->extra);
    b->extra = NULL;
    b->is_open = 0;
}

struct case_builder *case_builder_new(int is_lenient, struct diag_list *dl)
{
    struct case_builder *b = calloc(1, sizeof *b);
    if (b) {
        b->is_lenient = is_lenient;
        b->dl = dl;
    }
    return b;
}

void case_builder_free(struct case_builder *b)
{
    if (!b)
        return;
    builder_reset(b);
    free(b);
}

int case_builder_is_open(const struct case_builder *b)
{
    return b->is_open;
}

void case_builder_begin(struct case_builder *b, const char *file, int line)
{
    builder_reset(b);
    b->file = file;
    b->line = line;
    b->is_open = 1;
    b->errors_at_begin = b->dl->n_errors;
}

void builder_fail(struct case_builder *b, int line, int column,
                  const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_addv(b->dl, DIAG_ERROR, b->file, line ? line : b->line, column, field,
              fmt, ap);
    va_end(ap);
}

static int find_field(const char *name)
{
    for (int i = 0; i < N_FIELDS; i++)
        if (strcmp(field_specs[i].name, name) == 0)
            return i;
    return -1;
}

static const char *type_name(int type)
{
    switch (type) {
    case MINGA_VALUE_NULL:
        return "null";
    case MINGA_VALUE_STRING:
    case MINGA_VALUE_TEXT:
        return "a string";
    case MINGA_VALUE_INTEGER:
        return "an integer";
    case MINGA_VALUE_REAL:
        return "a number with a fraction";
    case MINGA_VALUE_BOOL:
        return "a boolean";
    case MINGA_VALUE_ARRAY:
        return "an array";
    default:
        return "an object";
    }
}

/* Checks the bytes of a string value: valid UTF-8, no NUL. Returns a new
 * NUL-terminated copy or NULL after reporting. */
static char *checked_copy(struct case_builder *b, const char *field,
                          const struct minga_value *v)
{
    size_t bad = text_utf8_error_offset(v->str ? v->str : "", v->len);
    if (bad != v->len) {
        builder_fail(
            b, v->line, v->column, field,
            "invalid UTF-8 (byte %zu of the value); save the file as UTF-8",
            bad + 1);
        return NULL;
    }
    char *s = malloc(v->len + 1);
    if (!s) {
        builder_fail(b, v->line, v->column, field, "out of memory");
        return NULL;
    }
    memcpy(s, v->str ? v->str : "", v->len);
    s[v->len] = '\0';
    return s;
}

static int parse_integer_text(const char *s, long long *out)
{
    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return -1;
    errno = 0;
    char *end;
    long long n = strtoll(s, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (errno || *end)
        return -1;
    *out = n;
    return 0;
}

static int add_item(struct case_builder *b, struct field *f, const char *name,
                    size_t index, const struct minga_value *v, int want_int)
{
    char label[96];
    snprintf(label, sizeof label, "%s[%zu]", name, index);
    if (f->n_items >= MAX_ITEMS) {
        if (f->n_items == MAX_ITEMS)
            builder_fail(b, v->line, v->column, name, "more than %d items",
                         MAX_ITEMS);
        return MINGA_EINVAL;
    }
    struct item it = {.line = v->line, .column = v->column};
    if (want_int) {
        if (v->type == MINGA_VALUE_INTEGER) {
            it.integer = v->integer;
        } else if (v->type == MINGA_VALUE_TEXT) {
            char *s = checked_copy(b, label, v);
            if (!s)
                return MINGA_EINVAL;
            int rc = parse_integer_text(s, &it.integer);
            if (rc < 0)
                builder_fail(b, v->line, v->column, label,
                             "\"%s\" is not an integer", s);
            free(s);
            if (rc < 0)
                return MINGA_EINVAL;
        } else {
            builder_fail(b, v->line, v->column, label,
                         "expected an integer, got %s", type_name(v->type));
            return MINGA_EINVAL;
        }
        it.is_integer = 1;
    } else {
        if (v->type != MINGA_VALUE_STRING && v->type != MINGA_VALUE_TEXT) {
            builder_fail(b, v->line, v->column, label,
                         "expected a string, got %s", type_name(v->type));
            return MINGA_EINVAL;
        }
        if (!(it.str = checked_copy(b, label, v)))
            return MINGA_EINVAL;
    }
    if (f->n_items == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        struct item *grown = realloc(f->items, cap * sizeof *grown);
        if (!grown) {
            free(it.str);
            return MINGA_ENOMEM;
        }
        f->items = grown;
        f->cap = cap;
    }
    f->items[f->n_items++] = it;
    return MINGA_OK;
}

/* Untyped text for an array field: "11;16" holds two items. */
static int split_text_items(struct case_builder *b, struct field *f,
                            const char *name, const struct minga_value *v,
                            int want_int)
{
    size_t start = 0, index = 0;
    for (size_t i = 0; i <= v->len; i++) {
        if (i < v->len && v->str[i] != ';')
            continue;
        struct minga_value part = *v;
        part.str = v->str + start;
        part.len = i - start;
        while (part.len && isspace((unsigned char)part.str[0])) {
            part.str++;
            part.len--;
        }
        while (part.len && isspace((unsigned char)part.str[part.len - 1]))
            part.len--;
        start = i + 1;
        if (part.len == 0)
            continue; /* "11;" or an empty cell part */
        int rc = add_item(b, f, name, index++, &part, want_int);
        if (rc)
            return rc;
    }
    return MINGA_OK;
}

static void keep_extra(struct case_builder *b, const char *name,
                       const struct minga_value *v, int is_item)
{
    if (!b->extra)
        b->extra = json_object();
    json_t *value;
    switch (v->type) {
    case MINGA_VALUE_STRING:
    case MINGA_VALUE_TEXT:
        value = text_is_valid_utf8(v->str, v->len)
                    ? json_stringn(v->str, v->len)
                    : json_null();
        break;
    case MINGA_VALUE_INTEGER:
        value = json_integer(v->integer);
        break;
    case MINGA_VALUE_REAL:
        value = json_real(v->real);
        break;
    case MINGA_VALUE_BOOL:
        value = json_boolean(v->integer);
        break;
    case MINGA_VALUE_ARRAY:
        value = json_array();
        break;
    default:
        value = json_null();
        break;
    }
    json_t *prev = json_object_get(b->extra, name);
    if (is_item && json_is_array(prev))
        json_array_append_new(prev, value);
    else
        json_object_set_new(b->extra, name, value);
}

static int unknown_field(struct case_builder *b, const char *name,
                         const struct minga_value *v, int is_item)
{
    if (b->is_lenient) {
        keep_extra(b, name, v, is_item);
        return MINGA_OK;
    }
    if (!is_item) {
        const char *hint = NULL;
        for (int i = 0; i < N_FIELDS; i++) {
            size_t n = strlen(field_specs[i].name);
            if (strncasecmp(name, field_specs[i].name, n < 5 ? n : 5) == 0)
                hint = field_specs[i].name;
        }
        if (hint)
            builder_fail(
                b, v->line, v->column, name,
                "unknown field (did you mean \"%s\"? use --lenient to "
                "ignore unknown fields)",
                hint);
        else
            builder_fail(
                b, v->line, v->column, name,
                "unknown field (use --lenient to ignore unknown fields)");
    }
    return MINGA_EINVAL;
}

static int field_store(struct case_builder *b, const char *name,
                       const struct minga_value *v)
{
    int id = find_field(name);
    if (id < 0)
        return unknown_field(b, name, v, 0);
    struct field *f = &b->fields[id];
    if (f->is_present) {
        builder_fail(b, v->line, v->column, name,
                     "appears twice in one case (first at line %d)", f->line);
        return MINGA_EINVAL;
    }
    if (v->type == MINGA_VALUE_NULL)
        return MINGA_OK; /* null means absent */
    f->is_present = 1;
    f->line = v->line;
    f->column = v->column;
    int type = field_specs[id].type;
    if (v->type == MINGA_VALUE_OBJECT) {
        builder_fail(b, v->line, v->column, name, "expected %s, got an object",
                     type == F_STRING ? "a string"
                     : type == F_INT  ? "an integer"
                                      : "an array");
        return MINGA_EINVAL;
    }
    switch (type) {
    case F_STRING:
        if (v->type != MINGA_VALUE_STRING && v->type != MINGA_VALUE_TEXT) {
            builder_fail(b, v->line, v->column, name,
                         "expected a string, got %s", type_name(v->type));
            return MINGA_EINVAL;
        }
        return (f->str = checked_copy(b, name, v)) ? MINGA_OK : MINGA_EINVAL;
    case F_INT:
        if (v->type == MINGA_VALUE_INTEGER) {
            f->integer = v->integer;
            return MINGA_OK;
        }
        if (v->type == MINGA_VALUE_TEXT) {
            char *s = checked_copy(b, name, v);
            if (!s)
                return MINGA_EINVAL;
            int rc = parse_integer_text(s, &f->integer);
            if (rc < 0)
                builder_fail(b, v->line, v->column, name,
                             "\"%s\" is not an integer", s);
            free(s);
            return rc < 0 ? MINGA_EINVAL : MINGA_OK;
        }
        builder_fail(b, v->line, v->column, name,
                     "expected an integer, got %s", type_name(v->type));
        return MINGA_EINVAL;
    default:
        if (v->type == MINGA_VALUE_ARRAY)
            return MINGA_OK;
        if (v->type == MINGA_VALUE_TEXT)
            return split_text_items(b, f, name, v, type == F_INTV);
        builder_fail(b, v->line, v->column, name, "expected an array, got %s",
                     type_name(v->type));
        return MINGA_EINVAL;
    }
}

int case_builder_field(struct case_builder *b, const char *name,
                       const struct minga_value *v)
{
    int rc = field_store(b, name, v);
    int id = find_field(name);
    if (rc && id >= 0 && b->fields[id].is_present)
        b->fields[id].is_bad = 1;
    return rc;
}

int case_builder_item(struct case_builder *b, const char *name, size_t index,
                      const struct minga_value *v)
{
    int id = find_field(name);
    if (id < 0)
        return unknown_field(b, name, v, 1);
    int type = field_specs[id].type;
    if (type != F_INTV && type != F_STRV)
        return MINGA_EINVAL; /* the field itself was already refused */
    int rc = add_item(b, &b->fields[id], name, index, v, type == F_INTV);
    if (rc)
        b->fields[id].is_bad = 1;
    return rc;
}

/* ---- validation rules -------------------------------------------------- */
