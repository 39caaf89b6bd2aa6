/*
 * A pass over a JSON text, before jansson sees it: where each value
 * starts (line and column), in document order (pre-order: a container
 * before its members), and the import's budgets enforced as the bytes
 * stream by. jansson parses but keeps no positions; walking its tree in
 * the same order pairs each value with its place, so errors can name the
 * line of the field at fault. And jansson builds the whole tree, at up to
 * about 270 bytes a value, so a case of 20 million `{}` would take 5 GB:
 * counting values and depth here first refuses it after reading at most
 * max_values of them, holding 8 bytes for each.
 *
 * The scan is a cursor that reads one value at a time (json_scan_value),
 * so a case list can be scanned, and budgeted, one case at a time
 * (json_list_next, below): the value budget counts the values of the one
 * value scanned, the depth budget the containers open in the whole text,
 * those stepped into with json_scan_enter included.
 *
 * The scan trusts the syntax (jansson checks it next): on valid JSON it
 * records exactly the values jansson builds; on a text jansson rejects it
 * never records fewer than jansson builds before its error, so the budget
 * holds either way.
 */
#ifndef MINGA_JSON_POSITIONS_H
#define MINGA_JSON_POSITIONS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct json_pos {
    int line;
    int column;
};

struct json_budget {
    uint64_t max_values; /* values in one case, containers included */
    uint64_t max_depth;  /* arrays and objects open at once */
};

enum json_scan_result {
    JSON_SCAN_OK = 0,
    JSON_SCAN_NOMEM = -1,
    JSON_SCAN_TOO_MANY = 1, /* more than max_values values */
    JSON_SCAN_TOO_DEEP = 2  /* nested deeper than max_depth */
};

struct json_positions {
    struct json_pos *items; /* owned */
    size_t n, cap;
    size_t next;          /* cursor for json_positions_take */
    struct json_pos over; /* where a budget was crossed */
};

/* A cursor over a text. Fields are read by the case list's walker
 * (json_list.c); only the functions below move it. */
struct json_scan {
    const char *p, *end;    /* the cursor; the end of the text */
    int line;               /* the cursor's line */
    const char *line_start; /* where that line starts */
    const struct json_budget *budget;
    uint64_t n_values; /* in the value being scanned */
    /* The closing bracket of each open container, innermost last: an
     * explicit stack, so that nesting costs no C stack however deep the
     * budget lets it go. */
    char *closers;
    size_t depth, cap;
};

/* Starts a cursor at text[0], lines counted from first_line. Release it
 * with json_scan_release. */
void json_scan_init(struct json_scan *s, const char *text, size_t len,
                    int first_line, const struct json_budget *budget);
void json_scan_release(struct json_scan *s);
/* Skips spaces, tabs, carriage returns and newlines (counting lines). */
void json_scan_skip_ws(struct json_scan *s);
/* Skips the string whose opening quote is at the cursor. */
void json_scan_skip_string(struct json_scan *s);
/* The cursor's position (columns count bytes from 1, as compilers do). */
struct json_pos json_scan_here(const struct json_scan *s);
/* Steps into the '[' or '{' at the cursor, which counts toward the depth
 * of everything scanned until the walker leaves it (json_scan_leave).
 * Returns an enum json_scan_result (jp->over set past the depth). */
int json_scan_enter(struct json_scan *s, struct json_positions *jp);
/* Steps out of the innermost container entered, its closer at the cursor. */
void json_scan_leave(struct json_scan *s);
/* Scans the value at the cursor (after any whitespace) with everything
 * nested in it, and leaves the cursor just after it. jp is emptied first
 * (its memory kept), then holds that value's positions; the value budget
 * counts that value alone. Returns an enum json_scan_result; past a
 * budget, jp->over is the value that crossed it. */
int json_scan_value(struct json_scan *s, struct json_positions *jp);

/* Scans the text[0..len) whole as one value; lines are counted from
 * first_line. Returns an enum json_scan_result. Release jp whatever the
 * result. */
int json_positions_scan(struct json_positions *jp, const char *text,
                        size_t len, int first_line,
                        const struct json_budget *budget);
/* The position of the next value in document order ({0,0} past the end). */
struct json_pos json_positions_take(struct json_positions *jp);
void json_positions_release(struct json_positions *jp);

/*
 * The case list of a .json file -- its root array, or the array of a root
 * {"cases": [...]} -- walked one element at a time, so that jansson need
 * only ever hold one case: json_list_next gives each element's bytes and
 * the positions of its values, under the value budget of one case and
 * the depth budget of the whole text.
 *
 * The walk trusts the syntax no more than the scan does, but where it
 * finds the text around the elements broken (a missing comma, a trailing
 * comma, a truncated file, bytes after the end), or jansson refuses an
 * element, json_list_explain gives the very error jansson gives for the
 * whole text, at its line and column in the whole text: jansson parses
 * the text again from the start of that element, after a few bytes that
 * put it in the state the whole text had put it in there. It holds that
 * one element, and stops at the first error.
 */
enum json_list_step {
    JSON_LIST_NOMEM = JSON_SCAN_NOMEM,
    JSON_LIST_ITEM = JSON_SCAN_OK,           /* the next element */
    JSON_LIST_TOO_MANY = JSON_SCAN_TOO_MANY, /* jp->over says where */
    JSON_LIST_TOO_DEEP = JSON_SCAN_TOO_DEEP,
    JSON_LIST_END = 3,       /* the list, and the text, ended as they must */
    JSON_LIST_BROKEN = 4,    /* not JSON here: see json_list_explain */
    JSON_LIST_NOT_A_LIST = 5 /* the root is something else: read it whole */
};

struct json_list {
    struct json_scan scan;
    const char *text;
    int is_cases_object; /* {"cases": [...]}, not a root array */
    int state;
    size_t n_items;   /* elements given so far */
    const char *item; /* the last element given */
    int item_line;
    const char *item_line_start;
    /* Where jansson would restart to explain an error: the start of the
     * last element (the text's start for the first), or the end of the
     * list, and what to put before it. */
    const char *restart;
    int restart_line;
    const char *restart_line_start;
    const char *restart_prefix;
};

/* Starts a walk over text[0..len) (lines counted from first_line).
 * Returns JSON_LIST_ITEM when the root looks like a case list,
 * JSON_LIST_NOT_A_LIST when it is not one (nothing to release then),
 * JSON_LIST_NOMEM. */
int json_list_open(struct json_list *l, const char *text, size_t len,
                   int first_line, const struct json_budget *budget);
/* The next step of the walk: on JSON_LIST_ITEM, *item and *item_len are
 * the element's bytes and jp holds its positions (the element's own
 * first). JSON_LIST_NOT_A_LIST only ever comes for {"cases": [...], ...}
 * with more members, known at the end of the list. */
int json_list_next(struct json_list *l, struct json_positions *jp,
                   const char **item, size_t *item_len);
/* After JSON_LIST_BROKEN, or when jansson refused the last element:
 * sets *err to the error jansson, with these flags, gives for the whole
 * text (its line and column those in the whole text). element_err is
 * jansson's error for the last element alone, or NULL; it is kept, placed
 * in the whole text, should the parse again find nothing. */
void json_list_explain(const struct json_list *l, size_t flags,
                       const json_error_t *element_err, json_error_t *err);
void json_list_release(struct json_list *l);

#endif
