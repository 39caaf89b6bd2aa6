/* Country names, filters and dates in the export's language. */
#define _GNU_SOURCE /* asprintf */
#include "l10n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"
#include "mo_catalog.h"

#ifndef MINGA_LOCALE_DIR
#define MINGA_LOCALE_DIR "/usr/share/locale"
#endif

void exp_l10n_init(struct exp_l10n *l10n, const struct minga_host_api *host,
                   const char *lang)
{
    exp_l10n_init_dir(l10n, host, lang, MINGA_LOCALE_DIR);
}

void exp_l10n_init_dir(struct exp_l10n *l10n,
                       const struct minga_host_api *host, const char *lang,
                       const char *locale_dir)
{
    memset(l10n, 0, sizeof *l10n);
    l10n->host = host;
    l10n->lang = exp_lang_norm(lang);
    if (strcmp(l10n->lang, "en") == 0)
        return; /* the catalogs' msgids are the English names */
    /* Brazilian Portuguese first: most of the catalog's Portuguese
     * speakers, and the SDG names the host gives are Brazil's. */
    const char *const dirs[2][2] = {{"es", NULL}, {"pt_BR", "pt"}};
    const char *const *try = dirs[strcmp(l10n->lang, "pt") == 0];
    for (int i = 0; i < 2 && try[i] && !l10n->countries; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s/LC_MESSAGES/iso_3166-1.mo",
                 locale_dir, try[i]);
        if (exp_mo_open(&l10n->countries, path) != 0)
            l10n->countries = NULL;
    }
}

void exp_l10n_release(struct exp_l10n *l10n)
{
    exp_mo_free(l10n->countries);
    l10n->countries = NULL;
}

const char *exp_country_name(const struct exp_l10n *l10n, const char *alpha2)
{
    if (!alpha2)
        return "";
    const char *english = l10n->host && l10n->host->country_name
                              ? l10n->host->country_name(alpha2)
                              : NULL;
    if (!english)
        return alpha2;
    const char *local = exp_mo_lookup(l10n->countries, english);
    return local ? local : english;
}

/* Languages cases are mostly written in; columns es, pt, en. */
static const struct {
    const char *code;
    const char *names[3];
} language_names[] = {
    {"es", {"español", "espanhol", "Spanish"}},
    {"pt", {"portugués", "português", "Portuguese"}},
    {"en", {"inglés", "inglês", "English"}},
    {"fr", {"francés", "francês", "French"}},
    {"it", {"italiano", "italiano", "Italian"}},
    {"de", {"alemán", "alemão", "German"}},
    {"nl", {"neerlandés", "neerlandês", "Dutch"}},
    {"ca", {"catalán", "catalão", "Catalan"}},
};

static int lang_column(const char *lang)
{
    return strcmp(lang, "es") == 0 ? 0 : strcmp(lang, "pt") == 0 ? 1 : 2;
}

const char *exp_language_name(const struct exp_l10n *l10n, const char *code)
{
    for (size_t i = 0; i < sizeof language_names / sizeof language_names[0];
         i++)
        if (strcmp(code, language_names[i].code) == 0)
            return language_names[i].names[lang_column(l10n->lang)];
    return code;
}

/* "Label: value" as a new string. */
static char *labelled(const struct exp_l10n *l10n, enum exp_label label,
                      const char *value)
{
    char *s = NULL;
    if (asprintf(&s, "%s: %s", exp_label(label, l10n->lang), value) < 0)
        return NULL;
    return s;
}

static int bit_of(const char *name, unsigned n_bits,
                  const char *(*name_of)(unsigned))
{
    for (unsigned i = 0; i < n_bits; i++)
        if (strcmp(name, name_of(i)) == 0)
            return (int)i;
    return -1;
}

static char *year_words(const struct exp_l10n *l10n, const char *range)
{
    const char *dots = strstr(range, "..");
    if (!dots)
        return labelled(l10n, EXP_L_YEARS, range);
    char from[16] = "", to[16] = "", text[64];
    snprintf(from, sizeof from, "%.*s", (int)(dots - range), range);
    snprintf(to, sizeof to, "%s", dots + 2);
    if (*from && *to)
        snprintf(text, sizeof text, "%s–%s", from, to);
    else if (*from)
        snprintf(text, sizeof text, "%s %s", exp_label(EXP_L_FROM, l10n->lang),
                 from);
    else
        snprintf(text, sizeof text, "%s %s",
                 exp_label(EXP_L_UNTIL, l10n->lang), to);
    return labelled(l10n, EXP_L_YEARS, text);
}

char *exp_filter_in_words(const struct exp_l10n *l10n, const char *filter,
                          size_t len)
{
    char *token = strndup(filter, len);
    if (!token)
        return NULL;
    char *colon = strchr(token, ':');
    char *words = NULL;
    const char *value = colon ? colon + 1 : "";
    if (colon)
        *colon = '\0';
    const char *lang = l10n->lang;
    const struct minga_host_api *host = l10n->host;
    if (!colon || !*value) {
        words = NULL;
    } else if (strcmp(token, "sdg") == 0) {
        int goal = atoi(value);
        const struct minga_goal_info *info =
            goal >= 1 && goal <= 17 && host && host->goal_info
                ? host->goal_info(goal)
                : NULL;
        const char *name = exp_goal_name(info, lang);
        if (asprintf(&words, *name ? "%s %s: %s" : "%s %s",
                     exp_label(EXP_L_SDG_SHORT, lang), value, name) < 0)
            words = NULL;
    } else if (strcmp(token, "target") == 0) {
        if (asprintf(&words, "%s %s", exp_label(EXP_L_TARGET_ONE, lang),
                     value) < 0)
            words = NULL;
    } else if (strcmp(token, "level") == 0) {
        int bit = bit_of(value, MINGA_N_LEVELS, vocab_level_name);
        words =
            labelled(l10n, EXP_L_LEVEL_ONE,
                     bit < 0 ? value : exp_level_label((unsigned)bit, lang));
    } else if (strcmp(token, "actor") == 0) {
        int bit = bit_of(value, MINGA_N_ACTORS, vocab_actor_name);
        words =
            labelled(l10n, EXP_L_ACTOR_ONE,
                     bit < 0 ? value : exp_actor_label((unsigned)bit, lang));
    } else if (strcmp(token, "country") == 0) {
        words = labelled(l10n, EXP_L_COUNTRY, exp_country_name(l10n, value));
    } else if (strcmp(token, "lang") == 0) {
        words = labelled(l10n, EXP_L_CASE_LANGUAGE,
                         exp_language_name(l10n, value));
    } else if (strcmp(token, "year") == 0) {
        words = year_words(l10n, value);
    }
    if (!words) { /* unknown: shown as it came */
        if (colon)
            *colon = ':';
        return token;
    }
    free(token);
    return words;
}

char *exp_filters_in_words(const struct exp_l10n *l10n, const char *filters,
                           const char *sep)
{
    size_t cap = 64, len = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    out[0] = '\0';
    const char *p = filters ? filters : "";
    while (*p) {
        p += strspn(p, " ");
        size_t token_len = strcspn(p, " ");
        if (token_len == 0)
            break;
        char *words = exp_filter_in_words(l10n, p, token_len);
        p += token_len;
        if (!words) {
            free(out);
            return NULL;
        }
        size_t need = len + (len ? strlen(sep) : 0) + strlen(words) + 1;
        if (need > cap) {
            while (cap < need)
                cap *= 2;
            char *grown = realloc(out, cap);
            if (!grown) {
                free(words);
                free(out);
                return NULL;
            }
            out = grown;
        }
        if (len) {
            memcpy(out + len, sep, strlen(sep));
            len += strlen(sep);
        }
        memcpy(out + len, words, strlen(words) + 1);
        len += strlen(words);
        free(words);
    }
    return out;
}

void exp_format_date_words(char *buf, size_t size, const char *iso,
                           const char *lang)
{
    static const char *const months[3][12] = {
        {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
         "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
        {"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho",
         "agosto", "setembro", "outubro", "novembro", "dezembro"},
        {"January", "February", "March", "April", "May", "June", "July",
         "August", "September", "October", "November", "December"}};
    int year, month, day;
    if (!iso || sscanf(iso, "%4d-%2d-%2d", &year, &month, &day) != 3 ||
        month < 1 || month > 12 || day < 1 || day > 31) {
        snprintf(buf, size, "%s", iso ? iso : "");
        return;
    }
    int column = lang_column(exp_lang_norm(lang));
    if (column == 2)
        snprintf(buf, size, "%d %s %d", day, months[2][month - 1], year);
    else
        snprintf(buf, size, "%d de %s de %d", day, months[column][month - 1],
                 year);
}
