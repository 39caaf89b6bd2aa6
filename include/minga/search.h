/*
 * libminga: searching the catalog and finding experiences alike.
 *
 * A query is text as a user types it in the search box or after `minga
 * search`: words in Spanish, Portuguese or English (accents and case do
 * not matter; a word also finds its translations), "quoted phrases",
 * -excluded words, and inline filters: sdg:11 target:11.2 level:local
 * actor:civil_society country:BR lang:es year:2000..2010. An empty query
 * lists every case, newest first.
 */
#ifndef MINGA_PUBLIC_SEARCH_H
#define MINGA_PUBLIC_SEARCH_H

#include <stddef.h>

#include "errors.h"

#ifdef __cplusplus
extern "C" {
#endif

struct minga;

/* The most relevant cases for `query`, `limit` of them (0: 10; at most
 * 1000) after skipping `offset`, with facets, snippets and a spelling
 * suggestion: the JSON that GET /api/search answers, {total, offset,
 * limit, results: [{id, title, city, country, goals, snippet, ...}],
 * facets, ...}. *json_len (may be NULL) gets its length. MINGA_EINVAL
 * with a message naming the filter when a filter's value is bad. */
int minga_search_json(struct minga *m, const char *query, unsigned offset,
                      unsigned limit, char **json, size_t *json_len,
                      char **errmsg);

/* The cases most like case `id` (limit 1..20; 0: 5), from other cities
 * first, each with what it shares with the case: the JSON of GET
 * /api/cases/{id}/related. MINGA_ENOTFOUND for an unknown id. */
int minga_case_related_json(struct minga *m, const char *id, unsigned limit,
                            char **json, size_t *json_len, char **errmsg);

#ifdef __cplusplus
}
#endif

#endif /* MINGA_PUBLIC_SEARCH_H */
