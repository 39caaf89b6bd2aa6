/* minga_suggest: the packs plus the case's nearest neighbours in the
 * catalog, found through the facade's search (its "cases like this
 * text" mode, docs/search.md section 5). */
#include "suggest.h"

#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "minga.h"
#include "mindex.h"

/* How much of the body goes into the neighbour search: enough for the
 * search to pick the case's most discriminating words, little enough to
 * stay a cheap query. */
#define NEIGHBOUR_BODY_MAX 2000

/* Appends s (at most max bytes, cut at a character boundary) to buf,
 * with the bytes the query syntax reads (quotes, a leading '-', ':')
 * made spaces: the text is searched as plain words. */
static void append_plain(char **buf, size_t *len, const char *s, size_t max)
{
    if (!s || !*buf)
        return;
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    char *grown = realloc(*buf, *len + n + 2);
    if (!grown) {
        free(*buf);
        *buf = NULL;
        return;
    }
    *buf = grown;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        grown[(*len)++] = strchr("\"-:()*+", ch) && ch ? ' ' : ch;
    }
    grown[(*len)++] = ' ';
    grown[*len] = '\0';
}

static char *neighbour_text(const struct minga_case *c)
{
    size_t len = 0;
    char *buf = calloc(1, 1);
    append_plain(&buf, &len, c->title, SIZE_MAX);
    for (size_t i = 0; i < c->n_tags; i++)
        append_plain(&buf, &len, c->tags[i], SIZE_MAX);
    append_plain(&buf, &len, c->summary, SIZE_MAX);
    append_plain(&buf, &len, c->body, NEIGHBOUR_BODY_MAX);
    return buf;
}

struct neighbours {
    struct suggest_neighbour *items;
    struct minga_case **cases; /* owned: the items point into them */
    size_t n;
};

static void neighbours_release(struct neighbours *nb)
{
    for (size_t i = 0; i < nb->n; i++)
        case_free(nb->cases[i]);
    free(nb->cases);
    free(nb->items);
}

/* Finds up to `want` cases like c, leaving out c's id and exclude_id. */
static int find_neighbours(struct minga *m, const struct minga_case *c,
                           const char *exclude_id, size_t want,
                           struct neighbours *nb, char **errmsg)
{
    struct minga_query q;
    query_init(&q);
    free(q.text); /* query_init's "" */
    q.text = neighbour_text(c);
    q.limit = (unsigned)want + 2;
    q.want_facets = q.want_snippets = q.want_spelling = 0;
    struct mindex_results *res = NULL;
    int rc = q.text ? minga_search(m, &q, &res, errmsg) : MINGA_ENOMEM;
    query_release(&q);
    if (rc)
        return rc;
    nb->items = calloc(res->n_hits + 1, sizeof *nb->items);
    nb->cases = calloc(res->n_hits + 1, sizeof *nb->cases);
    if (!nb->items || !nb->cases)
        rc = MINGA_ENOMEM;
    double top = 0;
    for (size_t i = 0; !rc && i < res->n_hits && nb->n < want; i++) {
        const struct mindex_hit *h = &res->hits[i];
        if ((c->id && strcmp(h->id, c->id) == 0) ||
            (exclude_id && strcmp(h->id, exclude_id) == 0) || h->score <= 0)
            continue;
        struct minga_case *found = NULL;
        char *err = NULL;
        if (minga_get_case(m, h->id, &found, &err)) {
            free(err); /* gone since the search: not a neighbour */
            continue;
        }
        if (top == 0)
            top = h->score;
        nb->cases[nb->n] = found;
        nb->items[nb->n] = (struct suggest_neighbour){
            .id = found->id,
            .similarity = h->score / top,
            .goal_mask = found->goal_mask,
            .targets = found->targets,
            .n_targets = found->n_targets,
        };
        nb->n++;
    }
    mindex_results_free(res);
    return rc;
}

int minga_suggest(struct minga *m, const struct minga_case *c,
                  const struct minga_suggest_options *opt, json_t **out,
                  char **errmsg)
{
    const struct suggest_packs *packs = suggest_packs_builtin(errmsg);
    if (!packs)
        return MINGA_EINTERNAL;
    size_t limit = opt && opt->limit ? opt->limit : SUGGEST_DEFAULT_LIMIT;
    if (limit > SUGGEST_MAX_LIMIT)
        limit = SUGGEST_MAX_LIMIT;
    size_t want = opt && opt->n_neighbours ? opt->n_neighbours
                                           : SUGGEST_DEFAULT_NEIGHBOURS;
    if (want > SUGGEST_MAX_NEIGHBOURS)
        want = SUGGEST_MAX_NEIGHBOURS;
    struct neighbours nb = {0};
    int rc = MINGA_OK;
    if (m && !(opt && opt->is_text_only))
        rc = find_neighbours(m, c, opt ? opt->exclude_id : NULL, want, &nb,
                             errmsg);
    struct suggest_result *r = NULL;
    struct suggest_options sopt = {.max_goals = limit, .max_targets = limit};
    if (!rc)
        rc = suggest_score(packs, c, nb.items, nb.n, &sopt, &r, errmsg);
    neighbours_release(&nb);
    if (rc)
        return rc;
    *out = suggest_result_json(r);
    suggest_result_free(r);
    return *out ? MINGA_OK : MINGA_ENOMEM;
}

/* -- for the index ------------------------------------------------------ */

static int is_tagged_target(const struct minga_case *c, const char *id)
{
    for (size_t i = 0; i < c->n_targets; i++)
        if (c->targets[i] && strcmp(c->targets[i], id) == 0)
            return 1;
    return 0;
}

int suggest_for_index(void *arg, const struct minga_case *c,
                      struct mindex_suggested *out, char **errmsg)
{
    const struct suggest_packs *packs = arg;
    /* every goal and target scored: the threshold, not a count, cuts */
    struct suggest_options opt = {.max_goals = 17,
                                  .max_targets = SUGGEST_N_TARGETS};
    struct suggest_result *r = NULL;
    int rc = suggest_score(packs, c, NULL, 0, &opt, &r, errmsg);
    if (rc)
        return rc;
    for (size_t i = 0; i < r->n_goals; i++) {
        const struct suggest_item *it = &r->goals[i];
        if (it->score >= SUGGEST_INDEX_MIN_SCORE &&
            !(c->goal_mask & (1u << it->goal)))
            out->goal_mask |= 1u << it->goal;
    }
    /* r->targets is best first */
    for (size_t i = 0;
         i < r->n_targets && out->n_targets < MINDEX_SUGGESTED_MAX; i++) {
        const struct suggest_item *it = &r->targets[i];
        if (it->score < SUGGEST_INDEX_MIN_SCORE)
            break;
        if (is_tagged_target(c, it->id))
            continue;
        snprintf(out->targets[out->n_targets++], sizeof out->targets[0], "%s",
                 it->id);
    }
    suggest_result_free(r);
    return MINGA_OK;
}
