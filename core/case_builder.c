#include "case_builder.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "case.h"
#include "refdata.h"
#include "textfold.h"

#define MAX_TITLE_CHARS 300
#define MAX_SUMMARY_CHARS 4000
#define MAX_BODY_BYTES (1024 * 1024)
#define MAX_ID_CHARS 100
#define MAX_ITEMS 1000

enum field_type { F_STRING, F_INT, F_INTV, F_STRV };

enum field_id {
    FI_ID, FI_TITLE, FI_SUMMARY, FI_BODY, FI_LANGUAGE, FI_CITY, FI_COUNTRY,
    FI_REGION, FI_YEAR_START, FI_YEAR_END, FI_SDG_GOALS, FI_SDG_TARGETS,
    FI_LEVELS, FI_ACTORS, FI_TAGS, FI_SOURCE_URL, FI_LICENSE, FI_ATTACHMENTS,
    N_FIELDS
};

static const struct {
    const char *name;
    int type;
    int is_required;
} field_specs[N_FIELDS] = {
    {"id", F_STRING, 0},         {"title", F_STRING, 1},
    {"summary", F_STRING, 1},    {"body", F_STRING, 0},
    {"language", F_STRING, 1},   {"city", F_STRING, 1},
    {"country", F_STRING, 1},    {"region", F_STRING, 0},
    {"year_start", F_INT, 1},    {"year_end", F_INT, 0},
    {"sdg_goals", F_INTV, 1},    {"sdg_targets", F_STRV, 0},
    {"levels", F_STRV, 1},       {"actors", F_STRV, 0},
    {"tags", F_STRV, 0},         {"source_url", F_STRING, 0},
    {"license", F_STRING, 0},    {"attachments", F_STRV, 0},
};

struct item {
    char *str;               /* owned, NUL-terminated; NULL for integers */
    long long integer;
    int is_integer;
    int line, column;
};

struct field {
    int is_present;
    int is_bad;              /* already reported: later checks skip it */
    int line, column;
    char *str;               /* F_STRING */
    long long integer;       /* F_INT */
    struct item *items;      /* F_INTV, F_STRV */
    size_t n_items, cap;
};

struct case_builder {
    int is_lenient;
    int is_open;
    struct diag_list *dl;
    const char *file;
    int line;
    struct field fields[N_FIELDS];
    json_t *extra;
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

static void builder_reset(struct case_builder *b)
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
}

static void fail(struct case_builder *b, int line, int column,
                 const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void fail(struct case_builder *b, int line, int column,
                 const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_addv(b->dl, DIAG_ERROR, b->file, line ? line : b->line, column,
              field, fmt, ap);
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
    case MINGA_VALUE_NULL: return "null";
    case MINGA_VALUE_STRING: case MINGA_VALUE_TEXT: return "a string";
    case MINGA_VALUE_INTEGER: return "an integer";
    case MINGA_VALUE_REAL: return "a number with a fraction";
    case MINGA_VALUE_BOOL: return "a boolean";
    case MINGA_VALUE_ARRAY: return "an array";
    default: return "an object";
    }
}

/* Checks the bytes of a string value: valid UTF-8, no NUL. Returns a new
 * NUL-terminated copy or NULL after reporting. */
static char *checked_copy(struct case_builder *b, const char *field,
                          const struct minga_value *v)
{
    size_t bad = text_utf8_error_offset(v->str ? v->str : "", v->len);
    if (bad != v->len) {
        fail(b, v->line, v->column, field,
             "invalid UTF-8 (byte %zu of the value); save the file as UTF-8",
             bad + 1);
        return NULL;
    }
    char *s = malloc(v->len + 1);
    if (!s) {
        fail(b, v->line, v->column, field, "out of memory");
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
            fail(b, v->line, v->column, name, "more than %d items",
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
                fail(b, v->line, v->column, label,
                     "\"%s\" is not an integer", s);
            free(s);
            if (rc < 0)
                return MINGA_EINVAL;
        } else {
            fail(b, v->line, v->column, label, "expected an integer, got %s",
                 type_name(v->type));
            return MINGA_EINVAL;
        }
        it.is_integer = 1;
    } else {
        if (v->type != MINGA_VALUE_STRING && v->type != MINGA_VALUE_TEXT) {
            fail(b, v->line, v->column, label, "expected a string, got %s",
                 type_name(v->type));
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
            continue;       /* "11;" or an empty cell part */
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
                    ? json_stringn(v->str, v->len) : json_null();
        break;
    case MINGA_VALUE_INTEGER: value = json_integer(v->integer); break;
    case MINGA_VALUE_REAL: value = json_real(v->real); break;
    case MINGA_VALUE_BOOL: value = json_boolean(v->integer); break;
    case MINGA_VALUE_ARRAY: value = json_array(); break;
    default: value = json_null(); break;
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
            fail(b, v->line, v->column, name,
                 "unknown field (did you mean \"%s\"? use --lenient to "
                 "ignore unknown fields)", hint);
        else
            fail(b, v->line, v->column, name,
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
        fail(b, v->line, v->column, name,
             "appears twice in one case (first at line %d)", f->line);
        return MINGA_EINVAL;
    }
    if (v->type == MINGA_VALUE_NULL)
        return MINGA_OK;    /* null means absent */
    f->is_present = 1;
    f->line = v->line;
    f->column = v->column;
    int type = field_specs[id].type;
    if (v->type == MINGA_VALUE_OBJECT) {
        fail(b, v->line, v->column, name, "expected %s, got an object",
             type == F_STRING ? "a string" : type == F_INT ? "an integer"
                                                           : "an array");
        return MINGA_EINVAL;
    }
    switch (type) {
    case F_STRING:
        if (v->type != MINGA_VALUE_STRING && v->type != MINGA_VALUE_TEXT) {
            fail(b, v->line, v->column, name, "expected a string, got %s",
                 type_name(v->type));
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
                fail(b, v->line, v->column, name,
                     "\"%s\" is not an integer", s);
            free(s);
            return rc < 0 ? MINGA_EINVAL : MINGA_OK;
        }
        fail(b, v->line, v->column, name, "expected an integer, got %s",
             type_name(v->type));
        return MINGA_EINVAL;
    default:
        if (v->type == MINGA_VALUE_ARRAY)
            return MINGA_OK;
        if (v->type == MINGA_VALUE_TEXT)
            return split_text_items(b, f, name, v, type == F_INTV);
        fail(b, v->line, v->column, name, "expected an array, got %s",
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
        return MINGA_EINVAL;   /* the field itself was already refused */
    int rc = add_item(b, &b->fields[id], name, index, v, type == F_INTV);
    if (rc)
        b->fields[id].is_bad = 1;
    return rc;
}

/* ---- validation rules -------------------------------------------------- */

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* Trims white space in place; returns s. */
static char *trim(char *s)
{
    char *start = s;
    while (isspace((unsigned char)*start))
        start++;
    size_t n = strlen(start);
    while (n && isspace((unsigned char)start[n - 1]))
        n--;
    memmove(s, start, n);
    s[n] = '\0';
    return s;
}

static int is_valid_id(const char *id)
{
    size_t n = strlen(id);
    if (n < 1 || n > MAX_ID_CHARS)
        return 0;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-'))
            return 0;
    return 1;
}

static int is_valid_url(const char *url)
{
    const char *rest;
    if (strncasecmp(url, "https://", 8) == 0)
        rest = url + 8;
    else if (strncasecmp(url, "http://", 7) == 0)
        rest = url + 7;
    else
        return 0;
    if (!*rest || *rest == '/' || *rest == '?' || *rest == '#')
        return 0;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= ' ' || *p == 0x7f || *p == '"' || *p == '<' || *p == '>' ||
            *p == '\\')
            return 0;
    return 1;
}

/* An SPDX license expression: ids of [A-Za-z0-9.-] (optionally "+"),
 * joined by AND, OR, WITH, with parentheses. */
static int is_valid_spdx(const char *s)
{
    int expect_id = 1, depth = 0, n_ids = 0;
    const char *p = s;
    while (*p) {
        if (*p == ' ') {
            p++;
            continue;
        }
        if (*p == '(') {
            if (!expect_id)
                return 0;
            depth++;
            p++;
            continue;
        }
        if (*p == ')') {
            if (expect_id || --depth < 0)
                return 0;
            p++;
            continue;
        }
        const char *start = p;
        while (*p && (isalnum((unsigned char)*p) || *p == '.' || *p == '-' ||
                      *p == '+' || *p == ':'))
            p++;
        size_t n = (size_t)(p - start);
        if (n == 0)
            return 0;
        int is_op = (n == 3 && strncmp(start, "AND", 3) == 0) ||
                    (n == 2 && strncmp(start, "OR", 2) == 0) ||
                    (n == 4 && strncmp(start, "WITH", 4) == 0);
        if (is_op == expect_id)
            return 0;
        if (!is_op)
            n_ids++;
        expect_id = is_op;
    }
    return n_ids > 0 && !expect_id && depth == 0;
}

const char *case_check_attachment_path(const char *path)
{
    static const char *const allowed[] = {".pdf", ".docx", ".odt", ".html",
                                          ".htm", ".txt", ".md", NULL};
    if (!*path)
        return "empty path";
    if (path[0] == '/' || path[0] == '\\')
        return "absolute paths are not allowed; give a path relative to "
               "the case file";
    if (strchr(path, '\\'))
        return "use '/' to separate folders";
    const char *p = path;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0)
            return "empty folder name in path";
        if (n == 2 && strncmp(p, "..", 2) == 0)
            return "a \"..\" component is not allowed";
        p += n + (slash ? 1 : 0);
    }
    const char *dot = strrchr(path, '.');
    for (int i = 0; dot && allowed[i]; i++)
        if (strcasecmp(dot, allowed[i]) == 0)
            return NULL;
    return "not an attachment type minga reads (PDF, DOCX, ODT, HTML, TXT, "
           "MD)";
}

/* Takes a required or optional string field; NULL when absent or bad. */
static char *take_string(struct case_builder *b, int id, size_t max_chars,
                         int is_trimmed)
{
    struct field *f = &b->fields[id];
    const char *name = field_specs[id].name;
    if (!f->is_present) {
        if (field_specs[id].is_required)
            fail(b, 0, 0, name, "missing (required)");
        return NULL;
    }
    if (f->is_bad || !f->str)
        return NULL;
    char *s = f->str;
    if (is_trimmed)
        trim(s);
    size_t n = utf8_chars(s);
    if (n == 0) {
        if (field_specs[id].is_required)
            fail(b, f->line, f->column, name, "is empty (required)");
        return NULL;
    }
    if (max_chars && n > max_chars) {
        fail(b, f->line, f->column, name,
             "is %zu characters long; at most %zu allowed", n, max_chars);
        return NULL;
    }
    f->str = NULL;
    return s;
}

static void check_years(struct case_builder *b, struct minga_case *c)
{
    struct field *fs = &b->fields[FI_YEAR_START], *fe = &b->fields[FI_YEAR_END];
    if (fs->is_bad || fe->is_bad)
        return;
    if (!fs->is_present) {
        fail(b, 0, 0, "year_start", "missing (required)");
    } else if (fs->integer < 1900 || fs->integer > 2100) {
        fail(b, fs->line, fs->column, "year_start",
             "%lld is out of range (1900-2100)", fs->integer);
    } else {
        c->year_start = (int)fs->integer;
    }
    if (!fe->is_present)
        return;
    if (fe->integer < 1900 || fe->integer > 2100)
        fail(b, fe->line, fe->column, "year_end",
             "%lld is out of range (1900-2100)", fe->integer);
    else if (c->year_start && fe->integer < c->year_start)
        fail(b, fe->line, fe->column, "year_end",
             "%lld is before year_start %d", fe->integer, c->year_start);
    else
        c->year_end = (int)fe->integer;
}

static void check_goals_and_targets(struct case_builder *b,
                                    struct minga_case *c)
{
    struct field *fg = &b->fields[FI_SDG_GOALS];
    char label[64];
    if (!fg->is_bad && (!fg->is_present || fg->n_items == 0))
        fail(b, fg->line, fg->column, "sdg_goals",
             fg->is_present ? "is empty; name at least one goal (1-17)"
                            : "missing (required)");
    for (size_t i = 0; i < fg->n_items; i++) {
        long long g = fg->items[i].integer;
        snprintf(label, sizeof label, "sdg_goals[%zu]", i);
        if (g < 1 || g > 17)
            fail(b, fg->items[i].line, fg->items[i].column, label,
                 "%lld is not an SDG goal (1-17)", g);
        else if (c->goal_mask & (1u << g))
            fail(b, fg->items[i].line, fg->items[i].column, label,
                 "goal %lld is listed twice", g);
        else
            c->goal_mask |= 1u << g;
    }
    struct field *ft = &b->fields[FI_SDG_TARGETS];
    char **ids = calloc(ft->n_items + 1, sizeof *ids);
    size_t n_ids = 0;
    for (size_t i = 0; ids && i < ft->n_items; i++) {
        char *t = trim(ft->items[i].str);
        int goal = 0;
        snprintf(label, sizeof label, "sdg_targets[%zu]", i);
        if (!refdata_is_target(t, &goal)) {
            fail(b, ft->items[i].line, ft->items[i].column, label,
                 "\"%s\" is not an official SDG target id (such as 11.3 or "
                 "6.a)", t);
            continue;
        }
        int is_dup = 0;
        for (size_t j = 0; j < n_ids; j++)
            is_dup |= strcmp(ids[j], t) == 0;
        if (is_dup)
            continue;
        ids[n_ids++] = t;
        c->goal_mask |= 1u << goal;   /* a target's goal is implied */
    }
    /* canonical order: by goal, then number */
    for (size_t i = 1; i < n_ids; i++)
        for (size_t j = i; j > 0 && refdata_target_cmp(ids[j - 1], ids[j]) > 0;
             j--) {
            char *tmp = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = tmp;
        }
    for (size_t i = 0; i < n_ids; i++)
        case_strv_push(&c->targets, &c->n_targets, ids[i]);
    free(ids);
}

static uint32_t check_mask(struct case_builder *b, int id,
                           uint32_t (*bit_of)(const char *),
                           const char *allowed)
{
    struct field *f = &b->fields[id];
    const char *name = field_specs[id].name;
    char label[64];
    uint32_t mask = 0;
    if (field_specs[id].is_required && !f->is_bad &&
        (!f->is_present || f->n_items == 0))
        fail(b, f->line, f->column, name,
             f->is_present ? "is empty; expected at least one of %s"
                           : "missing (required; one or more of %s)",
             allowed);
    for (size_t i = 0; i < f->n_items; i++) {
        char *v = trim(f->items[i].str);
        uint32_t bit = bit_of(v);
        snprintf(label, sizeof label, "%s[%zu]", name, i);
        if (!bit)
            fail(b, f->items[i].line, f->items[i].column, label,
                 "\"%s\" is not one of %s", v, allowed);
        mask |= bit;
    }
    return mask;
}

static void check_language_country(struct case_builder *b,
                                   struct minga_case *c)
{
    struct field *fl = &b->fields[FI_LANGUAGE], *fc = &b->fields[FI_COUNTRY];
    char *lang = take_string(b, FI_LANGUAGE, 0, 1);
    if (lang && !refdata_is_language(lang)) {
        char lower[8] = "";
        for (size_t i = 0; lang[i] && i < sizeof lower - 1; i++)
            lower[i] = (char)tolower((unsigned char)lang[i]);
        if (strcmp(lower, lang) != 0 && refdata_is_language(lower))
            fail(b, fl->line, fl->column, "language",
                 "\"%s\" must be lower case (\"%s\")", lang, lower);
        else
            fail(b, fl->line, fl->column, "language",
                 "\"%s\" is not an ISO 639-1 code of a language with a "
                 "stemmer (es, pt, en, fr, it, de, nl, ca ...)", lang);
        free(lang);
        lang = NULL;
    }
    c->language = lang;
    char *country = take_string(b, FI_COUNTRY, 0, 1);
    if (country && !refdata_is_country(country)) {
        char upper[3] = "";
        if (strlen(country) == 2) {
            upper[0] = (char)toupper((unsigned char)country[0]);
            upper[1] = (char)toupper((unsigned char)country[1]);
        }
        if (upper[0] && refdata_is_country(upper))
            fail(b, fc->line, fc->column, "country",
                 "\"%s\" must be upper case (\"%s\")", country, upper);
        else
            fail(b, fc->line, fc->column, "country",
                 "\"%s\" is not an ISO 3166-1 alpha-2 country code (BR, CL, "
                 "UY ...)", country);
        free(country);
        country = NULL;
    }
    c->country = country;
}

static void check_optional_strings(struct case_builder *b,
                                   struct minga_case *c)
{
    struct field *f;
    c->region = take_string(b, FI_REGION, 300, 1);
    char *url = take_string(b, FI_SOURCE_URL, 2000, 1);
    f = &b->fields[FI_SOURCE_URL];
    if (url && !is_valid_url(url)) {
        fail(b, f->line, f->column, "source_url",
             "\"%s\" is not an absolute http or https URL", url);
        free(url);
        url = NULL;
    }
    c->source_url = url;
    char *license = take_string(b, FI_LICENSE, 200, 1);
    f = &b->fields[FI_LICENSE];
    if (license && !is_valid_spdx(license)) {
        fail(b, f->line, f->column, "license",
             "\"%s\" is not an SPDX license identifier (such as CC-BY-4.0)",
             license);
        free(license);
        license = NULL;
    }
    c->license = license;
    f = &b->fields[FI_BODY];
    if (f->is_bad || !f->str) {
        /* reported, or absent */
    } else if (strlen(f->str) > MAX_BODY_BYTES) {
        fail(b, f->line, f->column, "body", "is %zu bytes; at most 1 MiB",
             strlen(f->str));
    } else if (f->str[strspn(f->str, " \t\r\n")]) {
        c->body = f->str;
        f->str = NULL;
    }
}

static void check_tags(struct case_builder *b, struct minga_case *c)
{
    struct field *f = &b->fields[FI_TAGS];
    for (size_t i = 0; i < f->n_items; i++) {
        char *tag = trim(f->items[i].str);
        char label[64];
        snprintf(label, sizeof label, "tags[%zu]", i);
        if (!*tag)
            continue;
        if (utf8_chars(tag) > 100) {
            fail(b, f->items[i].line, f->items[i].column, label,
                 "is longer than 100 characters");
            continue;
        }
        int is_dup = 0;
        for (size_t j = 0; j < c->n_tags; j++)
            is_dup |= strcmp(c->tags[j], tag) == 0;
        if (!is_dup)
            case_strv_push(&c->tags, &c->n_tags, tag);
    }
}

static void check_attachments(struct case_builder *b, struct minga_case *c,
                              struct built_case *out)
{
    struct field *f = &b->fields[FI_ATTACHMENTS];
    out->attachment_lines = calloc(f->n_items + 1, sizeof(int));
    for (size_t i = 0; i < f->n_items; i++) {
        char *path = trim(f->items[i].str);
        char label[64];
        snprintf(label, sizeof label, "attachments[%zu]", i);
        const char *problem = case_check_attachment_path(path);
        if (problem) {
            fail(b, f->items[i].line, f->items[i].column, label, "\"%s\": %s",
                 path, problem);
            continue;
        }
        int is_dup = 0;
        for (size_t j = 0; j < c->n_attachments; j++)
            is_dup |= strcmp(c->attachments[j].path, path) == 0;
        if (is_dup)
            continue;
        if (out->attachment_lines)
            out->attachment_lines[c->n_attachments] =
                f->items[i].line ? f->items[i].line : f->line;
        case_add_attachment(c, path, NULL, NULL, 0, NULL);
    }
}

static void check_id(struct case_builder *b, struct minga_case *c)
{
    struct field *f = &b->fields[FI_ID];
    if (f->is_bad)
        return;
    if (f->is_present) {
        char *id = trim(f->str);
        if (!is_valid_id(id)) {
            fail(b, f->line, f->column, "id",
                 "\"%s\" is not a valid id (1-100 characters of a-z, 0-9 "
                 "and '-')", id);
            return;
        }
        c->id = id;
        f->str = NULL;
        return;
    }
    if (!c->city || !c->title)
        return;             /* already reported */
    char *both = NULL;
    if (asprintf(&both, "%s %s", c->city, c->title) < 0)
        return;
    char *slug = text_slug(both, MAX_ID_CHARS);
    free(both);
    if (!slug || !*slug) {
        fail(b, 0, 0, "id", "cannot derive an id from city and title; "
             "give one");
        free(slug);
        return;
    }
    c->id = slug;
}

int case_builder_end(struct case_builder *b, struct built_case *out)
{
    memset(out, 0, sizeof *out);
    if (!b->is_open)
        return MINGA_EINVAL;
    b->is_open = 0;
    size_t errors_before = b->dl->n_errors;
    struct minga_case *c = case_new();
    if (!c)
        return MINGA_ENOMEM;
    c->title = take_string(b, FI_TITLE, MAX_TITLE_CHARS, 1);
    c->summary = take_string(b, FI_SUMMARY, MAX_SUMMARY_CHARS, 1);
    c->city = take_string(b, FI_CITY, 300, 1);
    check_language_country(b, c);
    check_years(b, c);
    check_goals_and_targets(b, c);
    c->level_mask = check_mask(b, FI_LEVELS, refdata_level_bit,
                               "local, regional, national, multilateral");
    c->actor_mask = check_mask(b, FI_ACTORS, refdata_actor_bit,
                               "public_sector, civil_society, "
                               "private_sector, academia, community, "
                               "international_organization");
    check_tags(b, c);
    check_optional_strings(b, c);
    check_attachments(b, c, out);
    check_id(b, c);
    out->c = c;
    out->line = b->line;
    out->extra = b->extra;
    b->extra = NULL;
    builder_reset(b);
    if (b->dl->n_errors != errors_before) {
        built_case_release(out);
        return MINGA_EINVAL;
    }
    return MINGA_OK;
}
