#include "json_positions.h"

#include <stdlib.h>
#include <string.h>

struct scanner {
    const char *p, *end;
    int line;
    const char *line_start;
    struct json_positions *jp;
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

static int record(struct scanner *s)
{
    struct json_positions *jp = s->jp;
    if (jp->n == jp->cap) {
        size_t cap = jp->cap ? jp->cap * 2 : 64;
        struct json_pos *grown = realloc(jp->items, cap * sizeof *grown);
        if (!grown)
            return -1;
        jp->items = grown;
        jp->cap = cap;
    }
    /* columns count bytes from 1, as compilers do */
    jp->items[jp->n].line = s->line;
    jp->items[jp->n].column = (int)(s->p - s->line_start) + 1;
    jp->n++;
    return 0;
}

static int scan_value(struct scanner *s, int depth);

static int scan_container(struct scanner *s, int depth, char close,
                          int has_keys)
{
    s->p++;
    for (;;) {
        skip_ws(s);
        if (s->p >= s->end)
            return 0;
        if (*s->p == close) {
            s->p++;
            return 0;
        }
        if (*s->p == ',') {
            s->p++;
            continue;
        }
        if (has_keys) {
            skip_string(s);
            skip_ws(s);
            if (s->p < s->end && *s->p == ':')
                s->p++;
            skip_ws(s);
        }
        const char *before = s->p;
        if (scan_value(s, depth + 1) < 0)
            return -1;
        if (s->p == before)
            s->p++;   /* never loop on a byte nothing consumes */
    }
}

static int scan_value(struct scanner *s, int depth)
{
    skip_ws(s);
    if (s->p >= s->end || depth > 4096)
        return 0;
    if (record(s) < 0)
        return -1;
    switch (*s->p) {
    case '{':
        return scan_container(s, depth, '}', 1);
    case '[':
        return scan_container(s, depth, ']', 0);
    case '"':
        skip_string(s);
        return 0;
    default:
        /* memchr, not strchr: a NUL byte must not match the terminator */
        while (s->p < s->end && !memchr(",]} \t\r\n", *s->p, 7))
            s->p++;
        return 0;
    }
}

int json_positions_scan(struct json_positions *jp, const char *text,
                        size_t len, int first_line)
{
    memset(jp, 0, sizeof *jp);
    struct scanner s = {text, text + len, first_line, text, jp};
    return scan_value(&s, 0);
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
