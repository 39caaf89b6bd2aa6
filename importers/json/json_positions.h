/*
 * Where each value of a JSON text starts (line and column), in document
 * order (pre-order: a container before its members). jansson parses but
 * keeps no positions; walking its tree in the same order pairs each value
 * with its place, so errors can name the line of the field at fault.
 * Only call it on text jansson has accepted: it trusts the syntax.
 */
#ifndef MINGA_JSON_POSITIONS_H
#define MINGA_JSON_POSITIONS_H

#include <stddef.h>

struct json_pos {
    int line;
    int column;
};

struct json_positions {
    struct json_pos *items;  /* owned */
    size_t n, cap;
    size_t next;             /* cursor for json_positions_take */
};

/* Scans text[0..len); lines are counted from first_line. 0 or -1 (OOM). */
int json_positions_scan(struct json_positions *jp, const char *text,
                        size_t len, int first_line);
/* The position of the next value in document order ({0,0} past the end). */
struct json_pos json_positions_take(struct json_positions *jp);
void json_positions_release(struct json_positions *jp);

#endif
