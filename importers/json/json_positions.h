/*
 * One pass over a JSON text, before jansson sees it: where each value
 * starts (line and column), in document order (pre-order: a container
 * before its members), and the import's budgets enforced as the bytes
 * stream by. jansson parses but keeps no positions; walking its tree in
 * the same order pairs each value with its place, so errors can name the
 * line of the field at fault. And jansson builds the whole tree, at up to
 * about 270 bytes a value, so a text of 20 million `{}` would take 5 GB:
 * counting values and depth here first refuses it after reading at most
 * max_values of them, holding 8 bytes for each.
 *
 * The scan trusts the syntax (jansson checks it next): on valid JSON it
 * records exactly the values jansson builds; on a text jansson rejects it
 * never records fewer than jansson builds before its error, so the budget
 * holds either way.
 */
#ifndef MINGA_JSON_POSITIONS_H
#define MINGA_JSON_POSITIONS_H

#include <stddef.h>
#include <stdint.h>

struct json_pos {
    int line;
    int column;
};

struct json_budget {
    uint64_t max_values;     /* values in the text, containers included */
    uint64_t max_depth;      /* arrays and objects open at once */
};

enum json_scan_result {
    JSON_SCAN_OK = 0,
    JSON_SCAN_NOMEM = -1,
    JSON_SCAN_TOO_MANY = 1,  /* more than max_values values */
    JSON_SCAN_TOO_DEEP = 2   /* nested deeper than max_depth */
};

struct json_positions {
    struct json_pos *items;  /* owned */
    size_t n, cap;
    size_t next;             /* cursor for json_positions_take */
    struct json_pos over;    /* where a budget was crossed */
};

/* Scans text[0..len); lines are counted from first_line. Returns an enum
 * json_scan_result; past a budget, jp->over is the value that crossed it.
 * Release jp whatever the result. */
int json_positions_scan(struct json_positions *jp, const char *text,
                        size_t len, int first_line,
                        const struct json_budget *budget);
/* The position of the next value in document order ({0,0} past the end). */
struct json_pos json_positions_take(struct json_positions *jp);
void json_positions_release(struct json_positions *jp);

#endif
