/* Loading and checking the SDG target query packs: see suggest_packs.h. */
#include "suggest_packs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "minga/plugin.h"
#include "refdata.h"
#include "textfold.h"

extern const unsigned char minga_sdg_targets_json[];
extern const size_t minga_sdg_targets_json_len;

static const char *const LANGS[SUGGEST_N_LANGS] = {"es", "pt", "en"};

int suggest_lang_index(const char *lang)
{
    for (int i = 0; lang && i < SUGGEST_N_LANGS; i++)
        if (strcmp(lang, LANGS[i]) == 0)
            return i;
    return -1;
}

static int is_word_byte(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           (ch >= 'A' && ch <= 'Z') || ch >= 0x80;
}

int suggest_split_words(char *folded, char ***words, size_t *n_words,
                        size_t *cap)
{
    char *p = folded;
    while (*p) {
        while (*p && !is_word_byte((unsigned char)*p))
            *p++ = '\0';
        if (!*p)
            break;
        if (*n_words == *cap) {
            size_t grown = *cap ? *cap * 2 : 64;
            char **w = realloc(*words, grown * sizeof *w);
            if (!w)
                return MINGA_ENOMEM;
            *words = w;
            *cap = grown;
        }
        (*words)[(*n_words)++] = p;
        while (*p && is_word_byte((unsigned char)*p))
            p++;
    }
    return MINGA_OK;
}

static int ends_with(const char *s, size_t len, const char *end)
{
    size_t n = strlen(end);
    return len >= n && memcmp(s + len - n, end, n) == 0;
}

/* Whether `longer` is `shorter` in the plural, by the endings the three
 * languages share most (folded: "acao"/"acoes", "rede"/"redes",
 * "bus"/"buses", "informal"/"informais", "bem"/"bens"). */
static int is_plural_of(const char *longer, size_t n_long, const char *shorter,
                        size_t n_short)
{
    if (n_short == 0 || n_long <= n_short)
        return 0;
    if (memcmp(longer, shorter, n_short) == 0) {
        const char *rest = longer + n_short;
        if (strcmp(rest, "s") == 0 || strcmp(rest, "es") == 0)
            return 1;
    }
    static const char *const swaps[][2] = {{"ao", "oes"}, {"ao", "aes"},
                                           {"al", "ais"}, {"el", "eis"},
                                           {"ol", "ois"}, {"m", "ns"}};
    for (size_t i = 0; i < sizeof swaps / sizeof swaps[0]; i++) {
        size_t n_one = strlen(swaps[i][0]), n_many = strlen(swaps[i][1]);
        if (!ends_with(shorter, n_short, swaps[i][0]) ||
            !ends_with(longer, n_long, swaps[i][1]))
            continue;
        size_t stem = n_short - n_one;
        if (n_long - n_many == stem && memcmp(longer, shorter, stem) == 0)
            return 1;
    }
    return 0;
}

int suggest_word_matches(const char *text_word, const char *term_word,
                         int is_prefix)
{
    if (!*text_word || !*term_word)
        return 0;
    size_t n_text = strlen(text_word), n_term = strlen(term_word);
    if (is_prefix)
        return n_text >= n_term && memcmp(text_word, term_word, n_term) == 0;
    if (n_text == n_term)
        return memcmp(text_word, term_word, n_text) == 0;
    return n_text > n_term
               ? is_plural_of(text_word, n_text, term_word, n_term)
               : is_plural_of(term_word, n_term, text_word, n_text);
}

/* -- parsing ----------------------------------------------------------- */

static void term_release(struct pack_term *t)
{
    free(t->text);
    for (int i = 0; i < SUGGEST_N_LANGS; i++)
        if (t->lang_text[i] != t->text)
            free(t->lang_text[i]);
    free(t->buf);
    free(t->words);
}

static void target_release(struct pack_target *t)
{
    for (int i = 0; i < SUGGEST_N_LANGS; i++)
        free(t->labels[i]);
    for (size_t i = 0; i < t->n_terms; i++)
        term_release(&t->terms[i]);
    free(t->terms);
}

void suggest_packs_free(struct suggest_packs *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_targets; i++)
        target_release(&p->targets[i]);
    free(p->targets);
    suggest_lookup_free(p->lookup);
    free(p);
}

static int fail(char **errmsg, const char *fmt, const char *a, const char *b)
{
    if (errmsg && asprintf(errmsg, fmt, a, b) < 0)
        *errmsg = NULL;
    return MINGA_EINVAL;
}

/* Whether two terms match the same words ("public-private partnership"
 * and "public-private partnerships"): one of them is enough, or a
 * mention would count twice. */
static int same_words(const struct pack_term *a, const struct pack_term *b)
{
    if (a->n_words != b->n_words || a->is_prefix != b->is_prefix)
        return 0;
    for (size_t i = 0; i < a->n_words; i++)
        if (!suggest_word_matches(a->words[i], b->words[i], 0))
            return 0;
    return 1;
}

/* Folds one term into t. */
static int term_build(struct pack_term *t, const char *id, const char *text,
                      json_t *weight, char **errmsg)
{
    if (!json_is_integer(weight) ||
        json_integer_value(weight) < SUGGEST_MIN_WEIGHT ||
        json_integer_value(weight) > SUGGEST_MAX_WEIGHT)
        return fail(errmsg,
                    "target %s: term \"%s\": the weight is not "
                    "an integer 1-3",
                    id, text);
    t->weight = (int)json_integer_value(weight);
    size_t len = strlen(text);
    char *star = strchr(text, '*');
    if (star && star != text + len - 1)
        return fail(errmsg,
                    "target %s: term \"%s\": '*' may only end a "
                    "term",
                    id, text);
    t->is_prefix = star != NULL;
    if (t->is_prefix && len > 1 && !is_word_byte((unsigned char)text[len - 2]))
        return fail(errmsg,
                    "target %s: term \"%s\": '*' must follow a "
                    "letter",
                    id, text);
    t->text = strndup(text, t->is_prefix ? len - 1 : len);
    char *folded = t->text ? text_fold(t->text, strlen(t->text)) : NULL;
    if (!folded)
        return fail(errmsg,
                    "target %s: term \"%s\": not valid UTF-8 or out "
                    "of memory",
                    id, text);
    size_t cap = 0;
    t->buf = folded;
    if (suggest_split_words(folded, &t->words, &t->n_words, &cap))
        return MINGA_ENOMEM;
    if (t->n_words == 0)
        return fail(errmsg, "target %s: term \"%s\" folds to no word", id,
                    text);
    if (t->is_prefix && strlen(t->words[t->n_words - 1]) < SUGGEST_MIN_PREFIX)
        return fail(errmsg,
                    "target %s: term \"%s\": a prefix needs at least "
                    "4 letters",
                    id, text);
    return MINGA_OK;
}

/* Adds the terms of one language to tg, merging a term already there. */
static int target_add_terms(struct pack_target *tg, int lang, json_t *terms,
                            char **errmsg)
{
    const char *text;
    json_t *weight;
    json_object_foreach(terms, text, weight)
    {
        struct pack_term t = {0};
        int rc = term_build(&t, tg->id, text, weight, errmsg);
        if (rc) {
            term_release(&t);
            return rc;
        }
        t.lang_mask = 1u << lang;
        t.lang_text[lang] = t.text;
        size_t i = 0;
        while (i < tg->n_terms && !same_words(&tg->terms[i], &t))
            i++;
        if (i < tg->n_terms) { /* "pobreza extrema" in es and pt */
            tg->terms[i].lang_mask |= t.lang_mask;
            if (!tg->terms[i].lang_text[lang]) {
                tg->terms[i].lang_text[lang] = t.text;
                t.text = NULL;
                t.lang_text[lang] = NULL;
            }
            if (t.weight > tg->terms[i].weight)
                tg->terms[i].weight = t.weight;
            term_release(&t);
            continue;
        }
        struct pack_term *grown =
            realloc(tg->terms, (tg->n_terms + 1) * sizeof *grown);
        if (!grown) {
            term_release(&t);
            return MINGA_ENOMEM;
        }
        tg->terms = grown;
        tg->terms[tg->n_terms++] = t;
    }
    return MINGA_OK;
}

static int target_build(struct pack_target *tg, json_t *item, char **errmsg)
{
    const char *id = json_string_value(json_object_get(item, "target"));
    if (!id || strlen(id) >= sizeof tg->id ||
        !refdata_is_target(id, &tg->goal))
        return fail(errmsg, "\"%s\" is not an SDG target%s",
                    id ? id : "(missing)", "");
    strcpy(tg->id, id);
    json_t *labels = json_object_get(item, "labels");
    json_t *terms = json_object_get(item, "terms");
    for (int i = 0; i < SUGGEST_N_LANGS; i++) {
        const char *label =
            json_string_value(json_object_get(labels, LANGS[i]));
        if (!label || !*label)
            return fail(errmsg, "target %s: no label in %s", id, LANGS[i]);
        if (!(tg->labels[i] = strdup(label)))
            return MINGA_ENOMEM;
        json_t *pack = json_object_get(terms, LANGS[i]);
        if (!json_is_object(pack) || json_object_size(pack) == 0)
            return fail(errmsg, "target %s: no terms in %s", id, LANGS[i]);
        int rc = target_add_terms(tg, i, pack, errmsg);
        if (rc)
            return rc;
    }
    return MINGA_OK;
}

int suggest_packs_parse(struct suggest_packs **out, const char *json,
                        size_t len, char **errmsg)
{
    char *err = NULL;
    if (refdata_load(&err)) {
        if (errmsg)
            *errmsg = err;
        else
            free(err);
        return MINGA_EINTERNAL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(json, len, 0, &jerr);
    if (!root) {
        char line[32];
        snprintf(line, sizeof line, "%d", jerr.line);
        return fail(errmsg, "line %s: %s", line, jerr.text);
    }
    json_t *items = json_object_get(root, "targets");
    struct suggest_packs *p = calloc(1, sizeof *p);
    size_t n = json_array_size(items);
    int rc = p ? MINGA_OK : MINGA_ENOMEM;
    if (!rc && !(p->targets = calloc(n ? n : 1, sizeof *p->targets)))
        rc = MINGA_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        struct pack_target *tg = &p->targets[p->n_targets++];
        rc = target_build(tg, json_array_get(items, i), errmsg);
        for (size_t j = 0; !rc && j + 1 < p->n_targets; j++)
            if (strcmp(p->targets[j].id, tg->id) == 0)
                rc = fail(errmsg, "target %s is listed twice%s", tg->id, "");
    }
    if (!rc && p->n_targets != SUGGEST_N_TARGETS) {
        char count[32];
        snprintf(count, sizeof count, "%zu", p->n_targets);
        rc = fail(errmsg, "%s targets, expected 169%s", count, "");
    }
    if (!rc)
        rc = suggest_lookup_build(&p->lookup, p->targets, p->n_targets);
    json_decref(root);
    if (rc) {
        suggest_packs_free(p);
        return rc;
    }
    *out = p;
    return MINGA_OK;
}

/* -- the built-in copy ------------------------------------------------- */

static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;
static struct suggest_packs *builtin;
static char *builtin_error;

static void load_builtin(void)
{
    if (suggest_packs_parse(&builtin, (const char *)minga_sdg_targets_json,
                            minga_sdg_targets_json_len, &builtin_error) &&
        !builtin_error)
        builtin_error = strdup("data/sdg_targets.json: out of memory");
}

const struct suggest_packs *suggest_packs_builtin(char **errmsg)
{
    pthread_once(&builtin_once, load_builtin);
    if (!builtin && errmsg)
        asprintf(errmsg, "data/sdg_targets.json: %s",
                 builtin_error ? builtin_error : "not loaded");
    return builtin;
}
