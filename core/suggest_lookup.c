/* The packs' terms by their first word: see suggest_lookup.h. */
#include "suggest_lookup.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "minga/plugin.h"
#include "suggest_packs.h"

/* A folded word and the terms (by seq, ascending) it begins. */
struct entry {
    char *key; /* owned; NULL for an empty slot */
    size_t key_len;
    unsigned *seqs; /* owned */
    size_t n_seqs, cap;
};

/* Open addressing, linear probing, at most half full. */
struct table {
    struct entry *slots;
    size_t cap; /* a power of two */
    size_t n;
};

struct suggest_lookup {
    struct table forms;    /* every form of a first word */
    struct table prefixes; /* a one-word prefix term's first bytes */
    const struct pack_term **by_seq;
    size_t n_terms;
};

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static struct entry *table_slot(const struct table *t, const char *key,
                                size_t len)
{
    size_t mask = t->cap - 1;
    for (size_t i = hash_bytes(key, len) & mask;; i = (i + 1) & mask) {
        struct entry *e = &t->slots[i];
        if (!e->key || (e->key_len == len && memcmp(e->key, key, len) == 0))
            return e;
    }
}

static const struct entry *table_find(const struct table *t, const char *key,
                                      size_t len)
{
    if (!t->cap)
        return NULL;
    const struct entry *e = table_slot(t, key, len);
    return e->key ? e : NULL;
}

static int table_grow(struct table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 1024;
    struct entry *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return MINGA_ENOMEM;
    struct table grown = {slots, cap, t->n};
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].key)
            *table_slot(&grown, t->slots[i].key, t->slots[i].key_len) =
                t->slots[i];
    free(t->slots);
    *t = grown;
    return MINGA_OK;
}

/* Adds seq to key's terms; seqs arrive in ascending order, so a term
 * whose forms coincide ("bus" + "es", "buses") is listed once. */
static int table_add(struct table *t, const char *key, size_t len,
                     unsigned seq)
{
    if ((t->n + 1) * 2 > t->cap && table_grow(t))
        return MINGA_ENOMEM;
    struct entry *e = table_slot(t, key, len);
    if (!e->key) {
        if (!(e->key = strndup(key, len)))
            return MINGA_ENOMEM;
        e->key_len = len;
        t->n++;
    }
    if (e->n_seqs && e->seqs[e->n_seqs - 1] == seq)
        return MINGA_OK;
    if (e->n_seqs == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 2;
        unsigned *seqs = realloc(e->seqs, cap * sizeof *seqs);
        if (!seqs)
            return MINGA_ENOMEM;
        e->seqs = seqs;
        e->cap = cap;
    }
    e->seqs[e->n_seqs++] = seq;
    return MINGA_OK;
}

static void table_release(struct table *t)
{
    for (size_t i = 0; i < t->cap; i++) {
        free(t->slots[i].key);
        free(t->slots[i].seqs);
    }
    free(t->slots);
}

/* -- the forms of a word ------------------------------------------------ */

/* The endings suggest_word_matches takes for singular and plural. */
static const char *const SWAPS[][2] = {
    {"", "s"},     {"", "es"},    {"ao", "oes"}, {"ao", "aes"},
    {"al", "ais"}, {"el", "eis"}, {"ol", "ois"}, {"m", "ns"}};

static int ends_with(const char *s, size_t len, const char *end, size_t n)
{
    return len >= n && memcmp(s + len - n, end, n) == 0;
}

/* Adds `stem` + `end` as a form of `word` if it is one: every candidate
 * is checked with suggest_word_matches itself, so the table holds
 * exactly the words that match. */
static int add_form(struct table *t, const char *word, const char *stem,
                    size_t n_stem, const char *end, unsigned seq)
{
    char form[256];
    size_t n_end = strlen(end);
    if (n_stem + n_end == 0 || n_stem + n_end >= sizeof form)
        return MINGA_OK;
    memcpy(form, stem, n_stem);
    memcpy(form + n_stem, end, n_end + 1);
    if (!suggest_word_matches(form, word, 0))
        return MINGA_OK;
    return table_add(t, form, n_stem + n_end, seq);
}

static int add_forms(struct table *t, const char *word, unsigned seq)
{
    size_t len = strlen(word);
    int rc = table_add(t, word, len, seq);
    for (size_t i = 0; !rc && i < sizeof SWAPS / sizeof SWAPS[0]; i++) {
        const char *one = SWAPS[i][0], *many = SWAPS[i][1];
        size_t n_one = strlen(one), n_many = strlen(many);
        if (ends_with(word, len, one, n_one)) /* to the plural */
            rc = add_form(t, word, word, len - n_one, many, seq);
        if (!rc && ends_with(word, len, many, n_many)) /* to the singular */
            rc = add_form(t, word, word, len - n_many, one, seq);
    }
    return rc;
}

/* -- the lookup ---------------------------------------------------------- */

void suggest_lookup_free(struct suggest_lookup *l)
{
    if (!l)
        return;
    table_release(&l->forms);
    table_release(&l->prefixes);
    free(l->by_seq);
    free(l);
}

int suggest_lookup_build(struct suggest_lookup **out,
                         struct pack_target *targets, size_t n_targets)
{
    struct suggest_lookup *l = calloc(1, sizeof *l);
    if (!l)
        return MINGA_ENOMEM;
    for (size_t i = 0; i < n_targets; i++)
        l->n_terms += targets[i].n_terms;
    int rc =
        (l->by_seq = calloc(l->n_terms ? l->n_terms : 1, sizeof *l->by_seq))
            ? MINGA_OK
            : MINGA_ENOMEM;
    unsigned seq = 0;
    for (size_t i = 0; !rc && i < n_targets; i++) {
        for (size_t j = 0; !rc && j < targets[i].n_terms; j++, seq++) {
            struct pack_term *t = &targets[i].terms[j];
            t->seq = seq;
            l->by_seq[seq] = t;
            const char *first = t->words[0];
            if (t->is_prefix && t->n_words == 1)
                rc = table_add(&l->prefixes, first, SUGGEST_MIN_PREFIX, seq);
            else
                rc = add_forms(&l->forms, first, seq);
        }
    }
    if (rc) {
        suggest_lookup_free(l);
        return rc;
    }
    *out = l;
    return MINGA_OK;
}

size_t suggest_lookup_n_terms(const struct suggest_lookup *l)
{
    return l->n_terms;
}

void suggest_lookup_each(const struct suggest_lookup *l, const char *word,
                         suggest_lookup_fn *fn, void *arg)
{
    size_t len = strlen(word);
    const struct entry *e = table_find(&l->forms, word, len);
    for (size_t i = 0; e && i < e->n_seqs; i++)
        fn(arg, l->by_seq[e->seqs[i]]);
    if (len < SUGGEST_MIN_PREFIX)
        return;
    e = table_find(&l->prefixes, word, SUGGEST_MIN_PREFIX);
    for (size_t i = 0; e && i < e->n_seqs; i++) {
        const struct pack_term *t = l->by_seq[e->seqs[i]];
        if (suggest_word_matches(word, t->words[0], 1))
            fn(arg, t);
    }
}
