/*
 * The full-text index: a small C API over Xapian (C++ inside, no C++ type
 * or exception crosses this header). Every call returns 0 or a negative
 * MINGA_E... code with a message in *errmsg that the caller frees.
 *
 * Invariants:
 *   - the catalog (SQLite) is the source of truth; the index records the
 *     catalog generation it reflects (mindex_generation), so that a crash
 *     between the two writes is found and repaired by `minga check`;
 *   - one struct mindex belongs to one thread; a server gives each thread
 *     its own handle (Xapian Database objects are not thread-safe);
 *   - writes are batched: nothing is visible to readers before
 *     mindex_commit, and one commit covers one whole import;
 *   - text is accent-folded and case-folded (utf8proc) at index and query
 *     time, and each case is stemmed with its own language's stemmer.
 *
 * Shards: the index folder holds N Xapian databases (N fixed when the
 * index is created: MINGA_INDEX_SHARDS, else one per two cores, see
 * mindex.cc; changed only by mindex_open_relayout); a case always lives
 * in the shard its id hashes to. Searches read them as one database and
 * answer the same whatever N (ties rank by case id, not docid).
 * A writer indexes each shard in a thread of its own, so mindex_put_case
 * only checks and queues the case: an error met later while indexing it
 * is returned by the next write call or by mindex_commit (with the case
 * id in the message), and mindex_commit then commits nothing. An index
 * made before shards (one database in the folder) opens as one shard.
 *
 * The shards are committed in parallel, not atomically together: a
 * crash between two of them leaves shards recording different
 * generations. mindex_generation() then returns MINDEX_GENERATION_MIXED,
 * which equals no catalog generation, so `minga check` and minga_recover
 * see the mismatch and rebuild the index. A reader that opens or reopens
 * between two shards' commits waits (about a second at most) until they
 * agree, so it never searches part of a commit that completes.
 */
#ifndef MINGA_MINDEX_H
#define MINGA_MINDEX_H

#include <stddef.h>
#include <stdint.h>
#include "minga/plugin.h"
#include "query_types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mindex;

enum mindex_mode {
    MINDEX_READ = 0,
    MINDEX_WRITE = 1
};

/* Opens (creating it in write mode) the index in folder `dir`. A new
 * index gets MINGA_INDEX_SHARDS shards when that is set, else one per
 * two cores, 1 to 4. */
int mindex_open(struct mindex **out, const char *dir, int mode, char **errmsg);

/* The most shards an index may have. */
#define MINDEX_MAX_SHARDS 64

/* The number of shards of the index in folder `dir`: 1 for the layout
 * before shards, 0 when there is no index there or its shard count
 * cannot be read. Reads one small file; opens no database. */
int mindex_shards_of(const char *dir);

/* Opens a writer over `shards` new, empty shards (1..MINDEX_MAX_SHARDS)
 * beside the live ones of `dir`, which readers go on searching. The
 * caller fills them (mindex_remove_all, mindex_put...); the first
 * successful mindex_commit swaps them in at once, as a compaction does
 * (mindex_compact), and the old ones are removed. Closing it without a
 * commit, or a crash, leaves the index as it was; the new folders are
 * removed then, or by the next compaction or relayout. `minga reindex
 * --shards N`. MINGA_EINVAL on an index of the layout before shards. */
int mindex_open_relayout(struct mindex **out, const char *dir, int shards,
                         char **errmsg);
void mindex_close(struct mindex *ix);

/* Readers: see the latest commit (cheap when nothing changed). */
int mindex_reopen(struct mindex *ix, char **errmsg);

/* The catalog generation the last commit recorded; 0 for a new index;
 * MINDEX_GENERATION_MIXED when the shards disagree (see above). */
#define MINDEX_GENERATION_MIXED UINT64_MAX
uint64_t mindex_generation(struct mindex *ix);
uint64_t mindex_doccount(struct mindex *ix);

/* -- writing (MINDEX_WRITE only) -------------------------------------- */

/* Adds or replaces the document for c->id. Title, summary, body, tags and
 * the extracted text of c->attachments are indexed, in falling weight. */
int mindex_put_case(struct mindex *ix, const struct minga_case *c,
                    char **errmsg);
int mindex_remove_case(struct mindex *ix, const char *id, char **errmsg);
/* Removes every document (for a full reindex). */
int mindex_remove_all(struct mindex *ix, char **errmsg);
/* Makes all changes since the last commit durable and visible, recording
 * `generation`. All or nothing. */
int mindex_commit(struct mindex *ix, uint64_t generation, char **errmsg);
/* Drops all changes since the last commit. */
void mindex_rollback(struct mindex *ix);

/* -- suggested goals and targets (mindex_suggested.cc) ----------------- */

/* What a case's text speaks of without being tagged with it: the goals
 * and targets the suggester (core's SDG query packs) found above its
 * threshold. Stored as boolean terms beside the tags ("XSG11",
 * "XST11.2"), so that a search asking for suggestions
 * (minga_query.want_suggested) can match them too. Fixed-size: the
 * suggester fills it, nothing to free. */
#define MINDEX_SUGGESTED_MAX 8
struct mindex_suggested {
    uint32_t goal_mask;                    /* bit g for goal g */
    char targets[MINDEX_SUGGESTED_MAX][8]; /* "11.2" */
    size_t n_targets;
};

/* Finds case c's suggestions: 0 with *out filled (zeroed by the
 * caller), or a negative MINGA_E... code with *errmsg (caller frees),
 * which fails the mindex_put_case that asked. Called in the thread of
 * mindex_put_case. */
typedef int (*mindex_suggest_fn)(void *arg, const struct minga_case *c,
                                 struct mindex_suggested *out, char **errmsg);

/* Writers: every case put from now on gets fn's suggestions as terms
 * (fn and arg borrowed; they must outlive the writer). The index calls
 * back rather than calling core itself: the index sits below core. A
 * writer of a new or emptied index, or of one whose every case has its
 * suggestions, marks the index as having them at each commit; a put
 * without a suggester takes the mark away (mindex_has_suggested). */
void mindex_set_suggester(struct mindex *ix, mindex_suggest_fn fn, void *arg);

/* Whether every case in the index carries its suggested terms: false for
 * an index made before them (or by a writer without a suggester) until
 * `minga reindex` rebuilds it; true for an empty index. */
int mindex_has_suggested(struct mindex *ix);

/* Compacts the index in folder `dir` (Xapian's compaction, docids kept):
 * a compacted copy of each shard is written beside it and swapped in by
 * renaming the file that names the shard folders; the old folders are
 * then removed. Readers go on searching and see the copy at their next
 * reopen. A crash at any point leaves the old or the new index, whole.
 * The caller holds the writer lock. Sizes of the shards (bytes) before
 * and after, when not NULL. */
int mindex_compact(const char *dir, uint64_t *bytes_before,
                   uint64_t *bytes_after, char **errmsg);

/* Loads the cross-language thesaurus (see data/thesaurus.txt for its
 * format) into the index's synonym table, replacing what was there.
 * Takes effect at the next commit. */
int mindex_set_thesaurus(struct mindex *ix, const char *text, size_t len,
                         char **errmsg);

/* Calls fn for every case id in the index, in no particular order; stops
 * when fn returns nonzero. For consistency checks. */
int mindex_foreach_id(struct mindex *ix, int (*fn)(void *arg, const char *id),
                      void *arg, char **errmsg);

/* -- searching ------------------------------------------------------- */

struct mindex_hit {
    char *id;
    double score; /* Xapian weight */
    int percent;  /* 0-100 */
    char *title;
    char *city;
    char *country;
    char *language;
    int year_start;
    int year_end; /* 0 when absent */
    uint32_t goal_mask;
    uint32_t level_mask;
    uint32_t actor_mask;
    char *snippet;      /* HTML-safe text; matched words inside
                                <mark>...</mark> */
    char *snippet_from; /* NULL: the snippet is from the summary and
                                body; else the attachment's path */
    int is_partial;     /* 1: matches some of the query's words, not
                                all (see mindex_results.is_partial) */
    /* With q->want_suggested, a hit that matched the goal or target
     * filter only through a suggestion (not tagged with any of the
     * filter's goals, or targets): the filter's goals and targets it was
     * suggested; 0 and none for a hit tagged with them. */
    uint32_t suggested_goal_mask;
    char **suggested_targets; /* "11.2", in the query's order */
    size_t n_suggested_targets;
};

struct mindex_count {
    char key[8]; /* country code or language code */
    uint64_t count;
};

struct mindex_results {
    uint64_t total; /* matching cases (exact when facets on,
                                    unless is_estimate) */
    /* With facets on, the matcher counts at most MINDEX_FACET_EXACT_MAX
     * matches; past that the facet counts (and total, unless Xapian
     * walked the whole set anyway) are estimated from the first ones in
     * index order, and is_estimate is 1. A reader counts larger sets
     * whole when reading them from the posting lists costs less than
     * the matcher would spend (see mindex_matchset.cc). */
    int is_estimate;
    struct mindex_hit *hits;
    size_t n_hits;
    /* facet counts over the whole match set (when q->want_facets) */
    uint64_t goal_counts[18];              /* index 1..17 */
    uint64_t level_counts[MINGA_N_LEVELS]; /* bit order */
    uint64_t actor_counts[MINGA_N_ACTORS];
    struct mindex_count *countries; /* sorted by count desc, then key */
    size_t n_countries;
    struct mindex_count *languages;
    size_t n_languages;
    char *suggestion; /* corrected query text, or NULL */
    /* The query's text matched nothing and its spelling suggestion
     * matched: the results are the suggestion's. corrected_from is the
     * text as typed, query_used the suggestion searched (both NULL
     * otherwise). */
    char *corrected_from;
    char *query_used;
    /* 1 when the results hold cases that match some of the query's
     * words but not all: all of them together matched fewer than
     * MINDEX_FEW_MATCHES cases, so the cases matching most of them come
     * next, each marked (mindex_hit.is_partial). */
    int is_partial;
    /* 1 when the text was long (more than MINDEX_LONG_QUERY_WORDS
     * words: a pasted paragraph) and was searched as "cases like this
     * text": its most discriminating words, any of them. */
    int is_similar;
    /* q->want_suggested, but the index holds no suggested terms (made
     * before them): only tagged cases matched; `minga reindex` adds
     * them. */
    int is_suggested_unavailable;
};

#define MINDEX_FEW_MATCHES 10
#define MINDEX_LONG_QUERY_WORDS 12

#define MINDEX_FACET_EXACT_MAX 5000

/* Runs a query. Empty text with filters lists the filtered cases (newest
 * first); empty text and no filters lists everything. */
int mindex_search(struct mindex *ix, const struct minga_query *q,
                  struct mindex_results **out, char **errmsg);
void mindex_results_free(struct mindex_results *r);
/* Frees one hit's strings (for a caller that drops hits from results). */
void mindex_hit_release(struct mindex_hit *hit);

/* The ids of the cases `q` selects, in mindex_search's order, from
 * q->offset, at most q->limit of them (0: all, unlike a search's
 * QUERY_MAX_LIMIT): one pass of the matcher, for exports, rather than a
 * search per page (each of which would rank every match again). Facets,
 * snippets and spelling are ignored. *ids: an array of *n strings, NULL
 * when none; free with mindex_ids_free. */
int mindex_match_ids(struct mindex *ix, const struct minga_query *q,
                     char ***ids, size_t *n, char **errmsg);
void mindex_ids_free(char **ids, size_t n);

/* -- related cases (mindex_related.cc) -------------------------------- */

/* One case like another, with why: what the two share. */
struct mindex_related {
    char *id;
    char *title;
    char *city;
    char *country;
    char *language;
    int year_start;
    int year_end;       /* 0 when absent */
    uint32_t goal_mask; /* the related case's goals */
    double score;       /* its weight, after the same-city step */
    int is_same_city;   /* same city and country as the case asked */
    uint32_t shared_goal_mask;
    char **shared_targets; /* "11.2", in the case's order */
    size_t n_shared_targets;
    /* Readable words and phrases the two have in common, strongest
     * first, as the asked case writes them ("presupuesto participativo");
     * a match through a translation reads "presupuesto participativo =
     * orçamento participativo". */
    char **shared_terms;
    size_t n_shared_terms;
};

struct mindex_related_list {
    struct mindex_related *items;
    size_t n_items;
};

#define MINDEX_RELATED_MAX 20

/* The cases most like case `id` (at most `limit`, 1..MINDEX_RELATED_MAX),
 * never `id` itself: its most discriminating words (Xapian's ESet over
 * the case's own document) and the thesaurus phrases it uses, each with
 * its translations, and its targets; a case of the same city ranks below
 * an equally similar one from elsewhere. MINGA_ENOTFOUND when the index
 * holds no case `id`. *out: free with mindex_related_free. */
int mindex_related_cases(struct mindex *ix, const char *id, unsigned limit,
                         struct mindex_related_list **out, char **errmsg);
void mindex_related_free(struct mindex_related_list *list);
/* Frees one item's strings (for a caller that drops items). */
void mindex_related_release(struct mindex_related *item);

#ifdef __cplusplus
}
#endif

#endif
