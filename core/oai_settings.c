/* The OAI settings by name: see oai_settings.h. */
#include "oai_settings.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "minga_impl.h"
#include "oai.h"

/* the same defaults as fed_site_load (web/feeds.c) */
#define DEFAULT_HOST "minga.local"
#define DEFAULT_NAME "minga: city experiences with the SDGs"

const struct minga_oai_setting_info minga_oai_settings[] = {
    {"host", "oai_host",
     "repository identifier in oai:HOST:ID (a domain name with a dot)"},
    {"base-url", "base_url",
     "public address of the node (https://casos.example.org)"},
    {"name", "repository_name", "Identify's repositoryName, feed titles"},
    {"admin-email", "oai_admin_email", "Identify's adminEmail"},
    {NULL, NULL, NULL},
};

const struct minga_oai_setting_info *minga_oai_setting_find(const char *name)
{
    for (const struct minga_oai_setting_info *s = minga_oai_settings; s->name;
         s++)
        if (strcmp(name, s->name) == 0 || strcmp(name, s->key) == 0)
            return s;
    return NULL;
}

/* The oai-identifier scheme's repositoryIdentifier: labels of letters,
 * digits and '-', the first starting with a letter, at least one dot. */
static int is_domain(const char *s)
{
    if (!isalpha((unsigned char)s[0]) || !strchr(s, '.'))
        return 0;
    size_t label = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '.') {
            if (label == 0)
                return 0;
            label = 0;
        } else if (isalnum((unsigned char)*p) || *p == '-') {
            label++;
        } else {
            return 0;
        }
    }
    return label > 0;
}

const char *minga_oai_setting_problem(const char *key, const char *value)
{
    if (!*value)
        return "empty";
    if (strcmp(key, "oai_host") == 0 && !is_domain(value))
        return "not a domain name starting with a letter and holding a dot "
               "(casos.example.org), as the oai-identifier scheme asks";
    if (strcmp(key, "base_url") == 0 &&
        ((strncmp(value, "http://", 7) != 0 &&
          strncmp(value, "https://", 8) != 0) ||
         strpbrk(value, " \t\r\n\"<>")))
        return "not an absolute http or https URL";
    if (strcmp(key, "oai_admin_email") == 0 &&
        (!strchr(value, '@') || strpbrk(value, " \t\r\n<>")))
        return "not an e-mail address";
    return NULL;
}

char *minga_oai_setting_effective(struct minga *m, const char *key,
                                  int *is_default)
{
    char *stored = minga_oai_setting(m, key, NULL);
    if (is_default)
        *is_default = stored == NULL;
    if (stored)
        return stored;
    if (strcmp(key, "oai_host") == 0)
        return strdup(DEFAULT_HOST);
    if (strcmp(key, "repository_name") == 0)
        return strdup(DEFAULT_NAME);
    char *host = minga_oai_setting(m, "oai_host", DEFAULT_HOST);
    char *value = NULL;
    if (host && strcmp(key, "base_url") == 0)
        value = minga_strdupf("http://%s", host);
    else if (host && strcmp(key, "oai_admin_email") == 0)
        value = minga_strdupf("admin@%s", host);
    free(host);
    return value;
}
