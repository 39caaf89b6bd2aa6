#include "refdata.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vocab.h"

extern const unsigned char minga_sdg_json[];
extern const size_t minga_sdg_json_len;
extern const unsigned char minga_thesaurus_txt[];
extern const size_t minga_thesaurus_txt_len;

#ifndef MINGA_ISO3166_JSON
#define MINGA_ISO3166_JSON "/usr/share/iso-codes/json/iso_3166-1.json"
#endif

#define MAX_TARGETS_PER_GOAL 24

struct goal_data {
    struct minga_goal_info info;
    const char *targets[MAX_TARGETS_PER_GOAL + 1];
};

struct country {
    char code[3];
    char *name;
};

static struct goal_data goals[REFDATA_N_GOALS + 1];
static struct country *countries; /* sorted by code */
static size_t n_countries;
static json_t *sdg_root; /* owns the goal strings */
static char *load_error;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

/* Languages with a Xapian 1.4 stemmer, by ISO 639-1 code. */
static const struct {
    const char *code, *stemmer;
} languages[] = {
    {"ar", "arabic"},     {"ca", "catalan"},   {"da", "danish"},
    {"de", "german"},     {"en", "english"},   {"es", "spanish"},
    {"eu", "basque"},     {"fi", "finnish"},   {"fr", "french"},
    {"ga", "irish"},      {"hu", "hungarian"}, {"hy", "armenian"},
    {"id", "indonesian"}, {"it", "italian"},   {"lt", "lithuanian"},
    {"nb", "norwegian"},  {"ne", "nepali"},    {"nl", "dutch"},
    {"nn", "norwegian"},  {"no", "norwegian"}, {"pt", "portuguese"},
    {"ro", "romanian"},   {"ru", "russian"},   {"sv", "swedish"},
    {"ta", "tamil"},      {"tr", "turkish"},
};

static int country_cmp(const void *a, const void *b)
{
    return strcmp(((const struct country *)a)->code,
                  ((const struct country *)b)->code);
}

static int load_countries(void)
{
    json_error_t jerr;
    json_t *root = json_load_file(MINGA_ISO3166_JSON, 0, &jerr);
    if (!root) {
        asprintf(&load_error,
                 "%s:%d: cannot read the ISO 3166-1 country "
                 "list (install Debian's iso-codes): %s",
                 MINGA_ISO3166_JSON, jerr.line, jerr.text);
        return -1;
    }
    json_t *list = json_object_get(root, "3166-1");
    size_t n = json_array_size(list);
    countries = calloc(n ? n : 1, sizeof *countries);
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *code = json_string_value(json_object_get(item, "alpha_2"));
        const char *name = json_string_value(json_object_get(item, "name"));
        if (!code || strlen(code) != 2 || !name)
            continue;
        memcpy(countries[n_countries].code, code, 3);
        countries[n_countries].name = strdup(name);
        n_countries++;
    }
    json_decref(root);
    qsort(countries, n_countries, sizeof *countries, country_cmp);
    if (n_countries < 200) {
        asprintf(&load_error, "%s: only %zu countries found",
                 MINGA_ISO3166_JSON, n_countries);
        return -1;
    }
    return 0;
}

static const char *jstr(json_t *obj, const char *key, const char *sub)
{
    json_t *v = json_object_get(obj, key);
    if (sub)
        v = json_object_get(v, sub);
    return json_string_value(v);
}

static int load_goals(void)
{
    json_error_t jerr;
    sdg_root =
        json_loadb((const char *)minga_sdg_json, minga_sdg_json_len, 0, &jerr);
    if (!sdg_root) {
        asprintf(&load_error, "data/sdg.json:%d: %s", jerr.line, jerr.text);
        return -1;
    }
    size_t i, n_targets = 0;
    json_t *g;
    json_array_foreach(json_object_get(sdg_root, "goals"), i, g)
    {
        json_int_t number = json_integer_value(json_object_get(g, "number"));
        if (number < 1 || number > REFDATA_N_GOALS)
            continue;
        struct goal_data *gd = &goals[number];
        gd->info.struct_size = sizeof gd->info;
        gd->info.number = (int)number;
        gd->info.color = jstr(g, "color", NULL);
        gd->info.name_es = jstr(g, "names", "es");
        gd->info.name_pt = jstr(g, "names", "pt");
        gd->info.name_en = jstr(g, "names", "en");
        gd->info.title_es = jstr(g, "titles", "es");
        gd->info.title_pt = jstr(g, "titles", "pt");
        gd->info.title_en = jstr(g, "titles", "en");
        size_t j;
        json_t *t;
        json_array_foreach(json_object_get(g, "targets"), j, t)
        {
            if (j < MAX_TARGETS_PER_GOAL)
                gd->targets[j] = json_string_value(t);
            n_targets++;
        }
    }
    for (int n = 1; n <= REFDATA_N_GOALS; n++) {
        if (!goals[n].info.number || !goals[n].info.color ||
            !goals[n].info.name_en) {
            asprintf(&load_error, "data/sdg.json: goal %d is missing", n);
            return -1;
        }
    }
    if (n_targets != 169) {
        asprintf(&load_error, "data/sdg.json: %zu targets, expected 169",
                 n_targets);
        return -1;
    }
    return 0;
}

static void load_all(void)
{
    if (load_goals() == 0)
        load_countries();
}

int refdata_load(char **errmsg)
{
    pthread_once(&load_once, load_all);
    if (load_error) {
        if (errmsg)
            *errmsg = strdup(load_error);
        return -1;
    }
    return 0;
}

const struct minga_goal_info *refdata_goal(int number)
{
    if (number < 1 || number > REFDATA_N_GOALS || !goals[number].info.number)
        return NULL;
    return &goals[number].info;
}

const char *const *refdata_goal_targets(int number)
{
    if (number < 1 || number > REFDATA_N_GOALS)
        return NULL;
    return goals[number].targets;
}

int refdata_is_target(const char *id, int *goal)
{
    char *dot = strchr(id, '.');
    if (!dot || dot == id || dot - id > 2)
        return 0;
    int number = atoi(id);
    if (number < 1 || number > REFDATA_N_GOALS)
        return 0;
    for (const char *const *t = goals[number].targets; *t; t++) {
        if (strcmp(*t, id) == 0) {
            if (goal)
                *goal = number;
            return 1;
        }
    }
    return 0;
}

int refdata_target_cmp(const char *a, const char *b)
{
    int ga = atoi(a), gb = atoi(b);
    if (ga != gb)
        return ga < gb ? -1 : 1;
    const char *sa = strchr(a, '.'), *sb = strchr(b, '.');
    sa = sa ? sa + 1 : a;
    sb = sb ? sb + 1 : b;
    int da = *sa >= '0' && *sa <= '9', db = *sb >= '0' && *sb <= '9';
    if (da != db)
        return da ? -1 : 1;
    if (da) {
        int na = atoi(sa), nb = atoi(sb);
        if (na != nb)
            return na < nb ? -1 : 1;
    }
    return strcmp(sa, sb);
}

int refdata_is_country(const char *alpha2)
{
    return refdata_country_name(alpha2) != NULL;
}

const char *refdata_country_name(const char *alpha2)
{
    if (!alpha2 || strlen(alpha2) != 2)
        return NULL;
    struct country key;
    memcpy(key.code, alpha2, 3);
    struct country *c =
        bsearch(&key, countries, n_countries, sizeof key, country_cmp);
    return c ? c->name : NULL;
}

const char *refdata_language_name(const char *code)
{
    for (size_t i = 0; i < sizeof languages / sizeof languages[0]; i++)
        if (strcmp(languages[i].code, code) == 0)
            return languages[i].stemmer;
    return NULL;
}

int refdata_is_language(const char *code)
{
    return refdata_language_name(code) != NULL;
}

const char *refdata_label_lang(const char *code)
{
    static const char *const langs[] = {"es", "pt", "en"};
    for (size_t i = 0; code && i < 3; i++)
        if (strcmp(code, langs[i]) == 0)
            return langs[i];
    return NULL;
}

static int bit_index(uint32_t bit, int n)
{
    for (int i = 0; i < n; i++)
        if (bit == (1u << i))
            return i;
    return -1;
}

/* Levels and actors by bit: vocab.c holds the names and labels by index. */
const char *refdata_level_name(uint32_t bit)
{
    int i = bit_index(bit, MINGA_N_LEVELS);
    return i < 0 ? NULL : vocab_level_name((unsigned)i);
}

uint32_t refdata_level_bit(const char *name)
{
    return vocab_level_bit(name);
}

const char *refdata_actor_name(uint32_t bit)
{
    int i = bit_index(bit, MINGA_N_ACTORS);
    return i < 0 ? NULL : vocab_actor_name((unsigned)i);
}

uint32_t refdata_actor_bit(const char *name)
{
    return vocab_actor_bit(name);
}

const char *refdata_level_label(uint32_t bit, const char *lang)
{
    int i = bit_index(bit, MINGA_N_LEVELS);
    return i < 0 ? NULL : vocab_level_label((unsigned)i, lang);
}

const char *refdata_actor_label(uint32_t bit, const char *lang)
{
    int i = bit_index(bit, MINGA_N_ACTORS);
    return i < 0 ? NULL : vocab_actor_label((unsigned)i, lang);
}

const char *refdata_thesaurus(size_t *len)
{
    if (len)
        *len = minga_thesaurus_txt_len;
    return (const char *)minga_thesaurus_txt;
}
