/*
 * The JSON importer: `.json` (one case object, an array of them, or
 * {"cases": [...]}) and `.jsonl`/`.ndjson` (one case object per line),
 * parsed with jansson. Every field goes to the host as it is typed in the
 * file; the host validates. JSON Lines files are streamed line by line,
 * and the cases of a .json case list are parsed one at a time, so a file
 * of a million cases needs no more memory than its largest case.
 *
 * jansson holds what it parses as a tree, so each case (an element of a
 * case list, a .json file of one case, one line of JSON Lines) is first
 * scanned against the budgets max_json_values and max_depth
 * (json_positions.h); a case over either is refused before jansson reads
 * it. A .json file, and a line, is also at most max_entry_size bytes:
 * jansson copies its strings, so a 256 MiB string would cost three times
 * that.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "minga/plugin.h"
#include "json_positions.h"

#define PARSE_FLAGS JSON_REJECT_DUPLICATES
/* An element of a case list may be any value (a root must be an array or
 * an object): one that is not an object is the host's to refuse. */
#define ITEM_FLAGS (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)
/* A .json file whose root is not a case list: it is read whole. */
#define NOT_A_LIST 1

struct walk {
    const struct minga_host_api *host;
    struct minga_import_sink *sink;
    struct json_positions jp;
};

/* Advances the position cursor past everything nested inside v. */
static void skip_nested(struct walk *w, json_t *v)
{
    size_t i;
    const char *key;
    json_t *member;
    if (json_is_object(v)) {
        json_object_foreach(v, key, member)
        {
            json_positions_take(&w->jp);
            skip_nested(w, member);
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, member)
        {
            json_positions_take(&w->jp);
            skip_nested(w, member);
        }
    }
}

static struct minga_value to_value(json_t *v, struct json_pos pos)
{
    struct minga_value out = {.line = pos.line, .column = pos.column};
    switch (json_typeof(v)) {
    case JSON_STRING:
        out.type = MINGA_VALUE_STRING;
        out.str = json_string_value(v);
        out.len = json_string_length(v);
        break;
    case JSON_INTEGER:
        out.type = MINGA_VALUE_INTEGER;
        out.integer = json_integer_value(v);
        break;
    case JSON_REAL:
        out.type = MINGA_VALUE_REAL;
        out.real = json_real_value(v);
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        out.type = MINGA_VALUE_BOOL;
        out.integer = json_is_true(v);
        break;
    case JSON_ARRAY:
        out.type = MINGA_VALUE_ARRAY;
        break;
    case JSON_OBJECT:
        out.type = MINGA_VALUE_OBJECT;
        break;
    default:
        out.type = MINGA_VALUE_NULL;
        break;
    }
    return out;
}

/* Reports one case object; its own position was already taken. */
static void report_case(struct walk *w, json_t *obj, struct json_pos pos)
{
    const struct minga_host_api *h = w->host;
    h->case_begin(w->sink, pos.line);
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        struct minga_value value = to_value(v, json_positions_take(&w->jp));
        h->case_field(w->sink, key, &value);
        if (json_is_array(v)) {
            size_t i;
            json_t *item;
            json_array_foreach(v, i, item)
            {
                struct minga_value iv =
                    to_value(item, json_positions_take(&w->jp));
                h->case_item(w->sink, key, i, &iv);
                skip_nested(w, item);
            }
        } else {
            skip_nested(w, v);
        }
    }
    h->case_end(w->sink);
}

static void report_parse_error(const struct minga_host_api *host,
                               struct minga_import_sink *sink,
                               const json_error_t *err, int line_offset)
{
    host->error(sink, err->line > 0 ? err->line + line_offset : 0,
                err->column > 0 ? err->column : 0, NULL, "invalid JSON: %s",
                err->text);
}

static struct json_budget budget_of(const struct minga_host_api *host,
                                    struct minga_import_sink *sink)
{
    const struct minga_limits *limits =
        host->limits ? host->limits(sink) : NULL;
    struct json_budget budget = {
        MINGA_LIMIT(limits, max_json_values, MINGA_DEFAULT_MAX_JSON_VALUES),
        MINGA_LIMIT(limits, max_depth, MINGA_DEFAULT_MAX_DEPTH)};
    return budget;
}

/* Reports the budget a scan crossed (an enum json_scan_result other than
 * OK) and returns the MINGA_E code for it. */
static int report_budget(const struct minga_host_api *host,
                         struct minga_import_sink *sink, int scan_result,
                         const struct json_positions *jp,
                         const struct json_budget *budget)
{
    if (scan_result == JSON_SCAN_TOO_MANY)
        host->error(sink, jp->over.line, jp->over.column, NULL,
                    "more than max_json_values (%llu) values in one case; "
                    "refused (raise it with minga import --max-json-values "
                    "N)",
                    (unsigned long long)budget->max_values);
    else if (scan_result == JSON_SCAN_TOO_DEEP)
        host->error(sink, jp->over.line, jp->over.column, NULL,
                    "arrays and objects nested deeper than max_depth (%llu); "
                    "refused (raise it with minga import --max-depth N)",
                    (unsigned long long)budget->max_depth);
    else
        return MINGA_ENOMEM;
    return MINGA_ELIMIT;
}

/* Scans one JSON text into jp against the import's budgets. Returns 0, or
 * a MINGA_E code with the crossed budget reported. */
static int scan_text(const struct minga_host_api *host,
                     struct minga_import_sink *sink, struct json_positions *jp,
                     const char *text, size_t len, int first_line)
{
    struct json_budget budget = budget_of(host, sink);
    int r = json_positions_scan(jp, text, len, first_line, &budget);
    if (r == JSON_SCAN_OK)
        return MINGA_OK;
    int rc = report_budget(host, sink, r, jp, &budget);
    json_positions_release(jp);
    return rc;
}

/* A step of a case list's walk other than an element: MINGA_OK at the
 * list's end, NOT_A_LIST, or a MINGA_E code with the error reported. */
static int list_stop(const struct minga_host_api *host,
                     struct minga_import_sink *sink,
                     const struct json_list *list, int step,
                     const struct json_positions *jp,
                     const struct json_budget *budget)
{
    if (step == JSON_LIST_END)
        return MINGA_OK;
    if (step == JSON_LIST_NOT_A_LIST)
        return NOT_A_LIST;
    if (step == JSON_LIST_BROKEN) {
        json_error_t err;
        json_list_explain(list, PARSE_FLAGS, NULL, &err);
        report_parse_error(host, sink, &err, 0);
        return MINGA_EINVAL;
    }
    return report_budget(host, sink, step, jp, budget);
}

/* Parses a case list's element; when jansson refuses it, reports the
 * error jansson gives for the whole text. */
static json_t *load_item(const struct minga_host_api *host,
                         struct minga_import_sink *sink,
                         const struct json_list *list, const char *item,
                         size_t item_len)
{
    json_error_t err;
    json_t *value = json_loadb(item, item_len, ITEM_FLAGS, &err);
    if (!value) {
        json_error_t whole;
        json_list_explain(list, PARSE_FLAGS, &err, &whole);
        report_parse_error(host, sink, &whole, 0);
    }
    return value;
}

/* The first pass over a case list: every element within the budgets and
 * valid JSON, the list too, as when jansson read the text whole; so a
 * file refused gets that one error, and no case is reported. Sets
 * *n_items. Returns MINGA_OK, NOT_A_LIST, or a MINGA_E code with the
 * error reported. */
static int check_case_list(const struct minga_host_api *host,
                           struct minga_import_sink *sink, const char *text,
                           size_t len, const struct json_budget *budget,
                           size_t *n_items)
{
    struct json_list list;
    int step = json_list_open(&list, text, len, 1, budget);
    if (step != JSON_LIST_ITEM)
        return step == JSON_LIST_NOMEM ? MINGA_ENOMEM : NOT_A_LIST;
    struct json_positions jp = {0};
    const char *item;
    size_t item_len;
    int rc = MINGA_OK;
    while ((step = json_list_next(&list, &jp, &item, &item_len)) ==
           JSON_LIST_ITEM) {
        json_t *value = load_item(host, sink, &list, item, item_len);
        if (!value) {
            rc = MINGA_EINVAL;
            break;
        }
        json_decref(value);
    }
    if (!rc)
        rc = list_stop(host, sink, &list, step, &jp, budget);
    *n_items = list.n_items;
    json_positions_release(&jp);
    json_list_release(&list);
    return rc;
}

/* The second pass: each element parsed, reported and freed before the
 * next is read. */
static int report_case_list(const struct minga_host_api *host,
                            struct minga_import_sink *sink, const char *text,
                            size_t len, const struct json_budget *budget)
{
    struct json_list list;
    int step = json_list_open(&list, text, len, 1, budget);
    if (step != JSON_LIST_ITEM)
        return MINGA_ENOMEM; /* it was a list in the first pass */
    struct walk w = {host, sink, {0}};
    const char *item;
    size_t item_len, i = 0;
    int rc = MINGA_OK;
    while ((step = json_list_next(&list, &w.jp, &item, &item_len)) ==
           JSON_LIST_ITEM) {
        json_t *value = load_item(host, sink, &list, item, item_len);
        if (!value) {
            rc = MINGA_EINVAL;
            break;
        }
        struct json_pos pos = json_positions_take(&w.jp);
        if (json_is_object(value))
            report_case(&w, value, pos);
        else
            host->error(sink, pos.line, pos.column, NULL,
                        "item %zu of the case list is not an object", i);
        json_decref(value);
        i++;
    }
    if (!rc)
        rc = list_stop(host, sink, &list, step, &w.jp, budget);
    if (rc == NOT_A_LIST)
        rc = MINGA_EINVAL; /* the first pass says it cannot be */
    json_positions_release(&w.jp);
    json_list_release(&list);
    return rc;
}

/* A .json file whose root is not a case list: one case, read whole. */
static int import_whole(const struct minga_host_api *host,
                        struct minga_import_sink *sink, const char *data,
                        size_t len)
{
    struct walk w = {host, sink, {0}};
    int rc = scan_text(host, sink, &w.jp, data, len, 1);
    if (rc)
        return rc;
    json_error_t err;
    json_t *root = json_loadb(data, len, PARSE_FLAGS, &err);
    if (!root) {
        report_parse_error(host, sink, &err, 0);
        json_positions_release(&w.jp);
        return MINGA_EINVAL;
    }
    struct json_pos root_pos = json_positions_take(&w.jp);
    if (json_is_object(root)) {
        report_case(&w, root, root_pos);
    } else {
        host->error(sink, root_pos.line, root_pos.column, NULL,
                    "expected a case object, an array of them or "
                    "{\"cases\": [...]}");
        rc = MINGA_EINVAL;
    }
    json_positions_release(&w.jp);
    json_decref(root);
    return rc;
}

static int import_json(const struct minga_host_api *host,
                       struct minga_import_sink *sink, const char *data,
                       size_t len)
{
    struct json_budget budget = budget_of(host, sink);
    size_t n_items = 0;
    int rc = check_case_list(host, sink, data, len, &budget, &n_items);
    if (rc == NOT_A_LIST)
        return import_whole(host, sink, data, len);
    if (rc)
        return rc;
    if (n_items == 0) {
        host->error(sink, 0, 0, NULL, "the file holds no cases");
        return MINGA_EINVAL;
    }
    return report_case_list(host, sink, data, len, &budget);
}

/* One line of a JSON Lines file: 1 when it held a case (valid or not), 0
 * when blank, a MINGA_E code when the file must not be read further. */
static int import_line(const struct minga_host_api *host,
                       struct minga_import_sink *sink, const char *line,
                       size_t len, int line_no)
{
    size_t blank = 0;
    while (blank < len && strchr(" \t\r\n", line[blank]))
        blank++;
    if (blank == len)
        return 0;
    struct walk w = {host, sink, {0}};
    int rc = scan_text(host, sink, &w.jp, line, len, line_no);
    if (rc)
        return rc;
    json_error_t err;
    json_t *obj = json_loadb(line, len, PARSE_FLAGS, &err);
    if (!obj) {
        host->error(sink, line_no, err.column > 0 ? err.column : 0, NULL,
                    "invalid JSON: %s", err.text);
        json_positions_release(&w.jp);
        return 1;
    }
    struct json_pos pos = json_positions_take(&w.jp);
    if (json_is_object(obj))
        report_case(&w, obj, pos);
    else
        host->error(sink, line_no, 1, NULL,
                    "expected one case object on each line");
    json_positions_release(&w.jp);
    json_decref(obj);
    return 1;
}

static int is_json_lines(const char *name)
{
    size_t n = strlen(name);
    return (n >= 6 && strcasecmp(name + n - 6, ".jsonl") == 0) ||
           (n >= 7 && strcasecmp(name + n - 7, ".ndjson") == 0);
}

static uint64_t max_text_size(const struct minga_host_api *host,
                              struct minga_import_sink *sink)
{
    const struct minga_limits *limits =
        host->limits ? host->limits(sink) : NULL;
    return MINGA_LIMIT(limits, max_entry_size, MINGA_DEFAULT_MAX_ENTRY_SIZE);
}

static int refuse_size(const struct minga_host_api *host,
                       struct minga_import_sink *sink, int line,
                       const char *what, uint64_t max_size)
{
    host->error(sink, line, 0, NULL,
                "%s is larger than max_entry_size (%llu bytes); refused "
                "(raise it with minga import --max-entry-size N)",
                what, (unsigned long long)max_size);
    return MINGA_ELIMIT;
}

static int import_buffer(const struct minga_host_api *host,
                         struct minga_import_sink *sink, const char *name,
                         const void *data, size_t len)
{
    uint64_t max_size = max_text_size(host, sink);
    if (len > max_size)
        return refuse_size(host, sink, 0, "the file", max_size);
    const char *text = data;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3; /* a BOM some editors write */
        len -= 3;
    }
    if (!is_json_lines(name))
        return import_json(host, sink, text, len);
    int line_no = 0, n_cases = 0;
    size_t start = 0;
    while (start < len) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) : len;
        int r = import_line(host, sink, text + start, end - start, ++line_no);
        if (r < 0)
            return r;
        n_cases += r;
        start = end + 1;
    }
    if (n_cases == 0) {
        host->error(sink, 0, 0, NULL, "the file holds no cases");
        return MINGA_EINVAL;
    }
    return MINGA_OK;
}

/* Reads the next line of f, its '\n' included, into *line (grown as
 * needed; NUL bytes are kept). Returns its length; -1 at the end of the
 * file; -2 when it is longer than max_len, which is then not read
 * further (getline would hold any length). */
static ssize_t read_line(FILE *f, char **line, size_t *cap, uint64_t max_len)
{
    size_t len = 0;
    int c;
    while ((c = getc_unlocked(f)) != EOF) {
        if (len >= max_len)
            return -2;
        if (len + 1 >= *cap) {
            size_t grown_cap = *cap ? 2 * *cap : 4096;
            char *grown = realloc(*line, grown_cap);
            if (!grown)
                return -3;
            *line = grown;
            *cap = grown_cap;
        }
        (*line)[len++] = (char)c;
        if (c == '\n')
            break;
    }
    return len ? (ssize_t)len : -1;
}

/* Streams JSON Lines from a descriptor; a .json file is mapped whole. */
static int import_fd(const struct minga_host_api *host,
                     struct minga_import_sink *sink, const char *name, int fd)
{
    if (!is_json_lines(name)) {
        struct stat st;
        if (fstat(fd, &st) < 0 || st.st_size == 0)
            return MINGA_EIO;
        void *map =
            mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED)
            return MINGA_EIO;
        int rc = import_buffer(host, sink, name, map, (size_t)st.st_size);
        munmap(map, (size_t)st.st_size);
        return rc;
    }
    int dupfd = dup(fd);
    FILE *f = dupfd >= 0 ? fdopen(dupfd, "r") : NULL;
    if (!f) {
        if (dupfd >= 0)
            close(dupfd);
        return MINGA_EIO;
    }
    struct stat st;
    uint64_t total = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int line_no = 0, n_cases = 0, rc = MINGA_OK;
    uint64_t done = 0, max_size = max_text_size(host, sink);
    while ((n = read_line(f, &line, &cap, max_size)) >= 0) {
        const char *text = line;
        size_t len = (size_t)n;
        if (line_no == 0 && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
            text += 3;
            len -= 3;
        }
        int r = import_line(host, sink, text, len, ++line_no);
        if (r < 0) {
            rc = r;
            break;
        }
        n_cases += r;
        done += (uint64_t)n;
        if ((line_no & 1023) == 0)
            host->progress(sink, done, total);
    }
    if (n == -2)
        rc = refuse_size(host, sink, line_no + 1, "the line", max_size);
    else if (n == -3)
        rc = MINGA_ENOMEM;
    else if (ferror(f))
        rc = MINGA_EIO;
    free(line);
    fclose(f);
    if (!rc && n_cases == 0) {
        host->error(sink, 0, 0, NULL, "the file holds no cases");
        rc = MINGA_EINVAL;
    }
    return rc;
}

static const char *const extensions[] = {".json", ".jsonl", ".ndjson", NULL};

static const struct minga_importer json_importer = {
    .struct_size = sizeof(struct minga_importer),
    .extensions = extensions,
    .import_buffer = import_buffer,
    .import_fd = import_fd,
};

MINGA_PLUGIN_DEFINE("json", MINGA_PLUGIN_IMPORTER, "1.0.0",
                    "JSON and JSON Lines case files (case format v1)",
                    &json_importer, NULL);
