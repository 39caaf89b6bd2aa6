/*
 * A search request: free text plus filters, as typed on the command line,
 * in the web page's URL or inline in the query (`sdg:11 level:local`).
 *
 * Filters combine with OR within one field and AND across fields. A query
 * owns every string in it; query_release frees them. Parsing never prints:
 * a bad filter value is returned as a message naming the parameter.
 */
#ifndef MINGA_QUERY_H
#define MINGA_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "query_types.h" /* struct minga_query, QUERY_MAX_LIMIT */

void query_init(struct minga_query *q);
void query_release(struct minga_query *q);

/* Adds one filter, as from `--sdg 11` or `sdg:11`. `name` is one of sdg,
 * target, level, actor, country, lang, year (a year or FROM..TO),
 * year_from, year_to. Returns 0, or -1 with *errmsg (caller frees) naming
 * the parameter and what was expected. */
int query_add_filter(struct minga_query *q, const char *name,
                     const char *value, char **errmsg);

/* Whether `name` (len bytes, not NUL-terminated) is a filter name
 * query_add_filter takes: sdg (or goal), target, level, actor, country,
 * lang (or language), year, year_from, year_to. The one list: the CLI's
 * options, the API's parameters and inline filters all ask here. */
int query_is_filter(const char *name, size_t len);

/* Splits `input` into free text and inline filters (`name:value` words
 * whose name is a filter name); quoted phrases stay in the text. Appends
 * the free text to q->text. Returns 0 or -1 with *errmsg. */
int query_parse_inline(struct minga_query *q, const char *input,
                       char **errmsg);

/* A human-readable form of the filters ("sdg:11 level:local"), for
 * briefing packs and logs. Returns a new string; caller frees. */
char *query_describe_filters(const struct minga_query *q);

/* Whether the query has any filter or text at all. */
int query_is_empty(const struct minga_query *q);

#endif
