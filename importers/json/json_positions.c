#include "json_positions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_scan_skip_ws(struct json_scan *s)
{
    while (s->p < s->end) {
        char c = *s->p;
        if (c == '\n') {
            s->line++;
            s->line_start = s->p + 1;
        } else if (c != ' ' && c != '\t' && c != '\r') {
            return;
        }
        s->p++;
    }
}

void json_scan_skip_string(struct json_scan *s)
{
    s->p++; /* opening quote */
    while (s->p < s->end && *s->p != '"') {
        if (*s->p == '\\' && s->p + 1 < s->end)
            s->p++;
        s->p++;
    }
    if (s->p < s->end)
        s->p++;
}

struct json_pos json_scan_here(const struct json_scan *s)
{
    /* columns count bytes from 1, as compilers do */
    struct json_pos pos = {s->line, (int)(s->p - s->line_start) + 1};
    return pos;
}

/* Counts the value starting at s->p and records where it is. */
static int record(struct json_scan *s, struct json_positions *jp)
{
    if (++s->n_values > s->budget->max_values) {
        jp->over = json_scan_here(s);
        return JSON_SCAN_TOO_MANY;
    }
    if (jp->n == jp->cap) {
        size_t cap = jp->cap ? jp->cap * 2 : 64;
        struct json_pos *grown = realloc(jp->items, cap * sizeof *grown);
        if (!grown)
            return JSON_SCAN_NOMEM;
        jp->items = grown;
        jp->cap = cap;
    }
    jp->items[jp->n++] = json_scan_here(s);
    return JSON_SCAN_OK;
}

int json_scan_enter(struct json_scan *s, struct json_positions *jp)
{
    if (s->depth + 1 > s->budget->max_depth) {
        jp->over = json_scan_here(s);
        return JSON_SCAN_TOO_DEEP;
    }
    if (s->depth == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        char *grown = realloc(s->closers, cap);
        if (!grown)
            return JSON_SCAN_NOMEM;
        s->closers = grown;
        s->cap = cap;
    }
    s->closers[s->depth++] = *s->p == '{' ? '}' : ']';
    s->p++;
    return JSON_SCAN_OK;
}

void json_scan_leave(struct json_scan *s)
{
    if (s->depth)
        s->depth--;
    if (s->p < s->end)
        s->p++;
}

int json_scan_value(struct json_scan *s, struct json_positions *jp)
{
    /* the containers open around the value: its end is when the scan is
     * back among them */
    const size_t base = s->depth;
    jp->n = 0;
    jp->next = 0;
    s->n_values = 0;
    for (;;) {
        json_scan_skip_ws(s);
        if (s->p >= s->end)
            return JSON_SCAN_OK;
        char closer = s->depth > base ? s->closers[s->depth - 1] : 0;
        if (closer && *s->p == closer) {
            s->p++;
            if (--s->depth == base)
                return JSON_SCAN_OK;
            continue;
        }
        if (closer && *s->p == ',') {
            s->p++;
            continue;
        }
        if (closer == '}') { /* a member: its key, then its value */
            json_scan_skip_string(s);
            json_scan_skip_ws(s);
            if (s->p < s->end && *s->p == ':')
                s->p++;
            json_scan_skip_ws(s);
            if (s->p >= s->end)
                return JSON_SCAN_OK;
        }
        int rc = record(s, jp);
        if (rc)
            return rc;
        const char *before = s->p;
        switch (*s->p) {
        case '{':
        case '[':
            rc = json_scan_enter(s, jp);
            break;
        case '"':
            json_scan_skip_string(s);
            break;
        default:
            /* memchr, not strchr: a NUL byte must not match the terminator */
            while (s->p < s->end && !memchr(",]} \t\r\n", *s->p, 7))
                s->p++;
            if (s->p == before)
                s->p++; /* never loop on a byte nothing consumes */
            break;
        }
        if (rc)
            return rc;
        if (s->depth == base)
            return JSON_SCAN_OK; /* the value was a scalar */
    }
}

void json_scan_init(struct json_scan *s, const char *text, size_t len,
                    int first_line, const struct json_budget *budget)
{
    memset(s, 0, sizeof *s);
    s->p = text;
    s->end = text + len;
    s->line = first_line;
    s->line_start = text;
    s->budget = budget;
}

void json_scan_release(struct json_scan *s)
{
    free(s->closers);
    memset(s, 0, sizeof *s);
}

int json_positions_scan(struct json_positions *jp, const char *text,
                        size_t len, int first_line,
                        const struct json_budget *budget)
{
    memset(jp, 0, sizeof *jp);
    struct json_scan s;
    json_scan_init(&s, text, len, first_line, budget);
    int rc = json_scan_value(&s, jp);
    json_scan_release(&s);
    return rc;
}

struct json_pos json_positions_take(struct json_positions *jp)
{
    struct json_pos none = {0, 0};
    return jp->next < jp->n ? jp->items[jp->next++] : none;
}

void json_positions_release(struct json_positions *jp)
{
    free(jp->items);
    memset(jp, 0, sizeof *jp);
}

/* ---- the case list ---------------------------------------------------- */

enum {
    LIST_FIRST,
    LIST_AFTER_ITEM,
    LIST_DONE
};

/* The bytes jansson is given to explain an error: prefix, then the text
 * from the restart point. */
struct feed {
    const char *prefix;
    size_t prefix_len, prefix_done;
    const char *p, *end;
};

static size_t feed_more(void *buffer, size_t buflen, void *data)
{
    struct feed *f = data;
    size_t n = 0;
    if (f->prefix_done < f->prefix_len) {
        n = f->prefix_len - f->prefix_done;
        if (n > buflen)
            n = buflen;
        memcpy(buffer, f->prefix + f->prefix_done, n);
        f->prefix_done += n;
        return n;
    }
    n = (size_t)(f->end - f->p);
    if (n > buflen)
        n = buflen;
    memcpy(buffer, f->p, n);
    f->p += n;
    return n;
}

/* jansson's column counts characters: the bytes that start one. */
static int chars_between(const char *from, const char *to)
{
    int n = 0;
    for (const unsigned char *b = (const unsigned char *)from;
         b < (const unsigned char *)to; b++)
        if (*b < 0x80 || (*b >= 0xC2 && *b <= 0xF4))
            n++;
    return n;
}

/* Moves an error jansson found in bytes that started at `from` (its line
 * and line start given), after prefix_len bytes of prefix, to its place
 * in the whole text. */
static void place(json_error_t *err, const struct json_list *l,
                  const char *from, int line, const char *line_start,
                  size_t prefix_len)
{
    if (err->line <= 0)
        return;
    if (err->line == 1) {
        err->column += chars_between(line_start, from) - (int)prefix_len;
        if (err->column < 0)
            err->column = 0;
    }
    err->line += line - 1;
    err->position += (int)(from - l->text) - (int)prefix_len;
}

/* `{"cases"` with the key as any spelling of "cases" (escapes allowed). */
static int is_cases_key(const char *key, size_t len)
{
    if (len == 7 && memcmp(key, "\"cases\"", 7) == 0)
        return 1;
    if (!memchr(key, '\\', len))
        return 0;
    json_error_t err;
    json_t *decoded = json_loadb(key, len, JSON_DECODE_ANY, &err);
    int is_cases = decoded && json_is_string(decoded) &&
                   json_string_length(decoded) == 5 &&
                   memcmp(json_string_value(decoded), "cases", 5) == 0;
    json_decref(decoded);
    return is_cases;
}

/* Steps into `{"cases": [` at the cursor. Returns an enum
 * json_scan_result, or JSON_LIST_NOT_A_LIST when something else is
 * there. */
static int enter_cases_object(struct json_scan *s, struct json_positions *jp)
{
    int rc = json_scan_enter(s, jp);
    if (rc)
        return rc;
    json_scan_skip_ws(s);
    if (s->p >= s->end || *s->p != '"')
        return JSON_LIST_NOT_A_LIST;
    const char *key = s->p;
    json_scan_skip_string(s);
    if (!is_cases_key(key, (size_t)(s->p - key)))
        return JSON_LIST_NOT_A_LIST;
    json_scan_skip_ws(s);
    if (s->p >= s->end || *s->p != ':')
        return JSON_LIST_NOT_A_LIST;
    s->p++;
    json_scan_skip_ws(s);
    if (s->p >= s->end || *s->p != '[')
        return JSON_LIST_NOT_A_LIST;
    return json_scan_enter(s, jp);
}

static void set_restart(struct json_list *l, const char *prefix)
{
    l->restart = l->scan.p;
    l->restart_line = l->scan.line;
    l->restart_line_start = l->scan.line_start;
    l->restart_prefix = prefix;
}

int json_list_open(struct json_list *l, const char *text, size_t len,
                   int first_line, const struct json_budget *budget)
{
    memset(l, 0, sizeof *l);
    l->text = text;
    json_scan_init(&l->scan, text, len, first_line, budget);
    set_restart(l, ""); /* the first element: jansson reads from the top */
    struct json_scan *s = &l->scan;
    struct json_positions none = {0};
    json_scan_skip_ws(s);
    int rc = JSON_LIST_NOT_A_LIST;
    if (s->p < s->end && *s->p == '[') {
        rc = json_scan_enter(s, &none);
    } else if (s->p < s->end && *s->p == '{') {
        rc = enter_cases_object(s, &none);
        l->is_cases_object = 1;
    }
    if (rc == JSON_SCAN_OK) {
        l->state = LIST_FIRST;
        return JSON_LIST_ITEM;
    }
    /* anything else, a depth budget of 1 under {"cases": included, is
     * for the scan of the whole text */
    json_list_release(l);
    return rc == JSON_SCAN_NOMEM ? JSON_LIST_NOMEM : JSON_LIST_NOT_A_LIST;
}

static int close_list(struct json_list *l)
{
    struct json_scan *s = &l->scan;
    json_scan_leave(s); /* the list's ']' */
    set_restart(l, l->is_cases_object ? "{\"cases\":[]" : "[]");
    l->state = LIST_DONE;
    json_scan_skip_ws(s);
    if (l->is_cases_object) {
        if (s->p < s->end && *s->p == ',')
            return JSON_LIST_NOT_A_LIST; /* one case with a "cases" field */
        if (s->p >= s->end || *s->p != '}')
            return JSON_LIST_BROKEN;
        json_scan_leave(s);
        json_scan_skip_ws(s);
    }
    return s->p < s->end ? JSON_LIST_BROKEN : JSON_LIST_END;
}

int json_list_next(struct json_list *l, struct json_positions *jp,
                   const char **item, size_t *item_len)
{
    struct json_scan *s = &l->scan;
    if (l->state == LIST_DONE)
        return JSON_LIST_END;
    json_scan_skip_ws(s);
    if (l->state == LIST_AFTER_ITEM) {
        if (s->p < s->end && *s->p == ']')
            return close_list(l);
        if (s->p >= s->end || *s->p != ',')
            return JSON_LIST_BROKEN; /* explained from the last element */
        s->p++;
        json_scan_skip_ws(s);
        set_restart(l, l->is_cases_object ? "{\"cases\":[[]," : "[[],");
    } else if (s->p < s->end && *s->p == ']') {
        return close_list(l); /* [] */
    }
    if (s->p >= s->end)
        return JSON_LIST_BROKEN;
    l->item = s->p;
    l->item_line = s->line;
    l->item_line_start = s->line_start;
    int rc = json_scan_value(s, jp);
    if (rc)
        return rc;
    *item = l->item;
    *item_len = (size_t)(s->p - l->item);
    l->n_items++;
    l->state = LIST_AFTER_ITEM;
    return JSON_LIST_ITEM;
}

void json_list_explain(const struct json_list *l, size_t flags,
                       const json_error_t *element_err, json_error_t *err)
{
    struct feed f = {l->restart_prefix, strlen(l->restart_prefix), 0,
                     l->restart, l->scan.end};
    json_t *whole = json_load_callback(feed_more, &f, flags, err);
    if (!whole) {
        place(err, l, l->restart, l->restart_line, l->restart_line_start,
              f.prefix_len);
        return;
    }
    /* jansson found nothing wrong from there. The walk never lets that
     * happen (an element ends where jansson ends it, or past jansson's
     * error in it), but say something true anyway. */
    json_decref(whole);
    if (element_err) {
        *err = *element_err;
        place(err, l, l->item, l->item_line, l->item_line_start, 0);
    } else {
        memset(err, 0, sizeof *err);
        err->line = l->scan.line;
        err->column = chars_between(l->scan.line_start, l->scan.p) + 1;
        snprintf(err->text, sizeof err->text, "']' expected");
    }
}

void json_list_release(struct json_list *l)
{
    json_scan_release(&l->scan);
}
