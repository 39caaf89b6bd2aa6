/* Scoring a case against the SDG target packs and its neighbours: see
 * suggest.h for what a score means. */
#include "suggest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "refdata.h"
#include "textfold.h"

/* A body longer than this is matched on its first part only: the
 * summary and the body's opening say what a case is about, and a
 * pasted report must not make a suggestion slow. */
#define BODY_MATCH_MAX (256 * 1024)
/* Words in the title or the tags count this many times. */
#define STRONG_FIELD_FACTOR 2
/* A term written in another language than the case's. */
#define OTHER_LANG_FACTOR 0.5
/* A neighbour with similarity 1 tagged with a target adds this much to
 * it (about a strong phrase found once), and to its goal this much. */
#define NEIGHBOUR_TARGET_WEIGHT 4.0
#define NEIGHBOUR_GOAL_WEIGHT 3.0
/* The targets of a goal the case is tagged with. */
#define TAGGED_GOAL_FACTOR 1.5
#define MAX_PHRASE_REASONS 5
#define MAX_SIMILAR_REASONS 3
#define MAX_TARGET_REASONS 3

/* -- the case's words -------------------------------------------------- */

struct word_pos {
    const char *word;
    size_t pos;
};

/* The case's folded words in order, fields apart (an empty word between
 * two fields, so no phrase runs across them), and the same sorted for
 * looking up a term's first word. */
struct case_words {
    char **bufs; /* folded fields, owned */
    size_t n_bufs;
    char **words; /* into bufs; "" between fields */
    size_t n_words, cap;
    size_t n_strong; /* words before this are title and tags */
    struct word_pos *sorted;
    size_t n_sorted;
};

static void case_words_release(struct case_words *cw)
{
    for (size_t i = 0; i < cw->n_bufs; i++)
        free(cw->bufs[i]);
    free(cw->bufs);
    free(cw->words);
    free(cw->sorted);
}

static char empty_word[] = "";

static int case_words_add(struct case_words *cw, const char *text,
                          size_t max_len)
{
    if (!text || !*text)
        return MINGA_OK;
    size_t len = strlen(text);
    if (len > max_len) {
        len = max_len; /* back to a character boundary */
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
            len--;
    }
    char *folded = text_fold(text, len);
    if (!folded)
        return MINGA_EINVAL;
    char **grown = realloc(cw->bufs, (cw->n_bufs + 1) * sizeof *grown);
    if (!grown) {
        free(folded);
        return MINGA_ENOMEM;
    }
    cw->bufs = grown;
    cw->bufs[cw->n_bufs++] = folded;
    size_t before = cw->n_words;
    int rc = suggest_split_words(folded, &cw->words, &cw->n_words, &cw->cap);
    if (rc || cw->n_words == before)
        return rc;
    /* the separator: a word that matches nothing */
    if (cw->n_words == cw->cap) {
        char **w = realloc(cw->words, (cw->cap * 2) * sizeof *w);
        if (!w)
            return MINGA_ENOMEM;
        cw->words = w;
        cw->cap *= 2;
    }
    cw->words[cw->n_words++] = empty_word;
    return MINGA_OK;
}

static int word_pos_cmp(const void *a, const void *b)
{
    const struct word_pos *x = a, *y = b;
    int c = strcmp(x->word, y->word);
    if (c)
        return c;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int case_words_build(struct case_words *cw, const struct minga_case *c)
{
    int rc = case_words_add(cw, c->title, SIZE_MAX);
    for (size_t i = 0; !rc && i < c->n_tags; i++)
        rc = case_words_add(cw, c->tags[i], SIZE_MAX);
    cw->n_strong = cw->n_words;
    if (!rc)
        rc = case_words_add(cw, c->summary, SIZE_MAX);
    if (!rc)
        rc = case_words_add(cw, c->body, BODY_MATCH_MAX);
    if (rc)
        return rc;
    cw->sorted = malloc((cw->n_words ? cw->n_words : 1) * sizeof *cw->sorted);
    if (!cw->sorted)
        return MINGA_ENOMEM;
    for (size_t i = 0; i < cw->n_words; i++) {
        const char *w = cw->words[i];
        if (!w[0])
            continue;
        cw->sorted[cw->n_sorted++] = (struct word_pos){w, i};
    }
    qsort(cw->sorted, cw->n_sorted, sizeof *cw->sorted, word_pos_cmp);
    return MINGA_OK;
}

/* How often each term occurs: counts[2 * seq] in the title and tags,
 * counts[2 * seq + 1] elsewhere. One pass over the case's distinct
 * words, each looked up among the terms' first words. */
struct count_run {
    const struct case_words *cw;
    size_t from, to; /* the run of one word in cw->sorted */
    int *counts;
};

static void count_term_at_run(void *arg, const struct pack_term *t)
{
    struct count_run *run = arg;
    const struct case_words *cw = run->cw;
    for (size_t i = run->from; i < run->to; i++) {
        size_t pos = cw->sorted[i].pos;
        if (pos + t->n_words > cw->n_words)
            continue;
        size_t k = 1;
        while (k < t->n_words &&
               suggest_word_matches(cw->words[pos + k], t->words[k],
                                    t->is_prefix && k + 1 == t->n_words))
            k++;
        if (k == t->n_words)
            run->counts[2 * t->seq + (pos < cw->n_strong ? 0 : 1)]++;
    }
}

static void count_terms(const struct suggest_packs *packs,
                        const struct case_words *cw, int *counts)
{
    struct count_run run = {.cw = cw, .counts = counts};
    while (run.from < cw->n_sorted) {
        const char *word = cw->sorted[run.from].word;
        run.to = run.from + 1;
        while (run.to < cw->n_sorted &&
               strcmp(cw->sorted[run.to].word, word) == 0)
            run.to++;
        suggest_lookup_each(packs->lookup, word, count_term_at_run, &run);
        run.from = run.to;
    }
}

/* -- scoring ----------------------------------------------------------- */

static int reason_push(struct suggest_item *it, const struct suggest_reason *r)
{
    struct suggest_reason *grown =
        realloc(it->reasons, (it->n_reasons + 1) * sizeof *grown);
    if (!grown)
        return MINGA_ENOMEM;
    it->reasons = grown;
    it->reasons[it->n_reasons++] = *r;
    return MINGA_OK;
}

static int reason_score_cmp(const void *a, const void *b)
{
    const struct suggest_reason *x = a, *y = b;
    return (x->score < y->score) - (x->score > y->score);
}

/* Keeps the strongest max reasons of a kind, strongest first. */
static void reasons_trim(struct suggest_item *it, int kind, size_t max)
{
    if (it->n_reasons > 1) /* qsort of NULL, 0 is undefined */
        qsort(it->reasons, it->n_reasons, sizeof *it->reasons,
              reason_score_cmp);
    size_t kept = 0, of_kind = 0;
    for (size_t i = 0; i < it->n_reasons; i++) {
        if (it->reasons[i].kind == kind && ++of_kind > max) {
            free(it->reasons[i].case_id);
            continue;
        }
        it->reasons[kept++] = it->reasons[i];
    }
    it->n_reasons = kept;
}

static double term_score(const struct pack_term *t, int n_strong, int n_other,
                         int case_lang)
{
    double n = (double)n_other + STRONG_FIELD_FACTOR * (double)n_strong;
    if (n <= 0)
        return 0;
    /* a phrase says more than a word: 1, 1.5, 2 for 1, 2, 3+ words */
    double phrase = 1.0 + 0.5 * (double)(t->n_words < 3 ? t->n_words - 1 : 2);
    double lang = case_lang < 0 || (t->lang_mask & (1u << case_lang))
                      ? 1.0
                      : OTHER_LANG_FACTOR;
    return t->weight * phrase * (1.0 + log2(n)) * lang;
}

static int score_target_text(const int *counts, const struct pack_target *tg,
                             int case_lang, struct suggest_item *it)
{
    for (size_t i = 0; i < tg->n_terms; i++) {
        const struct pack_term *t = &tg->terms[i];
        int n_strong = counts[2 * t->seq], n_other = counts[2 * t->seq + 1];
        double s = term_score(t, n_strong, n_other, case_lang);
        if (s <= 0)
            continue;
        it->score += s;
        struct suggest_reason r = {.kind = SUGGEST_REASON_PHRASE,
                                   .phrase = case_lang >= 0 &&
                                                     t->lang_text[case_lang]
                                                 ? t->lang_text[case_lang]
                                                 : t->text,
                                   .lang_mask = t->lang_mask,
                                   .count = n_strong + n_other,
                                   .score = s};
        if (reason_push(it, &r))
            return MINGA_ENOMEM;
    }
    return MINGA_OK;
}

static int has_target(const struct suggest_neighbour *nb, const char *id)
{
    for (size_t i = 0; i < nb->n_targets; i++)
        if (nb->targets[i] && strcmp(nb->targets[i], id) == 0)
            return 1;
    return 0;
}

static int add_similar(struct suggest_item *it,
                       const struct suggest_neighbour *nb, double weight)
{
    double s = weight * nb->similarity;
    it->score += s;
    struct suggest_reason r = {.kind = SUGGEST_REASON_SIMILAR, .score = s};
    snprintf(r.tagged, sizeof r.tagged, "%s", it->id);
    if (!(r.case_id = strdup(nb->id ? nb->id : "")))
        return MINGA_ENOMEM;
    if (reason_push(it, &r)) {
        free(r.case_id);
        return MINGA_ENOMEM;
    }
    return MINGA_OK;
}

static int score_targets(const struct suggest_packs *packs, const int *counts,
                         const struct minga_case *c, int case_lang,
                         const struct suggest_neighbour *nb, size_t n_nb,
                         struct suggest_item *items)
{
    for (size_t i = 0; i < packs->n_targets; i++) {
        const struct pack_target *tg = &packs->targets[i];
        struct suggest_item *it = &items[i];
        snprintf(it->id, sizeof it->id, "%s", tg->id);
        it->goal = tg->goal;
        it->label = tg->labels[case_lang < 0 ? SUGGEST_LANG_EN : case_lang];
        if (score_target_text(counts, tg, case_lang, it))
            return MINGA_ENOMEM;
        for (size_t j = 0; j < n_nb; j++)
            if (has_target(&nb[j], tg->id) &&
                add_similar(it, &nb[j], NEIGHBOUR_TARGET_WEIGHT))
                return MINGA_ENOMEM;
        if (it->score > 0 && (c->goal_mask & (1u << tg->goal))) {
            struct suggest_reason r = {.kind = SUGGEST_REASON_TAGGED_GOAL,
                                       .score = it->score *
                                                (TAGGED_GOAL_FACTOR - 1)};
            snprintf(r.tagged, sizeof r.tagged, "%d", tg->goal);
            it->score += r.score;
            if (reason_push(it, &r))
                return MINGA_ENOMEM;
        }
        reasons_trim(it, SUGGEST_REASON_PHRASE, MAX_PHRASE_REASONS);
        reasons_trim(it, SUGGEST_REASON_SIMILAR, MAX_SIMILAR_REASONS);
    }
    return MINGA_OK;
}

static int item_cmp(const void *a, const void *b)
{
    const struct suggest_item *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    if (x->goal != y->goal)
        return x->goal < y->goal ? -1 : 1;
    return refdata_target_cmp(x->id, y->id);
}

/* A goal from its targets (sorted best first): the best counts in full,
 * the next half, a quarter ..., so that a goal many targets speak of
 * ranks above one with a single strong target, but not by their sum. */
static int score_goal(int goal, const struct suggest_item *targets,
                      size_t n_targets, const struct minga_case *c,
                      const struct suggest_neighbour *nb, size_t n_nb,
                      int case_lang, struct suggest_item *it)
{
    snprintf(it->id, sizeof it->id, "%d", goal);
    it->goal = goal;
    const struct minga_goal_info *info = refdata_goal(goal);
    it->label = !info                          ? ""
                : case_lang == SUGGEST_LANG_ES ? info->name_es
                : case_lang == SUGGEST_LANG_PT ? info->name_pt
                                               : info->name_en;
    double factor = 1.0;
    for (size_t i = 0; i < n_targets; i++) {
        if (targets[i].goal != goal || targets[i].score <= 0)
            continue;
        struct suggest_reason r = {.kind = SUGGEST_REASON_TARGET,
                                   .score = targets[i].score * factor};
        snprintf(r.tagged, sizeof r.tagged, "%s", targets[i].id);
        it->score += r.score;
        factor *= 0.5;
        if (reason_push(it, &r))
            return MINGA_ENOMEM;
    }
    for (size_t j = 0; j < n_nb; j++)
        if ((nb[j].goal_mask & (1u << goal)) &&
            add_similar(it, &nb[j], NEIGHBOUR_GOAL_WEIGHT))
            return MINGA_ENOMEM;
    if (it->score > 0 && (c->goal_mask & (1u << goal))) {
        struct suggest_reason r = {.kind = SUGGEST_REASON_TAGGED_GOAL};
        snprintf(r.tagged, sizeof r.tagged, "%d", goal);
        if (reason_push(it, &r))
            return MINGA_ENOMEM;
    }
    reasons_trim(it, SUGGEST_REASON_TARGET, MAX_TARGET_REASONS);
    reasons_trim(it, SUGGEST_REASON_SIMILAR, MAX_SIMILAR_REASONS);
    return MINGA_OK;
}

static void item_release(struct suggest_item *it)
{
    for (size_t i = 0; i < it->n_reasons; i++)
        free(it->reasons[i].case_id);
    free(it->reasons);
}

/* Sorts items, frees those past max or without a score; returns how
 * many are kept. */
static size_t rank_and_cut(struct suggest_item *items, size_t n, size_t max)
{
    qsort(items, n, sizeof *items, item_cmp);
    size_t kept = 0;
    while (kept < n && kept < max && items[kept].score > 0)
        kept++;
    for (size_t i = kept; i < n; i++)
        item_release(&items[i]);
    return kept;
}

void suggest_result_free(struct suggest_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_goals; i++)
        item_release(&r->goals[i]);
    for (size_t i = 0; i < r->n_targets; i++)
        item_release(&r->targets[i]);
    free(r->goals);
    free(r->targets);
    free(r);
}

int suggest_score(const struct suggest_packs *packs,
                  const struct minga_case *c,
                  const struct suggest_neighbour *neighbours,
                  size_t n_neighbours, const struct suggest_options *opt,
                  struct suggest_result **out, char **errmsg)
{
    size_t max_goals =
        opt && opt->max_goals ? opt->max_goals : SUGGEST_DEFAULT_LIMIT;
    size_t max_targets =
        opt && opt->max_targets ? opt->max_targets : SUGGEST_DEFAULT_LIMIT;
    struct suggest_result *r = calloc(1, sizeof *r);
    struct case_words cw = {0};
    int case_lang = suggest_lang_index(c->language);
    size_t n_all = packs->n_targets;
    struct suggest_item *targets = calloc(n_all, sizeof *targets);
    struct suggest_item *goals = calloc(REFDATA_N_GOALS, sizeof *goals);
    int *counts =
        calloc(2 * suggest_lookup_n_terms(packs->lookup) + 1, sizeof *counts);
    int rc = r && targets && goals && counts ? MINGA_OK : MINGA_ENOMEM;
    if (!rc && (rc = case_words_build(&cw, c)) == MINGA_EINVAL && errmsg)
        *errmsg = strdup("the case's text is not valid UTF-8");
    if (!rc) {
        count_terms(packs, &cw, counts);
        rc = score_targets(packs, counts, c, case_lang, neighbours,
                           n_neighbours, targets);
    }
    free(counts);
    if (!rc)
        qsort(targets, n_all, sizeof *targets, item_cmp);
    for (int g = 1; !rc && g <= REFDATA_N_GOALS; g++)
        rc = score_goal(g, targets, n_all, c, neighbours, n_neighbours,
                        case_lang, &goals[g - 1]);
    case_words_release(&cw);
    if (rc) {
        for (size_t i = 0; targets && i < n_all; i++)
            item_release(&targets[i]);
        for (size_t i = 0; goals && i < REFDATA_N_GOALS; i++)
            item_release(&goals[i]);
        free(targets);
        free(goals);
        free(r);
        return rc;
    }
    r->lang = case_lang < 0 ? SUGGEST_LANG_EN : case_lang;
    r->targets = targets;
    r->n_targets = rank_and_cut(targets, n_all, max_targets);
    r->goals = goals;
    r->n_goals = rank_and_cut(goals, REFDATA_N_GOALS, max_goals);
    *out = r;
    return MINGA_OK;
}

/* -- JSON -------------------------------------------------------------- */

static json_t *score_json(double s)
{
    return json_real(round(s * 100.0) / 100.0);
}

static json_t *langs_json(unsigned mask)
{
    static const char *const names[SUGGEST_N_LANGS] = {"es", "pt", "en"};
    json_t *a = json_array();
    for (int i = 0; i < SUGGEST_N_LANGS; i++)
        if (mask & (1u << i))
            json_array_append_new(a, json_string(names[i]));
    return a;
}

static json_t *reason_json(const struct suggest_reason *r)
{
    switch (r->kind) {
    case SUGGEST_REASON_PHRASE:
        return json_pack("{s:s, s:s, s:o, s:i}", "kind", "phrase", "phrase",
                         r->phrase, "lang", langs_json(r->lang_mask), "count",
                         r->count);
    case SUGGEST_REASON_SIMILAR:
        return json_pack("{s:s, s:s, s:s}", "kind", "similar", "case",
                         r->case_id, "tagged", r->tagged);
    case SUGGEST_REASON_TAGGED_GOAL:
        return json_pack("{s:s, s:i}", "kind", "tagged_goal", "goal",
                         atoi(r->tagged));
    default:
        return json_pack("{s:s, s:s, s:o}", "kind", "target", "target",
                         r->tagged, "score", score_json(r->score));
    }
}

static json_t *reasons_json(const struct suggest_item *it)
{
    json_t *a = json_array();
    for (size_t i = 0; i < it->n_reasons; i++)
        json_array_append_new(a, reason_json(&it->reasons[i]));
    return a;
}

json_t *suggest_result_json(const struct suggest_result *r)
{
    json_t *goals = json_array(), *targets = json_array();
    for (size_t i = 0; i < r->n_goals; i++) {
        const struct suggest_item *it = &r->goals[i];
        json_array_append_new(goals, json_pack("{s:i, s:s, s:o, s:o}", "goal",
                                               it->goal, "name", it->label,
                                               "score", score_json(it->score),
                                               "reasons", reasons_json(it)));
    }
    for (size_t i = 0; i < r->n_targets; i++) {
        const struct suggest_item *it = &r->targets[i];
        json_array_append_new(
            targets,
            json_pack("{s:s, s:i, s:s, s:o, s:o}", "target", it->id, "goal",
                      it->goal, "label", it->label, "score",
                      score_json(it->score), "reasons", reasons_json(it)));
    }
    return json_pack("{s:o, s:o}", "goals", goals, "targets", targets);
}
