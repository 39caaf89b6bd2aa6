/*
 * A reader of GNU gettext message catalogs (.mo files), for the
 * translations Debian's iso-codes ships (iso_3166-1: country names).
 *
 * Exporters run in the server's worker threads, several at once and in
 * different languages, so they cannot use gettext itself (dgettext
 * follows the process's LC_MESSAGES locale, which only setlocale changes,
 * for every thread, and only when that locale is installed). A catalog
 * is read whole into memory once per export and looked up without any
 * global state. Every offset is checked against the file's size before
 * it is used: a truncated or hostile file gives no translations, never a
 * read out of bounds.
 */
#ifndef MINGA_EXP_MO_CATALOG_H
#define MINGA_EXP_MO_CATALOG_H

#include <stddef.h>

struct exp_mo;

/* Reads the catalog at path. Returns 0 and sets *out, or -1 when the file
 * is missing, unreadable or not a well-formed .mo file. */
int exp_mo_open(struct exp_mo **out, const char *path);
void exp_mo_free(struct exp_mo *mo);

/* The translation of msgid, borrowed from the catalog (valid until
 * exp_mo_free), or NULL when the catalog has none (or an empty one). */
const char *exp_mo_lookup(const struct exp_mo *mo, const char *msgid);

#endif /* MINGA_EXP_MO_CATALOG_H */
