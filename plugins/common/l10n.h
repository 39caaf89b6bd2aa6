/*
 * What a briefing shows in its own language beyond the label table:
 * country names (Debian's iso-codes translations of ISO 3166-1, read
 * from its gettext catalog), the export's filters in words ("ODS 11:
 * Ciudades y comunidades sostenibles" for "sdg:11") and dates in words
 * ("6 de mayo de 2024").
 *
 * One struct exp_l10n per export, set up at begin and released at
 * finish: it holds the catalog of the export's language, so exports in
 * different languages can run at once in one process.
 */
#ifndef MINGA_EXP_L10N_H
#define MINGA_EXP_L10N_H

#include <stddef.h>

#include "minga/plugin.h"

struct exp_mo;

struct exp_l10n {
    const struct minga_host_api *host;
    const char *lang;         /* "es", "pt" or "en" (static) */
    struct exp_mo *countries; /* NULL: names stay in English */
};

/* Where iso-codes' catalogs are: MINGA_LOCALE_DIR/LANG/LC_MESSAGES/
 * iso_3166-1.mo. A missing catalog is not an error: names stay English. */
void exp_l10n_init(struct exp_l10n *l10n, const struct minga_host_api *host,
                   const char *lang);
/* The same, reading the catalogs under locale_dir (tests). */
void exp_l10n_init_dir(struct exp_l10n *l10n,
                       const struct minga_host_api *host, const char *lang,
                       const char *locale_dir);
void exp_l10n_release(struct exp_l10n *l10n);

/* The country's short name in the export's language ("KR" -> "Corea,
 * República de" in Spanish), else the host's English name, else the
 * code itself. Borrowed; never NULL. */
const char *exp_country_name(const struct exp_l10n *l10n, const char *alpha2);

/* A language code's name in the export's language ("pt" -> "portugués");
 * the code itself for a language outside the small built-in table. */
const char *exp_language_name(const struct exp_l10n *l10n, const char *code);

/* One filter of the host's description ("sdg:11", "level:local",
 * "country:KR", "year:2000..2010" ...) in words. Returns a new string;
 * caller frees; NULL when out of memory. An unknown filter is copied. */
char *exp_filter_in_words(const struct exp_l10n *l10n, const char *filter,
                          size_t len);
/* Every filter of `filters` (space-separated) in words, joined by `sep`;
 * "" when there is none. Returns a new string; caller frees. */
char *exp_filters_in_words(const struct exp_l10n *l10n, const char *filters,
                           const char *sep);

/* "2024-05-06T14:30:00Z" as "6 de mayo de 2024" / "6 de maio de 2024" /
 * "6 May 2024"; any other text is copied (truncated to fit). */
void exp_format_date_words(char *buf, size_t size, const char *iso,
                           const char *lang);

#endif /* MINGA_EXP_L10N_H */
