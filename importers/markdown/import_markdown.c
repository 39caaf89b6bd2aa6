/*
 * Markdown importer: one case per file. The file starts with a `---` line;
 * the YAML front matter up to the next `---` line is a mapping of fields;
 * the Markdown after the closing line is the `body` field.
 *
 * YAML is read with libyaml's event parser, which never expands aliases:
 * an alias is refused, so an alias bomb costs nothing. Plain scalars are
 * MINGA_VALUE_TEXT (the host converts them to the field's type), quoted and
 * block scalars MINGA_VALUE_STRING, `null`/`~`/empty MINGA_VALUE_NULL, a
 * sequence MINGA_VALUE_ARRAY with its items, a nested mapping
 * MINGA_VALUE_OBJECT (the host reports it as an error). Lines are lines of
 * the whole file.
 *
 * Nesting is budgeted (max_depth) as the events stream: libyaml's scanner
 * checks every open flow level for a possible key at each token, so 100 000
 * nested `[` cost it 10^10 steps; refusing at the first event past the
 * budget stops it after about a thousand tokens of look-ahead.
 */
#define _GNU_SOURCE /* tdestroy */
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "minga/plugin.h"

#define MD_TAG_STR "tag:yaml.org,2002:str"

struct md_import {
    const struct minga_host_api *host;
    struct minga_import_sink *sink;
    yaml_parser_t parser;
    const unsigned char *yaml; /* the front matter's bytes */
    size_t yaml_len;
    int line_offset;   /* file line of the front matter's line 1 */
    int body_key_line; /* line of a `body` key; 0 when none */
    void *keys;        /* tsearch tree of the keys seen so far,
                                    to refuse duplicates */
    uint64_t max_depth;
    uint64_t depth; /* sequences and mappings open */
    int n_errors;
    int fatal_rc;
};

static int md_is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
           c == '\v';
}

/* Length of the line at `p` including its line end; *content_len without. */
static size_t md_line(const unsigned char *p, size_t left, size_t *content_len)
{
    const unsigned char *nl = memchr(p, '\n', left);
    size_t n = nl ? (size_t)(nl - p) + 1 : left;
    size_t content = nl ? n - 1 : n;
    if (content && p[content - 1] == '\r')
        content--;
    *content_len = content;
    return n;
}

/* A `---` delimiter line, trailing blanks allowed. */
static int md_is_delimiter(const unsigned char *p, size_t len)
{
    if (len < 3 || memcmp(p, "---", 3) != 0)
        return 0;
    for (size_t i = 3; i < len; i++)
        if (p[i] != ' ' && p[i] != '\t')
            return 0;
    return 1;
}

static void md_check(struct md_import *mi, int rc)
{
    if (rc >= 0)
        return;
    if (rc == MINGA_ENOMEM || rc == MINGA_EINTERNAL || rc == MINGA_ELIMIT)
        mi->fatal_rc = rc;
    else
        mi->n_errors++;
}

static int md_line_of(const struct md_import *mi, const yaml_mark_t *mark)
{
    return (int)mark->line + mi->line_offset;
}

/* Reports a libyaml error with its position in the file. */
static void md_yaml_error(struct md_import *mi)
{
    const yaml_parser_t *p = &mi->parser;
    int line = mi->line_offset;
    int column = 0;
    if (p->error == YAML_READER_ERROR) {
        size_t upto = p->problem_offset < mi->yaml_len ? p->problem_offset
                                                       : mi->yaml_len;
        for (size_t i = 0; i < upto; i++)
            if (mi->yaml[i] == '\n')
                line++;
    } else {
        line = md_line_of(mi, &p->problem_mark);
        column = (int)p->problem_mark.column + 1;
    }
    if (p->error == YAML_MEMORY_ERROR) {
        mi->fatal_rc = MINGA_ENOMEM;
        return;
    }
    if (p->context && p->error != YAML_READER_ERROR)
        mi->host->error(mi->sink, line, column, NULL,
                        "front matter: %s %s (from line %d)",
                        p->problem ? p->problem : "invalid YAML", p->context,
                        md_line_of(mi, &p->context_mark));
    else
        mi->host->error(mi->sink, line, column, NULL, "front matter: %s",
                        p->problem ? p->problem : "invalid YAML");
    mi->n_errors++;
}

/* Next event; 0 on a YAML error or on nesting past max_depth (both
 * reported, and the event is then not the caller's to delete). */
static int md_next(struct md_import *mi, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&mi->parser, ev)) {
        md_yaml_error(mi);
        return 0;
    }
    if (ev->type == YAML_SEQUENCE_END_EVENT ||
        ev->type == YAML_MAPPING_END_EVENT) {
        mi->depth--;
    } else if ((ev->type == YAML_SEQUENCE_START_EVENT ||
                ev->type == YAML_MAPPING_START_EVENT) &&
               ++mi->depth > mi->max_depth) {
        mi->host->error(mi->sink, md_line_of(mi, &ev->start_mark),
                        (int)ev->start_mark.column + 1, NULL,
                        "front matter: sequences and mappings nested deeper "
                        "than max_depth (%llu); refused (raise it with "
                        "minga import --max-depth N)",
                        (unsigned long long)mi->max_depth);
        mi->fatal_rc = MINGA_ELIMIT;
        yaml_event_delete(ev);
        return 0;
    }
    return 1;
}

static void md_scalar_value(const struct md_import *mi, const yaml_event_t *ev,
                            struct minga_value *v)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    memset(v, 0, sizeof(*v));
    v->line = md_line_of(mi, &ev->start_mark);
    v->column = (int)ev->start_mark.column + 1;
    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
        (tag && strcmp(tag, MD_TAG_STR) == 0)) {
        v->type = MINGA_VALUE_STRING;
    } else if (len == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
               strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0) {
        v->type = MINGA_VALUE_NULL;
        return;
    } else {
        v->type = MINGA_VALUE_TEXT;
    }
    v->str = s;
    v->len = len;
}

/* A value that is not a scalar (sequence or mapping) or an alias, as the
 * type reported for it; an alias is refused here. */
static int md_node_type(struct md_import *mi, const yaml_event_t *ev,
                        struct minga_value *v, const char *field)
{
    memset(v, 0, sizeof(*v));
    v->line = md_line_of(mi, &ev->start_mark);
    v->column = (int)ev->start_mark.column + 1;
    switch (ev->type) {
    case YAML_SEQUENCE_START_EVENT:
        v->type = MINGA_VALUE_ARRAY;
        return 0;
    case YAML_MAPPING_START_EVENT:
        v->type = MINGA_VALUE_OBJECT;
        return 0;
    case YAML_ALIAS_EVENT:
        mi->host->error(mi->sink, v->line, v->column, field,
                        "YAML aliases (*%s) are not supported",
                        (const char *)ev->data.alias.anchor);
        mi->n_errors++;
        return -1;
    default:
        mi->host->error(mi->sink, v->line, v->column, field,
                        "unexpected YAML event");
        mi->n_errors++;
        return -1;
    }
}

/* Skips the rest of a sequence or mapping whose start event was just
 * read. Returns 0 on a YAML error. */
static int md_skip_node(struct md_import *mi)
{
    int depth = 1;
    while (depth > 0) {
        yaml_event_t ev;
        if (!md_next(mi, &ev))
            return 0;
        if (ev.type == YAML_SEQUENCE_START_EVENT ||
            ev.type == YAML_MAPPING_START_EVENT)
            depth++;
        else if (ev.type == YAML_SEQUENCE_END_EVENT ||
                 ev.type == YAML_MAPPING_END_EVENT)
            depth--;
        yaml_event_delete(&ev);
    }
    return 1;
}

/* Reads the items of a sequence whose start event was just read. */
static int md_read_sequence(struct md_import *mi, const char *field)
{
    for (size_t index = 0;; index++) {
        yaml_event_t ev;
        struct minga_value v;
        if (!md_next(mi, &ev))
            return 0;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return 1;
        }
        int ok = 1;
        if (ev.type == YAML_SCALAR_EVENT) {
            md_scalar_value(mi, &ev, &v);
            md_check(mi, mi->host->case_item(mi->sink, field, index, &v));
        } else if (md_node_type(mi, &ev, &v, field) == 0) {
            md_check(mi, mi->host->case_item(mi->sink, field, index, &v));
            ok = md_skip_node(mi);
        }
        yaml_event_delete(&ev);
        if (!ok || mi->fatal_rc)
            return 0;
    }
}

static int md_key_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Returns 0 when `key` was seen before (reported), 1 otherwise. A tree
 * (glibc's tsearch is red-black), not a list: 100 000 distinct keys each
 * compared with every earlier one took 14 s; nor a hash table, which keys
 * chosen to collide would make a list again. */
static int md_remember_key(struct md_import *mi, const char *key, int line,
                           int column)
{
    char *copy = strdup(key);
    char **found = copy ? tsearch(copy, &mi->keys, md_key_cmp) : NULL;
    if (!found) {
        free(copy);
        mi->fatal_rc = MINGA_ENOMEM;
        return 0;
    }
    if (*found != copy) {
        free(copy);
        mi->host->error(mi->sink, line, column, key,
                        "field given twice in the front matter");
        mi->n_errors++;
        return 0;
    }
    return 1;
}

/* Reads one `key: value` pair, or the mapping's end (*is_end set). */
static int md_read_pair(struct md_import *mi, int *is_end)
{
    yaml_event_t key, value;
    struct minga_value v;
    *is_end = 0;
    if (!md_next(mi, &key))
        return 0;
    if (key.type == YAML_MAPPING_END_EVENT) {
        yaml_event_delete(&key);
        *is_end = 1;
        return 1;
    }
    int line = md_line_of(mi, &key.start_mark);
    int column = (int)key.start_mark.column + 1;
    const char *name = NULL;
    if (key.type != YAML_SCALAR_EVENT) {
        mi->host->error(mi->sink, line, column, NULL,
                        "front matter: a field name must be a plain word");
        mi->n_errors++;
        int ok = key.type == YAML_ALIAS_EVENT || md_skip_node(mi);
        yaml_event_delete(&key);
        if (!ok)
            return 0;
    } else {
        name = (const char *)key.data.scalar.value;
        if (strlen(name) != key.data.scalar.length || !*name) {
            mi->host->error(mi->sink, line, column, NULL,
                            "front matter: empty or invalid field name");
            mi->n_errors++;
            name = NULL;
        } else if (!md_remember_key(mi, name, line, column)) {
            name = NULL;
        } else if (strcmp(name, "body") == 0) {
            mi->body_key_line = line;
        }
    }
    if (!md_next(mi, &value)) {
        if (key.type == YAML_SCALAR_EVENT)
            yaml_event_delete(&key);
        return 0;
    }
    int ok = 1;
    if (value.type == YAML_SCALAR_EVENT) {
        md_scalar_value(mi, &value, &v);
        if (name)
            md_check(mi, mi->host->case_field(mi->sink, name, &v));
    } else if (md_node_type(mi, &value, &v, name) == 0) {
        if (name)
            md_check(mi, mi->host->case_field(mi->sink, name, &v));
        if (name && v.type == MINGA_VALUE_ARRAY && !mi->fatal_rc)
            ok = md_read_sequence(mi, name);
        else
            ok = md_skip_node(mi);
    }
    yaml_event_delete(&value);
    if (key.type == YAML_SCALAR_EVENT)
        yaml_event_delete(&key);
    return ok && !mi->fatal_rc;
}

/* Parses the front matter and reports its fields. Returns 1 when a case
 * was begun (so the caller ends it). */
static int md_read_front_matter(struct md_import *mi)
{
    yaml_event_t ev;
    int has_case = 0;
    int is_end = 0;

    do { /* STREAM-START, then DOCUMENT-START or STREAM-END */
        if (!md_next(mi, &ev))
            return 0;
        yaml_event_type_t type = ev.type;
        yaml_event_delete(&ev);
        if (type == YAML_STREAM_END_EVENT) {
            mi->host->error(mi->sink, mi->line_offset - 1, 0, NULL,
                            "front matter is empty: expected the case's "
                            "fields as `name: value` lines");
            mi->n_errors++;
            return 0;
        }
        if (type == YAML_DOCUMENT_START_EVENT)
            break;
    } while (1);

    if (!md_next(mi, &ev))
        return 0;
    if (ev.type != YAML_MAPPING_START_EVENT) {
        mi->host->error(mi->sink, md_line_of(mi, &ev.start_mark),
                        (int)ev.start_mark.column + 1, NULL,
                        "front matter must be a mapping of field names to "
                        "values (`title: ...`)");
        mi->n_errors++;
        yaml_event_delete(&ev);
        return 0;
    }
    yaml_event_delete(&ev);

    md_check(mi, mi->host->case_begin(mi->sink, 1));
    has_case = 1;
    while (!is_end && !mi->fatal_rc)
        if (!md_read_pair(mi, &is_end))
            return has_case;
    /* The rest of the stream, for errors after the mapping. */
    while (!mi->fatal_rc) {
        if (!md_next(mi, &ev))
            break;
        yaml_event_type_t type = ev.type;
        yaml_event_delete(&ev);
        if (type == YAML_STREAM_END_EVENT)
            break;
    }
    return has_case;
}

static void md_report_body(struct md_import *mi, const unsigned char *body,
                           size_t len, int line)
{
    /* Leading blank lines and trailing blanks are not content. */
    size_t start = 0;
    for (size_t i = 0; i < len && md_is_blank(body[i]); i++)
        if (body[i] == '\n') {
            start = i + 1;
            line++;
        }
    while (len > start && md_is_blank(body[len - 1]))
        len--;
    if (len <= start)
        return;
    if (mi->body_key_line) {
        mi->host->error(mi->sink, line, 1, "body",
                        "the body is given twice: as the `body` field of "
                        "the front matter (line %d) and as text after it",
                        mi->body_key_line);
        mi->n_errors++;
        return;
    }
    struct minga_value v = {0};
    v.type = MINGA_VALUE_STRING;
    v.str = (const char *)body + start;
    v.len = len - start;
    v.line = line;
    v.column = 1;
    md_check(mi, mi->host->case_field(mi->sink, "body", &v));
}

static int md_import_buffer(const struct minga_host_api *host,
                            struct minga_import_sink *sink, const char *name,
                            const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t line_len, pos = 0;
    (void)name;

    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        pos = 3;
    size_t n = md_line(p + pos, len - pos, &line_len);
    if (pos >= len || !md_is_delimiter(p + pos, line_len) || n == line_len) {
        host->error(sink, 1, 1, NULL,
                    "missing front matter: a Markdown case file must start "
                    "with a `---` line, then the fields in YAML, then "
                    "another `---` line");
        return MINGA_EINVAL;
    }
    pos += n;
    size_t yaml_start = pos;
    int line = 2;
    while (pos < len) {
        n = md_line(p + pos, len - pos, &line_len);
        if (md_is_delimiter(p + pos, line_len))
            break;
        pos += n;
        line++;
    }
    if (pos >= len) {
        host->error(sink, 1, 1, NULL,
                    "front matter is not closed: no `---` line after the "
                    "one on line 1");
        return MINGA_EINVAL;
    }

    struct md_import mi = {0};
    mi.host = host;
    mi.sink = sink;
    mi.yaml = p + yaml_start;
    mi.yaml_len = pos - yaml_start;
    mi.line_offset = 2;
    const struct minga_limits *limits =
        host->limits ? host->limits(sink) : NULL;
    mi.max_depth = MINGA_LIMIT(limits, max_depth, MINGA_DEFAULT_MAX_DEPTH);
    if (!yaml_parser_initialize(&mi.parser))
        return MINGA_ENOMEM;
    yaml_parser_set_input_string(&mi.parser, mi.yaml, mi.yaml_len);
    yaml_parser_set_encoding(&mi.parser, YAML_UTF8_ENCODING);
    int has_case = md_read_front_matter(&mi);
    yaml_parser_delete(&mi.parser);

    if (has_case && !mi.fatal_rc) {
        pos += n; /* past the closing line */
        md_report_body(&mi, p + pos, len - pos, line + 1);
        md_check(&mi, host->case_end(sink));
    }
    tdestroy(mi.keys, free);
    if (mi.fatal_rc)
        return mi.fatal_rc;
    return mi.n_errors ? MINGA_EINVAL : MINGA_OK;
}

static const char *const md_extensions[] = {".markdown", ".md", NULL};

static const struct minga_importer md_importer = {
    sizeof(struct minga_importer),
    md_extensions,
    md_import_buffer,
    NULL,
};

MINGA_PLUGIN_DEFINE("markdown", MINGA_PLUGIN_IMPORTER, "1.0.0",
                    "Markdown case files with YAML front matter", &md_importer,
                    NULL);
