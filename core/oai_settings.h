/*
 * The node's OAI settings by name, for `minga oai set|show`: which keys
 * exist (core/oai.h reads and writes them in the catalog's meta table),
 * what each is for, its default, and which values are refused before
 * they reach the catalog (an oai_host the oai-identifier scheme does not
 * allow, a base_url that is no absolute http(s) URL).
 */
#ifndef MINGA_OAI_SETTINGS_H
#define MINGA_OAI_SETTINGS_H

struct minga;

struct minga_oai_setting_info {
    const char *name; /* as the CLI says it: "host", "base-url" */
    const char *key;  /* the meta key: "oai_host", "base_url" */
    const char *what; /* one line */
};

/* The settings, ending with a zeroed entry. */
extern const struct minga_oai_setting_info minga_oai_settings[];

/* By CLI name or by key; NULL when no such setting. */
const struct minga_oai_setting_info *minga_oai_setting_find(const char *name);

/* NULL when `value` is fine for `key`, else why not (a static string). */
const char *minga_oai_setting_problem(const char *key, const char *value);

/* The value in effect: stored, else the default web/feeds.c derives
 * (oai_host minga.local, base_url http://HOST, ...). Returns a new string
 * (caller frees); *is_default (may be NULL) says which. */
char *minga_oai_setting_effective(struct minga *m, const char *key,
                                  int *is_default);

#endif
