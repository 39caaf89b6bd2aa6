/*
 * The JSON answer of a search, written as text in one pass with yajl's
 * generator. It is the answer of every GET /api/search, so it is written
 * straight from the results: building it as a jansson tree and dumping
 * that (a hash table per object, a loop check per container when dumped)
 * cost a quarter of a 10 000-case request, as much again as the search's
 * snippets (docs/architecture.md, "The search answer").
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "minga.h"
#include "query.h"
#include "refdata.h"
#include "textfold.h"

#define KEY(g, k) yajl_gen_string(g, (const unsigned char *)(k), sizeof(k) - 1)

struct writer {
    yajl_gen g;
    /* A string that is not UTF-8 makes yajl refuse it and write nothing,
     * and the next call would then stand in its place: a refusal is kept
     * here and fails the whole answer; so is a failed allocation. */
    int is_refused;
    /* the answer as yajl prints it: owned here until returned */
    char *text;
    size_t len, cap;
};

/* Room for a typical answer (a page of 10 hits with snippets and the
 * facets is 6-9 KB), so it is seldom grown. */
#define ANSWER_INITIAL_CAP 16384

/* yajl's print callback. yajl prints an answer in 1 500 or so pieces,
 * most of them one byte (a quote, a comma, a colon); its own buffer
 * checks its room in a loop and calls memcpy for each, a quarter of
 * the answer's cost. The text is kept NUL-terminated. */
static void append_text(void *ctx, const char *s, size_t n)
{
    struct writer *w = ctx;
    if (w->cap - w->len <= n) {
        size_t cap = w->cap ? w->cap : ANSWER_INITIAL_CAP;
        while (cap - w->len <= n)
            cap *= 2;
        char *text = realloc(w->text, cap);
        if (!text) {
            w->is_refused = 1;
            return;
        }
        w->text = text;
        w->cap = cap;
    }
    if (n == 1)
        w->text[w->len] = *s;
    else
        memcpy(w->text + w->len, s, n);
    w->len += n;
    w->text[w->len] = '\0';
}

/* A string value. Checked here rather than by yajl's validator, which
 * reads one byte at a time where textfold's check skips ASCII 8 bytes at
 * a time (the validator was a quarter of the answer's cost). */
static void put_str(struct writer *w, const char *s)
{
    if (!s)
        s = "";
    size_t len = strlen(s);
    if (!text_is_valid_utf8(s, len) ||
        yajl_gen_string(w->g, (const unsigned char *)s, len) !=
            yajl_gen_status_ok)
        w->is_refused = 1;
}

/* Writes the decimal digits of u (at least `min_digits`, zeros in
 * front) so that they end just before `end`; returns where they start. */
static char *digits_before(char *end, unsigned long long u, int min_digits)
{
    char *p = end;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (end - p < min_digits)
        *--p = '0';
    return p;
}

/* An integer value. yajl_gen_integer formats with sprintf, a fifth of
 * the answer's cost for its hundred or so numbers. */
static void put_int(struct writer *w, long long v)
{
    char buf[24], *p = buf + sizeof buf;
    p = digits_before(
        p, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v, 1);
    if (v < 0)
        *--p = '-';
    yajl_gen_number(w->g, p, (size_t)(buf + sizeof buf - p));
}

/* A score, rounded to 6 decimal places and always written with a
 * fraction ("12.0"), so it reads as a real. Formatted here: a weight
 * with sprintf's 17 digits cost 4 000 instructions, a seventh of the
 * answer, and its last digits are noise. */
static void put_score(struct writer *w, double v)
{
    yajl_gen g = w->g;
    if (!isfinite(v)) {
        yajl_gen_null(g); /* inf or nan: not JSON */
        return;
    }
    if (fabs(v) >= 1e12) { /* not a BM25 weight; as the rest would */
        char buf[40];
        int n = snprintf(buf, sizeof buf, "%.6e", v);
        yajl_gen_number(g, buf, (size_t)n);
        return;
    }
    unsigned long long micro = (unsigned long long)llround(fabs(v) * 1e6);
    unsigned long long frac = micro % 1000000;
    char buf[32], *p = buf + sizeof buf;
    int digits = 6;
    while (digits > 1 && frac % 10 == 0) { /* 12.500000 -> 12.5 */
        frac /= 10;
        digits--;
    }
    p = digits_before(p, frac, digits);
    *--p = '.';
    p = digits_before(p, micro / 1000000, 1);
    if (v < 0 && micro)
        *--p = '-';
    yajl_gen_number(g, p, (size_t)(buf + sizeof buf - p));
}

static void put_goals(struct writer *w, uint32_t goal_mask)
{
    yajl_gen g = w->g;
    yajl_gen_array_open(g);
    for (int i = 1; i <= REFDATA_N_GOALS; i++)
        if (goal_mask & (1u << i))
            put_int(w, i);
    yajl_gen_array_close(g);
}

static void put_names(struct writer *w, uint32_t mask, int n_bits,
                      const char *(*name)(uint32_t))
{
    yajl_gen g = w->g;
    yajl_gen_array_open(g);
    for (int i = 0; i < n_bits; i++)
        if (mask & (1u << i))
            put_str(w, name(1u << i));
    yajl_gen_array_close(g);
}

static void put_hit(struct writer *w, const struct mindex_hit *h)
{
    yajl_gen g = w->g;
    yajl_gen_map_open(g);
    KEY(g, "id");
    put_str(w, h->id);
    KEY(g, "title");
    put_str(w, h->title);
    KEY(g, "city");
    put_str(w, h->city);
    KEY(g, "country");
    put_str(w, h->country);
    KEY(g, "language");
    put_str(w, h->language);
    KEY(g, "year_start");
    put_int(w, h->year_start);
    KEY(g, "year_end");
    if (h->year_end)
        put_int(w, h->year_end);
    else
        yajl_gen_null(g);
    KEY(g, "goals");
    put_goals(w, h->goal_mask);
    KEY(g, "levels");
    put_names(w, h->level_mask, MINGA_N_LEVELS, refdata_level_name);
    KEY(g, "actors");
    put_names(w, h->actor_mask, MINGA_N_ACTORS, refdata_actor_name);
    KEY(g, "score");
    put_score(w, h->score);
    KEY(g, "percent");
    put_int(w, h->percent);
    KEY(g, "snippet");
    put_str(w, h->snippet);
    if (h->snippet_from) {
        KEY(g, "snippet_from"); /* the attachment it comes from */
        put_str(w, h->snippet_from);
    }
    KEY(g, "partial");
    yajl_gen_bool(g, h->is_partial);
    if (h->suggested_goal_mask || h->n_suggested_targets) {
        /* matched the goal or target filter only by a suggestion */
        KEY(g, "suggested");
        yajl_gen_map_open(g);
        KEY(g, "goals");
        put_goals(w, h->suggested_goal_mask);
        KEY(g, "targets");
        yajl_gen_array_open(g);
        for (size_t i = 0; i < h->n_suggested_targets; i++)
            put_str(w, h->suggested_targets[i]);
        yajl_gen_array_close(g);
        yajl_gen_map_close(g);
    }
    const char *name = refdata_country_name(h->country);
    if (name) {
        KEY(g, "country_name");
        put_str(w, name);
    }
    yajl_gen_map_close(g);
}

/* One facet entry, {"value": ..., "count": n}; value is a string unless
 * it is NULL, then the number. */
static void put_count(struct writer *w, const char *value, int number,
                      uint64_t count)
{
    yajl_gen g = w->g;
    yajl_gen_map_open(g);
    KEY(g, "value");
    if (value)
        put_str(w, value);
    else
        put_int(w, number);
    KEY(g, "count");
    put_int(w, (long long)count);
    yajl_gen_map_close(g);
}

static void put_counts(struct writer *w, const struct mindex_count *c,
                       size_t n)
{
    yajl_gen g = w->g;
    yajl_gen_array_open(g);
    for (size_t i = 0; i < n; i++)
        put_count(w, c[i].key, 0, c[i].count);
    yajl_gen_array_close(g);
}

/* Counts by bit (levels, actors), named; only those above 0. */
static void put_bit_counts(struct writer *w, const uint64_t *counts,
                           int n_bits, const char *(*name)(uint32_t))
{
    yajl_gen_array_open(w->g);
    for (int i = 0; i < n_bits; i++)
        if (counts[i])
            put_count(w, name(1u << i), 0, counts[i]);
    yajl_gen_array_close(w->g);
}

static void put_facets(struct writer *w, const struct mindex_results *r)
{
    yajl_gen g = w->g;
    yajl_gen_map_open(g);
    KEY(g, "goals");
    yajl_gen_array_open(g);
    for (int i = 1; i <= REFDATA_N_GOALS; i++)
        if (r->goal_counts[i])
            put_count(w, NULL, i, r->goal_counts[i]);
    yajl_gen_array_close(g);
    KEY(g, "levels");
    put_bit_counts(w, r->level_counts, MINGA_N_LEVELS, refdata_level_name);
    KEY(g, "actors");
    put_bit_counts(w, r->actor_counts, MINGA_N_ACTORS, refdata_actor_name);
    KEY(g, "countries");
    put_counts(w, r->countries, r->n_countries);
    KEY(g, "languages");
    put_counts(w, r->languages, r->n_languages);
    yajl_gen_map_close(g);
}

char *minga_results_json(const struct minga_query *q,
                         const struct mindex_results *r, size_t *len)
{
    struct writer out = {0}, *w = &out;
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return NULL;
    out.g = g;
    yajl_gen_config(g, yajl_gen_print_callback, append_text, w);
    /* a string that is not UTF-8 fails the answer rather than breaking
     * the client's parser: put_str checks each one */
    unsigned per_page = q->limit ? q->limit : QUERY_DEFAULT_LIMIT;
    char *filters = query_describe_filters(q);
    yajl_gen_map_open(g);
    KEY(g, "total");
    put_int(w, (long long)r->total);
    KEY(g, "estimated");
    yajl_gen_bool(g, r->is_estimate);
    KEY(g, "page");
    put_int(w, q->offset / per_page + 1);
    KEY(g, "per_page");
    put_int(w, per_page);
    /* the text searched: the spelling's correction when the text as
     * typed matched nothing (then "corrected_from" holds that) */
    KEY(g, "query");
    put_str(w, r->query_used ? r->query_used : q->text);
    if (r->corrected_from) {
        KEY(g, "corrected_from");
        put_str(w, r->corrected_from);
    }
    KEY(g, "partial");
    yajl_gen_bool(g, r->is_partial);
    KEY(g, "similar");
    yajl_gen_bool(g, r->is_similar);
    KEY(g, "filters");
    put_str(w, filters);
    if (q->want_suggested) {
        /* absent without: the answer is as it was before suggestions */
        KEY(g, "suggested");
        yajl_gen_bool(g, 1);
        if (r->is_suggested_unavailable) {
            KEY(g, "suggested_unavailable");
            yajl_gen_bool(g, 1);
        }
    }
    KEY(g, "results");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < r->n_hits; i++)
        put_hit(w, &r->hits[i]);
    yajl_gen_array_close(g);
    KEY(g, "facets");
    put_facets(w, r);
    KEY(g, "suggestion");
    if (r->suggestion)
        put_str(w, r->suggestion);
    else
        yajl_gen_null(g);
    yajl_gen_status st = yajl_gen_map_close(g);
    free(filters);

    yajl_gen_free(g);
    if (st != yajl_gen_status_ok || out.is_refused || !out.text) {
        free(out.text);
        return NULL;
    }
    if (len)
        *len = out.len;
    return out.text;
}

static void put_strings(struct writer *w, char *const *items, size_t n)
{
    yajl_gen_array_open(w->g);
    for (size_t i = 0; i < n; i++)
        put_str(w, items[i]);
    yajl_gen_array_close(w->g);
}

static void put_related(struct writer *w, const struct mindex_related *r)
{
    yajl_gen g = w->g;
    yajl_gen_map_open(g);
    KEY(g, "id");
    put_str(w, r->id);
    KEY(g, "title");
    put_str(w, r->title);
    KEY(g, "city");
    put_str(w, r->city);
    KEY(g, "country");
    put_str(w, r->country);
    const char *name = refdata_country_name(r->country);
    if (name) {
        KEY(g, "country_name");
        put_str(w, name);
    }
    KEY(g, "language");
    put_str(w, r->language);
    KEY(g, "year_start");
    put_int(w, r->year_start);
    KEY(g, "year_end");
    if (r->year_end)
        put_int(w, r->year_end);
    else
        yajl_gen_null(g);
    KEY(g, "goals");
    put_goals(w, r->goal_mask);
    KEY(g, "score");
    put_score(w, r->score);
    KEY(g, "same_city");
    yajl_gen_bool(g, r->is_same_city);
    /* why it is related: what the two cases share */
    KEY(g, "reason");
    yajl_gen_map_open(g);
    KEY(g, "goals");
    put_goals(w, r->shared_goal_mask);
    KEY(g, "targets");
    put_strings(w, r->shared_targets, r->n_shared_targets);
    KEY(g, "terms");
    put_strings(w, r->shared_terms, r->n_shared_terms);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
}

char *minga_related_json(const char *id, const struct mindex_related_list *r,
                         size_t *len)
{
    struct writer out = {0}, *w = &out;
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return NULL;
    out.g = g;
    yajl_gen_config(g, yajl_gen_print_callback, append_text, w);
    yajl_gen_map_open(g);
    KEY(g, "id");
    put_str(w, id);
    KEY(g, "related");
    yajl_gen_array_open(g);
    for (size_t i = 0; r && i < r->n_items; i++)
        put_related(w, &r->items[i]);
    yajl_gen_array_close(g);
    yajl_gen_status st = yajl_gen_map_close(g);
    yajl_gen_free(g);
    if (st != yajl_gen_status_ok || out.is_refused || !out.text) {
        free(out.text);
        return NULL;
    }
    if (len)
        *len = out.len;
    return out.text;
}
