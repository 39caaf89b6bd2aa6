/* The levels and actors of the case format, named and labelled once. */
#include "vocab.h"

#include <string.h>

static const char *const level_names[MINGA_N_LEVELS] = {
    "local", "regional", "national", "multilateral"};

static const char *const actor_names[MINGA_N_ACTORS] = {
    "public_sector", "civil_society", "private_sector",
    "academia",      "community",     "international_organization"};

/* Rows: en, es, pt (lang_row). */
static const char *const level_labels[3][MINGA_N_LEVELS] = {
    {"Local", "Regional", "National", "Multilateral"},
    {"Local", "Regional", "Nacional", "Multilateral"},
    {"Local", "Regional", "Nacional", "Multilateral"}};

static const char *const actor_labels[3][MINGA_N_ACTORS] = {
    {"Public sector", "Civil society", "Private sector", "Academia",
     "Community", "International organization"},
    {"Sector público", "Sociedad civil", "Sector privado", "Academia",
     "Comunidad", "Organismo internacional"},
    {"Setor público", "Sociedade civil", "Setor privado", "Academia",
     "Comunidade", "Organismo internacional"}};

static int lang_row(const char *lang)
{
    if (lang && strcmp(lang, "es") == 0)
        return 1;
    if (lang && strcmp(lang, "pt") == 0)
        return 2;
    return 0;
}

static uint32_t bit_of(const char *const *names, unsigned n, const char *name)
{
    for (unsigned i = 0; name && i < n; i++)
        if (strcmp(names[i], name) == 0)
            return 1u << i;
    return 0;
}

const char *vocab_level_name(unsigned i)
{
    return i < MINGA_N_LEVELS ? level_names[i] : NULL;
}

const char *vocab_actor_name(unsigned i)
{
    return i < MINGA_N_ACTORS ? actor_names[i] : NULL;
}

uint32_t vocab_level_bit(const char *name)
{
    return bit_of(level_names, MINGA_N_LEVELS, name);
}

uint32_t vocab_actor_bit(const char *name)
{
    return bit_of(actor_names, MINGA_N_ACTORS, name);
}

const char *vocab_level_label(unsigned i, const char *lang)
{
    return i < MINGA_N_LEVELS ? level_labels[lang_row(lang)][i] : NULL;
}

const char *vocab_actor_label(unsigned i, const char *lang)
{
    return i < MINGA_N_ACTORS ? actor_labels[lang_row(lang)][i] : NULL;
}
