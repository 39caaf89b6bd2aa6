#include "json_positions.h"

#include <stdlib.h>
#include <string.h>

struct scanner {
    const char *p, *end;
    int line;
    const char *line_start;
    struct json_positions *jp;
    const struct json_budget *budget;
    uint64_t n_values;
    /* The closing bracket of each open container, innermost last: an
     * explicit stack, so that nesting costs no C stack however deep the
     * budget lets it go. */
    char *closers;
    size_t depth, cap;
};

static void skip_ws(struct scanner *s)
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

static void skip_string(struct scanner *s)
{
    s->p++;   /* opening quote */
    while (s->p < s->end && *s->p != '"') {
        if (*s->p == '\\' && s->p + 1 < s->end)
            s->p++;
        s->p++;
    }
    if (s->p < s->end)
        s->p++;
}

static struct json_pos here(const struct scanner *s)
{
    /* columns count bytes from 1, as compilers do */
    struct json_pos pos = {s->line, (int)(s->p - s->line_start) + 1};
    return pos;
}

/* Counts the value starting at s->p and records where it is. */
static int record(struct scanner *s)
{
    struct json_positions *jp = s->jp;
    if (++s->n_values > s->budget->max_values) {
        jp->over = here(s);
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
    jp->items[jp->n++] = here(s);
    return JSON_SCAN_OK;
}

static int open_container(struct scanner *s, char closer)
{
    if (s->depth + 1 > s->budget->max_depth) {
        s->jp->over = here(s);
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
    s->closers[s->depth++] = closer;
    s->p++;
    return JSON_SCAN_OK;
}

/* Reads one value, the root, with everything nested in it. */
static int scan(struct scanner *s)
{
    for (;;) {
        skip_ws(s);
        if (s->p >= s->end)
            return JSON_SCAN_OK;
        char closer = s->depth ? s->closers[s->depth - 1] : 0;
        if (s->depth && *s->p == closer) {
            s->p++;
            if (--s->depth == 0)
                return JSON_SCAN_OK;
            continue;
        }
        if (s->depth && *s->p == ',') {
            s->p++;
            continue;
        }
        if (closer == '}') {   /* a member: its key, then its value */
            skip_string(s);
            skip_ws(s);
            if (s->p < s->end && *s->p == ':')
                s->p++;
            skip_ws(s);
            if (s->p >= s->end)
                return JSON_SCAN_OK;
        }
        int rc = record(s);
        if (rc)
            return rc;
        const char *before = s->p;
        switch (*s->p) {
        case '{':
            rc = open_container(s, '}');
            break;
        case '[':
            rc = open_container(s, ']');
            break;
        case '"':
            skip_string(s);
            break;
        default:
            /* memchr, not strchr: a NUL byte must not match the terminator */
            while (s->p < s->end && !memchr(",]} \t\r\n", *s->p, 7))
                s->p++;
            if (s->p == before)
                s->p++;   /* never loop on a byte nothing consumes */
            break;
        }
        if (rc)
            return rc;
        if (s->depth == 0)
            return JSON_SCAN_OK;   /* the root was a scalar */
    }
}

int json_positions_scan(struct json_positions *jp, const char *text,
                        size_t len, int first_line,
                        const struct json_budget *budget)
{
    memset(jp, 0, sizeof *jp);
    struct scanner s = {text, text + len, first_line, text, jp, budget,
                        0, NULL, 0, 0};
    int rc = scan(&s);
    free(s.closers);
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
